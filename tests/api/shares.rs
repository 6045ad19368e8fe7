//! Shares: public, expiring, unguessable links to a track, album or playlist that play without
//! an account. Made and kept through the native API and Subsonic alike; the link's page reads
//! and streams (with ranges) only what it names; expiry, revocation, a private playlist and
//! the per-account limit close it. Subsonic answers are checked against the 1.16.1 schema.

use chrono::{Duration, Utc};
use juke::storage::{Id, MAX_SHARES_PER_USER, NewShare, SharePatch, ShareTarget};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::app::{TestApp, error_of};
use crate::http_on_both_engines;
use crate::subsonic::{Client, app_password, library_folder, one_real_track, validate};

/// GET without any credentials, as a visitor's browser.
async fn visit(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.unwrap()
}

fn token_of(url: &str) -> String {
    url.rsplit_once("/share/")
        .expect("a share link")
        .1
        .to_owned()
}

async fn create(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post("/api/v1/shares", Some(token), body).await
}

async fn my_shares(app: &TestApp, token: &str) -> Vec<Value> {
    let page: Value = app.get("/api/v1/shares", token).await.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

async fn links_play_what_they_name_without_an_account(app: &TestApp) {
    let (track, album, bytes) = one_real_track(app, &library_folder(app)).await;
    let anna = app.register("anna").await;
    let ben = app.register("ben").await;

    // Anna shares the album, with a message and the server's default expiry.
    let made = create(
        app,
        &anna.token,
        json!({"kind": "album", "id": album, "description": "For the road trip"}),
    )
    .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let made: Value = made.json().await.unwrap();
    let url = made["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/share/", app.base)),
        "the link is on the address the request came to: {url}"
    );
    let token = token_of(url);
    assert_eq!(token.len(), 22, "128 random bits, URL-safe: {token}");
    assert_eq!(made["kind"], "album");
    assert_eq!(made["title"], "Album");
    assert_eq!(made["username"], "anna");
    assert_eq!(made["visit_count"], 0);
    let expires: chrono::DateTime<Utc> = made["expires_at"].as_str().unwrap().parse().unwrap();
    let days = (expires - Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.9..=30.0).contains(&days), "30 days by default: {days}");

    // The page's data, for anyone: what the album plays, and the visit counted.
    let page = visit(app, &format!("/api/v1/public/shares/{token}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page: Value = page.json().await.unwrap();
    assert_eq!(page["title"], "Album");
    assert_eq!(page["description"], "For the road trip");
    assert_eq!(page["username"], "anna");
    assert_eq!(page["tracks"][0]["id"], track.to_string());
    assert_eq!(page["tracks"][0]["artist_name"], "Band");
    assert!(
        page.get("user_id").is_none() && page.get("token").is_none(),
        "a visitor learns no account's id: {page}"
    );
    let listed = my_shares(app, &anna.token).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["visit_count"], 1);
    assert!(listed[0]["last_visited_at"].is_string());

    // The file itself, with ranges, HEAD and its cover; nothing outside the share.
    let stream = format!("/api/v1/public/shares/{token}/tracks/{track}/stream");
    let ranged = app
        .client
        .get(app.url(&stream))
        .header("range", "bytes=10-109")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(ranged.headers()["content-type"], "audio/flac");
    assert_eq!(ranged.bytes().await.unwrap().as_ref(), &bytes[10..110]);
    let whole = visit(app, &stream).await;
    assert_eq!(whole.bytes().await.unwrap().len(), bytes.len());
    let head = app.client.head(app.url(&stream)).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(
        head.headers()["content-length"],
        bytes.len().to_string().as_str()
    );
    let cover = visit(
        app,
        &format!("/api/v1/public/shares/{token}/tracks/{track}/cover?size=128"),
    )
    .await;
    assert_eq!(cover.status(), StatusCode::OK);
    assert!(
        cover.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/")
    );
    let artist = app.storage.track(track).await.unwrap().artist_id;
    let elsewhere = crate::helpers::track(&app.storage, artist, None, 100).await;
    for path in [
        format!(
            "/api/v1/public/shares/{token}/tracks/{}/stream",
            elsewhere.id
        ),
        format!(
            "/api/v1/public/shares/{token}/tracks/{}/cover",
            elsewhere.id
        ),
        format!(
            "/api/v1/public/shares/{}/tracks/{track}/stream",
            "A".repeat(22)
        ),
        "/api/v1/public/shares/not-a-token".to_owned(),
        "/api/v1/public/shares/..%2F..%2Fetc%2Fpasswd".to_owned(),
    ] {
        let (status, code, _) = error_of(visit(app, &path).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::NOT_FOUND, "not_found"),
            "{path}"
        );
    }
    // A track page's own stream still needs an account.
    let (status, _, _) =
        error_of(visit(app, &format!("/api/v1/tracks/{track}/stream")).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Only the owner (or an admin) changes or revokes it; others are told it does not exist.
    let id = made["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/shares/{id}");
    let (status, _, _) = error_of(
        app.patch(&path, &ben.token, json!({"description": "mine"}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = error_of(app.delete(&path, &ben.token).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(my_shares(app, &ben.token).await.is_empty());
    for (body, field) in [
        (json!({"expires_at": "2001-01-01T00:00:00Z"}), "expires_at"),
        (
            json!({"expires_at": (Utc::now() + Duration::days(400)).to_rfc3339()}),
            "expires_at",
        ),
        (json!({"description": "x".repeat(501)}), "description"),
    ] {
        let (status, code, error) = error_of(app.patch(&path, &anna.token, body).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field")
        );
        assert_eq!(error["error"]["field"], field, "{error}");
    }
    let later = (Utc::now() + Duration::days(3)).to_rfc3339();
    let edited: Value = app
        .patch(
            &path,
            &anna.token,
            json!({"description": null, "expires_at": later}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(edited["description"], Value::Null, "null clears it");
    let days = (edited["expires_at"]
        .as_str()
        .unwrap()
        .parse::<chrono::DateTime<Utc>>()
        .unwrap()
        - Utc::now())
    .num_hours();
    assert!((71..=72).contains(&days), "{edited}");

    // Expired: the page says so (410), and the audio stops with it.
    app.storage
        .update_share(
            id.parse().unwrap(),
            &SharePatch {
                description: None,
                expires_at: Some(Utc::now() - Duration::seconds(1)),
            },
        )
        .await
        .unwrap();
    for path in [format!("/api/v1/public/shares/{token}"), stream.clone()] {
        let (status, code, _) = error_of(visit(app, &path).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::GONE, "share_expired"),
            "{path}"
        );
    }
    assert_eq!(my_shares(app, &anna.token).await[0]["expired"], true);

    // Revoked: gone at once.
    assert_eq!(
        app.delete(&path, &anna.token).await.status(),
        StatusCode::NO_CONTENT
    );
    let (status, _, _) =
        error_of(visit(app, &format!("/api/v1/public/shares/{token}")).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(my_shares(app, &anna.token).await.is_empty());

    // A single track; and nothing that does not exist.
    let single: Value = create(app, &ben.token, json!({"kind": "track", "id": track}))
        .await
        .json()
        .await
        .unwrap();
    let page: Value = visit(
        app,
        &format!(
            "/api/v1/public/shares/{}",
            token_of(single["url"].as_str().unwrap())
        ),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(page["kind"], "track");
    assert_eq!(page["tracks"].as_array().unwrap().len(), 1);
    for body in [
        json!({"kind": "album", "id": Id::new()}),
        json!({"kind": "track", "id": album}),
    ] {
        let (status, _, _) = error_of(create(app, &ben.token, body).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, _, _) =
        error_of(create(app, &ben.token, json!({"kind": "artist", "id": album})).await).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only tracks, albums and playlists"
    );
}

/// A playlist's link plays its entries in order; someone else's private playlist cannot be
/// shared, and a shared public playlist made private again closes its links.
async fn playlist_links_follow_the_playlist(app: &TestApp) {
    let (track, _, _) = one_real_track(app, &library_folder(app)).await;
    let artist = app.storage.track(track).await.unwrap().artist_id;
    let other = crate::helpers::track(&app.storage, artist, None, 90).await;
    let anna = app.register("anna").await;
    let ben = app.register("ben").await;
    let playlist: Value = app
        .post(
            "/api/v1/playlists",
            Some(&anna.token),
            json!({"name": "Mix"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let pid = playlist["id"].as_str().unwrap().to_owned();
    let added = app
        .post(
            &format!("/api/v1/playlists/{pid}/tracks"),
            Some(&anna.token),
            json!({"track_ids": [other.id, track]}),
        )
        .await;
    assert!(added.status().is_success());

    let (status, _, _) =
        error_of(create(app, &ben.token, json!({"kind": "playlist", "id": pid})).await).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a private playlist is not ben's to share"
    );
    let playlist_path = format!("/api/v1/playlists/{pid}");
    let flip =
        |public: bool| app.patch(&playlist_path, &anna.token, json!({ "is_public": public }));
    assert!(flip(true).await.status().is_success());
    let bens: Value = create(app, &ben.token, json!({"kind": "playlist", "id": pid}))
        .await
        .json()
        .await
        .unwrap();
    let annas: Value = create(app, &anna.token, json!({"kind": "playlist", "id": pid}))
        .await
        .json()
        .await
        .unwrap();
    let page_of = |share: &Value| {
        format!(
            "/api/v1/public/shares/{}",
            token_of(share["url"].as_str().unwrap())
        )
    };
    let page: Value = visit(app, &page_of(&bens)).await.json().await.unwrap();
    assert_eq!(page["title"], "Mix");
    let order: Vec<&str> = page["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, [other.id.to_string(), track.to_string()], "{page}");

    assert!(flip(false).await.status().is_success());
    let (status, _, _) = error_of(visit(app, &page_of(&bens)).await).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "ben's link closed with the playlist"
    );
    assert_eq!(
        visit(app, &page_of(&annas)).await.status(),
        StatusCode::OK,
        "the owner's own link stays"
    );

    // Deleting the playlist takes its links with it.
    assert_eq!(
        app.delete(&format!("/api/v1/playlists/{pid}"), &anna.token)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert!(my_shares(app, &anna.token).await.is_empty());
    assert!(my_shares(app, &ben.token).await.is_empty());
}

/// An account keeps at most [`MAX_SHARES_PER_USER`] links, counted in the same statement as
/// the insert.
async fn an_account_keeps_a_bounded_number_of_links(app: &TestApp) {
    let (track, _, _) = one_real_track(app, &library_folder(app)).await;
    let anna = app.register("anna").await;
    let user_id: Id = anna.id().parse().unwrap();
    for n in 0..MAX_SHARES_PER_USER {
        let made = app
            .storage
            .create_share(&NewShare {
                token: format!("seeded-token-{n:09}-xxxxxx"),
                user_id,
                target: ShareTarget::Track(track),
                description: None,
                expires_at: Utc::now() + Duration::days(1),
            })
            .await
            .unwrap();
        assert!(made.is_some());
    }
    let (status, code, _) =
        error_of(create(app, &anna.token, json!({"kind": "track", "id": track})).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "too_many_shares")
    );
}

/// Subsonic's four methods, as an app uses them: answers valid against the schema, the same
/// links the web player shows, and errors with the spec's codes.
async fn subsonic_apps_share_too(app: &TestApp) {
    let (track, album, _) = one_real_track(app, &library_folder(app)).await;
    let anna = app.register("anna").await;
    let c = Client {
        app,
        username: "anna".into(),
        secret: app_password(app, &anna, "phone").await,
    };
    let expires = (Utc::now() + Duration::days(7))
        .timestamp_millis()
        .to_string();
    let xml = c
        .xml(
            "createShare",
            &[
                ("id", &format!("al-{album}")),
                ("description", "Listen"),
                ("expires", &expires),
            ],
            true,
        )
        .await;
    assert!(xml.contains("<entry "), "the album's song: {xml}");
    let listed = c.xml("getShares", &[], true).await;
    validate(&listed, "getShares");
    let shares = c.json("getShares", &[]).await;
    let share = &shares["shares"]["share"][0];
    assert_eq!(share["description"], "Listen");
    assert_eq!(share["username"], "anna");
    assert_eq!(share["visitCount"], 0);
    assert_eq!(share["entry"][0]["id"], format!("tr-{track}"));
    assert_eq!(share["entry"][0]["suffix"], "flac");
    let url = share["url"].as_str().unwrap();
    let web = my_shares(app, &anna.token).await;
    assert_eq!(web[0]["url"], url, "the web player lists the same link");
    let page = visit(app, &format!("/api/v1/public/shares/{}", token_of(url))).await;
    assert_eq!(page.status(), StatusCode::OK);
    let at = share["expires"].as_str().unwrap();
    let at: chrono::DateTime<Utc> = at.parse().unwrap();
    assert_eq!(at.timestamp_millis(), expires.parse::<i64>().unwrap());

    let id = share["id"].as_str().unwrap().to_owned();
    c.xml(
        "updateShare",
        &[("id", id.as_str()), ("description", "Changed")],
        true,
    )
    .await;
    let shares = c.json("getShares", &[]).await;
    assert_eq!(shares["shares"]["share"][0]["description"], "Changed");
    assert_eq!(
        shares["shares"]["share"][0]["expires"], share["expires"],
        "an absent expiry is kept"
    );

    // A bare song id; several ids at once are refused (one share plays one thing).
    let made = c.json("createShare", &[("id", &track.to_string())]).await;
    assert_eq!(made["status"], "ok", "{made}");
    assert_eq!(made["shares"]["share"][0]["entry"][0]["title"], "Tune");
    for (params, code) in [
        (
            vec![("id", format!("tr-{track}")), ("id", format!("al-{album}"))],
            0,
        ),
        (vec![("id", format!("tr-{}", Id::new()))], 70),
        (
            vec![("id", format!("tr-{track}")), ("expires", "1000".into())],
            0,
        ),
    ] {
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let failed = c.json("createShare", &params).await;
        assert_eq!(failed["error"]["code"], code, "{params:?}: {failed}");
    }
    // Someone else's share is not found; deleting one's own closes it.
    let ben = app.register("ben").await;
    let bc = Client {
        app,
        username: "ben".into(),
        secret: app_password(app, &ben, "phone").await,
    };
    assert_eq!(
        bc.json("deleteShare", &[("id", &id)]).await["error"]["code"],
        70
    );
    c.xml("deleteShare", &[("id", id.as_str())], true).await;
    let page = visit(app, &format!("/api/v1/public/shares/{}", token_of(url))).await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        c.json("getShares", &[]).await["shares"]["share"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

http_on_both_engines!(
    links_play_what_they_name_without_an_account with crate::subsonic::with_library,
    playlist_links_follow_the_playlist with crate::subsonic::with_library,
    an_account_keeps_a_bounded_number_of_links with crate::subsonic::with_library,
    subsonic_apps_share_too with crate::subsonic::with_library,
);

/// With `shares.enabled = false` no link is made and existing ones stop playing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_can_be_turned_off() {
    let db = crate::helpers::TestDb::sqlite().await;
    let app = TestApp::spawn_tweaked(db, |config| {
        crate::subsonic::with_library(config);
        config.shares.enabled = false;
    })
    .await;
    let (track, _, _) = one_real_track(&app, &library_folder(&app)).await;
    let anna = app.register("anna").await;
    let (status, code, _) =
        error_of(create(&app, &anna.token, json!({"kind": "track", "id": track})).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "sharing_disabled")
    );
    let user_id: Id = anna.id().parse().unwrap();
    let token = juke::shares::new_token();
    app.storage
        .create_share(&NewShare {
            token: token.clone(),
            user_id,
            target: ShareTarget::Track(track),
            description: None,
            expires_at: Utc::now() + Duration::days(1),
        })
        .await
        .unwrap();
    let (status, code, _) =
        error_of(visit(&app, &format!("/api/v1/public/shares/{token}")).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "sharing_disabled")
    );
    app.finish().await;
}
