//! The library as the server runs it: one background task that scans on start, on a timer
//! and on request, one scan at a time, with its progress and last summary for the API.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::mpsc;

use super::scan::{ScanEvent, ScanSummary, Scanner};
use crate::config::Config;
use crate::log_text::{LoggedPath, LoggedText};
use crate::storage::Storage;

#[derive(Debug, Clone, Serialize)]
pub struct FinishedScan {
    pub full: bool,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    #[serde(flatten)]
    pub summary: ScanSummary,
    /// Why the scan stopped early, when it did.
    pub error: Option<String>,
}

/// What `GET /api/v1/library/scan` shows.
#[derive(Debug, Clone, Serialize)]
pub struct ScanStatus {
    pub running: bool,
    pub full: bool,
    pub started_at: Option<DateTime<Utc>>,
    /// Audio files found so far, and dealt with so far.
    pub found: u64,
    pub processed: u64,
    pub folders: Vec<PathBuf>,
    pub last: Option<FinishedScan>,
}

/// The part of the status that changes at a scan's start and end.
#[derive(Debug, Clone, Default)]
struct RunState {
    running: bool,
    full: bool,
    started_at: Option<DateTime<Utc>>,
    last: Option<FinishedScan>,
}

pub struct Library {
    storage: Storage,
    data_dir: PathBuf,
    folders: Vec<PathBuf>,
    requests: mpsc::Sender<bool>,
    state: Mutex<RunState>,
    found: AtomicU64,
    processed: AtomicU64,
}

impl Library {
    /// Starts the scanning task on the current runtime and returns its handle.
    pub fn start(storage: Storage, config: &Config) -> Arc<Library> {
        // Capacity 1: requests made while one is queued collapse into it.
        let (requests, mut queue) = mpsc::channel(1);
        let library = Arc::new(Library {
            storage,
            data_dir: config.data_dir.clone(),
            folders: config.library.folders.clone(),
            requests,
            state: Mutex::new(RunState::default()),
            found: AtomicU64::new(0),
            processed: AtomicU64::new(0),
        });
        let interval = (config.library.scan_interval_minutes > 0)
            .then(|| Duration::from_secs(config.library.scan_interval_minutes * 60));
        let scan_on_start = config.library.scan_on_start && !config.library.folders.is_empty();
        if config.library.watch && !config.library.folders.is_empty() {
            watch(Arc::clone(&library));
        }
        let worker = Arc::clone(&library);
        actix_web::rt::spawn(async move {
            if scan_on_start {
                worker.run(false).await;
            }
            loop {
                let full = match interval {
                    Some(every) => tokio::select! {
                        request = queue.recv() => match request { Some(full) => full, None => return },
                        () = tokio::time::sleep(every) => false,
                    },
                    None => match queue.recv().await {
                        Some(full) => full,
                        None => return,
                    },
                };
                worker.run(full).await;
            }
        });
        library
    }

    /// Asks for a scan; false when one is already queued.
    pub fn request_scan(&self, full: bool) -> bool {
        self.requests.try_send(full).is_ok()
    }

    pub fn status(&self) -> ScanStatus {
        let RunState {
            running,
            full,
            started_at,
            last,
        } = self.state.lock().map(|s| s.clone()).unwrap_or_default();
        ScanStatus {
            running,
            full,
            started_at,
            found: self.found.load(Ordering::Relaxed),
            processed: self.processed.load(Ordering::Relaxed),
            folders: self.folders.clone(),
            last,
        }
    }

    fn set_state(&self, update: impl FnOnce(&mut RunState)) {
        if let Ok(mut state) = self.state.lock() {
            update(&mut state);
        }
    }

    async fn run(&self, full: bool) {
        let started_at = Utc::now();
        self.found.store(0, Ordering::Relaxed);
        self.processed.store(0, Ordering::Relaxed);
        self.set_state(|s| {
            s.running = true;
            s.full = full;
            s.started_at = Some(started_at);
        });
        tracing::info!(full, "library scan started");
        let report = |event: ScanEvent| match event {
            ScanEvent::Found(n) => self.found.store(n, Ordering::Relaxed),
            ScanEvent::Done => {
                self.processed.fetch_add(1, Ordering::Relaxed);
            }
        };
        let scanner = Scanner::new(self.storage.clone(), self.data_dir.clone());
        let result = scanner.scan(&self.folders, full, &report).await;
        let (summary, error) = match result {
            Ok(summary) => (summary, None),
            Err(err) => (ScanSummary::default(), Some(err.to_string())),
        };
        tracing::info!(?summary, error = error.as_deref(), "library scan finished");
        let finished = FinishedScan {
            full,
            started_at,
            finished_at: Utc::now(),
            summary,
            error,
        };
        self.set_state(|s| {
            s.running = false;
            s.last = Some(finished);
        });
    }
}

