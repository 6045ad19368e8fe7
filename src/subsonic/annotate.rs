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
use crate::storage::{Id, StorageError};

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

/// `star` and `unstar`: songs are liked, albums liked, artists followed. `id` names any of
/// them (by its `tr-`/`al-`/`ar-` prefix; a bare UUID is looked for as a song, an album, then
/// an artist), `albumId` albums and `artistId` artists, each repeatable. As with the leading
/// server, a request naming several things never fails as a whole: what exists is starred,
/// unknown ids are skipped, and starring twice is starring once. Only a request in which
/// nothing exists fails (not found).
pub async fn star(ctx: &Ctx<'_>, on: bool) -> Result<(), SubsonicError> {
    let p = ctx.params;
    let named: Vec<(Option<Kind>, &str)> = p
        .all("id")?
        .iter()
        .map(|raw| (None, raw.as_str()))
        .chain(
            p.all("albumId")?
                .iter()
                .map(|raw| (Some(Kind::Album), raw.as_str())),
        )
        .chain(
            p.all("artistId")?
                .iter()
                .map(|raw| (Some(Kind::Artist), raw.as_str())),
        )
        .filter(|(_, raw)| !raw.is_empty())
        .collect();
    if named.is_empty() {
        return Err(SubsonicError::Missing("id"));
    }
    let mut starred = 0;
    for (kind, raw) in named {
        if let Some(target) = resolve(ctx, kind, raw).await? {
            set_star(ctx, target, on).await?;
            starred += 1;
        }
    }
    if starred == 0 {
        return Err(SubsonicError::NotFound("song, album or artist"));
    }
    Ok(())
}

/// The existing song, album or artist an id names, if any. `kind` is what the parameter
/// names (`albumId`, `artistId`); `id` may name any kind.
async fn resolve(
    ctx: &Ctx<'_>,
    kind: Option<Kind>,
    raw: &str,
) -> Result<Option<(Kind, Id)>, SubsonicError> {
    let Some((prefixed, id)) = views::parse(raw, Kind::Track) else {
        return Ok(None);
    };
    let has_prefix = views::id(prefixed, id) == raw;
    let candidates = match (kind, has_prefix) {
        (Some(wanted), true) if wanted != prefixed => vec![],
        (Some(wanted), _) => vec![wanted],
        (None, true) => vec![prefixed],
        (None, false) => vec![Kind::Track, Kind::Album, Kind::Artist],
    };
    for candidate in candidates {
        let found = match candidate {
            Kind::Track => ctx.storage.cached_track(id).await.map(|_| ()),
            Kind::Album => ctx.storage.cached_album(id).await.map(|_| ()),
            Kind::Artist => ctx.storage.cached_artist(id).await.map(|_| ()),
            Kind::Playlist => continue,
        };
        match found {
            Ok(()) => return Ok(Some((candidate, id))),
            Err(StorageError::NotFound) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(None)
}

/// Stars or unstars one thing that exists; doing what is done already is no error.
async fn set_star(ctx: &Ctx<'_>, (kind, id): (Kind, Id), on: bool) -> Result<(), SubsonicError> {
    let user = ctx.user.id;
    let s = ctx.storage;
    let result = match (kind, on) {
        (Kind::Track, true) => s.add_favorite(user, id).await,
        (Kind::Track, false) => s.remove_favorite(user, id).await,
        (Kind::Album, true) => s.like_album(user, id).await,
        (Kind::Album, false) => s.unlike_album(user, id).await,
        (Kind::Artist, true) => s.follow_artist(user, id).await,
        (Kind::Artist, false) => s.unfollow_artist(user, id).await,
        (Kind::Playlist, _) => return Ok(()),
    };
    match result {
        // Starred already, or not starred: done. Invalid: it went away meanwhile.
        Ok(())
        | Err(StorageError::Conflict(_) | StorageError::NotFound | StorageError::Invalid(_)) => {
            Ok(())
        }
        Err(other) => Err(other.into()),
    }
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
    let ids = p.all("id")?;
    if ids.is_empty() {
        return Err(SubsonicError::Missing("id"));
    }
    // Clients write false as "false", "False" (Python) or "0".
    let submission = p
        .get("submission")
        .is_none_or(|s| !(s.eq_ignore_ascii_case("false") || s == "0"));
    let times = p.all("time")?;
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
    let mut tracks = Vec::new();
    let mut who = Vec::new();
    for (client, playing) in current {
        let Ok(track) = track_summary(ctx, playing.track).await else {
            continue;
        };
        tracks.push(track);
        who.push((client, playing));
    }
    // The entries are the listeners' songs; the star, rating and last play shown are the
    // caller's own, as on every song entry.
    let entries = super::browse::songs(ctx, "entry", &tracks).await?;
    Ok(
        Node::new("nowPlaying").list(entries.into_iter().zip(who).map(
            |(entry, (client, playing))| {
                let entry = entry
                    .attr("username", playing.username)
                    .attr("minutesAgo", (now - playing.since).num_minutes())
                    .attr("playerId", 0)
                    .opt("playerName", Some(client).filter(|c| !c.is_empty()));
                match playing.report {
                    Some(report) => report.describe(entry, playing.since, now),
                    None => entry,
                }
            },
        )),
    )
}
