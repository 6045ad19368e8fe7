//! Search: the tantivy index (default) or the database's own full text, one answer shape.
//!
//! Both engines index the same rows, kept in step with the catalog by [`sync`]: every catalog
//! write reports what it touched, and those rows are reloaded and re-indexed in batches.

mod collect;
mod database;
mod index;
pub mod sync;
pub mod text;

use std::path::Path;
use std::sync::{Arc, PoisonError, RwLock};

use bytes::{BufMut, Bytes, BytesMut};
use chrono::{DateTime, Utc};

use crate::config::{Config, SearchEngine};
use crate::storage::{SearchKind, Storage, StorageError};
use crate::validate::{FieldError, field_error};
pub use index::{Checkpoint, Opened, SCHEMA_VERSION, TantivyIndex};

/// Results per kind when the request does not say.
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
/// The tantivy writer's memory for buffering documents between commits.
/// Taken as documents arrive, not up front; more means fewer segments to merge on a rebuild.
const WRITER_MEMORY: usize = 192 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("search index: {0}")]
    Index(String),
    /// Another process (a running server) holds the index for writing.
    #[error("the search index is in use by another process ({0})")]
    Locked(String),
    #[error("search index files: {0}")]
    Io(#[from] std::io::Error),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(err: tantivy::TantivyError) -> Self {
        SearchError::Index(err.to_string())
    }
}

impl From<tantivy::directory::error::OpenDirectoryError> for SearchError {
    fn from(err: tantivy::directory::error::OpenDirectoryError) -> Self {
        SearchError::Index(err.to_string())
    }
}

/// A search as asked: validated, bounded.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub text: String,
    kinds: [bool; 3],
    pub limit: usize,
}

impl SearchRequest {
    /// From the query string's `q`, `types` (comma-separated track, album, artist; default
    /// all) and `limit` (1–100, default 20). An empty `q` is refused; a long one is cut.
    pub fn parse(
        q: Option<&str>,
        types: Option<&str>,
        limit: Option<&str>,
    ) -> Result<SearchRequest, FieldError> {
        let text = q.unwrap_or_default().trim();
        if text.is_empty() {
            return Err(field_error("q", "must not be empty"));
        }
        let end = text
            .char_indices()
            .nth(text::MAX_QUERY_CHARS)
            .map_or(text.len(), |(at, _)| at);
        let mut kinds = [types.is_none(); 3];
        if let Some(types) = types {
            for name in types.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                let kind = match name {
                    "track" | "tracks" => SearchKind::Track,
                    "album" | "albums" => SearchKind::Album,
                    "artist" | "artists" => SearchKind::Artist,
                    _ => {
                        return Err(field_error(
                            "types",
                            "must list track, album and/or artist, comma-separated",
                        ));
                    }
                };
                kinds[kind_index(kind)] = true;
            }
            if !kinds.contains(&true) {
                return Err(field_error(
                    "types",
                    "must name at least one of track, album, artist",
                ));
            }
        }
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(raw) => match raw.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => return Err(field_error("limit", "must be a whole number from 1 to 100")),
            },
        };
        Ok(SearchRequest {
            text: text[..end].to_owned(),
            kinds,
            limit,
        })
    }

    /// All kinds, at most `limit` each.
    pub fn everything(text: &str, limit: usize) -> SearchRequest {
        SearchRequest {
            text: text.to_owned(),
            kinds: [true; 3],
            limit,
        }
    }

    pub fn kinds(&self) -> impl Iterator<Item = SearchKind> + '_ {
        SearchKind::ALL
            .into_iter()
            .filter(|k| self.kinds[kind_index(*k)])
    }
}

fn kind_index(kind: SearchKind) -> usize {
    match kind {
        SearchKind::Track => 0,
        SearchKind::Album => 1,
        SearchKind::Artist => 2,
    }
}

/// Results, best first, each the summary JSON the catalog lists show.
#[derive(Debug, Default, Clone)]
pub struct Hits {
    pub tracks: Vec<Bytes>,
    pub albums: Vec<Bytes>,
    pub artists: Vec<Bytes>,
}

impl Hits {
    fn of_mut(&mut self, kind: SearchKind) -> &mut Vec<Bytes> {
        match kind {
            SearchKind::Track => &mut self.tracks,
            SearchKind::Album => &mut self.albums,
            SearchKind::Artist => &mut self.artists,
        }
    }

    /// `{"tracks":[…],"albums":[…],"artists":[…]}`, spliced from the stored JSON.
    pub fn to_json(&self) -> Bytes {
        let size: usize = [&self.tracks, &self.albums, &self.artists]
            .iter()
            .flat_map(|list| list.iter().map(|j| j.len() + 1))
            .sum();
        let mut out = BytesMut::with_capacity(size + 40);
        for (i, (name, list)) in [
            ("tracks", &self.tracks),
            ("albums", &self.albums),
            ("artists", &self.artists),
        ]
        .into_iter()
        .enumerate()
        {
            out.put_slice(if i == 0 { b"{\"" } else { b",\"" });
            out.put_slice(name.as_bytes());
            out.put_slice(b"\":[");
            for (j, json) in list.iter().enumerate() {
                if j > 0 {
                    out.put_u8(b',');
                }
                out.put_slice(json);
            }
            out.put_u8(b']');
        }
        out.put_u8(b'}');
        out.freeze()
    }
}

