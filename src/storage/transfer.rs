//! Moving a whole instance from SQLite to PostgreSQL (`juke migrate-data`), and reading any
//! table back as JSON rows (the copy's own check, and the tests').
//!
//! The copy is generic over the schema: PostgreSQL's catalog says what type each column has,
//! and `jsonb_populate_recordset` turns a batch of JSON rows into typed rows, so a new column
//! needs no new code here. Counters are copied as they are, not recounted: the target's
//! triggers are off for the copy, inside the one transaction that writes everything.

use futures_util::TryStreamExt;
use serde_json::{Map, Value};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, TypeInfo, ValueRef};

use super::{Pool, Storage, StorageError, StorageResult};

/// The tables `juke migrate-data` copies, parents before children, so that every foreign key
/// finds its row.
pub const COPIED_TABLES: [&str; 22] = [
    "users",
    "artists",
    "albums",
    "tracks",
    "user_sessions",
    "playlists",
    "playlist_tracks",
    "user_favorites",
    "user_following_artists",
    "track_comments",
    "play_history",
    "upload_queue",
    "app_passwords",
    "track_ratings",
    "album_likes",
    "radio_stations",
    "play_queues",
    "play_queue_entries",
    "bookmarks",
    "shares",
    "invites",
    "password_resets",
];

/// The database search engine's tables: each engine keeps them in its own shape, and a server
/// rebuilds them from the catalog when they are empty, so they are not copied.
pub const DERIVED_TABLES: [&str; 2] = ["search_documents", "search_state"];

/// Rows sent to PostgreSQL in one statement.
const BATCH_ROWS: usize = 500;

/// One table's part of a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    pub table: &'static str,
    pub rows: u64,
}

impl Storage {
    /// Copies every row of this (SQLite) database into `target` (PostgreSQL, migrated and
    /// empty), keeping ids, timestamps and counters. The source is read in one transaction, so
    /// the copy is of one moment even while a server writes; the target is written in one
    /// transaction, so a failure leaves it empty. `progress` hears each table's rows so far.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn copy_into(
        &self,
        target: &Storage,
        progress: &(dyn Fn(&str, u64) + Sync),
    ) -> StorageResult<Vec<TableCopy>> {
        let Pool::Sqlite(source) = &self.pool else {
            return Err(StorageError::Invalid(
                "migrate-data copies from a SQLite database (--from sqlite://…)".into(),
            ));
        };
        let Pool::Postgres(dest) = &target.pool else {
            return Err(StorageError::Invalid(
                "migrate-data copies into a PostgreSQL database (--to postgres://…)".into(),
            ));
        };
        self.check_known_tables().await?;
        target.check_known_tables().await?;
        for table in COPIED_TABLES {
            if target.count_rows(table).await? > 0 {
                return Err(StorageError::Invalid(format!(
                    "the target database already has rows in {table}: migrate-data fills an \
                     empty database only (create a new one, or drop and recreate it)"
                )));
            }
        }

        let mut read = source.begin().await?;
        let mut write = dest.begin().await?;
        for table in COPIED_TABLES {
            sqlx::query(&format!("ALTER TABLE {table} DISABLE TRIGGER USER"))
                .execute(&mut *write)
                .await?;
        }
        let mut copies = Vec::with_capacity(COPIED_TABLES.len());
        for table in COPIED_TABLES {
            let columns: Vec<(String, String)> = sqlx::query_as(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 AND is_generated = 'NEVER' ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&mut *write)
            .await?;
            let source_columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                    .bind(table)
                    .fetch_all(&mut *read)
                    .await?;
            same_columns(table, &columns, &source_columns)?;

            let names = columns
                .iter()
                .map(|(name, _)| format!("\"{name}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let select = format!("SELECT {names} FROM {table}");
            let insert = format!(
                "INSERT INTO {table} ({names}) OVERRIDING SYSTEM VALUE \
                 SELECT {names} FROM jsonb_populate_recordset(NULL::{table}, $1)"
            );
            let mut copied = 0u64;
            let mut batch = Vec::with_capacity(BATCH_ROWS);
            let mut rows = sqlx::query(&select).fetch(&mut *read);
            while let Some(row) = rows.try_next().await? {
                batch.push(Value::Object(sqlite_row_json(&row, &columns)?));
                if batch.len() == BATCH_ROWS {
                    copied += insert_batch(&mut write, &insert, &mut batch).await?;
                    progress(table, copied);
                }
            }
            drop(rows);
            copied += insert_batch(&mut write, &insert, &mut batch).await?;
            progress(table, copied);

            let in_source: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
                .fetch_one(&mut *read)
                .await?;
            let in_target: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
                .fetch_one(&mut *write)
                .await?;
            if in_source != in_target || in_target as u64 != copied {
                return Err(StorageError::Invalid(format!(
                    "{table}: {in_source} rows read but {in_target} written; nothing was kept"
                )));
            }
            copies.push(TableCopy {
                table,
                rows: copied,
            });
        }
        for table in COPIED_TABLES {
            sqlx::query(&format!("ALTER TABLE {table} ENABLE TRIGGER USER"))
                .execute(&mut *write)
                .await?;
        }
        write.commit().await?;
        read.commit().await?;
        Ok(copies)
    }

    /// Every row of `table` as a JSON object of column → value, in a stable order, as the
    /// engine holds it: SQLite's integers, text and 0/1 booleans; PostgreSQL's `row_to_json`.
    /// Only for the tables Juke owns.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn dump_table(&self, table: &str) -> StorageResult<Vec<Map<String, Value>>> {
        if !COPIED_TABLES.contains(&table) && !DERIVED_TABLES.contains(&table) {
            return Err(StorageError::Invalid(format!("no table {table}")));
        }
        match &self.pool {
            Pool::Sqlite(pool) => {
                let rows = sqlx::query(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
                    .fetch_all(pool)
                    .await?;
                // No PostgreSQL types to shape values for: each kept as SQLite holds it.
                let columns: Vec<(String, String)> = rows.first().map_or_else(Vec::new, |row| {
                    row.columns()
                        .iter()
                        .map(|c| (sqlx::Column::name(c).to_owned(), String::new()))
                        .collect()
                });
                rows.iter()
                    .map(|row| sqlite_row_json(row, &columns))
                    .collect()
            }
            Pool::Postgres(pool) => {
                let rows: Vec<sqlx::types::Json<Map<String, Value>>> = sqlx::query_scalar(
                    &format!("SELECT row_to_json(t) FROM {table} t ORDER BY row_to_json(t)::text"),
                )
                .fetch_all(pool)
                .await?;
                Ok(rows.into_iter().map(|json| json.0).collect())
            }
        }
    }

    /// Rows in one of Juke's tables.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn count_rows(&self, table: &str) -> StorageResult<u64> {
        if !COPIED_TABLES.contains(&table) && !DERIVED_TABLES.contains(&table) {
            return Err(StorageError::Invalid(format!("no table {table}")));
        }
        let sql = format!("SELECT count(*) FROM {table}");
        let count = super::with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, i64>(&sql).fetch_one(pool).await?
        });
        Ok(u64::try_from(count).unwrap_or_default())
    }

    /// Fails when the database has a table this build does not know how to copy: a newer
    /// schema, or a table added without a place in [`COPIED_TABLES`].
    #[tracing::instrument(level = "debug", skip_all)]
    async fn check_known_tables(&self) -> StorageResult<()> {
        for table in self.table_names().await? {
            if !COPIED_TABLES.contains(&table.as_str()) && !DERIVED_TABLES.contains(&table.as_str())
            {
                return Err(StorageError::Invalid(format!(
                    "table {table} is unknown to this version of juke migrate-data"
                )));
            }
        }
        Ok(())
    }
}

