//! `GET /api/openapi.json` (OpenAPI 3.1 of every route) and `GET /api/docs` (a page that
//! renders it, embedded, no network needed). The document is built from [`ROUTES`], one row
//! per operation naming the Rust types of its query, body and reply: the schemas are derived
//! from the very types the handlers read and send, and a test checks that every row names a
//! route the server really serves.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get};
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn, PathItem, PathsBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, KnownFormat, OpenApi, OpenApiBuilder, Ref,
    RefOr, Required, ResponseBuilder, SecurityRequirement,
};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::page::PageQuery;
use super::views::*;
use super::{
    app_passwords, auth, catalog, images, invites, library, me, media, playlists, queue, radio,
    search, shares, social, users,
};
use crate::catalog::{AlbumEdit, ArtistEdit, TrackEdit};
use crate::listening::PlayRequest;
use crate::playlists::{AddRequest, CreateRequest, MoveRequest, PatchRequest};
use crate::storage::Id;

/// Who may call a route.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Public,
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// A bearer token, or a `?t=` media token for the `{id}` in the path.
    Media,
    /// A bearer token of an admin account.
    Admin,
}

/// Component schemas by name, gathered while the operations are built.
type Schemas = BTreeMap<String, RefOr<Schema>>;
/// A body's schema: registers it (and what it refers to) and returns a reference to it.
pub type SchemaOf = fn(&mut Schemas) -> RefOr<Schema>;

/// A request body.
#[derive(Clone, Copy)]
pub enum Body {
    Json(SchemaOf),
    /// `multipart/form-data`, one or more `file` parts.
    Files,
    /// An M3U/M3U8 playlist file, taken whatever its declared type.
    M3u8,
}

/// A success response's body.
#[derive(Clone, Copy)]
pub enum Reply {
    Empty,
    Json(SchemaOf),
    /// Text of this content type.
    Text(&'static str),
    /// An audio file with ranges (206, 416) and validators (304).
    Audio,
    /// An image with validators (304).
    Image,
}

/// One operation of the API.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub auth: Auth,
    /// The query parameters, from the type the handler reads them into.
    pub query: Option<fn() -> Vec<Parameter>>,
    pub body: Option<Body>,
    /// The success status.
    pub ok: u16,
    pub reply: Reply,
    /// Statuses the handler answers beyond those its auth, path, query and body imply.
    pub errors: &'static [u16],
}

/// The schema of `T`, as a component.
fn json<T: ToSchema>(schemas: &mut Schemas) -> RefOr<Schema> {
    let mut found = Vec::new();
    T::schemas(&mut found);
    schemas.extend(found);
    schemas.insert(T::name().into_owned(), T::schema());
    Ref::from_schema_name(T::name()).into()
}

/// `{"items": [T…], "next_cursor": string | null}`, as a component named after `T`.
fn page<T: ToSchema>(schemas: &mut Schemas) -> RefOr<Schema> {
    let item = json::<T>(schemas);
    let name = format!("{}Page", T::name().trim_end_matches("View"));
    let cursor = ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::String,
            Type::Null,
        ]))
        .description(Some("`?cursor=` of the next page; null on the last page"));
    let schema = ObjectBuilder::new()
        .property("items", ArrayBuilder::new().items(item))
        .property("next_cursor", cursor)
        .required("items")
        .required("next_cursor")
        .build();
    schemas.insert(name.clone(), schema.into());
    Ref::from_schema_name(name).into()
}

/// Path parameters are ids, but for a share link's secret.
fn path_schema(name: &str) -> RefOr<Schema> {
    if name == "token" {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("A share link's secret (22 URL-safe characters)"))
            .into()
    } else {
        Id::schema()
    }
}

fn query<T: IntoParams>() -> Vec<Parameter> {
    T::into_params(|| Some(ParameterIn::Query))
}

