//! `/api/v1/albums/{id}/cover` and `/api/v1/artists/{id}/image`: stored art at a bounded set
//! of sizes (`?size=N` rounds up), or a placeholder. Served by [`crate::media::serve`], as
//! Subsonic's `getCoverArt` is.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::ApiError;
use super::extract::MediaUser;
use crate::media::artwork::Artwork;
use crate::media::serve::{self, MAX_REQUESTED_SIZE};
use crate::storage::{Id, Storage};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/albums/{id}/cover")
            .route(web::get().to(album_cover))
            .route(web::head().to(album_cover)),
    )
    .service(
        web::resource("/artists/{id}/image")
            .route(web::get().to(artist_image))
            .route(web::head().to(artist_image)),
    );
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct SizeQuery {
    /// Longest side in pixels (1–4096), rounded up to 64/128/256/512/1024.
    size: Option<u32>,
}

impl SizeQuery {
    pub(super) fn size(&self) -> Result<Option<u32>, ApiError> {
        match self.size {
            Some(n) if !(1..=MAX_REQUESTED_SIZE).contains(&n) => Err(ApiError::InvalidField {
                field: "size",
                message: format!("must be between 1 and {MAX_REQUESTED_SIZE}"),
            }),
            size => Ok(size),
        }
    }
}

async fn album_cover(
    req: HttpRequest,
    _me: MediaUser,
    id: web::Path<Id>,
    query: web::Query<SizeQuery>,
    storage: web::Data<Storage>,
    artwork: web::Data<Artwork>,
) -> Result<HttpResponse, ApiError> {
    let size = query.size()?;
    Ok(serve::album_cover(&req, &storage, &artwork, id.into_inner(), size).await?)
}

async fn artist_image(
    req: HttpRequest,
    _me: MediaUser,
    id: web::Path<Id>,
    query: web::Query<SizeQuery>,
    storage: web::Data<Storage>,
    artwork: web::Data<Artwork>,
) -> Result<HttpResponse, ApiError> {
    let size = query.size()?;
    Ok(serve::artist_image(&req, &storage, &artwork, id.into_inner(), size).await?)
}
