//! Hostile or odd files in a library (issue 18): FIFOs and devices where covers should be,
//! names that are not UTF-8, HEAD on huge files, an unwatchable folder, art bombs, and a few
//! thousand corrupted audio files through the real reader.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use image::GenericImageView;
use juke::library::scan::{ScanSummary, Scanner};
use juke::storage::NewTrack;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::app::TestApp;
use crate::audio::{Audio, make};
use crate::helpers::{artist, create_postgres_database, drop_postgres_database, juke_command};
use crate::http_on_both_engines;

/// Scans `music` into the app; a scan that takes a minute is a hang.
async fn scan(app: &TestApp, music: &Path) -> Result<ScanSummary, tokio::time::error::Elapsed> {
    let scanner = Scanner::new(app.storage.clone(), app.data_dir.path().join("data"));
    let folders = [music.to_path_buf()];
    tokio::time::timeout(
        Duration::from_secs(60),
        scanner.scan(&folders, false, &|_| {}),
    )
    .await
    .map(|summary| summary.unwrap())
}

fn flac(music: &Path, path: &str, title: &str, album: &str, seconds: f32) -> PathBuf {
    make(
        music,
        &Audio {
            path,
            seconds,
            codec: &[],
            tags: &[("title", title), ("artist", "Odd Band"), ("album", album)],
        },
    )
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

/// The tracks under `music`, by title, as the API shows them.
async fn tracks_by_title(app: &TestApp, token: &str, music: &Path) -> Vec<(String, Value)> {
    let prefix = format!(
        "{}/",
        juke::stored_path::encode(&std::fs::canonicalize(music).unwrap())
    );
    let mut tracks = Vec::new();
    for known in app.storage.known_files_under(&prefix).await.unwrap() {
        let track: Value = app
            .get(&format!("/api/v1/tracks/{}", known.id), token)
            .await
            .json()
            .await
            .unwrap();
        tracks.push((track["title"].as_str().unwrap().to_owned(), track));
    }
    tracks.sort_by(|a, b| a.0.cmp(&b.0));
    tracks
}

async fn cover_of(app: &TestApp, token: &str, track: &Value) -> reqwest::Response {
    let album = track["album_id"].as_str().unwrap();
    app.get(&format!("/api/v1/albums/{album}/cover"), token)
        .await
}

/// A FIFO named `cover.jpg` (and one named like a lyrics sidecar) used to block the scan
/// forever in `open`; it is skipped, its album gets a placeholder, and the rest of the
/// library scans.
async fn a_fifo_cover_does_not_hang_the_scan(app: &TestApp) {
    let ann = app.register("ann").await;
    let music = tempfile::tempdir().unwrap();
    flac(
        music.path(),
        "Odd Band/Piped/01 Piped.flac",
        "Piped",
        "Piped",
        1.0,
    );
    mkfifo(&music.path().join("Odd Band/Piped/cover.jpg"));
    mkfifo(&music.path().join("Odd Band/Piped/01 Piped.lrc"));
    flac(
        music.path(),
        "Odd Band/Plain/01 Plain.flac",
        "Plain",
        "Plain",
        1.0,
    );
    std::fs::write(
        music.path().join("Odd Band/Plain/cover.png"),
        crate::audio::PNG_1X1,
    )
    .unwrap();

    let summary = match scan(app, music.path()).await {
        Ok(summary) => summary,
        Err(_) => {
            // Free a reader stuck in open(2) (a writer arriving lets it return), so this
            // failure does not also hang the test binary. Non-blocking: with no reader waiting
            // on a FIFO, this open fails at once instead of waiting in its turn.
            use std::os::unix::fs::OpenOptionsExt;
            for fifo in ["Odd Band/Piped/cover.jpg", "Odd Band/Piped/01 Piped.lrc"] {
                let _ = std::fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_NONBLOCK)
                    .open(music.path().join(fifo));
            }
            panic!("the scan hung on a FIFO named cover.jpg");
        }
    };
    assert_eq!((summary.added, summary.failed), (2, 0), "{summary:?}");
    let tracks = tracks_by_title(app, &ann.token, music.path()).await;
    assert_eq!(tracks.len(), 2);
    let (_, piped) = &tracks[0];
    assert!(piped["lyrics"].is_null(), "{piped}");
    let cover = cover_of(app, &ann.token, piped).await;
    assert_eq!(cover.status(), StatusCode::OK);
    assert_eq!(cover.headers()["x-juke-placeholder"], "true");
    let cover = cover_of(app, &ann.token, &tracks[1].1).await;
    assert_eq!(cover.status(), StatusCode::OK);
    assert!(cover.headers().get("x-juke-placeholder").is_none());
    assert_eq!(cover.bytes().await.unwrap().as_ref(), crate::audio::PNG_1X1);
}

