//! Playlists and their entries.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::TrackSummaryView;
use crate::storage::{Id, Playlist, PlaylistEntry, PlaylistItem};

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaylistView {
    pub id: Id,
    pub user_id: Id,
    pub name: String,
    pub description: Option<String>,
    pub cover_image_url: Option<String>,
    pub is_public: bool,
    pub is_collaborative: bool,
    pub track_count: i32,
    pub total_duration: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Playlist> for PlaylistView {
    fn from(row: &Playlist) -> Self {
        PlaylistView {
            id: row.id,
            user_id: row.user_id,
            name: row.name.clone(),
            description: row.description.clone(),
            cover_image_url: row.cover_image_url.clone(),
            is_public: row.is_public,
            is_collaborative: row.is_collaborative,
            track_count: row.track_count,
            total_duration: row.total_duration,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// What the caller may do with a playlist.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlaylistAccess {
    /// The owner: everything.
    Manage,
    /// A collaborator: add, remove and move entries.
    Contribute,
    Read,
}

/// A playlist and what the caller may do with it: a playlist page without its entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaylistHeadView {
    #[serde(flatten)]
    pub playlist: PlaylistView,
    pub access: PlaylistAccess,
}

/// A playlist page. Sent as a [`PlaylistHeadView`] with `tracks` spliced in from the cache.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaylistDetailView {
    #[serde(flatten)]
    pub head: PlaylistHeadView,
    pub tracks: Vec<PlaylistItemView>,
}

/// One entry of a playlist with its track.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaylistItemView {
    pub entry_id: Id,
    pub position: i32,
    pub added_at: DateTime<Utc>,
    pub added_by: Option<Id>,
    pub track: TrackSummaryView,
}

impl From<&PlaylistItem> for PlaylistItemView {
    fn from(row: &PlaylistItem) -> Self {
        PlaylistItemView {
            entry_id: row.entry_id,
            position: row.position,
            added_at: row.added_at,
            added_by: row.added_by,
            track: TrackSummaryView::from(&row.track),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaylistEntryView {
    pub id: Id,
    pub playlist_id: Id,
    pub track_id: Id,
    pub added_at: DateTime<Utc>,
    pub added_by: Option<Id>,
    pub position: i32,
}

impl From<PlaylistEntry> for PlaylistEntryView {
    fn from(row: PlaylistEntry) -> Self {
        PlaylistEntryView {
            id: row.id,
            playlist_id: row.playlist_id,
            track_id: row.track_id,
            added_at: row.added_at,
            added_by: row.added_by,
            position: row.position,
        }
    }
}

/// The new entries and the playlist's totals after adding them.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntriesAddedView {
    pub entries: Vec<PlaylistEntryView>,
    pub playlist: PlaylistView,
}

/// An imported playlist, how many entries matched a track and the lines that matched none.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaylistImportView {
    pub playlist: PlaylistView,
    pub matched: usize,
    pub unmatched: Vec<String>,
}
