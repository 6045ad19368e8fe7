//! The API's error type, and the one place errors become HTTP responses:
//! the right status and `{"error": {"code", "message"}}` (plus `"field"` for a bad field).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::accounts::AccountError;
use crate::auth::setup::SetupError;
use crate::auth::{AuthError, Denied};
use crate::library::uploads::UploadRefused;
use crate::media::serve::ServeError;
use crate::media::transcode::TranscodeError;
use crate::storage::StorageError;
use crate::validate::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    /// 400 with its own code: a request this API refuses by rule (an unknown query parameter,
    /// a date before 1970).
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("not found")]
    NotFound,
    /// No route has this path and method.
    #[error("there is no such route: see /api/docs")]
    NoRoute,
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{message}")]
    Gone { code: &'static str, message: String },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{field}: {message}")]
    InvalidField {
        field: &'static str,
        message: String,
    },
    /// A JSON body's value of the wrong type or range; `field` is its path in the body.
    #[error("{field}: {message}")]
    InvalidJsonField { field: String, message: String },
    #[error("{0}")]
    Unprocessable(String),
    /// 422 with its own code: a well-formed request this server cannot carry out.
    #[error("{message}")]
    Unsupported { code: &'static str, message: String },
    /// 503 with a Retry-After: a limit is full right now, not broken.
    #[error("{message}")]
    Busy {
        code: &'static str,
        message: String,
        retry_after: Duration,
    },
    #[error("too many attempts; try again in {} seconds", .retry_after.as_secs())]
    TooManyRequests { retry_after: Duration },
    #[error("the database is unavailable, try again shortly")]
    Unavailable(String),
    /// 507: a disk Juke writes to is full; nothing of the request was kept.
    #[error("{message}")]
    InsufficientStorage {
        code: &'static str,
        reason: String,
        message: String,
    },
    /// 408: a request body stalled or took too long.
    #[error("{0}")]
    RequestTimeout(String),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden {
            code: "forbidden",
            message: message.into(),
        }
    }

    pub fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        ApiError::Internal(Box::new(err))
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden { code, .. }
            | ApiError::Conflict { code, .. }
            | ApiError::Unsupported { code, .. }
            | ApiError::Busy { code, .. }
            | ApiError::Refused { code, .. } => code,
            ApiError::NotFound | ApiError::NoRoute => "not_found",
            ApiError::Gone { code, .. } => code,
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::InvalidField { .. } | ApiError::InvalidJsonField { .. } => "invalid_field",
            ApiError::Unprocessable(_) => "invalid_input",
            ApiError::TooManyRequests { .. } => "too_many_requests",
            ApiError::Unavailable(_) => "database_unavailable",
            ApiError::InsufficientStorage { code, .. } => code,
            ApiError::RequestTimeout(_) => "request_timeout",
            ApiError::Internal(_) => "internal_error",
        }
    }
}

impl ApiError {
    /// A query parameter no route of this API reads.
    pub fn unknown_parameter(name: &str) -> Self {
        ApiError::Refused {
            code: "unknown_parameter",
            message: format!("unknown query parameter `{name}`"),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        // No catch-all: a new storage variant does not compile until its status is decided.
        match err {
            StorageError::NotFound => ApiError::NotFound,
            StorageError::Conflict(what) => ApiError::Conflict {
                code: "conflict",
                message: format!("conflicts with existing data ({what})"),
            },
            StorageError::Invalid(what) => ApiError::Unprocessable(format!("rejected: {what}")),
            StorageError::Unavailable(why) => ApiError::Unavailable(why),
            lost @ StorageError::Lost(_) => ApiError::Unavailable(lost.to_string()),
            StorageError::Full(why) => ApiError::InsufficientStorage {
                code: "insufficient_storage",
                reason: why,
                message: "the server's disk is full: nothing was saved; ask the server's admin to free space".into(),
            },
            StorageError::Unexpected(source) => ApiError::Internal(Box::new(source)),
            StorageError::Encode(source) => ApiError::Internal(Box::new(source)),
        }
    }
}

impl From<crate::search::SearchError> for ApiError {
    fn from(err: crate::search::SearchError) -> Self {
        match err {
            crate::search::SearchError::Storage(err) => err.into(),
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Unauthenticated(message) => ApiError::Unauthorized(message.into()),
            AuthError::Deactivated => ApiError::Forbidden {
                code: "account_deactivated",
                message: err.to_string(),
            },
            AuthError::Throttled { retry_after } => ApiError::TooManyRequests { retry_after },
            AuthError::TooManyAppPasswords(_) => ApiError::Conflict {
                code: "too_many_app_passwords",
                message: err.to_string(),
            },
            AuthError::Storage(inner) => inner.into(),
            AuthError::Internal(source) => ApiError::Internal(source),
        }
    }
}

impl From<SetupError> for ApiError {
    fn from(err: SetupError) -> Self {
        let code = match err {
            SetupError::Missing => "setup_code_required",
            SetupError::Wrong => "setup_code_wrong",
        };
        ApiError::Forbidden {
            code,
            message: err.to_string(),
        }
    }
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Hidden => ApiError::NotFound,
            Denied::Forbidden(message) => ApiError::forbidden(message),
        }
    }
}

