//! PostgreSQL going away under a running server, through a TCP proxy the test cuts: once a
//! request has found the database unreachable, the next ones are answered 503 at once (not
//! after the pool's 10 s wait), `/metrics` keeps answering and says so, and service resumes
//! when the database is back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use crate::app::TestApp;
use crate::helpers::TestDb;

/// Forwards connections to `upstream` until cut: then it closes every open one and any new one.
struct CutProxy {
    port: u16,
    cut: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
}

impl CutProxy {
    async fn start(upstream: String) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(AtomicBool::new(false));
        let open = Arc::new(Mutex::new(Vec::<AbortHandle>::new()));
        let (cut_flag, open_list) = (Arc::clone(&cut), Arc::clone(&open));
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if cut_flag.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                open_list.lock().unwrap().push(task.abort_handle());
            }
        })
        .abort_handle();
        CutProxy {
            port,
            cut,
            open,
            accept,
        }
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for task in self.open.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_known_down_is_answered_at_once_until_it_is_back() {
    let db = TestDb::postgres().await;
    let direct = url::Url::parse(&db.url).unwrap();
    let upstream = format!(
        "{}:{}",
        direct.host_str().unwrap(),
        direct.port().unwrap_or(5432)
    );
    let proxy = CutProxy::start(upstream).await;
    let mut proxied = direct.clone();
    proxied.set_port(Some(proxy.port)).unwrap();
    let proxied = proxied.to_string();
    let app = TestApp::spawn_tweaked(db, move |config| {
        config.storage.database_url = proxied;
    })
    .await;
    let ann = app.register("ann").await;
    let create = || {
        app.client
            .post(app.url("/api/v1/playlists"))
            .bearer_auth(&ann.token)
            .json(&json!({"name": "Mix"}))
            .send()
    };
    assert_eq!(create().await.unwrap().status(), StatusCode::CREATED);

    proxy.cut();
    // The first request to find it gone waits for the pool (up to its 10 s acquire timeout).
    let found = create().await.unwrap();
    assert_eq!(found.status(), StatusCode::SERVICE_UNAVAILABLE);

    // The next ones are answered at once: with a 3 s client timeout they get their 503.
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    for _ in 0..3 {
        let response = impatient
            .post(app.url("/api/v1/playlists"))
            .bearer_auth(&ann.token)
            .json(&json!({"name": "Mix"}))
            .send()
            .await
            .expect("answered within the client's 3 s");
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().contains_key("retry-after"));
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "database_unavailable");
    }
    let subsonic: Value = impatient
        .get(app.url("/rest/ping"))
        .query(&[
            ("u", "ann"),
            ("p", "x"),
            ("v", "1.16.1"),
            ("c", "t"),
            ("f", "json"),
        ])
        .send()
        .await
        .expect("/rest answered within 3 s")
        .json()
        .await
        .unwrap();
    assert_eq!(subsonic["subsonic-response"]["status"], "failed");
    assert!(
        subsonic["subsonic-response"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("database"),
        "{subsonic}"
    );
    let metrics = impatient
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("/metrics answered within 3 s");
    assert_eq!(metrics.status(), StatusCode::OK);
    let text = metrics.text().await.unwrap();
    assert!(text.contains("juke_database_up 0"), "{text}");

    proxy.restore();
    let mut back = false;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if create().await.unwrap().status() == StatusCode::CREATED {
            back = true;
            break;
        }
    }
    assert!(back, "requests succeed again once the database is back");
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("juke_database_up 1"), "{text}");
    app.finish().await;
}
