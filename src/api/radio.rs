//! `/api/v1/radio-stations`: internet radio stations everyone may list and play, and admins
//! keep.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::ApiError;
use super::body::Json;
use super::extract::AuthUser;
use super::page::{NoQuery, Page};
use super::views::RadioStationView;
use crate::auth::policy::require_admin;
use crate::storage::{Id, MAX_RADIO_STATIONS, Storage};
use crate::validate::nullable;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(update)
        .service(remove);
}

#[get("/radio-stations")]
async fn list(
    _me: AuthUser,
    _query: web::Query<NoQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let stations = storage.radio_stations().await?;
    Ok(HttpResponse::Ok().json(Page::whole(stations).map(RadioStationView::from)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewRadioStation)]
pub(super) struct CreateBody {
    name: String,
    /// An http(s) URL of the stream itself (MP3, AAC, Ogg), not of a playlist page.
    stream_url: String,
    homepage_url: Option<String>,
}

#[post("/radio-stations")]
async fn create(
    me: AuthUser,
    body: Json<CreateBody>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&me.user)?;
    let new =
        crate::radio::new_station(&body.name, &body.stream_url, body.homepage_url.as_deref())?;
    let created = storage
        .create_radio_station(&new)
        .await?
        .ok_or_else(|| ApiError::Conflict {
            code: "too_many_radio_stations",
            message: format!(
                "a server keeps at most {MAX_RADIO_STATIONS} radio stations; delete one first"
            ),
        })?;
    Ok(HttpResponse::Created().json(RadioStationView::from(created)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = RadioStationEdit)]
pub(super) struct UpdateBody {
    name: Option<String>,
    stream_url: Option<String>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    homepage_url: Option<Option<String>>,
}

#[patch("/radio-stations/{id}")]
async fn update(
    me: AuthUser,
    id: web::Path<Id>,
    body: Json<UpdateBody>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&me.user)?;
    let patch = crate::radio::patch(
        body.name.as_deref(),
        body.stream_url.as_deref(),
        body.homepage_url.as_ref().map(Option::as_deref),
    )?;
    let updated = storage
        .update_radio_station(id.into_inner(), &patch)
        .await?;
    Ok(HttpResponse::Ok().json(RadioStationView::from(updated)))
}

#[delete("/radio-stations/{id}")]
async fn remove(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&me.user)?;
    storage.delete_radio_station(id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
