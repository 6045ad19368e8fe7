//! `Json<T>`: the JSON body extractor every route uses. Like actix's, with the API's errors:
//! over 1 MiB → 413, not JSON → 400, a value of the wrong type or range for its field → 422
//! `invalid_field` naming the field (its path, e.g. `track_ids[2]`), an unknown field → 400.

use std::ops::Deref;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use super::{ApiError, JSON_LIMIT_BYTES};

#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<actix_web::mime::Mime>().ok())
            .is_some_and(|m| {
                m.subtype() == actix_web::mime::JSON || m.suffix() == Some(actix_web::mime::JSON)
            });
        // A declared length over the limit is refused before a byte of the body is read.
        let declared_too_long = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|length| length > JSON_LIMIT_BYTES);
        let payload = web::Payload::from_request(req, payload);
        Box::pin(async move {
            if declared_too_long {
                return Err(too_large());
            }
            let payload = payload
                .await
                .map_err(|err| ApiError::BadRequest(format!("cannot read the body: {err}")))?;
            if !is_json {
                return Err(ApiError::BadRequest(
                    "send the body as application/json".into(),
                ));
            }
            let bytes = match payload.to_bytes_limited(JSON_LIMIT_BYTES).await {
                Ok(Ok(bytes)) => bytes,
                Ok(Err(err)) => {
                    return Err(ApiError::BadRequest(format!("cannot read the body: {err}")));
                }
                Err(_) => return Err(too_large()),
            };
            parse(&bytes).map(Json)
        })
    }
}

/// A raw body of at most `limit` bytes, else 413 in the API's format (actix's own `Bytes`
/// extractor answers plain text).
pub async fn bytes_limited(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<bytes::Bytes, ApiError> {
    use crate::http_body::{BodyError, read_limited};
    read_limited(req, payload, limit)
        .await
        .map_err(|err| match err {
            BodyError::TooLarge(_) => ApiError::PayloadTooLarge(err.to_string()),
            BodyError::Broken(_) => ApiError::BadRequest(err.to_string()),
        })
}

fn too_large() -> ApiError {
    ApiError::PayloadTooLarge(format!("the body is larger than {JSON_LIMIT_BYTES} bytes"))
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = inner.to_string();
        if !inner.is_data() || message.starts_with("unknown field") {
            return ApiError::BadRequest(format!("invalid JSON body: {message}"));
        }
        // serde names a missing field only in its message.
        let field = match message.strip_prefix("missing field `") {
            Some(rest) => rest.split('`').next().unwrap_or_default().to_owned(),
            None => path,
        };
        // Drop serde's "at line 1 column 12": the field says where.
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_owned();
        ApiError::InvalidJsonField { field, message }
    })?;
    deserializer
        .end()
        .map_err(|err| ApiError::BadRequest(format!("invalid JSON body: {err}")))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Play {
        track_id: String,
        seconds: i32,
        tags: Option<Vec<u8>>,
    }

    fn field_of(body: &str) -> Option<String> {
        match parse::<Play>(body.as_bytes()) {
            Err(ApiError::InvalidJsonField { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn wrong_types_name_their_field_and_bad_json_is_a_400() {
        assert_eq!(
            field_of(r#"{"track_id": "a", "seconds": "x"}"#).as_deref(),
            Some("seconds")
        );
        assert_eq!(
            field_of(r#"{"track_id": "a", "seconds": 1, "tags": [1, 300]}"#).as_deref(),
            Some("tags[1]")
        );
        assert_eq!(field_of(r#"{"track_id": "a"}"#).as_deref(), Some("seconds"));
        assert!(matches!(
            parse::<Play>(b"{nope"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse::<Play>(br#"{"track_id": "a", "seconds": 1, "extra": 2}"#),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse::<Play>(br#"{"track_id": "a", "seconds": 1} trailing"#),
            Err(ApiError::BadRequest(_))
        ));
        assert!(parse::<Play>(br#"{"track_id": "a", "seconds": 1}"#).is_ok());
    }
}
