//! kill -9 in the middle of work, then a restart: nothing doubled, nothing orphaned, counters
//! exact. A scan killed part-way (`juke scan`), and a server killed while it processes
//! uploads. Both engines, the real binary.

use std::collections::HashSet;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use juke::storage::{Engine, Filter, ListRequest, Sort, Storage};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::audio::{Audio, make, tag_with_lofty};
use crate::helpers::{
    RunningJuke, create_postgres_database, drop_postgres_database, files_under, juke_command,
    spawn_juke_in,
};

/// `count` distinct files over a few albums, made fast: one encode, then copies retagged
/// without re-encoding.
fn library(music: &Path, count: usize) {
    let scratch = tempfile::tempdir().unwrap();
    let source = make(
        scratch.path(),
        &Audio {
            path: "source.flac",
            seconds: 0.3,
            codec: &[],
            tags: &[],
        },
    );
    for n in 0..count {
        let album = format!("Album {}", n % 4);
        let out = music.join(format!("Band/{album}/{n:03}.flac"));
        std::fs::create_dir_all(out.parent().unwrap()).unwrap();
        // Copied and retagged in-process: hundreds of files cost milliseconds, not an ffmpeg
        // run each.
        std::fs::copy(&source, &out).unwrap();
        tag_with_lofty(
            &out,
            lofty::tag::TagType::VorbisComments,
            &format!("Song {n}"),
            "Band",
            &album,
        );
    }
}

async fn database(engine: Engine, data: &Path) -> (String, Option<String>) {
    match engine {
        Engine::Sqlite => (format!("sqlite://{}", data.join("juke.db").display()), None),
        Engine::Postgres => {
            let (url, name) = create_postgres_database().await;
            (url, Some(name))
        }
    }
}

async fn albums(storage: &Storage) -> Vec<juke::storage::AlbumSummary> {
    storage
        .browse_albums(&ListRequest {
            filter: Filter::default(),
            sort: Sort::Name,
            descending: false,
            after: None,
            limit: 100,
            offset: 0,
        })
        .await
        .unwrap()
}

/// Every track once, every album's counter equal to its tracks.
async fn library_is_whole(storage: &Storage, files: usize) {
    let tracks = storage.count_tracks().await.unwrap();
    assert_eq!(tracks, files as i64, "one track per file, none doubled");
    let albums = albums(storage).await;
    let mut paths = HashSet::new();
    let mut counted = 0;
    for summary in &albums {
        let tracks = storage.album_tracks(summary.album.id).await.unwrap();
        assert!(
            !tracks.is_empty(),
            "no empty album left: {}",
            summary.album.title
        );
        assert_eq!(
            summary.album.total_tracks as usize,
            tracks.len(),
            "{}'s counter",
            summary.album.title
        );
        counted += tracks.len();
        for track in tracks {
            assert!(paths.insert(track.id), "a track twice");
        }
    }
    assert_eq!(counted, files);
    let artists = storage
        .browse_artists(&ListRequest {
            filter: Filter::default(),
            sort: Sort::Name,
            descending: false,
            after: None,
            limit: 100,
            offset: 0,
        })
        .await
        .unwrap();
    for artist in artists {
        assert!(
            artist.track_count + artist.album_count > 0,
            "no artist left with neither tracks nor albums: {}",
            artist.artist.name
        );
    }
}

const FILES: usize = 600;

