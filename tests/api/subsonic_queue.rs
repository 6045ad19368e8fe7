//! The play queue shared across devices (Subsonic's getPlayQueue/savePlayQueue, OpenSubsonic's
//! index-based pair, the web player's `/api/v1/me/queue`), bookmarks, top and similar songs,
//! artist and album info, getUsers, tokenInfo, reportPlayback and jukeboxControl. Queue and
//! bookmarks are driven by py-sonic (tests/subsonic/queue_client.py); every XML answer is
//! validated against the 1.16.1 schema, OpenSubsonic's documented departures taken off first.

use std::path::PathBuf;

use chrono::{Duration, Utc};
use juke::storage::{AlbumPatch, ArtistPatch, Id, NewPlay, TrackPatch};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::app::TestApp;
use crate::helpers;
use crate::http_on_both_engines;
use crate::subsonic::{Client, app_password, error_code, raw, validate};

/// Validates an answer that may carry what OpenSubsonic changed since the 1.16.1 schema: the
/// play queue's `current` is a song id (a string, errata of the `xs:int`), and now-playing
/// entries carry `state`, `positionMs` and `playbackRate` (the playbackReport extension).
fn validate_open(xml: &str, what: &str) {
    let mut out = xml.to_owned();
    for attr in [
        " current=\"",
        " state=\"",
        " positionMs=\"",
        " playbackRate=\"",
    ] {
        while let Some(at) = out.find(attr) {
            let end =
                out[at + attr.len()..].find('"').expect("attribute end") + at + attr.len() + 1;
            out.replace_range(at..end, "");
        }
    }
    validate(&out, what);
}

async fn xml(c: &Client<'_>, method: &str, params: &[(&str, &str)]) -> String {
    let response = c.get(&format!("{method}.view"), params).await;
    assert_eq!(response.status(), StatusCode::OK, "{method}");
    let body = response.text().await.unwrap();
    validate_open(&body, method);
    assert!(body.contains("status=\"ok\""), "{method}: {body}");
    body
}

fn tr(id: Id) -> String {
    format!("tr-{id}")
}

/// Runs tests/subsonic/queue_client.py with these arguments; it must pass every step.
async fn py_sonic(app: &TestApp, secret: &str, tracks: &[Id], args: &[&str]) {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pyenv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: scripts/test makes the venv and installs tests/requirements.txt",
        python.display()
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/subsonic/queue_client.py");
    let ids: Vec<String> = tracks.iter().map(|t| tr(*t)).collect();
    let output = tokio::process::Command::new(&python)
        .arg(script)
        .args(args)
        .env("JUKE_URL", &app.base)
        .env("JUKE_USER", "anna")
        .env("JUKE_APP_PASSWORD", secret)
        .env("TRACKS", ids.join(","))
        .output()
        .await
        .expect("run python");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("all queue steps passed"),
        "the py-sonic queue session failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn three_tracks(app: &TestApp) -> Vec<Id> {
    let artist = helpers::artist(&app.storage, "Queue Band").await;
    let album = helpers::album(&app.storage, artist.id, "Queue Album").await;
    let mut tracks = Vec::new();
    for seconds in [200, 210, 220] {
        tracks.push(
            helpers::track(&app.storage, artist.id, Some(album.id), seconds)
                .await
                .id,
        );
    }
    tracks
}

