//! The three prediction tasks and how each builds its training set and its scoring set from a
//! [`Table`]: churn and purchase propensity by time travel, and a business label column.

use serde::{Deserialize, Serialize};

use super::super::columnar::{Column, Table};
use super::ScoringError;
use super::features::{FeatureSpec, buyers_at, ordered_between};
use super::model::{Forest, Logistic};
use super::train::Dataset;

/// What is predicted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TaskKind {
    /// A customer with an order makes no order in the next `horizon_days`.
    Churn { horizon_days: u32 },
    /// At least one order in the next `horizon_days`.
    Propensity { horizon_days: u32 },
    /// A boolean custom attribute is true.
    Label { column: String },
}

/// A task with the attribute its scores are stored under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub kind: TaskKind,
}

/// One reason behind a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    pub feature: String,
    pub value: f64,
    /// Share of the linear score (logistic coefficient × standardized value); positive raises it.
    pub contribution: f64,
}

/// A customer's score from one model version, with the top factors behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerScore {
    pub task: String,
    pub version: i64,
    pub score: f64,
    pub tier: &'static str,
    pub factors: Vec<Factor>,
}

/// Score attribute names written by the behavioural tasks.
pub const SCORE_ATTRIBUTES: [&str; 2] = ["churn_risk", "purchase_propensity"];

impl Task {
    pub fn churn(horizon_days: u32) -> Self {
        Self {
            kind: TaskKind::Churn { horizon_days },
        }
    }

    pub fn propensity(horizon_days: u32) -> Self {
        Self {
            kind: TaskKind::Propensity { horizon_days },
        }
    }

    pub fn label(column: &str) -> Self {
        Self {
            kind: TaskKind::Label {
                column: column.to_string(),
            },
        }
    }

    /// The custom attribute the score is stored as (`churn_risk`, `purchase_propensity`,
    /// `COLUMN_propensity`).
    pub fn attribute(&self) -> String {
        match &self.kind {
            TaskKind::Churn { .. } => "churn_risk".into(),
            TaskKind::Propensity { .. } => "purchase_propensity".into(),
            TaskKind::Label { column } => format!("{column}_propensity"),
        }
    }

    /// The horizon, for behavioural tasks.
    pub fn horizon_days(&self) -> Option<u32> {
        match self.kind {
            TaskKind::Churn { horizon_days } | TaskKind::Propensity { horizon_days } => {
                Some(horizon_days)
            }
            TaskKind::Label { .. } => None,
        }
    }

    /// `(medium from, high from)`: tier cut-offs of the probability.
    pub fn tier_cuts(&self) -> (f64, f64) {
        match self.kind {
            TaskKind::Propensity { .. } => (0.2, 0.5),
            _ => (0.3, 0.6),
        }
    }

    pub fn tier(&self, p: f64) -> &'static str {
        let (m, h) = self.tier_cuts();
        if p >= h {
            "high"
        } else if p >= m {
            "medium"
        } else {
            "low"
        }
    }

    /// Whether a column must not be a feature: any score, any tier, the label itself.
    pub fn excludes(&self, column: &str) -> bool {
        let label = matches!(&self.kind, TaskKind::Label { column: c } if c == column);
        label
            || SCORE_ATTRIBUTES.contains(&column)
            || column.ends_with("_propensity")
            || column.ends_with("_tier")
            || column.ends_with("_decile")
    }

    /// The training population and its labels. Behavioural tasks: customers with an order at or
    /// before `train_at`, labelled by their orders in (`train_at`, `now`]. Label tasks: rows
    /// whose label is set.
    pub fn labelled(
        &self,
        t: &Table,
        train_at: i64,
        now: i64,
    ) -> Result<(Vec<usize>, Vec<bool>), String> {
        Ok(match &self.kind {
            TaskKind::Churn { .. } | TaskKind::Propensity { .. } => {
                let churn = matches!(self.kind, TaskKind::Churn { .. });
                let rows = buyers_at(t, train_at);
                let y = rows
                    .iter()
                    .map(|&r| ordered_between(t, r, train_at, now) != churn)
                    .collect();
                (rows, y)
            }
            TaskKind::Label { column } => {
                let v = label_column(t, column)?;
                (0..t.len())
                    .filter(|&r| v[r].is_finite())
                    .map(|r| (r, v[r] != 0.0))
                    .unzip()
            }
        })
    }

    /// The training set: features of the labelled rows as of `train_at` (behavioural tasks) or
    /// `now` (label tasks).
    pub fn dataset(
        &self,
        t: &Table,
        spec: &FeatureSpec,
        train_at: i64,
        now: i64,
    ) -> Result<Dataset, String> {
        let (rows, y) = self.labelled(t, train_at, now)?;
        Ok(self.dataset_of(t, spec, rows, y, train_at, now))
    }

    /// The training set of chosen labelled rows (a sample of [`Task::labelled`]).
    pub fn dataset_of(
        &self,
        t: &Table,
        spec: &FeatureSpec,
        rows: Vec<usize>,
        y: Vec<bool>,
        train_at: i64,
        now: i64,
    ) -> Dataset {
        let at = if matches!(self.kind, TaskKind::Label { .. }) {
            now
        } else {
            train_at
        };
        let f = spec.compute(t, rows, at);
        Dataset {
            names: f.names,
            x: f.values,
            y,
        }
    }

    /// The rows to score as of `now`: churn for customers with an order, propensity for every
    /// customer, a label model for rows whose label is blank.
    pub fn scoring_rows(&self, t: &Table, now: i64) -> Result<Vec<usize>, String> {
        Ok(match &self.kind {
            TaskKind::Churn { .. } => buyers_at(t, now),
            TaskKind::Propensity { .. } => (0..t.len()).collect(),
            TaskKind::Label { column } => {
                let v = label_column(t, column)?;
                (0..t.len()).filter(|&r| !v[r].is_finite()).collect()
            }
        })
    }
}

