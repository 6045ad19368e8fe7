//! Juke's rows as Subsonic elements, and Subsonic ids.
//!
//! Ids carry their kind (`ar-`, `al-`, `tr-`, `pl-` before the UUID), since some methods take
//! "any directory" (getMusicDirectory) or "any cover" (getCoverArt) and must tell them apart.

use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

use super::error::SubsonicError;
use super::response::Node;
use crate::media::audio_format::AudioFormat;
use crate::storage::{AlbumSummary, ArtistSummary, Id, SongFacts, TrackSummary};
use crate::stored_path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Artist,
    Album,
    Track,
    Playlist,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Artist => "ar-",
            Kind::Album => "al-",
            Kind::Track => "tr-",
            Kind::Playlist => "pl-",
        }
    }
}

pub fn id(kind: Kind, id: Id) -> String {
    format!("{}{id}", kind.prefix())
}

/// A Subsonic id: its kind and Juke id. A bare UUID is taken as `default`.
pub fn parse(raw: &str, default: Kind) -> Option<(Kind, Id)> {
    for kind in [Kind::Artist, Kind::Album, Kind::Track, Kind::Playlist] {
        if let Some(rest) = raw.strip_prefix(kind.prefix()) {
            return rest.parse().ok().map(|id| (kind, id));
        }
    }
    raw.parse().ok().map(|id| (default, id))
}

/// The id of `kind` in parameter `key`, or the error a client expects.
pub fn expect(raw: Option<&str>, key: &'static str, kind: Kind) -> Result<Id, SubsonicError> {
    let raw = raw
        .filter(|r| !r.is_empty())
        .ok_or(SubsonicError::Missing(key))?;
    match parse(raw, kind) {
        Some((found, id)) if found == kind => Ok(id),
        _ => Err(SubsonicError::NotFound(match kind {
            Kind::Artist => "artist",
            Kind::Album => "album",
            Kind::Track => "song",
            Kind::Playlist => "playlist",
        })),
    }
}

pub fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The folders a song's `path` is given relative to: the library folders as scans store
/// them (resolved), and the uploads' folder. A file under none of them is named alone: a
/// server's absolute paths are never shown.
#[derive(Debug, Clone, Default)]
pub struct Roots(Vec<PathBuf>);

impl Roots {
    pub fn new(folders: impl IntoIterator<Item = PathBuf>) -> Roots {
        Roots(
            folders
                .into_iter()
                .map(|f| std::fs::canonicalize(&f).unwrap_or(f))
                .collect(),
        )
    }

    /// `stored` (a `tracks.file_path`) below its folder, with `/` between names.
    pub fn relative(&self, stored: &str) -> String {
        let path = stored_path::decode(stored);
        let below = self
            .0
            .iter()
            .filter_map(|root| path.strip_prefix(root).ok())
            .min_by_key(|rest| rest.as_os_str().len());
        match below {
            Some(rest) if !rest.as_os_str().is_empty() => rest
                .iter()
                .map(stored_path::display_name)
                .collect::<Vec<_>>()
                .join("/"),
            _ => path
                .file_name()
                .map(stored_path::display_name)
                .unwrap_or_default(),
        }
    }
}

