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
use segwright::domain::columnar::Column;
use segwright::domain::definition::Definition;

async fn demo_app(db: &common::TestDb) -> App {
    let app = common::app(db).await;
    let as_of = app.as_of(None).unwrap();
    segwright::app::generate_demo(
        &app,
        DemoOptions {
            customers: 3_000,
            seed: 3,
            progress: false,
        },
        as_of,
    )
    .await
    .expect("demo data");
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
        let models = app
            .train_models_as(
                &TrainRequest::default(),
                as_of,
                &segwright::app::Actor::cli(),
            )
            .await
            .expect("trains");
        assert_eq!(
            models.iter().map(|m| m.task.as_str()).collect::<Vec<_>>(),
            ["churn_risk", "purchase_propensity"],
            "{}",
            db.name
        );
        for m in &models {
            let chosen = m.report.chosen_metrics();
            assert!(
                chosen.roc_auc > 0.6,
                "{} {}: {}",
                db.name,
                m.task,
                m.table()
            );
            assert!(m.scored > 0);
            assert_eq!(m.version, 1);
        }
        let snap = app.catalog(&segwright::app::Actor::cli()).await.unwrap();
        for f in [
            "churn_risk",
            "purchase_propensity",
            "churn_risk_tier",
            "purchase_propensity_tier",
        ] {
            assert!(
                snap.catalog.fields.iter().any(|x| x.name == f),
                "{}: catalog lacks {f}",
                db.name
            );
        }
        let risky = app
            .preview(
                &def(json!({"type": "term", "name": "churn_risk"})),
                as_of,
                false,
                &segwright::app::Actor::cli(),
            )
            .await
            .expect("term previews");
        let by_attr = app
            .preview(
                &def(
                    json!({"type": "attribute", "field": "churn_risk", "op": "gte", "value": 0.6}),
                ),
                as_of,
                false,
                &segwright::app::Actor::cli(),
            )
            .await
            .unwrap();
        assert_eq!(risky.size.count, by_attr.size.count, "{}", db.name);
        app.preview(
            &def(json!({"type": "term", "name": "likely_to_buy"})),
            as_of,
            true,
            &segwright::app::Actor::cli(),
        )
        .await
        .expect("likely_to_buy previews");
        app.preview(&def(json!({"type": "attribute", "field": "churn_risk_tier", "op": "eq", "value": "high"})), as_of, false, &segwright::app::Actor::cli()).await.expect("tiers");
        // A second run is a new version; listing shows both.
        app.train_models_as(
            &TrainRequest::default(),
            as_of,
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();
        let listed = app.models(&segwright::app::Actor::cli()).await.unwrap();
        assert_eq!(listed.len(), 4);
        assert_eq!(listed[0].version, 2, "newest first");
        // Why this customer.
        let customer = common::store_of(&app).await.external_ids().await.unwrap()[0].clone();
        let scores = app
            .customer_scores(&customer, 3, &segwright::app::Actor::cli())
            .await
            .unwrap();
        assert!(
            !scores.is_empty()
                && scores
                    .iter()
                    .all(|s| s.factors.len() == 3 && (0.0..=1.0).contains(&s.score))
        );
        // Predicted performance: churn-risk customers are expected to churn more than average.
        let p = app
            .predicted_performance(
                &def(json!({"type": "term", "name": "churn_risk"})),
                as_of,
                &segwright::app::Actor::cli(),
            )
            .await
            .unwrap();
        let churn = p
            .expected
            .iter()
            .find(|e| e.score == "churn_risk")
            .expect("churn figure");
        assert!(churn.lift > 1.0 && churn.rate >= 0.6, "{churn:?}");
    }
}

