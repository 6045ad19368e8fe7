//! Search: the relevance suite on both engines, the index kept in step with the catalog, its
//! rebuild from corruption, and queries that must never break it.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use juke::config::{Config, SearchEngine};
use juke::search::{Search, SearchRequest, State};
use juke::storage::{Engine, Id, NewAlbum, NewArtist, NewPlay, NewTrack, SearchKind, Storage};
use reqwest::StatusCode;
use serde_json::Value;

use crate::app::TestApp;
use crate::audio::{Audio, make};
use crate::helpers::{TestDb, juke_command, user};
use crate::{both_engines, http_on_both_engines};

// ---- the fixed library --------------------------------------------------------------------

/// artist, album (and its genre), track title, plays, available.
type Row = (
    &'static str,
    Option<(&'static str, &'static str)>,
    &'static str,
    u32,
    bool,
);

const LIBRARY: &[Row] = &[
    (
        "Queen",
        Some(("A Night at the Opera", "Rock")),
        "Bohemian Rhapsody",
        8,
        true,
    ),
    (
        "Queen",
        Some(("A Night at the Opera", "Rock")),
        "Love of My Life",
        5,
        true,
    ),
    (
        "Queen",
        Some(("A Night at the Opera", "Rock")),
        "You're My Best Friend",
        0,
        true,
    ),
    (
        "Queen",
        Some(("News of the World", "Rock")),
        "We Will Rock You",
        2,
        true,
    ),
    (
        "Queen",
        Some(("News of the World", "Rock")),
        "We Are the Champions",
        1,
        true,
    ),
    (
        "Queen",
        Some(("News of the World", "Rock")),
        "Hidden Gem",
        0,
        false,
    ),
    ("Beyoncé", Some(("Lemonade", "R&B")), "Formation", 0, true),
    ("Beyoncé", Some(("Lemonade", "R&B")), "Hold Up", 0, true),
    (
        "Beyoncé",
        Some(("Dangerously in Love", "R&B")),
        "Crazy in Love",
        0,
        true,
    ),
    (
        "Motörhead",
        Some(("Ace of Spades", "Metal")),
        "Ace of Spades",
        0,
        true,
    ),
    (
        "Motörhead",
        Some(("Ace of Spades", "Metal")),
        "Love Me Like a Reptile",
        0,
        true,
    ),
    (
        "AC/DC",
        Some(("Back in Black", "Hard Rock")),
        "Hells Bells",
        0,
        true,
    ),
    (
        "AC/DC",
        Some(("Back in Black", "Hard Rock")),
        "You Shook Me All Night Long",
        0,
        true,
    ),
    (
        "AC/DC",
        Some(("Highway to Hell", "Hard Rock")),
        "Highway to Hell",
        0,
        true,
    ),
    (
        "Sigur Rós",
        Some(("Ágætis byrjun", "Post-Rock")),
        "Svefn-g-englar",
        0,
        true,
    ),
    (
        "Sigur Rós",
        Some(("Ágætis byrjun", "Post-Rock")),
        "Starálfur",
        0,
        true,
    ),
    ("東京事変", Some(("教育", "J-Pop")), "林檎の唄", 0, true),
    ("東京事変", Some(("教育", "J-Pop")), "群青日和", 0, true),
    (
        "宇多田ヒカル",
        Some(("First Love", "J-Pop")),
        "Automatic",
        0,
        true,
    ),
    (
        "宇多田ヒカル",
        Some(("First Love", "J-Pop")),
        "First Love",
        0,
        true,
    ),
    (
        "Guns N' Roses",
        Some(("Appetite for Destruction", "Hard Rock")),
        "Sweet Child o' Mine",
        0,
        true,
    ),
    (
        "Guns N' Roses",
        Some(("Appetite for Destruction", "Hard Rock")),
        "Welcome to the Jungle",
        0,
        true,
    ),
    (
        "Guns N' Roses",
        Some(("Appetite for Destruction", "Hard Rock")),
        "Paradise City",
        0,
        true,
    ),
    ("Björk", Some(("Homogenic", "Electronic")), "Jóga", 0, true),
    (
        "Björk",
        Some(("Homogenic", "Electronic")),
        "Bachelorette",
        0,
        true,
    ),
    ("The Beatles", Some(("Help!", "Rock")), "Help!", 0, true),
    ("The Beatles", Some(("Help!", "Rock")), "Yesterday", 0, true),
    (
        "The Beatles",
        Some(("Help!", "Rock")),
        "Ticket to Ride",
        0,
        true,
    ),
    (
        "The Beatles",
        Some(("Abbey Road", "Rock")),
        "Come Together",
        0,
        true,
    ),
    (
        "The Beatles",
        Some(("Abbey Road", "Rock")),
        "Here Comes the Sun",
        0,
        true,
    ),
    (
        "The Beach Boys",
        Some(("Summer Days", "Pop")),
        "Help Me, Rhonda",
        20,
        true,
    ),
    (
        "Jay-Z",
        Some(("The Blueprint", "Hip-Hop")),
        "Izzo (H.O.V.A.)",
        0,
        true,
    ),
    (
        "Daft Punk",
        Some(("Discovery", "Electronic")),
        "One More Time",
        0,
        true,
    ),
    (
        "Daft Punk",
        Some(("Discovery", "Electronic")),
        "Harder, Better, Faster, Stronger",
        0,
        true,
    ),
    (
        "Daft Punk",
        Some(("Discovery", "Electronic")),
        "Digital Love",
        0,
        true,
    ),
    (
        "Simon & Garfunkel",
        Some(("Bridge over Troubled Water", "Folk")),
        "The Boxer",
        0,
        true,
    ),
    (
        "Simon & Garfunkel",
        Some(("Bridge over Troubled Water", "Folk")),
        "Cecilia",
        0,
        true,
    ),
    (
        "Mötley Crüe",
        Some(("Dr. Feelgood", "Metal")),
        "Kickstart My Heart",
        0,
        true,
    ),
    (
        "Metallica",
        Some(("Master of Puppets", "Metal")),
        "Master of Puppets",
        0,
        true,
    ),
    (
        "Metallica",
        Some(("Master of Puppets", "Metal")),
        "Battery",
        0,
        true,
    ),
    ("The xx", Some(("xx", "Indie")), "Intro", 10, true),
    (
        "M83",
        Some(("Hurry Up, We're Dreaming", "Electronic")),
        "Intro",
        2,
        true,
    ),
    (
        "Massive Attack",
        Some(("Mezzanine", "Trip-Hop")),
        "Angel",
        0,
        true,
    ),
    (
        "Robbie Williams",
        Some(("Life thru a Lens", "Pop")),
        "Angels",
        30,
        true,
    ),
    ("Pink", None, "Try", 0, true),
    (
        "Aerosmith",
        Some(("Armageddon", "Rock")),
        "I Don't Want to Miss a Thing",
        0,
        true,
    ),
    (
        "Aerosmith",
        Some(("Armageddon", "Rock")),
        "Want to Miss, I Don't",
        40,
        true,
    ),
    (
        "방탄소년단",
        Some(("Map of the Soul", "K-Pop")),
        "작은 것들을 위한 시",
        0,
        true,
    ),
];

