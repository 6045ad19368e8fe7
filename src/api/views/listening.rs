//! Plays, history and listening stats.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::storage::{HistoryEntry, Id, ListeningStats, Play, TopArtist, TopGenre, TopTrack};

#[derive(Debug, Serialize, ToSchema)]
pub struct PlayView {
    pub id: Id,
    pub user_id: Id,
    pub track_id: Id,
    pub played_at: DateTime<Utc>,
    pub duration_played: i32,
    pub device_type: Option<String>,
    pub source_type: Option<String>,
}

impl From<Play> for PlayView {
    fn from(play: Play) -> Self {
        PlayView {
            id: play.id,
            user_id: play.user_id,
            track_id: play.track_id,
            played_at: play.played_at,
            duration_played: play.duration_played,
            device_type: play.device_type,
            source_type: play.source_type,
        }
    }
}

/// One play of my history, with enough of its track to show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntryView {
    pub id: Id,
    pub track_id: Id,
    pub played_at: DateTime<Utc>,
    pub duration_played: i32,
    pub device_type: Option<String>,
    pub source_type: Option<String>,
    pub track_title: String,
    pub artist_id: Id,
    pub artist_name: String,
    pub album_id: Option<Id>,
    pub album_title: Option<String>,
    pub duration_seconds: i32,
}

impl From<HistoryEntry> for HistoryEntryView {
    fn from(row: HistoryEntry) -> Self {
        HistoryEntryView {
            id: row.id,
            track_id: row.track_id,
            played_at: row.played_at,
            duration_played: row.duration_played,
            device_type: row.device_type,
            source_type: row.source_type,
            track_title: row.track_title,
            artist_id: row.artist_id,
            artist_name: row.artist_name,
            album_id: row.album_id,
            album_title: row.album_title,
            duration_seconds: row.duration_seconds,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopTrackView {
    pub track_id: Id,
    pub title: String,
    pub artist_id: Id,
    pub artist_name: String,
    pub plays: i64,
    pub listening_seconds: i64,
}

impl From<TopTrack> for TopTrackView {
    fn from(row: TopTrack) -> Self {
        TopTrackView {
            track_id: row.track_id,
            title: row.title,
            artist_id: row.artist_id,
            artist_name: row.artist_name,
            plays: row.plays,
            listening_seconds: row.listening_seconds,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopArtistView {
    pub artist_id: Id,
    pub name: String,
    pub plays: i64,
    pub listening_seconds: i64,
}

impl From<TopArtist> for TopArtistView {
    fn from(row: TopArtist) -> Self {
        TopArtistView {
            artist_id: row.artist_id,
            name: row.name,
            plays: row.plays,
            listening_seconds: row.listening_seconds,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopGenreView {
    pub genre: String,
    pub plays: i64,
    pub listening_seconds: i64,
}

impl From<TopGenre> for TopGenreView {
    fn from(row: TopGenre) -> Self {
        TopGenreView {
            genre: row.genre,
            plays: row.plays,
            listening_seconds: row.listening_seconds,
        }
    }
}

/// My listening over the last `days` days.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsPeriodView {
    pub days: i64,
    pub since: DateTime<Utc>,
    pub plays: i64,
    pub listening_seconds: i64,
    pub distinct_tracks: i64,
    pub top_tracks: Vec<TopTrackView>,
    pub top_artists: Vec<TopArtistView>,
    pub top_genres: Vec<TopGenreView>,
}

impl StatsPeriodView {
    pub fn new(days: i64, since: DateTime<Utc>, stats: ListeningStats) -> Self {
        StatsPeriodView {
            days,
            since,
            plays: stats.plays,
            listening_seconds: stats.listening_seconds,
            distinct_tracks: stats.distinct_tracks,
            top_tracks: stats.top_tracks.into_iter().map(Into::into).collect(),
            top_artists: stats.top_artists.into_iter().map(Into::into).collect(),
            top_genres: stats.top_genres.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsView {
    pub periods: Vec<StatsPeriodView>,
}

/// My play queue, shared with my Subsonic apps: its tracks in order, which is current and
/// where in it. Never saved: no tracks, and `changed_at` and `changed_by` null.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlayQueueView {
    pub tracks: Vec<super::TrackSummaryView>,
    /// Index into `tracks`; null when the queue is empty.
    pub current_index: Option<i64>,
    pub position_ms: i64,
    pub changed_at: Option<DateTime<Utc>>,
    /// The client that saved it (a Subsonic app's name, or the web player's).
    pub changed_by: Option<String>,
}

impl From<Option<crate::storage::PlayQueue>> for PlayQueueView {
    fn from(queue: Option<crate::storage::PlayQueue>) -> Self {
        match queue {
            None => PlayQueueView {
                tracks: Vec::new(),
                current_index: None,
                position_ms: 0,
                changed_at: None,
                changed_by: None,
            },
            Some(q) => PlayQueueView {
                tracks: q.tracks.iter().map(super::TrackSummaryView::from).collect(),
                current_index: q.current_index.map(|i| i as i64),
                position_ms: q.position_ms,
                changed_at: Some(q.changed_at),
                changed_by: Some(q.changed_by),
            },
        }
    }
}
