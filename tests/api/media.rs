//! Streaming and downloads over real HTTP, on both engines: ranges, conditionals, HEAD, types,
//! names, and files that went missing.

use juke::library::scan::Scanner;
use juke::storage::Id;
use reqwest::{Method, StatusCode};

use crate::app::{TestApp, error_of};
use crate::audio::{Audio, make};
use crate::http_on_both_engines;

/// Scans one FLAC called `Café Tune.flac` into the app; returns its id and bytes.
async fn one_track(app: &TestApp, music: &std::path::Path) -> (Id, Vec<u8>) {
    let path = make(
        music,
        &Audio {
            path: "Band/Album/Café Tune.flac",
            seconds: 2.0,
            codec: &[],
            tags: &[
                ("title", "Café Tune"),
                ("artist", "Band"),
                ("album", "Album"),
            ],
        },
    );
    Scanner::new(app.storage.clone(), app.data_dir.path().join("data"))
        .scan(&[music.to_path_buf()], false, &|_| {})
        .await
        .unwrap();
    let prefix = format!("{}/", std::fs::canonicalize(music).unwrap().display());
    let id = app.storage.known_files_under(&prefix).await.unwrap()[0].id;
    (id, std::fs::read(path).unwrap())
}

async fn ranged(app: &TestApp, token: &str, path: &str, range: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .header("range", range)
        .send()
        .await
        .unwrap()
}

