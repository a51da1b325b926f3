//! Predicted performance and the backtest in full previews: honest "not available" before any
//! model is trained; for a cut on churn risk, expected true / false positives and capture that
//! agree with the scores `segwright scores` exports; and a backtest whose figures are worked out
//! by hand on four customers.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use segwright::app::{App, DemoOptions, ImportOptions, Settings, TrainRequest};
use segwright::domain::definition::Definition;
use segwright::domain::import::Kind;

async fn post(router: &axum::Router, token: &str, uri: &str, body: Value) -> (StatusCode, Value) {
    let req = Request::builder()
        .method("POST")
        .uri(uri)
        .header("authorization", common::bearer(token))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// `(Σp, Σ(1−p), count)` over exported churn scores ≥ 0.6, and Σp over every exported score.
fn export_cut(db_url: &str) -> ((f64, f64, usize), f64) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_segwright"))
        .args([
            "--database-url",
            db_url,
            "--as-of",
            "2026-11-22",
            "scores",
            "--format",
            "csv",
        ])
        .output()
        .expect("run segwright scores");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "churn_risk")
        .expect("churn_risk exported");
    let (mut tp, mut fp, mut n, mut all) = (0.0, 0.0, 0usize, 0.0);
    for line in lines {
        let Some(p) = line.split(',').nth(col).and_then(|c| c.parse::<f64>().ok()) else {
            continue;
        };
        all += p;
        if p >= 0.6 {
            (tp, fp, n) = (tp + p, fp + 1.0 - p, n + 1);
        }
    }
    ((tp, fp, n), all)
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64()
        .is_some_and(|a| (a - b).abs() < 1e-6 * b.abs().max(1.0))
}

