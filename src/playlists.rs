//! Playlist rules: what a valid playlist and edit are, and M3U8 in and out.

use serde::Deserialize;

use crate::storage::{
    Id, MAX_PLAYLIST_ENTRIES, NewPlaylist, Playlist, PlaylistItem, PlaylistPatch, Storage,
    StorageError,
};
use crate::validate::{self, FieldError, field_error, nullable};

pub const NAME_MAX_CHARS: usize = 200;
pub const DESCRIPTION_MAX_CHARS: usize = 2000;
/// The most tracks one request adds; bigger imports go in several requests.
pub const MAX_TRACKS_PER_ADD: usize = 5000;
/// The most entries one import matches.
pub const MAX_IMPORT_ENTRIES: usize = 5000;
/// The largest M3U8 taken for import.
pub const MAX_IMPORT_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum PlaylistError {
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewPlaylist)]
pub struct CreateRequest {
    pub name: String,
    pub description: Option<String>,
    pub cover_image_url: Option<String>,
    #[serde(default)]
    pub is_public: bool,
    #[serde(default)]
    pub is_collaborative: bool,
}

/// Absent leaves a field alone; `null` clears it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PlaylistEdit)]
pub struct PatchRequest {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub cover_image_url: Option<Option<String>>,
    pub is_public: Option<bool>,
    pub is_collaborative: Option<bool>,
}

/// Tracks to add, at the end or from `position` (0 is first) on.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewEntries)]
pub struct AddRequest {
    pub track_ids: Vec<Id>,
    pub position: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EntryMove)]
pub struct MoveRequest {
    pub position: i64,
}

fn name(raw: &str) -> Result<String, FieldError> {
    validate::required_line("name", raw, NAME_MAX_CHARS)
}

pub fn position(raw: i64) -> Result<i32, FieldError> {
    i32::try_from(raw)
        .ok()
        .filter(|p| *p >= 0)
        .ok_or_else(|| field_error("position", "must be 0 or more"))
}

impl CreateRequest {
    pub fn validate(self, owner: Id) -> Result<NewPlaylist, FieldError> {
        Ok(NewPlaylist {
            user_id: owner,
            name: name(&self.name)?,
            description: validate::text(
                "description",
                self.description.as_deref(),
                DESCRIPTION_MAX_CHARS,
            )?,
            cover_image_url: validate::web_url("cover_image_url", self.cover_image_url.as_deref())?,
            is_public: self.is_public,
            is_collaborative: self.is_collaborative,
        })
    }
}

impl PatchRequest {
    pub fn validate(self) -> Result<PlaylistPatch, FieldError> {
        Ok(PlaylistPatch {
            name: self.name.as_deref().map(name).transpose()?,
            description: self
                .description
                .map(|d| validate::text("description", d.as_deref(), DESCRIPTION_MAX_CHARS))
                .transpose()?,
            cover_image_url: self
                .cover_image_url
                .map(|u| validate::web_url("cover_image_url", u.as_deref()))
                .transpose()?,
            is_public: self.is_public,
            is_collaborative: self.is_collaborative,
        })
    }
}

/// Checks a batch of track ids: not empty, not too many, every one a track.
pub async fn checked_tracks(storage: &Storage, ids: &[Id]) -> Result<(), PlaylistError> {
    if ids.is_empty() {
        return Err(field_error("track_ids", "must name at least one track").into());
    }
    if ids.len() > MAX_TRACKS_PER_ADD {
        return Err(field_error(
            "track_ids",
            format!("at most {MAX_TRACKS_PER_ADD} tracks per request"),
        )
        .into());
    }
    let mut known = storage.existing_track_ids(ids).await?;
    known.sort_unstable_by_key(|id| id.0);
    if let Some(missing) = ids
        .iter()
        .find(|id| known.binary_search_by_key(&id.0, |k| k.0).is_err())
    {
        return Err(field_error("track_ids", format!("{missing} names no track")).into());
    }
    Ok(())
}

/// A full playlist can take no more.
pub fn check_room(playlist: &Playlist, adding: usize) -> Result<(), FieldError> {
    if i64::from(playlist.track_count) + adding as i64 > MAX_PLAYLIST_ENTRIES {
        return Err(field_error(
            "track_ids",
            format!("a playlist holds at most {MAX_PLAYLIST_ENTRIES} entries"),
        ));
    }
    Ok(())
}

