//! Accounts, sessions and authorization over real HTTP, on both engines.

use std::os::unix::fs::PermissionsExt;

use juke::config::Registration;
use juke::storage::{Engine, Id};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::{TestApp, error_of};
use crate::helpers::TestDb;
use crate::http_on_both_engines;

async fn first_account_is_admin_and_gets_a_working_token(app: &TestApp) {
    let response = app
        .register_raw("Ann", "ann@example.test", "correct horse")
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["username"], "Ann");
    assert_eq!(
        body["user"]["is_admin"], true,
        "the first account is the admin"
    );
    assert!(
        body["user"].get("password_hash").is_none(),
        "no hash in responses"
    );
    assert!(body["expires_at"].is_string());
    let token = body["token"].as_str().unwrap();
    let me: Value = app.get("/api/v1/me", token).await.json().await.unwrap();
    assert_eq!(me["id"], body["user"]["id"]);

    let second = app.register("ben").await;
    assert_eq!(second.user["is_admin"], false);

    // The session row holds a hash of the token, never the token.
    let (user, hash) = app.storage.user_for_login("ann").await.unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    let sessions = app
        .storage
        .sessions_of(user.id, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(sessions.len(), 1);
    let stored = juke::auth::token::token_hash(token);
    assert!(
        app.storage
            .authenticate(sessions[0].id, &stored, chrono::Utc::now())
            .await
            .is_ok()
    );
    assert!(
        app.storage
            .authenticate(sessions[0].id, token, chrono::Utc::now())
            .await
            .is_err()
    );

    // The signing secret was generated into data_dir, private.
    let secret = app.data_dir.path().join("data/jwt_secret");
    let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

async fn closed_registration_admits_only_the_first_account(open_app: &TestApp) {
    let db = match open_app.storage.engine() {
        Engine::Sqlite => TestDb::sqlite().await,
        Engine::Postgres => TestDb::postgres().await,
    };
    let app = TestApp::spawn_with(db, |c| c.auth.registration = Registration::Closed).await;
    let admin = app.register("root").await;
    assert_eq!(admin.user["is_admin"], true);
    let (status, code, _) = error_of(
        app.register_raw("eve", "eve@example.test", "correct horse")
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "registration_closed")
    );
    // An admin still creates accounts.
    let created = app
        .post(
            "/api/v1/users",
            Some(&admin.token),
            json!({"username": "eve", "password": "correct horse"}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    app.login("eve", "correct horse").await;
    app.finish().await;
}

async fn usernames_and_emails_are_unique_ignoring_case(app: &TestApp) {
    app.register("Ann").await;
    let (status, code, _) = error_of(
        app.register_raw("  aNN ", "x@example.test", "correct horse")
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "username_taken")
    );
    let (status, code, _) = error_of(
        app.register_raw("bob", "ANN@Example.Test", "correct horse")
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "email_taken")
    );
}

