//! `/api/v1/invites`: admins hand out one-use sign-up links, list and revoke them.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use super::ApiError;
use super::body::Json;
use super::extract::AuthUser;
use super::page::{NoQuery, Page};
use super::views::{InviteView, NewInviteView};
use crate::account_links::{self, INVITE_PATH};
use crate::auth::policy::require_admin;
use crate::config::Config;
use crate::storage::{Id, Storage};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(create).service(remove);
}

#[get("/invites")]
async fn list(
    me: AuthUser,
    _query: web::Query<NoQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&me.user)?;
    let now = Utc::now();
    let invites: Vec<InviteView> = storage
        .invites()
        .await?
        .into_iter()
        .map(|i| InviteView::new(i, now))
        .collect();
    Ok(HttpResponse::Ok().json(Page::whole(invites)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewInvite)]
pub(super) struct CreateBody {
    /// 1 to 720; default 168 (a week).
    expires_in_hours: Option<u32>,
    /// The account it makes is an admin.
    #[serde(default)]
    is_admin: bool,
    /// Who it is for, as a reminder in the list ("Grandma").
    note: Option<String>,
}

#[post("/invites")]
async fn create(
    req: HttpRequest,
    me: AuthUser,
    body: Json<CreateBody>,
    storage: web::Data<Storage>,
    config: web::Data<Config>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&me.user)?;
    let (invite, token) = account_links::invite(
        &storage,
        &me.user,
        body.expires_in_hours,
        body.is_admin,
        body.note.as_deref(),
    )
    .await?;
    let base = crate::web::public_base_of(&req, &config.server.public_url);
    tracing::info!(by = %me.user.username, admin = invite.is_admin, "invite made");
    let url = format!("{base}{INVITE_PATH}{token}");
    Ok(HttpResponse::Created().json(NewInviteView {
        id: invite.id,
        qr: crate::qr::data_url(&url),
        url,
        token,
        expires_at: invite.expires_at,
        invite: InviteView::new(invite, Utc::now()),
    }))
}

/// Revokes an invite (or clears a used or expired one from the list).
#[delete("/invites/{id}")]
async fn remove(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&me.user)?;
    storage.delete_invite(id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
