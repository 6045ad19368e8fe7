//! `GET /api/openapi.json` (OpenAPI 3.1 of every route) and `GET /api/docs` (a page that
//! renders it, embedded, no network needed). The document is built from [`ROUTES`], one row
//! per operation; a test checks that every row names a route the server really serves.

use actix_web::{HttpResponse, get};
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, PathsBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Required,
    ResponseBuilder, SecurityRequirement,
};

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

/// One operation of the API.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub auth: Auth,
    /// Query parameters: name and meaning.
    pub query: &'static [(&'static str, &'static str)],
    /// The request body, described (JSON unless it says otherwise).
    pub body: Option<&'static str>,
    /// The success status.
    pub ok: u16,
}

const PAGE: &[(&str, &str)] = &[
    ("limit", "page size, 1–500 (default 50)"),
    ("cursor", "`next_cursor` of the previous page"),
];

const BROWSE: &[(&str, &str)] = &[
    (
        "sort",
        "name | added | year | play_count | like_count | random",
    ),
    (
        "order",
        "asc | desc (default: asc for name, desc otherwise)",
    ),
    ("genre", "only this genre (case-insensitive)"),
    ("year_from", "only from this year"),
    ("year_to", "only up to this year"),
    ("artist_id", "only this artist's (tracks, albums)"),
    ("album_id", "only this album's (tracks)"),
    ("favorites", "true: only what I like (artists: follow)"),
    ("available", "true: only what can be played"),
    ("limit", "page size, 1–500 (default 50)"),
    ("cursor", "`next_cursor` of the previous page"),
];

