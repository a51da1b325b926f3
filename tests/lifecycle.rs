//! The review workflow over HTTP: submit → approve | reject → activate → pause → archive, with
//! roles, four eyes, second approvers, policy blocks, approvals bound to the approval hash, edits
//! that need a fresh approval, and the audit log that records and verifies all of it.

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};

use common::api::TestApp;
use segwright::app::{Actor, Governance};
use segwright::domain::access::Role;

fn us() -> Value {
    json!({"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}})
}

async fn saved(app: &TestApp, name: &str) -> String {
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(json!({"name": name, "definition": us()})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_version_goes_from_draft_to_active_with_each_step_done_by_its_role() {
    let app = TestApp::spawn().await;
    let id = saved(&app, "us").await;
    let (s, _) = app.submit_to_webhook(&app.manager, &id).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "managers do not submit");
    let (s, r) = app.submit_to_webhook(&app.marketer, &id).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (
            r["status"].as_str(),
            r["size_at_submission"]["count"].as_i64()
        ),
        (Some("submitted"), Some(2))
    );
    assert_eq!(r["approval_hash"], r["approval_hash_now"]);
    let hash = r["approval_hash"].as_str().unwrap().to_string();

    let (s, _) = app
        .segment_action(&app.marketer, &id, "approve", json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "marketers do not approve");
    let (s, _) = app
        .segment_action(&app.admin, &id, "approve", json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "admins do not approve");
    let (s, _) = app
        .segment_action(&app.manager, &id, "activate", json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "nothing approved yet");
    let (s, _) = app
        .segment_action(
            &app.manager,
            &id,
            "approve",
            json!({"version_hash": "not-it"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "approving another hash than the one under review"
    );
    let (s, r) = app
        .segment_action(
            &app.manager,
            &id,
            "approve",
            json!({"version_hash": hash, "comment": "fine"}),
        )
        .await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{r}"
    );

    let (s, _) = app
        .segment_action(&app.marketer, &id, "activate", json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, r) = app
        .segment_action(&app.manager, &id, "activate", json!({}))
        .await;
    assert_eq!(
        (s, r["status"].as_str(), r["active_version"].as_i64()),
        (StatusCode::OK, Some("active"), Some(1)),
        "{r}"
    );

    // An edit is a new draft; version 1 keeps running and the draft needs its own approval.
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "PUT",
            &format!("/api/segments/{id}"),
            Some(json!({"definition": {"version":1,"root":{"type":"attribute","field":"country","op":"in","value":["US","CA"]}}})),
        )
        .await;
    assert_eq!(
        (
            s,
            v["current_version"].as_i64(),
            v["active_version"].as_i64()
        ),
        (StatusCode::OK, Some(2), Some(1)),
        "{v}"
    );
    let (s, _) = app
        .segment_action(&app.manager, &id, "approve", json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "the draft was not submitted");
    let (_, r) = app.submit_to_webhook(&app.marketer, &id).await;
    assert_ne!(
        r["approval_hash"].as_str(),
        Some(hash.as_str()),
        "a new version has a new hash"
    );
    let (s, r) = app
        .segment_action(&app.manager, &id, "approve", json!({}))
        .await;
    assert_eq!((s, r["version"].as_i64()), (StatusCode::OK, Some(2)));
    let (_, r) = app
        .segment_action(&app.manager, &id, "activate", json!({}))
        .await;
    assert_eq!(
        (r["version"].as_i64(), r["active_version"].as_i64()),
        (Some(2), Some(2))
    );
    let (_, versions) = app
        .json_as(
            Some(&app.marketer),
            "GET",
            &format!("/api/segments/{id}/versions"),
            None,
        )
        .await;
    assert_eq!(
        (
            versions[0]["status"].as_str(),
            versions[1]["status"].as_str()
        ),
        (Some("superseded"), Some("active"))
    );

    let (s, r) = app
        .segment_action(&app.manager, &id, "pause", json!({}))
        .await;
    assert_eq!((s, r["status"].as_str()), (StatusCode::OK, Some("paused")));
    let (_, r) = app
        .segment_action(&app.manager, &id, "activate", json!({}))
        .await;
    assert_eq!(r["status"], "active", "a paused version resumes");
    let (s, r) = app
        .segment_action(&app.manager, &id, "archive", json!({}))
        .await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::OK, Some("archived"))
    );
    let (s, _) = app
        .segment_action(&app.manager, &id, "activate", json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

#[tokio::test]
async fn rejections_need_a_comment_and_nobody_approves_their_own_version() {
    let app = TestApp::spawn().await;
    let id = saved(&app, "us").await;
    app.submit_to_webhook(&app.marketer, &id).await;
    let (s, _) = app
        .segment_action(&app.manager, &id, "reject", json!({}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, r) = app
        .segment_action(&app.manager, &id, "reject", json!({"comment": "too broad"}))
        .await;
    assert_eq!(
        (
            s,
            r["status"].as_str(),
            r["decisions"][0]["comment"].as_str()
        ),
        (StatusCode::OK, Some("rejected"), Some("too broad"))
    );
    let (s, _) = app.submit_to_webhook(&app.marketer, &id).await;
    assert_eq!(s, StatusCode::OK, "a rejected version may be resubmitted");
    // The marketer who wrote it is promoted: still may not approve their own version.
    let cli = Actor::cli();
    app.app
        .add_user(
            "marketer@test.io",
            Role::CampaignManager,
            "correct horse battery",
            true,
            &cli,
        )
        .await
        .unwrap();
    let (s, _) = app
        .segment_action(&app.marketer, &id, "approve", json!({}))
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "a reset password revokes the user's tokens"
    );
    let promoted = app
        .app
        .create_token("marketer@test.io", "promoted", &cli)
        .await
        .unwrap();
    let (s, v) = app
        .segment_action(&promoted, &id, "approve", json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("four eyes")
    );
}

#[tokio::test]
async fn large_audiences_need_two_distinct_approvers() {
    let app = TestApp::spawn_with(Governance {
        second_approver_above: 1,
        ..Default::default()
    })
    .await;
    let id = saved(&app, "us").await;
    let (_, r) = app.submit_to_webhook(&app.marketer, &id).await;
    assert_eq!(r["approvals_needed"], 2);
    let (_, r) = app
        .segment_action(&app.manager, &id, "approve", json!({}))
        .await;
    assert_eq!(r["status"], "submitted", "one approval of two");
    let (s, _) = app
        .segment_action(&app.manager, &id, "approve", json!({}))
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the same manager twice does not count"
    );
    let (_, r) = app
        .segment_action(&app.manager2, &id, "approve", json!({}))
        .await;
    assert_eq!(r["status"], "approved");
}

#[tokio::test]
async fn policy_blocks_small_or_unconsented_audiences_for_ad_platforms() {
    let app = TestApp::spawn().await;
    let id = saved(&app, "us").await;
    let (s, v) = app
        .segment_action(
            &app.marketer,
            &id,
            "submit",
            json!({"destinations": ["meta", "webhook"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "policy_violation");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("meta: 0 eligible members with ads consent"),
        "{v}"
    );
    let (s, _) = app
        .segment_action(
            &app.marketer,
            &id,
            "submit",
            json!({"destinations": ["myspace"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_audit_log_records_every_step_exports_csv_and_detects_tampering() {
    let app = TestApp::spawn().await;
    let id = saved(&app, "us").await;
    app.submit_to_webhook(&app.marketer, &id).await;
    app.segment_action(&app.manager, &id, "approve", json!({}))
        .await;
    let (s, _) = app
        .json_as(Some(&app.marketer), "GET", "/api/audit", None)
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "marketers do not read the audit log"
    );
    let (s, v) = app
        .json_as(
            Some(&app.manager),
            "GET",
            &format!("/api/audit?segment={id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let actions: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["segment.approve", "segment.submit", "segment.create"]
    );
    let approve = &v["entries"][0];
    assert_eq!(approve["actor"], "manager@test.io");
    assert!(
        approve["before"].as_str().unwrap().contains("submitted")
            && approve["after"].as_str().unwrap().contains("approved")
    );
    assert_eq!(approve["version_hash"].as_str().unwrap().len(), 64);
    let (_, csv) = app
        .call_as(
            Some(&app.admin),
            "GET",
            "/api/audit?action=segment.submit&format=csv",
            None,
        )
        .await;
    assert!(
        csv.starts_with("seq,at,actor,action")
            && csv.lines().count() == 2
            && csv.contains("marketer@test.io"),
        "{csv}"
    );
    let (s, v) = app
        .json_as(Some(&app.admin), "GET", "/api/audit/verify", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let entries = v["entries"].as_i64().unwrap();
    assert!(entries >= 8, "users, tokens, segment steps: {entries}");

    // Someone rewrites history directly in the database.
    let pool = sqlx::SqlitePool::connect(&app.db_url).await.unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'mallory@test.io' WHERE action = 'segment.submit'")
        .execute(&pool)
        .await
        .unwrap();
    let (s, v) = app
        .json_as(Some(&app.admin), "GET", "/api/audit/verify", None)
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("tampered at entry"),
        "{v}"
    );
}
