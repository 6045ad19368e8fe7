//! Tracks, albums, artists and genres, as lists, pages and edits show them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::storage::{
    Album, AlbumSummary, Artist, ArtistSummary, GenreCount, Id, Track, TrackSummary,
};

/// A track's own fields (never where its file is).
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackView {
    pub id: Id,
    pub title: String,
    pub uploader_id: Option<Id>,
    pub artist_id: Id,
    pub album_id: Option<Id>,
    pub album: Option<String>,
    pub cover_image_url: Option<String>,
    pub audio_url: Option<String>,
    pub video_url: Option<String>,
    pub file_size: Option<i64>,
    pub duration_seconds: i32,
    pub bitrate: Option<i32>,
    pub sample_rate: Option<i32>,
    pub track_number: Option<i32>,
    pub disc_number: Option<i32>,
    pub channels: Option<i32>,
    pub genre: Option<String>,
    pub lyrics: Option<String>,
    /// What the tags said beyond the columns (format, codec, …).
    #[schema(value_type = Object)]
    pub metadata: Value,
    pub play_count: i64,
    pub like_count: i64,
    pub is_explicit: bool,
    pub is_available: bool,
    pub release_date: Option<NaiveDate>,
    pub year: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Track> for TrackView {
    fn from(track: &Track) -> Self {
        TrackView {
            id: track.id,
            title: track.title.clone(),
            uploader_id: track.uploader_id,
            artist_id: track.artist_id,
            album_id: track.album_id,
            album: track.album.clone(),
            cover_image_url: track.cover_image_url.clone(),
            audio_url: track.audio_url.clone(),
            video_url: track.video_url.clone(),
            file_size: track.file_size,
            duration_seconds: track.duration_seconds,
            bitrate: track.bitrate,
            sample_rate: track.sample_rate,
            track_number: track.track_number,
            disc_number: track.disc_number,
            channels: track.channels,
            genre: track.genre.clone(),
            lyrics: track.lyrics.clone(),
            metadata: track.metadata.0.clone(),
            play_count: track.play_count,
            like_count: track.like_count,
            is_explicit: track.is_explicit,
            is_available: track.is_available,
            release_date: track.release_date,
            year: track.year,
            created_at: track.created_at,
            updated_at: track.updated_at,
        }
    }
}

/// A track with names, my like and signed media URLs that `<audio>` and `<img>` can use.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackDetailView {
    #[serde(flatten)]
    pub track: TrackView,
    pub stream_url: String,
    pub download_url: String,
    /// The album's cover, else the artist's image (a placeholder when there is no art).
    pub cover_url: String,
    pub artist_name: String,
    pub album_title: Option<String>,
    /// Whether the caller likes it.
    pub liked: bool,
    /// When the `?t=` token in the URLs stops working.
    pub media_expires_at: DateTime<Utc>,
}

