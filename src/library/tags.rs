//! Reading one audio file: its format (sniffed from the content, not the extension), its tags
//! and its audio properties, with lofty. Missing tags fall back to the path
//! (`Artist/Album/NN Title.ext`). Blocking: call it from a blocking pool.

use std::io::{BufReader, Seek, SeekFrom};
use std::path::Path;

use chrono::NaiveDate;
use lofty::config::{ParseOptions, ParsingMode};
use lofty::file::{AudioFile, TaggedFileExt};
use lofty::picture::{MimeType, PictureType};
use lofty::prelude::{Accessor, ItemKey};
use lofty::probe::Probe;
use lofty::tag::{ItemValue, Tag, TagType};
use serde_json::{Map, Value, json};

use crate::log_text::LoggedPath;
use crate::media::audio_format::AudioFormat;
use crate::untrusted_file::{self, UntrustedFileError};

/// Tag values longer than this are cut: a corrupt or hostile tag cannot bloat the database.
const MAX_TEXT_CHARS: usize = 64 * 1024;
/// Embedded pictures larger than this are ignored.
pub const MAX_PICTURE_BYTES: usize = 16 * 1024 * 1024;

/// Everything Juke keeps from one audio file.
#[derive(Debug, Clone)]
pub struct ScannedTrack {
    pub title: String,
    pub artist: String,
    pub album_artist: Option<String>,
    pub album: Option<String>,
    pub track_number: Option<u32>,
    pub track_total: Option<u32>,
    pub disc_number: Option<u32>,
    pub disc_total: Option<u32>,
    pub year: Option<i32>,
    pub release_date: Option<NaiveDate>,
    pub genres: Vec<String>,
    pub label: Option<String>,
    pub lyrics: Option<String>,
    pub compilation: bool,
    pub explicit: bool,
    pub musicbrainz_track_id: Option<String>,
    pub musicbrainz_album_id: Option<String>,
    pub musicbrainz_artist_id: Option<String>,
    pub musicbrainz_album_artist_id: Option<String>,
    pub duration_seconds: u32,
    pub bitrate_kbps: Option<u32>,
    pub sample_rate: Option<u32>,
    pub channels: Option<u8>,
    /// The format the content sniffed as.
    pub format: AudioFormat,
    /// Every other tag item, and ReplayGain, totals, format details.
    pub metadata: Map<String, Value>,
    pub picture: Option<Picture>,
}

