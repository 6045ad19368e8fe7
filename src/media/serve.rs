//! Serving a track's audio and the library's art, for the native API and the Subsonic API
//! alike: audio with HTTP range requests (206, 416), ETag / Last-Modified and their conditional
//! requests, and HEAD, all by actix-files (sendfile where the platform has it, never the whole
//! file in memory), or an ffmpeg transcode; stored art at a bounded set of sizes with
//! validators, and a placeholder drawn from the id when there is none, so a grid of albums never
//! shows broken images. Each front end maps [`ServeError`] to its own answer.

use std::sync::Arc;

use actix_files::NamedFile;
use actix_web::body::{BodySize, MessageBody, SizedStream};
use actix_web::http::header::{
    self, ACCEPT_RANGES, CONTENT_RANGE, ContentDisposition, ContentEncoding, DispositionParam,
    DispositionType, ExtendedValue, HeaderValue,
};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};

use super::artwork::{self, Artwork, Picture};
use super::audio_format::{AudioFormat, TranscodeTarget};
use super::transcode::{self, Job, TranscodeError, Transcoder};
use crate::storage::{Id, Storage, StorageError, Track};
use crate::stored_path;
use crate::untrusted_file::{self, MAX_AUDIO_BYTES};

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// No such track, album or artist.
    #[error("not found")]
    NotFound,
    /// The track exists but its file cannot be read right now (an unplugged share).
    #[error("this track's file is not available right now")]
    Gone,
    /// A parameter out of range; `field` is the native API's name for it.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Transcode(#[from] TranscodeError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ServeError {
    fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        ServeError::Internal(Box::new(err))
    }
}

