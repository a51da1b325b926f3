//! Backtests read past scores from the score history (issue 22): the backtest a full preview
//! gives from the kept scores equals the one from scores computed again by the stored model; a
//! preview never scores again while the history holds its dates (a stored model swapped for a
//! different one would change a re-scored backtest, and does not change it); and an import that
//! changes the past makes the history follow it.

mod common;

use serde_json::json;

use segwright::app::{Actor, App, DemoOptions, ImportOptions, Settings, TrainRequest};
use segwright::domain::definition::Definition;
use segwright::domain::import::Kind;
use segwright::domain::scoring::backtest::Backtest;

/// A fresh process on the database: nothing kept in memory from an earlier preview.
async fn backtest(db: &common::TestDb, in_memory: bool) -> Backtest {
    let app = App::open(Settings {
        in_memory,
        ..common::settings(db)
    })
    .await
    .expect("open app");
    let def = Definition::from_value(json!({"version": 1, "root": {"type": "all", "conditions": [
        {"type": "attribute", "field": "churn_risk", "op": "gte", "value": 0.5},
        {"type": "attribute", "field": "purchase_propensity_tier", "op": "in", "value": ["medium", "high"]}]}}))
    .unwrap();
    let as_of = app.as_of(None).unwrap();
    let p = app
        .preview(&def, as_of, true, &Actor::cli())
        .await
        .expect("previews");
    app.close().await;
    p.performance
        .expect("performance")
        .backtest
        .expect("backtest")
}

async fn sql(db: &common::TestDb, statement: &'static str) {
    if db.name == "sqlite" {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        sqlx::query(statement).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query(statement).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

async fn kept(db: &common::TestDb) -> i64 {
    let count = "SELECT COUNT(*) FROM score_history";
    let (n,): (i64,) = if db.name == "sqlite" {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        sqlx::query_as(count).fetch_one(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query_as(count).fetch_one(&pool).await.unwrap()
    };
    n
}

async fn trained() -> common::TestDb {
    train(common::sqlite_db()).await
}

async fn train(db: common::TestDb) -> common::TestDb {
    let app = common::app(&db).await;
    let as_of = app.as_of(None).unwrap();
    let demo = DemoOptions {
        customers: 2_000,
        seed: 11,
        progress: false,
    };
    segwright::app::generate_demo(&app, demo, as_of)
        .await
        .expect("demo data");
    app.train_models_as(&TrainRequest::default(), as_of, &Actor::cli())
        .await
        .expect("trains");
    app.close().await;
    db
}

#[tokio::test]
async fn the_backtest_from_kept_scores_equals_the_backtest_from_scores_computed_again() {
    for db in common::all_dbs().await {
        kept_equals_rescored(train(db).await).await;
    }
}

async fn kept_equals_rescored(db: common::TestDb) {
    // Training kept both models' scores of the as-of date and of its three backtest dates.
    assert_eq!(kept(&db).await, 2 * 4);
    let from_history = backtest(&db, true).await;
    assert!(
        from_history
            .windows
            .iter()
            .all(|w| w.audience.customers > 0),
        "every date has an audience: {from_history:?}"
    );
    assert_eq!(
        backtest(&db, false).await,
        from_history,
        "{}: the SQL path reads the same history",
        db.name
    );
    sql(&db, "DELETE FROM score_history").await;
    assert_eq!(
        backtest(&db, true).await,
        from_history,
        "scored again by the stored models"
    );
    assert_eq!(
        kept(&db).await,
        2 * 3,
        "what a preview had to score, it keeps"
    );
}

#[tokio::test]
async fn a_preview_does_not_score_again_when_the_history_holds_its_dates() {
    let db = trained().await;
    let before = backtest(&db, true).await;
    // The stored churn model is replaced by one that ranks customers the other way round:
    // scoring the past with it would select other audiences.
    let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
    let (logistic,): (String,) =
        sqlx::query_as("SELECT logistic FROM models WHERE task = 'churn_risk'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let mut reversed: serde_json::Value = serde_json::from_str(&logistic).unwrap();
    for c in reversed["coef"].as_array_mut().unwrap() {
        *c = json!(-c.as_f64().unwrap());
    }
    reversed["intercept"] = json!(-reversed["intercept"].as_f64().unwrap());
    let model = json!({"family": "logistic", "model": reversed}).to_string();
    sqlx::query(
        "UPDATE models SET model = $1, kind = 'LogisticRegression' WHERE task = 'churn_risk'",
    )
    .bind(model)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!(
        backtest(&db, true).await,
        before,
        "read from the history, not scored by the stored model"
    );
    // The check can fail: once the history is gone, the swapped model scores the past.
    sql(&db, "DELETE FROM score_history").await;
    assert_ne!(
        backtest(&db, true).await,
        before,
        "scored again by the swapped model"
    );
}

#[tokio::test]
async fn an_import_that_changes_the_past_is_followed_by_the_history() {
    let db = trained().await;
    let before = backtest(&db, true).await;
    let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
    let ids: Vec<(String,)> =
        sqlx::query_as("SELECT external_id FROM customers ORDER BY id LIMIT 400")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    // Large orders four months back: every backtest date's features change.
    let mut csv = String::from("order_id,customer_id,order_date,amount\n");
    for (i, (id,)) in ids.iter().enumerate() {
        csv.push_str(&format!("backfill-{i},{id},2026-07-15,900\n"));
    }
    let (_dir, path) = common::write_file("orders.csv", &csv);
    let app = common::app(&db).await;
    app.import(
        ImportOptions::new(Kind::Orders, path, vec![], false, None, false),
        &Actor::cli(),
    )
    .await
    .expect("import");
    app.close().await;
    let after = backtest(&db, true).await;
    assert_ne!(after, before, "the backfill changes what the audiences did");
    sql(&db, "DELETE FROM score_history").await;
    assert_eq!(
        backtest(&db, true).await,
        after,
        "the kept scores are those of the new data"
    );
}
