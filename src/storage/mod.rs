//! The storage boundary: every SQL statement in Juke lives under this module.
//!
//! The engine is chosen once, from the database URL's scheme. The rest of the program holds a
//! [`Storage`] and never learns which engine answers. Most statements are written once in the
//! dialect both engines share (`$1` placeholders, `RETURNING`, standard functions) and compiled
//! for each engine by [`with_pool!`]; where the dialects differ, the statement says so inline.

mod app_passwords;
mod audit;
mod browse;
mod cache;
mod catalog;
mod changes;
mod error;
mod health;
mod history;
mod id;
mod invites;
mod library;
mod models;
mod paging;
mod path_match;
mod playlists;
mod queue;
mod radio;
mod search;
mod shares;
mod similar;
mod snapshot;
mod social;
mod song_facts;
mod track_detail;
mod transfer;
mod uploads;
mod url;
mod users;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use browse::{Filter, ListRequest, Sort, SortKey};
use cache::Cache;
pub use cache::{CacheStats, Kind as CacheKind, SessionEntry};
pub use changes::CatalogChange;
pub use error::{StorageError, StorageResult};
pub use id::Id;
pub(crate) use id::Ts;
pub use invites::MAX_INVITES;
pub use models::*;
pub use playlists::MAX_PLAYLIST_ENTRIES;
pub use queue::{Bookmark, MAX_QUEUE_ENTRIES, PlayQueue, QueueSave};
pub use radio::MAX_RADIO_STATIONS;
pub use search::{DatabaseQuery, SearchDocument, SearchEntity, SearchKind};
pub use shares::MAX_SHARES_PER_USER;
pub use similar::{CoPlayed, MAX_SEEDS as MAX_SIMILAR_SEEDS};
pub use snapshot::{restore_snapshot, snapshot_file_name};
pub use song_facts::{SongFacts, SongFile, SongMarks};
pub use transfer::{COPIED_TABLES, DERIVED_TABLES, TableCopy};
pub use url::{DatabaseUrl, UrlError, redact as redact_url};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The oldest PostgreSQL whose features the schema uses (`gen_random_uuid()` is built in from 13).
const MIN_POSTGRES_VERSION: i32 = 130000;

/// A connection pool's use at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// Which engine a [`Storage`] talks to; for `/healthz` and logs only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database, whichever engine it is. Cheap to clone: a connection pool and the hot-read
/// cache (off unless [`Storage::with_cache`] turns it on).
#[derive(Clone, Debug)]
pub struct Storage {
    pool: Pool,
    cache: Arc<Cache>,
    changes: Arc<changes::ChangeFeed>,
    file: Option<Arc<SqliteFile>>,
    health: Arc<health::Health>,
    batches: Arc<track_detail::DetailBatches>,
}

/// The SQLite file a [`Storage`] opened, as the file system named it then. Deleting the file
/// under a running server does not stop SQLite: it goes on writing into the unlinked file,
/// which vanishes with the process. Every use first checks (one `stat`) that the path still
/// names the same file, and once it does not, every use fails loudly until a restart.
#[derive(Debug)]
struct SqliteFile {
    path: PathBuf,
    identity: (u64, u64),
    lost: AtomicBool,
}

impl SqliteFile {
    fn open(path: &Path) -> Option<SqliteFile> {
        let meta = std::fs::metadata(path).ok()?;
        Some(SqliteFile {
            path: path.to_path_buf(),
            identity: (meta.dev(), meta.ino()),
            lost: AtomicBool::new(false),
        })
    }

    fn check(&self) -> StorageResult<()> {
        let lost = || StorageError::Lost(self.path.display().to_string());
        if self.lost.load(Ordering::Relaxed) {
            return Err(lost());
        }
        let now = std::fs::metadata(&self.path)
            .ok()
            .map(|meta| (meta.dev(), meta.ino()));
        if now == Some(self.identity) {
            return Ok(());
        }
        if !self.lost.swap(true, Ordering::Relaxed) {
            tracing::error!(
                path = %self.path.display(),
                "the database file was deleted or replaced while Juke was running: every request \
                 now fails until it is restored and Juke restarted"
            );
        }
        Err(lost())
    }
}

/// Our own rows always serialize; the error is kept rather than unwrapped all the same.
fn to_json(value: &impl serde::Serialize) -> StorageResult<bytes::Bytes> {
    serde_json::to_vec(value)
        .map(bytes::Bytes::from)
        .map_err(StorageError::Encode)
}

/// The rows a write statement returned, read with `fetch_all` and never `fetch_one`.
///
/// SQLite commits an autocommit statement when it is stepped to its end. sqlx's `fetch_one`
/// and `fetch_optional` stop after the first row and reset the statement, dropping the commit's
/// error: on a full disk the row was returned, then rolled back, and the write reported success.
/// `fetch_all` steps to the end, so a failed commit is the statement's error on both engines.
pub(crate) trait Returned<T> {
    /// The one row the write returned; `NotFound` when it matched none.
    fn returned_one(self) -> StorageResult<T>;
    /// The row the write returned, if it wrote one (`ON CONFLICT DO NOTHING`, `WHERE`).
    fn returned_optional(self) -> Option<T>;
}

