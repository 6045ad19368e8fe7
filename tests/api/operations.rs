//! Operations over the real binary: `juke backup` taken while a server writes and restored
//! into new instances (both engines), and `juke migrate-data` from SQLite to PostgreSQL with
//! every row and counter equal. `/metrics` is in tests/api/metrics.rs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use juke::storage::{COPIED_TABLES, DERIVED_TABLES, Engine, Storage};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Map, Value, json};
use tempfile::TempDir;

use crate::audio::{Audio, PNG_1X1, make};
use crate::helpers::{
    RunningJuke, create_postgres_database, drop_postgres_database, juke_command, spawn_juke,
};

const PASSWORD: &str = "correct horse battery";

/// One Juke instance: a data folder and a database, run as `juke serve` or as commands.
struct Instance {
    _root: TempDir,
    data: PathBuf,
    url: String,
    pg_name: Option<String>,
    music: String,
}

impl Instance {
    async fn new(engine: Engine, music: &Path) -> Instance {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        let (url, pg_name) = match engine {
            Engine::Sqlite => (format!("sqlite://{}", data.join("juke.db").display()), None),
            Engine::Postgres => {
                let (url, name) = create_postgres_database().await;
                (url, Some(name))
            }
        };
        Instance {
            _root: root,
            data,
            url,
            pg_name,
            music: format!("[\"{}\"]", music.display()),
        }
    }

    fn envs(&self) -> Vec<(&str, &str)> {
        vec![
            ("JUKE_DATA_DIR", self.data.to_str().unwrap()),
            ("JUKE_STORAGE__DATABASE_URL", self.url.as_str()),
            ("JUKE_LIBRARY__FOLDERS", self.music.as_str()),
            ("JUKE_LIBRARY__WATCH", "false"),
            ("JUKE_AUTH__REGISTRATION", "open"),
        ]
    }

    fn start(&self) -> RunningJuke {
        spawn_juke(&self.envs())
    }

    fn run(&self, args: &[&str]) -> Output {
        juke_command(self.data.parent().unwrap(), &self.envs())
            .args(args)
            .output()
            .unwrap()
    }

    async fn storage(&self) -> Storage {
        Storage::connect(&self.url).await.unwrap()
    }

    async fn finish(self) {
        if let Some(name) = &self.pg_name {
            drop_postgres_database(name).await;
        }
    }
}

