//! The one pipeline every file goes through, from a folder scan or an upload: resolve artist
//! and album → insert or update the track → store the album's cover once. It is the one
//! writer of track rows from files: new tracks from a scan wait in a batch and go in
//! together, one transaction per batch.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::covers;
use super::read::{ReadError, ReadFile};
use super::tags::{ScannedTrack, VARIOUS_ARTISTS};
use crate::log_text::LoggedText;
use crate::storage::{AlbumIdentity, Id, NewTrack, Storage, StorageError, Track};

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("database: {0}")]
    Storage(#[from] StorageError),
}

/// New tracks per insert transaction: large enough to amortise the commit, small enough that
/// a scan's progress is saved as it goes (an interrupted scan loses at most one batch, which
/// the next one adds again).
const INSERT_BATCH: usize = 256;

/// Names compared ignoring case and runs of white space.
pub fn identity_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// What rewriting a track from its file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rewritten {
    /// Same path, new content or tags.
    Updated,
    /// The same content at a new path: the track keeps its id.
    Moved,
    /// Read again (a full scan), and nothing of the track would change.
    Unchanged,
}

/// The tag values a rescan compares with the last read: those an edit in Juke can change, and
/// those that place a track under an artist and an album.
fn tag_values(s: &ScannedTrack) -> serde_json::Value {
    use sha2::Digest;
    serde_json::json!({
        "title": s.title,
        "artist": s.artist,
        "album": s.album,
        "album_artist": s.album_artist,
        "compilation": s.compilation,
        "genre": s.genres.first(),
        "year": s.year,
        "release_date": s.release_date,
        "explicit": s.explicit,
        // Lyrics can be long: only whether they changed matters.
        "lyrics": s.lyrics.as_deref().map(|l| hex::encode(sha2::Sha256::digest(l.as_bytes()))),
    })
}

/// Whether writing `new` over `before` would change nothing a listener or a scan can see.
fn same_row(before: &Track, new: &NewTrack) -> bool {
    let mtime_close = match (before.file_mtime, new.file_mtime) {
        (Some(a), Some(b)) => (a - b).num_milliseconds().abs() < 1,
        (a, b) => a == b,
    };
    mtime_close
        && before.title == new.title
        && before.artist_id == new.artist_id
        && before.album_id == new.album_id
        && before.album == new.album
        && before.file_path == new.file_path
        && before.file_size == new.file_size
        && before.duration_seconds == new.duration_seconds
        && before.bitrate == new.bitrate
        && before.sample_rate == new.sample_rate
        && before.channels == new.channels
        && before.track_number == new.track_number
        && before.disc_number == new.disc_number
        && before.genre == new.genre
        && before.lyrics == new.lyrics
        && before.metadata.0 == new.metadata
        && before.is_explicit == new.is_explicit
        && before.release_date == new.release_date
        && before.year == new.year
        && before.content_hash == new.content_hash
        && before.is_available
}

/// New tracks written from the queue so far, and the ones the database refused.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Inserted {
    pub added: u64,
    pub failed: u64,
}

/// Saves read files: resolves artists and albums (remembering them for the run) and writes
/// tracks. One per scan or per upload worker.
pub struct Ingest {
    storage: Storage,
    covers_dir: PathBuf,
    artists: HashMap<String, Id>,
    albums: HashMap<(Id, String), (Id, bool)>,
    folders_tried: HashSet<(Id, PathBuf)>,
    queued: Vec<NewTrack>,
    inserted: Inserted,
}

impl Ingest {
    pub fn new(storage: Storage, data_dir: &Path) -> Self {
        Ingest {
            storage,
            covers_dir: data_dir.join("covers"),
            artists: HashMap::new(),
            albums: HashMap::new(),
            folders_tried: HashSet::new(),
            queued: Vec::with_capacity(INSERT_BATCH),
            inserted: Inserted::default(),
        }
    }

    async fn artist(&mut self, name: &str, mbid: Option<&str>) -> Result<Id, StorageError> {
        let key = identity_key(name);
        if let Some(id) = self.artists.get(&key) {
            return Ok(*id);
        }
        let id = self.storage.resolve_artist(name, &key, mbid).await?;
        self.artists.insert(key, id);
        Ok(id)
    }

