//! The Subsonic / OpenSubsonic API under `/rest`, so that every Subsonic app can use Juke.
//!
//! One handler takes every `/rest/{method}` (with or without `.view`, GET or a POSTed form),
//! reads the parameters, authenticates, runs the method and writes its answer as XML, JSON or
//! JSONP. Methods are small functions from parameters to a [`Node`]; errors are Subsonic error
//! codes in a `failed` response.

mod annotate;
mod auth;
mod browse;
mod discover;
mod error;
mod media;
mod playback;
mod playlists;
mod queue;
mod radio;
pub mod response;
mod shares;
mod system;
mod users;
mod views;

use std::collections::HashMap;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::{AuthService, ClientInfo};
use crate::config::Config;
use crate::library::service::Library;
use crate::media::artwork::Artwork;
use crate::media::transcode::Transcoder;
use crate::search::Search;
use crate::storage::{Storage, User};
pub use annotate::NowPlaying;
pub use error::SubsonicError;
use response::Node;
pub use views::Roots;

/// The largest form body `/rest` reads (parameters only; nothing is uploaded here).
const FORM_LIMIT_BYTES: usize = 64 * 1024;
/// The most values one parameter may repeat (`id=` in star, `songIdToAdd=` in playlists).
const MAX_REPEATS: usize = 1000;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/rest/{method}")
            .route(web::get().to(handle))
            .route(web::post().to(handle))
            // Players probe `stream` and `download` with HEAD for the length and type.
            .route(web::head().to(handle)),
    );
}

/// The request's parameters, from the query string and a form body; a name may repeat.
#[derive(Debug, Default)]
pub struct Params {
    values: HashMap<String, Vec<String>>,
    /// Names repeated more than [`MAX_REPEATS`] times: refused where they are read, rather than
    /// cut short without a word (a saved queue or playlist would lose its tail).
    too_many: Vec<String>,
}

impl Params {
    fn parse(query: &str, form: &[u8]) -> Params {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        let mut too_many: Vec<String> = Vec::new();
        for (key, value) in
            url::form_urlencoded::parse(query.as_bytes()).chain(url::form_urlencoded::parse(form))
        {
            let values = map.entry(key.to_string()).or_default();
            if values.len() < MAX_REPEATS {
                values.push(value.into_owned());
            } else if !too_many.iter().any(|k| k.as_str() == key) {
                too_many.push(key.into_owned());
            }
        }
        Params {
            values: map,
            too_many,
        }
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    /// Every value of `key`, in order.
    pub fn all(&self, key: &'static str) -> Result<&[String], SubsonicError> {
        if self.too_many.iter().any(|k| k == key) {
            return Err(SubsonicError::Invalid(
                key,
                format!("is given more than {MAX_REPEATS} times; send at most {MAX_REPEATS}"),
            ));
        }
        Ok(self.values.get(key).map_or(&[], Vec::as_slice))
    }

    pub fn required(&self, key: &'static str) -> Result<&str, SubsonicError> {
        self.get(key)
            .filter(|v| !v.is_empty())
            .ok_or(SubsonicError::Missing(key))
    }

    /// An integer parameter, `default` when absent, clamped to `min..=max`.
    pub fn int(
        &self,
        key: &'static str,
        default: i64,
        min: i64,
        max: i64,
    ) -> Result<i64, SubsonicError> {
        match self.get(key).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(raw) => raw
                .parse::<i64>()
                .map(|n| n.clamp(min, max))
                .map_err(|_| SubsonicError::Invalid(key, format!("{raw:?} is not a number"))),
        }
    }
}

/// What a method runs with.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub params: &'a Params,
    pub user: &'a User,
    pub storage: &'a Storage,
    /// Where song paths are relative to.
    pub roots: &'a views::Roots,
    /// Whether the answer is for this user alone; a shared answer (cached for everyone)
    /// carries no one's stars, ratings or plays.
    pub personal: bool,
}

/// The server's parts the methods use besides storage.
struct Services<'a> {
    search: &'a Search,
    library: &'a Library,
    now_playing: &'a NowPlaying,
    config: &'a Config,
    /// What share links start with (see [`crate::web::public_base`]).
    link_base: &'a str,
}

/// The server's parts the methods use besides storage, as the handler extracts them.
type Parts = (
    web::Data<Search>,
    web::Data<Library>,
    web::Data<NowPlaying>,
    web::Data<Transcoder>,
    web::Data<Artwork>,
    web::Data<Roots>,
);

enum Format {
    Xml,
    Json,
    Jsonp(String),
}

