//! The API description: `/api/openapi.json` lists every route, every listed route is served,
//! and `/api/docs` renders it.

use juke::api::openapi::ROUTES;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::TestApp;
use crate::helpers::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_is_served() {
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let admin = app.register("admin").await;

    let doc: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["info"]["title"], "Juke");
    let mut operations = 0;
    for route in ROUTES {
        let op = &doc["paths"][route.path][route.method];
        assert!(
            op.is_object(),
            "{} {} is documented",
            route.method,
            route.path
        );
        assert!(op["responses"][route.ok.to_string()].is_object());
        operations += 1;
    }
    assert!(operations >= 60, "{operations}");
    let counted: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(counted, ROUTES.len(), "no route twice");

    // Each documented route answers as a route: whatever the status, never "no such route".
    for route in ROUTES {
        let path = route
            .path
            .replace("{id}", &juke::storage::Id::new().to_string())
            .replace("{entry_id}", &juke::storage::Id::new().to_string());
        let method = Method::from_bytes(route.method.to_uppercase().as_bytes()).unwrap();
        let body = route.body.map(|_| json!({}));
        let response = app
            .send(method.clone(), &path, Some(&admin.token), body)
            .await;
        let status = response.status();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        if status == StatusCode::NOT_FOUND && method != Method::HEAD {
            let error: Value = response.json().await.unwrap();
            assert_ne!(
                error["error"]["message"], "there is no such route: see /api/docs",
                "{method} {path} is served"
            );
        }
    }
    let unknown = app.get("/api/v1/nothing-here", &admin.token).await;
    let error: Value = unknown.json().await.unwrap();
    assert_eq!(
        error["error"]["message"],
        "there is no such route: see /api/docs"
    );

    let docs = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(
        docs.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(docs.text().await.unwrap().contains("/api/openapi.json"));
    app.finish().await;
}
