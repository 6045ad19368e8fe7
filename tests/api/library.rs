//! Folder scanning over a real library in every supported format, on both engines.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use juke::library::scan::{ScanSummary, Scanner};
use juke::storage::{Storage, Track};
use tempfile::TempDir;

use lofty::tag::TagType;

use crate::audio::{Audio, PNG_1X1, make, tag_with_lofty};
use crate::both_engines;

const TAGS_A: &[(&str, &str)] = &[
    ("title", "Song A"),
    ("artist", "Artist One"),
    ("album", "First Album"),
    ("track", "1/2"),
    ("disc", "1/1"),
    ("date", "2001"),
    ("genre", "Rock"),
    ("LABEL", "Tiny Records"),
    ("REPLAYGAIN_TRACK_GAIN", "-6.50 dB"),
    (
        "MUSICBRAINZ_ALBUMID",
        "0e8a2c4f-1111-4222-8333-944455556666",
    ),
];

/// The library every test scans, with the number of good files in it.
fn build_library(root: &Path) -> usize {
    let files = [
        Audio {
            path: "Artist One/First Album/01 Song A.flac",
            seconds: 3.0,
            codec: &[],
            tags: TAGS_A,
        },
        Audio {
            path: "Artist One/First Album/02 Song B.mp3",
            seconds: 2.0,
            codec: &["-c:a", "libmp3lame", "-id3v2_version", "4"],
            tags: &[
                ("title", "Song B"),
                ("artist", "artist   ONE"),
                ("album", "first  album"),
                ("track", "2"),
                ("TCMP", "0"),
            ],
        },
        Audio {
            path: "Comp/01.ogg",
            seconds: 2.0,
            codec: &["-c:a", "libvorbis"],
            tags: &[
                ("title", "Comp One"),
                ("artist", "Singer X"),
                ("album", "Hits Comp"),
                ("COMPILATION", "1"),
                ("track", "1"),
            ],
        },
        Audio {
            path: "Comp/02.opus",
            seconds: 2.0,
            codec: &["-c:a", "libopus"],
            tags: &[
                ("title", "Comp Two"),
                ("artist", "Singer Y"),
                ("album", "Hits Comp"),
                ("COMPILATION", "1"),
                ("track", "2"),
            ],
        },
        Audio {
            path: "Formats/aac.m4a",
            seconds: 2.0,
            codec: &["-c:a", "aac"],
            tags: &[
                ("title", "In AAC"),
                ("artist", "Format Band"),
                ("album", "Formats"),
            ],
        },
        Audio {
            path: "Formats/alac.m4a",
            seconds: 2.0,
            codec: &["-c:a", "alac"],
            tags: &[
                ("title", "In ALAC"),
                ("artist", "Format Band"),
                ("album", "Formats"),
            ],
        },
        Audio {
            path: "Formats/id3v23.mp3",
            seconds: 2.0,
            codec: &["-c:a", "libmp3lame", "-id3v2_version", "3"],
            tags: &[
                ("title", "In ID3v2.3"),
                ("artist", "Format Band"),
                ("album", "Formats"),
            ],
        },
        Audio {
            path: "Formats/id3v1.mp3",
            seconds: 2.0,
            codec: &["-c:a", "libmp3lame", "-id3v2_version", "0"],
            tags: &[],
        },
        Audio {
            path: "Formats/ape.mp3",
            seconds: 2.0,
            codec: &["-c:a", "libmp3lame", "-id3v2_version", "0"],
            tags: &[],
        },
        Audio {
            path: "Formats/wavpack.wv",
            seconds: 2.0,
            codec: &["-c:a", "wavpack"],
            tags: &[
                ("title", "In WavPack"),
                ("artist", "Format Band"),
                ("album", "Formats"),
            ],
        },
        Audio {
            path: "Formats/aiff.aiff",
            seconds: 2.0,
            codec: &["-c:a", "pcm_s16be", "-write_id3v2", "1"],
            tags: &[
                ("title", "In AIFF"),
                ("artist", "Format Band"),
                ("album", "Formats"),
            ],
        },
        Audio {
            path: "Formats/wave.wav",
            seconds: 2.0,
            codec: &["-c:a", "pcm_s16le"],
            tags: &[
                ("title", "In WAV"),
                ("artist", "Format Band"),
                ("album", "Formats"),
            ],
        },
        Audio {
            path: "Untagged Artist/Untagged Album/03 Path Title.flac",
            seconds: 1.0,
            codec: &[],
            tags: &[],
        },
    ];
    for file in &files {
        make(root, file);
    }
    tag_with_lofty(
        &root.join("Formats/id3v1.mp3"),
        TagType::Id3v1,
        "In ID3v1",
        "Format Band",
        "Formats",
    );
    tag_with_lofty(
        &root.join("Formats/ape.mp3"),
        TagType::Ape,
        "In APE tag",
        "Format Band",
        "Formats",
    );
    std::fs::write(root.join("Artist One/First Album/cover.png"), PNG_1X1).unwrap();
    std::fs::write(
        root.join("Artist One/First Album/01 Song A.lrc"),
        "[00:01.00]la la la\n",
    )
    .unwrap();
    // Bad files: each must fail alone.
    let bad = root.join("Bad");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("zero.mp3"), b"").unwrap();
    std::fs::write(
        bad.join("text.flac"),
        b"this is not audio at all, only text pretending",
    )
    .unwrap();
    let real = std::fs::read(root.join("Artist One/First Album/01 Song A.flac")).unwrap();
    std::fs::write(bad.join("truncated.flac"), &real[..30]).unwrap();
    std::os::unix::fs::symlink(&bad, bad.join("loop")).unwrap();
    // A link to nothing: the file cannot be opened (what an unreadable file is to root).
    std::os::unix::fs::symlink(bad.join("nowhere.flac"), bad.join("dangling.flac")).unwrap();
    // An ID3v2 header claiming a 256 MiB tag in front of a one-second MP3.
    let mp3 = std::fs::read(root.join("Formats/ape.mp3")).unwrap();
    let mut absurd = b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f".to_vec();
    absurd.extend_from_slice(&mp3);
    std::fs::write(bad.join("absurd.mp3"), absurd).unwrap();
    // A title frame declared UTF-8 holding invalid UTF-8: the music survives, named by its path.
    let raw = make(
        root,
        &Audio {
            path: "Broken Tags/Still Here/01 Survives.mp3",
            seconds: 1.0,
            codec: &["-c:a", "libmp3lame", "-id3v2_version", "0"],
            tags: &[],
        },
    );
    let title = b"\x03Bad \xff\xfe title";
    let mut frame = b"TIT2\x00\x00\x00".to_vec();
    frame.push(title.len() as u8);
    frame.extend_from_slice(b"\x00\x00");
    frame.extend_from_slice(title);
    let mut tagged = b"ID3\x04\x00\x00\x00\x00\x00".to_vec();
    tagged.push(frame.len() as u8);
    tagged.extend_from_slice(&frame);
    tagged.extend_from_slice(&std::fs::read(&raw).unwrap());
    std::fs::write(&raw, tagged).unwrap();
    // A cover embedded in one track of an album with no cover file.
    embed_cover(&root.join("Formats/id3v23.mp3"));
    files.len() + 1
}

