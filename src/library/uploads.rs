//! Uploads: files received over HTTP wait in `<data_dir>/uploads/`, then one worker takes each
//! `pending` row through the same ingest pipeline as a scan, files the audio under
//! `<data_dir>/media/Artist/Album/`, and records `completed` (with the track) or `failed`
//! (with why). Restart-safe: interrupted rows are queued again, half-received files removed,
//! and a file already imported is recognised by its content, never imported twice.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use super::ingest::Ingest;
use super::read::{self, ReadFile};
use super::tags;
use crate::config::Config;
use crate::log_text::LoggedPath;
use crate::storage::{Id, NewUpload, Storage, StorageError, Upload, User};

/// Suffix of a file still being received.
pub const PARTIAL_SUFFIX: &str = ".part";

/// Upload requests one account may have in flight: a family's phones, not a flood of slow
/// connections each holding a socket and a half-written file.
pub const MAX_REQUESTS_PER_USER: usize = 4;

/// A body that sends nothing for this long is cut off, whatever time it has left.
pub const BODY_STALL: Duration = Duration::from_secs(30);

/// How often (in bytes received) free space is looked at again while a body arrives.
const FREE_SPACE_RECHECK_BYTES: u64 = 16 * 1024 * 1024;

/// Why an upload is refused before or while its body arrives.
#[derive(Debug, thiserror::Error)]
pub enum UploadRefused {
    #[error(
        "the server's disk is nearly full ({free} bytes free, {floor} are kept free): nothing \
         was saved; ask the server's admin to free space"
    )]
    DiskNearlyFull { free: u64, floor: u64 },
    #[error("the server's disk is full: nothing was saved; ask the server's admin to free space")]
    DiskFull,
    #[error(
        "this upload would pass your upload quota ({used} of {quota} bytes used); remove some \
         of your uploads or ask an admin for more"
    )]
    Quota { used: u64, quota: u64 },
    #[error("{0} is larger than the {1} bytes allowed")]
    TooLarge(String, u64),
    #[error("at most {MAX_REQUESTS_PER_USER} uploads at once per account; wait for one to finish")]
    TooManyAtOnce,
    #[error("the upload stalled or took longer than the {0} seconds allowed")]
    TimedOut(u64),
    #[error("cannot store the upload: {0}")]
    Io(#[source] std::io::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<std::io::Error> for UploadRefused {
    fn from(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::StorageFull {
            UploadRefused::DiskFull
        } else {
            UploadRefused::Io(err)
        }
    }
}

pub struct Uploads {
    storage: Storage,
    data_dir: PathBuf,
    pub max_file_bytes: u64,
    quota_bytes_per_user: u64,
    min_free_bytes: u64,
    pub body_timeout: Duration,
    in_flight: Mutex<HashMap<Id, usize>>,
    started: std::time::SystemTime,
    wake: Notify,
}

/// One admitted upload request: what it may still write, and its place among the account's
/// requests in flight (given back on drop).
pub struct Admission<'a> {
    uploads: &'a Uploads,
    user_id: Id,
    /// Bytes the quota still allows (`u64::MAX`: no quota).
    quota_left: u64,
    quota: u64,
    used: u64,
    received: u64,
    checked_at: u64,
}

