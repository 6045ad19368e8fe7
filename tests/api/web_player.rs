//! The embedded web player: how its files are served (SPA fallback, versioned immutable assets,
//! compression, the content security policy), the session cookie that lets `<img>` and
//! `<audio>` use stable URLs, and the end-to-end run in a real Chromium against the real binary
//! (`tests/e2e/player.test.mjs`, driven by playwright-core).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::header::HeaderName;
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    COOKIE, ETAG, IF_NONE_MATCH, SET_COOKIE,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::TestApp;
use crate::audio::{self, Audio};
use crate::helpers::{self, TestDb, spawn_juke};
use crate::http_on_both_engines;

/// GET `url` with these request headers.
async fn get(
    app: &TestApp,
    url: impl reqwest::IntoUrl,
    headers: &[(HeaderName, &str)],
) -> reqwest::Response {
    let mut request = app.client.get(url);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    request.send().await.expect("request sent")
}

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("web")
}

/// Every module of the player, as paths relative to `web/`.
fn modules_on_disk() -> Vec<String> {
    walkdir::WalkDir::new(web_dir())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "js"))
        .map(|e| {
            let relative = e.path().strip_prefix(web_dir()).unwrap();
            relative.to_string_lossy().replace('\\', "/")
        })
        .collect()
}