/// A song (`Child`), under the element name `name` ("song", "child", "entry"...): the list
/// row, the file, tags and play count ([`SongFacts`], when read: its count is never behind
/// the caller's own plays, a list row's may be), and the caller's star, rating and last
/// play. Every method builds its songs here, so they all say the same. OpenSubsonic's fields
/// the 1.16.1 schema lacks are JSON-only; each is present (empty when unknown), as
/// OpenSubsonic asks of a server that supports it.
pub fn song(
    name: &'static str,
    t: &TrackSummary,
    facts: Option<&SongFacts>,
    roots: &Roots,
) -> Node {
    let cover = t.album_id.map(|a| id(Kind::Album, a));
    let file = facts.map(|f| &*f.file);
    let marks = facts.and_then(|f| f.marks.as_deref());
    let meta = file.map(|f| &f.metadata.0);
    let text = |key: &str| {
        meta.and_then(|m| m.get(key))
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let number = |key: &str| {
        meta.and_then(|m| m.get(key)).and_then(|v| {
            v.as_i64().or_else(|| {
                v.as_str()
                    .and_then(|s| s.trim().parse::<f64>().ok())
                    .map(|f| f.round() as i64)
            })
        })
    };
    let path = file.and_then(|f| f.file_path.as_deref());
    let extension = path
        .map(stored_path::decode)
        .and_then(|p| {
            p.extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
        })
        .filter(|e| !e.is_empty());
    let format = meta
        .and_then(AudioFormat::from_metadata)
        .or_else(|| extension.as_deref().and_then(AudioFormat::from_extension));
    let suffix = extension.or_else(|| format.map(|f| f.name().to_owned()));
    let album_artist = file.and_then(|f| f.album_artist_id.zip(f.album_artist_name.clone()));
    let genres: Vec<String> = match meta
        .and_then(|m| m.get("genres"))
        .and_then(|g| g.as_array())
    {
        Some(all) if !all.is_empty() => all
            .iter()
            .filter_map(|g| g.as_str().map(str::to_owned))
            .collect(),
        _ => t.genre.iter().cloned().collect(),
    };
    let mut replay_gain = serde_json::Map::new();
    for (key, field) in [
        ("replaygain_track_gain", "trackGain"),
        ("replaygain_album_gain", "albumGain"),
        ("replaygain_track_peak", "trackPeak"),
        ("replaygain_album_peak", "albumPeak"),
    ] {
        if let Some(value) = text(key).and_then(decibels) {
            replay_gain.insert(field.into(), json!(value));
        }
    }
    let isrc: Vec<&str> = text("isrc").into_iter().collect();
    let artist_ref = json!([{"id": id(Kind::Artist, t.artist_id), "name": t.artist_name}]);
    Node::new(name)
        .attr("id", id(Kind::Track, t.id))
        .opt("parent", cover.clone())
        .attr("isDir", false)
        .attr("title", t.title.as_str())
        .opt("album", t.album_title.clone())
        .attr("artist", t.artist_name.as_str())
        .opt("track", t.track_number)
        .opt("year", t.year)
        .opt("genre", t.genre.clone())
        .opt("coverArt", cover)
        .opt("size", file.and_then(|f| f.file_size))
        .opt("contentType", format.map(AudioFormat::mime))
        .opt("suffix", suffix)
        .attr("duration", t.duration_seconds)
        .opt("bitRate", file.and_then(|f| f.bitrate))
        .opt("path", path.map(|p| roots.relative(p)))
        .opt("userRating", marks.and_then(|m| m.rating))
        .attr("playCount", file.map_or(t.play_count, |f| f.play_count))
        .opt("discNumber", t.disc_number)
        .attr("created", time(t.created_at))
        .opt("starred", marks.and_then(|m| m.starred_at).map(time))
        .opt("albumId", t.album_id.map(|a| id(Kind::Album, a)))
        .attr("artistId", id(Kind::Artist, t.artist_id))
        .attr("type", "music")
        .attr("isVideo", false)
        .json_opt("bitDepth", number("bit_depth"))
        .json_opt("samplingRate", file.and_then(|f| f.sample_rate))
        .json_opt("channelCount", file.and_then(|f| f.channels))
        .json_opt("played", marks.and_then(|m| m.played_at).map(time))
        .json("mediaType", "song")
        .json(
            "musicBrainzId",
            text("musicbrainz_track_id").unwrap_or_default(),
        )
        .json("sortName", text("tracktitlesortorder").unwrap_or_default())
        .json(
            "bpm",
            number("bpm").or_else(|| number("integerbpm")).unwrap_or(0),
        )
        .json("comment", text("comment").unwrap_or_default())
        .json("isrc", json!(isrc))
        .json(
            "genres",
            json!(
                genres
                    .iter()
                    .map(|g| json!({"name": g}))
                    .collect::<Vec<_>>()
            ),
        )
        .json("artists", artist_ref)
        .json("displayArtist", t.artist_name.as_str())
        .json(
            "albumArtists",
            json!(
                album_artist
                    .iter()
                    .map(|(a, name)| json!({"id": id(Kind::Artist, *a), "name": name}))
                    .collect::<Vec<_>>()
            ),
        )
        .json(
            "displayAlbumArtist",
            album_artist.map(|(_, name)| name).unwrap_or_default(),
        )
        .json("replayGain", serde_json::Value::Object(replay_gain))
        .json(
            "explicitStatus",
            if t.is_explicit { "explicit" } else { "" },
        )
}

/// A ReplayGain tag's number: "-6.40 dB", "+1.2", "0.988".
fn decibels(raw: &str) -> Option<f64> {
    let number = raw
        .trim()
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .trim()
        .trim_start_matches('+');
    number.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// An album (`AlbumID3`), `starred` when the caller likes it.
pub fn album(name: &'static str, a: &AlbumSummary, starred: Option<DateTime<Utc>>) -> Node {
    let al = &a.album;
    Node::new(name)
        .attr("id", id(Kind::Album, al.id))
        .attr("name", al.title.as_str())
        .attr("artist", a.artist_name.as_str())
        .attr("artistId", id(Kind::Artist, al.artist_id))
        .attr("coverArt", id(Kind::Album, al.id))
        .attr("songCount", al.total_tracks)
        .attr("duration", al.duration_seconds)
        .attr("playCount", a.play_count)
        .attr("created", time(al.created_at))
        .opt("starred", starred.map(time))
        .opt("year", al.year)
        .opt("genre", al.genre.clone())
}

/// An album as a directory entry (`Child` with isDir), for the folder-based methods. Apps
/// read its name from `title`, `album` or (JSON) `name`: all three carry it.
pub fn album_dir(name: &'static str, a: &AlbumSummary, starred: Option<DateTime<Utc>>) -> Node {
    let al = &a.album;
    Node::new(name)
        .attr("id", id(Kind::Album, al.id))
        .attr("parent", id(Kind::Artist, al.artist_id))
        .attr("isDir", true)
        .attr("title", al.title.as_str())
        .attr("album", al.title.as_str())
        .attr("artist", a.artist_name.as_str())
        .opt("year", al.year)
        .opt("genre", al.genre.clone())
        .attr("coverArt", id(Kind::Album, al.id))
        .attr("duration", al.duration_seconds)
        .attr("playCount", a.play_count)
        .attr("created", time(al.created_at))
        .opt("starred", starred.map(time))
        .attr("albumId", id(Kind::Album, al.id))
        .attr("artistId", id(Kind::Artist, al.artist_id))
        .json("name", al.title.as_str())
}

/// An artist (`ArtistID3`).
pub fn artist(name: &'static str, a: &ArtistSummary, starred: Option<DateTime<Utc>>) -> Node {
    Node::new(name)
        .attr("id", id(Kind::Artist, a.artist.id))
        .attr("name", a.artist.name.as_str())
        .attr("coverArt", id(Kind::Artist, a.artist.id))
        .attr("albumCount", a.album_count)
        .opt("starred", starred.map(time))
}

/// An artist in the folder-based methods (`Artist`).
pub fn artist_entry(name: &'static str, a: &ArtistSummary, starred: Option<DateTime<Utc>>) -> Node {
    Node::new(name)
        .attr("id", id(Kind::Artist, a.artist.id))
        .attr("name", a.artist.name.as_str())
        .opt("starred", starred.map(time))
}

/// The index letter an artist is filed under: its first letter, `#` for anything else.
pub fn index_letter(name: &str) -> String {
    match name.trim().chars().next() {
        Some(c) if c.is_alphabetic() => c.to_uppercase().collect(),
        _ => "#".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_say_their_kind() {
        let raw = Id::new();
        let album = id(Kind::Album, raw);
        assert!(album.starts_with("al-"));
        assert_eq!(parse(&album, Kind::Track), Some((Kind::Album, raw)));
        assert_eq!(
            parse(&raw.to_string(), Kind::Track),
            Some((Kind::Track, raw))
        );
        assert_eq!(parse("al-nope", Kind::Album), None);
        assert!(expect(Some(&album), "id", Kind::Track).is_err());
        assert_eq!(expect(Some(&album), "id", Kind::Album).unwrap(), raw);
        assert!(matches!(
            expect(None, "id", Kind::Album),
            Err(SubsonicError::Missing("id"))
        ));
    }

    #[test]
    fn artists_are_filed_by_letter() {
        assert_eq!(index_letter("abba"), "A");
        assert_eq!(index_letter("Ötzi"), "Ö");
        assert_eq!(index_letter("2Pac"), "#");
        assert_eq!(index_letter(""), "#");
    }
}
