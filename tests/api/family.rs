//! A family without lock-outs: invite links that sign someone up once whatever
//! `auth.registration` says, admins setting a forgotten password or handing out a one-use reset
//! link, and every refusal (used, expired, unknown, not an admin). Both engines.

use chrono::{Duration, Utc};
use juke::account_links::digest;
use juke::config::Registration;
use juke::storage::{Id, NewInvite};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::app::{TestApp, error_of};
use crate::http_on_both_engines;

fn closed(config: &mut juke::config::Config) {
    config.auth.registration = Registration::Closed;
}

async fn sign_up(app: &TestApp, username: &str, invite: Option<&str>) -> reqwest::Response {
    let mut body = json!({"username": username, "email": format!("{username}@example.test"),
                          "password": "correct horse"});
    if let Some(invite) = invite {
        body["invite"] = json!(invite);
    }
    app.post("/api/v1/auth/register", None, body).await
}

async fn invite(app: &TestApp, token: &str, body: Value) -> Value {
    let made = app.post("/api/v1/invites", Some(token), body).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    made.json().await.unwrap()
}

async fn invites(app: &TestApp, token: &str) -> Vec<Value> {
    let page: Value = app
        .get("/api/v1/invites", token)
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

async fn invites_sign_someone_up_once(app: &TestApp) {
    let root = app.register("root").await;
    let info: Value = app
        .client
        .get(app.url("/api/v1/server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["registration"], "closed");
    assert_eq!(info["needs_admin"], false);
    let (status, code, _) = error_of(sign_up(app, "stranger", None).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "registration_closed")
    );

    let made = invite(
        app,
        &root.token,
        json!({"expires_in_hours": 48, "note": "Grandma"}),
    )
    .await;
    let token = made["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 22);
    assert_eq!(
        made["url"],
        format!("{}/register?invite={token}", app.base),
        "{made}"
    );
    assert!(
        made["qr"]
            .as_str()
            .unwrap()
            .starts_with("data:image/svg+xml;base64,")
    );
    assert_eq!(made["invite"]["state"], "open");
    assert_eq!(made["invite"]["note"], "Grandma");
    assert_eq!(made["invite"]["created_by"], "root");
    let hours = (made["expires_at"]
        .as_str()
        .unwrap()
        .parse::<chrono::DateTime<Utc>>()
        .unwrap()
        - Utc::now())
    .num_minutes();
    assert!((47 * 60..=48 * 60).contains(&hours), "{made}");

    // Someone else's username (and address): refused, and the invite is not spent.
    let (status, code, _) = error_of(sign_up(app, "ROOT", Some(&token)).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "{code}");
    assert_eq!(invites(app, &root.token).await[0]["state"], "open");

    let joined = sign_up(app, "grandma", Some(&format!(" {token} "))).await;
    assert_eq!(joined.status(), StatusCode::CREATED);
    let joined: Value = joined.json().await.unwrap();
    assert_eq!(joined["user"]["is_admin"], false);
    assert!(joined["token"].is_string(), "signed in at once");
    let listed = invites(app, &root.token).await;
    assert_eq!(listed[0]["state"], "used");
    assert_eq!(listed[0]["used_by"], "grandma");

    let (status, code, error) = error_of(sign_up(app, "again", Some(&token)).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "link_used")
    );
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    let (status, code, _) =
        error_of(sign_up(app, "guess", Some(&juke::account_links::new_token())).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "link_unknown")
    );

    // An admin's invite makes an admin; an expired one makes no one.
    let admin_invite = invite(app, &root.token, json!({"is_admin": true})).await;
    let made: Value = sign_up(app, "partner", admin_invite["token"].as_str())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(made["user"]["is_admin"], true);
    let root_id: Id = root.id().parse().unwrap();
    let stale = juke::account_links::new_token();
    app.storage
        .create_invite(&NewInvite {
            token_hash: digest(&stale),
            created_by: root_id,
            is_admin: false,
            note: None,
            expires_at: Utc::now() - Duration::minutes(1),
        })
        .await
        .unwrap();
    let (status, code, _) = error_of(sign_up(app, "late", Some(&stale)).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "link_expired")
    );
    assert!(
        invites(app, &root.token)
            .await
            .iter()
            .any(|i| i["state"] == "expired")
    );

    // Revoked: the link stops at once.
    let revoked = invite(app, &root.token, json!({})).await;
    let path = format!("/api/v1/invites/{}", revoked["id"].as_str().unwrap());
    assert_eq!(
        app.delete(&path, &root.token).await.status(),
        StatusCode::NO_CONTENT
    );
    let (status, code, _) = error_of(sign_up(app, "nope", revoked["token"].as_str()).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "link_unknown")
    );

    // Only admins; bounded fields.
    let grandma = joined["token"].as_str().unwrap();
    for (method, path) in [
        (reqwest::Method::GET, "/api/v1/invites".to_owned()),
        (reqwest::Method::POST, "/api/v1/invites".to_owned()),
        (reqwest::Method::DELETE, path.clone()),
    ] {
        let body = (method == reqwest::Method::POST).then(|| json!({}));
        let (status, _, _) =
            error_of(app.send(method.clone(), &path, Some(grandma), body).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
    }
    for body in [
        json!({"expires_in_hours": 0}),
        json!({"expires_in_hours": 721}),
        json!({"note": "x".repeat(201)}),
    ] {
        let (status, code, _) = error_of(
            app.post("/api/v1/invites", Some(&root.token), body.clone())
                .await,
        )
        .await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field"),
            "{body}"
        );
    }
}

