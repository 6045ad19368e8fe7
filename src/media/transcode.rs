//! On-the-fly transcoding with ffmpeg, for phones on mobile data and players that cannot decode
//! the original. Each transcode is one ffmpeg process whose stdout becomes the response body;
//! the process lives exactly as long as that body: a client that hangs up drops the body, and
//! dropping it kills ffmpeg and frees its slot.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Stdio;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::io::AsyncReadExt;
use tokio::process::{Child, ChildStdout, Command};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::io::ReaderStream;

use super::audio_format::{AudioFormat, TranscodeTarget};
use crate::config::TranscodingConfig;
use crate::log_text::LoggedText;

/// How long a request waits for a free transcoding slot before it is told to come back.
const SLOT_WAIT: Duration = Duration::from_secs(2);
/// ffmpeg's first bytes come within milliseconds; this only bounds a stuck input (a dead NAS).
const FIRST_BYTES_WAIT: Duration = Duration::from_secs(30);
/// What is kept of ffmpeg's complaints for the log.
const STDERR_LIMIT: u64 = 8 * 1024;
const CHUNK_BYTES: usize = 64 * 1024;

/// One transcode to run.
#[derive(Debug, Clone, Copy)]
pub struct Job {
    pub format: TranscodeTarget,
    pub kbps: u32,
    pub offset_seconds: f64,
}

