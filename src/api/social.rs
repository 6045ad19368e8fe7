//! Likes, follows and comments: `PUT/DELETE /tracks/{id}/favorite`, `/me/favorites`,
//! `PUT/DELETE /albums/{id}/favorite`, `/me/favorites/albums`,
//! `PUT/DELETE /artists/{id}/follow`, `/me/following`, `/tracks/{id}/comments`, `/comments/{id}`.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::ApiError;
use super::body::Json;
use super::extract::AuthUser;
use super::page::{Page, PageQuery, time_position};
use super::views::{
    AlbumView, CommentView, CommentWithAuthorView, FavoriteAlbumView, FavoriteTrackView,
    FollowedArtistView,
};
use crate::auth::policy;
use crate::storage::{Id, Storage, StorageError};
use crate::validate;

/// Comments are short notes, not essays.
pub const COMMENT_MAX_CHARS: usize = 2000;
/// The newest albums of followed artists: one screenful.
const NEW_ALBUMS_MAX: i64 = 100;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(favorite)
        .service(unfavorite)
        .service(favorite_album)
        .service(unfavorite_album)
        .service(favorite_albums)
        .service(favorites)
        .service(follow)
        .service(unfollow)
        .service(following)
        .service(following_albums)
        .service(comments)
        .service(add_comment)
        .service(edit_comment)
        .service(delete_comment);
}

/// Likes and follows are idempotent: doing it twice is doing it once, undoing what is not
/// there is done already. Either way 204.
fn idempotent(result: Result<(), StorageError>) -> Result<HttpResponse, ApiError> {
    match result {
        Ok(()) | Err(StorageError::Conflict(_) | StorageError::NotFound) => {
            Ok(HttpResponse::NoContent().finish())
        }
        Err(err) => Err(err.into()),
    }
}

/// Likes are idempotent: liking twice is one like.
#[put("/tracks/{id}/favorite")]
async fn favorite(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let track = storage.cached_track(id.into_inner()).await?;
    idempotent(storage.add_favorite(me.user.id, track.id).await)
}

#[delete("/tracks/{id}/favorite")]
async fn unfavorite(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let track = storage.cached_track(id.into_inner()).await?;
    idempotent(storage.remove_favorite(me.user.id, track.id).await)
}

/// My liked tracks, most recently liked first.
#[get("/me/favorites")]
async fn favorites(
    me: AuthUser,
    query: web::Query<PageQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit()?;
    let items = storage
        .favorites_of(me.user.id, query.time_position()?, limit)
        .await?;
    let page = Page::new(items, limit, |f| time_position(f.favorited_at, f.track.id));
    Ok(HttpResponse::Ok().json(page.map(FavoriteTrackView::from)))
}

/// Album likes are idempotent too.
#[put("/albums/{id}/favorite")]
async fn favorite_album(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let album = storage.cached_album(id.into_inner()).await?;
    idempotent(storage.like_album(me.user.id, album.id).await)
}

#[delete("/albums/{id}/favorite")]
async fn unfavorite_album(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let album = storage.cached_album(id.into_inner()).await?;
    idempotent(storage.unlike_album(me.user.id, album.id).await)
}

/// My liked albums, most recently liked first.
#[get("/me/favorites/albums")]
async fn favorite_albums(
    me: AuthUser,
    query: web::Query<PageQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit()?;
    let items = storage
        .liked_albums(me.user.id, query.time_position()?, limit)
        .await?;
    let page = Page::new(items, limit, |l| {
        time_position(l.liked_at, l.album.album.id)
    });
    Ok(HttpResponse::Ok().json(page.map(FavoriteAlbumView::from)))
}

#[put("/artists/{id}/follow")]
async fn follow(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let artist = storage.artist(id.into_inner()).await?;
    idempotent(storage.follow_artist(me.user.id, artist.id).await)
}

#[delete("/artists/{id}/follow")]
async fn unfollow(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let artist = storage.artist(id.into_inner()).await?;
    idempotent(storage.unfollow_artist(me.user.id, artist.id).await)
}

/// The artists I follow, most recently followed first.
#[get("/me/following")]
async fn following(
    me: AuthUser,
    query: web::Query<PageQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit()?;
    let items = storage
        .following_of(me.user.id, query.time_position()?, limit)
        .await?;
    let page = Page::new(items, limit, |f| time_position(f.followed_at, f.artist.id));
    Ok(HttpResponse::Ok().json(page.map(FollowedArtistView::from)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct LimitQuery {
    /// 1–100 (default 20).
    limit: Option<i64>,
}

/// The newest albums of the artists I follow (newest release year first), one list.
#[get("/me/following/albums")]
async fn following_albums(
    me: AuthUser,
    query: web::Query<LimitQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let limit = match query.limit {
        None => 20,
        Some(n) if (1..=NEW_ALBUMS_MAX).contains(&n) => n,
        Some(_) => {
            return Err(validate::field_error(
                "limit",
                format!("must be between 1 and {NEW_ALBUMS_MAX}"),
            )
            .into());
        }
    };
    let items = storage.new_albums_for(me.user.id, limit).await?;
    Ok(HttpResponse::Ok().json(Page::whole(items).map(|a| AlbumView::from(&a))))
}

/// A track's comments, newest first.
#[get("/tracks/{id}/comments")]
async fn comments(
    _me: AuthUser,
    id: web::Path<Id>,
    query: web::Query<PageQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let track = storage.cached_track(id.into_inner()).await?;
    let limit = query.limit()?;
    let items = storage
        .comments_of(track.id, query.time_position()?, limit)
        .await?;
    let page = Page::new(items, limit, |c| {
        time_position(c.comment.created_at, c.comment.id)
    });
    Ok(HttpResponse::Ok().json(page.map(CommentWithAuthorView::from)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CommentText)]
pub(super) struct CommentBody {
    /// 1–2000 characters, plain text.
    body: String,
}

impl CommentBody {
    /// 1–2000 characters once trimmed, kept as plain text (clients show it as text).
    fn text(&self) -> Result<String, ApiError> {
        Ok(validate::required_text(
            "body",
            &self.body,
            COMMENT_MAX_CHARS,
        )?)
    }
}

#[post("/tracks/{id}/comments")]
async fn add_comment(
    me: AuthUser,
    id: web::Path<Id>,
    body: Json<CommentBody>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let text = body.text()?;
    let track = storage.cached_track(id.into_inner()).await?;
    let comment = storage.add_comment(track.id, me.user.id, &text).await?;
    Ok(HttpResponse::Created().json(CommentView::from(comment)))
}

/// Only the author edits a comment.
#[patch("/comments/{id}")]
async fn edit_comment(
    me: AuthUser,
    id: web::Path<Id>,
    body: Json<CommentBody>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let text = body.text()?;
    let comment = storage.comment(id.into_inner()).await?;
    policy::require_comment_author(&me.user, comment.user_id)?;
    let updated = storage.update_comment(comment.id, &text).await?;
    Ok(HttpResponse::Ok().json(CommentView::from(updated)))
}

/// The author deletes their comment; admins delete any.
#[delete("/comments/{id}")]
async fn delete_comment(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let comment = storage.comment(id.into_inner()).await?;
    policy::require_comment_moderator(&me.user, comment.user_id)?;
    storage.delete_comment(comment.id).await?;
    Ok(HttpResponse::NoContent().finish())
}