async fn a_scan_killed_midway_resumes_whole(engine: Engine) {
    let root = tempfile::tempdir().unwrap();
    let music = root.path().join("music");
    let data = root.path().join("data");
    // Enough files that the scan is still working when the test sees its first album.
    library(&music, FILES);
    let (url, pg_name) = database(engine, &data).await;
    let folders = format!("[\"{}\"]", music.display());
    let envs = [
        ("JUKE_DATA_DIR", data.to_str().unwrap()),
        ("JUKE_STORAGE__DATABASE_URL", url.as_str()),
        ("JUKE_LIBRARY__FOLDERS", folders.as_str()),
        ("JUKE_LIBRARY__WATCH", "false"),
    ];
    let storage = {
        let migrated = juke_command(root.path(), &envs)
            .arg("migrate")
            .output()
            .unwrap();
        assert!(migrated.status.success());
        Storage::connect(&url).await.unwrap()
    };
    // Killed part-way: once the first albums exist (tracks go in by batches, after them).
    let mut scan = juke_command(root.path(), &envs)
        .arg("scan")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut killed_at = None;
    for _ in 0..2000 {
        let n = storage.count_tracks().await.unwrap();
        if n > 0 || !albums(&storage).await.is_empty() {
            scan.kill().unwrap();
            killed_at = Some(n);
            break;
        }
        if scan.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _ = scan.wait();
    let killed_at = killed_at.expect("the scan was killed while it worked");
    assert!(
        killed_at < FILES as i64,
        "killed before the end ({killed_at})"
    );
    // Albums are created as their first file is read, tracks written later in batches: the
    // killed scan left albums without tracks. The first one's files (every fourth) are then
    // removed, so the next scan gives it none: it must not stay, empty, in the lists.
    assert!(
        albums(&storage)
            .await
            .iter()
            .any(|a| a.album.title == "Album 0"),
        "the first album was created before the kill"
    );
    std::fs::remove_dir_all(music.join("Band/Album 0")).unwrap();
    let files = FILES * 3 / 4;

    let resumed = juke_command(root.path(), &envs)
        .arg("scan")
        .output()
        .unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    library_is_whole(&storage, files).await;
    // And another scan finds nothing to do.
    let again = juke_command(root.path(), &envs)
        .arg("scan")
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&again.stdout);
    assert!(summary.contains("0 added"), "{summary}");
    library_is_whole(&storage, files).await;
    storage.close().await;
    if let Some(name) = pg_name {
        drop_postgres_database(&name).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_killed_midway_resumes_whole_on_sqlite() {
    a_scan_killed_midway_resumes_whole(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_killed_midway_resumes_whole_on_postgres() {
    a_scan_killed_midway_resumes_whole(Engine::Postgres).await;
}

async fn uploads_killed_midway_resume_whole(engine: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (url, pg_name) = database(engine, &data).await;
    let envs = [
        ("JUKE_STORAGE__DATABASE_URL", url.as_str()),
        ("JUKE_LIBRARY__WATCH", "false"),
    ];
    let server = spawn_juke_in(dir, &envs, &["serve"]);
    let client = reqwest::Client::new();
    let registered: Value = client
        .post(server.url("/api/v1/auth/register"))
        .json(
            &json!({"username": "owner", "email": "o@example.test", "password": "correct horse",
                      "setup_code": crate::helpers::SETUP_CODE}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = registered["token"].as_str().unwrap().to_owned();
    let music = tempfile::tempdir().unwrap();
    library(music.path(), 40);
    let mut form = Form::new();
    let mut files: Vec<_> = files_under(music.path());
    files.sort();
    for path in &files {
        form = form.part(
            "file",
            Part::bytes(std::fs::read(path).unwrap())
                .file_name(path.file_name().unwrap().to_string_lossy().into_owned()),
        );
    }
    let accepted = client
        .post(server.url("/api/v1/uploads"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    // Killed while the worker is part-way through the queue.
    let storage = Storage::connect(&url).await.unwrap();
    for _ in 0..2000 {
        if storage.count_tracks().await.unwrap() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let killed_at = storage.count_tracks().await.unwrap();
    assert!(killed_at < 40, "killed before the end ({killed_at})");

    let dir = kill_keeping_dir(server);
    let restarted = spawn_juke_in(dir, &envs, &["serve"]);
    let mut settled = false;
    for _ in 0..600 {
        let page: Value = client
            .get(restarted.url("/api/v1/uploads?limit=100"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let rows = page["items"].as_array().unwrap();
        if rows.len() == 40
            && rows
                .iter()
                .all(|r| r["upload_status"] == "completed" || r["upload_status"] == "failed")
        {
            assert!(
                rows.iter().all(|r| r["upload_status"] == "completed"),
                "{page}"
            );
            settled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(settled, "every upload settled after the restart");
    library_is_whole(&storage, 40).await;
    let data = restarted.dir.path().join("data");
    let leftovers: Vec<_> = files_under(&data.join("uploads"));
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let partial: Vec<_> = files_under(&data.join("media"))
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".part"))
        .collect();
    assert!(partial.is_empty(), "{partial:?}");
    assert_eq!(
        files_under(&data.join("media")).len(),
        40,
        "one file per track"
    );
    storage.close().await;
    drop(restarted);
    if let Some(name) = pg_name {
        drop_postgres_database(&name).await;
    }
}

fn kill_keeping_dir(mut server: RunningJuke) -> tempfile::TempDir {
    let _ = server.child.kill();
    let _ = server.child.wait();
    std::mem::replace(&mut server.dir, tempfile::tempdir().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_killed_midway_resume_whole_on_sqlite() {
    uploads_killed_midway_resume_whole(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_killed_midway_resume_whole_on_postgres() {
    uploads_killed_midway_resume_whole(Engine::Postgres).await;
}
