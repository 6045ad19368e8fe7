//! The rules a saved play queue meets, whichever front end saves it (Subsonic's
//! `savePlayQueue`/`savePlayQueueByIndex`, the web player's `PUT /api/v1/me/queue`): one queue
//! per user, at most [`MAX_QUEUE_ENTRIES`] entries, the current index inside the list, tracks
//! that exist.

use std::collections::HashSet;

use chrono::Utc;

use crate::storage::{Id, QueueSave, Storage, StorageError};
pub use crate::storage::{MAX_QUEUE_ENTRIES, PlayQueue};

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("a play queue holds at most {MAX_QUEUE_ENTRIES} entries, this one has {0}")]
    TooLong(usize),
    #[error("the current index {index} is outside the queue of {len} entries")]
    CurrentOutOfRange { index: i64, len: usize },
    #[error("the position must be 0 or more milliseconds")]
    NegativePosition,
    #[error("no track has the id {0}")]
    UnknownTrack(Id),
    #[error("a track in the queue was deleted while it was being saved: try again")]
    TrackDeleted,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a client asks to save.
#[derive(Debug, Clone)]
pub struct QueueRequest<'a> {
    pub track_ids: &'a [Id],
    /// Required unless `track_ids` is empty; then ignored.
    pub current_index: Option<i64>,
    pub position_ms: i64,
    pub client: &'a str,
}

/// Checks and saves the user's queue. An empty list clears it.
pub async fn save(
    storage: &Storage,
    user_id: Id,
    request: QueueRequest<'_>,
) -> Result<(), QueueError> {
    let len = request.track_ids.len();
    if len > MAX_QUEUE_ENTRIES {
        return Err(QueueError::TooLong(len));
    }
    if request.position_ms < 0 {
        return Err(QueueError::NegativePosition);
    }
    let current_index = if len == 0 {
        0
    } else {
        let index = request.current_index.unwrap_or(-1);
        match usize::try_from(index) {
            Ok(i) if i < len => i,
            _ => return Err(QueueError::CurrentOutOfRange { index, len }),
        }
    };
    // Named here rather than left to the foreign key, so the client hears which id is wrong.
    let wanted: HashSet<Id> = request.track_ids.iter().copied().collect();
    let wanted: Vec<Id> = wanted.into_iter().collect();
    let found: HashSet<Id> = storage
        .existing_track_ids(&wanted)
        .await?
        .into_iter()
        .collect();
    if let Some(missing) = request.track_ids.iter().find(|id| !found.contains(id)) {
        return Err(QueueError::UnknownTrack(*missing));
    }
    let save = QueueSave {
        track_ids: request.track_ids,
        current_index,
        position_ms: request.position_ms,
        changed_by: request.client.trim(),
    };
    match storage.save_play_queue(user_id, &save, Utc::now()).await {
        // A track deleted between the check and the write.
        Err(StorageError::Invalid(_)) => Err(QueueError::TrackDeleted),
        other => Ok(other?),
    }
}