fn same_columns(table: &str, target: &[(String, String)], source: &[String]) -> StorageResult<()> {
    let mut wanted: Vec<&str> = target.iter().map(|(name, _)| name.as_str()).collect();
    let mut found: Vec<&str> = source.iter().map(String::as_str).collect();
    wanted.sort_unstable();
    found.sort_unstable();
    if wanted == found {
        Ok(())
    } else {
        Err(StorageError::Invalid(format!(
            "{table} has columns {found:?} in the source but {wanted:?} in the target: \
             are both databases at the same schema version?"
        )))
    }
}

async fn insert_batch(
    write: &mut sqlx::PgConnection,
    insert: &str,
    batch: &mut Vec<Value>,
) -> StorageResult<u64> {
    if batch.is_empty() {
        return Ok(0);
    }
    let rows = std::mem::take(batch);
    let done = sqlx::query(insert)
        .bind(sqlx::types::Json(Value::Array(rows)))
        .execute(write)
        .await?;
    Ok(done.rows_affected())
}

/// One SQLite row as JSON, each value shaped for its PostgreSQL column type (when known):
/// 0/1 → booleans, JSON text → JSON, blobs → bytea's hex text.
fn sqlite_row_json(
    row: &SqliteRow,
    columns: &[(String, String)],
) -> StorageResult<Map<String, Value>> {
    let mut object = Map::with_capacity(columns.len());
    for (name, pg_type) in columns {
        let raw = row.try_get_raw(name.as_str())?;
        let value = if raw.is_null() {
            Value::Null
        } else {
            let kind = raw.type_info().name().to_owned();
            match kind.as_str() {
                "INTEGER" => {
                    let number: i64 = row.try_get_unchecked(name.as_str())?;
                    if pg_type == "boolean" {
                        Value::Bool(number != 0)
                    } else {
                        Value::from(number)
                    }
                }
                "REAL" => {
                    let number: f64 = row.try_get_unchecked(name.as_str())?;
                    serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)
                }
                "TEXT" => {
                    let text: String = row.try_get_unchecked(name.as_str())?;
                    if pg_type == "json" || pg_type == "jsonb" {
                        serde_json::from_str(&text).map_err(|err| {
                            StorageError::Invalid(format!(
                                "{name} holds text that is not JSON: {err}"
                            ))
                        })?
                    } else {
                        Value::String(text)
                    }
                }
                "BLOB" => {
                    let bytes: Vec<u8> = row.try_get_unchecked(name.as_str())?;
                    Value::String(format!("\\x{}", hex::encode(bytes)))
                }
                other => {
                    return Err(StorageError::Invalid(format!(
                        "{name} holds a SQLite value of type {other}"
                    )));
                }
            }
        };
        object.insert(name.clone(), value);
    }
    Ok(object)
}
