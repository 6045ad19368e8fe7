//! The hot-read cache: sessions and catalog rows that every request reads, kept in memory
//! (moka, bounded by `cache.max_entries`).
//!
//! It lives inside the storage boundary so that every write path that changes a cached row is
//! also the one that forgets it: a caller cannot write around it. Rows also expire after
//! [`TTL`], which bounds what a write cannot reach: counters that triggers move
//! (`play_count`, `like_count`, album and playlist totals) and writes made by another instance
//! sharing the same PostgreSQL. A load racing a write may put back the old row; the TTL bounds
//! that too.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::{Id, Session, StorageResult, Track, User};

/// How stale a cached row may be when no local write has forgotten it.
pub const TTL: Duration = Duration::from_secs(5);

/// What a cache entry holds; one hit/miss counter pair each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Session,
    Track,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Session, Kind::Track];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Session => "session",
            Kind::Track => "track",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A live session with its account, as authentication needs it.
#[derive(Debug, Clone)]
pub struct SessionEntry {
    pub user: User,
    pub session: Session,
    pub token_hash: String,
}

#[derive(Clone)]
pub(crate) enum Value {
    Session(Arc<SessionEntry>),
    Track(Arc<Track>),
}

/// A value type the cache holds, and how it is stored.
pub(crate) trait Cached: Sized {
    const KIND: Kind;
    fn wrap(value: Arc<Self>) -> Value;
    fn peel(value: &Value) -> Option<Arc<Self>>;
}

impl Cached for SessionEntry {
    const KIND: Kind = Kind::Session;
    fn wrap(value: Arc<Self>) -> Value {
        Value::Session(value)
    }
    fn peel(value: &Value) -> Option<Arc<Self>> {
        match value {
            Value::Session(v) => Some(v.clone()),
            _ => None,
        }
    }
}

impl Cached for Track {
    const KIND: Kind = Kind::Track;
    fn wrap(value: Arc<Self>) -> Value {
        Value::Track(value)
    }
    fn peel(value: &Value) -> Option<Arc<Self>> {
        match value {
            Value::Track(v) => Some(v.clone()),
            _ => None,
        }
    }
}

/// Hits and misses of one kind since start.
#[derive(Debug, Clone, Copy)]
pub struct CacheStats {
    pub kind: Kind,
    pub hits: u64,
    pub misses: u64,
}

pub(crate) struct Cache {
    entries: Option<moka::sync::Cache<(Kind, Id), Value>>,
    hits: [AtomicU64; Kind::ALL.len()],
    misses: [AtomicU64; Kind::ALL.len()],
}

impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("enabled", &self.entries.is_some())
            .finish()
    }
}

impl Cache {
    /// A cache of at most `max_entries` rows; 0 turns caching off.
    pub fn new(max_entries: u64) -> Cache {
        let entries = (max_entries > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(max_entries)
                .time_to_live(TTL)
                .support_invalidation_closures()
                .build()
        });
        Cache {
            entries,
            hits: Default::default(),
            misses: Default::default(),
        }
    }

    pub fn off() -> Cache {
        Cache::new(0)
    }

    /// The cached row, or `load`'s (then kept). Failures are not cached.
    pub async fn get_or_load<T, F>(&self, id: Id, load: F) -> StorageResult<Arc<T>>
    where
        T: Cached,
        F: Future<Output = StorageResult<T>>,
    {
        let Some(entries) = &self.entries else {
            return load.await.map(Arc::new);
        };
        let slot = T::KIND.index();
        if let Some(found) = entries.get(&(T::KIND, id)).and_then(|v| T::peel(&v)) {
            self.hits[slot].fetch_add(1, Ordering::Relaxed);
            return Ok(found);
        }
        self.misses[slot].fetch_add(1, Ordering::Relaxed);
        let loaded = Arc::new(load.await?);
        entries.insert((T::KIND, id), T::wrap(loaded.clone()));
        Ok(loaded)
    }

    pub fn forget(&self, kind: Kind, id: Id) {
        if let Some(entries) = &self.entries {
            entries.invalidate(&(kind, id));
        }
    }

    pub fn forget_all(&self, kind: Kind, ids: &[Id]) {
        for &id in ids {
            self.forget(kind, id);
        }
    }

    /// Every session of one account: its profile, rights or sessions changed.
    pub fn forget_sessions_of(&self, user_id: Id) {
        let Some(entries) = &self.entries else {
            return;
        };
        let predicate = move |key: &(Kind, Id), value: &Value| {
            key.0 == Kind::Session
                && matches!(value, Value::Session(entry) if entry.user.id == user_id)
        };
        if entries.invalidate_entries_if(predicate).is_err() {
            // Closures are enabled when the cache is built; this is the safe fallback.
            entries.invalidate_all();
        }
    }

    pub fn stats(&self) -> Vec<CacheStats> {
        Kind::ALL
            .iter()
            .map(|&kind| CacheStats {
                kind,
                hits: self.hits[kind.index()].load(Ordering::Relaxed),
                misses: self.misses[kind.index()].load(Ordering::Relaxed),
            })
            .collect()
    }
}