/// `cover.jpg -> /dev/zero` used to be read until memory ran out. It is refused (not a regular
/// file); so is a folder image over the cover cap, and the next candidate is taken.
async fn a_device_or_huge_folder_image_is_refused(app: &TestApp) {
    let ann = app.register("ann").await;
    let music = tempfile::tempdir().unwrap();
    flac(
        music.path(),
        "Odd Band/Zero/01 Zero.flac",
        "Zero",
        "Zero",
        1.0,
    );
    std::os::unix::fs::symlink("/dev/zero", music.path().join("Odd Band/Zero/cover.jpg")).unwrap();
    flac(
        music.path(),
        "Odd Band/Huge/01 Huge.flac",
        "Huge",
        "Huge",
        1.0,
    );
    // Sparse: 64 MiB on paper, nothing on disk; over the 32 MiB cap for a cover.
    let huge = std::fs::File::create(music.path().join("Odd Band/Huge/cover.jpg")).unwrap();
    huge.set_len(juke::untrusted_file::MAX_COVER_BYTES * 2)
        .unwrap();
    std::fs::write(
        music.path().join("Odd Band/Huge/folder.png"),
        crate::audio::PNG_1X1,
    )
    .unwrap();

    let summary = scan(app, music.path()).await.expect("the scan finished");
    assert_eq!((summary.added, summary.failed), (2, 0), "{summary:?}");
    let tracks = tracks_by_title(app, &ann.token, music.path()).await;
    let titles: Vec<&str> = tracks.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles, ["Huge", "Zero"]);
    let huge = cover_of(app, &ann.token, &tracks[0].1).await;
    assert!(huge.headers().get("x-juke-placeholder").is_none());
    assert_eq!(huge.bytes().await.unwrap().as_ref(), crate::audio::PNG_1X1);
    let zero = cover_of(app, &ann.token, &tracks[1].1).await;
    assert_eq!(zero.status(), StatusCode::OK);
    assert_eq!(zero.headers()["x-juke-placeholder"], "true");
}

/// Two names that differ only in bytes that are not UTF-8 (`\xFF` and `\xFE`) used to collide
/// on one row under a lossy conversion, which then answered 410. Both are listed, both play
/// their own bytes, and a rescan changes nothing.
async fn names_that_are_not_utf8_play_and_stay_apart(app: &TestApp) {
    let ann = app.register("ann").await;
    let music = tempfile::tempdir().unwrap();
    let album = music.path().join("Odd Band/Bytes");
    let mut expected = Vec::new();
    for (n, (title, byte, seconds)) in [("Eff", 0xFF_u8, 1.0), ("Fee", 0xFE, 1.5)]
        .into_iter()
        .enumerate()
    {
        let made = flac(
            music.path(),
            &format!("Odd Band/Bytes/{n}.flac"),
            title,
            "Bytes",
            seconds,
        );
        let name = [b"Tune ".as_slice(), &[byte], b".flac"].concat();
        let target = album.join(OsStr::from_bytes(&name));
        std::fs::rename(&made, &target).unwrap();
        expected.push((title, std::fs::read(&target).unwrap()));
    }
    let summary = scan(app, music.path()).await.unwrap();
    assert_eq!((summary.added, summary.failed), (2, 0), "{summary:?}");

    let tracks = tracks_by_title(app, &ann.token, music.path()).await;
    let titles: Vec<&str> = tracks.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles, ["Eff", "Fee"]);
    let ids: Vec<String> = tracks
        .iter()
        .map(|(_, t)| t["id"].as_str().unwrap().to_owned())
        .collect();
    for ((title, bytes), id) in expected.iter().zip(&ids) {
        for route in ["stream", "download"] {
            let played = app
                .get(&format!("/api/v1/tracks/{id}/{route}"), &ann.token)
                .await;
            assert_eq!(played.status(), StatusCode::OK, "{title} {route}");
            assert_eq!(
                played.bytes().await.unwrap().as_ref(),
                bytes.as_slice(),
                "{title} {route}"
            );
        }
    }

    for _ in 0..2 {
        let again = scan(app, music.path()).await.unwrap();
        assert_eq!(
            again,
            ScanSummary {
                unchanged: 2,
                ..ScanSummary::default()
            }
        );
        let now = tracks_by_title(app, &ann.token, music.path()).await;
        let now_ids: Vec<&str> = now.iter().map(|(_, t)| t["id"].as_str().unwrap()).collect();
        assert_eq!(now_ids, ids, "no row changed hands");
    }
}

