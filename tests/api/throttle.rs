//! Login throttling (issue 20): failures slow the address they come from, counted on the
//! account, and never lock the owner out: the right password from another address, and the
//! account's app passwords, are not slowed by guesses at the log-in form. The tests connect from
//! 127.0.0.1 and name other addresses through X-Forwarded-For, trusted from there.

use std::time::Duration;

use juke::auth::throttle::{FREE_FAILURES_PER_ACCOUNT, FREE_FAILURES_PER_ADDRESS};
use md5::Digest;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::app::{TestApp, error_of};
use crate::http_on_both_engines;
use crate::subsonic::{app_password, error_code, raw};

const A: &str = "203.0.113.10";
const B: &str = "198.51.100.20";

async fn log_in_from(app: &TestApp, address: &str, login: &str, password: &str) -> Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("X-Forwarded-For", address)
        .json(&json!({"username": login, "password": password}))
        .send()
        .await
        .unwrap()
}

/// A Subsonic `ping` from `address`; returns the `subsonic-response` object.
async fn ping_from(app: &TestApp, address: &str, query: &[(&str, &str)]) -> Value {
    let mut query = query.to_vec();
    query.push(("f", "json"));
    let body: Value = app
        .client
        .get(app.url("/rest/ping"))
        .header("X-Forwarded-For", address)
        .query(&query)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["subsonic-response"].clone()
}

