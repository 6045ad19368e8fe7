//! Which catalog rows changed, for whoever keeps a copy of them (the search index).
//!
//! Every catalog write in this module says what it touched, after the database has it; a
//! subscriber reloads those rows from the database, so a change reported twice, or reported
//! for a write that then failed, costs a reload and nothing else.

use std::sync::{Mutex, PoisonError};

use tokio::sync::mpsc;

use super::{Id, Storage};

/// A catalog row whose searchable content may have changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CatalogChange {
    /// Anything about the track: names, counts, availability, its album.
    Track(Id),
    /// The album's own fields, title included: its tracks carry the title, so they change too.
    Album(Id),
    /// The artist's own fields, name included: their albums and tracks carry it.
    Artist(Id),
    /// Only what the album's own summary shows (counts, cover): nothing else depends on it.
    AlbumCounts(Id),
    /// Only what the artist's own summary shows (counts).
    ArtistCounts(Id),
}

/// One subscriber at most: the server's indexer. Unbounded because a writer must never wait
/// on the index; the indexer drains it into a set at once.
#[derive(Debug, Default)]
pub(super) struct ChangeFeed {
    subscriber: Mutex<Option<mpsc::UnboundedSender<CatalogChange>>>,
}

impl ChangeFeed {
    fn send(&self, change: CatalogChange) {
        let mut subscriber = self
            .subscriber
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(tx) = subscriber.as_ref()
            && tx.send(change).is_err()
        {
            // The indexer has stopped; nobody listens any more.
            *subscriber = None;
        }
    }
}

impl Storage {
    /// Every catalog change from now on, for this one receiver (a later call replaces it).
    pub fn subscribe_catalog_changes(&self) -> mpsc::UnboundedReceiver<CatalogChange> {
        let (tx, rx) = mpsc::unbounded_channel();
        *self
            .changes
            .subscriber
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(tx);
        rx
    }

    pub(super) fn changed(&self, change: CatalogChange) {
        self.changes.send(change);
    }

    pub(super) fn tracks_changed(&self, ids: &[Id]) {
        for id in ids {
            self.changes.send(CatalogChange::Track(*id));
        }
    }
}
