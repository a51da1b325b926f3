//! Issue 17 item 9: `explain` shows a customer's personal values as the reader's role allows
//! (the one masking rule of `domain::mask`), and every read of one customer's data is audited.

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};

use common::api::TestApp;
use segwright::app::Actor;
use segwright::app::audit::AuditFilter;

fn email_and_notes() -> Value {
    json!({"version": 1, "root": {"type": "all", "conditions": [
        {"type": "attribute", "field": "email", "op": "contains", "value": "example"},
        {"type": "attribute", "field": "notes", "op": "is_set"}
    ]}})
}

async fn explain_as(app: &TestApp, token: &str) -> String {
    let body = json!({"definition": email_and_notes(), "customer": "c1"});
    let (s, v) = app
        .json_as(Some(token), "POST", "/api/explain", Some(body))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["member"], json!(true), "{v}");
    v["clauses"].to_string()
}

/// A marketer sees c1's email and notes masked; a campaign manager (who may download the
/// approved audience's contacts anyway) sees them; both reads are in the audit log, on SQLite
/// and PostgreSQL.
#[tokio::test]
async fn explain_masks_personal_values_for_marketers_and_audits_every_read() {
    for db in common::all_dbs().await {
        let app = TestApp::spawn_on(db, |_| {}).await;
        let masked = explain_as(&app, &app.marketer).await;
        assert!(
            !masked.contains("ann@example.com")
                && !masked.to_lowercase().contains("ann@example.com"),
            "{masked}"
        );
        assert!(
            masked.contains("a***@example.com") || masked.contains("A***@example.com"),
            "{masked}"
        );
        assert!(!masked.contains("jazz"), "notes are personal: {masked}");
        let admin = explain_as(&app, &app.admin).await;
        assert!(
            !admin.contains("jazz") && !admin.to_lowercase().contains("ann@example.com"),
            "{admin}"
        );
        let full = explain_as(&app, &app.manager).await;
        assert!(
            full.to_lowercase().contains("ann@example.com") && full.contains("likes jazz"),
            "{full}"
        );

        let (s, v) = app
            .json_as(
                Some(&app.marketer),
                "GET",
                "/api/segments/nope/explain/c1",
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        let filter = AuditFilter {
            action: Some("customer.explain".into()),
            ..AuditFilter::default()
        };
        let entries = app
            .app
            .audit_entries(&filter, &segwright::app::Actor::cli())
            .await
            .unwrap();
        let who: Vec<&str> = entries.iter().map(|e| e.actor.as_str()).collect();
        assert_eq!(entries.len(), 3, "{who:?}");
        assert!(
            who.contains(&"marketer@test.io")
                && who.contains(&"manager@test.io")
                && who.contains(&"admin@test.io"),
            "{who:?}"
        );
        let marketer = entries
            .iter()
            .find(|e| e.actor == "marketer@test.io")
            .unwrap();
        let after: Value = serde_json::from_str(marketer.after.as_deref().unwrap()).unwrap();
        assert_eq!(after, json!({"customer": "c1", "disclosure": "masked"}));
    }
}

/// The local operator (no `--as`) sees values in full; a named marketer on the CLI is masked
/// like on the API; both are audited.
#[tokio::test]
async fn the_cli_explain_masks_by_the_named_users_role() {
    let app = TestApp::spawn().await;
    let def = serde_json::from_value(email_and_notes()).unwrap();
    let as_of = app.app.as_of(None).unwrap();
    let (_, full) = app
        .app
        .explain_customer(&def, as_of, "c1", &Actor::cli())
        .await
        .unwrap();
    assert!(serde_json::to_string(&full).unwrap().contains("likes jazz"));
    let marketer = Actor::user(
        app.app.user("marketer@test.io").await.unwrap(),
        Some("cli".into()),
    );
    let (_, masked) = app
        .app
        .explain_customer(&def, as_of, "c1", &marketer)
        .await
        .unwrap();
    assert!(!serde_json::to_string(&masked).unwrap().contains("jazz"));
    let filter = AuditFilter {
        action: Some("customer.explain".into()),
        ..AuditFilter::default()
    };
    assert_eq!(
        app.app
            .audit_entries(&filter, &segwright::app::Actor::cli())
            .await
            .unwrap()
            .len(),
        2
    );
}
