//! The API description: `/api/openapi.json` lists every route, every listed route is served,
//! every body and parameter has a schema, `/api/docs` renders it, and a schema-driven fuzzer
//! (schemathesis) finds the server answering as it says.

use std::path::PathBuf;

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
    every_body_and_parameter_has_a_schema(&doc);

    // Each documented route answers as a route: whatever the status, never "no such route".
    for route in ROUTES {
        let path = route
            .path
            .replace("{id}", &juke::storage::Id::new().to_string())
            .replace("{entry_id}", &juke::storage::Id::new().to_string())
            .replace("{track_id}", &juke::storage::Id::new().to_string())
            .replace("{token}", &juke::shares::new_token());
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

/// Parameters carry schemas; JSON bodies and 2xx JSON answers name component schemas, and
/// every reference resolves.
fn every_body_and_parameter_has_a_schema(doc: &Value) {
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert!(schemas.len() >= 40, "{} component schemas", schemas.len());
    assert!(schemas.contains_key("Error"));
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let at = format!("{method} {path}");
            for parameter in op["parameters"].as_array().into_iter().flatten() {
                assert!(parameter["schema"].is_object(), "{at}: {parameter}");
                if parameter["in"] == "path" && parameter["name"] != "token" {
                    assert_eq!(parameter["schema"]["format"], "uuid", "{at}");
                }
            }
            if let Some(content) = op["requestBody"]["content"].as_object() {
                assert!(!content.is_empty(), "{at}");
                for (kind, body) in content {
                    assert!(body["schema"].is_object(), "{at} {kind}");
                    if kind == "application/json" {
                        assert!(body["schema"]["$ref"].is_string(), "{at}");
                    }
                }
            }
            let responses = op["responses"].as_object().unwrap();
            for (status, response) in responses {
                let content = response["content"].as_object();
                if status.starts_with('2') {
                    if let Some(json) = content.and_then(|c| c.get("application/json")) {
                        assert!(json["schema"]["$ref"].is_string(), "{at} {status}");
                    }
                } else {
                    let error = &content.unwrap()["application/json"]["schema"]["$ref"];
                    assert_eq!(error, "#/components/schemas/Error", "{at} {status}");
                }
            }
            if op["security"].is_array() {
                assert!(responses.contains_key("401"), "{at}");
            }
            if op["requestBody"]["content"]["application/json"].is_object() {
                for status in ["400", "413", "422"] {
                    assert!(responses.contains_key(status), "{at} {status}");
                }
            }
        }
    }
    assert!(operations >= 60);
    let text = doc.to_string();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(
            schemas.contains_key(name),
            "{name} is referenced, not defined"
        );
    }
}

/// schemathesis (from tests/requirements.txt, in target/pyenv) generates requests for every
/// operation from the document alone and checks each answer: never a 5xx, a documented
/// status, a documented content type, a body that matches its schema.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_driven_fuzzer_finds_the_server_as_documented() {
    let schemathesis =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pyenv/bin/schemathesis");
    assert!(
        schemathesis.exists(),
        "{} is missing: scripts/test makes the venv and installs tests/requirements.txt",
        schemathesis.display()
    );
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let admin = app.register("admin").await;
    // Something to find, so lists and searches answer with items to check.
    let playlist = app
        .post(
            "/api/v1/playlists",
            Some(&admin.token),
            json!({"name": "Fuzzed", "is_public": true}),
        )
        .await;
    assert_eq!(playlist.status(), StatusCode::CREATED);

    // Logging out would revoke the token the rest of the run signs in with.
    let excluded = ["post_api_v1_auth_logout"];
    let report = app.data_dir.path().join("schemathesis.json");
    let mut command = tokio::process::Command::new(&schemathesis);
    command
        .arg("run")
        .arg(app.url("/api/openapi.json"))
        .args([
            "--header",
            &format!("Authorization: Bearer {}", admin.token),
        ])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_schema_conformance",
            // Few cases per operation keep this under a minute; no stateful phase.
            "--phases",
            "examples,fuzzing",
            "--max-examples",
            "5",
            "--seed",
            "17",
            "--workers",
            "2",
            "--request-timeout",
            "30",
            "--report",
            "json",
        ])
        .arg("--report-json-path")
        .arg(&report)
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .current_dir(app.data_dir.path());
    for operation_id in excluded {
        command.args(["--exclude-operation-id", operation_id]);
    }
    let output = command.output().await.expect("schemathesis runs");
    let printed = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("{printed}");
    assert!(output.status.success(), "schemathesis failed:\n{printed}");

    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("the JSON report"))
            .expect("a JSON report");
    let operations = &report["operations"];
    let expected = (ROUTES.len() - excluded.len()) as u64;
    assert_eq!(operations["selected"], expected, "{report}\n{printed}");
    // Tested: requests were generated and sent; none skipped for want of a schema.
    assert_eq!(operations["tested"], expected, "{report}\n{printed}");
    assert_eq!(operations["skipped"], 0, "{report}");
    assert_eq!(operations["errored"], 0, "{report}");
    assert!(
        report["test_cases"]["generated"].as_u64().unwrap() >= expected,
        "{report}"
    );
    assert_eq!(report["failures"], json!([]), "{report}\n{printed}");
    app.finish().await;
}