macro_rules! route {
    ($method:literal $path:literal, $tag:literal, $auth:ident, $ok:literal, $reply:expr, $summary:literal
     $(, query = $query:ty)? $(, body = $body:expr)? $(, errors = $errors:expr)?) => {
        Route {
            method: $method,
            path: $path,
            tag: $tag,
            summary: $summary,
            auth: Auth::$auth,
            query: {
                #[allow(unused_variables)]
                let q: Option<fn() -> Vec<Parameter>> = None;
                $(let q: Option<fn() -> Vec<Parameter>> = Some(query::<$query>);)?
                q
            },
            body: { #[allow(unused_variables)] let b: Option<Body> = None; $(let b = Some($body);)? b },
            ok: $ok,
            reply: $reply,
            errors: { #[allow(unused_variables)] let e: &[u16] = &[]; $(let e: &[u16] = &$errors;)? e },
        }
    };
}

use Body::{Files, M3u8};
use Reply::{Audio, Empty, Image, Text};

const fn one(schema: SchemaOf) -> Reply {
    Reply::Json(schema)
}

const fn body(schema: SchemaOf) -> Body {
    Body::Json(schema)
}

/// Every operation the server answers, in the order the docs page shows them.
pub const ROUTES: &[Route] = &[
    route!("get" "/healthz", "server", Public, 200, one(json::<HealthView>), "200 when the database answers, 503 when it does not",
        errors = [503]),
    route!("get" "/metrics", "server", Public, 200, Text("application/openmetrics-text"), "Prometheus (OpenMetrics) text: cache hits and misses per kind",
        errors = [503]),
    route!("get" "/api/v1/server", "server", Public, 200, one(json::<ServerInfoView>), "Name, version, registration rule, and whether the admin is still to be made (then registration needs the setup code)"),
    route!("post" "/api/v1/auth/register", "accounts", Public, 201, one(json::<SignedInView>), "Create an account (the first of an empty server is admin and must give the setup code; with `invite`, whatever auth.registration says); returns a token",
        body = body(json::<auth::RegisterBody>), errors = [403, 409, 429]),
    route!("post" "/api/v1/auth/login", "accounts", Public, 200, one(json::<SignedInView>), "Log in by username or email; returns a token",
        body = body(json::<auth::LoginBody>), errors = [401, 429]),
    route!("post" "/api/v1/auth/logout", "accounts", Bearer, 204, Empty, "Revoke this session"),
    route!("post" "/api/v1/auth/reset", "accounts", Public, 204, Empty, "Set a forgotten password with an admin's one-use reset link; the account's sessions end",
        body = body(json::<auth::ResetBody>), errors = [403, 429]),
    route!("get" "/api/v1/me", "accounts", Bearer, 200, one(json::<UserView>), "My profile"),
    route!("patch" "/api/v1/me", "accounts", Bearer, 200, one(json::<UserView>), "Edit my profile (null clears a field)",
        body = body(json::<me::ProfileBody>), errors = [409]),
    route!("put" "/api/v1/me/password", "accounts", Bearer, 204, Empty, "Change my password; my other sessions end",
        body = body(json::<me::PasswordBody>), errors = [403]),
    route!("get" "/api/v1/me/sessions", "accounts", Bearer, 200, one(page::<SessionView>), "My sessions"),
    route!("delete" "/api/v1/me/sessions/{id}", "accounts", Bearer, 204, Empty, "Revoke one of my sessions"),
    route!("get" "/api/v1/me/app-passwords", "accounts", Bearer, 200, one(page::<AppPasswordView>), "My app passwords for Subsonic apps (never their secrets)"),
    route!("post" "/api/v1/me/app-passwords", "accounts", Bearer, 201, one(json::<NewAppPasswordView>), "A new app password for a Subsonic app: the password is shown this once",
        body = body(json::<app_passwords::CreateBody>)),
    route!("delete" "/api/v1/me/app-passwords/{id}", "accounts", Bearer, 204, Empty, "Revoke one of my app passwords"),
    route!("get" "/api/v1/users", "admin", Admin, 200, one(page::<UserView>), "Accounts", query = PageQuery),
    route!("post" "/api/v1/users", "admin", Admin, 201, one(json::<UserView>), "Create an account",
        body = body(json::<users::CreateBody>), errors = [409]),
    route!("get" "/api/v1/users/{id}", "admin", Admin, 200, one(json::<UserView>), "One account"),
    route!("patch" "/api/v1/users/{id}", "admin", Admin, 200, one(json::<UserView>), "Set is_admin, is_active, subscription, email_verified, upload_quota_bytes",
        body = body(json::<users::UpdateBody>), errors = [409]),
    route!("delete" "/api/v1/users/{id}", "admin", Admin, 204, Empty, "Deactivate an account", errors = [409]),
    route!("put" "/api/v1/users/{id}/password", "admin", Admin, 204, Empty, "Set an account's password (a forgotten password's way back); its sessions end",
        body = body(json::<users::PasswordBody>)),
    route!("post" "/api/v1/users/{id}/reset-link", "admin", Admin, 201, one(json::<ResetLinkView>), "A one-use link (24 hours) with which the account's owner sets a new password; replaces an unused earlier one"),
    route!("get" "/api/v1/invites", "admin", Admin, 200, one(page::<InviteView>), "Invites, newest first (open, used, expired)"),
    route!("post" "/api/v1/invites", "admin", Admin, 201, one(json::<NewInviteView>), "An invite link: signs its holder up once, whatever auth.registration says; shown this once",
        body = body(json::<invites::CreateBody>), errors = [409]),
    route!("delete" "/api/v1/invites/{id}", "admin", Admin, 204, Empty, "Revoke an invite (or clear a used or expired one)"),
    route!("post" "/api/v1/library/scan", "admin", Admin, 202, one(json::<ScanQueuedView>), "Start a library scan",
        query = library::ScanQuery),
    route!("get" "/api/v1/library/scan", "admin", Admin, 200, one(json::<ScanStatusView>), "The running scan's progress and the last summary"),
    route!("post" "/api/v1/uploads", "library", Bearer, 202, one(json::<UploadsAcceptedView>), "Upload audio files",
        body = Files, errors = [408, 429]),
    route!("get" "/api/v1/uploads", "library", Bearer, 200, one(page::<UploadView>), "My uploads and their status", query = PageQuery),
    route!("get" "/api/v1/uploads/{id}", "library", Bearer, 200, one(json::<UploadView>), "One of my uploads"),
    route!("get" "/api/v1/tracks", "catalog", Bearer, 200, one(page::<TrackSummaryView>), "Tracks, filtered and sorted, in pages",
        query = catalog::BrowseParams),
    route!("get" "/api/v1/tracks/{id}", "catalog", Bearer, 200, one(json::<TrackDetailView>), "A track with names, my like and signed media URLs"),
    route!("patch" "/api/v1/tracks/{id}", "catalog", Bearer, 200, one(json::<TrackView>), "Edit a track (admins, its uploader)",
        body = body(json::<TrackEdit>), errors = [403]),
    route!("get" "/api/v1/albums", "catalog", Bearer, 200, one(page::<AlbumSummaryView>), "Albums, filtered and sorted, in pages",
        query = catalog::BrowseParams),
    route!("get" "/api/v1/albums/{id}", "catalog", Bearer, 200, one(json::<AlbumPageView>), "An album with its tracks in disc/track order"),
    route!("patch" "/api/v1/albums/{id}", "catalog", Bearer, 200, one(json::<AlbumView>), "Edit an album (admins, the uploader of all its tracks)",
        body = body(json::<AlbumEdit>), errors = [403, 409]),
    route!("get" "/api/v1/artists", "catalog", Bearer, 200, one(page::<ArtistSummaryView>), "Artists, filtered and sorted, in pages",
        query = catalog::BrowseParams),
    route!("get" "/api/v1/artists/{id}", "catalog", Bearer, 200, one(json::<ArtistPageView>), "An artist with albums, follower count and whether I follow"),
    route!("patch" "/api/v1/artists/{id}", "catalog", Bearer, 200, one(json::<ArtistView>), "Edit an artist (admins, the uploader of all their tracks; verified: admins)",
        body = body(json::<ArtistEdit>), errors = [403, 409]),
    route!("get" "/api/v1/genres", "catalog", Bearer, 200, one(page::<GenreView>), "Genres with track and album counts"),
    route!("get" "/api/v1/search", "search", Bearer, 200, one(json::<SearchResultsView>), "Tracks, albums and artists matching as-you-type text, best first",
        query = search::SearchParams),
    route!("get" "/api/v1/tracks/{id}/stream", "media", Media, 200, Audio, "The audio, with ranges; or a transcode",
        query = media::StreamQuery, errors = [410, 503]),
    route!("head" "/api/v1/tracks/{id}/stream", "media", Media, 200, Audio, "The stream's headers",
        query = media::StreamQuery, errors = [410, 503]),
    route!("get" "/api/v1/tracks/{id}/download", "media", Media, 200, Audio, "The original file as an attachment",
        errors = [410]),
    route!("head" "/api/v1/tracks/{id}/download", "media", Media, 200, Audio, "The download's headers",
        errors = [410]),
    route!("get" "/api/v1/albums/{id}/cover", "media", Media, 200, Image, "The album's cover (or a placeholder)",
        query = images::SizeQuery),
    route!("head" "/api/v1/albums/{id}/cover", "media", Media, 200, Image, "The cover's headers",
        query = images::SizeQuery),
    route!("get" "/api/v1/artists/{id}/image", "media", Media, 200, Image, "The artist's image (or a placeholder; a redirect to an image set by an admin)",
        query = images::SizeQuery, errors = [302]),
    route!("head" "/api/v1/artists/{id}/image", "media", Media, 200, Image, "The image's headers",
        query = images::SizeQuery, errors = [302]),
    route!("post" "/api/v1/plays", "listening", Bearer, 201, one(json::<PlayView>), "Record a play",
        body = body(json::<PlayRequest>)),
    route!("get" "/api/v1/me/history", "listening", Bearer, 200, one(page::<HistoryEntryView>), "My plays, newest first", query = PageQuery),
    route!("get" "/api/v1/me/stats", "listening", Bearer, 200, one(json::<StatsView>), "My plays, listening time and tops over 7, 30 and 365 days"),
    route!("get" "/api/v1/me/queue", "listening", Bearer, 200, one(json::<PlayQueueView>), "My play queue, shared with my Subsonic apps (getPlayQueue): tracks, current index, position"),
    route!("put" "/api/v1/me/queue", "listening", Bearer, 204, Empty, "Save my play queue (at most 1,000 entries; an empty list clears it); my Subsonic apps see it",
        body = body(json::<queue::QueueBody>), errors = [413]),
    route!("get" "/api/v1/playlists", "playlists", Bearer, 200, one(page::<PlaylistView>), "Mine and public playlists, newest first",
        query = playlists::ListQuery),
    route!("post" "/api/v1/playlists", "playlists", Bearer, 201, one(json::<PlaylistView>), "Create a playlist",
        body = body(json::<CreateRequest>)),
    route!("post" "/api/v1/playlists/import", "playlists", Bearer, 201, one(json::<PlaylistImportView>), "A new playlist from an M3U/M3U8 file (at most 1 MiB, 5,000 entries; two imports at a time)",
        query = playlists::ImportQuery, body = M3u8, errors = [413, 503]),
    route!("get" "/api/v1/playlists/{id}", "playlists", Bearer, 200, one(json::<PlaylistDetailView>), "A playlist with its entries and what I may do"),
    route!("patch" "/api/v1/playlists/{id}", "playlists", Bearer, 200, one(json::<PlaylistView>), "Edit a playlist (owner)",
        body = body(json::<PatchRequest>), errors = [403]),
    route!("delete" "/api/v1/playlists/{id}", "playlists", Bearer, 204, Empty, "Delete a playlist (owner)", errors = [403]),
    route!("get" "/api/v1/playlists/{id}/m3u8", "playlists", Bearer, 200, Text("audio/x-mpegurl"), "The playlist as M3U8"),
    route!("post" "/api/v1/playlists/{id}/tracks", "playlists", Bearer, 201, one(json::<EntriesAddedView>), "Add tracks at the end or at a position (owner, collaborators)",
        body = body(json::<AddRequest>), errors = [403]),
    route!("delete" "/api/v1/playlists/{id}/tracks/{entry_id}", "playlists", Bearer, 204, Empty, "Remove an entry (owner, collaborators)",
        errors = [403]),
    route!("post" "/api/v1/playlists/{id}/tracks/{entry_id}/move", "playlists", Bearer, 200, one(json::<PlaylistEntryView>), "Move an entry (owner, collaborators)",
        body = body(json::<MoveRequest>), errors = [403]),
    route!("put" "/api/v1/tracks/{id}/favorite", "social", Bearer, 204, Empty, "Like a track (idempotent)"),
    route!("delete" "/api/v1/tracks/{id}/favorite", "social", Bearer, 204, Empty, "Unlike a track (idempotent)"),
    route!("get" "/api/v1/me/favorites", "social", Bearer, 200, one(page::<FavoriteTrackView>), "Tracks I like, newest like first", query = PageQuery),
    route!("put" "/api/v1/albums/{id}/favorite", "social", Bearer, 204, Empty, "Like an album (idempotent)"),
    route!("delete" "/api/v1/albums/{id}/favorite", "social", Bearer, 204, Empty, "Unlike an album (idempotent)"),
    route!("get" "/api/v1/me/favorites/albums", "social", Bearer, 200, one(page::<FavoriteAlbumView>), "Albums I like, newest like first", query = PageQuery),
    route!("put" "/api/v1/artists/{id}/follow", "social", Bearer, 204, Empty, "Follow an artist (idempotent)"),
    route!("delete" "/api/v1/artists/{id}/follow", "social", Bearer, 204, Empty, "Unfollow an artist (idempotent)"),
    route!("get" "/api/v1/me/following", "social", Bearer, 200, one(page::<FollowedArtistView>), "Artists I follow", query = PageQuery),
    route!("get" "/api/v1/me/following/albums", "social", Bearer, 200, one(page::<AlbumView>), "Newest albums of the artists I follow",
        query = social::LimitQuery),
    route!("get" "/api/v1/tracks/{id}/comments", "social", Bearer, 200, one(page::<CommentWithAuthorView>), "A track's comments, newest first",
        query = PageQuery),
    route!("post" "/api/v1/tracks/{id}/comments", "social", Bearer, 201, one(json::<CommentView>), "Comment on a track (1–2000 characters, plain text)",
        body = body(json::<social::CommentBody>)),
    route!("patch" "/api/v1/comments/{id}", "social", Bearer, 200, one(json::<CommentView>), "Edit my comment",
        body = body(json::<social::CommentBody>), errors = [403]),
    route!("delete" "/api/v1/comments/{id}", "social", Bearer, 204, Empty, "Delete my comment (admins: any)", errors = [403]),
    route!("get" "/api/v1/radio-stations", "radio", Bearer, 200, one(page::<RadioStationView>), "Internet radio stations, by name"),
    route!("post" "/api/v1/radio-stations", "radio", Admin, 201, one(json::<RadioStationView>), "Add an internet radio station (http or https stream URL)",
        body = body(json::<radio::CreateBody>), errors = [409]),
    route!("patch" "/api/v1/radio-stations/{id}", "radio", Admin, 200, one(json::<RadioStationView>), "Edit a station (null clears homepage_url)",
        body = body(json::<radio::UpdateBody>)),
    route!("delete" "/api/v1/radio-stations/{id}", "radio", Admin, 204, Empty, "Remove a station"),
    route!("get" "/api/v1/shares", "shares", Bearer, 200, one(page::<ShareView>), "My public links, newest first (expired ones too, until deleted)"),
    route!("post" "/api/v1/shares", "shares", Bearer, 201, one(json::<ShareView>), "Make a public link that plays a track, album or playlist without an account",
        body = body(json::<shares::CreateBody>), errors = [403, 404, 409]),
    route!("patch" "/api/v1/shares/{id}", "shares", Bearer, 200, one(json::<ShareView>), "Change a link's description (null clears it) or expiry (the owner or an admin)",
        body = body(json::<shares::UpdateBody>)),
    route!("delete" "/api/v1/shares/{id}", "shares", Bearer, 204, Empty, "Revoke a link: it stops working at once (the owner or an admin)"),
    route!("get" "/api/v1/public/shares/{token}", "shares", Public, 200, one(json::<PublicShareView>), "What a link plays, for its page (no account; counts a visit)",
        errors = [403, 410]),
    route!("get" "/api/v1/public/shares/{token}/tracks/{track_id}/stream", "shares", Public, 200, Audio, "A shared track's audio as it is, with ranges (no account)",
        errors = [403, 410]),
    route!("head" "/api/v1/public/shares/{token}/tracks/{track_id}/stream", "shares", Public, 200, Audio, "The shared stream's headers",
        errors = [403, 410]),
    route!("get" "/api/v1/public/shares/{token}/tracks/{track_id}/cover", "shares", Public, 200, Image, "A shared track's album cover (no account)",
        query = images::SizeQuery, errors = [403, 410]),
    route!("head" "/api/v1/public/shares/{token}/tracks/{track_id}/cover", "shares", Public, 200, Image, "The cover's headers",
        query = images::SizeQuery, errors = [403, 410]),
];

fn method(name: &str) -> HttpMethod {
    match name {
        "post" => HttpMethod::Post,
        "put" => HttpMethod::Put,
        "patch" => HttpMethod::Patch,
        "delete" => HttpMethod::Delete,
        "head" => HttpMethod::Head,
        _ => HttpMethod::Get,
    }
}

/// What an error status means, for every operation that answers it.
fn meaning(status: u16, route: &Route) -> &'static str {
    match status {
        302 => "the image lives elsewhere: `Location` says where",
        304 => "not modified since the validator the request sent",
        400 => "a body that is not JSON, an unknown field, or a query string that does not parse",
        401 if route.auth == Auth::Media => "not signed in, or a bad media link",
        401 => "not signed in (or, logging in, a wrong username or password)",
        403 if route.tag == "shares" => {
            "not allowed, or (`sharing_disabled`) sharing is turned off on this server"
        }
        403 if route.path.starts_with("/api/v1/auth/") => {
            "refused: `registration_closed`, a setup code missing or wrong, or an invite or reset link that does not work (`link_unknown`, `link_used`, `link_expired`)"
        }
        403 => "not allowed to do this",
        404 => "no such thing, or not yours to see",
        409 => "conflicts with existing data: `error.code` says how",
        410 if route.tag == "shares" => {
            "the link has expired (`share_expired`), or the track's file is not available right now"
        }
        410 => "the track's file is not available right now",
        413 => "the body is too large",
        416 => "the range is outside the file",
        422 => "a field is wrong; `error.field` names it",
        429 => "too many attempts: wait `Retry-After` seconds",
        408 => "the body stalled or took longer than `uploads.body_timeout_seconds`",
        503 => "busy or the database is unavailable: try again after `Retry-After` seconds",
        507 => {
            "a disk is full or nearly full, or (`quota_exceeded`) the account's upload quota is used up: nothing was saved"
        }
        _ => "an error",
    }
}

fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Error")))
                .build(),
        )
        .build()
}

