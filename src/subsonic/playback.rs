//! OpenSubsonic `reportPlayback` (the `playbackReport` extension): a client's playback state
//! and position, shown by getNowPlaying, and a play in the history when a report of `stopped`
//! says enough was heard. And `jukeboxControl`, which Juke does not offer.

use chrono::{DateTime, Utc};

use super::Ctx;
use super::annotate::{NowPlaying, Playing};
use super::error::SubsonicError;
use super::response::Node;
use super::views::{self, Kind};
use crate::listening::{self, PlayError, PlayRequest};

/// The fastest playback rate taken (players offer up to 3 or 4 for audiobooks).
const MAX_RATE: f64 = 16.0;

/// A play counts once this much was heard (the rule scrobbling services use) ...
const COUNTS_AFTER_SECONDS: i64 = 4 * 60;
/// ... or half the track, whichever comes first; tracks shorter than this never count.
const SHORTEST_COUNTED_SECONDS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Starting,
    Playing,
    Paused,
    Stopped,
}

impl State {
    fn parse(raw: &str) -> Option<State> {
        match raw {
            "starting" => Some(State::Starting),
            "playing" => Some(State::Playing),
            "paused" => Some(State::Paused),
            "stopped" => Some(State::Stopped),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            State::Starting => "starting",
            State::Playing => "playing",
            State::Paused => "paused",
            State::Stopped => "stopped",
        }
    }
}

/// The last report of a client, as getNowPlaying shows it.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    state: State,
    position_ms: i64,
    rate: f64,
}

impl Report {
    /// Adds the OpenSubsonic fields to a now-playing entry. While playing, the position moves
    /// on from the last report at its rate, as the spec asks.
    pub fn describe(&self, entry: Node, reported: DateTime<Utc>, now: DateTime<Utc>) -> Node {
        let position = match self.state {
            State::Playing => {
                let elapsed = (now - reported).num_milliseconds().max(0) as f64;
                self.position_ms + (elapsed * self.rate) as i64
            }
            _ => self.position_ms,
        };
        entry
            .attr("state", self.state.name())
            .attr("positionMs", position)
            .attr("playbackRate", self.rate)
    }
}

pub async fn report(ctx: &Ctx<'_>, now_playing: &NowPlaying) -> Result<(), SubsonicError> {
    let p = ctx.params;
    let id = views::expect(p.get("mediaId"), "mediaId", Kind::Track)?;
    match p.required("mediaType")? {
        "song" => {}
        // Juke has no podcasts: no such media can exist.
        "podcast" => return Err(SubsonicError::NotFound("podcast episode")),
        other => {
            return Err(SubsonicError::Invalid(
                "mediaType",
                format!("{other:?} is neither song nor podcast"),
            ));
        }
    }
    p.required("positionMs")?;
    let position_ms = p.int("positionMs", 0, i64::MIN, i64::MAX)?;
    if position_ms < 0 {
        return Err(SubsonicError::Invalid(
            "positionMs",
            "must be 0 or more".into(),
        ));
    }
    let raw_state = p.required("state")?;
    let state = State::parse(raw_state).ok_or_else(|| {
        SubsonicError::Invalid(
            "state",
            format!("{raw_state:?} is not starting, playing, paused or stopped"),
        )
    })?;
    let rate = match p.get("playbackRate").filter(|r| !r.is_empty()) {
        None => 1.0,
        Some(raw) => raw
            .parse::<f64>()
            .ok()
            .filter(|r| r.is_finite() && *r > 0.0 && *r <= MAX_RATE)
            .ok_or_else(|| {
                SubsonicError::Invalid(
                    "playbackRate",
                    format!("{raw:?} is not a rate above 0 and at most {MAX_RATE}"),
                )
            })?,
    };
    let ignore_scrobble = p
        .get("ignoreScrobble")
        .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    let track = ctx
        .storage
        .track(id)
        .await
        .map_err(|_| SubsonicError::NotFound("song"))?;
    let client = p.get("c").unwrap_or_default();
    if state == State::Stopped {
        now_playing.stop(ctx.user.id, client);
        let heard = position_ms / 1000;
        let duration = i64::from(track.duration_seconds);
        if !ignore_scrobble && counts_as_played(heard, duration) {
            let request = PlayRequest {
                track_id: id,
                duration_played: if duration > 0 {
                    heard.min(duration)
                } else {
                    heard
                },
                device_type: Some("other".into()),
                source_type: None,
                played_at: None,
            };
            listening::record(ctx.storage, ctx.user.id, request)
                .await
                .map_err(|err| match err {
                    PlayError::Field { field, message } => SubsonicError::Invalid(
                        if field == "duration_played" {
                            "positionMs"
                        } else {
                            "mediaId"
                        },
                        message,
                    ),
                    PlayError::BeforeEpoch => SubsonicError::Internal(err.to_string()),
                    PlayError::Storage(inner) => inner.into(),
                })?;
        }
        return Ok(());
    }
    now_playing.set(
        ctx.user.id,
        client,
        Playing {
            track: track.id,
            username: ctx.user.username.clone(),
            since: Utc::now(),
            report: Some(Report {
                state,
                position_ms,
                rate,
            }),
        },
    );
    Ok(())
}

/// Half the track or four minutes heard, on a track of 30 seconds or more (a track of unknown
/// length: four minutes).
fn counts_as_played(heard_seconds: i64, duration_seconds: i64) -> bool {
    if duration_seconds <= 0 {
        return heard_seconds >= COUNTS_AFTER_SECONDS;
    }
    duration_seconds >= SHORTEST_COUNTED_SECONDS
        && heard_seconds >= (duration_seconds / 2).min(COUNTS_AFTER_SECONDS)
}

/// `jukeboxControl`: Juke plays on the listener's own devices only, never on the server's
/// sound card, so every action is refused with error 50 (not authorized), as `getUser` says
/// with `jukeboxRole="false"`.
pub fn jukebox() -> SubsonicError {
    SubsonicError::NotAuthorized(
        "Juke has no jukebox: music plays on your own devices (jukeboxControl is not supported)"
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_play_counts_after_half_or_four_minutes() {
        assert!(counts_as_played(100, 200));
        assert!(!counts_as_played(99, 200));
        assert!(counts_as_played(240, 3600));
        assert!(!counts_as_played(239, 3600));
        assert!(!counts_as_played(20, 20), "too short to count");
        assert!(counts_as_played(240, 0));
        assert!(!counts_as_played(60, 0));
    }

    #[test]
    fn the_position_moves_on_while_playing() {
        let at = Utc::now();
        let later = at + chrono::Duration::seconds(10);
        let playing = Report {
            state: State::Playing,
            position_ms: 1000,
            rate: 1.5,
        };
        let json = super::super::response::to_json(&playing.describe(Node::new("e"), at, later));
        assert_eq!(json["e"]["positionMs"], 16_000);
        assert_eq!(json["e"]["state"], "playing");
        let paused = Report {
            state: State::Paused,
            ..playing
        };
        let json = super::super::response::to_json(&paused.describe(Node::new("e"), at, later));
        assert_eq!(json["e"]["positionMs"], 1000);
    }
}
