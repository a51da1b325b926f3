//! `segwright bench`: the preview, export and import measures of [`crate::app::bench`], then
//! what users feel on the same SQLite dataset: the headline request end to end through
//! `POST /api/interpret` on a real server (interpretation, full preview with predicted
//! performance and backtest), and a suite of definition shapes, each with its spread.

use std::sync::Arc;
use std::time::Instant;

use crate::app::bench::{BenchArgs, BenchOnly, Stats};
use crate::app::{Actor, App, AppError, SaveSegment, Settings, TrainRequest};
use crate::domain::access::Role;
use crate::domain::definition::Definition;
use crate::domain::time::AsOf;

/// The product's own example request.
pub const HEADLINE: &str = "high-value churn-risk customers inactive for 30 days";

/// The saved segment the segment-reference shape names.
const SAVED: &str = "bench-high-value";
const SAVED_DEFINITION: &str =
    r#"{"type":"percentile","field":"lifetime_revenue","direction":"top","percent":20}"#;

/// Definition shapes, each a root node: (name, JSON).
pub const SHAPES: [(&str, &str); 9] = [
    (
        "attribute only (2 conditions)",
        r#"{"type":"all","conditions":[{"type":"attribute","field":"country","op":"eq","value":"US"},{"type":"attribute","field":"email_consent","op":"eq","value":true}]}"#,
    ),
    (
        "windowed aggregate (order amount, 90 days)",
        r#"{"type":"aggregate","source":"orders","measure":"sum","of":"amount","window":{"last":90,"unit":"days"},"op":"gt","value":100}"#,
    ),
    (
        "percentile (top 10% by lifetime revenue)",
        r#"{"type":"percentile","field":"lifetime_revenue","direction":"top","percent":10}"#,
    ),
    (
        "nested NOT (country, not any of two)",
        r#"{"type":"all","conditions":[{"type":"attribute","field":"country","op":"in","value":["US","DE"]},{"type":"not","condition":{"type":"any","conditions":[{"type":"attribute","field":"order_count","op":"gte","value":5},{"type":"date","field":"last_order_date","op":"within_last","amount":30,"unit":"days"}]}}]}"#,
    ),
    (
        "segment reference (saved top 20%, US)",
        r#"{"type":"all","conditions":[{"type":"segment","segment":"bench-high-value"},{"type":"attribute","field":"country","op":"eq","value":"US"}]}"#,
    ),
    (
        "score cut (churn_risk ≥ 0.6)",
        r#"{"type":"attribute","field":"churn_risk","op":"gte","value":0.6}"#,
    ),
    (
        "event count (email_open ≥ 2 in 30 days)",
        r#"{"type":"aggregate","source":"events","event":"email_open","measure":"count","window":{"last":30,"unit":"days"},"op":"gte","value":2}"#,
    ),
    (
        "3 conditions (the count-only target's)",
        r#"{"type":"all","conditions":[{"type":"attribute","field":"country","op":"eq","value":"US"},{"type":"aggregate","source":"orders","measure":"sum","of":"amount","window":{"last":90,"unit":"days"},"op":"gt","value":100},{"type":"percentile","field":"lifetime_revenue","direction":"top","percent":20}]}"#,
    ),
    (
        "10-condition mix",
        r#"{"type":"all","conditions":[
 {"type":"attribute","field":"country","op":"in","value":["US","GB","DE","FR"]},
 {"type":"attribute","field":"email_consent","op":"eq","value":true},
 {"type":"attribute","field":"order_count","op":"gte","value":2},
 {"type":"date","field":"last_activity_date","op":"within_last","amount":180,"unit":"days"},
 {"type":"aggregate","source":"orders","measure":"sum","of":"amount","window":{"last":365,"unit":"days"},"op":"gt","value":50},
 {"type":"aggregate","source":"events","event":"page_view","measure":"count","window":{"last":90,"unit":"days"},"op":"gte","value":1},
 {"type":"percentile","field":"lifetime_revenue","direction":"top","percent":50},
 {"type":"attribute","field":"churn_risk","op":"lt","value":0.9},
 {"type":"not","condition":{"type":"attribute","field":"region","op":"eq","value":"CA"}},
 {"type":"any","conditions":[{"type":"attribute","field":"plan_type","op":"eq","value":"Annual"},{"type":"attribute","field":"average_order_value","op":"gt","value":40}]}]}"#,
    ),
];

/// Run `segwright bench`: the existing measures, then the shapes and the headline request.
pub async fn run(args: &BenchArgs, tz: &str) -> Result<(), AppError> {
    if args.only != Some(BenchOnly::Shapes) {
        crate::app::bench::run(args, tz).await?;
    }
    if matches!(args.only, None | Some(BenchOnly::Shapes)) {
        let tz: chrono_tz::Tz = tz
            .parse()
            .map_err(|_| AppError::BadInput(format!("unknown time zone `{tz}`")))?;
        println!("\n{}", what_users_feel(args, tz).await?.join("\n"));
    }
    Ok(())
}

