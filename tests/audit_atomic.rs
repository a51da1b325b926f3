//! Issue 17: a governed change and the audit entry that records it are written in one
//! transaction, on SQLite and PostgreSQL. With the audit table refusing inserts (a trigger the
//! test creates), no change lands: no segment, version status, user, token, suppression,
//! destination or import. And the other way round: when a later step of a change fails (the
//! review decision of a rejection), its earlier step (the version's status) and its audit entry
//! are rolled back too.

mod common;

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Value, json};

use common::api::TestApp;
use segwright::app::{Actor, ImportOptions, NewDestination};
use segwright::domain::access::Role;
use segwright::domain::import::Kind;
use segwright::domain::policy::Destination;

/// Run statements on the test's database over a connection of its own.
async fn exec(db_url: &str, statements: &[&str]) {
    for sql in statements {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        if db_url.starts_with("postgres") {
            let pool = sqlx::PgPool::connect(db_url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        } else {
            let pool = sqlx::SqlitePool::connect(db_url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

/// One number from the test's database.
async fn count(db_url: &str, sql: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    let n: (i64,) = if db_url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(db_url).await.unwrap();
        sqlx::query_as(sql).fetch_one(&pool).await.unwrap()
    } else {
        let pool = sqlx::SqlitePool::connect(db_url).await.unwrap();
        sqlx::query_as(sql).fetch_one(&pool).await.unwrap()
    };
    n.0
}

/// Make every insert into `table` fail, until [`allow`].
async fn refuse_inserts(db_url: &str, table: &str) {
    if db_url.starts_with("postgres") {
        exec(db_url, &[
            "CREATE OR REPLACE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$",
            &format!("CREATE TRIGGER test_refuse BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION test_refuse()"),
        ]).await;
    } else {
        exec(
            db_url,
            &[&format!(
                "CREATE TRIGGER test_refuse BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            )],
        )
        .await;
    }
}

async fn allow(db_url: &str, table: &str) {
    if db_url.starts_with("postgres") {
        exec(db_url, &[&format!("DROP TRIGGER test_refuse ON {table}")]).await;
    } else {
        exec(db_url, &["DROP TRIGGER test_refuse"]).await;
    }
}

fn us() -> Value {
    json!({"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}})
}

/// How many versions of the segment are in `status`.
async fn in_status(app: &TestApp, id: &str, status: &str) -> i64 {
    let sql = format!(
        "SELECT COUNT(*) FROM segment_versions WHERE segment_id = '{id}' AND status = '{status}'"
    );
    count(&app.db_url, &sql).await
}

/// Save a segment as the marketer: the answer's status and body.
async fn create(app: &TestApp, name: &str) -> (StatusCode, Value) {
    let body = json!({"name": name, "definition": us()});
    app.json_as(Some(&app.marketer), "POST", "/api/segments", Some(body))
        .await
}

/// A saved segment's id.
async fn saved(app: &TestApp, name: &str) -> String {
    let (s, v) = create(app, name).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_string()
}

/// Every kind of change tried while the audit log refuses entries: each fails, none lands.
async fn nothing_lands_without_its_entry(app: &TestApp, db: &str) {
    let url = app.db_url.clone();
    let id = saved(app, "us").await;
    let entries = count(&url, "SELECT COUNT(*) FROM audit_log").await;
    let tables = "(SELECT COUNT(*) FROM segments) + (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM api_tokens) \
        + (SELECT COUNT(*) FROM suppressions) + (SELECT COUNT(*) FROM destinations) + (SELECT COUNT(*) FROM imports)";
    let rows = count(&url, &format!("SELECT {tables}")).await;

    refuse_inserts(&url, "audit_log").await;
    let (s, v) = create(app, "ca").await;
    assert!(s.is_server_error(), "{db}: segment create: {s} {v}");
    let (s, v) = app.submit_to_webhook(&app.marketer, &id).await;
    assert!(s.is_server_error(), "{db}: submit: {s} {v}");
    let cli = Actor::cli();
    let a = &app.app;
    let pw = "correct horse battery";
    assert!(
        a.add_user("new@test.io", Role::Marketer, pw, false, &cli)
            .await
            .is_err()
    );
    assert!(
        a.add_user("marketer@test.io", Role::Admin, pw, true, &cli)
            .await
            .is_err()
    );
    assert!(a.create_token("marketer@test.io", "x", &cli).await.is_err());
    assert!(a.suppress("email", "x@test.io", &cli).await.is_err());
    let webhook = NewDestination {
        kind: Destination::Webhook,
        settings: BTreeMap::from([("url".into(), "http://127.0.0.1:9/hook".into())]),
        secrets: BTreeMap::from([("secret".into(), "s3cret-s3cret".into())]),
    };
    assert!(a.add_destination(webhook, &cli).await.is_err());
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let file = fixtures.join("customers.csv");
    let import = ImportOptions::new(Kind::Customers, file, vec![], false, None, false);
    assert!(a.import(import, &cli).await.is_err(), "{db}: import");
    allow(&url, "audit_log").await;

    assert_eq!(
        count(&url, &format!("SELECT {tables}")).await,
        rows,
        "{db}: no segment, user, token, suppression, destination or import landed"
    );
    assert_eq!(
        in_status(app, &id, "draft").await,
        1,
        "{db}: the version was not submitted"
    );
    let role = count(
        &url,
        "SELECT COUNT(*) FROM users WHERE email = 'marketer@test.io' AND role = 'marketer'",
    )
    .await;
    assert_eq!(role, 1, "{db}: the reset did not land");
    assert_eq!(count(&url, "SELECT COUNT(*) FROM audit_log").await, entries);
    let (s, v) = app
        .json_as(Some(&app.admin), "GET", "/api/audit/verify", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{db}: the chain is intact: {v}");
}

/// A rejection whose decision cannot be stored leaves the version under review, unaudited.
async fn a_failed_step_takes_its_entry_with_it(app: &TestApp, db: &str) {
    let url = app.db_url.clone();
    let id = saved(app, "texas").await;
    let (s, v) = app.submit_to_webhook(&app.marketer, &id).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let entries = count(&url, "SELECT COUNT(*) FROM audit_log").await;
    refuse_inserts(&url, "review_decisions").await;
    let (s, v) = app
        .segment_action(&app.manager, &id, "reject", json!({"comment": "no"}))
        .await;
    assert!(s.is_server_error(), "{db}: {s} {v}");
    allow(&url, "review_decisions").await;
    assert_eq!(
        in_status(app, &id, "submitted").await,
        1,
        "{db}: still under review"
    );
    assert_eq!(count(&url, "SELECT COUNT(*) FROM audit_log").await, entries);
    let (s, v) = app
        .segment_action(&app.manager, &id, "reject", json!({"comment": "no"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{db}: and can be rejected after: {v}");
    assert_eq!(
        count(&url, "SELECT COUNT(*) FROM audit_log").await,
        entries + 1
    );
}

#[tokio::test]
async fn a_change_and_its_audit_entry_land_together_or_not_at_all_on_every_database() {
    for db in common::all_dbs().await {
        let name = db.name;
        let app = TestApp::spawn_on(db, |_| {}).await;
        nothing_lands_without_its_entry(&app, name).await;
        a_failed_step_takes_its_entry_with_it(&app, name).await;
    }
}
