//! Keeping the search engine in step with the catalog.
//!
//! Catalog writes report the rows they touched ([`CatalogChange`]); the syncer gathers them
//! for a quarter of a second, reloads those rows and the rows whose documents include them
//! (an album's tracks carry its title; an artist's albums and tracks carry their name), and
//! commits them in one batch. Each commit records a checkpoint: the moment before which every
//! change is in. After a restart, rows written since the checkpoint (less a margin for
//! transactions that were still open) are read again, and if the engine's counts then differ
//! from the database's (a delete reported to a process that died), it is rebuilt.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

use super::{Backend, Checkpoint, SCHEMA_VERSION, Search, SearchError, State, database};
use crate::storage::{CatalogChange, Id, SearchEntity, SearchKind};

/// How long changes gather before they are committed together.
const BATCH_WINDOW: Duration = Duration::from_millis(250);
/// A batch is committed early once it is this big.
const MAX_BATCH: usize = 20_000;
/// Rows per step of a rebuild or a batch.
const PAGE: usize = 5_000;
/// A catch-up that would re-read more rows than this rebuilds instead (it is cheaper).
const REBUILD_ABOVE: usize = 200_000;
/// Writes up to this long before the checkpoint are read again after a restart: a
/// transaction stamps its rows when it starts and may commit later.
const CATCH_UP_MARGIN: chrono::TimeDelta = chrono::TimeDelta::seconds(60);
/// How often rows written by other processes (`juke scan`, other instances on one PostgreSQL)
/// are looked for; they report their changes to their own process only.
const POLL_INTERVAL: Duration = Duration::from_secs(30);
const POLL_MARGIN: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

impl Search {
    /// Writes documents (replacing those of the same ids) and removals; they are searchable
    /// after [`Search::commit`]. The syncer's step, public for tools and benchmarks.
    pub async fn write(
        &self,
        upserts: Vec<SearchEntity>,
        removals: Vec<Id>,
    ) -> Result<(), SearchError> {
        match &self.backend {
            Backend::Tantivy(slot) => {
                let index = super::current(slot);
                tokio::task::spawn_blocking(move || index.write(&upserts, &removals))
                    .await
                    .map_err(|err| SearchError::Index(err.to_string()))?
            }
            Backend::Database => database::write(&self.storage, &upserts, &removals).await,
        }
    }

    /// Makes what was written searchable and durable, recording that every catalog change
    /// before `caught_up` is in.
    pub async fn commit(&self, caught_up: DateTime<Utc>) -> Result<(), SearchError> {
        match &self.backend {
            Backend::Tantivy(slot) => {
                let index = super::current(slot);
                let checkpoint = Checkpoint {
                    schema: SCHEMA_VERSION,
                    caught_up,
                };
                tokio::task::spawn_blocking(move || index.commit(&checkpoint))
                    .await
                    .map_err(|err| SearchError::Index(err.to_string()))?
            }
            Backend::Database => database::save_checkpoint(&self.storage, caught_up).await,
        }
    }

