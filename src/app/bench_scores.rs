//! `segwright bench-scores`: times model training and scoring on a generated demo dataset
//! (SQLite, built once in `--dir` and reused) and prints medians for the README.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::{App, AppError, DemoOptions, Settings, TrainRequest};
use crate::domain::scoring::{Task, fit_task, score_task};

/// Options of `segwright bench-scores`.
#[derive(Debug, Args, Clone)]
pub struct BenchScoresArgs {
    /// Customers in the generated dataset.
    #[arg(long, default_value_t = 100_000)]
    pub customers: u64,
    /// Timed runs (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Folder for the SQLite database.
    #[arg(long, default_value = "bench-data")]
    pub dir: PathBuf,
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// How many rows trained, and from how many they were sampled.
fn training_rows(r: &crate::domain::scoring::TrainReport) -> String {
    let sample = r.sampled_from.map_or_else(
        || "all labelled rows".to_string(),
        |n| format!("a stratified sample of {n} labelled rows"),
    );
    let cv = r.cross_validation.as_ref().map_or_else(
        || "no cross-validation".to_string(),
        |c| format!("{}-fold cross-validation", c.folds),
    );
    format!(
        "{} rows ({sample}): {} fit, {} validation; {cv}",
        r.rows, r.fit_rows, r.validation_rows
    )
}

/// Build (or reuse) the dataset, then time each step; prints a Markdown table.
pub async fn run(args: &BenchScoresArgs) -> Result<(), AppError> {
    std::fs::create_dir_all(&args.dir)
        .map_err(|e| AppError::File(format!("{}: {e}", args.dir.display())))?;
    let url = format!(
        "sqlite://{}",
        args.dir
            .join(format!("scores-{}.db", args.customers))
            .display()
    );
    let settings = Settings::fixed(url, "2026-11-22");
    let app = App::open(settings).await?;
    let as_of = app.as_of(None)?;
    if app.store.freshness().await?.customers as u64 != args.customers {
        let (c, o, e) = super::generate_demo(
            &app,
            DemoOptions {
                customers: args.customers,
                seed: 7,
                progress: true,
            },
            as_of,
        )
        .await?;
        eprintln!("built {c} customers, {o} orders, {e} events");
    }
    let runs = args.runs.max(1);
    let mut load = Vec::new();
    let mut lines = Vec::new();
    let req = TrainRequest::default();
    let mut table = None;
    for _ in 0..runs {
        let t = Instant::now();
        table = Some(app.store.load_table().await?);
        load.push(t.elapsed().as_secs_f64());
    }
    let table = std::sync::Arc::new(table.expect("at least one run"));
    for task in [
        Task::churn(req.churn_horizon_days),
        Task::propensity(req.propensity_horizon_days),
    ] {
        let h = task.horizon_days().unwrap_or(0);
        let train_at =
            crate::domain::time::AsOf::new(as_of.date() - chrono::Days::new(h.into()), as_of.tz())
                .end();
        let (mut fit, mut score, mut scored, mut report) = (Vec::new(), Vec::new(), 0, None);
        for _ in 0..runs {
            let (t2, task2, opts) = (table.clone(), task.clone(), req.options);
            let now = as_of.end();
            let (f, s, r, n) = tokio::task::spawn_blocking(move || {
                let t = Instant::now();
                let (spec, trained) = fit_task(&t2, &task2, train_at, now, &opts)?;
                let f = t.elapsed().as_secs_f64();
                let t = Instant::now();
                let (rows, _) = score_task(&t2, &task2, &spec, &trained.model, now)?;
                Ok::<_, crate::domain::scoring::ScoringError>((
                    f,
                    t.elapsed().as_secs_f64(),
                    trained.report,
                    rows.len(),
                ))
            })
            .await
            .map_err(|e| AppError::TaskFailed(e.to_string()))??;
            fit.push(f);
            score.push(s);
            (report, scored) = (Some(r), n);
        }
        let r = report.expect("at least one run");
        let name = task.attribute();
        lines.push(format!(
            "| {name} | train (features, both models, validation) | {:.2} s |",
            median(fit)
        ));
        lines.push(format!(
            "| {name} | score {scored} customers | {:.2} s |",
            median(score)
        ));
        lines.push(format!("| {name} | {} | |", training_rows(&r)));
        for c in &r.candidates {
            lines.push(format!(
                "| {name} | {}: fit {:.2} s, validation ROC AUC {:.4} | |",
                c.kind.label(),
                c.fit_seconds,
                c.metrics.roc_auc
            ));
        }
        lines.push(format!(
            "| {name} | chosen: {}, validation ROC AUC {:.4} | |",
            r.chosen.label(),
            r.chosen_metrics().roc_auc
        ));
    }
    let t = Instant::now();
    app.train_models(&req, as_of, None).await?;
    let end_to_end = t.elapsed().as_secs_f64();
    println!(
        "bench-scores: {} customers, {} orders, {} events, median of {runs} runs",
        table.len(),
        table.orders.time.len(),
        table.events.time.len()
    );
    println!("| task | measure | median |");
    println!("|---|---|---|");
    println!("| both | load the data | {:.2} s |", median(load));
    lines.iter().for_each(|l| println!("{l}"));
    println!(
        "| both | `train` end to end (load, train, score, store; one run) | {end_to_end:.2} s |"
    );
    Ok(())
}
