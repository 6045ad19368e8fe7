//! Every constraint rejects what it should, and the boundary names the failure with a typed
//! error the HTTP layer maps (Conflict → 409, Invalid → 422, NotFound → 404).

use chrono::Utc;
use juke::storage::{Id, NewPlay, NewTrack, NewUpload, NewUser, Storage, StorageError};

use crate::both_engines;
use crate::helpers::{album, artist, track, user};

fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StorageError>, what: &str) {
    match result {
        Err(StorageError::Conflict(_)) => {}
        other => panic!("{what}: expected Conflict, got {other:?}"),
    }
}

fn assert_invalid<T: std::fmt::Debug>(result: Result<T, StorageError>, what: &str) {
    match result {
        Err(StorageError::Invalid(_)) => {}
        other => panic!("{what}: expected Invalid, got {other:?}"),
    }
}

async fn usernames_and_emails_are_unique_ignoring_case(storage: &Storage) {
    user(storage, "Alice").await;
    let again = |username: &str, email: &str| NewUser {
        username: username.into(),
        email: Some(email.into()),
        password_hash: "x".into(),
        ..NewUser::default()
    };
    assert_conflict(
        storage
            .create_user(&again("aLiCe", "other@example.test"))
            .await,
        "same username, other case",
    );
    match storage
        .create_user(&again("bob", "ALICE@example.TEST"))
        .await
    {
        Err(StorageError::Conflict(what)) => {
            assert!(what.contains("email"), "names the email: {what}")
        }
        other => panic!("same email, other case: {other:?}"),
    }
    storage
        .create_user(&again("bob", "bob@example.test"))
        .await
        .expect("distinct is fine");
    // Accounts created from the shell may have no email; several may lack one.
    for name in ["carol", "dave"] {
        storage
            .create_user(&NewUser {
                username: name.into(),
                password_hash: "x".into(),
                ..NewUser::default()
            })
            .await
            .expect("no email");
    }
    assert_invalid(
        storage.create_user(&again("", "e@example.test")).await,
        "empty username",
    );
}

async fn one_favorite_per_user_and_track(storage: &Storage) {
    let u = user(storage, "u").await;
    let a = artist(storage, "A").await;
    let t = track(storage, a.id, None, 100).await;
    storage.add_favorite(u.id, t.id).await.unwrap();
    assert_conflict(storage.add_favorite(u.id, t.id).await, "second like");
    assert_eq!(
        storage.track(t.id).await.unwrap().like_count,
        1,
        "the failed insert counted nothing"
    );
    assert!(matches!(storage.remove_favorite(u.id, t.id).await, Ok(())));
    assert!(matches!(
        storage.remove_favorite(u.id, t.id).await,
        Err(StorageError::NotFound)
    ));
}

async fn one_follow_per_user_and_artist(storage: &Storage) {
    let u = user(storage, "u").await;
    let a = artist(storage, "A").await;
    storage.follow_artist(u.id, a.id).await.unwrap();
    assert_conflict(storage.follow_artist(u.id, a.id).await, "second follow");
    storage.unfollow_artist(u.id, a.id).await.unwrap();
    storage
        .follow_artist(u.id, a.id)
        .await
        .expect("follow again after unfollow");
}

