//! Test databases for both engines, and a running `juke` binary.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use juke::storage::{
    Album, Artist, Id, NewAlbum, NewArtist, NewTrack, NewUser, Storage, Track, User,
};
use tempfile::TempDir;

/// Runs one async test function once per engine, as two tests named `sqlite` and `postgres`
/// inside a module named after the function.
#[macro_export]
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::helpers::TestDb::sqlite().await;
                super::$name(&db.storage).await;
                db.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let db = $crate::helpers::TestDb::postgres().await;
                super::$name(&db.storage).await;
                db.finish().await;
            }
        }
    )*};
}

/// The setup code every test server is configured with: the first registration gives it.
pub const SETUP_CODE: &str = "test-setup-code";

/// The admin URL of the test PostgreSQL server. Missing is a failure, never a skip.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite cannot run. \
             Run `scripts/test`, which starts a throwaway PostgreSQL, or point \
             TEST_POSTGRES_URL at an admin URL such as postgres://postgres@127.0.0.1/postgres"
        )
    })
}

/// A fresh, migrated database; on PostgreSQL a new database dropped by [`TestDb::finish`].
pub struct TestDb {
    pub storage: Storage,
    pub url: String,
    _dir: Option<TempDir>,
    pg_name: Option<String>,
    tablespace: Option<String>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let (url, dir) = sqlite_url();
        let storage = Storage::connect(&url).await.expect("open sqlite");
        storage.migrate().await.expect("migrate sqlite");
        TestDb {
            storage,
            url,
            _dir: Some(dir),
            pg_name: None,
            tablespace: None,
        }
    }

    pub async fn postgres() -> TestDb {
        let (url, name) = create_postgres_database().await;
        let storage = Storage::connect(&url).await.expect("open postgres");
        storage.migrate().await.expect("migrate postgres");
        TestDb {
            storage,
            url,
            _dir: None,
            pg_name: Some(name),
            tablespace: None,
        }
    }

    /// A migrated SQLite database in `folder`, which the caller keeps.
    pub async fn sqlite_in(folder: &Path) -> TestDb {
        let url = format!("sqlite://{}", folder.join("juke.db").display());
        let storage = Storage::connect(&url).await.expect("open sqlite");
        storage.migrate().await.expect("migrate sqlite");
        TestDb {
            storage,
            url,
            _dir: None,
            pg_name: None,
            tablespace: None,
        }
    }

    /// A migrated PostgreSQL database whose files live in `location` (a tablespace; an empty
    /// folder the server's user owns). `None`, said loudly, when the server cannot use it: a
    /// server on another machine.
    pub async fn postgres_in(location: &Path) -> Option<TestDb> {
        let admin = Storage::connect(&postgres_admin_url())
            .await
            .expect("connect admin");
        let id = Id::new().0.simple().to_string();
        let (name, tablespace) = (format!("juke_test_{id}"), format!("juke_ts_{id}"));
        if let Err(err) = admin
            .execute_sql(&format!(
                "CREATE TABLESPACE {tablespace} LOCATION '{}'",
                location.display()
            ))
            .await
        {
            eprintln!(
                "\n*** SKIPPED: the test PostgreSQL cannot put a tablespace in {} ({err}); \
                 it must run on this machine ***\n",
                location.display()
            );
            admin.close().await;
            return None;
        }
        admin
            .execute_sql(&format!("CREATE DATABASE {name} TABLESPACE {tablespace}"))
            .await
            .expect("create test database");
        admin.close().await;
        let mut url = url::Url::parse(&postgres_admin_url()).expect("TEST_POSTGRES_URL is a URL");
        url.set_path(&name);
        let storage = Storage::connect(url.as_str()).await.expect("open postgres");
        storage.migrate().await.expect("migrate postgres");
        Some(TestDb {
            storage,
            url: url.to_string(),
            _dir: None,
            pg_name: Some(name),
            tablespace: Some(tablespace),
        })
    }

    pub async fn finish(self) {
        self.storage.close().await;
        if let Some(name) = self.pg_name {
            drop_postgres_database(&name).await;
        }
        if let Some(tablespace) = self.tablespace {
            let admin = Storage::connect(&postgres_admin_url())
                .await
                .expect("connect admin");
            admin
                .execute_sql(&format!("DROP TABLESPACE IF EXISTS {tablespace}"))
                .await
                .expect("drop test tablespace");
            admin.close().await;
        }
    }
}

/// A SQLite URL in a new temporary folder (kept alive by the returned guard).
pub fn sqlite_url() -> (String, TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("juke.db").display());
    (url, dir)
}