/// Saved on the phone, read on the desktop and by the web player's API; saved by the web
/// player, read on the phone; the index-based pair; its errors; a deleted track.
async fn the_queue_moves_between_devices(app: &TestApp) {
    let tracks = three_tracks(app).await;
    let (t1, t2, t3) = (tracks[0], tracks[1], tracks[2]);
    let anna = app.register("anna").await;
    let secret = app_password(app, &anna, "phone").await;
    py_sonic(app, &secret, &tracks, &["save"]).await;

    // The web player sees what the phone saved.
    let queue: Value = app
        .get("/api/v1/me/queue", &anna.token)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = queue["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [t1, t2, t3].map(|t| t.to_string()), "{queue}");
    assert_eq!(queue["current_index"], 1);
    assert_eq!(queue["position_ms"], 61000);
    assert_eq!(queue["changed_by"], "phone");

    // The web player saves; the phone (py-sonic) and any client read it.
    let saved = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/me/queue",
            Some(&anna.token),
            Some(json!({"track_ids": [t3, t1], "current_index": 1, "position_ms": 5000, "client": "laptop"})),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::NO_CONTENT);
    py_sonic(
        app,
        &secret,
        &tracks,
        &[
            "expect",
            &format!("{},{}", tr(t3), tr(t1)),
            &tr(t1),
            "5000",
            "laptop",
        ],
    )
    .await;
    let desktop = Client {
        app,
        username: "anna".into(),
        secret: secret.clone(),
    };
    let body = xml(&desktop, "getPlayQueue", &[]).await;
    assert!(body.contains(&format!("current=\"{}\"", tr(t1))), "{body}");
    assert!(body.contains("changedBy=\"laptop\""), "{body}");
    let by_index = desktop.json("getPlayQueueByIndex", &[]).await;
    let q = &by_index["playQueueByIndex"];
    assert_eq!(q["currentIndex"], 1, "{by_index}");
    assert_eq!(q["position"], 5000);
    assert_eq!(q["entry"].as_array().unwrap().len(), 2);

    // By index, the same song may be queued twice and the second be current.
    let (a, b) = (tr(t1), tr(t2));
    let saved = desktop
        .json(
            "savePlayQueueByIndex",
            &[
                ("id", &a),
                ("id", &a),
                ("id", &b),
                ("currentIndex", "1"),
                ("position", "42"),
            ],
        )
        .await;
    assert_eq!(saved["status"], "ok", "{saved}");
    let q = desktop.json("getPlayQueueByIndex", &[]).await["playQueueByIndex"].clone();
    assert_eq!(q["currentIndex"], 1);
    assert_eq!(q["changedBy"], "juke-tests");
    assert_eq!(q["username"], "anna");
    assert!(q["changed"].as_str().unwrap().ends_with('Z'), "{q}");
    // Newer than the 1.16.1 schema: its XML is at least well formed, with the same fields.
    let body = desktop
        .get("getPlayQueueByIndex.view", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("<playQueueByIndex currentIndex=\"1\" position=\"42\""),
        "{body}"
    );

    // Mistakes, each with the code the spec gives.
    for (params, code) in [
        (vec![("id", a.as_str()), ("currentIndex", "1")], 10),
        (vec![("id", a.as_str()), ("currentIndex", "-1")], 10),
        (vec![("id", a.as_str())], 10),
        (
            vec![
                ("id", "tr-00000000-0000-4000-8000-000000000000"),
                ("currentIndex", "0"),
            ],
            70,
        ),
    ] {
        let answer = desktop.json("savePlayQueueByIndex", &params).await;
        assert_eq!(error_code(&answer), code, "{params:?}: {answer}");
    }
    let answer = desktop
        .json("savePlayQueue", &[("id", &a), ("current", &b)])
        .await;
    assert_eq!(
        error_code(&answer),
        10,
        "current not in the queue: {answer}"
    );
    // Nothing above changed the queue.
    let q = desktop.json("getPlayQueueByIndex", &[]).await["playQueueByIndex"].clone();
    assert_eq!(q["entry"].as_array().unwrap().len(), 3);

    // The native API is bounded.
    let many: Vec<Id> = std::iter::repeat_n(t1, 1001).collect();
    let too_many = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/me/queue",
            Some(&anna.token),
            Some(json!({"track_ids": many, "current_index": 0})),
        )
        .await;
    assert_eq!(too_many.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // So is Subsonic's: an id repeated past the cap is refused, not cut short without a word.
    let form: String = std::iter::repeat_n(format!("id={}", tr(t1)), 1001)
        .chain([format!("current={}", tr(t1)), "f=json".into()])
        .collect::<Vec<_>>()
        .join("&");
    let refused: Value = app
        .client
        .post(app.url("/rest/savePlayQueue"))
        .query(&desktop.auth())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refused = &refused["subsonic-response"];
    assert_eq!(refused["status"], "failed", "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("more than 1000"),
        "{refused}"
    );
    let outside = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/me/queue",
            Some(&anna.token),
            Some(json!({"track_ids": [t1], "current_index": 1})),
        )
        .await;
    assert_eq!(outside.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A deleted track leaves the queue; the current entry moves on to the next one left.
    desktop
        .json(
            "savePlayQueue",
            &[
                ("id", &a),
                ("id", &b),
                ("id", &tr(t3)),
                ("current", &b),
                ("position", "9000"),
            ],
        )
        .await;
    app.storage.delete_track(t2).await.unwrap();
    let q = desktop.json("getPlayQueue", &[]).await["playQueue"].clone();
    let ids: Vec<&str> = q["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [a.as_str(), tr(t3).as_str()], "{q}");
    assert_eq!(q["current"], tr(t3));
    assert_eq!(
        q["position"], 0,
        "a new current track starts at its beginning"
    );

    // No ids clears it; who cleared it is kept.
    assert_eq!(desktop.json("savePlayQueue", &[]).await["status"], "ok");
    let q = desktop.json("getPlayQueue", &[]).await["playQueue"].clone();
    assert!(
        q.get("entry")
            .is_none_or(|e| e.as_array().unwrap().is_empty()),
        "{q}"
    );
    assert!(q.get("current").is_none(), "{q}");
    assert_eq!(q["changedBy"], "juke-tests");
    xml(&desktop, "getPlayQueue", &[]).await;

    // Each user has their own queue.
    let bert = app.register("bert").await;
    let other: Value = app
        .get("/api/v1/me/queue", &bert.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(other["tracks"], json!([]));
    assert_eq!(other["changed_by"], Value::Null);

    let extensions = raw(app, "getOpenSubsonicExtensions", &[("apiKey", &secret)]).await;
    let names: Vec<&str> = extensions["openSubsonicExtensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    for name in ["indexBasedQueue", "playbackReport"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
}

/// Bookmarks as XML: valid, and one per song.
async fn bookmarks_are_valid_documents(app: &TestApp) {
    let tracks = three_tracks(app).await;
    let anna = app.register("anna").await;
    let c = Client {
        app,
        username: "anna".into(),
        secret: app_password(app, &anna, "phone").await,
    };
    xml(&c, "getBookmarks", &[]).await;
    let id = tr(tracks[0]);
    xml(
        &c,
        "createBookmark",
        &[("id", &id), ("position", "1500"), ("comment", "a <b> & c")],
    )
    .await;
    let body = xml(&c, "getBookmarks", &[]).await;
    assert!(body.contains("position=\"1500\""), "{body}");
    assert!(body.contains("comment=\"a &lt;b&gt; &amp; c\""), "{body}");
    let missing = c
        .json(
            "createBookmark",
            &[
                ("id", "tr-00000000-0000-4000-8000-000000000000"),
                ("position", "1"),
            ],
        )
        .await;
    assert_eq!(error_code(&missing), 70);
    assert_eq!(
        error_code(&c.json("createBookmark", &[("id", &id)]).await),
        10
    );
    let long = "x".repeat(1001);
    let answer = c
        .json(
            "createBookmark",
            &[("id", &id), ("position", "1"), ("comment", &long)],
        )
        .await;
    assert_eq!(error_code(&answer), 0);
    // Gone with the track.
    app.storage.delete_track(tracks[0]).await.unwrap();
    let marks = c.json("getBookmarks", &[]).await;
    assert!(
        marks["bookmarks"]
            .get("bookmark")
            .is_none_or(|b| b.as_array().unwrap().is_empty()),
        "{marks}"
    );
}

async fn play(app: &TestApp, user: Id, track: Id, at: chrono::DateTime<Utc>) {
    app.storage
        .record_play(&NewPlay {
            user_id: user,
            track_id: track,
            played_at: at,
            duration_played: 100,
            device_type: None,
            source_type: None,
        })
        .await
        .unwrap();
}

/// Similar songs: what was played with the seed first (most often first), never the seed,
/// never empty, at most `count`; top songs by plays; artist info's similar artists by
/// co-listening; album notes.
async fn similar_songs_follow_what_was_played_together(app: &TestApp) {
    let anna = app.register("anna").await;
    let c = Client {
        app,
        username: "anna".into(),
        secret: app_password(app, &anna, "phone").await,
    };
    let me = app.storage.user_for_login("anna").await.unwrap().0.id;
    let seed_artist = helpers::artist(&app.storage, "Seed Artist").await;
    let often = helpers::artist(&app.storage, "Often Together").await;
    let once = helpers::artist(&app.storage, "Once Together").await;
    let far = helpers::artist(&app.storage, "Far Apart").await;
    let track = |artist: Id| helpers::track(&app.storage, artist, None, 200);
    let seed = track(seed_artist.id).await.id;
    let seed_other = track(seed_artist.id).await.id;
    let with_often = track(often.id).await.id;
    let with_once = track(once.id).await.id;
    let apart = track(far.id).await.id;
    for id in [seed, seed_other, with_often, with_once, apart] {
        app.storage
            .update_track(
                id,
                &TrackPatch {
                    genre: Some(Some("Rock".into())),
                    year: Some(Some(1990)),
                    ..TrackPatch::default()
                },
            )
            .await
            .unwrap();
    }
    let start = Utc::now() - Duration::days(10);
    for day in 0..3 {
        let at = start + Duration::days(day);
        play(app, me, seed, at).await;
        play(app, me, with_often, at + Duration::minutes(4)).await;
        if day == 0 {
            play(app, me, with_once, at - Duration::minutes(20)).await;
        }
        // Hours away: not played together.
        play(app, me, apart, at + Duration::hours(3)).await;
        play(app, me, apart, at + Duration::hours(4)).await;
    }

    let similar = c
        .json("getSimilarSongs2", &[("id", &tr(seed)), ("count", "10")])
        .await;
    let ids: Vec<String> = similar["similarSongs2"]["song"]
        .as_array()
        .unwrap_or_else(|| panic!("{similar}"))
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids[0], tr(with_often), "{ids:?}");
    assert_eq!(ids[1], tr(with_once), "{ids:?}");
    assert!(!ids.contains(&tr(seed)), "never the seed: {ids:?}");
    assert_eq!(ids.len(), 4, "everything else, filled up: {ids:?}");
    let two = c
        .json("getSimilarSongs", &[("id", &tr(seed)), ("count", "2")])
        .await;
    assert_eq!(two["similarSongs"]["song"].as_array().unwrap().len(), 2);
    // A song nobody played still has company (its artist, then its genre and era).
    let lonely = c.json("getSimilarSongs", &[("id", &tr(seed_other))]).await;
    let lonely: Vec<&str> = lonely["similarSongs"]["song"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(lonely[0], tr(seed), "its artist first: {lonely:?}");
    assert!(!lonely.contains(&tr(seed_other).as_str()));
    // By artist and album ids too, as valid documents.
    let artist_id = format!("ar-{}", seed_artist.id);
    xml(&c, "getSimilarSongs2", &[("id", &artist_id)]).await;
    xml(&c, "getSimilarSongs", &[("id", &artist_id)]).await;
    let missing = c
        .json(
            "getSimilarSongs2",
            &[("id", "ar-00000000-0000-4000-8000-000000000000")],
        )
        .await;
    assert_eq!(error_code(&missing), 70);

    // Top songs by plays, by name or id.
    let top = c
        .json("getTopSongs", &[("artist", "far apart"), ("count", "5")])
        .await;
    assert_eq!(top["topSongs"]["song"][0]["id"], tr(apart), "{top}");
    let top = c.json("getTopSongs", &[("artist", "Seed Artist")]).await;
    let top: Vec<&str> = top["topSongs"]["song"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(top, [tr(seed), tr(seed_other)], "most played first");
    xml(&c, "getTopSongs", &[("artist", "Seed Artist")]).await;
    let none = c.json("getTopSongs", &[("artist", "Nobody")]).await;
    assert_eq!(none["status"], "ok");

    // Artist info: what Juke knows, and similar artists by co-listening, then genre.
    app.storage
        .update_artist(
            seed_artist.id,
            &ArtistPatch {
                bio: Some(Some("Formed in a garage & <then> a hall".into())),
                image_url: Some(Some("https://images.example/seed.jpg".into())),
                ..ArtistPatch::default()
            },
        )
        .await
        .unwrap();
    let info = c.json("getArtistInfo2", &[("id", &artist_id)]).await;
    let info = &info["artistInfo2"];
    assert_eq!(
        info["biography"], "Formed in a garage & <then> a hall",
        "{info}"
    );
    assert_eq!(info["largeImageUrl"], "https://images.example/seed.jpg");
    let similar: Vec<&str> = info["similarArtist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        similar[..2],
        ["Often Together", "Once Together"],
        "{similar:?}"
    );
    assert!(
        similar.contains(&"Far Apart"),
        "shares the genre: {similar:?}"
    );
    assert!(!similar.contains(&"Seed Artist"));
    xml(&c, "getArtistInfo2", &[("id", &artist_id)]).await;
    xml(&c, "getArtistInfo", &[("id", &tr(seed)), ("count", "1")]).await;

    let album = helpers::album(&app.storage, seed_artist.id, "Noted").await;
    app.storage
        .update_album(
            album.id,
            &AlbumPatch {
                description: Some(Some("Recorded live.".into())),
                ..AlbumPatch::default()
            },
        )
        .await
        .unwrap();
    let album_id = format!("al-{}", album.id);
    let info = c.json("getAlbumInfo2", &[("id", &album_id)]).await;
    assert_eq!(info["albumInfo"]["notes"], "Recorded live.", "{info}");
    let body = xml(&c, "getAlbumInfo", &[("id", &album_id)]).await;
    assert!(body.contains("<notes>Recorded live.</notes>"), "{body}");
}

async fn plays_of(app: &TestApp, track: Id) -> i64 {
    app.storage.track(track).await.unwrap().play_count
}

/// getUsers for admins only, tokenInfo, reportPlayback feeding getNowPlaying (and a play when
/// enough was heard), jukeboxControl refused.
async fn the_rest_apps_call(app: &TestApp) {
    let admin = app.register("anna").await;
    let bert = app.register("bert").await;
    let admin_key = app_password(app, &admin, "phone").await;
    let bert_key = app_password(app, &bert, "phone").await;
    let c = Client {
        app,
        username: "anna".into(),
        secret: admin_key.clone(),
    };
    let body = xml(&c, "getUsers", &[]).await;
    assert!(
        body.contains("username=\"anna\"") && body.contains("username=\"bert\""),
        "{body}"
    );
    let refused = raw(app, "getUsers", &[("apiKey", &bert_key)]).await;
    assert_eq!(error_code(&refused), 50);

    let token = raw(app, "tokenInfo", &[("apiKey", &bert_key)]).await;
    assert_eq!(token["tokenInfo"]["username"], "bert", "{token}");
    assert_eq!(
        error_code(&raw(app, "tokenInfo", &[("apiKey", "nope")]).await),
        44
    );

    let jukebox = raw(
        app,
        "jukeboxControl",
        &[("apiKey", &bert_key), ("action", "status")],
    )
    .await;
    assert_eq!(error_code(&jukebox), 50);
    assert!(
        jukebox["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not supported"),
        "{jukebox}"
    );

    let artist = helpers::artist(&app.storage, "Reported").await;
    let track = helpers::track(&app.storage, artist.id, None, 300).await.id;
    let id = tr(track);
    let report =
        |state: &'static str, position: &'static str, extra: Vec<(&'static str, &'static str)>| {
            let mut params = vec![
                ("mediaId", id.clone()),
                ("mediaType", "song".to_owned()),
                ("positionMs", position.to_owned()),
                ("state", state.to_owned()),
            ];
            params.extend(extra.into_iter().map(|(k, v)| (k, v.to_owned())));
            params
        };
    let send = |params: Vec<(&'static str, String)>| {
        let c = &c;
        async move {
            let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            c.json("reportPlayback", &params).await
        }
    };
    let answer = send(report("playing", "120000", vec![("playbackRate", "1.5")])).await;
    assert_eq!(answer["status"], "ok", "{answer}");
    let playing = c.json("getNowPlaying", &[]).await;
    let entry = &playing["nowPlaying"]["entry"][0];
    assert_eq!(entry["id"], id, "{playing}");
    assert_eq!(entry["state"], "playing");
    assert_eq!(entry["playbackRate"], 1.5);
    assert_eq!(entry["playerName"], "juke-tests");
    assert!(entry["positionMs"].as_i64().unwrap() >= 120000, "{entry}");
    xml(&c, "getNowPlaying", &[]).await;
    let paused = send(report("paused", "130000", vec![])).await;
    assert_eq!(paused["status"], "ok");
    let entry = c.json("getNowPlaying", &[]).await["nowPlaying"]["entry"][0].clone();
    assert_eq!(
        (entry["state"].clone(), entry["positionMs"].clone()),
        (json!("paused"), json!(130000))
    );

    for (params, code) in [
        (report("dancing", "0", vec![]), 0),
        (report("playing", "-5", vec![]), 0),
        (report("playing", "0", vec![("playbackRate", "0")]), 0),
        (
            vec![("mediaId", id.clone()), ("state", "playing".to_owned())],
            10,
        ),
    ] {
        assert_eq!(error_code(&send(params.clone()).await), code, "{params:?}");
    }

    // Stopped: gone from now playing; a play when half the track was heard, unless told not to.
    send(report("stopped", "10000", vec![])).await;
    assert_eq!(
        plays_of(app, track).await,
        0,
        "ten seconds of five minutes is no play"
    );
    let after = c.json("getNowPlaying", &[]).await;
    assert!(
        after["nowPlaying"]
            .get("entry")
            .is_none_or(|e| e.as_array().unwrap().is_empty()),
        "{after}"
    );
    send(report(
        "stopped",
        "200000",
        vec![("ignoreScrobble", "true")],
    ))
    .await;
    assert_eq!(plays_of(app, track).await, 0);
    send(report("stopped", "200000", vec![])).await;
    assert_eq!(plays_of(app, track).await, 1);
}

http_on_both_engines!(
    the_queue_moves_between_devices,
    bookmarks_are_valid_documents,
    similar_songs_follow_what_was_played_together,
    the_rest_apps_call,
);