#[derive(Clone)]
enum Backend {
    /// The index in use: replaced by a new one when its folder disappears under the server.
    Tantivy(Arc<RwLock<Arc<TantivyIndex>>>),
    Database,
}

/// The search engine the configuration chose, over the server's storage.
/// The index a tantivy backend uses now.
fn current(slot: &RwLock<Arc<TantivyIndex>>) -> Arc<TantivyIndex> {
    Arc::clone(&slot.read().unwrap_or_else(PoisonError::into_inner))
}

#[derive(Clone)]
pub struct Search {
    backend: Backend,
    storage: Storage,
}

/// What opening found: whether the engine must be filled from scratch before it is whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Caught up to this moment; later changes are to be re-read.
    CaughtUp(DateTime<Utc>),
    /// Empty, or not to be trusted: rebuild (the reason is for the log).
    NeedsRebuild(&'static str),
}

impl Search {
    /// Opens the configured engine. The tantivy index lives in `<data_dir>/index`.
    pub async fn open(config: &Config, storage: Storage) -> Result<(Search, State), SearchError> {
        match config.search.engine {
            SearchEngine::Tantivy => {
                Self::open_tantivy(&config.data_dir.join("index"), storage).await
            }
            SearchEngine::Database => {
                let search = Search {
                    backend: Backend::Database,
                    storage,
                };
                let state = database::state(&search.storage).await?;
                Ok((search, state))
            }
        }
    }

    /// The tantivy engine over an index at `path` (made when missing or unusable).
    pub async fn open_tantivy(
        path: &Path,
        storage: Storage,
    ) -> Result<(Search, State), SearchError> {
        let path = path.to_path_buf();
        let (index, opened) =
            tokio::task::spawn_blocking(move || TantivyIndex::open(&path, WRITER_MEMORY))
                .await
                .map_err(|err| SearchError::Index(err.to_string()))??;
        let state = match opened {
            Opened::Current(checkpoint) => State::CaughtUp(checkpoint.caught_up),
            Opened::Fresh(why) => State::NeedsRebuild(why),
        };
        Ok((
            Search {
                backend: Backend::Tantivy(Arc::new(RwLock::new(index))),
                storage,
            },
            state,
        ))
    }

    pub fn engine_name(&self) -> &'static str {
        match self.backend {
            Backend::Tantivy(_) => "tantivy",
            Backend::Database => "database",
        }
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// The best matches of each asked kind.
    pub async fn query(&self, request: &SearchRequest) -> Result<Hits, SearchError> {
        match &self.backend {
            // Sub-millisecond on a family library and a few on a million tracks: cheaper to
            // answer here than to hand to another thread.
            Backend::Tantivy(slot) => current(slot).search(request),
            Backend::Database => database::search(&self.storage, request).await,
        }
    }

    /// Whether a search found the index damaged: the syncer then rebuilds it.
    pub fn is_damaged(&self) -> bool {
        match &self.backend {
            Backend::Tantivy(slot) => current(slot).is_damaged(),
            Backend::Database => false,
        }
    }

    /// Whether the index's folder is gone from under the server.
    pub fn is_gone(&self) -> bool {
        match &self.backend {
            Backend::Tantivy(slot) => current(slot).is_gone(),
            Backend::Database => false,
        }
    }

    /// How many documents of a kind the engine holds.
    pub async fn count(&self, kind: SearchKind) -> Result<u64, SearchError> {
        match &self.backend {
            Backend::Tantivy(slot) => current(slot).count(kind),
            Backend::Database => Ok(self.storage.search_documents_count(kind).await?.max(0) as u64),
        }
    }

    /// When the index's folder was removed under the running server, puts a new empty index
    /// in its place and returns true: the caller rebuilds it. Searches answer from the old
    /// index's open files until then.
    pub async fn replace_if_gone(&self) -> Result<bool, SearchError> {
        let Backend::Tantivy(slot) = &self.backend else {
            return Ok(false);
        };
        let index = current(slot);
        if !index.is_gone() {
            return Ok(false);
        }
        tracing::warn!(path = %index.path().display(), "the search index's folder was removed; making a new one and rebuilding it");
        let fresh = tokio::task::spawn_blocking(move || index.recreate())
            .await
            .map_err(|err| SearchError::Index(err.to_string()))??;
        *slot.write().unwrap_or_else(PoisonError::into_inner) = fresh;
        Ok(true)
    }

    /// Whether the engine holds exactly the searchable rows the database has.
    pub async fn is_complete(&self) -> Result<bool, SearchError> {
        for kind in SearchKind::ALL {
            let want = self.storage.count_searchable(kind).await?.max(0) as u64;
            if self.count(kind).await? != want {
                return Ok(false);
            }
        }
        Ok(true)
    }
}
