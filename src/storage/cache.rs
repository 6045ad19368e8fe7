//! The hot-read cache: sessions and catalog rows that every request reads, kept in memory
//! (moka, bounded by `cache.max_entries`).
//!
//! It lives inside the storage boundary so that every write path that changes a cached row is
//! also the one that forgets it: a caller cannot write around it. Entries are not forgotten one
//! by one but by generation: every write to the catalog (tracks, albums, artists) moves a
//! catalog counter, and every other forget (a playlist edit, a like, a logout) moves its kind's
//! counter. An entry loaded in an older generation is a miss. The counters are read before a
//! load and moved after a write has ended, so a load that overlapped a write is never kept.
//! Writes are rare next to reads; a forget costs the other entries of its kind one reload.
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
use chrono::{DateTime, Utc};

use super::{
    Album, Artist, Id, Playlist, PlaylistItem, Session, SongFile, SongMarks, StorageResult, Track,
    TrackNames, TrackSummary, User,
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
    /// The artist and album names shown beside a track.
    TrackNames,
    /// A Subsonic song's file, tags and play count: the same for every listener.
    SongFile,
    /// One listener's star, rating and last play of a track.
    SongMarks,
    /// When one listener starred an album (or that they have not).
    AlbumStar,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::Session,
        Kind::Track,
        Kind::Album,
        Kind::Artist,
        Kind::AlbumTracks,
        Kind::Playlist,
        Kind::PlaylistItems,
        Kind::Liked,
        Kind::ListPage,
        Kind::TrackNames,
        Kind::SongFile,
        Kind::SongMarks,
        Kind::AlbumStar,
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
            Kind::TrackNames => "track_names",
            Kind::SongFile => "song_file",
            Kind::SongMarks => "song_marks",
            Kind::AlbumStar => "album_star",
        }
    }

    /// Built from catalog rows: stale once the catalog changes.
    fn follows_catalog(self) -> bool {
        !matches!(
            self,
            Kind::Session | Kind::Liked | Kind::SongMarks | Kind::AlbumStar
        )
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// An entry's key: its kind, the row's id and, for pairs (user × track), the second id.
pub(crate) type Key = (Kind, Id, Id);

/// The second id of a key that names one row.
pub(crate) fn single(id: Id) -> (Id, Id) {
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
    Names(Arc<TrackNames>),
    SongFile(Arc<SongFile>),
    SongMarks(Arc<SongMarks>),
    Starred(Arc<Option<DateTime<Utc>>>),
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
cached!(TrackNames, Names);
cached!(SongFile, SongFile);
cached!(SongMarks, SongMarks);
cached!(Option<DateTime<Utc>>, Starred);

impl Value {
    /// Cache capacity units: one per entry, plus one per KiB of serialized JSON.
    fn weight(&self) -> u32 {
        match self {
            Value::Json(bytes) => 1 + u32::try_from(bytes.len() / 1024).unwrap_or(u32::MAX),
            _ => 1,
        }
    }
}

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

/// What [`Cache::lookup`] found.
pub(crate) enum Lookup<T> {
    Hit(Arc<T>),
    /// Not cached; the generations read before the caller loads it (`None`: caching is off).
    Miss(Option<Loaded>),
}

/// The generations an entry was loaded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Loaded {
    catalog: u64,
    kind: u64,
}

pub(crate) struct Cache {
    /// Each value with the generations (catalog, its kind's) it was loaded in.
    entries: Option<moka::sync::Cache<Key, (Loaded, Value)>>,
    generation: AtomicU64,
    kind_generations: [AtomicU64; Kind::ALL.len()],
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
                // A serialized list or a long playlist weighs by its size (one unit per KiB),
                // so the bound holds memory, not just entries.
                .weigher(|_, (_, value): &(Loaded, Value)| value.weight())
                .time_to_live(TTL)
                .build()
        });
        Cache {
            entries,
            generation: AtomicU64::new(0),
            kind_generations: Default::default(),
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
        match self.lookup::<T>(kind, first, second) {
            Lookup::Hit(found) => Ok(found),
            Lookup::Miss(now) => {
                let loaded = Arc::new(load.await?);
                self.keep(kind, first, second, now, loaded.clone());
                Ok(loaded)
            }
        }
    }

    /// The cached value, or a miss carrying what [`Cache::keep`] needs to keep the value the
    /// caller loads next. For callers that load several values in one database trip.
    pub fn lookup<T: Cached>(&self, kind: Kind, first: Id, second: Id) -> Lookup<T> {
        let Some(entries) = &self.entries else {
            return Lookup::Miss(None);
        };
        let slot = kind.index();
        // Read before loading: a write that ends during the load makes this entry stale.
        let now = self.generations(kind);
        if let Some((loaded_in, value)) = entries.get(&(kind, first, second))
            && loaded_in.kind == now.kind
            && (!kind.follows_catalog() || loaded_in.catalog == now.catalog)
            && let Some(found) = T::peel(&value)
        {
            self.hits[slot].fetch_add(1, Ordering::Relaxed);
            return Lookup::Hit(found);
        }
        self.misses[slot].fetch_add(1, Ordering::Relaxed);
        Lookup::Miss(Some(now))
    }

    /// Keeps a value loaded after [`Cache::lookup`] missed, stamped with the generations that
    /// lookup read (so a write that ended meanwhile leaves it stale).
    pub fn keep<T: Cached>(
        &self,
        kind: Kind,
        first: Id,
        second: Id,
        missed: Option<Loaded>,
        value: Arc<T>,
    ) {
        if let (Some(entries), Some(now)) = (&self.entries, missed) {
            entries.insert((kind, first, second), (now, T::wrap(value)));
        }
    }

    fn generations(&self, kind: Kind) -> Loaded {
        Loaded {
            catalog: self.generation.load(Ordering::Acquire),
            kind: self.kind_generations[kind.index()].load(Ordering::Acquire),
        }
    }

    pub fn forget(&self, kind: Kind, id: Id) {
        let (first, second) = single(id);
        self.forget_pair(kind, first, second);
    }

    /// Called after the write: every entry of this kind loaded so far is stale; this one's
    /// memory is freed at once.
    pub fn forget_pair(&self, kind: Kind, first: Id, second: Id) {
        self.kind_generations[kind.index()].fetch_add(1, Ordering::AcqRel);
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

    /// An account's profile, rights or sessions changed: every cached session reloads (one
    /// query each), which is simpler than finding that account's and as rare.
    pub fn forget_sessions(&self) {
        self.kind_generations[Kind::Session.index()].fetch_add(1, Ordering::AcqRel);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A load that read the old row before a write ended must not be kept after it.
    #[tokio::test]
    async fn a_load_overlapping_a_forget_is_not_kept() {
        let cache = Cache::new(100);
        let (user, track) = (Id::new(), Id::new());
        let (release, wait) = tokio::sync::oneshot::channel::<()>();
        let slow_load = async {
            let _ = wait.await;
            Ok(false) // the row as it was before the write
        };
        let loading = cache.get_or_load_pair(Kind::Liked, user, track, slow_load);
        let forgetting = async {
            // The write ends while the load is in flight.
            cache.forget_pair(Kind::Liked, user, track);
            let _ = release.send(());
        };
        let (loaded, ()) = tokio::join!(loading, forgetting);
        assert!(!*loaded.unwrap());
        let fresh = cache
            .get_or_load_pair(Kind::Liked, user, track, async { Ok(true) })
            .await
            .unwrap();
        assert!(*fresh, "the overlapping load was not kept");

        // The same for catalog rows and the catalog generation.
        let album = Id::new();
        let (release, wait) = tokio::sync::oneshot::channel::<()>();
        let loading = cache.get_or_load(Kind::AlbumTracks, album, async {
            let _ = wait.await;
            Ok(Bytes::from_static(b"old"))
        });
        let writing = async {
            drop(cache.catalog_write());
            let _ = release.send(());
        };
        let _ = tokio::join!(loading, writing);
        let now = cache
            .get_or_load(Kind::AlbumTracks, album, async {
                Ok(Bytes::from_static(b"new"))
            })
            .await
            .unwrap();
        assert_eq!(&now[..], b"new");
    }

    #[test]
    fn big_json_weighs_by_its_size() {
        assert_eq!(Value::Flag(Arc::new(true)).weight(), 1);
        assert_eq!(
            Value::Json(Arc::new(Bytes::from(vec![b' '; 10 * 1024]))).weight(),
            11
        );
    }
}