/// Two people racing one invite: exactly one account is made.
async fn an_invite_raced_makes_one_account(app: &TestApp) {
    let root = app.register("root").await;
    let made = invite(app, &root.token, json!({})).await;
    let token = made["token"].as_str().unwrap();
    let names: Vec<String> = (0..6).map(|n| format!("twin{n}")).collect();
    let attempts = names.iter().map(|name| sign_up(app, name, Some(token)));
    let answers = futures_util::future::join_all(attempts).await;
    let created = answers
        .iter()
        .filter(|r| r.status() == StatusCode::CREATED)
        .count();
    assert_eq!(
        created,
        1,
        "{:?}",
        answers.iter().map(|r| r.status()).collect::<Vec<_>>()
    );
    assert_eq!(app.storage.count_users().await.unwrap(), 2);
}

async fn passwords_come_back(app: &TestApp) {
    let root = app.register("root").await;
    let kid = app
        .post(
            "/api/v1/users",
            Some(&root.token),
            json!({"username": "kid", "email": "kid@example.test", "password": "first password"}),
        )
        .await;
    assert_eq!(kid.status(), StatusCode::CREATED);
    let kid_id = kid.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let kid_login = app.login("kid", "first password").await;

    // An admin sets it: the old password and the kid's sessions end.
    let path = format!("/api/v1/users/{kid_id}/password");
    let (status, _, _) = error_of(
        app.send(
            reqwest::Method::PUT,
            &path,
            Some(&kid_login.token),
            Some(json!({"password": "kid sets own"})),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not an admin");
    let (status, code, error) = error_of(
        app.send(
            reqwest::Method::PUT,
            &path,
            Some(&root.token),
            Some(json!({"password": "short"})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field")
    );
    assert_eq!(error["error"]["field"], "password");
    let set = app
        .send(
            reqwest::Method::PUT,
            &path,
            Some(&root.token),
            Some(json!({"password": "second password"})),
        )
        .await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let (status, _, _) = error_of(app.get("/api/v1/me", &kid_login.token).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the kid's sessions ended");
    assert_eq!(
        app.login_raw("kid", "first password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let kid_login = app.login("kid", "second password").await;
    let (status, _, _) = error_of(
        app.send(
            reqwest::Method::PUT,
            &format!("/api/v1/users/{}/password", Id::new()),
            Some(&root.token),
            Some(json!({"password": "second password"})),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A reset link: one use, the sessions end, a newer link replaces an older one.
    let reset_path = format!("/api/v1/users/{kid_id}/reset-link");
    let (status, _, _) = error_of(
        app.post(&reset_path, Some(&kid_login.token), json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let first: Value = app
        .post(&reset_path, Some(&root.token), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let link: Value = app
        .post(&reset_path, Some(&root.token), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let token = link["token"].as_str().unwrap();
    assert_eq!(link["url"], format!("{}/reset?token={token}", app.base));
    assert!(
        link["qr"]
            .as_str()
            .unwrap()
            .starts_with("data:image/svg+xml")
    );
    let hours = (link["expires_at"]
        .as_str()
        .unwrap()
        .parse::<chrono::DateTime<Utc>>()
        .unwrap()
        - Utc::now())
    .num_minutes();
    assert!((23 * 60..=24 * 60).contains(&hours), "{link}");
    let reset = |token: &str, password: &str| {
        app.post(
            "/api/v1/auth/reset",
            None,
            json!({"token": token, "password": password}),
        )
    };
    let (status, code, _) =
        error_of(reset(first["token"].as_str().unwrap(), "third password").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "link_unknown"),
        "the newer link replaced it"
    );
    let (status, code, _) = error_of(reset(token, "short").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field")
    );
    assert_eq!(
        reset(token, "third password").await.status(),
        StatusCode::NO_CONTENT
    );
    let (status, _, _) = error_of(app.get("/api/v1/me", &kid_login.token).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the kid's sessions ended");
    app.login("kid", "third password").await;
    let (status, code, _) = error_of(reset(token, "fourth password").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "link_used")
    );

    // Expired: refused, and the password stays.
    let stale = juke::account_links::new_token();
    app.storage
        .create_password_reset(
            kid_id.parse().unwrap(),
            &digest(&stale),
            root.id().parse().unwrap(),
            Utc::now() - Duration::minutes(1),
        )
        .await
        .unwrap();
    let (status, code, _) = error_of(reset(&stale, "fifth password").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "link_expired")
    );
    app.login("kid", "third password").await;
}

/// Guessing links is slowed like guessing passwords.
async fn link_guesses_are_throttled(app: &TestApp) {
    app.register("root").await;
    let mut throttled = None;
    for n in 0..40 {
        let answer = app
            .post(
                "/api/v1/auth/reset",
                None,
                json!({"token": juke::account_links::new_token(), "password": "whatever it is"}),
            )
            .await;
        if answer.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(answer.headers().contains_key("retry-after"));
            throttled = Some(n);
            break;
        }
        assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    }
    assert!(throttled.is_some(), "40 wrong links were never slowed down");
}

http_on_both_engines!(
    invites_sign_someone_up_once with super::closed,
    an_invite_raced_makes_one_account with super::closed,
    passwords_come_back with super::closed,
    link_guesses_are_throttled with super::closed,
);
