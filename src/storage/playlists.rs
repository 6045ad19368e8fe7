//! Playlists and their ordered entries.
//!
//! Entry positions are kept contiguous (0..n-1): inserts and moves shift their neighbours here,
//! and a trigger closes the gap any delete leaves. Every edit first updates the playlist row,
//! which takes that row's write lock on PostgreSQL and the database write lock on SQLite, so
//! concurrent editors of one playlist are serialised instead of colliding on a position.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Returned;
use super::catalog::{SUMMARY_COLUMNS, SUMMARY_JOINS};
use super::paging;
use super::users::found;
use super::{
    CacheKind, Id, NewPlaylist, Playlist, PlaylistEntry, PlaylistItem, PlaylistPatch,
    PlaylistScope, Storage, StorageError, StorageResult, Ts, with_pool,
};

const PLAYLIST_COLUMNS: &str = "id, user_id, name, description, cover_image_url, is_public, \
     is_collaborative, track_count, total_duration, created_at, updated_at";

const ENTRY_COLUMNS: &str = "id, playlist_id, track_id, added_at, added_by, position";

/// Positions are unique per playlist and checked row by row, so a block of entries is shifted
/// in two steps: first out of the way past this offset, then to its target.
const PARK: i32 = 1_000_000_000;

/// The most entries one playlist holds; keeps positions far below [`PARK`].
pub const MAX_PLAYLIST_ENTRIES: i64 = 100_000;

