//! The upload queue.

use chrono::{DateTime, Utc};

use super::Returned;
use super::paging;
use super::users::found;
use super::{Id, NewUpload, Storage, StorageResult, Ts, Upload, with_pool};

const UPLOAD_COLUMNS: &str = "id, user_id, file_name, original_name, file_path, file_size, mime_type, \
     upload_status, processing_log, track_id, created_at, processed_at";

impl Storage {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_upload(&self, new: &NewUpload) -> StorageResult<Upload> {
        let sql = format!(
            "INSERT INTO upload_queue (id, user_id, file_name, original_name, file_path, file_size, \
             mime_type) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {UPLOAD_COLUMNS}"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Upload>(&sql)
                .bind(Id::new())
                .bind(new.user_id)
                .bind(&new.file_name)
                .bind(&new.original_name)
                .bind(&new.file_path)
                .bind(new.file_size)
                .bind(&new.mime_type)
                .fetch_all(pool)
                .await?
                .returned_one()?
        }))
    }

    /// Moves an upload to another status, appending to its log; finished statuses stamp
    /// processed_at.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn set_upload_status(
        &self,
        id: Id,
        status: &str,
        log_line: Option<&str>,
    ) -> StorageResult<()> {
        self.finish_upload(id, status, log_line, None).await
    }

    /// Like [`Storage::set_upload_status`], linking the track the upload produced.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn finish_upload(
        &self,
        id: Id,
        status: &str,
        log_line: Option<&str>,
        track_id: Option<Id>,
    ) -> StorageResult<()> {
        let finished = matches!(status, "completed" | "failed");
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>(
                "UPDATE upload_queue SET upload_status = $2, \
                 processing_log = CASE WHEN $3 IS NULL THEN processing_log \
                     WHEN processing_log IS NULL THEN $3 ELSE processing_log || '\n' || $3 END, \
                 processed_at = CASE WHEN $4 THEN $5 ELSE processed_at END, \
                 track_id = COALESCE($6, track_id) \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(status)
            .bind(log_line)
            .bind(finished)
            .bind(Ts(Utc::now()))
            .bind(track_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        found(affected)
    }
}

impl Storage {
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn upload(&self, id: Id) -> StorageResult<Upload> {
        let sql = format!("SELECT {UPLOAD_COLUMNS} FROM upload_queue WHERE id = $1");
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Upload>(&sql)
                .bind(id)
                .fetch_one(pool)
                .await?
        }))
    }

    /// A user's uploads, newest first, after the cursor position `(created_at, id)`.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id))]
    pub async fn uploads_of(
        &self,
        user_id: Id,
        after: Option<(DateTime<Utc>, Id)>,
        limit: i64,
    ) -> StorageResult<Vec<Upload>> {
        let page = paging::newest_first("created_at", "id");
        let sql = format!("SELECT {UPLOAD_COLUMNS} FROM upload_queue WHERE user_id = $1 {page}");
        let (at, id) = paging::position(after);
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Upload>(&sql)
                .bind(user_id)
                .bind(at)
                .bind(id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Rows of the upload queue by status (an index-only count); for `/metrics`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn upload_status_counts(&self) -> StorageResult<Vec<(String, i64)>> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, (String, i64)>(
                "SELECT upload_status, count(*) FROM upload_queue GROUP BY upload_status",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// Uploads waiting for the worker, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn pending_uploads(&self, limit: i64) -> StorageResult<Vec<Upload>> {
        let sql = format!(
            "SELECT {UPLOAD_COLUMNS} FROM upload_queue WHERE upload_status = 'pending' \
             ORDER BY created_at, id LIMIT $1"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Upload>(&sql)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// After a crash: uploads left `processing` go back to `pending`. Returns how many.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn requeue_interrupted_uploads(&self) -> StorageResult<u64> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query::<DB>(
                "UPDATE upload_queue SET upload_status = 'pending', processing_log = \
                 COALESCE(processing_log || '\n', '') || 'interrupted; queued again' \
                 WHERE upload_status = 'processing'",
            )
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }

    /// An available track with this content, if the library has one.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn track_with_hash(&self, hash: &str) -> StorageResult<Option<Id>> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, Id>(
                "SELECT id FROM tracks WHERE content_hash = $1 AND is_available LIMIT 1",
            )
            .bind(hash)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Bytes a user's uploads take: the available tracks they uploaded, plus the uploads still
    /// queued (whose files already sit on disk). What an upload quota counts.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id))]
    pub async fn upload_usage(&self, user_id: Id) -> StorageResult<i64> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, i64>(
                "SELECT CAST(COALESCE((SELECT SUM(file_size) FROM tracks \
                 WHERE uploader_id = $1 AND is_available), 0) \
                 + COALESCE((SELECT SUM(file_size) FROM upload_queue WHERE user_id = $1 \
                 AND upload_status IN ('pending', 'processing')), 0) AS BIGINT)",
            )
            .bind(user_id)
            .fetch_one(pool)
            .await?
        }))
    }

    /// The received files uploads still waiting or in progress point at: every other file in
    /// the incoming folder is an orphan of a crash or a refused write.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn queued_upload_paths(&self) -> StorageResult<Vec<String>> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, String>(
                "SELECT file_path FROM upload_queue \
                 WHERE upload_status IN ('pending', 'processing')",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}