async fn handle(
    req: HttpRequest,
    method: web::Path<String>,
    payload: web::Payload,
    storage: web::Data<Storage>,
    auth: web::Data<AuthService>,
    config: web::Data<Config>,
    (search, library, now_playing, transcoder, artwork, roots): Parts,
) -> HttpResponse {
    if storage.database_down() {
        let params = Params::parse(req.query_string(), &[]);
        let err = SubsonicError::DatabaseUnavailable;
        return render(
            &response::failed(err.code(), &err.to_string()),
            &format_of(&params),
        );
    }
    let body = match read_form(&req, payload).await {
        Ok(body) => body,
        // Answered in the format the query string asks for: the body is not parsed.
        Err(err) => {
            let params = Params::parse(req.query_string(), &[]);
            return render(
                &response::failed(err.code(), &err.to_string()),
                &format_of(&params),
            );
        }
    };
    let params = Params::parse(req.query_string(), &body);
    let format = format_of(&params);
    let method = method.into_inner();
    let method = method.strip_suffix(".view").unwrap_or(&method);
    // Apps ask what the server speaks before anyone signs in (OpenSubsonic: no credentials).
    if method == "getOpenSubsonicExtensions" {
        return render(&system::extensions(response::ok()), &format);
    }
    let client = ClientInfo::of(&req);
    let caller = auth::Caller {
        storage: &storage,
        auth: &auth,
        allow_login_password: config.subsonic.allow_login_password,
        address: client.address(),
    };
    let result = match caller.authenticate(&params).await {
        Ok(user) => {
            let ctx = Ctx {
                params: &params,
                user: &user,
                storage: &storage,
                roots: &roots,
                personal: true,
            };
            // Media methods answer with the media; only their failures are documents.
            let media = match method {
                "stream" => Some(media::stream(&req, &ctx, &transcoder).await),
                "download" => Some(media::download(&req, &ctx).await),
                "getCoverArt" => Some(media::cover_art(&req, &ctx, &artwork).await),
                "getAvatar" => Some(media::avatar(&ctx).await),
                _ => None,
            };
            match media {
                Some(Ok(response)) => return response,
                Some(Err(err)) => {
                    return render(&response::failed(err.code(), &err.to_string()), &format);
                }
                None => {}
            }
            let link_base = if method.contains("Share") {
                crate::web::public_base_of(&req, &config.server.public_url)
            } else {
                String::new()
            };
            let services = Services {
                search: &search,
                library: &library,
                now_playing: &now_playing,
                config: &config,
                link_base: &link_base,
            };
            if let Some(key) = shared_answer_key(method, &params) {
                // The same for everyone until the catalog changes: rendered once, then served
                // from the cache. A failure is not kept; it is answered below.
                let shared = Ctx {
                    personal: false,
                    ..ctx
                };
                let cached = storage
                    .cached_body(key, async {
                        match dispatch(method, &shared, &services).await {
                            Ok(root) => Ok(rendered(&root, &format)),
                            Err(_) => Err(crate::storage::StorageError::NotFound),
                        }
                    })
                    .await;
                if let Ok(body) = cached {
                    return respond(body, &format);
                }
            }
            dispatch(method, &ctx, &services).await
        }
        Err(err) => Err(err),
    };
    let root = match result {
        Ok(root) => root,
        Err(err) => {
            if matches!(err, SubsonicError::Internal(_)) {
                tracing::error!(%method, error = %err, "subsonic method failed");
            }
            if matches!(err, SubsonicError::DatabaseUnavailable) {
                storage.mark_database_down();
            }
            response::failed(err.code(), &err.to_string())
        }
    };
    render(&root, &format)
}

