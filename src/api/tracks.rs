//! `/api/v1/tracks/{id}`: one track, with signed media URLs that `<audio>` and `<img>` can use.

use actix_web::{HttpResponse, get, web};

use super::ApiError;
use super::extract::AuthUser;
use super::views::{TrackDetailView, TrackView};
use crate::auth::AuthService;
use crate::storage::{Id, Storage};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(track);
}

#[get("/tracks/{id}")]
async fn track(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
    auth: web::Data<AuthService>,
) -> Result<HttpResponse, ApiError> {
    // Hot: every play in a client opens this. Served from the cache (counters may lag by its
    // TTL; edits show at once); a miss costs one query.
    let detail = storage
        .cached_track_detail(me.user.id, id.into_inner())
        .await?;
    let track = &detail.track;
    let media = auth.media_token(me.user.id, track.id)?;
    // Media tokens are bound to the one resource their URL names.
    let cover_url = match track.album_id {
        Some(album) => format!(
            "/api/v1/albums/{album}/cover?t={}",
            auth.media_token(me.user.id, album)?.token
        ),
        None => format!(
            "/api/v1/artists/{}/image?t={}",
            track.artist_id,
            auth.media_token(me.user.id, track.artist_id)?.token
        ),
    };
    Ok(HttpResponse::Ok().json(TrackDetailView {
        cover_url,
        artist_name: detail.names.artist_name.clone(),
        album_title: detail.names.album_title.clone(),
        liked: detail.liked,
        stream_url: format!("/api/v1/tracks/{}/stream?t={}", track.id, media.token),
        download_url: format!("/api/v1/tracks/{}/download?t={}", track.id, media.token),
        media_expires_at: media.expires_at,
        track: TrackView::from(&**track),
    }))
}