/// Zero bytes, text, a truncated FLAC, a symlink loop, a dangling link, an absurd tag size.
const BAD_FILES: u64 = 6;

fn embed_cover(path: &Path) {
    use lofty::config::WriteOptions;
    use lofty::file::TaggedFileExt;
    use lofty::picture::{MimeType, Picture, PictureType};
    use lofty::prelude::TagExt;
    let mut file = lofty::read_from_path(path).unwrap();
    let tag = file.primary_tag_mut().unwrap();
    tag.push_picture(
        Picture::unchecked(PNG_1X1.to_vec())
            .pic_type(PictureType::CoverFront)
            .mime_type(MimeType::Png)
            .build(),
    );
    tag.save_to_path(path, WriteOptions::default()).unwrap();
}

struct Fixture {
    _dir: TempDir,
    music: PathBuf,
    data: PathBuf,
    good: usize,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    let good = build_library(&music);
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    Fixture {
        music,
        data,
        good,
        _dir: dir,
    }
}

async fn scan(storage: &Storage, f: &Fixture) -> ScanSummary {
    Scanner::new(storage.clone(), f.data.clone())
        .scan(std::slice::from_ref(&f.music), false, &|_| {})
        .await
        .expect("scan")
}

async fn tracks_by_title(storage: &Storage, f: &Fixture) -> HashMap<String, Track> {
    let prefix = format!("{}/", std::fs::canonicalize(&f.music).unwrap().display());
    let mut out = HashMap::new();
    for known in storage.known_files_under(&prefix).await.unwrap() {
        let track = storage.track(known.id).await.unwrap();
        out.insert(track.title.clone(), track);
    }
    out
}

