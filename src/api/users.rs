//! `/api/v1/users`: account administration, for admins.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::ApiError;
use super::body::Json;
use super::extract::AuthUser;
use super::page::{Page, PageQuery};
use super::views::{ResetLinkView, UserView};
use crate::account_links::{self, RESET_PATH};
use crate::accounts::{self, AccountError, AccountRequest};
use crate::auth::AuthService;
use crate::auth::policy::require_admin;
use crate::config::Config;
use crate::storage::{AdminUserPatch, Id, Storage};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get)
        .service(update)
        .service(deactivate)
        .service(set_password)
        .service(reset_link);
}

#[get("/users")]
async fn list(
    me: AuthUser,
    query: web::Query<PageQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&me.user)?;
    let limit = query.limit()?;
    let after = query.position()?;
    let users = storage.list_users(after.as_deref(), limit).await?;
    let page = Page::new(users, limit, |u| u.username.to_lowercase());
    Ok(HttpResponse::Ok().json(page.map(UserView::from)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewAccount)]
pub(super) struct CreateBody {
    username: String,
    email: Option<String>,
    password: String,
    first_name: Option<String>,
    last_name: Option<String>,
    #[serde(default)]
    is_admin: bool,
    subscription: Option<String>,
    email_verified: Option<bool>,
}

#[post("/users")]
async fn create(
    me: AuthUser,
    body: Json<CreateBody>,
    storage: web::Data<Storage>,
    auth: web::Data<AuthService>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&me.user)?;
    let body = body.into_inner();
    let subscription = body
        .subscription
        .as_deref()
        .map(accounts::subscription)
        .transpose()?;
    let request = AccountRequest {
        username: body.username,
        email: body.email.filter(|e| !e.trim().is_empty()),
        password: body.password,
        first_name: body.first_name,
        last_name: body.last_name,
        is_admin: body.is_admin,
    };
    let mut user = accounts::create(&storage, &auth.passwords, request, true).await?;
    if subscription.is_some() || body.email_verified.is_some() {
        let patch = AdminUserPatch {
            subscription,
            email_verified: body.email_verified,
            ..AdminUserPatch::default()
        };
        user = storage.admin_update_user(user.id, &patch).await?;
    }
    tracing::info!(user = %user.username, by = %me.user.username, "account created by an admin");
    Ok(HttpResponse::Created().json(UserView::from(user)))
}

#[get("/users/{id}")]
async fn get(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&me.user)?;
    Ok(HttpResponse::Ok().json(UserView::from(storage.user(id.into_inner()).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AccountEdit)]
pub(super) struct UpdateBody {
    is_admin: Option<bool>,
    is_active: Option<bool>,
    subscription: Option<String>,
    email_verified: Option<bool>,
    /// This account's upload quota in bytes; `null` puts it back on the server's default.
    #[serde(default, deserialize_with = "crate::validate::nullable")]
    #[schema(value_type = Option<u64>)]
    upload_quota_bytes: Option<Option<u64>>,
}

/// Sets admin, subscription, email_verified, the upload quota; deactivates or reactivates.
#[patch("/users/{id}")]
async fn update(
    me: AuthUser,
    id: web::Path<Id>,
    body: Json<UpdateBody>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&me.user)?;
    let body = body.into_inner();
    let patch = AdminUserPatch {
        is_admin: body.is_admin,
        is_active: body.is_active,
        subscription: body
            .subscription
            .as_deref()
            .map(accounts::subscription)
            .transpose()?,
        email_verified: body.email_verified,
        upload_quota_bytes: body
            .upload_quota_bytes
            .map(|quota| quota.map(|bytes| i64::try_from(bytes).unwrap_or(i64::MAX))),
    };
    let user = storage
        .admin_update_user(id.into_inner(), &patch)
        .await
        .map_err(AccountError::from)?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

/// Deactivates (a soft delete): sessions revoked, data kept, login refused.
#[delete("/users/{id}")]
async fn deactivate(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&me.user)?;
    let patch = AdminUserPatch {
        is_active: Some(false),
        ..AdminUserPatch::default()
    };
    storage
        .admin_update_user(id.into_inner(), &patch)
        .await
        .map_err(AccountError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewPassword)]
pub(super) struct PasswordBody {
    password: String,
}

/// Sets an account's password (the forgotten-password way back in); its sessions end.
#[put("/users/{id}/password")]
async fn set_password(
    me: AuthUser,
    id: web::Path<Id>,
    body: Json<PasswordBody>,
    storage: web::Data<Storage>,
    auth: web::Data<AuthService>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&me.user)?;
    let id = id.into_inner();
    account_links::set_password(&storage, &auth.passwords, id, &body.password).await?;
    tracing::info!(user = %id, by = %me.user.username, "password set by an admin");
    Ok(HttpResponse::NoContent().finish())
}

/// A one-use link (24 hours) with which the account's owner chooses a new password.
#[post("/users/{id}/reset-link")]
async fn reset_link(
    req: HttpRequest,
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
    config: web::Data<Config>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&me.user)?;
    let (token, expires_at) =
        account_links::reset_link(&storage, &me.user, id.into_inner()).await?;
    let base = crate::web::public_base_of(&req, &config.server.public_url);
    let url = format!("{base}{RESET_PATH}{token}");
    Ok(HttpResponse::Created().json(ResetLinkView {
        qr: crate::qr::data_url(&url),
        url,
        token,
        expires_at,
    }))
}
