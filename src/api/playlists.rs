//! `/api/v1/playlists`: create, read, edit and share playlists; add, remove and move entries;
//! M3U8 out and in. Who may do what is `auth::policy`'s call.

use actix_web::body::SizedStream;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::ApiError;
use super::body::Json;
use super::extract::AuthUser;
use super::page::{Page, PageQuery, time_position};
use super::views::{
    EntriesAddedView, PlaylistAccess, PlaylistEntryView, PlaylistHeadView, PlaylistImportView,
    PlaylistItemView, PlaylistView,
};
use crate::auth::policy::{self, Access, Shared};
use crate::playlists::{
    self, AddRequest, CreateRequest, MAX_IMPORT_BYTES, MoveRequest, PatchRequest, PlaylistError,
};
use crate::storage::{Id, Playlist, PlaylistScope, Storage, User};
use crate::validate::field_error;

/// How many playlist imports run at once (each holds the database for its lookups).
pub const IMPORT_SLOTS: usize = 2;

/// The import slots, one set per server.
pub struct ImportSlots(tokio::sync::Semaphore);

impl Default for ImportSlots {
    fn default() -> Self {
        ImportSlots(tokio::sync::Semaphore::new(IMPORT_SLOTS))
    }
}

/// The size of the pieces a long playlist's cached entries are sent in.
const BODY_SLICE: usize = 256 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/playlists")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/playlists/import").route(web::post().to(import)))
    .service(
        web::resource("/playlists/{id}")
            .route(web::get().to(detail))
            .route(web::patch().to(update))
            .route(web::delete().to(remove)),
    )
    .service(web::resource("/playlists/{id}/m3u8").route(web::get().to(export)))
    .service(web::resource("/playlists/{id}/tracks").route(web::post().to(add_tracks)))
    .service(
        web::resource("/playlists/{id}/tracks/{entry_id}").route(web::delete().to(remove_entry)),
    )
    .service(
        web::resource("/playlists/{id}/tracks/{entry_id}/move").route(web::post().to(move_entry)),
    );
}

impl From<PlaylistError> for ApiError {
    fn from(err: PlaylistError) -> Self {
        match err {
            PlaylistError::Field(field) => field.into(),
            PlaylistError::Storage(storage) => storage.into(),
        }
    }
}

fn shared(playlist: &Playlist) -> Shared {
    Shared {
        owner_id: playlist.user_id,
        is_public: playlist.is_public,
        is_collaborative: playlist.is_collaborative,
    }
}

/// The playlist, if `me` may do `needs` with it: someone else's private playlist is a 404.
async fn load(
    storage: &Storage,
    me: &User,
    id: Id,
    needs: Access,
) -> Result<(Playlist, Access), ApiError> {
    let playlist = storage.playlist(id).await?;
    let access = policy::access(me, shared(&playlist));
    policy::require(access, needs)?;
    Ok((playlist, access))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    /// all (default) | mine | public
    scope: Option<String>,
    /// Page size, 1–500 (default 50).
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Mine and everyone's public ones (`?scope=mine|public|all`), newest first.
async fn list(
    me: AuthUser,
    query: web::Query<ListQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let scope = match query.scope.as_deref() {
        None | Some("all") => PlaylistScope::Visible,
        Some("mine") => PlaylistScope::Mine,
        Some("public") => PlaylistScope::Public,
        Some(_) => return Err(field_error("scope", "must be mine, public or all").into()),
    };
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    };
    let limit = page.limit()?;
    let after = page.time_position()?;
    let items = storage
        .playlists_for(me.user.id, scope, after, limit)
        .await?;
    let page = Page::new(items, limit, |p| time_position(p.created_at, p.id));
    Ok(HttpResponse::Ok().json(page.map(|p| PlaylistView::from(&p))))
}

async fn create(
    me: AuthUser,
    body: Json<CreateRequest>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().validate(me.user.id)?;
    let playlist = storage.create_playlist(&new).await?;
    Ok(HttpResponse::Created().json(PlaylistView::from(&playlist)))
}

fn access_view(access: Access) -> PlaylistAccess {
    match access {
        Access::Manage => PlaylistAccess::Manage,
        Access::Contribute => PlaylistAccess::Contribute,
        Access::Read | Access::None => PlaylistAccess::Read,
    }
}

async fn detail(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    // Hot and possibly long (thousands of entries): served from the cache, which every edit
    // of the playlist and of the catalog invalidates.
    let playlist = storage.cached_playlist(id.into_inner()).await?;
    let access = policy::access(&me.user, shared(&playlist));
    policy::require(access, Access::Read)?;
    let tracks = storage
        .cached_playlist_items_json(playlist.id, |item| PlaylistItemView::from(item))
        .await?;
    let head = serde_json::to_vec(&PlaylistHeadView {
        playlist: PlaylistView::from(&*playlist),
        access: access_view(access),
    })
    .map_err(ApiError::internal)?;
    // `{…head…}` becomes `{…head…,"tracks":[…]}` around the cached array, uncopied.
    let Some((_closing_brace, fields)) = head.split_last() else {
        return Err(ApiError::internal(std::io::Error::other(
            "empty playlist head",
        )));
    };
    let mut opening = fields.to_vec();
    opening.extend_from_slice(b",\"tracks\":");
    let length = (opening.len() + tracks.len() + 1) as u64;
    // Handed over in slices of the shared buffer: the server copies each chunk into the
    // connection's write buffer, so one whole-array chunk would cost its size per reader.
    let slices = (0..tracks.len())
        .step_by(BODY_SLICE)
        .map(move |at| tracks.slice(at..(at + BODY_SLICE).min(tracks.len())));
    let parts = futures_util::stream::iter(
        std::iter::once(Bytes::from(opening))
            .chain(slices)
            .chain(std::iter::once(Bytes::from_static(b"}")))
            .map(Ok::<_, std::convert::Infallible>),
    );
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(SizedStream::new(length, parts)))
}

