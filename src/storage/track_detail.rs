//! A track page (`GET /api/v1/tracks/{id}`): the row, the names shown beside it and the
//! listener's like; cache misses from many requests at once share one query.
//!
//! Under load every request that misses the cache queues for a pool connection, and a
//! connection handed back stays idle until its next taker is polled. With a thousand
//! connections on one core that is a whole turn of the runtime per query, so a route that asks
//! one query per request starves while cached routes fly (issue 18: a p99 of 8 s next to
//! album lists in milliseconds). Misses are queued instead, and one task sends everything
//! queued since its last query as one statement: a turn of the runtime answers a batch.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

use super::cache::{Lookup, single};
use super::catalog::TRACK_COLUMNS;
use super::{
    CacheKind, Id, Storage, StorageError, StorageResult, Track, TrackDetail, TrackNames, with_pool,
};

/// Pairs (listener, track) one query asks for at most.
const MAX_BATCH: usize = 128;
/// Batch queries running at once: the rest of the pool stays for other routes.
const IN_FLIGHT: usize = 2;

/// The queue of track-page misses, and the task that answers it (started at first use).
#[derive(Debug, Default)]
pub(crate) struct DetailBatches {
    queue: OnceLock<mpsc::UnboundedSender<Wanted>>,
}

struct Wanted {
    user_id: Id,
    track_id: Id,
    reply: oneshot::Sender<Answer>,
}

enum Answer {
    Found(Box<DetailRow>),
    Missing,
    /// The batch failed: the asker runs its own query, whose error is its own to report.
    Failed,
}

/// A track joined with its names and one listener's like.
#[derive(Clone, sqlx::FromRow)]
struct DetailRow {
    #[sqlx(flatten)]
    track: Track,
    artist_name: String,
    album_title: Option<String>,
    liked: bool,
}

#[derive(sqlx::FromRow)]
struct BatchRow {
    asking_user: Id,
    #[sqlx(flatten)]
    detail: DetailRow,
}

impl Storage {
    /// A track with its names and the listener's like, as readers see them (see
    /// [`Storage::cached_track`]). What the cache misses comes from one query, shared with
    /// the other requests missing at the same moment.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, %id))]
    pub async fn cached_track_detail(&self, user_id: Id, id: Id) -> StorageResult<TrackDetail> {
        let (first, second) = single(id);
        let track = self.cache.lookup::<Track>(CacheKind::Track, first, second);
        let names = self
            .cache
            .lookup::<TrackNames>(CacheKind::TrackNames, first, second);
        let liked = self.cache.lookup::<bool>(CacheKind::Liked, user_id, id);
        if let (Lookup::Hit(track), Lookup::Hit(names), Lookup::Hit(liked)) =
            (&track, &names, &liked)
        {
            return Ok(TrackDetail {
                track: track.clone(),
                names: names.clone(),
                liked: **liked,
            });
        }
        let row = self.load_detail(user_id, id).await?;
        let track = match track {
            Lookup::Hit(track) => track,
            Lookup::Miss(missed) => {
                let loaded = Arc::new(row.track);
                self.cache
                    .keep(CacheKind::Track, first, second, missed, loaded.clone());
                loaded
            }
        };
        let names = match names {
            Lookup::Hit(names) => names,
            Lookup::Miss(missed) => {
                let loaded = Arc::new(TrackNames {
                    artist_name: row.artist_name,
                    album_title: row.album_title,
                });
                self.cache
                    .keep(CacheKind::TrackNames, first, second, missed, loaded.clone());
                loaded
            }
        };
        let liked = match liked {
            Lookup::Hit(liked) => *liked,
            Lookup::Miss(missed) => {
                self.cache
                    .keep(CacheKind::Liked, user_id, id, missed, Arc::new(row.liked));
                row.liked
            }
        };
        Ok(TrackDetail {
            track,
            names,
            liked,
        })
    }

