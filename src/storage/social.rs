//! Likes, follows and comments.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Returned;
use super::cache::{Loaded, Lookup};
use super::catalog::{ALBUM_COLUMNS, ARTIST_COLUMNS, SUMMARY_COLUMNS, SUMMARY_JOINS};
use super::paging;
use super::users::found;
use super::{
    Album, CacheKind, Comment, CommentView, FavoriteTrack, FollowedArtist, Id, LikedAlbum, Storage,
    StorageResult, with_pool,
};

const COMMENT_COLUMNS: &str = "id, track_id, user_id, body, created_at, updated_at";

impl Storage {
    /// Likes a track. `Conflict` when the user already likes it.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, %track_id))]
    pub async fn add_favorite(&self, user_id: Id, track_id: Id) -> StorageResult<()> {
        let _forget = LikeWrite(self, user_id, track_id);
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
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, %track_id))]
    pub async fn remove_favorite(&self, user_id: Id, track_id: Id) -> StorageResult<()> {
        let _forget = LikeWrite(self, user_id, track_id);
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

    /// Likes an album. `Conflict` when the user already likes it, `Invalid` when there is no
    /// such album.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, %album_id))]
    pub async fn like_album(&self, user_id: Id, album_id: Id) -> StorageResult<()> {
        let _forget = AlbumStarWrite(self, user_id, album_id);
        with_pool!(self, |pool, DB| {
            sqlx::query::<DB>(
                "INSERT INTO album_likes (id, user_id, album_id) VALUES ($1, $2, $3)",
            )
            .bind(Id::new())
            .bind(user_id)
            .bind(album_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Unlikes an album. `NotFound` when the user did not like it.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, %album_id))]
    pub async fn unlike_album(&self, user_id: Id, album_id: Id) -> StorageResult<()> {
        let _forget = AlbumStarWrite(self, user_id, album_id);
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM album_likes WHERE user_id = $1 AND album_id = $2")
                .bind(user_id)
                .bind(album_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        found(affected)
    }

    /// The albums a user likes, most recently liked first.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id))]
    pub async fn liked_albums(
        &self,
        user_id: Id,
        after: Option<(DateTime<Utc>, Id)>,
        limit: i64,
    ) -> StorageResult<Vec<LikedAlbum>> {
        let page = paging::newest_first("l.created_at", "al.id");
        let select = super::browse::album_summary_select().replacen(
            "SELECT ",
            "SELECT l.created_at AS liked_at, ",
            1,
        );
        let sql = format!(
            "{select} JOIN album_likes l ON l.album_id = al.id WHERE l.user_id = $1 {page}"
        );
        let (at, id) = paging::position(after);
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, LikedAlbum>(&sql)
                .bind(user_id)
                .bind(at)
                .bind(id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// When the user liked each of these albums (those they like; in no order).
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, albums = album_ids.len()))]
    pub async fn album_likes_among(
        &self,
        user_id: Id,
        album_ids: &[Id],
    ) -> StorageResult<Vec<(Id, DateTime<Utc>)>> {
        let mut out = Vec::new();
        for chunk in album_ids.chunks(500) {
            let list = (2..chunk.len() + 2)
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT album_id, created_at FROM album_likes \
                 WHERE user_id = $1 AND album_id IN ({list})"
            );
            let rows = with_pool!(self, |pool, DB| {
                let mut query = sqlx::query_as::<DB, (Id, DateTime<Utc>)>(&sql).bind(user_id);
                for id in chunk {
                    query = query.bind(*id);
                }
                query.fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// When the user starred each of these albums (those they did), from the cache where it
    /// can: a search lists albums in every answer.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, albums = album_ids.len()))]
    pub async fn cached_album_stars(
        &self,
        user_id: Id,
        album_ids: &[Id],
    ) -> StorageResult<HashMap<Id, DateTime<Utc>>> {
        let mut stars = HashMap::new();
        let mut missed: HashMap<Id, Option<Loaded>> = HashMap::new();
        for &id in album_ids {
            match self
                .cache
                .lookup::<Option<DateTime<Utc>>>(CacheKind::AlbumStar, user_id, id)
            {
                Lookup::Hit(starred) => {
                    if let Some(at) = *starred {
                        stars.insert(id, at);
                    }
                }
                Lookup::Miss(now) => {
                    missed.insert(id, now);
                }
            }
        }
        if missed.is_empty() {
            return Ok(stars);
        }
        let wanted: Vec<Id> = missed.keys().copied().collect();
        let found: HashMap<Id, DateTime<Utc>> = self
            .album_likes_among(user_id, &wanted)
            .await?
            .into_iter()
            .collect();
        for (id, now) in missed {
            // "Not starred" is kept too: it is most albums' answer.
            let starred = found.get(&id).copied();
            self.cache
                .keep(CacheKind::AlbumStar, user_id, id, now, Arc::new(starred));
            if let Some(at) = starred {
                stars.insert(id, at);
            }
        }
        Ok(stars)
    }

    /// Follows an artist. `Conflict` when the user already follows them.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, %artist_id))]
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

    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, %artist_id))]
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

    #[tracing::instrument(level = "debug", skip_all, fields(%track_id, %user_id))]
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
                .fetch_all(pool)
                .await?
                .returned_one()?
        }))
    }

    /// Whether a user likes a track, from the cache when it is on.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, %track_id))]
    pub async fn cached_is_favorite(&self, user_id: Id, track_id: Id) -> StorageResult<bool> {
        let liked = self
            .cache
            .get_or_load_pair(
                CacheKind::Liked,
                user_id,
                track_id,
                self.is_favorite(user_id, track_id),
            )
            .await?;
        Ok(*liked)
    }

    /// Whether a user likes a track.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, %track_id))]
    pub async fn is_favorite(&self, user_id: Id, track_id: Id) -> StorageResult<bool> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, i64>(
                "SELECT count(*) FROM user_favorites WHERE user_id = $1 AND track_id = $2",
            )
            .bind(user_id)
            .bind(track_id)
            .fetch_one(pool)
            .await?
        }) > 0)
    }

    /// A user's liked tracks, most recently liked first.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id))]
    pub async fn favorites_of(
        &self,
        user_id: Id,
        after: Option<(DateTime<Utc>, Id)>,
        limit: i64,
    ) -> StorageResult<Vec<FavoriteTrack>> {
        let page = paging::newest_first("f.created_at", "t.id");
        let sql = format!(
            "SELECT f.created_at AS favorited_at, {SUMMARY_COLUMNS} FROM user_favorites f \
             JOIN tracks t ON t.id = f.track_id {SUMMARY_JOINS} WHERE f.user_id = $1 {page}"
        );
        let (at, id) = paging::position(after);
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, FavoriteTrack>(&sql)
                .bind(user_id)
                .bind(at)
                .bind(id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// How many follow an artist, and whether this user does.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, %artist_id))]
    pub async fn follow_state(&self, user_id: Id, artist_id: Id) -> StorageResult<(i64, bool)> {
        let (followers, mine) = with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, (i64, i64)>(
                "SELECT count(*), COALESCE(SUM(CASE WHEN user_id = $2 THEN 1 ELSE 0 END), 0) \
                 FROM user_following_artists WHERE artist_id = $1",
            )
            .bind(artist_id)
            .bind(user_id)
            .fetch_one(pool)
            .await?
        });
        Ok((followers, mine > 0))
    }

    /// The artists a user follows, most recently followed first.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id))]
    pub async fn following_of(
        &self,
        user_id: Id,
        after: Option<(DateTime<Utc>, Id)>,
        limit: i64,
    ) -> StorageResult<Vec<FollowedArtist>> {
        let (at, id) = paging::position(after);
        let page = paging::newest_first("f.created_at", "a.id");
        let sql = format!(
            "SELECT f.created_at AS followed_at, {} FROM user_following_artists f \
             JOIN artists a ON a.id = f.artist_id WHERE f.user_id = $1 {page}",
            super::browse::prefixed("a", ARTIST_COLUMNS)
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, FollowedArtist>(&sql)
                .bind(user_id)
                .bind(at)
                .bind(id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The newest releases of the artists a user follows: by year, then by when they were
    /// added to the library.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id))]
    pub async fn new_albums_for(&self, user_id: Id, limit: i64) -> StorageResult<Vec<Album>> {
        let columns = super::browse::prefixed("al", ALBUM_COLUMNS);
        let sql = format!(
            "SELECT {columns} FROM albums al JOIN user_following_artists f \
             ON f.artist_id = al.artist_id WHERE f.user_id = $1 \
             ORDER BY al.year DESC NULLS LAST, al.created_at DESC, al.id DESC LIMIT $2"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Album>(&sql)
                .bind(user_id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn comment(&self, id: Id) -> StorageResult<Comment> {
        let sql = format!("SELECT {COMMENT_COLUMNS} FROM track_comments WHERE id = $1");
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Comment>(&sql)
                .bind(id)
                .fetch_one(pool)
                .await?
        }))
    }

    /// A track's comments, newest first.
    #[tracing::instrument(level = "debug", skip_all, fields(%track_id))]
    pub async fn comments_of(
        &self,
        track_id: Id,
        after: Option<(DateTime<Utc>, Id)>,
        limit: i64,
    ) -> StorageResult<Vec<CommentView>> {
        let page = paging::newest_first("c.created_at", "c.id");
        let sql = format!(
            "SELECT {}, u.username FROM track_comments c JOIN users u ON u.id = c.user_id \
             WHERE c.track_id = $1 {page}",
            super::browse::prefixed("c", COMMENT_COLUMNS)
        );
        let (at, id) = paging::position(after);
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, CommentView>(&sql)
                .bind(track_id)
                .bind(at)
                .bind(id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn update_comment(&self, id: Id, body: &str) -> StorageResult<Comment> {
        let sql = format!(
            "UPDATE track_comments SET body = $2 WHERE id = $1 RETURNING {COMMENT_COLUMNS}"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Comment>(&sql)
                .bind(id)
                .bind(body)
                .fetch_all(pool)
                .await?
                .returned_one()?
        }))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn delete_comment(&self, id: Id) -> StorageResult<()> {
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM track_comments WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        found(affected)
    }
}

/// Held by a like or unlike: when it ends, the cached "liked" answer and track are forgotten.
struct LikeWrite<'a>(&'a Storage, Id, Id);

impl Drop for LikeWrite<'_> {
    fn drop(&mut self) {
        self.0.cache.forget_pair(CacheKind::Liked, self.1, self.2);
        self.0
            .cache
            .forget_pair(CacheKind::SongMarks, self.1, self.2);
        // Its like_count moved: the liker sees the new count at once.
        self.0.cache.forget(CacheKind::Track, self.2);
        self.0.changed(super::CatalogChange::Track(self.2));
    }
}

/// Held by an album like or unlike: when it ends, the cached star is forgotten.
struct AlbumStarWrite<'a>(&'a Storage, Id, Id);

