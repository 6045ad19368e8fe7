//! An in-process Juke on a real socket (port 0), on either engine, with a client and a
//! helper per endpoint so tests read like what a user does.

use std::sync::mpsc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use juke::config::{Config, Registration};
use juke::startup::Application;
use juke::storage::Storage;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::TestDb;

/// Runs one async test function once per engine against a running app, as tests named
/// `sqlite` and `postgres` inside a module named after the function. Registration is open (as
/// [`TestApp::spawn`]); `name with |config| …` changes the configuration further first.
#[macro_export]
macro_rules! http_on_both_engines {
    ($($name:ident $(with $tweak:expr)?),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::helpers::TestDb::sqlite().await;
                #[allow(unused_variables)]
                let tweak = $crate::app::no_tweak;
                $(let tweak = $crate::app::tweak($tweak);)?
                let app = $crate::app::TestApp::spawn_tweaked(db, tweak).await;
                super::$name(&app).await;
                app.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let db = $crate::helpers::TestDb::postgres().await;
                #[allow(unused_variables)]
                let tweak = $crate::app::no_tweak;
                $(let tweak = $crate::app::tweak($tweak);)?
                let app = $crate::app::TestApp::spawn_tweaked(db, tweak).await;
                super::$name(&app).await;
                app.finish().await;
            }
        }
    )*};
}

/// The configuration change of a test that asks for none.
pub fn no_tweak(_: &mut Config) {}

/// Gives a test's closure its parameter's type.
pub fn tweak<F: FnOnce(&mut Config)>(tweak: F) -> F {
    tweak
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// The same database the server uses, for looking behind the API.
    pub storage: Storage,
    pub data_dir: TempDir,
    handle: ServerHandle,
    db: TestDb,
}

/// A signed-in user, as the tests hold one.
#[derive(Clone, Debug)]
pub struct Login {
    pub token: String,
    pub user: Value,
}

impl Login {
    pub fn id(&self) -> &str {
        self.user["id"].as_str().expect("user id")
    }
}

impl TestApp {
    /// Registration is open, so tests can create several users.
    pub async fn spawn(db: TestDb) -> TestApp {
        Self::spawn_with(db, |config| config.auth.registration = Registration::Open).await
    }

    /// As [`TestApp::spawn`] (registration open), then `tweak` changes the configuration.
    pub async fn spawn_tweaked(db: TestDb, tweak: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_with(db, |config| {
            config.auth.registration = Registration::Open;
            tweak(config);
        })
        .await
    }

    pub async fn spawn_with(db: TestDb, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let data_dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config {
            data_dir: data_dir.path().join("data"),
            ..Config::default()
        };
        config.server.bind = "127.0.0.1:0".parse().unwrap();
        config.storage.database_url = db.url.clone();
        config.auth.setup_code = crate::helpers::SETUP_CODE.into();
        tweak(&mut config);
        let (tx, rx) = mpsc::channel();
        // actix runs its own System on a thread of its own; the test talks to it over HTTP.
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                match Application::build(config).await {
                    Ok(app) => {
                        let _ = tx.send(Ok((app.local_addr(), app.handle())));
                        let _ = app.run().await;
                    }
                    Err(err) => {
                        let _ = tx.send(Err(err.to_string()));
                    }
                }
            });
        });
        let (addr, handle) =
            tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(60)))
                .await
                .unwrap()
                .expect("app started in time")
                .expect("app started");
        TestApp {
            base: format!("http://{addr}"),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            storage: db.storage.clone(),
            data_dir,
            handle,
            db,
        }
    }

    pub async fn finish(self) {
        self.handle.stop(true).await;
        self.db.finish().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request sent")
    }

    /// Writes raw bytes to the server and returns what it answers, up to the connection's close.
    pub fn raw_exchange(&self, request: &str) -> String {
        use std::io::{Read, Write};
        let addr = self.base.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request.as_bytes()).expect("write request");
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.send(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.send(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Response {
        self.send(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.send(Method::DELETE, path, Some(token), None).await
    }

    pub async fn register_raw(&self, username: &str, email: &str, password: &str) -> Response {
        self.post(
            "/api/v1/auth/register",
            None,
            json!({"username": username, "email": email, "password": password,
                   "setup_code": crate::helpers::SETUP_CODE}),
        )
        .await
    }

    /// Registers `username` with password "correct horse" and returns its login.
    pub async fn register(&self, username: &str) -> Login {
        let response = self
            .register_raw(
                username,
                &format!("{username}@example.test"),
                "correct horse",
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "register {username}"
        );
        let body: Value = response.json().await.unwrap();
        Login {
            token: body["token"].as_str().expect("token").to_owned(),
            user: body["user"].clone(),
        }
    }

    pub async fn login_raw(&self, login: &str, password: &str) -> Response {
        self.post(
            "/api/v1/auth/login",
            None,
            json!({"username": login, "password": password}),
        )
        .await
    }

    pub async fn login(&self, login: &str, password: &str) -> Login {
        let response = self.login_raw(login, password).await;
        assert_eq!(response.status(), StatusCode::OK, "login {login}");
        let body: Value = response.json().await.unwrap();
        Login {
            token: body["token"].as_str().expect("token").to_owned(),
            user: body["user"].clone(),
        }
    }
}

/// The status and the error code of an error response.
pub async fn error_of(response: Response) -> (StatusCode, String, Value) {
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON error body");
    let code = body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned();
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "error.message: {body}"
    );
    (status, code, body)
}
