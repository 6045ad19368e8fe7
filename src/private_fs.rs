//! What Juke writes under its data folder is its own: the database, password hashes, secrets,
//! the search index, art and uploads. Folders are made 0700 and files 0600 whatever the
//! folder around them allows; [`restrict_umask`] covers what libraries create (SQLite's -wal
//! and -shm, tantivy's segments).

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// Sets the process umask to 077, so files and folders any library creates for Juke are
/// readable by its own user only. Called first thing at start, before any thread is spawned.
pub fn restrict_umask() {
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

/// `create_dir_all` with every folder it creates 0700.
pub fn create_dir_all(path: &Path) -> std::io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)
}

/// [`create_dir_all`] off the async threads.
pub async fn create_dir_all_async(path: &Path) -> std::io::Result<()> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || create_dir_all(&path))
        .await
        .map_err(std::io::Error::other)?
}

/// `fs::write` creating the file 0600.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)?;
    file.write_all(bytes)
}

/// [`write`] off the async threads.
pub async fn write_async(path: &Path, bytes: Vec<u8>) -> std::io::Result<()> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || write(&path, &bytes))
        .await
        .map_err(std::io::Error::other)?
}

/// Opens a new file for writing, 0600 (tokio's `File::create` with a mode).
pub async fn create_file(path: &Path) -> std::io::Result<tokio::fs::File> {
    tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)
        .await
}