impl From<ServeError> for ApiError {
    fn from(err: ServeError) -> Self {
        match err {
            ServeError::NotFound => ApiError::NotFound,
            ServeError::Gone => ApiError::Gone {
                code: "media_unavailable",
                message: err.to_string(),
            },
            ServeError::Invalid { field, message } => ApiError::InvalidField { field, message },
            ServeError::Transcode(inner) => inner.into(),
            ServeError::Storage(inner) => inner.into(),
            ServeError::Internal(source) => ApiError::Internal(source),
        }
    }
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

impl From<UploadRefused> for ApiError {
    fn from(err: UploadRefused) -> Self {
        let message = err.to_string();
        match err {
            UploadRefused::DiskNearlyFull { .. } | UploadRefused::DiskFull => {
                ApiError::InsufficientStorage {
                    code: "insufficient_storage",
                    reason: message.clone(),
                    message,
                }
            }
            UploadRefused::Quota { .. } => ApiError::InsufficientStorage {
                code: "quota_exceeded",
                reason: message.clone(),
                message,
            },
            UploadRefused::TooLarge(..) => ApiError::PayloadTooLarge(message),
            UploadRefused::TooManyAtOnce => ApiError::TooManyRequests {
                retry_after: Duration::from_secs(5),
            },
            UploadRefused::TimedOut(_) => ApiError::RequestTimeout(message),
            UploadRefused::Io(source) => ApiError::internal(source),
            UploadRefused::Storage(inner) => inner.into(),
        }
    }
}

impl From<crate::shares::ShareError> for ApiError {
    fn from(err: crate::shares::ShareError) -> Self {
        use crate::shares::ShareError;
        let message = err.to_string();
        match err {
            ShareError::Disabled => ApiError::Forbidden {
                code: "sharing_disabled",
                message,
            },
            ShareError::TooMany => ApiError::Conflict {
                code: "too_many_shares",
                message,
            },
            ShareError::Expired => ApiError::Gone {
                code: "share_expired",
                message,
            },
            ShareError::Field(err) => err.into(),
            ShareError::Storage(err) => err.into(),
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(err: FieldError) -> Self {
        ApiError::InvalidField {
            field: err.field,
            message: err.message,
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(err: AccountError) -> Self {
        match err {
            AccountError::Field { field, message } => ApiError::InvalidField { field, message },
            AccountError::UsernameTaken => ApiError::Conflict {
                code: "username_taken",
                message: err.to_string(),
            },
            AccountError::EmailTaken => ApiError::Conflict {
                code: "email_taken",
                message: err.to_string(),
            },
            AccountError::LastAdmin => ApiError::Conflict {
                code: "last_admin",
                message: err.to_string(),
            },
            AccountError::RegistrationClosed => ApiError::Forbidden {
                code: "registration_closed",
                message: err.to_string(),
            },
            AccountError::Link { refusal, .. } => ApiError::Forbidden {
                code: match refusal {
                    crate::storage::LinkRefusal::Unknown => "link_unknown",
                    crate::storage::LinkRefusal::Used => "link_used",
                    crate::storage::LinkRefusal::Expired => "link_expired",
                },
                message: err.to_string(),
            },
            AccountError::TooManyInvites => ApiError::Conflict {
                code: "too_many_invites",
                message: err.to_string(),
            },
            AccountError::Storage(inner) => inner.into(),
            AccountError::Password(inner) => ApiError::internal(inner),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::Refused { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound | ApiError::NoRoute => StatusCode::NOT_FOUND,
            ApiError::Gone { .. } => StatusCode::GONE,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::InvalidField { .. }
            | ApiError::InvalidJsonField { .. }
            | ApiError::Unprocessable(_)
            | ApiError::Unsupported { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) | ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::InsufficientStorage { .. } => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            // The cause stays in the log; the client gets a generic message.
            ApiError::Internal(source) => tracing::error!(error = ?source, "internal error"),
            ApiError::Unavailable(why) => tracing::warn!(reason = %why, "database unavailable"),
            ApiError::InsufficientStorage {
                code: "insufficient_storage",
                reason,
                ..
            } => tracing::error!(%reason, "a write failed: the disk is full"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::Unauthorized(_) => {
                response.insert_header((WWW_AUTHENTICATE, "Bearer realm=\"juke\""));
            }
            ApiError::TooManyRequests { retry_after } | ApiError::Busy { retry_after, .. } => {
                response.insert_header((RETRY_AFTER, retry_after.as_secs().max(1).to_string()));
            }
            // The probe retries every second; a few seconds spare the server a storm.
            ApiError::Unavailable(_) => {
                response.insert_header((RETRY_AFTER, "5"));
            }
            _ => {}
        }
        let mut error = json!({"code": self.code(), "message": self.to_string()});
        match self {
            ApiError::InvalidField { field, .. } => error["field"] = json!(field),
            ApiError::InvalidJsonField { field, .. } => error["field"] = json!(field),
            _ => {}
        }
        response.json(json!({ "error": error }))
    }
}