impl<T> Returned<T> for Vec<T> {
    fn returned_one(self) -> StorageResult<T> {
        self.into_iter().next().ok_or(StorageError::NotFound)
    }

    fn returned_optional(self) -> Option<T> {
        self.into_iter().next()
    }
}

/// Runs `$body` once per engine with `$pool` bound to that engine's pool and `$db` naming its
/// sqlx database type, so one statement is written once and type-checked for both engines.
macro_rules! with_pool {
    ($storage:expr, |$pool:ident, $db:ident| $body:expr) => {
        match $storage.checked_pool()? {
            $crate::storage::Pool::Sqlite($pool) => {
                #[allow(dead_code)]
                type $db = ::sqlx::Sqlite;
                $body
            }
            $crate::storage::Pool::Postgres($pool) => {
                #[allow(dead_code)]
                type $db = ::sqlx::Postgres;
                $body
            }
        }
    };
}
pub(crate) use with_pool;

impl Storage {
    /// Connects to the database the URL names with the engine's default pool size (tools and
    /// tests). See [`Storage::open`].
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn connect(url: &str) -> StorageResult<Storage> {
        let url = DatabaseUrl::parse(url).map_err(|err| StorageError::Invalid(err.to_string()))?;
        Storage::open(&url, 0).await
    }

    /// Connects to the database, creating a SQLite file (and its folder) when missing, with at
    /// most `max_connections` in the pool (0: the engine's default). Does not migrate: see
    /// [`Storage::migrate`].
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn open(url: &DatabaseUrl, max_connections: u32) -> StorageResult<Storage> {
        let pool = match url.engine() {
            Engine::Sqlite => Pool::Sqlite(connect_sqlite(url, max_connections).await?),
            Engine::Postgres => Pool::Postgres(connect_postgres(url, max_connections).await?),
        };
        // Opening made the file: from here it must stay the same one.
        let file = url
            .sqlite_file()
            .and_then(|path| SqliteFile::open(&path))
            .map(Arc::new);
        Ok(Storage {
            pool,
            cache: Arc::new(Cache::off()),
            changes: Arc::default(),
            file,
            health: Arc::default(),
            batches: Arc::default(),
        })
    }

    /// The pool, once the database file is known to be the one opened (SQLite).
    fn checked_pool(&self) -> StorageResult<&Pool> {
        if let Some(file) = &self.file {
            file.check()?;
        }
        Ok(&self.pool)
    }

    /// Serves hot reads (sessions, tracks) from memory, at most `max_entries` rows; 0 keeps
    /// the cache off. A server turns it on; tools and tests that write behind its back do not.
    pub fn with_cache(self, max_entries: u64) -> Storage {
        Storage {
            cache: Arc::new(Cache::new(max_entries)),
            ..self
        }
    }

    /// A serialized response built from catalog rows (`build` runs on a miss), kept until the
    /// catalog changes or the TTL passes. `key` names the response: the caller hashes what
    /// makes it differ (path, query, and the user when it is personal).
    #[tracing::instrument(level = "debug", skip_all, fields(%key))]
    pub async fn cached_json<T, F>(&self, key: Id, build: F) -> StorageResult<bytes::Bytes>
    where
        T: serde::Serialize,
        F: std::future::Future<Output = StorageResult<T>>,
    {
        let json = self
            .cache
            .get_or_load(CacheKind::ListPage, key, async { to_json(&build.await?) })
            .await?;
        Ok(bytes::Bytes::clone(&json))
    }

    /// As [`Storage::cached_json`], for a body already rendered (a Subsonic answer in XML or
    /// JSON). A failed `build` is not kept.
    #[tracing::instrument(level = "debug", skip_all, fields(%key))]
    pub async fn cached_body<F>(&self, key: Id, build: F) -> StorageResult<bytes::Bytes>
    where
        F: std::future::Future<Output = StorageResult<bytes::Bytes>>,
    {
        let body = self
            .cache
            .get_or_load(CacheKind::ListPage, key, build)
            .await?;
        Ok(bytes::Bytes::clone(&body))
    }

    /// Connections open and idle in the pool, and its ceiling; for `/metrics`.
    pub fn pool_stats(&self) -> PoolStats {
        let (open, idle, max) = match &self.pool {
            Pool::Sqlite(pool) => (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            ),
            Pool::Postgres(pool) => (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            ),
        };
        PoolStats {
            open,
            idle: u32::try_from(idle).unwrap_or(u32::MAX),
            max,
        }
    }

    /// Hits and misses of the hot-read cache, per kind of row.
    pub fn cache_stats(&self) -> Vec<CacheStats> {
        self.cache.stats()
    }

