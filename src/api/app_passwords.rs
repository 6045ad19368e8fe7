//! `/api/v1/me/app-passwords`: passwords for Subsonic apps (`/rest`), one per device, each
//! shown once when made and revocable on its own.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::Deserialize;
use serde_json::json;

use super::ApiError;
use super::body::Json;
use super::extract::AuthUser;
use crate::auth::AuthService;
use crate::storage::{Id, Storage};
use crate::validate::required_line;

const NAME_MAX_CHARS: usize = 100;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(create).service(revoke);
}

#[get("/me/app-passwords")]
async fn list(me: AuthUser, storage: web::Data<Storage>) -> Result<HttpResponse, ApiError> {
    let items = storage.app_passwords_of(me.user.id).await?;
    Ok(HttpResponse::Ok().json(json!({ "items": items, "next_cursor": null })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    /// Which device or app it is for ("Tempo on Anna's phone").
    name: String,
}

#[post("/me/app-passwords")]
async fn create(
    me: AuthUser,
    body: Json<CreateBody>,
    storage: web::Data<Storage>,
    auth: web::Data<AuthService>,
) -> Result<HttpResponse, ApiError> {
    let name = required_line("name", &body.name, NAME_MAX_CHARS)?;
    let (created, secret) = auth
        .app_passwords
        .create(&storage, me.user.id, name)
        .await?;
    tracing::info!(user = %me.user.username, app_password = %created.id, "app password created");
    let mut view = serde_json::to_value(&created).map_err(ApiError::internal)?;
    view["password"] = json!(secret);
    Ok(HttpResponse::Created().json(view))
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
