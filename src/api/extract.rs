//! The API's request extractors: who is calling, from a bearer token, a `?t=` media token or
//! the web player's media cookie. Authentication itself is [`crate::auth::AuthService`]'s.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use chrono::Utc;

use super::ApiError;
use crate::auth::{AuthService, IssuedToken, SignedIn};
use crate::storage::{Id, Storage, User};

/// The authenticated user of a request: `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
    pub session_id: Id,
}

impl From<SignedIn> for AuthUser {
    fn from(signed_in: SignedIn) -> Self {
        AuthUser {
            user: signed_in.user,
            session_id: signed_in.session_id,
        }
    }
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
            Ok(auth.authenticate(&storage, &token).await?.into())
        })
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
        let resource: Option<Id> = req.match_info().get("id").and_then(|id| id.parse().ok());
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
            let (Some(token), Some(resource)) = (media, resource) else {
                return Err(ApiError::Unauthorized(
                    "log in first, or use a media link".into(),
                ));
            };
            Ok(MediaUser(
                auth.media_user(&storage, &token, resource).await?,
            ))
        })
    }
}

#[derive(serde::Deserialize)]
struct MediaQuery {
    t: Option<String>,
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
