//! The hot-read cache on both engines: reads are served from memory, and every write path
//! that changes a cached row forgets it at once.

use chrono::{Duration, Utc};
use juke::storage::{ArtistPatch, CacheKind, Id, NewSession, Storage, StorageError};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Instant;

use crate::app::TestApp;
use crate::helpers::{album, artist, track, user};
use crate::subsonic::{Client, app_password};
use crate::{both_engines, http_on_both_engines};

fn counts(storage: &Storage, kind: CacheKind) -> (u64, u64) {
    let stats = storage.cache_stats();
    let of = stats.iter().find(|s| s.kind == kind).unwrap();
    (of.hits, of.misses)
}

async fn cached_tracks_are_forgotten_by_their_writers(storage: &Storage) {
    let cached = storage.clone().with_cache(100);
    let band = artist(storage, "Band").await;
    let song = track(storage, band.id, None, 100).await;

    assert_eq!(
        cached.cached_track(song.id).await.unwrap().duration_seconds,
        100
    );
    assert_eq!(
        cached.cached_track(song.id).await.unwrap().duration_seconds,
        100
    );
    assert_eq!(
        counts(&cached, CacheKind::Track),
        (1, 1),
        "one load, one hit"
    );

    // A write through the same storage is seen at once.
    cached.set_track_duration(song.id, 120).await.unwrap();
    assert_eq!(
        cached.cached_track(song.id).await.unwrap().duration_seconds,
        120
    );
    cached
        .set_tracks_available(&[song.id], false)
        .await
        .unwrap();
    assert!(!cached.cached_track(song.id).await.unwrap().is_available);
    cached.delete_track(song.id).await.unwrap();
    assert!(matches!(
        cached.cached_track(song.id).await,
        Err(StorageError::NotFound)
    ));

    // Off: every read loads.
    let off = storage.clone().with_cache(0);
    let other = track(storage, band.id, None, 50).await;
    off.cached_track(other.id).await.unwrap();
    off.cached_track(other.id).await.unwrap();
    assert_eq!(counts(&off, CacheKind::Track), (0, 0));
}

async fn cached_sessions_end_when_they_are_revoked(storage: &Storage) {
    let cached = storage.clone().with_cache(100);
    let ann = user(storage, "ann").await;
    let now = Utc::now();
    let mut sessions = Vec::new();
    for hash in ["h1", "h2"] {
        let session = cached
            .create_session(&NewSession {
                id: Id::new(),
                user_id: ann.id,
                token_hash: hash.into(),
                expires_at: now + Duration::hours(1),
                ip_address: None,
                user_agent: None,
            })
            .await
            .unwrap();
        sessions.push(session.id);
    }
    let (one, two) = (sessions[0], sessions[1]);
    cached.authenticate(one, "h1", now).await.unwrap();
    cached.authenticate(one, "h1", now).await.unwrap();
    assert_eq!(counts(&cached, CacheKind::Session), (1, 1));
    assert!(
        matches!(
            cached.authenticate(one, "h2", now).await,
            Err(StorageError::NotFound)
        ),
        "a cached session still checks the token"
    );
    assert!(
        cached
            .authenticate(one, "h1", now + Duration::hours(2))
            .await
            .is_err(),
        "and the expiry"
    );

    cached.delete_session(one).await.unwrap();
    assert!(
        cached.authenticate(one, "h1", now).await.is_err(),
        "logout acts at once"
    );

    cached.authenticate(two, "h2", now).await.unwrap();
    cached
        .set_password_hash(ann.id, "new-hash", None)
        .await
        .unwrap();
    assert!(
        cached.authenticate(two, "h2", now).await.is_err(),
        "a password change ends the other sessions at once"
    );
}

