//! `/api/v1/auth`: register, log in, log out.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::ApiError;
use super::body::Json;
use super::extract::{AuthUser, media_cookie};
use super::views::{SignedInView, UserView};
use crate::account_links;
use crate::accounts::{self, AccountError, AccountRequest};
use crate::auth::setup::SetupCode;
use crate::auth::throttle::{Attempt, Door, Target};
use crate::auth::{AuthService, ClientInfo};
use crate::config::{Config, Registration};
use crate::storage::Storage;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(register)
        .service(login)
        .service(logout)
        .service(reset);
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Registration)]
pub(super) struct RegisterBody {
    username: String,
    email: String,
    password: String,
    first_name: Option<String>,
    last_name: Option<String>,
    /// Required while the server has no account (this registration makes the admin): the
    /// code the server logs at start and writes to `<data_dir>/setup-code`. Ignored after.
    setup_code: Option<String>,
    /// An admin's invite (the `invite` of its link): signs up once, whatever
    /// `auth.registration` says, with the role the invite gives.
    invite: Option<String>,
}

#[post("/auth/register")]
async fn register(
    req: HttpRequest,
    body: Json<RegisterBody>,
    storage: web::Data<Storage>,
    auth: web::Data<AuthService>,
    config: web::Data<Config>,
    setup: web::Data<SetupCode>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let makes_admin = storage.count_users().await? == 0;
    if makes_admin {
        setup.check(body.setup_code.as_deref())?;
    }
    let request = AccountRequest {
        username: body.username,
        email: Some(body.email),
        password: body.password,
        first_name: body.first_name,
        last_name: body.last_name,
        is_admin: false,
    };
    let invite = body.invite.as_deref().filter(|i| !i.trim().is_empty());
    let user = match invite {
        Some(token) if !makes_admin => {
            let address = ClientInfo::of(&req).address().to_owned();
            let attempt = link_throttle(&auth, &address)?;
            account_links::register_invited(&storage, &auth.passwords, request, token)
                .await
                .inspect_err(|err| link_failed(attempt, err))?
        }
        _ => {
            let open = config.auth.registration == Registration::Open;
            accounts::create(&storage, &auth.passwords, request, open).await?
        }
    };
    if user.is_admin || !makes_admin {
        // An admin exists now (this one, or one `juke user add` made): the code is spent.
        setup.finish();
    }
    let issued = auth
        .start_session(&storage, &user, &ClientInfo::of(&req))
        .await?;
    tracing::info!(user = %user.username, admin = user.is_admin, "account registered");
    Ok(HttpResponse::Created()
        .cookie(media_cookie(&req, Some(&issued)))
        .json(SignedInView {
            token: issued.token,
            expires_at: issued.expires_at,
            user: UserView::from(user),
        }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Login)]
pub(super) struct LoginBody {
    /// A username or an email address.
    username: String,
    password: String,
}

#[post("/auth/login")]
async fn login(
    req: HttpRequest,
    body: Json<LoginBody>,
    storage: web::Data<Storage>,
    auth: web::Data<AuthService>,
) -> Result<HttpResponse, ApiError> {
    if body.username.len() > 320 || body.password.len() > accounts::PASSWORD_MAX_BYTES {
        return Err(ApiError::Unauthorized("wrong username or password".into()));
    }
    let (user, issued) = auth
        .login(
            &storage,
            &body.username,
            &body.password,
            &ClientInfo::of(&req),
        )
        .await?;
    Ok(HttpResponse::Ok()
        .cookie(media_cookie(&req, Some(&issued)))
        .json(SignedInView {
            token: issued.token,
            expires_at: issued.expires_at,
            user: UserView::from(user),
        }))
}

#[post("/auth/logout")]
async fn logout(
    req: HttpRequest,
    me: AuthUser,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    storage.delete_session(me.session_id).await?;
    Ok(HttpResponse::NoContent()
        .cookie(media_cookie(&req, None))
        .finish())
}

/// One-use links are 128 random bits: guessing is hopeless, but a flood of guesses is still
/// slowed like log-ins, per address (counted apart from them).
fn link_throttle(auth: &AuthService, address: &str) -> Result<Attempt, ApiError> {
    auth.throttle
        .begin(Door::Link, Target::Unnamed, address)
        .map_err(|retry_after| ApiError::TooManyRequests { retry_after })
}

/// Only a wrong link counts; an attempt dropped unsettled counts for nothing.
fn link_failed(attempt: Attempt, err: &AccountError) {
    if matches!(err, AccountError::Link { .. }) {
        attempt.failed();
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PasswordReset)]
pub(super) struct ResetBody {
    /// The `token` of the reset link an admin gave.
    token: String,
    /// The new password (at least 8 characters).
    password: String,
}

/// Sets a forgotten password with an admin's one-use reset link; the account's sessions end.
#[post("/auth/reset")]
async fn reset(
    req: HttpRequest,
    body: Json<ResetBody>,
    storage: web::Data<Storage>,
    auth: web::Data<AuthService>,
) -> Result<HttpResponse, ApiError> {
    let address = ClientInfo::of(&req).address().to_owned();
    let attempt = link_throttle(&auth, &address)?;
    if body.token.len() > 128 {
        return Err(AccountError::Link {
            kind: accounts::LinkKind::PasswordReset,
            refusal: crate::storage::LinkRefusal::Unknown,
        }
        .into());
    }
    let user =
        account_links::reset_password(&storage, &auth.passwords, &body.token, &body.password)
            .await
            .inspect_err(|err| link_failed(attempt, err))?;
    tracing::info!(%user, "password set with a reset link");
    Ok(HttpResponse::NoContent().finish())
}
