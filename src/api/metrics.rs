//! `GET /metrics`: Prometheus text format (OpenMetrics 1.0). What it reports is described in
//! [`crate::metrics`].

use actix_web::{HttpResponse, get, web};

use super::ApiError;
use crate::metrics::Metrics;
use crate::storage::Storage;

/// The longest `/metrics` waits for the upload counts.
const METRICS_DB_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

#[get("/metrics")]
pub async fn metrics(
    metrics: web::Data<Metrics>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    // Never waits on the database: while it is down, or slow to answer, the upload counts are
    // left out and `juke_database_up` says 0.
    let uploads = if storage.database_down() {
        Vec::new()
    } else {
        match tokio::time::timeout(METRICS_DB_WAIT, storage.upload_status_counts()).await {
            Ok(Ok(counts)) => counts,
            Ok(Err(crate::storage::StorageError::Unavailable(_))) => {
                storage.mark_database_down();
                Vec::new()
            }
            Ok(Err(err)) => return Err(err.into()),
            Err(_) => Vec::new(),
        }
    };
    let body = metrics.render(&uploads).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}