async fn bad_fields_are_named(app: &TestApp) {
    // The admin first: until one exists, a registration without the setup code is refused
    // before its fields are read.
    app.register("admin").await;
    let cases = [
        (
            json!({"username": "a b", "email": "a@example.test", "password": "correct horse"}),
            "username",
        ),
        (
            json!({"username": "", "email": "a@example.test", "password": "correct horse"}),
            "username",
        ),
        (
            json!({"username": "x".repeat(65), "email": "a@example.test", "password": "correct horse"}),
            "username",
        ),
        (
            json!({"username": "amy", "email": "not-an-email", "password": "correct horse"}),
            "email",
        ),
        (
            json!({"username": "amy", "email": "a@example.test", "password": "short"}),
            "password",
        ),
        (
            json!({"username": "amy", "email": "a@example.test", "password": "p".repeat(1025)}),
            "password",
        ),
        (
            json!({"username": "amy", "email": "a@example.test", "password": "correct horse", "first_name": "f".repeat(101)}),
            "first_name",
        ),
    ];
    for (body, field) in cases {
        let (status, code, error) =
            error_of(app.post("/api/v1/auth/register", None, body.clone()).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(code, "invalid_field");
        assert_eq!(error["error"]["field"], field, "{body}");
    }
    let (status, _, _) = error_of(
        app.post("/api/v1/auth/register", None, json!({"username": "amy", "password": "correct horse", "email": "a@example.test", "role": "admin"}))
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "unknown fields are refused"
    );
    // An oversize body is refused from its Content-Length, before it is read. (Sent by hand:
    // a client still writing when the server answers would see a broken pipe.)
    let head = app.raw_exchange(
        "POST /api/v1/auth/register HTTP/1.1\r\nHost: juke\r\nContent-Type: application/json\r\n\
         Content-Length: 2097152\r\nConnection: close\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("payload_too_large"), "{head}");
    let not_json = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(not_json).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.storage.count_users().await.unwrap(),
        1,
        "nothing was created but the admin"
    );
}

async fn login_by_username_or_email_and_one_answer_for_every_failure(app: &TestApp) {
    app.register("Ann").await;
    let by_name = app.login("ann", "correct horse").await;
    let by_email = app.login("ANN@example.test", "correct horse").await;
    assert_eq!(by_name.id(), by_email.id());
    let (status, code, wrong) = error_of(app.login_raw("ann", "wrong horse").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let (status, _, unknown) = error_of(app.login_raw("nobody", "wrong horse").await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong, unknown,
        "an unknown user and a wrong password look the same"
    );
}

async fn requests_need_a_live_session(app: &TestApp) {
    let ann = app.register("ann").await;
    let no_token = app.send(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        no_token.headers()["www-authenticate"],
        "Bearer realm=\"juke\""
    );
    let mut tampered = ann.token.clone();
    tampered.replace_range(tampered.len() - 4.., "AAAA");
    assert_eq!(
        app.get("/api/v1/me", &tampered).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/me", "not-a-jwt").await.status(),
        StatusCode::UNAUTHORIZED
    );

    // A valid signature is not enough: the session row must still exist.
    let second = app.login("ann", "correct horse").await;
    let user_id: Id = ann.id().parse().unwrap();
    let sessions = app
        .storage
        .sessions_of(user_id, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(sessions.len(), 2);
    for session in sessions {
        app.storage.delete_session(session.id).await.unwrap();
    }
    for token in [&ann.token, &second.token] {
        let (status, code, _) = error_of(app.get("/api/v1/me", token).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "unauthorized")
        );
    }
}

async fn logout_revokes_the_token(app: &TestApp) {
    let ann = app.register("ann").await;
    let other = app.login("ann", "correct horse").await;
    let out = app
        .send(Method::POST, "/api/v1/auth/logout", Some(&ann.token), None)
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", &ann.token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/me", &other.token).await.status(),
        StatusCode::OK,
        "only that session"
    );
}

