//! Shares as their owners see them, and as a visitor's page does.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::storage::{Id, Share, TrackSummary};

/// One of my public links.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareView {
    pub id: Id,
    /// The link to send: it plays without an account until it expires or is deleted.
    pub url: String,
    /// track | album | playlist
    pub kind: &'static str,
    pub target_id: Id,
    /// The track's, album's or playlist's title.
    pub title: String,
    pub description: Option<String>,
    pub username: String,
    pub expires_at: DateTime<Utc>,
    pub expired: bool,
    pub visit_count: i64,
    pub last_visited_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl ShareView {
    pub fn new(share: Share, url: String, now: DateTime<Utc>) -> ShareView {
        let target = share.target();
        ShareView {
            id: share.id,
            url,
            kind: target.kind(),
            target_id: target.id(),
            expired: share.has_expired(now),
            title: share.title,
            description: share.description,
            username: share.username,
            expires_at: share.expires_at,
            visit_count: share.visit_count,
            last_visited_at: share.last_visited_at,
            created_at: share.created_at,
        }
    }
}

/// What a link's page shows a visitor: no account, so no ids beyond the tracks' own.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicShareView {
    /// track | album | playlist
    pub kind: &'static str,
    pub title: String,
    pub description: Option<String>,
    /// Who shared it.
    pub username: String,
    pub expires_at: DateTime<Utc>,
    pub tracks: Vec<PublicTrackView>,
}

impl PublicShareView {
    pub fn new(share: Share, tracks: &[TrackSummary]) -> PublicShareView {
        PublicShareView {
            kind: share.target().kind(),
            title: share.title,
            description: share.description,
            username: share.username,
            expires_at: share.expires_at,
            tracks: tracks
                .iter()
                .filter(|t| t.is_available)
                .map(PublicTrackView::from)
                .collect(),
        }
    }
}

/// A track on a share's page; played from `/api/v1/public/shares/{token}/tracks/{id}/stream`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicTrackView {
    pub id: Id,
    pub title: String,
    pub artist_name: String,
    pub album_title: Option<String>,
    pub duration_seconds: i32,
    pub track_number: Option<i32>,
    pub disc_number: Option<i32>,
    pub year: Option<i32>,
}

impl From<&TrackSummary> for PublicTrackView {
    fn from(row: &TrackSummary) -> Self {
        PublicTrackView {
            id: row.id,
            title: row.title.clone(),
            artist_name: row.artist_name.clone(),
            album_title: row.album_title.clone(),
            duration_seconds: row.duration_seconds,
            track_number: row.track_number,
            disc_number: row.disc_number,
            year: row.year,
        }
    }
}