/// Whether a stream request needs ffmpeg, and what it should make. The original is served
/// whenever it already is what was asked: same format, within the bitrate, from the start.
/// `max_kbps` of 0 means no limit (as Subsonic clients send it).
pub fn plan(
    source_format: Option<AudioFormat>,
    source_kbps: Option<i32>,
    format: Option<TranscodeTarget>,
    max_kbps: Option<u32>,
    offset_seconds: f64,
) -> Option<Job> {
    let max_kbps = max_kbps.filter(|&max| max > 0);
    let other_format = format.is_some_and(|f| Some(f.format()) != source_format);
    let too_rich = max_kbps.is_some_and(|max| {
        source_kbps.is_none_or(|source| u32::try_from(source).map_or(true, |s| s > max))
    });
    if !(other_format || too_rich || offset_seconds > 0.0) {
        return None;
    }
    let format = format.unwrap_or(TranscodeTarget::MP3);
    Some(Job {
        format,
        kbps: format.kbps(max_kbps),
        offset_seconds,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum TranscodeError {
    #[error(
        "this server cannot transcode (ffmpeg is not installed or transcoding is off); request the original, without format, max_bitrate or offset"
    )]
    Unavailable,
    #[error("every transcoding slot is busy; try again in a moment")]
    Busy,
    #[error("ffmpeg could not be started: {0}")]
    Spawn(#[source] std::io::Error),
    /// ffmpeg gave nothing in time: a stuck disk or an overloaded box, not the track.
    #[error("the transcoder did not answer in time; try again in a moment")]
    Stalled,
    /// What ffmpeg said stays in the log: it names server paths.
    #[error("this track cannot be transcoded; its original still plays")]
    Failed(String),
}

pub struct Transcoder {
    ffmpeg: Option<PathBuf>,
    slots: Arc<Semaphore>,
    max_concurrent: usize,
    /// Transcodes started since the server did; for `/metrics`.
    started: std::sync::atomic::AtomicU64,
}

impl Transcoder {
    /// Finds ffmpeg: the configured path, else the PATH. Without one, transcoding is off and
    /// says so once in the log.
    pub fn new(config: &TranscodingConfig) -> Transcoder {
        let ffmpeg = if config.max_concurrent == 0 {
            tracing::info!("transcoding is off (transcoding.max_concurrent = 0)");
            None
        } else if config.ffmpeg_path.is_empty() {
            let found = which::which("ffmpeg").ok();
            if found.is_none() {
                tracing::warn!(
                    "ffmpeg is not on the PATH: originals play, transcoding is off (install ffmpeg or set transcoding.ffmpeg_path)"
                );
            }
            found
        } else {
            let path = PathBuf::from(&config.ffmpeg_path);
            let usable = which::which(&path).ok();
            if usable.is_none() {
                tracing::warn!(path = %path.display(), "transcoding.ffmpeg_path is not an executable file: transcoding is off");
            }
            usable
        };
        if let Some(path) = &ffmpeg {
            tracing::info!(ffmpeg = %path.display(), slots = config.max_concurrent, "transcoding available");
        }
        Transcoder {
            ffmpeg,
            slots: Arc::new(Semaphore::new(config.max_concurrent)),
            max_concurrent: config.max_concurrent,
            started: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Transcodes running now (each holds a slot until its ffmpeg is done).
    pub fn active(&self) -> usize {
        self.max_concurrent
            .saturating_sub(self.slots.available_permits())
    }

    /// Transcodes started since the server did.
    pub fn started(&self) -> u64 {
        self.started.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn is_available(&self) -> bool {
        self.ffmpeg.is_some()
    }

    /// Starts ffmpeg on `input` and waits for its first bytes, so a file ffmpeg cannot read
    /// is an error response rather than an empty 200.
    pub async fn start(&self, input: &Path, job: Job) -> Result<Transcode, TranscodeError> {
        let ffmpeg = self.ffmpeg.as_ref().ok_or(TranscodeError::Unavailable)?;
        let slot = tokio::time::timeout(SLOT_WAIT, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| TranscodeError::Busy)?
            .map_err(|_| TranscodeError::Unavailable)?;
        let mut command = Command::new(ffmpeg);
        command
            .args(["-nostdin", "-hide_banner", "-loglevel", "error"])
            .args(["-ss", &format!("{:.3}", job.offset_seconds)])
            .arg("-i")
            .arg(input)
            .args([
                "-map",
                "0:a:0",
                "-vn",
                "-sn",
                "-dn",
                "-map_metadata",
                "-1",
                "-ac",
                "2",
            ])
            .args(job.format.ffmpeg_args())
            .args(["-b:a", &format!("{}k", job.kbps)])
            .arg("pipe:1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(TranscodeError::Spawn)?;
        self.started
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            return Err(TranscodeError::Spawn(std::io::Error::other(
                "ffmpeg's output pipes are missing",
            )));
        };
        let complaints = tokio::spawn(async move {
            let mut text = String::new();
            // Lossy on purpose: a file name in a message need not be UTF-8.
            let mut bytes = Vec::new();
            let _ = stderr.take(STDERR_LIMIT).read_to_end(&mut bytes).await;
            text.push_str(String::from_utf8_lossy(&bytes).trim());
            text
        });
        let mut body = ReaderStream::with_capacity(stdout, CHUNK_BYTES);
        let first = match tokio::time::timeout(FIRST_BYTES_WAIT, body.next()).await {
            Ok(Some(Ok(bytes))) => bytes,
            Ok(Some(Err(err))) => return Err(TranscodeError::Failed(err.to_string())),
            Ok(None) => {
                let _ = child.wait().await;
                let said = complaints.await.unwrap_or_default();
                return Err(TranscodeError::Failed(if said.is_empty() {
                    "ffmpeg produced nothing".into()
                } else {
                    said
                }));
            }
            Err(_) => return Err(TranscodeError::Stalled),
        };
        let input_name = input.display().to_string();
        tokio::spawn(async move {
            if let Ok(said) = complaints.await
                && !said.is_empty()
            {
                tracing::warn!(file = %LoggedText(&input_name), ffmpeg = %LoggedText(&said), "transcode reported errors");
            }
        });
        Ok(Transcode {
            first: Some(first),
            body,
            _child: child,
            _slot: slot,
        })
    }
}

/// A running transcode as a response body. Dropping it (the response ended, or the client
/// went away) kills ffmpeg and frees the slot.
pub struct Transcode {
    first: Option<Bytes>,
    body: ReaderStream<ChildStdout>,
    _child: Child,
    _slot: OwnedSemaphorePermit,
}

impl Stream for Transcode {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(first)));
        }
        Pin::new(&mut self.body).poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn originals_are_served_when_they_already_fit() {
        let (flac, mp3) = (Some(AudioFormat::Flac), Some(AudioFormat::Mp3));
        assert!(plan(flac, Some(900), None, None, 0.0).is_none());
        assert!(plan(mp3, Some(320), Some(TranscodeTarget::MP3), None, 0.0).is_none());
        assert!(plan(mp3, Some(128), None, Some(192), 0.0).is_none());
        assert!(
            plan(mp3, Some(128), None, Some(0), 0.0).is_none(),
            "0 is no limit"
        );

        let job = plan(flac, Some(900), Some(TranscodeTarget::OPUS), None, 0.0).unwrap();
        assert_eq!((job.format, job.kbps), (TranscodeTarget::OPUS, 128));
        let job = plan(mp3, Some(320), None, Some(96), 0.0).unwrap();
        assert_eq!((job.format, job.kbps), (TranscodeTarget::MP3, 96));
        let job = plan(mp3, None, None, Some(96), 0.0).unwrap();
        assert_eq!(job.kbps, 96, "an unknown bitrate may be over the limit");
        let job = plan(mp3, Some(128), None, None, 30.0).unwrap();
        assert_eq!(
            (job.format, job.offset_seconds),
            (TranscodeTarget::MP3, 30.0)
        );
        let job = plan(
            Some(AudioFormat::Mp4),
            None,
            Some(TranscodeTarget::AAC),
            None,
            0.0,
        );
        assert!(job.is_some(), "AAC in MP4 is not the ADTS stream asked for");
        assert!(plan(None, Some(128), Some(TranscodeTarget::MP3), None, 0.0).is_some());
    }
}
