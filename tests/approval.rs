//! What an approval is bound to: the definition and destinations, and only the parts of the
//! catalog, glossary and models that the definition uses. Imports that add customers or values
//! leave approvals (and the scheduled refresh) alone; retraining a model whose score is used
//! flags the segment for re-approval without stopping it; changing a used glossary term needs a
//! fresh approval and says why.

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};

use common::api::TestApp;
use segwright::app::{Actor, App, ImportOptions};
use segwright::domain::import::Kind;
use segwright::store::ModelRecord;

async fn saved(app: &TestApp, name: &str, root: Value) -> String {
    let body = json!({"name": name, "definition": {"version": 1, "root": root}});
    let (s, v) = app
        .json_as(Some(&app.marketer), "POST", "/api/segments", Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_string()
}

async fn post(app: &TestApp, token: &str, id: &str, action: &str) -> (StatusCode, Value) {
    let body = if action == "submit" {
        json!({"destinations": ["webhook"]})
    } else {
        json!({})
    };
    app.json_as(
        Some(token),
        "POST",
        &format!("/api/segments/{id}/{action}"),
        Some(body),
    )
    .await
}

/// Submitted by the marketer and approved by the manager.
async fn approved(app: &TestApp, name: &str, root: Value) -> String {
    let id = saved(app, name, root).await;
    let (s, v) = post(app, &app.marketer, &id, "submit").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = post(app, &app.manager, &id, "approve").await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{v}"
    );
    id
}

fn us() -> Value {
    json!({"type": "attribute", "field": "country", "op": "eq", "value": "US"})
}

/// Store a version of a churn model (as `segwright train` would), scoring nobody.
async fn store_churn_model(app: &App, version: i64) {
    let m = ModelRecord {
        task: "churn_risk".into(),
        version,
        kind: "logistic".into(),
        task_spec: "{}".into(),
        features: "{}".into(),
        report: "{}".into(),
        logistic: "{}".into(),
        model: None,
        as_of: "2026-11-30".into(),
        train_until: "2026-09-01".into(),
        scored: 0,
        trained_at: version,
    };
    let store = common::store_of(app).await;
    let mut tx = store.begin_import().await.unwrap();
    tx.save_model(&m, "churn_risk_tier", &[]).await.unwrap();
    tx.commit().await.unwrap();
    app.invalidate();
}

