//! `/api/v1/me/queue`: the web player's side of the play queue a user's Subsonic apps share
//! (getPlayQueue / savePlayQueue), so listening moves between the browser and the phone.

use actix_web::{HttpResponse, get, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::ApiError;
use super::body::Json;
use super::extract::AuthUser;
use super::views::PlayQueueView;
use crate::play_queue::{self, QueueError, QueueRequest};
use crate::storage::{Id, Storage};

/// The name `changed_by` shows when the web player does not give one.
const WEB_PLAYER: &str = "Juke web player";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(get_queue).service(put_queue);
}

/// The queue to save: its tracks in order (at most 1,000; the same track may repeat), the
/// current one's index (required unless the list is empty; an empty list clears the queue),
/// where in it, and who is saving.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PlayQueueSave)]
pub(super) struct QueueBody {
    track_ids: Vec<Id>,
    current_index: Option<i64>,
    #[serde(default)]
    position_ms: i64,
    client: Option<String>,
}

impl From<QueueError> for ApiError {
    fn from(err: QueueError) -> Self {
        let message = err.to_string();
        match err {
            QueueError::TooLong(_) => ApiError::PayloadTooLarge(message),
            QueueError::CurrentOutOfRange { .. } => ApiError::InvalidField {
                field: "current_index",
                message,
            },
            QueueError::NegativePosition => ApiError::InvalidField {
                field: "position_ms",
                message,
            },
            QueueError::UnknownTrack(_) | QueueError::TrackDeleted => ApiError::InvalidField {
                field: "track_ids",
                message,
            },
            QueueError::Storage(inner) => inner.into(),
        }
    }
}

#[get("/me/queue")]
async fn get_queue(me: AuthUser, storage: web::Data<Storage>) -> Result<HttpResponse, ApiError> {
    let queue = storage.play_queue(me.user.id).await?;
    Ok(HttpResponse::Ok().json(PlayQueueView::from(queue)))
}

/// 204; 413 beyond 1,000 entries; 422 naming the field for an index outside the list or an
/// unknown track.
#[put("/me/queue")]
async fn put_queue(
    me: AuthUser,
    body: Json<QueueBody>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let client = body
        .client
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or(WEB_PLAYER);
    let request = QueueRequest {
        track_ids: &body.track_ids,
        current_index: body.current_index,
        position_ms: body.position_ms,
        client,
    };
    play_queue::save(&storage, me.user.id, request).await?;
    Ok(HttpResponse::NoContent().finish())
}