/// A track page's row, names and like: one load for whatever is missing, then hits, and every
/// write that changes one of them shows at once.
async fn a_track_detail_loads_once_and_follows_writes(storage: &Storage) {
    let cached = storage.clone().with_cache(100);
    let ann = user(storage, "ann").await;
    let bob = user(storage, "bob").await;
    let band = artist(storage, "Band").await;
    let record = album(storage, band.id, "Record").await;
    let song = track(storage, band.id, Some(record.id), 100).await;

    let first = cached.cached_track_detail(ann.id, song.id).await.unwrap();
    assert_eq!(first.track.id, song.id);
    assert_eq!(first.names.artist_name, "Band");
    assert_eq!(first.names.album_title.as_deref(), Some("Record"));
    assert!(!first.liked);
    let again = cached.cached_track_detail(ann.id, song.id).await.unwrap();
    assert_eq!(again.names, first.names);
    for kind in [CacheKind::Track, CacheKind::TrackNames, CacheKind::Liked] {
        assert_eq!(counts(&cached, kind), (1, 1), "{kind:?}: one load, one hit");
    }

    // Likes are per listener, and a like shows at once.
    cached.add_favorite(ann.id, song.id).await.unwrap();
    assert!(
        cached
            .cached_track_detail(ann.id, song.id)
            .await
            .unwrap()
            .liked
    );
    assert!(
        !cached
            .cached_track_detail(bob.id, song.id)
            .await
            .unwrap()
            .liked
    );
    cached.remove_favorite(ann.id, song.id).await.unwrap();
    assert!(
        !cached
            .cached_track_detail(ann.id, song.id)
            .await
            .unwrap()
            .liked
    );

    // Renaming the artist and moving the track out of its album change the names at once.
    cached
        .update_artist(
            band.id,
            &ArtistPatch {
                name: Some(("The Band".into(), "the band".into())),
                ..ArtistPatch::default()
            },
        )
        .await
        .unwrap();
    let renamed = cached.cached_track_detail(ann.id, song.id).await.unwrap();
    assert_eq!(renamed.names.artist_name, "The Band");
    cached.set_track_album(song.id, None).await.unwrap();
    let loose = cached.cached_track_detail(ann.id, song.id).await.unwrap();
    assert_eq!(loose.names.album_title, None);
    assert_eq!(loose.track.album_id, None);

    // Off, every read loads and still answers the same.
    let off = storage.clone().with_cache(0);
    let plain = off.cached_track_detail(ann.id, song.id).await.unwrap();
    assert_eq!(plain.names.artist_name, "The Band");
    assert_eq!(counts(&off, CacheKind::TrackNames), (0, 0));

    cached.delete_track(song.id).await.unwrap();
    assert!(matches!(
        cached.cached_track_detail(ann.id, song.id).await,
        Err(StorageError::NotFound)
    ));
}

/// Misses that arrive together share a query: each asker still gets its own track, names and
/// like, twice-asked pairs both answered, a missing track `NotFound`.
async fn track_pages_asked_at_once_get_their_own_answers(storage: &Storage) {
    // Off: every read misses, so every one goes through the shared queue.
    let uncached = storage.clone().with_cache(0);
    let band = artist(storage, "Band").await;
    let record = album(storage, band.id, "Record").await;
    let users = [user(storage, "ann").await, user(storage, "bob").await];
    let mut songs = Vec::new();
    for n in 0..12 {
        let album_id = (n % 2 == 0).then_some(record.id);
        songs.push(track(storage, band.id, album_id, 100 + n).await);
    }
    for (n, song) in songs.iter().enumerate() {
        if n % 3 == 0 {
            storage.add_favorite(users[0].id, song.id).await.unwrap();
        }
        if n % 4 == 0 {
            storage.add_favorite(users[1].id, song.id).await.unwrap();
        }
    }
    let missing = Id::new();
    let mut asks = Vec::new();
    for _ in 0..5 {
        for (u, who) in users.iter().enumerate() {
            for (n, song) in songs.iter().enumerate() {
                asks.push((u, who.id, Some(n), song.id));
            }
            asks.push((u, who.id, None, missing));
        }
    }
    let answers = futures_util::future::join_all(
        asks.iter()
            .map(|&(_, who, _, id)| uncached.cached_track_detail(who, id)),
    )
    .await;
    for ((u, _, n, _), answer) in asks.iter().zip(answers) {
        match n {
            None => assert!(
                matches!(answer, Err(StorageError::NotFound)),
                "a missing track is not found"
            ),
            Some(n) => {
                let detail = answer.unwrap();
                assert_eq!(detail.track.id, songs[*n].id);
                assert_eq!(detail.track.duration_seconds, 100 + *n as i32);
                assert_eq!(detail.names.artist_name, "Band");
                assert_eq!(
                    detail.names.album_title.as_deref(),
                    (n % 2 == 0).then_some("Record")
                );
                let likes = if *u == 0 { n % 3 == 0 } else { n % 4 == 0 };
                assert_eq!(detail.liked, likes, "user {u}, track {n}");
            }
        }
    }
}