/// Bytes this process has read (files, sockets, pipes). The server runs in this process.
fn bytes_read_by_this_process() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").unwrap();
    io.lines()
        .find_map(|line| line.strip_prefix("rchar: "))
        .unwrap()
        .parse()
        .unwrap()
}

/// HEAD on a track's audio costs a stat, not a read of the file: measured on the whole test
/// process (the server runs in it) with a 1 GiB track, across the native and Subsonic routes.
async fn head_reads_no_audio(app: &TestApp) {
    const SIZE: u64 = 1024 * 1024 * 1024;
    let ann = app.register("ann").await;
    let music = tempfile::tempdir().unwrap();
    let path = flac(
        music.path(),
        "Odd Band/Long/01 Long.flac",
        "Long",
        "Long",
        1.0,
    );
    // Sparse: 1 GiB to read, nothing on disk.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(SIZE)
        .unwrap();
    let band = artist(&app.storage, "Odd Band").await;
    let mut new = NewTrack::new("Long", band.id);
    new.file_path = Some(juke::stored_path::encode(&path));
    new.file_size = Some(SIZE as i64);
    new.metadata = serde_json::json!({"format": "flac"});
    let track = app.storage.create_track(&new).await.unwrap();
    let secret: Value = app
        .post(
            "/api/v1/me/app-passwords",
            Some(&ann.token),
            serde_json::json!({"name": "phone"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let key = secret["password"].as_str().unwrap();
    let id = track.id;
    let routes = [
        format!("/api/v1/tracks/{id}/stream"),
        format!("/api/v1/tracks/{id}/download"),
        format!("/rest/stream?id=tr-{id}&apiKey={key}&v=1.16.1&c=t"),
        format!("/rest/download?id=tr-{id}&apiKey={key}&v=1.16.1&c=t"),
    ];

    let before = bytes_read_by_this_process();
    for route in &routes {
        let head = app.send(Method::HEAD, route, Some(&ann.token), None).await;
        assert_eq!(head.status(), StatusCode::OK, "{route}");
        assert_eq!(
            head.headers()["content-length"],
            SIZE.to_string().as_str(),
            "{route}"
        );
        assert_eq!(head.headers()["accept-ranges"], "bytes", "{route}");
        assert_eq!(head.headers()["content-type"], "audio/flac", "{route}");
        assert!(head.bytes().await.unwrap().is_empty(), "{route}");
    }
    // On the same keep-alive connection, this answer comes after the last HEAD's body, if
    // the server were still draining one.
    let done = app.get("/api/v1/me", &ann.token).await;
    assert_eq!(done.status(), StatusCode::OK);
    let read = bytes_read_by_this_process() - before;
    eprintln!("four HEAD requests on a {SIZE}-byte track: {read} bytes read by the process");
    // Four HEADs used to read 4 GiB; the rest of the suite, running alongside, reads far less
    // than this margin in the meantime.
    assert!(
        read < SIZE / 4,
        "{read} bytes read for four HEAD requests on a {SIZE}-byte file"
    );
}

/// An MP3 with this picture embedded as its front cover.
fn mp3_with_picture(music: &Path, path: &str, album: &str, picture: &Path) -> PathBuf {
    let tone = make(
        music,
        &Audio {
            path: &format!("{path}.tone.mp3"),
            seconds: 1.0,
            codec: &["-c:a", "libmp3lame"],
            tags: &[("title", album), ("artist", "Odd Band"), ("album", album)],
        },
    );
    let out = music.join(path);
    let output = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-i"])
        .arg(&tone)
        .arg("-i")
        .arg(picture)
        .args([
            "-map",
            "0:a",
            "-map",
            "1:v",
            "-c",
            "copy",
            "-id3v2_version",
            "3",
            "-disposition:v",
            "attached_pic",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::remove_file(tone).unwrap();
    out
}

/// A 9000 × 9000 embedded picture is stored at most 1500 px a side (scaled once, at ingest).
async fn art_bombs_are_bounded_at_ingest(app: &TestApp) {
    let ann = app.register("ann").await;
    let music = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let big = work.path().join("big.jpg");
    let output = Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=0x3366aa:s=9000x9000",
            "-frames:v",
            "1",
        ])
        .arg(&big)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(image::image_dimensions(&big).unwrap(), (9000, 9000));
    mp3_with_picture(music.path(), "Odd Band/Big/01 Big.mp3", "Big", &big);

    let summary = scan(app, music.path()).await.unwrap();
    assert_eq!((summary.added, summary.failed), (1, 0), "{summary:?}");
    let tracks = tracks_by_title(app, &ann.token, music.path()).await;
    let big_album = tracks[0].1["album_id"].as_str().unwrap();
    let stored: Vec<PathBuf> = std::fs::read_dir(app.data_dir.path().join("data/covers"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_stem() == Some(OsStr::new(big_album)))
        .collect();
    assert_eq!(stored.len(), 1, "{stored:?}");
    let (width, height) = image::image_dimensions(&stored[0]).unwrap();
    assert!(width.max(height) <= 1500, "stored at {width} × {height}");
    let served = cover_of(app, &ann.token, &tracks[0].1).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert!(served.headers().get("x-juke-placeholder").is_none());
    let bytes = served.bytes().await.unwrap();
    assert_eq!(
        image::load_from_memory(&bytes).unwrap().dimensions(),
        (1500, 1500)
    );
}

/// A 0-byte embedded picture is no art: the album gets the placeholder, not an empty
/// `200 image/jpeg`, and nothing is stored for it.
async fn an_empty_embedded_picture_is_a_placeholder(app: &TestApp) {
    let ann = app.register("ann").await;
    let music = tempfile::tempdir().unwrap();
    // A 0-byte front cover, written with lofty (ffmpeg will not embed nothing).
    let empty = make(
        music.path(),
        &Audio {
            path: "Odd Band/Empty/01 Empty.mp3",
            seconds: 1.0,
            codec: &["-c:a", "libmp3lame", "-id3v2_version", "3"],
            tags: &[
                ("title", "Empty"),
                ("artist", "Odd Band"),
                ("album", "Empty"),
            ],
        },
    );
    {
        use lofty::config::WriteOptions;
        use lofty::picture::{MimeType, Picture, PictureType};
        use lofty::prelude::TagExt;
        use lofty::tag::{Tag, TagType};
        let mut tag = Tag::new(TagType::Id3v2);
        lofty::prelude::Accessor::set_title(&mut tag, "Empty".into());
        lofty::prelude::Accessor::set_artist(&mut tag, "Odd Band".into());
        lofty::prelude::Accessor::set_album(&mut tag, "Empty".into());
        tag.push_picture(
            Picture::unchecked(Vec::new())
                .pic_type(PictureType::CoverFront)
                .mime_type(MimeType::Jpeg)
                .build(),
        );
        tag.save_to_path(&empty, WriteOptions::default()).unwrap();
    }

    let summary = scan(app, music.path()).await.unwrap();
    assert_eq!((summary.added, summary.failed), (1, 0), "{summary:?}");
    let tracks = tracks_by_title(app, &ann.token, music.path()).await;
    let empty_album = tracks[0].1["album_id"].as_str().unwrap();
    let served = cover_of(app, &ann.token, &tracks[0].1).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(
        served
            .headers()
            .get("x-juke-placeholder")
            .and_then(|v| v.to_str().ok()),
        Some("true"),
        "an empty picture was served as the album's art"
    );
    assert!(!served.bytes().await.unwrap().is_empty());
    // No covers folder at all is fine too: nothing was stored.
    let stored_empty = std::fs::read_dir(app.data_dir.path().join("data/covers"))
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().path())
        .any(|p| p.file_stem() == Some(OsStr::new(empty_album)));
    assert!(!stored_empty, "no art is stored for an empty picture");
}

http_on_both_engines!(
    a_fifo_cover_does_not_hang_the_scan,
    a_device_or_huge_folder_image_is_refused,
    names_that_are_not_utf8_play_and_stay_apart,
    head_reads_no_audio,
    art_bombs_are_bounded_at_ingest,
    an_empty_embedded_picture_is_a_placeholder,
);

// ---- an unreadable folder next to watched ones -------------------------------------------

/// The uid and gid the server runs as in the watcher test: `nobody`.
const NOBODY: u32 = 65534;

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The titles the running server lists.
async fn listed(client: &reqwest::Client, base: &str, token: &str) -> Vec<String> {
    let page: Value = client
        .get(format!("{base}/api/v1/tracks?limit=100"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn wait_for_titles(client: &reqwest::Client, base: &str, token: &str, count: usize) -> bool {
    for _ in 0..150 {
        if listed(client, base, token).await.len() == count {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

/// One folder the server cannot read used to end the watch set-up, leaving every folder after
/// it unwatched. Tests run as root, which reads a `chmod 000` folder anyway, so the server is
/// started as `nobody` (`Command::uid`), for whom the folder is unreadable, as it would be for
/// the `juke` service user. The folder made unreadable is the first the walk meets (the
/// directory's own listing order), and the new file goes into the last, so the old set-up
/// would have stopped before watching it. The periodic scan is off: only the watcher can
/// find the new file.
async fn an_unreadable_folder_leaves_the_others_watched(database_url: &str) {
    let music = tempfile::tempdir().unwrap();
    chmod(music.path(), 0o755);
    let seed = flac(music.path(), "seed.flac", "Seed", "Watched", 1.0);
    for n in 0..12 {
        std::fs::create_dir(music.path().join(format!("folder {n:02}"))).unwrap();
        std::fs::copy(
            &seed,
            music.path().join(format!("folder {n:02}/{n:02} Song.flac")),
        )
        .unwrap();
    }
    std::fs::remove_file(&seed).unwrap();
    let order: Vec<PathBuf> = std::fs::read_dir(music.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let (unreadable, last) = (&order[0], &order[order.len() - 1]);
    chmod(unreadable, 0o000);

    let root = tempfile::tempdir().unwrap();
    chmod(root.path(), 0o777);
    let data = root.path().join("data");
    let folders = format!("[\"{}\"]", music.path().display());
    let mut command = juke_command(
        root.path(),
        &[
            ("JUKE_DATA_DIR", data.to_str().unwrap()),
            ("JUKE_STORAGE__DATABASE_URL", database_url),
            ("JUKE_LIBRARY__FOLDERS", &folders),
            ("JUKE_LIBRARY__WATCH", "true"),
            ("JUKE_LIBRARY__SCAN_INTERVAL_MINUTES", "0"),
            ("JUKE_AUTH__REGISTRATION", "open"),
        ],
    );
    {
        use std::os::unix::process::CommandExt;
        command.uid(NOBODY).gid(NOBODY);
    }
    let juke = crate::helpers::spawn_serve(root, command);
    let base = format!("http://{}", juke.addr);
    let client = reqwest::Client::new();
    let registered: Value = client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&serde_json::json!({
            "username": "ann", "email": "ann@example.test", "password": "correct horse",
            "setup_code": crate::helpers::SETUP_CODE
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = registered["token"].as_str().unwrap();

    // The first scan reads the eleven readable folders.
    assert!(
        wait_for_titles(&client, &base, token, 11).await,
        "first scan: {:?}\n{}",
        listed(&client, &base, token).await,
        juke.logs()
    );
    std::fs::copy(
        last.join(format!(
            "{} Song.flac",
            &last.file_name().unwrap().to_str().unwrap()[7..]
        )),
        last.join("new.flac"),
    )
    .unwrap();
    let found = wait_for_titles(&client, &base, token, 12).await;
    chmod(unreadable, 0o755);
    let logs = juke.logs();
    assert!(
        found,
        "the watcher missed a new file in {}\n{logs}",
        last.display()
    );
    assert_eq!(
        logs.matches("cannot watch some library folders").count(),
        1,
        "{logs}"
    );
    assert!(logs.contains(&unreadable.display().to_string()), "{logs}");
    assert_eq!(juke.stop(), Some(0));
}

mod an_unreadable_folder_leaves_the_others_watched {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let dir = tempfile::tempdir().unwrap();
        super::chmod(dir.path(), 0o777);
        let url = format!("sqlite://{}", dir.path().join("juke.db").display());
        super::an_unreadable_folder_leaves_the_others_watched(&url).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let (url, name) = super::create_postgres_database().await;
        super::an_unreadable_folder_leaves_the_others_watched(&url).await;
        super::drop_postgres_database(&name).await;
    }
}

// ---- corrupted audio through the real reader ---------------------------------------------

/// A fixed-seed generator: the same corrupted files on every run, so a failure reproduces.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Corrupted variants of real files: bit flips (anywhere, and concentrated in the first 4 KiB
/// where headers and tags live), truncations, and splices of two files.
fn corrupt(seeds: &[(String, Vec<u8>)], count: usize) -> Vec<(String, Vec<u8>)> {
    let mut rng = XorShift(0x5EED_0FC0_FFEE);
    (0..count)
        .map(|n| {
            let (ext, original) = &seeds[n % seeds.len()];
            let mut bytes = original.clone();
            match rng.below(4) {
                0 => {
                    for _ in 0..1 + rng.below(64) {
                        let at = rng.below(bytes.len());
                        bytes[at] ^= 1 << rng.below(8);
                    }
                }
                1 => {
                    let head = bytes.len().min(4096);
                    for _ in 0..1 + rng.below(16) {
                        let at = rng.below(head);
                        bytes[at] = rng.next() as u8;
                    }
                }
                2 => bytes.truncate(rng.below(bytes.len())),
                _ => {
                    let (_, other) = &seeds[rng.below(seeds.len())];
                    let cut = rng.below(bytes.len());
                    let from = rng.below(other.len());
                    bytes.truncate(cut);
                    bytes.extend_from_slice(&other[from..]);
                }
            }
            (ext.clone(), bytes)
        })
        .collect()
}

/// A few thousand corrupted files through `library::read`: each one either reads or fails
/// with a reason; none panics past the reader, none hangs (a file that takes 20 s is a hang).
#[test]
fn corrupted_audio_never_panics_or_hangs() {
    use juke::library::read::{ReadError, read_file_guarded};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    const VARIANTS: usize = 3000;
    const WORKERS: usize = 2;

    let dir = tempfile::tempdir().unwrap();
    let formats: [(&str, &[&str]); 6] = [
        ("mp3", &["-c:a", "libmp3lame", "-id3v2_version", "3"]),
        ("flac", &[]),
        ("ogg", &["-c:a", "libvorbis"]),
        ("opus", &["-c:a", "libopus"]),
        ("m4a", &["-c:a", "aac"]),
        ("wav", &[]),
    ];
    let seeds: Vec<(String, Vec<u8>)> = formats
        .iter()
        .map(|(ext, codec)| {
            let path = make(
                dir.path(),
                &Audio {
                    path: &format!("seed.{ext}"),
                    seconds: 0.5,
                    codec,
                    tags: &[("title", "Seed"), ("artist", "Mutant"), ("album", "Lab")],
                },
            );
            (ext.to_string(), std::fs::read(path).unwrap())
        })
        .collect();
    let files: Vec<PathBuf> = corrupt(&seeds, VARIANTS)
        .into_iter()
        .enumerate()
        .map(|(n, (ext, bytes))| {
            let path = dir.path().join(format!("{n:04}.{ext}"));
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect();
    let files = Arc::new(files);

    // A bounded pool; the main thread watches for a file that takes too long.
    let next = Arc::new(AtomicUsize::new(0));
    let in_flight = Arc::new(Mutex::new(vec![None::<usize>; WORKERS]));
    let (results, received) = std::sync::mpsc::channel();
    for worker in 0..WORKERS {
        let (files, next, in_flight, results) = (
            Arc::clone(&files),
            Arc::clone(&next),
            Arc::clone(&in_flight),
            results.clone(),
        );
        std::thread::spawn(move || {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = files.get(n) else { return };
                in_flight.lock().unwrap()[worker] = Some(n);
                let result = read_file_guarded(path, Path::new(path.file_name().unwrap()));
                in_flight.lock().unwrap()[worker] = None;
                let outcome = result
                    .map(|_| ())
                    .map_err(|err| (matches!(err, ReadError::Crashed), err.to_string()));
                if results.send((n, outcome)).is_err() {
                    return;
                }
            }
        });
    }
    drop(results);
    let (mut read, mut failed, mut crashed) = (0, 0, Vec::new());
    for _ in 0..files.len() {
        let (n, outcome) = match received.recv_timeout(Duration::from_secs(20)) {
            Ok(got) => got,
            Err(_) => panic!(
                "reading hung on {:?}",
                in_flight
                    .lock()
                    .unwrap()
                    .iter()
                    .flatten()
                    .map(|n| files[*n].display().to_string())
                    .collect::<Vec<_>>()
            ),
        };
        match outcome {
            Ok(()) => read += 1,
            Err((was_panic, reason)) => {
                assert!(
                    !reason.is_empty(),
                    "{} failed without a reason",
                    files[n].display()
                );
                failed += 1;
                if was_panic {
                    crashed.push(files[n].display().to_string());
                }
            }
        }
    }
    assert_eq!(read + failed, VARIANTS);
    // Both outcomes happen: the corruption is real, and the reader is not refusing everything.
    assert!(read > 0 && failed > 0, "{read} read, {failed} failed");
    eprintln!(
        "{VARIANTS} corrupted files: {read} read, {failed} failed with a reason, {} of them a \
         caught reader panic",
        crashed.len()
    );
}

// ---- names that forge log lines, formats that were misnamed ------------------------------

/// What the forged names below try to pass off as a log line of Juke's own.
const FORGED: &str = "2026-01-01T00:00:00.000000Z ERROR juke: forged";

/// A file name may hold a newline. A file `x\n<FORGED>.mp3` that cannot be read, and a
/// folder `Forged\n<FORGED>` whose `cover.jpg` is a FIFO, used to write their names into the
/// log as they are: everything after the newline read as a line of its own. `juke scan`, the
/// real binary, now writes them escaped, on the line of the warning that names them.
#[test]
fn file_names_cannot_forge_log_lines() {
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    let unreadable = music.join(format!("Odd Band/Loose/x\n{FORGED}.mp3"));
    std::fs::create_dir_all(unreadable.parent().unwrap()).unwrap();
    std::fs::write(&unreadable, b"not audio, whatever the name says").unwrap();
    let folder = format!("Odd Band/Forged\n{FORGED} folder");
    flac(&music, &format!("{folder}/01 Song.flac"), "Song", "", 0.5);
    mkfifo(&music.join(&folder).join("cover.jpg"));

    let folders = format!("[\"{}\"]", music.display());
    let output = juke_command(dir.path(), &[("JUKE_LIBRARY__FOLDERS", folders.as_str())])
        .arg("scan")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("1 added"), "{stdout}");
    assert!(stdout.contains("1 failed"), "{stdout}");
    for line in stdout.lines().chain(stderr.lines()) {
        assert!(
            !line.trim_start().starts_with(&FORGED[..30]),
            "a forged line: {line:?}\n{stderr}"
        );
    }
    for escaped in [
        format!("Loose/x\\n{FORGED}.mp3"),
        format!("Forged\\n{FORGED} folder/cover.jpg"),
    ] {
        assert!(stderr.contains(&escaped), "{escaped:?} not in:\n{stderr}");
    }
}

/// Makes `name` under `dir` with ffmpeg from lavfi sources and codec arguments.
fn ffmpeg(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let made = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y"])
        .args(args)
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "ffmpeg {name}: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    out
}

/// Ogg FLAC, and an Ogg video (Theora first, its Vorbis sound second), used to fail as
/// "failed to parse Mpeg file": lofty knows neither first stream, and its fallback search for
/// an MPEG frame sync found one by chance in the compressed data. They fail saying what they
/// are, in a scan and as uploads; an Ogg file whose first stream is Vorbis (video after it)
/// is read as the audio it is.
async fn odd_ogg_files_fail_saying_why(app: &TestApp) {
    const OGG_FLAC: &str = "Ogg FLAC is not supported";
    const THEORA: &str = "an Ogg video (its first stream is Theora), not an audio file";
    let ann = app.register("ann").await;
    let music = tempfile::tempdir().unwrap();
    let sine = ["-f", "lavfi", "-i", "sine=d=1"];
    let video = ["-f", "lavfi", "-i", "testsrc=d=1:s=64x64"];
    let ogg_flac = ffmpeg(
        music.path(),
        "Odd Band/Ogg/01 Flac.oga",
        &[&sine[..], &["-c:a", "flac", "-f", "ogg"]].concat(),
    );
    let theora = ffmpeg(
        music.path(),
        "Odd Band/Ogg/02 Video.ogg",
        &[
            &video[..],
            &sine,
            &["-c:v", "libtheora", "-c:a", "libvorbis"],
        ]
        .concat(),
    );
    ffmpeg(
        music.path(),
        "Odd Band/Ogg/03 Sound First.ogg",
        &[
            &sine[..],
            &video,
            &[
                "-map",
                "0",
                "-map",
                "1",
                "-c:v",
                "libtheora",
                "-c:a",
                "libvorbis",
            ],
        ]
        .concat(),
    );

    for (path, reason) in [(&ogg_flac, OGG_FLAC), (&theora, THEORA)] {
        let err = juke::library::read::read_file(path, Path::new("x.ogg")).unwrap_err();
        assert!(
            err.to_string().starts_with(reason),
            "{}: {err}",
            path.display()
        );
    }
    let summary = scan(app, music.path()).await.unwrap();
    assert_eq!((summary.added, summary.failed), (1, 2), "{summary:?}");
    let tracks = tracks_by_title(app, &ann.token, music.path()).await;
    let titles: Vec<&str> = tracks.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles, ["Sound First"]);

    for (path, reason) in [(&ogg_flac, OGG_FLAC), (&theora, THEORA)] {
        let name = path.file_name().unwrap().to_str().unwrap();
        let sent =
            crate::uploads::send(app, &ann, vec![(name, std::fs::read(path).unwrap())]).await;
        assert_eq!(sent.status(), StatusCode::ACCEPTED);
        let sent: Value = sent.json().await.unwrap();
        let row =
            crate::uploads::settled(app, &ann, sent["uploads"][0]["id"].as_str().unwrap()).await;
        assert_eq!(row["upload_status"], "failed", "{row}");
        let log = row["processing_log"].as_str().unwrap();
        assert!(log.contains(reason), "{name}: {row}");
    }
}

http_on_both_engines!(odd_ogg_files_fail_saying_why);
