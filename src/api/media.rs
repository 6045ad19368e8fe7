//! `/api/v1/tracks/{id}/stream` and `/download`: the audio file itself, with HTTP range
//! requests (206, 416), ETag / Last-Modified and their conditional requests, and HEAD, all by
//! actix-files (sendfile where the platform has it, never the whole file in memory).
//! `?format=&max_bitrate=&offset=` on a stream turns it into an ffmpeg transcode instead.

use actix_files::NamedFile;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BodySize, MessageBody, SizedStream};
use actix_web::http::header::{
    ACCEPT_RANGES, CONTENT_RANGE, ContentDisposition, ContentEncoding, DispositionParam,
    DispositionType, ExtendedValue,
};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::ApiError;
use crate::auth::MediaUser;
use crate::media::audio_format::{AudioFormat, TranscodeTarget};
use crate::media::transcode::{self, Job, TranscodeError, Transcoder};
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

#[derive(Debug, Deserialize)]
struct StreamQuery {
    format: Option<String>,
    /// kbps; 0 is no limit.
    max_bitrate: Option<u32>,
    /// Seconds from the start.
    offset: Option<f64>,
}

impl From<TranscodeError> for ApiError {
    fn from(err: TranscodeError) -> Self {
        let message = err.to_string();
        match err {
            TranscodeError::Unavailable => ApiError::Unsupported {
                code: "transcoding_unavailable",
                message,
            },
            TranscodeError::Busy => ApiError::Busy {
                code: "transcoding_busy",
                message,
                retry_after: Duration::from_secs(2),
            },
            TranscodeError::Stalled => ApiError::Busy {
                code: "transcoding_stalled",
                message,
                retry_after: Duration::from_secs(5),
            },
            TranscodeError::Failed(_) => ApiError::Unsupported {
                code: "transcode_failed",
                message,
            },
            TranscodeError::Spawn(source) => ApiError::internal(source),
        }
    }
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
    stream_track(
        &req,
        &storage,
        &transcoder,
        id.into_inner(),
        format,
        query.max_bitrate,
        offset,
    )
    .await
}

/// A track's audio as `/tracks/{id}/stream` sends it: the file with ranges, or a transcode
/// when a format, a lower bitrate or an offset asks for one. (Subsonic's `stream` too.)
pub(crate) async fn stream_track(
    req: &HttpRequest,
    storage: &Storage,
    transcoder: &Transcoder,
    id: Id,
    format: Option<TranscodeTarget>,
    max_bitrate: Option<u32>,
    offset: f64,
) -> Result<HttpResponse, ApiError> {
    if !offset.is_finite() || offset < 0.0 {
        return Err(ApiError::InvalidField {
            field: "offset",
            message: "must be a number of seconds, 0 or more".into(),
        });
    }
    let (track, file) = open(storage, id).await?;
    let length = f64::from(track.duration_seconds);
    if length > 0.0 && offset >= length {
        return Err(ApiError::InvalidField {
            field: "offset",
            message: format!("is past the end of the track ({length} s)"),
        });
    }
    let Some(job) = transcode::plan(
        track_format(&track),
        track.bitrate,
        format,
        max_bitrate,
        offset,
    ) else {
        return Ok(respond(req, file, &track, DispositionType::Inline));
    };
    drop(file);
    transcoded(req, &track, job, transcoder).await
}