async fn profile_edits_validate_and_keep_emails_unique(app: &TestApp) {
    let ann = app.register("ann").await;
    app.register("ben").await;
    let updated: Value = app
        .patch(
            "/api/v1/me",
            &ann.token,
            json!({"first_name": " Ann ", "bio": "Plays bass.", "avatar_url": "https://img.example/ann.png"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(updated["first_name"], "Ann");
    assert_eq!(updated["bio"], "Plays bass.");
    assert_eq!(
        updated["email"], "ann@example.test",
        "untouched fields stay"
    );
    let cleared: Value = app
        .patch("/api/v1/me", &ann.token, json!({"bio": null}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["bio"], Value::Null);
    assert_eq!(cleared["first_name"], "Ann");

    let (status, code, body) = error_of(
        app.patch(
            "/api/v1/me",
            &ann.token,
            json!({"avatar_url": "javascript:alert(1)"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field")
    );
    assert_eq!(body["error"]["field"], "avatar_url");
    let (status, code, _) = error_of(
        app.patch(
            "/api/v1/me",
            &ann.token,
            json!({"email": "BEN@example.test"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "email_taken")
    );
    let moved: Value = app
        .patch(
            "/api/v1/me",
            &ann.token,
            json!({"email": "ann@new.example"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["email"], "ann@new.example");
    app.login("ann@new.example", "correct horse").await;
}

async fn password_change_signs_out_the_other_sessions(app: &TestApp) {
    let ann = app.register("ann").await;
    let phone = app.login("ann", "correct horse").await;
    let put = |token: String, body: Value| async move {
        app.send(Method::PUT, "/api/v1/me/password", Some(&token), Some(body))
            .await
    };
    let (status, code, _) = error_of(
        put(
            ann.token.clone(),
            json!({"current_password": "wrong horse", "new_password": "battery staple"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "wrong_password")
    );
    let (status, _, body) = error_of(
        put(
            ann.token.clone(),
            json!({"current_password": "correct horse", "new_password": "short"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "new_password");
    let done = put(
        ann.token.clone(),
        json!({"current_password": "correct horse", "new_password": "battery staple"}),
    )
    .await;
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", &ann.token).await.status(),
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        app.get("/api/v1/me", &phone.token).await.status(),
        StatusCode::UNAUTHORIZED,
        "others are revoked"
    );
    assert_eq!(
        app.login_raw("ann", "correct horse").await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.login("ann", "battery staple").await;
}

async fn sessions_are_listed_and_revocable(app: &TestApp) {
    let ann = app.register("ann").await;
    let laptop = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("user-agent", "JukeTest/1.0 (laptop)")
        .json(&json!({"username": "ann", "password": "correct horse"}))
        .send()
        .await
        .unwrap();
    let laptop: Value = laptop.json().await.unwrap();
    let laptop_token = laptop["token"].as_str().unwrap().to_owned();
    let list: Value = app
        .get("/api/v1/me/sessions", &ann.token)
        .await
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let current: Vec<&Value> = items.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert!(
        current[0]["last_used_at"].is_string(),
        "last_used_at is recorded"
    );
    let other = items.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(other["user_agent"], "JukeTest/1.0 (laptop)");
    assert_eq!(
        other["device"], "JukeTest 1.0",
        "a name, not the raw string"
    );
    assert_eq!(other["ip_address"], "127.0.0.1");
    assert!(other.get("session_token").is_none());

    let ben = app.register("ben").await;
    let path = format!("/api/v1/me/sessions/{}", other["id"].as_str().unwrap());
    assert_eq!(
        app.delete(&path, &ben.token).await.status(),
        StatusCode::NOT_FOUND,
        "not ben's"
    );
    assert_eq!(
        app.get("/api/v1/me", &laptop_token).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.delete(&path, &ann.token).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get("/api/v1/me", &laptop_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.delete("/api/v1/me/sessions/not-a-uuid", &ann.token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

async fn admins_manage_accounts_and_others_are_refused(app: &TestApp) {
    let admin = app.register("admin").await;
    let ann = app.register("ann").await;
    for (method, path) in [
        (Method::GET, "/api/v1/users".to_string()),
        (Method::GET, format!("/api/v1/users/{}", admin.id())),
        (Method::PATCH, format!("/api/v1/users/{}", ann.id())),
        (Method::DELETE, format!("/api/v1/users/{}", admin.id())),
    ] {
        let body = (method == Method::PATCH).then(|| json!({"is_admin": true}));
        let (status, code, _) = error_of(
            app.send(method.clone(), &path, Some(&ann.token), body)
                .await,
        )
        .await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{method} {path}"
        );
    }
    let denied = app
        .post(
            "/api/v1/users",
            Some(&ann.token),
            json!({"username": "x", "password": "correct horse"}),
        )
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);

    for name in ["cat", "dan", "eve"] {
        let created = app
            .post(
                "/api/v1/users",
                Some(&admin.token),
                json!({"username": name, "password": "correct horse", "subscription": "family", "email_verified": true}),
            )
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let created: Value = created.json().await.unwrap();
        assert_eq!(
            (
                created["subscription"].as_str(),
                created["email_verified"].as_bool()
            ),
            (Some("family"), Some(true))
        );
    }
    // Paging: five accounts, two at a time, in username order.
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/users?limit=2&cursor={c}"),
            None => "/api/v1/users?limit=2".to_string(),
        };
        let page: Value = app.get(&path, &admin.token).await.json().await.unwrap();
        names.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["username"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(names, ["admin", "ann", "cat", "dan", "eve"]);
    assert_eq!(
        app.get("/api/v1/users?limit=501", &admin.token)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.get("/api/v1/users?cursor=%%%", &admin.token)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let path = format!("/api/v1/users/{}", ann.id());
    let patched: Value = app
        .patch(
            &path,
            &admin.token,
            json!({"subscription": "premium", "email_verified": true, "is_admin": true}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            patched["subscription"].as_str(),
            patched["is_admin"].as_bool()
        ),
        (Some("premium"), Some(true))
    );
    let (status, _, body) = error_of(
        app.patch(&path, &admin.token, json!({"subscription": "gold"}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "subscription");
    let fetched: Value = app.get(&path, &admin.token).await.json().await.unwrap();
    assert_eq!(fetched["subscription"], "premium");
    let missing = format!("/api/v1/users/{}", Id::new());
    assert_eq!(
        app.get(&missing, &admin.token).await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn deactivation_refuses_the_account_until_reactivated(app: &TestApp) {
    let admin = app.register("admin").await;
    let ann = app.register("ann").await;
    let path = format!("/api/v1/users/{}", ann.id());
    assert_eq!(
        app.delete(&path, &admin.token).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get("/api/v1/me", &ann.token).await.status(),
        StatusCode::UNAUTHORIZED,
        "sessions revoked"
    );
    let (status, code, _) = error_of(app.login_raw("ann", "correct horse").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "account_deactivated")
    );
    let (status, _, _) = error_of(app.login_raw("ann", "wrong horse").await).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "deactivation is not revealed without the password"
    );
    let kept: Value = app.get(&path, &admin.token).await.json().await.unwrap();
    assert_eq!(
        (kept["is_active"].as_bool(), kept["username"].as_str()),
        (Some(false), Some("ann")),
        "data kept"
    );
    let back: Value = app
        .patch(&path, &admin.token, json!({"is_active": true}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(back["is_active"], true);
    app.login("ann", "correct horse").await;
}

async fn the_last_active_admin_stays(app: &TestApp) {
    let admin = app.register("admin").await;
    let ann = app.register("ann").await;
    let me = format!("/api/v1/users/{}", admin.id());
    for response in [
        app.delete(&me, &admin.token).await,
        app.patch(&me, &admin.token, json!({"is_admin": false}))
            .await,
        app.patch(&me, &admin.token, json!({"is_active": false}))
            .await,
    ] {
        let (status, code, _) = error_of(response).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::CONFLICT, "last_admin")
        );
    }
    let still: Value = app
        .get("/api/v1/me", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (still["is_admin"].as_bool(), still["is_active"].as_bool()),
        (Some(true), Some(true)),
        "rolled back"
    );
    let promote = format!("/api/v1/users/{}", ann.id());
    app.patch(&promote, &admin.token, json!({"is_admin": true}))
        .await;
    let demoted: Value = app
        .patch(&me, &admin.token, json!({"is_admin": false}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(demoted["is_admin"], false, "fine once another admin exists");
}

async fn repeated_failures_are_throttled(app: &TestApp) {
    app.register("ann").await;
    for _ in 0..juke::auth::throttle::FREE_FAILURES_PER_ACCOUNT {
        assert_eq!(
            app.login_raw("ann", "wrong horse").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let refused = app.login_raw("ANN", "correct horse").await;
    assert_eq!(
        refused.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "from this address, even the right password waits"
    );
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry), "{retry}");
    assert_eq!(error_of(refused).await.1, "too_many_requests");
}

http_on_both_engines!(
    first_account_is_admin_and_gets_a_working_token,
    closed_registration_admits_only_the_first_account,
    usernames_and_emails_are_unique_ignoring_case,
    bad_fields_are_named,
    login_by_username_or_email_and_one_answer_for_every_failure,
    requests_need_a_live_session,
    logout_revokes_the_token,
    profile_edits_validate_and_keep_emails_unique,
    password_change_signs_out_the_other_sessions,
    sessions_are_listed_and_revocable,
    admins_manage_accounts_and_others_are_refused,
    deactivation_refuses_the_account_until_reactivated,
    the_last_active_admin_stays,
    repeated_failures_are_throttled,
);

/// Logs in with an X-Forwarded-For header; returns the response.
async fn login_forwarded(
    app: &TestApp,
    login: &str,
    password: &str,
    forwarded: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("X-Forwarded-For", forwarded)
        .json(&json!({"username": login, "password": password}))
        .send()
        .await
        .unwrap()
}

/// The address the newest session of `token`'s owner was recorded with.
async fn session_addresses(app: &TestApp, token: &str) -> Vec<String> {
    let sessions: Value = app
        .get("/api/v1/me/sessions", token)
        .await
        .json()
        .await
        .unwrap();
    sessions["items"]
        .as_array()
        .or_else(|| sessions.as_array())
        .unwrap()
        .iter()
        .filter_map(|s| s["ip_address"].as_str().map(str::to_owned))
        .collect()
}

/// Behind a trusted proxy (the tests connect from 127.0.0.1), sessions and the log-in throttle
/// see the address the proxy names; without one configured, the header changes nothing.
async fn forwarded_addresses_count_only_from_trusted_proxies(app: &TestApp) {
    let ann = app.register("ann").await;
    let response = login_forwarded(app, "ann", "correct horse", "203.0.113.7").await;
    assert_eq!(response.status(), StatusCode::OK);
    // A client's own entry stands left of what the proxies appended, and is not believed.
    let response = login_forwarded(
        app,
        "ann",
        "correct horse",
        "1.2.3.4, 198.51.100.2, 10.9.9.9",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let addresses = session_addresses(app, &ann.token).await;
    assert!(
        addresses.contains(&"203.0.113.7".to_owned()),
        "{addresses:?}"
    );
    assert!(
        addresses.contains(&"198.51.100.2".to_owned()),
        "{addresses:?}"
    );
    assert!(!addresses.contains(&"1.2.3.4".to_owned()), "{addresses:?}");

    // Twenty failures from one client behind the proxy: that client waits, the others don't.
    for n in 0..juke::auth::throttle::FREE_FAILURES_PER_ADDRESS {
        let response =
            login_forwarded(app, &format!("nobody{n}"), "wrong horse", "203.0.113.66").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let refused = login_forwarded(app, "ann", "correct horse", "203.0.113.66").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let other = login_forwarded(app, "ann", "correct horse", "203.0.113.67").await;
    assert_eq!(other.status(), StatusCode::OK);
}

async fn forwarded_addresses_are_ignored_by_default(app: &TestApp) {
    let ann = app.register("ann").await;
    let response = login_forwarded(app, "ann", "correct horse", "203.0.113.7").await;
    assert_eq!(response.status(), StatusCode::OK);
    let addresses = session_addresses(app, &ann.token).await;
    assert!(!addresses.is_empty());
    assert!(addresses.iter().all(|a| a == "127.0.0.1"), "{addresses:?}");
}

http_on_both_engines! {
    forwarded_addresses_count_only_from_trusted_proxies with |config| {
        config.server.trusted_proxies = vec!["127.0.0.1".into(), "10.0.0.0/8".into()];
    },
    forwarded_addresses_are_ignored_by_default,
}
