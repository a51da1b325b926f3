//! Training with honest evaluation: a stratified, seeded split of the training rows into fit and
//! validation parts; both model families are fitted on the first and measured on the second,
//! next to a recency-only baseline; the one with the better validation ROC AUC is chosen.

use std::time::Instant;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::ScoringError;
use super::calibrate::{self, Platt};
use super::metrics::{Metrics, evaluate};
use super::model::{Forest, ForestParams, Logistic, Model, ModelKind};

/// Labelled rows.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub names: Vec<String>,
    pub x: Vec<Vec<f64>>,
    pub y: Vec<bool>,
}

/// Training settings.
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    pub seed: u64,
    /// Share of rows held out for validation.
    pub validation_share: f64,
    /// Fewer positive or negative labels than this and training refuses.
    pub min_class: usize,
    /// At most this many labelled rows make the training set (a stratified sample beyond it,
    /// drawn before features are computed; fit and validation rows both come from it).
    pub max_train_rows: usize,
    /// At most this many rows are used to fit (a stratified sample beyond it).
    pub max_fit_rows: usize,
    /// At most this many of those rows fit the forest (trees cost more per row).
    pub max_forest_rows: usize,
    pub forest: ForestParams,
    /// Folds of the cross-validation of the logistic model (0 = none).
    pub cv_folds: usize,
    /// Cross-validate only up to this many rows (it refits the model once per fold).
    pub max_cv_rows: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            seed: 42,
            validation_share: 0.25,
            min_class: 100,
            max_train_rows: 200_000,
            // smartcore's logistic fit is the slowest step: 110 s on 150,000 rows of a
            // million-customer demo and 32–38 s on 50,000 (2 cores). 20,000 rows of a few dozen
            // features estimate its coefficients as well (validation ROC AUC within 0.002) and
            // keep training well inside a minute. Validation still uses every held-out row.
            max_fit_rows: 20_000,
            // smartcore visits every training row at every node, so a tree costs rows × nodes:
            // 20,000 rows and depth ≤ 10 keep 100 trees within seconds at any data size.
            max_forest_rows: 20_000,
            forest: ForestParams {
                trees: 100,
                min_samples_leaf: 5,
                max_depth: 10,
                seed: 42,
            },
            cv_folds: 5,
            max_cv_rows: 100_000,
        }
    }
}

/// One candidate's validation result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub kind: ModelKind,
    pub metrics: Metrics,
    pub fit_seconds: f64,
}

/// What training found, for people and for the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    pub chosen: ModelKind,
    pub candidates: Vec<Candidate>,
    /// Recency only (more days since the last order = more likely positive, or less, whichever
    /// the fit rows say).
    pub baseline: Metrics,
    pub features: Vec<String>,
    pub rows: usize,
    pub fit_rows: usize,
    pub validation_rows: usize,
    pub positive_rate: f64,
    /// Pooled out-of-fold ROC AUC over all rows: steadier than one hold-out split.
    pub cross_validation: Option<CrossValidation>,
    /// When the training set is a stratified sample: how many labelled rows it was drawn from
    /// (`rows` is the sample). Absent in reports stored before sampling existed.
    #[serde(default)]
    pub sampled_from: Option<usize>,
}

/// Stratified k-fold cross-validation of the logistic model and the baseline: every row is
/// predicted once by a model that did not see it, and one ROC AUC is taken over all of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossValidation {
    pub folds: usize,
    pub logistic_roc_auc: f64,
    pub baseline_roc_auc: f64,
}

impl TrainReport {
    pub fn chosen_metrics(&self) -> &Metrics {
        &self
            .candidates
            .iter()
            .find(|c| c.kind == self.chosen)
            .expect("the chosen model is a candidate")
            .metrics
    }
}

/// A trained model: the chosen one, the logistic one (always kept: it explains scores), and the
/// report.
#[derive(Debug)]
pub struct Trained {
    pub model: Model,
    pub logistic: Logistic,
    pub report: TrainReport,
}

