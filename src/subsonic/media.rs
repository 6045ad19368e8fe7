//! Media methods: stream, download, getCoverArt, getAvatar. Their answers are the media
//! themselves, served by [`crate::media::serve`] as the native API's media routes are (ranges,
//! transcodes, cached art); only failures are Subsonic documents.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use super::Ctx;
use super::error::SubsonicError;
use super::views::{self, Kind};
use crate::media::artwork::{self, Artwork};
use crate::media::audio_format::TranscodeTarget;
use crate::media::serve::{self, MAX_REQUESTED_SIZE};
use crate::media::transcode::Transcoder;

/// `stream`: `maxBitRate` (kbps, 0 none), `format` (`raw`, or mp3/opus/aac and the like),
/// `timeOffset` (seconds) go through the transcoder when one is needed.
pub async fn stream(
    req: &HttpRequest,
    ctx: &Ctx<'_>,
    transcoder: &Transcoder,
) -> Result<HttpResponse, SubsonicError> {
    let id = views::expect(ctx.params.get("id"), "id", Kind::Track)?;
    let format = match ctx.params.get("format").filter(|f| !f.is_empty()) {
        None | Some("raw") => None,
        // Subsonic clients name Ogg Opus "opus" and sometimes "ogg".
        Some(name) => Some(
            TranscodeTarget::parse(if name == "ogg" { "opus" } else { name }).ok_or_else(|| {
                SubsonicError::Invalid(
                    "format",
                    format!("{name:?}: use raw, {}", TranscodeTarget::NAMES),
                )
            })?,
        ),
    };
    let max_bitrate = ctx.params.int("maxBitRate", 0, 0, 10_000)? as u32;
    let offset = ctx.params.int("timeOffset", 0, 0, 1_000_000)? as f64;
    Ok(serve::stream_track(
        req,
        ctx.storage,
        transcoder,
        id,
        format,
        (max_bitrate > 0).then_some(max_bitrate),
        offset,
    )
    .await?)
}

pub async fn download(req: &HttpRequest, ctx: &Ctx<'_>) -> Result<HttpResponse, SubsonicError> {
    let id = views::expect(ctx.params.get("id"), "id", Kind::Track)?;
    Ok(serve::download_track(req, ctx.storage, id).await?)
}

/// `getCoverArt`: an album's (`al-`, also a song's `coverArt`), an artist's (`ar-`), or a
/// song's (`tr-`: its album's).
pub async fn cover_art(
    req: &HttpRequest,
    ctx: &Ctx<'_>,
    artwork: &Artwork,
) -> Result<HttpResponse, SubsonicError> {
    let raw = ctx.params.required("id")?;
    let size = match ctx.params.get("size") {
        Some(_) => Some(
            ctx.params
                .int("size", 0, 1, i64::from(MAX_REQUESTED_SIZE))? as u32,
        ),
        None => None,
    };
    let result = match views::parse(raw, Kind::Album) {
        Some((Kind::Album, id)) => serve::album_cover(req, ctx.storage, artwork, id, size).await,
        Some((Kind::Artist, id)) => serve::artist_image(req, ctx.storage, artwork, id, size).await,
        Some((Kind::Track, id)) => {
            let track = ctx
                .storage
                .track(id)
                .await
                .map_err(|_| SubsonicError::NotFound("cover"))?;
            match track.album_id {
                Some(album) => serve::album_cover(req, ctx.storage, artwork, album, size).await,
                None => serve::artist_image(req, ctx.storage, artwork, track.artist_id, size).await,
            }
        }
        _ => return Err(SubsonicError::NotFound("cover")),
    };
    Ok(result?)
}

/// `getAvatar`: the user's picture address when they set one, else a placeholder.
pub async fn avatar(ctx: &Ctx<'_>) -> Result<HttpResponse, SubsonicError> {
    let name = ctx.params.required("username")?;
    let user = if name.eq_ignore_ascii_case(&ctx.user.username) {
        ctx.user.clone()
    } else {
        match ctx.storage.user_for_login(name).await {
            Ok((user, _)) => user,
            Err(_) => return Err(SubsonicError::NotFound("user")),
        }
    };
    if let Some(url) = user
        .avatar_url
        .as_deref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
    {
        return Ok(HttpResponse::Found()
            .insert_header((header::LOCATION, url))
            .finish());
    }
    let png = tokio::task::spawn_blocking(move || artwork::placeholder_png(user.id, 128))
        .await
        .map_err(|err| SubsonicError::Internal(err.to_string()))?
        .map_err(|err| SubsonicError::Internal(err.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .body(png))
}
