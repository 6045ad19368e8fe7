//! The command line: parses arguments and runs one command. Exit codes: 0 ok, 1 runtime
//! failure, 2 bad usage or bad configuration.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::accounts::{self, AccountError, AccountRequest};
use crate::auth::password::Passwords;
use crate::config::{Config, ConfigError};
use crate::startup::{Application, StartError, open_storage};
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(name = "juke", version, about = "A self-hosted music streaming server")]
pub struct Cli {
    /// The configuration file (default: ./config.toml when present).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default); migrations are applied first.
    Serve {
        /// Start on an empty database even though the data folder belonged to a database
        /// with accounts (one deleted or moved): the first to register becomes the admin.
        #[arg(long)]
        fresh: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Scan the library folders once, with a progress bar, then print a summary.
    Scan {
        /// Read every file again, even unchanged ones.
        #[arg(long)]
        full: bool,
    },
    /// Rebuild the search index from the database, with a progress bar.
    Reindex,
    /// Print the effective configuration, secrets redacted.
    Config,
    /// Take a consistent backup while the server runs: the database (SQLite's VACUUM INTO, or
    /// pg_dump), uploaded media, covers and secrets, with a manifest of checksums.
    Backup {
        /// A new or empty folder to write the backup into.
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
    /// Restore a backup into the configured instance (stop the server first).
    Restore {
        /// The folder `juke backup --to` wrote.
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
        /// Replace a database that already holds accounts or tracks.
        #[arg(long)]
        force: bool,
    },
    /// Copy every table from a SQLite database into an empty PostgreSQL one, keeping ids and
    /// counters (then point storage.database_url at PostgreSQL).
    MigrateData {
        /// The SQLite database, e.g. sqlite:///var/lib/juke/juke.db
        #[arg(long, value_name = "URL")]
        from: String,
        /// The PostgreSQL database, e.g. postgres://juke:secret@localhost/juke
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Manage accounts from the shell.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from the first line of standard input.
    /// The first account of an empty instance is always an admin.
    Add {
        #[arg(long)]
        username: String,
        /// Read the password from standard input (required: passwords never go in arguments,
        /// where other users of the machine can see them).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Make the account an admin.
        #[arg(long)]
        admin: bool,
        #[arg(long)]
        email: Option<String>,
    },
    /// Set an account's password (the way back in for a locked-out admin); it is read from the
    /// first line of standard input. The account's sessions end.
    Passwd {
        /// The username (or email address) of the account.
        #[arg(long)]
        username: String,
        /// Read the password from standard input (required, as for `user add`).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

const EXIT_RUNTIME: u8 = 1;
const EXIT_CONFIG: u8 = 2;

pub fn run() -> ExitCode {
    // Before anything is written or any thread started: what Juke creates is its own.
    crate::private_fs::restrict_umask();
    let cli = Cli::parse();
    let (config, notes) = match Config::load(cli.config.as_deref()) {
        Ok(loaded) => loaded,
        Err(err) => return config_failure(&err),
    };
    telemetry::init(config.log.format, config.log.timings);
    for name in &notes.unknown_env {
        tracing::warn!(variable = %name, "environment variable matches no configuration key; ignored");
    }
    let command = cli.command.unwrap_or(Command::Serve { fresh: false });
    if let Command::Config = command {
        if let Some(file) = &notes.file {
            println!("# from {} and the environment", file.display());
        }
        print!("{}", config.redacted());
        return ExitCode::SUCCESS;
    }
    let outcome = actix_web::rt::System::new().block_on(async move {
        match command {
            Command::Serve { fresh } => serve(config, fresh).await,
            Command::Migrate => migrate(config).await,
            Command::Scan { full } => scan(config, full).await,
            Command::Reindex => reindex(config).await,
            Command::User { action } => user(config, action).await,
            Command::Backup { to } => backup(config, &to).await,
            Command::Restore { from, force } => restore(config, &from, force).await,
            Command::MigrateData { from, to } => migrate_data(&from, &to).await,
            Command::Config => Ok(()),
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(StartError::Config(err)) => config_failure(&err),
        Err(StartError::Usage(message)) => {
            eprintln!("juke: {message}");
            ExitCode::from(EXIT_CONFIG)
        }
        Err(err) => {
            tracing::error!("{err}");
            eprintln!("juke: {err}");
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}

fn config_failure(err: &ConfigError) -> ExitCode {
    eprintln!("juke: bad configuration: {err}");
    ExitCode::from(EXIT_CONFIG)
}

async fn serve(config: Config, fresh: bool) -> Result<(), StartError> {
    config.prepare_data_dir()?;
    // Held while serving: `juke restore` must not replace a database in use.
    let _lock = crate::lockfile::acquire(&config.data_dir)
        .map_err(|err| StartError::Usage(err.to_string()))?;
    let app = Application::build_fresh(config, fresh).await?;
    app.run().await.map_err(StartError::Serve)
}

async fn migrate(config: Config) -> Result<(), StartError> {
    let storage = open_storage(&config).await?;
    let tables = storage.table_names().await?;
    println!(
        "{} database is up to date: {} tables ({})",
        storage.engine().name(),
        tables.len(),
        tables.join(", ")
    );
    storage.close().await;
    Ok(())
}

/// The first line of standard input, without its line ending.
fn password_from_stdin() -> Result<String, StartError> {
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .map_err(|err| StartError::Usage(format!("cannot read the password from stdin: {err}")))?;
    Ok(password.trim_end_matches(['\r', '\n']).to_owned())
}

async fn user(config: Config, action: UserCommand) -> Result<(), StartError> {
    let (username, admin, email) = match action {
        UserCommand::Add {
            username,
            password_stdin: _,
            admin,
            email,
        } => (username, admin, email),
        UserCommand::Passwd {
            username,
            password_stdin: _,
        } => return passwd(config, &username).await,
    };
    let password = password_from_stdin()?;
    let request = AccountRequest {
        username,
        email,
        password,
        is_admin: admin,
        ..AccountRequest::default()
    };
    let storage = open_storage(&config).await?;
    let created = accounts::create(&storage, &Passwords::new(), request, true).await;
    storage.close().await;
    match created {
        Ok(user) => {
            let role = if user.is_admin { "admin" } else { "user" };
            println!("created {role} {} ({})", user.username, user.id);
            Ok(())
        }
        Err(AccountError::Field { field, message }) => {
            Err(StartError::Usage(format!("{field}: {message}")))
        }
        Err(AccountError::Storage(err)) => Err(StartError::Storage(err)),
        Err(other) => Err(StartError::Account(other.to_string())),
    }
}

async fn passwd(config: Config, login: &str) -> Result<(), StartError> {
    let password = password_from_stdin()?;
    let storage = open_storage(&config).await?;
    let result = async {
        let (user, _) = storage.user_for_login(login.trim()).await?;
        crate::account_links::set_password(&storage, &Passwords::new(), user.id, &password).await?;
        Ok::<_, AccountError>(user)
    }
    .await;
    storage.close().await;
    match result {
        Ok(user) => {
            println!(
                "password set for {} ({}); its sessions were ended",
                user.username, user.id
            );
            Ok(())
        }
        Err(AccountError::Storage(crate::storage::StorageError::NotFound)) => {
            Err(StartError::Usage(format!("there is no account {login:?}")))
        }
        Err(AccountError::Field { field, message }) => {
            Err(StartError::Usage(format!("{field}: {message}")))
        }
        Err(AccountError::Storage(err)) => Err(StartError::Storage(err)),
        Err(other) => Err(StartError::Account(other.to_string())),
    }
}

async fn reindex(config: Config) -> Result<(), StartError> {
    use indicatif::{ProgressBar, ProgressStyle};

    let storage = open_storage(&config).await?;
    let (search, _) = crate::search::Search::open(&config, storage.clone())
        .await
        .map_err(|err| match err {
            crate::search::SearchError::Locked(_) => StartError::Usage(format!(
                "{err}: stop the server first (or delete {} and restart the server, which \
                 rebuilds the index itself)",
                config.data_dir.join("index").display()
            )),
            other => StartError::Search(other),
        })?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {pos}/{len} documents [{bar:30}] {per_sec} {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let written = search
        .rebuild(&|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await;
    bar.finish_and_clear();
    storage.close().await;
    let written = written?;
    println!(
        "search index ({}) rebuilt in {:.1}s: {written} documents",
        search.engine_name(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn scan(config: Config, full: bool) -> Result<(), StartError> {
    use indicatif::{ProgressBar, ProgressStyle};

    use crate::library::scan::{ScanEvent, Scanner};

    if config.library.folders.is_empty() {
        return Err(StartError::Usage(
            "library.folders is empty: name your music folders in config.toml or JUKE_LIBRARY__FOLDERS".into(),
        ));
    }
    let storage = open_storage(&config).await?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos}/{len} files [{bar:30}] {per_sec} {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let report = |event: ScanEvent| match event {
        ScanEvent::Found(total) => bar.set_length(total),
        ScanEvent::Done => bar.inc(1),
    };
    let started = std::time::Instant::now();
    let scanner = Scanner::new(storage.clone(), config.data_dir.clone());
    let summary = scanner.scan(&config.library.folders, full, &report).await;
    bar.finish_and_clear();
    storage.close().await;
    let summary = summary?;
    println!(
        "scanned in {:.1}s: {} added, {} updated, {} unchanged, {} missing, {} failed ({} moved, {} reappeared)",
        started.elapsed().as_secs_f64(),
        summary.added,
        summary.updated,
        summary.unchanged,
        summary.missing,
        summary.failed,
        summary.moved,
        summary.reappeared
    );
    Ok(())
}

async fn backup(config: Config, to: &std::path::Path) -> Result<(), StartError> {
    let storage = open_storage(&config).await?;
    let started = std::time::Instant::now();
    let taken = crate::backup::backup(&config, &storage, to).await;
    storage.close().await;
    let manifest = taken.map_err(backup_failure)?;
    println!(
        "backup of the {} database written to {} in {:.1}s: {} files, {} bytes",
        manifest.engine,
        to.display(),
        started.elapsed().as_secs_f64(),
        manifest.files.len() + 1,
        manifest.total_bytes()
    );
    Ok(())
}

async fn restore(config: Config, from: &std::path::Path, force: bool) -> Result<(), StartError> {
    let restored = crate::backup::restore(&config, from, force)
        .await
        .map_err(backup_failure)?;
    println!(
        "restored the {} backup of {} (juke {}){}: {} files; start the server to rebuild the \
         search index",
        restored.manifest.engine,
        restored.manifest.created_at.to_rfc3339(),
        restored.manifest.juke_version,
        if restored.replaced {
            ", replacing the database that was there"
        } else {
            ""
        },
        restored.manifest.files.len() + 1
    );
    Ok(())
}

fn backup_failure(err: crate::backup::BackupError) -> StartError {
    match err {
        crate::backup::BackupError::Usage(message) => StartError::Usage(message),
        crate::backup::BackupError::Storage(err) => StartError::Storage(err),
        other => StartError::Backup(other),
    }
}

async fn migrate_data(from: &str, to: &str) -> Result<(), StartError> {
    use crate::storage::{DatabaseUrl, Engine, Storage};
    use indicatif::{ProgressBar, ProgressStyle};

    let from = DatabaseUrl::parse(from)
        .ok()
        .filter(|url| url.engine() == Engine::Sqlite)
        .ok_or_else(|| {
            StartError::Usage(
                "--from must name a SQLite database (sqlite:///path/to/juke.db)".into(),
            )
        })?;
    let to = DatabaseUrl::parse(to)
        .ok()
        .filter(|url| url.engine() == Engine::Postgres)
        .ok_or_else(|| {
            StartError::Usage(
                "--to must name a PostgreSQL database (postgres://user:password@host/database)"
                    .into(),
            )
        })?;
    // Storage::open would create a missing SQLite file: a typo must not copy nothing.
    let source_path = from.sqlite_file().unwrap_or_default();
    if !source_path.is_file() {
        return Err(StartError::Usage(format!(
            "--from: no SQLite database at {}",
            source_path.display()
        )));
    }
    let source = Storage::open(&from, 0).await?;
    source.migrate().await?;
    let target = Storage::open(&to, 0).await?;
    target.migrate().await?;
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let started = std::time::Instant::now();
    let copied = source
        .copy_into(&target, &|table, rows| {
            bar.set_message(format!("{table}: {rows} rows"));
            bar.tick();
        })
        .await;
    bar.finish_and_clear();
    source.close().await;
    target.close().await;
    let copied = copied?;
    for table in &copied {
        println!("{:>24}  {} rows", table.table, table.rows);
    }
    println!(
        "copied {} rows in {} tables in {:.1}s; ids and counters kept. Set storage.database_url \
         to the PostgreSQL URL and start juke: the search index rebuilds itself.",
        copied.iter().map(|table| table.rows).sum::<u64>(),
        copied.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// The Debian package installs packaging/debian/man/: juke(1) and one page per command
    /// (juke-backup(1)...), which must say what this binary does.
    /// `JUKE_WRITE_MANPAGE=1 cargo test --lib manual_pages` writes them anew.
    #[test]
    fn manual_pages_match_the_cli() {
        let root = Cli::command();
        let mut pages = vec![("juke.1".to_owned(), root.clone())];
        for sub in root.get_subcommands() {
            let name: &'static str = format!("juke-{}", sub.get_name()).leak();
            pages.push((format!("{name}.1"), sub.clone().name(name).bin_name(name)));
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/debian/man");
        let write = std::env::var_os("JUKE_WRITE_MANPAGE").is_some();
        if write {
            std::fs::create_dir_all(&dir).unwrap();
        }
        for (file, command) in pages {
            let mut rendered = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut rendered)
                .unwrap();
            let path = dir.join(&file);
            if write {
                std::fs::write(&path, &rendered).unwrap();
            }
            let committed = std::fs::read(&path).unwrap_or_default();
            assert!(
                committed == rendered,
                "packaging/debian/man/{file} is out of date: \
                 JUKE_WRITE_MANPAGE=1 cargo test --lib manual_pages"
            );
        }
    }
}
