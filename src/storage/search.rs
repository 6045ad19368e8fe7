//! What search indexes are built from, and the database's own full-text search.
//!
//! Both search engines index the same [`SearchEntity`] rows: a name, the words around it
//! (artist, album artist, album, genre), a popularity and the summary JSON a result shows.
//! The database engine keeps them in `search_documents`: on SQLite with an FTS5 table over
//! it, on PostgreSQL with a GIN index on `to_tsvector('simple', body)`. Words are stored
//! already folded by `search::text`, so both engines compare what the tantivy index compares.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::browse::{album_summary_select, artist_summary_select};
use super::catalog::{SUMMARY_COLUMNS, SUMMARY_JOINS};
use super::{
    AlbumSummary, ArtistSummary, CatalogChange, Engine, Id, Storage, StorageResult, TrackSummary,
    Ts, to_json, with_pool,
};

/// Ids per `IN (…)` list: well under both engines' parameter limits.
const IDS_PER_QUERY: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchKind {
    Track,
    Album,
    Artist,
}

impl SearchKind {
    pub const ALL: [SearchKind; 3] = [SearchKind::Track, SearchKind::Album, SearchKind::Artist];

    pub fn as_str(self) -> &'static str {
        match self {
            SearchKind::Track => "track",
            SearchKind::Album => "album",
            SearchKind::Artist => "artist",
        }
    }
}

/// One searchable catalog row.
#[derive(Debug, Clone)]
pub struct SearchEntity {
    pub kind: SearchKind,
    pub id: Id,
    pub name: String,
    /// Other names it is found by: a track's artist, album artist, album and genre; an
    /// album's artist and genre.
    pub context: Vec<String>,
    /// Plays of the track, or of all the album's or artist's tracks.
    pub popularity: i64,
    /// The JSON a result shows: the same object the catalog lists return.
    pub summary: Bytes,
    /// Rows whose summaries count this one (a track's album and artist, an album's artist).
    pub parents: Vec<CatalogChange>,
}

/// A row of `search_documents`, the database engine's index.
#[derive(Debug, Clone)]
pub struct SearchDocument {
    pub kind: SearchKind,
    pub id: Id,
    /// The whole name as one folded key ("exactly this name").
    pub name_key: String,
    /// The name's folded words, space-separated.
    pub name_words: String,
    /// Every folded word the row is found by, space-separated.
    pub body: String,
    pub sort_name: String,
    pub popularity: i64,
    pub summary: Bytes,
}

/// What the database engine is asked: folded words, the last one as typed so far.
#[derive(Debug, Clone)]
pub struct DatabaseQuery {
    pub words: Vec<String>,
    pub name_key: String,
    pub last_is_prefix: bool,
}

#[derive(sqlx::FromRow)]
struct TrackRow {
    #[sqlx(flatten)]
    summary: TrackSummary,
    album_artist: Option<String>,
}

fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Storage {
    /// The searchable rows of these ids (tracks only while available); missing ids are left out.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn search_entities(
        &self,
        kind: SearchKind,
        ids: &[Id],
    ) -> StorageResult<Vec<SearchEntity>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let list = placeholders(1, chunk.len());
            match kind {
                SearchKind::Track => {
                    let sql = format!(
                        "SELECT {SUMMARY_COLUMNS}, aa.name AS album_artist FROM tracks t \
                         {SUMMARY_JOINS} LEFT JOIN artists aa ON aa.id = al.artist_id \
                         WHERE t.is_available AND t.id IN ({list})"
                    );
                    let rows = with_pool!(self, |pool, DB| {
                        let mut query = sqlx::query_as::<DB, TrackRow>(&sql);
                        for id in chunk {
                            query = query.bind(*id);
                        }
                        query.fetch_all(pool).await?
                    });
                    for row in rows {
                        out.push(track_entity(row)?);
                    }
                }
                SearchKind::Album => {
                    let sql = format!("{} WHERE al.id IN ({list})", album_summary_select());
                    let rows = with_pool!(self, |pool, DB| {
                        let mut query = sqlx::query_as::<DB, AlbumSummary>(&sql);
                        for id in chunk {
                            query = query.bind(*id);
                        }
                        query.fetch_all(pool).await?
                    });
                    for row in rows {
                        out.push(album_entity(row)?);
                    }
                }
                SearchKind::Artist => {
                    let sql = format!("{} WHERE a.id IN ({list})", artist_summary_select());
                    let rows = with_pool!(self, |pool, DB| {
                        let mut query = sqlx::query_as::<DB, ArtistSummary>(&sql);
                        for id in chunk {
                            query = query.bind(*id);
                        }
                        query.fetch_all(pool).await?
                    });
                    for row in rows {
                        out.push(artist_entity(row)?);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The next ids of a kind after `after`, in id order, searchable ones only: for rebuilds.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn search_ids_after(
        &self,
        kind: SearchKind,
        after: Option<Id>,
        limit: i64,
    ) -> StorageResult<Vec<Id>> {
        let (table, extra) = match kind {
            SearchKind::Track => ("tracks", " AND is_available"),
            SearchKind::Album => ("albums", ""),
            SearchKind::Artist => ("artists", ""),
        };
        // A nil id sorts before every real one on both engines (text and uuid order alike).
        let after = after.unwrap_or(Id(uuid::Uuid::nil()));
        let sql = format!("SELECT id FROM {table} WHERE id > $1{extra} ORDER BY id LIMIT $2");
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, Id>(&sql)
                .bind(after)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The database's clock: `updated_at` stamps come from it, so "written since" compares
    /// against it rather than this machine's (PostgreSQL may run elsewhere).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn database_now(&self) -> StorageResult<DateTime<Utc>> {
        Ok(match &self.pool {
            super::Pool::Postgres(pool) => {
                sqlx::query_scalar::<sqlx::Postgres, DateTime<Utc>>("SELECT now()")
                    .fetch_one(pool)
                    .await?
            }
            // Same machine, same clock.
            super::Pool::Sqlite(_) => Utc::now(),
        })
    }

    /// How many rows of a kind are searchable: what a complete index holds.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn count_searchable(&self, kind: SearchKind) -> StorageResult<i64> {
        let sql = match kind {
            SearchKind::Track => "SELECT count(*) FROM tracks WHERE is_available",
            SearchKind::Album => "SELECT count(*) FROM albums",
            SearchKind::Artist => "SELECT count(*) FROM artists",
        };
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, i64>(sql).fetch_one(pool).await?
        }))
    }

    /// The rows whose documents include this one's words: an album's tracks, an artist's albums
    /// and tracks. (A track's own album and artist are read from its entity.)
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn search_dependents(
        &self,
        change: CatalogChange,
    ) -> StorageResult<Vec<CatalogChange>> {
        Ok(match change {
            CatalogChange::Track(_)
            | CatalogChange::AlbumCounts(_)
            | CatalogChange::ArtistCounts(_) => Vec::new(),
            CatalogChange::Album(id) => self
                .ids_where("SELECT id FROM tracks WHERE album_id = $1", id)
                .await?
                .into_iter()
                .map(CatalogChange::Track)
                .collect(),
            CatalogChange::Artist(id) => {
                let mut out: Vec<CatalogChange> = self
                    .ids_where("SELECT id FROM albums WHERE artist_id = $1", id)
                    .await?
                    .into_iter()
                    .map(CatalogChange::Album)
                    .collect();
                // Tracks on the artist's albums come through those albums; these are the rest.
                out.extend(
                    self.ids_where("SELECT id FROM tracks WHERE artist_id = $1", id)
                        .await?
                        .into_iter()
                        .map(CatalogChange::Track),
                );
                out
            }
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    async fn ids_where(&self, sql: &str, id: Id) -> StorageResult<Vec<Id>> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, Id>(sql)
                .bind(id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Catalog rows written at or after `since`: what an index saved before then may lack.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn catalog_changed_since(
        &self,
        since: DateTime<Utc>,
    ) -> StorageResult<Vec<CatalogChange>> {
        let mut out = Vec::new();
        for (table, make) in [
            ("tracks", CatalogChange::Track as fn(Id) -> CatalogChange),
            ("albums", CatalogChange::Album),
            ("artists", CatalogChange::Artist),
        ] {
            let sql = format!("SELECT id FROM {table} WHERE updated_at >= $1");
            let ids = with_pool!(self, |pool, DB| {
                sqlx::query_scalar::<DB, Id>(&sql)
                    .bind(Ts(since))
                    .fetch_all(pool)
                    .await?
            });
            out.extend(ids.into_iter().map(make));
        }
        Ok(out)
    }

    // ---- the database engine's documents ----

    /// Writes documents (replacing those of the same ids) and removes others, in one transaction.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn search_documents_apply(
        &self,
        upserts: &[SearchDocument],
        removals: &[Id],
    ) -> StorageResult<()> {
        with_pool!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            for id in removals {
                sqlx::query::<DB>("DELETE FROM search_documents WHERE entity_id = $1")
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?;
            }
            for doc in upserts {
                // SQLite's FTS5 table follows the row through its triggers; PostgreSQL's GIN
                // index follows `body` by itself.
                sqlx::query::<DB>(
                    "INSERT INTO search_documents \
                     (entity_id, kind, name_key, name_words, body, sort_name, popularity, summary) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (entity_id) DO UPDATE SET kind = excluded.kind, \
                     name_key = excluded.name_key, name_words = excluded.name_words, \
                     body = excluded.body, sort_name = excluded.sort_name, \
                     popularity = excluded.popularity, summary = excluded.summary",
                )
                .bind(doc.id)
                .bind(doc.kind.as_str())
                .bind(&doc.name_key)
                .bind(&doc.name_words)
                .bind(&doc.body)
                .bind(&doc.sort_name)
                .bind(doc.popularity)
                .bind(String::from_utf8_lossy(&doc.summary).into_owned())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Empties the database engine's documents (before a rebuild).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn search_documents_clear(&self) -> StorageResult<()> {
        with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM search_documents")
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Bytes the database engine's documents take with their indexes (PostgreSQL: the table;
    /// SQLite: the whole database file, which has no per-table figure without extensions).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn search_documents_size(&self) -> StorageResult<i64> {
        let sql = match self.engine() {
            Engine::Postgres => "SELECT pg_total_relation_size('search_documents')",
            Engine::Sqlite => {
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
            }
        };
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, i64>(sql).fetch_one(pool).await?
        }))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn search_documents_count(&self, kind: SearchKind) -> StorageResult<i64> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, i64>("SELECT count(*) FROM search_documents WHERE kind = $1")
                .bind(kind.as_str())
                .fetch_one(pool)
                .await?
        }))
    }

    /// A value the search engine keeps beside its documents (its schema version, how far it
    /// has caught up).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn search_state(&self, key: &str) -> StorageResult<Option<String>> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, String>("SELECT value FROM search_state WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?
        }))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_search_state(&self, key: &str, value: &str) -> StorageResult<()> {
        with_pool!(self, |pool, DB| {
            sqlx::query::<DB>(
                "INSERT INTO search_state (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The database engine's answer: summaries, best first. Exact names first, then the
    /// engine's own rank (FTS5's bm25, PostgreSQL's ts_rank), then plays, then name.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn search_documents_query(
        &self,
        kind: SearchKind,
        query: &DatabaseQuery,
        limit: i64,
    ) -> StorageResult<Vec<Bytes>> {
        if query.words.is_empty() {
            return Ok(Vec::new());
        }
        let last = query.words.len() - 1;
        let rows = match self.engine() {
            Engine::Sqlite => {
                // Each word quoted (they are letters and digits only), so nothing is syntax.
                let expression = query
                    .words
                    .iter()
                    .enumerate()
                    .map(|(i, w)| {
                        let star = if i == last && query.last_is_prefix {
                            "*"
                        } else {
                            ""
                        };
                        format!("\"{w}\"{star}")
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                with_pool!(self, |pool, DB| {
                    sqlx::query_scalar::<DB, String>(
                        "SELECT d.summary FROM search_fts f \
                         JOIN search_documents d ON d.doc_id = f.rowid \
                         WHERE search_fts MATCH $1 AND d.kind = $2 \
                         ORDER BY d.name_key = $3 DESC, bm25(search_fts, 10.0, 1.0), \
                         d.popularity DESC, d.sort_name LIMIT $4",
                    )
                    .bind(expression)
                    .bind(kind.as_str())
                    .bind(&query.name_key)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
                })
            }
            Engine::Postgres => {
                let expression = query
                    .words
                    .iter()
                    .enumerate()
                    .map(|(i, w)| {
                        let star = if i == last && query.last_is_prefix {
                            ":*"
                        } else {
                            ""
                        };
                        format!("'{w}'{star}")
                    })
                    .collect::<Vec<_>>()
                    .join(" & ");
                with_pool!(self, |pool, DB| {
                    sqlx::query_scalar::<DB, String>(
                        "SELECT summary FROM search_documents \
                         WHERE to_tsvector('simple', body) @@ to_tsquery('simple', $1) AND kind = $2 \
                         ORDER BY name_key = $3 DESC, \
                         ts_rank(to_tsvector('simple', name_words), to_tsquery('simple', $1)) DESC, \
                         ts_rank(to_tsvector('simple', body), to_tsquery('simple', $1)) DESC, \
                         popularity DESC, sort_name LIMIT $4",
                    )
                    .bind(expression)
                    .bind(kind.as_str())
                    .bind(&query.name_key)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
                })
            }
        };
        Ok(rows.into_iter().map(Bytes::from).collect())
    }
}

fn track_entity(row: TrackRow) -> StorageResult<SearchEntity> {
    let s = row.summary;
    let mut context = vec![s.artist_name.clone()];
    context.extend(row.album_artist.filter(|a| *a != s.artist_name));
    context.extend(s.album_title.clone());
    context.extend(s.genre.clone());
    Ok(SearchEntity {
        kind: SearchKind::Track,
        id: s.id,
        name: s.title.clone(),
        context,
        popularity: s.play_count,
        summary: to_json(&s)?,
        parents: s
            .album_id
            .map(CatalogChange::AlbumCounts)
            .into_iter()
            .chain([CatalogChange::ArtistCounts(s.artist_id)])
            .collect(),
    })
}

fn album_entity(row: AlbumSummary) -> StorageResult<SearchEntity> {
    let mut context = vec![row.artist_name.clone()];
    context.extend(row.album.genre.clone());
    Ok(SearchEntity {
        kind: SearchKind::Album,
        id: row.album.id,
        name: row.album.title.clone(),
        context,
        popularity: row.play_count,
        summary: to_json(&row)?,
        parents: vec![CatalogChange::ArtistCounts(row.album.artist_id)],
    })
}

fn artist_entity(row: ArtistSummary) -> StorageResult<SearchEntity> {
    Ok(SearchEntity {
        kind: SearchKind::Artist,
        id: row.artist.id,
        name: row.artist.name.clone(),
        context: Vec::new(),
        popularity: row.play_count,
        summary: to_json(&row)?,
        parents: Vec::new(),
    })
}