async fn a_first_scan_reads_every_format_and_resolves_the_catalog(storage: &Storage) {
    let f = fixture();
    let summary = scan(storage, &f).await;
    assert_eq!(summary.added as usize, f.good, "{summary:?}");
    assert_eq!(summary.failed, BAD_FILES, "{summary:?}");
    let tracks = tracks_by_title(storage, &f).await;
    for title in [
        "Song A",
        "Song B",
        "Comp One",
        "Comp Two",
        "In AAC",
        "In ALAC",
        "In ID3v2.3",
        "In ID3v1",
        "In APE tag",
        "In WavPack",
        "In AIFF",
        "In WAV",
        "Path Title",
    ] {
        let t = tracks
            .get(title)
            .unwrap_or_else(|| panic!("{title} missing from {:?}", tracks.keys()));
        assert!(
            t.duration_seconds >= 1,
            "{title}: duration {}",
            t.duration_seconds
        );
        // Opus always decodes at 48 kHz.
        let rate = if title == "Comp Two" { 48000 } else { 44100 };
        assert_eq!(t.sample_rate, Some(rate), "{title}");
        assert!(t.is_available);
    }
    let a = &tracks["Song A"];
    assert_eq!(
        (a.track_number, a.disc_number, a.year),
        (Some(1), Some(1), Some(2001))
    );
    assert_eq!((a.duration_seconds, a.channels), (3, Some(2)));
    assert_eq!(a.genre.as_deref(), Some("Rock"));
    assert!(a.bitrate.is_some_and(|b| b > 0));
    assert_eq!(
        a.lyrics.as_deref(),
        Some("[00:01.00]la la la"),
        "sidecar .lrc"
    );
    assert_eq!(a.metadata.0["replaygain_track_gain"], "-6.50 dB");
    assert_eq!(a.metadata.0["format"], "flac");
    assert_eq!(a.metadata.0["track_total"], 2);

    // One artist and one album, whatever the case and spacing of their names.
    let b = &tracks["Song B"];
    assert_eq!(a.artist_id, b.artist_id);
    assert_eq!(a.album_id, b.album_id);
    let album = storage.album(a.album_id.unwrap()).await.unwrap();
    assert_eq!(
        (
            album.title.as_str(),
            album.total_tracks,
            album.duration_seconds
        ),
        ("First Album", 2, 5)
    );
    assert_eq!(
        album.musicbrainz_id.as_deref(),
        Some("0e8a2c4f-1111-4222-8333-944455556666")
    );
    assert_eq!(album.label.as_deref(), Some("Tiny Records"));
    let cover = album.cover_image_url.expect("cover from cover.png");
    assert!(cover.ends_with("/cover"), "{cover}");
    assert_eq!(
        std::fs::read(f.data.join(format!("covers/{}.png", album.id))).unwrap(),
        PNG_1X1
    );
    assert_eq!(
        storage.artist(a.artist_id).await.unwrap().name,
        "Artist One"
    );

    // A compilation is one album under Various Artists, with each track's own artist.
    let (one, two) = (&tracks["Comp One"], &tracks["Comp Two"]);
    assert_eq!(one.album_id, two.album_id);
    assert_ne!(one.artist_id, two.artist_id);
    let comp = storage.album(one.album_id.unwrap()).await.unwrap();
    assert!(comp.is_compilation);
    assert_eq!(
        storage.artist(comp.artist_id).await.unwrap().name,
        "Various Artists"
    );
    assert_eq!(
        storage.artist(one.artist_id).await.unwrap().name,
        "Singer X"
    );

    // A picture inside a track is the album's cover when no cover file is there.
    let formats = storage
        .album(tracks["In ID3v2.3"].album_id.unwrap())
        .await
        .unwrap();
    assert!(formats.cover_image_url.is_some());
    assert_eq!(
        std::fs::read(f.data.join(format!("covers/{}.png", formats.id))).unwrap(),
        PNG_1X1
    );
    assert!(tracks["Survives"].metadata.0["tags_unreadable"].is_string());

    // Tags missing: the path speaks.
    let p = &tracks["Path Title"];
    assert_eq!(p.track_number, Some(3));
    assert_eq!(p.album.as_deref(), Some("Untagged Album"));
    assert_eq!(
        storage.artist(p.artist_id).await.unwrap().name,
        "Untagged Artist"
    );
    assert!(storage.counter_drift().await.unwrap().is_empty());
}

