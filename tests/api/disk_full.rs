//! A full disk under the database, made real with a small tmpfs. Every write either answers
//! 507 `insufficient_storage` and keeps nothing, or succeeds and is kept: never a success for
//! a row that was rolled back. On both engines (PostgreSQL's database lives in a tablespace on
//! the small disk).

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::app::{TestApp, error_of};
use crate::helpers::{TestDb, artist, track};
use crate::small_disk::SmallDisk;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_writes_on_a_full_disk_are_refused_and_kept_nothing() {
    let Some(disk) = SmallDisk::mount(16, None) else {
        return;
    };
    let db = TestDb::sqlite_in(disk.path()).await;
    let app = TestApp::spawn(db).await;
    let refused = writes_on_a_full_disk(&app, &disk).await;
    // SQLite appends every commit to its WAL, so every write meets the full disk.
    assert_eq!(refused, 5, "every write on SQLite answers 507");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_writes_on_a_full_disk_are_refused_and_kept_nothing() {
    let Some(disk) = SmallDisk::mount(64, Some("postgres")) else {
        return;
    };
    let location = disk.path().join("tablespace");
    std::fs::create_dir(&location).unwrap();
    let chowned = std::process::Command::new("chown")
        .args(["postgres:"])
        .arg(&location)
        .status()
        .unwrap();
    assert!(chowned.success());
    let Some(db) = TestDb::postgres_in(&location).await else {
        return;
    };
    let app = TestApp::spawn(db).await;
    // PostgreSQL extends a table's file when a row needs a new page: an empty table's first
    // row meets the full disk, a row that fits a page already allocated is stored.
    let refused = writes_on_a_full_disk(&app, &disk).await;
    assert!(
        refused >= 1,
        "the first playlist needs a new page and is refused"
    );
    app.finish().await;
}

/// Makes five kinds of write on a full disk, frees it, then checks that what was acknowledged
/// exists and what was refused does not. Returns how many were refused.
async fn writes_on_a_full_disk(app: &TestApp, disk: &SmallDisk) -> usize {
    let alice = app.register("alice").await;
    let band = artist(&app.storage, "Band").await;
    let song = track(&app.storage, band.id, None, 200).await;

    disk.fill();
    assert!(disk.free_bytes() < 64 * 1024, "the small disk is full");
    let playlist = app
        .post(
            "/api/v1/playlists",
            Some(&alice.token),
            json!({"name": "Lost"}),
        )
        .await;
    let login = app.login_raw("alice", "correct horse").await;
    let app_password = app
        .post(
            "/api/v1/me/app-passwords",
            Some(&alice.token),
            json!({"name": "phone"}),
        )
        .await;
    let play = app
        .post(
            "/api/v1/plays",
            Some(&alice.token),
            json!({"track_id": song.id, "duration_played": 180}),
        )
        .await;
    let subsonic = app
        .client
        .get(app.url("/rest/createPlaylist.view"))
        .query(&[
            ("u", "alice"),
            ("p", "correct horse"),
            ("v", "1.16.1"),
            ("c", "test"),
            ("f", "json"),
            ("name", "Lost too"),
        ])
        .send()
        .await
        .unwrap();
    let outcomes = [
        outcome(playlist).await,
        outcome(login).await,
        outcome(app_password).await,
        outcome(play).await,
    ];
    let subsonic: Value = subsonic.json().await.unwrap();
    let subsonic_failed = subsonic["subsonic-response"]["status"] == "failed";
    disk.free();

    // What was acknowledged is there; what was refused is not.
    let playlists = names(app, "/api/v1/playlists", &alice.token).await;
    assert_eq!(
        playlists.contains(&"Lost".to_owned()),
        outcomes[0].is_some(),
        "playlist: {outcomes:?} {playlists:?}"
    );
    assert_eq!(
        playlists.contains(&"Lost too".to_owned()),
        !subsonic_failed,
        "Subsonic playlist: {subsonic} {playlists:?}"
    );
    if let Some(body) = &outcomes[1] {
        let token = body["token"].as_str().unwrap();
        let me = app.get("/api/v1/me", token).await;
        assert_eq!(
            me.status(),
            StatusCode::OK,
            "an acknowledged login's token works"
        );
    }
    let app_passwords = names(app, "/api/v1/me/app-passwords", &alice.token).await;
    assert_eq!(
        app_passwords.contains(&"phone".to_owned()),
        outcomes[2].is_some(),
        "app password: {outcomes:?}"
    );
    let history: Value = app
        .get("/api/v1/me/history", &alice.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        history["items"].as_array().unwrap().len(),
        usize::from(outcomes[3].is_some()),
        "play: {outcomes:?} {history}"
    );

    // With space again, the same write works.
    let kept = app
        .post(
            "/api/v1/playlists",
            Some(&alice.token),
            json!({"name": "Kept"}),
        )
        .await;
    assert_eq!(kept.status(), StatusCode::CREATED);
    assert!(
        names(app, "/api/v1/playlists", &alice.token)
            .await
            .contains(&"Kept".to_owned())
    );
    outcomes.iter().filter(|o| o.is_none()).count() + usize::from(subsonic_failed)
}

/// `Some(body)` for a success; `None` for a 507 `insufficient_storage` (anything else fails).
async fn outcome(response: Response) -> Option<Value> {
    if response.status().is_success() {
        return Some(response.json().await.unwrap());
    }
    let (status, code, body) = error_of(response).await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    assert_eq!(code, "insufficient_storage", "{body}");
    None
}

async fn names(app: &TestApp, path: &str, token: &str) -> Vec<String> {
    let page: Value = app.get(path, token).await.json().await.unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}