both_engines!(
    track_pages_asked_at_once_get_their_own_answers,
    a_track_detail_loads_once_and_follows_writes,
    cached_tracks_are_forgotten_by_their_writers,
    cached_sessions_end_when_they_are_revoked,
);

/// The count a `/metrics` line shows for one cache kind.
async fn metric(app: &TestApp, name: &str, kind: &str) -> u64 {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let prefix = format!("{name}_total{{kind=\"{kind}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {text}"))
        .trim()
        .parse()
        .unwrap()
}

/// Through the server: repeated reads are hits, and every edit over the API shows at once.
async fn hot_reads_hit_and_edits_show_at_once(app: &TestApp) {
    let admin = app.register("admin").await;
    let band = artist(&app.storage, "Band").await;
    let record = crate::helpers::album(&app.storage, band.id, "Record").await;
    let song = track(&app.storage, band.id, Some(record.id), 100).await;
    let path = format!("/api/v1/tracks/{}", song.id);
    let album_path = format!("/api/v1/albums/{}", record.id);

    let hits_before = metric(app, "juke_cache_hits", "track").await;
    for _ in 0..3 {
        assert_eq!(app.get(&path, &admin.token).await.status(), StatusCode::OK);
        assert_eq!(
            app.get(&album_path, &admin.token).await.status(),
            StatusCode::OK
        );
    }
    assert!(metric(app, "juke_cache_hits", "track").await >= hits_before + 2);
    assert!(metric(app, "juke_cache_hits", "album_tracks").await >= 2);
    assert!(metric(app, "juke_cache_misses", "album_tracks").await >= 1);

    let renamed = app
        .patch(&path, &admin.token, serde_json::json!({"title": "Renamed"}))
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let view: Value = app.get(&path, &admin.token).await.json().await.unwrap();
    assert_eq!(view["title"], "Renamed", "the track page");
    let page: Value = app
        .get(&album_path, &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["tracks"][0]["title"], "Renamed", "the album page");

    assert_eq!(view["liked"], false);
    let like = format!("{path}/favorite");
    app.send(Method::PUT, &like, Some(&admin.token), None).await;
    let view: Value = app.get(&path, &admin.token).await.json().await.unwrap();
    assert_eq!(view["liked"], true, "my like shows at once");
    app.send(Method::DELETE, &like, Some(&admin.token), None)
        .await;
    let view: Value = app.get(&path, &admin.token).await.json().await.unwrap();
    assert_eq!(view["liked"], false);

    for _ in 0..2 {
        let listed: Value = app
            .get("/api/v1/albums", &admin.token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed["items"][0]["title"], "Record");
    }
    assert!(
        metric(app, "juke_cache_hits", "list_page").await >= 1,
        "the second page read is a hit"
    );
    let album_edit = app
        .patch(
            &album_path,
            &admin.token,
            serde_json::json!({"title": "Retitled"}),
        )
        .await;
    assert_eq!(album_edit.status(), StatusCode::OK);
    let view: Value = app.get(&path, &admin.token).await.json().await.unwrap();
    assert_eq!(
        view["album_title"], "Retitled",
        "the album's name on the track page"
    );
    let listed: Value = app
        .get("/api/v1/albums", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["items"][0]["title"], "Retitled",
        "the cached list page"
    );
}

/// Anna's or Ben's Subsonic search for "quokka": the song and the album it finds.
async fn quokka(c: &Client<'_>) -> (Value, Value) {
    let found = c.json("search3", &[("query", "quokka")]).await;
    let result = &found["searchResult3"];
    (result["song"][0].clone(), result["album"][0].clone())
}

