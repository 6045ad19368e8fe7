//! Album covers, stored once per album under `<data_dir>/covers/`: the embedded picture, or a
//! `cover.*` / `folder.*` / `front.*` image beside the files.

use std::path::Path;

use super::read::ReadFile;
use crate::media::cover_format::CoverFormat;
use crate::storage::Id;

const NAMES: [&str; 4] = ["cover", "folder", "front", "album"];
/// Folder images worth taking: the types every browser shows.
const FOLDER_FORMATS: [CoverFormat; 3] = [CoverFormat::Jpeg, CoverFormat::Png, CoverFormat::Webp];

/// Writes the album's cover if the file brings one; returns the URL that serves it.
pub async fn store_album_cover(covers_dir: &Path, album_id: Id, file: &ReadFile) -> Option<String> {
    let (bytes, format) = match &file.scanned.picture {
        Some(picture) => (picture.bytes.clone(), CoverFormat::from_mime(&picture.mime)),
        None => {
            let dir = file.path.parent()?.to_path_buf();
            tokio::task::spawn_blocking(move || folder_image(&dir))
                .await
                .ok()??
        }
    };
    let extension = format.extension();
    let target = covers_dir.join(format!("{album_id}.{extension}"));
    let temporary = covers_dir.join(format!(".{album_id}.{extension}.part"));
    let written = async {
        crate::private_fs::create_dir_all_async(covers_dir).await?;
        crate::private_fs::write_async(&temporary, bytes.to_vec()).await?;
        tokio::fs::rename(&temporary, &target).await?;
        // A cover that changed format leaves no stale original behind.
        for other in CoverFormat::ALL {
            if other != format {
                let stale = covers_dir.join(format!("{album_id}.{}", other.extension()));
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

/// The first `cover.jpg`-like image in a folder, read whole (bounded).
fn folder_image(dir: &Path) -> Option<(Vec<u8>, CoverFormat)> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut candidates: Vec<(usize, std::path::PathBuf, CoverFormat)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            let stem = path.file_stem()?.to_str()?.to_lowercase();
            let rank = NAMES.iter().position(|n| *n == stem)?;
            let format = CoverFormat::of_path(&path).filter(|f| FOLDER_FORMATS.contains(f))?;
            Some((rank, path, format))
        })
        .collect();
    candidates.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let (_, path, format) = candidates.into_iter().next()?;
    let meta = std::fs::metadata(&path).ok()?;
    if meta.len() > super::tags::MAX_PICTURE_BYTES as u64 {
        return None;
    }
    Some((std::fs::read(&path).ok()?, format))
}
