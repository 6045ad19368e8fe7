//! What a player app is told about each song beyond a list row: the file's properties and
//! tags, the album artist and play count, and one listener's star, rating and last play.
//!
//! Both are kept in the hot-read cache, the file per track (shared by every listener) and the
//! marks per (listener, track): a search answered from the search index alone before songs
//! carried these (issue 19), and must stay about as fast, so a repeated answer makes no
//! database trip. Every write of a like, rating or play forgets the marks (and plays the play
//! count) when it ends, so a listener's own write shows in their next answer. What the cache
//! misses is read in one statement per few hundred songs, never one per song.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::cache::{Loaded, Lookup, single};
use super::{CacheKind, Id, Storage, StorageResult, with_pool};

/// Songs read per statement (bind parameters stay far below either engine's limit).
const IDS_PER_QUERY: usize = 500;

/// A song's file, tags, album artist and play count: the same for every listener.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SongFile {
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
    /// Everyone's plays, read with the rest so that a play shows at once: a list row's count
    /// may come from the search index, which catches up later.
    pub play_count: i64,
}

/// What one listener did with a song. A statement for an answer shared by every listener
/// does not read these columns: they default to nothing.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct SongMarks {
    /// When the listener liked it.
    #[sqlx(default)]
    pub starred_at: Option<DateTime<Utc>>,
    /// The listener's 1–5 stars.
    #[sqlx(default)]
    pub rating: Option<i32>,
    /// When the listener last played it.
    #[sqlx(default)]
    pub played_at: Option<DateTime<Utc>>,
}

/// One song's facts as an answer shows them.
#[derive(Debug, Clone)]
pub struct SongFacts {
    pub file: Arc<SongFile>,
    /// `None` in an answer shared by every listener.
    pub marks: Option<Arc<SongMarks>>,
}

#[derive(sqlx::FromRow)]
struct FactsRow {
    id: Id,
    #[sqlx(flatten)]
    file: SongFile,
    #[sqlx(flatten)]
    marks: SongMarks,
}

fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Storage {
    /// The facts of these songs, with `listener`'s marks (`None`: an answer every listener
    /// shares, which carries no one's), by track id; ids that name no track are left out.
    #[tracing::instrument(level = "debug", skip_all, fields(songs = ids.len()))]
    pub async fn song_facts(
        &self,
        listener: Option<Id>,
        ids: &[Id],
    ) -> StorageResult<HashMap<Id, SongFacts>> {
        let mut files: HashMap<Id, Arc<SongFile>> = HashMap::with_capacity(ids.len());
        let mut marks: HashMap<Id, Arc<SongMarks>> = HashMap::new();
        let mut missed_files: HashMap<Id, Option<Loaded>> = HashMap::new();
        let mut missed_marks: HashMap<Id, Option<Loaded>> = HashMap::new();
        for &id in ids {
            if files.contains_key(&id) || missed_files.contains_key(&id) {
                continue; // a playlist may list a song twice
            }
            let (first, second) = single(id);
            match self
                .cache
                .lookup::<SongFile>(CacheKind::SongFile, first, second)
            {
                Lookup::Hit(file) => {
                    files.insert(id, file);
                }
                Lookup::Miss(now) => {
                    missed_files.insert(id, now);
                }
            }
            if let Some(user) = listener {
                match self
                    .cache
                    .lookup::<SongMarks>(CacheKind::SongMarks, user, id)
                {
                    Lookup::Hit(found) => {
                        marks.insert(id, found);
                    }
                    Lookup::Miss(now) => {
                        missed_marks.insert(id, now);
                    }
                }
            }
        }
        let mut missing: Vec<Id> = missed_files
            .keys()
            .chain(missed_marks.keys())
            .copied()
            .collect();
        missing.sort_unstable_by_key(|id| id.0);
        missing.dedup();
        for chunk in missing.chunks(IDS_PER_QUERY) {
            for row in self.song_fact_rows(listener, chunk).await? {
                if let Some(&now) = missed_files.get(&row.id) {
                    let (first, second) = single(row.id);
                    let file = Arc::new(row.file);
                    self.cache
                        .keep(CacheKind::SongFile, first, second, now, file.clone());
                    files.insert(row.id, file);
                }
                if let (Some(user), Some(&now)) = (listener, missed_marks.get(&row.id)) {
                    let found = Arc::new(row.marks);
                    self.cache
                        .keep(CacheKind::SongMarks, user, row.id, now, found.clone());
                    marks.insert(row.id, found);
                }
            }
        }
        Ok(files
            .into_iter()
            .map(|(id, file)| {
                let marks = listener.map(|_| marks.get(&id).cloned().unwrap_or_default());
                (id, SongFacts { file, marks })
            })
            .collect())
    }

    /// These songs' rows, with the listener's marks when there is one.
    async fn song_fact_rows(
        &self,
        listener: Option<Id>,
        ids: &[Id],
    ) -> StorageResult<Vec<FactsRow>> {
        let (marks, joins, first) = match listener {
            Some(_) => (
                ", f.created_at AS starred_at, CAST(r.rating AS INTEGER) AS rating, \
                 (SELECT max(h.played_at) FROM play_history h \
                   WHERE h.user_id = $1 AND h.track_id = t.id) AS played_at",
                "LEFT JOIN user_favorites f ON f.track_id = t.id AND f.user_id = $1 \
                 LEFT JOIN track_ratings r ON r.track_id = t.id AND r.user_id = $1",
                2,
            ),
            None => ("", "", 1),
        };
        let sql = format!(
            "SELECT t.id, t.file_path, t.file_size, t.bitrate, t.sample_rate, t.channels, \
             t.metadata, t.play_count, al.artist_id AS album_artist_id, \
             aa.name AS album_artist_name{marks} \
             FROM tracks t \
             LEFT JOIN albums al ON al.id = t.album_id \
             LEFT JOIN artists aa ON aa.id = al.artist_id {joins} \
             WHERE t.id IN ({})",
            placeholders(first, ids.len())
        );
        Ok(with_pool!(self, |pool, DB| {
            let mut query = sqlx::query_as::<DB, FactsRow>(&sql);
            if let Some(user) = listener {
                query = query.bind(user);
            }
            for id in ids {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await?
        }))
    }
}
