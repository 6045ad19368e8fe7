//! Authentication: passwords, session-bound tokens, login throttling, the extractor that
//! authenticates a request, and the authorization policy.

pub mod app_passwords;
pub mod forwarded;
pub mod password;
pub mod policy;
pub mod secret;
pub mod throttle;
pub mod token;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::{AUTHORIZATION, USER_AGENT};
use actix_web::{FromRequest, HttpRequest, web};
use chrono::{DateTime, Duration, Utc};

use crate::api::ApiError;
use crate::config::Config;
use crate::storage::{Id, NewSession, Storage, StorageError, User};
use app_passwords::AppPasswordVault;
use password::Passwords;
use throttle::LoginThrottle;
use token::{TokenKeys, token_hash};

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
    ) -> Result<IssuedToken, ApiError> {
        let now = Utc::now();
        let expires_at = now + self.ttl;
        let session_id = Id::new();
        let token = self
            .keys
            .issue(user.id, session_id, now, expires_at)
            .map_err(ApiError::internal)?;
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

    /// Checks a login name and password, throttled per address and per name. Unknown names
    /// and wrong passwords get the same answer after the same work.
    pub async fn login(
        &self,
        storage: &Storage,
        login: &str,
        password: &str,
        client: &ClientInfo,
    ) -> Result<(User, IssuedToken), ApiError> {
        let address = client.address();
        self.throttle
            .check(address, login)
            .map_err(|retry_after| ApiError::TooManyRequests { retry_after })?;
        let bad_credentials = || ApiError::Unauthorized("wrong username or password".into());
        let login = login.trim();
        let found = match storage.user_for_login(login).await {
            Ok(found) => Some(found),
            Err(StorageError::NotFound) => None,
            Err(err) => return Err(err.into()),
        };
        let Some((user, hash)) = found else {
            self.passwords
                .verify_nothing(password)
                .await
                .map_err(ApiError::internal)?;
            self.throttle.record_failure(address, login);
            return Err(bad_credentials());
        };
        if !self
            .passwords
            .verify(password, &hash)
            .await
            .map_err(ApiError::internal)?
        {
            self.throttle.record_failure(address, login);
            return Err(bad_credentials());
        }
        if !user.is_active {
            return Err(ApiError::Forbidden {
                code: "account_deactivated",
                message: "this account is deactivated; ask an admin to reactivate it".into(),
            });
        }
        self.throttle.record_success(login);
        let token = self.start_session(storage, &user, client).await?;
        Ok((user, token))
    }

    /// The user and session a bearer token stands for, if the signature, expiry, session row
    /// and account all still hold.
    pub async fn authenticate(&self, storage: &Storage, token: &str) -> Result<AuthUser, ApiError> {
        let revoked = || {
            ApiError::Unauthorized("the session has expired or was revoked; log in again".into())
        };
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
            return Err(ApiError::Unauthorized("this account is deactivated".into()));
        }
        if session
            .last_used_at
            .is_none_or(|last| now - last >= TOUCH_EVERY)
        {
            storage.touch_session(session.id, now).await?;
        }
        Ok(AuthUser {
            user,
            session_id: session.id,
        })
    }
}

/// How long a media URL's `?t=` token works: a long listening session, not a day.
const MEDIA_TOKEN_TTL: Duration = Duration::hours(6);

impl AuthService {
    /// A `?t=` token for one resource's media (a track's audio, an album's cover, an artist's
    /// image: the `{id}` of the URL), for this user.
    pub fn media_token(&self, user_id: Id, track_id: Id) -> Result<IssuedToken, ApiError> {
        let expires_at = Utc::now() + MEDIA_TOKEN_TTL;
        let token = self
            .keys
            .issue_media(user_id, track_id, expires_at)
            .map_err(ApiError::internal)?;
        Ok(IssuedToken { token, expires_at })
    }
}

/// The cookie that carries a browser's session token to the media routes, so that `<img>` and
/// `<audio>` in the web player use stable, cacheable URLs. HttpOnly (scripts never read it),
/// SameSite=Strict, and sent only under `/api/v1/`; only media requests (reads) accept it.
pub const MEDIA_COOKIE: &str = "juke_session";

/// The `Set-Cookie` for a new session's token (`None`: the cookie that removes it).
pub fn media_cookie(
    req: &HttpRequest,
    issued: Option<&IssuedToken>,
) -> actix_web::cookie::Cookie<'static> {
    let mut cookie = actix_web::cookie::Cookie::build(
        MEDIA_COOKIE,
        issued.map(|i| i.token.clone()).unwrap_or_default(),
    )
    .path("/api/v1/")
    .http_only(true)
    .same_site(actix_web::cookie::SameSite::Strict)
    .secure(req.connection_info().scheme() == "https")
    .finish();
    match issued {
        Some(issued) => {
            let seconds = (issued.expires_at - Utc::now()).num_seconds().max(0);
            cookie.set_max_age(actix_web::cookie::time::Duration::seconds(seconds));
        }
        None => cookie.make_removal(),
    }
    cookie
}

/// The user of a media request (`/tracks/{id}/stream`, `/download`, `/albums/{id}/cover`,
/// `/artists/{id}/image`): a bearer token, a `?t=` media token issued for that very `{id}`, or
/// the web player's session cookie.
#[derive(Debug, Clone)]
pub struct MediaUser(pub User);

impl FromRequest for MediaUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let bearer = bearer_token(req);
        let media = web::Query::<MediaQuery>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.into_inner().t);
        let track: Option<Id> = req.match_info().get("id").and_then(|id| id.parse().ok());
        let cookie = req.cookie(MEDIA_COOKIE).map(|c| c.value().to_owned());
        let services = services(req);
        Box::pin(async move {
            let (auth, storage) = services?;
            if let Some(token) = bearer {
                return Ok(MediaUser(auth.authenticate(&storage, &token).await?.user));
            }
            if let (None, Some(token)) = (&media, cookie.filter(|c| !c.is_empty())) {
                return Ok(MediaUser(auth.authenticate(&storage, &token).await?.user));
            }
            let refused =
                || ApiError::Unauthorized("this media link is invalid or has expired".into());
            let (Some(token), Some(track)) = (media, track) else {
                return Err(ApiError::Unauthorized(
                    "log in first, or use a media link".into(),
                ));
            };
            let user_id = auth.keys.verify_media(&token, track).ok_or_else(refused)?;
            match storage.user(user_id).await {
                Ok(user) if user.is_active => Ok(MediaUser(user)),
                Ok(_) | Err(StorageError::NotFound) => Err(refused()),
                Err(err) => Err(err.into()),
            }
        })
    }
}

#[derive(serde::Deserialize)]
struct MediaQuery {
    t: Option<String>,
}

/// The authenticated user of a request: `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
    pub session_id: Id,
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let services = services(req);
        Box::pin(async move {
            let (auth, storage) = services?;
            let token = token.ok_or_else(|| {
                ApiError::Unauthorized("log in first: this needs a bearer token".into())
            })?;
            auth.authenticate(&storage, &token).await
        })
    }
}

/// What the extractors need from the app, taken before their future runs.
fn services(req: &HttpRequest) -> Result<(web::Data<AuthService>, web::Data<Storage>), ApiError> {
    match (
        req.app_data::<web::Data<AuthService>>(),
        req.app_data::<web::Data<Storage>>(),
    ) {
        (Some(auth), Some(storage)) => Ok((auth.clone(), storage.clone())),
        _ => Err(ApiError::Internal(
            "authentication is not configured".into(),
        )),
    }
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}
