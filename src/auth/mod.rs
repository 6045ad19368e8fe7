//! Authentication: passwords, session-bound tokens, login throttling, app passwords and the
//! authorization policy. Front ends (the native API, Subsonic) extract credentials from their
//! requests and map [`AuthError`] to their own answers; nothing here knows either of them.

pub mod app_passwords;
pub mod device;
mod error;
pub mod forwarded;
pub mod password;
pub mod policy;
pub mod secret;
pub mod setup;
pub mod throttle;
pub mod token;

use actix_web::HttpRequest;
use actix_web::http::header::USER_AGENT;
use chrono::{DateTime, Duration, Utc};

use crate::config::Config;
use crate::storage::{Id, NewSession, Storage, StorageError, User};
use app_passwords::AppPasswordVault;
use password::Passwords;
use throttle::{Door, LoginThrottle, Target};
use token::{TokenKeys, token_hash};

pub use error::{AuthError, Denied};

/// `last_used_at` is written at most this often per session.
const TOUCH_EVERY: Duration = Duration::seconds(60);
const USER_AGENT_MAX_CHARS: usize = 512;

/// Everything authentication needs, shared by every worker.
pub struct AuthService {
    keys: TokenKeys,
    ttl: Duration,
    pub passwords: Passwords,
    pub throttle: LoginThrottle,
    pub app_passwords: AppPasswordVault,
}

/// A freshly issued bearer token.
#[derive(Debug, serde::Serialize)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Where a request came from, as recorded on its session.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// The client's address (the peer's; X-Forwarded-For only from `server.trusted_proxies`,
    /// as anyone else can forge it) and the user agent.
    pub fn of(req: &HttpRequest) -> Self {
        let address = match req.app_data::<actix_web::web::Data<forwarded::TrustedProxies>>() {
            Some(proxies) => proxies.client_address(req),
            None => req.peer_addr().map(|addr| addr.ip()),
        };
        ClientInfo {
            ip_address: address.map(|ip| ip.to_string()),
            user_agent: req
                .headers()
                .get(USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|ua| ua.chars().take(USER_AGENT_MAX_CHARS).collect()),
        }
    }

    pub fn address(&self) -> &str {
        self.ip_address.as_deref().unwrap_or("unknown")
    }
}

impl AuthService {
    pub fn new(config: &Config) -> Result<Self, secret::SecretError> {
        let secret = secret::signing_secret(&config.auth.jwt_secret, &config.data_dir)?;
        let app_key = secret::app_password_key(&config.data_dir)?;
        Ok(AuthService {
            keys: TokenKeys::new(&secret),
            app_passwords: AppPasswordVault::new(&app_key),
            ttl: Duration::hours(config.auth.token_ttl_hours as i64),
            passwords: Passwords::new(),
            throttle: LoginThrottle::new(),
        })
    }

    /// Opens a session for `user` and returns its token.
    pub async fn start_session(
        &self,
        storage: &Storage,
        user: &User,
        client: &ClientInfo,
    ) -> Result<IssuedToken, AuthError> {
        let now = Utc::now();
        let expires_at = now + self.ttl;
        let session_id = Id::new();
        let token = self
            .keys
            .issue(user.id, session_id, now, expires_at)
            .map_err(AuthError::internal)?;
        storage
            .create_session(&NewSession {
                id: session_id,
                user_id: user.id,
                token_hash: token_hash(&token),
                expires_at,
                ip_address: client.ip_address.clone(),
                user_agent: client.user_agent.clone(),
            })
            .await?;
        Ok(IssuedToken { token, expires_at })
    }

    /// Checks a login name and password, slowed after repeated failures for the account from
    /// this address, or from this address for any name ([`throttle`]). Unknown names and wrong
    /// passwords get the same answer after the same work, and are slowed alike.
    pub async fn login(
        &self,
        storage: &Storage,
        login: &str,
        password: &str,
        client: &ClientInfo,
    ) -> Result<(User, IssuedToken), AuthError> {
        let bad_credentials = || AuthError::Unauthenticated("wrong username or password");
        let login = login.trim();
        let found = match storage.user_for_login(login).await {
            Ok(found) => Some(found),
            Err(StorageError::NotFound) => None,
            Err(err) => return Err(err.into()),
        };
        // Counted on the account, whichever of its names was typed.
        let target = match &found {
            Some((user, _)) => Target::Account(user.id),
            None => Target::Unknown(login),
        };
        let attempt = self
            .throttle
            .begin(Door::Login, target, client.address())
            .map_err(|retry_after| AuthError::Throttled { retry_after })?;
        let Some((user, hash)) = found else {
            self.passwords
                .verify_nothing(password)
                .await
                .map_err(AuthError::internal)?;
            attempt.failed();
            return Err(bad_credentials());
        };
        if !self
            .passwords
            .verify(password, &hash)
            .await
            .map_err(AuthError::internal)?
        {
            attempt.failed();
            return Err(bad_credentials());
        }
        attempt.succeeded();
        if !user.is_active {
            return Err(AuthError::Deactivated);
        }
        let token = self.start_session(storage, &user, client).await?;
        Ok((user, token))
    }

    /// The user and session a bearer token stands for, if the signature, expiry, session row
    /// and account all still hold.
    pub async fn authenticate(
        &self,
        storage: &Storage,
        token: &str,
    ) -> Result<SignedIn, AuthError> {
        let revoked =
            || AuthError::Unauthenticated("the session has expired or was revoked; log in again");
        let claims = self.keys.verify(token).ok_or_else(revoked)?;
        let now = Utc::now();
        let (user, session) = match storage
            .authenticate(claims.session_id, &token_hash(token), now)
            .await
        {
            Ok(found) => found,
            Err(StorageError::NotFound) => return Err(revoked()),
            Err(err) => return Err(err.into()),
        };
        if user.id != claims.user_id {
            return Err(revoked());
        }
        if !user.is_active {
            return Err(AuthError::Unauthenticated("this account is deactivated"));
        }
        if session
            .last_used_at
            .is_none_or(|last| now - last >= TOUCH_EVERY)
        {
            storage.touch_session(session.id, now).await?;
        }
        Ok(SignedIn {
            user,
            session_id: session.id,
        })
    }

    /// The active user a `?t=` media token was issued to, if it was issued for `resource` (the
    /// `{id}` of the media URL) and has not expired.
    pub async fn media_user(
        &self,
        storage: &Storage,
        token: &str,
        resource: Id,
    ) -> Result<User, AuthError> {
        let refused = || AuthError::Unauthenticated("this media link is invalid or has expired");
        let user_id = self
            .keys
            .verify_media(token, resource)
            .ok_or_else(refused)?;
        match storage.user(user_id).await {
            Ok(user) if user.is_active => Ok(user),
            Ok(_) | Err(StorageError::NotFound) => Err(refused()),
            Err(err) => Err(err.into()),
        }
    }
}

/// A user signed in with a session's bearer token.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub session_id: Id,
}

/// How long a media URL's `?t=` token works: a long listening session, not a day.
const MEDIA_TOKEN_TTL: Duration = Duration::hours(6);

impl AuthService {
    /// A `?t=` token for one resource's media (a track's audio, an album's cover, an artist's
    /// image: the `{id}` of the URL), for this user.
    pub fn media_token(&self, user_id: Id, track_id: Id) -> Result<IssuedToken, AuthError> {
        let expires_at = Utc::now() + MEDIA_TOKEN_TTL;
        let token = self
            .keys
            .issue_media(user_id, track_id, expires_at)
            .map_err(AuthError::internal)?;
        Ok(IssuedToken { token, expires_at })
    }
}
