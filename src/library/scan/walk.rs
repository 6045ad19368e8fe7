//! Walking a library folder: every file a scan should open, with the size and modification
//! time that tell whether it changed. Blocking.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use walkdir::WalkDir;

use crate::library::read::millis;
use crate::media::audio_format::AudioFormat;

/// An audio file met during the walk.
#[derive(Debug, Clone)]
pub struct WalkedFile {
    pub path: PathBuf,
    /// Below the library folder: where tags missing from the file are guessed from.
    pub relative: PathBuf,
    pub size: i64,
    pub mtime: Option<DateTime<Utc>>,
}

impl WalkedFile {
    /// The path as `tracks.file_path` holds it: exact, whatever bytes the name has.
    pub fn key(&self) -> String {
        crate::stored_path::encode(&self.path)
    }
}

/// A path the walk could not enter or read, and why.
pub type WalkFailure = (String, String);

/// Every audio file under `root`, sorted by name (so the first file of an album names it), and
/// the paths that could not be walked (permissions, symlink loops), with why.
pub fn walk(root: &Path) -> (Vec<WalkedFile>, Vec<WalkFailure>) {
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
        if !entry.file_type().is_file() || !AudioFormat::claims_path(entry.path()) {
            continue;
        }
        let meta = match entry.metadata() {
            Ok(meta) => meta,
            Err(err) => {
                failures.push((entry.path().display().to_string(), err.to_string()));
                continue;
            }
        };
        files.push(WalkedFile {
            path: entry.path().to_path_buf(),
            relative: entry
                .path()
                .strip_prefix(root)
                .unwrap_or(entry.path())
                .to_path_buf(),
            size: meta.len() as i64,
            mtime: meta.modified().ok().map(millis),
        });
    }
    (files, failures)
}