impl Storage {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_playlist(&self, new: &NewPlaylist) -> StorageResult<Playlist> {
        let sql = format!(
            "INSERT INTO playlists (id, user_id, name, description, is_public, is_collaborative, \
             cover_image_url) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {PLAYLIST_COLUMNS}"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Playlist>(&sql)
                .bind(Id::new())
                .bind(new.user_id)
                .bind(&new.name)
                .bind(&new.description)
                .bind(new.is_public)
                .bind(new.is_collaborative)
                .bind(&new.cover_image_url)
                .fetch_all(pool)
                .await?
                .returned_one()?
        }))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn playlist(&self, id: Id) -> StorageResult<Playlist> {
        let sql = format!("SELECT {PLAYLIST_COLUMNS} FROM playlists WHERE id = $1");
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Playlist>(&sql)
                .bind(id)
                .fetch_one(pool)
                .await?
        }))
    }

    /// Changes the fields the patch names.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn update_playlist(&self, id: Id, patch: &PlaylistPatch) -> StorageResult<Playlist> {
        let _write = self.playlist_write(id);
        let sql = format!(
            "UPDATE playlists SET \
             name = COALESCE($2, name), \
             description = CASE WHEN $3 THEN $4 ELSE description END, \
             cover_image_url = CASE WHEN $5 THEN $6 ELSE cover_image_url END, \
             is_public = COALESCE($7, is_public), \
             is_collaborative = COALESCE($8, is_collaborative) \
             WHERE id = $1 RETURNING {PLAYLIST_COLUMNS}"
        );
        let description = patch.description.clone();
        let cover = patch.cover_image_url.clone();
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Playlist>(&sql)
                .bind(id)
                .bind(&patch.name)
                .bind(description.is_some())
                .bind(description.clone().flatten())
                .bind(cover.is_some())
                .bind(cover.clone().flatten())
                .bind(patch.is_public)
                .bind(patch.is_collaborative)
                .fetch_all(pool)
                .await?
                .returned_one()?
        }))
    }

    /// The playlists a user may see in `scope`, newest first, after the `(created_at, id)` of
    /// the previous page.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id))]
    pub async fn playlists_for(
        &self,
        user_id: Id,
        scope: PlaylistScope,
        after: Option<(DateTime<Utc>, Id)>,
        limit: i64,
    ) -> StorageResult<Vec<Playlist>> {
        let visible = match scope {
            PlaylistScope::Visible => "(user_id = $1 OR is_public)",
            PlaylistScope::Mine => "user_id = $1",
            PlaylistScope::Public => "(user_id <> $1 AND is_public)",
        };
        let page = paging::newest_first("created_at", "id");
        let sql = format!("SELECT {PLAYLIST_COLUMNS} FROM playlists WHERE {visible} {page}");
        let (at, id) = paging::position(after);
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Playlist>(&sql)
                .bind(user_id)
                .bind(at)
                .bind(id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// A playlist's entries in order, each with its track.
    #[tracing::instrument(level = "debug", skip_all, fields(%playlist_id))]
    pub async fn playlist_items(&self, playlist_id: Id) -> StorageResult<Vec<PlaylistItem>> {
        let sql = format!(
            "SELECT p.id AS entry_id, p.position, p.added_at, p.added_by, {SUMMARY_COLUMNS} \
             FROM playlist_tracks p JOIN tracks t ON t.id = p.track_id {SUMMARY_JOINS} \
             WHERE p.playlist_id = $1 ORDER BY p.position"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, PlaylistItem>(&sql)
                .bind(playlist_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// A playlist as readers see it, from the cache when it is on.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn cached_playlist(&self, id: Id) -> StorageResult<Arc<Playlist>> {
        self.cache
            .get_or_load(CacheKind::Playlist, id, self.playlist(id))
            .await
    }

    /// A playlist's entries as readers see them, as a JSON array, from the cache when it is
    /// on: a long playlist is read far more often than edited, and serializing thousands of
    /// entries is most of the cost of reading it.
    /// `view` is the shape the caller sends each entry in.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn cached_playlist_items_json<V: serde::Serialize>(
        &self,
        id: Id,
        view: fn(&PlaylistItem) -> V,
    ) -> StorageResult<bytes::Bytes> {
        let json = self
            .cache
            .get_or_load(CacheKind::PlaylistItems, id, async {
                let items = self.playlist_items(id).await?;
                super::to_json(&items.iter().map(view).collect::<Vec<V>>())
            })
            .await?;
        Ok(bytes::Bytes::clone(&json))
    }

    /// Held by every edit of a playlist: when the edit ends, its cached row and entries are
    /// forgotten (after the write, so a load that overlapped it is not kept).
    fn playlist_write(&self, id: Id) -> PlaylistWrite<'_> {
        PlaylistWrite(self, id)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn delete_playlist(&self, id: Id) -> StorageResult<()> {
        let _write = self.playlist_write(id);
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM playlists WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        found(affected)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%playlist_id))]
    pub async fn playlist_entries(&self, playlist_id: Id) -> StorageResult<Vec<PlaylistEntry>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM playlist_tracks WHERE playlist_id = $1 ORDER BY position"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, PlaylistEntry>(&sql)
                .bind(playlist_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Inserts tracks as new entries at `position` (clamped to the end; the end when `None`),
    /// moving later entries down. The same track may appear several times.
    #[tracing::instrument(level = "debug", skip_all, fields(%playlist_id))]
    pub async fn add_playlist_entries(
        &self,
        playlist_id: Id,
        track_ids: &[Id],
        position: Option<i32>,
        added_by: Option<Id>,
    ) -> StorageResult<Vec<PlaylistEntry>> {
        let _write = self.playlist_write(playlist_id);
        let insert = format!(
            "INSERT INTO playlist_tracks (id, playlist_id, track_id, added_by, position, added_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {ENTRY_COLUMNS}"
        );
        let now = Utc::now();
        with_pool!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            EntryTx(&mut tx).lock(playlist_id).await?;
            let len = EntryTx(&mut tx).len(playlist_id).await?;
            if len + track_ids.len() as i64 > MAX_PLAYLIST_ENTRIES {
                return Err(StorageError::Invalid(format!(
                    "a playlist holds at most {MAX_PLAYLIST_ENTRIES} entries"
                )));
            }
            let len = len as i32;
            let at = position.map_or(len, |p| p.clamp(0, len));
            let added = track_ids.len() as i32;
            if at < len && added > 0 {
                EntryTx(&mut tx)
                    .shift(playlist_id, at, len - 1, added)
                    .await?;
            }
            let mut entries = Vec::with_capacity(track_ids.len());
            for (offset, track_id) in track_ids.iter().enumerate() {
                let entry = sqlx::query_as::<DB, PlaylistEntry>(&insert)
                    .bind(Id::new())
                    .bind(playlist_id)
                    .bind(*track_id)
                    .bind(added_by)
                    .bind(at + offset as i32)
                    .bind(Ts(now))
                    .fetch_one(&mut *tx)
                    .await?;
                entries.push(entry);
            }
            tx.commit().await?;
            Ok(entries)
        })
    }

    /// Removes one entry; a trigger closes the gap it leaves.
    #[tracing::instrument(level = "debug", skip_all, fields(%playlist_id, %entry_id))]
    pub async fn remove_playlist_entry(&self, playlist_id: Id, entry_id: Id) -> StorageResult<()> {
        let _write = self.playlist_write(playlist_id);
        with_pool!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            EntryTx(&mut tx).lock(playlist_id).await?;
            sqlx::query_scalar::<DB, i32>(
                "DELETE FROM playlist_tracks WHERE id = $1 AND playlist_id = $2 RETURNING position",
            )
            .bind(entry_id)
            .bind(playlist_id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Moves one entry to `to` (clamped to the last position); the entries between shift by one.
    #[tracing::instrument(level = "debug", skip_all, fields(%playlist_id, %entry_id))]
    pub async fn move_playlist_entry(
        &self,
        playlist_id: Id,
        entry_id: Id,
        to: i32,
    ) -> StorageResult<PlaylistEntry> {
        let _write = self.playlist_write(playlist_id);
        let select = format!(
            "SELECT {ENTRY_COLUMNS} FROM playlist_tracks WHERE id = $1 AND playlist_id = $2"
        );
        with_pool!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            EntryTx(&mut tx).lock(playlist_id).await?;
            let entry = sqlx::query_as::<DB, PlaylistEntry>(&select)
                .bind(entry_id)
                .bind(playlist_id)
                .fetch_one(&mut *tx)
                .await?;
            let len = EntryTx(&mut tx).len(playlist_id).await? as i32;
            let from = entry.position;
            let to = to.clamp(0, len - 1);
            if from != to {
                EntryTx(&mut tx).set_position(entry_id, 2 * PARK).await?;
                if from < to {
                    EntryTx(&mut tx)
                        .shift(playlist_id, from + 1, to, -1)
                        .await?;
                } else {
                    EntryTx(&mut tx).shift(playlist_id, to, from - 1, 1).await?;
                }
                EntryTx(&mut tx).set_position(entry_id, to).await?;
            }
            tx.commit().await?;
            Ok(PlaylistEntry {
                position: to,
                ..entry
            })
        })
    }
}

