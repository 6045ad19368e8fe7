//! `/api/v1/me/app-passwords`: passwords for Subsonic apps (`/rest`), one per device, each
//! shown once when made and revocable on its own.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::ApiError;
use super::body::Json;
use super::extract::AuthUser;
use super::page::Page;
use super::views::{AppPasswordView, NewAppPasswordView};
use crate::auth::AuthService;
use crate::config::Config;
use crate::storage::{Id, Storage};
use crate::validate::required_line;

const NAME_MAX_CHARS: usize = 100;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(create).service(revoke);
}

#[get("/me/app-passwords")]
async fn list(
    me: AuthUser,
    _query: web::Query<super::page::NoQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let items = storage.app_passwords_of(me.user.id).await?;
    Ok(HttpResponse::Ok().json(Page::whole(items).map(AppPasswordView::from)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewAppPassword)]
pub(super) struct CreateBody {
    /// Which device or app it is for ("Tempo on Anna's phone").
    name: String,
}

#[post("/me/app-passwords")]
async fn create(
    req: HttpRequest,
    me: AuthUser,
    body: Json<CreateBody>,
    storage: web::Data<Storage>,
    auth: web::Data<AuthService>,
    config: web::Data<Config>,
) -> Result<HttpResponse, ApiError> {
    let name = required_line("name", &body.name, NAME_MAX_CHARS)?;
    let (created, secret) = auth
        .app_passwords
        .create(&storage, me.user.id, name)
        .await?;
    tracing::info!(user = %me.user.username, app_password = %created.id, "app password created");
    let server_url = crate::web::public_base_of(&req, &config.server.public_url);
    let username = me.user.username.clone();
    let qr = crate::qr::data_url(&format!(
        "Server: {server_url}\nUsername: {username}\nPassword: {secret}"
    ));
    Ok(HttpResponse::Created().json(NewAppPasswordView {
        app_password: AppPasswordView::from(created),
        password: secret,
        server_url,
        username,
        qr,
    }))
}

#[delete("/me/app-passwords/{id}")]
async fn revoke(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
    auth: web::Data<AuthService>,
) -> Result<HttpResponse, ApiError> {
    storage
        .delete_app_password(me.user.id, id.into_inner())
        .await?;
    auth.app_passwords.forget_verified();
    Ok(HttpResponse::NoContent().finish())
}
