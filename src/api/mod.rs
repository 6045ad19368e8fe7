//! The HTTP API: one file per resource, all errors through [`ApiError`].

mod app_passwords;
mod auth;
mod body;
mod catalog;
mod error;
pub mod extract;
mod health;
pub(crate) mod images;
mod library;
mod me;
pub(crate) mod media;
pub mod metrics;
pub mod openapi;
pub mod page;
mod playlists;
mod plays;
mod search;
mod social;
mod tracks;
mod uploads;
mod users;
mod views;

use actix_web::web;

pub use error::ApiError;

/// The largest JSON body any route takes.
pub const JSON_LIMIT_BYTES: usize = 1024 * 1024;

/// Mounts every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(metrics::metrics)
        .service(openapi::openapi_json)
        .service(openapi::docs)
        // A path segment that does not parse (a malformed id) names nothing that exists.
        .app_data(web::PathConfig::default().error_handler(|_err, _req| ApiError::NotFound.into()))
        .app_data(web::QueryConfig::default().error_handler(|err, _req| {
            ApiError::BadRequest(format!("invalid query string: {err}")).into()
        }))
        .service(
            web::scope("/api/v1")
                // First: the router tries routes in order, and search is asked on every keystroke.
                .configure(search::routes)
                .configure(auth::routes)
                .configure(me::routes)
                .configure(app_passwords::routes)
                .configure(users::routes)
                .configure(library::routes)
                .configure(uploads::routes)
                .configure(media::routes)
                .configure(tracks::routes)
                .configure(plays::routes)
                .configure(images::routes)
                .configure(playlists::routes)
                .configure(social::routes)
                .configure(catalog::routes),
        );
}
