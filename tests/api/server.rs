//! The binary, run as a user would: real process, real socket.

use std::process::Stdio;

use crate::helpers::{create_postgres_database, drop_postgres_database, juke_command, spawn_juke};

#[tokio::test]
async fn serves_healthz_on_sqlite_with_no_configuration() {
    let juke = spawn_juke(&[]);
    let response = reqwest::get(juke.url("/healthz"))
        .await
        .expect("GET /healthz");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "sqlite");
    assert!(
        juke.dir.path().join("data/juke.db").is_file(),
        "SQLite file created in ./data"
    );

    let missing = reqwest::get(juke.url("/api/v1/nothing-here"))
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let body: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["message"].is_string());

    assert_eq!(juke.stop(), Some(0), "SIGTERM is a clean shutdown");
}

#[tokio::test]
async fn serves_healthz_on_postgres() {
    let (url, name) = create_postgres_database().await;
    let juke = spawn_juke(&[("JUKE_STORAGE__DATABASE_URL", &url)]);
    let body: serde_json::Value = reqwest::get(juke.url("/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["database"], "postgres");
    assert_eq!(juke.stop(), Some(0));
    drop_postgres_database(&name).await;
}

#[tokio::test]
async fn healthz_is_503_when_the_database_goes_away() {
    let (url, name) = create_postgres_database().await;
    let juke = spawn_juke(&[("JUKE_STORAGE__DATABASE_URL", &url)]);
    assert_eq!(
        reqwest::get(juke.url("/healthz")).await.unwrap().status(),
        200
    );
    drop_postgres_database(&name).await;
    let response = reqwest::get(juke.url("/healthz")).await.unwrap();
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "database_unavailable");
    juke.stop();
}

/// Runs `juke serve` with one bad setting and returns (exit code, stderr).
fn start_with(envs: &[(&str, &str)], file: Option<&str>) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    if let Some(text) = file {
        std::fs::write(dir.path().join("config.toml"), text).unwrap();
    }
    let mut child = juke_command(dir.path(), envs)
        .arg("serve")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run juke");
    // A configuration that wrongly passes would serve forever: give it ten seconds.
    for _ in 0..200 {
        if child.try_wait().expect("wait").is_some() {
            let output = child.wait_with_output().expect("collect output");
            return (
                output.status.code(),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("juke started with {envs:?} {file:?} instead of refusing");
}

/// Environment variables for one run.
type Env<'a> = &'a [(&'a str, &'a str)];

#[test]
fn bad_configuration_exits_2_naming_the_key() {
    let cases: [(Env, Option<&str>, &str); 9] = [
        (
            &[("JUKE_STORAGE__DATABASE_URL", "mysql://db/juke")],
            None,
            "storage.database_url",
        ),
        (
            &[("JUKE_STORAGE__DATABASE_URL", "postgres://")],
            None,
            "storage.database_url",
        ),
        (
            &[("JUKE_STORAGE__MAX_CONNECTIONS", "5000")],
            None,
            "storage.max_connections",
        ),
        (
            &[("JUKE_SERVER__BIND", "not-an-address")],
            None,
            "server.bind",
        ),
        (&[("JUKE_SEARCH__ENGINE", "solr")], None, "search.engine"),
        (
            &[("JUKE_AUTH__REGISTRATION", "maybe")],
            None,
            "auth.registration",
        ),
        (
            &[("JUKE_DATA_DIR", "/proc/juke-cannot-write-here")],
            None,
            "data_dir",
        ),
        (
            &[],
            Some("[library]\nscan_interval_minutes = \"often\"\n"),
            "library.scan_interval_minutes",
        ),
        (&[], Some("[server]\nbnd = \"0.0.0.0:1\"\n"), "server.bnd"),
    ];
    for (envs, file, key) in cases {
        let (code, stderr) = start_with(envs, file);
        assert_eq!(code, Some(2), "{envs:?} {file:?}: {stderr}");
        assert!(
            stderr.to_lowercase().contains(key),
            "message should name {key}: {stderr}"
        );
    }
}

#[test]
fn missing_config_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = juke_command(dir.path(), &[])
        .args(["config", "--config", "nowhere.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nowhere.toml"));
}

#[test]
fn config_command_prints_effective_values_with_secrets_redacted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "[cache]\nmax_entries = 7\n").unwrap();
    let output = juke_command(
        dir.path(),
        &[
            (
                "JUKE_STORAGE__DATABASE_URL",
                "postgres://juke:hunter2secret@db.local/juke",
            ),
            ("JUKE_LIBRARY__SCAN_INTERVAL_MINUTES", "5"),
        ],
    )
    .arg("config")
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        !printed.contains("hunter2secret"),
        "password leaked: {printed}"
    );
    assert!(
        printed.contains("postgres://juke:***@db.local/juke"),
        "{printed}"
    );
    assert!(
        printed.contains("max_entries = 7"),
        "file layer applied: {printed}"
    );
    assert!(
        printed.contains("scan_interval_minutes = 5"),
        "env layer applied: {printed}"
    );
    assert!(printed.contains("bind = \"127.0.0.1:0\""), "{printed}");
}

