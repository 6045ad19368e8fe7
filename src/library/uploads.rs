//! Uploads: files received over HTTP wait in `<data_dir>/uploads/`, then one worker takes each
//! `pending` row through the same ingest pipeline as a scan, files the audio under
//! `<data_dir>/media/Artist/Album/`, and records `completed` (with the track) or `failed`
//! (with why). Restart-safe: interrupted rows are queued again, half-received files removed,
//! and a file already imported is recognised by its content, never imported twice.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::Notify;

use super::ingest::Ingest;
use super::read::{self, ReadFile};
use super::tags;
use crate::config::Config;
use crate::storage::{Id, NewUpload, Storage, StorageError, Upload};

/// Suffix of a file still being received.
pub const PARTIAL_SUFFIX: &str = ".part";

pub struct Uploads {
    storage: Storage,
    data_dir: PathBuf,
    pub max_file_bytes: u64,
    wake: Notify,
}

impl Uploads {
    /// Recovers from an interrupted run, then starts the worker on the current runtime.
    pub fn start(storage: Storage, config: &Config) -> Arc<Uploads> {
        let uploads = Arc::new(Uploads {
            storage,
            data_dir: config.data_dir.clone(),
            max_file_bytes: config.uploads.max_file_bytes,
            wake: Notify::new(),
        });
        let worker = Arc::clone(&uploads);
        actix_web::rt::spawn(async move {
            worker.recover().await;
            loop {
                worker.drain().await;
                worker.wake.notified().await;
            }
        });
        uploads
    }

