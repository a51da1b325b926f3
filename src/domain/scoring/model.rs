//! The two model families, fitted with smartcore, and their probabilities.
//!
//! smartcore's classifiers predict hard labels only, so probabilities are derived here:
//! logistic regression gives the sigmoid of its linear score (from `coefficients()` and
//! `intercept()`), and the forest gives the fraction of its trees voting positive. smartcore's
//! forest keeps its trees private, so the forest is built as `trees` one-tree smartcore forests
//! with consecutive seeds — each a bootstrap sample with random feature choice at every split,
//! exactly a random forest — whose votes are counted here.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use smartcore::ensemble::random_forest_classifier::{
    RandomForestClassifier, RandomForestClassifierParameters,
};
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};

use super::ScoringError;
use super::calibrate::Platt;
use super::flat::FlatForest;

/// Which family a model is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    LogisticRegression,
    RandomForest,
}

impl ModelKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::LogisticRegression => "logistic regression",
            Self::RandomForest => "random forest",
        }
    }
}

/// Per-feature mean and standard deviation of the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
}

impl Standardizer {
    pub fn fit(x: &[Vec<f64>]) -> Self {
        let p = x.first().map_or(0, Vec::len);
        let n = x.len().max(1) as f64;
        let mut mean = vec![0.0; p];
        for r in x {
            r.iter().enumerate().for_each(|(j, v)| mean[j] += v / n);
        }
        let mut var = vec![0.0; p];
        for r in x {
            r.iter()
                .enumerate()
                .for_each(|(j, v)| var[j] += (v - mean[j]).powi(2) / n);
        }
        let std = var
            .into_iter()
            .map(|v| if v > 1e-12 { v.sqrt() } else { 1.0 })
            .collect();
        Self { mean, std }
    }

    pub fn apply(&self, row: &[f64]) -> Vec<f64> {
        row.iter()
            .enumerate()
            .map(|(j, v)| (v - self.mean[j]) / self.std[j])
            .collect()
    }
}

/// How much one feature moves a model's score, and which way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureWeight {
    pub feature: String,
    pub weight: f64,
    /// A higher value raises the score.
    pub raises: bool,
}

/// A fitted logistic regression over standardized features; kept as plain numbers, so it
/// persists as JSON and explains itself (coefficient × standardized value per feature).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    pub scaler: Standardizer,
    pub coef: Vec<f64>,
    pub intercept: f64,
}

/// The logistic model's inputs: each feature as it is and as `ln(1 + |x|)` with its sign, so
/// heavy-tailed counts and amounts (revenue, orders, days) can act on a log scale too.
fn expand(row: &[f64]) -> Vec<f64> {
    row.iter()
        .copied()
        .chain(row.iter().map(|x| x.signum() * x.abs().ln_1p()))
        .collect()
}

/// L2 penalty (smartcore's `alpha`: ½·alpha·‖w‖² added to the summed log-loss, the same
/// objective as scikit-learn's default `C = 1`).
const ALPHA: f64 = 1.0;

fn matrix(x: &[Vec<f64>]) -> Result<DenseMatrix<f64>, ScoringError> {
    let (n, p) = (x.len(), x.first().map_or(0, Vec::len));
    let flat: Vec<f64> = x.iter().flat_map(|r| r.iter().copied()).collect();
    DenseMatrix::new(n, p, flat, false).map_err(|e| ScoringError::Fit(e.to_string()))
}

fn classes(y: &[bool]) -> Vec<i32> {
    y.iter().map(|&b| i32::from(b)).collect()
}

impl Logistic {
    pub fn fit(x: &[Vec<f64>], y: &[bool]) -> Result<Self, ScoringError> {
        let x: Vec<Vec<f64>> = x.iter().map(|r| expand(r)).collect();
        let scaler = Standardizer::fit(&x);
        let z: Vec<Vec<f64>> = x.iter().map(|r| scaler.apply(r)).collect();
        let m = matrix(&z)?;
        let params = LogisticRegressionParameters::default().with_alpha(ALPHA);
        let lr = LogisticRegression::fit(&m, &classes(y), params)
            .map_err(|e| ScoringError::Fit(e.to_string()))?;
        let p = z[0].len();
        let coef = (0..p).map(|j| *lr.coefficients().get((0, j))).collect();
        Ok(Self {
            scaler,
            coef,
            intercept: *lr.intercept().get((0, 0)),
        })
    }

    /// Each feature's contribution to the linear score: coefficient × standardized value, its
    /// raw and its logarithmic term added together.
    pub fn contributions(&self, row: &[f64]) -> Vec<f64> {
        let terms: Vec<f64> = self
            .scaler
            .apply(&expand(row))
            .iter()
            .zip(&self.coef)
            .map(|(z, c)| z * c)
            .collect();
        (0..row.len())
            .map(|j| terms[j] + terms[row.len() + j])
            .collect()
    }

