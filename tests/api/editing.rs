//! Editing the catalog over real HTTP on both engines: who may edit what, validation, name
//! collisions, and edits showing at once.

use juke::storage::{AdminUserPatch, Id, NewArtist, NewTrack};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::app::{Login, TestApp, error_of};
use crate::helpers::{album, artist};
use crate::http_on_both_engines;

async fn make_admin(app: &TestApp, who: &Login) {
    app.storage
        .admin_update_user(
            who.id().parse().unwrap(),
            &AdminUserPatch {
                is_admin: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

async fn edits_follow_roles_and_show_at_once(app: &TestApp) {
    let admin = app.register("admin").await;
    make_admin(app, &admin).await;
    let uploader = app.register("uploader").await;
    let other = app.register("other").await;
    let band = artist(&app.storage, "Band").await;
    let record = album(&app.storage, band.id, "Record").await;
    let mut new = NewTrack::new("Old Title", band.id);
    new.album_id = Some(record.id);
    new.uploader_id = Some(uploader.id().parse().unwrap());
    let track = app.storage.create_track(&new).await.unwrap();
    let path = format!("/api/v1/tracks/{}", track.id);

    // The stream path caches the track; an edit must not leave the old row there.
    app.get(&format!("{path}/stream"), &uploader.token).await;
    let edited = app
        .patch(
            &path,
            &uploader.token,
            json!({"title": " New Title ", "genre": "Dub", "explicit": true,
                   "lyrics": "la la", "release_date": "2001-02-03", "year": 2001}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let view: Value = app.get(&path, &other.token).await.json().await.unwrap();
    assert_eq!(view["title"], "New Title");
    assert_eq!(view["genre"], "Dub");
    assert_eq!(view["is_explicit"], true);
    assert_eq!(view["lyrics"], "la la");
    assert_eq!(view["release_date"], "2001-02-03");
    assert_eq!(view["year"], 2001);
    let cached = app.storage.cached_track(track.id).await.unwrap();
    assert_eq!(cached.title, "New Title");
    let listed: Value = app
        .get("/api/v1/tracks?genre=dub", &other.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["items"][0]["title"], "New Title",
        "lists see it at once"
    );

    let cleared = app
        .patch(&path, &admin.token, json!({"genre": null, "lyrics": null}))
        .await;
    let cleared: Value = cleared.json().await.unwrap();
    assert!(cleared["genre"].is_null() && cleared["lyrics"].is_null());
    assert_eq!(cleared["title"], "New Title", "untouched");

    let (status, code, _) =
        error_of(app.patch(&path, &other.token, json!({"title": "x"})).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    let anonymous = app
        .send(
            reqwest::Method::PATCH,
            &path,
            None,
            Some(json!({"title": "x"})),
        )
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    for (body, field) in [
        (json!({"title": "  "}), "title"),
        (json!({"release_date": "2001-13-01"}), "release_date"),
        (json!({"year": 12000}), "year"),
        (json!({"genre": "g".repeat(101)}), "genre"),
    ] {
        let (status, _, error) = error_of(app.patch(&path, &admin.token, body.clone()).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error["error"]["field"], field, "{body}");
    }
    let unknown_field = app
        .patch(&path, &admin.token, json!({"play_count": 5}))
        .await;
    assert_eq!(
        unknown_field.status(),
        StatusCode::BAD_REQUEST,
        "counters are not editable"
    );
    let unknown = app
        .patch(
            &format!("/api/v1/tracks/{}", Id::new()),
            &admin.token,
            json!({"title": "x"}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // The uploader of every track of the album edits the album too; others do not.
    let album_path = format!("/api/v1/albums/{}", record.id);
    let renamed = app
        .patch(
            &album_path,
            &uploader.token,
            json!({"title": "Better Record", "label": "Indie", "description": "notes"}),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let page: Value = app
        .get(&album_path, &other.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["title"], "Better Record");
    assert_eq!(page["label"], "Indie");
    let denied = app
        .patch(&album_path, &other.token, json!({"title": "Mine"}))
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
}

async fn artists_take_links_and_keep_names_unique(app: &TestApp) {
    let admin = app.register("admin").await;
    make_admin(app, &admin).await;
    let other = app.register("other").await;
    let band = app
        .storage
        .create_artist(&NewArtist {
            name: "Band".into(),
            musicbrainz_id: None,
        })
        .await
        .unwrap();
    let path = format!("/api/v1/artists/{}", band.id);
    let edited = app
        .patch(
            &path,
            &admin.token,
            json!({"bio": "From the north.", "website_url": "https://band.example",
                   "social_links": {"Bandcamp": "https://band.bandcamp.com"}, "verified": true}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let page: Value = app.get(&path, &other.token).await.json().await.unwrap();
    assert_eq!(page["bio"], "From the north.");
    assert_eq!(
        page["social_links"],
        json!({"bandcamp": "https://band.bandcamp.com"})
    );
    assert_eq!(page["verified"], true);

    for (body, field) in [
        (json!({"social_links": ["https://x.org"]}), "social_links"),
        (
            json!({"social_links": {"site": "javascript:alert(1)"}}),
            "social_links",
        ),
        (json!({"website_url": "not a url"}), "website_url"),
        (json!({"image_url": "ftp://x.org/a.png"}), "image_url"),
    ] {
        let (status, _, error) = error_of(app.patch(&path, &admin.token, body.clone()).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error["error"]["field"], field, "{body}");
    }
    let not_admin = app
        .patch(&path, &other.token, json!({"verified": false}))
        .await;
    assert_eq!(not_admin.status(), StatusCode::FORBIDDEN);

    // Two artists may not share a name (ignoring case and spacing): that is one artist.
    let rival = app
        .storage
        .create_artist(&NewArtist {
            name: "Rival".into(),
            musicbrainz_id: None,
        })
        .await
        .unwrap();
    app.patch(&path, &admin.token, json!({"name": "The Band"}))
        .await;
    let (status, code, _) = error_of(
        app.patch(
            &format!("/api/v1/artists/{}", rival.id),
            &admin.token,
            json!({"name": "the  band"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "name_taken")
    );
}

http_on_both_engines!(
    edits_follow_roles_and_show_at_once,
    artists_take_links_and_keep_names_unique,
);