fn retry_after(response: &Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// What a log-in answered, as comparable values: status, Retry-After, error code.
async fn outcome(response: Response) -> (StatusCode, Option<u64>, String) {
    let wait = response
        .headers()
        .contains_key("retry-after")
        .then(|| retry_after(&response));
    let (status, code, _) = error_of(response).await;
    (status, wait, code)
}

fn message(response: &Value) -> &str {
    response["error"]["message"].as_str().unwrap()
}

/// The "done means": ten wrong passwords from one address do not stop the right one
/// from another. The guessing address is slowed, more with each failure, and never locked out.
async fn guesses_from_one_address_slow_only_that_address(app: &TestApp) {
    app.register("ann").await;
    let mut statuses = Vec::new();
    for n in 0..10 {
        // Counted on the account, whichever of its names is typed.
        let login = if n % 2 == 0 {
            "ann"
        } else {
            "ann@example.test"
        };
        statuses.push(log_in_from(app, A, login, "wrong horse").await.status());
    }
    let free = FREE_FAILURES_PER_ACCOUNT as usize;
    assert!(
        statuses[..free]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert!(
        statuses[free..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );

    let elsewhere = log_in_from(app, B, "ann", "correct horse").await;
    assert_eq!(
        elsewhere.status(),
        StatusCode::OK,
        "another address is not slowed"
    );

    let first = log_in_from(app, A, "ann", "correct horse").await;
    assert_eq!(first.status(), StatusCode::TOO_MANY_REQUESTS);
    let first_wait = retry_after(&first);
    let (_, code, body) = error_of(first).await;
    assert_eq!(code, "too_many_requests");
    assert!(
        message(&body).contains(&format!("try again in {first_wait} seconds")),
        "{body}"
    );
    tokio::time::sleep(Duration::from_secs(first_wait)).await;
    let guess = log_in_from(app, A, "ann", "wrong horse").await;
    assert_eq!(
        guess.status(),
        StatusCode::UNAUTHORIZED,
        "admitted once waited"
    );
    let second = log_in_from(app, A, "ann", "correct horse").await;
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    let second_wait = retry_after(&second);
    assert!(second_wait > first_wait, "{first_wait} then {second_wait}");

    tokio::time::sleep(Duration::from_secs(second_wait)).await;
    let owner = log_in_from(app, A, "ann", "correct horse").await;
    assert_eq!(owner.status(), StatusCode::OK, "slowed, never locked out");
    let typo = log_in_from(app, A, "ann", "wrong horse").await;
    assert_eq!(
        typo.status(),
        StatusCode::UNAUTHORIZED,
        "the success forgot the account's failures from here"
    );
}

/// A name no account has is answered and slowed exactly like an account's name.
async fn unknown_names_are_slowed_like_known_ones(app: &TestApp) {
    app.register("ann").await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..8 {
        known.push(outcome(log_in_from(app, A, "ann", "wrong horse").await).await);
        unknown.push(outcome(log_in_from(app, B, "nobody", "wrong horse").await).await);
    }
    assert_eq!(known, unknown);
    assert_eq!(
        known.last().unwrap(),
        &(
            StatusCode::TOO_MANY_REQUESTS,
            Some(1),
            "too_many_requests".to_owned()
        )
    );
}

/// Guesses at the log-in form, for the account and across names, never slow its app
/// passwords, even from the same address.
async fn log_in_failures_never_block_app_passwords(app: &TestApp) {
    let ann = app.register("ann").await;
    let secret = app_password(app, &ann, "phone").await;
    for n in 0..FREE_FAILURES_PER_ADDRESS {
        app.login_raw(&format!("nobody{n}"), "wrong horse").await;
    }
    for _ in 0..10 {
        app.login_raw("ann", "wrong horse").await;
    }
    let web = app.login_raw("ann", "correct horse").await;
    assert_eq!(web.status(), StatusCode::TOO_MANY_REQUESTS);

    let plain = raw(app, "ping", &[("u", "ann"), ("p", &secret)]).await;
    assert_eq!(plain["status"], "ok", "{plain}");
    let salted = format!("{:x}", md5::Md5::digest(format!("{secret}a1b2c3")));
    let token = raw(
        app,
        "ping",
        &[("u", "ann"), ("t", &salted), ("s", "a1b2c3")],
    )
    .await;
    assert_eq!(token["status"], "ok", "{token}");
    let key = raw(app, "ping", &[("apiKey", &secret)]).await;
    assert_eq!(key["status"], "ok", "{key}");
}

/// Wrong app passwords and API keys on `/rest` are slowed like the log-in, in Subsonic's own
/// answer (code 40), and counted apart from it.
async fn wrong_app_passwords_are_throttled_on_rest(app: &TestApp) {
    let ann = app.register("ann").await;
    let secret = app_password(app, &ann, "phone").await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..10 {
        let guess = ping_from(app, A, &[("u", "ann"), ("p", "guess")]).await;
        known.push((error_code(&guess), message(&guess).to_owned()));
        let guess = ping_from(app, B, &[("u", "nobody"), ("p", "guess")]).await;
        unknown.push((error_code(&guess), message(&guess).to_owned()));
    }
    assert_eq!(known, unknown, "unknown names answered alike");
    let free = FREE_FAILURES_PER_ACCOUNT as usize;
    assert!(
        known[..free]
            .iter()
            .all(|(code, text)| *code == 40 && text == "wrong username or password"),
        "{known:?}"
    );
    assert!(
        known[free..].iter().all(|(code, text)| *code == 40
            && text == "too many failed attempts: try again in 1 seconds"),
        "{known:?}"
    );

    let right = [("u", "ann"), ("p", secret.as_str())];
    let slowed = ping_from(app, A, &right).await;
    assert_eq!(error_code(&slowed), 40);
    assert!(message(&slowed).starts_with("too many"), "{slowed}");
    let elsewhere = ping_from(app, "192.0.2.30", &right).await;
    assert_eq!(elsewhere["status"], "ok", "another address is not slowed");
    let web = log_in_from(app, A, "ann", "correct horse").await;
    assert_eq!(
        web.status(),
        StatusCode::OK,
        "app failures never slow the log-in"
    );

    // API keys name no account: the address's count across names applies.
    let spraying = "192.0.2.40";
    for n in 0..FREE_FAILURES_PER_ADDRESS {
        let key = format!("not-a-key-{n}");
        let refused = ping_from(app, spraying, &[("apiKey", &key)]).await;
        assert_eq!(error_code(&refused), 44, "{refused}");
    }
    let slowed = ping_from(app, spraying, &[("apiKey", "one-more")]).await;
    assert_eq!(error_code(&slowed), 40);
    assert!(message(&slowed).starts_with("too many"), "{slowed}");
    let key = ping_from(app, "192.0.2.41", &[("apiKey", &secret)]).await;
    assert_eq!(key["status"], "ok", "{key}");
}

http_on_both_engines! {
    guesses_from_one_address_slow_only_that_address with |config| {
        config.server.trusted_proxies = vec!["127.0.0.1".into()];
    },
    unknown_names_are_slowed_like_known_ones with |config| {
        config.server.trusted_proxies = vec!["127.0.0.1".into()];
    },
    log_in_failures_never_block_app_passwords,
    wrong_app_passwords_are_throttled_on_rest with |config| {
        config.server.trusted_proxies = vec!["127.0.0.1".into()];
    },
}
