//! Album covers, stored once per album under `<data_dir>/covers/`: the embedded picture, or a
//! `cover.*` / `folder.*` / `front.*` image beside the files.

use std::path::Path;

use super::read::ReadFile;
use crate::log_text::LoggedPath;
use crate::media::artwork;
use crate::media::cover_format::CoverFormat;
use crate::storage::Id;
use crate::untrusted_file::{self, MAX_COVER_BYTES};

const NAMES: [&str; 4] = ["cover", "folder", "front", "album"];
/// Folder images worth taking: the types every browser shows.
const FOLDER_FORMATS: [CoverFormat; 3] = [CoverFormat::Jpeg, CoverFormat::Png, CoverFormat::Webp];

/// Writes the album's cover if the file brings one; returns the URL that serves it.
pub async fn store_album_cover(covers_dir: &Path, album_id: Id, file: &ReadFile) -> Option<String> {
    let (bytes, format) = match &file.scanned.picture {
        Some(picture) if !picture.bytes.is_empty() => {
            (picture.bytes.clone(), CoverFormat::from_mime(&picture.mime))
        }
        _ => {
            let dir = file.path.parent()?.to_path_buf();
            tokio::task::spawn_blocking(move || folder_image(&dir))
                .await
                .ok()??
        }
    };
    // Oversize art is scaled down here, once, under the server-wide bound on decodes.
    let permit = artwork::decode_permit().await.ok()?;
    let bounded =
        tokio::task::spawn_blocking(move || artwork::bounded_for_storage(bytes, format)).await;
    drop(permit);
    let (bytes, format) = match bounded {
        Ok(Ok(bounded)) => bounded,
        Ok(Err(err)) => {
            tracing::warn!(album = %album_id, path = %LoggedPath(&file.path), reason = %err, "cover not stored");
            return None;
        }
        Err(err) => {
            tracing::warn!(album = %album_id, path = %LoggedPath(&file.path), reason = %err, "cover not stored");
            return None;
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

/// The first `cover.jpg`-like image in a folder that is a regular, non-empty file of at most
/// [`MAX_COVER_BYTES`], read whole. One that is not (a FIFO, a link to a device, a huge file)
/// is skipped with a warning, and the next candidate is tried.
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
    candidates.into_iter().find_map(|(_, path, format)| {
        match untrusted_file::read_capped(&path, MAX_COVER_BYTES) {
            Ok(bytes) if !bytes.is_empty() => Some((bytes, format)),
            Ok(_) => None,
            Err(err) => {
                tracing::warn!(path = %LoggedPath(&path), reason = %err, "folder image skipped");
                None
            }
        }
    })
}
