//! `juke backup --to DIR` and `juke restore --from DIR`.
//!
//! A backup is a folder: the database snapshot (taken first, consistent at one moment while
//! the server runs), then the files the database refers to and cannot be rebuilt without
//! (uploaded audio in `media/`, staged uploads, extracted covers) and the generated secrets, so
//! that logins and app passwords survive. `manifest.json` is written last, with every file's
//! size and SHA-256: a folder without it is an interrupted backup, and a restore checks every
//! file before it touches anything. The search index and resized covers are left out: a
//! server rebuilds both.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::storage::{Storage, StorageError, restore_snapshot, snapshot_file_name};

const MANIFEST: &str = "manifest.json";
const FORMAT: u32 = 1;
/// Folders of the data directory a backup carries.
const DATA_FOLDERS: [&str; 3] = ["media", "uploads", "covers"];
/// Rebuilt by a server from the database; stale once the database is replaced.
const DERIVED_FOLDERS: [&str; 2] = ["index", "cache"];
const MANIFEST_LIMIT: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The command cannot do what was asked (exit code 2).
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Storage(#[from] StorageError),
    #[error("the backup is damaged: {0}")]
    Damaged(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub juke_version: String,
    pub created_at: DateTime<Utc>,
    /// "sqlite" or "postgres": a backup restores into the same engine.
    pub engine: String,
    pub database: FileEntry,
    /// Every other file, relative to the data directory.
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

impl Manifest {
    pub fn total_bytes(&self) -> u64 {
        self.database.bytes + self.files.iter().map(|file| file.bytes).sum::<u64>()
    }
}

/// Takes a backup of the instance `config` describes into `to`, a new or empty folder.
pub async fn backup(
    config: &Config,
    storage: &Storage,
    to: &Path,
) -> Result<Manifest, BackupError> {
    prepare_destination(to)?;
    let engine = storage.engine();
    let database_name = snapshot_file_name(engine);
    let snapshot = to.join(database_name);
    let url = config
        .database_url()
        .map_err(|err| BackupError::Usage(err.to_string()))?;
    storage.snapshot_to(&url, &snapshot).await?;

    let data_dir = config.data_dir.clone();
    let to = to.to_path_buf();
    let manifest = tokio::task::spawn_blocking(move || {
        let database = describe(&snapshot, database_name)?;
        let mut files = Vec::new();
        for name in crate::auth::secret::SECRET_FILES {
            let source = data_dir.join(name);
            if source.is_file() {
                files.push(copy_file(&source, &to.join(name), name, true)?);
            }
        }
        for folder in DATA_FOLDERS {
            copy_tree(&data_dir, &to, folder, &mut files)?;
        }
        let manifest = Manifest {
            format: FORMAT,
            juke_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_at: Utc::now(),
            engine: engine.name().to_owned(),
            database,
            files,
        };
        write_manifest(&to, &manifest)?;
        Ok::<_, BackupError>(manifest)
    })
    .await
    .map_err(|err| BackupError::Damaged(format!("backup task failed: {err}")))??;
    Ok(manifest)
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    pub replaced: bool,
}

/// Puts the backup in `from` in place of the configured instance's database and files. The
/// server must be stopped (the data folder's lock says so). A database that already holds
/// accounts or tracks is replaced only with `force`.
pub async fn restore(config: &Config, from: &Path, force: bool) -> Result<Restored, BackupError> {
    let manifest = read_manifest(from)?;
    let url = config
        .database_url()
        .map_err(|err| BackupError::Usage(err.to_string()))?;
    let engine = url.engine();
    if manifest.engine != engine.name() {
        return Err(BackupError::Usage(format!(
            "this backup is of a {} database, and the configuration names {}: restore it \
             into an instance on {} first, then move it with `juke migrate-data`",
            manifest.engine,
            engine.name(),
            manifest.engine
        )));
    }
    config
        .prepare_data_dir()
        .map_err(|err| BackupError::Usage(err.to_string()))?;
    let _lock = crate::lockfile::acquire(&config.data_dir)
        .map_err(|err| BackupError::Usage(err.to_string()))?;

    // Everything is checked before anything is touched.
    let checked = from.to_path_buf();
    let listed = manifest.clone();
    tokio::task::spawn_blocking(move || verify(&checked, &listed))
        .await
        .map_err(|err| BackupError::Damaged(format!("check task failed: {err}")))??;

    let existing = Storage::open(&url, 0).await?;
    let found = async {
        Ok::<_, StorageError>((existing.table_names().await?, existing.has_data().await?))
    }
    .await;
    existing.close().await;
    let (tables, replaced) = found?;
    if replaced && !force {
        return Err(BackupError::Usage(format!(
            "the configured database ({}) already holds accounts or tracks: restore into an \
             empty one, or add --force to replace it",
            engine.name()
        )));
    }
    // A schema already there (a server started once, or --force) is dropped by the restore.
    restore_snapshot(
        &url,
        &from.join(snapshot_file_name(engine)),
        !tables.is_empty(),
    )
    .await?;

    let data_dir = config.data_dir.clone();
    let source = from.to_path_buf();
    let listed = manifest.clone();
    tokio::task::spawn_blocking(move || {
        for folder in DATA_FOLDERS.iter().chain(DERIVED_FOLDERS.iter()) {
            remove_tree(&data_dir.join(folder))?;
        }
        for file in &listed.files {
            let relative = safe_relative(&file.path)?;
            let secret = crate::auth::secret::SECRET_FILES.contains(&file.path.as_str());
            copy_file(
                &source.join(&relative),
                &data_dir.join(&relative),
                &file.path,
                secret,
            )?;
        }
        Ok::<_, BackupError>(())
    })
    .await
    .map_err(|err| BackupError::Damaged(format!("restore task failed: {err}")))??;

    // A backup from an older Juke is brought up to this one's schema now, not at first start.
    let storage = Storage::open(&url, 0).await?;
    let migrated = storage.migrate().await;
    storage.close().await;
    migrated?;
    Ok(Restored { manifest, replaced })
}

fn prepare_destination(to: &Path) -> Result<(), BackupError> {
    match std::fs::read_dir(to) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(BackupError::Usage(format!(
                    "{} is not empty: back up into a new folder",
                    to.display()
                )));
            }
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(to).map_err(io(to))?;
        }
        Err(err) => return Err(io(to)(err)),
    }
    // The backup holds the secrets and everyone's data: its owner's eyes only.
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700)).map_err(io(to))
}

