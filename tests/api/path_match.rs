//! Playlist-import path matching through the file name index, on both engines: an exact path,
//! a tail of one to three parts, and a tail two tracks share matching nothing at that length.

use juke::storage::{Id, NewTrack, Storage};

use crate::both_engines;
use crate::helpers::artist;

async fn at(storage: &Storage, artist_id: Id, path: &str) -> Id {
    let mut new = NewTrack::new(path, artist_id);
    new.file_path = Some(path.to_owned());
    storage.create_track(&new).await.unwrap().id
}

async fn import_lines_match_by_path_tail(storage: &Storage) {
    let band = artist(storage, "Band").await;
    let feeling = at(
        storage,
        band.id,
        "/music/Nina Simone/Best/03 Feeling Good.flac",
    )
    .await;
    let live = at(
        storage,
        band.id,
        "/music/Nina Simone/Live/03 Feeling Good.flac",
    )
    .await;
    let intro_a = at(storage, band.id, "/music/A/First/01 Intro.mp3").await;
    let intro_b = at(storage, band.id, "/music/B/First/01 Intro.mp3").await;
    let only = at(storage, band.id, "/srv/x/Only One.ogg").await;
    // A file name inside another's folder name must not confuse the index.
    at(storage, band.id, "/music/Only One.ogg/inner.ogg").await;

    let cases: [(&str, Option<Id>); 11] = [
        (
            "/music/Nina Simone/Best/03 Feeling Good.flac",
            Some(feeling),
        ),
        (
            "D:\\Other\\Nina Simone\\Live\\03 Feeling Good.flac",
            Some(live),
        ),
        ("Best/03 Feeling Good.flac", Some(feeling)),
        // Two tracks end so: ambiguous, nothing.
        ("03 Feeling Good.flac", None),
        ("First/01 Intro.mp3", None),
        ("A/First/01 Intro.mp3", Some(intro_a)),
        ("elsewhere/B/First/01 Intro.mp3", Some(intro_b)),
        ("Only One.ogg", Some(only)),
        ("/home/me/Only One.ogg", Some(only)),
        // Case counts: file names are case-sensitive.
        ("only one.ogg", None),
        ("no such file.mp3", None),
    ];
    for (line, expected) in cases {
        assert_eq!(
            storage.track_by_path_tail(line).await.unwrap(),
            expected,
            "{line}"
        );
    }
    assert_eq!(
        storage
            .tracks_by_file_name("01 Intro.mp3")
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(storage.track_by_path_tail("").await.unwrap(), None);
    assert_eq!(storage.track_by_path_tail("///").await.unwrap(), None);
}

both_engines!(import_lines_match_by_path_tail);
