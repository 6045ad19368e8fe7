//! getShares, createShare, updateShare and deleteShare: the same public links as the web
//! player's "Share" (see [`crate::shares`]), each with the songs it plays.

use chrono::{DateTime, TimeZone, Utc};

use super::browse::songs;
use super::error::SubsonicError;
use super::response::Node;
use super::views::{self, Kind};
use super::{Ctx, Services};
use crate::shares::{self, ShareError};
use crate::storage::{Id, Share, ShareTarget, StorageError};

pub async fn list(ctx: &Ctx<'_>, s: &Services<'_>) -> Result<Node, SubsonicError> {
    let mine = ctx.storage.shares_of(ctx.user.id).await?;
    let mut nodes = Vec::with_capacity(mine.len());
    for share in mine {
        nodes.push(share_node(ctx, s, share).await?);
    }
    Ok(Node::new("shares").list(nodes))
}

/// `id` names one song, album or playlist (by its prefix; a bare UUID is looked for as each
/// in turn). Answers the new share, as `getShares` would list it.
pub async fn create(ctx: &Ctx<'_>, s: &Services<'_>) -> Result<Node, SubsonicError> {
    let ids: Vec<&str> = ctx
        .params
        .all("id")?
        .iter()
        .map(String::as_str)
        .filter(|raw| !raw.is_empty())
        .collect();
    let raw = match ids.as_slice() {
        [] => return Err(SubsonicError::Missing("id")),
        [one] => *one,
        _ => {
            return Err(SubsonicError::Invalid(
                "id",
                "a share plays one song, album or playlist: give one id".into(),
            ));
        }
    };
    let target = target(ctx, raw).await?;
    let share = shares::create(
        ctx.storage,
        &s.config.shares,
        ctx.user,
        target,
        ctx.params.get("description"),
        expires(ctx)?,
    )
    .await
    .map_err(share_error)?;
    // A list of one, as getShares lists it: apps read `shares.share[0]`.
    Ok(Node::new("shares").list([share_node(ctx, s, share).await?]))
}

/// Subsonic sends what changes: an absent description or expiry is kept.
pub async fn update(ctx: &Ctx<'_>, s: &Services<'_>) -> Result<(), SubsonicError> {
    let id = share_id(ctx)?;
    shares::update(
        ctx.storage,
        &s.config.shares,
        ctx.user,
        id,
        ctx.params.get("description").map(Some),
        expires(ctx)?,
    )
    .await
    .map_err(share_error)?;
    Ok(())
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<(), SubsonicError> {
    let id = share_id(ctx)?;
    shares::delete(ctx.storage, ctx.user, id)
        .await
        .map_err(share_error)
}

async fn share_node(ctx: &Ctx<'_>, s: &Services<'_>, share: Share) -> Result<Node, SubsonicError> {
    let tracks = match ctx.storage.share_tracks(share.target()).await {
        Ok(tracks) => tracks,
        // Its target went away between the two reads: the share goes with it.
        Err(StorageError::NotFound) => Vec::new(),
        Err(other) => return Err(other.into()),
    };
    let entries = songs(ctx, "entry", &tracks).await?;
    Ok(Node::new("share")
        .attr("id", share.id.to_string())
        .attr("url", shares::link(s.link_base, &share.token))
        .opt("description", share.description.clone())
        .attr("username", share.username.as_str())
        .attr("created", views::time(share.created_at))
        .attr("expires", views::time(share.expires_at))
        .opt("lastVisited", share.last_visited_at.map(views::time))
        .attr("visitCount", share.visit_count)
        .list(entries))
}

async fn target(ctx: &Ctx<'_>, raw: &str) -> Result<ShareTarget, SubsonicError> {
    let (kind, id) =
        views::parse(raw, Kind::Track).ok_or(SubsonicError::NotFound("song, album or playlist"))?;
    let candidates: &[Kind] = if views::id(kind, id) == raw {
        &[kind]
    } else {
        &[Kind::Track, Kind::Album, Kind::Playlist]
    };
    for candidate in candidates {
        let found = match candidate {
            Kind::Track => ctx
                .storage
                .cached_track(id)
                .await
                .map(|_| ShareTarget::Track(id)),
            Kind::Album => ctx
                .storage
                .cached_album(id)
                .await
                .map(|_| ShareTarget::Album(id)),
            Kind::Playlist => ctx
                .storage
                .playlist(id)
                .await
                .map(|_| ShareTarget::Playlist(id)),
            Kind::Artist => {
                return Err(SubsonicError::Invalid(
                    "id",
                    "an artist cannot be shared: share a song, album or playlist".into(),
                ));
            }
        };
        match found {
            Ok(target) => return Ok(target),
            Err(StorageError::NotFound) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Err(SubsonicError::NotFound("song, album or playlist"))
}

/// `expires`: milliseconds since 1970; absent or 0 leaves it to the server.
fn expires(ctx: &Ctx<'_>) -> Result<Option<DateTime<Utc>>, SubsonicError> {
    match ctx.params.int("expires", 0, 0, i64::MAX)? {
        0 => Ok(None),
        ms => Utc
            .timestamp_millis_opt(ms)
            .single()
            .map(Some)
            .ok_or_else(|| SubsonicError::Invalid("expires", "is not a time".into())),
    }
}

fn share_id(ctx: &Ctx<'_>) -> Result<Id, SubsonicError> {
    ctx.params
        .required("id")?
        .parse()
        .map_err(|_| SubsonicError::NotFound("share"))
}

fn share_error(err: ShareError) -> SubsonicError {
    match err {
        ShareError::Disabled => SubsonicError::NotAuthorized(err.to_string()),
        ShareError::TooMany => SubsonicError::Unavailable(err.to_string()),
        ShareError::Expired | ShareError::Storage(StorageError::NotFound) => {
            SubsonicError::NotFound("share, song, album or playlist")
        }
        ShareError::Field(field) => SubsonicError::Invalid(
            if field.field == "expires_at" {
                "expires"
            } else {
                field.field
            },
            field.message,
        ),
        ShareError::Storage(other) => other.into(),
    }
}