fn copy_tree(
    data_dir: &Path,
    to: &Path,
    folder: &str,
    files: &mut Vec<FileEntry>,
) -> Result<(), BackupError> {
    let root = data_dir.join(folder);
    if !root.is_dir() {
        return Ok(());
    }
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let entry = entry.map_err(|err| BackupError::Io {
            path: root.display().to_string(),
            source: err.into(),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry.path().strip_prefix(data_dir).map_err(|_| {
            BackupError::Damaged(format!("{} left the data folder", entry.path().display()))
        })?;
        let name = relative
            .to_str()
            .ok_or_else(|| BackupError::Usage(format!("{} is not UTF-8", relative.display())))?
            .to_owned();
        match copy_file(entry.path(), &to.join(relative), &name, false) {
            Ok(file) => files.push(file),
            // Removed since the walk saw it (an upload finished, a cover replaced): the
            // database snapshot, taken earlier, is what the backup restores.
            Err(BackupError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// Copies one file, hashing it on the way; secrets are written 0600.
fn copy_file(
    source: &Path,
    dest: &Path,
    name: &str,
    secret: bool,
) -> Result<FileEntry, BackupError> {
    let input = File::open(source).map_err(io(source))?;
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let mode = if secret { 0o600 } else { 0o640 };
    let output = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(mode)
        .open(dest)
        .map_err(io(dest))?;
    let mut reader = BufReader::with_capacity(256 * 1024, input);
    let mut writer = BufWriter::with_capacity(256 * 1024, output);
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut bytes = 0u64;
    loop {
        let read = reader.read(&mut buffer).map_err(io(source))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        writer.write_all(&buffer[..read]).map_err(io(dest))?;
        bytes += read as u64;
    }
    let file = writer
        .into_inner()
        .map_err(|err| io(dest)(err.into_error()))?;
    file.sync_all().map_err(io(dest))?;
    Ok(FileEntry {
        path: name.to_owned(),
        bytes,
        sha256: hex::encode(hasher.finalize()),
    })
}

fn describe(path: &Path, name: &str) -> Result<FileEntry, BackupError> {
    let (bytes, sha256) = hash_file(path)?;
    Ok(FileEntry {
        path: name.to_owned(),
        bytes,
        sha256,
    })
}

fn hash_file(path: &Path) -> Result<(u64, String), BackupError> {
    let mut reader = BufReader::with_capacity(256 * 1024, File::open(path).map_err(io(path))?);
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut reader, &mut hasher).map_err(io(path))?;
    Ok((bytes, hex::encode(hasher.finalize())))
}

fn write_manifest(to: &Path, manifest: &Manifest) -> Result<(), BackupError> {
    let path = to.join(MANIFEST);
    let json =
        serde_json::to_vec_pretty(manifest).map_err(|err| BackupError::Damaged(err.to_string()))?;
    let staged = to.join(".manifest.json.partial");
    std::fs::write(&staged, json).map_err(io(&staged))?;
    File::open(&staged)
        .and_then(|file| file.sync_all())
        .map_err(io(&staged))?;
    std::fs::rename(&staged, &path).map_err(io(&path))
}

fn read_manifest(from: &Path) -> Result<Manifest, BackupError> {
    let path = from.join(MANIFEST);
    let file = File::open(&path).map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => BackupError::Usage(format!(
            "{} has no {MANIFEST}: not a backup, or one that did not finish",
            from.display()
        )),
        _ => io(&path)(err),
    })?;
    let mut text = Vec::new();
    file.take(MANIFEST_LIMIT)
        .read_to_end(&mut text)
        .map_err(io(&path))?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|err| BackupError::Damaged(format!("{MANIFEST}: {err}")))?;
    if manifest.format != FORMAT {
        return Err(BackupError::Usage(format!(
            "backup format {} is not one this version reads ({FORMAT})",
            manifest.format
        )));
    }
    Ok(manifest)
}

fn verify(from: &Path, manifest: &Manifest) -> Result<(), BackupError> {
    for file in std::iter::once(&manifest.database).chain(&manifest.files) {
        let path = from.join(safe_relative(&file.path)?);
        let (bytes, sha256) = hash_file(&path)?;
        if bytes != file.bytes || sha256 != file.sha256 {
            return Err(BackupError::Damaged(format!(
                "{} does not match the manifest (size or SHA-256 differ)",
                file.path
            )));
        }
    }
    Ok(())
}

/// A manifest path as a relative path that stays inside its folder.
fn safe_relative(path: &str) -> Result<PathBuf, BackupError> {
    let relative = PathBuf::from(path);
    let plain = relative
        .components()
        .all(|component| matches!(component, Component::Normal(_)));
    if plain && !path.is_empty() {
        Ok(relative)
    } else {
        Err(BackupError::Damaged(format!(
            "{path:?} is not a path inside the backup"
        )))
    }
}

fn remove_tree(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(io(path)(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_paths_cannot_leave_the_backup() {
        assert!(safe_relative("media/ab/track.flac").is_ok());
        for bad in ["../etc/passwd", "/etc/passwd", "media/../../x", "", "./x"] {
            assert!(safe_relative(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_interrupted_backup_is_not_restored() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_manifest(dir.path()).unwrap_err();
        assert!(
            matches!(err, BackupError::Usage(ref m) if m.contains("did not finish")),
            "{err}"
        );
    }

    #[test]
    fn a_changed_file_fails_the_check() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("database.sqlite3"), b"one").unwrap();
        let database = describe(&dir.path().join("database.sqlite3"), "database.sqlite3").unwrap();
        let manifest = Manifest {
            format: FORMAT,
            juke_version: "test".into(),
            created_at: Utc::now(),
            engine: "sqlite".into(),
            database,
            files: vec![],
        };
        verify(dir.path(), &manifest).unwrap();
        std::fs::write(dir.path().join("database.sqlite3"), b"two").unwrap();
        assert!(matches!(
            verify(dir.path(), &manifest),
            Err(BackupError::Damaged(_))
        ));
    }
}
