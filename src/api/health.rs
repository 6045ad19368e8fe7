//! `GET /healthz`: 200 with the engine's name when the database answers, 503 otherwise.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};

use super::ApiError;
use super::views::HealthView;
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
