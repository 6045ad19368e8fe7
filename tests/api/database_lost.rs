//! What a clumsy household does to a running server's files: the SQLite file deleted (every
//! request fails loudly rather than writing into a file that vanishes), a restart on the empty
//! database that results (refused unless `--fresh`), and the search index's folder removed
//! (rebuilt in the background).

use std::time::Duration;

use juke::storage::NewTrack;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::app::{TestApp, error_of};
use crate::helpers::{TestDb, album, artist, juke_command, spawn_juke, spawn_juke_in};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_file_deleted_under_the_server_fails_every_request_loudly() {
    let db = TestDb::sqlite().await;
    let file = std::path::PathBuf::from(db.url.trim_start_matches("sqlite://"));
    let app = TestApp::spawn(db).await;
    let ann = app.register("ann").await;
    let made = app
        .post(
            "/api/v1/playlists",
            Some(&ann.token),
            json!({"name": "Before"}),
        )
        .await;
    assert_eq!(made.status(), StatusCode::CREATED);

    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    let (status, code, body) = error_of(
        app.post(
            "/api/v1/playlists",
            Some(&ann.token),
            json!({"name": "Lost"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable"),
        "{body}"
    );
    let login = app.login_raw("ann", "correct horse").await;
    assert_eq!(login.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        !file.exists(),
        "no new empty database was made in its place"
    );
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_database_beside_an_old_instance_is_refused_unless_fresh() {
    let first = spawn_juke(&[]);
    let client = reqwest::Client::new();
    let registered = client
        .post(first.url("/api/v1/auth/register"))
        .json(&json!({"username": "owner", "email": "owner@example.test",
                      "password": "correct horse",
                      "setup_code": crate::helpers::SETUP_CODE}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let data = first.dir.path().join("data");
    for _ in 0..100 {
        if data.join("instance").exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        data.join("instance").exists(),
        "the folder remembers its database"
    );
    let dir = first.stop_keeping_dir();

    // The database goes; the folder with its secrets stays.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(data.join(format!("juke.db{suffix}")));
    }
    let refused = juke_command(dir.path(), &[]).arg("serve").output().unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(stderr.contains("--fresh"), "{stderr}");
    assert!(stderr.contains("restore"), "{stderr}");

    // Told to, it starts over: the first to register is the admin of the new database.
    let fresh = spawn_juke_in(dir, &[], &["serve", "--fresh"]);
    let registered: Value = client
        .post(fresh.url("/api/v1/auth/register"))
        .json(&json!({"username": "newcomer", "email": "new@example.test",
                      "password": "correct horse",
                      "setup_code": crate::helpers::SETUP_CODE}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(registered["user"]["is_admin"], true, "{registered}");
    assert_eq!(fresh.stop(), Some(0));
}

async fn search_finds(app: &TestApp, token: &str, text: &str, kind: &str) -> bool {
    let found: Value = app
        .client
        .get(app.url("/api/v1/search"))
        .query(&[("q", text)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    found[kind].as_array().is_some_and(|hits| !hits.is_empty())
}

async fn a_removed_search_index_is_rebuilt_in_the_background(db: TestDb) {
    let band = artist(&db.storage, "Aurora Borealis").await;
    let record = album(&db.storage, band.id, "Northern Lights").await;
    let mut song = NewTrack::new("Polar Song", band.id);
    song.album_id = Some(record.id);
    db.storage.create_track(&song).await.unwrap();
    let app = TestApp::spawn(db).await;
    let admin = app.register("admin").await;
    let mut ready = false;
    for _ in 0..100 {
        if search_finds(&app, &admin.token, "polar", "tracks").await {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the index was built at start");

    let index = app.data_dir.path().join("data/index");
    std::fs::remove_dir_all(&index).unwrap();
    let renamed = app
        .patch(
            &format!("/api/v1/albums/{}", record.id),
            &admin.token,
            json!({"title": "Southern Lights"}),
        )
        .await;
    assert_eq!(
        renamed.status(),
        StatusCode::OK,
        "writes go on without the index"
    );
    let mut rebuilt = false;
    for _ in 0..200 {
        if search_finds(&app, &admin.token, "southern", "albums").await
            && search_finds(&app, &admin.token, "polar", "tracks").await
        {
            rebuilt = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        rebuilt,
        "the index was made again, with the edit and what it had before"
    );
    assert!(index.join("meta.json").exists());
    app.finish().await;
}

mod a_removed_search_index {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let db = crate::helpers::TestDb::sqlite().await;
        super::a_removed_search_index_is_rebuilt_in_the_background(db).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let db = crate::helpers::TestDb::postgres().await;
        super::a_removed_search_index_is_rebuilt_in_the_background(db).await;
    }
}