#[tokio::test]
async fn an_import_that_adds_customers_and_values_keeps_the_approval_and_the_scheduled_refresh_running()
 {
    let app = TestApp::spawn().await;
    let id = approved(&app, "us", us()).await;
    let (s, v) = post(&app, &app.manager, &id, "activate").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    app.app.drain_syncs().await.unwrap();

    // New customers, a new plan value and a new attribute: none of it is what "US" depends on.
    let csv = "customer_id,email,Country,PlanType,LoyaltyTier\nc9,z@example.com,US,Platinum,Gold\nc10,y@example.com,DE,Annual,Silver\n";
    let (_dir, path) = common::write_file("more.csv", csv);
    app.app
        .import(
            ImportOptions::new(Kind::Customers, path, vec![], false, None, false),
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();

    let (_, r) = app
        .json_as(
            Some(&app.manager),
            "GET",
            &format!("/api/segments/{id}/review"),
            None,
        )
        .await;
    assert_eq!(r["approval_hash"], r["approval_hash_now"], "{r}");
    assert_eq!(r["approval_changes"], json!([]));
    assert_eq!(
        r["approval_basis"]["fields"]["country"]["type"],
        "categorical"
    );
    let runs = app.app.refresh_all().await.unwrap();
    assert_eq!(runs.len(), 1);
    assert!(
        runs[0].1.is_ok(),
        "the scheduled refresh still runs: {:?}",
        runs[0].1
    );
}

/// Issue 17 item 10: a retrain does not silently stop what was approved. The approval still
/// holds for activation and delivery; the segment is flagged `needs_reapproval` (list and
/// detail) saying which model changed, until it is submitted and approved again. Approving a
/// version submitted before the retrain is refused, saying why.
#[tokio::test]
async fn retraining_the_model_a_definition_uses_flags_it_for_reapproval_without_voiding_the_approval()
 {
    let app = TestApp::spawn().await;
    store_churn_model(&app.app, 1).await;
    let risky = json!({"type": "any", "conditions": [us(), {"type": "attribute", "field": "churn_risk", "op": "gte", "value": 0.6}]});
    let scored = approved(&app, "risky", risky.clone()).await;
    let unscored = approved(&app, "us", us()).await;
    let pending = saved(&app, "pending", risky).await;
    post(&app, &app.marketer, &pending, "submit").await;

    store_churn_model(&app.app, 2).await;

    let (s, v) = post(&app, &app.manager, &scored, "activate").await;
    assert_eq!(
        s,
        StatusCode::OK,
        "a retrain alone does not void the approval: {v}"
    );
    let (_, list) = app
        .json_as(Some(&app.marketer), "GET", "/api/segments", None)
        .await;
    let flag = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()["needs_reapproval"]
            .clone()
    };
    assert_eq!(
        flag(&scored),
        json!(["the model behind `churn_risk` was retrained (version 1 → 2)"]),
        "{list}"
    );
    assert_eq!(
        flag(&unscored),
        Value::Null,
        "a definition without scores is not flagged: {list}"
    );
    let (_, one) = app
        .json_as(
            Some(&app.marketer),
            "GET",
            &format!("/api/segments/{scored}"),
            None,
        )
        .await;
    assert_eq!(one["needs_reapproval"], flag(&scored));

    let (s, v) = post(&app, &app.manager, &pending, "approve").await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "the reviewer approves what was submitted: {v}"
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the model behind `churn_risk` was retrained (version 1 → 2)"),
        "{v}"
    );

    // Submitted and approved again, the flag is gone.
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "PUT",
            &format!("/api/segments/{scored}"),
            Some(json!({"definition": one["definition"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    post(&app, &app.marketer, &scored, "submit").await;
    let (s, v) = post(&app, &app.manager, &scored, "approve").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, one) = app
        .json_as(
            Some(&app.marketer),
            "GET",
            &format!("/api/segments/{scored}"),
            None,
        )
        .await;
    assert_eq!(one["needs_reapproval"], Value::Null, "{one}");
}

#[tokio::test]
async fn an_active_segment_whose_model_was_retrained_keeps_being_refreshed_and_is_flagged() {
    let app = TestApp::spawn().await;
    store_churn_model(&app.app, 1).await;
    let tier = json!({"type": "any", "conditions": [us(), {"type": "attribute", "field": "churn_risk_tier", "op": "eq", "value": "high"}]});
    let id = approved(&app, "tiered", tier).await;
    post(&app, &app.manager, &id, "activate").await;
    app.app.drain_syncs().await.unwrap();
    store_churn_model(&app.app, 2).await;
    let (s, v) = app
        .json_as(
            Some(&app.manager),
            "POST",
            &format!("/api/segments/{id}/refresh"),
            None,
        )
        .await;
    assert!(s.is_success(), "{v}");
    app.app.drain_syncs().await.unwrap();
    let runs = app.app.refresh_all().await.unwrap();
    assert!(runs[0].1.is_ok(), "{runs:?}");
    let (_, one) = app
        .json_as(
            Some(&app.manager),
            "GET",
            &format!("/api/segments/{id}"),
            None,
        )
        .await;
    assert_eq!(
        one["needs_reapproval"],
        json!(["the model behind `churn_risk` was retrained (version 1 → 2)"]),
        "{one}"
    );
}

#[tokio::test]
async fn changing_a_glossary_term_a_definition_uses_needs_a_fresh_approval_and_other_terms_do_not_matter()
 {
    let app = TestApp::spawn().await;
    let valuable =
        json!({"type": "any", "conditions": [us(), {"type": "term", "name": "high_value"}]});
    let uses_term = approved(&app, "valuable", valuable).await;
    let loyal = json!({"type": "any", "conditions": [us(), {"type": "term", "name": "loyal"}]});
    let other_term = approved(&app, "loyal-us", loyal).await;

    // The same database served with a glossary whose "high-value" means the top 10%.
    let glossary = segwright::domain::glossary::DEFAULT_TOML.replace(
        "description = \"Top 20% of customers by lifetime revenue.\"\ndefinition = { type = \"percentile\", field = \"lifetime_revenue\", direction = \"top\", percent = 20 }",
        "description = \"Top 10% of customers by lifetime revenue.\"\ndefinition = { type = \"percentile\", field = \"lifetime_revenue\", direction = \"top\", percent = 10 }",
    );
    assert_ne!(glossary, segwright::domain::glossary::DEFAULT_TOML);
    let mut settings = app.app.settings.clone();
    settings.glossary_toml = Some(glossary);
    let changed = App::open(settings).await.unwrap();
    let manager = Actor::user(
        changed.authenticate_token(&app.manager).await.unwrap(),
        None,
    );

    let e = changed
        .activate_segment(&uses_term, &manager)
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("glossary term `high_value` changed"),
        "{e}"
    );
    changed
        .activate_segment(&other_term, &manager)
        .await
        .expect("a changed term it does not use does not matter");
}
