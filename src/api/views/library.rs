//! Uploads, library scans and the health check.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::library::service::{FinishedScan, ScanStatus};
use crate::storage::{Id, Upload};

/// An upload and how far the queue has taken it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadView {
    pub id: Id,
    pub user_id: Id,
    pub file_name: String,
    pub original_name: String,
    pub file_size: i64,
    pub mime_type: Option<String>,
    /// pending | processing | completed | failed
    pub upload_status: String,
    pub processing_log: Option<String>,
    pub track_id: Option<Id>,
    pub created_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
}

impl From<Upload> for UploadView {
    fn from(row: Upload) -> Self {
        UploadView {
            id: row.id,
            user_id: row.user_id,
            file_name: row.file_name,
            original_name: row.original_name,
            file_size: row.file_size,
            mime_type: row.mime_type,
            upload_status: row.upload_status,
            processing_log: row.processing_log,
            track_id: row.track_id,
            created_at: row.created_at,
            processed_at: row.processed_at,
        }
    }
}

/// The files of one upload request, queued.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadsAcceptedView {
    pub uploads: Vec<UploadView>,
}

/// A finished scan: when, and what it found.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinishedScanView {
    pub full: bool,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub missing: u64,
    pub failed: u64,
    /// Moved files (counted in `updated` too) and reappeared files (in `unchanged` or `updated`).
    pub moved: u64,
    pub reappeared: u64,
    /// Why the scan stopped early, when it did.
    pub error: Option<String>,
}

impl From<FinishedScan> for FinishedScanView {
    fn from(scan: FinishedScan) -> Self {
        FinishedScanView {
            full: scan.full,
            started_at: scan.started_at,
            finished_at: scan.finished_at,
            added: scan.summary.added,
            updated: scan.summary.updated,
            unchanged: scan.summary.unchanged,
            missing: scan.summary.missing,
            failed: scan.summary.failed,
            moved: scan.summary.moved,
            reappeared: scan.summary.reappeared,
            error: scan.error,
        }
    }
}

/// The running scan's progress and the last one's summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanStatusView {
    pub running: bool,
    pub full: bool,
    pub started_at: Option<DateTime<Utc>>,
    /// Audio files found so far, and dealt with so far.
    pub found: u64,
    pub processed: u64,
    pub folders: Vec<String>,
    pub last: Option<FinishedScanView>,
}

impl From<ScanStatus> for ScanStatusView {
    fn from(status: ScanStatus) -> Self {
        ScanStatusView {
            running: status.running,
            full: status.full,
            started_at: status.started_at,
            found: status.found,
            processed: status.processed,
            folders: status
                .folders
                .iter()
                .map(|f| f.to_string_lossy().into_owned())
                .collect(),
            last: status.last.map(FinishedScanView::from),
        }
    }
}

/// A scan request's answer: the status, and whether this request queued a scan (false: one
/// already queued absorbed it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanQueuedView {
    #[serde(flatten)]
    pub status: ScanStatusView,
    pub queued: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthView {
    /// Always `ok` (an unhealthy server answers 503 with an error).
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
}

/// What a client needs before anyone has signed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServerInfoView {
    /// Always `Juke`.
    pub name: String,
    pub version: String,
    /// `open` (anyone may create an account), `closed` (admins make accounts) or `invite`
    /// (closed, and people join with an admin's invite link). An invite works whatever this says.
    pub registration: String,
    /// No account exists yet: the next registration makes the admin and must give the setup
    /// code the server logs at start (also in `<data_dir>/setup-code`).
    pub needs_admin: bool,
}
