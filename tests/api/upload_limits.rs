//! What keeps one account, or a full disk, from hurting the others: upload quotas, the
//! free-space floor, the disk filling during an upload, and bodies that stall. Both engines.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::app::{Login, TestApp, error_of};
use crate::audio::{Audio, make};
use crate::helpers::{TestDb, files_under};
use crate::http_on_both_engines;
use crate::small_disk::SmallDisk;

fn audio(dir: &Path, name: &str, title: &str, seconds: f32) -> Vec<u8> {
    let path = make(
        dir,
        &Audio {
            path: name,
            seconds,
            codec: &[],
            tags: &[
                ("title", title),
                ("artist", "Quota Band"),
                ("album", "Limits"),
            ],
        },
    );
    std::fs::read(path).unwrap()
}

async fn send(app: &TestApp, who: &Login, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    app.client
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(&who.token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn settled(app: &TestApp, who: &Login, accepted: reqwest::Response) -> Value {
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    let body: Value = accepted.json().await.unwrap();
    let id = body["uploads"][0]["id"].as_str().unwrap().to_owned();
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

fn files_named(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|path| path.to_string_lossy().ends_with(suffix))
        .collect()
}

/// With `uploads.quota_bytes_per_user = 150_000`.
async fn quotas_refuse_before_the_body_and_admins_adjust_them(app: &TestApp) {
    let admin = app.register("root").await;
    let ann = app.register("ann").await;
    let dir = tempfile::tempdir().unwrap();
    // About 100 kB each: one fits the quota, two do not.
    let first = audio(dir.path(), "one.wav", "One", 0.6);
    let second = audio(dir.path(), "two.wav", "Two", 0.6);
    assert!(
        first.len() > 75_000 && first.len() < 140_000,
        "{}",
        first.len()
    );

    let row = settled(app, &ann, send(app, &ann, "one.wav", first.clone()).await).await;
    assert_eq!(row["upload_status"], "completed", "{row}");
    let (status, code, body) = error_of(send(app, &ann, "two.wav", second.clone()).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded"),
        "{body}"
    );
    let mine: Value = app
        .get("/api/v1/uploads", &ann.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        mine["items"].as_array().unwrap().len(),
        1,
        "no row for a refused upload"
    );
    let incoming = app.data_dir.path().join("data/uploads");
    assert!(
        files_under(&incoming).is_empty(),
        "{:?}",
        files_under(&incoming)
    );

    // Admins have no quota of their own unless one is set.
    let big = audio(dir.path(), "admin.wav", "Admin's", 1.0);
    let row = settled(app, &admin, send(app, &admin, "admin.wav", big).await).await;
    assert_eq!(row["upload_status"], "completed", "{row}");

    // An admin raises ann's quota: the same upload goes through; null puts her back.
    let path = format!("/api/v1/users/{}", ann.id());
    let raised = app
        .patch(
            &path,
            &admin.token,
            json!({"upload_quota_bytes": 10_000_000}),
        )
        .await;
    assert_eq!(raised.status(), StatusCode::OK);
    let user: Value = raised.json().await.unwrap();
    assert_eq!(user["upload_quota_bytes"], 10_000_000);
    let row = settled(app, &ann, send(app, &ann, "two.wav", second).await).await;
    assert_eq!(row["upload_status"], "completed", "{row}");
    let reset: Value = app
        .patch(&path, &admin.token, json!({"upload_quota_bytes": null}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reset["upload_quota_bytes"], Value::Null);
    let third = audio(dir.path(), "three.wav", "Three", 0.2);
    let (status, code, _) = error_of(send(app, &ann, "three.wav", third).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded")
    );
    // Only an admin sets quotas, and never a negative one.
    let own = app
        .patch(
            &path,
            &ann.token,
            json!({"upload_quota_bytes": 1_000_000_000}),
        )
        .await;
    assert_eq!(own.status(), StatusCode::FORBIDDEN);
    let negative = app
        .patch(&path, &admin.token, json!({"upload_quota_bytes": -1}))
        .await;
    assert!(negative.status().is_client_error());
}

/// With `uploads.min_free_bytes` far above any disk.
async fn uploads_below_the_free_space_floor_are_refused(app: &TestApp) {
    let ann = app.register("ann").await;
    let dir = tempfile::tempdir().unwrap();
    let bytes = audio(dir.path(), "one.wav", "One", 0.2);
    let (status, code, body) = error_of(send(app, &ann, "one.wav", bytes).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage"),
        "{body}"
    );
    assert!(body["error"]["message"].as_str().unwrap().contains("free"));
    assert!(files_under(&app.data_dir.path().join("data/uploads")).is_empty());
}

/// With `uploads.body_timeout_seconds = 2`.
async fn stalled_bodies_are_cut_off_and_bounded_per_account(app: &TestApp) {
    let ann = app.register("ann").await;
    let boundary = "juke-test-boundary";
    let stalled = format!(
        "POST /api/v1/uploads HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 100000\r\n\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.wav\"\r\n\
         Content-Type: audio/wav\r\n\r\nRIFF....",
        ann.token
    );
    // Four requests that never finish their bodies hold the account's four places...
    let mut holders = Vec::new();
    for _ in 0..4 {
        let stalled = stalled.clone();
        let base = app.base.clone();
        holders.push(std::thread::spawn(move || raw_exchange(&base, &stalled)));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    // ...so a fifth is refused at once, without its body being read.
    let dir = tempfile::tempdir().unwrap();
    let bytes = audio(dir.path(), "ok.wav", "Fine", 0.2);
    let (status, code, _) = error_of(send(app, &ann, "ok.wav", bytes.clone()).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_requests")
    );
    // The stalled ones are cut off with 408, and their half-written files removed.
    for holder in holders {
        let answer = holder.join().unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("request_timeout"), "{answer}");
    }
    assert!(files_under(&app.data_dir.path().join("data/uploads")).is_empty());
    let row = settled(app, &ann, send(app, &ann, "ok.wav", bytes).await).await;
    assert_eq!(row["upload_status"], "completed", "{row}");
}

fn raw_exchange(base: &str, request: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

http_on_both_engines!(
    quotas_refuse_before_the_body_and_admins_adjust_them
        with |c| c.uploads.quota_bytes_per_user = 150_000,
    uploads_below_the_free_space_floor_are_refused
        with |c| c.uploads.min_free_bytes = u64::MAX / 4,
    stalled_bodies_are_cut_off_and_bounded_per_account
        with |c| c.uploads.body_timeout_seconds = 2,
);

/// The data folder on a small disk: a file too big for it fails while it arrives (507, the
/// partial file removed); one that arrives but cannot be copied into the media folder ends
/// `failed` with the reason, and neither leaves a byte behind.
async fn a_full_disk_during_an_upload_loses_nothing_and_leaves_nothing(db: TestDb) {
    let Some(disk) = SmallDisk::mount(4, None) else {
        return;
    };
    let data = disk.path().join("data");
    let data_dir = data.clone();
    let app = TestApp::spawn_tweaked(db, move |c| {
        c.data_dir = data_dir;
        c.uploads.min_free_bytes = 0;
    })
    .await;
    let admin = app.register("root").await;
    let dir = tempfile::tempdir().unwrap();
    let free_before = disk.free_bytes();

    // 5.3 MB cannot arrive on a 4 MB disk.
    let huge = audio(dir.path(), "huge.wav", "Huge", 30.0);
    let (status, code, body) = error_of(send(&app, &admin, "huge.wav", huge).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage"),
        "{body}"
    );
    assert!(
        files_named(&data, ".part").is_empty(),
        "{:?}",
        files_under(&data)
    );
    assert!(
        files_under(&data.join("uploads")).is_empty(),
        "{:?}",
        files_under(&data)
    );

    // 2.3 MB arrives, but a second copy does not fit beside it.
    let big = audio(dir.path(), "big.wav", "Big", 13.0);
    let row = settled(&app, &admin, send(&app, &admin, "big.wav", big).await).await;
    assert_eq!(row["upload_status"], "failed", "{row}");
    let log = row["processing_log"].as_str().unwrap();
    assert!(log.contains("space"), "the reason is given: {log}");
    assert!(
        files_named(&data, ".part").is_empty(),
        "{:?}",
        files_under(&data)
    );
    assert!(
        files_under(&data.join("uploads")).is_empty(),
        "{:?}",
        files_under(&data)
    );
    assert!(
        disk.free_bytes() + 64 * 1024 >= free_before,
        "the space is given back: {} then {}",
        free_before,
        disk.free_bytes()
    );

    // And the disk still takes what fits.
    let small = audio(dir.path(), "small.wav", "Small", 0.5);
    let row = settled(&app, &admin, send(&app, &admin, "small.wav", small).await).await;
    assert_eq!(row["upload_status"], "completed", "{row}");
    app.finish().await;
}

mod a_full_disk_during_an_upload {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let db = crate::helpers::TestDb::sqlite().await;
        super::a_full_disk_during_an_upload_loses_nothing_and_leaves_nothing(db).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let db = crate::helpers::TestDb::postgres().await;
        super::a_full_disk_during_an_upload_loses_nothing_and_leaves_nothing(db).await;
    }
}