fn binary() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
}

fn text() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn media_response(description: &str, kind: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(kind, ContentBuilder::new().schema(Some(binary())).build())
        .build()
}

/// The statuses a route answers besides its success, by what it is.
fn error_statuses(route: &Route) -> Vec<u16> {
    let mut statuses = route.errors.to_vec();
    if route.auth != Auth::Public {
        statuses.push(401);
    }
    if route.auth == Auth::Admin {
        statuses.push(403);
    }
    if route.path.contains('{') {
        statuses.push(404);
    }
    if route.method != "get" && route.method != "head" {
        // Any write can meet a full disk.
        statuses.push(507);
    }
    if route.query.is_some() {
        statuses.extend([400, 422]);
    }
    match route.body {
        Some(Body::Json(_)) | Some(Body::Files) => statuses.extend([400, 413, 422]),
        Some(Body::M3u8) => statuses.extend([413, 422]),
        None => {}
    }
    match route.reply {
        Reply::Audio => statuses.extend([304, 416]),
        Reply::Image => statuses.push(304),
        Reply::Empty | Reply::Json(_) | Reply::Text(_) => {}
    }
    statuses.sort_unstable();
    statuses.dedup();
    statuses
}

fn operation(route: &Route, schemas: &mut Schemas) -> utoipa::openapi::path::Operation {
    let success = match route.reply {
        Reply::Empty => ResponseBuilder::new().description("done").build(),
        Reply::Json(schema) => ResponseBuilder::new()
            .description("success")
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(schema(schemas))).build(),
            )
            .build(),
        Reply::Text(kind) => ResponseBuilder::new()
            .description("success")
            .content(kind, ContentBuilder::new().schema(Some(text())).build())
            .build(),
        Reply::Audio => media_response("the audio", "audio/*"),
        Reply::Image => media_response("the image", "image/*"),
    };
    let mut op = OperationBuilder::new()
        .tag(route.tag)
        .summary(Some(route.summary))
        .operation_id(Some(format!(
            "{}_{}",
            route.method,
            route
                .path
                .trim_start_matches('/')
                .replace(['/', '{', '}'], "_")
        )))
        .response(route.ok.to_string(), success);
    if let Reply::Audio = route.reply {
        op = op.response("206", media_response("the range asked for", "audio/*"));
    }
    for status in error_statuses(route) {
        op = op.response(status.to_string(), error_response(meaning(status, route)));
    }
    for segment in route.path.split('/') {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(path_schema(name))),
            );
        }
    }
    if let Some(params) = route.query {
        for parameter in params() {
            op = op.parameter(parameter);
        }
    }
    op = match route.body {
        None => op,
        Some(Body::Json(schema)) => op.request_body(Some(
            RequestBodyBuilder::new()
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(schema(schemas))).build(),
                )
                .required(Some(Required::True))
                .build(),
        )),
        Some(Body::Files) => op.request_body(Some(
            RequestBodyBuilder::new()
                .description(Some("one or more `file` parts, each an audio file"))
                .content(
                    "multipart/form-data",
                    ContentBuilder::new()
                        .schema(Some(
                            ObjectBuilder::new()
                                .property("file", ArrayBuilder::new().items(binary()))
                                .required("file"),
                        ))
                        .build(),
                )
                .required(Some(Required::True))
                .build(),
        )),
        // The handler reads the bytes whatever their declared type: players export M3U8
        // under several names.
        Some(Body::M3u8) => op.request_body(Some(
            RequestBodyBuilder::new()
                .description(Some("the M3U/M3U8 text, UTF-8, at most 1 MiB"))
                .content(
                    "audio/x-mpegurl",
                    ContentBuilder::new().schema(Some(text())).build(),
                )
                .content(
                    "text/plain",
                    ContentBuilder::new().schema(Some(text())).build(),
                )
                .required(Some(Required::True))
                .build(),
        )),
    };
    match route.auth {
        Auth::Public => op,
        Auth::Bearer | Auth::Admin => {
            op.security(SecurityRequirement::new("bearer", Vec::<String>::new()))
        }
        Auth::Media => op
            .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
            .security(SecurityRequirement::new(
                "media_token",
                Vec::<String>::new(),
            ))
            .security(SecurityRequirement::new(
                "session_cookie",
                Vec::<String>::new(),
            )),
    }
    .build()
}

