//! The OpenAPI document at `GET /api/openapi.json`: every documented operation is served (and
//! guarded), no documented path answers a method the document does not list, request bodies
//! carry their schemas, and the whole document is snapshotted so any change to the API shows
//! up in review.

mod common;

use axum::http::StatusCode;
use serde_json::Value;

use common::api::TestApp;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

async fn document(app: &TestApp) -> Value {
    let (s, doc) = app
        .json_as(Some(&app.marketer), "GET", "/api/openapi.json", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{doc}");
    doc
}

fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "x" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_documented_operation_is_served_and_no_documented_path_serves_an_undocumented_method()
{
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let paths = doc["paths"].as_object().unwrap();
    assert!(
        paths.len() >= 40 && paths.keys().all(|p| p.starts_with("/api/")),
        "{:?}",
        paths.keys()
    );
    for (path, item) in paths {
        let uri = concrete(path);
        for method in METHODS {
            if item.get(method.to_ascii_lowercase()).is_some() {
                // Served: the route matched and its authentication answered, not the 404 fallback.
                let (s, _) = app.call_as(None, method, &uri, None).await;
                assert_eq!(s, StatusCode::UNAUTHORIZED, "{method} {path}");
            } else {
                let (s, _) = app.call_as(Some(&app.admin), method, &uri, None).await;
                assert_eq!(
                    s,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is served but not documented"
                );
            }
        }
    }
    let (s, _) = app.call_as(None, "GET", "/api/not-a-route", None).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "the check above can tell a missing route from a guarded one"
    );
}

#[tokio::test]
async fn request_bodies_and_parameters_come_with_their_schemas() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let submit = &doc["paths"]["/api/segments/{id}/submit"]["post"];
    let body = &submit["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["$ref"], "#/components/schemas/SubmitBody", "{submit}");
    assert_eq!(
        doc["components"]["schemas"]["SubmitBody"]["required"][0],
        "destinations"
    );
    assert_eq!(submit["parameters"][0]["name"], "id");
    let audit = &doc["paths"]["/api/audit"]["get"]["parameters"];
    let names: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"actor") && names.contains(&"since") && names.contains(&"format"),
        "{names:?}"
    );
    assert!(
        doc["components"]["schemas"]["Definition"].is_object(),
        "definitions carry the definition language's schema"
    );
    // Every $ref points at a component that exists.
    let text = doc.to_string();
    for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &part[..part.find('"').unwrap()];
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling $ref {name}"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_is_stable() {
    let app = TestApp::spawn().await;
    insta::assert_json_snapshot!("openapi", document(&app).await);
}
