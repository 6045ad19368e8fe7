//! The embedded web player: `web/` is compiled into the binary (read from disk in debug builds,
//! so a reload shows an edit). There is no build step: the player is plain ES modules.
//!
//! Every asset is served under `/v/<build>/…`, where `<build>` is a digest of all of `web/`:
//! one release's URLs never change, so they are cached for a year, and the next release's are
//! new. Relative `import`s inherit the prefix, so the modules need not know it. Only
//! `index.html` names it: it is served for every client-side route (the SPA fallback) and is
//! never cached. Text assets are compressed once (brotli, gzip) and kept in memory.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, LazyLock, RwLock};

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::api::ApiError;

#[derive(rust_embed::Embed)]
#[folder = "web/"]
#[exclude = "*.md"]
#[exclude = "vendor/README*"]
struct Assets;

/// Where versioned assets live; `index.html` names them as `/v/<build>/<path>`.
const VERSIONED: &str = "/v/";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/v/{build}/{path:.*}", web::get().to(versioned))
        .route("/v/{build}/{path:.*}", web::head().to(versioned));
}

/// The address people open the web player at, for links made to be sent elsewhere (shares,
/// invites, password resets): `server.public_url` when set, else the address this request came
/// to (behind a proxy, the one its Forwarded / X-Forwarded-Host and -Proto name).
pub fn public_base(public_url: &str, scheme: &str, host: &str) -> String {
    if public_url.is_empty() {
        format!("{scheme}://{host}")
    } else {
        public_url.trim_end_matches('/').to_owned()
    }
}

/// [`public_base`] for a request.
pub fn public_base_of(req: &HttpRequest, public_url: &str) -> String {
    let info = req.connection_info();
    public_base(public_url, info.scheme(), info.host())
}

/// A digest of every embedded file: changes whenever any asset does.
fn build_id() -> String {
    // In release builds the files are fixed at compile time, so the digest is taken once.
    static RELEASE: LazyLock<String> = LazyLock::new(digest_all);
    if cfg!(debug_assertions) {
        digest_all()
    } else {
        RELEASE.clone()
    }
}

fn digest_all() -> String {
    let mut names: Vec<_> = Assets::iter().collect();
    names.sort();
    let mut hasher = Sha256::new();
    for name in names {
        if let Some(file) = Assets::get(&name) {
            hasher.update(name.as_bytes());
            hasher.update(file.metadata.sha256_hash());
        }
    }
    hex::encode(&hasher.finalize()[..6])
}

async fn versioned(req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let (build, path) = path.into_inner();
    // An old page may still ask for an old build's files: it gets today's, uncached.
    let cache = if build == build_id() {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    match Assets::get(&path) {
        Some(file) if path != "index.html" => serve(&req, &path, file, cache),
        _ => plain_not_found(),
    }
}

/// Everything no route claimed: the API's JSON 404 under `/api` and `/rest`, a web asset at
/// the top level (the manifest, icons), else the player's page, whose router takes the path.
pub async fn fallback(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    let is_api = ["/api/", "/rest/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
        || path == "/api"
        || path == "/rest";
    if is_api || !(req.method() == Method::GET || req.method() == Method::HEAD) {
        return Err(ApiError::NoRoute);
    }
    let name = path.trim_start_matches('/');
    if !name.is_empty() && name != "index.html" {
        if let Some(file) = Assets::get(name) {
            return Ok(serve(&req, name, file, REVALIDATE));
        }
        // A missing file is not a page: answering it with HTML would hide the mistake.
        if name
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'))
        {
            return Ok(plain_not_found());
        }
    }
    Ok(index())
}

fn plain_not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::CACHE_CONTROL, REVALIDATE))
        .content_type("text/plain; charset=utf-8")
        .body("not found")
}

/// `index.html` with the build's asset prefix filled in, and a content security policy that
/// allows its one inline script (the import map) by digest and nothing else inline.
fn index() -> HttpResponse {
    // In release builds the page never changes: rendered once.
    static RELEASE: LazyLock<Option<(String, String)>> = LazyLock::new(render_page);
    let rendered = if cfg!(debug_assertions) {
        render_page()
    } else {
        RELEASE.clone()
    };
    let Some((html, csp)) = rendered else {
        return plain_not_found();
    };
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, REVALIDATE))
        .insert_header((header::CONTENT_SECURITY_POLICY, csp))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"));
    // Small: the compression middleware handles it. (For HEAD, actix drops the body.)
    response.body(html)
}

/// The page and its policy. Every module is announced with `modulepreload`, so the browser
/// fetches them all at once instead of discovering each import one level at a time.
fn render_page() -> Option<(String, String)> {
    let file = Assets::get("index.html")?;
    let prefix = format!("{VERSIONED}{}", build_id());
    let mut modules: Vec<_> = Assets::iter()
        .filter(|name| name.ends_with(".js"))
        .collect();
    modules.sort();
    let preloads: String = modules
        .iter()
        .map(|name| format!("<link rel=\"modulepreload\" href=\"{prefix}/{name}\">\n"))
        .collect();
    let html = String::from_utf8_lossy(&file.data)
        .replace("__ASSETS__", &prefix)
        .replacen("</head>", &format!("{preloads}</head>"), 1);
    let csp = content_security_policy(&html);
    Some((html, csp))
}

/// Scripts, styles, images and connections come from Juke only. Media may also come from any
/// http(s) address: internet radio streams are played from their stations' own servers, and
/// audio cannot run code.
fn content_security_policy(html: &str) -> String {
    let inline: Vec<String> = inline_scripts(html)
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' {}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; media-src 'self' blob: http: https:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        inline.join(" ")
    )
}

