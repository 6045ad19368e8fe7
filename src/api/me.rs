//! `/api/v1/me`: the signed-in user's own profile, password and sessions.

use actix_web::{HttpResponse, delete, get, patch, put, web};
use chrono::Utc;
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use super::ApiError;
use super::body::Json;
use super::extract::AuthUser;
use super::page::Page;
use super::views::{SessionView, UserView};
use crate::accounts::{self, AccountError, BIO_MAX_CHARS, NAME_MAX_CHARS};
use crate::auth::AuthService;
use crate::storage::{Id, ProfilePatch, Storage};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(profile)
        .service(update_me)
        .service(change_password)
        .service(sessions)
        .service(revoke_session);
}

#[get("/me")]
async fn profile(me: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(UserView::from(me.user))
}

/// Absent leaves a field alone; `null` (or an empty string) clears it.
fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Profile fields to change: absent leaves a field alone, `null` or `""` clears it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ProfileEdit)]
pub(super) struct ProfileBody {
    #[serde(default, deserialize_with = "nullable")]
    first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    avatar_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    email: Option<Option<String>>,
}

impl ProfileBody {
    fn validate(self) -> Result<ProfilePatch, AccountError> {
        let text = |field, value: Option<Option<String>>, max| {
            value
                .map(|v| accounts::text(field, v.as_deref(), max))
                .transpose()
        };
        Ok(ProfilePatch {
            first_name: text("first_name", self.first_name, NAME_MAX_CHARS)?,
            last_name: text("last_name", self.last_name, NAME_MAX_CHARS)?,
            bio: text("bio", self.bio, BIO_MAX_CHARS)?,
            avatar_url: self
                .avatar_url
                .map(|v| accounts::web_url("avatar_url", v.as_deref()))
                .transpose()?,
            email: self
                .email
                .map(|v| {
                    v.as_deref()
                        .map(str::trim)
                        .filter(|e| !e.is_empty())
                        .map(accounts::email)
                        .transpose()
                })
                .transpose()?,
        })
    }
}

#[patch("/me")]
async fn update_me(
    me: AuthUser,
    body: Json<ProfileBody>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().validate()?;
    let user = storage
        .update_profile(me.user.id, &patch)
        .await
        .map_err(AccountError::from)?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PasswordChange)]
pub(super) struct PasswordBody {
    current_password: String,
    new_password: String,
}

/// Changes the password and signs out every other session.
#[put("/me/password")]
async fn change_password(
    me: AuthUser,
    body: Json<PasswordBody>,
    storage: web::Data<Storage>,
    auth: web::Data<AuthService>,
) -> Result<HttpResponse, ApiError> {
    accounts::password("new_password", &body.new_password)?;
    let current = storage.password_hash(me.user.id).await?;
    let matches = body.current_password.len() <= accounts::PASSWORD_MAX_BYTES
        && auth
            .passwords
            .verify(&body.current_password, &current)
            .await
            .map_err(ApiError::internal)?;
    if !matches {
        return Err(ApiError::Forbidden {
            code: "wrong_password",
            message: "the current password is wrong".into(),
        });
    }
    let hash = auth
        .passwords
        .hash(&body.new_password)
        .await
        .map_err(ApiError::internal)?;
    storage
        .set_password_hash(me.user.id, &hash, Some(me.session_id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[get("/me/sessions")]
async fn sessions(
    me: AuthUser,
    _query: web::Query<super::page::NoQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let items: Vec<SessionView> = storage
        .sessions_of(me.user.id, Utc::now())
        .await?
        .into_iter()
        .map(|session| SessionView::new(session, me.session_id))
        .collect();
    Ok(HttpResponse::Ok().json(Page::whole(items)))
}

#[delete("/me/sessions/{id}")]
async fn revoke_session(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    storage.revoke_session(me.user.id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
