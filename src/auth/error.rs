//! What authentication and authorization can refuse, without saying how a front end answers:
//! the native API maps these to HTTP statuses, the Subsonic API to its numeric codes, each in
//! its one place.

use std::time::Duration;

use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No valid credentials: the message says what to do next.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// The right password for an account an admin has deactivated.
    #[error("this account is deactivated; ask an admin to reactivate it")]
    Deactivated,
    /// Too many failed log-ins from this address, for this account or any: wait, not refused.
    #[error("too many attempts; try again in {} seconds", .retry_after.as_secs())]
    Throttled { retry_after: Duration },
    /// The account already holds as many app passwords as it may.
    #[error("an account holds at most {0} app passwords: revoke one first")]
    TooManyAppPasswords(i64),
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Hashing, signing or sealing failed: a server fault, never the caller's.
    #[error("{0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AuthError {
    pub fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        AuthError::Internal(Box::new(err))
    }
}

/// A policy's refusal (see [`super::policy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The user may not even know the thing exists: answered as "not found".
    #[error("not found")]
    Hidden,
    /// The user sees the thing but may not do this; the message says who may.
    #[error("{0}")]
    Forbidden(&'static str),
}
