//! Which database a data folder belongs to.
//!
//! A data folder outlives its database when someone deletes or moves `juke.db`, or points
//! `storage.database_url` somewhere new. Started on an empty database, Juke would make the next
//! person to register the admin, beside the old instance's media, covers and secrets. So the
//! folder remembers (the file `instance`) that a database with accounts used it, and a start
//! on an empty database beside such a folder is refused unless `--fresh` says to start over.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::storage::{Storage, StorageError};

const MARKER: &str = "instance";

/// How often a new instance looks for its first account, to remember it has one.
const FIRST_ACCOUNT_POLL: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    #[error(
        "the database is empty, but {folder} belongs to an instance that had accounts ({evidence}). \
         If the database was deleted or moved, restore it (`juke restore --from <backup>`) or point \
         storage.database_url at it. To start over with this folder, run `juke serve --fresh`."
    )]
    Orphaned { folder: String, evidence: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot update {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Refuses an empty database beside a folder another database with accounts used, unless
/// `fresh`; with `fresh`, the folder forgets that database.
pub async fn check(storage: &Storage, data_dir: &Path, fresh: bool) -> Result<(), InstanceError> {
    if storage.count_users().await? > 0 || storage.count_tracks().await? > 0 {
        return Ok(());
    }
    let marker = data_dir.join(MARKER);
    let mut evidence = Vec::new();
    if marker.exists() {
        evidence.push(format!("{} says so", marker.display()));
    }
    let media = data_dir.join("media");
    if has_files(&media) {
        evidence.push(format!("uploaded music in {}", media.display()));
    }
    if evidence.is_empty() {
        return Ok(());
    }
    if !fresh {
        return Err(InstanceError::Orphaned {
            folder: data_dir.display().to_string(),
            evidence: evidence.join("; "),
        });
    }
    tracing::warn!(
        folder = %data_dir.display(),
        "--fresh: starting over on an empty database; this folder's files from before stay"
    );
    match std::fs::remove_file(&marker) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(InstanceError::Io {
            path: marker.display().to_string(),
            source,
        }),
    }
}

/// Writes the marker once the database has an account: now, or (polling) when the first
/// one registers.
pub fn remember(storage: Storage, data_dir: PathBuf) {
    let marker = data_dir.join(MARKER);
    if marker.exists() {
        return;
    }
    tokio::spawn(async move {
        loop {
            match storage.count_users().await {
                Ok(n) if n > 0 => {
                    if let Err(err) = write_marker(&marker) {
                        tracing::warn!(path = %marker.display(), error = %err, "cannot write the instance marker");
                    }
                    return;
                }
                Ok(_) => {}
                Err(err) => tracing::debug!(error = %err, "cannot count accounts yet"),
            }
            tokio::time::sleep(FIRST_ACCOUNT_POLL).await;
        }
    });
}

fn write_marker(path: &Path) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(
        b"A Juke database with accounts uses this folder. Juke refuses to start on an empty \
          database beside it unless run with --fresh.\n",
    )?;
    file.sync_all()
}

fn has_files(dir: &Path) -> bool {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .any(|entry| entry.file_type().is_file())
}
