//! `/api/v1/albums/{id}/cover` and `/api/v1/artists/{id}/image`: stored art at a bounded set
//! of sizes (`?size=N` rounds up), with validators and caching headers; a placeholder drawn
//! from the id when there is no art, so a grid of albums never shows broken images.

use actix_files::NamedFile;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::ApiError;
use crate::auth::MediaUser;
use crate::media::artwork::{self, Artwork, Picture};
use crate::storage::{Id, Storage};

/// Art changes only when a rescan finds a new cover; a day's caching with revalidation by
/// ETag keeps grids instant without serving a stale cover for long.
const ART_CACHE: &str = "private, max-age=86400";
/// A placeholder turns into real art after the next scan.
const PLACEHOLDER_CACHE: &str = "private, max-age=300";
/// The largest `?size=` taken; larger requests get the largest stored size anyway.
const MAX_REQUESTED_SIZE: u32 = 4096;
/// The PNG placeholder's side when no size is asked.
const PLACEHOLDER_SIZE: u32 = 512;

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
    fn size(&self) -> Result<Option<u32>, ApiError> {
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
    album_cover_response(&req, &storage, &artwork, id.into_inner(), size).await
}

/// An album's cover (or its placeholder) at a size. (Subsonic's `getCoverArt` too.)
pub(crate) async fn album_cover_response(
    req: &HttpRequest,
    storage: &Storage,
    artwork: &Artwork,
    id: Id,
    size: Option<u32>,
) -> Result<HttpResponse, ApiError> {
    let album = storage.album(id).await?;
    let picture = cover(artwork, album.id, size).await;
    respond(req, picture, album.id, &album.title, size).await
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
    artist_image_response(&req, &storage, &artwork, id.into_inner(), size).await
}

/// An artist's image: their own picture's address, else their newest album's cover, else a
/// placeholder. (Subsonic's `getCoverArt` for artists too.)
pub(crate) async fn artist_image_response(
    req: &HttpRequest,
    storage: &Storage,
    artwork: &Artwork,
    id: Id,
    size: Option<u32>,
) -> Result<HttpResponse, ApiError> {
    let artist = storage.artist(id).await?;
    // An image set by an editor elsewhere on the web is the artist's own picture.
    if let Some(url) = artist
        .image_url
        .as_deref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
    {
        return Ok(HttpResponse::Found()
            .insert_header((header::LOCATION, url))
            .insert_header((header::CACHE_CONTROL, PLACEHOLDER_CACHE))
            .finish());
    }
    let picture = match storage.artist_cover_album(artist.id).await? {
        Some(album_id) => cover(artwork, album_id, size).await,
        None => None,
    };
    respond(req, picture, artist.id, &artist.name, size).await
}

/// The stored cover at the asked size. A cover that cannot be decoded or scaled is logged and
/// treated as missing: the placeholder is better than an error in a grid of fifty.
async fn cover(artwork: &Artwork, album_id: Id, size: Option<u32>) -> Option<Picture> {
    match artwork.album_cover(album_id, size).await {
        Ok(picture) => picture,
        Err(err) => {
            tracing::warn!(album = %album_id, error = %err, "cannot serve the stored cover");
            None
        }
    }
}

async fn respond(
    req: &HttpRequest,
    picture: Option<Picture>,
    id: Id,
    name: &str,
    size: Option<u32>,
) -> Result<HttpResponse, ApiError> {
    let Some(picture) = picture else {
        return placeholder(req, id, name, size).await;
    };
    let path = picture.path.clone();
    let opened = tokio::task::spawn_blocking(move || NamedFile::open(path))
        .await
        .map_err(ApiError::internal)?;
    let file = match opened {
        Ok(file) => file,
        // Removed between the lookup and the open (a rescan replacing it).
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return placeholder(req, id, name, size).await;
        }
        Err(err) => return Err(ApiError::internal(err)),
    };
    let mime = picture
        .mime
        .parse()
        .unwrap_or(actix_web::mime::APPLICATION_OCTET_STREAM);
    let mut response = file
        .set_content_type(mime)
        .disable_content_disposition()
        .use_etag(true)
        .use_last_modified(true)
        .into_response(req);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(ART_CACHE));
    Ok(response)
}

/// SVG for clients that say they take it (browsers), PNG for the rest (most Subsonic apps).
async fn placeholder(
    req: &HttpRequest,
    id: Id,
    name: &str,
    size: Option<u32>,
) -> Result<HttpResponse, ApiError> {
    let takes_svg = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("image/svg+xml"));
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CACHE_CONTROL, PLACEHOLDER_CACHE))
        .insert_header(("x-juke-placeholder", "true"));
    if takes_svg {
        return Ok(response
            .content_type("image/svg+xml")
            .body(artwork::placeholder_svg(id, name)));
    }
    let side = size.map_or(PLACEHOLDER_SIZE, artwork::size_for);
    // Drawing and encoding up to 1024 × 1024 is CPU work: off the async threads.
    let png = tokio::task::spawn_blocking(move || artwork::placeholder_png(id, side))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(response.content_type("image/png").body(png))
}
