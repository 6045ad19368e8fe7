//! Plays.

use chrono::{DateTime, Utc};

use super::Returned;
use super::paging;
use super::{
    CacheKind, HistoryEntry, Id, ListeningStats, NewPlay, Play, Storage, StorageError,
    StorageResult, TopArtist, TopGenre, TopTrack, Ts, with_pool,
};

const PLAY_COLUMNS: &str =
    "id, user_id, track_id, played_at, duration_played, device_type, source_type";

impl Storage {
    /// Records a play; the track's play_count follows by trigger.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record_play(&self, new: &NewPlay) -> StorageResult<Play> {
        // Its play_count moves by trigger: the player's next read of the track sees it.
        let _write = PlayWrite(self, new.user_id, new.track_id);
        let sql = format!(
            "INSERT INTO play_history (id, user_id, track_id, played_at, duration_played, device_type, \
             source_type) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {PLAY_COLUMNS}"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Play>(&sql)
                .bind(Id::new())
                .bind(new.user_id)
                .bind(new.track_id)
                .bind(Ts(new.played_at))
                .bind(new.duration_played)
                .bind(&new.device_type)
                .bind(&new.source_type)
                .fetch_all(pool)
                .await?
                .returned_one()?
        }))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn delete_play(&self, id: Id) -> StorageResult<()> {
        let play = with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, (Id, Id)>(
                "DELETE FROM play_history WHERE id = $1 RETURNING user_id, track_id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
            .returned_optional()
        });
        let (user, track) = play.ok_or(StorageError::NotFound)?;
        // Its play_count moved down by trigger, and the listener's last play may be older.
        drop(PlayWrite(self, user, track));
        Ok(())
    }

    /// A listener's plays, newest first, after the `(played_at, id)` of the previous page.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id))]
    pub async fn history(
        &self,
        user_id: Id,
        after: Option<(DateTime<Utc>, Id)>,
        limit: i64,
    ) -> StorageResult<Vec<HistoryEntry>> {
        let (at, id) = paging::position(after);
        let page = paging::newest_first("p.played_at", "p.id");
        let sql = format!(
            "SELECT p.id, p.track_id, p.played_at, p.duration_played, p.device_type, \
             p.source_type, t.title AS track_title, t.artist_id, a.name AS artist_name, \
             t.album_id, al.title AS album_title, t.duration_seconds \
             FROM play_history p \
             JOIN tracks t ON t.id = p.track_id \
             JOIN artists a ON a.id = t.artist_id \
             LEFT JOIN albums al ON al.id = t.album_id \
             WHERE p.user_id = $1 {page}"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, HistoryEntry>(&sql)
                .bind(user_id)
                .bind(at)
                .bind(id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// A listener's totals and favourites over the plays since `since`; `top` rows per list.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id))]
    pub async fn listening_stats(
        &self,
        user_id: Id,
        since: DateTime<Utc>,
        top: i64,
    ) -> StorageResult<ListeningStats> {
        let since = Ts(since);
        Ok(with_pool!(self, |pool, DB| {
            let (plays, listening_seconds, distinct_tracks) =
                sqlx::query_as::<DB, (i64, i64, i64)>(
                    "SELECT COUNT(*), COALESCE(SUM(duration_played), 0), \
                     COUNT(DISTINCT track_id) FROM play_history \
                     WHERE user_id = $1 AND played_at >= $2",
                )
                .bind(user_id)
                .bind(since)
                .fetch_one(pool)
                .await?;
            let top_tracks = sqlx::query_as::<DB, TopTrack>(
                "SELECT t.id AS track_id, t.title, t.artist_id, a.name AS artist_name, \
                 COUNT(*) AS plays, COALESCE(SUM(p.duration_played), 0) AS listening_seconds \
                 FROM play_history p JOIN tracks t ON t.id = p.track_id \
                 JOIN artists a ON a.id = t.artist_id \
                 WHERE p.user_id = $1 AND p.played_at >= $2 \
                 GROUP BY t.id, t.title, t.artist_id, a.name \
                 ORDER BY plays DESC, listening_seconds DESC, t.title, t.id LIMIT $3",
            )
            .bind(user_id)
            .bind(since)
            .bind(top)
            .fetch_all(pool)
            .await?;
            let top_artists = sqlx::query_as::<DB, TopArtist>(
                "SELECT a.id AS artist_id, a.name, COUNT(*) AS plays, \
                 COALESCE(SUM(p.duration_played), 0) AS listening_seconds \
                 FROM play_history p JOIN tracks t ON t.id = p.track_id \
                 JOIN artists a ON a.id = t.artist_id \
                 WHERE p.user_id = $1 AND p.played_at >= $2 \
                 GROUP BY a.id, a.name \
                 ORDER BY plays DESC, listening_seconds DESC, a.name, a.id LIMIT $3",
            )
            .bind(user_id)
            .bind(since)
            .bind(top)
            .fetch_all(pool)
            .await?;
            let top_genres = sqlx::query_as::<DB, TopGenre>(
                "SELECT t.genre AS genre, COUNT(*) AS plays, \
                 COALESCE(SUM(p.duration_played), 0) AS listening_seconds \
                 FROM play_history p JOIN tracks t ON t.id = p.track_id \
                 WHERE p.user_id = $1 AND p.played_at >= $2 \
                 AND t.genre IS NOT NULL AND t.genre <> '' \
                 GROUP BY t.genre \
                 ORDER BY plays DESC, listening_seconds DESC, t.genre LIMIT $3",
            )
            .bind(user_id)
            .bind(since)
            .bind(top)
            .fetch_all(pool)
            .await?;
            ListeningStats {
                plays,
                listening_seconds,
                distinct_tracks,
                top_tracks,
                top_artists,
                top_genres,
            }
        }))
    }
}

/// Held by a play's write (listener, track): when it ends, what the play changed is
/// forgotten.
struct PlayWrite<'a>(&'a Storage, Id, Id);

impl Drop for PlayWrite<'_> {
    fn drop(&mut self) {
        let Self(storage, user, track) = *self;
        storage.cache.forget(CacheKind::Track, track);
        // Song entries show the play count and the listener's last play.
        storage.cache.forget(CacheKind::SongFile, track);
        storage.cache.forget_pair(CacheKind::SongMarks, user, track);
        // Its play count is part of its search ranking.
        storage.changed(super::CatalogChange::Track(track));
    }
}
