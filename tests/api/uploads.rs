//! Uploads and the library scan over HTTP, on both engines.

use std::path::Path;
use std::time::Duration;

use juke::storage::{Engine, Id, NewUpload, NewUser};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::app::{Login, TestApp, error_of};
use crate::audio::{Audio, make};
use crate::helpers::TestDb;
use crate::http_on_both_engines;

fn flac(dir: &Path, name: &str, title: &str) -> Vec<u8> {
    let path = make(
        dir,
        &Audio {
            path: name,
            seconds: 1.0,
            codec: &[],
            tags: &[
                ("title", title),
                ("artist", "Uploader Band"),
                ("album", "Sent In"),
                ("track", "5"),
            ],
        },
    );
    std::fs::read(path).unwrap()
}

pub(crate) async fn send(
    app: &TestApp,
    who: &Login,
    files: Vec<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let mut form = Form::new();
    for (name, bytes) in files {
        form = form.part("file", Part::bytes(bytes).file_name(name.to_owned()));
    }
    app.client
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(&who.token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Polls an upload until the worker has finished with it.
pub(crate) async fn settled(app: &TestApp, who: &Login, id: &str) -> Value {
    for _ in 0..300 {
        let row: Value = app
            .get(&format!("/api/v1/uploads/{id}"), &who.token)
            .await
            .json()
            .await
            .unwrap();
        if matches!(row["upload_status"].as_str(), Some("completed" | "failed")) {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("upload {id} never settled");
}

async fn uploads_complete_into_the_media_tree(app: &TestApp) {
    let ann = app.register("ann").await;
    let dir = tempfile::tempdir().unwrap();
    let one = flac(dir.path(), "one.flac", "First Upload");
    let junk = b"<html>not audio, whatever the name says</html>".to_vec();
    let truncated = one[..40].to_vec();
    let response = send(
        app,
        &ann,
        vec![
            ("My Song.flac", one.clone()),
            ("fake.mp3", junk),
            ("cut.flac", truncated),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = response.json().await.unwrap();
    let rows = body["uploads"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["original_name"], "My Song.flac");
    assert!(
        rows[0].get("file_path").is_none(),
        "server paths stay private"
    );

    let good = settled(app, &ann, rows[0]["id"].as_str().unwrap()).await;
    assert_eq!(good["upload_status"], "completed", "{good}");
    assert!(good["processed_at"].is_string());
    assert_eq!(good["mime_type"], "audio/flac");
    let track_id: Id = good["track_id"].as_str().unwrap().parse().unwrap();
    let track = app.storage.track(track_id).await.unwrap();
    assert_eq!(track.title, "First Upload");
    assert_eq!(
        track.uploader_id.map(|u| u.to_string()).as_deref(),
        Some(ann.id())
    );
    let stored = track.file_path.unwrap();
    assert!(
        stored.ends_with("media/Uploader Band/Sent In/05 First Upload.flac"),
        "{stored}"
    );
    assert_eq!(std::fs::read(&stored).unwrap(), one, "stored whole");

    let fake = settled(app, &ann, rows[1]["id"].as_str().unwrap()).await;
    assert_eq!(fake["upload_status"], "failed");
    assert!(
        fake["processing_log"]
            .as_str()
            .unwrap()
            .contains("not an audio format"),
        "{fake}"
    );
    let cut = settled(app, &ann, rows[2]["id"].as_str().unwrap()).await;
    assert_eq!(cut["upload_status"], "failed", "{cut}");
    assert!(!cut["processing_log"].as_str().unwrap().is_empty());

    // The same content again makes no second track.
    let again = send(app, &ann, vec![("copy.flac", one)]).await;
    let again: Value = again.json().await.unwrap();
    let again = settled(app, &ann, again["uploads"][0]["id"].as_str().unwrap()).await;
    assert_eq!(again["upload_status"], "completed");
    assert_eq!(
        again["track_id"].as_str(),
        Some(track_id.to_string().as_str())
    );
    assert!(
        again["processing_log"]
            .as_str()
            .unwrap()
            .contains("already in the library")
    );
    assert_eq!(app.storage.count_tracks().await.unwrap(), 1);

    // Listed newest first, mine only; nothing left waiting in the incoming folder.
    let list: Value = app
        .get("/api/v1/uploads", &ann.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 4);
    assert_eq!(list["items"][0]["original_name"], "copy.flac");
    let ben = app.register("ben").await;
    let mine = format!("/api/v1/uploads/{}", rows[0]["id"].as_str().unwrap());
    assert_eq!(
        app.get(&mine, &ben.token).await.status(),
        StatusCode::NOT_FOUND
    );
    let theirs: Value = app
        .get("/api/v1/uploads", &ben.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());
    let incoming = std::fs::read_dir(app.data_dir.path().join("data/uploads"))
        .unwrap()
        .count();
    assert_eq!(incoming, 0, "received files are removed once settled");
}

/// With `uploads.max_file_bytes = 10_000`.
async fn oversize_and_empty_uploads_are_refused(small: &TestApp) {
    let ann = small.register("ann").await;
    let dir = tempfile::tempdir().unwrap();
    let big = make(
        dir.path(),
        &Audio {
            path: "big.flac",
            seconds: 5.0,
            codec: &[],
            tags: &[],
        },
    );
    let (status, code, _) =
        error_of(send(small, &ann, vec![("big.flac", std::fs::read(big).unwrap())]).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
    let rows = small
        .storage
        .uploads_of(ann.id().parse().unwrap(), None, 10)
        .await
        .unwrap();
    assert!(rows.is_empty(), "no row for a refused file");
    let leftovers = std::fs::read_dir(small.data_dir.path().join("data/uploads"))
        .unwrap()
        .count();
    assert_eq!(leftovers, 0, "the partial file is removed");
    let empty = small
        .client
        .post(small.url("/api/v1/uploads"))
        .bearer_auth(&ann.token)
        .multipart(Form::new().text("note", "no file here"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(empty).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let anonymous = small
        .client
        .post(small.url("/api/v1/uploads"))
        .multipart(Form::new())
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

async fn a_restart_resumes_interrupted_uploads(app: &TestApp) {
    // A crash left: one row `processing` with its file received, and a half-received file.
    let db = match app.storage.engine() {
        Engine::Sqlite => TestDb::sqlite().await,
        Engine::Postgres => TestDb::postgres().await,
    };
    let data = tempfile::tempdir().unwrap();
    let incoming = data.path().join("uploads");
    std::fs::create_dir_all(&incoming).unwrap();
    let received = incoming.join("crashed.upload");
    std::fs::write(&received, flac(data.path(), "src.flac", "Survivor")).unwrap();
    std::fs::write(incoming.join("half.part"), b"half of something").unwrap();
    // A received file whose row was never written (the disk filled), and half a copy into
    // the media folder.
    std::fs::write(incoming.join("orphan.upload"), b"no row points here").unwrap();
    let media_album = data.path().join("media/Band/Album");
    std::fs::create_dir_all(&media_album).unwrap();
    std::fs::write(media_album.join(".0193.part"), b"half a copy").unwrap();
    let user = db
        .storage
        .create_user(&NewUser {
            username: "ann".into(),
            password_hash: "x".into(),
            ..NewUser::default()
        })
        .await
        .unwrap();
    let row = db
        .storage
        .create_upload(&NewUpload {
            user_id: user.id,
            file_name: "crashed.upload".into(),
            original_name: "Survivor.flac".into(),
            file_path: received.to_string_lossy().into_owned(),
            file_size: 1,
            mime_type: Some("audio/flac".into()),
        })
        .await
        .unwrap();
    db.storage
        .set_upload_status(row.id, "processing", None)
        .await
        .unwrap();
    let storage = db.storage.clone();
    let data_path = data.path().to_path_buf();
    let restarted = TestApp::spawn_with(db, move |c| c.data_dir = data_path).await;
    let mut settled = None;
    for _ in 0..300 {
        let now = storage.upload(row.id).await.unwrap();
        if now.upload_status == "completed" || now.upload_status == "failed" {
            settled = Some(now);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let settled = settled.expect("the interrupted upload was taken up again");
    assert_eq!(
        settled.upload_status, "completed",
        "{:?}",
        settled.processing_log
    );
    assert!(settled.processing_log.unwrap().contains("interrupted"));
    assert!(
        !incoming.join("half.part").exists(),
        "half-received files are removed"
    );
    assert!(
        !incoming.join("orphan.upload").exists(),
        "orphans are removed"
    );
    assert!(
        !media_album.join(".0193.part").exists(),
        "half copies are removed"
    );
    assert_eq!(storage.count_tracks().await.unwrap(), 1);
    restarted.finish().await;
}

async fn admins_scan_the_library_over_http(app: &TestApp) {
    let db = match app.storage.engine() {
        Engine::Sqlite => TestDb::sqlite().await,
        Engine::Postgres => TestDb::postgres().await,
    };
    let music = tempfile::tempdir().unwrap();
    flac(music.path(), "Band/Album/01 One.flac", "One");
    flac(music.path(), "Band/Album/02 Two.flac", "Two");
    let folder = music.path().to_path_buf();
    let served = TestApp::spawn_with(db, move |c| {
        c.library.folders = vec![folder];
        c.library.scan_on_start = false;
        c.auth.registration = juke::config::Registration::Open;
    })
    .await;
    let admin = served.register("admin").await;
    let kid = served.register("kid").await;
    assert_eq!(
        served
            .post(
                "/api/v1/library/scan",
                Some(&kid.token),
                serde_json::json!({})
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        served
            .get("/api/v1/library/scan", &kid.token)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let started = served
        .send(
            reqwest::Method::POST,
            "/api/v1/library/scan",
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let mut last = Value::Null;
    for _ in 0..300 {
        let status: Value = served
            .get("/api/v1/library/scan", &admin.token)
            .await
            .json()
            .await
            .unwrap();
        if !status["last"].is_null() && status["running"] == false {
            last = status["last"].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last["added"], 2, "{last}");
    assert_eq!(last["failed"], 0);
    assert!(last["finished_at"].is_string());
    assert_eq!(served.storage.count_tracks().await.unwrap(), 2);
    served.finish().await;
}

async fn changes_in_watched_folders_are_picked_up(app: &TestApp) {
    let db = match app.storage.engine() {
        Engine::Sqlite => TestDb::sqlite().await,
        Engine::Postgres => TestDb::postgres().await,
    };
    let music = tempfile::tempdir().unwrap();
    let staging = tempfile::tempdir().unwrap();
    flac(music.path(), "Band/Album/01 One.flac", "One");
    let folder = music.path().to_path_buf();
    let served = TestApp::spawn_with(db, move |c| {
        c.library.folders = vec![folder];
        c.library.watch = true;
        c.library.scan_interval_minutes = 0;
    })
    .await;
    let wait_for = |count: i64| {
        let storage = served.storage.clone();
        async move {
            for _ in 0..200 {
                if storage.count_tracks().await.unwrap() == count {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            false
        }
    };
    assert!(wait_for(1).await, "scanned on start");
    // A file copied in (written elsewhere, then moved in, as a file manager does) is found
    // without anyone asking for a scan.
    flac(staging.path(), "two.flac", "Two");
    std::fs::create_dir_all(music.path().join("Band/Album")).unwrap();
    std::fs::rename(
        staging.path().join("two.flac"),
        music.path().join("Band/Album/02 Two.flac"),
    )
    .unwrap();
    assert!(wait_for(2).await, "the watcher queued a scan");
    served.finish().await;
}

http_on_both_engines!(
    changes_in_watched_folders_are_picked_up,
    uploads_complete_into_the_media_tree,
    oversize_and_empty_uploads_are_refused with |c| c.uploads.max_file_bytes = 10_000,
    a_restart_resumes_interrupted_uploads,
    admins_scan_the_library_over_http,
);