async fn streams_answer_ranges_and_conditionals(app: &TestApp) {
    let ann = app.register("ann").await;
    let music = tempfile::tempdir().unwrap();
    let (id, bytes) = one_track(app, music.path()).await;
    let len = bytes.len();
    let path = format!("/api/v1/tracks/{id}/stream");

    let full = app.get(&path, &ann.token).await;
    assert_eq!(full.status(), StatusCode::OK);
    assert_eq!(full.headers()["content-type"], "audio/flac");
    assert_eq!(full.headers()["accept-ranges"], "bytes");
    assert!(
        full.headers()
            .get("content-encoding")
            .is_none_or(|e| e == "identity")
    );
    let etag = full.headers()["etag"].to_str().unwrap().to_owned();
    assert!(full.headers().contains_key("last-modified"));
    assert_eq!(
        full.bytes().await.unwrap().as_ref(),
        bytes.as_slice(),
        "byte-exact"
    );

    for (range, start, end) in [
        ("bytes=0-99".to_string(), 0, 99),
        ("bytes=100-199".to_string(), 100, 199),
        ("bytes=-50".to_string(), len - 50, len - 1),
        (format!("bytes={}-", len - 10), len - 10, len - 1),
    ] {
        let part = ranged(app, &ann.token, &path, &range).await;
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            part.headers()["content-range"],
            format!("bytes {start}-{end}/{len}").as_str(),
            "{range}"
        );
        assert_eq!(
            part.bytes().await.unwrap().as_ref(),
            &bytes[start..=end],
            "{range}"
        );
    }
    let past = ranged(app, &ann.token, &path, &format!("bytes={}-", len + 10)).await;
    assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);

    let head = app.send(Method::HEAD, &path, Some(&ann.token), None).await;
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["content-length"], len.to_string().as_str());
    assert!(head.bytes().await.unwrap().is_empty());

    let cached = app
        .client
        .get(app.url(&path))
        .bearer_auth(&ann.token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    let anonymous = app.send(Method::GET, &path, None, None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let unknown = app
        .get(&format!("/api/v1/tracks/{}/stream", Id::new()), &ann.token)
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

async fn downloads_carry_the_unicode_file_name(app: &TestApp) {
    let ann = app.register("ann").await;
    let music = tempfile::tempdir().unwrap();
    let (id, bytes) = one_track(app, music.path()).await;
    let response = app
        .get(&format!("/api/v1/tracks/{id}/download"), &ann.token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(
        disposition.contains("filename=\"Caf_ Tune.flac\""),
        "{disposition}"
    );
    assert!(
        disposition.contains("filename*=UTF-8''Caf%C3%A9%20Tune.flac"),
        "{disposition}"
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

async fn a_missing_file_is_gone_not_an_error(app: &TestApp) {
    let ann = app.register("ann").await;
    let music = tempfile::tempdir().unwrap();
    let (id, _) = one_track(app, music.path()).await;
    std::fs::remove_dir_all(music.path().join("Band")).unwrap();
    let (status, code, _) = error_of(
        app.get(&format!("/api/v1/tracks/{id}/stream"), &ann.token)
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::GONE, "media_unavailable")
    );
    assert!(
        !app.storage.track(id).await.unwrap().is_available,
        "marked unavailable"
    );
    let (status, _, _) = error_of(
        app.get(&format!("/api/v1/tracks/{id}/download"), &ann.token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::GONE);
}

async fn media_links_work_without_headers_for_their_track_only(app: &TestApp) {
    let admin = app.register("admin").await;
    let ann = app.register("ann").await;
    let music = tempfile::tempdir().unwrap();
    let (id, bytes) = one_track(app, music.path()).await;
    let other_dir = tempfile::tempdir().unwrap();
    make(
        other_dir.path(),
        &Audio {
            path: "x/y/z.flac",
            seconds: 1.0,
            codec: &[],
            tags: &[("title", "Other")],
        },
    );
    Scanner::new(app.storage.clone(), app.data_dir.path().join("data"))
        .scan(&[other_dir.path().to_path_buf()], false, &|_| {})
        .await
        .unwrap();
    let prefix = format!(
        "{}/",
        std::fs::canonicalize(other_dir.path()).unwrap().display()
    );
    let other = app.storage.known_files_under(&prefix).await.unwrap()[0].id;
    let view: serde_json::Value = app
        .get(&format!("/api/v1/tracks/{id}"), &ann.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["title"], "Café Tune");
    assert!(view.get("file_path").is_none(), "server paths stay private");
    let stream_url = view["stream_url"].as_str().unwrap().to_owned();
    let token = stream_url.split("?t=").nth(1).unwrap().to_owned();

    // What an <audio src> does: no header at all.
    let played = app.client.get(app.url(&stream_url)).send().await.unwrap();
    assert_eq!(played.status(), StatusCode::OK);
    assert_eq!(played.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let download = app
        .client
        .get(app.url(view["download_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), StatusCode::OK);

    let refused = |path: String| async move {
        app.client
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(
        refused(format!("/api/v1/tracks/{other}/stream?t={token}")).await,
        StatusCode::UNAUTHORIZED,
        "another track"
    );
    let mut tampered = token.clone();
    tampered.replace_range(tampered.len() - 3.., "AAA");
    assert_eq!(
        refused(format!("/api/v1/tracks/{id}/stream?t={tampered}")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        refused(format!("/api/v1/tracks/{id}/stream?t={}", ann.token)).await,
        StatusCode::UNAUTHORIZED,
        "a session token is not a media token"
    );

    // A deactivated account's links stop working.
    app.delete(&format!("/api/v1/users/{}", ann.id()), &admin.token)
        .await;
    assert_eq!(refused(stream_url.clone()).await, StatusCode::UNAUTHORIZED);
}

/// Bodies of several MiB are read in big chunks: every byte still lands where it belongs.
async fn large_bodies_are_byte_exact(app: &TestApp) {
    let ann = app.register("ann").await;
    let music = tempfile::tempdir().unwrap();
    let path = music.path().join("Noise/Album/01 Noise.wav");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // Noise, not a tone: a misplaced chunk of a periodic signal could still match.
    let made = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi"])
        .args([
            "-i",
            "anoisesrc=duration=40:seed=7:sample_rate=44100",
            "-ac",
            "2",
        ])
        .args(["-c:a", "pcm_s16le"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(made.success());
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 7_000_000, "{}", bytes.len());
    Scanner::new(app.storage.clone(), app.data_dir.path().join("data"))
        .scan(&[music.path().to_path_buf()], false, &|_| {})
        .await
        .unwrap();
    let prefix = format!(
        "{}/",
        std::fs::canonicalize(music.path()).unwrap().display()
    );
    let id = app.storage.known_files_under(&prefix).await.unwrap()[0].id;
    let stream = format!("/api/v1/tracks/{id}/stream");

    let full = app.get(&stream, &ann.token).await;
    assert_eq!(
        full.headers()["content-length"],
        bytes.len().to_string().as_str()
    );
    assert!(
        full.bytes().await.unwrap().as_ref() == bytes.as_slice(),
        "whole file"
    );
    let len = bytes.len();
    for (range, start, end) in [
        ("bytes=1000001-5500000".to_owned(), 1_000_001, 5_500_000),
        ("bytes=-3000000".to_owned(), len - 3_000_000, len - 1),
        ("bytes=2097152-".to_owned(), 2_097_152, len - 1),
    ] {
        let part = ranged(app, &ann.token, &stream, &range).await;
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert!(
            part.bytes().await.unwrap().as_ref() == &bytes[start..=end],
            "{range}"
        );
    }
    let download = app
        .get(&format!("/api/v1/tracks/{id}/download"), &ann.token)
        .await;
    assert!(download.bytes().await.unwrap().as_ref() == bytes.as_slice());
}

/// A media link signed with the server's own key but past its expiry is refused.
async fn expired_media_links_are_refused(app: &TestApp) {
    let ann = app.register("ann").await;
    let music = tempfile::tempdir().unwrap();
    let (id, _) = one_track(app, music.path()).await;
    let secret = juke::auth::secret::signing_secret("", &app.data_dir.path().join("data")).unwrap();
    let keys = juke::auth::token::TokenKeys::new(&secret);
    let user: Id = ann.id().parse().unwrap();
    let stream = format!("/api/v1/tracks/{id}/stream");
    let fresh = keys
        .issue_media(user, id, chrono::Utc::now() + chrono::Duration::minutes(5))
        .unwrap();
    let by_fresh = app
        .client
        .get(app.url(&format!("{stream}?t={fresh}")))
        .send()
        .await
        .unwrap();
    assert_eq!(by_fresh.status(), StatusCode::OK, "the key is the server's");
    let stale = keys
        .issue_media(user, id, chrono::Utc::now() - chrono::Duration::seconds(5))
        .unwrap();
    let by_stale = app
        .client
        .get(app.url(&format!("{stream}?t={stale}")))
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(by_stale).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
}

http_on_both_engines!(
    expired_media_links_are_refused,
    large_bodies_are_byte_exact,
    media_links_work_without_headers_for_their_track_only,
    streams_answer_ranges_and_conditionals,
    downloads_carry_the_unicode_file_name,
    a_missing_file_is_gone_not_an_error,
);
