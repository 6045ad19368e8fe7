//! Shares: public links to a track, album or playlist, kept by their owners.

use chrono::{DateTime, Utc};

use super::catalog::{SUMMARY_COLUMNS, SUMMARY_JOINS};
use super::id::Ts;
use super::users::found;
use super::{
    Id, NewShare, Share, SharePatch, ShareTarget, Storage, StorageResult, TrackSummary, with_pool,
};

/// Shares one account keeps at most, expired ones included until they are deleted.
pub const MAX_SHARES_PER_USER: i64 = 1000;

/// A share's row with its owner's name and its target's title.
const SELECT: &str = "SELECT s.id, s.token, s.user_id, u.username, u.is_active AS owner_active, s.track_id, s.album_id, \
     s.playlist_id, COALESCE(t.title, a.title, p.name, '') AS title, s.description, \
     s.expires_at, s.visit_count, s.last_visited_at, s.created_at \
     FROM shares s JOIN users u ON u.id = s.user_id \
     LEFT JOIN tracks t ON t.id = s.track_id \
     LEFT JOIN albums a ON a.id = s.album_id \
     LEFT JOIN playlists p ON p.id = s.playlist_id";

impl Storage {
    /// One account's shares, newest first.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id))]
    pub async fn shares_of(&self, user_id: Id) -> StorageResult<Vec<Share>> {
        let sql = format!("{SELECT} WHERE s.user_id = $1 ORDER BY s.created_at DESC, s.id");
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Share>(&sql)
                .bind(user_id)
                .fetch_all(pool)
                .await?
        }))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn share(&self, id: Id) -> StorageResult<Share> {
        let sql = format!("{SELECT} WHERE s.id = $1");
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Share>(&sql)
                .bind(id)
                .fetch_one(pool)
                .await?
        }))
    }

    /// The share a link's token opens, expired or not (the caller tells the visitor which).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn share_by_token(&self, token: &str) -> StorageResult<Share> {
        let sql = format!("{SELECT} WHERE s.token = $1");
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Share>(&sql)
                .bind(token)
                .fetch_one(pool)
                .await?
        }))
    }

    /// Counts a visit of the link's page.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn record_share_visit(&self, id: Id, at: DateTime<Utc>) -> StorageResult<()> {
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>(
                "UPDATE shares SET visit_count = visit_count + 1, last_visited_at = $2 \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(Ts(at))
            .execute(pool)
            .await?
            .rows_affected()
        });
        found(affected)
    }

    /// Adds a share, unless its owner has [`MAX_SHARES_PER_USER`] (`Ok(None)`): counted and
    /// inserted in one statement, so two at once cannot pass the limit.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_share(&self, new: &NewShare) -> StorageResult<Option<Share>> {
        let id = Id::new();
        let (track, album, playlist) = match new.target {
            ShareTarget::Track(id) => (Some(id), None, None),
            ShareTarget::Album(id) => (None, Some(id), None),
            ShareTarget::Playlist(id) => (None, None, Some(id)),
        };
        let inserted = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>(
                "INSERT INTO shares (id, token, user_id, track_id, album_id, playlist_id, \
                 description, expires_at) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
                 WHERE (SELECT count(*) FROM shares WHERE user_id = $3) < $9",
            )
            .bind(id)
            .bind(&new.token)
            .bind(new.user_id)
            .bind(track)
            .bind(album)
            .bind(playlist)
            .bind(&new.description)
            .bind(Ts(new.expires_at))
            .bind(MAX_SHARES_PER_USER)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if inserted == 0 {
            return Ok(None);
        }
        self.share(id).await.map(Some)
    }

    /// Edits a share's description or expiry; `NotFound` when there is no such share.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn update_share(&self, id: Id, patch: &SharePatch) -> StorageResult<Share> {
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>(
                "UPDATE shares SET description = CASE WHEN $2 THEN $3 ELSE description END, \
                 expires_at = COALESCE($4, expires_at) WHERE id = $1",
            )
            .bind(id)
            .bind(patch.description.is_some())
            .bind(patch.description.clone().flatten())
            .bind(patch.expires_at.map(Ts))
            .execute(pool)
            .await?
            .rows_affected()
        });
        found(affected)?;
        self.share(id).await
    }

    /// Revokes a share: its link stops working at once.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn delete_share(&self, id: Id) -> StorageResult<()> {
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM shares WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        found(affected)
    }

    /// The tracks a share plays, in the order its target lists them (an album by disc and
    /// number, a playlist by position).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn share_tracks(&self, target: ShareTarget) -> StorageResult<Vec<TrackSummary>> {
        match target {
            ShareTarget::Track(id) => Ok(vec![self.track_summary(id).await?]),
            ShareTarget::Album(id) => self.album_tracks(id).await,
            ShareTarget::Playlist(id) => {
                let sql = format!(
                    "SELECT {SUMMARY_COLUMNS} FROM playlist_tracks p \
                     JOIN tracks t ON t.id = p.track_id {SUMMARY_JOINS} \
                     WHERE p.playlist_id = $1 ORDER BY p.position"
                );
                Ok(with_pool!(self, |pool, DB| {
                    sqlx::query_as::<DB, TrackSummary>(&sql)
                        .bind(id)
                        .fetch_all(pool)
                        .await?
                }))
            }
        }
    }

    /// Whether a share plays this track: a link opens what it names and nothing else.
    #[tracing::instrument(level = "debug", skip_all, fields(%track_id))]
    pub async fn share_plays(&self, target: ShareTarget, track_id: Id) -> StorageResult<bool> {
        let sql = match target {
            ShareTarget::Track(id) => return Ok(id == track_id),
            ShareTarget::Album(_) => {
                "SELECT EXISTS (SELECT 1 FROM tracks WHERE album_id = $1 AND id = $2)"
            }
            ShareTarget::Playlist(_) => {
                "SELECT EXISTS (SELECT 1 FROM playlist_tracks WHERE playlist_id = $1 \
                 AND track_id = $2)"
            }
        };
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, bool>(sql)
                .bind(target.id())
                .bind(track_id)
                .fetch_one(pool)
                .await?
        }))
    }
}
