//! Folder scanning. Incremental: a file with the same size and mtime is not read again; a
//! changed file updates its track in place; a vanished one is marked unavailable (never
//! deleted) and comes back when it reappears; a moved file (same content, new path) keeps its
//! track id. Library folders are only ever read.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use serde::Serialize;
use walkdir::WalkDir;

use super::ingest::{self, Ingest, Saved};
use crate::storage::{Id, KnownFile, NewTrack, Storage, StorageError};

/// Extensions worth opening; the content still has to sniff as audio.
pub const AUDIO_EXTENSIONS: [&str; 15] = [
    "mp3", "flac", "ogg", "oga", "opus", "m4a", "m4b", "mp4", "aac", "wav", "aif", "aiff", "wv",
    "ape", "mpc",
];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScanSummary {
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub missing: u64,
    pub failed: u64,
    /// Moved files (counted in `updated` too) and reappeared files (in `unchanged` or `updated`).
    pub moved: u64,
    pub reappeared: u64,
}

/// Progress as a scan reports it.
#[derive(Debug, Clone, Copy)]
pub enum ScanEvent {
    /// The number of audio files found so far, walk finished or not.
    Found(u64),
    /// One more file has been dealt with.
    Done,
}

/// A file met during the walk.
struct Candidate {
    path: PathBuf,
    relative: PathBuf,
    size: i64,
    mtime: Option<chrono::DateTime<chrono::Utc>>,
}

/// New tracks per insert transaction: large enough to amortise the commit, small enough that
/// a scan's progress is saved as it goes.
const INSERT_BATCH: usize = 256;

/// Files parsed per trip to the blocking pool.
const READ_CHUNK: usize = 16;

pub struct Scanner {
    storage: Storage,
    data_dir: PathBuf,
}

impl Scanner {
    pub fn new(storage: Storage, data_dir: PathBuf) -> Self {
        Scanner { storage, data_dir }
    }

    /// Scans every folder once. `full` reads every file again, changed or not.
    pub async fn scan(
        &self,
        folders: &[PathBuf],
        full: bool,
        progress: &(dyn Fn(ScanEvent) + Send + Sync),
    ) -> Result<ScanSummary, StorageError> {
        let mut summary = ScanSummary::default();
        let mut ingest = Ingest::new(self.storage.clone(), &self.data_dir);
        let mut found_so_far = 0;
        for folder in folders {
            let root = match std::fs::canonicalize(folder) {
                Ok(root) if root.is_dir() => root,
                _ => {
                    // An unmounted share must not make its whole library "missing".
                    tracing::warn!(folder = %folder.display(), "library folder is not there; skipped");
                    continue;
                }
            };
            self.scan_folder(
                &root,
                full,
                &mut ingest,
                &mut summary,
                &mut found_so_far,
                progress,
            )
            .await?;
        }
        Ok(summary)
    }

    async fn scan_folder(
        &self,
        root: &Path,
        full: bool,
        ingest: &mut Ingest,
        summary: &mut ScanSummary,
        found_so_far: &mut u64,
        progress: &(dyn Fn(ScanEvent) + Send + Sync),
    ) -> Result<(), StorageError> {
        let walk_root = root.to_path_buf();
        let (candidates, walk_failures) = tokio::task::spawn_blocking(move || walk(&walk_root))
            .await
            .unwrap_or_default();
        for (path, reason) in &walk_failures {
            tracing::warn!(path = %path, reason = %reason, "cannot scan");
        }
        summary.failed += walk_failures.len() as u64;
        *found_so_far += candidates.len() as u64;
        progress(ScanEvent::Found(*found_so_far));

        let prefix = format!("{}/", root.display());
        let known: HashMap<String, KnownFile> = self
            .storage
            .known_files_under(&prefix)
            .await?
            .into_iter()
            .map(|k| (k.file_path.clone(), k))
            .collect();
        let seen: HashSet<String> = candidates
            .iter()
            .map(|c| c.path.to_string_lossy().into_owned())
            .collect();
        // Tracks whose file is gone from where it was: a new file with the same content is
        // the same track, moved.
        let mut vanished_by_hash: HashMap<String, Id> = known
            .values()
            .filter(|k| !seen.contains(&k.file_path))
            .filter_map(|k| Some((k.content_hash.clone()?, k.id)))
            .collect();

        // Tracks already unavailable anywhere (a file moved from another folder, or back).
        let mut unavailable: HashMap<String, Id> = self
            .storage
            .unavailable_track_hashes()
            .await?
            .into_iter()
            .collect();

        let mut to_read = Vec::new();
        let mut reappeared = Vec::new();
        for candidate in candidates {
            let key = candidate.path.to_string_lossy().into_owned();
            match known.get(&key) {
                Some(k)
                    if !full
                        && k.file_size == Some(candidate.size)
                        && k.file_mtime == candidate.mtime =>
                {
                    if !k.is_available {
                        reappeared.push(k.id);
                    }
                    summary.unchanged += 1;
                    progress(ScanEvent::Done);
                }
                Some(k) => to_read.push((candidate, Some(k.id), !k.is_available)),
                None => to_read.push((candidate, None, false)),
            }
        }
        summary.reappeared += self.storage.set_tracks_available(&reappeared, true).await?;

        // Parse in parallel on the blocking pool; save one at a time in walk order (sorted by
        // name), so the first file of an album names it, whatever finishes parsing first.
        let parallel = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 8);
        let mut chunks = Vec::new();
        let mut rest = to_read.into_iter().peekable();
        while rest.peek().is_some() {
            chunks.push(rest.by_ref().take(READ_CHUNK).collect::<Vec<_>>());
        }
        let mut reads = futures_util::stream::iter(chunks.into_iter().map(|chunk| async move {
            let paths = chunk
                .iter()
                .map(|(c, _, _)| (c.path.clone(), c.relative.clone()))
                .collect();
            let results = ingest::read_files_async(paths).await;
            futures_util::stream::iter(chunk.into_iter().zip(results).map(
                |((candidate, existing, was_gone), result)| (candidate, existing, was_gone, result),
            ))
        }))
        .buffered(parallel * 2)
        .flatten();
        let mut batch = Vec::with_capacity(INSERT_BATCH);
        let mut moved_here = HashSet::new();
        while let Some((candidate, existing, was_gone, result)) = reads.next().await {
            progress(ScanEvent::Done);
            let file = match result {
                Ok(file) => file,
                Err(err) => {
                    tracing::warn!(path = %candidate.path.display(), reason = %err, "cannot read");
                    summary.failed += 1;
                    continue;
                }
            };
            let existing = match existing {
                Some(id) => Some(id),
                None => vanished_by_hash
                    .remove(&file.hash)
                    .or_else(|| unavailable.remove(&file.hash)),
            };
            if existing.is_none() {
                // New files are inserted in batches, one transaction each.
                match ingest.prepare(&file, None).await {
                    Ok(new) => batch.push(new),
                    Err(err) => fail(summary, &candidate.path, &err)?,
                }
                if batch.len() >= INSERT_BATCH {
                    self.flush(&mut batch, summary).await?;
                }
                continue;
            }
            match ingest.save(&file, existing, None).await {
                Ok((_, Saved::Added)) => summary.added += 1,
                Ok((_, Saved::Updated)) => summary.updated += 1,
                Ok((track, Saved::Moved)) => {
                    summary.updated += 1;
                    summary.moved += 1;
                    moved_here.insert(track.id);
                }
                Err(err) => {
                    fail(summary, &candidate.path, &err)?;
                    continue;
                }
            }
            if was_gone {
                summary.reappeared += 1;
            }
        }
        self.flush(&mut batch, summary).await?;

