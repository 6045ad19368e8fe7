//! Shares: public, expiring, unguessable links that play a track, album or playlist in a
//! browser without an account. The rules both APIs apply (who may share what, for how long)
//! and the link's secret live here; the public page itself is the web player's `/share/…`.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;

use crate::auth::policy::{Access, Shared, access};
use crate::config::SharesConfig;
use crate::storage::{
    Id, MAX_SHARES_PER_USER, NewShare, Share, SharePatch, ShareTarget, Storage, StorageError, User,
};
use crate::validate::{FieldError, field_error};

pub const DESCRIPTION_MAX_CHARS: usize = 500;
/// Random bytes in a link's token: 128 bits, beyond guessing.
const TOKEN_BYTES: usize = 16;
/// Where the web player serves a share's page.
pub const PAGE_PATH: &str = "/share/";

#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    #[error("sharing is turned off on this server (shares.enabled)")]
    Disabled,
    #[error("an account keeps at most {MAX_SHARES_PER_USER} shares; delete one first")]
    TooMany,
    /// The link's time is up: the page says so rather than "not found".
    #[error("this link has expired")]
    Expired,
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A new link's secret: URL-safe, 22 characters.
pub fn new_token() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether a string can be a token at all: anything else is "not found" without a query.
pub fn looks_like_token(raw: &str) -> bool {
    (20..=64).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// When a link stops working: as asked (in the future, at most `max_days` ahead), else
/// `default_days` from now.
pub fn expiry(
    requested: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    config: &SharesConfig,
) -> Result<DateTime<Utc>, FieldError> {
    let latest = now + Duration::days(i64::from(config.max_days));
    match requested {
        None => Ok(now + Duration::days(i64::from(config.default_days))),
        Some(at) if at <= now => Err(field_error("expires_at", "must be in the future")),
        Some(at) if at > latest => Err(field_error(
            "expires_at",
            format!("must be at most {} days ahead", config.max_days),
        )),
        Some(at) => Ok(at),
    }
}

pub fn description(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    crate::validate::text("description", raw, DESCRIPTION_MAX_CHARS)
}

/// The link people open: `base` is the server's public address without a trailing slash.
pub fn link(base: &str, token: &str) -> String {
    format!("{}{PAGE_PATH}{token}", base.trim_end_matches('/'))
}

/// Makes a link to something `user` can see.
pub async fn create(
    storage: &Storage,
    config: &SharesConfig,
    user: &User,
    target: ShareTarget,
    description: Option<&str>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<Share, ShareError> {
    if !config.enabled {
        return Err(ShareError::Disabled);
    }
    let new = NewShare {
        token: new_token(),
        user_id: user.id,
        target,
        description: self::description(description)?,
        expires_at: expiry(expires_at, Utc::now(), config)?,
    };
    // A share opens its target to anyone with the link: only what the user may read.
    match target {
        ShareTarget::Track(id) => {
            storage.track_summary(id).await?;
        }
        ShareTarget::Album(id) => {
            storage.album(id).await?;
        }
        ShareTarget::Playlist(id) => {
            let playlist = storage.playlist(id).await?;
            let seen = Shared {
                owner_id: playlist.user_id,
                is_public: playlist.is_public,
                is_collaborative: playlist.is_collaborative,
            };
            if access(user, seen) == Access::None {
                return Err(StorageError::NotFound.into());
            }
        }
    }
    storage.create_share(&new).await?.ok_or(ShareError::TooMany)
}

/// A share its owner (or an admin) may change; anyone else is told it does not exist.
pub async fn owned(storage: &Storage, user: &User, id: Id) -> Result<Share, ShareError> {
    let share = storage.share(id).await?;
    if share.user_id == user.id || user.is_admin {
        Ok(share)
    } else {
        Err(StorageError::NotFound.into())
    }
}

pub async fn update(
    storage: &Storage,
    config: &SharesConfig,
    user: &User,
    id: Id,
    description: Option<Option<&str>>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<Share, ShareError> {
    owned(storage, user, id).await?;
    let patch = SharePatch {
        description: description.map(self::description).transpose()?,
        expires_at: expires_at
            .map(|at| expiry(Some(at), Utc::now(), config))
            .transpose()?,
    };
    Ok(storage.update_share(id, &patch).await?)
}

pub async fn delete(storage: &Storage, user: &User, id: Id) -> Result<(), ShareError> {
    owned(storage, user, id).await?;
    Ok(storage.delete_share(id).await?)
}

/// The share a visitor's link opens, while it works.
pub async fn open(
    storage: &Storage,
    config: &SharesConfig,
    token: &str,
) -> Result<Share, ShareError> {
    if !looks_like_token(token) {
        return Err(StorageError::NotFound.into());
    }
    let share = storage.share_by_token(token).await?;
    if !share.owner_active {
        return Err(StorageError::NotFound.into());
    }
    // Someone else's playlist made private since: its owner has closed it to everyone.
    if let ShareTarget::Playlist(id) = share.target() {
        let playlist = storage.playlist(id).await?;
        if playlist.user_id != share.user_id && !playlist.is_public {
            return Err(StorageError::NotFound.into());
        }
    }
    if !config.enabled {
        return Err(ShareError::Disabled);
    }
    if share.has_expired(Utc::now()) {
        return Err(ShareError::Expired);
    }
    Ok(share)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 22);
        assert!(looks_like_token(&a), "{a}");
        for bad in [
            "",
            "short",
            "../../etc/passwd/aaaaaaaaaa",
            "a b c d e f g h i j k l",
        ] {
            assert!(!looks_like_token(bad), "{bad}");
        }
    }

    #[test]
    fn expiry_defaults_and_is_bounded() {
        let now = Utc::now();
        let config = SharesConfig::default();
        assert_eq!(
            expiry(None, now, &config).unwrap(),
            now + Duration::days(30)
        );
        let soon = now + Duration::hours(1);
        assert_eq!(expiry(Some(soon), now, &config).unwrap(), soon);
        assert_eq!(
            expiry(Some(now - Duration::seconds(1)), now, &config)
                .unwrap_err()
                .field,
            "expires_at"
        );
        assert!(expiry(Some(now + Duration::days(366)), now, &config).is_err());
    }

    #[test]
    fn links_use_the_public_address_when_set() {
        assert_eq!(
            link(
                &crate::web::public_base("", "http", "nas.local:4533"),
                "abc"
            ),
            "http://nas.local:4533/share/abc"
        );
        assert_eq!(
            link(
                &crate::web::public_base("https://music.example.org/", "http", "x"),
                "abc"
            ),
            "https://music.example.org/share/abc"
        );
    }
}
