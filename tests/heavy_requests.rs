//! Issue 17 item 14: heavy previews run off the async request threads, within a time budget.
//! While four heavy previews compute, `/health` still answers at once (its database check waits
//! a quarter second at most); a request past its budget is answered `503 over_budget` with the
//! JSON envelope.

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use common::api::TestApp;

/// An `in` list of many external ids: seconds of CPU in the in-memory engine of a debug build.
fn heavy_definition() -> Value {
    let ids: Vec<String> = (0..14_000).map(|i| format!("nobody-{i:05}")).collect();
    json!({"version": 1, "root": {"type": "attribute", "field": "external_id", "op": "in", "value": ids}})
}

async fn call(
    router: axum::Router,
    token: Option<String>,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, String) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", common::bearer(&t));
    }
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let body = body
        .map(|b| Body::from(b.to_string()))
        .unwrap_or_else(Body::empty);
    let resp = router.oneshot(req.body(body).unwrap()).await.unwrap();
    let status = resp.status();
    (
        status,
        String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).to_string(),
    )
}

async fn demo_app(budget: Duration) -> TestApp {
    let app = TestApp::spawn_with_settings(|s| {
        s.in_memory = true;
        s.governance.request_budget = budget;
    })
    .await;
    let as_of = app.app.as_of(None).unwrap();
    segwright::app::generate_demo(
        &app.app,
        segwright::app::DemoOptions {
            customers: 6_000,
            seed: 11,
            progress: false,
        },
        as_of,
    )
    .await
    .expect("demo data");
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_at_once_while_four_heavy_previews_compute() {
    let app = demo_app(Duration::from_secs(120)).await;
    // The in-memory copy loaded first: the previews below compute from it (CPU), not through the
    // database's connections (which /health needs one of).
    let warm = json!({"definition": {"version": 1, "root": {"type": "attribute", "field": "country", "op": "eq", "value": "US"}}});
    let (s, v) = call(
        app.router.clone(),
        Some(app.marketer.clone()),
        "POST",
        "/api/preview",
        Some(warm),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let body = json!({"definition": heavy_definition()});
    let started = Instant::now();
    let mut previews = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (r, t, b) = (app.router.clone(), app.marketer.clone(), body.clone());
        previews.spawn(async move { call(r, Some(t), "POST", "/api/preview", Some(b)).await });
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut slowest = Duration::ZERO;
    let mut probes = 0;
    while probes < 5 || (previews.len() == 4 && probes < 50) {
        let t = Instant::now();
        let (s, _) = call(app.router.clone(), None, "GET", "/health", None).await;
        assert_eq!(s, StatusCode::OK);
        slowest = slowest.max(t.elapsed());
        probes += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
        while let Some(done) = previews.try_join_next() {
            let (s, v) = done.unwrap();
            assert_eq!(s, StatusCode::OK, "{v}");
        }
    }
    let busy = started.elapsed();
    while let Some(done) = previews.join_next().await {
        let (s, v) = done.unwrap();
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let total = started.elapsed();
    eprintln!(
        "previews took {total:?}; /health slowest {slowest:?} over {probes} probes in {busy:?}"
    );
    assert!(
        total > Duration::from_millis(600),
        "the previews must be heavy for the test to mean anything: {total:?}"
    );
    // The database's answer is awaited a quarter second at most (`"database": "busy"` past it).
    assert!(
        slowest < Duration::from_millis(600),
        "/health waited {slowest:?} behind the previews"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_past_its_budget_is_answered_503_over_budget() {
    let app = demo_app(Duration::from_millis(20)).await;
    let (s, text) = call(
        app.router.clone(),
        Some(app.marketer.clone()),
        "POST",
        "/api/preview",
        Some(json!({"definition": heavy_definition()})),
    )
    .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["error"]["code"], "over_budget", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("time budget"),
        "{v}"
    );
    let (s, _) = call(app.router.clone(), None, "GET", "/health", None).await;
    assert_eq!(s, StatusCode::OK);
}
