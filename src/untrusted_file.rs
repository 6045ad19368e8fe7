//! Opening files Juke did not write (audio, folder covers, lyrics sidecars in the library
//! folders): regular files only, under a size cap. A library is whatever is on the disk: a
//! FIFO named `cover.jpg` would block an ordinary `open` forever (a scan that never ends, a
//! server that cannot stop), and `cover.jpg -> /dev/zero` would be read until memory runs out.
//! So the file is opened without blocking, and the *opened handle* is checked (a name checked
//! before opening can be swapped in between), then its size against the cap of its kind.

use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Audio files: large (hours of 24-bit/192 kHz FLAC, DSD rips) but bounded.
pub const MAX_AUDIO_BYTES: u64 = 8 * 1024 * 1024 * 1024;
/// A cover image beside the audio files.
pub const MAX_COVER_BYTES: u64 = 32 * 1024 * 1024;
/// A lyrics sidecar (`Song.lrc`): text, so small.
pub const MAX_LYRICS_BYTES: u64 = 512 * 1024;

/// Why a file was not opened.
#[derive(Debug, thiserror::Error)]
pub enum UntrustedFileError {
    #[error("cannot open: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a regular file but a {0}")]
    NotRegular(&'static str),
    #[error("too large: {size} bytes, the limit for this kind of file is {limit}")]
    TooLarge { size: u64, limit: u64 },
}

/// Opens `path` for reading if it is a regular file of at most `limit` bytes, without ever
/// blocking on the open itself; returns the handle and its metadata.
pub fn open_regular(path: &Path, limit: u64) -> Result<(File, Metadata), UntrustedFileError> {
    // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
    // It changes nothing for reads of a regular file, the only kind let through.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(UntrustedFileError::NotRegular(kind(&meta)));
    }
    if meta.len() > limit {
        return Err(UntrustedFileError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    Ok((file, meta))
}

/// Reads a whole regular file of at most `limit` bytes. The read itself is bounded too: a file
/// that grows while it is read stops at the cap and is refused.
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, UntrustedFileError> {
    let (file, meta) = open_regular(path, limit)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(UntrustedFileError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

fn kind(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if kind.is_dir() {
        "directory"
    } else if kind.is_fifo() {
        "named pipe"
    } else if kind.is_char_device() {
        "character device"
    } else if kind.is_block_device() {
        "block device"
    } else if kind.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_small_enough_regular_files_open() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small");
        std::fs::write(&small, b"12345").unwrap();
        assert_eq!(read_capped(&small, 5).unwrap(), b"12345");
        assert!(matches!(
            read_capped(&small, 4),
            Err(UntrustedFileError::TooLarge { size: 5, limit: 4 })
        ));
        assert!(matches!(
            read_capped(Path::new("/dev/zero"), 1024),
            Err(UntrustedFileError::NotRegular("character device"))
        ));
        assert!(matches!(
            read_capped(dir.path(), 1024),
            Err(UntrustedFileError::NotRegular("directory"))
        ));
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Would block forever with a plain open: no writer ever comes.
        assert!(matches!(
            read_capped(&fifo, 1024),
            Err(UntrustedFileError::NotRegular("named pipe"))
        ));
    }
}
