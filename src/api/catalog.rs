//! Browsing: `/artists`, `/albums`, `/tracks` lists (filters, sorts, keyset pages), `/genres`,
//! and the artist and album pages.

use std::collections::HashMap;
use std::str::FromStr;

use actix_web::{HttpResponse, get, patch, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ApiError;
use super::body::Json;
use super::extract::AuthUser;
use super::page::{MAX_LIMIT, Page, PageQuery};
use super::views::{
    AlbumPageView, AlbumSummaryView, AlbumView, ArtistPageView, ArtistSummaryView, ArtistView,
    GenreView, TrackSummaryView, TrackView,
};
use crate::auth::AuthService;
use crate::auth::policy;
use crate::catalog::{AlbumEdit, ArtistEdit, TrackEdit};
use crate::storage::{
    AlbumSummary, ArtistSummary, Filter, Id, ListRequest, Sort, SortKey, Storage, StorageError,
    TrackSummary,
};
use crate::validate::{FieldError, field_error};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list_tracks)
        .service(list_albums)
        .service(list_artists)
        .service(genres)
        .service(album_page)
        .service(artist_page)
        .service(edit_track)
        .service(edit_album)
        .service(edit_artist);
}

/// What a list may be asked for, every value checked and named when wrong.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
struct BrowseQuery(HashMap<String, String>);

/// The query parameters of the lists as the API document shows them; [`BrowseQuery`] reads
/// them (a test keeps the two lists equal).
#[allow(dead_code)]
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct BrowseParams {
    /// name | added | year | play_count | like_count | random
    sort: Option<String>,
    /// asc | desc (default: asc for name, desc otherwise)
    order: Option<String>,
    /// Only this genre (case-insensitive).
    genre: Option<String>,
    /// Only from this year (0–9999; not for artists).
    year_from: Option<i32>,
    /// Only up to this year (0–9999; not for artists).
    year_to: Option<i32>,
    /// Only this artist's (tracks, albums).
    artist_id: Option<Id>,
    /// Only this album's (tracks).
    album_id: Option<Id>,
    /// true: only what I like (artists: follow).
    favorites: Option<bool>,
    /// true: only what can be played.
    available: Option<bool>,
    /// Page size, 1–500 (default 50).
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

const KNOWN: &[&str] = &[
    "sort",
    "order",
    "genre",
    "year_from",
    "year_to",
    "artist_id",
    "album_id",
    "favorites",
    "available",
    "limit",
    "cursor",
];

fn parsed<T: FromStr>(
    query: &HashMap<String, String>,
    field: &'static str,
    what: &str,
) -> Result<Option<T>, FieldError> {
    query
        .get(field)
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| field_error(field, format!("must be {what}")))
        })
        .transpose()
}

/// Which entity a list is of: the sorts it has.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Entity {
    Track,
    Album,
    Artist,
}

/// The row's sort key, as the next page's cursor carries it.
trait Keyed {
    fn id(&self) -> Id;
    fn key(&self, sort: Sort) -> Option<SortKey>;
}

impl Keyed for TrackSummary {
    fn id(&self) -> Id {
        self.id
    }
    fn key(&self, sort: Sort) -> Option<SortKey> {
        Some(match sort {
            Sort::Name => SortKey::Text(self.sort_name.clone()),
            Sort::Added => SortKey::Time(self.created_at),
            Sort::Year => SortKey::Int(i64::from(self.year.unwrap_or(0))),
            Sort::PlayCount => SortKey::Int(self.play_count),
            Sort::LikeCount => SortKey::Int(self.like_count),
            Sort::Random => return None,
        })
    }
}

impl Keyed for AlbumSummary {
    fn id(&self) -> Id {
        self.album.id
    }
    fn key(&self, sort: Sort) -> Option<SortKey> {
        Some(match sort {
            Sort::Name => SortKey::Text(self.sort_name.clone()),
            Sort::Added => SortKey::Time(self.album.created_at),
            Sort::Year => SortKey::Int(i64::from(self.album.year.unwrap_or(0))),
            Sort::PlayCount => SortKey::Int(self.play_count),
            Sort::LikeCount => SortKey::Int(self.like_count),
            Sort::Random => return None,
        })
    }
}