/// The bodies of the page's inline `<script>` elements.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, body) = rest.split_once('>')?;
        if attributes.contains("src=") {
            return None;
        }
        Some(body.split_once("</script>")?.0)
    })
}

/// One asset: compressed when the client accepts it and it helps, conditional on its digest
/// (one ETag per encoding, as each is a different body).
fn serve(
    req: &HttpRequest,
    path: &str,
    file: rust_embed::EmbeddedFile,
    cache: &'static str,
) -> HttpResponse {
    let mime = content_type(path, &file);
    let (encoding, body) = match compressible(&mime).then(|| encodings(req)).flatten() {
        Some(wanted) => {
            let compressed = compressed(path, &file);
            match wanted {
                Encoding::Brotli => ("br", compressed.brotli.clone()),
                Encoding::Gzip => ("gzip", compressed.gzip.clone()),
            }
        }
        None => ("identity", None),
    };
    // Said outright even for identity, so the compression middleware leaves the body alone.
    let (encoding, body) = match body {
        Some(body) => (encoding, body),
        None => ("identity", bytes::Bytes::from(file.data.into_owned())),
    };
    let etag = format!(
        "\"{}-{encoding}\"",
        hex::encode(&file.metadata.sha256_hash()[..12])
    );
    let mut response = HttpResponse::build(StatusCode::OK);
    response
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, etag.clone()))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    if not_modified {
        return response.status(StatusCode::NOT_MODIFIED).finish();
    }
    // A HEAD gets the same headers; actix drops the body itself and keeps its length.
    response
        .insert_header((header::CONTENT_TYPE, mime))
        .insert_header((header::CONTENT_ENCODING, HeaderValue::from_static(encoding)))
        .body(body)
}

fn content_type(path: &str, file: &rust_embed::EmbeddedFile) -> String {
    let mime = file.metadata.mimetype();
    if path.ends_with(".webmanifest") {
        "application/manifest+json".into()
    } else if mime.starts_with("text/") || mime == "application/javascript" {
        // mime_guess names no charset; the files are UTF-8.
        format!("{mime}; charset=utf-8")
    } else {
        mime.into()
    }
}

fn compressible(mime: &str) -> bool {
    mime.starts_with("text/")
        || mime.starts_with("application/javascript")
        || mime.starts_with("application/json")
        || mime.starts_with("application/manifest+json")
        || mime.starts_with("image/svg+xml")
}

enum Encoding {
    Brotli,
    Gzip,
}

/// The best encoding the client accepts (brotli before gzip), by `Accept-Encoding`.
fn encodings(req: &HttpRequest) -> Option<Encoding> {
    let accepted = req.headers().get(header::ACCEPT_ENCODING)?.to_str().ok()?;
    let accepts = |name: &str| {
        accepted.split(',').any(|part| {
            let mut pieces = part.split(';');
            let coding = pieces.next().unwrap_or("").trim();
            let refused = pieces.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
            });
            coding.eq_ignore_ascii_case(name) && !refused
        })
    };
    if accepts("br") {
        Some(Encoding::Brotli)
    } else if accepts("gzip") {
        Some(Encoding::Gzip)
    } else {
        None
    }
}

/// A file's compressed forms; `None` where compressing does not make it smaller.
struct Compressed {
    digest: [u8; 32],
    brotli: Option<bytes::Bytes>,
    gzip: Option<bytes::Bytes>,
}

fn compressed(path: &str, file: &rust_embed::EmbeddedFile) -> Arc<Compressed> {
    static CACHE: LazyLock<RwLock<HashMap<String, Arc<Compressed>>>> =
        LazyLock::new(Default::default);
    let digest = file.metadata.sha256_hash();
    if let Ok(cache) = CACHE.read()
        && let Some(hit) = cache.get(path)
        && hit.digest == digest
    {
        return hit.clone();
    }
    let data = &file.data;
    let smaller = |body: Vec<u8>| (body.len() < data.len()).then(|| bytes::Bytes::from(body));
    let mut brotli_body = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    let brotli = brotli::BrotliCompress(&mut &data[..], &mut brotli_body, &params)
        .ok()
        .and_then(|_| smaller(brotli_body));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let gzip = gz
        .write_all(data)
        .and_then(|()| gz.finish())
        .ok()
        .and_then(smaller);
    let entry = Arc::new(Compressed {
        digest,
        brotli,
        gzip,
    });
    if let Ok(mut cache) = CACHE.write() {
        cache.insert(path.to_owned(), entry.clone());
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_exactly_the_inline_scripts() {
        let html = r#"<script type="importmap">{"a":1}</script><script type="module" src="/x.js"></script>"#;
        let scripts: Vec<_> = inline_scripts(html).collect();
        assert_eq!(scripts, vec![r#"{"a":1}"#]);
        let csp = content_security_policy(html);
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"{\"a\":1}"));
        assert!(csp.contains(&format!("'sha256-{digest}'")), "{csp}");
        assert!(!csp.contains("unsafe-eval"));
    }

    #[test]
    fn the_page_and_its_modules_are_embedded() {
        let page = Assets::get("index.html").expect("index.html");
        let html = String::from_utf8_lossy(&page.data);
        assert!(
            html.contains("__ASSETS__/"),
            "the page names its assets by the prefix"
        );
        for required in ["js/main.js", "app.css", "manifest.webmanifest"] {
            assert!(Assets::get(required).is_some(), "{required} missing");
        }
    }
}
