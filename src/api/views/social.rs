//! Likes, follows and comments.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{AlbumSummaryView, ArtistView, TrackSummaryView};
use crate::storage::{self, Comment, FavoriteTrack, FollowedArtist, Id, LikedAlbum};

/// A liked track, with when it was liked.
#[derive(Debug, Serialize, ToSchema)]
pub struct FavoriteTrackView {
    pub favorited_at: DateTime<Utc>,
    #[serde(flatten)]
    pub track: TrackSummaryView,
}

impl From<FavoriteTrack> for FavoriteTrackView {
    fn from(row: FavoriteTrack) -> Self {
        FavoriteTrackView {
            favorited_at: row.favorited_at,
            track: TrackSummaryView::from(&row.track),
        }
    }
}

/// A liked album, with when it was liked.
#[derive(Debug, Serialize, ToSchema)]
pub struct FavoriteAlbumView {
    pub favorited_at: DateTime<Utc>,
    #[serde(flatten)]
    pub album: AlbumSummaryView,
}

impl From<LikedAlbum> for FavoriteAlbumView {
    fn from(row: LikedAlbum) -> Self {
        FavoriteAlbumView {
            favorited_at: row.liked_at,
            album: AlbumSummaryView::from(&row.album),
        }
    }
}

/// A followed artist, with when they were followed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowedArtistView {
    pub followed_at: DateTime<Utc>,
    #[serde(flatten)]
    pub artist: ArtistView,
}

impl From<FollowedArtist> for FollowedArtistView {
    fn from(row: FollowedArtist) -> Self {
        FollowedArtistView {
            followed_at: row.followed_at,
            artist: ArtistView::from(&row.artist),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentView {
    pub id: Id,
    pub track_id: Id,
    pub user_id: Id,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Comment> for CommentView {
    fn from(row: Comment) -> Self {
        CommentView {
            id: row.id,
            track_id: row.track_id,
            user_id: row.user_id,
            body: row.body,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A comment with its author's name, as a track's comment list shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentWithAuthorView {
    #[serde(flatten)]
    pub comment: CommentView,
    pub username: String,
}

impl From<storage::CommentView> for CommentWithAuthorView {
    fn from(row: storage::CommentView) -> Self {
        CommentWithAuthorView {
            comment: CommentView::from(row.comment),
            username: row.username,
        }
    }
}
