//! Plays and what they add up to: the rules a reported play must meet before it counts, and
//! the periods listening stats are given for.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use crate::storage::{Id, NewPlay, Play, Storage, StorageError};

/// Where a play happened; clients outside this list send `other`.
pub const DEVICE_TYPES: &[&str] = &[
    "web", "desktop", "mobile", "tablet", "tv", "speaker", "car", "other",
];

/// What the listener was playing from.
pub const SOURCE_TYPES: &[&str] = &[
    "library",
    "album",
    "artist",
    "playlist",
    "search",
    "favorites",
    "history",
    "queue",
    "radio",
    "upload",
    "other",
];

/// The days listening stats cover, shortest first.
pub const STATS_PERIODS_DAYS: &[i64] = &[7, 30, 365];

/// How many tracks, artists and genres each stats period lists.
pub const STATS_TOP: i64 = 10;

/// Durations read from tags can be short of the truth (VBR files without a header), and a
/// player counts a little past the end while it buffers: a play may run this far over.
const MIN_SLACK_SECONDS: i64 = 30;

/// A track of unknown length (duration 0) still cannot report more than a day of listening.
const MAX_PLAY_SECONDS: i64 = 24 * 60 * 60;

/// Players queue scrobbles offline and clocks drift; a play this far in the future is a bug.
const FUTURE_SKEW: Duration = Duration::minutes(5);

/// A play to record; `played_at` defaults to now.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewPlay)]
pub struct PlayRequest {
    pub track_id: Id,
    pub duration_played: i64,
    pub device_type: Option<String>,
    pub source_type: Option<String>,
    pub played_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    #[error("{field}: {message}")]
    Field {
        field: &'static str,
        message: String,
    },
    /// A play dated before the Unix epoch: a client's clock or arithmetic gone wrong (a zero or
    /// negative timestamp), never a real play; it would sit first in every history forever.
    #[error("played_at: dates before 1970 are refused")]
    BeforeEpoch,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

fn field(field: &'static str, message: impl Into<String>) -> PlayError {
    PlayError::Field {
        field,
        message: message.into(),
    }
}

fn one_of(
    name: &'static str,
    value: Option<String>,
    allowed: &[&str],
) -> Result<Option<String>, PlayError> {
    match value {
        None => Ok(None),
        Some(v) if allowed.contains(&v.as_str()) => Ok(Some(v)),
        Some(_) => Err(field(
            name,
            format!("must be one of {}", allowed.join(", ")),
        )),
    }
}

/// Checks a reported play against its track and records it; the track's `play_count` follows
/// by trigger.
pub async fn record(storage: &Storage, user_id: Id, req: PlayRequest) -> Result<Play, PlayError> {
    let device_type = one_of("device_type", req.device_type, DEVICE_TYPES)?;
    let source_type = one_of("source_type", req.source_type, SOURCE_TYPES)?;
    let now = Utc::now();
    let played_at = req.played_at.unwrap_or(now);
    if played_at < DateTime::UNIX_EPOCH {
        return Err(PlayError::BeforeEpoch);
    }
    if played_at > now + FUTURE_SKEW {
        return Err(field("played_at", "is in the future"));
    }
    if req.duration_played < 0 {
        return Err(field("duration_played", "must not be negative"));
    }
    let track = match storage.track(req.track_id).await {
        Ok(track) => track,
        Err(StorageError::NotFound) => return Err(field("track_id", "names no track")),
        Err(err) => return Err(err.into()),
    };
    let length = i64::from(track.duration_seconds);
    let most = if length == 0 {
        MAX_PLAY_SECONDS
    } else {
        length + MIN_SLACK_SECONDS.max(length / 10)
    };
    if req.duration_played > most {
        return Err(field(
            "duration_played",
            format!("is longer than the track ({length} s) allows: at most {most} s"),
        ));
    }
    let duration_played =
        i32::try_from(req.duration_played).map_err(|_| field("duration_played", "is too large"))?;
    let play = storage
        .record_play(&NewPlay {
            user_id,
            track_id: track.id,
            played_at,
            duration_played,
            device_type,
            source_type,
        })
        .await?;
    Ok(play)
}