async fn one_entry_per_playlist_position(storage: &Storage) {
    let u = user(storage, "u").await;
    let a = artist(storage, "A").await;
    let t = track(storage, a.id, None, 100).await;
    let p = storage
        .create_playlist(&juke::storage::NewPlaylist {
            user_id: u.id,
            name: "P".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    storage
        .add_playlist_entries(p.id, &[t.id, t.id], None, Some(u.id))
        .await
        .expect("a track may repeat");
    let sql = format!(
        "INSERT INTO playlist_tracks (id, playlist_id, track_id, position) VALUES ('{}', '{}', '{}', 1)",
        Id::new(),
        p.id,
        t.id
    );
    assert_conflict(storage.execute_sql(&sql).await, "duplicate position");
    let negative = format!(
        "UPDATE playlist_tracks SET position = -1 WHERE playlist_id = '{}'",
        p.id
    );
    assert_invalid(storage.execute_sql(&negative).await, "negative position");
}

async fn upload_status_is_one_of_four(storage: &Storage) {
    let u = user(storage, "u").await;
    let upload = storage
        .create_upload(&NewUpload {
            user_id: u.id,
            file_name: "x.flac".into(),
            original_name: "My Song.flac".into(),
            file_path: "/tmp/x.flac".into(),
            file_size: 10,
            mime_type: Some("audio/flac".into()),
        })
        .await
        .unwrap();
    assert_eq!(upload.upload_status, "pending");
    for status in ["processing", "completed", "failed", "pending"] {
        storage
            .set_upload_status(upload.id, status, Some("step"))
            .await
            .expect(status);
    }
    assert_invalid(
        storage.set_upload_status(upload.id, "exploded", None).await,
        "unknown status",
    );
    assert_invalid(
        storage
            .create_upload(&NewUpload {
                user_id: u.id,
                file_name: "y".into(),
                original_name: "y".into(),
                file_path: "/tmp/y".into(),
                file_size: -1,
                mime_type: None,
            })
            .await,
        "negative upload size",
    );
}

async fn counters_sizes_and_durations_are_never_negative(storage: &Storage) {
    let u = user(storage, "u").await;
    let a = artist(storage, "A").await;
    let al = album(storage, a.id, "Al").await;
    let t = track(storage, a.id, Some(al.id), 100).await;
    let mut negative = NewTrack::new("neg", a.id);
    negative.duration_seconds = -5;
    assert_invalid(storage.create_track(&negative).await, "negative duration");
    let mut negative = NewTrack::new("neg", a.id);
    negative.file_size = Some(-1);
    assert_invalid(storage.create_track(&negative).await, "negative file size");
    assert_invalid(
        storage.set_track_duration(t.id, -1).await,
        "negative duration update",
    );
    assert_invalid(
        storage
            .record_play(&NewPlay {
                user_id: u.id,
                track_id: t.id,
                played_at: Utc::now(),
                duration_played: -3,
                device_type: None,
                source_type: None,
            })
            .await,
        "negative duration_played",
    );
    for (table, column, id) in [
        ("tracks", "play_count", t.id),
        ("tracks", "like_count", t.id),
        ("albums", "total_tracks", al.id),
        ("albums", "duration_seconds", al.id),
    ] {
        let sql = format!("UPDATE {table} SET {column} = -1 WHERE id = '{id}'");
        assert_invalid(
            storage.execute_sql(&sql).await,
            &format!("{table}.{column} < 0"),
        );
    }
    // Unliking what nobody likes cannot push like_count below zero.
    assert!(matches!(
        storage.remove_favorite(u.id, t.id).await,
        Err(StorageError::NotFound)
    ));
    assert_eq!(storage.track(t.id).await.unwrap().like_count, 0);
}

async fn required_columns_are_required(storage: &Storage) {
    let a = artist(storage, "A").await;
    for sql in [
        format!(
            "INSERT INTO tracks (id, title, artist_id) VALUES ('{}', NULL, '{}')",
            Id::new(),
            a.id
        ),
        format!(
            "INSERT INTO albums (id, title, artist_id) VALUES ('{}', 'x', NULL)",
            Id::new()
        ),
        format!(
            "INSERT INTO artists (id, name) VALUES ('{}', NULL)",
            Id::new()
        ),
    ] {
        assert_invalid(storage.execute_sql(&sql).await, &sql);
    }
}

async fn foreign_keys_reject_missing_rows_and_guard_deletes(storage: &Storage) {
    let a = artist(storage, "A").await;
    let missing = NewTrack::new("orphan", Id::new());
    assert_invalid(
        storage.create_track(&missing).await,
        "track of a missing artist",
    );
    let al = album(storage, a.id, "Al").await;
    let t = track(storage, a.id, Some(al.id), 60).await;
    // RESTRICT: an artist with albums and tracks cannot vanish.
    assert_conflict(
        storage.delete_artist(a.id).await,
        "delete a referenced artist",
    );
    // SET NULL: deleting the album keeps the track, as a single.
    storage.delete_album(al.id).await.unwrap();
    assert_eq!(storage.track(t.id).await.unwrap().album_id, None);
    storage.delete_track(t.id).await.unwrap();
    storage
        .delete_artist(a.id)
        .await
        .expect("unreferenced artist goes");
    assert!(matches!(
        storage.artist(a.id).await,
        Err(StorageError::NotFound)
    ));
}

async fn erasing_a_user_cascades_to_what_is_only_theirs(storage: &Storage) {
    let u = user(storage, "u").await;
    let other = user(storage, "other").await;
    let a = artist(storage, "A").await;
    let mut new = NewTrack::new("uploaded", a.id);
    new.uploader_id = Some(u.id);
    let t = storage.create_track(&new).await.unwrap();
    storage.add_favorite(u.id, t.id).await.unwrap();
    storage.follow_artist(u.id, a.id).await.unwrap();
    storage.add_comment(t.id, u.id, "lovely").await.unwrap();
    let mine = storage
        .create_playlist(&juke::storage::NewPlaylist {
            user_id: u.id,
            name: "mine".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let shared = storage
        .create_playlist(&juke::storage::NewPlaylist {
            user_id: other.id,
            name: "shared".into(),
            is_collaborative: true,
            ..Default::default()
        })
        .await
        .unwrap();
    storage
        .add_playlist_entries(shared.id, &[t.id], None, Some(u.id))
        .await
        .unwrap();
    storage.delete_user(u.id).await.unwrap();

    let t = storage
        .track(t.id)
        .await
        .expect("library music survives its uploader");
    assert_eq!(t.uploader_id, None);
    assert_eq!(t.like_count, 0, "the like went with the user");
    assert!(matches!(
        storage.playlist(mine.id).await,
        Err(StorageError::NotFound)
    ));
    let entries = storage.playlist_entries(shared.id).await.unwrap();
    assert_eq!(
        entries.len(),
        1,
        "the entry stays in someone else's playlist"
    );
    assert_eq!(entries[0].added_by, None);
    assert!(storage.counter_drift().await.unwrap().is_empty());
}

async fn json_columns_hold_objects(storage: &Storage) {
    let a = artist(storage, "A").await;
    assert_eq!(a.social_links.0, serde_json::json!({}));
    let links = serde_json::json!({"bandcamp": "https://a.bandcamp.com"});
    storage.set_artist_social_links(a.id, &links).await.unwrap();
    assert_eq!(storage.artist(a.id).await.unwrap().social_links.0, links);
    assert_invalid(
        storage
            .set_artist_social_links(a.id, &serde_json::json!(["not", "an", "object"]))
            .await,
        "an array is not an object",
    );
    let mut new = NewTrack::new("meta", a.id);
    new.metadata = serde_json::json!({"replaygain_track_gain": "-6.1 dB", "bpm": 120});
    let t = storage.create_track(&new).await.unwrap();
    assert_eq!(storage.track(t.id).await.unwrap().metadata.0["bpm"], 120);
}

async fn comments_are_one_to_two_thousand_characters(storage: &Storage) {
    let u = user(storage, "u").await;
    let a = artist(storage, "A").await;
    let t = track(storage, a.id, None, 10).await;
    assert_invalid(storage.add_comment(t.id, u.id, "").await, "empty comment");
    assert_invalid(
        storage.add_comment(t.id, u.id, &"x".repeat(2001)).await,
        "2001 characters",
    );
    // Characters, not bytes: 2000 multi-byte characters fit.
    storage
        .add_comment(t.id, u.id, &"é".repeat(2000))
        .await
        .expect("2000 characters");
}

async fn updated_at_moves_on_update(storage: &Storage) {
    let a = artist(storage, "A").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    storage
        .set_artist_social_links(a.id, &serde_json::json!({"x": "https://x"}))
        .await
        .unwrap();
    let after = storage.artist(a.id).await.unwrap();
    assert!(
        after.updated_at > a.updated_at,
        "{} !> {}",
        after.updated_at,
        a.updated_at
    );
    assert_eq!(after.created_at, a.created_at);
}

/// Playlist import finds files by the tail of their path, the same way on both engines:
/// whole components, case-sensitive.
async fn path_tails_match_exactly(storage: &Storage) {
    let band = crate::helpers::artist(storage, "Band").await;
    let mut new = juke::storage::NewTrack::new("Song", band.id);
    new.file_path = Some("/music/Band/Album/01 Song.flac".into());
    let song = storage.create_track(&new).await.unwrap();
    for (tail, found) in [
        ("Album/01 Song.flac", true),
        ("01 Song.flac", true),
        ("Band/Album/01 Song.flac", true),
        ("album/01 song.flac", false),
        ("Song.flac", false),
        ("Other/01 Song.flac", false),
    ] {
        let got = storage.track_by_path_suffix(tail).await.unwrap();
        assert_eq!(got, found.then_some(song.id), "{tail}");
    }
}

both_engines!(
    path_tails_match_exactly,
    usernames_and_emails_are_unique_ignoring_case,
    one_favorite_per_user_and_track,
    one_follow_per_user_and_artist,
    one_entry_per_playlist_position,
    upload_status_is_one_of_four,
    counters_sizes_and_durations_are_never_negative,
    required_columns_are_required,
    foreign_keys_reject_missing_rows_and_guard_deletes,
    erasing_a_user_cascades_to_what_is_only_theirs,
    json_columns_hold_objects,
    comments_are_one_to_two_thousand_characters,
    updated_at_moves_on_update,
);
