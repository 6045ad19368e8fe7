//! Album covers, stored once per album under `<data_dir>/covers/`: the embedded picture, or a
//! `cover.*` / `folder.*` / `front.*` image beside the files.

use std::path::Path;

use super::ingest::ReadFile;
use crate::storage::Id;

const NAMES: [&str; 4] = ["cover", "folder", "front", "album"];
const EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "webp"];

/// The extensions a stored cover can have (one per picture type `extension_for` knows).
pub const STORED_EXTENSIONS: [&str; 5] = ["jpg", "png", "webp", "gif", "bmp"];

/// Writes the album's cover if the file brings one; returns the URL that serves it.
pub async fn store_album_cover(covers_dir: &Path, album_id: Id, file: &ReadFile) -> Option<String> {
    let (bytes, extension) = match &file.scanned.picture {
        Some(picture) => (picture.bytes.clone(), extension_for(&picture.mime)),
        None => {
            let dir = file.path.parent()?.to_path_buf();
            tokio::task::spawn_blocking(move || folder_image(&dir))
                .await
                .ok()??
        }
    };
    let target = covers_dir.join(format!("{album_id}.{extension}"));
    let temporary = covers_dir.join(format!(".{album_id}.{extension}.part"));
    let written = async {
        tokio::fs::create_dir_all(covers_dir).await?;
        tokio::fs::write(&temporary, &bytes).await?;
        tokio::fs::rename(&temporary, &target).await?;
        // A cover that changed format leaves no stale original behind.
        for other in STORED_EXTENSIONS {
            if other != extension {
                let stale = covers_dir.join(format!("{album_id}.{other}"));
                if let Err(err) = tokio::fs::remove_file(&stale).await
                    && err.kind() != std::io::ErrorKind::NotFound
                {
                    return Err(err);
                }
            }
        }
        Ok(())
    }
    .await;
    match written {
        Ok(()) => Some(format!("/api/v1/albums/{album_id}/cover")),
        Err(err) => {
            tracing::warn!(album = %album_id, error = %err, "cannot store the cover");
            None
        }
    }
}

fn extension_for(mime: &str) -> &'static str {
    match mime {
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "image/bmp" => "bmp",
        _ => "jpg",
    }
}

/// The first `cover.jpg`-like image in a folder, read whole (bounded).
fn folder_image(dir: &Path) -> Option<(Vec<u8>, &'static str)> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut candidates: Vec<(usize, std::path::PathBuf, &'static str)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            let stem = path.file_stem()?.to_str()?.to_lowercase();
            let ext = path.extension()?.to_str()?.to_lowercase();
            let rank = NAMES.iter().position(|n| *n == stem)?;
            let ext = EXTENSIONS.iter().find(|e| **e == ext)?;
            Some((rank, path, if *ext == "jpeg" { "jpg" } else { ext }))
        })
        .collect();
    candidates.sort();
    let (_, path, ext) = candidates.into_iter().next()?;
    let meta = std::fs::metadata(&path).ok()?;
    if meta.len() > super::tags::MAX_PICTURE_BYTES as u64 {
        return None;
    }
    Some((std::fs::read(&path).ok()?, ext))
}
