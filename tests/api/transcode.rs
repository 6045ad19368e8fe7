//! Transcoding over real HTTP with the real ffmpeg: the output decodes as the asked format at
//! the asked bitrate and offset; limits, disconnects, a missing ffmpeg and undecodable files.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use juke::config::Registration;
use juke::library::scan::Scanner;
use juke::storage::{Id, NewTrack};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::app::{Login, TestApp, error_of};
use crate::audio::{Audio, make};
use crate::helpers::{TestDb, artist};
use crate::http_on_both_engines;

/// Scans one FLAC of `seconds` into the app; returns its id.
async fn flac(app: &TestApp, music: &Path, seconds: f32) -> Id {
    make(
        music,
        &Audio {
            path: "Band/Album/01 Tone.flac",
            seconds,
            codec: &[],
            tags: &[("title", "Tone"), ("artist", "Band"), ("album", "Album")],
        },
    );
    Scanner::new(app.storage.clone(), app.data_dir.path().join("data"))
        .scan(&[music.to_path_buf()], false, &|_| {})
        .await
        .unwrap();
    let prefix = format!("{}/", std::fs::canonicalize(music).unwrap().display());
    app.storage.known_files_under(&prefix).await.unwrap()[0].id
}

/// ffprobe's view of a file: `(format_name, codec_name, duration, bit_rate)`.
fn probe(bytes: &[u8]) -> (String, String, f64, f64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=format_name,duration,bit_rate",
        ])
        .args(["-show_entries", "stream=codec_name", "-of", "json"])
        .arg(&path)
        .output()
        .expect("ffprobe comes with ffmpeg");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let number = |v: &Value| v.as_str().and_then(|s| s.parse().ok()).unwrap_or(0.0);
    (
        json["format"]["format_name"].as_str().unwrap().to_owned(),
        json["streams"][0]["codec_name"]
            .as_str()
            .unwrap()
            .to_owned(),
        number(&json["format"]["duration"]),
        number(&json["format"]["bit_rate"]),
    )
}

async fn fetch(app: &TestApp, token: &str, path: &str) -> (StatusCode, String, Vec<u8>) {
    let response = app.get(path, token).await;
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, response.bytes().await.unwrap().to_vec())
}

async fn transcodes_decode_as_asked(app: &TestApp) {
    let ann = app.register("ann").await;
    let music = tempfile::tempdir().unwrap();
    let id = flac(app, music.path(), 6.0).await;
    let stream = format!("/api/v1/tracks/{id}/stream");

    let (status, kind, mp3) = fetch(app, &ann.token, &format!("{stream}?format=mp3")).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "audio/mpeg"));
    let (container, codec, seconds, _) = probe(&mp3);
    assert_eq!((container.as_str(), codec.as_str()), ("mp3", "mp3"));
    assert!((seconds - 6.0).abs() < 0.3, "whole track: {seconds}");

    let (_, _, later) = fetch(app, &ann.token, &format!("{stream}?format=mp3&offset=4")).await;
    let (_, _, seconds, _) = probe(&later);
    assert!((seconds - 2.0).abs() < 0.3, "starts at 4 s of 6: {seconds}");

    let (_, _, lean) = fetch(
        app,
        &ann.token,
        &format!("{stream}?format=mp3&max_bitrate=64"),
    )
    .await;
    let (_, _, _, bit_rate) = probe(&lean);
    assert!((bit_rate - 64_000.0).abs() < 4_000.0, "64 kbps: {bit_rate}");
    assert!(lean.len() < mp3.len() / 2);

    let (status, kind, opus) = fetch(app, &ann.token, &format!("{stream}?format=opus")).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "audio/ogg"));
    let (container, codec, seconds, _) = probe(&opus);
    assert_eq!((container.as_str(), codec.as_str()), ("ogg", "opus"));
    assert!((seconds - 6.0).abs() < 0.3, "{seconds}");

    let (status, kind, aac) = fetch(app, &ann.token, &format!("{stream}?format=aac")).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "audio/aac"));
    let (_, codec, _, _) = probe(&aac);
    assert_eq!(codec, "aac");

    // Only a bitrate limit: an MP3 under it when the original is over it.
    let kbps = app.storage.track(id).await.unwrap().bitrate.unwrap();
    assert!(kbps > 64, "a sine FLAC runs at about 110 kbps: {kbps}");
    let (_, kind, _) = fetch(app, &ann.token, &format!("{stream}?max_bitrate=64")).await;
    assert_eq!(kind, "audio/mpeg");
    let (_, kind, _) = fetch(app, &ann.token, &format!("{stream}?max_bitrate={kbps}")).await;
    assert_eq!(kind, "audio/flac", "within the limit: the original");
    // A limit of 0 is no limit: the original, with its ranges.
    let original = app
        .get(&format!("{stream}?max_bitrate=0"), &ann.token)
        .await;
    assert_eq!(original.headers()["content-type"], "audio/flac");
    assert_eq!(original.headers()["accept-ranges"], "bytes");

    let head = app
        .send(
            Method::HEAD,
            &format!("{stream}?format=opus"),
            Some(&ann.token),
            None,
        )
        .await;
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["content-type"], "audio/ogg");
    assert!(head.bytes().await.unwrap().is_empty());

    for (query, field) in [
        ("format=wav", "format"),
        ("format=mp3&offset=-1", "offset"),
        ("format=mp3&offset=6", "offset"),
    ] {
        let (status, _, body) =
            error_of(app.get(&format!("{stream}?{query}"), &ann.token).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(body["error"]["field"], field, "{query}");
    }
}

