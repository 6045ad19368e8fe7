//! Plays.

use super::users::found;
use super::{Id, NewPlay, Play, Storage, StorageResult, Ts, with_pool};

const PLAY_COLUMNS: &str =
    "id, user_id, track_id, played_at, duration_played, device_type, source_type";

impl Storage {
    /// Records a play; the track's play_count follows by trigger.
    pub async fn record_play(&self, new: &NewPlay) -> StorageResult<Play> {
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
                .fetch_one(pool)
                .await?
        }))
    }

    pub async fn delete_play(&self, id: Id) -> StorageResult<()> {
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM play_history WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        found(affected)
    }
}