#[tokio::test]
async fn a_churn_risk_cut_states_expected_true_and_false_positives_matching_the_exported_scores() {
    let db = common::sqlite_db();
    let app = std::sync::Arc::new(common::app(&db).await);
    let as_of = app.as_of(None).unwrap();
    segwright::app::generate_demo(
        &app,
        DemoOptions {
            customers: 3_000,
            seed: 5,
            progress: false,
        },
        as_of,
    )
    .await
    .expect("demo data");
    let token = common::user_token(
        &app,
        "marketer@example.test",
        segwright::domain::access::Role::Marketer,
    )
    .await;
    let router = segwright::http::router(app.clone());
    let body = json!({"definition": {"version": 1, "root": {"type": "attribute", "field": "churn_risk", "op": "gte", "value": 0.6}}});

    // Before training there is no churn_risk field at all; a plain audience says scores are missing.
    let (s, v) = post(
        &router,
        &token,
        "/api/preview",
        json!({"definition": {"version": 1, "root": {"type": "term", "name": "loyal"}}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["performance"]["scores_available"], false, "{v}");
    assert!(
        v["performance"]["note"]
            .as_str()
            .unwrap()
            .contains("segwright train")
    );
    assert_eq!(v["performance"]["expected"], json!([]));

    app.train_models_as(
        &TrainRequest::default(),
        as_of,
        &segwright::app::Actor::cli(),
    )
    .await
    .expect("trains");
    let (s, v) = post(&router, &token, "/api/preview", body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let perf = &v["performance"];
    let cut = &perf["cuts"][0];
    assert_eq!(cut["cut"], "churn_risk ≥ 0.6", "{perf}");
    let ((tp, fp, n), all) = export_cut(&db.url);
    assert!(n > 0, "the demo has high-risk customers");
    assert_eq!(cut["members"], n);
    assert_eq!(v["size"]["count"], n as i64);
    assert!(
        close(&cut["expected_true_positives"], tp) && close(&cut["expected_false_positives"], fp),
        "{cut} vs {tp} {fp}"
    );
    assert!(close(&cut["capture"], tp / all), "{cut} vs {}", tp / all);
    let churn = perf["expected"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["score"] == "churn_risk")
        .expect("churn figure");
    assert!(
        close(&churn["expected"], tp) && churn["lift"].as_f64().unwrap() > 1.0,
        "{churn}"
    );
    assert!(perf["distribution"][0]["buckets"].as_array().unwrap().len() == 10);
    // Sample members carry their scores and the top factors behind each.
    let first = &v["sample"][0];
    assert!(
        first["scores"][0]["factors"]
            .as_array()
            .is_some_and(|f| f.len() == 3),
        "{first}"
    );
    // The count-only preview stays bare.
    let (_, c) = post(
        &router,
        &token,
        "/api/preview",
        json!({"definition": body["definition"], "count_only": true}),
    )
    .await;
    assert!(c.get("performance").is_none(), "{c}");
}

const CUSTOMERS: &str =
    "external_id,signup_date\nc1,2026-01-01\nc2,2026-01-01\nc3,\nc4,2026-01-01\n";
/// c1 buys on Aug 1, Sep 1 and Oct 1; c2 on Aug 1 only; c3 first buys on Nov 1; c4 never.
const ORDERS: &str = "customer_id,occurred_at,amount\nc1,2026-08-01,100\nc1,2026-09-01,50\nc1,2026-10-01,20\nc2,2026-08-01,10\nc3,2026-11-01,30\n";

async fn small_app(db: &common::TestDb, in_memory: bool) -> App {
    let app = App::open(Settings {
        in_memory,
        ..common::settings(db)
    })
    .await
    .expect("open app");
    for (kind, name, text) in [
        (Kind::Customers, "customers.csv", CUSTOMERS),
        (Kind::Orders, "orders.csv", ORDERS),
    ] {
        let (_dir, path) = common::write_file(name, text);
        app.import(
            ImportOptions::new(kind, path, vec![], false, None, false),
            &segwright::app::Actor::cli(),
        )
        .await
        .expect("import");
    }
    app
}

#[tokio::test]
async fn the_backtest_reports_what_past_audiences_did_next_against_all_customers() {
    for in_memory in [false, true] {
        let db = common::sqlite_db();
        let app = small_app(&db, in_memory).await;
        let as_of = app.as_of(None).unwrap();
        let root = json!({"type": "aggregate", "source": "orders", "measure": "count", "op": "gte", "value": 1});
        let def = Definition::from_value(json!({"version": 1, "root": root})).unwrap();
        let preview = app
            .preview(&def, as_of, true, &segwright::app::Actor::cli())
            .await
            .expect("previews");
        let perf = preview
            .performance
            .expect("full previews carry performance");
        assert!(!perf.scores_available, "no model trained");
        let bt = serde_json::to_value(perf.backtest.expect("backtest")).unwrap();
        let w = &bt["windows"];
        // D − 30 = Oct 23: c1 and c2 (c3 had not bought yet, c4 never has); nobody buys by Nov 22.
        assert_eq!(
            (w[0]["days_before"].as_u64(), w[0]["as_of"].as_str()),
            (Some(30), Some("2026-10-23"))
        );
        assert_eq!(
            (
                w[0]["audience"]["customers"].as_u64(),
                w[0]["all_customers"]["customers"].as_u64()
            ),
            (Some(2), Some(3)),
            "c3 was not a customer yet"
        );
        assert_eq!(
            (
                w[0]["audience"]["bought_share"].as_f64(),
                w[0]["bought_lift"].clone()
            ),
            (Some(0.0), Value::Null)
        );
        // D − 60 = Sep 23: c1 buys $20 on Oct 1. Audience 1/2 and $10 a member; all 1/3 and $20/3.
        assert_eq!(w[1]["audience"]["bought_share"].as_f64(), Some(0.5));
        assert_eq!(
            w[1]["audience"]["revenue_per_customer"].as_f64(),
            Some(10.0)
        );
        assert!(
            close(&w[1]["bought_lift"], 1.5) && close(&w[1]["revenue_lift"], 1.5),
            "{}",
            w[1]
        );
        assert!(
            w[1]["audience"].get("churned_share").is_none(),
            "90 days after Sep 23 are not over"
        );
        // D − 90 = Aug 24: c1 buys $50 on Sep 1; c2 orders nothing until Nov 22 (churned), c1 does.
        assert_eq!(
            w[2]["audience"]["revenue_per_customer"].as_f64(),
            Some(25.0)
        );
        assert_eq!(
            (
                w[2]["audience"]["churned_share"].as_f64(),
                w[2]["all_customers"]["churned_share"].as_f64()
            ),
            (Some(0.5), Some(0.5))
        );
        assert!(close(&w[2]["churn_lift"], 1.0), "{}", w[2]);
    }
}

#[tokio::test]
async fn a_backtest_on_churn_risk_replays_the_scores_the_model_gave_on_each_date() {
    let db = common::sqlite_db();
    let app = common::app(&db).await;
    let as_of = app.as_of(None).unwrap();
    segwright::app::generate_demo(
        &app,
        DemoOptions {
            customers: 3_000,
            seed: 5,
            progress: false,
        },
        as_of,
    )
    .await
    .expect("demo data");
    app.train_models_as(
        &TrainRequest::default(),
        as_of,
        &segwright::app::Actor::cli(),
    )
    .await
    .expect("trains");
    let def = Definition::from_value(json!({"version": 1, "root": {"type": "attribute", "field": "churn_risk", "op": "gte", "value": 0.6}})).unwrap();
    let backtest = app
        .preview(&def, as_of, true, &segwright::app::Actor::cli())
        .await
        .expect("previews")
        .performance
        .expect("performance")
        .backtest
        .expect("backtest");
    assert!(
        backtest.note.contains("recomputed by their stored model"),
        "{}",
        backtest.note
    );
    // The other way to the same audiences: the stored model writes its scores as of the date,
    // and the definition is evaluated on them as of that date. (Everyone churn scores had
    // ordered by then, so all were customers then.)
    for w in &backtest.windows {
        let past = app.as_of(Some(&w.as_of)).unwrap();
        app.rescore(past, &segwright::app::Actor::cli())
            .await
            .expect("re-scores as of the date");
        let then = app
            .preview(&def, past, false, &segwright::app::Actor::cli())
            .await
            .expect("previews as of the date");
        assert!(
            then.size.count > 0,
            "{}: the demo has high-risk customers then",
            w.as_of
        );
        assert_eq!(
            w.audience.customers as i64, then.size.count,
            "as of {}",
            w.as_of
        );
    }
}