impl ScannedTrack {
    /// Nothing known yet but the format.
    pub fn new(format: AudioFormat) -> ScannedTrack {
        ScannedTrack {
            title: String::new(),
            artist: String::new(),
            album_artist: None,
            album: None,
            track_number: None,
            track_total: None,
            disc_number: None,
            disc_total: None,
            year: None,
            release_date: None,
            genres: Vec::new(),
            label: None,
            lyrics: None,
            compilation: false,
            explicit: false,
            musicbrainz_track_id: None,
            musicbrainz_album_id: None,
            musicbrainz_artist_id: None,
            musicbrainz_album_artist_id: None,
            duration_seconds: 0,
            bitrate_kbps: None,
            sample_rate: None,
            channels: None,
            format,
            metadata: Map::new(),
            picture: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Picture {
    pub mime: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum TagError {
    #[error("cannot open: {0}")]
    Io(#[from] std::io::Error),
    /// Not a regular file, or too large.
    #[error(transparent)]
    Refused(#[from] UntrustedFileError),
    #[error("empty file")]
    Empty,
    #[error("not a recognised audio file")]
    NotAudio,
    /// Content Juke recognises and cannot read (Ogg FLAC, an Ogg video); says which.
    #[error("{0}")]
    Unsupported(&'static str),
    #[error("unreadable audio: {0}")]
    Parse(String),
}

/// The format of audio content, sniffed from its first bytes; `None` when it is not audio
/// Juke plays.
pub fn sniff(path: &Path) -> Result<Option<AudioFormat>, TagError> {
    let (mut file, _) = untrusted_file::open_regular(path, untrusted_file::MAX_AUDIO_BYTES)?;
    refuse_unreadable_ogg(&mut file)?;
    let probe = Probe::new(BufReader::new(file)).guess_file_type()?;
    Ok(probe.file_type().and_then(AudioFormat::from_file_type))
}

/// Bytes enough for an Ogg page header, its largest segment table and a codec signature.
const OGG_HEAD_BYTES: u64 = 27 + 255 + 8;

/// Refuses an Ogg file whose first stream lofty does not read, naming it. lofty knows Ogg
/// Vorbis, Opus and Speex by the first packet's signature; for any other first stream (FLAC
/// in Ogg, a Theora video whose sound is a later stream) it falls back to searching the bytes
/// for an MPEG frame sync, finds one by chance in the compressed data, and fails with "failed
/// to parse Mpeg file", which tells nobody what is wrong. Leaves `file` at its start.
fn refuse_unreadable_ogg(file: &mut std::fs::File) -> Result<(), TagError> {
    use std::io::Read;
    file.seek(SeekFrom::Start(0))?;
    let mut head = Vec::with_capacity(OGG_HEAD_BYTES as usize);
    (&mut *file).take(OGG_HEAD_BYTES).read_to_end(&mut head)?;
    file.seek(SeekFrom::Start(0))?;
    match unreadable_ogg(&head) {
        Some(why) => Err(TagError::Unsupported(why)),
        None => Ok(()),
    }
}

/// Why an Ogg file starting with `head` cannot be read, or `None` when it is not Ogg or its
/// first stream is audio lofty reads. The first page holds the first stream's first packet,
/// which starts with its codec's signature.
fn unreadable_ogg(head: &[u8]) -> Option<&'static str> {
    if !head.starts_with(b"OggS") {
        return None;
    }
    let segments = usize::from(*head.get(26)?);
    let packet = head.get(27 + segments..).unwrap_or_default();
    let signature = |sig: &[u8]| packet.starts_with(sig);
    if signature(b"\x01vorbis") || signature(b"OpusHead") || signature(b"Speex   ") {
        None
    } else if signature(b"\x7fFLAC") {
        Some("Ogg FLAC is not supported: FLAC is read in its own container (.flac)")
    } else if signature(b"\x80theora") {
        Some("an Ogg video (its first stream is Theora), not an audio file")
    } else if signature(b"fishead\0") || signature(b"\x80kate") || signature(b"BBCD\0") {
        Some("an Ogg file whose first stream is not audio (a video or its index)")
    } else {
        Some("an Ogg file in a codec Juke does not read (Vorbis, Opus and Speex are read)")
    }
}

fn parse_error(err: lofty::error::FileParseError) -> TagError {
    TagError::Parse(err.to_string())
}

/// Reads a file's tags and properties. `relative` is the path below the library folder, for
/// the fallbacks.
pub fn read(path: &Path, relative: &Path) -> Result<ScannedTrack, TagError> {
    let (file, _) = untrusted_file::open_regular(path, untrusted_file::MAX_AUDIO_BYTES)?;
    read_open(file, path, relative)
}

/// [`read`] from a file already open (the ingest pipeline hashes it first), so each file is
/// opened once.
pub fn read_open(
    file: std::fs::File,
    path: &Path,
    relative: &Path,
) -> Result<ScannedTrack, TagError> {
    if file.metadata()?.len() == 0 {
        return Err(TagError::Empty);
    }
    // The second attempt reads the same opened file again, never the path: the path was
    // checked to name a regular file once, through this handle.
    let mut first = Some(file.try_clone()?);
    let mut open = |read_tags: bool| -> Result<_, TagError> {
        let options = ParseOptions::new()
            .parsing_mode(ParsingMode::Relaxed)
            .read_tags(read_tags)
            .read_cover_art(read_tags);
        let mut handle = match first.take() {
            Some(handle) => handle,
            None => file.try_clone()?,
        };
        refuse_unreadable_ogg(&mut handle)?;
        let probe = Probe::new(BufReader::new(handle))
            .options(options)
            .guess_file_type()?;
        let format = probe
            .file_type()
            .and_then(AudioFormat::from_file_type)
            .ok_or(TagError::NotAudio)?;
        Ok((format, probe.read().map_err(parse_error)?))
    };
    // Broken tags (invalid UTF-8, a bad frame) should not lose the music: read the audio
    // alone and let the path name it.
    let (format, file, tag_problem) = match open(true) {
        Ok((format, file)) => (format, file, None),
        Err(TagError::Parse(problem)) => {
            let (format, file) = open(false).map_err(|_| TagError::Parse(problem.clone()))?;
            (format, file, Some(problem))
        }
        Err(other) => return Err(other),
    };
    let properties = file.properties();
    if properties.duration().is_zero() && properties.sample_rate().is_none() {
        return Err(TagError::Parse("no audio stream found".into()));
    }
    let mut scanned = ScannedTrack {
        duration_seconds: properties.duration().as_secs_f64().round() as u32,
        bitrate_kbps: properties.audio_bitrate().or(properties.overall_bitrate()),
        sample_rate: properties.sample_rate(),
        channels: properties.channels(),
        ..ScannedTrack::new(format)
    };
    if let Some(problem) = tag_problem {
        scanned
            .metadata
            .insert("tags_unreadable".into(), json!(problem));
    }
    if let Some(depth) = properties.bit_depth() {
        scanned.metadata.insert("bit_depth".into(), json!(depth));
    }
    // The primary tag first, then the others, ID3v1 last: it is the least precise, and its
    // 128-byte trailer can be mistaken inside other data (an MP3 may carry ID3v2, APE, ID3v1).
    let mut tags: Vec<&Tag> = file.tags().iter().collect();
    let primary = file.primary_tag_type();
    tags.sort_by_key(|t| (t.tag_type() != primary, t.tag_type() == TagType::Id3v1));
    for tag in &tags {
        fill_from_tag(&mut scanned, tag);
    }
    fill_from_path(&mut scanned, relative);
    if scanned.lyrics.is_none() {
        scanned.lyrics = sidecar_lyrics(path);
    }
    Ok(scanned)
}

fn clean(text: &str) -> Option<String> {
    let text: String = text
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .take(MAX_TEXT_CHARS)
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// [`clean`], on one line: a name with a newline would forge a log line and break a list.
fn line(text: &str) -> Option<String> {
    let text = clean(text)?;
    Some(
        text.split(|c: char| c.is_control())
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn text(tag: &Tag, key: ItemKey) -> Option<String> {
    tag.get_string(key).and_then(line)
}

/// Takes each value from the first tag that has it.
fn fill_from_tag(s: &mut ScannedTrack, tag: &Tag) {
    fn set<T>(slot: &mut Option<T>, value: Option<T>) {
        if slot.is_none() {
            *slot = value;
        }
    }
    if s.title.is_empty() {
        s.title = tag.title().as_deref().and_then(line).unwrap_or_default();
    }
    if s.artist.is_empty() {
        s.artist = tag.artist().as_deref().and_then(line).unwrap_or_default();
    }
    set(&mut s.album_artist, text(tag, ItemKey::AlbumArtist));
    set(&mut s.album, tag.album().as_deref().and_then(line));
    set(&mut s.track_number, tag.track().filter(|n| *n > 0));
    set(&mut s.track_total, tag.track_total().filter(|n| *n > 0));
    set(&mut s.disc_number, tag.disk().filter(|n| *n > 0));
    set(&mut s.disc_total, tag.disk_total().filter(|n| *n > 0));
    if s.year.is_none()
        && let Some(date) = tag.date()
    {
        s.year = Some(i32::from(date.year)).filter(|y| (1..=9999).contains(y));
        s.release_date = match (date.month, date.day) {
            (Some(m), Some(d)) => {
                NaiveDate::from_ymd_opt(i32::from(date.year), u32::from(m), u32::from(d))
            }
            _ => None,
        };
    }
    if s.genres.is_empty() {
        s.genres = tag
            .get_strings(ItemKey::Genre)
            .flat_map(|g| g.split([';', '/', '\0']))
            .filter_map(line)
            .collect();
        s.genres.dedup();
    }
    set(
        &mut s.label,
        text(tag, ItemKey::Label).or_else(|| text(tag, ItemKey::Publisher)),
    );
    set(
        &mut s.lyrics,
        tag.get_string(ItemKey::Lyrics).and_then(clean),
    );
    if let Some(flag) = text(tag, ItemKey::FlagCompilation) {
        s.compilation |= matches!(flag.as_str(), "1" | "true" | "True" | "yes");
    }
    if let Some(advisory) = text(tag, ItemKey::ParentalAdvisory) {
        // iTunes: 1 or 4 explicit, 2 clean, 0 none.
        s.explicit |= matches!(advisory.as_str(), "1" | "4" | "explicit" | "Explicit");
    }
    set(
        &mut s.musicbrainz_track_id,
        text(tag, ItemKey::MusicBrainzRecordingId),
    );
    set(
        &mut s.musicbrainz_album_id,
        text(tag, ItemKey::MusicBrainzReleaseId),
    );
    set(
        &mut s.musicbrainz_artist_id,
        text(tag, ItemKey::MusicBrainzArtistId),
    );
    set(
        &mut s.musicbrainz_album_artist_id,
        text(tag, ItemKey::MusicBrainzReleaseArtistId),
    );
    for (key, name) in [
        (ItemKey::ReplayGainTrackGain, "replaygain_track_gain"),
        (ItemKey::ReplayGainTrackPeak, "replaygain_track_peak"),
        (ItemKey::ReplayGainAlbumGain, "replaygain_album_gain"),
        (ItemKey::ReplayGainAlbumPeak, "replaygain_album_peak"),
    ] {
        if let Some(value) = text(tag, key) {
            s.metadata.entry(name).or_insert(json!(value));
        }
    }
    if s.picture.is_none() {
        let pictures = tag.pictures();
        // An empty picture is no picture: stored, it would be served as an empty image.
        let mut usable = pictures.iter().filter(|p| !p.data().is_empty());
        let front = usable
            .clone()
            .find(|p| p.pic_type() == PictureType::CoverFront)
            .or_else(|| usable.next());
        s.picture = front
            .filter(|p| p.data().len() <= MAX_PICTURE_BYTES)
            .map(|p| Picture {
                mime: p
                    .mime_type()
                    .map_or("image/jpeg", MimeType::as_str)
                    .to_owned(),
                bytes: p.data().to_vec(),
            });
    }
    // Everything else the tag holds, by lofty's name for it (or the raw key).
    for item in tag.items() {
        let (ItemValue::Text(value) | ItemValue::Locator(value)) = item.value() else {
            continue;
        };
        let Some(value) = clean(value) else { continue };
        let key = format!("{:?}", item.key()).to_lowercase();
        if !KEPT_IN_COLUMNS.contains(&key.as_str()) {
            s.metadata.entry(key).or_insert(json!(value));
        }
    }
}

/// Items already stored in their own columns; not repeated in `metadata`.
const KEPT_IN_COLUMNS: [&str; 10] = [
    "tracktitle",
    "trackartist",
    "albumtitle",
    "albumartist",
    "tracknumber",
    "discnumber",
    "genre",
    "lyrics",
    "recordingdate",
    "label",
];

/// Fills what the tags left empty from `Artist/Album/NN Title.ext`, and moves totals and
/// identifiers into `metadata`.
fn fill_from_path(s: &mut ScannedTrack, relative: &Path) {
    let parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let stem = relative
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (number, title) = split_track_number(&stem);
    if s.title.is_empty() {
        s.title = line(&title).unwrap_or_else(|| "Untitled".to_owned());
    }
    if s.track_number.is_none() {
        s.track_number = number;
    }
    if s.album.is_none() && parts.len() >= 2 {
        s.album = line(&parts[parts.len() - 2]);
    }
    if s.artist.is_empty() {
        s.artist = s
            .album_artist
            .clone()
            .or_else(|| {
                (parts.len() >= 3)
                    .then(|| line(&parts[parts.len() - 3]))
                    .flatten()
            })
            .unwrap_or_else(|| UNKNOWN_ARTIST.to_owned());
    }
    for (name, value) in [("track_total", s.track_total), ("disc_total", s.disc_total)] {
        if let Some(value) = value {
            s.metadata.insert(name.into(), json!(value));
        }
    }
    if s.genres.len() > 1 {
        s.metadata.insert("genres".into(), json!(s.genres));
    }
    if let Some(id) = &s.musicbrainz_track_id {
        s.metadata.insert("musicbrainz_track_id".into(), json!(id));
    }
    if let Some(id) = &s.musicbrainz_artist_id {
        s.metadata.insert("musicbrainz_artist_id".into(), json!(id));
    }
    s.metadata
        .insert(AudioFormat::METADATA_KEY.into(), json!(s.format.name()));
}

pub const UNKNOWN_ARTIST: &str = "Unknown Artist";
pub const VARIOUS_ARTISTS: &str = "Various Artists";

/// "03 - Title" → (3, "Title"); "Title" → (None, "Title").
fn split_track_number(stem: &str) -> (Option<u32>, String) {
    let digits: String = stem.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 3 {
        return (None, stem.to_owned());
    }
    let rest = stem[digits.len()..].trim_start_matches([' ', '-', '.', '_']);
    if rest.is_empty() {
        return (None, stem.to_owned());
    }
    (digits.parse().ok(), rest.to_owned())
}

/// Lyrics from `Song.lrc` beside `Song.flac`, when present and small.
fn sidecar_lyrics(path: &Path) -> Option<String> {
    let lrc = path.with_extension("lrc");
    let bytes = match untrusted_file::read_capped(&lrc, untrusted_file::MAX_LYRICS_BYTES) {
        Ok(bytes) => bytes,
        Err(UntrustedFileError::Io(err)) if err.kind() == std::io::ErrorKind::NotFound => {
            return None;
        }
        Err(err) => {
            tracing::warn!(path = %LoggedPath(&lrc), reason = %err, "lyrics sidecar skipped");
            return None;
        }
    };
    clean(&String::from_utf8_lossy(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kept_on_one_line() {
        assert_eq!(
            line("Evil\n2026-12-03T00:00:00Z  INFO forged\r\tline").as_deref(),
            Some("Evil 2026-12-03T00:00:00Z  INFO forged line")
        );
        assert_eq!(line(" \n "), None);
        assert_eq!(clean("verse\nchorus").as_deref(), Some("verse\nchorus"));
    }

    #[test]
    fn track_numbers_come_off_file_names() {
        assert_eq!(split_track_number("03 - Title"), (Some(3), "Title".into()));
        assert_eq!(split_track_number("12.Song"), (Some(12), "Song".into()));
        assert_eq!(split_track_number("1999"), (None, "1999".into()));
        assert_eq!(split_track_number("Song"), (None, "Song".into()));
        assert_eq!(split_track_number("2024 Live"), (None, "2024 Live".into()));
    }

    #[test]
    fn paths_fill_missing_tags() {
        let mut s = ScannedTrack::new(AudioFormat::Mp3);
        fill_from_path(
            &mut s,
            Path::new("Nina Simone/Pastel Blues/07 Sinnerman.mp3"),
        );
        assert_eq!(
            (s.artist.as_str(), s.album.as_deref(), s.title.as_str()),
            ("Nina Simone", Some("Pastel Blues"), "Sinnerman")
        );
        assert_eq!(s.track_number, Some(7));
        let mut loose = ScannedTrack::new(AudioFormat::Vorbis);
        fill_from_path(&mut loose, Path::new("song.ogg"));
        assert_eq!(
            (loose.artist.as_str(), loose.album.as_deref()),
            (UNKNOWN_ARTIST, None)
        );
    }
}