impl Keyed for ArtistSummary {
    fn id(&self) -> Id {
        self.artist.id
    }
    fn key(&self, sort: Sort) -> Option<SortKey> {
        Some(match sort {
            Sort::Name => SortKey::Text(self.sort_name.clone()),
            Sort::Added => SortKey::Time(self.artist.created_at),
            Sort::Year => SortKey::Int(i64::from(self.latest_year)),
            Sort::PlayCount => SortKey::Int(self.play_count),
            Sort::LikeCount => SortKey::Int(self.like_count),
            Sort::Random => return None,
        })
    }
}

fn sort_name(sort: Sort) -> &'static str {
    match sort {
        Sort::Name => "name",
        Sort::Added => "added",
        Sort::Year => "year",
        Sort::PlayCount => "play_count",
        Sort::LikeCount => "like_count",
        Sort::Random => "random",
    }
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    sort: String,
    desc: bool,
    key: Value,
    id: Id,
}

impl BrowseQuery {
    fn request(&self, me: Id, entity: Entity) -> Result<ListRequest, ApiError> {
        let q = &self.0;
        if let Some(unknown) = q.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(ApiError::unknown_parameter(unknown));
        }
        let sort = match q.get("sort").map(String::as_str) {
            None | Some("name") => Sort::Name,
            Some("added") => Sort::Added,
            Some("year") => Sort::Year,
            Some("play_count") => Sort::PlayCount,
            Some("like_count") => Sort::LikeCount,
            Some("random") => Sort::Random,
            Some(_) => {
                return Err(field_error(
                    "sort",
                    "must be name, added, year, play_count, like_count or random",
                )
                .into());
            }
        };
        let descending = match q.get("order").map(String::as_str) {
            None => sort != Sort::Name,
            Some("asc") => false,
            Some("desc") => true,
            Some(_) => return Err(field_error("order", "must be asc or desc").into()),
        };
        let year = "a year between 0 and 9999";
        let year_from: Option<i32> = parsed(q, "year_from", year)?;
        let year_to: Option<i32> = parsed(q, "year_to", year)?;
        for (field, value) in [("year_from", year_from), ("year_to", year_to)] {
            if value.is_some_and(|y| !(0..=9999).contains(&y)) {
                return Err(field_error(field, format!("must be {year}")).into());
            }
        }
        if let (Some(from), Some(to)) = (year_from, year_to)
            && from > to
        {
            return Err(field_error("year_to", "must not be before year_from").into());
        }
        let artist_id: Option<Id> = parsed(q, "artist_id", "an artist id")?;
        let album_id: Option<Id> = parsed(q, "album_id", "an album id")?;
        if entity == Entity::Artist && (album_id.is_some() || artist_id.is_some()) {
            return Err(field_error("artist_id", "does not filter artists").into());
        }
        if entity == Entity::Artist && (year_from.is_some() || year_to.is_some()) {
            return Err(field_error("year_from", "does not filter artists").into());
        }
        let favorites: Option<bool> = parsed(q, "favorites", "true or false")?;
        let available: Option<bool> = parsed(q, "available", "true or false")?;
        let page = PageQuery {
            limit: parsed(q, "limit", &format!("a number from 1 to {MAX_LIMIT}"))?,
            cursor: q.get("cursor").cloned(),
        };
        let limit = page.limit()?;
        let after = match page.position()? {
            None => None,
            Some(position) => Some(decode_cursor(&position, sort, descending)?),
        };
        Ok(ListRequest {
            filter: Filter {
                genre: q
                    .get("genre")
                    .map(|g| g.trim().to_owned())
                    .filter(|g| !g.is_empty()),
                year_from,
                year_to,
                artist_id,
                album_id,
                favorites_of: favorites.unwrap_or(false).then_some(me),
                available_only: available.unwrap_or(false),
            },
            sort,
            descending,
            after,
            limit,
            offset: 0,
        })
    }
}

