//! Starring (Juke's likes and follows), scrobbling (play history) and now playing.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, TimeZone, Utc};

use super::Ctx;
use super::browse::track_summary;
use super::error::SubsonicError;
use super::response::Node;
use super::views::{self, Kind};
use crate::listening::{self, PlayError, PlayRequest};
use crate::storage::Id;

/// A "now playing" report older than this is no longer shown.
const NOW_PLAYING_MINUTES: i64 = 10;

/// What each user last said they were playing on each client (`c`): a scrobble with
/// submission=false, or OpenSubsonic's reportPlayback with its state and position.
#[derive(Default)]
pub struct NowPlaying(Mutex<HashMap<(Id, String), Playing>>);

#[derive(Clone)]
pub(super) struct Playing {
    pub track: Id,
    pub username: String,
    pub since: DateTime<Utc>,
    /// Set by reportPlayback; a scrobble says nothing of state or position.
    pub report: Option<super::playback::Report>,
}

impl NowPlaying {
    pub(super) fn set(&self, user: Id, client: &str, playing: Playing) {
        if let Ok(mut map) = self.0.lock() {
            map.insert((user, client.to_owned()), playing);
        }
    }

    pub(super) fn stop(&self, user: Id, client: &str) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(&(user, client.to_owned()));
        }
    }
}

/// `star` and `unstar`: `id` songs are liked, `artistId` artists followed. Juke does not star
/// albums: an `albumId` is refused rather than silently dropped.
pub async fn star(ctx: &Ctx<'_>, on: bool) -> Result<(), SubsonicError> {
    let p = ctx.params;
    if !p.all("albumId").is_empty() {
        return Err(SubsonicError::Invalid(
            "albumId",
            "Juke stars songs and artists, not albums".into(),
        ));
    }
    let mut songs = Vec::new();
    for raw in p.all("id") {
        match views::parse(raw, Kind::Track) {
            Some((Kind::Track, id)) => songs.push(id),
            Some((Kind::Artist, id)) => {
                star_artist(ctx, id, on).await?;
            }
            _ => return Err(SubsonicError::NotFound("song")),
        }
    }
    for raw in p.all("artistId") {
        let id = views::expect(Some(raw), "artistId", Kind::Artist)?;
        star_artist(ctx, id, on).await?;
    }
    if songs.is_empty() && p.all("artistId").is_empty() && p.all("id").is_empty() {
        return Err(SubsonicError::Missing("id"));
    }
    for id in songs {
        let result = if on {
            ctx.storage.add_favorite(ctx.user.id, id).await
        } else {
            ctx.storage.remove_favorite(ctx.user.id, id).await
        };
        result.map_err(|err| match err {
            crate::storage::StorageError::NotFound | crate::storage::StorageError::Invalid(_) => {
                SubsonicError::NotFound("song")
            }
            other => other.into(),
        })?;
    }
    Ok(())
}

async fn star_artist(ctx: &Ctx<'_>, id: Id, on: bool) -> Result<(), SubsonicError> {
    let result = if on {
        ctx.storage.follow_artist(ctx.user.id, id).await
    } else {
        ctx.storage.unfollow_artist(ctx.user.id, id).await
    };
    result.map_err(|err| match err {
        crate::storage::StorageError::NotFound | crate::storage::StorageError::Invalid(_) => {
            SubsonicError::NotFound("artist")
        }
        other => other.into(),
    })
}

/// `setRating`: 1–5 stars for a song, 0 to remove them.
pub async fn set_rating(ctx: &Ctx<'_>) -> Result<(), SubsonicError> {
    let id = views::expect(ctx.params.get("id"), "id", Kind::Track)?;
    ctx.params.required("rating")?;
    let rating = ctx.params.int("rating", 0, i64::MIN, i64::MAX)?;
    if !(0..=5).contains(&rating) {
        return Err(SubsonicError::Invalid("rating", "must be 0 to 5".into()));
    }
    ctx.storage
        .track(id)
        .await
        .map_err(|_| SubsonicError::NotFound("song"))?;
    ctx.storage
        .set_rating(ctx.user.id, id, rating as i32)
        .await
        .map_err(|err| match err {
            crate::storage::StorageError::Invalid(_) => SubsonicError::NotFound("song"),
            other => other.into(),
        })
}

