//! Whole-database copies for `juke backup` and `juke restore`. SQLite: `VACUUM INTO`, which
//! writes a compact copy from inside one read transaction, so it is consistent while a server
//! goes on writing. PostgreSQL: `pg_dump` (custom format, itself one snapshot) and
//! `pg_restore`, the tools made for it; they must be installed, at the server's major version.

use super::{DatabaseUrl, Engine, Pool, Storage, StorageError, StorageResult};
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The name a snapshot of this engine has inside a backup folder.
pub fn snapshot_file_name(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "database.sqlite3",
        Engine::Postgres => "database.pgdump",
    }
}

impl Storage {
    /// Writes a consistent copy of the whole database to `dest` (a file that must not exist).
    /// `url` is the one this storage was opened with: pg_dump makes its own connection.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn snapshot_to(&self, url: &DatabaseUrl, dest: &Path) -> StorageResult<()> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                let dest = dest.to_str().ok_or_else(|| {
                    StorageError::Invalid(format!("{} is not UTF-8", dest.display()))
                })?;
                sqlx::query("VACUUM INTO $1")
                    .bind(dest)
                    .execute(pool)
                    .await?;
                Ok(())
            }
            Pool::Postgres(_) => {
                let mut command = pg_tool("pg_dump", url.expose())?;
                command
                    .arg("--format=custom")
                    .arg("--file")
                    .arg(dest)
                    .arg("--dbname")
                    .arg(libpq_url(url.expose())?.0);
                run(command, "pg_dump").await
            }
        }
    }

    /// Whether the database holds any account or track: a restore refuses to overwrite one
    /// unless told to.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn has_data(&self) -> StorageResult<bool> {
        let tables = self.table_names().await?;
        if !tables.iter().any(|table| table == "users") {
            return Ok(false);
        }
        Ok(self.count_rows("users").await? > 0 || self.count_rows("tracks").await? > 0)
    }
}

/// Puts the snapshot in `file` in place of the database `url` names. The caller has made sure
/// no server uses it, and that it is empty or may be replaced. SQLite: the file is copied next
/// to the database and renamed over it (the old write-ahead log removed first, so it cannot be
/// replayed onto the new file). PostgreSQL: pg_restore in one transaction; `replace` drops the
/// objects it restores first.
pub async fn restore_snapshot(url: &DatabaseUrl, file: &Path, replace: bool) -> StorageResult<()> {
    match url.engine() {
        Engine::Sqlite => {
            let database = url
                .sqlite_file()
                .ok_or_else(|| StorageError::Invalid(format!("bad SQLite URL: {url}")))?;
            let file = file.to_path_buf();
            tokio::task::spawn_blocking(move || replace_sqlite_file(&file, &database))
                .await
                .map_err(|err| StorageError::Unavailable(err.to_string()))?
        }
        Engine::Postgres => {
            let mut command = pg_tool("pg_restore", url.expose())?;
            command.args([
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
            ]);
            if replace {
                command.args(["--clean", "--if-exists"]);
            }
            command
                .arg("--dbname")
                .arg(libpq_url(url.expose())?.0)
                .arg(file);
            run(command, "pg_restore").await
        }
    }
}

fn replace_sqlite_file(snapshot: &Path, database: &Path) -> StorageResult<()> {
    let fail = |path: &Path, err: std::io::Error| {
        StorageError::Unavailable(format!("{}: {err}", path.display()))
    };
    let staged = sibling(database, "restoring");
    std::fs::copy(snapshot, &staged).map_err(|err| fail(&staged, err))?;
    std::fs::File::open(&staged)
        .and_then(|file| file.sync_all())
        .map_err(|err| fail(&staged, err))?;
    for leftover in [sibling(database, "wal"), sibling(database, "shm")] {
        match std::fs::remove_file(&leftover) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(fail(&leftover, err)),
        }
    }
    std::fs::rename(&staged, database).map_err(|err| fail(database, err))
}

/// `juke.db` → `juke.db-<suffix>`, SQLite's own naming for the files beside a database.
fn sibling(database: &Path, suffix: &str) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push("-");
    name.push(suffix);
    PathBuf::from(name)
}

/// pg_dump or pg_restore, found on the PATH, with the password (if any) in its environment
/// rather than its arguments, where every user of the machine could read it.
fn pg_tool(tool: &str, url: &str) -> StorageResult<tokio::process::Command> {
    let path = which::which(tool).map_err(|_| {
        StorageError::Unavailable(format!(
            "{tool} is not installed: install PostgreSQL's client tools at the server's major \
             version (Debian: postgresql-client) and try again"
        ))
    })?;
    let mut command = tokio::process::Command::new(path);
    if let Some(password) = libpq_url(url)?.1 {
        command.env("PGPASSWORD", password);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    Ok(command)
}

/// The URL as libpq reads it: without the password (returned apart) and without the options
/// only sqlx knows.
fn libpq_url(url: &str) -> StorageResult<(String, Option<String>)> {
    const LIBPQ_OPTIONS: [&str; 9] = [
        "host",
        "port",
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "options",
        "application_name",
        "connect_timeout",
    ];
    let mut parsed = url::Url::parse(url)
        .map_err(|err| StorageError::Invalid(format!("bad PostgreSQL URL: {err}")))?;
    let password = parsed.password().map(|secret| {
        percent_encoding::percent_decode_str(secret)
            .decode_utf8_lossy()
            .into_owned()
    });
    let _ = parsed.set_password(None);
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(key, _)| LIBPQ_OPTIONS.contains(&key.as_ref()))
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    Ok((parsed.to_string(), password))
}

async fn run(mut command: tokio::process::Command, tool: &str) -> StorageResult<()> {
    let output = command
        .output()
        .await
        .map_err(|err| StorageError::Unavailable(format!("{tool} could not be started: {err}")))?;
    if output.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&output.stderr);
    Err(StorageError::Unavailable(format!(
        "{tool} failed ({}): {}",
        output.status,
        said.trim()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_gets_no_password_and_no_sqlx_options() {
        let (url, password) = libpq_url(
            "postgres://juke:p%40ss%2Bw@db.lan:5433/juke?sslmode=require&statement-cache-capacity=10",
        )
        .unwrap();
        assert_eq!(url, "postgres://juke@db.lan:5433/juke?sslmode=require");
        assert_eq!(password.as_deref(), Some("p@ss+w"));
        let (url, password) = libpq_url("postgres://localhost/juke").unwrap();
        assert_eq!(url, "postgres://localhost/juke");
        assert_eq!(password, None);
    }

    #[test]
    fn siblings_follow_sqlite_names() {
        assert_eq!(
            sibling(Path::new("/var/lib/juke/juke.db"), "wal"),
            PathBuf::from("/var/lib/juke/juke.db-wal")
        );
    }
}