impl Drop for AlbumStarWrite<'_> {
    fn drop(&mut self) {
        self.0
            .cache
            .forget_pair(CacheKind::AlbumStar, self.1, self.2);
    }
}

/// Held by a rating's write: when it ends, the listener's cached marks are forgotten.
struct RatingWrite<'a>(&'a Storage, Id, Id);

impl Drop for RatingWrite<'_> {
    fn drop(&mut self) {
        self.0
            .cache
            .forget_pair(CacheKind::SongMarks, self.1, self.2);
    }
}

impl Storage {
    /// Sets a user's 1–5 rating of a track; 0 removes it. `Invalid` for a track that does
    /// not exist.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, %track_id))]
    pub async fn set_rating(&self, user_id: Id, track_id: Id, rating: i32) -> StorageResult<()> {
        let _forget = RatingWrite(self, user_id, track_id);
        if rating == 0 {
            with_pool!(self, |pool, DB| {
                sqlx::query::<DB>("DELETE FROM track_ratings WHERE user_id = $1 AND track_id = $2")
                    .bind(user_id)
                    .bind(track_id)
                    .execute(pool)
                    .await?
                    .rows_affected()
            });
            return Ok(());
        }
        with_pool!(self, |pool, DB| {
            sqlx::query::<DB>(
                "INSERT INTO track_ratings (user_id, track_id, rating) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, track_id) DO UPDATE SET rating = excluded.rating",
            )
            .bind(user_id)
            .bind(track_id)
            .bind(rating)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    /// A user's rating of a track, if they gave one.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, %track_id))]
    pub async fn rating(&self, user_id: Id, track_id: Id) -> StorageResult<Option<i32>> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, i32>(
                "SELECT CAST(rating AS INTEGER) FROM track_ratings WHERE user_id = $1 AND track_id = $2",
            )
            .bind(user_id)
            .bind(track_id)
            .fetch_optional(pool)
            .await?
        }))
    }
}
