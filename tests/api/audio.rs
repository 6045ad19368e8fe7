//! Real audio files for the tests, made with ffmpeg (Debian's package; `scripts/test`
//! installs it). A missing ffmpeg fails the test that needs it, loudly.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One file to make: where, how long, which codec options, which tags.
pub struct Audio<'a> {
    pub path: &'a str,
    pub seconds: f32,
    pub codec: &'a [&'a str],
    pub tags: &'a [(&'a str, &'a str)],
}

/// Encodes a sine tone into `root/<path>` with the given codec arguments and tags.
pub fn make(root: &Path, audio: &Audio) -> PathBuf {
    let out = root.join(audio.path);
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let mut command = Command::new("ffmpeg");
    command.args(["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i"]);
    command.arg(format!(
        "sine=frequency=440:sample_rate=44100:duration={}",
        audio.seconds
    ));
    command.args(["-ac", "2"]);
    command.args(audio.codec);
    for (key, value) in audio.tags {
        command.arg("-metadata").arg(format!("{key}={value}"));
    }
    command.arg(&out);
    let output = command.output().expect(
        "ffmpeg is needed for the library tests: apt-get install ffmpeg (scripts/test does)",
    );
    assert!(
        output.status.success(),
        "ffmpeg failed for {}: {}",
        audio.path,
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// A tiny PNG, for cover art.
pub const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// Writes a tag of the given kind with lofty (for kinds ffmpeg does not write, such as ID3v1
/// alone or APE on an MP3).
pub fn tag_with_lofty(
    path: &Path,
    kind: lofty::tag::TagType,
    title: &str,
    artist: &str,
    album: &str,
) {
    use lofty::config::WriteOptions;
    use lofty::prelude::{Accessor, TagExt};
    let mut tag = lofty::tag::Tag::new(kind);
    tag.set_title(title.into());
    tag.set_artist(artist.into());
    tag.set_album(album.into());
    tag.save_to_path(path, WriteOptions::default())
        .expect("lofty writes the tag");
}
