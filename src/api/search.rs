//! `GET /api/v1/search`: the configured engine's best tracks, albums and artists.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;

use super::ApiError;
use super::extract::AuthUser;
use crate::search::{Search, SearchRequest};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(search);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct SearchParams {
    /// What to find: plain text, 1+ characters (long text is cut).
    q: Option<String>,
    /// track,album,artist (default all).
    types: Option<String>,
    /// 1–100 per kind (default 20).
    limit: Option<String>,
}

/// `{tracks, albums, artists}`, each best first, as the catalog lists show them. The query is
/// plain text: nothing in it is syntax.
#[get("/search")]
async fn search(
    _me: AuthUser,
    params: web::Query<SearchParams>,
    search: web::Data<Search>,
) -> Result<HttpResponse, ApiError> {
    let request = SearchRequest::parse(
        params.q.as_deref(),
        params.types.as_deref(),
        params.limit.as_deref(),
    )?;
    let hits = search.query(&request).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(hits.to_json()))
}
