//! `/api/v1/uploads`: send audio files (multipart, one or more `file` parts), then follow each
//! through the queue.

use std::time::Instant;

use actix_multipart::Multipart;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::{Stream, StreamExt};
use tokio::io::AsyncWriteExt;

use super::ApiError;
use super::extract::AuthUser;
use super::page::{Page, PageQuery, time_position};
use super::views::{UploadView, UploadsAcceptedView};
use crate::library::uploads::{BODY_STALL, PARTIAL_SUFFIX, UploadRefused, Uploads};
use crate::storage::{Id, Storage, StorageError};

/// The most files one request may carry.
const MAX_FILES_PER_REQUEST: usize = 200;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(receive).service(list).service(get_one);
}

/// The next item of a body, or `TimedOut` when it stalls for [`BODY_STALL`] or the request
/// passes its deadline.
async fn next_within<S: Stream + Unpin>(
    stream: &mut S,
    deadline: Instant,
    limit_seconds: u64,
) -> Result<Option<S::Item>, UploadRefused> {
    let wait = deadline
        .saturating_duration_since(Instant::now())
        .min(BODY_STALL);
    tokio::time::timeout(wait, stream.next())
        .await
        .map_err(|_| UploadRefused::TimedOut(limit_seconds))
}

/// Streams each `file` part to disk (never whole in memory) and queues it: 202 with one row
/// per file. Refused before the body is read when the account has too many uploads in flight,
/// the disk is below `uploads.min_free_bytes` or the quota would be passed (507); a file over
/// `uploads.max_file_bytes` is 413; a body that stalls or passes `uploads.body_timeout_seconds`
/// is 408. Whatever was half written is removed.
#[post("/uploads")]
async fn receive(
    me: AuthUser,
    request: HttpRequest,
    mut form: Multipart,
    uploads: web::Data<Uploads>,
) -> Result<HttpResponse, ApiError> {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let mut admission = uploads.admit(&me.user, declared).await?;
    let limit_seconds = uploads.body_timeout.as_secs();
    let deadline = Instant::now() + uploads.body_timeout;
    let dir = uploads.incoming_dir();
    crate::private_fs::create_dir_all_async(&dir)
        .await
        .map_err(UploadRefused::from)?;
    let mut rows = Vec::new();
    while let Some(field) = next_within(&mut form, deadline, limit_seconds).await? {
        let mut field = field
            .map_err(|err| ApiError::BadRequest(format!("malformed multipart body: {err}")))?;
        if field.name() != Some("file") {
            // Other parts are read past and ignored.
            while let Some(chunk) = next_within(&mut field, deadline, limit_seconds).await? {
                chunk.map_err(|err| {
                    ApiError::BadRequest(format!("malformed multipart body: {err}"))
                })?;
            }
            continue;
        }
        if rows.len() == MAX_FILES_PER_REQUEST {
            return Err(ApiError::PayloadTooLarge(format!(
                "at most {MAX_FILES_PER_REQUEST} files per request"
            )));
        }
        let original = original_name(field.content_disposition().and_then(|cd| cd.get_filename()));
        let id = Id::new();
        let partial = dir.join(format!("{id}{PARTIAL_SUFFIX}"));
        let received = dir.join(format!("{id}.upload"));
        let mut size: u64 = 0;
        let written: Result<(), ApiError> = async {
            let mut out = crate::private_fs::create_file(&partial)
                .await
                .map_err(UploadRefused::from)?;
            while let Some(chunk) = next_within(&mut field, deadline, limit_seconds).await? {
                let chunk = chunk
                    .map_err(|err| ApiError::BadRequest(format!("upload interrupted: {err}")))?;
                size += chunk.len() as u64;
                admission.take(&original, size, chunk.len() as u64)?;
                out.write_all(&chunk).await.map_err(UploadRefused::from)?;
            }
            out.flush().await.map_err(UploadRefused::from)?;
            Ok(())
        }
        .await;
        if let Err(err) = written {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(err);
        }
        if let Err(err) = tokio::fs::rename(&partial, &received).await {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(UploadRefused::from(err).into());
        }
        let row = uploads
            .accept(me.user.id, &original, &received, size)
            .await?;
        rows.push(UploadView::from(row));
    }
    if rows.is_empty() {
        return Err(ApiError::InvalidField {
            field: "file",
            message: "send one or more files in parts named \"file\"".into(),
        });
    }
    Ok(HttpResponse::Accepted().json(UploadsAcceptedView { uploads: rows }))
}

/// The client's file name, reduced to its last component and a sane length.
fn original_name(given: Option<&str>) -> String {
    let name = given
        .and_then(|n| n.rsplit(['/', '\\']).next())
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control())
                .take(255)
                .collect::<String>()
        })
        .unwrap_or_default();
    if name.trim().is_empty() {
        "upload".to_owned()
    } else {
        name
    }
}

#[get("/uploads")]
async fn list(
    me: AuthUser,
    query: web::Query<PageQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit()?;
    let after = query.time_position()?;
    let rows = storage.uploads_of(me.user.id, after, limit).await?;
    let page = Page::new(rows, limit, |u| time_position(u.created_at, u.id));
    Ok(HttpResponse::Ok().json(page.map(UploadView::from)))
}

/// One of my uploads; someone else's is a 404.
#[get("/uploads/{id}")]
async fn get_one(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let upload = match storage.upload(id.into_inner()).await {
        Ok(upload) if upload.user_id == me.user.id => upload,
        Ok(_) | Err(StorageError::NotFound) => return Err(ApiError::NotFound),
        Err(err) => return Err(err.into()),
    };
    Ok(HttpResponse::Ok().json(UploadView::from(upload)))
}