use SearchKind::{Album, Artist, Track};

/// A query, the kind it asks for, and the name its top result must have (None: no result).
const CASES: &[(&str, SearchKind, Option<&str>)] = &[
    // exact names, case folded
    ("queen", Artist, Some("Queen")),
    ("DAFT PUNK", Artist, Some("Daft Punk")),
    ("yesterday", Track, Some("Yesterday")),
    ("the boxer", Track, Some("The Boxer")),
    // an exact name beats a more popular longer one
    ("help", Track, Some("Help!")),
    ("help", Album, Some("Help!")),
    ("angel", Track, Some("Angel")),
    // a phrase in the name, then all the words anywhere
    ("in love", Track, Some("Crazy in Love")),
    ("queen champions", Track, Some("We Are the Champions")),
    ("night opera", Album, Some("A Night at the Opera")),
    ("master of puppets", Track, Some("Master of Puppets")),
    ("simon garfunkel", Artist, Some("Simon & Garfunkel")),
    // a phrase after a word written with an apostrophe still lines up
    ("i don't want", Track, Some("I Don't Want to Miss a Thing")),
    // popularity orders within a tier, then the name
    ("intro", Track, Some("Intro — The xx")),
    ("love", Track, Some("Love of My Life")),
    ("queen", Track, Some("Bohemian Rhapsody")),
    // search as you type: the last word is a prefix
    ("bohem", Track, Some("Bohemian Rhapsody")),
    ("que", Artist, Some("Queen")),
    ("highway to h", Track, Some("Highway to Hell")),
    ("here comes the s", Track, Some("Here Comes the Sun")),
    ("welcome to the jung", Track, Some("Welcome to the Jungle")),
    ("kickst", Track, Some("Kickstart My Heart")),
    ("metall", Artist, Some("Metallica")),
    // one typo in words of four letters or more
    ("bohemain rhapsody", Track, Some("Bohemian Rhapsody")),
    ("yesturday", Track, Some("Yesterday")),
    ("metalica", Artist, Some("Metallica")),
    ("paradice city", Track, Some("Paradise City")),
    ("cecila", Track, Some("Cecilia")),
    // diacritics folded
    ("beyonce", Artist, Some("Beyoncé")),
    ("motorhead", Artist, Some("Motörhead")),
    ("sigur ros", Artist, Some("Sigur Rós")),
    ("bjork", Artist, Some("Björk")),
    ("joga", Track, Some("Jóga")),
    ("motley crue", Artist, Some("Mötley Crüe")),
    ("agaetis", Album, Some("Ágætis byrjun")),
    ("staralfur", Track, Some("Starálfur")),
    // punctuation does not matter
    ("acdc", Artist, Some("AC/DC")),
    ("ac/dc", Artist, Some("AC/DC")),
    ("ac dc", Artist, Some("AC/DC")),
    ("guns n roses", Artist, Some("Guns N' Roses")),
    ("jayz", Artist, Some("Jay-Z")),
    ("jay z", Artist, Some("Jay-Z")),
    ("hova", Track, Some("Izzo (H.O.V.A.)")),
    ("sweet child o mine", Track, Some("Sweet Child o' Mine")),
    ("youre my best friend", Track, Some("You're My Best Friend")),
    (
        "harder better faster",
        Track,
        Some("Harder, Better, Faster, Stronger"),
    ),
    // Chinese and Japanese
    ("東京事変", Artist, Some("東京事変")),
    ("林檎", Track, Some("林檎の唄")),
    ("群青", Track, Some("群青日和")),
    ("宇多田", Artist, Some("宇多田ヒカル")),
    ("教育", Album, Some("教育")),
    ("소년단", Artist, Some("방탄소년단")),
    ("작은 것", Track, Some("작은 것들을 위한 시")),
    // genre and album words find tracks
    ("post rock svefn", Track, Some("Svefn-g-englar")),
    ("discovery digital", Track, Some("Digital Love")),
    // unavailable tracks are hidden
    ("hidden gem", Track, None),
];

