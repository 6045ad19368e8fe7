//! Each user's play queue (one, shared by every client they use, so listening moves from the
//! laptop to the phone) and their bookmarks (a saved position in a long track).

use chrono::{DateTime, Utc};

use super::Returned;
use super::catalog::{SUMMARY_COLUMNS, SUMMARY_JOINS};
use super::{Id, Storage, StorageResult, TrackSummary, Ts, with_pool};

/// The most entries a saved play queue holds: a day of music and then some; a client that
/// sends more is refused rather than cut short without being told.
pub const MAX_QUEUE_ENTRIES: usize = 1000;

/// The longest client name kept as `changed_by` (the column's check says the same).
pub const MAX_CLIENT_NAME_CHARS: usize = 255;

/// The most bookmarks listed, most recently changed first.
pub const MAX_BOOKMARKS_LISTED: i64 = 1000;

/// Queue entries inserted per statement: few parameters each, well under both engines' caps.
const INSERT_CHUNK: usize = 200;

/// A saved play queue, its entries in order; entries whose track was deleted are gone.
#[derive(Debug, Clone)]
pub struct PlayQueue {
    pub tracks: Vec<TrackSummary>,
    /// The current entry's index in `tracks`; `None` only when the queue is empty.
    pub current_index: Option<usize>,
    /// Where in the current track (0 when the saved current entry's track was deleted).
    pub position_ms: i64,
    pub changed_at: DateTime<Utc>,
    /// The client that saved it (Subsonic's `c`, or the web player's name for itself).
    pub changed_by: String,
}

/// A play queue to save. An empty `track_ids` clears the queue (who cleared it is kept).
#[derive(Debug, Clone)]
pub struct QueueSave<'a> {
    pub track_ids: &'a [Id],
    /// Index into `track_ids`; ignored when it is empty.
    pub current_index: usize,
    pub position_ms: i64,
    pub changed_by: &'a str,
}

#[derive(sqlx::FromRow)]
struct QueueRow {
    current_position: Option<i32>,
    position_ms: i64,
    changed_at: DateTime<Utc>,
    changed_by: String,
}

#[derive(sqlx::FromRow)]
struct QueueEntryRow {
    #[sqlx(flatten)]
    track: TrackSummary,
    queue_position: i32,
}

/// A bookmark with the track it is in.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Bookmark {
    #[sqlx(flatten)]
    pub track: TrackSummary,
    pub position_ms: i64,
    #[sqlx(rename = "bookmark_comment")]
    pub comment: Option<String>,
    #[sqlx(rename = "bookmark_created")]
    pub created_at: DateTime<Utc>,
    #[sqlx(rename = "bookmark_changed")]
    pub changed_at: DateTime<Utc>,
}

impl Storage {
    /// The user's saved play queue, or `None` when they never saved one.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id))]
    pub async fn play_queue(&self, user_id: Id) -> StorageResult<Option<PlayQueue>> {
        let entries_sql = format!(
            "SELECT {SUMMARY_COLUMNS}, e.position AS queue_position \
             FROM play_queue_entries e JOIN tracks t ON t.id = e.track_id {SUMMARY_JOINS} \
             WHERE e.user_id = $1 ORDER BY e.position"
        );
        let (row, entries) = with_pool!(self, |pool, DB| {
            // One transaction, so the entries are those of the queue row read (a save from
            // another device can land between two reads).
            let mut tx = pool.begin().await?;
            let row = sqlx::query_as::<DB, QueueRow>(
                "SELECT current_position, position_ms, changed_at, changed_by \
                 FROM play_queues WHERE user_id = $1",
            )
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let entries = match row {
                Some(_) => {
                    sqlx::query_as::<DB, QueueEntryRow>(&entries_sql)
                        .bind(user_id)
                        .fetch_all(&mut *tx)
                        .await?
                }
                None => Vec::new(),
            };
            tx.commit().await?;
            (row, entries)
        });
        let Some(row) = row else {
            return Ok(None);
        };
        let (current_index, position_ms) =
            current_of(&entries, row.current_position, row.position_ms);
        Ok(Some(PlayQueue {
            tracks: entries.into_iter().map(|e| e.track).collect(),
            current_index,
            position_ms,
            changed_at: row.changed_at,
            changed_by: row.changed_by,
        }))
    }

