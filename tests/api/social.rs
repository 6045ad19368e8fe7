//! Likes, follows and comments over real HTTP on both engines, with the comment rules per role.

use juke::storage::{AdminUserPatch, Id, NewAlbum};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::{Login, TestApp, error_of};
use crate::helpers::{artist, track};
use crate::http_on_both_engines;

async fn status(app: &TestApp, method: Method, path: &str, who: &Login) -> StatusCode {
    app.send(method, path, Some(&who.token), None)
        .await
        .status()
}

async fn likes_are_idempotent_and_counted(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let band = artist(&app.storage, "Band").await;
    let first = track(&app.storage, band.id, None, 100).await;
    let second = track(&app.storage, band.id, None, 100).await;
    for _ in 0..2 {
        let path = format!("/api/v1/tracks/{}/favorite", first.id);
        assert_eq!(
            status(app, Method::PUT, &path, &ann).await,
            StatusCode::NO_CONTENT
        );
    }
    let path = format!("/api/v1/tracks/{}/favorite", second.id);
    assert_eq!(
        status(app, Method::PUT, &path, &ann).await,
        StatusCode::NO_CONTENT
    );
    let path = format!("/api/v1/tracks/{}/favorite", first.id);
    assert_eq!(
        status(app, Method::PUT, &path, &bob).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.storage.track(first.id).await.unwrap().like_count,
        2,
        "twice by ann is once"
    );

    let mine: Value = app
        .get("/api/v1/me/favorites", &ann.token)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [second.id.to_string(), first.id.to_string()],
        "newest like first"
    );
    assert!(mine["items"][0]["favorited_at"].is_string());
    assert_eq!(mine["items"][0]["artist_name"], "Band");

    for _ in 0..2 {
        let path = format!("/api/v1/tracks/{}/favorite", first.id);
        assert_eq!(
            status(app, Method::DELETE, &path, &ann).await,
            StatusCode::NO_CONTENT
        );
    }
    assert_eq!(app.storage.track(first.id).await.unwrap().like_count, 1);
    let path = format!("/api/v1/tracks/{}/favorite", Id::new());
    assert_eq!(
        status(app, Method::PUT, &path, &ann).await,
        StatusCode::NOT_FOUND
    );
    let anonymous = app.send(Method::PUT, &path, None, None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

async fn follows_list_artists_and_their_new_albums(app: &TestApp) {
    let ann = app.register("ann").await;
    let old_band = artist(&app.storage, "Old Band").await;
    let new_band = artist(&app.storage, "New Band").await;
    let ignored = artist(&app.storage, "Ignored").await;
    for (band, title, year) in [
        (&old_band, "Debut", 1990),
        (&old_band, "Comeback", 2024),
        (&new_band, "First", 2020),
        (&ignored, "Unseen", 2025),
    ] {
        app.storage
            .create_album(&NewAlbum {
                title: title.into(),
                artist_id: band.id,
                year: Some(year),
                ..NewAlbum::default()
            })
            .await
            .unwrap();
    }
    for band in [&old_band, &new_band, &new_band] {
        let path = format!("/api/v1/artists/{}/follow", band.id);
        assert_eq!(
            status(app, Method::PUT, &path, &ann).await,
            StatusCode::NO_CONTENT
        );
    }
    let following: Value = app
        .get("/api/v1/me/following", &ann.token)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = following["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["New Band", "Old Band"]);
    let albums: Value = app
        .get("/api/v1/me/following/albums", &ann.token)
        .await
        .json()
        .await
        .unwrap();
    let titles: Vec<&str> = albums["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Comeback", "First", "Debut"],
        "newest releases first, followed only"
    );

    let path = format!("/api/v1/artists/{}/follow", old_band.id);
    assert_eq!(
        status(app, Method::DELETE, &path, &ann).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        status(app, Method::DELETE, &path, &ann).await,
        StatusCode::NO_CONTENT
    );
    let following: Value = app
        .get("/api/v1/me/following", &ann.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(following["items"].as_array().unwrap().len(), 1);
    let path = format!("/api/v1/artists/{}/follow", Id::new());
    assert_eq!(
        status(app, Method::PUT, &path, &ann).await,
        StatusCode::NOT_FOUND
    );
}

async fn comments_follow_their_rules(app: &TestApp) {
    let author = app.register("author").await;
    let other = app.register("other").await;
    let admin = app.register("admin").await;
    app.storage
        .admin_update_user(
            admin.id().parse().unwrap(),
            &AdminUserPatch {
                is_admin: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let band = artist(&app.storage, "Band").await;
    let song = track(&app.storage, band.id, None, 100).await;
    let path = format!("/api/v1/tracks/{}/comments", song.id);

    let mut ids = Vec::new();
    for text in ["first", "  <b>second</b>  ", "third"] {
        let response = app
            .post(&path, Some(&author.token), json!({"body": text}))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let comment: Value = response.json().await.unwrap();
        ids.push(comment["id"].as_str().unwrap().to_owned());
    }
    let page: Value = app
        .get(&format!("{path}?limit=2"), &other.token)
        .await
        .json()
        .await
        .unwrap();
    let bodies: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        ["third", "<b>second</b>"],
        "newest first, stored as plain text"
    );
    assert_eq!(page["items"][0]["username"], "author");
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest: Value = app
        .get(&format!("{path}?limit=2&cursor={cursor}"), &other.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"][0]["body"], "first");
    assert!(rest["next_cursor"].is_null());

    for body in [
        json!({"body": "   "}),
        json!({"body": "x".repeat(2001)}),
        json!({"body": "bell\u{7}"}),
    ] {
        let (status, _, error) = error_of(app.post(&path, Some(&author.token), body).await).await;
        assert_eq!(
            (status, error["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("body"))
        );
    }
    let longest = app
        .post(
            &path,
            Some(&author.token),
            json!({"body": "é".repeat(2000)}),
        )
        .await;
    assert_eq!(
        longest.status(),
        StatusCode::CREATED,
        "2000 characters, not bytes"
    );

    assert_eq!(
        edit(app, &other, &ids[0]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        edit(app, &admin, &ids[0]).await.status(),
        StatusCode::FORBIDDEN,
        "admins do not edit"
    );
    let edited = edit(app, &author, &ids[0]).await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!(edited["body"], "edited");

    assert_eq!(
        delete(app, &other, &ids[0]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        delete(app, &author, &ids[0]).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        delete(app, &admin, &ids[1]).await.status(),
        StatusCode::NO_CONTENT,
        "admins moderate"
    );
    assert_eq!(
        delete(app, &author, &ids[1]).await.status(),
        StatusCode::NOT_FOUND
    );
    let anonymous = app.send(Method::GET, &path, None, None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let unknown = app
        .post(
            &format!("/api/v1/tracks/{}/comments", Id::new()),
            Some(&author.token),
            json!({"body": "x"}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

async fn edit(app: &TestApp, who: &Login, id: &str) -> reqwest::Response {
    app.patch(
        &format!("/api/v1/comments/{id}"),
        &who.token,
        json!({"body": "edited"}),
    )
    .await
}

async fn delete(app: &TestApp, who: &Login, id: &str) -> reqwest::Response {
    app.delete(&format!("/api/v1/comments/{id}"), &who.token)
        .await
}

http_on_both_engines!(
    likes_are_idempotent_and_counted,
    follows_list_artists_and_their_new_albums,
    comments_follow_their_rules,
);