    /// Re-indexes these rows and those whose documents include them, as the database has them
    /// now, and commits with `caught_up` as the checkpoint. Rows are loaded and written a page
    /// at a time, so a large batch does not sit in memory whole.
    pub async fn apply(
        &self,
        changes: &HashSet<CatalogChange>,
        caught_up: DateTime<Utc>,
    ) -> Result<(), SearchError> {
        let mut ids: [HashSet<Id>; 3] = Default::default();
        let add = |ids: &mut [HashSet<Id>; 3], change: CatalogChange| match change {
            CatalogChange::Track(id) => ids[0].insert(id),
            CatalogChange::Album(id) | CatalogChange::AlbumCounts(id) => ids[1].insert(id),
            CatalogChange::Artist(id) | CatalogChange::ArtistCounts(id) => ids[2].insert(id),
        };
        let mut expanded: HashSet<CatalogChange> = HashSet::new();
        let mut expand: Vec<CatalogChange> = changes.iter().copied().collect();
        while let Some(change) = expand.pop() {
            add(&mut ids, change);
            // A name change reaches every document carrying the name: an album's tracks, an
            // artist's albums and tracks, and (through those albums) tracks by others on them.
            if matches!(change, CatalogChange::Album(_) | CatalogChange::Artist(_))
                && expanded.insert(change)
            {
                for dependent in self.storage.search_dependents(change).await? {
                    if matches!(dependent, CatalogChange::Album(_)) {
                        expand.push(dependent);
                    } else {
                        add(&mut ids, dependent);
                    }
                }
            }
        }
        // Tracks first: their albums' and artists' counts change with them; albums before
        // artists for the same reason.
        let mut written = 0usize;
        for (slot, kind) in SearchKind::ALL.into_iter().enumerate() {
            let wanted: Vec<Id> = ids[slot].iter().copied().collect();
            for page in wanted.chunks(PAGE) {
                let found = self.storage.search_entities(kind, page).await?;
                let present: HashSet<Id> = found.iter().map(|e| e.id).collect();
                let removals: Vec<Id> = page
                    .iter()
                    .filter(|id| !present.contains(id))
                    .copied()
                    .collect();
                for entity in &found {
                    for parent in &entity.parents {
                        add(&mut ids, *parent);
                    }
                }
                written += found.len() + removals.len();
                self.write(found, removals).await?;
            }
        }
        // Nothing to write: the index already has every change before `caught_up`, and the
        // older checkpoint it keeps only means a little more is read again after a restart.
        if written == 0 {
            return Ok(());
        }
        self.commit(caught_up).await
    }

