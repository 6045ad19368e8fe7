//! `<data_dir>/juke.lock`: held by a running server, so that `juke restore` cannot pull its
//! database out from under it. An OS file lock, released by the kernel however the holder
//! ends, so a crash never leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

const FILE_NAME: &str = "juke.lock";

/// Held until dropped.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{0} is in use by a running juke server: stop it first")]
    Held(String),
    #[error("cannot lock {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Takes the data folder's lock, or says that a server holds it.
pub fn acquire(data_dir: &Path) -> Result<DataDirLock, LockError> {
    let path = data_dir.join(FILE_NAME);
    let io = |source| LockError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut file = OpenOptions::new()
        .mode(crate::private_fs::FILE_MODE)
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(LockError::Held(data_dir.display().to_string()));
        }
        Err(TryLockError::Error(err)) => return Err(io(err)),
    }
    // The pid is for people reading the file; the lock is what counts.
    file.set_len(0).map_err(io)?;
    writeln!(file, "{}", std::process::id()).map_err(io)?;
    Ok(DataDirLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(dir.path()).unwrap();
        assert!(matches!(acquire(dir.path()), Err(LockError::Held(_))));
        drop(first);
        acquire(dir.path()).unwrap();
    }
}
