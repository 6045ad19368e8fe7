//! The play queue shared by a user's devices (getPlayQueue / savePlayQueue, and OpenSubsonic's
//! index-based `…ByIndex` pair) and bookmarks (getBookmarks / createBookmark / deleteBookmark).
//! The web player reads and writes the same queue through `/api/v1/me/queue`.

use chrono::{DateTime, Utc};

use super::Ctx;
use super::browse::songs;
use super::error::SubsonicError;
use super::response::Node;
use super::views::{self, Kind};
use crate::play_queue::{self, PlayQueue, QueueError, QueueRequest};
use crate::storage::{Id, StorageError};

/// The longest bookmark comment kept (the column's check says the same).
const MAX_COMMENT_CHARS: usize = 1000;

impl From<QueueError> for SubsonicError {
    fn from(err: QueueError) -> Self {
        match err {
            QueueError::TooLong(_) => SubsonicError::Invalid("id", err.to_string()),
            QueueError::CurrentOutOfRange { .. } => {
                SubsonicError::OutOfRange("currentIndex", err.to_string())
            }
            QueueError::NegativePosition => SubsonicError::Invalid("position", err.to_string()),
            QueueError::UnknownTrack(_) | QueueError::TrackDeleted => {
                SubsonicError::NotFound("song")
            }
            QueueError::Storage(inner) => inner.into(),
        }
    }
}

/// `getPlayQueue` (`by_index`: `getPlayQueueByIndex`). A user who never saved a queue gets an
/// empty one "changed" at the epoch, so no client prefers it to what it has.
pub async fn get(ctx: &Ctx<'_>, by_index: bool) -> Result<Node, SubsonicError> {
    let queue = ctx.storage.play_queue(ctx.user.id).await?;
    let (changed, changed_by) = match &queue {
        Some(q) => (q.changed_at, q.changed_by.clone()),
        None => (DateTime::<Utc>::UNIX_EPOCH, String::new()),
    };
    let PlayQueue {
        tracks,
        current_index,
        position_ms,
        ..
    } = queue.unwrap_or(PlayQueue {
        tracks: Vec::new(),
        current_index: None,
        position_ms: 0,
        changed_at: changed,
        changed_by: String::new(),
    });
    let node = if by_index {
        Node::new("playQueueByIndex").opt("currentIndex", current_index.map(|i| i as i64))
    } else {
        let current = current_index
            .and_then(|i| tracks.get(i))
            .map(|t| views::id(Kind::Track, t.id));
        Node::new("playQueue").opt("current", current)
    };
    let node = node
        .attr(
            "position",
            if current_index.is_some() {
                position_ms
            } else {
                0
            },
        )
        .attr("username", ctx.user.username.as_str())
        .attr("changed", views::time(changed))
        .attr("changedBy", changed_by);
    Ok(node.list(songs(ctx, "entry", &tracks).await?))
}

/// `savePlayQueue` (`current` is a song id, which must be in the list) and
/// `savePlayQueueByIndex` (`currentIndex`). No `id` at all clears the queue.
pub async fn save(ctx: &Ctx<'_>, by_index: bool) -> Result<(), SubsonicError> {
    let p = ctx.params;
    let ids = p
        .all("id")?
        .iter()
        .map(|raw| views::expect(Some(raw), "id", Kind::Track))
        .collect::<Result<Vec<Id>, _>>()?;
    let current_index = if ids.is_empty() {
        None
    } else if by_index {
        p.required("currentIndex")?;
        Some(p.int("currentIndex", 0, i64::MIN, i64::MAX)?)
    } else {
        let current = views::expect(p.get("current"), "current", Kind::Track)?;
        let index = ids.iter().position(|id| *id == current).ok_or_else(|| {
            SubsonicError::OutOfRange("current", "the current song is not in the queue".into())
        })?;
        Some(index as i64)
    };
    let position_ms = p.int("position", 0, i64::MIN, i64::MAX)?;
    let request = QueueRequest {
        track_ids: &ids,
        current_index,
        position_ms,
        client: p.get("c").unwrap_or_default(),
    };
    Ok(play_queue::save(ctx.storage, ctx.user.id, request).await?)
}

pub async fn bookmarks(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let marks = ctx.storage.bookmarks(ctx.user.id).await?;
    let tracks: Vec<_> = marks.iter().map(|m| m.track.clone()).collect();
    // One read of file facts and marks for every bookmark's song, in the bookmarks' order.
    let entries = songs(ctx, "entry", &tracks).await?;
    let nodes = marks.into_iter().zip(entries).map(|(mark, entry)| {
        Node::new("bookmark")
            .attr("position", mark.position_ms)
            .attr("username", ctx.user.username.as_str())
            .opt("comment", mark.comment)
            .attr("created", views::time(mark.created_at))
            .attr("changed", views::time(mark.changed_at))
            .child(entry)
    });
    Ok(Node::new("bookmarks").list(nodes))
}

/// `createBookmark`: creates the bookmark, or moves the one the user has in that song.
pub async fn create_bookmark(ctx: &Ctx<'_>) -> Result<(), SubsonicError> {
    let p = ctx.params;
    let id = views::expect(p.get("id"), "id", Kind::Track)?;
    p.required("position")?;
    let position = p.int("position", 0, i64::MIN, i64::MAX)?;
    if position < 0 {
        return Err(SubsonicError::Invalid(
            "position",
            "must be 0 or more milliseconds".into(),
        ));
    }
    let comment = p.get("comment").map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(SubsonicError::Invalid(
            "comment",
            format!("at most {MAX_COMMENT_CHARS} characters"),
        ));
    }
    ctx.storage
        .save_bookmark(ctx.user.id, id, position, comment, Utc::now())
        .await
        .map_err(|err| match err {
            StorageError::Invalid(_) | StorageError::NotFound => SubsonicError::NotFound("song"),
            other => other.into(),
        })
}

/// `deleteBookmark`: removing a bookmark that is not there is not an error (a client retrying
/// after a lost answer must not be told it failed).
pub async fn delete_bookmark(ctx: &Ctx<'_>) -> Result<(), SubsonicError> {
    let id = views::expect(ctx.params.get("id"), "id", Kind::Track)?;
    ctx.storage.delete_bookmark(ctx.user.id, id).await?;
    Ok(())
}
