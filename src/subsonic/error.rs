//! Subsonic's errors: each maps to one of the API's numeric codes, and every one is sent as a
//! `status="failed"` response with HTTP 200, as clients expect.

use std::time::Duration;

use crate::media::serve::ServeError;
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum SubsonicError {
    #[error("required parameter is missing: {0}")]
    Missing(&'static str),
    #[error("parameter {0} is invalid: {1}")]
    Invalid(&'static str, String),
    /// A value the method cannot use where the spec asks for "missing parameter" (10): the
    /// queue's current song or index outside the list (OpenSubsonic `savePlayQueueByIndex`).
    #[error("parameter {0} is invalid: {1}")]
    OutOfRange(&'static str, String),
    #[error("wrong username or password")]
    WrongCredentials,
    /// The account's login password, where only app passwords are taken.
    #[error(
        "this is your login password, which Subsonic apps cannot use: create an app password \
         in your profile (web player: Profile → App passwords) and sign in with that"
    )]
    LoginPasswordRefused,
    #[error("too many failed attempts: try again in {} seconds", .retry_after.as_secs())]
    Throttled { retry_after: Duration },
    #[error("give either apiKey or u with p or t and s, not both")]
    ConflictingAuth,
    #[error("invalid API key")]
    InvalidApiKey,
    #[error("{0}")]
    NotAuthorized(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("the method {0} is not implemented by this server")]
    UnknownMethod(String),
    /// A limit is full or a tool is missing (the transcoder): the caller may try again later.
    #[error("{0}")]
    Unavailable(String),
    #[error("the server had a problem: {0}")]
    Internal(String),
    /// The database is unreachable: the answer comes at once until it is back.
    #[error("the database is unavailable, try again shortly")]
    DatabaseUnavailable,
}

impl SubsonicError {
    /// The Subsonic error code.
    pub fn code(&self) -> i64 {
        match self {
            SubsonicError::Missing(_) | SubsonicError::OutOfRange(..) => 10,
            SubsonicError::WrongCredentials
            | SubsonicError::LoginPasswordRefused
            | SubsonicError::Throttled { .. } => 40,
            SubsonicError::ConflictingAuth => 43,
            SubsonicError::InvalidApiKey => 44,
            SubsonicError::NotAuthorized(_) => 50,
            SubsonicError::NotFound(_) => 70,
            SubsonicError::Invalid(..)
            | SubsonicError::UnknownMethod(_)
            | SubsonicError::Unavailable(_)
            | SubsonicError::Internal(_)
            | SubsonicError::DatabaseUnavailable => 0,
        }
    }
}

impl From<StorageError> for SubsonicError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound => SubsonicError::NotFound("data"),
            StorageError::Full(reason) => {
                tracing::error!(%reason, "a write failed: the disk is full");
                SubsonicError::Internal("the server's disk is full: nothing was saved".into())
            }
            StorageError::Unavailable(_) => SubsonicError::DatabaseUnavailable,
            other => {
                tracing::error!(error = %other, "subsonic request failed in storage");
                SubsonicError::Internal("the database did not answer".into())
            }
        }
    }
}

impl From<ServeError> for SubsonicError {
    fn from(err: ServeError) -> Self {
        match err {
            ServeError::NotFound
            | ServeError::Gone
            | ServeError::Storage(StorageError::NotFound) => SubsonicError::NotFound("media"),
            // Subsonic's names for the native API's parameters.
            ServeError::Invalid { field, message } => SubsonicError::Invalid(
                match field {
                    "offset" => "timeOffset",
                    other => other,
                },
                message,
            ),
            ServeError::Transcode(inner) => SubsonicError::Unavailable(inner.to_string()),
            ServeError::Storage(inner) => inner.into(),
            ServeError::Internal(source) => SubsonicError::Internal(source.to_string()),
        }
    }
}
