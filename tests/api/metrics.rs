//! `GET /metrics`, read by the Prometheus client library's strict OpenMetrics parser
//! (tests/ops/parse_metrics.py, in the venv `scripts/test` makes), on both engines.

use std::path::PathBuf;
use std::time::Duration;

use juke::storage::NewTrack;
use reqwest::StatusCode;
use serde_json::Value;

use crate::app::TestApp;
use crate::audio::{Audio, make};
use crate::helpers::artist;
use crate::http_on_both_engines;

/// The exposition, parsed: family name → {type, samples: [[name, labels, value]]}.
async fn scrape(app: &TestApp) -> Value {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        kind.starts_with("application/openmetrics-text; version=1.0.0"),
        "{kind}"
    );
    let text = response.text().await.unwrap();
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pyenv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: scripts/test makes the venv and installs tests/requirements.txt",
        python.display()
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/ops/parse_metrics.py");
    let mut child = tokio::process::Command::new(&python)
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use tokio::io::AsyncWriteExt;
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(text.as_bytes()).await.unwrap();
    drop(stdin);
    let output = child.wait_with_output().await.unwrap();
    assert!(
        output.status.success(),
        "the OpenMetrics parser refused /metrics: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The value of the one sample named `sample` whose labels include `labels`.
fn value(metrics: &Value, family: &str, sample: &str, labels: &[(&str, &str)]) -> Option<f64> {
    metrics[family]["samples"]
        .as_array()?
        .iter()
        .find(|s| {
            s[0] == sample
                && labels
                    .iter()
                    .all(|(key, wanted)| s[1][*key].as_str() == Some(*wanted))
        })
        .and_then(|s| s[2].as_f64())
}

async fn metrics_parse_and_count_what_happens(app: &TestApp) {
    let anna = app.register("anna").await;
    let band = artist(&app.storage, "Band").await;
    let music = tempfile::tempdir().unwrap();
    let flac = make(
        music.path(),
        &Audio {
            path: "song.flac",
            seconds: 2.0,
            codec: &[],
            tags: &[],
        },
    );
    let mut new = NewTrack::new("Song", band.id);
    new.file_path = Some(flac.display().to_string());
    new.duration_seconds = 2;
    let song = app.storage.create_track(&new).await.unwrap();
    // A file too big to fit in the sockets' buffers, so its response stays in flight.
    let big = music.path().join("big.mp3");
    std::fs::write(&big, vec![0u8; 48 * 1024 * 1024]).unwrap();
    let mut new = NewTrack::new("Big", band.id);
    new.file_path = Some(big.display().to_string());
    new.duration_seconds = 3000;
    let big = app.storage.create_track(&new).await.unwrap();

    let first = scrape(app).await;
    for family in [
        "juke_http_requests",
        "juke_http_request_duration_seconds",
        "juke_streams_active",
        "juke_transcodes_active",
        "juke_transcodes",
        "juke_scan_running",
        "juke_scan_files_found",
        "juke_scan_files_processed",
        "juke_upload_queue",
        "juke_cache_hits",
        "juke_cache_misses",
        "juke_db_connections",
        "juke_db_connections_max",
    ] {
        assert!(first.get(family).is_some(), "{family} is missing: {first}");
    }
    assert_eq!(
        first["juke_http_request_duration_seconds"]["type"],
        "histogram"
    );
    assert_eq!(first["juke_http_requests"]["type"], "counter");
    assert_eq!(
        value(&first, "juke_streams_active", "juke_streams_active", &[]),
        Some(0.0)
    );
    assert_eq!(
        value(&first, "juke_scan_running", "juke_scan_running", &[]),
        Some(0.0)
    );
    let max = value(
        &first,
        "juke_db_connections_max",
        "juke_db_connections_max",
        &[],
    )
    .unwrap();
    assert!(max >= 1.0);
    for status in ["pending", "processing", "completed", "failed"] {
        assert_eq!(
            value(
                &first,
                "juke_upload_queue",
                "juke_upload_queue",
                &[("status", status)]
            ),
            Some(0.0),
            "{status}"
        );
    }

    // Requests by route pattern, never by raw path.
    let track_path = format!("/api/v1/tracks/{}", song.id);
    for _ in 0..3 {
        assert_eq!(
            app.get(&track_path, &anna.token).await.status(),
            StatusCode::OK
        );
    }
    let missing = format!("/api/v1/tracks/{}", juke::storage::Id::new());
    assert_eq!(
        app.get(&missing, &anna.token).await.status(),
        StatusCode::NOT_FOUND
    );
    // A transcode (ffmpeg), then a stream held open.
    let transcoded = app
        .client
        .get(app.url(&format!("/api/v1/tracks/{}/stream?format=mp3", song.id)))
        .bearer_auth(&anna.token)
        .send()
        .await
        .unwrap();
    assert_eq!(transcoded.status(), StatusCode::OK);
    assert!(!transcoded.bytes().await.unwrap().is_empty());
    let held = app
        .client
        .get(app.url(&format!("/api/v1/tracks/{}/stream", big.id)))
        .bearer_auth(&anna.token)
        .send()
        .await
        .unwrap();
    assert_eq!(held.status(), StatusCode::OK);
    let upload = app
        .client
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(&anna.token)
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(std::fs::read(&flac).unwrap()).file_name("up.flac"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::ACCEPTED);
    let upload: Value = upload.json().await.unwrap();
    let upload = upload["uploads"][0]["id"].as_str().unwrap().to_owned();
    for _ in 0..300 {
        let row: Value = app
            .get(&format!("/api/v1/uploads/{upload}"), &anna.token)
            .await
            .json()
            .await
            .unwrap();
        if matches!(row["upload_status"].as_str(), Some("completed" | "failed")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let during = scrape(app).await;
    let route = [("route", "/api/v1/tracks/{id}"), ("method", "GET")];
    let ok = [route[0], route[1], ("status", "200")];
    assert_eq!(
        value(
            &during,
            "juke_http_requests",
            "juke_http_requests_total",
            &ok
        ),
        Some(3.0)
    );
    let not_found = [route[0], route[1], ("status", "404")];
    assert_eq!(
        value(
            &during,
            "juke_http_requests",
            "juke_http_requests_total",
            &not_found
        ),
        Some(1.0)
    );
    let histogram = "juke_http_request_duration_seconds";
    assert_eq!(
        value(&during, histogram, &format!("{histogram}_count"), &ok),
        Some(3.0)
    );
    let everything = [ok[0], ok[1], ok[2], ("le", "+Inf")];
    assert_eq!(
        value(
            &during,
            histogram,
            &format!("{histogram}_bucket"),
            &everything
        ),
        Some(3.0)
    );
    assert!(value(&during, histogram, &format!("{histogram}_sum"), &ok).unwrap() > 0.0);
    let raw_paths = during["juke_http_requests"]["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s[1]["route"]
                .as_str()
                .unwrap()
                .contains(&song.id.to_string())
        })
        .count();
    assert_eq!(raw_paths, 0, "a raw path became a label");
    assert_eq!(
        value(&during, "juke_streams_active", "juke_streams_active", &[]),
        Some(1.0)
    );
    assert_eq!(
        value(&during, "juke_transcodes", "juke_transcodes_total", &[]),
        Some(1.0)
    );
    assert_eq!(
        value(
            &during,
            "juke_upload_queue",
            "juke_upload_queue",
            &[("status", "completed")]
        ),
        Some(1.0)
    );

    // The listener goes away: the stream is no longer counted.
    drop(held);
    let mut gone = false;
    for _ in 0..100 {
        let now = scrape(app).await;
        if value(&now, "juke_streams_active", "juke_streams_active", &[]) == Some(0.0) {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "a closed stream is still counted");
}

/// `storage.max_connections` is the pool's ceiling, whichever the engine; 0 is its default.
async fn the_pool_has_the_configured_ceiling(app: &TestApp) {
    let metrics = scrape(app).await;
    let max = |metrics: &Value| {
        value(
            metrics,
            "juke_db_connections_max",
            "juke_db_connections_max",
            &[],
        )
    };
    assert_eq!(max(&metrics), Some(3.0));
    // Busy the pool past its ceiling: requests wait for a connection, none fails.
    let admin = app.register("admin").await;
    let answers = futures_util::future::join_all(
        (0..12).map(|_| app.get("/api/v1/tracks?limit=5", &admin.token)),
    )
    .await;
    assert!(answers.iter().all(|r| r.status() == StatusCode::OK));
    let metrics = scrape(app).await;
    let open: f64 = ["idle", "busy"]
        .iter()
        .filter_map(|state| {
            value(
                &metrics,
                "juke_db_connections",
                "juke_db_connections",
                &[("state", state)],
            )
        })
        .sum();
    assert!((1.0..=3.0).contains(&open), "{open} connections open");
}

http_on_both_engines!(
    metrics_parse_and_count_what_happens,
    the_pool_has_the_configured_ceiling with |config| config.storage.max_connections = 3,
);