/// The headline request and the shapes on the SQLite dataset, as Markdown table lines.
async fn what_users_feel(args: &BenchArgs, tz: chrono_tz::Tz) -> Result<Vec<String>, AppError> {
    std::fs::create_dir_all(&args.dir).map_err(|e| AppError::File(e.to_string()))?;
    let url = format!(
        "sqlite://{}",
        args.dir
            .join(format!("bench-{}.db", args.customers))
            .display()
    );
    let app = Arc::new(
        App::open(Settings {
            timezone: tz,
            in_memory: true,
            ..Settings::fixed(url, "2026-11-22")
        })
        .await?,
    );
    let as_of = app.as_of(None)?;
    crate::app::bench::ensure_dataset(&app, args, as_of, "SQLite").await?;
    ensure_models(&app, as_of).await?;
    ensure_saved_segment(&app, as_of).await?;
    let started = Instant::now();
    app.warm_up().await?;
    let mut lines = vec![
        "| measure (SQLite, server, in memory) | median | p10–p90 | min–max |".to_string(),
        "|---|---|---|---|".to_string(),
        format!(
            "| load the in-memory copy | {:.1} s | | |",
            started.elapsed().as_secs_f64()
        ),
    ];
    lines.extend(headline(app.clone(), args.runs).await?);
    for (name, root) in SHAPES {
        let def = Definition::from_json(&format!(r#"{{"version":1,"root":{root}}}"#))
            .map_err(|i| AppError::Invalid(vec![i]))?;
        let size = std::cell::Cell::new(0);
        let count = Stats::time(args.runs, || async {
            let preview = app.preview(&def, as_of, false, &Actor::cli()).await?;
            size.set(preview.size.count);
            Ok(())
        })
        .await?;
        let full = Stats::time(args.runs, || async {
            app.preview(&def, as_of, true, &Actor::cli())
                .await
                .map(|_| ())
        })
        .await?;
        lines.push(count.row(&format!("{name}: count-only ({} customers)", size.get())));
        lines.push(full.row(&format!(
            "{name}: full preview with performance and backtest"
        )));
    }
    Ok(lines)
}

/// Train the churn and propensity models once (kept in the dataset for later runs).
async fn ensure_models(app: &App, as_of: AsOf) -> Result<(), AppError> {
    if app.models(&Actor::cli()).await?.is_empty() {
        let t = Instant::now();
        app.train_models_as(&TrainRequest::default(), as_of, &Actor::cli())
            .await?;
        eprintln!("trained the models in {:.1} s", t.elapsed().as_secs_f64());
    }
    Ok(())
}

async fn ensure_saved_segment(app: &App, as_of: AsOf) -> Result<(), AppError> {
    if app.get_segment(SAVED, &Actor::cli()).await.is_ok() {
        return Ok(());
    }
    let definition =
        Definition::from_json(&format!(r#"{{"version":1,"root":{SAVED_DEFINITION}}}"#))
            .map_err(|i| AppError::Invalid(vec![i]))?;
    app.create_segment(
        SaveSegment {
            name: SAVED.into(),
            description: None,
            definition,
        },
        as_of,
        &Actor::cli(),
    )
    .await?;
    Ok(())
}

/// The headline request through a real server on a local port: the first one after the load
/// (the backtest's past scores may still be computing), then `runs` more.
async fn headline(app: Arc<App>, runs: usize) -> Result<Vec<String>, AppError> {
    let email = "bench@segwright.invalid";
    if app.user(email).await.is_err() {
        app.add_user(
            email,
            Role::Marketer,
            &uuid::Uuid::new_v4().to_string(),
            false,
            &Actor::cli(),
        )
        .await?;
    }
    let token = app.create_token(email, "bench", &Actor::cli()).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| AppError::Network(e.to_string()))?;
    let addr = listener
        .local_addr()
        .map_err(|e| AppError::Network(e.to_string()))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::http::serve(listener, app, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let ask = || async {
        let body = serde_json::json!({ "prompt": HEADLINE }).to_string();
        let resp = client
            .post(format!("http://{addr}/api/interpret"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| AppError::Network(e.to_string()))?;
        let status = resp.status();
        let answer: serde_json::Value = resp
            .json()
            .await
            .map_err(|e| AppError::Network(e.to_string()))?;
        if !status.is_success() || answer.pointer("/preview/performance/backtest").is_none() {
            return Err(AppError::Network(format!(
                "the headline request answered {status} without a backtest: {answer}"
            )));
        }
        Ok(answer
            .pointer("/preview/size/count")
            .and_then(|c| c.as_i64())
            .unwrap_or_default())
    };
    let t = Instant::now();
    let count = ask().await?;
    let first = t.elapsed().as_secs_f64() * 1000.0;
    let warm = Stats::time(runs, || async { ask().await.map(|_| ()) }).await?;
    let _ = stop.send(());
    let _ = server.await;
    Ok(vec![
        format!("| headline request \"{HEADLINE}\", POST /api/interpret end to end ({count} customers): first after the load | {first:.1} ms | | |"),
        warm.row("headline request, POST /api/interpret end to end (interpretation, full preview with performance and backtest)"),
    ])
}
