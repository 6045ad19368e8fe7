//! `GET /metrics`: Prometheus text format (OpenMetrics 1.0). What it reports is described in
//! [`crate::metrics`].

use actix_web::{HttpResponse, get, web};

use super::ApiError;
use crate::metrics::Metrics;
use crate::storage::Storage;

#[get("/metrics")]
pub async fn metrics(
    metrics: web::Data<Metrics>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let uploads = storage.upload_status_counts().await?;
    let body = metrics.render(&uploads).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}