/// Subsonic song entries and album stars come from the cache (a search answers without a
/// database trip, as it did before songs carried the listener's marks: issue 19), yet a
/// listener's own star, rating and play show in their very next answer, and one listener's
/// never show in another's.
async fn song_marks_follow_their_listener(app: &TestApp) {
    let anna = app.register("anna").await;
    let ben = app.register("ben").await;
    let band = artist(&app.storage, "Band").await;
    let record = album(&app.storage, band.id, "Record").await;
    let song = track(&app.storage, band.id, Some(record.id), 100).await;
    // Written behind the server's back: edits through the API put both in the search index.
    for (path, title) in [
        (format!("/api/v1/tracks/{}", song.id), "Quokka"),
        (format!("/api/v1/albums/{}", record.id), "Quokka Songs"),
    ] {
        let edited = app
            .patch(&path, &anna.token, json!({ "title": title }))
            .await;
        assert_eq!(edited.status(), StatusCode::OK, "{path}");
    }
    let a = Client {
        app,
        username: "anna".into(),
        secret: app_password(app, &anna, "phone").await,
    };
    let b = Client {
        app,
        username: "ben".into(),
        secret: app_password(app, &ben, "phone").await,
    };
    let tr = format!("tr-{}", song.id);
    let al = format!("al-{}", record.id);
    let started = Instant::now();
    let (first, found_album) = loop {
        let (song, album) = quokka(&a).await;
        if song["id"] == tr.as_str() && album["id"] == al.as_str() {
            break (song, album);
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the index never saw them: {song} {album}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    for key in ["starred", "userRating", "played"] {
        assert!(first.get(key).is_none(), "{key}: {first}");
    }
    assert_eq!(first["playCount"], 0);
    assert!(found_album.get("starred").is_none(), "{found_album}");

    // Asked again, nothing is read from the database.
    let (file_misses, marks_misses, star_misses) = (
        metric(app, "juke_cache_misses", "song_file").await,
        metric(app, "juke_cache_misses", "song_marks").await,
        metric(app, "juke_cache_misses", "album_star").await,
    );
    let marks_hits = metric(app, "juke_cache_hits", "song_marks").await;
    assert_eq!(quokka(&a).await.0, first);
    assert_eq!(
        metric(app, "juke_cache_misses", "song_file").await,
        file_misses
    );
    assert_eq!(
        metric(app, "juke_cache_misses", "song_marks").await,
        marks_misses
    );
    assert_eq!(
        metric(app, "juke_cache_misses", "album_star").await,
        star_misses
    );
    assert!(metric(app, "juke_cache_hits", "song_marks").await > marks_hits);
    quokka(&b).await; // Ben's marks are cached too, before anyone writes

    // A star shows at once, to the one who gave it.
    a.xml("star", &[("id", &tr)], true).await;
    assert!(quokka(&a).await.0["starred"].is_string());
    assert!(quokka(&b).await.0.get("starred").is_none());
    b.xml("star", &[("albumId", &al)], true).await;
    assert!(quokka(&b).await.1["starred"].is_string());
    assert!(quokka(&a).await.1.get("starred").is_none());

    // So does a rating, each listener's own.
    a.xml("setRating", &[("id", &tr), ("rating", "4")], true)
        .await;
    assert_eq!(quokka(&a).await.0["userRating"], 4);
    assert!(quokka(&b).await.0.get("userRating").is_none());
    b.xml("setRating", &[("id", &tr), ("rating", "2")], true)
        .await;
    assert_eq!(quokka(&b).await.0["userRating"], 2);
    assert_eq!(quokka(&a).await.0["userRating"], 4);

    // A play: the player's last play, and everyone's count.
    a.xml("scrobble", &[("id", &tr)], true).await;
    let (mine, _) = quokka(&a).await;
    assert!(mine["played"].as_str().unwrap().ends_with('Z'), "{mine}");
    assert_eq!(mine["playCount"], 1);
    let (theirs, _) = quokka(&b).await;
    assert!(theirs.get("played").is_none(), "{theirs}");
    assert_eq!(theirs["playCount"], 1);
    // Other answers listing the song say the same.
    let listed = a.json("getAlbum", &[("id", &al)]).await;
    let listed = &listed["album"]["song"][0];
    for key in ["starred", "userRating", "played", "playCount"] {
        assert_eq!(listed[key], mine[key], "getAlbum {key}");
    }

    // Taking them back shows at once too.
    a.xml("unstar", &[("id", &tr)], true).await;
    a.xml("setRating", &[("id", &tr), ("rating", "0")], true)
        .await;
    let (mine, _) = quokka(&a).await;
    assert!(mine.get("starred").is_none(), "{mine}");
    assert!(mine.get("userRating").is_none(), "{mine}");
    assert!(mine["played"].is_string());
    b.xml("unstar", &[("albumId", &al)], true).await;
    assert!(quokka(&b).await.1.get("starred").is_none());
    assert_eq!(quokka(&b).await.0["userRating"], 2);
}

http_on_both_engines!(
    hot_reads_hit_and_edits_show_at_once,
    song_marks_follow_their_listener,
);
