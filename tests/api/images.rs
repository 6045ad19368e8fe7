//! Covers and artist images over real HTTP, on both engines: originals, bounded sizes from the
//! disk cache, validators, media links, and placeholders.

use image::{DynamicImage, GenericImageView, RgbImage};
use juke::library::scan::Scanner;
use juke::storage::Id;
use reqwest::StatusCode;
use serde_json::Value;

use crate::app::{TestApp, error_of};
use crate::audio::{Audio, make};
use crate::helpers::{album, artist};
use crate::http_on_both_engines;

/// An 800 × 600 JPEG with some detail in it.
fn jpeg_800x600() -> Vec<u8> {
    let image = RgbImage::from_fn(800, 600, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut bytes = Vec::new();
    DynamicImage::ImageRgb8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    bytes
}

/// Scans one album whose folder has `cover.jpg`; returns the track's JSON.
async fn album_with_cover(app: &TestApp, music: &std::path::Path, cover: &[u8]) -> Value {
    make(
        music,
        &Audio {
            path: "Painters/Canvas/01 Oil.flac",
            seconds: 1.0,
            codec: &[],
            tags: &[
                ("title", "Oil"),
                ("artist", "Painters"),
                ("album", "Canvas"),
            ],
        },
    );
    std::fs::write(music.join("Painters/Canvas/cover.jpg"), cover).unwrap();
    Scanner::new(app.storage.clone(), app.data_dir.path().join("data"))
        .scan(&[music.to_path_buf()], false, &|_| {})
        .await
        .unwrap();
    let prefix = format!("{}/", std::fs::canonicalize(music).unwrap().display());
    let id = app.storage.known_files_under(&prefix).await.unwrap()[0].id;
    let admin = app.register("curator").await;
    app.get(&format!("/api/v1/tracks/{id}"), &admin.token)
        .await
        .json()
        .await
        .unwrap()
}

fn dimensions(bytes: &[u8]) -> (u32, u32) {
    image::load_from_memory(bytes).unwrap().dimensions()
}

async fn covers_come_in_bounded_cached_sizes(app: &TestApp) {
    let ann = app.register("ann").await;
    let music = tempfile::tempdir().unwrap();
    let original = jpeg_800x600();
    let track = album_with_cover(app, music.path(), &original).await;
    let album_id = track["album_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/albums/{album_id}/cover");

    let full = app.get(&path, &ann.token).await;
    assert_eq!(full.status(), StatusCode::OK);
    assert_eq!(full.headers()["content-type"], "image/jpeg");
    assert!(
        full.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    assert!(full.headers().get("x-juke-placeholder").is_none());
    assert_eq!(
        full.bytes().await.unwrap().as_ref(),
        original.as_slice(),
        "the original"
    );

    let small = app.get(&format!("{path}?size=100"), &ann.token).await;
    assert_eq!(small.status(), StatusCode::OK);
    assert_eq!(small.headers()["content-type"], "image/jpeg");
    let etag = small.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(
        dimensions(&small.bytes().await.unwrap()),
        (128, 96),
        "rounded up to 128, aspect kept"
    );
    let cached = app
        .data_dir
        .path()
        .join(format!("data/cache/covers/{album_id}-128.jpg"));
    assert!(cached.is_file(), "kept on disk at {}", cached.display());
    let again = app
        .client
        .get(app.url(&format!("{path}?size=128")))
        .bearer_auth(&ann.token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::NOT_MODIFIED,
        "same size, same file"
    );

    let large = app.get(&format!("{path}?size=4000"), &ann.token).await;
    assert_eq!(
        dimensions(&large.bytes().await.unwrap()),
        (800, 600),
        "never scaled up"
    );
    for bad in ["0", "5000"] {
        let (status, _, body) =
            error_of(app.get(&format!("{path}?size={bad}"), &ann.token).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["field"], "size");
    }

    // The artist has no picture of their own: their album's cover stands in.
    let artist_id = track["artist_id"].as_str().unwrap();
    let face = app
        .get(
            &format!("/api/v1/artists/{artist_id}/image?size=64"),
            &ann.token,
        )
        .await;
    assert_eq!(face.status(), StatusCode::OK);
    assert_eq!(dimensions(&face.bytes().await.unwrap()), (64, 48));

    let missing = app
        .get(&format!("/api/v1/albums/{}/cover", Id::new()), &ann.token)
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let anonymous = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

async fn cover_links_work_for_their_album_only(app: &TestApp) {
    let music = tempfile::tempdir().unwrap();
    let track = album_with_cover(app, music.path(), &jpeg_800x600()).await;
    let cover_url = track["cover_url"].as_str().unwrap().to_owned();
    let album_id = track["album_id"].as_str().unwrap();
    assert!(cover_url.starts_with(&format!("/api/v1/albums/{album_id}/cover?t=")));
    let by_link = app
        .client
        .get(app.url(&format!("{cover_url}&size=64")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_link.status(),
        StatusCode::OK,
        "an <img src> needs no header"
    );
    assert_eq!(dimensions(&by_link.bytes().await.unwrap()), (64, 48));

    let token = cover_url.split("?t=").nth(1).unwrap();
    let other = album(
        &app.storage,
        artist(&app.storage, "Other").await.id,
        "Other",
    )
    .await;
    let elsewhere = app
        .client
        .get(app.url(&format!("/api/v1/albums/{}/cover?t={token}", other.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::UNAUTHORIZED);
    let stream_token = track["stream_url"]
        .as_str()
        .unwrap()
        .split("?t=")
        .nth(1)
        .unwrap();
    let crossed = app
        .client
        .get(app.url(&format!("/api/v1/albums/{album_id}/cover?t={stream_token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        crossed.status(),
        StatusCode::UNAUTHORIZED,
        "a track's link is not the album's"
    );
}

async fn art_less_albums_get_a_placeholder(app: &TestApp) {
    let ann = app.register("ann").await;
    let band = artist(&app.storage, "Quiet Band").await;
    let bare = album(&app.storage, band.id, "No Art <Here>").await;
    let path = format!("/api/v1/albums/{}/cover", bare.id);

    let svg = app
        .client
        .get(app.url(&path))
        .bearer_auth(&ann.token)
        .header(
            "accept",
            "image/avif,image/webp,image/svg+xml,image/*,*/*;q=0.8",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(svg.status(), StatusCode::OK);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert_eq!(svg.headers()["x-juke-placeholder"], "true");
    let text = svg.text().await.unwrap();
    assert!(text.starts_with("<svg"), "{text}");
    assert!(text.contains(">NA</text>"), "initials of the title: {text}");

    let png = app.get(&format!("{path}?size=200"), &ann.token).await;
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(dimensions(&png.bytes().await.unwrap()), (256, 256));

    let face = app
        .get(&format!("/api/v1/artists/{}/image", band.id), &ann.token)
        .await;
    assert_eq!(face.headers()["x-juke-placeholder"], "true");
    assert_eq!(dimensions(&face.bytes().await.unwrap()), (512, 512));
}

async fn a_broken_cover_is_a_placeholder_not_an_error(app: &TestApp) {
    let ann = app.register("ann").await;
    let music = tempfile::tempdir().unwrap();
    let track = album_with_cover(app, music.path(), b"\xFF\xD8\xFF\xE0 not really a JPEG").await;
    let album_id = track["album_id"].as_str().unwrap();
    let scaled = app
        .get(
            &format!("/api/v1/albums/{album_id}/cover?size=64"),
            &ann.token,
        )
        .await;
    assert_eq!(scaled.status(), StatusCode::OK);
    assert_eq!(scaled.headers()["x-juke-placeholder"], "true");
    assert_eq!(dimensions(&scaled.bytes().await.unwrap()), (64, 64));
}

http_on_both_engines!(
    covers_come_in_bounded_cached_sizes,
    cover_links_work_for_their_album_only,
    art_less_albums_get_a_placeholder,
    a_broken_cover_is_a_placeholder_not_an_error,
);
