//! Reading a file for the library: its tags and properties, its content fingerprint and its
//! modification time, off the async threads. Both the ingest pipeline and cover storage use
//! what is read here, so neither needs the other to name it.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::tags::{self, ScannedTrack, TagError};
use crate::untrusted_file::{self, MAX_AUDIO_BYTES, UntrustedFileError};

/// A file read and hashed, ready to be saved.
#[derive(Debug)]
pub struct ReadFile {
    pub path: PathBuf,
    pub size: i64,
    pub mtime: Option<DateTime<Utc>>,
    pub hash: String,
    pub scanned: ScannedTrack,
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Tags(#[from] TagError),
    /// A FIFO, a device, a link to one, or a file over [`MAX_AUDIO_BYTES`].
    #[error(transparent)]
    Refused(#[from] UntrustedFileError),
    #[error("reader crashed on this file")]
    Crashed,
}

/// Reads one file's tags, properties and content hash. Blocking.
pub fn read_file(path: &Path, relative: &Path) -> Result<ReadFile, ReadError> {
    let (mut file, meta) = untrusted_file::open_regular(path, MAX_AUDIO_BYTES)?;
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
pub async fn read_file_async(path: PathBuf, relative: PathBuf) -> Result<ReadFile, ReadError> {
    tokio::task::spawn_blocking(move || read_file_guarded(&path, &relative))
        .await
        .unwrap_or(Err(ReadError::Crashed))
}

/// [`read_file`], with a panic inside a parser (lofty on a corrupt file) caught so that it
/// fails this file only, not the batch it was read with.
pub fn read_file_guarded(path: &Path, relative: &Path) -> Result<ReadFile, ReadError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_file(path, relative)))
        .unwrap_or(Err(ReadError::Crashed))
}

/// [`read_file`] for several files in one trip to the blocking pool (a hand-off per file
/// costs more than reading a small one). A panic inside a parser fails that file only.
pub async fn read_files_async(files: Vec<(PathBuf, PathBuf)>) -> Vec<Result<ReadFile, ReadError>> {
    let count = files.len();
    let results = tokio::task::spawn_blocking(move || {
        files
            .iter()
            .map(|(path, relative)| read_file_guarded(path, relative))
            .collect::<Vec<_>>()
    })
    .await;
    results.unwrap_or_else(|_| (0..count).map(|_| Err(ReadError::Crashed)).collect())
}

/// Timestamps are compared at the millisecond, the precision SQLite keeps.
pub fn millis(time: std::time::SystemTime) -> DateTime<Utc> {
    let at: DateTime<Utc> = time.into();
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}

/// A content fingerprint that finds a moved file without reading all of it: SHA-256 over the
/// size, the first 64 KiB and the last 64 KiB.
pub fn content_hash(path: &Path, size: u64) -> Result<String, UntrustedFileError> {
    let (mut file, _) = untrusted_file::open_regular(path, MAX_AUDIO_BYTES)?;
    Ok(hash_open(&mut file, size)?)
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

#[cfg(test)]
mod tests {
    use super::*;

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