    /// Replaces the user's play queue. The caller checks the size and the index; a track id
    /// that names no track is `Invalid` (its foreign key).
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, entries = save.track_ids.len()))]
    pub async fn save_play_queue(
        &self,
        user_id: Id,
        save: &QueueSave<'_>,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        let empty = save.track_ids.is_empty();
        let current = (!empty).then(|| i32::try_from(save.current_index).unwrap_or(i32::MAX));
        let position_ms = if empty { 0 } else { save.position_ms.max(0) };
        let changed_by: String = save
            .changed_by
            .chars()
            .take(MAX_CLIENT_NAME_CHARS)
            .collect();
        let chunks: Vec<(usize, &[Id])> = save
            .track_ids
            .chunks(INSERT_CHUNK)
            .enumerate()
            .map(|(i, chunk)| (i * INSERT_CHUNK, chunk))
            .collect();
        with_pool!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            // The upsert first: on PostgreSQL it locks the user's row, so two devices saving
            // at once write one after the other, never a mix of both lists.
            sqlx::query::<DB>(
                "INSERT INTO play_queues (user_id, current_position, position_ms, changed_at, \
                 changed_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET \
                 current_position = excluded.current_position, position_ms = excluded.position_ms, \
                 changed_at = excluded.changed_at, changed_by = excluded.changed_by",
            )
            .bind(user_id)
            .bind(current)
            .bind(position_ms)
            .bind(Ts(now))
            .bind(&changed_by)
            .execute(&mut *tx)
            .await?;
            sqlx::query::<DB>("DELETE FROM play_queue_entries WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            for (first, chunk) in &chunks {
                // Positions are our own integers, written inline; only ids are parameters.
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| format!("($1, {}, ${})", first + i, i + 2))
                    .collect();
                let sql = format!(
                    "INSERT INTO play_queue_entries (user_id, position, track_id) VALUES {}",
                    values.join(", ")
                );
                let mut query = sqlx::query::<DB>(&sql).bind(user_id);
                for id in *chunk {
                    query = query.bind(*id);
                }
                query.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The user's bookmarks, most recently changed first (at most [`MAX_BOOKMARKS_LISTED`]).
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id))]
    pub async fn bookmarks(&self, user_id: Id) -> StorageResult<Vec<Bookmark>> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, b.position_ms, b.comment AS bookmark_comment, \
             b.created_at AS bookmark_created, b.changed_at AS bookmark_changed \
             FROM bookmarks b JOIN tracks t ON t.id = b.track_id {SUMMARY_JOINS} \
             WHERE b.user_id = $1 ORDER BY b.changed_at DESC, t.id LIMIT $2"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Bookmark>(&sql)
                .bind(user_id)
                .bind(MAX_BOOKMARKS_LISTED)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Creates or moves the user's bookmark in a track. `Invalid` when the track does not
    /// exist (its foreign key) or the comment is too long (its check).
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, %track_id))]
    pub async fn save_bookmark(
        &self,
        user_id: Id,
        track_id: Id,
        position_ms: i64,
        comment: Option<&str>,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        with_pool!(self, |pool, DB| {
            sqlx::query::<DB>(
                "INSERT INTO bookmarks (user_id, track_id, position_ms, comment, created_at, \
                 changed_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (user_id, track_id) \
                 DO UPDATE SET position_ms = excluded.position_ms, comment = excluded.comment, \
                 changed_at = excluded.changed_at RETURNING user_id",
            )
            .bind(user_id)
            .bind(track_id)
            .bind(position_ms)
            .bind(comment)
            .bind(Ts(now))
            .fetch_all(pool)
            .await?
            .returned_one()?;
        });
        Ok(())
    }

    /// Removes the user's bookmark in a track; `false` when there was none.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, %track_id))]
    pub async fn delete_bookmark(&self, user_id: Id, track_id: Id) -> StorageResult<bool> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM bookmarks WHERE user_id = $1 AND track_id = $2")
                .bind(user_id)
                .bind(track_id)
                .execute(pool)
                .await?
                .rows_affected()
                > 0
        }))
    }
}

/// The current entry's index, and the position in it. The saved current entry is found by its
/// stored position; when its track was deleted, the next entry left is current, from its start
/// (or the last one, when it was at the end).
fn current_of(
    entries: &[QueueEntryRow],
    current_position: Option<i32>,
    position_ms: i64,
) -> (Option<usize>, i64) {
    if entries.is_empty() {
        return (None, 0);
    }
    let wanted = current_position.unwrap_or(0);
    match entries.iter().position(|e| e.queue_position >= wanted) {
        Some(index) if entries[index].queue_position == wanted => (Some(index), position_ms),
        Some(index) => (Some(index), 0),
        None => (Some(entries.len() - 1), 0),
    }
}