macro_rules! route {
    ($method:literal $path:literal, $tag:literal, $auth:ident, $ok:literal, $summary:literal
     $(, query = $query:expr)? $(, body = $body:literal)?) => {
        Route {
            method: $method,
            path: $path,
            tag: $tag,
            summary: $summary,
            auth: Auth::$auth,
            query: { #[allow(unused_variables)] let q: &[(&str, &str)] = &[]; $(let q = $query;)? q },
            body: { #[allow(unused_variables)] let b: Option<&str> = None; $(let b = Some($body);)? b },
            ok: $ok,
        }
    };
}

/// Every operation the server answers, in the order the docs page shows them.
pub const ROUTES: &[Route] = &[
    route!("get" "/healthz", "server", Public, 200, "200 when the database answers, 503 when it does not"),
    route!("get" "/metrics", "server", Public, 200, "Prometheus (OpenMetrics) text: cache hits and misses per kind"),
    route!("post" "/api/v1/auth/register", "accounts", Public, 201, "Create an account (the first of an empty server is admin); returns a token",
        body = "{username, email, password, first_name?, last_name?}"),
    route!("post" "/api/v1/auth/login", "accounts", Public, 200, "Log in by username or email; returns a token",
        body = "{username, password}"),
    route!("post" "/api/v1/auth/logout", "accounts", Bearer, 204, "Revoke this session"),
    route!("get" "/api/v1/me", "accounts", Bearer, 200, "My profile"),
    route!("patch" "/api/v1/me", "accounts", Bearer, 200, "Edit my profile (null clears a field)",
        body = "{first_name?, last_name?, bio?, avatar_url?, email?}"),
    route!("put" "/api/v1/me/password", "accounts", Bearer, 204, "Change my password; my other sessions end",
        body = "{current_password, new_password}"),
    route!("get" "/api/v1/me/sessions", "accounts", Bearer, 200, "My sessions"),
    route!("delete" "/api/v1/me/sessions/{id}", "accounts", Bearer, 204, "Revoke one of my sessions"),
    route!("get" "/api/v1/me/app-passwords", "accounts", Bearer, 200, "My app passwords for Subsonic apps (never their secrets)"),
    route!("post" "/api/v1/me/app-passwords", "accounts", Bearer, 201, "A new app password for a Subsonic app: the password is shown this once",
        body = "{name}"),
    route!("delete" "/api/v1/me/app-passwords/{id}", "accounts", Bearer, 204, "Revoke one of my app passwords"),
    route!("get" "/api/v1/users", "admin", Admin, 200, "Accounts", query = PAGE),
    route!("post" "/api/v1/users", "admin", Admin, 201, "Create an account",
        body = "{username, email?, password, is_admin?}"),
    route!("get" "/api/v1/users/{id}", "admin", Admin, 200, "One account"),
    route!("patch" "/api/v1/users/{id}", "admin", Admin, 200, "Set is_admin, is_active, subscription, email_verified",
        body = "{is_admin?, is_active?, subscription?, email_verified?}"),
    route!("delete" "/api/v1/users/{id}", "admin", Admin, 204, "Deactivate an account"),
    route!("post" "/api/v1/library/scan", "admin", Admin, 202, "Start a library scan",
        query = &[("full", "true: re-read every file")]),
    route!("get" "/api/v1/library/scan", "admin", Admin, 200, "The running scan's progress and the last summary"),
    route!("post" "/api/v1/uploads", "library", Bearer, 202, "Upload audio files",
        body = "multipart/form-data, one or more `file` parts"),
    route!("get" "/api/v1/uploads", "library", Bearer, 200, "My uploads and their status", query = PAGE),
    route!("get" "/api/v1/uploads/{id}", "library", Bearer, 200, "One of my uploads"),
    route!("get" "/api/v1/tracks", "catalog", Bearer, 200, "Tracks, filtered and sorted, in pages", query = BROWSE),
    route!("get" "/api/v1/tracks/{id}", "catalog", Bearer, 200, "A track with names, my like and signed media URLs"),
    route!("patch" "/api/v1/tracks/{id}", "catalog", Bearer, 200, "Edit a track (admins, its uploader)",
        body = "{title?, genre?, is_explicit?, lyrics?, release_date?, year?}"),
    route!("get" "/api/v1/albums", "catalog", Bearer, 200, "Albums, filtered and sorted, in pages", query = BROWSE),
    route!("get" "/api/v1/albums/{id}", "catalog", Bearer, 200, "An album with its tracks in disc/track order"),
    route!("patch" "/api/v1/albums/{id}", "catalog", Bearer, 200, "Edit an album (admins, the uploader of all its tracks)",
        body = "{title?, genre?, label?, description?, release_date?, year?}"),
    route!("get" "/api/v1/artists", "catalog", Bearer, 200, "Artists, filtered and sorted, in pages", query = BROWSE),
    route!("get" "/api/v1/artists/{id}", "catalog", Bearer, 200, "An artist with albums, follower count and whether I follow"),
    route!("patch" "/api/v1/artists/{id}", "catalog", Bearer, 200, "Edit an artist (admins, the uploader of all their tracks; verified: admins)",
        body = "{name?, bio?, website_url?, image_url?, social_links?, verified?}"),
    route!("get" "/api/v1/genres", "catalog", Bearer, 200, "Genres with track and album counts"),
    route!("get" "/api/v1/search", "search", Bearer, 200, "Tracks, albums and artists matching as-you-type text, best first: {tracks, albums, artists}",
        query = &[("q", "what to find (plain text, 1+ characters; long text is cut)"), ("types", "track,album,artist (default all)"), ("limit", "1-100 per kind (default 20)")]),
    route!("get" "/api/v1/tracks/{id}/stream", "media", Media, 200, "The audio, with ranges; or a transcode",
        query = &[("format", "mp3 | opus | aac: transcode"), ("max_bitrate", "kbps cap (0: none)"), ("offset", "start at this many seconds"), ("t", "media token")]),
    route!("head" "/api/v1/tracks/{id}/stream", "media", Media, 200, "The stream's headers"),
    route!("get" "/api/v1/tracks/{id}/download", "media", Media, 200, "The original file as an attachment",
        query = &[("t", "media token")]),
    route!("head" "/api/v1/tracks/{id}/download", "media", Media, 200, "The download's headers"),
    route!("get" "/api/v1/albums/{id}/cover", "media", Media, 200, "The album's cover (or a placeholder)",
        query = &[("size", "longest side in pixels, rounded up to 64/128/256/512/1024"), ("t", "media token")]),
    route!("head" "/api/v1/albums/{id}/cover", "media", Media, 200, "The cover's headers"),
    route!("get" "/api/v1/artists/{id}/image", "media", Media, 200, "The artist's image (or a placeholder)",
        query = &[("size", "longest side in pixels, rounded up to 64/128/256/512/1024"), ("t", "media token")]),
    route!("head" "/api/v1/artists/{id}/image", "media", Media, 200, "The image's headers"),
    route!("post" "/api/v1/plays", "listening", Bearer, 201, "Record a play",
        body = "{track_id, duration_played, device_type?, source_type?, played_at?}"),
    route!("get" "/api/v1/me/history", "listening", Bearer, 200, "My plays, newest first", query = PAGE),
    route!("get" "/api/v1/me/stats", "listening", Bearer, 200, "My plays, listening time and tops over 7, 30 and 365 days"),
    route!("get" "/api/v1/playlists", "playlists", Bearer, 200, "Mine and public playlists, newest first",
        query = &[("scope", "all | mine | public"), ("limit", "page size, 1–500"), ("cursor", "`next_cursor` of the previous page")]),
    route!("post" "/api/v1/playlists", "playlists", Bearer, 201, "Create a playlist",
        body = "{name, description?, cover_image_url?, is_public?, is_collaborative?}"),
    route!("post" "/api/v1/playlists/import", "playlists", Bearer, 201, "A new playlist from an M3U/M3U8 file",
        query = &[("name", "the playlist's name"), ("is_public", "true: public")], body = "the M3U8 text (at most 1 MiB)"),
    route!("get" "/api/v1/playlists/{id}", "playlists", Bearer, 200, "A playlist with its entries and what I may do"),
    route!("patch" "/api/v1/playlists/{id}", "playlists", Bearer, 200, "Edit a playlist (owner)",
        body = "{name?, description?, cover_image_url?, is_public?, is_collaborative?}"),
    route!("delete" "/api/v1/playlists/{id}", "playlists", Bearer, 204, "Delete a playlist (owner)"),
    route!("get" "/api/v1/playlists/{id}/m3u8", "playlists", Bearer, 200, "The playlist as M3U8"),
    route!("post" "/api/v1/playlists/{id}/tracks", "playlists", Bearer, 201, "Add tracks at the end or at a position (owner, collaborators)",
        body = "{track_ids, position?}"),
    route!("delete" "/api/v1/playlists/{id}/tracks/{entry_id}", "playlists", Bearer, 204, "Remove an entry (owner, collaborators)"),
    route!("post" "/api/v1/playlists/{id}/tracks/{entry_id}/move", "playlists", Bearer, 200, "Move an entry (owner, collaborators)",
        body = "{position}"),
    route!("put" "/api/v1/tracks/{id}/favorite", "social", Bearer, 204, "Like a track (idempotent)"),
    route!("delete" "/api/v1/tracks/{id}/favorite", "social", Bearer, 204, "Unlike a track (idempotent)"),
    route!("get" "/api/v1/me/favorites", "social", Bearer, 200, "Tracks I like, newest like first", query = PAGE),
    route!("put" "/api/v1/artists/{id}/follow", "social", Bearer, 204, "Follow an artist (idempotent)"),
    route!("delete" "/api/v1/artists/{id}/follow", "social", Bearer, 204, "Unfollow an artist (idempotent)"),
    route!("get" "/api/v1/me/following", "social", Bearer, 200, "Artists I follow", query = PAGE),
    route!("get" "/api/v1/me/following/albums", "social", Bearer, 200, "Newest albums of the artists I follow",
        query = &[("limit", "1–100 (default 20)")]),
    route!("get" "/api/v1/tracks/{id}/comments", "social", Bearer, 200, "A track's comments, newest first", query = PAGE),
    route!("post" "/api/v1/tracks/{id}/comments", "social", Bearer, 201, "Comment on a track (1–2000 characters, plain text)",
        body = "{body}"),
    route!("patch" "/api/v1/comments/{id}", "social", Bearer, 200, "Edit my comment", body = "{body}"),
    route!("delete" "/api/v1/comments/{id}", "social", Bearer, 204, "Delete my comment (admins: any)"),
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

fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("Error")))
                .build(),
        )
        .build()
}