    /// The row through the shared queue; alone when the queue cannot take it.
    async fn load_detail(&self, user_id: Id, track_id: Id) -> StorageResult<DetailRow> {
        let (reply, answer) = oneshot::channel();
        let queued = self
            .batches
            .queue
            .get_or_init(|| self.start_batches())
            .send(Wanted {
                user_id,
                track_id,
                reply,
            });
        if queued.is_ok() {
            match answer.await {
                Ok(Answer::Found(row)) => return Ok(*row),
                Ok(Answer::Missing) => return Err(StorageError::NotFound),
                // The batch failed, or its task ended with the runtime that ran it.
                Ok(Answer::Failed) | Err(_) => {}
            }
        }
        let mut rows = self.detail_rows(&[(user_id, track_id)]).await?;
        rows.pop()
            .map(|row| row.detail)
            .ok_or(StorageError::NotFound)
    }

    fn start_batches(&self) -> mpsc::UnboundedSender<Wanted> {
        let (queue, wanted) = mpsc::unbounded_channel();
        // The task's own handle has an empty queue of its own: holding this one would keep
        // the queue open, and the task alive, after the last user of the storage dropped it.
        let storage = Storage {
            batches: Arc::default(),
            ..self.clone()
        };
        tokio::spawn(answer_batches(storage, wanted));
        queue
    }

    /// Each (listener, track) pair's track page row; pairs whose track does not exist are
    /// left out.
    async fn detail_rows(&self, pairs: &[(Id, Id)]) -> StorageResult<Vec<BatchRow>> {
        let values = (0..pairs.len())
            .map(|n| format!("(${}, ${})", 2 * n + 1, 2 * n + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "WITH wanted (user_id, track_id) AS (VALUES {values}) \
             SELECT w.user_id AS asking_user, {}, a.name AS artist_name, \
             al.title AS album_title, \
             EXISTS (SELECT 1 FROM user_favorites f \
                     WHERE f.user_id = w.user_id AND f.track_id = t.id) AS liked \
             FROM wanted w JOIN tracks t ON t.id = w.track_id \
             JOIN artists a ON a.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id",
            qualified_track_columns()
        );
        Ok(with_pool!(self, |pool, DB| {
            let mut query = sqlx::query_as::<DB, BatchRow>(&sql);
            for (user, track) in pairs {
                query = query.bind(*user).bind(*track);
            }
            query.fetch_all(pool).await?
        }))
    }
}

/// Answers queued misses until every sender is gone: whatever is queued when a query can
/// start goes into it, up to [`MAX_BATCH`].
async fn answer_batches(storage: Storage, mut wanted: mpsc::UnboundedReceiver<Wanted>) {
    let mut running = JoinSet::new();
    loop {
        if running.len() >= IN_FLIGHT {
            running.join_next().await;
            continue;
        }
        tokio::select! {
            Some(_) = running.join_next(), if !running.is_empty() => {}
            next = wanted.recv() => {
                let Some(first) = next else { break };
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match wanted.try_recv() {
                        Ok(more) => batch.push(more),
                        Err(_) => break,
                    }
                }
                running.spawn(answer(storage.clone(), batch));
            }
        }
    }
    while running.join_next().await.is_some() {}
}

async fn answer(storage: Storage, batch: Vec<Wanted>) {
    let mut pairs: Vec<(Id, Id)> = batch.iter().map(|w| (w.user_id, w.track_id)).collect();
    pairs.sort_unstable_by_key(|&(user, track)| (user.0, track.0));
    pairs.dedup();
    match storage.detail_rows(&pairs).await {
        Ok(rows) => {
            let found: HashMap<(Id, Id), DetailRow> = rows
                .into_iter()
                .map(|row| ((row.asking_user, row.detail.track.id), row.detail))
                .collect();
            for w in batch {
                let row = found.get(&(w.user_id, w.track_id)).cloned();
                let _ = w.reply.send(match row {
                    Some(row) => Answer::Found(Box::new(row)),
                    None => Answer::Missing,
                });
            }
        }
        Err(err) => {
            tracing::debug!(error = %err, "a batch of track pages failed; each is read alone");
            for w in batch {
                let _ = w.reply.send(Answer::Failed);
            }
        }
    }
}

/// [`TRACK_COLUMNS`] of `tracks t`, for queries that join.
fn qualified_track_columns() -> &'static str {
    static COLUMNS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        TRACK_COLUMNS
            .split(',')
            .map(|column| format!("t.{}", column.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    });
    &COLUMNS
}
