//! Browsing over real HTTP on both engines: lists with sorts, filters and keyset pages,
//! genres, and the artist, album and track pages.

use std::collections::HashSet;

use juke::storage::{Id, NewAlbum, NewArtist, NewTrack, Storage, Track};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::app::{Login, TestApp, error_of};
use crate::http_on_both_engines;

struct Library {
    tracks: Vec<Track>,
    abba: Id,
    zappa: Id,
    arrival: Id,
}

/// Two artists, three albums, eight tracks with genres, years, discs and play counts.
async fn library(storage: &Storage) -> Library {
    let artist = |name: &str| {
        let name = name.to_owned();
        async move {
            storage
                .create_artist(&NewArtist {
                    name,
                    musicbrainz_id: None,
                })
                .await
                .unwrap()
        }
    };
    let abba = artist("ABBA").await;
    let zappa = artist("frank Zappa").await;
    let album = |artist_id: Id, title: &str, year: i32| {
        let title = title.to_owned();
        async move {
            storage
                .create_album(&NewAlbum {
                    title,
                    artist_id,
                    year: Some(year),
                    ..NewAlbum::default()
                })
                .await
                .unwrap()
        }
    };
    let arrival = album(abba.id, "Arrival", 1976).await;
    let waterloo = album(abba.id, "Waterloo", 1974).await;
    let hot_rats = album(zappa.id, "Hot Rats", 1969).await;
    let mut tracks = Vec::new();
    // (title, artist, album, disc, number, genre, year, plays, available)
    let rows = [
        (
            "Dancing Queen",
            abba.id,
            arrival.id,
            1,
            2,
            "Pop",
            1976,
            9,
            true,
        ),
        (
            "money, Money, Money",
            abba.id,
            arrival.id,
            2,
            1,
            "pop",
            1976,
            3,
            true,
        ),
        (
            "When I Kissed the Teacher",
            abba.id,
            arrival.id,
            1,
            1,
            "Pop",
            1976,
            0,
            true,
        ),
        ("Waterloo", abba.id, waterloo.id, 1, 1, "Pop", 1974, 7, true),
        (
            "Honey, Honey",
            abba.id,
            waterloo.id,
            1,
            2,
            "Pop",
            1974,
            1,
            false,
        ),
        (
            "Peaches en Regalia",
            zappa.id,
            hot_rats.id,
            1,
            1,
            "Jazz",
            1969,
            5,
            true,
        ),
        (
            "Willie the Pimp",
            zappa.id,
            hot_rats.id,
            1,
            2,
            "Rock",
            1969,
            2,
            true,
        ),
        (
            "Son of Mr. Green Genes",
            zappa.id,
            hot_rats.id,
            1,
            3,
            "Jazz",
            1969,
            4,
            true,
        ),
    ];
    for (title, artist_id, album_id, disc, number, genre, year, plays, available) in rows {
        let mut new = NewTrack::new(title, artist_id);
        new.album_id = Some(album_id);
        new.disc_number = Some(disc);
        new.track_number = Some(number);
        new.genre = Some(genre.into());
        new.year = Some(year);
        new.duration_seconds = 200;
        let track = storage.create_track(&new).await.unwrap();
        if !available {
            storage
                .set_tracks_available(&[track.id], false)
                .await
                .unwrap();
        }
        for _ in 0..plays {
            storage
                .execute_sql(&format!(
                    "UPDATE tracks SET play_count = play_count + 1 WHERE id = '{}'",
                    track.id
                ))
                .await
                .unwrap();
        }
        tracks.push(track);
    }
    Library {
        tracks,
        abba: abba.id,
        zappa: zappa.id,
        arrival: arrival.id,
    }
}

async fn get(app: &TestApp, who: &Login, path: &str) -> Value {
    let response = app.get(path, &who.token).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i.get("title")
                .or_else(|| i.get("name"))
                .and_then(Value::as_str)
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// Every page of a list, following `next_cursor`.
async fn all_pages(app: &TestApp, who: &Login, path: &str, limit: usize) -> Vec<String> {
    let joiner = if path.contains('?') { '&' } else { '?' };
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}{joiner}limit={limit}&cursor={c}"),
            None => format!("{path}{joiner}limit={limit}"),
        };
        let page = get(app, who, &url).await;
        let got = titles(&page);
        assert!(got.len() <= limit);
        seen.extend(got);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return seen,
        }
    }
}