    /// The `k` features that move the score most: |coefficient| of the raw and the logarithmic
    /// term together (the inputs are standardized, so weights compare across features), with the
    /// direction the raw term pushes.
    pub fn top_features(&self, names: &[String], k: usize) -> Vec<FeatureWeight> {
        let p = self.coef.len() / 2;
        let mut out: Vec<FeatureWeight> = names
            .iter()
            .take(p)
            .enumerate()
            .map(|(j, name)| FeatureWeight {
                feature: name.clone(),
                weight: self.coef[j].abs() + self.coef[p + j].abs(),
                raises: self.coef[j] + self.coef[p + j] >= 0.0,
            })
            .collect();
        out.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then_with(|| a.feature.cmp(&b.feature))
        });
        out.truncate(k);
        out
    }

    pub fn probability(&self, row: &[f64]) -> f64 {
        let s: f64 = self.intercept + self.contributions(row).iter().sum::<f64>();
        1.0 / (1.0 + (-s).exp())
    }
}

type Tree = RandomForestClassifier<f64, i32, DenseMatrix<f64>, Vec<i32>>;

/// A random forest whose probability is the share of trees voting positive, mapped through a
/// Platt calibration fitted on held-out rows when it has one. Serializes with every tree
/// (smartcore's `serde` feature), so a stored forest scores again after a restart.
#[derive(Debug, Serialize, Deserialize)]
pub struct Forest {
    trees: Vec<Tree>,
    /// Absent in forests stored before calibration existed: they score with raw vote shares.
    #[serde(default)]
    calibration: Option<Platt>,
    /// The trees laid flat for scoring, built on first use (`None` if smartcore's form is not
    /// what [`FlatForest`] reads: scoring then walks smartcore's trees).
    #[serde(skip)]
    flat: std::sync::OnceLock<Option<FlatForest>>,
}

/// Forest settings.
#[derive(Debug, Clone, Copy)]
pub struct ForestParams {
    pub trees: u16,
    pub min_samples_leaf: usize,
    pub max_depth: u16,
    pub seed: u64,
}

impl Forest {
    pub fn fit(x: &[Vec<f64>], y: &[bool], fp: ForestParams) -> Result<Self, ScoringError> {
        let m = matrix(x)?;
        let y = classes(y);
        // Each tree is its own fit: rayon spreads them over the cores.
        let trees = (0..fp.trees)
            .into_par_iter()
            .map(|k| {
                let params = RandomForestClassifierParameters::default()
                    .with_n_trees(1)
                    .with_min_samples_leaf(fp.min_samples_leaf)
                    .with_max_depth(fp.max_depth)
                    .with_seed(fp.seed.wrapping_add(u64::from(k)));
                Tree::fit(&m, &y, params).map_err(|e| ScoringError::Fit(e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            trees,
            calibration: None,
            flat: Default::default(),
        })
    }

    pub fn trees(&self) -> usize {
        self.trees.len()
    }

    /// Map vote shares through `calibration` from now on.
    pub fn calibrate(&mut self, calibration: Option<Platt>) {
        self.calibration = calibration;
    }

    /// Probabilities for many rows at once: the calibrated vote shares.
    pub fn probabilities(&self, x: &[Vec<f64>]) -> Result<Vec<f64>, ScoringError> {
        let votes = self.votes(x)?;
        Ok(match &self.calibration {
            Some(c) => votes.into_iter().map(|v| c.apply(v)).collect(),
            None => votes,
        })
    }

    /// Vote shares for many rows at once.
    pub fn votes(&self, x: &[Vec<f64>]) -> Result<Vec<f64>, ScoringError> {
        let Some(flat) = self.flat.get_or_init(|| FlatForest::of(&self.trees)) else {
            return self.smartcore_votes(x);
        };
        let n = self.trees.len().max(1) as f64;
        Ok(flat
            .votes(x)
            .into_iter()
            .map(|v| f64::from(v) / n)
            .collect())
    }

    /// Vote shares as smartcore's own trees give them.
    pub(super) fn smartcore_votes(&self, x: &[Vec<f64>]) -> Result<Vec<f64>, ScoringError> {
        let m = matrix(x)?;
        let votes = self
            .trees
            .par_iter()
            .map(|t| t.predict(&m).map_err(|e| ScoringError::Fit(e.to_string())))
            .try_fold(
                || vec![0u32; x.len()],
                |mut votes, pred| {
                    votes
                        .iter_mut()
                        .zip(pred?)
                        .for_each(|(v, p)| *v += p as u32);
                    Ok::<_, ScoringError>(votes)
                },
            )
            .try_reduce(
                || vec![0u32; x.len()],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(v, w)| *v += w);
                    Ok(a)
                },
            )?;
        let n = self.trees.len().max(1) as f64;
        Ok(votes.into_iter().map(|v| f64::from(v) / n).collect())
    }
}

/// A fitted model of either family; stored as JSON with the model version.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "family", content = "model", rename_all = "snake_case")]
pub enum Model {
    Logistic(Logistic),
    Forest(Forest),
}

impl Model {
    pub fn kind(&self) -> ModelKind {
        match self {
            Self::Logistic(_) => ModelKind::LogisticRegression,
            Self::Forest(_) => ModelKind::RandomForest,
        }
    }

    /// Probabilities of the positive label, one per row.
    pub fn probabilities(&self, x: &[Vec<f64>]) -> Result<Vec<f64>, ScoringError> {
        if x.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Self::Logistic(m) => Ok(x.par_iter().map(|r| m.probability(r)).collect()),
            Self::Forest(f) => f.probabilities(x),
        }
    }
}
