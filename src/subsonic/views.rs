//! Juke's rows as Subsonic elements, and Subsonic ids.
//!
//! Ids carry their kind (`ar-`, `al-`, `tr-`, `pl-` before the UUID), since some methods take
//! "any directory" (getMusicDirectory) or "any cover" (getCoverArt) and must tell them apart.

use chrono::{DateTime, SecondsFormat, Utc};

use super::error::SubsonicError;
use super::response::Node;
use crate::storage::{AlbumSummary, ArtistSummary, Id, TrackSummary};

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

/// A song (`Child`), under the element name `name` ("song", "child", "entry"...).
pub fn song(name: &'static str, t: &TrackSummary, starred: Option<DateTime<Utc>>) -> Node {
    let cover = t.album_id.map(|a| id(Kind::Album, a));
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
        .attr("duration", t.duration_seconds)
        .attr("playCount", t.play_count)
        .opt("discNumber", t.disc_number)
        .attr("created", time(t.created_at))
        .opt("starred", starred.map(time))
        .opt("albumId", t.album_id.map(|a| id(Kind::Album, a)))
        .attr("artistId", id(Kind::Artist, t.artist_id))
        .attr("type", "music")
}

/// An album (`AlbumID3`).
pub fn album(name: &'static str, a: &AlbumSummary) -> Node {
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
        .opt("year", al.year)
        .opt("genre", al.genre.clone())
}

/// An album as a directory entry (`Child` with isDir), for the folder-based methods.
pub fn album_dir(name: &'static str, a: &AlbumSummary) -> Node {
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
        .attr("albumId", id(Kind::Album, al.id))
        .attr("artistId", id(Kind::Artist, al.artist_id))
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
