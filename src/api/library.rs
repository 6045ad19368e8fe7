//! `/api/v1/library/scan`: admins start a scan and watch its progress and last summary.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use super::ApiError;
use super::extract::AuthUser;
use super::views::{ScanQueuedView, ScanStatusView};
use crate::auth::policy::require_admin;
use crate::library::service::Library;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(start_scan).service(scan_status);
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ScanQuery {
    /// true: re-read every file, changed or not.
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
    Ok(HttpResponse::Accepted().json(ScanQueuedView {
        status: ScanStatusView::from(library.status()),
        queued,
    }))
}

#[get("/library/scan")]
async fn scan_status(me: AuthUser, library: web::Data<Library>) -> Result<HttpResponse, ApiError> {
    require_admin(&me.user)?;
    Ok(HttpResponse::Ok().json(ScanStatusView::from(library.status())))
}
