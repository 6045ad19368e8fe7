//! What a player app is told about each song beyond a list row: the file's properties and
//! tags, the album artist, and one listener's star, rating and last play. Read for a whole
//! answer in one statement per few hundred songs, never one per song.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::{Id, Storage, StorageResult, with_pool};

/// Songs read per statement (bind parameters stay far below either engine's limit).
const IDS_PER_QUERY: usize = 500;

/// One song's file, tags and album artist, and what one listener did with it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SongFacts {
    pub id: Id,
    pub file_path: Option<String>,
    pub file_size: Option<i64>,
    pub bitrate: Option<i32>,
    pub sample_rate: Option<i32>,
    pub channels: Option<i32>,
    /// Tags and format details kept beside the columns (format, bit depth, ReplayGain,
    /// MusicBrainz ids, every genre).
    pub metadata: Json<serde_json::Value>,
    pub album_artist_id: Option<Id>,
    pub album_artist_name: Option<String>,
    /// When the listener liked it.
    pub starred_at: Option<DateTime<Utc>>,
    /// The listener's 1–5 stars.
    pub rating: Option<i32>,
    /// When the listener last played it.
    pub played_at: Option<DateTime<Utc>>,
}

fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Storage {
    /// The facts of these songs for `user_id`, in no particular order; ids that name no track
    /// are left out.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, songs = ids.len()))]
    pub async fn song_facts(&self, user_id: Id, ids: &[Id]) -> StorageResult<Vec<SongFacts>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let sql = format!(
                "SELECT t.id, t.file_path, t.file_size, t.bitrate, t.sample_rate, t.channels, \
                 t.metadata, al.artist_id AS album_artist_id, aa.name AS album_artist_name, \
                 f.created_at AS starred_at, CAST(r.rating AS INTEGER) AS rating, \
                 (SELECT max(h.played_at) FROM play_history h \
                   WHERE h.user_id = $1 AND h.track_id = t.id) AS played_at \
                 FROM tracks t \
                 LEFT JOIN albums al ON al.id = t.album_id \
                 LEFT JOIN artists aa ON aa.id = al.artist_id \
                 LEFT JOIN user_favorites f ON f.track_id = t.id AND f.user_id = $1 \
                 LEFT JOIN track_ratings r ON r.track_id = t.id AND r.user_id = $1 \
                 WHERE t.id IN ({})",
                placeholders(2, chunk.len())
            );
            let rows = with_pool!(self, |pool, DB| {
                let mut query = sqlx::query_as::<DB, SongFacts>(&sql).bind(user_id);
                for id in chunk {
                    query = query.bind(*id);
                }
                query.fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }
}
