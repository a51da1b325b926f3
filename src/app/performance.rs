//! Predicted performance of an audience (the sum of its members' scores next to the base rate,
//! the expected hits of each cut on a score, the members' score distribution) and its backtest
//! (the same definition as of D − 30, D − 60 and D − 90, and what those audiences did next).
//! Every full preview carries this section; the arithmetic is in `domain::scoring`, this module
//! gathers the members and dates. Members come from the in-memory engine when it can evaluate
//! the definition, else from SQL.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::Days;
use rayon::prelude::*;

use super::past_scores::{PastScores, Replay, ScoreColumns, span_of};
use super::{App, AppError};
use crate::domain::catalog::Source;
use crate::domain::columnar::eval::{Engine, and};
use crate::domain::columnar::{Column, Table};
use crate::domain::definition::Definition;
use crate::domain::pred::{Expr, Pred, Test};
use crate::domain::preview::Preview;
use crate::domain::scoring::backtest::{self, Backtest, CHURN_DAYS, DAYS_BEFORE, FOLLOW_DAYS};
use crate::domain::scoring::performance::{
    CutOutcome, Performance, cut_outcome, performance, score_column,
};
use crate::domain::scoring::{
    FeatureSpec, ScoringError, Task, TaskKind, decile_attribute, tier_attribute,
};
use crate::domain::time::AsOf;
use crate::domain::validate::ValidDefinition;

/// Factors shown per score for each sample member.
const SAMPLE_FACTORS: usize = 3;

const BACKTEST_NOTE: &str = "Each date re-evaluates the definition on the orders and events up to that date; churn and purchase-propensity scores are recomputed by their stored model from the data up to that date; other customer attributes (label-model scores included) keep their current values.";

impl App {
    /// The predicted performance and backtest of a definition's audience (any signed-in role).
    pub async fn predicted_performance(
        &self,
        def: &Definition,
        as_of: AsOf,
        actor: &super::Actor,
    ) -> Result<Performance, AppError> {
        actor.allow(crate::domain::access::Permission::Read)?;
        let vd = self.validate(def, as_of).await?;
        let table = self.table_or_load().await?;
        let pending = self.start_backtest(def, table.clone(), as_of).await?;
        let members = self.members_mask(&table, def, &vd).await?;
        self.performance_of(&table, &vd, &members, pending).await
    }

    /// The in-memory copy when the server keeps one, else the data loaded for this call.
    async fn table_or_load(&self) -> Result<Arc<Table>, AppError> {
        Ok(match self.table_waiting().await? {
            Some(t) => t,
            None => Arc::new(self.store.load_table().await?),
        })
    }

    /// The audience as a mask over table rows.
    async fn members_mask(
        &self,
        table: &Table,
        def: &Definition,
        vd: &ValidDefinition,
    ) -> Result<Vec<bool>, AppError> {
        let engine = Engine::new(table, vd.as_of());
        if engine.supports(vd.root()) {
            return Ok(engine.mask(vd.root(), &engine.thresholds(vd)));
        }
        let row: HashMap<&str, usize> = table
            .external_ids
            .iter()
            .enumerate()
            .map(|(i, e)| (e.as_str(), i))
            .collect();
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<crate::store::MemberRow>>(8);
        let export = self.members_to(def, vd.as_of(), false, tx);
        let mut mask = vec![false; table.len()];
        let collect = async {
            while let Some(chunk) = rx.recv().await {
                chunk
                    .iter()
                    .filter_map(|m| row.get(m.external_id.as_str()))
                    .for_each(|&r| mask[r] = true);
            }
        };
        let (done, ()) = tokio::join!(export, collect);
        done?;
        Ok(mask)
    }

    /// Scores, cuts, distribution and backtest for an audience already evaluated.
    async fn performance_of(
        &self,
        table: &Table,
        vd: &ValidDefinition,
        members: &[bool],
        pending: PendingBacktest,
    ) -> Result<Performance, AppError> {
        let mut p = performance(table, members, vd.as_of().end());
        p.cuts = score_cuts(table, vd, members);
        p.backtest = pending.result().await?;
        Ok(p)
    }

