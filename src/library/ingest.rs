//! The one pipeline every file goes through, from a folder scan or an upload: read (blocking,
//! off the async threads) → resolve artist and album → insert or update the track → store the
//! album's cover once.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::covers;
use super::tags::{self, ScannedTrack, TagError, VARIOUS_ARTISTS};
use crate::storage::{AlbumIdentity, Id, NewTrack, Storage, StorageError, Track};

/// A file read and hashed, ready to be saved.
#[derive(Debug)]
pub struct ReadFile {
    pub path: PathBuf,
    pub size: i64,
    pub mtime: Option<DateTime<Utc>>,
    pub hash: String,
    pub scanned: ScannedTrack,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Tags(#[from] TagError),
    #[error("reader crashed on this file")]
    Crashed,
    #[error("database: {0}")]
    Storage(#[from] StorageError),
}

/// Reads one file's tags, properties and content hash. Blocking.
pub fn read_file(path: &Path, relative: &Path) -> Result<ReadFile, IngestError> {
    let mut file = std::fs::File::open(path).map_err(TagError::Io)?;
    let meta = file.metadata().map_err(TagError::Io)?;
    let hash = hash_open(&mut file, meta.len()).map_err(TagError::Io)?;
    let scanned = tags::read_open(file, path, relative)?;
    Ok(ReadFile {
        path: path.to_path_buf(),
        size: meta.len() as i64,
        mtime: meta.modified().ok().map(millis),
        hash,
        scanned,
    })
}

/// [`read_file`] on the blocking pool; a panic inside a parser fails this file only.
pub async fn read_file_async(path: PathBuf, relative: PathBuf) -> Result<ReadFile, IngestError> {
    tokio::task::spawn_blocking(move || read_file(&path, &relative))
        .await
        .unwrap_or(Err(IngestError::Crashed))
}

/// [`read_file`] for several files in one trip to the blocking pool (a hand-off per file
/// costs more than reading a small one). A panic inside a parser fails that file only.
pub async fn read_files_async(
    files: Vec<(PathBuf, PathBuf)>,
) -> Vec<Result<ReadFile, IngestError>> {
    let count = files.len();
    let results = tokio::task::spawn_blocking(move || {
        files
            .iter()
            .map(|(path, relative)| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_file(path, relative)))
                    .unwrap_or(Err(IngestError::Crashed))
            })
            .collect::<Vec<_>>()
    })
    .await;
    results.unwrap_or_else(|_| (0..count).map(|_| Err(IngestError::Crashed)).collect())
}

/// Timestamps are compared at the millisecond, the precision SQLite keeps.
pub fn millis(time: std::time::SystemTime) -> DateTime<Utc> {
    let at: DateTime<Utc> = time.into();
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}

/// A content fingerprint that finds a moved file without reading all of it: SHA-256 over the
/// size, the first 64 KiB and the last 64 KiB.
pub fn content_hash(path: &Path, size: u64) -> std::io::Result<String> {
    hash_open(&mut std::fs::File::open(path)?, size)
}

fn hash_open(file: &mut std::fs::File, size: u64) -> std::io::Result<String> {
    const SAMPLE: u64 = 64 * 1024;
    let mut hasher = Sha256::new();
    hasher.update(size.to_le_bytes());
    let mut head = Vec::with_capacity(SAMPLE as usize);
    (&mut *file).take(SAMPLE).read_to_end(&mut head)?;
    hasher.update(&head);
    if size > SAMPLE {
        file.seek(SeekFrom::Start(size.saturating_sub(SAMPLE).max(SAMPLE)))?;
        let mut tail = Vec::with_capacity(SAMPLE as usize);
        (&mut *file).take(SAMPLE).read_to_end(&mut tail)?;
        hasher.update(&tail);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Names compared ignoring case and runs of white space.
pub fn identity_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// What saving a file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Added,
    Updated,
    Moved,
}

/// Saves read files: resolves artists and albums (remembering them for the run) and writes
/// tracks. One per scan or per upload worker.
pub struct Ingest {
    storage: Storage,
    covers_dir: PathBuf,
    artists: HashMap<String, Id>,
    albums: HashMap<(Id, String), (Id, bool)>,
    folders_tried: HashSet<(Id, PathBuf)>,
}

impl Ingest {
    pub fn new(storage: Storage, data_dir: &Path) -> Self {
        Ingest {
            storage,
            covers_dir: data_dir.join("covers"),
            artists: HashMap::new(),
            albums: HashMap::new(),
            folders_tried: HashSet::new(),
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

    /// Saves a read file as the track `existing` (a changed or moved file), or as a new one.
    pub async fn save(
        &mut self,
        file: &ReadFile,
        existing: Option<Id>,
        uploader: Option<Id>,
    ) -> Result<(Track, Saved), IngestError> {
        let new = self.prepare(file, uploader).await?;
        let saved = match existing {
            Some(id) => {
                let moved = self.storage.track(id).await?.file_path != new.file_path;
                let track = self.storage.update_track_file(id, &new).await?;
                (track, if moved { Saved::Moved } else { Saved::Updated })
            }
            None => (self.storage.create_track(&new).await?, Saved::Added),
        };
        Ok(saved)
    }

    /// The track row a read file becomes, its artist and album resolved (and created when
    /// new). Writing the row is the caller's: a scan inserts new tracks in batches.
    pub async fn prepare(
        &mut self,
        file: &ReadFile,
        uploader: Option<Id>,
    ) -> Result<NewTrack, IngestError> {
        let s = &file.scanned;
        let artist_id = self
            .artist(&s.artist, s.musicbrainz_artist_id.as_deref())
            .await?;
        let album_id = match &s.album {
            Some(title) => Some(self.album(file, title, artist_id).await?),
            None => None,
        };
        let mut new = NewTrack::new(s.title.clone(), artist_id);
        new.album_id = album_id;
        new.uploader_id = uploader;
        new.album = s.album.clone();
        new.file_path = Some(file.path.to_string_lossy().into_owned());
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

    #[test]
    fn content_hash_sees_head_tail_and_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a");
        std::fs::write(&path, vec![1u8; 300_000]).unwrap();
        let first = content_hash(&path, 300_000).unwrap();
        assert_eq!(first, content_hash(&path, 300_000).unwrap());
        let mut bytes = vec![1u8; 300_000];
        bytes[299_999] = 2;
        std::fs::write(&path, &bytes).unwrap();
        assert_ne!(
            first,
            content_hash(&path, 300_000).unwrap(),
            "the tail counts"
        );
    }
}