async fn build_library(storage: &Storage) {
    let listener = user(storage, "listener").await;
    let mut artists: HashMap<&str, Id> = HashMap::new();
    let mut albums: HashMap<(&str, &str), Id> = HashMap::new();
    for (artist, album, title, plays, available) in LIBRARY {
        let artist_id = match artists.get(artist) {
            Some(id) => *id,
            None => {
                let created = storage
                    .create_artist(&NewArtist {
                        name: artist.to_string(),
                        ..NewArtist::default()
                    })
                    .await
                    .unwrap();
                artists.insert(artist, created.id);
                created.id
            }
        };
        let album_id = match album {
            None => None,
            Some((title, genre)) => Some(match albums.get(&(*artist, *title)) {
                Some(id) => *id,
                None => {
                    let created = storage
                        .create_album(&NewAlbum {
                            title: title.to_string(),
                            artist_id,
                            genre: Some(genre.to_string()),
                            ..NewAlbum::default()
                        })
                        .await
                        .unwrap();
                    albums.insert((artist, title), created.id);
                    created.id
                }
            }),
        };
        let mut new = NewTrack::new(*title, artist_id);
        new.album_id = album_id;
        new.album = album.map(|(t, _)| t.to_string());
        new.genre = album.map(|(_, g)| g.to_string());
        new.duration_seconds = 200;
        let track = storage.create_track(&new).await.unwrap();
        for _ in 0..*plays {
            storage
                .record_play(&NewPlay {
                    user_id: listener.id,
                    track_id: track.id,
                    played_at: chrono::Utc::now(),
                    duration_played: 100,
                    device_type: None,
                    source_type: None,
                })
                .await
                .unwrap();
        }
        if !available {
            storage
                .set_tracks_available(&[track.id], false)
                .await
                .unwrap();
        }
    }
}

