//! Edits made in Juke survive rescans, full ones included; a file retagged since wins for the
//! values it changed. Both engines, real files, real scans over HTTP.

use std::path::Path;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::{Login, TestApp};
use crate::audio::{Audio, make};
use crate::helpers::TestDb;

fn flac(dir: &Path, name: &str, title: &str, album: &str, track: &str) {
    make(
        dir,
        &Audio {
            path: name,
            seconds: 0.5,
            codec: &[],
            tags: &[
                ("title", title),
                ("artist", "The Editors"),
                ("album", album),
                ("track", track),
                ("genre", "Rock"),
            ],
        },
    );
}

/// Runs a scan and returns its summary.
pub(crate) async fn scan(app: &TestApp, admin: &Login, full: bool) -> Value {
    let path = format!("/api/v1/library/scan?full={full}");
    let before: Value = app
        .get("/api/v1/library/scan", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let started = app
        .send(Method::POST, &path, Some(&admin.token), None)
        .await;
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    for _ in 0..300 {
        let status: Value = app
            .get("/api/v1/library/scan", &admin.token)
            .await
            .json()
            .await
            .unwrap();
        if status["running"] == false
            && !status["last"].is_null()
            && status["last"]["finished_at"] != before["last"]["finished_at"]
        {
            return status["last"].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the scan never finished");
}

pub(crate) async fn albums(app: &TestApp, admin: &Login) -> Vec<(String, i64)> {
    let page: Value = app
        .get("/api/v1/albums?limit=100", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["title"].as_str().unwrap().to_owned(),
                a["total_tracks"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

async fn tracks_of(app: &TestApp, admin: &Login, album_id: &str) -> Vec<Value> {
    let page: Value = app
        .get(&format!("/api/v1/albums/{album_id}"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    page["tracks"].as_array().unwrap().clone()
}

async fn edits_survive_rescans(db: TestDb) {
    let music = tempfile::tempdir().unwrap();
    flac(
        music.path(),
        "Editors/Old/01 One.flac",
        "One",
        "Old Title",
        "1",
    );
    flac(
        music.path(),
        "Editors/Old/02 Two.flac",
        "Two",
        "Old Title",
        "2",
    );
    let folder = music.path().to_path_buf();
    let app = TestApp::spawn_tweaked(db, move |c| {
        c.library.folders = vec![folder];
        c.library.scan_on_start = false;
        c.library.watch = false;
    })
    .await;
    let admin = app.register("admin").await;
    let first = scan(&app, &admin, false).await;
    assert_eq!(first["added"], 2, "{first}");
    let page: Value = app
        .get("/api/v1/albums", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let album_id = page["items"][0]["id"].as_str().unwrap().to_owned();

    // Edits in Juke: the album renamed, a track retitled, a genre changed.
    let renamed = app
        .patch(
            &format!("/api/v1/albums/{album_id}"),
            &admin.token,
            json!({"title": "New Title"}),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let tracks = tracks_of(&app, &admin, &album_id).await;
    let one = tracks.iter().find(|t| t["title"] == "One").unwrap();
    let one_id = one["id"].as_str().unwrap().to_owned();
    let edited = app
        .patch(
            &format!("/api/v1/tracks/{one_id}"),
            &admin.token,
            json!({"title": "One (edited)", "genre": "Jazz"}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);

    // A full rescan reads every file again, and changes nothing.
    let full = scan(&app, &admin, true).await;
    assert_eq!(
        (full["updated"].as_i64(), full["unchanged"].as_i64()),
        (Some(0), Some(2)),
        "an unchanged file is reported unchanged: {full}"
    );
    assert_eq!(
        albums(&app, &admin).await,
        vec![("New Title".to_owned(), 2)]
    );
    let tracks = tracks_of(&app, &admin, &album_id).await;
    let one = tracks.iter().find(|t| t["id"] == one_id.as_str()).unwrap();
    assert_eq!(one["title"], "One (edited)", "{one}");
    assert_eq!(one["genre"], "Jazz", "{one}");

    // The file retagged since: the values it changed are the newer edit; the rest stays.
    flac(
        music.path(),
        "Editors/Old/02 Two.flac",
        "Two (remastered)",
        "Old Title",
        "2",
    );
    let again = scan(&app, &admin, true).await;
    assert_eq!(again["updated"], 1, "{again}");
    assert_eq!(
        albums(&app, &admin).await,
        vec![("New Title".to_owned(), 2)]
    );
    let titles: Vec<String> = tracks_of(&app, &admin, &album_id)
        .await
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles, vec!["One (edited)", "Two (remastered)"]);

    // A file moved to another album by its tags goes there.
    flac(
        music.path(),
        "Editors/Old/02 Two.flac",
        "Two (remastered)",
        "Another Album",
        "2",
    );
    scan(&app, &admin, false).await;
    let mut now = albums(&app, &admin).await;
    now.sort();
    assert_eq!(
        now,
        vec![("Another Album".to_owned(), 1), ("New Title".to_owned(), 1)]
    );
    app.finish().await;
}

mod edits_survive_rescans {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::edits_survive_rescans(crate::helpers::TestDb::sqlite().await).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::edits_survive_rescans(crate::helpers::TestDb::postgres().await).await;
    }
}
