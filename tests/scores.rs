//! Predictive scores end to end on both databases: train on the seeded demo, store model
//! versions, write `churn_risk` / `purchase_propensity` (and tiers) as catalog fields that
//! definitions and glossary terms use, explain one customer, predict an audience's performance,
//! and the same over HTTP.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use segwright::app::{App, DemoOptions, TrainRequest};
use segwright::domain::definition::Definition;

async fn demo_app(db: &common::TestDb) -> App {
    let app = common::app(db).await;
    let as_of = app.as_of(None).unwrap();
    segwright::app::generate_demo(&app, DemoOptions { customers: 3_000, seed: 3, progress: false }, as_of).await.expect("demo data");
    app
}

fn def(root: Value) -> Definition {
    Definition::from_value(json!({"version": 1, "root": root})).unwrap()
}

#[tokio::test]
async fn training_writes_scores_that_definitions_and_terms_use() {
    for db in common::all_dbs().await {
        let app = demo_app(&db).await;
        let as_of = app.as_of(None).unwrap();
        let models = app.train_models(&TrainRequest::default(), as_of).await.expect("trains");
        assert_eq!(models.iter().map(|m| m.task.as_str()).collect::<Vec<_>>(), ["churn_risk", "purchase_propensity"], "{}", db.name);
        for m in &models {
            let chosen = m.report.chosen_metrics();
            assert!(chosen.roc_auc > 0.6, "{} {}: {}", db.name, m.task, m.table());
            assert!(m.scored > 0);
            assert_eq!(m.version, 1);
        }
        let snap = app.snapshot().await.unwrap();
        for f in ["churn_risk", "purchase_propensity", "churn_risk_tier", "purchase_propensity_tier"] {
            assert!(snap.catalog.fields.iter().any(|x| x.name == f), "{}: catalog lacks {f}", db.name);
        }
        let risky = app.preview(&def(json!({"type": "term", "name": "churn_risk"})), as_of, false).await.expect("term previews");
        let by_attr = app.preview(&def(json!({"type": "attribute", "field": "churn_risk", "op": "gte", "value": 0.6})), as_of, false).await.unwrap();
        assert_eq!(risky.size.count, by_attr.size.count, "{}", db.name);
        app.preview(&def(json!({"type": "term", "name": "likely_to_buy"})), as_of, true).await.expect("likely_to_buy previews");
        app.preview(&def(json!({"type": "attribute", "field": "churn_risk_tier", "op": "eq", "value": "high"})), as_of, false).await.expect("tiers");
        // A second run is a new version; listing shows both.
        app.train_models(&TrainRequest::default(), as_of).await.unwrap();
        let listed = app.models().await.unwrap();
        assert_eq!(listed.len(), 4);
        assert_eq!(listed[0].version, 2, "newest first");
        // Why this customer.
        let customer = app.store.external_ids().await.unwrap()[0].clone();
        let scores = app.customer_scores(&customer, 3).await.unwrap();
        assert!(!scores.is_empty() && scores.iter().all(|s| s.factors.len() == 3 && (0.0..=1.0).contains(&s.score)));
        // Predicted performance: churn-risk customers are expected to churn more than average.
        let p = app.predicted_performance(&def(json!({"type": "term", "name": "churn_risk"})), as_of).await.unwrap();
        let churn = p.expected.iter().find(|e| e.score == "churn_risk").expect("churn figure");
        assert!(churn.lift > 1.0 && churn.rate >= 0.6, "{churn:?}");
    }
}

#[tokio::test]
async fn too_few_labels_are_refused_with_a_clear_message() {
    let db = common::sqlite_db();
    let app = common::app(&db).await;
    let as_of = app.as_of(None).unwrap();
    segwright::app::generate_demo(&app, DemoOptions { customers: 100, seed: 3, progress: false }, as_of).await.unwrap();
    let e = app.train_models(&TrainRequest::default(), as_of).await.unwrap_err();
    assert!(e.public_message().contains("too little data"), "{e}");
    let e = app.train_models(&TrainRequest { label: Some("nope".into()), ..Default::default() }, as_of).await.unwrap_err();
    assert!(e.public_message().contains("no custom attribute `nope`"), "{e}");
}

async fn call(router: &(axum::Router, String), method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let (router, token) = router;
    let mut req = Request::builder().method(method).uri(uri).header("authorization", common::bearer(token));
    let body = match body {
        Some(v) => {
            req = req.header("content-type", "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let resp = router.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn models_over_http() {
    let db = common::sqlite_db();
    let app = std::sync::Arc::new(demo_app(&db).await);
    let token = common::user_token(&app, "manager@example.test", segwright::domain::access::Role::CampaignManager).await;
    let router = (segwright::http::router(app.clone()), token);
    let (s, v) = call(&router, "POST", "/api/models/train", Some(json!({}))).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let mut status = String::new();
    for _ in 0..6_000 {
        let (_, j) = call(&router, "GET", &format!("/api/models/jobs/{id}"), None).await;
        status = j["status"].as_str().unwrap().to_string();
        if status != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "done");
    let (s, v) = call(&router, "GET", "/api/models", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["models"].as_array().unwrap().len(), 2);
    assert!(v["models"][0]["report"]["baseline"]["roc_auc"].is_number());
    let customer = app.store.external_ids().await.unwrap()[0].clone();
    let (s, v) = call(&router, "GET", &format!("/api/models/scores/{customer}"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["scores"][0]["factors"][0]["feature"].is_string());
    let (s, _) = call(&router, "GET", "/api/models/scores/no-such-customer", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let body = json!({"definition": {"version": 1, "root": {"type": "term", "name": "likely_to_buy"}}});
    let (s, v) = call(&router, "POST", "/api/preview/performance", Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["expected"][0]["expected"].is_number() && v["expected"][0]["base_rate"].is_number(), "{v}");

    // The models page and the glossary page, for a signed-in user.
    let (s, v) = call(&router, "GET", "/api/models", None).await;
    assert_eq!(s, StatusCode::OK);
    let top = v["models"][0]["top_features"].as_array().unwrap();
    assert!(!top.is_empty() && top[0]["weight"].as_f64().unwrap() >= top[top.len() - 1]["weight"].as_f64().unwrap(), "{top:?}");
    let cookie = session_cookie(&router.0, "manager@example.test").await;
    let page = |uri: &'static str| {
        let (router, cookie) = (router.0.clone(), cookie.clone());
        async move {
            let resp = router.oneshot(Request::get(uri).header("cookie", cookie).body(Body::empty()).unwrap()).await.unwrap();
            (resp.status(), String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap())
        }
    };
    let (s, html) = page("/models").await;
    assert_eq!(s, StatusCode::OK);
    for needle in ["churn_risk", "purchase_propensity", "ROC AUC", "recency baseline", "<circle", "scores customers now", top[0]["feature"].as_str().unwrap()] {
        assert!(html.contains(needle), "the models page shows {needle}");
    }
    let (s, html) = page("/glossary").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("churn-risk") && html.contains("likely to churn") && html.contains("threshold = 0.6"), "{html}");
}

/// Sign in through the login form; the session cookie.
async fn session_cookie(router: &axum::Router, email: &str) -> String {
    let form = format!("email={}&password=correct+horse+battery", email.replace('@', "%40"));
    let req = Request::post("/login").header("content-type", "application/x-www-form-urlencoded").body(Body::from(form)).unwrap();
    let resp = router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    resp.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string()
}