fn error_schema() -> Schema {
    ObjectBuilder::new()
        .property(
            "error",
            ObjectBuilder::new()
                .property("code", text().description(Some("snake_case, for programs")))
                .property("message", text().description(Some("for people")))
                .property("field", text().description(Some("the field that is wrong")))
                .required("code")
                .required("message"),
        )
        .required("error")
        .into()
}

/// The OpenAPI document of [`ROUTES`].
pub fn document() -> OpenApi {
    let mut schemas = Schemas::new();
    let mut paths = PathsBuilder::new();
    for route in ROUTES {
        let op = operation(route, &mut schemas);
        paths = paths.path(route.path, PathItem::new(method(route.method), op));
    }
    schemas.insert("Error".into(), error_schema().into());
    let components = ComponentsBuilder::new()
        .security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        )
        .security_scheme(
            "media_token",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::new("t"))),
        )
        // Set at log-in for the web player's <img> and <audio>; media routes only.
        .security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                super::extract::MEDIA_COOKIE,
            ))),
        )
        .schemas_from_iter(schemas)
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Juke")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "A self-hosted music streaming server. JSON everywhere; errors are \
                     {\"error\": {\"code\", \"message\", \"field\"?}}; lists are \
                     {\"items\", \"next_cursor\"}.",
                ))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components))
        .build()
}

#[get("/api/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

#[get("/api/docs")]
pub async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(include_str!("docs.html"))
}
