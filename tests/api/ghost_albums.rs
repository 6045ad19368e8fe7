//! Albums and artists left with no track are removed by the scan that leaves them so (issue 18,
//! item 11): an untagged album's folder renamed, its artist's folder renamed, and the rows a
//! scan killed between creating an album and inserting its tracks leaves behind. Tracks whose
//! files are missing still hold their album. Both engines, real files, scans over HTTP (the
//! server's scan and `juke scan` run the same `Scanner`).

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::app::{Login, TestApp};
use crate::audio::{Audio, make};
use crate::helpers::TestDb;
use crate::rescan_edits::{albums, scan};

/// A file with no tags: its artist, album and title come from its path
/// (`Artist/Album/NN Title`). Files of different lengths differ in content (a rename is told
/// from a new file by content).
fn untagged(music: &Path, path: &str, seconds: f32) {
    make(
        music,
        &Audio {
            path,
            seconds,
            codec: &[],
            tags: &[],
        },
    );
}

async fn artist_names(app: &TestApp, admin: &Login) -> Vec<String> {
    let page: Value = app
        .get("/api/v1/artists?limit=100", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let mut names: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

async fn sorted_albums(app: &TestApp, admin: &Login) -> Vec<(String, i64)> {
    let mut all = albums(app, admin).await;
    all.sort();
    all
}

/// What a search finds of one kind (`albums` or `artists`): their titles or names.
async fn search(app: &TestApp, admin: &Login, query: &str, kind: &str) -> Vec<String> {
    let hits: Value = app
        .client
        .get(app.url("/api/v1/search"))
        .query(&[("q", query)])
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let field = if kind == "albums" { "title" } else { "name" };
    hits[kind]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit[field].as_str().unwrap().to_owned())
        .collect()
}

/// Polls the search until it finds `wanted` of `kind` (the index commits every quarter
/// second, after the scan has finished).
async fn search_until(app: &TestApp, admin: &Login, query: &str, kind: &str, wanted: &[&str]) {
    let started = Instant::now();
    loop {
        let found = search(app, admin, query, kind).await;
        if found == wanted {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{query:?} finds {kind} {found:?}, not {wanted:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn renamed_folders_leave_no_ghosts(db: TestDb) {
    let music = tempfile::tempdir().unwrap();
    untagged(music.path(), "Renamers/Old Name/01 One.flac", 0.5);
    untagged(music.path(), "Renamers/Old Name/02 Two.flac", 0.7);
    // An album artist with no track of their own keeps their album, and so stays.
    make(
        music.path(),
        &Audio {
            path: "Mix/Gathered/01 Sung.flac",
            seconds: 0.5,
            codec: &[],
            tags: &[
                ("title", "Sung"),
                ("artist", "Singer"),
                ("album_artist", "Curator"),
                ("album", "Gathered"),
            ],
        },
    );
    let folder = music.path().to_path_buf();
    let app = TestApp::spawn_tweaked(db, move |c| {
        c.library.folders = vec![folder];
        c.library.scan_on_start = false;
        c.library.watch = false;
    })
    .await;
    let admin = app.register("admin").await;
    let first = scan(&app, &admin, false).await;
    assert_eq!(first["added"], 3, "{first}");
    assert_eq!(
        sorted_albums(&app, &admin).await,
        [("Gathered".to_owned(), 1), ("Old Name".to_owned(), 2)]
    );
    assert_eq!(
        artist_names(&app, &admin).await,
        ["Curator", "Renamers", "Singer"]
    );
    search_until(&app, &admin, "old name", "albums", &["Old Name"]).await;
    search_until(&app, &admin, "renamers", "artists", &["Renamers"]).await;

    // What a scan killed after creating an album and before inserting its tracks leaves.
    let leftover = crate::helpers::artist(&app.storage, "Leftover Artist").await;
    crate::helpers::album(&app.storage, leftover.id, "Leftover Album").await;
    tokio::time::sleep(Duration::from_millis(20)).await;

    // The album is named after its folder: renamed, its tracks move to a new album, and the
    // old one, now empty, goes, from the list and from the search.
    std::fs::rename(
        music.path().join("Renamers/Old Name"),
        music.path().join("Renamers/New Name"),
    )
    .unwrap();
    let renamed = scan(&app, &admin, false).await;
    assert_eq!(
        (renamed["moved"].as_u64(), renamed["failed"].as_u64()),
        (Some(2), Some(0)),
        "{renamed}"
    );
    assert_eq!(
        sorted_albums(&app, &admin).await,
        [("Gathered".to_owned(), 1), ("New Name".to_owned(), 2)]
    );
    assert_eq!(
        artist_names(&app, &admin).await,
        ["Curator", "Renamers", "Singer"],
        "the leftovers of a killed scan are gone too"
    );
    search_until(&app, &admin, "new name", "albums", &["New Name"]).await;
    search_until(&app, &admin, "old name", "albums", &[]).await;
    search_until(&app, &admin, "leftover", "albums", &[]).await;
    search_until(&app, &admin, "leftover", "artists", &[]).await;

    // The artist is named after the folder above: renamed, and rescanned in full, the old
    // artist goes too.
    std::fs::rename(
        music.path().join("Renamers"),
        music.path().join("Renamed Band"),
    )
    .unwrap();
    let full = scan(&app, &admin, true).await;
    assert_eq!(full["failed"], 0, "{full}");
    assert_eq!(
        sorted_albums(&app, &admin).await,
        [("Gathered".to_owned(), 1), ("New Name".to_owned(), 2)]
    );
    assert_eq!(
        artist_names(&app, &admin).await,
        ["Curator", "Renamed Band", "Singer"]
    );
    search_until(&app, &admin, "renamed band", "artists", &["Renamed Band"]).await;
    search_until(&app, &admin, "renamers", "artists", &[]).await;

    // Files gone are not tracks gone: they stay, unavailable, and hold their album and artist.
    let away = tempfile::tempdir().unwrap();
    std::fs::rename(
        music.path().join("Renamed Band"),
        away.path().join("Renamed Band"),
    )
    .unwrap();
    let gone = scan(&app, &admin, false).await;
    assert_eq!(gone["missing"], 2, "{gone}");
    assert_eq!(
        sorted_albums(&app, &admin).await,
        [("Gathered".to_owned(), 1), ("New Name".to_owned(), 2)]
    );
    assert_eq!(
        artist_names(&app, &admin).await,
        ["Curator", "Renamed Band", "Singer"]
    );
    app.finish().await;
}

mod renamed_folders_leave_no_ghosts {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::renamed_folders_leave_no_ghosts(crate::helpers::TestDb::sqlite().await).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::renamed_folders_leave_no_ghosts(crate::helpers::TestDb::postgres().await).await;
    }
}
