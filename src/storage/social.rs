//! Likes, follows and comments.

use super::users::found;
use super::{Comment, Id, Storage, StorageResult, with_pool};

const COMMENT_COLUMNS: &str = "id, track_id, user_id, body, created_at, updated_at";

impl Storage {
    /// Likes a track. `Conflict` when the user already likes it.
    pub async fn add_favorite(&self, user_id: Id, track_id: Id) -> StorageResult<()> {
        with_pool!(self, |pool, DB| {
            sqlx::query::<DB>(
                "INSERT INTO user_favorites (id, user_id, track_id) VALUES ($1, $2, $3)",
            )
            .bind(Id::new())
            .bind(user_id)
            .bind(track_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Unlikes a track. `NotFound` when the user did not like it.
    pub async fn remove_favorite(&self, user_id: Id, track_id: Id) -> StorageResult<()> {
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM user_favorites WHERE user_id = $1 AND track_id = $2")
                .bind(user_id)
                .bind(track_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        found(affected)
    }

    /// Follows an artist. `Conflict` when the user already follows them.
    pub async fn follow_artist(&self, user_id: Id, artist_id: Id) -> StorageResult<()> {
        with_pool!(self, |pool, DB| {
            sqlx::query::<DB>(
                "INSERT INTO user_following_artists (id, user_id, artist_id) VALUES ($1, $2, $3)",
            )
            .bind(Id::new())
            .bind(user_id)
            .bind(artist_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn unfollow_artist(&self, user_id: Id, artist_id: Id) -> StorageResult<()> {
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>(
                "DELETE FROM user_following_artists WHERE user_id = $1 AND artist_id = $2",
            )
            .bind(user_id)
            .bind(artist_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        found(affected)
    }

    pub async fn add_comment(
        &self,
        track_id: Id,
        user_id: Id,
        body: &str,
    ) -> StorageResult<Comment> {
        let sql = format!(
            "INSERT INTO track_comments (id, track_id, user_id, body) VALUES ($1, $2, $3, $4) \
             RETURNING {COMMENT_COLUMNS}"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Comment>(&sql)
                .bind(Id::new())
                .bind(track_id)
                .bind(user_id)
                .bind(body)
                .fetch_one(pool)
                .await?
        }))
    }
}