/// Stratified split of row indices into `(fit, validation)`.
pub fn stratified_split(y: &[bool], share: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut fit, mut val) = (Vec::new(), Vec::new());
    for class in [false, true] {
        let mut idx: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        idx.shuffle(&mut rng);
        let k = (idx.len() as f64 * share).round() as usize;
        val.extend_from_slice(&idx[..k]);
        fit.extend_from_slice(&idx[k..]);
    }
    fit.sort_unstable();
    val.sort_unstable();
    (fit, val)
}

/// A stratified sample of at most `max` of `rows`.
pub fn cap(rows: Vec<usize>, y: &[bool], max: usize, seed: u64) -> Vec<usize> {
    if rows.len() <= max {
        return rows;
    }
    let sub: Vec<bool> = rows.iter().map(|&i| y[i]).collect();
    let (_, keep) = stratified_split(&sub, max as f64 / rows.len() as f64, seed);
    keep.into_iter().map(|k| rows[k]).collect()
}

fn pick(d: &Dataset, rows: &[usize]) -> (Vec<Vec<f64>>, Vec<bool>) {
    (
        rows.iter().map(|&i| d.x[i].clone()).collect(),
        rows.iter().map(|&i| d.y[i]).collect(),
    )
}

/// Refuse too few positive or negative labels, with the counts.
pub fn check_classes(y: &[bool], min_class: usize) -> Result<(), ScoringError> {
    let pos = y.iter().filter(|&&b| b).count();
    let neg = y.len() - pos;
    if pos < min_class || neg < min_class {
        return Err(ScoringError::TooLittleData {
            positives: pos,
            negatives: neg,
            minimum: min_class,
        });
    }
    Ok(())
}

/// Time a fallible step.
fn timed<T>(f: impl FnOnce() -> Result<T, ScoringError>) -> Result<(T, f64), ScoringError> {
    let started = Instant::now();
    f().map(|v| (v, started.elapsed().as_secs_f64()))
}

/// Fit both families, evaluate them and the baseline on the validation rows, keep the better.
/// `recency` is the index of the recency feature used by the baseline, if any.
pub fn train(
    d: &Dataset,
    recency: Option<usize>,
    opts: &TrainOptions,
) -> Result<Trained, ScoringError> {
    check_classes(&d.y, opts.min_class)?;
    let pos = d.y.iter().filter(|&&b| b).count();
    let (fit, val) = stratified_split(&d.y, opts.validation_share, opts.seed);
    let fit = cap(fit, &d.y, opts.max_fit_rows, opts.seed);
    let (fx, fy) = pick(d, &fit);
    let (vx, vy) = pick(d, &val);
    let forest_rows = cap(
        (0..fx.len()).collect(),
        &fy,
        opts.max_forest_rows,
        opts.seed,
    );
    let (ffx, ffy) = (
        forest_rows
            .iter()
            .map(|&i| fx[i].clone())
            .collect::<Vec<_>>(),
        forest_rows.iter().map(|&i| fy[i]).collect::<Vec<_>>(),
    );
    // The logistic fit is one thread; the forest spreads its trees over the rest of the cores.
    let (lr, rf) = rayon::join(
        || timed(|| Logistic::fit(&fx, &fy)),
        || timed(|| Forest::fit(&ffx, &ffy, opts.forest)),
    );
    let ((logistic, lr_secs), (mut forest, rf_secs)) = (lr?, rf?);
    let lr_p = Model::Logistic(logistic.clone()).probabilities(&vx)?;
    // Vote shares are not probabilities: the forest is calibrated on the validation rows, and
    // judged there on probabilities each half got from the other half's calibrator.
    // The ranking metrics are the vote shares' own: one increasing calibrator keeps the order.
    let votes = forest.votes(&vx)?;
    let calibrated = evaluate(
        &vy,
        &calibrate::cross_fitted(&votes, &vy, forest.trees()),
        true,
    );
    let rf_metrics = Metrics {
        brier: calibrated.brier,
        calibration: calibrated.calibration,
        ..evaluate(&vy, &votes, false)
    };
    forest.calibrate(Platt::fit(&votes, &vy, forest.trees()));
    let candidates = vec![
        Candidate {
            kind: ModelKind::LogisticRegression,
            metrics: evaluate(&vy, &lr_p, true),
            fit_seconds: lr_secs,
        },
        Candidate {
            kind: ModelKind::RandomForest,
            metrics: rf_metrics,
            fit_seconds: rf_secs,
        },
    ];
    let (baseline, sign) = baseline_metrics(recency, &fx, &fy, &vx, &vy);
    let cross_validation = if opts.cv_folds >= 2 && d.y.len() <= opts.max_cv_rows {
        Some(cross_validate(d, recency, sign, opts)?)
    } else {
        None
    };
    let chosen = if candidates[1].metrics.roc_auc > candidates[0].metrics.roc_auc {
        ModelKind::RandomForest
    } else {
        ModelKind::LogisticRegression
    };
    let report = TrainReport {
        chosen,
        candidates,
        baseline,
        features: d.names.clone(),
        rows: d.y.len(),
        fit_rows: fx.len(),
        validation_rows: vx.len(),
        positive_rate: pos as f64 / d.y.len() as f64,
        cross_validation,
        sampled_from: None,
    };
    let model = match chosen {
        ModelKind::LogisticRegression => Model::Logistic(logistic.clone()),
        ModelKind::RandomForest => Model::Forest(forest),
    };
    Ok(Trained {
        model,
        logistic,
        report,
    })
}