/// Creates an empty PostgreSQL database and returns its URL and name.
pub async fn create_postgres_database() -> (String, String) {
    let admin_url = postgres_admin_url();
    let admin = Storage::connect(&admin_url)
        .await
        .expect("connect to the test PostgreSQL server (TEST_POSTGRES_URL)");
    let name = format!("juke_test_{}", Id::new().0.simple());
    admin
        .execute_sql(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    admin.close().await;
    let mut url = url::Url::parse(&admin_url).expect("TEST_POSTGRES_URL is a URL");
    url.set_path(&name);
    (url.to_string(), name)
}

pub async fn drop_postgres_database(name: &str) {
    let admin = Storage::connect(&postgres_admin_url())
        .await
        .expect("connect admin");
    admin
        .execute_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .expect("drop test database");
    admin.close().await;
}

// ---- catalog fixtures -------------------------------------------------------------------

pub async fn user(storage: &Storage, name: &str) -> User {
    storage
        .create_user(&NewUser {
            username: name.into(),
            email: Some(format!("{name}@example.test")),
            password_hash: "$argon2id$fake".into(),
            ..NewUser::default()
        })
        .await
        .expect("create user")
}

pub async fn artist(storage: &Storage, name: &str) -> Artist {
    storage
        .create_artist(&NewArtist {
            name: name.into(),
            ..NewArtist::default()
        })
        .await
        .expect("create artist")
}

pub async fn album(storage: &Storage, artist_id: Id, title: &str) -> Album {
    storage
        .create_album(&NewAlbum {
            title: title.into(),
            artist_id,
            ..NewAlbum::default()
        })
        .await
        .expect("create album")
}

pub async fn track(storage: &Storage, artist_id: Id, album_id: Option<Id>, seconds: i32) -> Track {
    let mut new = NewTrack::new(format!("Track {}", Id::new()), artist_id);
    new.album_id = album_id;
    new.duration_seconds = seconds;
    storage.create_track(&new).await.expect("create track")
}

/// Every file under `dir`, at any depth (nothing when `dir` is missing).
pub fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(files_under(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}

// ---- the binary --------------------------------------------------------------------------

/// A `juke` process started with a temporary data folder and an empty configuration.
pub struct RunningJuke {
    pub child: Child,
    pub addr: SocketAddr,
    pub dir: TempDir,
    logs: std::sync::Arc<std::sync::Mutex<String>>,
}

/// Starts `juke serve` on a free port, in a new folder, with these extra environment
/// variables, and waits for the line that says where it listens.
pub fn spawn_juke(envs: &[(&str, &str)]) -> RunningJuke {
    spawn_juke_in(tempfile::tempdir().expect("tempdir"), envs, &["serve"])
}

/// As [`spawn_juke`], in `dir` (a folder an earlier run used), with these arguments.
pub fn spawn_juke_in(dir: TempDir, envs: &[(&str, &str)], args: &[&str]) -> RunningJuke {
    let mut command = juke_command(dir.path(), envs);
    command.args(args);
    spawn_command(dir, command)
}

/// Starts `command serve` (a [`juke_command`] run in `dir`, which the result keeps alive) and
/// waits for the line that says where it listens.
pub fn spawn_serve(dir: TempDir, mut command: Command) -> RunningJuke {
    command.arg("serve");
    spawn_command(dir, command)
}

fn spawn_command(dir: TempDir, mut command: Command) -> RunningJuke {
    command.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("start juke");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    let logs = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let collected = std::sync::Arc::clone(&logs);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let addr: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
                let _ = tx.send(addr);
            }
            if let Ok(mut all) = collected.lock() {
                all.push_str(&line);
                all.push('\n');
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("juke did not report its address within 30 s");
    RunningJuke {
        child,
        addr: addr.parse().expect("a socket address"),
        dir,
        logs,
    }
}

/// A `juke` command run in `cwd` with only the given `JUKE_*` variables.
pub fn juke_command(cwd: &Path, envs: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_juke"));
    command.current_dir(cwd);
    for (key, _) in std::env::vars() {
        if key.starts_with("JUKE_") {
            command.env_remove(key);
        }
    }
    command.env("JUKE_SERVER__BIND", "127.0.0.1:0");
    // The code the first registration gives (the server also writes it to data/setup-code).
    command.env("JUKE_AUTH__SETUP_CODE", SETUP_CODE);
    command.env("RUST_LOG", "info");
    command.envs(envs.iter().copied());
    command
}

impl RunningJuke {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Everything the server has written to stderr so far.
    pub fn logs(&self) -> String {
        self.logs.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Stops the server (SIGTERM) and hands back its folder, for a next start in it.
    pub fn stop_keeping_dir(mut self) -> TempDir {
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("tempdir"));
        assert_eq!(self.stop(), Some(0), "juke stopped cleanly");
        dir
    }

    /// Sends SIGTERM and waits for the process; returns its exit code.
    pub fn stop(mut self) -> Option<i32> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        for _ in 0..300 {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("juke did not stop within 15 s of SIGTERM");
    }
}

impl Drop for RunningJuke {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