    /// Saves a read file as a new track now, for a caller that needs the row (an upload).
    pub async fn create(
        &mut self,
        file: &ReadFile,
        uploader: Option<Id>,
    ) -> Result<Track, IngestError> {
        let new = self.prepare(file, uploader).await?;
        Ok(self.storage.create_track(&new).await?)
    }

    /// Queues a read file as a new track; it is written with its batch, when the batch is
    /// full or at [`Ingest::flush`]. An error names this file; a batch that fails to go in
    /// is counted in [`Ingest::inserted`] instead, unless the database is unreachable.
    pub async fn queue(&mut self, file: &ReadFile) -> Result<(), IngestError> {
        let new = self.prepare(file, None).await?;
        self.queued.push(new);
        if self.queued.len() >= INSERT_BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes the queued tracks in one transaction. Should the batch be refused (one bad
    /// row), each is tried alone, so only the bad one fails. Fails only when the database
    /// cannot be reached.
    pub async fn flush(&mut self) -> Result<(), StorageError> {
        if self.queued.is_empty() {
            return Ok(());
        }
        if self.storage.create_tracks(&self.queued).await.is_ok() {
            self.inserted.added += self.queued.len() as u64;
            self.queued.clear();
            return Ok(());
        }
        for new in std::mem::take(&mut self.queued) {
            match self.storage.create_track(&new).await {
                Ok(_) => self.inserted.added += 1,
                Err(StorageError::Unavailable(why)) => return Err(StorageError::Unavailable(why)),
                Err(err) => {
                    let path = new.file_path.unwrap_or_default();
                    tracing::warn!(path = %LoggedText(&path), reason = %err, "cannot save");
                    self.inserted.failed += 1;
                }
            }
        }
        Ok(())
    }

    /// What the flushed batches did since the last call.
    pub fn inserted(&mut self) -> Inserted {
        std::mem::take(&mut self.inserted)
    }

    /// Rewrites the track `id` from a read file: a changed file, the same content found at a
    /// new path, or a file read again by a full scan.
    ///
    /// An edit made in Juke survives: a value the file still has as it was last read is the
    /// track's own (perhaps edited) and stays; a value the file changed since is the file's,
    /// the newer edit. So a renamed album keeps its tracks, and a retagged file still wins.
    pub async fn rewrite(&mut self, file: &ReadFile, id: Id) -> Result<Rewritten, IngestError> {
        let before = self.storage.track(id).await?;
        let last = self.storage.track_tag_values(id).await?;
        let s = &file.scanned;
        let now = tag_values(s);
        // Tracks read before tag values were kept: the same content has the same tags.
        let same_content = before.content_hash.as_deref() == Some(file.hash.as_str());
        let kept = |key: &str| match &last {
            Some(last) => last.get(key) == now.get(key),
            None => same_content,
        };
        let keep_artist = kept("artist");
        let keep_album = kept("album")
            && kept("album_artist")
            && kept("compilation")
            && (s.album_artist.is_some() || s.compilation || keep_artist);
        let mut new = self
            .prepare_keeping(
                file,
                None,
                keep_artist.then_some(before.artist_id),
                keep_album.then_some(before.album_id),
            )
            .await?;
        new.uploader_id = before.uploader_id;
        if keep_album {
            new.album = before.album.clone();
        }
        if kept("title") {
            new.title = before.title.clone();
        }
        if kept("genre") {
            new.genre = before.genre.clone();
        }
        if kept("year") {
            new.year = before.year;
        }
        if kept("release_date") {
            new.release_date = before.release_date;
        }
        if kept("explicit") {
            new.is_explicit = before.is_explicit;
        }
        if kept("lyrics") {
            new.lyrics = before.lyrics.clone();
        }
        if last.as_ref() == Some(&now) && same_row(&before, &new) {
            return Ok(Rewritten::Unchanged);
        }
        let rewrite = self.storage.update_track_file(&before, &new).await?;
        Ok(if rewrite.moved {
            Rewritten::Moved
        } else {
            Rewritten::Updated
        })
    }

    /// Marks tracks whose files are back (`true`) or gone (`false`); returns how many changed.
    pub async fn set_available(&self, ids: &[Id], available: bool) -> Result<u64, StorageError> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.storage.set_tracks_available(ids, available).await
    }

    /// The track row a read file becomes, its artist and album resolved (and created when
    /// new).
    async fn prepare(
        &mut self,
        file: &ReadFile,
        uploader: Option<Id>,
    ) -> Result<NewTrack, IngestError> {
        self.prepare_keeping(file, uploader, None, None).await
    }

    /// As [`Ingest::prepare`], with the artist and album given rather than resolved from tags
    /// when `artist` and `album` are `Some`.
    async fn prepare_keeping(
        &mut self,
        file: &ReadFile,
        uploader: Option<Id>,
        artist: Option<Id>,
        album: Option<Option<Id>>,
    ) -> Result<NewTrack, IngestError> {
        let s = &file.scanned;
        let artist_id = match artist {
            Some(id) => id,
            None => {
                self.artist(&s.artist, s.musicbrainz_artist_id.as_deref())
                    .await?
            }
        };
        let album_id = match (album, &s.album) {
            (Some(kept), _) => kept,
            (None, Some(title)) => Some(self.album(file, title, artist_id).await?),
            (None, None) => None,
        };
        let mut new = NewTrack::new(s.title.clone(), artist_id);
        new.album_id = album_id;
        new.uploader_id = uploader;
        new.album = s.album.clone();
        new.file_path = Some(crate::stored_path::encode(&file.path));
        new.file_size = Some(file.size);
        new.file_mtime = file.mtime;
        new.content_hash = Some(file.hash.clone());
        new.duration_seconds = i32::try_from(s.duration_seconds).unwrap_or(i32::MAX);
        new.bitrate = s.bitrate_kbps.and_then(|b| i32::try_from(b).ok());
        new.sample_rate = s.sample_rate.and_then(|r| i32::try_from(r).ok());
        new.channels = s.channels.map(i32::from);
        new.track_number = s.track_number.and_then(|n| i32::try_from(n).ok());
        new.disc_number = s.disc_number.and_then(|n| i32::try_from(n).ok());
        new.genre = s.genres.first().cloned();
        new.lyrics = s.lyrics.clone();
        new.metadata = serde_json::Value::Object(s.metadata.clone());
        new.is_explicit = s.explicit;
        new.release_date = s.release_date;
        new.year = s.year;
        new.tag_values = Some(tag_values(s));
        Ok(new)
    }

    /// The album of a file: a compilation lives under "Various Artists", otherwise under the
    /// album artist (or the track artist). Stores its cover the first time one is found.
    async fn album(
        &mut self,
        file: &ReadFile,
        title: &str,
        artist_id: Id,
    ) -> Result<Id, IngestError> {
        let s = &file.scanned;
        let album_artist = match (&s.album_artist, s.compilation) {
            (_, true) => Some(VARIOUS_ARTISTS.to_owned()),
            (Some(name), false) => Some(name.clone()),
            (None, false) => None,
        };
        let album_artist_id = match &album_artist {
            Some(name) => {
                self.artist(name, s.musicbrainz_album_artist_id.as_deref())
                    .await?
            }
            None => artist_id,
        };
        let key = (album_artist_id, identity_key(title));
        let (album_id, has_cover) = match self.albums.get(&key) {
            Some(found) => *found,
            None => {
                let resolved = self
                    .storage
                    .resolve_album(&AlbumIdentity {
                        artist_id: album_artist_id,
                        title: title.to_owned(),
                        title_key: key.1.clone(),
                        musicbrainz_id: s.musicbrainz_album_id.clone(),
                        year: s.year,
                        release_date: s.release_date,
                        genre: s.genres.first().cloned(),
                        label: s.label.clone(),
                        is_compilation: s.compilation
                            || album_artist.as_deref() == Some(VARIOUS_ARTISTS),
                    })
                    .await?;
                (resolved.id, resolved.cover_image_url.is_some())
            }
        };
        let mut has_cover = has_cover;
        // A picture embedded in any track will do; a folder is looked in once per run.
        let folder = file.path.parent().map(Path::to_path_buf);
        let look_in_folder = folder.is_some_and(|f| self.folders_tried.insert((album_id, f)));
        if !has_cover
            && (file.scanned.picture.is_some() || look_in_folder)
            && let Some(url) = covers::store_album_cover(&self.covers_dir, album_id, file).await
        {
            self.storage.set_album_cover(album_id, &url).await?;
            has_cover = true;
        }
        self.albums.insert(key, (album_id, has_cover));
        Ok(album_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_ignores_case_and_spacing() {
        assert_eq!(identity_key("  The   Beatles "), "the beatles");
        assert_eq!(identity_key("MOTÖRHEAD"), "motörhead");
    }
}
