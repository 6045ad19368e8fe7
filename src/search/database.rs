//! The "database" engine: documents in `search_documents`, searched by the database's own
//! full text (SQLite FTS5, PostgreSQL `to_tsvector` with a GIN index).

use chrono::{DateTime, Utc};

use super::text;
use super::{Checkpoint, Hits, SCHEMA_VERSION, SearchError, SearchRequest, State};
use crate::storage::{DatabaseQuery, Id, SearchDocument, SearchEntity, Storage};

const CHECKPOINT_KEY: &str = "checkpoint";

/// Where the documents stand: caught up to their checkpoint, or to be rebuilt.
pub(super) async fn state(storage: &Storage) -> Result<State, SearchError> {
    let checkpoint = storage
        .search_state(CHECKPOINT_KEY)
        .await?
        .and_then(|json| serde_json::from_str::<Checkpoint>(&json).ok());
    Ok(match checkpoint {
        Some(c) if c.schema == SCHEMA_VERSION => State::CaughtUp(c.caught_up),
        Some(_) => State::NeedsRebuild("of an older version"),
        None => State::NeedsRebuild("missing"),
    })
}

pub(super) async fn save_checkpoint(
    storage: &Storage,
    caught_up: DateTime<Utc>,
) -> Result<(), SearchError> {
    let checkpoint = Checkpoint {
        schema: SCHEMA_VERSION,
        caught_up,
    };
    let json =
        serde_json::to_string(&checkpoint).map_err(|err| SearchError::Index(err.to_string()))?;
    storage.set_search_state(CHECKPOINT_KEY, &json).await?;
    Ok(())
}

pub(super) async fn write(
    storage: &Storage,
    upserts: &[SearchEntity],
    removals: &[Id],
) -> Result<(), SearchError> {
    let documents: Vec<SearchDocument> = upserts.iter().map(document).collect();
    storage.search_documents_apply(&documents, removals).await?;
    Ok(())
}

fn joined(words: Vec<text::Word>) -> String {
    words
        .into_iter()
        .map(|w| w.text)
        .collect::<Vec<_>>()
        .join(" ")
}

fn document(entity: &SearchEntity) -> SearchDocument {
    let mut body = joined(text::index_words(&entity.name));
    for context in &entity.context {
        body.push(' ');
        body.push_str(&joined(text::index_words(context)));
    }
    SearchDocument {
        kind: entity.kind,
        id: entity.id,
        name_key: text::name_key(&entity.name),
        name_words: joined(text::index_words(&entity.name)),
        body,
        sort_name: text::fold(&entity.name),
        popularity: entity.popularity,
        summary: entity.summary.clone(),
    }
}

pub(super) async fn search(
    storage: &Storage,
    request: &SearchRequest,
) -> Result<Hits, SearchError> {
    let mut hits = Hits::default();
    let words = text::query_words(&request.text);
    if words.is_empty() {
        return Ok(hits);
    }
    let query = DatabaseQuery {
        words: words.into_iter().map(|w| w.text).collect(),
        name_key: text::name_key(&request.text),
        last_is_prefix: true,
    };
    for kind in request.kinds() {
        *hits.of_mut(kind) = storage
            .search_documents_query(kind, &query, request.limit as i64)
            .await?;
    }
    Ok(hits)
}