    pub fn incoming_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }

    fn media_dir(&self) -> PathBuf {
        self.data_dir.join("media")
    }

    /// Half-received files go; rows a crash left `processing` are queued again.
    async fn recover(&self) {
        let dir = self.incoming_dir();
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                if entry
                    .file_name()
                    .to_string_lossy()
                    .ends_with(PARTIAL_SUFFIX)
                {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        match self.storage.requeue_interrupted_uploads().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(uploads = n, "queued interrupted uploads again"),
            Err(err) => tracing::error!(error = %err, "cannot requeue interrupted uploads"),
        }
    }

    /// Registers a fully received file (already in [`Uploads::incoming_dir`]) and wakes the
    /// worker. Content that does not sniff as audio is refused: the row says so and the file
    /// is deleted.
    pub async fn accept(
        &self,
        user_id: Id,
        original_name: &str,
        received: &Path,
        size: u64,
    ) -> Result<Upload, StorageError> {
        let path = received.to_path_buf();
        let format = tokio::task::spawn_blocking(move || tags::sniff(&path).ok().flatten())
            .await
            .ok()
            .flatten();
        let upload = self
            .storage
            .create_upload(&NewUpload {
                user_id,
                file_name: received
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                original_name: original_name.to_owned(),
                file_path: received.to_string_lossy().into_owned(),
                file_size: size as i64,
                mime_type: format.map(|f| f.mime().to_owned()),
            })
            .await?;
        if format.is_none() {
            let _ = tokio::fs::remove_file(received).await;
            self.storage
                .set_upload_status(
                    upload.id,
                    "failed",
                    Some("refused: the content is not an audio format Juke plays"),
                )
                .await?;
            return self.storage.upload(upload.id).await;
        }
        self.wake.notify_one();
        Ok(upload)
    }

    /// Processes every pending upload, oldest first.
    async fn drain(&self) {
        let mut ingest = Ingest::new(self.storage.clone(), &self.data_dir);
        loop {
            let batch = match self.storage.pending_uploads(50).await {
                Ok(batch) if !batch.is_empty() => batch,
                Ok(_) => return,
                Err(err) => {
                    tracing::error!(error = %err, "cannot read the upload queue");
                    return;
                }
            };
            for upload in batch {
                self.process(&mut ingest, upload).await;
            }
        }
    }

    async fn process(&self, ingest: &mut Ingest, upload: Upload) {
        if let Err(err) = self
            .storage
            .set_upload_status(upload.id, "processing", None)
            .await
        {
            tracing::error!(upload = %upload.id, error = %err, "cannot mark the upload processing");
            return;
        }
        let (status, log, track) = match self.import(ingest, &upload).await {
            Ok((track, log)) => ("completed", log, Some(track)),
            Err(reason) => ("failed", reason, None),
        };
        if let Err(err) = self
            .storage
            .finish_upload(upload.id, status, Some(&log), track)
            .await
        {
            tracing::error!(upload = %upload.id, error = %err, "cannot record the upload's outcome");
            return;
        }
        // Only once the outcome is recorded: a crash before here reprocesses the same file.
        let _ = tokio::fs::remove_file(&upload.file_path).await;
        tracing::info!(upload = %upload.id, status, "{log}");
    }

    async fn import(&self, ingest: &mut Ingest, upload: &Upload) -> Result<(Id, String), String> {
        let received = PathBuf::from(&upload.file_path);
        if !received.is_file() {
            return Err("the uploaded file is gone".into());
        }
        let mut file =
            read::read_file_async(received.clone(), PathBuf::from(&upload.original_name))
                .await
                .map_err(|err| format!("not imported: {err}"))?;
        let existing = self
            .storage
            .track_with_hash(&file.hash)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(track) = existing {
            return Ok((
                track,
                format!("already in the library (track {track}); no second copy was made"),
            ));
        }
        file.path = self
            .place(&received, &file)
            .await
            .map_err(|err| format!("cannot store the file: {err}"))?;
        let track = ingest
            .create(&file, Some(upload.user_id))
            .await
            .map_err(|err| format!("not imported: {err}"))?;
        Ok((
            track.id,
            format!("imported as \"{}\" by {}", track.title, file.scanned.artist),
        ))
    }

    /// Copies the received file to its place in the media tree. A file already there with
    /// the same content (an import a crash interrupted) is reused; another one keeps its name
    /// and this one gets a numbered name.
    async fn place(&self, received: &Path, file: &ReadFile) -> std::io::Result<PathBuf> {
        let s = &file.scanned;
        let folder = self
            .media_dir()
            .join(component(s.album_artist.as_deref().unwrap_or(&s.artist)))
            .join(component(s.album.as_deref().unwrap_or("Singles")));
        crate::private_fs::create_dir_all_async(&folder).await?;
        let stem = match s.track_number {
            Some(n) => format!("{n:02} {}", component(&s.title)),
            None => component(&s.title),
        };
        for attempt in 1..1000 {
            let name = if attempt == 1 {
                format!("{stem}.{}", s.format)
            } else {
                format!("{stem} ({attempt}).{}", s.format)
            };
            let target = folder.join(name);
            if let Ok(meta) = tokio::fs::metadata(&target).await {
                let existing = target.clone();
                let hash =
                    tokio::task::spawn_blocking(move || read::content_hash(&existing, meta.len()))
                        .await
                        .map_err(std::io::Error::other)??;
                if hash == file.hash {
                    return Ok(target);
                }
                continue;
            }
            let partial = target.with_file_name(format!(".{}{PARTIAL_SUFFIX}", Id::new()));
            tokio::fs::copy(received, &partial).await?;
            tokio::fs::rename(&partial, &target).await?;
            return Ok(target);
        }
        Err(std::io::Error::other("too many files with this name"))
    }
}

/// A tag value made safe as one path component.
fn component(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .take(100)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        "Unknown".to_owned()
    } else {
        cleaned.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::component;

    #[test]
    fn tag_values_cannot_escape_the_media_folder() {
        assert_eq!(component("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(component("AC/DC"), "AC_DC");
        assert_eq!(component("  "), "Unknown");
        assert_eq!(component("..."), "Unknown");
        assert_eq!(component("a\u{0}b"), "a_b");
    }
}