#[tokio::test]
async fn migrate_command_builds_the_schema_on_an_empty_postgres() {
    let (url, name) = create_postgres_database().await;
    let dir = tempfile::tempdir().unwrap();
    let output = juke_command(dir.path(), &[("JUKE_STORAGE__DATABASE_URL", &url)])
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tables = crate::migrations::TABLES.len();
    assert!(String::from_utf8_lossy(&output.stdout).contains(&format!("{tables} tables")));
    let storage = juke::storage::Storage::connect(&url).await.unwrap();
    assert_eq!(storage.table_names().await.unwrap().len(), tables);
    let indexes = storage.index_names().await.unwrap();
    assert!(indexes.contains(&"idx_tracks_title".to_string()));
    assert!(!storage.trigger_names().await.unwrap().is_empty());
    storage.close().await;
    drop_postgres_database(&name).await;
}

#[tokio::test]
async fn user_add_creates_accounts_from_the_shell() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let add = |args: &[&str], password: &str| {
        let mut child = juke_command(dir.path(), &[])
            .args(["user", "add", "--password-stdin"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned()
                + &String::from_utf8_lossy(&output.stderr),
        )
    };
    let (code, out) = add(
        &["--username", "root", "--email", "root@example.test"],
        "correct horse\n",
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("created admin root"),
        "the first account is an admin: {out}"
    );
    let (code, out) = add(&["--username", "kid"], "correct horse\n");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("created user kid"), "{out}");
    let (code, out) = add(&["--username", "ROOT"], "correct horse\n");
    assert_eq!(code, Some(1), "taken: {out}");
    assert!(out.contains("taken"), "{out}");
    let (code, out) = add(&["--username", "shorty"], "short\n");
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("password"), "{out}");

    let storage = juke::storage::Storage::connect(&format!(
        "sqlite://{}",
        dir.path().join("data/juke.db").display()
    ))
    .await
    .unwrap();
    let (kid, hash) = storage.user_for_login("kid").await.unwrap();
    assert!(!kid.is_admin);
    assert!(hash.starts_with("$argon2id$"));
    assert_eq!(storage.count_users().await.unwrap(), 2);

    // A locked-out admin's way back in: `user passwd` at the console.
    let passwd = |args: &[&str], password: &str| {
        let mut child = juke_command(dir.path(), &[])
            .args(["user", "passwd", "--password-stdin"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned()
                + &String::from_utf8_lossy(&output.stderr),
        )
    };
    let (code, out) = passwd(&["--username", "root"], "a new password\n");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("password set for root"), "{out}");
    let (_, new_hash) = storage.user_for_login("root").await.unwrap();
    let passwords = juke::auth::password::Passwords::new();
    assert!(passwords.verify("a new password", &new_hash).await.unwrap());
    assert!(!passwords.verify("correct horse", &new_hash).await.unwrap());
    let (code, out) = passwd(&["--username", "nobody"], "a new password\n");
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("no account"), "{out}");
    let (code, out) = passwd(&["--username", "root"], "short\n");
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("password"), "{out}");
    storage.close().await;
}

#[tokio::test]
async fn a_scan_killed_midway_resumes_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    let one = crate::audio::make(
        &music,
        &crate::audio::Audio {
            path: "seed.mp3",
            seconds: 1.0,
            codec: &["-c:a", "libmp3lame"],
            tags: &[],
        },
    );
    let bytes = std::fs::read(&one).unwrap();
    std::fs::remove_file(&one).unwrap();
    const FILES: usize = 3000;
    for i in 0..FILES {
        let folder = music.join(format!("Artist {}/Album {}", i / 100, i / 10));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join(format!("{:02} Song {i}.mp3", i % 10 + 1)),
            &bytes,
        )
        .unwrap();
    }
    let folders = format!("[\"{}\"]", music.display());
    let envs = [("JUKE_LIBRARY__FOLDERS", folders.as_str())];
    let mut scan = juke_command(dir.path(), &envs)
        .arg("scan")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let _ = scan.kill(); // SIGKILL: no chance to clean up
    let _ = scan.wait();

    let output = juke_command(dir.path(), &envs)
        .arg("scan")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = String::from_utf8_lossy(&output.stdout);
    let storage = juke::storage::Storage::connect(&format!(
        "sqlite://{}",
        dir.path().join("data/juke.db").display()
    ))
    .await
    .unwrap();
    assert_eq!(
        storage.count_tracks().await.unwrap() as usize,
        FILES,
        "{summary}"
    );
    assert!(storage.counter_drift().await.unwrap().is_empty());
    storage.close().await;
    assert!(summary.contains("0 failed"), "{summary}");
}

#[tokio::test]
async fn secrets_stay_out_of_the_logs() {
    let juke = spawn_juke(&[("RUST_LOG", "debug")]);
    let client = reqwest::Client::new();
    let registered = client
        .post(juke.url("/api/v1/auth/register"))
        .json(&serde_json::json!({"username": "ann", "email": "ann@example.test", "password": "hunter2hunter2", "setup_code": crate::helpers::SETUP_CODE}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = registered.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    client
        .post(juke.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "ann", "password": "wrong-password-value"}))
        .send()
        .await
        .unwrap();
    client
        .get(juke.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let media = format!(
        "/api/v1/tracks/{}/stream?t=media-token-value",
        juke::storage::Id::new()
    );
    client.get(juke.url(&media)).send().await.unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let logs = juke.logs();
    assert!(
        logs.contains("/api/v1/tracks/{id}/stream"),
        "requests are logged by route: {logs}"
    );
    for secret in [
        "hunter2hunter2",
        "wrong-password-value",
        token.as_str(),
        "media-token-value",
    ] {
        assert!(!logs.contains(secret), "{secret} leaked into the logs");
    }
    let secret_file = std::fs::read_to_string(juke.dir.path().join("data/jwt_secret")).unwrap();
    assert!(!logs.contains(secret_file.trim()));
    juke.stop();
}
