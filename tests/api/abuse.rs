//! Abuse and defaults (issue 18): private files, quiet logs for client mistakes, API headers,
//! dates before 1970, unknown query parameters and oversize bodies answered in each API's
//! own format.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use juke::storage::NewTrack;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::app::{TestApp, error_of};
use crate::helpers::{album, artist, spawn_juke};
use crate::http_on_both_engines;

/// Every file under `dir` is 0600 and every folder 0700, whatever the umask of the shell.
fn assert_private(dir: &Path, seen: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        let name = path.display().to_string();
        if meta.is_dir() {
            assert_eq!(mode, 0o700, "{name} is a folder of mode {mode:o}");
            assert_private(&path, seen);
        } else {
            assert_eq!(mode & 0o077, 0, "{name} is a file of mode {mode:o}");
        }
        seen.push(name);
    }
}

#[tokio::test]
async fn everything_in_the_data_folder_is_private() {
    let juke = spawn_juke(&[("JUKE_SEARCH__ENGINE", "tantivy")]);
    let client = reqwest::Client::new();
    let registered = client
        .post(juke.url("/api/v1/auth/register"))
        .json(&json!({"username": "ann", "email": "ann@example.test",
                      "password": "correct horse", "setup_code": crate::helpers::SETUP_CODE}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let token = registered.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let searched = client
        .get(juke.url("/api/v1/search?q=anything"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(searched.status(), StatusCode::OK);
    let data = juke.dir.path().join("data");
    let mut seen = Vec::new();
    assert_private(&data, &mut seen);
    for expected in ["juke.db", "juke.db-wal", "juke.db-shm", "index"] {
        assert!(
            seen.iter()
                .any(|name| name.ends_with(&format!("/{expected}"))),
            "{expected} was checked: {seen:?}"
        );
    }
    assert_eq!(juke.stop(), Some(0));
}

#[tokio::test]
async fn client_errors_are_not_warnings() {
    let juke = spawn_juke(&[("RUST_LOG", "info")]);
    let client = reqwest::Client::new();
    for path in [
        "/api/v1/me",
        "/api/v1/nothing-here",
        "/api/v1/tracks?limit=0",
    ] {
        let response = client.get(juke.url(path)).send().await.unwrap();
        assert!(response.status().is_client_error(), "{path}");
    }
    let refused = client
        .post(juke.url("/api/v1/auth/login"))
        .json(&json!({"username": "nobody", "password": "wrong password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    // The last request is answered: its span (and any event in it) is written by now.
    let healthy = client.get(juke.url("/healthz")).send().await.unwrap();
    assert_eq!(healthy.status(), StatusCode::OK);
    let logs = juke.logs();
    assert!(logs.contains("listening on"), "{logs}");
    assert!(
        !logs.contains("WARN") && !logs.contains("ERROR"),
        "a client's mistake is logged at debug, not as a warning:\n{logs}"
    );
    assert_eq!(juke.stop(), Some(0));
}

async fn api_answers_are_not_cached_or_sniffed(app: &TestApp) {
    let ann = app.register("ann").await;
    let band = artist(&app.storage, "Band").await;
    let record = album(&app.storage, band.id, "Record").await;
    for path in [
        "/api/v1/tracks".to_owned(),
        "/api/v1/me".to_owned(),
        format!("/api/v1/albums/{}", record.id),
        "/api/v1/nothing-here".to_owned(),
    ] {
        let response = app.get(&path, &ann.token).await;
        let headers = response.headers();
        assert_eq!(headers["cache-control"], "no-store", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    }
    // Art keeps its own caching.
    let cover = app
        .get(&format!("/api/v1/albums/{}/cover", record.id), &ann.token)
        .await;
    assert_eq!(cover.status(), StatusCode::OK);
    assert_ne!(cover.headers()["cache-control"], "no-store");
    assert!(
        cover.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/")
    );
}

async fn plays_before_1970_are_refused(app: &TestApp) {
    let ann = app.register("ann").await;
    let band = artist(&app.storage, "Band").await;
    let mut new = NewTrack::new("Song", band.id);
    new.duration_seconds = 200;
    let track = app.storage.create_track(&new).await.unwrap();
    for played_at in ["1969-12-31T23:59:59Z", "1900-01-01T00:00:00Z"] {
        let response = app
            .post(
                "/api/v1/plays",
                Some(&ann.token),
                json!({"track_id": track.id, "duration_played": 100, "played_at": played_at}),
            )
            .await;
        let (status, code, body) = error_of(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{played_at}: {body}");
        assert_eq!(code, "date_before_1970");
    }
    let epoch = app
        .post(
            "/api/v1/plays",
            Some(&ann.token),
            json!({"track_id": track.id, "duration_played": 100,
                   "played_at": "1970-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(epoch.status(), StatusCode::CREATED);

    // Subsonic's scrobble takes milliseconds: a negative time is before 1970.
    let secret: Value = app
        .post(
            "/api/v1/me/app-passwords",
            Some(&ann.token),
            json!({"name": "phone"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let password = secret["password"].as_str().unwrap();
    let id = format!("tr-{}", track.id);
    let scrobble = |time: &'static str| {
        app.client
            .get(app.url("/rest/scrobble"))
            .query(&[
                ("u", "ann"),
                ("p", password),
                ("v", "1.16.1"),
                ("c", "tests"),
                ("f", "json"),
                ("id", id.as_str()),
                ("time", time),
            ])
            .send()
    };
    let refused: Value = scrobble("-1000").await.unwrap().json().await.unwrap();
    let refused = &refused["subsonic-response"];
    assert_eq!(refused["status"], "failed", "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("1970"),
        "{refused}"
    );
    let ok: Value = scrobble("1000").await.unwrap().json().await.unwrap();
    assert_eq!(ok["subsonic-response"]["status"], "ok", "{ok}");
    assert_eq!(app.storage.track(track.id).await.unwrap().play_count, 2);
}

async fn every_list_refuses_unknown_parameters(app: &TestApp) {
    let admin = app.register("admin").await;
    let band = artist(&app.storage, "Band").await;
    let track = app
        .storage
        .create_track(&NewTrack::new("Song", band.id))
        .await
        .unwrap();
    let lists = [
        "/api/v1/tracks".to_owned(),
        "/api/v1/albums".to_owned(),
        "/api/v1/artists".to_owned(),
        "/api/v1/genres".to_owned(),
        "/api/v1/playlists".to_owned(),
        "/api/v1/me/history".to_owned(),
        "/api/v1/me/favorites".to_owned(),
        "/api/v1/me/following".to_owned(),
        "/api/v1/me/following/albums".to_owned(),
        "/api/v1/me/sessions".to_owned(),
        "/api/v1/me/app-passwords".to_owned(),
        "/api/v1/uploads".to_owned(),
        "/api/v1/users".to_owned(),
        format!("/api/v1/tracks/{}/comments", track.id),
    ];
    for list in &lists {
        let fine = app.get(&format!("{list}?limit=5"), &admin.token).await;
        let limit_read = !list.ends_with("sessions")
            && !list.ends_with("app-passwords")
            && !list.ends_with("genres");
        if limit_read {
            assert_eq!(fine.status(), StatusCode::OK, "{list}?limit=5");
        }
        let response = app.get(&format!("{list}?limt=5"), &admin.token).await;
        let (status, code, body) = error_of(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{list}: {body}");
        assert_eq!(code, "unknown_parameter", "{list}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("`limt`"),
            "{list}: {body}"
        );
    }
}

async fn oversize_bodies_answer_in_their_apis_format(app: &TestApp) {
    let ann = app.register("ann").await;
    // The playlist import: 413 in the native format, on its declared length (sent by hand,
    // without the body: a client still writing when the server answers sees a broken pipe).
    let answer = app.raw_exchange(&format!(
        "POST /api/v1/playlists/import?name=Big HTTP/1.1\r\nHost: x\r\n\
         Authorization: Bearer {}\r\nContent-Length: 2097152\r\nConnection: close\r\n\r\n",
        ann.token
    ));
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("application/json"), "{answer}");
    assert!(answer.contains(r#""code":"payload_too_large""#), "{answer}");

    // /rest: a Subsonic error document, in the format the query string asks for.
    for (format, expect) in [("json", "application/json"), ("xml", "text/xml")] {
        let answer = app.raw_exchange(&format!(
            "POST /rest/ping?f={format}&u=ann&p=x&v=1.16.1&c=t HTTP/1.1\r\nHost: x\r\n\
             Content-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: 100000\r\nConnection: close\r\n\r\n"
        ));
        assert!(answer.starts_with("HTTP/1.1 200"), "{format}: {answer}");
        assert!(answer.contains(expect), "{format}: {answer}");
        assert!(answer.contains("failed"), "{format}: {answer}");
        assert!(answer.contains("larger than"), "{format}: {answer}");
    }
    // A chunked form (no declared length) over the limit is read, dropped and answered.
    let form = format!("u=ann&p=x&v=1.16.1&c=tests&padding={}", "a".repeat(100_000));
    let answer = app.raw_exchange(&format!(
        "POST /rest/ping?f=json HTTP/1.1\r\nHost: x\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{form}\r\n0\r\n\r\n",
        form.len()
    ));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("failed") && answer.contains("larger than"),
        "{answer}"
    );
}

async fn register_body(username: &str, setup_code: Option<&str>) -> Value {
    let mut body = json!({"username": username, "email": format!("{username}@example.test"),
                          "password": "correct horse"});
    if let Some(code) = setup_code {
        body["setup_code"] = json!(code);
    }
    body
}

async fn server_info(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.url("/api/v1/server"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Until an admin exists, registering takes the setup code; after, the code is spent.
async fn the_first_registration_needs_the_setup_code(app: &TestApp) {
    let info = server_info(app).await;
    assert_eq!(info["needs_admin"], true, "{info}");
    assert_eq!(info["name"], "Juke");
    assert_eq!(info["registration"], "open");
    let file = app.data_dir.path().join("data/setup-code");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap().trim(),
        crate::helpers::SETUP_CODE
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    for (code, expected) in [
        (None, "setup_code_required"),
        (Some(""), "setup_code_required"),
        (Some("test-setup-codE"), "setup_code_wrong"),
        (Some("test-setup-cod"), "setup_code_wrong"),
    ] {
        let response = app
            .post(
                "/api/v1/auth/register",
                None,
                register_body("mallory", code).await,
            )
            .await;
        let (status, got, body) = error_of(response).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{code:?}: {body}");
        assert_eq!(got, expected, "{code:?}");
    }
    assert_eq!(app.storage.count_users().await.unwrap(), 0);
    let admin = app
        .post(
            "/api/v1/auth/register",
            None,
            register_body("ann", Some(crate::helpers::SETUP_CODE)).await,
        )
        .await;
    assert_eq!(admin.status(), StatusCode::CREATED);
    let admin: Value = admin.json().await.unwrap();
    assert_eq!(admin["user"]["is_admin"], true);
    assert_eq!(server_info(app).await["needs_admin"], false);
    assert!(!file.exists(), "the spent code's file is removed");
    // Later accounts (registration is open here) need no code and are not admins.
    let later = app
        .post(
            "/api/v1/auth/register",
            None,
            register_body("bob", None).await,
        )
        .await;
    assert_eq!(later.status(), StatusCode::CREATED);
    let later: Value = later.json().await.unwrap();
    assert_eq!(later["user"]["is_admin"], false);
}

/// With no code configured, one is made at start: in the log, on the console and in the data
/// folder; it works once.
#[tokio::test]
async fn a_generated_setup_code_is_shown_at_start() {
    let juke = spawn_juke(&[("JUKE_AUTH__SETUP_CODE", "")]);
    let file = juke.dir.path().join("data/setup-code");
    let code = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    assert!(code.len() >= 12, "{code}");
    assert_ne!(code, crate::helpers::SETUP_CODE);
    let logs = juke.logs();
    assert!(
        logs.lines().any(|line| line.trim() == code),
        "printed on a line of its own on stderr:\n{logs}"
    );
    assert!(
        logs.lines()
            .any(|line| line.contains("setup_code") && line.contains(&code)),
        "logged:\n{logs}"
    );
    let client = reqwest::Client::new();
    let register = |name: &'static str, code: String| {
        client
            .post(juke.url("/api/v1/auth/register"))
            .json(
                &json!({"username": name, "email": format!("{name}@example.test"),
                          "password": "correct horse", "setup_code": code}),
            )
            .send()
    };
    let wrong = register("mallory", format!("{code}x")).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let admin = register("ann", code.clone()).await.unwrap();
    assert_eq!(admin.status(), StatusCode::CREATED);
    assert!(!file.exists());
    // Registration is closed by default: the spent code opens nothing.
    let again = register("mallory", code).await.unwrap();
    assert_eq!(again.status(), StatusCode::FORBIDDEN);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"]["code"], "registration_closed");
    assert_eq!(juke.stop(), Some(0));
}

/// An import has a cap on its lines, with a clear 413.
async fn an_import_has_a_cap_on_its_lines(app: &TestApp) {
    let ann = app.register("ann").await;
    let lines = juke::playlists::MAX_IMPORT_ENTRIES + 1;
    let body: String = (0..lines).map(|i| format!("/m/{i}.mp3\n")).collect();
    let response = app
        .client
        .post(app.url("/api/v1/playlists/import?name=Big"))
        .bearer_auth(&ann.token)
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, code, body) = error_of(response).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(code, "payload_too_large");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("5000"),
        "{body}"
    );
}

http_on_both_engines!(
    an_import_has_a_cap_on_its_lines,
    the_first_registration_needs_the_setup_code,
    api_answers_are_not_cached_or_sniffed,
    plays_before_1970_are_refused,
    every_list_refuses_unknown_parameters,
    oversize_bodies_answer_in_their_apis_format,
);
