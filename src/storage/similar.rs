//! What Juke can tell from its own data about what goes with what: tracks played close in time
//! by the same listener (co-plays), an artist's most played tracks, artists listened to
//! together or sharing genres. No look-ups outside the database.
//!
//! Co-plays are bounded so their cost does not grow with the history: only the seeds' most
//! recent [`SEED_PLAYS`] plays are read (newest first on `play_history_track_recent_idx`), and
//! around each only that listener's plays within [`WINDOW_MINUTES`] (on
//! `play_history_user_recent_idx`).

use super::browse::artist_summary_select;
use super::catalog::{SUMMARY_COLUMNS, SUMMARY_JOINS};
use super::{ArtistSummary, Engine, Id, Storage, StorageResult, TrackSummary, with_pool};

/// The seeds' plays a co-play search starts from, newest first.
pub const SEED_PLAYS: i64 = 50;

/// Plays this close to a seed's play, by the same listener, count as played together.
pub const WINDOW_MINUTES: i64 = 30;

/// The most seed tracks one search starts from (an artist's most played tracks).
pub const MAX_SEEDS: usize = 20;

/// A track and how many times it was played near a seed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CoPlayed {
    #[sqlx(flatten)]
    pub track: TrackSummary,
    pub together: i64,
}

impl Storage {
    /// Available tracks played by the same listener within [`WINDOW_MINUTES`] of one of the
    /// seeds' last [`SEED_PLAYS`] plays, most often first; the seeds themselves left out.
    #[tracing::instrument(level = "debug", skip_all, fields(seeds = seeds.len()))]
    pub async fn co_played(&self, seeds: &[Id], limit: i64) -> StorageResult<Vec<CoPlayed>> {
        let seeds = &seeds[..seeds.len().min(MAX_SEEDS)];
        if seeds.is_empty() || limit <= 0 {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (0..seeds.len()).map(|i| format!("${}", i + 3)).collect();
        let list = list.join(", ");
        // Timestamps are text on SQLite (fixed-width RFC 3339, so they compare as text) and
        // timestamptz on PostgreSQL: the window's ends are computed in each one's terms.
        let (from, to) = match self.engine() {
            Engine::Sqlite => (
                format!("strftime('%Y-%m-%dT%H:%M:%fZ', s.played_at, '-{WINDOW_MINUTES} minutes')"),
                format!("strftime('%Y-%m-%dT%H:%M:%fZ', s.played_at, '+{WINDOW_MINUTES} minutes')"),
            ),
            Engine::Postgres => (
                format!("s.played_at - interval '{WINDOW_MINUTES} minutes'"),
                format!("s.played_at + interval '{WINDOW_MINUTES} minutes'"),
            ),
        };
        let sql = format!(
            "WITH seed_plays AS ( \
                 SELECT user_id, played_at FROM play_history WHERE track_id IN ({list}) \
                 ORDER BY played_at DESC LIMIT $1 \
             ), together AS ( \
                 SELECT p.track_id, COUNT(*) AS together FROM seed_plays s \
                 JOIN play_history p ON p.user_id = s.user_id \
                     AND p.played_at >= {from} AND p.played_at <= {to} \
                 WHERE p.track_id NOT IN ({list}) \
                 GROUP BY p.track_id \
             ) \
             SELECT {SUMMARY_COLUMNS}, c.together FROM together c \
             JOIN tracks t ON t.id = c.track_id {SUMMARY_JOINS} \
             WHERE t.is_available \
             ORDER BY c.together DESC, t.play_count DESC, t.id LIMIT $2"
        );
        Ok(with_pool!(self, |pool, DB| {
            let mut query = sqlx::query_as::<DB, CoPlayed>(&sql)
                .bind(SEED_PLAYS)
                .bind(limit);
            for seed in seeds {
                query = query.bind(*seed);
            }
            query.fetch_all(pool).await?
        }))
    }

    /// The ids of artists with this name, ignoring case.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn artists_named(&self, name: &str) -> StorageResult<Vec<Id>> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, Id>(
                "SELECT id FROM artists WHERE lower(name) = lower($1) ORDER BY id LIMIT 20",
            )
            .bind(name)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Other artists whose tracks carry one of this artist's genres, most such tracks first.
    #[tracing::instrument(level = "debug", skip_all, fields(%artist_id))]
    pub async fn artists_sharing_genres(
        &self,
        artist_id: Id,
        limit: i64,
    ) -> StorageResult<Vec<Id>> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, Id>(
                "SELECT t.artist_id FROM tracks t \
                 WHERE lower(t.genre) IN (SELECT DISTINCT lower(g.genre) FROM tracks g \
                     WHERE g.artist_id = $1 AND g.genre IS NOT NULL AND g.genre <> '') \
                 AND t.artist_id <> $1 AND t.is_available \
                 GROUP BY t.artist_id ORDER BY COUNT(*) DESC, t.artist_id LIMIT $2",
            )
            .bind(artist_id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Artists as lists show them, in the order of `ids` (unknown ids left out).
    #[tracing::instrument(level = "debug", skip_all, fields(ids = ids.len()))]
    pub async fn artist_summaries(&self, ids: &[Id]) -> StorageResult<Vec<ArtistSummary>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "{} WHERE a.id IN ({})",
            artist_summary_select(),
            list.join(", ")
        );
        let mut rows = with_pool!(self, |pool, DB| {
            let mut query = sqlx::query_as::<DB, ArtistSummary>(&sql);
            for id in ids {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await?
        });
        rows.sort_by_key(|row| ids.iter().position(|id| *id == row.artist.id));
        Ok(rows)
    }
}