fn decode_cursor(position: &str, sort: Sort, descending: bool) -> Result<(SortKey, Id), ApiError> {
    let bad = || field_error("cursor", "is not a cursor of this list and order");
    let cursor: Cursor = serde_json::from_str(position).map_err(|_| bad())?;
    if cursor.sort != sort_name(sort) || cursor.desc != descending {
        return Err(bad().into());
    }
    let key = match (sort, cursor.key) {
        (Sort::Name, Value::String(s)) => SortKey::Text(s),
        (Sort::Added, Value::String(s)) => SortKey::Time(
            chrono::DateTime::parse_from_rfc3339(&s)
                .map_err(|_| bad())?
                .with_timezone(&chrono::Utc),
        ),
        (Sort::Year | Sort::PlayCount | Sort::LikeCount, Value::Number(n)) => {
            SortKey::Int(n.as_i64().ok_or_else(bad)?)
        }
        _ => return Err(bad().into()),
    };
    Ok((key, cursor.id))
}

fn page_of<T: Keyed>(items: Vec<T>, req: &ListRequest) -> Page<T> {
    if req.sort == Sort::Random {
        return Page {
            items,
            next_cursor: None,
        };
    }
    Page::new(items, req.limit, |row| {
        let key = match row.key(req.sort) {
            Some(SortKey::Text(s)) => Value::String(s),
            Some(SortKey::Int(n)) => Value::from(n),
            Some(SortKey::Time(t)) => {
                Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            }
            None => Value::Null,
        };
        serde_json::to_string(&Cursor {
            sort: sort_name(req.sort).into(),
            desc: req.descending,
            key,
            id: row.id(),
        })
        .unwrap_or_default()
    })
}

/// A list page, from the cache when the same page was built since the catalog last changed.
/// Random samples are fresh each time; favourites are personal and change with every like, so
/// neither is kept.
async fn listed<T, F>(
    storage: &Storage,
    list: &str,
    query: &BrowseQuery,
    req: &ListRequest,
    build: F,
) -> Result<HttpResponse, ApiError>
where
    T: Serialize,
    F: std::future::Future<Output = Result<Page<T>, StorageError>>,
{
    let json = if req.sort == Sort::Random || req.filter.favorites_of.is_some() {
        serde_json::to_vec(&build.await?)
            .map(actix_web::web::Bytes::from)
            .map_err(ApiError::internal)?
    } else {
        storage.cached_json(page_key(list, query), build).await?
    };
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(json))
}

/// The name of one page of one list: the list and its query, in a fixed order.
fn page_key(list: &str, query: &BrowseQuery) -> Id {
    use sha2::{Digest, Sha256};
    let mut pairs: Vec<(&String, &String)> = query.0.iter().collect();
    pairs.sort();
    let mut hash = Sha256::new();
    hash.update(list.as_bytes());
    for (name, value) in pairs {
        hash.update([0]);
        hash.update(name.as_bytes());
        hash.update([1]);
        hash.update(value.as_bytes());
    }
    let digest = hash.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    Id(uuid::Uuid::from_bytes(first))
}

#[get("/tracks")]
async fn list_tracks(
    me: AuthUser,
    query: web::Query<BrowseQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let req = query.request(me.user.id, Entity::Track)?;
    listed(&storage, "tracks", &query, &req, async {
        let rows = storage.browse_tracks(&req).await?;
        Ok(page_of(rows, &req).map(|row| TrackSummaryView::from(&row)))
    })
    .await
}

#[get("/albums")]
async fn list_albums(
    me: AuthUser,
    query: web::Query<BrowseQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let req = query.request(me.user.id, Entity::Album)?;
    listed(&storage, "albums", &query, &req, async {
        let rows = storage.browse_albums(&req).await?;
        Ok(page_of(rows, &req).map(|row| AlbumSummaryView::from(&row)))
    })
    .await
}

#[get("/artists")]
async fn list_artists(
    me: AuthUser,
    query: web::Query<BrowseQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let req = query.request(me.user.id, Entity::Artist)?;
    listed(&storage, "artists", &query, &req, async {
        let rows = storage.browse_artists(&req).await?;
        Ok(page_of(rows, &req).map(|row| ArtistSummaryView::from(&row)))
    })
    .await
}

/// Every genre with its track and album counts, most tracks first.
#[get("/genres")]
async fn genres(
    _me: AuthUser,
    _query: web::Query<super::page::NoQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let items = storage.genres().await?;
    Ok(HttpResponse::Ok().json(Page::whole(items).map(GenreView::from)))
}