/// A track as lists show it: enough to display and play it without another request.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackSummaryView {
    pub id: Id,
    pub title: String,
    pub artist_id: Id,
    pub artist_name: String,
    pub album_id: Option<Id>,
    pub album_title: Option<String>,
    pub duration_seconds: i32,
    pub track_number: Option<i32>,
    pub disc_number: Option<i32>,
    pub genre: Option<String>,
    pub year: Option<i32>,
    pub play_count: i64,
    pub like_count: i64,
    pub is_available: bool,
    pub is_explicit: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&TrackSummary> for TrackSummaryView {
    fn from(row: &TrackSummary) -> Self {
        TrackSummaryView {
            id: row.id,
            title: row.title.clone(),
            artist_id: row.artist_id,
            artist_name: row.artist_name.clone(),
            album_id: row.album_id,
            album_title: row.album_title.clone(),
            duration_seconds: row.duration_seconds,
            track_number: row.track_number,
            disc_number: row.disc_number,
            genre: row.genre.clone(),
            year: row.year,
            play_count: row.play_count,
            like_count: row.like_count,
            is_available: row.is_available,
            is_explicit: row.is_explicit,
            created_at: row.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlbumView {
    pub id: Id,
    pub title: String,
    pub artist_id: Id,
    pub release_date: Option<NaiveDate>,
    pub cover_image_url: Option<String>,
    pub description: Option<String>,
    pub genre: Option<String>,
    pub label: Option<String>,
    pub total_tracks: i32,
    pub duration_seconds: i32,
    pub musicbrainz_id: Option<String>,
    pub year: Option<i32>,
    pub is_compilation: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Album> for AlbumView {
    fn from(album: &Album) -> Self {
        AlbumView {
            id: album.id,
            title: album.title.clone(),
            artist_id: album.artist_id,
            release_date: album.release_date,
            cover_image_url: album.cover_image_url.clone(),
            description: album.description.clone(),
            genre: album.genre.clone(),
            label: album.label.clone(),
            total_tracks: album.total_tracks,
            duration_seconds: album.duration_seconds,
            musicbrainz_id: album.musicbrainz_id.clone(),
            year: album.year,
            is_compilation: album.is_compilation,
            created_at: album.created_at,
            updated_at: album.updated_at,
        }
    }
}

/// An album as lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlbumSummaryView {
    #[serde(flatten)]
    pub album: AlbumView,
    pub artist_name: String,
    pub play_count: i64,
    pub like_count: i64,
}

impl From<&AlbumSummary> for AlbumSummaryView {
    fn from(row: &AlbumSummary) -> Self {
        AlbumSummaryView {
            album: AlbumView::from(&row.album),
            artist_name: row.artist_name.clone(),
            play_count: row.play_count,
            like_count: row.like_count,
        }
    }
}

/// An album with its artist's name, its tracks in disc/track order and a signed cover URL.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlbumPageView {
    #[serde(flatten)]
    pub album: AlbumView,
    pub artist_name: String,
    pub tracks: Vec<TrackSummaryView>,
    pub cover_url: String,
    /// Whether I like the album.
    pub liked: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArtistView {
    pub id: Id,
    pub name: String,
    pub bio: Option<String>,
    pub image_url: Option<String>,
    pub website_url: Option<String>,
    /// Site name → URL.
    #[schema(value_type = Object)]
    pub social_links: Value,
    pub verified: bool,
    pub musicbrainz_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Artist> for ArtistView {
    fn from(artist: &Artist) -> Self {
        ArtistView {
            id: artist.id,
            name: artist.name.clone(),
            bio: artist.bio.clone(),
            image_url: artist.image_url.clone(),
            website_url: artist.website_url.clone(),
            social_links: artist.social_links.0.clone(),
            verified: artist.verified,
            musicbrainz_id: artist.musicbrainz_id.clone(),
            created_at: artist.created_at,
            updated_at: artist.updated_at,
        }
    }
}

/// An artist as lists show them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArtistSummaryView {
    #[serde(flatten)]
    pub artist: ArtistView,
    pub album_count: i64,
    pub track_count: i64,
    pub play_count: i64,
    pub like_count: i64,
    /// The year of their newest album (0 when none has one).
    pub latest_year: i32,
}

impl From<&ArtistSummary> for ArtistSummaryView {
    fn from(row: &ArtistSummary) -> Self {
        ArtistSummaryView {
            artist: ArtistView::from(&row.artist),
            album_count: row.album_count,
            track_count: row.track_count,
            play_count: row.play_count,
            like_count: row.like_count,
            latest_year: row.latest_year,
        }
    }
}

/// An artist with their albums (newest first), follower count and whether I follow them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArtistPageView {
    #[serde(flatten)]
    pub artist: ArtistView,
    pub albums: Vec<AlbumSummaryView>,
    pub follower_count: i64,
    pub following: bool,
    /// A signed URL of the artist's image; the editor-set `image_url` stays beside it.
    pub image: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GenreView {
    pub genre: String,
    pub track_count: i64,
    pub album_count: i64,
}

impl From<GenreCount> for GenreView {
    fn from(row: GenreCount) -> Self {
        GenreView {
            genre: row.genre,
            track_count: row.track_count,
            album_count: row.album_count,
        }
    }
}

/// Search results, each list best first, each item as the catalog lists show it. The search
/// index stores each summary's JSON; the tests below hold it to these views.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResultsView {
    pub tracks: Vec<TrackSummaryView>,
    pub albums: Vec<AlbumSummaryView>,
    pub artists: Vec<ArtistSummaryView>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn artist() -> Artist {
        Artist {
            id: Id::new(),
            name: "Nina".into(),
            bio: Some("bio".into()),
            image_url: None,
            website_url: Some("https://example.test".into()),
            social_links: sqlx::types::Json(json!({"bandcamp": "https://example.test/b"})),
            verified: true,
            musicbrainz_id: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn album(artist_id: Id) -> Album {
        Album {
            id: Id::new(),
            title: "Pastel Blues".into(),
            artist_id,
            release_date: NaiveDate::from_ymd_opt(1965, 10, 1),
            cover_image_url: None,
            description: None,
            genre: Some("Jazz".into()),
            label: Some("Philips".into()),
            total_tracks: 9,
            duration_seconds: 2400,
            musicbrainz_id: Some("mbid".into()),
            year: Some(1965),
            is_compilation: false,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn same_json(row: &impl Serialize, view: &impl Serialize) {
        let row = serde_json::to_value(row).unwrap();
        let view = serde_json::to_value(view).unwrap();
        assert_eq!(row, view);
    }

    /// The search index sends each hit as its row serialized; it must be what the API's
    /// views (and so `/api/openapi.json`) say.
    #[test]
    fn search_hits_serialize_as_the_summary_views() {
        let artist = artist();
        let album = album(artist.id);
        let track = TrackSummary {
            id: Id::new(),
            title: "Sinnerman".into(),
            artist_id: artist.id,
            artist_name: artist.name.clone(),
            album_id: Some(album.id),
            album_title: Some(album.title.clone()),
            duration_seconds: 620,
            track_number: Some(9),
            disc_number: None,
            genre: None,
            year: Some(1965),
            play_count: 3,
            like_count: 1,
            is_available: true,
            is_explicit: false,
            created_at: Utc::now(),
            sort_name: "sinnerman".into(),
        };
        same_json(&track, &TrackSummaryView::from(&track));
        let album = AlbumSummary {
            album,
            artist_name: artist.name.clone(),
            play_count: 4,
            like_count: 2,
            sort_name: "pastel blues".into(),
        };
        same_json(&album, &AlbumSummaryView::from(&album));
        let artist = ArtistSummary {
            artist,
            album_count: 1,
            track_count: 9,
            play_count: 4,
            like_count: 2,
            latest_year: 1965,
            sort_name: "nina".into(),
        };
        same_json(&artist, &ArtistSummaryView::from(&artist));
    }
}