http_on_both_engines!(transcodes_decode_as_asked);

async fn app_with(tweak: impl FnOnce(&mut juke::config::Config)) -> (TestApp, Login) {
    let app = TestApp::spawn_with(TestDb::sqlite().await, |config| {
        config.auth.registration = Registration::Open;
        tweak(config);
    })
    .await;
    let ann = app.register("ann").await;
    (app, ann)
}

/// The ffmpeg processes working on files under `dir`.
fn ffmpegs_under(dir: &Path) -> Vec<PathBuf> {
    let needle = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline);
            cmdline.starts_with(&*which_ffmpeg()) && cmdline.contains(&needle)
        })
        .map(|entry| entry.path())
        .collect()
}

fn which_ffmpeg() -> String {
    let out = Command::new("sh")
        .args(["-c", "command -v ffmpeg"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcodes_are_limited_and_die_with_their_client() {
    let (app, ann) = app_with(|config| config.transcoding.max_concurrent = 1).await;
    let music = tempfile::tempdir().unwrap();
    // Long enough that its MP3 outgrows every socket buffer: ffmpeg waits on the reader.
    let id = flac(&app, music.path(), 900.0).await;
    let music_dir = std::fs::canonicalize(music.path()).unwrap();
    let stream = format!("/api/v1/tracks/{id}/stream?format=mp3");

    let first = app.get(&stream, &ann.token).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(ffmpegs_under(&music_dir).len(), 1, "one ffmpeg runs");

    let (status, code, _) = error_of(app.get(&stream, &ann.token).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "transcoding_busy"),
        "the only slot is taken"
    );
    // The original needs no slot.
    let original = app
        .get(&format!("/api/v1/tracks/{id}/stream"), &ann.token)
        .await;
    assert_eq!(original.status(), StatusCode::OK);
    drop(original);

    // The listener skips: the connection closes, ffmpeg goes, and the slot is free again.
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ffmpegs_under(&music_dir).is_empty() {
        assert!(Instant::now() < deadline, "ffmpeg outlived its client");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let next = app.get(&format!("{stream}&offset=890"), &ann.token).await;
    assert_eq!(next.status(), StatusCode::OK);
    let (_, codec, seconds, _) = probe(&next.bytes().await.unwrap());
    assert_eq!(codec, "mp3");
    assert!((seconds - 10.0).abs() < 0.5, "{seconds}");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_ffmpeg_originals_play_and_transcodes_say_why() {
    let (app, ann) =
        app_with(|config| config.transcoding.ffmpeg_path = "/nonexistent/ffmpeg".into()).await;
    let music = tempfile::tempdir().unwrap();
    let id = flac(&app, music.path(), 1.0).await;
    let (status, code, body) = error_of(
        app.get(
            &format!("/api/v1/tracks/{id}/stream?format=opus"),
            &ann.token,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "transcoding_unavailable")
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ffmpeg")
    );
    let original = app
        .get(&format!("/api/v1/tracks/{id}/stream"), &ann.token)
        .await;
    assert_eq!(original.status(), StatusCode::OK);
    assert_eq!(original.headers()["content-type"], "audio/flac");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_file_fails_its_transcode_cleanly() {
    let (app, ann) = app_with(|_| {}).await;
    let music = tempfile::tempdir().unwrap();
    let path = music.path().join("noise.flac");
    std::fs::write(&path, b"fLaC but nothing after it that ffmpeg can decode").unwrap();
    let band = artist(&app.storage, "Band").await;
    let mut new = NewTrack::new("Noise", band.id);
    new.file_path = Some(path.display().to_string());
    new.duration_seconds = 10;
    new.metadata = serde_json::json!({"format": "flac"});
    let track = app.storage.create_track(&new).await.unwrap();
    let (status, code, body) = error_of(
        app.get(
            &format!("/api/v1/tracks/{}/stream?format=mp3", track.id),
            &ann.token,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "transcode_failed")
    );
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        !message.contains("noise.flac"),
        "server paths stay in the log: {message}"
    );
    let healthy = app.get("/healthz", &ann.token).await;
    assert_eq!(healthy.status(), StatusCode::OK);
    app.finish().await;
}
