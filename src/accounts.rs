//! Account rules shared by the HTTP API and the `juke user add` command: what a valid
//! username, email and password are, and creating accounts under the registration rule.

use crate::auth::password::{PasswordError, Passwords};
use crate::storage::{LinkRefusal, MAX_INVITES, NewUser, Storage, StorageError, User};
use crate::validate::{self, FieldError};

pub const USERNAME_MAX_CHARS: usize = 64;
pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_BYTES: usize = 1024;
pub const EMAIL_MAX_CHARS: usize = 254;
pub const NAME_MAX_CHARS: usize = 100;
pub const BIO_MAX_CHARS: usize = 2000;
pub const SUBSCRIPTIONS: [&str; 3] = ["free", "premium", "family"];

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{field}: {message}")]
    Field {
        field: &'static str,
        message: String,
    },
    #[error("that username is taken")]
    UsernameTaken,
    #[error("that email address belongs to another account")]
    EmailTaken,
    #[error("this is the last active admin: make another account admin first")]
    LastAdmin,
    #[error("registration is closed: ask an admin to create your account")]
    RegistrationClosed,
    /// An invite or reset link that does not work, and why.
    #[error("{}", link_message(*.kind, *.refusal))]
    Link {
        kind: LinkKind,
        refusal: LinkRefusal,
    },
    #[error("a server keeps at most {MAX_INVITES} invites; delete used or expired ones first")]
    TooManyInvites,
    #[error(transparent)]
    Storage(StorageError),
    #[error(transparent)]
    Password(#[from] PasswordError),
}

/// Which one-use link a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Invite,
    PasswordReset,
}

fn link_message(kind: LinkKind, refusal: LinkRefusal) -> &'static str {
    match (kind, refusal) {
        (LinkKind::Invite, LinkRefusal::Unknown) => {
            "this invite link does not work: ask for a new one"
        }
        (LinkKind::Invite, LinkRefusal::Used) => {
            "this invite was already used: ask for a new one, or log in"
        }
        (LinkKind::Invite, LinkRefusal::Expired) => "this invite has expired: ask for a new one",
        (LinkKind::PasswordReset, LinkRefusal::Unknown) => {
            "this reset link does not work: ask an admin for a new one"
        }
        (LinkKind::PasswordReset, LinkRefusal::Used) => {
            "this reset link was already used: ask an admin for a new one"
        }
        (LinkKind::PasswordReset, LinkRefusal::Expired) => {
            "this reset link has expired: ask an admin for a new one"
        }
    }
}

impl From<FieldError> for AccountError {
    fn from(err: FieldError) -> Self {
        AccountError::Field {
            field: err.field,
            message: err.message,
        }
    }
}

impl From<StorageError> for AccountError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::Conflict(what) if what.contains("email") => AccountError::EmailTaken,
            StorageError::Conflict(what) if what.contains("username") => {
                AccountError::UsernameTaken
            }
            StorageError::Conflict(what) if what == "last_admin" => AccountError::LastAdmin,
            other => AccountError::Storage(other),
        }
    }
}

pub fn field_error(field: &'static str, message: impl Into<String>) -> AccountError {
    AccountError::Field {
        field,
        message: message.into(),
    }
}

/// Trimmed; 1–64 letters, digits, `.`, `_` or `-`. Case is kept for display; uniqueness
/// ignores it.
pub fn username(raw: &str) -> Result<String, AccountError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(field_error("username", "is required"));
    }
    if name.chars().count() > USERNAME_MAX_CHARS {
        return Err(field_error(
            "username",
            format!("is longer than {USERNAME_MAX_CHARS} characters"),
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(field_error(
            "username",
            "may hold only letters, digits, '.', '_' and '-'",
        ));
    }
    Ok(name.to_owned())
}

/// Trimmed and checked as an address (RFC 5321/5322 syntax, at most 254 characters).
pub fn email(raw: &str) -> Result<String, AccountError> {
    let address = raw.trim();
    if address.chars().count() > EMAIL_MAX_CHARS
        || !email_address::EmailAddress::is_valid(address)
        || !address.contains('.')
    {
        return Err(field_error("email", "is not a valid email address"));
    }
    Ok(address.to_owned())
}

/// At least 8 characters and at most 1024 bytes; otherwise anything, as NIST SP 800-63B advises.
pub fn password(field: &'static str, raw: &str) -> Result<(), AccountError> {
    if raw.chars().count() < PASSWORD_MIN_CHARS {
        return Err(field_error(
            field,
            format!("must be at least {PASSWORD_MIN_CHARS} characters"),
        ));
    }
    if raw.len() > PASSWORD_MAX_BYTES {
        return Err(field_error(
            field,
            format!("must be at most {PASSWORD_MAX_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// Optional free text (see [`validate::text`]).
pub fn text(
    field: &'static str,
    raw: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, AccountError> {
    Ok(validate::text(field, raw, max_chars)?)
}

/// An optional http(s) URL.
pub fn web_url(field: &'static str, raw: Option<&str>) -> Result<Option<String>, AccountError> {
    Ok(validate::web_url(field, raw)?)
}

pub fn subscription(raw: &str) -> Result<String, AccountError> {
    let value = raw.trim().to_lowercase();
    if SUBSCRIPTIONS.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(field_error(
            "subscription",
            format!("must be one of {}", SUBSCRIPTIONS.join(", ")),
        ))
    }
}

/// An account to create, as typed by a person; [`create`] validates it.
#[derive(Debug, Default)]
pub struct AccountRequest {
    pub username: String,
    pub email: Option<String>,
    pub password: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub is_admin: bool,
}

/// Validates and creates an account. The first account of an empty instance is always
/// created, as an admin; later ones only when `others_allowed`.
pub async fn create(
    storage: &Storage,
    passwords: &Passwords,
    request: AccountRequest,
    others_allowed: bool,
) -> Result<User, AccountError> {
    let username = username(&request.username)?;
    let email = request.email.as_deref().map(email).transpose()?;
    password("password", &request.password)?;
    let first_name = text("first_name", request.first_name.as_deref(), NAME_MAX_CHARS)?;
    let last_name = text("last_name", request.last_name.as_deref(), NAME_MAX_CHARS)?;
    let password_hash = passwords.hash(&request.password).await?;
    let new = NewUser {
        username,
        email,
        password_hash,
        first_name,
        last_name,
        is_admin: request.is_admin,
    };
    storage
        .register_user(&new, others_allowed)
        .await?
        .ok_or(AccountError::RegistrationClosed)
}