        // Gone from where they were, and not found elsewhere in this folder.
        let gone: Vec<Id> = known
            .values()
            .filter(|k| {
                !seen.contains(&k.file_path) && k.is_available && !moved_here.contains(&k.id)
            })
            .map(|k| k.id)
            .collect();
        summary.missing += self.storage.set_tracks_available(&gone, false).await?;
        Ok(())
    }
}

/// Counts a file that could not be saved, unless the database cannot be reached, which ends
/// the scan (every other file would fail the same way).
fn fail(
    summary: &mut ScanSummary,
    path: &Path,
    err: &ingest::IngestError,
) -> Result<(), StorageError> {
    if let ingest::IngestError::Storage(StorageError::Unavailable(why)) = err {
        return Err(StorageError::Unavailable(why.clone()));
    }
    tracing::warn!(path = %path.display(), reason = %err, "cannot save");
    summary.failed += 1;
    Ok(())
}

impl Scanner {
    /// Inserts the batched new tracks. Should the batch be refused (one bad row), each is
    /// tried alone, so only the bad one fails.
    async fn flush(
        &self,
        batch: &mut Vec<NewTrack>,
        summary: &mut ScanSummary,
    ) -> Result<(), StorageError> {
        if batch.is_empty() {
            return Ok(());
        }
        if self.storage.create_tracks(batch).await.is_ok() {
            summary.added += batch.len() as u64;
            batch.clear();
            return Ok(());
        }
        for new in batch.drain(..) {
            match self.storage.create_track(&new).await {
                Ok(_) => summary.added += 1,
                Err(err) => {
                    let path = PathBuf::from(new.file_path.unwrap_or_default());
                    fail(summary, &path, &ingest::IngestError::Storage(err))?
                }
            }
        }
        Ok(())
    }
}

/// Every audio file under `root`, and the paths that could not be walked (permissions,
/// symlink loops), with why.
fn walk(root: &Path) -> (Vec<Candidate>, Vec<(String, String)>) {
    let mut files = Vec::new();
    let mut failures = Vec::new();
    for entry in WalkDir::new(root).follow_links(true).sort_by_file_name() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err
                    .path()
                    .map_or_else(|| root.display().to_string(), |p| p.display().to_string());
                let reason = if err.loop_ancestor().is_some() {
                    "symbolic link loop".to_owned()
                } else {
                    err.to_string()
                };
                failures.push((path, reason));
                continue;
            }
        };
        if !entry.file_type().is_file() || !has_audio_extension(entry.path()) {
            continue;
        }
        let meta = match entry.metadata() {
            Ok(meta) => meta,
            Err(err) => {
                failures.push((entry.path().display().to_string(), err.to_string()));
                continue;
            }
        };
        files.push(Candidate {
            path: entry.path().to_path_buf(),
            relative: entry
                .path()
                .strip_prefix(root)
                .unwrap_or(entry.path())
                .to_path_buf(),
            size: meta.len() as i64,
            mtime: meta.modified().ok().map(ingest::millis),
        });
    }
    (files, failures)
}

fn has_audio_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}