fn succeeded(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Three tracks with a folder cover, for the library scan.
fn library(music: &Path) {
    for (n, title) in ["Dawn", "Noon", "Dusk"].iter().enumerate() {
        make(
            music,
            &Audio {
                path: &format!("Band/Day/{:02} {title}.flac", n + 1),
                seconds: 1.0,
                codec: &[],
                tags: &[
                    ("title", title),
                    ("artist", "Band"),
                    ("album", "Day"),
                    ("track", &(n + 1).to_string()),
                ],
            },
        );
    }
    std::fs::write(music.join("Band/Day/cover.png"), PNG_1X1).unwrap();
}

/// Distinct small files to upload (a different title is a different file).
fn uploads(dir: &Path, count: usize) -> Vec<(String, Vec<u8>)> {
    (0..count)
        .map(|n| {
            let name = format!("upload-{n}.flac");
            let path = make(
                dir,
                &Audio {
                    path: &name,
                    seconds: 1.0,
                    codec: &[],
                    tags: &[
                        ("title", &format!("Sent {n}")),
                        ("artist", "Sender"),
                        ("album", "Sent In"),
                    ],
                },
            );
            (name, std::fs::read(path).unwrap())
        })
        .collect()
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn register(server: &RunningJuke, username: &str) -> Client {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let response = http
            .post(server.url("/api/v1/auth/register"))
            .json(
                &json!({"username": username, "email": format!("{username}@example.test"),
                          "password": PASSWORD, "setup_code": crate::helpers::SETUP_CODE}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        Client {
            http,
            base: server.url(""),
            token: body["token"].as_str().unwrap().to_owned(),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.send(reqwest::Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    async fn upload(&self, name: &str, bytes: Vec<u8>) -> String {
        let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
        let response = self
            .http
            .post(format!("{}/api/v1/uploads", self.base))
            .bearer_auth(&self.token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let body: Value = response.json().await.unwrap();
        body["uploads"][0]["id"].as_str().unwrap().to_owned()
    }

    async fn settled(&self, upload: &str) -> Value {
        for _ in 0..300 {
            let row = self.get(&format!("/api/v1/uploads/{upload}")).await;
            if matches!(row["upload_status"].as_str(), Some("completed" | "failed")) {
                return row;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("upload {upload} never settled");
    }

    async fn track_ids(&self) -> Vec<String> {
        let list = self.get("/api/v1/tracks?limit=500").await;
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn play(&self, track: &str) -> StatusCode {
        self.send(
            reqwest::Method::POST,
            "/api/v1/plays",
            Some(json!({"track_id": track, "duration_played": 1, "device_type": "web"})),
        )
        .await
        .0
    }
}

/// Waits until the start-up scan has put the three library tracks in.
async fn scanned(client: &Client) -> Vec<String> {
    for _ in 0..300 {
        let ids = client.track_ids().await;
        if ids.len() >= 3 {
            return ids;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the library scan never finished");
}

/// An instance with something of everything: two users, scanned and uploaded tracks with a
/// cover, plays, likes, a follow, a playlist, a comment, an app password and a rating.
struct Populated {
    admin: Client,
    tracks: Vec<String>,
    app_password: String,
}

async fn populate(server: &RunningJuke, scratch: &Path) -> Populated {
    let admin = Client::register(server, "admin").await;
    let bea = Client::register(server, "bea").await;
    let mut tracks = scanned(&admin).await;
    let (name, bytes) = uploads(scratch, 1).remove(0);
    let upload = admin.upload(&name, bytes).await;
    let row = admin.settled(&upload).await;
    assert_eq!(row["upload_status"], "completed", "{row}");
    tracks.push(row["track_id"].as_str().unwrap().to_owned());

    for (n, track) in tracks.iter().enumerate() {
        for _ in 0..=n {
            assert_eq!(admin.play(track).await, StatusCode::CREATED);
        }
        assert_eq!(bea.play(track).await, StatusCode::CREATED);
    }
    for who in [&admin, &bea] {
        let (status, _) = who
            .send(
                reqwest::Method::PUT,
                &format!("/api/v1/tracks/{}/favorite", tracks[0]),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let track = admin.get(&format!("/api/v1/tracks/{}", tracks[0])).await;
    let artist = track["artist_id"].as_str().unwrap().to_owned();
    let (status, _) = bea
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/artists/{artist}/follow"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, playlist) = admin
        .send(
            reqwest::Method::POST,
            "/api/v1/playlists",
            Some(json!({"name": "Road trip", "is_public": true})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{playlist}");
    let playlist = playlist["id"].as_str().unwrap().to_owned();
    let (status, body) = admin
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/playlists/{playlist}/tracks"),
            Some(json!({"track_ids": [tracks[2], tracks[0], tracks[3]]})),
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    let (status, body) = bea
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/tracks/{}/comments", tracks[1]),
            Some(json!({"body": "Lovely at noon"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, secret) = admin
        .send(
            reqwest::Method::POST,
            "/api/v1/me/app-passwords",
            Some(json!({"name": "phone"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{secret}");
    let app_password = secret["password"].as_str().unwrap().to_owned();
    let rated = subsonic(
        &admin,
        &app_password,
        "setRating",
        &format!("&id=tr-{}&rating=4", tracks[1]),
    )
    .await;
    assert_eq!(rated["subsonic-response"]["status"], "ok", "{rated}");
    Populated {
        admin,
        tracks,
        app_password,
    }
}

async fn subsonic(client: &Client, password: &str, method: &str, extra: &str) -> Value {
    client
        .http
        .get(format!(
            "{}/rest/{method}?u=admin&p={password}&v=1.16.1&c=test&f=json{extra}",
            client.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Every row of every table, as each engine gives it.
async fn dump(storage: &Storage, tables: &[&str]) -> BTreeMap<String, Vec<Map<String, Value>>> {
    let mut all = BTreeMap::new();
    for table in tables {
        all.insert(
            (*table).to_owned(),
            storage.dump_table(table).await.unwrap(),
        );
    }
    all
}

fn all_tables() -> Vec<&'static str> {
    COPIED_TABLES
        .iter()
        .chain(DERIVED_TABLES.iter())
        .copied()
        .collect()
}

/// Checks what a restored instance must do: answer, sign the old tokens' owner in, open app
/// passwords, stream every track (uploaded files included) and serve the cover, with every
/// counter equal to what it counts.
async fn restored_instance_works(instance: &Instance, old: &Populated) {
    let server = instance.start();
    let http = reqwest::Client::new();
    let health = http.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    // The signing secret came back: a token issued before the backup still opens /me.
    let client = Client {
        http: http.clone(),
        base: server.url(""),
        token: old.admin.token.clone(),
    };
    let me = client.get("/api/v1/me").await;
    assert_eq!(me["username"], "admin");
    let login = http
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    // The sealing key came back: the app password still opens /rest.
    let ping = subsonic(&client, &old.app_password, "ping", "").await;
    assert_eq!(ping["subsonic-response"]["status"], "ok", "{ping}");
    for track in &old.tracks {
        let audio = http
            .get(server.url(&format!("/api/v1/tracks/{track}/stream")))
            .bearer_auth(&client.token)
            .send()
            .await
            .unwrap();
        assert_eq!(audio.status(), StatusCode::OK, "track {track}");
        let bytes = audio.bytes().await.unwrap();
        assert_eq!(&bytes[..4], b"fLaC");
    }
    let track = client
        .get(&format!("/api/v1/tracks/{}", old.tracks[0]))
        .await;
    let album = track["album_id"].as_str().unwrap();
    let cover = http
        .get(server.url(&format!("/api/v1/albums/{album}/cover")))
        .bearer_auth(&client.token)
        .send()
        .await
        .unwrap();
    assert_eq!(cover.status(), StatusCode::OK);
    // The search index was left behind and rebuilt from the restored database.
    let mut found = false;
    for _ in 0..100 {
        let hits = client.get("/api/v1/search?q=dusk&types=track").await;
        if hits["tracks"].as_array().is_some_and(|t| !t.is_empty()) {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(found, "search never found a restored track");
    let storage = instance.storage().await;
    assert_eq!(storage.counter_drift().await.unwrap(), vec![]);
    storage.close().await;
    server.stop();
}

/// A backup taken while plays and uploads are being written restores to a working instance;
/// a backup of a quiet instance restores every row as it was. The same code on both engines.
async fn backup_restores_a_working_instance(engine: Engine) {
    let music = tempfile::tempdir().unwrap();
    library(music.path());
    let scratch = tempfile::tempdir().unwrap();
    let origin = Instance::new(engine, music.path()).await;
    let server = origin.start();
    let populated = populate(&server, scratch.path()).await;

    // Writers: plays as fast as they go, and uploads one after another.
    let stop = Arc::new(AtomicBool::new(false));
    let plays = Arc::new(AtomicUsize::new(0));
    let player = {
        let client = Client {
            http: populated.admin.http.clone(),
            base: populated.admin.base.clone(),
            token: populated.admin.token.clone(),
        };
        let tracks = populated.tracks.clone();
        let (stop, plays) = (stop.clone(), plays.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                assert_eq!(
                    client.play(&tracks[n % tracks.len()]).await,
                    StatusCode::CREATED
                );
                plays.fetch_add(1, Ordering::Relaxed);
                n += 1;
            }
        })
    };
    let files = uploads(scratch.path(), 4);
    let uploader = {
        let client = Client {
            http: populated.admin.http.clone(),
            base: populated.admin.base.clone(),
            token: populated.admin.token.clone(),
        };
        tokio::spawn(async move {
            let mut ids = Vec::new();
            for (name, bytes) in files.into_iter().skip(1) {
                ids.push(client.upload(&name, bytes).await);
            }
            ids
        })
    };
    while plays.load(Ordering::Relaxed) < 20 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let busy_backup = scratch.path().join("busy");
    let output = origin.run(&["backup", "--to", busy_backup.to_str().unwrap()]);
    let said = succeeded(&output);
    assert!(said.contains("backup of the"), "{said}");
    let during = plays.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    player.await.unwrap();
    for id in uploader.await.unwrap() {
        assert_eq!(
            populated.admin.settled(&id).await["upload_status"],
            "completed"
        );
    }
    assert!(
        during > 20,
        "the writers were not writing during the backup"
    );
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(busy_backup.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["engine"], engine.name());
    let files: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for wanted in ["jwt_secret", "app_password_key"] {
        assert!(files.contains(&wanted), "{files:?}");
    }
    assert!(files.iter().any(|f| f.starts_with("media/")), "{files:?}");
    assert!(files.iter().any(|f| f.starts_with("covers/")), "{files:?}");
    assert!(!files.iter().any(|f| f.starts_with("index/")), "{files:?}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(busy_backup.join("jwt_secret"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // A backup goes into a new folder, never over another.
    let again = origin.run(&["backup", "--to", busy_backup.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));

    // Quiet now: a second backup, to compare row by row.
    let quiet_backup = scratch.path().join("quiet");
    succeeded(&origin.run(&["backup", "--to", quiet_backup.to_str().unwrap()]));
    server.stop();
    let storage = origin.storage().await;
    let before = dump(&storage, &all_tables()).await;
    storage.close().await;

    // The busy backup, restored into a new instance: whole and working.
    let busy = Instance::new(engine, music.path()).await;
    // A schema made by an earlier start, with no data yet, is replaced without --force.
    succeeded(&busy.run(&["migrate"]));
    let said = succeeded(&busy.run(&["restore", "--from", busy_backup.to_str().unwrap()]));
    assert!(said.contains("restored"), "{said}");
    let storage = busy.storage().await;
    let restored_plays = storage.count_rows("play_history").await.unwrap();
    storage.close().await;
    let first_plays = (1..=populated.tracks.len()).sum::<usize>() + populated.tracks.len();
    assert!(
        restored_plays as usize >= first_plays + 20
            && (restored_plays as usize) <= first_plays + plays.load(Ordering::Relaxed),
        "{restored_plays} plays restored"
    );
    restored_instance_works(&busy, &populated).await;

    // The quiet backup, restored: every row of every table as it was.
    let quiet = Instance::new(engine, music.path()).await;
    succeeded(&quiet.run(&["restore", "--from", quiet_backup.to_str().unwrap()]));
    let storage = quiet.storage().await;
    let after = dump(&storage, &all_tables()).await;
    storage.close().await;
    for table in all_tables() {
        assert_eq!(before[table].len(), after[table].len(), "{table}");
        assert!(
            before[table] == after[table],
            "{table} differs after restore"
        );
    }
    assert!(!before["play_history"].is_empty() && !before["upload_queue"].is_empty());
    // Into a database that holds data: refused, unless --force.
    let refused = quiet.run(&["restore", "--from", quiet_backup.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    // Never under a running server.
    let running = quiet.start();
    let refused = quiet.run(&[
        "restore",
        "--force",
        "--from",
        busy_backup.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("running juke server"));
    running.stop();
    // A damaged backup is refused before anything is touched.
    let media = std::fs::read_dir(quiet_backup.join("media"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let victim = walk_first_file(&media);
    std::fs::write(&victim, b"not what was backed up").unwrap();
    let refused = quiet.run(&[
        "restore",
        "--force",
        "--from",
        quiet_backup.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("damaged"));
    restored_instance_works(&quiet, &populated).await;

    busy.finish().await;
    quiet.finish().await;
    origin.finish().await;
}

fn walk_first_file(path: &Path) -> PathBuf {
    if path.is_file() {
        return path.to_path_buf();
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    walk_first_file(&entries[0])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_on_sqlite() {
    backup_restores_a_working_instance(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_on_postgres() {
    backup_restores_a_working_instance(Engine::Postgres).await;
}

/// A value as both engines can agree on it: times as instants, booleans as 0/1, JSON text as
/// JSON. Written here, apart from the copy's own conversions, so it checks them.
fn comparable(value: &Value) -> Value {
    match value {
        Value::Bool(flag) => json!(i64::from(*flag)),
        Value::String(text) => {
            if let Ok(time) = DateTime::parse_from_rfc3339(text) {
                return json!(time.with_timezone(&Utc).timestamp_micros());
            }
            if text.starts_with('{')
                && let Ok(parsed) = serde_json::from_str::<Value>(text)
            {
                return parsed;
            }
            value.clone()
        }
        other => other.clone(),
    }
}

fn comparable_rows(rows: &[Map<String, Value>]) -> Vec<BTreeMap<String, Value>> {
    let mut rows: Vec<BTreeMap<String, Value>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|(k, v)| (k.clone(), comparable(v)))
                .collect()
        })
        .collect();
    rows.sort_by_key(|row| serde_json::to_string(row).unwrap());
    rows
}

/// `juke migrate-data`: a SQLite instance moved into PostgreSQL keeps every row, id and
/// counter; a server on PostgreSQL then signs in, plays (its triggers on again) and searches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_data_moves_sqlite_into_postgres() {
    let music = tempfile::tempdir().unwrap();
    library(music.path());
    let scratch = tempfile::tempdir().unwrap();
    let origin = Instance::new(Engine::Sqlite, music.path()).await;
    let server = origin.start();
    let populated = populate(&server, scratch.path()).await;
    server.stop();

    let (pg_url, pg_name) = create_postgres_database().await;
    // Wrong directions are usage errors.
    let wrong = origin.run(&["migrate-data", "--from", &pg_url, "--to", &origin.url]);
    assert_eq!(wrong.status.code(), Some(2));
    let said = succeeded(&origin.run(&["migrate-data", "--from", &origin.url, "--to", &pg_url]));
    assert!(said.contains("play_history"), "{said}");

    let source = origin.storage().await;
    let target = Storage::connect(&pg_url).await.unwrap();
    for table in COPIED_TABLES {
        let from = comparable_rows(&source.dump_table(table).await.unwrap());
        let to = comparable_rows(&target.dump_table(table).await.unwrap());
        assert_eq!(from.len(), to.len(), "{table}");
        for (a, b) in from.iter().zip(&to) {
            assert_eq!(a, b, "{table}");
        }
    }
    assert!(source.count_rows("play_history").await.unwrap() >= 8);
    assert_eq!(target.counter_drift().await.unwrap(), vec![]);
    // Twice is refused: the target is no longer empty.
    let again = origin.run(&["migrate-data", "--from", &origin.url, "--to", &pg_url]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has rows"));

    // The same data folder, now on PostgreSQL.
    let moved = Instance {
        _root: tempfile::tempdir().unwrap(),
        data: origin.data.clone(),
        url: pg_url.clone(),
        pg_name: Some(pg_name),
        music: origin.music.clone(),
    };
    let server = moved.start();
    let client = Client {
        http: reqwest::Client::new(),
        base: server.url(""),
        token: populated.admin.token.clone(),
    };
    assert_eq!(client.get("/api/v1/me").await["username"], "admin");
    let track = &populated.tracks[0];
    let before = client.get(&format!("/api/v1/tracks/{track}")).await["play_count"]
        .as_i64()
        .unwrap();
    assert_eq!(client.play(track).await, StatusCode::CREATED);
    let after = client.get(&format!("/api/v1/tracks/{track}")).await["play_count"]
        .as_i64()
        .unwrap();
    assert_eq!(after, before + 1, "the play_count trigger is on again");
    let mut found = false;
    for _ in 0..100 {
        let hits = client.get("/api/v1/search?q=noon&types=track").await;
        if hits["tracks"].as_array().is_some_and(|t| !t.is_empty()) {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(found, "search never found a migrated track");
    server.stop();
    source.close().await;
    target.close().await;
    moved.finish().await;
}