    /// Add the performance section and the sample members' scores to a full preview.
    /// `pending`: its backtest, when the caller started it earlier.
    pub(super) async fn add_performance(
        &self,
        def: &Definition,
        vd: &ValidDefinition,
        members: Option<&[bool]>,
        out: &mut Preview,
        pending: Option<PendingBacktest>,
    ) -> Result<(), AppError> {
        let table = self.table_or_load().await?;
        let pending = match pending {
            Some(p) => p,
            None => self.start_backtest(def, table.clone(), vd.as_of()).await?,
        };
        let owned;
        let members = match members {
            Some(m) => m,
            None => {
                owned = self.members_mask(&table, def, vd).await?;
                &owned
            }
        };
        out.performance = Some(self.performance_of(&table, vd, members, pending).await?);
        let wanted: HashMap<&str, usize> = out
            .sample
            .iter()
            .enumerate()
            .map(|(j, m)| (m.external_id.as_str(), j))
            .collect();
        let mut rows = vec![usize::MAX; out.sample.len()];
        for (r, e) in table.external_ids.iter().enumerate() {
            if let Some(&j) = wanted.get(e.as_str()) {
                rows[j] = r;
            }
        }
        let found: Vec<usize> = rows.iter().copied().filter(|&r| r != usize::MAX).collect();
        let mut scores = self
            .row_scores(&table, &found, SAMPLE_FACTORS)
            .await?
            .into_iter();
        for (m, _) in out
            .sample
            .iter_mut()
            .zip(&rows)
            .filter(|(_, r)| **r != usize::MAX)
        {
            m.scores = scores.next().unwrap_or_default();
        }
        Ok(())
    }

    /// Start the backtest of `def`: the definition as of D − 30, D − 60 and D − 90 and what
    /// those audiences did next (`None` when the in-memory engine cannot evaluate it). The dates
    /// are validated here, then evaluated side by side on the blocking pool while the caller
    /// computes the rest of the preview.
    pub(super) async fn start_backtest(
        &self,
        def: &Definition,
        table: Arc<Table>,
        as_of: AsOf,
    ) -> Result<PendingBacktest, AppError> {
        let mut dates = Vec::new();
        for days in DAYS_BEFORE {
            let date = as_of.date() - Days::new(days.into());
            let past = AsOf::new(date, as_of.tz());
            let vd = self.validate(def, past).await?;
            if !Engine::new(&table, past).supports(vd.root()) {
                return Ok(PendingBacktest(None));
            }
            dates.push((days, past, vd));
        }
        let replays = match dates.first() {
            Some((_, _, vd)) => {
                let mut read = HashSet::new();
                attributes_read(vd.root(), &mut read);
                if read.is_empty() {
                    Vec::new()
                } else {
                    self.replays(|m| read.contains(m)).await?
                }
            }
            None => Vec::new(),
        };
        // Each date's scores from the score history (kept in memory after the first read).
        let mut scores = Vec::with_capacity(dates.len());
        for (_, past, _) in &dates {
            let mut columns = Vec::with_capacity(replays.len());
            for r in &replays {
                let c = self.past_columns(&table, r, past.end(), true).await?;
                columns.extend(c);
            }
            scores.push(columns);
        }
        let past = self.past_scores.clone();
        Ok(PendingBacktest(Some(tokio::task::spawn_blocking(
            move || backtest_windows(&table, &past, &dates, &scores),
        ))))
    }

    /// The churn and propensity models whose scores (or tiers or deciles) `reads` names.
    /// Label models are left out: their features are custom attributes, known only as they are now.
    pub(super) async fn replays(
        &self,
        reads: impl Fn(&str) -> bool,
    ) -> Result<Vec<Replay>, AppError> {
        let mut out = Vec::new();
        for m in self.latest_models().await? {
            if ![
                m.task.clone(),
                tier_attribute(&m.task),
                decile_attribute(&m.task),
            ]
            .iter()
            .any(|n| reads(n))
            {
                continue;
            }
            let bad = |e: serde_json::Error| {
                AppError::StoredDataUnreadable(format!(
                    "stored model {} v{}: {e}",
                    m.task, m.version
                ))
            };
            let task: Task = serde_json::from_str(&m.task_spec).map_err(bad)?;
            if matches!(task.kind, TaskKind::Label { .. }) {
                continue;
            }
            // A forest stored before forests were cannot score its past.
            if self.parsed_model(&m).await?.is_none() {
                continue;
            }
            let spec: FeatureSpec = serde_json::from_str(&m.features).map_err(bad)?;
            out.push(Replay {
                attribute: m.task.clone(),
                version: m.version,
                task,
                spec,
                record: m,
            });
        }
        Ok(out)
    }
}

