//! Rows as the storage boundary hands them out, and the values it takes to create them.
//! Field names are the schema's column names. The API never sends a row: it sends the views
//! of `api::views`, built from rows field by field. The catalog summaries (and the artist and
//! album they flatten) alone serialize, because the search index keeps each hit's JSON; tests
//! in `api::views` hold that JSON equal to the views'.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::types::Json;

use super::Id;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: Id,
    pub username: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub avatar_url: Option<String>,
    pub bio: Option<String>,
    pub subscription: String,
    pub is_active: bool,
    pub email_verified: bool,
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set by an admin; `None`: the server's default.
    pub upload_quota_bytes: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub username: String,
    pub email: Option<String>,
    /// Already hashed: the storage layer never sees a password.
    pub password_hash: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub is_admin: bool,
}

/// Profile fields to change: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub bio: Option<Option<String>>,
    pub avatar_url: Option<Option<String>>,
    pub email: Option<Option<String>>,
}

/// What an admin may change about an account; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct AdminUserPatch {
    pub is_admin: Option<bool>,
    pub is_active: Option<bool>,
    pub subscription: Option<String>,
    pub email_verified: Option<bool>,
    /// `Some(None)` puts the account back on the server's default quota.
    pub upload_quota_bytes: Option<Option<i64>>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub id: Id,
    pub user_id: Id,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

/// An app password as its owner sees it: never its secret.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppPassword {
    pub id: Id,
    pub user_id: Id,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewAppPassword {
    pub id: Id,
    pub user_id: Id,
    pub name: String,
    /// sha256 of the secret, hex.
    pub lookup_hash: String,
    /// The secret sealed with the data folder's key.
    pub sealed_secret: String,
}