impl Uploads {
    /// Recovers from an interrupted run, then starts the worker on the current runtime.
    pub fn start(storage: Storage, config: &Config) -> Arc<Uploads> {
        let uploads = Arc::new(Uploads {
            storage,
            data_dir: config.data_dir.clone(),
            max_file_bytes: config.uploads.max_file_bytes,
            quota_bytes_per_user: config.uploads.quota_bytes_per_user,
            min_free_bytes: config.uploads.min_free_bytes,
            body_timeout: Duration::from_secs(config.uploads.body_timeout_seconds),
            in_flight: Mutex::default(),
            started: std::time::SystemTime::now(),
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

    /// Admits one upload request of `user`, whose body says it is about `declared` bytes
    /// (Content-Length, when sent): refused before any byte is read when the account has
    /// too many in flight, the disk is below `uploads.min_free_bytes`, or the quota would
    /// be passed.
    pub async fn admit(
        &self,
        user: &User,
        declared: Option<u64>,
    ) -> Result<Admission<'_>, UploadRefused> {
        {
            let mut in_flight = self
                .in_flight
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let count = in_flight.entry(user.id).or_default();
            if *count >= MAX_REQUESTS_PER_USER {
                return Err(UploadRefused::TooManyAtOnce);
            }
            *count += 1;
        }
        // From here the slot is the admission's: its drop gives it back on every path.
        let mut admission = Admission {
            uploads: self,
            user_id: user.id,
            quota_left: u64::MAX,
            quota: 0,
            used: 0,
            received: 0,
            checked_at: 0,
        };
        self.check_free_space(declared.unwrap_or(0))?;
        let quota = match user.upload_quota_bytes {
            Some(quota) => Some(u64::try_from(quota).unwrap_or(0)),
            None if user.is_admin || self.quota_bytes_per_user == 0 => None,
            None => Some(self.quota_bytes_per_user),
        };
        if let Some(quota) = quota {
            let used = u64::try_from(self.storage.upload_usage(user.id).await?).unwrap_or(0);
            if used.saturating_add(declared.unwrap_or(0)) > quota {
                return Err(UploadRefused::Quota { used, quota });
            }
            admission.quota = quota;
            admission.used = used;
            admission.quota_left = quota.saturating_sub(used);
        }
        Ok(admission)
    }

    /// Refuses when writing `more` bytes would leave less than `uploads.min_free_bytes`.
    fn check_free_space(&self, more: u64) -> Result<(), UploadRefused> {
        if self.min_free_bytes == 0 {
            return Ok(());
        }
        let dir = if self.data_dir.exists() {
            self.data_dir.as_path()
        } else {
            self.data_dir.parent().unwrap_or(Path::new("/"))
        };
        let free = fs4::available_space(dir)?;
        if free < self.min_free_bytes.saturating_add(more) {
            return Err(UploadRefused::DiskNearlyFull {
                free,
                floor: self.min_free_bytes,
            });
        }
        Ok(())
    }

    /// Half-received files go, here and in the media folder; received files no queued
    /// upload points at go; rows a crash left `processing` are queued again.
    async fn recover(&self) {
        remove_partials(&self.incoming_dir());
        remove_partials(&self.media_dir());
        match self.storage.queued_upload_paths().await {
            Ok(queued) => {
                let queued: HashSet<PathBuf> = queued
                    .iter()
                    .map(|stored| crate::stored_path::decode(stored))
                    .collect();
                if let Ok(entries) = std::fs::read_dir(self.incoming_dir()) {
                    for entry in entries.flatten() {
                        let path = entry.path();
                        // A file received since this start may be about to get its row.
                        let before_start = entry
                            .metadata()
                            .and_then(|m| m.modified())
                            .is_ok_and(|modified| modified < self.started);
                        if before_start && !queued.contains(&path) && path.is_file() {
                            tracing::info!(file = %LoggedPath(&path), "removing a received file no upload points at");
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                }
            }
            Err(err) => tracing::error!(error = %err, "cannot list the queued uploads"),
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
        let sniffed = tokio::task::spawn_blocking(move || tags::sniff(&path))
            .await
            .unwrap_or(Ok(None));
        // Content Juke knows and cannot read is refused saying what it is.
        let (format, unsupported) = match sniffed {
            Ok(format) => (format, None),
            Err(tags::TagError::Unsupported(why)) => (None, Some(why)),
            Err(_) => (None, None),
        };
        let created = self
            .storage
            .create_upload(&NewUpload {
                user_id,
                file_name: received
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                original_name: original_name.to_owned(),
                file_path: crate::stored_path::encode(received),
                file_size: size as i64,
                mime_type: format.map(|f| f.mime().to_owned()),
            })
            .await;
        let upload = match created {
            Ok(upload) => upload,
            Err(err) => {
                // No row will ever point at the file.
                let _ = tokio::fs::remove_file(received).await;
                return Err(err);
            }
        };
        if format.is_none() {
            let _ = tokio::fs::remove_file(received).await;
            let reason = match unsupported {
                Some(why) => format!("refused: {why}"),
                None => "refused: the content is not an audio format Juke plays".to_owned(),
            };
            self.storage
                .set_upload_status(upload.id, "failed", Some(&reason))
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
        let _ = tokio::fs::remove_file(crate::stored_path::decode(&upload.file_path)).await;
        tracing::info!(upload = %upload.id, status, "{log}");
    }

    async fn import(&self, ingest: &mut Ingest, upload: &Upload) -> Result<(Id, String), String> {
        let received = crate::stored_path::decode(&upload.file_path);
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
                        .map_err(std::io::Error::other)?
                        .map_err(std::io::Error::other)?;
                if hash == file.hash {
                    return Ok(target);
                }
                continue;
            }
            let partial = target.with_file_name(format!(".{}{PARTIAL_SUFFIX}", Id::new()));
            let copied = match tokio::fs::copy(received, &partial).await {
                Ok(_) => tokio::fs::rename(&partial, &target).await,
                Err(err) => Err(err),
            };
            if let Err(err) = copied {
                // A full disk leaves half a copy: removed before the failure is recorded, so
                // the space it took is there to record it with.
                let _ = tokio::fs::remove_file(&partial).await;
                return Err(err);
            }
            return Ok(target);
        }
        Err(std::io::Error::other("too many files with this name"))
    }
}

impl Admission<'_> {
    /// Counts `bytes` more of this request's body against the file's size limit, the
    /// quota and the free-space floor (looked at again every 16 MiB).
    pub fn take(
        &mut self,
        file_name: &str,
        file_bytes: u64,
        bytes: u64,
    ) -> Result<(), UploadRefused> {
        let max = self.uploads.max_file_bytes;
        if file_bytes > max {
            return Err(UploadRefused::TooLarge(file_name.to_owned(), max));
        }
        self.received += bytes;
        if self.received > self.quota_left {
            return Err(UploadRefused::Quota {
                used: self.used,
                quota: self.quota,
            });
        }
        if self.received - self.checked_at >= FREE_SPACE_RECHECK_BYTES {
            self.checked_at = self.received;
            self.uploads.check_free_space(0)?;
        }
        Ok(())
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        let mut in_flight = self
            .uploads
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = in_flight.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                in_flight.remove(&self.user_id);
            }
        }
    }
}

/// Removes the half-written files (`*.part`) under `dir`, at any depth.
fn remove_partials(dir: &Path) {
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .flatten()
    {
        if entry.file_type().is_file()
            && entry
                .file_name()
                .to_string_lossy()
                .ends_with(PARTIAL_SUFFIX)
        {
            tracing::info!(file = %LoggedPath(entry.path()), "removing a half-written file");
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The most bytes of one path component Juke makes from a tag value: file systems allow 255,
/// and a track number, a copy number and an extension are added.
const COMPONENT_BYTES: usize = 200;

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
        .scan(0, |bytes, c| {
            // Cut on a byte budget, at a character boundary: 100 emoji are 400 bytes.
            *bytes += c.len_utf8();
            (*bytes <= COMPONENT_BYTES).then_some(c)
        })
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

    #[test]
    fn long_names_are_cut_on_bytes_at_a_character_boundary() {
        let emoji = "🎸".repeat(100);
        let cut = component(&emoji);
        assert!(cut.len() <= super::COMPONENT_BYTES, "{}", cut.len());
        assert_eq!(cut, "🎸".repeat(50));
    }
}
