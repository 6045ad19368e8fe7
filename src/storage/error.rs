//! The storage boundary's one error type. Every engine error is classified here, so callers
//! can turn a constraint violation into the right HTTP status without knowing the engine.

use sqlx::error::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken, or a row is still referenced. Carries the constraint
    /// (or the columns) so callers can say which value is taken.
    #[error("conflict on {0}")]
    Conflict(String),
    /// A CHECK, NOT NULL or foreign-key rule rejected the values.
    #[error("invalid data: {0}")]
    Invalid(String),
    /// The database cannot be reached or is overloaded.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The SQLite file was deleted or replaced under the running server: writes would go to a
    /// file nobody can open again.
    #[error(
        "the database file {0} was deleted or replaced while Juke was running; restore it and restart Juke"
    )]
    Lost(String),
    /// The disk under the database is full: the write was rolled back, nothing was stored.
    #[error("the database's disk is full: {0}")]
    Full(String),
    /// Anything else: a bug or a broken database.
    #[error("unexpected database error")]
    Unexpected(#[source] sqlx::Error),
    /// A cached response could not be serialized: a bug.
    #[error("cannot serialize a response")]
    Encode(#[source] serde_json::Error),
}

pub type StorageResult<T> = Result<T, StorageError>;

impl From<sqlx::Error> for StorageError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => StorageError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StorageError::Unavailable(err.to_string())
            }
            sqlx::Error::Database(ref db) => {
                let detail = db
                    .constraint()
                    .map(str::to_owned)
                    .unwrap_or_else(|| constraint_from_message(db.message()));
                match db.kind() {
                    ErrorKind::UniqueViolation => StorageError::Conflict(detail),
                    _ if is_sqlite_foreign_key(db.message()) => StorageError::Invalid(detail),
                    ErrorKind::ForeignKeyViolation
                    | ErrorKind::NotNullViolation
                    | ErrorKind::CheckViolation => StorageError::Invalid(detail),
                    _ if is_busy(db.code().as_deref()) => {
                        StorageError::Unavailable(db.message().to_owned())
                    }
                    _ if is_disk_full(db.code().as_deref()) => {
                        StorageError::Full(db.message().to_owned())
                    }
                    _ => StorageError::Unexpected(err),
                }
            }
            other => StorageError::Unexpected(other),
        }
    }
}

impl StorageError {
    /// A delete blocked by a RESTRICT foreign key is a conflict with the rows that still
    /// point at it, not bad input.
    pub(crate) fn restrict_is_conflict(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(ref db) = err
            && (db.kind() == ErrorKind::ForeignKeyViolation || is_sqlite_foreign_key(db.message()))
        {
            let what = db.constraint().unwrap_or("a foreign key").to_owned();
            return StorageError::Conflict(format!("{what}: still referenced"));
        }
        StorageError::from(err)
    }
}

/// SQLite names the failed rule only in its message, e.g.
/// `UNIQUE constraint failed: users.username` or `CHECK constraint failed: play_count >= 0`.
fn constraint_from_message(message: &str) -> String {
    message
        .split_once("constraint failed: ")
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_else(|| message.to_owned())
}

/// SQLITE_BUSY (5), SQLITE_LOCKED (6), PostgreSQL's too_many_connections and
/// cannot_connect_now: the database is there but cannot answer now.
fn is_busy(code: Option<&str>) -> bool {
    matches!(code, Some("5" | "6" | "517" | "53300" | "57P03"))
}

/// SQLITE_FULL (13) and PostgreSQL's disk_full (53100): the write could not be stored.
fn is_disk_full(code: Option<&str>) -> bool {
    matches!(code, Some("13" | "53100"))
}

/// SQLite reports a RESTRICT foreign key as SQLITE_CONSTRAINT_TRIGGER (1811), which sqlx
/// does not classify; the message is the same for every foreign-key failure.
fn is_sqlite_foreign_key(message: &str) -> bool {
    message == "FOREIGN KEY constraint failed"
}
