//! The HTTP API: one file per resource, all errors through [`ApiError`].

mod error;
mod health;

use actix_web::{HttpResponse, web};

pub use error::ApiError;

/// Mounts every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .app_data(
            web::JsonConfig::default()
                .limit(1024 * 1024)
                .error_handler(|err, _req| {
                    ApiError::BadRequest(format!("invalid JSON body: {err}")).into()
                }),
        )
        // A path segment that does not parse (a malformed id) names nothing that exists.
        .app_data(web::PathConfig::default().error_handler(|_err, _req| ApiError::NotFound.into()))
        .app_data(web::QueryConfig::default().error_handler(|err, _req| {
            ApiError::BadRequest(format!("invalid query string: {err}")).into()
        }));
}

/// Unknown routes answer in the API's error shape.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
