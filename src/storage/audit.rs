//! Checks that every trigger-kept counter equals the count it caches.

use super::{CounterDrift, Storage, StorageResult, with_pool};

/// Each branch recomputes one counter from scratch; only disagreeing rows come out.
const DRIFT_SQL: &str = "SELECT table_name, row_id, column_name, stored, actual FROM (
    SELECT 'tracks' AS table_name, t.id AS row_id, 'play_count' AS column_name,
           CAST(t.play_count AS BIGINT) AS stored,
           (SELECT count(*) FROM play_history h WHERE h.track_id = t.id) AS actual
      FROM tracks t
    UNION ALL
    SELECT 'tracks', t.id, 'like_count', CAST(t.like_count AS BIGINT),
           (SELECT count(*) FROM user_favorites f WHERE f.track_id = t.id)
      FROM tracks t
    UNION ALL
    SELECT 'albums', a.id, 'like_count', CAST(a.like_count AS BIGINT),
           (SELECT count(*) FROM album_likes l WHERE l.album_id = a.id)
      FROM albums a
    UNION ALL
    SELECT 'albums', a.id, 'total_tracks', CAST(a.total_tracks AS BIGINT),
           (SELECT count(*) FROM tracks t WHERE t.album_id = a.id)
      FROM albums a
    UNION ALL
    SELECT 'albums', a.id, 'duration_seconds', CAST(a.duration_seconds AS BIGINT),
           (SELECT CAST(COALESCE(sum(t.duration_seconds), 0) AS BIGINT) FROM tracks t WHERE t.album_id = a.id)
      FROM albums a
    UNION ALL
    SELECT 'playlists', p.id, 'track_count', CAST(p.track_count AS BIGINT),
           (SELECT count(*) FROM playlist_tracks e WHERE e.playlist_id = p.id)
      FROM playlists p
    UNION ALL
    SELECT 'playlists', p.id, 'total_duration', CAST(p.total_duration AS BIGINT),
           (SELECT CAST(COALESCE(sum(t.duration_seconds), 0) AS BIGINT)
              FROM playlist_tracks e JOIN tracks t ON t.id = e.track_id WHERE e.playlist_id = p.id)
      FROM playlists p
) AS counters WHERE stored <> actual ORDER BY table_name, column_name";

impl Storage {
    /// Every counter that disagrees with a fresh count. Empty on a healthy database.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn counter_drift(&self) -> StorageResult<Vec<CounterDrift>> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, CounterDrift>(DRIFT_SQL)
                .fetch_all(pool)
                .await?
        }))
    }
}