fn name_of(hit: &Value) -> String {
    hit.get("title")
        .or_else(|| hit.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn hits_of(json: &Value, kind: SearchKind) -> Vec<Value> {
    let key = match kind {
        Track => "tracks",
        Album => "albums",
        Artist => "artists",
    };
    json[key].as_array().cloned().unwrap_or_default()
}

/// Runs every case; returns the failures, each described.
async fn run_cases(search: &Search) -> Vec<String> {
    let mut failures = Vec::new();
    for (query, kind, expected) in CASES {
        let hits = search
            .query(&SearchRequest::everything(query, 5))
            .await
            .unwrap_or_else(|err| panic!("{query:?} failed: {err}"));
        let json: Value = serde_json::from_slice(&hits.to_json()).expect("valid JSON");
        let list = hits_of(&json, *kind);
        // "Title — Artist" when the title alone would not tell the results apart.
        let top = list.first().map(|hit| match expected {
            Some(e) if e.contains(" — ") => format!(
                "{} — {}",
                name_of(hit),
                hit["artist_name"].as_str().unwrap_or("")
            ),
            _ => name_of(hit),
        });
        if top.as_deref() != *expected {
            let names: Vec<String> = list.iter().map(name_of).collect();
            failures.push(format!(
                "{query:?} ({kind:?}): expected {expected:?}, got {names:?}"
            ));
        }
    }
    failures
}

fn config_for(dir: &Path, engine: SearchEngine) -> Config {
    let mut config = Config {
        data_dir: dir.to_path_buf(),
        ..Config::default()
    };
    config.search.engine = engine;
    config
}

async fn relevance(storage: &Storage) {
    assert!(CASES.len() >= 40, "the suite has at least 40 queries");
    build_library(storage).await;
    let dir = tempfile::tempdir().unwrap();

    let (tantivy, state) = Search::open(
        &config_for(dir.path(), SearchEngine::Tantivy),
        storage.clone(),
    )
    .await
    .unwrap();
    assert!(matches!(state, State::NeedsRebuild(_)));
    tantivy.rebuild(&|_, _| {}).await.unwrap();
    assert!(tantivy.is_complete().await.unwrap());
    let failures = run_cases(&tantivy).await;
    println!(
        "relevance: tantivy on {}: {}/{} queries",
        storage.engine().name(),
        CASES.len() - failures.len(),
        CASES.len()
    );
    assert!(
        failures.is_empty(),
        "tantivy failed:\n{}",
        failures.join("\n")
    );

    let (database, _) = Search::open(
        &config_for(dir.path(), SearchEngine::Database),
        storage.clone(),
    )
    .await
    .unwrap();
    database.rebuild(&|_, _| {}).await.unwrap();
    assert!(database.is_complete().await.unwrap());
    let failures = run_cases(&database).await;
    // The database engines report their score; they are the simpler alternative.
    println!(
        "relevance: database engine on {}: {}/{} queries\n  misses:\n  {}",
        storage.engine().name(),
        CASES.len() - failures.len(),
        CASES.len(),
        failures.join("\n  ")
    );
    // Still, the plain cases (exact words, folded) must work there too.
    // What it can do (exact and folded words, prefixes; no typos, no popularity) it must keep
    // doing: it misses the five typo cases and at most two ranking ones.
    let score = CASES.len() - failures.len();
    assert!(
        score + 7 >= CASES.len(),
        "the database engine lost ground: {score}/{}",
        CASES.len()
    );
}

async fn catches_up_after_a_restart(storage: &Storage) {
    build_library(storage).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(dir.path(), SearchEngine::Tantivy);
    {
        let (search, state) = Search::open(&config, storage.clone()).await.unwrap();
        search.catch_up(state).await.unwrap();
        assert_eq!(
            top_track(&search, "yesterday").await.as_deref(),
            Some("Yesterday")
        );
    }
    // While the index is closed, another process renames a track and deletes one (this
    // storage reports to no one: nothing has subscribed to it).
    let other = storage;
    let yesterday = find_track(other, "Yesterday", "The Beatles").await;
    other
        .update_track(
            yesterday,
            &juke::storage::TrackPatch {
                title: Some("Tomorrow Never Knows".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let battery = find_track(other, "Battery", "Metallica").await;
    other.delete_track(battery).await.unwrap();

    let (search, state) = Search::open(&config, storage.clone()).await.unwrap();
    assert!(matches!(state, State::CaughtUp(_)), "{state:?}");
    search.catch_up(state).await.unwrap();
    assert_eq!(
        top_track(&search, "tomorrow never").await.as_deref(),
        Some("Tomorrow Never Knows")
    );
    assert_eq!(top_track(&search, "yesterday").await, None);
    assert_eq!(top_track(&search, "battery").await, None);
    assert!(search.is_complete().await.unwrap());
}

async fn rebuilds_a_corrupt_or_old_index(storage: &Storage) {
    build_library(storage).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(dir.path(), SearchEngine::Tantivy);
    let index = dir.path().join("index");
    let open_and_check = |why: &'static str| {
        let config = config.clone();
        async move {
            let (search, state) = Search::open(&config, storage.clone()).await.unwrap();
            let rebuilt = matches!(state, State::NeedsRebuild(_));
            search.catch_up(state).await.unwrap();
            assert_eq!(
                top_track(&search, "bohemian").await.as_deref(),
                Some("Bohemian Rhapsody"),
                "{why}"
            );
            rebuilt
        }
    };
    assert!(open_and_check("fresh").await, "a missing index is built");
    assert!(!open_and_check("reopened").await, "a good index is kept");

    // Garbage where the index's table of contents was.
    std::fs::write(index.join("meta.json"), b"{ not json").unwrap();
    assert!(open_and_check("garbage meta.json").await);

    // Every segment file cut short.
    for entry in std::fs::read_dir(&index).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name != "meta.json" && !name.starts_with('.') {
            std::fs::write(&path, b"broken").unwrap();
        }
    }
    assert!(open_and_check("truncated segments").await);

    // An index written by an older schema version.
    let meta = std::fs::read_to_string(index.join("meta.json")).unwrap();
    let older = meta.replace(
        &format!("\\\"schema\\\":{}", juke::search::SCHEMA_VERSION),
        "\\\"schema\\\":0",
    );
    assert_ne!(
        meta, older,
        "the checkpoint records the schema version: {meta}"
    );
    std::fs::write(index.join("meta.json"), older).unwrap();
    assert!(open_and_check("older schema").await);
}

async fn find_track(storage: &Storage, title: &str, artist: &str) -> Id {
    storage
        .track_by_artist_title(artist, title)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("track {title}"))
}

async fn top_track(search: &Search, query: &str) -> Option<String> {
    let hits = search
        .query(&SearchRequest::everything(query, 3))
        .await
        .unwrap();
    let json: Value = serde_json::from_slice(&hits.to_json()).unwrap();
    hits_of(&json, Track).first().map(name_of)
}

/// Many exact matches take the fast path (no typo automata); a far more popular one-typo
/// match must still rank below them, and still be found when asked for exactly.
async fn typo_matches_never_outrank_exact_ones(storage: &Storage) {
    let listener = user(storage, "listener").await;
    let band = storage
        .create_artist(&NewArtist {
            name: "Band".into(),
            ..NewArtist::default()
        })
        .await
        .unwrap();
    for n in 0..30 {
        let mut new = NewTrack::new(format!("Echo {n}"), band.id);
        new.duration_seconds = 100;
        storage.create_track(&new).await.unwrap();
    }
    let ecko = storage
        .create_track(&NewTrack::new("Ecko", band.id))
        .await
        .unwrap();
    for _ in 0..50 {
        storage
            .record_play(&NewPlay {
                user_id: listener.id,
                track_id: ecko.id,
                played_at: chrono::Utc::now(),
                duration_played: 1,
                device_type: None,
                source_type: None,
            })
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let (search, state) = Search::open(
        &config_for(dir.path(), SearchEngine::Tantivy),
        storage.clone(),
    )
    .await
    .unwrap();
    search.catch_up(state).await.unwrap();
    for limit in [1, 5, 40] {
        let hits = search
            .query(&SearchRequest::everything("echo", limit))
            .await
            .unwrap();
        let json: Value = serde_json::from_slice(&hits.to_json()).unwrap();
        let names: Vec<String> = hits_of(&json, Track).iter().map(name_of).collect();
        assert_eq!(names.len(), limit.min(31), "{names:?}");
        let ecko_at = names.iter().position(|n| n == "Ecko");
        match limit {
            40 => assert_eq!(ecko_at, Some(30), "the typo match comes last: {names:?}"),
            _ => assert_eq!(ecko_at, None, "{names:?}"),
        }
        // Ties in a tier go by name: "echo 0", "echo 1", "echo 10", …
        assert_eq!(names[0], "Echo 0");
    }
    assert_eq!(top_track(&search, "ecko").await.as_deref(), Some("Ecko"));
}

both_engines!(
    relevance,
    catches_up_after_a_restart,
    rebuilds_a_corrupt_or_old_index,
    typo_matches_never_outrank_exact_ones
);

// ---- over HTTP --------------------------------------------------------------------------

async fn bad_queries_never_break_it(app: &TestApp) {
    let me = app.register("searcher").await;
    let long = "ab(c) \"d\" -e* ~f: ".repeat(600);
    for q in [
        "\"unterminated",
        "title:yesterday",
        "(a OR b",
        "-",
        "*",
        "~",
        "a AND",
        "!!!",
        "🎵🎶",
        "NOT",
        "\\",
        "%",
        "'; DROP TABLE tracks; --",
        long.as_str(),
    ] {
        let response = app
            .client
            .get(app.url("/api/v1/search"))
            .query(&[("q", q)])
            .bearer_auth(&me.token)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{q:.40}: {body}");
        for key in ["tracks", "albums", "artists"] {
            assert!(body[key].is_array(), "{q:.40}: {body}");
        }
    }
    for (query, field) in [
        ("q=", "q"),
        ("q=%20%20", "q"),
        ("", "q"),
        ("q=a&limit=0", "limit"),
        ("q=a&limit=101", "limit"),
        ("q=a&limit=x", "limit"),
        ("q=a&types=song", "types"),
        ("q=a&types=,", "types"),
    ] {
        let response = app.get(&format!("/api/v1/search?{query}"), &me.token).await;
        let (status, code, body) = crate::app::error_of(response).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(code, "invalid_field");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
    let response = app.get("/api/v1/search?q=a&sort=name", &me.token).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = app
        .client
        .get(app.url("/api/v1/search?q=a"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

fn flac(dir: &Path, name: &str, title: &str, artist: &str, album: &str) {
    make(
        dir,
        &Audio {
            path: name,
            seconds: 1.0,
            codec: &[],
            tags: &[("title", title), ("artist", artist), ("album", album)],
        },
    );
}

async fn search_json(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app
        .client
        .get(app.url("/api/v1/search"))
        .query(&[("q", query)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Polls until `found` holds; returns how long it took. Fails after five seconds (the index
/// commits every quarter second; the margin is for a loaded test machine).
async fn until(
    app: &TestApp,
    token: &str,
    query: &str,
    found: impl Fn(&Value) -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        let json = search_json(app, token, query).await;
        if found(&json) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{query:?} never matched: {json}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn scan(app: &TestApp, token: &str) {
    let started = app
        .send(
            reqwest::Method::POST,
            "/api/v1/library/scan",
            Some(token),
            None,
        )
        .await;
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    for _ in 0..600 {
        let status: Value = app
            .get("/api/v1/library/scan", token)
            .await
            .json()
            .await
            .unwrap();
        if status["running"] == false && !status["last"].is_null() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("scan did not finish");
}

async fn the_index_follows_the_catalog(app: &TestApp) {
    follows_the_catalog(app, SearchEngine::Tantivy).await;
}

async fn the_database_engine_follows_the_catalog(app: &TestApp) {
    follows_the_catalog(app, SearchEngine::Database).await;
}

async fn follows_the_catalog(app: &TestApp, engine: SearchEngine) {
    // A server of its own, scanning a folder of real files.
    let db = match app.storage.engine() {
        Engine::Sqlite => TestDb::sqlite().await,
        Engine::Postgres => TestDb::postgres().await,
    };
    let music = tempfile::tempdir().unwrap();
    flac(
        music.path(),
        "Motörhead/Overkill/01 Overkill.flac",
        "Overkill",
        "Motörhead",
        "Overkill",
    );
    flac(
        music.path(),
        "Motörhead/Overkill/02 Stay Clean.flac",
        "Stay Clean",
        "Motörhead",
        "Overkill",
    );
    let folder = music.path().to_path_buf();
    let served = TestApp::spawn_with(db, move |c| {
        c.library.folders = vec![folder];
        c.library.scan_on_start = false;
        c.auth.registration = juke::config::Registration::Open;
        c.search.engine = engine;
    })
    .await;
    let admin = served.register("admin").await;

    // Ingest reaches the index.
    scan(&served, &admin.token).await;
    let took = until(&served, &admin.token, "motorhead overkill", |j| {
        hits_of(j, Track).iter().any(|t| t["title"] == "Overkill")
    })
    .await;
    println!("search sync: ingest visible after {took:?}");
    // The database engine makes each kind searchable as it is written (tracks, then albums,
    // then artists), so the artist may land a moment after the first track.
    until(&served, &admin.token, "motorhead", |j| {
        !hits_of(j, Artist).is_empty()
            && !hits_of(j, Album).is_empty()
            && hits_of(j, Track).iter().any(|t| t["title"] == "Stay Clean")
    })
    .await;
    let json = search_json(&served, &admin.token, "motorhead").await;
    assert_eq!(name_of(&hits_of(&json, Artist)[0]), "Motörhead");
    assert_eq!(name_of(&hits_of(&json, Album)[0]), "Overkill");
    let stay_clean = hits_of(&json, Track)
        .into_iter()
        .find(|t| t["title"] == "Stay Clean")
        .expect("both tracks found");
    assert_eq!(
        stay_clean["artist_name"], "Motörhead",
        "results are catalog summaries"
    );

    // An edited title: the new one is found and the old one is not.
    let id = stay_clean["id"].as_str().unwrap().to_owned();
    let edited = served
        .patch(
            &format!("/api/v1/tracks/{id}"),
            &admin.token,
            serde_json::json!({"title": "Ace of Spades"}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let took = until(&served, &admin.token, "ace of spades", |j| {
        hits_of(j, Track).iter().any(|t| t["id"] == id.as_str())
    })
    .await;
    println!("search sync: edit visible after {took:?}");
    assert!(took < Duration::from_secs(2), "edit took {took:?}");
    let old = search_json(&served, &admin.token, "stay clean").await;
    assert!(
        !hits_of(&old, Track).iter().any(|t| t["id"] == id.as_str()),
        "the old title no longer finds it: {old}"
    );

    // An artist rename reaches their tracks and albums.
    let artist_id = stay_clean["artist_id"].as_str().unwrap().to_owned();
    let renamed = served
        .patch(
            &format!("/api/v1/artists/{artist_id}"),
            &admin.token,
            serde_json::json!({"name": "Lemmy"}),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    until(&served, &admin.token, "lemmy overkill", |j| {
        hits_of(j, Track).iter().any(|t| t["title"] == "Overkill")
            && hits_of(j, Album).iter().any(|a| a["title"] == "Overkill")
    })
    .await;

    // An album rename reaches its tracks.
    let album_id = stay_clean["album_id"].as_str().unwrap().to_owned();
    let renamed = served
        .patch(
            &format!("/api/v1/albums/{album_id}"),
            &admin.token,
            serde_json::json!({"title": "Bomber"}),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    until(&served, &admin.token, "bomber ace", |j| {
        hits_of(j, Track).iter().any(|t| t["id"] == id.as_str())
    })
    .await;
    let json = search_json(&served, &admin.token, "bomber").await;
    assert_eq!(name_of(&hits_of(&json, Album)[0]), "Bomber", "{json}");

    // Plays move popularity: the play count in results follows.
    let played = served
        .post(
            "/api/v1/plays",
            Some(&admin.token),
            serde_json::json!({"track_id": id, "duration_played": 1}),
        )
        .await;
    assert_eq!(played.status(), StatusCode::CREATED);
    until(&served, &admin.token, "ace of spades", |j| {
        hits_of(j, Track)
            .iter()
            .any(|t| t["id"] == id.as_str() && t["play_count"] == 1)
    })
    .await;

    // A file gone: its track is hidden; back: found again.
    let gone = music.path().join("Motörhead/Overkill/01 Overkill.flac");
    let kept = std::fs::read(&gone).unwrap();
    std::fs::remove_file(&gone).unwrap();
    scan(&served, &admin.token).await;
    until(&served, &admin.token, "overkill", |j| {
        !hits_of(j, Track).iter().any(|t| t["title"] == "Overkill")
    })
    .await;
    std::fs::write(&gone, kept).unwrap();
    scan(&served, &admin.token).await;
    until(&served, &admin.token, "overkill", |j| {
        hits_of(j, Track).iter().any(|t| t["title"] == "Overkill")
    })
    .await;
    served.finish().await;
}

http_on_both_engines!(
    bad_queries_never_break_it,
    the_index_follows_the_catalog,
    the_database_engine_follows_the_catalog
);

#[tokio::test]
async fn reindex_command_rebuilds_the_index() {
    let db = TestDb::sqlite().await;
    build_library(&db.storage).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let output = juke_command(
        dir.path(),
        &[
            ("JUKE_STORAGE__DATABASE_URL", &db.url),
            ("JUKE_DATA_DIR", data.to_str().unwrap()),
        ],
    )
    .arg("reindex")
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let searchable = LIBRARY.iter().filter(|r| r.4).count();
    assert!(stdout.contains("rebuilt"), "{stdout}");
    let config = config_for(&data, SearchEngine::Tantivy);
    let (search, state) = Search::open(&config, db.storage.clone()).await.unwrap();
    assert!(matches!(state, State::CaughtUp(_)), "{state:?}");
    assert_eq!(search.count(Track).await.unwrap(), searchable as u64);
    assert!(search.is_complete().await.unwrap());
    assert_eq!(
        top_track(&search, "yesturday").await.as_deref(),
        Some("Yesterday")
    );
    drop(search);

    // With a server holding the index, reindex refuses and leaves the index alone.
    let url = db.url.clone();
    let served_data = data.clone();
    let served = TestApp::spawn_with(db, move |c| {
        c.data_dir = served_data;
        c.auth.registration = juke::config::Registration::Open;
    })
    .await;
    let output = juke_command(
        dir.path(),
        &[
            ("JUKE_STORAGE__DATABASE_URL", &url),
            ("JUKE_DATA_DIR", data.to_str().unwrap()),
        ],
    )
    .arg("reindex")
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("in use") && stderr.contains("stop the server"),
        "{stderr}"
    );
    let me = served.register("after").await;
    let json = search_json(&served, &me.token, "bohemian").await;
    assert_eq!(name_of(&hits_of(&json, Track)[0]), "Bohemian Rhapsody");
    let storage = served.storage.clone();
    served.finish().await;
    // Left whole: reopened (once the stopped server has let go of it), it is the committed
    // index, not a new one to build.
    let started = Instant::now();
    let (search, state) = loop {
        match Search::open(&config, storage.clone()).await {
            Err(juke::search::SearchError::Locked(_))
                if started.elapsed() < Duration::from_secs(10) =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => break other.unwrap(),
        }
    };
    assert!(matches!(state, State::CaughtUp(_)), "{state:?}");
    assert!(search.count(Track).await.unwrap() > 0);
}
