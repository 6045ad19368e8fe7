//! The upload queue.

use chrono::Utc;

use super::users::found;
use super::{Id, NewUpload, Storage, StorageResult, Ts, Upload, with_pool};

const UPLOAD_COLUMNS: &str = "id, user_id, file_name, original_name, file_path, file_size, mime_type, \
     upload_status, processing_log, track_id, created_at, processed_at";

impl Storage {
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
                .fetch_one(pool)
                .await?
        }))
    }

    /// Moves an upload to another status, appending to its log; finished statuses stamp
    /// processed_at.
    pub async fn set_upload_status(
        &self,
        id: Id,
        status: &str,
        log_line: Option<&str>,
    ) -> StorageResult<()> {
        let finished = matches!(status, "completed" | "failed");
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>(
                "UPDATE upload_queue SET upload_status = $2, \
                 processing_log = CASE WHEN $3 IS NULL THEN processing_log \
                     WHEN processing_log IS NULL THEN $3 ELSE processing_log || '\n' || $3 END, \
                 processed_at = CASE WHEN $4 THEN $5 ELSE processed_at END \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(status)
            .bind(log_line)
            .bind(finished)
            .bind(Ts(Utc::now()))
            .execute(pool)
            .await?
            .rows_affected()
        });
        found(affected)
    }
}