/// Runs `method`: the whole `ok` response, or the error to send instead.
async fn dispatch(method: &str, ctx: &Ctx<'_>, s: &Services<'_>) -> Result<Node, SubsonicError> {
    let ok = response::ok();
    let body = match method {
        "ping" => return Ok(ok),
        "getLicense" => system::license(),
        "getOpenSubsonicExtensions" => return Ok(system::extensions(ok)),
        "getMusicFolders" => system::music_folders(ctx),
        "getIndexes" => browse::indexes(ctx).await?,
        "getArtists" => browse::artists(ctx).await?,
        "getArtist" => browse::artist(ctx).await?,
        "getAlbum" => browse::album(ctx).await?,
        "getSong" => browse::song(ctx).await?,
        "getMusicDirectory" => browse::music_directory(ctx).await?,
        "getGenres" => browse::genres(ctx).await?,
        "getAlbumList" => browse::album_list(ctx, false).await?,
        "getAlbumList2" => browse::album_list(ctx, true).await?,
        "getRandomSongs" => browse::random_songs(ctx).await?,
        "getSongsByGenre" => browse::songs_by_genre(ctx).await?,
        "search2" => browse::search(ctx, s.search, false).await?,
        "search3" => browse::search(ctx, s.search, true).await?,
        "getStarred" => browse::starred(ctx, false).await?,
        "getStarred2" => browse::starred(ctx, true).await?,
        "star" => {
            annotate::star(ctx, true).await?;
            return Ok(ok);
        }
        "unstar" => {
            annotate::star(ctx, false).await?;
            return Ok(ok);
        }
        "scrobble" => {
            annotate::scrobble(ctx, s.now_playing).await?;
            return Ok(ok);
        }
        "getNowPlaying" => annotate::now_playing(ctx, s.now_playing).await?,
        "getUser" => users::user(ctx).await?,
        "getScanStatus" => users::scan_status(s.library),
        "startScan" => users::start_scan(ctx, s.library)?,
        "getLyrics" => users::lyrics(ctx).await?,
        "getLyricsBySongId" => users::lyrics_by_song(ctx).await?,
        "setRating" => {
            annotate::set_rating(ctx).await?;
            return Ok(ok);
        }
        "getPlaylists" => playlists::list(ctx).await?,
        "getPlaylist" => playlists::get(ctx).await?,
        "createPlaylist" => playlists::create(ctx).await?,
        "updatePlaylist" => {
            playlists::update(ctx).await?;
            return Ok(ok);
        }
        "deletePlaylist" => {
            playlists::delete(ctx).await?;
            return Ok(ok);
        }
        "getInternetRadioStations" => radio::list(ctx).await?,
        "createInternetRadioStation" => {
            radio::create(ctx).await?;
            return Ok(ok);
        }
        "updateInternetRadioStation" => {
            radio::update(ctx).await?;
            return Ok(ok);
        }
        "deleteInternetRadioStation" => {
            radio::delete(ctx).await?;
            return Ok(ok);
        }
        "getShares" => shares::list(ctx, s).await?,
        "createShare" => shares::create(ctx, s).await?,
        "updateShare" => {
            shares::update(ctx, s).await?;
            return Ok(ok);
        }
        "deleteShare" => {
            shares::delete(ctx).await?;
            return Ok(ok);
        }
        "getPlayQueue" => queue::get(ctx, false).await?,
        "getPlayQueueByIndex" => queue::get(ctx, true).await?,
        "savePlayQueue" => {
            queue::save(ctx, false).await?;
            return Ok(ok);
        }
        "savePlayQueueByIndex" => {
            queue::save(ctx, true).await?;
            return Ok(ok);
        }
        "getBookmarks" => queue::bookmarks(ctx).await?,
        "createBookmark" => {
            queue::create_bookmark(ctx).await?;
            return Ok(ok);
        }
        "deleteBookmark" => {
            queue::delete_bookmark(ctx).await?;
            return Ok(ok);
        }
        "getTopSongs" => discover::top_songs(ctx).await?,
        "getSimilarSongs" => discover::similar_songs(ctx, false).await?,
        "getSimilarSongs2" => discover::similar_songs(ctx, true).await?,
        "getArtistInfo" => discover::artist_info(ctx, false).await?,
        "getArtistInfo2" => discover::artist_info(ctx, true).await?,
        "getAlbumInfo" | "getAlbumInfo2" => discover::album_info(ctx).await?,
        "getUsers" => users::users(ctx).await?,
        "tokenInfo" => users::token_info(ctx),
        "reportPlayback" => {
            playback::report(ctx, s.now_playing).await?;
            return Ok(ok);
        }
        "jukeboxControl" => return Err(playback::jukebox()),
        other => {
            return Err(SubsonicError::UnknownMethod(
                other.chars().take(64).collect(),
            ));
        }
    };
    Ok(ok.child(body))
}

/// The library folders and the uploads' folder: song paths are given below them. Made once at
/// start-up: resolving them touches each folder, which a request must not wait on (a share
/// that went away can hang a `realpath`).
pub fn song_roots(config: &Config) -> Roots {
    views::Roots::new(
        config
            .library
            .folders
            .iter()
            .cloned()
            .chain([config.data_dir.join("media")]),
    )
}

fn format_of(params: &Params) -> Format {
    match params.get("f") {
        Some("json") => Format::Json,
        Some("jsonp") => match params.get("callback").filter(|c| is_callback_name(c)) {
            Some(callback) => Format::Jsonp(callback.to_owned()),
            None => Format::Json,
        },
        _ => Format::Xml,
    }
}

