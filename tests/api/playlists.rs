//! Playlists over real HTTP on both engines: editing, the authorization matrix, concurrent
//! editors, and M3U8 out and in.

use std::collections::HashMap;

use juke::storage::{Id, Storage, Track};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::{Login, TestApp, error_of};
use crate::helpers::{album, artist, track};
use crate::http_on_both_engines;

async fn some_tracks(storage: &Storage, n: usize) -> Vec<Track> {
    let band = artist(storage, "Band").await;
    let record = album(storage, band.id, "Record").await;
    let mut tracks = Vec::new();
    for i in 0..n {
        tracks.push(track(storage, band.id, Some(record.id), 100 + i as i32).await);
    }
    tracks
}

async fn new_playlist(app: &TestApp, who: &Login, body: Value) -> Value {
    let response = app.post("/api/v1/playlists", Some(&who.token), body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn detail(app: &TestApp, who: &Login, id: &str) -> Value {
    let response = app
        .get(&format!("/api/v1/playlists/{id}"), &who.token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn track_ids(detail: &Value) -> Vec<String> {
    detail["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["track"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn playlists_are_edited_in_order(app: &TestApp) {
    let ann = app.register("ann").await;
    let tracks = some_tracks(&app.storage, 4).await;
    let ids: Vec<String> = tracks.iter().map(|t| t.id.to_string()).collect();
    let list = new_playlist(
        app,
        &ann,
        json!({"name": "  Road trip ", "description": "for the car", "is_public": true}),
    )
    .await;
    assert_eq!(list["name"], "Road trip");
    assert_eq!(list["track_count"], 0);
    let id = list["id"].as_str().unwrap().to_owned();
    let tracks_path = format!("/api/v1/playlists/{id}/tracks");

    let added = app
        .post(
            &tracks_path,
            Some(&ann.token),
            json!({"track_ids": [ids[0], ids[1], ids[0]]}),
        )
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let added: Value = added.json().await.unwrap();
    assert_eq!(
        added["playlist"]["track_count"], 3,
        "the same track twice is two entries"
    );
    assert_eq!(added["playlist"]["total_duration"], 100 + 101 + 100);
    assert_eq!(added["entries"][0]["added_by"], ann.id());

    let front = app
        .post(
            &tracks_path,
            Some(&ann.token),
            json!({"track_ids": [ids[2], ids[3]], "position": 1}),
        )
        .await;
    assert_eq!(front.status(), StatusCode::CREATED);
    let now = detail(app, &ann, &id).await;
    assert_eq!(
        track_ids(&now),
        [
            ids[0].clone(),
            ids[2].clone(),
            ids[3].clone(),
            ids[1].clone(),
            ids[0].clone()
        ]
    );
    assert_eq!(now["access"], "manage");
    let positions: Vec<i64> = now["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [0, 1, 2, 3, 4]);

    let last_entry = now["tracks"][4]["entry_id"].as_str().unwrap().to_owned();
    let moved = app
        .post(
            &format!("{tracks_path}/{last_entry}/move"),
            Some(&ann.token),
            json!({"position": 0}),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let second = now["tracks"][1]["entry_id"].as_str().unwrap().to_owned();
    let removed = app
        .delete(&format!("{tracks_path}/{second}"), &ann.token)
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let now = detail(app, &ann, &id).await;
    assert_eq!(
        track_ids(&now),
        [
            ids[0].clone(),
            ids[0].clone(),
            ids[3].clone(),
            ids[1].clone()
        ]
    );
    assert_eq!(now["track_count"], 4);
    assert_eq!(now["total_duration"], 100 + 100 + 103 + 101);

    let patched = app
        .patch(
            &format!("/api/v1/playlists/{id}"),
            &ann.token,
            json!({"name": "Long drive", "description": null, "is_collaborative": true,
                   "cover_image_url": "https://example.com/c.jpg"}),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let patched: Value = patched.json().await.unwrap();
    assert_eq!(patched["name"], "Long drive");
    assert!(patched["description"].is_null());
    assert_eq!(patched["is_collaborative"], true);
    assert_eq!(patched["is_public"], true, "untouched");

    for (path, body, field) in [
        ("/api/v1/playlists".to_owned(), json!({"name": " "}), "name"),
        (
            "/api/v1/playlists".to_owned(),
            json!({"name": "x".repeat(201)}),
            "name",
        ),
        (
            "/api/v1/playlists".to_owned(),
            json!({"name": "a", "cover_image_url": "ftp://x"}),
            "cover_image_url",
        ),
        (tracks_path.clone(), json!({"track_ids": []}), "track_ids"),
        (
            tracks_path.clone(),
            json!({"track_ids": [Id::new()]}),
            "track_ids",
        ),
        (
            tracks_path.clone(),
            json!({"track_ids": [ids[0]], "position": -1}),
            "position",
        ),
        (
            format!("{tracks_path}/{last_entry}/move"),
            json!({"position": -3}),
            "position",
        ),
    ] {
        let (status, code, body) = error_of(app.post(&path, Some(&ann.token), body).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field"),
            "{path}"
        );
        assert_eq!(body["error"]["field"], field, "{path}");
    }
    let wrong_type = app
        .post(&tracks_path, Some(&ann.token), json!({"track_ids": "x"}))
        .await;
    let (status, _, body) = error_of(wrong_type).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("track_ids")),
        "a wrong type names its field"
    );
    let unknown_entry = app
        .delete(&format!("{tracks_path}/{}", Id::new()), &ann.token)
        .await;
    assert_eq!(unknown_entry.status(), StatusCode::NOT_FOUND);
    let unknown = app
        .get(&format!("/api/v1/playlists/{}", Id::new()), &ann.token)
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // Listing: mine and public ones, newest first, in pages.
    let bob = app.register("bob").await;
    new_playlist(app, &bob, json!({"name": "bob's secret"})).await;
    new_playlist(
        app,
        &bob,
        json!({"name": "bob's public", "is_public": true}),
    )
    .await;
    let names = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let anns: Value = app
        .get("/api/v1/playlists", &ann.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(anns), ["bob's public", "Long drive"]);
    let bobs: Value = app
        .get("/api/v1/playlists?scope=mine", &bob.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(bobs), ["bob's public", "bob's secret"]);
    let first: Value = app
        .get("/api/v1/playlists?limit=1", &bob.token)
        .await
        .json()
        .await
        .unwrap();
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second: Value = app
        .get(
            &format!("/api/v1/playlists?limit=1&cursor={cursor}"),
            &bob.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(second), ["bob's secret"]);

    let deleted = app
        .delete(&format!("/api/v1/playlists/{id}"), &ann.token)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = app
        .get(&format!("/api/v1/playlists/{id}"), &ann.token)
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

/// Every role against every action on private, public and collaborative playlists.
async fn who_may_do_what(app: &TestApp) {
    let owner = app.register("owner").await;
    let other = app.register("other").await;
    let admin = app.register("admin").await;
    app.storage
        .admin_update_user(
            admin.id().parse().unwrap(),
            &juke::storage::AdminUserPatch {
                is_admin: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let tracks = some_tracks(&app.storage, 1).await;
    let track_id = tracks[0].id.to_string();

    #[derive(Clone, Copy, Debug)]
    enum Who {
        Owner,
        Other,
        Admin,
        Anonymous,
    }
    // Expected status per (kind, who, action); actions: read, add, move, remove, patch, delete.
    let expect = |kind: &str, who: Who| -> [u16; 6] {
        match (kind, who) {
            (_, Who::Owner) => [200, 201, 200, 204, 200, 204],
            (_, Who::Anonymous) => [401; 6],
            ("private", _) => [404; 6],
            ("public", _) => [200, 403, 403, 403, 403, 403],
            ("collaborative", _) => [200, 201, 200, 204, 403, 403],
            _ => unreachable!(),
        }
    };
    for kind in ["private", "public", "collaborative"] {
        for who in [Who::Owner, Who::Other, Who::Admin, Who::Anonymous] {
            let list = new_playlist(
                app,
                &owner,
                json!({"name": format!("{kind} {who:?}"), "is_public": kind != "private",
                       "is_collaborative": kind == "collaborative"}),
            )
            .await;
            let id = list["id"].as_str().unwrap().to_owned();
            let seeded = app
                .post(
                    &format!("/api/v1/playlists/{id}/tracks"),
                    Some(&owner.token),
                    json!({"track_ids": [track_id, track_id]}),
                )
                .await;
            assert_eq!(seeded.status(), StatusCode::CREATED);
            let entries: Value = seeded.json().await.unwrap();
            let entry = entries["entries"][0]["id"].as_str().unwrap().to_owned();
            let token = match who {
                Who::Owner => Some(owner.token.as_str()),
                Who::Other => Some(other.token.as_str()),
                Who::Admin => Some(admin.token.as_str()),
                Who::Anonymous => None,
            };
            let base = format!("/api/v1/playlists/{id}");
            let actions: [(Method, String, Option<Value>); 6] = [
                (Method::GET, base.clone(), None),
                (
                    Method::POST,
                    format!("{base}/tracks"),
                    Some(json!({"track_ids": [track_id]})),
                ),
                (
                    Method::POST,
                    format!("{base}/tracks/{entry}/move"),
                    Some(json!({"position": 1})),
                ),
                (Method::DELETE, format!("{base}/tracks/{entry}"), None),
                (
                    Method::PATCH,
                    base.clone(),
                    Some(json!({"name": "renamed"})),
                ),
                (Method::DELETE, base.clone(), None),
            ];
            let got: Vec<u16> = {
                let mut got = Vec::new();
                for (method, path, body) in actions {
                    got.push(app.send(method, &path, token, body).await.status().as_u16());
                }
                got
            };
            assert_eq!(got, expect(kind, who), "{kind} playlist, {who:?}");
            if matches!((kind, who), ("collaborative", Who::Other | Who::Admin)) {
                let after = detail(app, &owner, &id).await;
                let by: Vec<&str> = after["tracks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["added_by"].as_str().unwrap())
                    .collect();
                let contributor = if matches!(who, Who::Other) {
                    other.id()
                } else {
                    admin.id()
                };
                assert!(
                    by.contains(&contributor),
                    "added_by records the collaborator"
                );
            }
        }
    }
}

/// Two clients edit one collaborative playlist at once, hundreds of times; positions stay
/// 0..n-1 and the counters match the rows.
async fn concurrent_editors_keep_positions_contiguous(app: &TestApp) {
    let owner = app.register("owner").await;
    let friend = app.register("friend").await;
    let tracks = some_tracks(&app.storage, 5).await;
    let durations: HashMap<String, i64> = tracks
        .iter()
        .map(|t| (t.id.to_string(), i64::from(t.duration_seconds)))
        .collect();
    let list = new_playlist(
        app,
        &owner,
        json!({"name": "party", "is_public": true, "is_collaborative": true}),
    )
    .await;
    let id = list["id"].as_str().unwrap().to_owned();
    let seed: u64 = std::env::var("JUKE_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!("concurrent playlist edits, seed {seed} (JUKE_TEST_SEED replays it)");

    let editor = |who: Login, seed: u64| {
        let client = app.client.clone();
        let base = app.url(&format!("/api/v1/playlists/{id}"));
        let ids: Vec<String> = tracks.iter().map(|t| t.id.to_string()).collect();
        async move {
            let mut rng = StdRng::seed_from_u64(seed);
            for _ in 0..150 {
                let op = rng.random_range(0..10);
                let current: Value = client
                    .get(&base)
                    .bearer_auth(&who.token)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let entries = current["tracks"].as_array().unwrap().clone();
                let status = if op < 5 || entries.is_empty() {
                    let n = rng.random_range(1..=3);
                    let pick: Vec<&String> = (0..n)
                        .map(|_| &ids[rng.random_range(0..ids.len())])
                        .collect();
                    let position = rng.random_range(0..=entries.len() + 1);
                    client
                        .post(format!("{base}/tracks"))
                        .bearer_auth(&who.token)
                        .json(&json!({"track_ids": pick, "position": position}))
                        .send()
                        .await
                        .unwrap()
                        .status()
                } else {
                    let entry = entries[rng.random_range(0..entries.len())]["entry_id"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    if op < 8 {
                        client
                            .post(format!("{base}/tracks/{entry}/move"))
                            .bearer_auth(&who.token)
                            .json(&json!({"position": rng.random_range(0..entries.len() + 2)}))
                            .send()
                            .await
                            .unwrap()
                            .status()
                    } else {
                        client
                            .delete(format!("{base}/tracks/{entry}"))
                            .bearer_auth(&who.token)
                            .send()
                            .await
                            .unwrap()
                            .status()
                    }
                };
                // The other editor may have removed the entry just read: 404 is a fair answer.
                assert!(
                    status.is_success() || status == StatusCode::NOT_FOUND,
                    "seed {seed}: {status}"
                );
            }
        }
    };
    tokio::join!(
        editor(owner.clone(), seed),
        editor(friend, seed ^ 0x9e37_79b9)
    );

    let end = detail(app, &owner, &id).await;
    let items = end["tracks"].as_array().unwrap();
    let positions: Vec<i64> = items
        .iter()
        .map(|e| e["position"].as_i64().unwrap())
        .collect();
    assert_eq!(
        positions,
        (0..items.len() as i64).collect::<Vec<_>>(),
        "seed {seed}"
    );
    assert_eq!(
        end["track_count"].as_u64().unwrap() as usize,
        items.len(),
        "seed {seed}"
    );
    let total: i64 = items
        .iter()
        .map(|e| durations[e["track"]["id"].as_str().unwrap()])
        .sum();
    assert_eq!(
        end["total_duration"].as_i64().unwrap(),
        total,
        "seed {seed}"
    );
    assert!(!items.is_empty());
}

async fn m3u8_goes_out_and_comes_back(app: &TestApp) {
    let ann = app.register("ann").await;
    let tracks = some_tracks(&app.storage, 3).await;
    let list = new_playlist(app, &ann, json!({"name": "Out/and \"back\""})).await;
    let id = list["id"].as_str().unwrap().to_owned();
    let order = [&tracks[2], &tracks[0], &tracks[2]];
    let order_ids: Vec<String> = order.iter().map(|t| t.id.to_string()).collect();
    app.post(
        &format!("/api/v1/playlists/{id}/tracks"),
        Some(&ann.token),
        json!({"track_ids": order_ids}),
    )
    .await;

    let export = app
        .get(&format!("/api/v1/playlists/{id}/m3u8"), &ann.token)
        .await;
    assert_eq!(export.status(), StatusCode::OK);
    assert!(
        export.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("audio/x-mpegurl")
    );
    let disposition = export.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("Out_and _back_.m3u8"), "{disposition}");
    let text = export.text().await.unwrap();
    assert!(text.starts_with("#EXTM3U\n"), "{text}");
    assert!(
        text.contains(&format!("#EXTINF:102,Band - {}", tracks[2].title)),
        "{text}"
    );
    assert!(
        text.contains(&format!("/api/v1/tracks/{}/stream", tracks[0].id)),
        "{text}"
    );

    let imported = app
        .client
        .post(app.url("/api/v1/playlists/import?name=Back%20again"))
        .bearer_auth(&ann.token)
        .body(text)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), StatusCode::CREATED);
    let imported: Value = imported.json().await.unwrap();
    assert_eq!(imported["matched"], 3);
    let new_id = imported["playlist"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        track_ids(&detail(app, &ann, &new_id).await),
        order_ids,
        "same order"
    );

    // From another player: titles in #EXTINF, paths that mean nothing here.
    let foreign = format!(
        "#EXTM3U\n#EXTINF:100,band - {}\nD:\\Music\\whatever.mp3\n#EXTINF:5,Nobody - Nothing\n/x/y.mp3\n",
        tracks[1].title.to_uppercase()
    );
    let response = app
        .client
        .post(app.url("/api/v1/playlists/import?name=Foreign"))
        .bearer_auth(&ann.token)
        .body(foreign)
        .send()
        .await
        .unwrap();
    let response: Value = response.json().await.unwrap();
    assert_eq!(response["matched"], 1);
    assert_eq!(response["unmatched"], json!(["/x/y.mp3"]));

    let (status, _, body) = error_of(
        app.client
            .post(app.url("/api/v1/playlists/import?name=Bad"))
            .bearer_auth(&ann.token)
            .body(vec![0xff, 0xfe, 0x00])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("body"))
    );
    // Refused on its declared length, before the body is read (the server then closes the
    // connection, so the body is not sent).
    let answer = app.raw_exchange(&format!(
        "POST /api/v1/playlists/import?name=Big HTTP/1.1\r\nHost: x\r\n\
         Authorization: Bearer {}\r\nContent-Length: 2097152\r\n\r\n",
        ann.token
    ));
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

http_on_both_engines!(
    playlists_are_edited_in_order,
    who_may_do_what,
    concurrent_editors_keep_positions_contiguous,
    m3u8_goes_out_and_comes_back,
);