fn label_column<'a>(t: &'a Table, column: &str) -> Result<&'a [f64], String> {
    match t.columns.get(column) {
        Some(Column::Num(v)) if v.iter().all(|x| !x.is_finite() || *x == 0.0 || *x == 1.0) => Ok(v),
        Some(_) => Err(format!("`{column}` is not a boolean attribute")),
        None => Err(format!("no custom attribute `{column}`")),
    }
}

/// The attribute a score's tier (low / medium / high) is stored in, next to the score's own.
pub fn tier_attribute(attribute: &str) -> String {
    format!("{attribute}_tier")
}

/// The attribute a score's decile is stored in.
pub fn decile_attribute(attribute: &str) -> String {
    format!("{attribute}_decile")
}

/// Each score's decile among all of them: 1 for the highest 10%, 10 for the lowest. Each decile
/// holds a tenth of the customers, as "the top decile" promises: a forest's vote fractions tie
/// often (a sixth of the demo shares the top score), so ties at a boundary are split in
/// customer order (the input's), as ranking by first occurrence does.
pub fn deciles(scores: &[f64]) -> Vec<u8> {
    let n = scores.len();
    let mut order: Vec<usize> = (0..n).collect();
    // Stable: equal scores keep the input's order.
    order.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
    let mut out = vec![10u8; n];
    for (rank, &i) in order.iter().enumerate() {
        out[i] = 1 + (rank * 10 / n.max(1)) as u8;
    }
    out
}

/// The `k` features that move a forest's vote share for each row most, largest effect first.
/// A feature's contribution is the vote share of the row as it is minus the vote share with that
/// feature alone set to its training mean (`means`): positive when the customer's value raises
/// the score. Trees have no coefficients, so this asks the forest itself what each value does.
pub fn forest_factors(
    forest: &Forest,
    means: &[f64],
    names: &[String],
    rows: &[Vec<f64>],
    k: usize,
) -> Result<Vec<Vec<Factor>>, ScoringError> {
    let p = rows.first().map_or(0, Vec::len).min(means.len());
    // One matrix for all rows: each row, then the row with each feature replaced in turn.
    let probe: Vec<Vec<f64>> = rows
        .iter()
        .flat_map(|r| {
            std::iter::once(r.clone()).chain((0..p).map(move |j| {
                let mut m = r.clone();
                m[j] = means[j];
                m
            }))
        })
        .collect();
    let votes = forest.probabilities(&probe)?;
    Ok(rows
        .iter()
        .zip(votes.chunks(p + 1))
        .map(|(row, v)| {
            let mut f: Vec<Factor> = (0..p)
                .map(|j| Factor {
                    feature: names[j].clone(),
                    value: row[j],
                    contribution: v[0] - v[j + 1],
                })
                .collect();
            // A value the forest does not react to alone explains nothing.
            f.retain(|x| x.contribution != 0.0);
            f.sort_by(|a, b| {
                b.contribution
                    .abs()
                    .total_cmp(&a.contribution.abs())
                    .then_with(|| a.feature.cmp(&b.feature))
            });
            f.truncate(k);
            f
        })
        .collect())
}

/// The `k` features that move a customer's logistic score most, largest effect first.
pub fn top_factors(logistic: &Logistic, names: &[String], row: &[f64], k: usize) -> Vec<Factor> {
    let c = logistic.contributions(row);
    let mut idx: Vec<usize> = (0..c.len()).collect();
    idx.sort_by(|a, b| c[*b].abs().total_cmp(&c[*a].abs()));
    idx.into_iter()
        .take(k)
        .map(|j| Factor {
            feature: names[j].clone(),
            value: row[j],
            contribution: c[j],
        })
        .collect()
}

#[cfg(test)]
mod tests;