/// The versioned prefix the page names its assets by (`/v/<build>`).
fn asset_prefix(html: &str) -> String {
    let start = html.find("/v/").expect("the page names versioned assets");
    let rest = &html[start..];
    let end = rest[3..].find('/').expect("a build id") + 3;
    rest[..end].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_answers_every_client_route_and_never_an_api_one() {
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let mut prefixes = Vec::new();
    for path in [
        "/",
        "/library/albums",
        "/albums/anything",
        "/search?q=x",
        "/index.html",
    ] {
        let response = get(&app, app.url(path), &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers().clone();
        assert_eq!(headers[CONTENT_TYPE], "text/html; charset=utf-8", "{path}");
        assert_eq!(
            headers[CACHE_CONTROL], "no-cache",
            "{path}: the page is never cached"
        );
        let csp = headers[CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("'sha256-"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-eval"), "{csp}");
        let html = response.text().await.unwrap();
        assert!(!html.contains("__ASSETS__"), "the prefix is filled in");
        assert!(html.contains(r#"<script type="importmap">"#));
        let prefix = asset_prefix(&html);
        for module in modules_on_disk() {
            assert!(
                html.contains(&format!(
                    r#"<link rel="modulepreload" href="{prefix}/{module}">"#
                )),
                "{module} is preloaded"
            );
        }
        prefixes.push(prefix);
    }
    prefixes.dedup();
    assert_eq!(prefixes.len(), 1, "one build, one prefix: {prefixes:?}");

    let head = app.client.head(app.url("/playlists")).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert!(head.bytes().await.unwrap().is_empty());
    let script = app
        .client
        .head(app.url(&format!("{}/js/main.js", prefixes[0])))
        .header(ACCEPT_ENCODING, "identity")
        .send()
        .await
        .unwrap();
    let on_disk = std::fs::metadata(web_dir().join("js/main.js"))
        .unwrap()
        .len();
    assert_eq!(
        script.headers()[reqwest::header::CONTENT_LENGTH],
        on_disk.to_string().as_str(),
        "HEAD tells the length GET sends"
    );

    // API paths, other methods and missing files are not pages.
    for (method, path) in [
        (Method::GET, "/api/v1/nothing-here"),
        (Method::GET, "/api"),
        (Method::GET, "/rest"),
        (Method::POST, "/library"),
        (Method::DELETE, "/"),
    ] {
        let response = app.send(method.clone(), path, None, None).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{method} {path}");
    }
    for path in [
        "/missing.js",
        "/icons/nope.png",
        "/v/abc/js/missing.js",
        "/v/abc/index.html",
    ] {
        let response = get(&app, app.url(path), &[]).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/plain"),
            "{path}: a missing file is not answered with the page"
        );
    }
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_versioned_immutable_compressed_and_revalidated() {
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let html = get(&app, app.url("/"), &[]).await;
    let prefix = asset_prefix(&html.text().await.unwrap());
    let on_disk = std::fs::read(web_dir().join("js/player.js")).unwrap();

    let url = app.url(&format!("{prefix}/js/player.js"));
    let plain = get(&app, &url, &[(ACCEPT_ENCODING, "identity")]).await;
    assert_eq!(plain.status(), StatusCode::OK);
    let headers = plain.headers().clone();
    assert_eq!(
        headers[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(headers[CONTENT_TYPE], "text/javascript; charset=utf-8");
    assert_eq!(plain.bytes().await.unwrap(), on_disk, "served as written");

    // Brotli, else gzip; each decodes to the file.
    let br = get(&app, &url, &[(ACCEPT_ENCODING, "gzip, deflate, br")]).await;
    assert_eq!(br.headers()[CONTENT_ENCODING], "br");
    let compressed = br.bytes().await.unwrap();
    assert!(compressed.len() * 2 < on_disk.len(), "brotli pays");
    let mut decoded = Vec::new();
    brotli::Decompressor::new(&compressed[..], 4096)
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(decoded, on_disk);
    let gz = get(&app, &url, &[(ACCEPT_ENCODING, "gzip, br;q=0")]).await;
    assert_eq!(gz.headers()[CONTENT_ENCODING], "gzip");
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&gz.bytes().await.unwrap()[..])
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(decoded, on_disk);

    // Conditional requests.
    let etag = headers[ETAG].to_str().unwrap().to_owned();
    let again = get(&app, &url, &[(IF_NONE_MATCH, &etag)]).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // Each encoding is its own body, with its own tag.
    let compressed_tag = get(
        &app,
        &url,
        &[(ACCEPT_ENCODING, "br"), (IF_NONE_MATCH, &etag)],
    )
    .await;
    assert_eq!(compressed_tag.status(), StatusCode::OK);
    assert_ne!(compressed_tag.headers()[ETAG].to_str().unwrap(), etag);

    // Another build's URL still works, but is not cached for long.
    let stale = get(&app, app.url("/v/000000000000/js/player.js"), &[]).await;
    assert_eq!(stale.status(), StatusCode::OK);
    assert_eq!(stale.headers()[CACHE_CONTROL], "no-cache");

    // PNGs are sent as they are.
    let icon = get(
        &app,
        app.url(&format!("{prefix}/icons/icon-192.png")),
        &[(ACCEPT_ENCODING, "br, gzip")],
    )
    .await;
    assert_eq!(icon.headers()[CONTENT_TYPE], "image/png");
    assert_eq!(icon.headers()[CONTENT_ENCODING], "identity");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manifest_makes_it_installable() {
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let response = get(&app, app.url("/manifest.webmanifest"), &[]).await;
    assert_eq!(
        response.headers()[CONTENT_TYPE],
        "application/manifest+json"
    );
    let manifest: Value = response.json().await.unwrap();
    assert_eq!(manifest["name"], "Juke");
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["start_url"], "/");
    let icons = manifest["icons"].as_array().unwrap();
    for size in ["192x192", "512x512"] {
        assert!(icons.iter().any(|i| i["sizes"] == size), "{size} icon");
    }
    for icon in icons {
        let src = icon["src"].as_str().unwrap();
        let got = get(&app, app.url(src), &[]).await;
        assert_eq!(got.status(), StatusCode::OK, "{src}");
        assert_eq!(got.headers()[CONTENT_TYPE], icon["type"].as_str().unwrap());
        if let Some((w, _)) = icon["sizes"].as_str().unwrap().split_once('x') {
            let bytes = got.bytes().await.unwrap();
            let image = image::load_from_memory(&bytes).unwrap();
            assert_eq!(image.width().to_string(), w, "{src} is the size it says");
        }
    }
    app.finish().await;
}

fn session_cookie(response: &reqwest::Response) -> String {
    let cookie = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("juke_session="))
        .expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/", "Max-Age="] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    cookie.split(';').next().unwrap().to_owned()
}

/// The web player's cookie opens media URLs (and nothing else), ends with the session, and is
/// removed on logout.
async fn the_session_cookie_opens_media_only(app: &TestApp) {
    let response = app
        .register_raw("cookie", "cookie@example.test", "correct horse")
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = session_cookie(&response);
    let body: Value = response.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    let artist = helpers::artist(&app.storage, "Cookie Monsters").await;
    let album = helpers::album(&app.storage, artist.id, "Crumbs").await;
    let cover = app.url(&format!("/api/v1/albums/{}/cover?size=128", album.id));

    let anonymous = get(app, &cover, &[]).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let with_cookie = get(app, &cover, &[(COOKIE, &cookie)]).await;
    assert_eq!(with_cookie.status(), StatusCode::OK);
    let image = get(
        app,
        app.url(&format!("/api/v1/artists/{}/image", artist.id)),
        &[(COOKIE, &cookie)],
    )
    .await;
    assert_eq!(image.status(), StatusCode::OK);
    // Not a bearer token: the JSON API ignores it (no cross-site request can act with it).
    let me = get(app, app.url("/api/v1/me"), &[(COOKIE, &cookie)]).await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);

    let login = app.login_raw("cookie", "correct horse").await;
    assert_eq!(login.status(), StatusCode::OK);
    let second = session_cookie(&login);
    assert_ne!(second, cookie, "each session its own cookie");

    let logout = app
        .send(Method::POST, "/api/v1/auth/logout", Some(&token), None)
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let removal = logout
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("juke_session="))
        .expect("logout removes the cookie");
    assert!(removal.contains("Max-Age=0"), "{removal}");
    let revoked = get(app, &cover, &[(COOKIE, &cookie)]).await;
    assert_eq!(
        revoked.status(),
        StatusCode::UNAUTHORIZED,
        "a logged-out session's cookie opens nothing"
    );
    let other = get(app, &cover, &[(COOKIE, &second)]).await;
    assert_eq!(other.status(), StatusCode::OK, "the other session lives on");
}

http_on_both_engines!(the_session_cookie_opens_media_only);

/// Something the e2e run needs is missing: say what and how to get it, then fail.
fn require(ok: bool, what: &str) {
    assert!(
        ok,
        "{what}. `scripts/test` installs Debian's chromium and runs `npm ci` in tests/e2e."
    );
}

#[test]
fn the_web_player_works_end_to_end_in_chromium() {
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    require(Path::new(&chromium).exists(), "Chromium is not installed");
    require(
        Command::new("node").arg("--version").output().is_ok(),
        "Node.js is not installed",
    );
    require(
        e2e.join("node_modules/playwright-core").exists(),
        "playwright-core is not installed in tests/e2e",
    );

    // A small library: one album of three tracks (a long one to seek in, two short ones to hear
    // to the end), and another album.
    let music = tempfile::tempdir().unwrap();
    let tags = |title: &'static str, artist: &'static str, album: &'static str, n: &'static str| {
        vec![
            ("title", title),
            ("artist", artist),
            ("album_artist", artist),
            ("album", album),
            ("track", n),
            ("genre", "Folk"),
            ("date", "2024"),
        ]
    };
    make_noise_mp3(
        &music.path().join("Testers/Morning Light/01 Sunrise.mp3"),
        300,
        &tags("Sunrise", "The Testers", "Morning Light", "1"),
    );
    for (file, title, n, seconds) in [
        ("02 Daybreak.flac", "Daybreak", "2", 8.0),
        ("03 Noon.flac", "Noon", "3", 8.0),
    ] {
        audio::make(
            music.path(),
            &Audio {
                path: &format!("Testers/Morning Light/{file}"),
                seconds,
                codec: &["-c:a", "flac"],
                tags: &tags(title, "The Testers", "Morning Light", n),
            },
        );
    }
    for (n, title) in [("1", "Headlights"), ("2", "Exit Ramp")] {
        audio::make(
            music.path(),
            &Audio {
                path: &format!("Other Band/Night Drive/0{n} {title}.flac"),
                seconds: 4.0,
                codec: &["-c:a", "flac"],
                tags: &tags(title, "Other Band", "Night Drive", n),
            },
        );
    }
    let incoming = tempfile::tempdir().unwrap();
    let upload_one = audio::make(
        incoming.path(),
        &Audio {
            path: "Upload One.mp3",
            seconds: 3.0,
            codec: &["-c:a", "libmp3lame", "-b:a", "128k"],
            tags: &[("title", "Upload One"), ("artist", "Uploader")],
        },
    );
    let upload_two = audio::make(
        incoming.path(),
        &Audio {
            path: "Upload Two.flac",
            seconds: 3.0,
            codec: &["-c:a", "flac"],
            tags: &[("title", "Upload Two"), ("artist", "Uploader")],
        },
    );

    let folders = format!(r#"["{}"]"#, music.path().display());
    let server = spawn_juke(&[("JUKE_LIBRARY__FOLDERS", folders.as_str())]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let password = "correct horse battery";
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let registered = client
            .post(server.url("/api/v1/auth/register"))
            .json(&json!({"username": "dana", "email": "dana@example.test", "password": password, "setup_code": crate::helpers::SETUP_CODE}))
            .send()
            .await
            .unwrap();
        assert_eq!(registered.status(), StatusCode::CREATED);
        let token = registered.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        // The start-up scan: wait until all five tracks are in.
        let started = Instant::now();
        loop {
            let tracks: Value = client
                .get(server.url("/api/v1/tracks?limit=50"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if tracks["items"].as_array().map(Vec::len) == Some(5) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the library was not scanned: {}",
                server.logs()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });

    let screenshots = std::env::var("E2E_SCREENSHOTS").map_or_else(
        |_| Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots"),
        PathBuf::from,
    );
    let uploads = format!("{}:{}", upload_one.display(), upload_two.display());
    let output = Command::new("node")
        .arg("player.test.mjs")
        .current_dir(&e2e)
        .env("JUKE_URL", server.url(""))
        .env("JUKE_USER", "dana")
        .env("JUKE_PASSWORD", password)
        .env("UPLOAD_FILES", &uploads)
        .env("SCREENSHOTS", &screenshots)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the web player's end-to-end run failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}\n--- server\n{}",
        server.logs()
    );
    assert!(stdout.contains("all web player steps passed"), "{stdout}");
    println!("screenshots in {}", screenshots.display());
}

/// A long MP3 of pink noise (incompressible, so the file is large enough that a seek near its
/// end must fetch a new byte range).
fn make_noise_mp3(out: &Path, seconds: u32, tags: &[(&str, &str)]) {
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let mut command = Command::new("ffmpeg");
    command.args(["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i"]);
    command.arg(format!("anoisesrc=d={seconds}:c=pink:r=44100:a=0.2"));
    command.args(["-ac", "2", "-c:a", "libmp3lame", "-b:a", "192k"]);
    for (key, value) in tags {
        command.arg("-metadata").arg(format!("{key}={value}"));
    }
    let made = command.arg(out).output().expect("ffmpeg is needed");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
}

/// A family's first weeks on a fresh server, in Chromium: the admin made from the first
/// screen, no sign-up offered while registration is closed, an invite used once, a reset link
/// used once, a password set by the admin (tests/e2e/family.test.mjs).
#[test]
fn a_family_joins_and_gets_back_in_in_chromium() {
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    require(Path::new(&chromium).exists(), "Chromium is not installed");
    require(
        e2e.join("node_modules/playwright-core").exists(),
        "playwright-core is not installed in tests/e2e",
    );
    let server = spawn_juke(&[("JUKE_AUTH__REGISTRATION", "closed")]);
    let screenshots = std::env::var("E2E_SCREENSHOTS").map_or_else(
        |_| Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots"),
        PathBuf::from,
    );
    let output = Command::new("node")
        .arg("family.test.mjs")
        .current_dir(&e2e)
        .env("JUKE_URL", server.url(""))
        .env("SETUP_CODE", crate::helpers::SETUP_CODE)
        .env("SCREENSHOTS", &screenshots)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the family end-to-end run failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}\n--- server\n{}",
        server.logs()
    );
    assert!(stdout.contains("all family steps passed"), "{stdout}");
}
