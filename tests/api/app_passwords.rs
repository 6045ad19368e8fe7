//! App passwords for Subsonic apps: made (shown once), listed without secrets, revoked, owned,
//! bounded, and stored sealed under the data folder's key.

use std::os::unix::fs::PermissionsExt;

use juke::auth::app_passwords::{AppPasswordVault, MAX_PER_USER};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::{TestApp, error_of};
use crate::http_on_both_engines;

async fn create(app: &TestApp, token: &str, name: &str) -> reqwest::Response {
    app.post(
        "/api/v1/me/app-passwords",
        Some(token),
        json!({ "name": name }),
    )
    .await
}

async fn made_once_listed_without_secrets_and_revoked(app: &TestApp) {
    let anna = app.register("anna").await;
    let response = create(app, &anna.token, "Tempo on Anna's phone").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let made: Value = response.json().await.unwrap();
    let secret = made["password"].as_str().expect("the password, this once");
    assert_eq!(secret.len(), 23, "four groups of five: {secret}");
    assert_eq!(made["name"], "Tempo on Anna's phone");
    assert_eq!(made["user_id"], anna.id());
    assert!(made["last_used_at"].is_null());
    // What the app asks for, to copy or scan.
    assert_eq!(made["server_url"], app.base);
    assert_eq!(made["username"], "anna");
    let qr = made["qr"].as_str().unwrap();
    let svg = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        qr.trim_start_matches("data:image/svg+xml;base64,"),
    )
    .unwrap();
    assert!(
        String::from_utf8(svg).unwrap().starts_with("<?xml"),
        "an SVG image"
    );

    let second: Value = create(app, &anna.token, "Feishin")
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(second["password"], made["password"]);

    let list: Value = app
        .get("/api/v1/me/app-passwords", &anna.token)
        .await
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["name"], "Feishin", "newest first");
    for item in items {
        assert!(item.get("password").is_none(), "never shown again: {item}");
        assert!(item.get("sealed_secret").is_none() && item.get("lookup_hash").is_none());
    }
    assert!(!list.to_string().contains(secret));

    // Sealed at rest: the database holds neither the secret nor anything that opens without
    // the data folder's key, which is private to the server's user.
    let sealed = app
        .storage
        .sealed_app_passwords("ANNA")
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.id.to_string() == made["id"].as_str().unwrap())
        .expect("found by username, any case");
    assert!(!sealed.sealed_secret.contains(secret));
    let key_file = app.data_dir.path().join("data/app_password_key");
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the key is the server user's alone");
    let key = juke::auth::secret::app_password_key(&app.data_dir.path().join("data")).unwrap();
    assert_eq!(
        AppPasswordVault::new(&key)
            .open(&sealed.sealed_secret)
            .as_deref(),
        Some(secret),
        "the server can read it back (Subsonic token auth needs that)"
    );
    assert_eq!(
        AppPasswordVault::new(&[0; 32]).open(&sealed.sealed_secret),
        None
    );
    let by_hash = app
        .storage
        .app_password_by_hash(&AppPasswordVault::lookup_hash(secret))
        .await
        .unwrap();
    assert_eq!(by_hash.id, sealed.id);

    // Only the owner sees or revokes them.
    let ben = app.register("ben").await;
    let bens: Value = app
        .get("/api/v1/me/app-passwords", &ben.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bens["items"], json!([]));
    let path = format!("/api/v1/me/app-passwords/{}", made["id"].as_str().unwrap());
    let (status, code, _) = error_of(app.delete(&path, &ben.token).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert_eq!(
        app.delete(&path, &anna.token).await.status(),
        StatusCode::NO_CONTENT
    );
    let (status, _, _) = error_of(app.delete(&path, &anna.token).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "gone");
    assert!(
        app.storage
            .app_password_by_hash(&AppPasswordVault::lookup_hash(secret))
            .await
            .is_err()
    );
    let anonymous = app
        .send(Method::GET, "/api/v1/me/app-passwords", None, None)
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

async fn names_are_checked_and_the_count_bounded(app: &TestApp) {
    let cleo = app.register("cleo").await;
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "   "}), "name"),
        (json!({"name": "x".repeat(101)}), "name"),
        (json!({"name": "two\nlines"}), "name"),
    ] {
        let response = app
            .post("/api/v1/me/app-passwords", Some(&cleo.token), body.clone())
            .await;
        let (status, _, error) = error_of(response).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error["error"]["field"], field, "{body}");
    }
    let unknown = app
        .post(
            "/api/v1/me/app-passwords",
            Some(&cleo.token),
            json!({"name": "x", "password": "mine"}),
        )
        .await;
    assert_eq!(
        unknown.status(),
        StatusCode::BAD_REQUEST,
        "no chosen secrets"
    );

    for i in 0..MAX_PER_USER {
        let made = create(app, &cleo.token, &format!("device {i}")).await;
        assert_eq!(made.status(), StatusCode::CREATED);
    }
    let (status, code, _) = error_of(create(app, &cleo.token, "one too many").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "too_many_app_passwords")
    );

    // Erasing the account erases its app passwords.
    let id: juke::storage::Id = cleo.id().parse().unwrap();
    app.storage.delete_user(id).await.unwrap();
    assert!(
        app.storage
            .sealed_app_passwords("cleo")
            .await
            .unwrap()
            .is_empty()
    );
}

http_on_both_engines!(
    made_once_listed_without_secrets_and_revoked,
    names_are_checked_and_the_count_bounded,
);