async fn a_rescan_without_changes_reads_nothing(storage: &Storage) {
    let f = fixture();
    scan(storage, &f).await;
    let again = scan(storage, &f).await;
    assert_eq!(
        (
            again.added,
            again.updated,
            again.missing,
            again.unchanged as usize
        ),
        (0, 0, 0, f.good),
        "{again:?}"
    );
    assert_eq!(storage.count_tracks().await.unwrap() as usize, f.good);
}

async fn edits_moves_deletions_and_returns_keep_track_ids(storage: &Storage) {
    let f = fixture();
    scan(storage, &f).await;
    let before = tracks_by_title(storage, &f).await;

    // Edit: new tags, same path → same id, new title.
    let edited_path = f.music.join("Formats/aac.m4a");
    std::fs::remove_file(&edited_path).unwrap();
    make(
        &f.music,
        &Audio {
            path: "Formats/aac.m4a",
            seconds: 3.0,
            codec: &["-c:a", "aac"],
            tags: &[
                ("title", "In AAC, retitled"),
                ("artist", "Format Band"),
                ("album", "Formats"),
            ],
        },
    );
    // Move: same content, new folder.
    std::fs::create_dir_all(f.music.join("Moved")).unwrap();
    std::fs::rename(
        f.music.join("Formats/id3v1.mp3"),
        f.music.join("Moved/id3v1.mp3"),
    )
    .unwrap();
    // Delete.
    let deleted = f.music.join("Formats/wavpack.wv");
    let kept = std::fs::read(&deleted).unwrap();
    std::fs::remove_file(&deleted).unwrap();

    let summary = scan(storage, &f).await;
    assert_eq!(
        (
            summary.added,
            summary.updated,
            summary.moved,
            summary.missing
        ),
        (0, 2, 1, 1),
        "{summary:?}"
    );
    let after = tracks_by_title(storage, &f).await;
    let retitled = after
        .get("In AAC, retitled")
        .unwrap_or_else(|| panic!("{:?}", after.keys()));
    assert_eq!(
        retitled.id, before["In AAC"].id,
        "an edited file keeps its track"
    );
    assert_eq!(retitled.duration_seconds, 3);
    let moved = &after["In ID3v1"];
    assert_eq!(
        moved.id, before["In ID3v1"].id,
        "a moved file keeps its track"
    );
    assert!(
        moved
            .file_path
            .as_deref()
            .unwrap()
            .ends_with("Moved/id3v1.mp3")
    );
    let gone = storage
        .track(before["In WavPack"].id)
        .await
        .expect("never deleted");
    assert!(!gone.is_available);

    // It comes back.
    std::fs::write(&deleted, kept).unwrap();
    let summary = scan(storage, &f).await;
    assert_eq!(
        (summary.added, summary.reappeared, summary.missing),
        (0, 1, 0),
        "{summary:?}"
    );
    let back = storage.track(before["In WavPack"].id).await.unwrap();
    assert!(back.is_available);
    assert_eq!(
        storage.count_tracks().await.unwrap() as usize,
        f.good,
        "nothing duplicated"
    );
}

async fn an_absent_folder_marks_nothing_missing(storage: &Storage) {
    let f = fixture();
    scan(storage, &f).await;
    let unmounted = f.music.with_file_name("unmounted");
    std::fs::rename(&f.music, &unmounted).unwrap();
    let summary = Scanner::new(storage.clone(), f.data.clone())
        .scan(std::slice::from_ref(&f.music), false, &|_| {})
        .await
        .unwrap();
    assert_eq!(summary, ScanSummary::default());
    std::fs::rename(&unmounted, &f.music).unwrap();
    assert!(
        tracks_by_title(storage, &f)
            .await
            .values()
            .all(|t| t.is_available)
    );
}

both_engines!(
    a_first_scan_reads_every_format_and_resolves_the_catalog,
    a_rescan_without_changes_reads_nothing,
    edits_moves_deletions_and_returns_keep_track_ids,
    an_absent_folder_marks_nothing_missing,
);