    /// Empties the engine and fills it from the database; `progress(done, total)` is called
    /// after each step. Searches answer from the old contents until the end (tantivy) or see
    /// the new ones fill in (database). Returns the documents written.
    pub async fn rebuild(&self, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<u64, SearchError> {
        let started = self.storage.database_now().await?;
        let mut total = 0u64;
        for kind in SearchKind::ALL {
            total += self.storage.count_searchable(kind).await?.max(0) as u64;
        }
        // An empty catalog and an empty index: nothing to build (a first start). Starting a
        // writer only to commit nothing would cost its memory for the life of the process.
        let mut held = 0;
        for kind in SearchKind::ALL {
            held += self.count(kind).await?;
        }
        if total == 0 && held == 0 {
            progress(0, 0);
            return Ok(0);
        }
        match &self.backend {
            Backend::Tantivy(slot) => super::current(slot).clear()?,
            Backend::Database => self.storage.search_documents_clear().await?,
        }
        let mut done = 0u64;
        progress(0, total);
        for kind in SearchKind::ALL {
            let mut after = None;
            loop {
                let page = self
                    .storage
                    .search_ids_after(kind, after, PAGE as i64)
                    .await?;
                let Some(last) = page.last().copied() else {
                    break;
                };
                let entities = self.storage.search_entities(kind, &page).await?;
                done += entities.len() as u64;
                self.write(entities, Vec::new()).await?;
                progress(done, total.max(done));
                after = Some(last);
            }
        }
        self.commit(started).await?;
        Ok(done)
    }

    /// Brings the engine up to date after a start: rebuilt when it must be, else the rows
    /// written since its checkpoint are read again; rebuilt after all if it then holds more
    /// documents than the database has rows (a delete reported to a process that died).
    /// Returns the moment (the database's clock) from which later writes are still to be read.
    pub async fn catch_up(&self, state: State) -> Result<DateTime<Utc>, SearchError> {
        let started = self.storage.database_now().await?;
        let rebuild_why = match state {
            State::NeedsRebuild(why) => Some(why),
            State::CaughtUp(checkpoint) => {
                let changes: HashSet<CatalogChange> = self
                    .storage
                    .catalog_changed_since(checkpoint - CATCH_UP_MARGIN)
                    .await?
                    .into_iter()
                    .collect();
                if changes.len() > REBUILD_ABOVE {
                    Some("far behind")
                } else {
                    if !changes.is_empty() {
                        tracing::info!(rows = changes.len(), "search index catching up");
                    }
                    self.apply(&changes, started).await?;
                    // Rows written meanwhile only make the database's side bigger; more on the
                    // index's side means documents whose rows are gone.
                    self.holds_extra().await?.then_some("holds deleted rows")
                }
            }
        };
        if let Some(why) = rebuild_why {
            tracing::info!(
                engine = self.engine_name(),
                why,
                "building the search index"
            );
            let written = self.rebuild(&|_, _| {}).await?;
            tracing::info!(documents = written, "search index built");
        }
        Ok(started)
    }

    async fn holds_extra(&self) -> Result<bool, SearchError> {
        for kind in SearchKind::ALL {
            let rows = self.storage.count_searchable(kind).await?.max(0) as u64;
            if self.count(kind).await? > rows {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Subscribes to catalog changes now (so none is missed), then in the background catches
    /// up and keeps applying changes until the storage is dropped.
    pub fn start(&self, state: State) -> tokio::task::JoinHandle<()> {
        let changes = self.storage.subscribe_catalog_changes();
        let search = self.clone();
        tokio::spawn(async move {
            let since = loop {
                match search.catch_up(state.clone()).await {
                    Ok(since) => break since,
                    Err(err) => {
                        tracing::error!(error = %err, "search index could not catch up; retrying in 5 s");
                        tokio::time::sleep(Duration::from_secs(5)).await;
                    }
                }
            };
            search.follow(changes, since).await;
        })
    }

    /// Applies reported changes in batches, and every [`POLL_INTERVAL`] looks for rows other
    /// processes wrote since `last_poll`. A commit's checkpoint is the last poll's moment:
    /// this process's own changes are all in by then, other processes' only up to the poll.
    async fn follow(
        &self,
        mut changes: UnboundedReceiver<CatalogChange>,
        mut last_poll: DateTime<Utc>,
    ) {
        let mut pending: HashSet<CatalogChange> = HashSet::new();
        let mut next_poll = Instant::now() + POLL_INTERVAL;
        loop {
            if pending.is_empty() {
                match tokio::time::timeout_at(next_poll, changes.recv()).await {
                    Ok(Some(change)) => {
                        pending.insert(change);
                    }
                    Ok(None) => return,
                    Err(_) => {
                        match self.poll(last_poll).await {
                            Ok((found, started)) => {
                                pending.extend(found);
                                last_poll = started;
                            }
                            Err(err) => tracing::warn!(error = %err, "search index poll failed"),
                        }
                        next_poll = Instant::now() + POLL_INTERVAL;
                        if pending.is_empty() && !self.is_damaged() && !self.is_gone() {
                            continue;
                        }
                    }
                }
            }
            let deadline = Instant::now() + BATCH_WINDOW;
            while pending.len() < MAX_BATCH {
                match tokio::time::timeout_at(deadline, changes.recv()).await {
                    Ok(Some(change)) => {
                        pending.insert(change);
                    }
                    Ok(None) | Err(_) => break,
                }
            }
            match self.replace_if_gone().await {
                Ok(true) => {
                    if let Err(err) = self.rebuild(&|_, _| {}).await {
                        tracing::error!(error = %err, "search index rebuild failed");
                    }
                }
                Ok(false) => {}
                Err(err) => tracing::error!(error = %err, "cannot make a new search index"),
            }
            if self.is_damaged() {
                tracing::warn!("search index damaged; rebuilding it");
                if let Err(err) = self.rebuild(&|_, _| {}).await {
                    tracing::error!(error = %err, "search index rebuild failed");
                }
            }
            match self.apply(&pending, last_poll).await {
                Ok(()) => pending.clear(),
                Err(err) => {
                    // Kept, and tried again with whatever arrives meanwhile.
                    tracing::error!(error = %err, rows = pending.len(), "search index update failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Rows written since `since` (less a margin for transactions still open then), and the
    /// moment this look started.
    async fn poll(
        &self,
        since: DateTime<Utc>,
    ) -> Result<(Vec<CatalogChange>, DateTime<Utc>), SearchError> {
        let started = self.storage.database_now().await?;
        let found = self
            .storage
            .catalog_changed_since(since - POLL_MARGIN)
            .await?;
        Ok((found, started))
    }
}
