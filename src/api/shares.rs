//! `/api/v1/shares`: my public links (make, list, change, revoke), and
//! `/api/v1/public/shares/{token}`: what a link's page reads and plays, without an account.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::ApiError;
use super::body::Json;
use super::extract::AuthUser;
use super::images::SizeQuery;
use super::page::{NoQuery, Page};
use super::views::{PublicShareView, ShareView};
use crate::config::Config;
use crate::media::artwork::Artwork;
use crate::media::serve;
use crate::media::transcode::Transcoder;
use crate::shares;
use crate::storage::{Id, Share, ShareTarget, Storage, StorageError};
use crate::validate::nullable;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(update)
        .service(remove)
        .service(public)
        .service(
            web::resource("/public/shares/{token}/tracks/{track_id}/stream")
                .route(web::get().to(public_stream))
                .route(web::head().to(public_stream)),
        )
        .service(
            web::resource("/public/shares/{token}/tracks/{track_id}/cover")
                .route(web::get().to(public_cover))
                .route(web::head().to(public_cover)),
        );
}

/// The link's address as this request reached the server, unless `server.public_url` says.
fn view(req: &HttpRequest, config: &Config, share: Share) -> ShareView {
    let base = crate::web::public_base_of(req, &config.server.public_url);
    let url = shares::link(&base, &share.token);
    ShareView::new(share, url, Utc::now())
}

#[get("/shares")]
async fn list(
    req: HttpRequest,
    me: AuthUser,
    _query: web::Query<NoQuery>,
    storage: web::Data<Storage>,
    config: web::Data<Config>,
) -> Result<HttpResponse, ApiError> {
    let mine = storage.shares_of(me.user.id).await?;
    let views: Vec<ShareView> = mine.into_iter().map(|s| view(&req, &config, s)).collect();
    Ok(HttpResponse::Ok().json(Page::whole(views)))
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(super) enum ShareKind {
    Track,
    Album,
    Playlist,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewShare)]
pub(super) struct CreateBody {
    kind: ShareKind,
    /// The track's, album's or playlist's id.
    id: Id,
    description: Option<String>,
    /// Absent: `shares.default_days` from now; at most `shares.max_days` ahead.
    expires_at: Option<DateTime<Utc>>,
}

#[post("/shares")]
async fn create(
    req: HttpRequest,
    me: AuthUser,
    body: Json<CreateBody>,
    storage: web::Data<Storage>,
    config: web::Data<Config>,
) -> Result<HttpResponse, ApiError> {
    let target = match body.kind {
        ShareKind::Track => ShareTarget::Track(body.id),
        ShareKind::Album => ShareTarget::Album(body.id),
        ShareKind::Playlist => ShareTarget::Playlist(body.id),
    };
    let share = shares::create(
        &storage,
        &config.shares,
        &me.user,
        target,
        body.description.as_deref(),
        body.expires_at,
    )
    .await?;
    Ok(HttpResponse::Created().json(view(&req, &config, share)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ShareEdit)]
pub(super) struct UpdateBody {
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    description: Option<Option<String>>,
    expires_at: Option<DateTime<Utc>>,
}

#[patch("/shares/{id}")]
async fn update(
    req: HttpRequest,
    me: AuthUser,
    id: web::Path<Id>,
    body: Json<UpdateBody>,
    storage: web::Data<Storage>,
    config: web::Data<Config>,
) -> Result<HttpResponse, ApiError> {
    let share = shares::update(
        &storage,
        &config.shares,
        &me.user,
        id.into_inner(),
        body.description.as_ref().map(Option::as_deref),
        body.expires_at,
    )
    .await?;
    Ok(HttpResponse::Ok().json(view(&req, &config, share)))
}

#[delete("/shares/{id}")]
async fn remove(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    shares::delete(&storage, &me.user, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A link's page: what it plays. Counts the visit.
#[get("/public/shares/{token}")]
async fn public(
    token: web::Path<String>,
    _query: web::Query<NoQuery>,
    storage: web::Data<Storage>,
    config: web::Data<Config>,
) -> Result<HttpResponse, ApiError> {
    let share = shares::open(&storage, &config.shares, &token).await?;
    let tracks = storage.share_tracks(share.target()).await?;
    storage.record_share_visit(share.id, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(PublicShareView::new(share, &tracks)))
}

/// A track the link plays, and only such a track.
async fn shared_track(
    storage: &Storage,
    config: &Config,
    token: &str,
    track_id: Id,
) -> Result<Id, ApiError> {
    let share = shares::open(storage, &config.shares, token).await?;
    if storage.share_plays(share.target(), track_id).await? {
        Ok(track_id)
    } else {
        Err(StorageError::NotFound.into())
    }
}

/// The file as it is, with ranges: a browser seeks in it.
async fn public_stream(
    req: HttpRequest,
    path: web::Path<(String, Id)>,
    storage: web::Data<Storage>,
    config: web::Data<Config>,
    transcoder: web::Data<Transcoder>,
) -> Result<HttpResponse, ApiError> {
    let (token, track_id) = path.into_inner();
    let id = shared_track(&storage, &config, &token, track_id).await?;
    Ok(serve::stream_track(&req, &storage, &transcoder, id, None, None, 0.0).await?)
}

async fn public_cover(
    req: HttpRequest,
    path: web::Path<(String, Id)>,
    query: web::Query<SizeQuery>,
    storage: web::Data<Storage>,
    config: web::Data<Config>,
    artwork: web::Data<Artwork>,
) -> Result<HttpResponse, ApiError> {
    let size = query.size()?;
    let (token, track_id) = path.into_inner();
    let id = shared_track(&storage, &config, &token, track_id).await?;
    let album = storage
        .track_summary(id)
        .await?
        .album_id
        .ok_or(ApiError::NotFound)?;
    Ok(serve::album_cover(&req, &storage, &artwork, album, size).await?)
}
