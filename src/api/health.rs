//! `GET /healthz`: 200 with the engine's name when the database answers, 503 otherwise.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};

use super::ApiError;
use super::views::{HealthView, ServerInfoView};
use crate::config::{Config, Registration};
use crate::storage::Storage;

/// A load balancer waits this long at most before calling the instance unhealthy.
const PING_TIMEOUT: Duration = Duration::from_secs(3);

#[get("/healthz")]
pub async fn healthz(storage: web::Data<Storage>) -> Result<HttpResponse, ApiError> {
    match tokio::time::timeout(PING_TIMEOUT, storage.ping()).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(HealthView {
                status: "ok".into(),
                database: storage.engine().name().into(),
            })),
        Ok(Err(err)) => Err(ApiError::Unavailable(err.to_string())),
        Err(_) => Err(ApiError::Unavailable("ping timed out".into())),
    }
}

/// Public: what the web player's first screen needs (whether to ask for the setup code).
#[get("/server")]
pub async fn server_info(
    storage: web::Data<Storage>,
    config: web::Data<Config>,
) -> Result<HttpResponse, ApiError> {
    let needs_admin = storage.count_users().await? == 0;
    Ok(HttpResponse::Ok().json(ServerInfoView {
        name: "Juke".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        registration: match config.auth.registration {
            Registration::Open => "open",
            Registration::Closed => "closed",
            Registration::Invite => "invite",
        }
        .into(),
        needs_admin,
    }))
}
