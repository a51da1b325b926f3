//! Predictive scores: churn risk and purchase propensity learned from the customer data itself,
//! and propensity for any boolean label the business already has. Pure: takes a columnar
//! [`Table`](super::columnar::Table) or plain rows, returns plain numbers; CPU only (callers run
//! it on a blocking thread).
//!
//! Behavioural tasks travel in time: for horizon H and as-of instant D, features are computed as
//! of T = D − H from data at or before T ([`features`]), labels come from (T, D], and scoring
//! uses features as of D. [`train`] fits logistic regression and a random forest (smartcore),
//! evaluates both next to a recency baseline on held-out rows ([`metrics`]) and keeps the better.

pub mod backtest;
pub mod calibrate;
pub mod features;
mod flat;
pub mod history;
pub mod metrics;
pub mod model;
pub mod performance;
pub mod task;
pub mod train;

pub use features::{FeatureSpec, Features};
pub use metrics::Metrics;
pub use model::{FeatureWeight, Logistic, Model, ModelKind};
pub use task::{CustomerScore, Factor, Task, TaskKind, decile_attribute, deciles, tier_attribute};
pub use train::{Dataset, TrainOptions, TrainReport, Trained, train};

/// Why scoring could not be done.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoringError {
    #[error(
        "too little data to train: {positives} positive and {negatives} negative labels, at least {minimum} of each are needed"
    )]
    TooLittleData {
        positives: usize,
        negatives: usize,
        minimum: usize,
    },
    #[error("model fitting failed: {0}")]
    Fit(String),
    #[error("{0}")]
    Invalid(String),
}

/// Choose features from the table, build the task's training set and train. Above
/// `opts.max_train_rows` labelled rows the training set is a stratified sample of them, drawn
/// before any feature is computed (labels are cheap, features are not); the report says so.
pub fn fit_task(
    t: &super::columnar::Table,
    task: &Task,
    train_at: i64,
    now: i64,
    opts: &TrainOptions,
) -> Result<(FeatureSpec, Trained), ScoringError> {
    let spec = FeatureSpec::from_table(t, &|c| task.excludes(c));
    let (rows, y) = task
        .labelled(t, train_at, now)
        .map_err(ScoringError::Invalid)?;
    train::check_classes(&y, opts.min_class)?;
    let population = rows.len();
    let keep = train::cap(
        (0..population).collect(),
        &y,
        opts.max_train_rows,
        opts.seed,
    );
    let (rows, y) = keep.iter().map(|&i| (rows[i], y[i])).unzip();
    let data = task.dataset_of(t, &spec, rows, y, train_at, now);
    let recency = data.names.iter().position(|n| n == "recency_days");
    let mut trained = train(&data, recency, opts)?;
    trained.report.sampled_from = (population > data.y.len()).then_some(population);
    Ok((spec, trained))
}

/// Score the task's scoring rows as of `now`: `(table rows, probabilities)`.
pub fn score_task(
    t: &super::columnar::Table,
    task: &Task,
    spec: &FeatureSpec,
    model: &Model,
    now: i64,
) -> Result<(Vec<usize>, Vec<f64>), ScoringError> {
    let rows = task.scoring_rows(t, now).map_err(ScoringError::Invalid)?;
    let mut probs = Vec::with_capacity(rows.len());
    // In chunks, so a million rows never need one million-row matrix at once.
    for part in rows.chunks(50_000) {
        let f = spec.compute(t, part.to_vec(), now);
        probs.extend(model.probabilities(&f.values)?);
    }
    Ok((rows, probs))
}