/// `scrobble`: with `submission=true` (the default) each `id` is a play in the history (the
/// play count follows); with `false` it is what the user is playing now.
pub async fn scrobble(ctx: &Ctx<'_>, now_playing: &NowPlaying) -> Result<(), SubsonicError> {
    let p = ctx.params;
    let ids = p.all("id");
    if ids.is_empty() {
        return Err(SubsonicError::Missing("id"));
    }
    // Clients write false as "false", "False" (Python) or "0".
    let submission = p
        .get("submission")
        .is_none_or(|s| !(s.eq_ignore_ascii_case("false") || s == "0"));
    let times = p.all("time");
    for (i, raw) in ids.iter().enumerate() {
        let id = views::expect(Some(raw), "id", Kind::Track)?;
        if !submission {
            let track = ctx
                .storage
                .track(id)
                .await
                .map_err(|_| SubsonicError::NotFound("song"))?;
            now_playing.set(
                ctx.user.id,
                p.get("c").unwrap_or_default(),
                Playing {
                    track: track.id,
                    username: ctx.user.username.clone(),
                    since: Utc::now(),
                    report: None,
                },
            );
            continue;
        }
        let played_at = match times.get(i) {
            Some(ms) => Some(
                ms.parse::<i64>()
                    .ok()
                    .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
                    .ok_or_else(|| {
                        SubsonicError::Invalid(
                            "time",
                            format!("{ms:?} is not a time in milliseconds"),
                        )
                    })?,
            ),
            None => None,
        };
        let track = ctx
            .storage
            .track(id)
            .await
            .map_err(|_| SubsonicError::NotFound("song"))?;
        // Subsonic scrobbles say a song was played, not for how long: it counts as heard whole.
        let request = PlayRequest {
            track_id: id,
            duration_played: i64::from(track.duration_seconds),
            device_type: Some("other".into()),
            source_type: None,
            played_at,
        };
        listening::record(ctx.storage, ctx.user.id, request)
            .await
            .map_err(|err| match err {
                PlayError::Field { field, message } => SubsonicError::Invalid(
                    if field == "played_at" { "time" } else { "id" },
                    message,
                ),
                PlayError::BeforeEpoch => {
                    SubsonicError::Invalid("time", "dates before 1970 are refused".into())
                }
                PlayError::Storage(err) => err.into(),
            })?;
    }
    Ok(())
}

pub async fn now_playing(ctx: &Ctx<'_>, now_playing: &NowPlaying) -> Result<Node, SubsonicError> {
    let cutoff = Utc::now() - chrono::Duration::minutes(NOW_PLAYING_MINUTES);
    let mut current: Vec<_> = match now_playing.0.lock() {
        Ok(mut map) => {
            map.retain(|_, playing| playing.since > cutoff);
            map.iter()
                .map(|((_, client), playing)| (client.clone(), playing.clone()))
                .collect()
        }
        Err(_) => Vec::new(),
    };
    // Newest first, so the answer does not change order with the map's hashing.
    current.sort_by_key(|c| std::cmp::Reverse(c.1.since));
    let now = Utc::now();
    let mut entries = Vec::new();
    for (client, playing) in current {
        let Ok(track) = track_summary(ctx, playing.track).await else {
            continue;
        };
        let mut entry = views::song("entry", &track, None)
            .attr("username", playing.username)
            .attr("minutesAgo", (now - playing.since).num_minutes())
            .attr("playerId", 0)
            .opt("playerName", Some(client).filter(|c| !c.is_empty()));
        if let Some(report) = playing.report {
            entry = report.describe(entry, playing.since, now);
        }
        entries.push(entry);
    }
    Ok(Node::new("nowPlaying").list(entries))
}
