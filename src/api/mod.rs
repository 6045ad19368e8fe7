//! The HTTP API: one file per resource, all errors through [`ApiError`].

mod app_passwords;
mod auth;
mod body;
mod catalog;
mod error;
pub mod extract;
mod health;
pub(crate) mod images;
mod invites;
mod library;
mod me;
pub(crate) mod media;
pub mod metrics;
pub mod openapi;
pub mod page;
mod playlists;
mod plays;
mod queue;
mod radio;
mod search;
mod shares;
mod social;
mod tracks;
mod uploads;
mod users;
mod views;

use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

pub use error::ApiError;
pub use playlists::ImportSlots;

use crate::storage::Storage;

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
            // Every list refuses what it does not read alike (`deny_unknown_fields`): a typo'd
            // filter would otherwise silently list everything.
            let message = err.to_string();
            match message
                .split_once("unknown field `")
                .and_then(|(_, rest)| rest.split_once('`'))
            {
                Some((name, _)) => ApiError::unknown_parameter(name).into(),
                None => ApiError::BadRequest(format!("invalid query string: {message}")).into(),
            }
        }))
        .service(
            web::scope("/api/v1")
                .wrap(actix_web::middleware::from_fn(api_headers))
                // First: the router tries routes in order, and search is asked on every keystroke.
                .configure(search::routes)
                .service(health::server_info)
                .configure(auth::routes)
                .configure(me::routes)
                .configure(app_passwords::routes)
                .configure(users::routes)
                .configure(invites::routes)
                .configure(library::routes)
                .configure(uploads::routes)
                .configure(media::routes)
                .configure(tracks::routes)
                .configure(plays::routes)
                .configure(queue::routes)
                .configure(images::routes)
                .configure(playlists::routes)
                .configure(social::routes)
                .configure(radio::routes)
                .configure(shares::routes)
                .configure(catalog::routes),
        );
}

/// While the database is known down, every API request is answered 503 at once (not after
/// the pool's 10 s wait); a request that finds it unreachable marks it so. JSON answers hold
/// private data (sessions, history, tokens): no cache keeps them, and no browser reads them as
/// anything but what they say. Media and art set their own caching.
async fn api_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let storage = req.app_data::<web::Data<Storage>>().cloned();
    let mut response = if storage.as_ref().is_some_and(|s| s.database_down()) {
        let answer = ApiError::Unavailable("known to be down".into()).error_response();
        req.into_response(answer).map_into_right_body()
    } else {
        let response = next.call(req).await?;
        let unreachable = response
            .response()
            .error()
            .and_then(|err| err.as_error::<ApiError>())
            .is_some_and(|err| matches!(err, ApiError::Unavailable(_)));
        if unreachable && let Some(storage) = &storage {
            storage.mark_database_down();
        }
        response.map_into_left_body()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}
