//! The three high findings of issue 17, over HTTP: contact data leaves only under the export's
//! rule (campaign manager, approved version, suppression list excluded, audited); the policy
//! sees conditions hidden in referenced segments; and expanding references is bounded, so a
//! small request cannot make the server build millions of conditions.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};

use common::api::TestApp;
use segwright::app::ImportOptions;
use segwright::domain::import::Kind;

fn def(root: Value) -> Value {
    json!({"version": 1, "root": root})
}

async fn save(app: &TestApp, name: &str, root: Value) -> String {
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(json!({"name": name, "definition": def(root)})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn members_with_emails_follow_the_export_rule_role_version_state_suppression_and_audit() {
    let app = TestApp::spawn().await;
    app.app
        .suppress("external_id", "c2", &segwright::app::Actor::cli())
        .await
        .unwrap();
    let id = save(
        &app,
        "us",
        json!({"type": "attribute", "field": "country", "op": "eq", "value": "US"}),
    )
    .await;
    let members = |token: String, query: &'static str| {
        let (app, id) = (&app, id.clone());
        async move {
            app.call_as(
                Some(&token),
                "GET",
                &format!("/api/segments/{id}/members{query}"),
                None,
            )
            .await
        }
    };

    let (s, body) = members(app.marketer.clone(), "?with_email=true").await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a marketer gets no emails: {body}"
    );
    let (s, body) = members(app.manager.clone(), "?with_email=true").await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "a draft's emails are refused: {body}"
    );
    let (s, ids) = members(app.marketer.clone(), "").await;
    assert_eq!(
        (s, ids.as_str()),
        (StatusCode::OK, "external_id\nc1\nc2\n"),
        "ids alone stay open to readers"
    );

    app.json_as(
        Some(&app.marketer),
        "POST",
        &format!("/api/segments/{id}/submit"),
        Some(json!({"destinations": ["csv"]})),
    )
    .await;
    let (s, body) = members(app.manager.clone(), "?with_email=true").await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "a submitted version is refused: {body}"
    );
    let (s, v) = app
        .json_as(
            Some(&app.manager),
            "POST",
            &format!("/api/segments/{id}/approve"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        members(app.marketer.clone(), "?with_email=true").await.0,
        StatusCode::FORBIDDEN,
        "approved or not, marketers get no emails"
    );

    let (s, csv) = members(app.manager.clone(), "?with_email=true").await;
    assert_eq!(
        (s, csv.as_str()),
        (StatusCode::OK, "external_id,email\nc1,ann@example.com\n"),
        "c2 is suppressed"
    );
    let (_, jsonl) = members(app.manager.clone(), "?with_email=true&format=jsonl").await;
    assert_eq!(
        jsonl,
        "{\"email\":\"ann@example.com\",\"external_id\":\"c1\"}\n"
    );
    let (_, audit) = app
        .json_as(
            Some(&app.manager),
            "GET",
            "/api/audit?action=segment.export_members",
            None,
        )
        .await;
    assert_eq!(
        audit["entries"].as_array().unwrap().len(),
        2,
        "each member list with emails is audited: {audit}"
    );
}

#[tokio::test]
async fn a_sensitive_condition_inside_a_referenced_segment_blocks_submission_to_ad_platforms() {
    let app = TestApp::spawn_with_settings(|s| s.governance.policy.min_meta = 1).await;
    let csv = "customer_id,email,country,ads_consent,religion,health_condition\n\
               s1,s1@example.com,US,Yes,Catholic,diabetes\n\
               s2,s2@example.com,US,Yes,Catholic,diabetes\n";
    let (_dir, path) = common::write_file("sensitive.csv", csv);
    app.app
        .import(
            ImportOptions::new(Kind::Customers, path, vec![], false, None, false),
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();
    save(
        &app,
        "faithful_patients",
        json!({"type": "all", "conditions": [
            {"type": "attribute", "field": "religion", "op": "eq", "value": "Catholic"},
            {"type": "attribute", "field": "health_condition", "op": "eq", "value": "diabetes"}]}),
    )
    .await;
    let outer = save(
        &app,
        "us_prospects",
        json!({"type": "all", "conditions": [
            {"type": "attribute", "field": "country", "op": "eq", "value": "US"},
            {"type": "segment", "segment": "faithful_patients"}]}),
    )
    .await;

    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            &format!("/api/segments/{outer}/submit"),
            Some(json!({"destinations": ["meta"]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "policy_violation");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("religion") && message.contains("health_condition"),
        "{message}"
    );
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            &format!("/api/segments/{outer}/submit"),
            Some(json!({"destinations": ["webhook"]})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "sensitive attributes are refused only for ad platforms: {v}"
    );
}

#[tokio::test]
async fn a_preview_referencing_a_large_segment_thousands_of_times_is_refused_fast_with_the_reference_named()
 {
    let app = TestApp::spawn().await;
    let conditions: Vec<Value> = (0..400)
        .map(|i| json!({"type": "attribute", "field": "order_count", "op": "eq", "value": i}))
        .collect();
    save(
        &app,
        "big",
        json!({"type": "any", "conditions": conditions}),
    )
    .await;
    // ~200 KB of request: 5,000 references × 400 conditions = 2 M conditions if expanded in full.
    let refs: Vec<Value> = (0..5000)
        .map(|_| json!({"type": "segment", "segment": "big"}))
        .collect();
    let body =
        json!({"definition": def(json!({"type": "any", "conditions": refs})), "count_only": true});

    let started = Instant::now();
    let (s, v) = app.json("POST", "/api/preview", Some(body)).await;
    let took = started.elapsed();
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let issues = v["error"]["details"]["issues"].as_array().unwrap();
    assert_eq!(issues.len(), 1, "{v}");
    assert_eq!(
        (issues[0]["code"].as_str(), issues[0]["path"].as_str()),
        (Some("too_large"), Some("$.root.conditions[1].segment")),
        "{v}"
    );
    assert!(took < Duration::from_secs(2), "refused in {took:?}");
}

/// `segwright members --with-email`, run by the operator on a definition file: no approval to
/// check, but the suppression list is left out and the export is audited, as over HTTP.
#[test]
fn the_command_line_member_list_with_emails_leaves_out_the_suppressed_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_segwright"))
            .args(args)
            .args(["--database-url", &db, "--as-of", "2026-11-22"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/customers.csv");
    run(&["import", "customers", fixtures.to_str().unwrap()]);
    run(&["suppress", "email", "Bob@Example.com"]);
    let (_keep, us) = common::write_file(
        "us.json",
        r#"{"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}}"#,
    );
    let us = us.to_str().unwrap();

    assert_eq!(
        run(&["members", us]),
        "external_id\nc1\nc2\n",
        "ids alone: the whole audience"
    );
    assert_eq!(
        run(&["members", us, "--with-email"]),
        "external_id,email\nc1,ann@example.com\n",
        "Bob (c2) is suppressed"
    );
    let audit = run(&["audit", "list", "--action", "members.export_emails"]);
    assert!(
        audit.contains("members.export_emails"),
        "the export is audited: {audit}"
    );
}
