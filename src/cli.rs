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
    Serve,
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
}

const EXIT_RUNTIME: u8 = 1;
const EXIT_CONFIG: u8 = 2;

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let (config, notes) = match Config::load(cli.config.as_deref()) {
        Ok(loaded) => loaded,
        Err(err) => return config_failure(&err),
    };
    telemetry::init(config.log.format);
    for name in &notes.unknown_env {
        tracing::warn!(variable = %name, "environment variable matches no configuration key; ignored");
    }
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Config = command {
        if let Some(file) = &notes.file {
            println!("# from {} and the environment", file.display());
        }
        print!("{}", config.redacted());
        return ExitCode::SUCCESS;
    }
    let outcome = actix_web::rt::System::new().block_on(async move {
        match command {
            Command::Serve => serve(config).await,
            Command::Migrate => migrate(config).await,
            Command::Scan { full } => scan(config, full).await,
            Command::Reindex => reindex(config).await,
            Command::User { action } => user(config, action).await,
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

async fn serve(config: Config) -> Result<(), StartError> {
    let app = Application::build(config).await?;
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

async fn user(config: Config, action: UserCommand) -> Result<(), StartError> {
    let UserCommand::Add {
        username,
        password_stdin: _,
        admin,
        email,
    } = action;
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .map_err(|err| StartError::Usage(format!("cannot read the password from stdin: {err}")))?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
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
