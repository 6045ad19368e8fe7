//! `/api/v1/library/scan`: admins start a scan and watch its progress and last summary.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use super::ApiError;
use super::extract::AuthUser;
use crate::auth::policy::require_admin;
use crate::library::service::Library;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(start_scan).service(scan_status);
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanQuery {
    #[serde(default)]
    full: bool,
}

/// Queues a scan (202). A scan already queued absorbs the request.
#[post("/library/scan")]
async fn start_scan(
    me: AuthUser,
    query: web::Query<ScanQuery>,
    library: web::Data<Library>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&me.user)?;
    let queued = library.request_scan(query.full);
    let mut status = serde_json::to_value(library.status()).map_err(ApiError::internal)?;
    status["queued"] = serde_json::json!(queued);
    Ok(HttpResponse::Accepted().json(status))
}

#[get("/library/scan")]
async fn scan_status(me: AuthUser, library: web::Data<Library>) -> Result<HttpResponse, ApiError> {
    require_admin(&me.user)?;
    Ok(HttpResponse::Ok().json(library.status()))
}
