//! Reading a raw request body with a size limit, for routes that answer in their own format
//! (the native API's JSON errors, Subsonic's documents) rather than actix's plain-text 413.

use actix_web::http::header::CONTENT_LENGTH;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;

/// Past the limit the rest of a body sent without a length (chunked) is read and dropped, up to this much, so the client is
/// reading when the answer comes (closing on unread data resets the connection, and the
/// client sees no answer at all). Beyond it the connection is closed.
const DRAIN_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("the body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("cannot read the body: {0}")]
    Broken(String),
}

/// The whole body if it is at most `limit` bytes. A declared length over it is refused
/// before a byte is read (a client that waits for `100 Continue`, or reads as it writes, gets
/// the answer without sending the body).
pub async fn read_limited(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<bytes::Bytes, BodyError> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(BodyError::TooLarge(limit));
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| BodyError::Broken(err.to_string()))?;
        if body.len() + chunk.len() > limit {
            let mut drained = body.len() + chunk.len();
            while drained <= DRAIN_BYTES {
                match payload.next().await {
                    Some(Ok(more)) => drained += more.len(),
                    _ => break,
                }
            }
            return Err(BodyError::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