fn text() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .build()
}

/// The OpenAPI document of [`ROUTES`].
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for route in ROUTES {
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
            .response(
                route.ok.to_string(),
                ResponseBuilder::new().description("success").build(),
            );
        for segment in route.path.split('/') {
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                op = op.parameter(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .description(Some("a UUID")),
                );
            }
        }
        for (name, description) in route.query {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .description(Some(*description)),
            );
        }
        if let Some(body) = route.body {
            let kind = if body.starts_with("multipart") {
                "multipart/form-data"
            } else if body.contains("M3U8") {
                "audio/x-mpegurl"
            } else {
                "application/json"
            };
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .description(Some(body))
                    .content(kind, ContentBuilder::new().build())
                    .required(Some(Required::True))
                    .build(),
            ));
        }
        op = match route.auth {
            Auth::Public => op,
            Auth::Bearer | Auth::Admin => op
                .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
                .response("401", error_response("not signed in")),
            Auth::Media => op
                .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
                .security(SecurityRequirement::new(
                    "media_token",
                    Vec::<String>::new(),
                ))
                .security(SecurityRequirement::new(
                    "session_cookie",
                    Vec::<String>::new(),
                ))
                .response("401", error_response("not signed in, or a bad media link")),
        };
        if route.auth == Auth::Admin {
            op = op.response("403", error_response("not an admin"));
        }
        if route.path.contains('{') {
            op = op.response("404", error_response("no such thing, or not yours to see"));
        }
        if route.body.is_some() || !route.query.is_empty() {
            op = op.response(
                "422",
                error_response("a field is wrong; `error.field` names it"),
            );
        }
        paths = paths.path(route.path, PathItem::new(method(route.method), op));
    }
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
        .schema(
            "Error",
            utoipa::openapi::schema::ObjectBuilder::new()
                .property(
                    "error",
                    utoipa::openapi::schema::ObjectBuilder::new()
                        .property("code", text())
                        .property("message", text())
                        .property("field", text())
                        .required("code")
                        .required("message"),
                )
                .required("error"),
        )
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