async fn lists_sort_filter_and_page(app: &TestApp) {
    let ann = app.register("ann").await;
    let lib = library(&app.storage).await;

    let by_name = all_pages(app, &ann, "/api/v1/tracks", 3).await;
    assert_eq!(
        by_name,
        [
            "Dancing Queen",
            "Honey, Honey",
            "money, Money, Money",
            "Peaches en Regalia",
            "Son of Mr. Green Genes",
            "Waterloo",
            "When I Kissed the Teacher",
            "Willie the Pimp",
        ],
        "by name ignoring case, every track once across pages"
    );
    let by_plays = all_pages(app, &ann, "/api/v1/tracks?sort=play_count", 3).await;
    assert_eq!(
        by_plays[..3],
        ["Dancing Queen", "Waterloo", "Peaches en Regalia"]
    );
    let ascending = all_pages(app, &ann, "/api/v1/tracks?sort=play_count&order=asc", 2).await;
    assert_eq!(ascending.first().unwrap(), "When I Kissed the Teacher");
    assert_eq!(ascending.len(), 8);
    let by_year = all_pages(app, &ann, "/api/v1/tracks?sort=year", 3).await;
    assert!(by_year[..3].iter().all(|t| {
        lib.tracks
            .iter()
            .any(|x| &x.title == t && x.year == Some(1976))
    }));
    let added = all_pages(app, &ann, "/api/v1/tracks?sort=added&order=asc", 5).await;
    assert_eq!(added[0], "Dancing Queen");
    assert_eq!(added.len(), 8);

    let random = get(app, &ann, "/api/v1/tracks?sort=random&limit=5").await;
    assert_eq!(titles(&random).len(), 5);
    assert!(random["next_cursor"].is_null(), "random order has no pages");
    let distinct: HashSet<String> = titles(&random).into_iter().collect();
    assert_eq!(distinct.len(), 5);

    let pop = all_pages(app, &ann, "/api/v1/tracks?genre=POP", 10).await;
    assert_eq!(pop.len(), 5, "genre ignores case");
    let available_pop = all_pages(app, &ann, "/api/v1/tracks?genre=pop&available=true", 10).await;
    assert_eq!(available_pop.len(), 4);
    let seventies = all_pages(app, &ann, "/api/v1/tracks?year_from=1970&year_to=1975", 10).await;
    assert_eq!(seventies, ["Honey, Honey", "Waterloo"]);
    let zappa = all_pages(
        app,
        &ann,
        &format!("/api/v1/tracks?artist_id={}", lib.zappa),
        10,
    )
    .await;
    assert_eq!(zappa.len(), 3);
    let arrival = all_pages(
        app,
        &ann,
        &format!("/api/v1/tracks?album_id={}", lib.arrival),
        10,
    )
    .await;
    assert_eq!(arrival.len(), 3);

    let liked = &lib.tracks[5];
    let path = format!("/api/v1/tracks/{}/favorite", liked.id);
    assert_eq!(
        app.send(Method::PUT, &path, Some(&ann.token), None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let favorites = all_pages(app, &ann, "/api/v1/tracks?favorites=true", 10).await;
    assert_eq!(favorites, ["Peaches en Regalia"]);
    let by_likes = get(app, &ann, "/api/v1/tracks?sort=like_count&limit=1").await;
    assert_eq!(titles(&by_likes), ["Peaches en Regalia"]);
    let fav_albums = all_pages(app, &ann, "/api/v1/albums?favorites=true", 10).await;
    assert_eq!(fav_albums, ["Hot Rats"]);

    let albums = all_pages(app, &ann, "/api/v1/albums", 2).await;
    assert_eq!(albums, ["Arrival", "Hot Rats", "Waterloo"]);
    let album_page = get(app, &ann, "/api/v1/albums?limit=1").await;
    assert_eq!(album_page["items"][0]["artist_name"], "ABBA");
    assert_eq!(album_page["items"][0]["play_count"], 12);
    let by_year = all_pages(app, &ann, "/api/v1/albums?sort=year", 2).await;
    assert_eq!(by_year, ["Arrival", "Waterloo", "Hot Rats"]);
    let album_plays = all_pages(app, &ann, "/api/v1/albums?sort=play_count", 1).await;
    assert_eq!(album_plays, ["Arrival", "Hot Rats", "Waterloo"]);
    let jazz_albums = all_pages(app, &ann, "/api/v1/albums?genre=jazz", 5).await;
    assert_eq!(jazz_albums, ["Hot Rats"]);
    let old = all_pages(app, &ann, "/api/v1/albums?year_to=1970", 5).await;
    assert_eq!(old, ["Hot Rats"]);

    let artists = all_pages(app, &ann, "/api/v1/artists", 1).await;
    assert_eq!(artists, ["ABBA", "frank Zappa"], "names ignore case");
    let artist_page = get(app, &ann, "/api/v1/artists?sort=play_count&limit=1").await;
    assert_eq!(artist_page["items"][0]["name"], "ABBA");
    assert_eq!(artist_page["items"][0]["album_count"], 2);
    assert_eq!(artist_page["items"][0]["track_count"], 5);
    let rock = all_pages(app, &ann, "/api/v1/artists?genre=rock", 5).await;
    assert_eq!(rock, ["frank Zappa"]);
    let path = format!("/api/v1/artists/{}/follow", lib.abba);
    app.send(Method::PUT, &path, Some(&ann.token), None).await;
    let followed = all_pages(app, &ann, "/api/v1/artists?favorites=true", 5).await;
    assert_eq!(followed, ["ABBA"]);

    let genres = get(app, &ann, "/api/v1/genres").await;
    assert_eq!(
        genres["items"][0]["track_count"], 5,
        "Pop and pop are one genre"
    );
    assert_eq!(genres["items"][0]["album_count"], 2);
    assert_eq!(genres["items"][1]["genre"], "Jazz");
    assert_eq!(genres["items"][1]["track_count"], 2);
}

async fn bad_list_queries_name_their_field(app: &TestApp) {
    let ann = app.register("ann").await;
    library(&app.storage).await;
    let first = get(app, &ann, "/api/v1/tracks?sort=year&limit=2").await;
    let year_cursor = first["next_cursor"].as_str().unwrap().to_owned();
    for (query, field) in [
        ("sort=loudest", "sort"),
        ("order=up", "order"),
        ("year_from=abc", "year_from"),
        ("year_from=1990&year_to=1980", "year_to"),
        ("year_to=12345", "year_to"),
        ("artist_id=nope", "artist_id"),
        ("favorites=maybe", "favorites"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("cursor=!!", "cursor"),
        (&format!("sort=name&cursor={year_cursor}"), "cursor"),
    ] {
        let (status, code, body) = error_of(
            app.get(&format!("/api/v1/tracks?{query}"), &ann.token)
                .await,
        )
        .await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field"),
            "{query}"
        );
        assert_eq!(body["error"]["field"], field, "{query}");
    }
    let unknown = app.get("/api/v1/tracks?colour=red", &ann.token).await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    let anonymous = app.send(Method::GET, "/api/v1/albums", None, None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

async fn pages_show_albums_artists_and_tracks(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let lib = library(&app.storage).await;

    let album = get(app, &ann, &format!("/api/v1/albums/{}", lib.arrival)).await;
    assert_eq!(album["title"], "Arrival");
    assert_eq!(album["artist_name"], "ABBA");
    assert_eq!(album["year"], 1976);
    let order: Vec<&str> = album["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "When I Kissed the Teacher",
            "Dancing Queen",
            "money, Money, Money"
        ],
        "disc, then number"
    );
    let cover = album["cover_url"].as_str().unwrap();
    let by_link = app.client.get(app.url(cover)).send().await.unwrap();
    assert_eq!(by_link.status(), StatusCode::OK);

    for who in [&ann, &bob] {
        let path = format!("/api/v1/artists/{}/follow", lib.zappa);
        app.send(Method::PUT, &path, Some(&who.token), None).await;
    }
    let zappa = get(app, &ann, &format!("/api/v1/artists/{}", lib.zappa)).await;
    assert_eq!(zappa["name"], "frank Zappa");
    assert_eq!(zappa["follower_count"], 2);
    assert_eq!(zappa["following"], true);
    assert_eq!(zappa["albums"][0]["title"], "Hot Rats");
    let abba = get(app, &ann, &format!("/api/v1/artists/{}", lib.abba)).await;
    assert_eq!(abba["following"], false);
    let titles: Vec<&str> = abba["albums"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Arrival", "Waterloo"], "newest first");

    let track = &lib.tracks[0];
    let path = format!("/api/v1/tracks/{}/favorite", track.id);
    app.send(Method::PUT, &path, Some(&ann.token), None).await;
    let mine = get(app, &ann, &format!("/api/v1/tracks/{}", track.id)).await;
    assert_eq!(mine["liked"], true);
    assert_eq!(mine["artist_name"], "ABBA");
    assert_eq!(mine["album_title"], "Arrival");
    assert_eq!(mine["play_count"], 9);
    let bobs = get(app, &bob, &format!("/api/v1/tracks/{}", track.id)).await;
    assert_eq!(bobs["liked"], false);
    assert_eq!(bobs["like_count"], 1);

    for path in [
        format!("/api/v1/albums/{}", Id::new()),
        format!("/api/v1/artists/{}", Id::new()),
        format!("/api/v1/tracks/{}", Id::new()),
        "/api/v1/albums/not-an-id".to_owned(),
    ] {
        let (status, code, _) = error_of(app.get(&path, &ann.token).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::NOT_FOUND, "not_found"),
            "{path}"
        );
    }
}

http_on_both_engines!(
    lists_sort_filter_and_page,
    bad_list_queries_name_their_field,
    pages_show_albums_artists_and_tracks,
);
