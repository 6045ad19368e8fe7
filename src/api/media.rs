//! `/api/v1/tracks/{id}/stream` and `/download`: the audio file itself with ranges, or
//! (`?format=&max_bitrate=&offset=` on a stream) an ffmpeg transcode. Served by
//! [`crate::media::serve`], as Subsonic's `stream` and `download` are.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::ApiError;
use super::extract::MediaUser;
use crate::media::audio_format::TranscodeTarget;
use crate::media::serve;
use crate::media::transcode::Transcoder;
use crate::storage::{Id, Storage};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/tracks/{id}/stream")
            .route(web::get().to(stream))
            .route(web::head().to(stream)),
    )
    .service(
        web::resource("/tracks/{id}/download")
            .route(web::get().to(download))
            .route(web::head().to(download)),
    );
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct StreamQuery {
    /// mp3 | opus | aac: transcode (raw or empty: the file as it is).
    format: Option<String>,
    /// kbps; 0 is no limit.
    max_bitrate: Option<u32>,
    /// Seconds from the start.
    offset: Option<f64>,
}

async fn stream(
    req: HttpRequest,
    _me: MediaUser,
    id: web::Path<Id>,
    query: web::Query<StreamQuery>,
    storage: web::Data<Storage>,
    transcoder: web::Data<Transcoder>,
) -> Result<HttpResponse, ApiError> {
    let format = match query.format.as_deref() {
        None | Some("") | Some("raw") => None,
        Some(name) => Some(
            TranscodeTarget::parse(name).ok_or_else(|| ApiError::InvalidField {
                field: "format",
                message: format!("must be one of {} (or raw)", TranscodeTarget::NAMES),
            })?,
        ),
    };
    let offset = query.offset.unwrap_or(0.0);
    Ok(serve::stream_track(
        &req,
        &storage,
        &transcoder,
        id.into_inner(),
        format,
        query.max_bitrate,
        offset,
    )
    .await?)
}

async fn download(
    req: HttpRequest,
    _me: MediaUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    Ok(serve::download_track(&req, &storage, id.into_inner()).await?)
}