async fn update(
    me: AuthUser,
    id: web::Path<Id>,
    body: Json<PatchRequest>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().validate()?;
    let (playlist, _) = load(&storage, &me.user, id.into_inner(), Access::Manage).await?;
    let updated = storage.update_playlist(playlist.id, &patch).await?;
    Ok(HttpResponse::Ok().json(PlaylistView::from(&updated)))
}

async fn remove(
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let (playlist, _) = load(&storage, &me.user, id.into_inner(), Access::Manage).await?;
    storage.delete_playlist(playlist.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds tracks at the end, or at `position` (later entries move down); 201 with the new
/// entries and the playlist's totals.
async fn add_tracks(
    me: AuthUser,
    id: web::Path<Id>,
    body: Json<AddRequest>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let position = body.position.map(playlists::position).transpose()?;
    let (playlist, _) = load(&storage, &me.user, id.into_inner(), Access::Contribute).await?;
    playlists::checked_tracks(&storage, &body.track_ids).await?;
    playlists::check_room(&playlist, body.track_ids.len())?;
    let entries = storage
        .add_playlist_entries(playlist.id, &body.track_ids, position, Some(me.user.id))
        .await?;
    let playlist = storage.playlist(playlist.id).await?;
    Ok(HttpResponse::Created().json(EntriesAddedView {
        entries: entries.into_iter().map(PlaylistEntryView::from).collect(),
        playlist: PlaylistView::from(&playlist),
    }))
}

async fn remove_entry(
    me: AuthUser,
    path: web::Path<(Id, Id)>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let (id, entry_id) = path.into_inner();
    let (playlist, _) = load(&storage, &me.user, id, Access::Contribute).await?;
    storage.remove_playlist_entry(playlist.id, entry_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn move_entry(
    me: AuthUser,
    path: web::Path<(Id, Id)>,
    body: Json<MoveRequest>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let (id, entry_id) = path.into_inner();
    let to = playlists::position(body.position)?;
    let (playlist, _) = load(&storage, &me.user, id, Access::Contribute).await?;
    let entry = storage
        .move_playlist_entry(playlist.id, entry_id, to)
        .await?;
    Ok(HttpResponse::Ok().json(PlaylistEntryView::from(entry)))
}

/// The playlist as an M3U8 file of this server's stream URLs.
async fn export(
    req: HttpRequest,
    me: AuthUser,
    id: web::Path<Id>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let (playlist, _) = load(&storage, &me.user, id.into_inner(), Access::Read).await?;
    let items = storage.playlist_items(playlist.id).await?;
    let info = req.connection_info();
    let base = format!("{}://{}", info.scheme(), info.host());
    let body = playlists::to_m3u8(&playlist, &items, &base);
    let file_name = format!("{}.m3u8", playlist.name.replace(['/', '\\', '"'], "_"));
    Ok(HttpResponse::Ok()
        .content_type("audio/x-mpegurl; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(file_name)],
        })
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ImportQuery {
    /// The new playlist's name.
    name: String,
    /// true: public.
    #[serde(default)]
    is_public: bool,
}

/// A new playlist from an M3U/M3U8 body: entries matched by Juke stream URL, by file path,
/// then by `#EXTINF` artist and title. 201 with the playlist and the lines that matched nothing.
async fn import(
    req: HttpRequest,
    me: AuthUser,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
    storage: web::Data<Storage>,
    slots: web::Data<ImportSlots>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let body = super::body::bytes_limited(&req, payload, MAX_IMPORT_BYTES).await?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| field_error("body", "an M3U8 file must be UTF-8"))?;
    let entries = playlists::parse_m3u(text);
    // Each entry costs a few indexed lookups: one import stays bounded, and so does how many
    // run at once.
    if entries.len() > playlists::MAX_IMPORT_ENTRIES {
        return Err(ApiError::PayloadTooLarge(format!(
            "at most {} entries per import",
            playlists::MAX_IMPORT_ENTRIES
        )));
    }
    let _slot = slots.0.try_acquire().map_err(|_| ApiError::Busy {
        code: "imports_busy",
        message: format!(
            "{} playlist imports are running; try again shortly",
            IMPORT_SLOTS
        ),
        retry_after: std::time::Duration::from_secs(5),
    })?;
    let new = CreateRequest {
        name: query.name,
        description: None,
        cover_image_url: None,
        is_public: query.is_public,
        is_collaborative: false,
    }
    .validate(me.user.id)?;
    let mut matched = Vec::with_capacity(entries.len());
    let mut unmatched = Vec::new();
    for entry in &entries {
        match playlists::resolve(&storage, entry).await? {
            Some(id) => matched.push(id),
            None => unmatched.push(entry.location.clone()),
        }
    }
    let playlist = storage.create_playlist(&new).await?;
    for chunk in matched.chunks(playlists::MAX_TRACKS_PER_ADD) {
        storage
            .add_playlist_entries(playlist.id, chunk, None, Some(me.user.id))
            .await?;
    }
    let playlist = storage.playlist(playlist.id).await?;
    Ok(HttpResponse::Created().json(PlaylistImportView {
        playlist: PlaylistView::from(&playlist),
        matched: matched.len(),
        unmatched,
    }))
}
