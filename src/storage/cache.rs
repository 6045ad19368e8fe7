//! The hot-read cache: sessions and catalog rows that every request reads, kept in memory
//! (moka, bounded by `cache.max_entries`).
//!
//! It lives inside the storage boundary so that every write path that changes a cached row is
//! also the one that forgets it: a caller cannot write around it. Catalog rows (tracks,
//! albums, artists, and the lists built from them) are not forgotten one by one: every write
//! to the catalog moves a generation counter, and a row loaded in an older generation is a
//! miss. Writes are rare next to reads (a scan moves it in bursts), and no write can miss an
//! entry it should have forgotten, including one loaded while it ran.
//!
//! Rows also expire after [`TTL`], which bounds what no local write reaches: counters that
//! triggers move (`play_count`, `like_count`, album and playlist totals) and writes made by
//! another instance sharing the same PostgreSQL.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;

use super::{
    Album, Artist, Id, Playlist, PlaylistItem, Session, StorageResult, Track, TrackSummary, User,
};

/// How stale a cached row may be when no local write has forgotten it.
pub const TTL: Duration = Duration::from_secs(5);

/// What a cache entry holds; one hit/miss counter pair each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Session,
    Track,
    Album,
    Artist,
    AlbumTracks,
    Playlist,
    PlaylistItems,
    Liked,
    /// A list response, serialized: browsing pages repeat far more than the catalog changes.
    ListPage,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Session,
        Kind::Track,
        Kind::Album,
        Kind::Artist,
        Kind::AlbumTracks,
        Kind::Playlist,
        Kind::PlaylistItems,
        Kind::Liked,
        Kind::ListPage,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Session => "session",
            Kind::Track => "track",
            Kind::Album => "album",
            Kind::Artist => "artist",
            Kind::AlbumTracks => "album_tracks",
            Kind::Playlist => "playlist",
            Kind::PlaylistItems => "playlist_items",
            Kind::Liked => "liked",
            Kind::ListPage => "list_page",
        }
    }

    /// Built from catalog rows: stale once the catalog changes.
    fn follows_catalog(self) -> bool {
        !matches!(self, Kind::Session | Kind::Liked)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// An entry's key: its kind, the row's id and, for pairs (user × track), the second id.
pub(crate) type Key = (Kind, Id, Id);

/// The second id of a key that names one row.
fn single(id: Id) -> (Id, Id) {
    (id, Id(uuid::Uuid::nil()))
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
    Album(Arc<Album>),
    Artist(Arc<Artist>),
    Tracks(Arc<Vec<TrackSummary>>),
    Playlist(Arc<Playlist>),
    Items(Arc<Vec<PlaylistItem>>),
    Flag(Arc<bool>),
    Json(Arc<Bytes>),
}

/// A value type the cache holds, and how it is stored.
pub(crate) trait Cached: Sized {
    fn wrap(value: Arc<Self>) -> Value;
    fn peel(value: &Value) -> Option<Arc<Self>>;
}

macro_rules! cached {
    ($type:ty, $variant:ident) => {
        impl Cached for $type {
            fn wrap(value: Arc<Self>) -> Value {
                Value::$variant(value)
            }
            fn peel(value: &Value) -> Option<Arc<Self>> {
                match value {
                    Value::$variant(v) => Some(v.clone()),
                    _ => None,
                }
            }
        }
    };
}

cached!(SessionEntry, Session);
cached!(Track, Track);
cached!(Album, Album);
cached!(Artist, Artist);
cached!(Vec<TrackSummary>, Tracks);
cached!(Playlist, Playlist);
cached!(Vec<PlaylistItem>, Items);
cached!(bool, Flag);
cached!(Bytes, Json);

pub(crate) struct CatalogWrite<'a>(&'a Cache);

impl Drop for CatalogWrite<'_> {
    fn drop(&mut self) {
        self.0.catalog_changed();
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
    /// Each value with the catalog generation it was loaded in.
    entries: Option<moka::sync::Cache<Key, (u64, Value)>>,
    generation: AtomicU64,
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
            generation: AtomicU64::new(0),
            hits: Default::default(),
            misses: Default::default(),
        }
    }

    pub fn off() -> Cache {
        Cache::new(0)
    }

    /// The cached row, or `load`'s (then kept). Failures are not cached.
    pub async fn get_or_load<T, F>(&self, kind: Kind, id: Id, load: F) -> StorageResult<Arc<T>>
    where
        T: Cached,
        F: Future<Output = StorageResult<T>>,
    {
        let (first, second) = single(id);
        self.get_or_load_pair(kind, first, second, load).await
    }

    /// As [`Cache::get_or_load`], for a value about a pair of rows (a user's like of a track).
    pub async fn get_or_load_pair<T, F>(
        &self,
        kind: Kind,
        first: Id,
        second: Id,
        load: F,
    ) -> StorageResult<Arc<T>>
    where
        T: Cached,
        F: Future<Output = StorageResult<T>>,
    {
        let Some(entries) = &self.entries else {
            return load.await.map(Arc::new);
        };
        let key = (kind, first, second);
        let slot = kind.index();
        // Read before loading: a write that lands during the load makes this entry stale.
        let generation = self.generation.load(Ordering::Acquire);
        if let Some((loaded_in, value)) = entries.get(&key)
            && (!kind.follows_catalog() || loaded_in == generation)
            && let Some(found) = T::peel(&value)
        {
            self.hits[slot].fetch_add(1, Ordering::Relaxed);
            return Ok(found);
        }
        self.misses[slot].fetch_add(1, Ordering::Relaxed);
        let loaded = Arc::new(load.await?);
        entries.insert(key, (generation, T::wrap(loaded.clone())));
        Ok(loaded)
    }

    pub fn forget(&self, kind: Kind, id: Id) {
        let (first, second) = single(id);
        self.forget_pair(kind, first, second);
    }

    pub fn forget_pair(&self, kind: Kind, first: Id, second: Id) {
        if let Some(entries) = &self.entries {
            entries.invalidate(&(kind, first, second));
        }
    }

    /// The catalog changed: every entry built from it is stale.
    pub fn catalog_changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Held by a catalog write for its whole run: when it ends (done, failed or cancelled),
    /// the catalog has changed. Ending after the write is what makes a load that overlapped
    /// it stale.
    pub fn catalog_write(&self) -> CatalogWrite<'_> {
        CatalogWrite(self)
    }

    /// Every session of one account: its profile, rights or sessions changed.
    pub fn forget_sessions_of(&self, user_id: Id) {
        let Some(entries) = &self.entries else {
            return;
        };
        let predicate = move |key: &Key, value: &(u64, Value)| {
            key.0 == Kind::Session
                && matches!(&value.1, Value::Session(entry) if entry.user.id == user_id)
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