/// The album with its artist's name, its tracks in disc/track order and a signed cover URL.
#[get("/albums/{id}")]
async fn album_page(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
    auth: web::Data<AuthService>,
) -> Result<HttpResponse, ApiError> {
    let album = storage.cached_album(id.into_inner()).await?;
    let artist = storage.cached_artist(album.artist_id).await?;
    let tracks = storage.cached_album_tracks(album.id).await?;
    let cover = auth.media_token(me.user.id, album.id)?;
    let cover_url = format!("/api/v1/albums/{}/cover?t={}", album.id, cover.token);
    let liked = !storage
        .album_likes_among(me.user.id, &[album.id])
        .await?
        .is_empty();
    Ok(HttpResponse::Ok().json(AlbumPageView {
        album: AlbumView::from(&*album),
        artist_name: artist.name.clone(),
        tracks: tracks.iter().map(TrackSummaryView::from).collect(),
        cover_url,
        liked,
    }))
}

/// The artist with their albums (newest first), follower count and whether I follow them.
#[get("/artists/{id}")]
async fn artist_page(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
    auth: web::Data<AuthService>,
) -> Result<HttpResponse, ApiError> {
    let artist = storage.artist(id.into_inner()).await?;
    let albums = storage.artist_albums(artist.id).await?;
    let (followers, following) = storage.follow_state(me.user.id, artist.id).await?;
    let image = auth.media_token(me.user.id, artist.id)?;
    let image_url = format!("/api/v1/artists/{}/image?t={}", artist.id, image.token);
    Ok(HttpResponse::Ok().json(ArtistPageView {
        artist: ArtistView::from(&artist),
        albums: albums.iter().map(AlbumSummaryView::from).collect(),
        follower_count: followers,
        following,
        // The editor-set `image_url` stays; this one always serves (see `images`).
        image: image_url,
    }))
}

/// A second artist (or album of one artist) with the same name would split the library.
fn name_taken(err: StorageError) -> ApiError {
    match err {
        StorageError::Conflict(_) => ApiError::Conflict {
            code: "name_taken",
            message: "another entry already has that name".into(),
        },
        other => other.into(),
    }
}

/// Admins, and the user who uploaded the track, edit it.
#[patch("/tracks/{id}")]
async fn edit_track(
    me: AuthUser,
    id: web::Path<Id>,
    body: Json<TrackEdit>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().validate()?;
    let track = storage.track(id.into_inner()).await?;
    policy::require_library_editor(&me.user, track.uploader_id)?;
    let updated = storage.update_track(track.id, &patch).await?;
    Ok(HttpResponse::Ok().json(TrackView::from(&updated)))
}

/// Admins, and the user who uploaded every track of the album, edit it.
#[patch("/albums/{id}")]
async fn edit_album(
    me: AuthUser,
    id: web::Path<Id>,
    body: Json<AlbumEdit>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().validate()?;
    let album = storage.album(id.into_inner()).await?;
    let uploader = storage.sole_uploader(Some(album.id), None).await?;
    policy::require_library_editor(&me.user, uploader)?;
    let updated = storage
        .update_album(album.id, &patch)
        .await
        .map_err(name_taken)?;
    Ok(HttpResponse::Ok().json(AlbumView::from(&updated)))
}

/// Admins, and the user who uploaded every track of the artist, edit them; only admins set
/// `verified` and `image_url`.
#[patch("/artists/{id}")]
async fn edit_artist(
    me: AuthUser,
    id: web::Path<Id>,
    body: Json<ArtistEdit>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().validate()?;
    let artist = storage.artist(id.into_inner()).await?;
    let uploader = storage.sole_uploader(None, Some(artist.id)).await?;
    policy::require_library_editor(&me.user, uploader)?;
    // Clients are redirected to an artist's image_url: only admins choose where.
    if patch.verified.is_some() || patch.image_url.is_some() {
        policy::require_admin(&me.user)?;
    }
    let updated = storage
        .update_artist(artist.id, &patch)
        .await
        .map_err(name_taken)?;
    Ok(HttpResponse::Ok().json(ArtistView::from(&updated)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::IntoParams;

    #[test]
    fn the_documented_list_parameters_are_the_known_ones() {
        let documented: Vec<String> = BrowseParams::into_params(|| None)
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(documented, KNOWN);
    }
}