    pub fn engine(&self) -> Engine {
        match self.pool {
            Pool::Sqlite(_) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// Applies the embedded migrations that are not applied yet. Safe to run at every start
    /// and from several instances at once (PostgreSQL migrations take an advisory lock).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn migrate(&self) -> StorageResult<()> {
        let result = match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        };
        result.map_err(|err| match err {
            sqlx::migrate::MigrateError::Execute(inner) => StorageError::from(inner),
            other => StorageError::Invalid(format!("migration failed: {other}")),
        })
    }

    /// Answers when the database does; for `/healthz`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn ping(&self) -> StorageResult<()> {
        with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, i32>("SELECT 1")
                .fetch_one(pool)
                .await?;
        });
        Ok(())
    }

    /// The names of the tables in the database, sorted; for `juke migrate` and the tests.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn table_names(&self) -> StorageResult<Vec<String>> {
        let sql = match self.engine() {
            Engine::Sqlite => {
                // search_fts and its shadow tables are FTS5's insides, not tables of ours.
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' \
                 AND name NOT LIKE 'search!_fts%' ESCAPE '!' ORDER BY name"
            }
            Engine::Postgres => {
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%' \
                 ORDER BY table_name"
            }
        };
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, String>(sql)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The names of the triggers in the database, sorted.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn trigger_names(&self) -> StorageResult<Vec<String>> {
        let sql = match self.engine() {
            Engine::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
            Engine::Postgres => {
                "SELECT DISTINCT trigger_name::text FROM information_schema.triggers \
                 WHERE trigger_schema = current_schema() ORDER BY 1"
            }
        };
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, String>(sql)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The names of the indexes in the database, sorted.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn index_names(&self) -> StorageResult<Vec<String>> {
        let sql = match self.engine() {
            Engine::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'index' \
                 AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            Engine::Postgres => {
                "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1"
            }
        };
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, String>(sql)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Runs one statement as written and returns the number of rows it changed. Not for the
    /// application: the schema tests use it to attempt what the typed methods never do.
    #[doc(hidden)]
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn execute_sql(&self, sql: &str) -> StorageResult<u64> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query::<DB>(sql).execute(pool).await?.rows_affected()
        }))
    }

    /// Closes every connection; waits for those in use to be returned.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

/// Pool ceilings when the configuration leaves them to us. SQLite writes one at a time, so more
/// connections only add readers; PostgreSQL serves many at once.
pub const DEFAULT_SQLITE_CONNECTIONS: u32 = 8;
pub const DEFAULT_POSTGRES_CONNECTIONS: u32 = 16;

async fn connect_sqlite(url: &DatabaseUrl, max_connections: u32) -> StorageResult<SqlitePool> {
    let options = SqliteConnectOptions::from_str(url.expose())
        .map_err(|err| StorageError::Invalid(format!("bad SQLite URL: {err}")))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    if let Some(parent) = Path::new(options.get_filename()).parent()
        && !parent.as_os_str().is_empty()
    {
        crate::private_fs::create_dir_all(parent).map_err(|err| {
            StorageError::Unavailable(format!("cannot create {}: {err}", parent.display()))
        })?;
    }
    // Created 0600 before SQLite opens it: SQLite gives the -wal and -shm files the mode of
    // the database file.
    create_private_file(Path::new(options.get_filename()))?;
    SqlitePoolOptions::new()
        .max_connections(match max_connections {
            0 => DEFAULT_SQLITE_CONNECTIONS,
            n => n,
        })
        .min_connections(0)
        .idle_timeout(Duration::from_secs(300))
        // A connection to a local file does not go stale; the ping sqlx sends before lending
        // one is a trip to its worker thread that a request under load queues for twice.
        .test_before_acquire(false)
        // As on PostgreSQL: a request that cannot get a connection in 10 s answers 503 rather
        // than holding its client (and a socket) for sqlx's default 30 s.
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(StorageError::from)
}

/// An empty file, 0600, where none is (an empty file is an empty SQLite database).
fn create_private_file(path: &Path) -> StorageResult<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if path.as_os_str().is_empty() || path.as_os_str() == ":memory:" {
        return Ok(());
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(crate::private_fs::FILE_MODE)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(StorageError::Unavailable(format!(
            "cannot create {}: {err}",
            path.display()
        ))),
    }
}

async fn connect_postgres(url: &DatabaseUrl, max_connections: u32) -> StorageResult<PgPool> {
    let options = PgConnectOptions::from_str(url.expose())
        .map_err(|err| StorageError::Invalid(format!("bad PostgreSQL URL: {err}")))?
        .application_name("juke");
    let pool = PgPoolOptions::new()
        .max_connections(match max_connections {
            0 => DEFAULT_POSTGRES_CONNECTIONS,
            n => n,
        })
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(10))
        .idle_timeout(Duration::from_secs(300))
        .connect_with(options)
        .await?;
    let version: i32 = sqlx::query_scalar("SELECT current_setting('server_version_num')::int")
        .fetch_one(&pool)
        .await?;
    if version < MIN_POSTGRES_VERSION {
        return Err(StorageError::Invalid(format!(
            "PostgreSQL {version} is too old: Juke needs 13 or newer"
        )));
    }
    Ok(pool)
}