/// Quiet time after the last file-system event before the rescan starts: copying an album
/// makes a burst of events, and one scan should follow it, not one per file.
const WATCH_DEBOUNCE: Duration = Duration::from_secs(2);

/// Unwatchable folders named in the one warning that lists them.
const UNWATCHED_NAMED: usize = 5;

/// Follows changes in the library folders; each burst of changes queues one incremental scan
/// (which skips unchanged files, so it costs little).
///
/// Every folder is watched on its own (not with notify's recursive mode, which stops at the
/// first folder it cannot watch and leaves every folder after it unwatched): a folder that
/// cannot be watched (no permission, the watch limit reached) is logged once and skipped, and
/// the periodic scan still covers it. Folders created later are watched as they appear.
fn watch(library: Arc<Library>) {
    use notify::EventKind;
    use notify::event::ModifyKind;

    let (events, mut changes) = mpsc::unbounded_channel::<Vec<PathBuf>>();
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reads (Juke's own scans included) are not changes.
        if let Ok(event) = event
            && !matches!(event.kind, EventKind::Access(_))
        {
            // A new or moved-in folder needs watches of its own; these paths may be one. Other
            // changes (a folder's times or permissions) must not re-walk the library.
            let maybe_folders = match event.kind {
                EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(_)) => event.paths,
                _ => Vec::new(),
            };
            let _ = events.send(maybe_folders);
        }
    });
    let watcher = match watcher {
        Ok(watcher) => watcher,
        Err(err) => {
            tracing::warn!(error = %err, "cannot watch the library folders; relying on scans");
            return;
        }
    };
    actix_web::rt::spawn(async move {
        // Walking a large library to add its watches is blocking work.
        let folders = library.folders.clone();
        let Ok(mut watcher) =
            tokio::task::spawn_blocking(move || watch_trees(watcher, &folders)).await
        else {
            return;
        };
        while let Some(paths) = changes.recv().await {
            let mut new_folders: Vec<PathBuf> = paths.into_iter().filter(|p| p.is_dir()).collect();
            while let Ok(Some(paths)) = tokio::time::timeout(WATCH_DEBOUNCE, changes.recv()).await {
                new_folders.extend(paths.into_iter().filter(|p| p.is_dir()));
            }
            if !new_folders.is_empty() {
                let Ok(returned) =
                    tokio::task::spawn_blocking(move || watch_trees(watcher, &new_folders)).await
                else {
                    return;
                };
                watcher = returned;
            }
            tracing::debug!("library folders changed; queueing a scan");
            library.request_scan(false);
        }
    });
}

/// Watches every folder under `roots` (blocking work: it walks them), warns once about those
/// that could not be watched, and hands the watcher back.
fn watch_trees<W: notify::Watcher>(mut watcher: W, roots: &[PathBuf]) -> W {
    let unwatched: Vec<_> = roots
        .iter()
        .flat_map(|root| watch_tree(&mut watcher, root))
        .collect();
    warn_unwatched(&unwatched);
    watcher
}

/// Watches `root` and every folder below it, each on its own; returns the folders that could
/// not be watched or walked, with why.
fn watch_tree(
    watcher: &mut impl notify::Watcher,
    root: &std::path::Path,
) -> Vec<(PathBuf, String)> {
    let mut unwatched = Vec::new();
    for entry in walkdir::WalkDir::new(root).follow_links(true) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                // A dangling link is a file gone, not a folder left unwatched.
                if err
                    .io_error()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound)
                {
                    continue;
                }
                let path = err
                    .path()
                    .map_or_else(|| root.to_path_buf(), std::path::Path::to_path_buf);
                if !unwatched.iter().any(|(p, _)| *p == path) {
                    unwatched.push((path, err.to_string()));
                }
                continue;
            }
        };
        if !entry.file_type().is_dir() {
            continue;
        }
        if let Err(err) = watcher.watch(entry.path(), notify::RecursiveMode::NonRecursive) {
            unwatched.push((entry.path().to_path_buf(), err.to_string()));
        }
    }
    unwatched
}

/// One warning for a whole set-up, however many folders it could not watch.
fn warn_unwatched(unwatched: &[(PathBuf, String)]) {
    if unwatched.is_empty() {
        return;
    }
    let named: Vec<String> = unwatched
        .iter()
        .take(UNWATCHED_NAMED)
        .map(|(path, why)| format!("{} ({})", LoggedPath(path), LoggedText(why)))
        .collect();
    tracing::warn!(
        count = unwatched.len(),
        folders = %named.join("; "),
        "cannot watch some library folders; the periodic scan still covers them"
    );
}
