//! `/api/v1/tracks/{id}/stream` and `/download`: the audio file itself, with HTTP range
//! requests (206, 416), ETag / Last-Modified and their conditional requests, and HEAD, all by
//! actix-files (sendfile where the platform has it, never the whole file in memory).

use actix_files::NamedFile;
use actix_web::http::header::{
    ContentDisposition, ContentEncoding, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, web};

use super::ApiError;
use crate::auth::MediaUser;
use crate::library::uploads::mime_for;
use crate::storage::{Id, Storage, StorageError, Track};

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

async fn stream(
    req: HttpRequest,
    _me: MediaUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    serve(&req, &storage, id.into_inner(), DispositionType::Inline).await
}

async fn download(
    req: HttpRequest,
    _me: MediaUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    serve(&req, &storage, id.into_inner(), DispositionType::Attachment).await
}

/// The file, played in place (`inline`) or saved (`attachment`) under its original name.
async fn serve(
    req: &HttpRequest,
    storage: &Storage,
    id: Id,
    kind: DispositionType,
) -> Result<HttpResponse, ApiError> {
    let (track, file) = open(storage, id).await?;
    Ok(file
        .set_content_disposition(disposition(kind, &file_name(&track)))
        .into_response(req))
}

/// The track's file, ready to serve. A track whose file is gone answers 410 and is marked
/// unavailable, so lists stop offering it until a scan finds it again.
async fn open(storage: &Storage, id: Id) -> Result<(Track, NamedFile), ApiError> {
    let track = match storage.track(id).await {
        Ok(track) => track,
        Err(StorageError::NotFound) => return Err(ApiError::NotFound),
        Err(err) => return Err(err.into()),
    };
    let gone = || ApiError::Gone("this track's file is not available right now".into());
    let Some(path) = track.file_path.clone().filter(|_| track.is_available) else {
        return Err(gone());
    };
    let opened = tokio::task::spawn_blocking(move || {
        std::fs::File::open(&path).and_then(|file| NamedFile::from_file(file, &path))
    })
    .await
    .map_err(ApiError::internal)?;
    let file = match opened {
        Ok(file) => file,
        Err(err) => {
            tracing::warn!(track = %track.id, error = %err, "track file cannot be opened; marked unavailable");
            storage.set_tracks_available(&[track.id], false).await?;
            return Err(gone());
        }
    };
    let format = track
        .metadata
        .0
        .get("format")
        .and_then(|f| f.as_str())
        .unwrap_or("");
    let mime = mime_for(format)
        .parse()
        .unwrap_or(actix_web::mime::APPLICATION_OCTET_STREAM);
    // Audio is already compressed; `identity` also keeps the compression middleware away
    // from range responses.
    let file = file
        .set_content_type(mime)
        .set_content_encoding(ContentEncoding::Identity)
        .use_etag(true)
        .use_last_modified(true);
    Ok((track, file))
}

fn file_name(track: &Track) -> String {
    track
        .file_path
        .as_deref()
        .and_then(|p| std::path::Path::new(p).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("{}.audio", track.id))
}

/// `filename=` in ASCII for old clients and `filename*=UTF-8''…` (RFC 5987/6266) for the rest.
fn disposition(kind: DispositionType, name: &str) -> ContentDisposition {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut parameters = vec![DispositionParam::Filename(ascii)];
    if !name.is_ascii() {
        parameters.push(DispositionParam::FilenameExt(ExtendedValue {
            charset: actix_web::http::header::Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: name.as_bytes().to_vec(),
        }));
    }
    ContentDisposition {
        disposition: kind,
        parameters,
    }
}