/// Recency as the score, oriented on the fit rows (the sign is returned); a constant when there
/// is no recency feature.
fn baseline_metrics(
    recency: Option<usize>,
    fx: &[Vec<f64>],
    fy: &[bool],
    vx: &[Vec<f64>],
    vy: &[bool],
) -> (Metrics, f64) {
    let sign = if super::metrics::roc_auc(fy, &recency_scores(recency, 1.0, fx)) >= 0.5 {
        1.0
    } else {
        -1.0
    };
    (
        evaluate(vy, &recency_scores(recency, sign, vx), false),
        sign,
    )
}

fn recency_scores(recency: Option<usize>, sign: f64, x: &[Vec<f64>]) -> Vec<f64> {
    x.iter()
        .map(|r| sign * recency.map_or(0.0, |j| r[j]))
        .collect()
}

/// Pooled out-of-fold ROC AUC of the logistic model and of the baseline.
fn cross_validate(
    d: &Dataset,
    recency: Option<usize>,
    sign: f64,
    opts: &TrainOptions,
) -> Result<CrossValidation, ScoringError> {
    let k = opts.cv_folds;
    let mut fold = vec![0usize; d.y.len()];
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed.wrapping_add(1));
    for class in [false, true] {
        let mut idx: Vec<usize> = (0..d.y.len()).filter(|&i| d.y[i] == class).collect();
        idx.shuffle(&mut rng);
        idx.iter().enumerate().for_each(|(n, &i)| fold[i] = n % k);
    }
    // Folds are independent fits: both cores take one each.
    let fitted: Vec<Logistic> = (0..k)
        .into_par_iter()
        .map(|f| {
            let train: Vec<usize> = (0..d.y.len()).filter(|&i| fold[i] != f).collect();
            let (tx, ty) = pick(d, &train);
            Logistic::fit(&tx, &ty)
        })
        .collect::<Result<_, _>>()?;
    let p: Vec<f64> = (0..d.y.len())
        .map(|i| fitted[fold[i]].probability(&d.x[i]))
        .collect();
    let base = recency_scores(recency, sign, &d.x);
    Ok(CrossValidation {
        folds: k,
        logistic_roc_auc: super::metrics::roc_auc(&d.y, &p),
        baseline_roc_auc: super::metrics::roc_auc(&d.y, &base),
    })
}