#[tokio::test]
async fn too_few_labels_are_refused_with_a_clear_message() {
    let db = common::sqlite_db();
    let app = common::app(&db).await;
    let as_of = app.as_of(None).unwrap();
    segwright::app::generate_demo(
        &app,
        DemoOptions {
            customers: 100,
            seed: 3,
            progress: false,
        },
        as_of,
    )
    .await
    .unwrap();
    let e = app
        .train_models_as(
            &TrainRequest::default(),
            as_of,
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap_err();
    assert!(e.public_message().contains("too little data"), "{e}");
    let e = app
        .train_models_as(
            &TrainRequest {
                label: Some("nope".into()),
                ..Default::default()
            },
            as_of,
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap_err();
    assert!(
        e.public_message().contains("no custom attribute `nope`"),
        "{e}"
    );
}

async fn call(
    router: &(axum::Router, String),
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (router, token) = router;
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", common::bearer(token));
    let body = match body {
        Some(v) => {
            req = req.header("content-type", "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let resp = router
        .clone()
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn models_over_http() {
    let db = common::sqlite_db();
    let app = std::sync::Arc::new(demo_app(&db).await);
    let token = common::user_token(
        &app,
        "manager@example.test",
        segwright::domain::access::Role::CampaignManager,
    )
    .await;
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
    let customer = common::store_of(&app).await.external_ids().await.unwrap()[0].clone();
    let (s, v) = call(
        &router,
        "GET",
        &format!("/api/models/scores/{customer}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["scores"][0]["factors"][0]["feature"].is_string());
    let (s, _) = call(&router, "GET", "/api/models/scores/no-such-customer", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let body =
        json!({"definition": {"version": 1, "root": {"type": "term", "name": "likely_to_buy"}}});
    let (s, v) = call(&router, "POST", "/api/preview/performance", Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v["expected"][0]["expected"].is_number() && v["expected"][0]["base_rate"].is_number(),
        "{v}"
    );

    // The models page and the glossary page, for a signed-in user.
    let (s, v) = call(&router, "GET", "/api/models", None).await;
    assert_eq!(s, StatusCode::OK);
    let top = v["models"][0]["top_features"].as_array().unwrap();
    assert!(
        !top.is_empty()
            && top[0]["weight"].as_f64().unwrap() >= top[top.len() - 1]["weight"].as_f64().unwrap(),
        "{top:?}"
    );
    let cookie = session_cookie(&router.0, "manager@example.test").await;
    let page = |uri: &'static str| {
        let (router, cookie) = (router.0.clone(), cookie.clone());
        async move {
            let resp = router
                .oneshot(
                    Request::get(uri)
                        .header("cookie", cookie)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            (
                resp.status(),
                String::from_utf8(
                    resp.into_body()
                        .collect()
                        .await
                        .unwrap()
                        .to_bytes()
                        .to_vec(),
                )
                .unwrap(),
            )
        }
    };
    let (s, html) = page("/models").await;
    assert_eq!(s, StatusCode::OK);
    for needle in [
        "churn_risk",
        "purchase_propensity",
        "ROC AUC",
        "recency baseline",
        "<circle",
        "scores customers now",
        top[0]["feature"].as_str().unwrap(),
    ] {
        assert!(html.contains(needle), "the models page shows {needle}");
    }
    let (s, html) = page("/glossary").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("churn-risk")
            && html.contains("likely to churn")
            && html.contains("threshold = 0.6"),
        "{html}"
    );
}

/// Sign in through the login form; the session cookie.
async fn session_cookie(router: &axum::Router, email: &str) -> String {
    let form = format!(
        "email={}&password=correct+horse+battery",
        email.replace('@', "%40")
    );
    let req = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let resp = router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn an_import_scores_new_customers_with_the_stored_models_without_training() {
    for db in common::all_dbs().await {
        let app = demo_app(&db).await;
        let as_of = app.as_of(None).unwrap();
        app.train_models_as(
            &TrainRequest::default(),
            as_of,
            &segwright::app::Actor::cli(),
        )
        .await
        .expect("trains");
        let csv = "order_id,customer_id,order_date,amount\nn1,NEW1,2026-06-01,40\nn2,NEW1,2026-06-20,55\n";
        let (_dir, path) = common::write_file("new.csv", csv);
        let opts = segwright::app::ImportOptions::new(
            segwright::domain::import::Kind::Orders,
            path,
            vec![],
            false,
            None,
            false,
        );
        let report = app
            .import(opts, &segwright::app::Actor::cli())
            .await
            .expect("imports");
        let tasks: Vec<&str> = report.rescored.iter().map(|r| r.task.as_str()).collect();
        assert_eq!(
            tasks,
            ["churn_risk", "purchase_propensity"],
            "{}: {}",
            db.name,
            report.summary()
        );
        let scores = app
            .customer_scores("NEW1", 3, &segwright::app::Actor::cli())
            .await
            .expect("the new customer is known");
        let churn = scores
            .iter()
            .find(|s| s.task == "churn_risk")
            .unwrap_or_else(|| panic!("{}: NEW1 has no churn_risk: {scores:?}", db.name));
        assert!(
            (0.0..=1.0).contains(&churn.score) && churn.version == 1,
            "{churn:?}"
        );
        assert!(
            scores.iter().any(|s| s.task == "purchase_propensity"),
            "{}",
            db.name
        );
        assert_eq!(
            app.models(&segwright::app::Actor::cli())
                .await
                .unwrap()
                .len(),
            2,
            "{}: re-scoring stores no new model version",
            db.name
        );
    }
}

#[tokio::test]
async fn deciles_split_scored_customers_into_tenths_with_1_the_highest_and_definitions_use_them() {
    let db = common::sqlite_db();
    let app = demo_app(&db).await;
    let as_of = app.as_of(None).unwrap();
    app.train_models_as(
        &TrainRequest::default(),
        as_of,
        &segwright::app::Actor::cli(),
    )
    .await
    .expect("trains");
    let field = app
        .catalog(&segwright::app::Actor::cli())
        .await
        .unwrap()
        .catalog
        .fields
        .iter()
        .find(|f| f.name == "churn_risk_decile")
        .cloned()
        .expect("catalog has the decile");
    assert!(
        field.description.contains("1 = the highest 10%"),
        "{}",
        field.description
    );
    let table = common::store_of(&app).await.load_table().await.unwrap();
    for score in ["churn_risk", "purchase_propensity"] {
        let (Some(Column::Num(p)), Some(Column::Num(d))) = (
            table.columns.get(score),
            table.columns.get(&format!("{score}_decile")),
        ) else {
            panic!("{score} columns")
        };
        let scored: Vec<usize> = (0..p.len()).filter(|&r| p[r].is_finite()).collect();
        for k in 1..=10 {
            let share = scored.iter().filter(|&&r| d[r] == f64::from(k)).count() as f64
                / scored.len() as f64;
            assert!(
                (0.07..=0.13).contains(&share),
                "{score}: decile {k} holds {share:.3} of the scored customers"
            );
        }
        let min_top = scored
            .iter()
            .filter(|&&r| d[r] == 1.0)
            .map(|&r| p[r])
            .fold(f64::INFINITY, f64::min);
        let max_rest = scored
            .iter()
            .filter(|&&r| d[r] > 1.0)
            .map(|&r| p[r])
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(
            min_top >= max_rest,
            "{score}: decile 1 must hold the highest scores ({min_top} < {max_rest})"
        );
    }
    let top = app
        .preview(
            &def(
                json!({"type": "attribute", "field": "churn_risk_decile", "op": "eq", "value": 1}),
            ),
            as_of,
            true,
            &segwright::app::Actor::cli(),
        )
        .await
        .expect("definitions use deciles");
    let scored = table
        .columns
        .get("churn_risk")
        .map(|c| match c {
            Column::Num(v) => v.iter().filter(|x| x.is_finite()).count(),
            _ => 0,
        })
        .unwrap();
    assert!(
        (top.size.count as f64 - scored as f64 / 10.0).abs() <= scored as f64 * 0.03,
        "{} of {scored}",
        top.size.count
    );
}

#[tokio::test]
async fn after_a_restart_stored_models_score_again_without_training() {
    let db = common::sqlite_db();
    let app = demo_app(&db).await;
    let as_of = app.as_of(None).unwrap();
    app.train_models_as(
        &TrainRequest::default(),
        as_of,
        &segwright::app::Actor::cli(),
    )
    .await
    .expect("trains");
    let before = common::store_of(&app).await.load_table().await.unwrap();
    drop(app);
    let restarted = common::app(&db).await;
    let rescored = restarted
        .rescore(as_of, &segwright::app::Actor::cli())
        .await
        .expect("re-scores from the database");
    assert_eq!(
        rescored
            .iter()
            .map(|r| (r.task.as_str(), r.version))
            .collect::<Vec<_>>(),
        [("churn_risk", 1), ("purchase_propensity", 1)]
    );
    let after = common::store_of(&restarted)
        .await
        .load_table()
        .await
        .unwrap();
    for score in ["churn_risk", "purchase_propensity"] {
        let (Some(Column::Num(a)), Some(Column::Num(b))) =
            (before.columns.get(score), after.columns.get(score))
        else {
            panic!("{score}")
        };
        let same = a
            .iter()
            .zip(b)
            .all(|(x, y)| (x.is_nan() && y.is_nan()) || (x - y).abs() < 1e-9);
        assert!(
            same,
            "{score}: the same model on the same data must give the same scores"
        );
    }
}

/// Two noisy clusters: a forest has something to learn and its votes vary.
fn two_clusters() -> (Vec<Vec<f64>>, Vec<bool>) {
    (0..400)
        .map(|i| {
            (
                vec![f64::from(i % 37), f64::from((i * 7) % 11)],
                (i % 37) + (i * 7) % 11 > 20,
            )
        })
        .unzip()
}

#[test]
fn a_forest_stored_as_json_votes_exactly_as_before() {
    use segwright::domain::scoring::model::{Forest, ForestParams, Model, ModelKind};
    let (x, y) = two_clusters();
    let forest = Forest::fit(
        &x,
        &y,
        ForestParams {
            trees: 15,
            min_samples_leaf: 5,
            max_depth: 6,
            seed: 1,
        },
    )
    .unwrap();
    let before = forest.probabilities(&x).unwrap();
    let json = serde_json::to_string(&Model::Forest(forest)).unwrap();
    let back: Model = serde_json::from_str(&json).unwrap();
    assert_eq!(back.kind(), ModelKind::RandomForest);
    assert_eq!(back.probabilities(&x).unwrap(), before);
    assert!(
        before.iter().any(|p| *p > 0.0 && *p < 1.0),
        "votes should not all agree"
    );
}

#[test]
fn a_logistic_model_stored_as_json_scores_as_before() {
    use segwright::domain::scoring::model::{Logistic, Model};
    let (x, y) = two_clusters();
    let m = Model::Logistic(Logistic::fit(&x, &y).unwrap());
    let back: Model = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
    // serde_json reads some coefficients back one unit in the last place off, hence 1e-12.
    let (a, b) = (
        back.probabilities(&x).unwrap(),
        m.probabilities(&x).unwrap(),
    );
    assert!(
        a.iter().zip(&b).all(|(p, q)| (p - q).abs() < 1e-12),
        "{a:?} != {b:?}"
    );
}

#[tokio::test]
async fn both_models_scores_are_probabilities_that_match_what_customers_did() {
    let db = common::sqlite_db();
    let app = common::app(&db).await;
    let as_of = app.as_of(None).unwrap();
    // Enough customers that the validation rows measure calibration, not noise.
    segwright::app::generate_demo(
        &app,
        DemoOptions {
            customers: 15_000,
            seed: 5,
            progress: false,
        },
        as_of,
    )
    .await
    .expect("demo data");
    for trained in app
        .train_models_as(
            &TrainRequest::default(),
            as_of,
            &segwright::app::Actor::cli(),
        )
        .await
        .expect("trains")
    {
        for c in &trained.report.candidates {
            // Expected calibration error: how far predicted rates sit from observed ones, per customer.
            let bins = &c.metrics.calibration;
            let n: usize = bins.iter().map(|b| b.count).sum();
            let ece: f64 = bins
                .iter()
                .map(|b| b.count as f64 * (b.mean_predicted - b.observed_rate).abs())
                .sum::<f64>()
                / n as f64;
            eprintln!(
                "{} {:?}: calibration error {ece:.4} over {n} validation rows",
                trained.task, c.kind
            );
            assert!(
                ece < 0.05,
                "{} {:?}: predicted and observed rates differ by {ece:.3} on average: {bins:?}",
                trained.task,
                c.kind
            );
        }
    }
}
