//! Internet radio stations: admins keep them (native API and Subsonic alike), everyone lists
//! them, and a real client library (py-sonic) works the whole cycle.

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::app::{Login, TestApp, error_of};
use crate::http_on_both_engines;
use crate::subsonic::validate;

async fn app_password(app: &TestApp, login: &Login) -> String {
    let made: Value = app
        .post(
            "/api/v1/me/app-passwords",
            Some(&login.token),
            json!({ "name": "radio app" }),
        )
        .await
        .json()
        .await
        .unwrap();
    made["password"].as_str().unwrap().to_owned()
}

/// `/rest/{method}` signed in with an app password as `apiKey`: the raw answer.
async fn rest(app: &TestApp, key: &str, method: &str, params: &[(&str, &str)]) -> String {
    let mut query = vec![("apiKey", key), ("c", "radio-test"), ("v", "1.16.1")];
    query.extend_from_slice(params);
    let response = app
        .client
        .get(app.url(&format!("/rest/{method}")))
        .query(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{method}");
    response.text().await.unwrap()
}

async fn stations(app: &TestApp, login: &Login) -> Vec<Value> {
    let response = app.get("/api/v1/radio-stations", &login.token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = response.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

async fn admins_keep_stations_everyone_lists_them(app: &TestApp) {
    let admin = app.register("root").await;
    let anna = app.register("anna").await;
    let station = json!({"name": "Jazz FM", "stream_url": "https://radio.example/jazz.mp3",
                         "homepage_url": "https://radio.example/"});

    let (status, code, _) = error_of(
        app.post("/api/v1/radio-stations", Some(&anna.token), station.clone())
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    for (field, bad) in [
        ("stream_url", "javascript:alert(1)"),
        ("stream_url", "file:///etc/passwd"),
        ("homepage_url", "ftp://radio.example/"),
        ("name", " "),
    ] {
        let mut body = station.clone();
        body[field] = json!(bad);
        let (status, code, error) = error_of(
            app.post("/api/v1/radio-stations", Some(&admin.token), body)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {bad}");
        assert_eq!(code, "invalid_field");
        assert!(error.to_string().contains(field), "{error}");
    }
    assert!(stations(app, &anna).await.is_empty(), "nothing was stored");

    let created = app
        .post("/api/v1/radio-stations", Some(&admin.token), station)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let listed = stations(app, &anna).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["name"], "Jazz FM");
    assert_eq!(listed[0]["stream_url"], "https://radio.example/jazz.mp3");

    let path = format!("/api/v1/radio-stations/{id}");
    let (status, _, _) =
        error_of(app.patch(&path, &anna.token, json!({"name": "Mine"})).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let edited: Value = app
        .patch(
            &path,
            &admin.token,
            json!({"name": "Jazz FM HD", "homepage_url": null}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(edited["name"], "Jazz FM HD");
    assert_eq!(edited["homepage_url"], Value::Null, "null clears it");
    assert_eq!(
        edited["stream_url"], "https://radio.example/jazz.mp3",
        "kept"
    );

    // Subsonic sees the same list, in a schema-valid document.
    let anna_key = app_password(app, &anna).await;
    let xml = rest(app, &anna_key, "getInternetRadioStations.view", &[]).await;
    validate(&xml, "getInternetRadioStations");
    assert!(xml.contains(&format!("id=\"{id}\"")), "{xml}");
    assert!(
        xml.contains("streamUrl=\"https://radio.example/jazz.mp3\""),
        "{xml}"
    );
    let denied = rest(
        app,
        &anna_key,
        "createInternetRadioStation",
        &[
            ("streamUrl", "https://x.example/s"),
            ("name", "X"),
            ("f", "json"),
        ],
    )
    .await;
    let denied: Value = serde_json::from_str(&denied).unwrap();
    assert_eq!(denied["subsonic-response"]["error"]["code"], 50, "{denied}");

    let (status, _, _) = error_of(app.delete(&path, &anna.token).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.delete(&path, &admin.token).await.status(),
        StatusCode::NO_CONTENT
    );
    let (status, code, _) = error_of(app.delete(&path, &admin.token).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert!(stations(app, &anna).await.is_empty());

    // A real client library, as an admin's app: the whole cycle.
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pyenv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: scripts/test makes the venv and installs tests/requirements.txt",
        python.display()
    );
    let admin_key = app_password(app, &admin).await;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/subsonic/radio.py");
    let output = tokio::process::Command::new(&python)
        .arg(script)
        .env("JUKE_URL", &app.base)
        .env("JUKE_USER", "root")
        .env("JUKE_APP_PASSWORD", &admin_key)
        .output()
        .await
        .expect("run python");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("all radio steps passed"),
        "the py-sonic radio session failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

http_on_both_engines!(admins_keep_stations_everyone_lists_them);