/// A track's audio as `/tracks/{id}/stream` sends it: the file with ranges, or a transcode
/// when a format, a lower bitrate or an offset asks for one.
pub async fn stream_track(
    req: &HttpRequest,
    storage: &Storage,
    transcoder: &Transcoder,
    id: Id,
    format: Option<TranscodeTarget>,
    max_bitrate: Option<u32>,
    offset: f64,
) -> Result<HttpResponse, ServeError> {
    if !offset.is_finite() || offset < 0.0 {
        return Err(ServeError::Invalid {
            field: "offset",
            message: "must be a number of seconds, 0 or more".into(),
        });
    }
    let (track, file) = open(storage, id).await?;
    let length = f64::from(track.duration_seconds);
    if length > 0.0 && offset >= length {
        return Err(ServeError::Invalid {
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
) -> Result<HttpResponse, ServeError> {
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
    let path = track.file_path.as_deref().ok_or(ServeError::NotFound)?;
    let body = transcoder
        .start(&stored_path::decode(path), job)
        .await
        .inspect_err(|err| {
            if let TranscodeError::Failed(why) = err {
                tracing::warn!(track = %track.id, reason = %why, "transcode failed");
            }
        })?;
    Ok(response.streaming(body))
}

/// The original file as an attachment.
pub async fn download_track(
    req: &HttpRequest,
    storage: &Storage,
    id: Id,
) -> Result<HttpResponse, ServeError> {
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
    if req.method() == Method::HEAD {
        return without_body(response);
    }
    match reader {
        Ok(reader) if req.method() == Method::GET => rechunk(response, reader),
        Ok(reader) if req.method() == Method::POST => posted_range(req, response, reader),
        _ => response,
    }
}

/// A POSTed request for a file (Subsonic's `stream` and `download` as a form, OpenSubsonic's
/// formPost) is answered like its GET: HTTP defines ranges for GET only, so actix-files ignores
/// them on a POST and this applies them. A range that cannot be satisfied is 416, as for GET.
fn posted_range(req: &HttpRequest, response: HttpResponse, file: std::fs::File) -> HttpResponse {
    let (StatusCode::OK, BodySize::Sized(total)) = (response.status(), response.body().size())
    else {
        return response;
    };
    let Some(range) = req.headers().get(header::RANGE) else {
        return rechunk(response, file);
    };
    let first = range
        .to_str()
        .ok()
        .filter(|r| r.trim_start().starts_with("bytes="))
        .and_then(|r| actix_files::HttpRange::parse(r, total).ok())
        .and_then(|ranges| ranges.first().copied());
    let mut response = response;
    let Some(first) = first else {
        *response.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
        response.headers_mut().insert(
            CONTENT_RANGE,
            HeaderValue::from_str(&format!("bytes */{total}"))
                .unwrap_or(HeaderValue::from_static("bytes */0")),
        );
        return response.set_body(actix_web::body::BoxBody::new(()));
    };
    *response.status_mut() = StatusCode::PARTIAL_CONTENT;
    if let Ok(value) = HeaderValue::from_str(&format!(
        "bytes {}-{}/{total}",
        first.start,
        first.start + first.length - 1
    )) {
        response.headers_mut().insert(CONTENT_RANGE, value);
    }
    response
        .map_body(|_, _| {
            SizedStream::new(first.length, file_chunks(file, first.start, first.length))
        })
        .map_into_boxed_body()
}

/// A HEAD answer costs the stat actix-files already made: it keeps the body's declared size
/// (so `Content-Length` is the file's) but gives a body that ends at once. actix-files hands
/// HEAD the same file-reading body as GET, and the server drains a body it does not send, so
/// a HEAD on a 4 GiB file used to read 4 GiB.
fn without_body(response: HttpResponse) -> HttpResponse {
    let BodySize::Sized(len) = response.body().size() else {
        return response;
    };
    response
        .map_body(|_, _| {
            SizedStream::new(
                len,
                futures_util::stream::empty::<Result<Bytes, std::io::Error>>(),
            )
        })
        .map_into_boxed_body()
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
    response
        .map_body(|_, _| SizedStream::new(len, file_chunks(file, start, len)))
        .map_into_boxed_body()
}

/// `len` bytes of `file` from `start`, read off the async threads in big chunks.
fn file_chunks(
    file: std::fs::File,
    start: u64,
    len: u64,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + 'static {
    let file = Arc::new(file);
    futures_util::stream::try_unfold((start, len), move |(at, left)| {
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
    })
}

fn track_format(track: &Track) -> Option<AudioFormat> {
    AudioFormat::from_metadata(&track.metadata.0)
}

/// The track's file, ready to serve. A track whose file is gone answers 410 and is marked
/// unavailable, so lists stop offering it until a scan finds it again.
async fn open(storage: &Storage, id: Id) -> Result<(Arc<Track>, NamedFile), ServeError> {
    let track = match storage.cached_track(id).await {
        Ok(track) => track,
        Err(StorageError::NotFound) => return Err(ServeError::NotFound),
        Err(err) => return Err(err.into()),
    };
    let Some(path) = track.file_path.clone().filter(|_| track.is_available) else {
        return Err(ServeError::Gone);
    };
    let opened = tokio::task::spawn_blocking(move || {
        let path = stored_path::decode(&path);
        // A library file is opened as Juke opens every file it did not write: a FIFO or a
        // device put where the audio was must not hang or flood the request.
        let (file, _) = untrusted_file::open_regular(&path, MAX_AUDIO_BYTES)?;
        Ok::<_, untrusted_file::UntrustedFileError>(NamedFile::from_file(file, &path)?)
    })
    .await
    .map_err(ServeError::internal)?;
    let file = match opened {
        Ok(file) => file,
        Err(err) => {
            tracing::warn!(track = %track.id, error = %err, "track file cannot be opened; marked unavailable");
            storage.set_tracks_available(&[track.id], false).await?;
            return Err(ServeError::Gone);
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
        .map(stored_path::decode)
        .and_then(|p| p.file_name().map(stored_path::display_name))
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

/// Art changes only when a rescan finds a new cover; a day's caching with revalidation by
/// ETag keeps grids instant without serving a stale cover for long.
const ART_CACHE: &str = "private, max-age=86400";
/// A placeholder turns into real art after the next scan.
const PLACEHOLDER_CACHE: &str = "private, max-age=300";
/// The largest size a client may ask for; larger requests get the largest stored size anyway.
pub const MAX_REQUESTED_SIZE: u32 = 4096;
/// The PNG placeholder's side when no size is asked.
const PLACEHOLDER_SIZE: u32 = 512;

/// An album's cover (or its placeholder) at a size.
pub async fn album_cover(
    req: &HttpRequest,
    storage: &Storage,
    artwork: &Artwork,
    id: Id,
    size: Option<u32>,
) -> Result<HttpResponse, ServeError> {
    let album = storage.album(id).await?;
    let picture = cover(artwork, album.id, size).await;
    respond_art(req, picture, album.id, &album.title, size).await
}

/// An artist's image: their own picture's address, else their newest album's cover, else a
/// placeholder.
pub async fn artist_image(
    req: &HttpRequest,
    storage: &Storage,
    artwork: &Artwork,
    id: Id,
    size: Option<u32>,
) -> Result<HttpResponse, ServeError> {
    let artist = storage.artist(id).await?;
    // An image set by an editor elsewhere on the web is the artist's own picture.
    if let Some(url) = artist
        .image_url
        .as_deref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
    {
        return Ok(HttpResponse::Found()
            .insert_header((header::LOCATION, url))
            .insert_header((header::CACHE_CONTROL, PLACEHOLDER_CACHE))
            .finish());
    }
    let picture = match storage.artist_cover_album(artist.id).await? {
        Some(album_id) => cover(artwork, album_id, size).await,
        None => None,
    };
    respond_art(req, picture, artist.id, &artist.name, size).await
}

/// The stored cover at the asked size. A cover that cannot be decoded or scaled is logged and
/// treated as missing: the placeholder is better than an error in a grid of fifty.
async fn cover(artwork: &Artwork, album_id: Id, size: Option<u32>) -> Option<Picture> {
    match artwork.album_cover(album_id, size).await {
        Ok(picture) => picture,
        Err(err) => {
            tracing::warn!(album = %album_id, error = %err, "cannot serve the stored cover");
            None
        }
    }
}

async fn respond_art(
    req: &HttpRequest,
    picture: Option<Picture>,
    id: Id,
    name: &str,
    size: Option<u32>,
) -> Result<HttpResponse, ServeError> {
    let Some(picture) = picture else {
        return placeholder(req, id, name, size).await;
    };
    let path = picture.path.clone();
    let opened = tokio::task::spawn_blocking(move || NamedFile::open(path))
        .await
        .map_err(ServeError::internal)?;
    let file = match opened {
        // Art stored empty (before empty pictures were refused at ingest) is no art.
        Ok(file) if file.metadata().len() == 0 => {
            return placeholder(req, id, name, size).await;
        }
        Ok(file) => file,
        // Removed between the lookup and the open (a rescan replacing it).
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return placeholder(req, id, name, size).await;
        }
        Err(err) => return Err(ServeError::internal(err)),
    };
    let mime = picture
        .mime
        .parse()
        .unwrap_or(actix_web::mime::APPLICATION_OCTET_STREAM);
    let mut response = file
        .set_content_type(mime)
        .disable_content_disposition()
        .use_etag(true)
        .use_last_modified(true)
        .into_response(req);
    if req.method() == Method::HEAD {
        response = without_body(response);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(ART_CACHE));
    Ok(response)
}

/// SVG for clients that say they take it (browsers), PNG for the rest (most Subsonic apps).
async fn placeholder(
    req: &HttpRequest,
    id: Id,
    name: &str,
    size: Option<u32>,
) -> Result<HttpResponse, ServeError> {
    let takes_svg = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("image/svg+xml"));
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CACHE_CONTROL, PLACEHOLDER_CACHE))
        .insert_header(("x-juke-placeholder", "true"));
    if takes_svg {
        return Ok(response
            .content_type("image/svg+xml")
            .body(artwork::placeholder_svg(id, name)));
    }
    let side = size.map_or(PLACEHOLDER_SIZE, artwork::size_for);
    // Drawing and encoding up to 1024 × 1024 is CPU work: off the async threads.
    let png = tokio::task::spawn_blocking(move || artwork::placeholder_png(id, side))
        .await
        .map_err(ServeError::internal)?
        .map_err(ServeError::internal)?;
    Ok(response.content_type("image/png").body(png))
}