/// An extended M3U playlist of the entries: `#EXTINF` with duration and "Artist - Title", then
/// the track's stream URL on this server (players that sign in can play it; Juke imports it
/// back by id).
pub fn to_m3u8(playlist: &Playlist, items: &[PlaylistItem], base_url: &str) -> String {
    let mut out = String::from("#EXTM3U\n");
    out.push_str(&format!("#PLAYLIST:{}\n", one_line(&playlist.name)));
    for item in items {
        let track = &item.track;
        out.push_str(&format!(
            "#EXTINF:{},{} - {}\n",
            track.duration_seconds,
            one_line(&track.artist_name),
            one_line(&track.title)
        ));
        if let Some(album) = &track.album_title {
            out.push_str(&format!("#EXTALB:{}\n", one_line(album)));
        }
        out.push_str(&format!("{base_url}/api/v1/tracks/{}/stream\n", track.id));
    }
    out
}

fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// One playable line of an M3U file, with the `#EXTINF` that described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct M3uEntry {
    pub location: String,
    /// "Artist - Title" from `#EXTINF`, split at the first " - ".
    pub artist_title: Option<(String, String)>,
}

/// Reads an M3U or M3U8 file: comments and blank lines skipped, `#EXTINF` kept for the entry
/// that follows it. A UTF-8 byte-order mark is ignored.
pub fn parse_m3u(text: &str) -> Vec<M3uEntry> {
    let mut entries = Vec::new();
    let mut pending: Option<(String, String)> = None;
    for line in text.trim_start_matches('\u{feff}').lines() {
        let line = line.trim();
        if let Some(info) = line.strip_prefix("#EXTINF:") {
            pending = info
                .split_once(',')
                .and_then(|(_, label)| label.split_once(" - "))
                .map(|(artist, title)| (artist.trim().to_owned(), title.trim().to_owned()));
        } else if line.is_empty() || line.starts_with('#') {
            continue;
        } else {
            entries.push(M3uEntry {
                location: line.to_owned(),
                artist_title: pending.take(),
            });
        }
    }
    entries
}

/// The track an M3U entry means: a Juke stream URL names it by id; a file path is matched by
/// its last three components (artist/album/file), then two, then the file name alone, when
/// exactly one track's path ends so; else the `#EXTINF` artist and title.
pub async fn resolve(storage: &Storage, entry: &M3uEntry) -> Result<Option<Id>, StorageError> {
    if let Some(id) = id_in_url(&entry.location) {
        return Ok(storage.existing_track_ids(&[id]).await?.first().copied());
    }
    if let Some(id) = storage.track_by_path_tail(&entry.location).await? {
        return Ok(Some(id));
    }
    if let Some((artist, title)) = &entry.artist_title {
        return storage.track_by_artist_title(artist, title).await;
    }
    Ok(None)
}

fn id_in_url(location: &str) -> Option<Id> {
    let rest = location.split("/api/v1/tracks/").nth(1)?;
    rest.split(['/', '?']).next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn m3u_entries_keep_their_extinf() {
        let text = "\u{feff}#EXTM3U\r\n#EXTINF:210,Nina Simone - Feeling Good\r\n\
                    Music/Nina Simone/Best/03 Feeling Good.flac\r\n\r\n# a comment\n\
                    C:\\Music\\x.mp3\n#EXTINF:-1,No Dash Here\nhttp://h/api/v1/tracks/abc/stream\n";
        let entries = parse_m3u(text);
        assert_eq!(entries.len(), 3);
        assert_eq!(
            entries[0].artist_title,
            Some(("Nina Simone".into(), "Feeling Good".into()))
        );
        assert_eq!(
            entries[0].location,
            "Music/Nina Simone/Best/03 Feeling Good.flac"
        );
        assert_eq!(entries[1].artist_title, None);
        assert_eq!(entries[2].artist_title, None);
    }

    #[test]
    fn stream_urls_name_their_track() {
        let id = Id::new();
        assert_eq!(
            id_in_url(&format!("https://juke.lan/api/v1/tracks/{id}/stream?t=x")),
            Some(id)
        );
        assert_eq!(id_in_url("/music/a.mp3"), None);
        assert_eq!(id_in_url("/api/v1/tracks/not-an-id/stream"), None);
    }

    #[test]
    fn positions_and_names_are_checked() {
        assert!(position(-1).is_err());
        assert!(position(i64::from(i32::MAX) + 1).is_err());
        assert_eq!(position(3).unwrap(), 3);
        assert!(name("   ").is_err());
        assert!(
            name("two\nlines").is_err(),
            "names go into file names and headers"
        );
        assert!(name(&"x".repeat(201)).is_err());
        assert_eq!(name("  Road trip ").unwrap(), "Road trip");
    }
}