/// What authentication needs of an app password.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SealedAppPassword {
    pub id: Id,
    pub user_id: Id,
    pub sealed_secret: String,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: Id,
    pub user_id: Id,
    /// A hash of the bearer token; the token itself is never stored.
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct Artist {
    pub id: Id,
    pub name: String,
    pub bio: Option<String>,
    pub image_url: Option<String>,
    pub website_url: Option<String>,
    pub social_links: Json<serde_json::Value>,
    pub verified: bool,
    pub musicbrainz_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct NewArtist {
    pub name: String,
    pub musicbrainz_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct Album {
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

#[derive(Debug, Clone, Default)]
pub struct NewAlbum {
    pub title: String,
    pub artist_id: Id,
    pub release_date: Option<NaiveDate>,
    pub genre: Option<String>,
    pub label: Option<String>,
    pub musicbrainz_id: Option<String>,
    pub year: Option<i32>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Track {
    pub id: Id,
    pub title: String,
    pub uploader_id: Option<Id>,
    pub artist_id: Id,
    pub album_id: Option<Id>,
    pub album: Option<String>,
    pub cover_image_url: Option<String>,
    pub audio_url: Option<String>,
    pub video_url: Option<String>,
    pub file_path: Option<String>,
    pub file_size: Option<i64>,
    pub duration_seconds: i32,
    pub bitrate: Option<i32>,
    pub sample_rate: Option<i32>,
    pub track_number: Option<i32>,
    pub disc_number: Option<i32>,
    pub channels: Option<i32>,
    pub genre: Option<String>,
    pub lyrics: Option<String>,
    pub metadata: Json<serde_json::Value>,
    pub play_count: i64,
    pub like_count: i64,
    pub is_explicit: bool,
    pub is_available: bool,
    pub release_date: Option<NaiveDate>,
    pub year: Option<i32>,
    pub content_hash: Option<String>,
    pub file_mtime: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The names a player shows beside a track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackNames {
    pub artist_name: String,
    pub album_title: Option<String>,
}

/// A track as one listener sees it: the row, the names beside it, and whether they like it.
#[derive(Debug, Clone)]
pub struct TrackDetail {
    pub track: std::sync::Arc<Track>,
    pub names: std::sync::Arc<TrackNames>,
    pub liked: bool,
}

#[derive(Debug, Clone)]
pub struct NewTrack {
    pub title: String,
    pub artist_id: Id,
    pub album_id: Option<Id>,
    pub uploader_id: Option<Id>,
    pub album: Option<String>,
    pub file_path: Option<String>,
    pub file_size: Option<i64>,
    pub duration_seconds: i32,
    pub bitrate: Option<i32>,
    pub sample_rate: Option<i32>,
    pub channels: Option<i32>,
    pub track_number: Option<i32>,
    pub disc_number: Option<i32>,
    pub genre: Option<String>,
    pub lyrics: Option<String>,
    pub metadata: serde_json::Value,
    pub is_explicit: bool,
    pub release_date: Option<NaiveDate>,
    pub year: Option<i32>,
    pub content_hash: Option<String>,
    pub file_mtime: Option<DateTime<Utc>>,
    /// The file's tag values as read (a scan or an upload); `None` for a track made by hand.
    pub tag_values: Option<serde_json::Value>,
}

impl NewTrack {
    pub fn new(title: impl Into<String>, artist_id: Id) -> Self {
        NewTrack {
            title: title.into(),
            artist_id,
            album_id: None,
            uploader_id: None,
            album: None,
            file_path: None,
            file_size: None,
            duration_seconds: 0,
            bitrate: None,
            sample_rate: None,
            channels: None,
            track_number: None,
            disc_number: None,
            genre: None,
            lyrics: None,
            metadata: serde_json::Value::Object(Default::default()),
            is_explicit: false,
            release_date: None,
            year: None,
            content_hash: None,
            file_mtime: None,
            tag_values: None,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Playlist {
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

#[derive(Debug, Clone, Default)]
pub struct NewPlaylist {
    pub user_id: Id,
    pub name: String,
    pub description: Option<String>,
    pub cover_image_url: Option<String>,
    pub is_public: bool,
    pub is_collaborative: bool,
}

/// The playlist fields a PATCH names; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct PlaylistPatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub cover_image_url: Option<Option<String>>,
    pub is_public: Option<bool>,
    pub is_collaborative: Option<bool>,
}

/// An edit of a track's own fields. `None` leaves a field; `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct TrackPatch {
    pub title: Option<String>,
    pub genre: Option<Option<String>>,
    pub is_explicit: Option<bool>,
    pub lyrics: Option<Option<String>>,
    pub release_date: Option<Option<NaiveDate>>,
    pub year: Option<Option<i32>>,
}

/// An edit of an album's own fields; a new title comes with its identity key.
#[derive(Debug, Clone, Default)]
pub struct AlbumPatch {
    pub title: Option<(String, String)>,
    pub genre: Option<Option<String>>,
    pub label: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub release_date: Option<Option<NaiveDate>>,
    pub year: Option<Option<i32>>,
}

/// An edit of an artist's own fields; a new name comes with its identity key.
#[derive(Debug, Clone, Default)]
pub struct ArtistPatch {
    pub name: Option<(String, String)>,
    pub bio: Option<Option<String>>,
    pub website_url: Option<Option<String>>,
    pub image_url: Option<Option<String>>,
    pub social_links: Option<serde_json::Value>,
    pub verified: Option<bool>,
}

/// Which playlists a listing shows a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaylistScope {
    /// Mine, and everyone's public ones.
    Visible,
    Mine,
    /// Other people's public ones.
    Public,
}

/// A track as lists show it: enough to display and play it without another request.
#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct TrackSummary {
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
    /// The name sort's key as the database folds it (lists only; see `storage::browse`).
    #[serde(skip)]
    #[sqlx(default)]
    pub sort_name: String,
}

/// An album as lists show it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct AlbumSummary {
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub album: Album,
    pub artist_name: String,
    pub play_count: i64,
    pub like_count: i64,
    #[serde(skip)]
    #[sqlx(default)]
    pub sort_name: String,
}

/// An artist as lists show it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct ArtistSummary {
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub artist: Artist,
    pub album_count: i64,
    pub track_count: i64,
    pub play_count: i64,
    pub like_count: i64,
    /// The year of their newest album (0 when none has one).
    pub latest_year: i32,
    #[serde(skip)]
    #[sqlx(default)]
    pub sort_name: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GenreCount {
    pub genre: String,
    pub track_count: i64,
    pub album_count: i64,
}

/// One entry of a playlist with its track.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlaylistItem {
    pub entry_id: Id,
    pub position: i32,
    pub added_at: DateTime<Utc>,
    pub added_by: Option<Id>,
    #[sqlx(flatten)]
    pub track: TrackSummary,
}

/// A liked track, with when it was liked.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FavoriteTrack {
    pub favorited_at: DateTime<Utc>,
    #[sqlx(flatten)]
    pub track: TrackSummary,
}

/// A liked album, with when it was liked.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LikedAlbum {
    pub liked_at: DateTime<Utc>,
    #[sqlx(flatten)]
    pub album: AlbumSummary,
}

/// A followed artist, with when they were followed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FollowedArtist {
    pub followed_at: DateTime<Utc>,
    #[sqlx(flatten)]
    pub artist: Artist,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlaylistEntry {
    pub id: Id,
    pub playlist_id: Id,
    pub track_id: Id,
    pub added_at: DateTime<Utc>,
    pub added_by: Option<Id>,
    pub position: i32,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Comment {
    pub id: Id,
    pub track_id: Id,
    pub user_id: Id,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A comment with its author's name, as a track's comment list shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CommentView {
    #[sqlx(flatten)]
    pub comment: Comment,
    pub username: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Play {
    pub id: Id,
    pub user_id: Id,
    pub track_id: Id,
    pub played_at: DateTime<Utc>,
    pub duration_played: i32,
    pub device_type: Option<String>,
    pub source_type: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewPlay {
    pub user_id: Id,
    pub track_id: Id,
    pub played_at: DateTime<Utc>,
    pub duration_played: i32,
    pub device_type: Option<String>,
    pub source_type: Option<String>,
}

/// One row of a listener's history: the play and enough of its track to show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryEntry {
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

/// A listener's totals over one period.
#[derive(Debug, Clone)]
pub struct ListeningStats {
    pub plays: i64,
    pub listening_seconds: i64,
    pub distinct_tracks: i64,
    pub top_tracks: Vec<TopTrack>,
    pub top_artists: Vec<TopArtist>,
    pub top_genres: Vec<TopGenre>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TopTrack {
    pub track_id: Id,
    pub title: String,
    pub artist_id: Id,
    pub artist_name: String,
    pub plays: i64,
    pub listening_seconds: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TopArtist {
    pub artist_id: Id,
    pub name: String,
    pub plays: i64,
    pub listening_seconds: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TopGenre {
    pub genre: String,
    pub plays: i64,
    pub listening_seconds: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Upload {
    pub id: Id,
    pub user_id: Id,
    pub file_name: String,
    pub original_name: String,
    pub file_path: String,
    pub file_size: i64,
    pub mime_type: Option<String>,
    pub upload_status: String,
    pub processing_log: Option<String>,
    pub track_id: Option<Id>,
    pub created_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewUpload {
    pub user_id: Id,
    pub file_name: String,
    pub original_name: String,
    pub file_path: String,
    pub file_size: i64,
    pub mime_type: Option<String>,
}

/// A stored counter that disagrees with the count it caches. Always empty on a healthy
/// database: the triggers keep the counters true.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CounterDrift {
    pub table_name: String,
    pub row_id: Id,
    pub column_name: String,
    pub stored: i64,
    pub actual: i64,
}

/// A library file as the database last saw it; what a rescan compares against.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KnownFile {
    pub id: Id,
    pub file_path: String,
    pub file_size: Option<i64>,
    pub file_mtime: Option<DateTime<Utc>>,
    pub content_hash: Option<String>,
    pub is_available: bool,
}

/// A track rewritten from its file.
#[derive(Debug, Clone)]
pub struct TrackRewrite {
    pub track: Track,
    /// The file was somewhere else before: the same content found at a new path.
    pub moved: bool,
}

/// Albums and artists a scan removed because no track was left on them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmptyRemoved {
    pub albums: u64,
    pub artists: u64,
}

/// An album as ingest resolves it: found by MusicBrainz id, else by artist and title.
#[derive(Debug, Clone)]
pub struct AlbumIdentity {
    pub artist_id: Id,
    pub title: String,
    /// The title folded for comparison (lowercase, single spaces).
    pub title_key: String,
    pub musicbrainz_id: Option<String>,
    pub year: Option<i32>,
    pub release_date: Option<NaiveDate>,
    pub genre: Option<String>,
    pub label: Option<String>,
    pub is_compilation: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResolvedAlbum {
    pub id: Id,
    pub cover_image_url: Option<String>,
}

/// An internet radio station: a stream URL players open themselves.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RadioStation {
    pub id: Id,
    pub name: String,
    pub stream_url: String,
    pub homepage_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A station's fields, as an admin gives them (already checked).
#[derive(Debug, Clone)]
pub struct NewRadioStation {
    pub name: String,
    pub stream_url: String,
    pub homepage_url: Option<String>,
}

/// An edit of a station: `None` keeps a field; `Some(None)` clears the home page.
#[derive(Debug, Clone, Default)]
pub struct RadioStationPatch {
    pub name: Option<String>,
    pub stream_url: Option<String>,
    pub homepage_url: Option<Option<String>>,
}

/// What a share names: one track, album or playlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareTarget {
    Track(Id),
    Album(Id),
    Playlist(Id),
}

impl ShareTarget {
    pub fn kind(self) -> &'static str {
        match self {
            ShareTarget::Track(_) => "track",
            ShareTarget::Album(_) => "album",
            ShareTarget::Playlist(_) => "playlist",
        }
    }

    pub fn id(self) -> Id {
        match self {
            ShareTarget::Track(id) | ShareTarget::Album(id) | ShareTarget::Playlist(id) => id,
        }
    }
}

/// A public link, with its owner's name and the title of what it names.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Share {
    pub id: Id,
    /// The link's secret.
    pub token: String,
    pub user_id: Id,
    pub username: String,
    /// A deactivated account's links stop working with it.
    pub owner_active: bool,
    pub track_id: Option<Id>,
    pub album_id: Option<Id>,
    pub playlist_id: Option<Id>,
    /// The track's, album's or playlist's title.
    pub title: String,
    pub description: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub visit_count: i64,
    pub last_visited_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Share {
    pub fn target(&self) -> ShareTarget {
        match (self.track_id, self.album_id, self.playlist_id) {
            (Some(id), _, _) => ShareTarget::Track(id),
            (None, Some(id), _) => ShareTarget::Album(id),
            // The schema holds exactly one of the three.
            (None, None, playlist) => ShareTarget::Playlist(playlist.unwrap_or_default()),
        }
    }

    pub fn has_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at <= now
    }
}

/// A new share (checked): its token made by [`crate::shares`].
#[derive(Debug, Clone)]
pub struct NewShare {
    pub token: String,
    pub user_id: Id,
    pub target: ShareTarget,
    pub description: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// An edit of a share: `None` keeps a field; `Some(None)` clears the description.
#[derive(Debug, Clone, Default)]
pub struct SharePatch {
    pub description: Option<Option<String>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// An admin's one-use sign-up link (its token is never stored, only a digest).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Invite {
    pub id: Id,
    pub created_by: Option<Id>,
    /// The admin who made it, while that account exists.
    pub created_by_name: Option<String>,
    pub is_admin: bool,
    pub note: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    /// The account it made, while that account exists.
    pub used_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewInvite {
    pub token_hash: String,
    pub created_by: Id,
    pub is_admin: bool,
    pub note: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// Why a one-use link (an invite, a password reset) did not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    Unknown,
    Used,
    Expired,
}
