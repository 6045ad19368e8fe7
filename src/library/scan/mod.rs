//! Folder scanning. Incremental: a file with the same size and mtime is not read again; a
//! changed file updates its track in place; a vanished one is marked unavailable (never
//! deleted) and comes back when it reappears; a moved file (same content, new path) keeps its
//! track id. Albums and artists left with no track at the end are removed. Library folders
//! are only ever read.

use std::path::{Path, PathBuf};

use futures_util::{Stream, StreamExt};
use serde::Serialize;

use self::plan::{FileToRead, ScanPlan};
use super::ingest::{Ingest, IngestError, Rewritten};
use super::read::{self, ReadError, ReadFile};
use crate::log_text::{LoggedPath, LoggedText};
use crate::storage::{EmptyRemoved, Storage, StorageError};

pub mod plan;
pub mod walk;

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
        // Albums and artists older than this scan that end it with no track are removed.
        let started = self.storage.database_now().await?;
        let mut summary = ScanSummary::default();
        let mut ingest = Ingest::new(self.storage.clone(), &self.data_dir);
        let mut found_so_far = 0;
        for folder in folders {
            let root = match std::fs::canonicalize(folder) {
                Ok(root) if root.is_dir() => root,
                _ => {
                    // An unmounted share must not make its whole library "missing".
                    tracing::warn!(folder = %LoggedPath(folder), "library folder is not there; skipped");
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
        self.remove_empty(started).await;
        Ok(summary)
    }

    /// Removes the albums and artists this scan (or an earlier one, killed part-way) left
    /// without tracks, so none stays listed or searchable. A failure here loses nothing the
    /// scan did: it is logged, and the next scan tries again.
    async fn remove_empty(&self, scan_started: chrono::DateTime<chrono::Utc>) {
        match self
            .storage
            .remove_empty_albums_and_artists(scan_started)
            .await
        {
            Ok(removed) if removed == EmptyRemoved::default() => {}
            Ok(removed) => tracing::info!(
                albums = removed.albums,
                artists = removed.artists,
                "removed albums and artists no track is on any more"
            ),
            Err(err) => {
                tracing::warn!(error = %err, "cannot remove albums and artists left without tracks");
            }
        }
    }

    /// Plans one folder's scan from the walk and the database, then applies the plan.
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
        let (walked, walk_failures) = tokio::task::spawn_blocking(move || walk::walk(&walk_root))
            .await
            .unwrap_or_default();
        for (path, reason) in &walk_failures {
            tracing::warn!(path = %LoggedText(path), reason = %LoggedText(reason), "cannot scan");
        }
        summary.failed += walk_failures.len() as u64;
        *found_so_far += walked.len() as u64;
        progress(ScanEvent::Found(*found_so_far));

        let known = self
            .storage
            .known_files_under(&format!("{}/", crate::stored_path::encode(root)))
            .await?;
        let unavailable = self.storage.unavailable_track_hashes().await?;
        let plan = plan::plan(known, walked, unavailable, full);
        apply(plan, ingest, summary, progress).await
    }
}

/// Carries out a folder's plan: restores the tracks of unchanged files that came back, reads
/// the new and changed files, has [`Ingest`] save them (a new file whose content is a vanished
/// track's is that track, moved), then marks what is still gone unavailable.
async fn apply(
    plan: ScanPlan,
    ingest: &mut Ingest,
    summary: &mut ScanSummary,
    progress: &(dyn Fn(ScanEvent) + Send + Sync),
) -> Result<(), StorageError> {
    let ScanPlan {
        unchanged,
        reappeared,
        to_read,
        mut moves,
    } = plan;
    for _ in 0..unchanged {
        progress(ScanEvent::Done);
    }
    summary.unchanged += unchanged;
    summary.reappeared += ingest.set_available(&reappeared, true).await?;

    let mut reads = std::pin::pin!(read_in_walk_order(to_read));
    while let Some((planned, result)) = reads.next().await {
        progress(ScanEvent::Done);
        let path = &planned.file.path;
        let file = match result {
            Ok(file) => file,
            Err(err) => {
                tracing::warn!(path = %LoggedPath(path), reason = %err, "cannot read");
                summary.failed += 1;
                continue;
            }
        };
        let existing = match planned.track {
            Some(track) => Some((track.id, track.was_unavailable)),
            None => moves.claim(&file.hash).map(|id| (id, false)),
        };
        let Some((id, was_unavailable)) = existing else {
            if let Err(err) = ingest.queue(&file).await {
                fail(summary, path, &err)?;
            }
            continue;
        };
        match ingest.rewrite(&file, id).await {
            Ok(Rewritten::Updated) => summary.updated += 1,
            Ok(Rewritten::Unchanged) => summary.unchanged += 1,
            Ok(Rewritten::Moved) => {
                summary.updated += 1;
                summary.moved += 1;
                moves.moved_here(id);
            }
            Err(err) => {
                fail(summary, path, &err)?;
                continue;
            }
        }
        if was_unavailable {
            summary.reappeared += 1;
        }
    }
    ingest.flush().await?;
    let inserted = ingest.inserted();
    summary.added += inserted.added;
    summary.failed += inserted.failed;

    summary.missing += ingest.set_available(&moves.missing(), false).await?;
    Ok(())
}

/// Reads files in parallel on the blocking pool, yielding them in walk order (sorted by
/// name), so the first file of an album names it, whatever finishes parsing first.
fn read_in_walk_order(
    to_read: Vec<FileToRead>,
) -> impl Stream<Item = (FileToRead, Result<ReadFile, ReadError>)> {
    let parallel = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let mut chunks = Vec::new();
    let mut rest = to_read.into_iter().peekable();
    while rest.peek().is_some() {
        chunks.push(rest.by_ref().take(READ_CHUNK).collect::<Vec<_>>());
    }
    futures_util::stream::iter(chunks.into_iter().map(|chunk| async move {
        let paths = chunk
            .iter()
            .map(|planned| (planned.file.path.clone(), planned.file.relative.clone()))
            .collect();
        let results = read::read_files_async(paths).await;
        futures_util::stream::iter(chunk.into_iter().zip(results))
    }))
    .buffered(parallel * 2)
    .flatten()
}

/// Counts a file that could not be saved, unless the database cannot be reached, which ends
/// the scan (every other file would fail the same way).
fn fail(summary: &mut ScanSummary, path: &Path, err: &IngestError) -> Result<(), StorageError> {
    if let IngestError::Storage(StorageError::Unavailable(why)) = err {
        return Err(StorageError::Unavailable(why.clone()));
    }
    tracing::warn!(path = %LoggedPath(path), reason = %err, "cannot save");
    summary.failed += 1;
    Ok(())
}