struct PlaylistWrite<'a>(&'a Storage, Id);

impl Drop for PlaylistWrite<'_> {
    fn drop(&mut self) {
        self.0.cache.forget(CacheKind::Playlist, self.1);
        self.0.cache.forget(CacheKind::PlaylistItems, self.1);
    }
}

/// The statements an entry edit is made of, run inside the caller's transaction. Written once,
/// generic over the engine; the bounds say "a sqlx database that binds and reads our types".
struct EntryTx<'a, 't, DB: sqlx::Database>(&'a mut sqlx::Transaction<'t, DB>);

impl<DB> EntryTx<'_, '_, DB>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> Id: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Ts: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i32: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Type<DB> + for<'r> sqlx::Decode<'r, DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    /// Touches the playlist row first so this transaction holds the write lock before it
    /// reads positions. `NotFound` when the playlist does not exist.
    #[tracing::instrument(level = "debug", skip_all, fields(%playlist_id))]
    async fn lock(&mut self, playlist_id: Id) -> StorageResult<()> {
        // RETURNING tells whether the row exists: the generic QueryResult has no row count.
        sqlx::query_scalar::<DB, i64>(
            "UPDATE playlists SET updated_at = $2 WHERE id = $1 RETURNING total_duration",
        )
        .bind(playlist_id)
        .bind(Ts(Utc::now()))
        .fetch_optional(&mut **self.0)
        .await?
        .map(|_| ())
        .ok_or(StorageError::NotFound)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%playlist_id))]
    async fn len(&mut self, playlist_id: Id) -> StorageResult<i64> {
        Ok(sqlx::query_scalar::<DB, i64>(
            "SELECT count(*) FROM playlist_tracks WHERE playlist_id = $1",
        )
        .bind(playlist_id)
        .fetch_one(&mut **self.0)
        .await?)
    }

    /// Adds `delta` to the position of every entry in `first..=last`.
    #[tracing::instrument(level = "debug", skip_all, fields(%playlist_id))]
    async fn shift(
        &mut self,
        playlist_id: Id,
        first: i32,
        last: i32,
        delta: i32,
    ) -> StorageResult<()> {
        sqlx::query::<DB>(
            "UPDATE playlist_tracks SET position = position + $4 \
             WHERE playlist_id = $1 AND position BETWEEN $2 AND $3",
        )
        .bind(playlist_id)
        .bind(first)
        .bind(last)
        .bind(PARK)
        .execute(&mut **self.0)
        .await?;
        sqlx::query::<DB>(
            "UPDATE playlist_tracks SET position = position - $2 + $3 \
             WHERE playlist_id = $1 AND position >= $2 AND position < $4",
        )
        .bind(playlist_id)
        .bind(PARK)
        .bind(delta)
        .bind(2 * PARK)
        .execute(&mut **self.0)
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%entry_id))]
    async fn set_position(&mut self, entry_id: Id, position: i32) -> StorageResult<()> {
        sqlx::query::<DB>("UPDATE playlist_tracks SET position = $2 WHERE id = $1")
            .bind(entry_id)
            .bind(position)
            .execute(&mut **self.0)
            .await?;
        Ok(())
    }
}