/// The custom attributes (scores included) a predicate reads.
fn attributes_read(p: &Pred, out: &mut HashSet<String>) {
    match p {
        Pred::All { of } | Pred::Any { of } => of.iter().for_each(|x| attributes_read(x, out)),
        Pred::Not { of } => attributes_read(of, out),
        Pred::Test {
            expr: Expr::Field(f),
            ..
        }
        | Pred::Percentile { field: f, .. } => {
            if let Source::Attribute(a) = &f.source {
                out.insert(a.to_string());
            }
        }
        Pred::Test {
            expr: Expr::Agg(_), ..
        } => {}
    }
}

/// A backtest being computed; `None` when the in-memory engine cannot evaluate the definition.
pub(super) struct PendingBacktest(Option<tokio::task::JoinHandle<Result<Backtest, ScoringError>>>);

impl PendingBacktest {
    async fn result(self) -> Result<Option<Backtest>, AppError> {
        match self.0 {
            Some(h) => Ok(Some(h.await.map_err(|e| {
                AppError::TaskFailed(format!("backtest failed: {e}"))
            })??)),
            None => Ok(None),
        }
    }
}

/// Each date's audience (evaluated as of that date, with the scores of that date: `scores`, one
/// list per date) and what it did next, dates in parallel. The kept customers of each date are
/// fetched first, outside the parallel part (see [`PastScores::known`]).
fn backtest_windows(
    table: &Arc<Table>,
    past_scores: &PastScores,
    dates: &[(u32, AsOf, ValidDefinition)],
    scores: &[Vec<ScoreColumns>],
) -> Result<Backtest, ScoringError> {
    let kept: Vec<_> = dates
        .iter()
        .map(|(days, as_of, _)| {
            let span = span_of(*days, as_of);
            (past_scores.known(table, &span), span)
        })
        .collect();
    let windows = dates
        .par_iter()
        .zip(&kept)
        .zip(scores)
        .map(|(((days, past, vd), (known, span)), columns)| {
            let replaced: HashMap<&str, &Column> = columns
                .iter()
                .flat_map(|c| c.iter())
                .map(|(name, col)| (name.as_str(), col))
                .collect();
            let engine = Engine::with_columns(table, *past, &replaced);
            let mask = engine.mask(vd.root(), &engine.thresholds(vd));
            backtest::window_against(
                table,
                &and(mask, &known.0),
                known.1.clone(),
                span,
                *days,
                past.date().to_string(),
            )
        })
        .collect();
    Ok(Backtest {
        follow_days: FOLLOW_DAYS,
        churn_days: CHURN_DAYS,
        windows,
        note: BACKTEST_NOTE.into(),
    })
}

/// The expected outcome of every test on a trained score in the definition's `all`/`any` tree
/// (a test under `not` selects the customers who fail it, so it is no cut on the score).
fn score_cuts(table: &Table, vd: &ValidDefinition, members: &[bool]) -> Vec<CutOutcome> {
    let mut tests = Vec::new();
    collect_score_tests(table, vd.root(), &mut tests);
    let engine = Engine::new(table, vd.as_of());
    tests
        .into_iter()
        .filter_map(|pred| {
            let Pred::Test {
                expr: Expr::Field(f),
                test,
            } = pred
            else {
                return None;
            };
            let p = score_column(table, &f.name)?;
            let passes = engine.mask(pred, &[]);
            Some(cut_outcome(
                &f.name,
                format!("{} {}", f.name, describe_test(test)?),
                p,
                members,
                &passes,
            ))
        })
        .collect()
}

fn collect_score_tests<'p>(table: &Table, p: &'p Pred, out: &mut Vec<&'p Pred>) {
    match p {
        Pred::All { of } | Pred::Any { of } => {
            of.iter().for_each(|x| collect_score_tests(table, x, out))
        }
        Pred::Test {
            expr: Expr::Field(f),
            ..
        } if is_score(&f.name) && score_column(table, &f.name).is_some() => out.push(p),
        _ => {}
    }
}

/// The behavioural scores and the label models' `COLUMN_propensity`.
fn is_score(name: &str) -> bool {
    name == "churn_risk" || name.ends_with("_propensity")
}

/// A numeric test in symbols (`≥ 0.6`); `None` for tests that are not cuts on a number.
fn describe_test(t: &Test) -> Option<String> {
    match t {
        Test::Cmp { op, value } => {
            let sym = op.symbol();
            Some(format!("{sym} {}", value.as_f64()?))
        }
        Test::Between { lo, hi } => Some(format!("between {} and {}", lo.as_f64()?, hi.as_f64()?)),
        _ => None,
    }
}
