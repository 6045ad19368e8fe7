//! Play tracking over real HTTP, on both engines: the rules a play must meet, the play_count
//! trigger, history paging and listening stats.

use chrono::{Duration, Utc};
use juke::storage::{Id, NewTrack, Storage, Track};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::app::{TestApp, error_of};
use crate::helpers::{album, artist};
use crate::http_on_both_engines;

async fn song(storage: &Storage, artist_id: Id, title: &str, seconds: i32, genre: &str) -> Track {
    let mut new = NewTrack::new(title, artist_id);
    new.duration_seconds = seconds;
    new.genre = Some(genre.into());
    storage.create_track(&new).await.unwrap()
}

async fn field_error(app: &TestApp, token: &str, body: Value) -> (StatusCode, String) {
    let (status, _, body) = error_of(app.post("/api/v1/plays", Some(token), body).await).await;
    let field = body["error"]["field"].as_str().unwrap_or_default();
    (status, field.to_owned())
}

async fn plays_are_checked_and_counted(app: &TestApp) {
    let ann = app.register("ann").await;
    let band = artist(&app.storage, "Band").await;
    let track = song(&app.storage, band.id, "Long Song", 200, "Rock").await;

    let response = app
        .post(
            "/api/v1/plays",
            Some(&ann.token),
            json!({"track_id": track.id, "duration_played": 180, "device_type": "web",
                   "source_type": "album"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let play: Value = response.json().await.unwrap();
    assert_eq!(play["track_id"], track.id.to_string().as_str());
    assert_eq!(play["user_id"], ann.id());
    assert_eq!(play["duration_played"], 180);
    assert_eq!(play["device_type"], "web");
    assert_eq!(app.storage.track(track.id).await.unwrap().play_count, 1);

    // 30 s of slack past a 200 s track: 230 counts, 231 cannot have happened.
    let edge = json!({"track_id": track.id, "duration_played": 230});
    assert_eq!(
        app.post("/api/v1/plays", Some(&ann.token), edge)
            .await
            .status(),
        StatusCode::CREATED
    );
    for (body, field) in [
        (
            json!({"track_id": track.id, "duration_played": -1}),
            "duration_played",
        ),
        (
            json!({"track_id": track.id, "duration_played": 231}),
            "duration_played",
        ),
        (
            json!({"track_id": Id::new(), "duration_played": 10}),
            "track_id",
        ),
        (
            json!({"track_id": track.id, "duration_played": 10, "device_type": "toaster"}),
            "device_type",
        ),
        (
            json!({"track_id": track.id, "duration_played": 10, "source_type": "dream"}),
            "source_type",
        ),
        (
            json!({"track_id": track.id, "duration_played": 10,
                   "played_at": (Utc::now() + Duration::hours(1)).to_rfc3339()}),
            "played_at",
        ),
    ] {
        assert_eq!(
            field_error(app, &ann.token, body.clone()).await,
            (StatusCode::UNPROCESSABLE_ENTITY, field.to_owned()),
            "{body}"
        );
    }
    let (status, _, body) = error_of(
        app.post(
            "/api/v1/plays",
            Some(&ann.token),
            json!({"track_id": track.id}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("duration_played")),
        "duration_played is required"
    );
    let (status, _, body) = error_of(
        app.post(
            "/api/v1/plays",
            Some(&ann.token),
            json!({"track_id": track.id, "duration_played": "long"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("duration_played")),
        "a wrong type names its field"
    );
    let not_json = app
        .client
        .post(app.url("/api/v1/plays"))
        .bearer_auth(&ann.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    let anonymous = app
        .post(
            "/api/v1/plays",
            None,
            json!({"track_id": track.id, "duration_played": 5}),
        )
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.storage.track(track.id).await.unwrap().play_count,
        2,
        "only the accepted plays counted"
    );

    // A track of unknown length (0 s) takes any play up to a day.
    let unknown = song(&app.storage, band.id, "Unknown Length", 0, "Rock").await;
    let long = json!({"track_id": unknown.id, "duration_played": 3600});
    assert_eq!(
        app.post("/api/v1/plays", Some(&ann.token), long)
            .await
            .status(),
        StatusCode::CREATED
    );
}

async fn play(app: &TestApp, token: &str, track: &Track, seconds: i64, days_ago: i64) {
    let at = Utc::now() - Duration::days(days_ago) - Duration::minutes(1);
    let response = app
        .post(
            "/api/v1/plays",
            Some(token),
            json!({"track_id": track.id, "duration_played": seconds, "played_at": at.to_rfc3339()}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn history_is_newest_first_in_pages(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let band = artist(&app.storage, "Band").await;
    let record = album(&app.storage, band.id, "Record").await;
    let mut new = NewTrack::new("On Record", band.id);
    new.album_id = Some(record.id);
    new.duration_seconds = 100;
    let on_record = app.storage.create_track(&new).await.unwrap();
    for days_ago in [3, 1, 4, 0, 2] {
        play(app, &ann.token, &on_record, days_ago * 10, days_ago).await;
    }
    play(app, &bob.token, &on_record, 50, 0).await;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/me/history?limit=2&cursor={c}"),
            None => "/api/v1/me/history?limit=2".to_owned(),
        };
        let page: Value = app.get(&path, &ann.token).await.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let durations: Vec<i64> = seen
        .iter()
        .map(|p| p["duration_played"].as_i64().unwrap())
        .collect();
    assert_eq!(durations, [0, 10, 20, 30, 40], "newest first, each once");
    assert_eq!(seen[0]["track_title"], "On Record");
    assert_eq!(seen[0]["artist_name"], "Band");
    assert_eq!(seen[0]["album_title"], "Record");

    let bobs: Value = app
        .get("/api/v1/me/history", &bob.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        bobs["items"].as_array().unwrap().len(),
        1,
        "only my own plays"
    );
    let (status, _, body) = error_of(
        app.get("/api/v1/me/history?cursor=bm9wZQ", &ann.token)
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("cursor"))
    );
}

async fn stats_add_up_per_period(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let rockers = artist(&app.storage, "Rockers").await;
    let jazzers = artist(&app.storage, "Jazzers").await;
    let anthem = song(&app.storage, rockers.id, "Anthem", 300, "Rock").await;
    let ballad = song(&app.storage, rockers.id, "Ballad", 300, "Rock").await;
    let swing = song(&app.storage, jazzers.id, "Swing", 300, "Jazz").await;
    play(app, &ann.token, &anthem, 100, 1).await;
    play(app, &ann.token, &anthem, 100, 2).await;
    play(app, &ann.token, &swing, 60, 3).await;
    play(app, &ann.token, &swing, 60, 20).await;
    play(app, &ann.token, &swing, 60, 25).await;
    play(app, &ann.token, &ballad, 200, 100).await;
    play(app, &ann.token, &ballad, 200, 400).await;
    play(app, &bob.token, &ballad, 300, 1).await;

    let stats: Value = app
        .get("/api/v1/me/stats", &ann.token)
        .await
        .json()
        .await
        .unwrap();
    let periods = stats["periods"].as_array().unwrap();
    let days: Vec<i64> = periods
        .iter()
        .map(|p| p["days"].as_i64().unwrap())
        .collect();
    assert_eq!(days, [7, 30, 365]);
    let week = &periods[0];
    assert_eq!(week["plays"], 3);
    assert_eq!(week["listening_seconds"], 260);
    assert_eq!(week["distinct_tracks"], 2);
    assert_eq!(week["top_tracks"][0]["title"], "Anthem");
    assert_eq!(week["top_tracks"][0]["plays"], 2);
    assert_eq!(week["top_artists"][0]["name"], "Rockers");
    assert_eq!(week["top_genres"][0]["genre"], "Rock");

    let month = &periods[1];
    assert_eq!(month["plays"], 5);
    assert_eq!(month["listening_seconds"], 380);
    assert_eq!(month["top_tracks"][0]["title"], "Swing", "3 plays beat 2");
    assert_eq!(month["top_artists"][0]["name"], "Jazzers");
    assert_eq!(month["top_genres"][0]["genre"], "Jazz");
    assert_eq!(month["top_genres"][1]["plays"], 2);

    let year = &periods[2];
    assert_eq!(year["plays"], 6);
    assert_eq!(year["listening_seconds"], 580);
    assert_eq!(year["distinct_tracks"], 3);
    assert_eq!(year["top_artists"][0]["name"], "Rockers");
    assert_eq!(year["top_artists"][0]["plays"], 3);
    assert_eq!(year["top_artists"][0]["listening_seconds"], 400);
    assert!(
        year["top_tracks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["plays"].as_i64().unwrap() <= 3),
        "bob's play is not ann's"
    );
}

http_on_both_engines!(
    plays_are_checked_and_counted,
    history_is_newest_first_in_pages,
    stats_add_up_per_period,
);