/// The form body's bytes (none unless the body is a form), at most [`FORM_LIMIT_BYTES`]: a
/// larger one is a Subsonic error, not actix's plain-text 413.
async fn read_form(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<bytes::Bytes, SubsonicError> {
    if !is_form(req) {
        return Ok(bytes::Bytes::new());
    }
    crate::http_body::read_limited(req, payload, FORM_LIMIT_BYTES)
        .await
        .map_err(|err| SubsonicError::Invalid("body", err.to_string()))
}

fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// A JSONP callback must be a plain JavaScript name: nothing else reaches the page.
fn is_callback_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

fn render(root: &Node, format: &Format) -> HttpResponse {
    respond(rendered(root, format), format)
}

fn rendered(root: &Node, format: &Format) -> bytes::Bytes {
    bytes::Bytes::from(match format {
        Format::Xml => response::to_xml(root),
        Format::Json => response::to_json(root).to_string(),
        Format::Jsonp(callback) => format!("{callback}({});", response::to_json(root)),
    })
}

fn respond(body: bytes::Bytes, format: &Format) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    match format {
        Format::Xml => response.content_type("text/xml; charset=utf-8"),
        Format::Json => response.content_type("application/json"),
        Format::Jsonp(_) => response
            .content_type("application/javascript; charset=utf-8")
            .insert_header(("X-Content-Type-Options", "nosniff")),
    };
    response.body(body)
}

/// Parameters that say who is asking, not what: left out of a shared answer's key.
const CREDENTIALS: [&str; 7] = ["u", "p", "t", "s", "apiKey", "c", "v"];

/// The cache key of a method whose answer is the same for every user and changes only with
/// the catalog (lists by name, date, plays, genre or year; artists; genres; search with an
/// empty query, the library copy), or `None` for one that is personal or random.
fn shared_answer_key(method: &str, params: &Params) -> Option<crate::storage::Id> {
    let shared = match method {
        "getArtists" | "getIndexes" | "getGenres" => true,
        "getAlbumList" | "getAlbumList2" => {
            !matches!(params.get("type"), Some("random" | "starred") | None)
        }
        "search2" | "search3" => params
            .get("query")
            .is_none_or(|q| matches!(q.trim().trim_matches('"').trim(), "" | "*")),
        _ => false,
    };
    if !shared {
        return None;
    }
    use sha2::{Digest, Sha256};
    let mut pairs: Vec<(&String, &Vec<String>)> = params
        .values
        .iter()
        .filter(|(name, _)| !CREDENTIALS.contains(&name.as_str()))
        .collect();
    pairs.sort();
    let mut hash = Sha256::new();
    hash.update(b"subsonic\0");
    hash.update(method.as_bytes());
    for (name, values) in pairs {
        for value in values {
            hash.update([0]);
            hash.update(name.as_bytes());
            hash.update([1]);
            hash.update(value.as_bytes());
        }
    }
    let mut first = [0u8; 16];
    first.copy_from_slice(&hash.finalize()[..16]);
    Some(crate::storage::Id(uuid::Uuid::from_bytes(first)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_repeat_and_merge_query_and_form() {
        let params = Params::parse("u=ann&id=1&id=2&f=json", b"id=3&p=enc%3A41");
        assert_eq!(params.get("u"), Some("ann"));
        assert_eq!(params.all("id").unwrap(), ["1", "2", "3"]);
        let many: String = (0..=MAX_REPEATS).map(|n| format!("id={n}&")).collect();
        let capped = Params::parse(&many, b"");
        assert!(
            matches!(capped.all("id"), Err(SubsonicError::Invalid("id", _))),
            "one more than the cap is refused, not cut short"
        );
        assert_eq!(params.get("p"), Some("enc:41"));
        assert!(matches!(
            params.required("x"),
            Err(SubsonicError::Missing("x"))
        ));
        assert_eq!(params.int("size", 10, 1, 500).unwrap(), 10);
        let big = Params::parse("size=9999&offset=x", b"");
        assert_eq!(big.int("size", 10, 1, 500).unwrap(), 500);
        assert!(big.int("offset", 0, 0, i64::MAX).is_err());
    }

    #[test]
    fn only_plain_names_are_callbacks() {
        for ok in ["cb", "jQuery123_456", "a.b", "$x"] {
            assert!(is_callback_name(ok), "{ok}");
        }
        for bad in ["", "alert(1)", "a;b", "1a", "a b", &"x".repeat(65)] {
            assert!(!is_callback_name(bad), "{bad}");
        }
    }
}
