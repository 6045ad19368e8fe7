//! One-use links an admin hands out: invites (sign up whatever `auth.registration` says) and
//! password resets (set a forgotten password). Only a digest of each link's random token is
//! stored; the link itself is shown once, to the admin who made it.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::accounts::{self, AccountError, AccountRequest, LinkKind};
use crate::auth::password::Passwords;
use crate::storage::{Id, Invite, NewInvite, NewUser, Storage, User};

/// How long an invite works unless its maker says otherwise, and at most (hours).
pub const INVITE_DEFAULT_HOURS: u32 = 7 * 24;
pub const INVITE_MAX_HOURS: u32 = 30 * 24;
/// How long a password reset link works.
pub const RESET_HOURS: i64 = 24;
pub const NOTE_MAX_CHARS: usize = 200;
/// Where the web player opens each link.
pub const INVITE_PATH: &str = "/register?invite=";
pub const RESET_PATH: &str = "/reset?token=";

/// A new link's secret: 128 random bits, URL-safe.
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a token: high-entropy, so a plain SHA-256 is enough (no stretching).
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// A new invite and its token (shown once).
pub async fn invite(
    storage: &Storage,
    admin: &User,
    hours: Option<u32>,
    is_admin: bool,
    note: Option<&str>,
) -> Result<(Invite, String), AccountError> {
    let hours = hours.unwrap_or(INVITE_DEFAULT_HOURS);
    if !(1..=INVITE_MAX_HOURS).contains(&hours) {
        return Err(accounts::field_error(
            "expires_in_hours",
            format!("must be between 1 and {INVITE_MAX_HOURS} (30 days)"),
        ));
    }
    let token = new_token();
    let new = NewInvite {
        token_hash: digest(&token),
        created_by: admin.id,
        is_admin,
        note: accounts::text("note", note, NOTE_MAX_CHARS)?,
        expires_at: Utc::now() + Duration::hours(i64::from(hours)),
    };
    let made = storage
        .create_invite(&new)
        .await?
        .ok_or(AccountError::TooManyInvites)?;
    Ok((made, token))
}

/// Signs someone up with an invite: the account and the spent invite in one transaction.
pub async fn register_invited(
    storage: &Storage,
    passwords: &Passwords,
    request: AccountRequest,
    token: &str,
) -> Result<User, AccountError> {
    let new = checked(passwords, request).await?;
    storage
        .register_with_invite(&new, &digest(token), Utc::now())
        .await?
        .map_err(|refusal| AccountError::Link {
            kind: LinkKind::Invite,
            refusal,
        })
}

async fn checked(passwords: &Passwords, request: AccountRequest) -> Result<NewUser, AccountError> {
    let username = accounts::username(&request.username)?;
    let email = request.email.as_deref().map(accounts::email).transpose()?;
    accounts::password("password", &request.password)?;
    Ok(NewUser {
        username,
        email,
        first_name: accounts::text(
            "first_name",
            request.first_name.as_deref(),
            accounts::NAME_MAX_CHARS,
        )?,
        last_name: accounts::text(
            "last_name",
            request.last_name.as_deref(),
            accounts::NAME_MAX_CHARS,
        )?,
        password_hash: passwords.hash(&request.password).await?,
        is_admin: false,
    })
}

/// A reset link for an account (replacing an unused earlier one), its token and expiry.
pub async fn reset_link(
    storage: &Storage,
    admin: &User,
    user_id: Id,
) -> Result<(String, DateTime<Utc>), AccountError> {
    storage.user(user_id).await?;
    let token = new_token();
    let expires_at = Utc::now() + Duration::hours(RESET_HOURS);
    storage
        .create_password_reset(user_id, &digest(&token), admin.id, expires_at)
        .await?;
    Ok((token, expires_at))
}

/// Sets the password a reset link's holder chose; the account's sessions end.
pub async fn reset_password(
    storage: &Storage,
    passwords: &Passwords,
    token: &str,
    password: &str,
) -> Result<Id, AccountError> {
    accounts::password("password", password)?;
    let hash = passwords.hash(password).await?;
    storage
        .redeem_password_reset(&digest(token), &hash, Utc::now())
        .await?
        .map_err(|refusal| AccountError::Link {
            kind: LinkKind::PasswordReset,
            refusal,
        })
}

/// An admin (or the console) sets an account's password; its sessions end.
pub async fn set_password(
    storage: &Storage,
    passwords: &Passwords,
    user_id: Id,
    password: &str,
) -> Result<(), AccountError> {
    accounts::password("password", password)?;
    let hash = passwords.hash(password).await?;
    Ok(storage.set_password_hash(user_id, &hash, None).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_digest_is_kept() {
        let token = new_token();
        assert_eq!(token.len(), 22);
        assert_ne!(token, new_token());
        let kept = digest(&token);
        assert_eq!(kept.len(), 64);
        assert!(!kept.contains(&token));
        assert_eq!(kept, digest(&format!(" {token}\n")), "pasted with spaces");
    }
}
