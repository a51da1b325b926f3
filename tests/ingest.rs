//! Ingest over the API (`POST /api/orders`, `POST /api/events`) on every database, with and
//! without the in-memory copy: a batch shows in the very next preview, the same batch twice
//! changes nothing, a bad row refuses the whole batch naming its index and field, only admins
//! may ingest, each token has its rate, and a batch that fails halfway leaves nothing behind.

mod common;

use axum::http::StatusCode;
use common::api::TestApp;
use serde_json::{Value, json};

const HIGH_REVENUE: &str = r#"{"version":1,"root":{"type":"attribute","field":"lifetime_revenue","op":"gte","value":5000}}"#;
const WEBINAR: &str = r#"{"version":1,"root":{"type":"aggregate","source":"events","event":"webinar_attended","measure":"count","op":"gte","value":2}}"#;

async fn preview(app: &TestApp, def: &str) -> (StatusCode, Value) {
    let def: Value = serde_json::from_str(def).unwrap();
    app.json(
        "POST",
        "/api/preview",
        Some(json!({"definition": def, "count_only": true})),
    )
    .await
}

async fn count(app: &TestApp, def: &str) -> (i64, String) {
    let (s, v) = preview(app, def).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    (
        v["size"]["count"].as_i64().unwrap(),
        v["freshness"]["facts"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

async fn ingest(app: &TestApp, token: &str, what: &str, rows: Value) -> (StatusCode, Value) {
    app.json_as(
        Some(token),
        "POST",
        &format!("/api/{what}"),
        Some(json!({ what: rows })),
    )
    .await
}

fn orders() -> Value {
    json!([
        {"order_id": "api-1", "customer_id": "c2", "occurred_at": "2026-11-21T09:00:00Z", "amount": 6000, "quantity": 1},
        {"order_id": "api-2", "customer_id": "new-1", "occurred_at": "2026-11-21", "amount": "7000.50"},
    ])
}

fn events() -> Value {
    json!([
        {"event_id": "e-1", "customer_id": "c1", "name": "webinar_attended", "occurred_at": "2026-11-20T10:00:00Z", "properties": {"topic": "churn"}},
        {"event_id": "e-2", "customer_id": "c1", "name": "webinar_attended", "occurred_at": "2026-11-21T10:00:00Z"},
        {"event_id": "e-3", "customer_id": "new-2", "name": "webinar_attended", "occurred_at": "2026-11-21T11:00:00Z"},
        {"event_id": "e-4", "customer_id": "new-2", "name": "webinar_attended", "occurred_at": "2026-11-21T12:00:00Z"},
    ])
}

async fn apps() -> Vec<(TestApp, bool)> {
    let mut out = Vec::new();
    for in_memory in [false, true] {
        for db in common::all_dbs().await {
            out.push((
                TestApp::spawn_on(db, |s| s.in_memory = in_memory).await,
                in_memory,
            ));
        }
    }
    out
}

#[tokio::test]
async fn an_ingested_batch_shows_in_the_next_preview_and_sending_it_again_changes_nothing() {
    for (app, in_memory) in apps().await {
        let facts = if in_memory {
            "in_memory"
        } else {
            "precomputed"
        };
        assert_eq!(count(&app, HIGH_REVENUE).await, (0, facts.to_string()));
        // The event is not in the data yet: the definition does not validate.
        assert_eq!(
            preview(&app, WEBINAR).await.0,
            StatusCode::UNPROCESSABLE_ENTITY
        );

        let (s, v) = ingest(&app, &app.admin, "orders", orders()).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            (v["rows"].as_i64(), v["customers_created"].as_i64()),
            (Some(2), Some(1))
        );
        let expect_memory = if in_memory { "updated" } else { "not_loaded" };
        assert_eq!(v["in_memory"], expect_memory, "{v}");
        assert_eq!(
            count(&app, HIGH_REVENUE).await,
            (2, facts.to_string()),
            "in_memory={in_memory}"
        );

        let (s, v) = ingest(&app, &app.admin, "events", events()).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(count(&app, WEBINAR).await.0, 2, "in_memory={in_memory}");

        // The same batches again: no new customer, no new row, the same answers.
        for (what, rows) in [("orders", orders()), ("events", events())] {
            let (s, v) = ingest(&app, &app.admin, what, rows).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            assert_eq!(v["customers_created"], 0, "{v}");
        }
        assert_eq!(count(&app, HIGH_REVENUE).await.0, 2);
        assert_eq!(count(&app, WEBINAR).await.0, 2);
        let exactly =
            HIGH_REVENUE.replace(r#""op":"gte","value":5000"#, r#""op":"eq","value":7000.5"#);
        assert_eq!(
            count(&app, &exactly).await.0,
            1,
            "new-1's one order counted once"
        );
    }
}

#[tokio::test]
async fn a_bad_row_refuses_the_batch_naming_its_index_and_field_and_writes_nothing() {
    for (app, _) in apps().await {
        let mut rows = orders();
        rows[1]["amount"] = json!("lots");
        let (s, v) = ingest(&app, &app.admin, "orders", rows).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["code"], "invalid_rows", "{v}");
        let bad = &v["error"]["details"]["rows"];
        assert_eq!(
            (bad[0]["row"].as_i64(), bad[0]["field"].as_str()),
            (Some(1), Some("amount")),
            "{v}"
        );
        assert_eq!(bad.as_array().unwrap().len(), 1, "{v}");
        assert_eq!(
            count(&app, HIGH_REVENUE).await.0,
            0,
            "the good row was not written either"
        );

        // A row without its id, and a field no event has, are named too.
        let rows = json!([
            {"customer_id": "c1", "name": "x", "occurred_at": "2026-11-20"},
            {"event_id": "e9", "customer_id": "c1", "name": "x", "occurred_at": "2026-11-20", "colour": "red"},
            {"event_id": "e10", "customer_id": "c1", "name": "x", "occurred_at": "yesterday-ish"},
        ]);
        let (s, v) = ingest(&app, &app.admin, "events", rows).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let named: Vec<(i64, String)> = v["error"]["details"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["row"].as_i64().unwrap(),
                    r["field"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            named,
            vec![
                (0, "event_id".into()),
                (1, "colour".into()),
                (2, "occurred_at".into())
            ]
        );
        // Too many rows, and none, are refused before any row is read.
        let many: Vec<Value> = (0..10_001).map(|_| json!({})).collect();
        assert_eq!(
            ingest(&app, &app.admin, "orders", json!(many)).await.0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            ingest(&app, &app.admin, "orders", json!([])).await.0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}

#[tokio::test]
async fn only_admins_may_ingest_and_each_token_has_its_own_rate() {
    let app = TestApp::spawn().await;
    for token in [&app.marketer, &app.manager] {
        for what in ["orders", "events"] {
            let (s, v) = ingest(&app, token, what, orders()).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        }
    }
    assert_eq!(count(&app, HIGH_REVENUE).await.0, 0);
    // Refused batches count too: a flood of them is cut off quickly.
    let mut limited = 0;
    for _ in 0..120 {
        if ingest(&app, &app.admin, "orders", json!([])).await.0 == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
        }
    }
    assert!(
        limited >= 20,
        "only {limited} of 120 batches in well under two seconds were limited"
    );
    let other = common::user_token(
        &app.app,
        "admin2@test.io",
        segwright::domain::access::Role::Admin,
    )
    .await;
    let (s, v) = ingest(&app, &other, "orders", orders()).await;
    assert_eq!(s, StatusCode::OK, "another token has its own budget: {v}");
}

/// Make every write of facts fail, so a batch fails after its rows were written.
async fn break_facts(url: &str, on: bool) {
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let sql = if on {
            vec![
                "CREATE FUNCTION refuse_facts() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER refuse_facts BEFORE INSERT ON customer_facts FOR EACH ROW EXECUTE FUNCTION refuse_facts()",
            ]
        } else {
            vec!["DROP TRIGGER refuse_facts ON customer_facts"]
        };
        for s in sql {
            sqlx::query(s).execute(&pool).await.unwrap();
        }
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let s = if on {
            "CREATE TRIGGER refuse_facts BEFORE INSERT ON customer_facts BEGIN SELECT RAISE(ABORT, 'refused'); END"
        } else {
            "DROP TRIGGER refuse_facts"
        };
        sqlx::query(s).execute(&pool).await.unwrap();
    }
}

async fn rows_in(url: &str, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&pool)
            .await
            .unwrap()
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&pool)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_batch_that_fails_after_its_rows_were_written_leaves_nothing_behind() {
    for (app, in_memory) in apps().await {
        let before = (
            rows_in(&app.db_url, "orders").await,
            rows_in(&app.db_url, "customers").await,
        );
        assert_eq!(count(&app, HIGH_REVENUE).await.0, 0);
        break_facts(&app.db_url, true).await;
        let (s, v) = ingest(&app, &app.admin, "orders", orders()).await;
        assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "{v}");
        break_facts(&app.db_url, false).await;
        let after = (
            rows_in(&app.db_url, "orders").await,
            rows_in(&app.db_url, "customers").await,
        );
        assert_eq!(
            after, before,
            "in_memory={in_memory}: no order and no customer kept"
        );
        assert_eq!(
            count(&app, HIGH_REVENUE).await.0,
            0,
            "in_memory={in_memory}"
        );
        // Sent again once the database works, the batch lands whole.
        let (s, v) = ingest(&app, &app.admin, "orders", orders()).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            count(&app, HIGH_REVENUE).await.0,
            2,
            "in_memory={in_memory}"
        );
    }
}