/// A transcode as a chunked body, with no length and no ranges (seeking is `?offset=`).
async fn transcoded(
    req: &HttpRequest,
    track: &Track,
    job: Job,
    transcoder: &Transcoder,
) -> Result<HttpResponse, ApiError> {
    if !transcoder.is_available() {
        return Err(TranscodeError::Unavailable.into());
    }
    let mut response = HttpResponse::Ok();
    response
        .content_type(job.format.mime())
        .insert_header(ContentEncoding::Identity)
        .insert_header((ACCEPT_RANGES, "none"))
        .insert_header((
            "x-content-duration",
            format!(
                "{:.1}",
                (f64::from(track.duration_seconds) - job.offset_seconds).max(0.0)
            ),
        ));
    if req.method() == Method::HEAD {
        return Ok(response.finish());
    }
    let path = track.file_path.as_deref().ok_or(ApiError::NotFound)?;
    let body = transcoder
        .start(std::path::Path::new(path), job)
        .await
        .inspect_err(|err| {
            if let TranscodeError::Failed(why) = err {
                tracing::warn!(track = %track.id, reason = %why, "transcode failed");
            }
        })?;
    Ok(response.streaming(body))
}

async fn download(
    req: HttpRequest,
    _me: MediaUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    download_track(&req, &storage, id.into_inner()).await
}

/// The original file as an attachment. (Subsonic's `download` too.)
pub(crate) async fn download_track(
    req: &HttpRequest,
    storage: &Storage,
    id: Id,
) -> Result<HttpResponse, ApiError> {
    let (track, file) = open(storage, id).await?;
    Ok(respond(req, file, &track, DispositionType::Attachment))
}

/// The file, played in place (`inline`) or saved (`attachment`) under its original name.
/// actix-files answers the request (status, ranges, validators, headers); a large body is
/// then read in [`BIG_CHUNK`]s instead of its 64 KiB ones, one blocking-pool trip per chunk.
fn respond(
    req: &HttpRequest,
    file: NamedFile,
    track: &Track,
    kind: DispositionType,
) -> HttpResponse {
    let reader = file.file().try_clone();
    let response = file
        .set_content_disposition(disposition(kind, &file_name(track)))
        .into_response(req);
    match reader {
        Ok(reader) if req.method() == Method::GET => rechunk(response, reader),
        _ => response,
    }
}

/// Whole-file and long-range bodies are read this much at a time.
const BIG_CHUNK: u64 = 1024 * 1024;

fn rechunk(response: HttpResponse, file: std::fs::File) -> HttpResponse {
    let status = response.status();
    let BodySize::Sized(len) = response.body().size() else {
        return response;
    };
    if len < 2 * BIG_CHUNK || !(status == StatusCode::OK || status == StatusCode::PARTIAL_CONTENT) {
        return response;
    }
    let start = if status == StatusCode::PARTIAL_CONTENT {
        // "bytes START-END/TOTAL", as actix-files just wrote it.
        let Some(start) = response
            .headers()
            .get(CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("bytes "))
            .and_then(|v| v.split('-').next())
            .and_then(|v| v.parse::<u64>().ok())
        else {
            return response;
        };
        start
    } else {
        0
    };
    let file = Arc::new(file);
    let chunks = futures_util::stream::try_unfold((start, len), move |(at, left)| {
        let file = file.clone();
        async move {
            if left == 0 {
                return Ok(None);
            }
            let size = left.min(BIG_CHUNK);
            let chunk = tokio::task::spawn_blocking(move || {
                use std::os::unix::fs::FileExt;
                let mut buffer = vec![0; size as usize];
                file.read_exact_at(&mut buffer, at).map(|()| buffer)
            })
            .await
            .map_err(std::io::Error::other)??;
            Ok::<_, std::io::Error>(Some((Bytes::from(chunk), (at + size, left - size))))
        }
    });
    response
        .map_body(|_, _| SizedStream::new(len, chunks))
        .map_into_boxed_body()
}

fn track_format(track: &Track) -> Option<AudioFormat> {
    AudioFormat::from_metadata(&track.metadata.0)
}

/// The track's file, ready to serve. A track whose file is gone answers 410 and is marked
/// unavailable, so lists stop offering it until a scan finds it again.
async fn open(storage: &Storage, id: Id) -> Result<(Arc<Track>, NamedFile), ApiError> {
    let track = match storage.cached_track(id).await {
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
    let mime = AudioFormat::mime_or_binary(track_format(&track))
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
