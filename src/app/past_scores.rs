//! What backtests read of the past: each behavioural model's scores as of each backtest date,
//! from the score history (`score_history`: scores kept per re-score instant, compactly; see
//! [`crate::domain::scoring::history`]), which training and every re-score fill for the coming
//! backtest dates, so a full preview never scores every customer again; and who was a customer
//! at each date with what all of them did next, the same for every definition. Both are kept in
//! memory over the current in-memory copy of the data. A date missing from the history (an
//! as-of date no re-score has seen) is scored once, kept in the history, and read from then on.

use std::sync::{Arc, Mutex, OnceLock, Weak};

use chrono::Days;

use super::{App, AppError};
use crate::domain::columnar::{Column, Table};
use crate::domain::scoring::backtest::{
    Behaviour, CHURN_DAYS, DAYS_BEFORE, FOLLOW_DAYS, Span, behaviour, known_at,
};
use crate::domain::scoring::history::{Snapshot, snapshot_at};
use crate::domain::scoring::{FeatureSpec, Task};
use crate::domain::time::AsOf;
use crate::store::ModelRecord;

/// How many (model version, instant) entries are kept in memory: two behavioural models times
/// three backtest dates, for two as-of dates. Each is three columns over every customer.
const KEPT: usize = 12;

/// A stored behavioural model whose scores a definition reads, as of each backtest date.
pub(super) struct Replay {
    pub attribute: String,
    pub version: i64,
    pub task: Task,
    pub spec: FeatureSpec,
    /// The stored record; its model is parsed only to score a date the history lacks.
    pub record: ModelRecord,
}

/// The score, tier and decile columns of one model as of one instant.
pub(super) type ScoreColumns = Arc<Vec<(String, Column)>>;

type Key = (String, i64, i64);
type Slot = Arc<tokio::sync::OnceCell<ScoreColumns>>;

/// Who was a customer at a backtest date, and what all of them did next.
pub(super) type Known = Arc<(Vec<bool>, Behaviour)>;
type KnownSlot = Arc<OnceLock<Known>>;

/// Past scores over the current in-memory copy; everything is dropped when the copy changes.
#[derive(Default)]
pub(super) struct PastScores {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// The copy the entries were computed on (weak: a reloaded copy is not kept alive here, and
    /// its address is not reused while this points at it).
    table: Weak<Table>,
    /// Oldest first.
    slots: Vec<(Key, Slot)>,
    /// By the date's instant and its churn window's end; oldest first.
    known: Vec<((i64, Option<i64>), KnownSlot)>,
}

impl Inner {
    /// Drop what was kept for another copy of the data.
    fn follow(&mut self, table: &Arc<Table>) {
        if !std::ptr::eq(self.table.as_ptr(), Arc::as_ptr(table)) {
            *self = Inner {
                table: Arc::downgrade(table),
                slots: Vec::new(),
                known: Vec::new(),
            };
        }
    }
}

impl PastScores {
    fn slot(&self, table: &Arc<Table>, key: Key) -> Slot {
        let mut inner = self.inner.lock().expect("past scores lock");
        inner.follow(table);
        if let Some((_, s)) = inner.slots.iter().find(|(k, _)| *k == key) {
            return s.clone();
        }
        if inner.slots.len() >= KEPT {
            inner.slots.remove(0);
        }
        let s = Slot::default();
        inner.slots.push((key, s.clone()));
        s
    }

    /// Who was a customer at `span.at` and how all of them behaved after it: the same for
    /// every definition, so counted once per date. Blocking: call it from a blocking thread,
    /// never from inside a rayon task (a task waiting here could be the one computing it).
    pub fn known(&self, table: &Arc<Table>, span: &Span) -> Known {
        let slot = {
            let mut inner = self.inner.lock().expect("past scores lock");
            inner.follow(table);
            let key = (span.at, span.churn_until);
            match inner.known.iter().find(|(k, _)| *k == key) {
                Some((_, s)) => s.clone(),
                None => {
                    if inner.known.len() >= KEPT {
                        inner.known.remove(0);
                    }
                    let s = KnownSlot::default();
                    inner.known.push((key, s.clone()));
                    s
                }
            }
        };
        slot.get_or_init(|| {
            let known = known_at(table, span);
            let all = behaviour(table, &known, span);
            Arc::new((known, all))
        })
        .clone()
    }

    /// Count every backtest date's customers of `as_of` (on the calling thread).
    pub fn warm_known(&self, table: &Arc<Table>, as_of: AsOf) {
        for days in DAYS_BEFORE {
            let past = AsOf::new(as_of.date() - Days::new(days.into()), as_of.tz());
            self.known(table, &span_of(days, &past));
        }
    }
}

impl App {
    /// A model's score columns as of `at` over `table`: kept in memory, else read from the score
    /// history; else scored once with the stored model and kept in the history (concurrent
    /// callers wait for the same work). With `score` false, `None` instead of scoring.
    pub(super) async fn past_columns(
        &self,
        table: &Arc<Table>,
        r: &Replay,
        at: i64,
        score: bool,
    ) -> Result<Option<ScoreColumns>, AppError> {
        let slot = self
            .past_scores
            .slot(table, (r.attribute.clone(), r.version, at));
        if let Some(c) = slot.get() {
            return Ok(Some(c.clone()));
        }
        if !score && !self.history_instants(r).await?.contains(&at) {
            return Ok(None);
        }
        let columns = slot
            .get_or_try_init(|| self.read_or_score(table, r, at))
            .await?;
        Ok(Some(columns.clone()))
    }

    async fn history_instants(&self, r: &Replay) -> Result<Vec<i64>, AppError> {
        Ok(self
            .store
            .score_history_instants(&r.attribute, r.version)
            .await?)
    }

    /// The kept scores of `at`, or the model's scores computed now and kept.
    async fn read_or_score(
        &self,
        table: &Arc<Table>,
        r: &Replay,
        at: i64,
    ) -> Result<ScoreColumns, AppError> {
        if let Some(bytes) = self
            .store
            .score_history(&r.attribute, r.version, at)
            .await?
        {
            let (t, task, attr) = (table.clone(), r.task.clone(), r.attribute.clone());
            let read = tokio::task::spawn_blocking(move || {
                Snapshot::decode(&bytes).map(|s| s.columns(&t, &task, &attr))
            })
            .await
            .map_err(|e| AppError::TaskFailed(format!("reading kept scores failed: {e}")))?;
            match read {
                Ok(Some(columns)) => return Ok(Arc::new(columns)),
                Ok(None) => {
                    tracing::warn!(model = %r.attribute, at, "kept scores name customers not in the data: scored again")
                }
                Err(e) => {
                    tracing::warn!(model = %r.attribute, at, error = %e, "kept scores unreadable: scored again")
                }
            }
        }
        let snapshot = self.score_and_keep(table, r, at).await?;
        let columns = snapshot.columns(table, &r.task, &r.attribute);
        Ok(Arc::new(columns.ok_or_else(|| {
            AppError::Inconsistent("scores computed on another copy of the data".into())
        })?))
    }

    /// Score every customer with the stored model as of `at` and keep the result in the score
    /// history.
    async fn score_and_keep(
        &self,
        table: &Arc<Table>,
        r: &Replay,
        at: i64,
    ) -> Result<Snapshot, AppError> {
        let model = self.parsed_model(&r.record).await?.ok_or_else(|| {
            AppError::StoredDataUnreadable(format!(
                "model {} v{} stored without its forest",
                r.attribute, r.version
            ))
        })?;
        let (t, task, spec) = (table.clone(), r.task.clone(), r.spec.clone());
        let started = std::time::Instant::now();
        let snapshot =
            tokio::task::spawn_blocking(move || snapshot_at(&t, &task, &spec, &model, at))
                .await
                .map_err(|e| AppError::TaskFailed(format!("scoring task failed: {e}")))??;
        tracing::info!(model = %r.attribute, version = r.version, at, ms = started.elapsed().as_millis() as u64, "scores of a past date computed and kept");
        self.keep_snapshot(&r.attribute, r.version, at, &snapshot)
            .await?;
        Ok(snapshot)
    }

    /// Keep one model version's scores as of `at` in the score history.
    pub(super) async fn keep_snapshot(
        &self,
        task: &str,
        version: i64,
        at: i64,
        s: &Snapshot,
    ) -> Result<(), AppError> {
        let bytes = s.encode();
        Ok(self
            .store
            .save_score_history(task, version, at, s.ids.len(), bytes)
            .await?)
    }

    /// Keep every behavioural model's scores of each backtest date of `as_of` that the score
    /// history lacks (after training and re-scoring), so previews read them.
    pub(super) async fn keep_backtest_history(
        &self,
        table: &Arc<Table>,
        as_of: AsOf,
    ) -> Result<(), AppError> {
        for r in self.replays(|_| true).await? {
            let kept = self.history_instants(&r).await?;
            for days in DAYS_BEFORE {
                let at = AsOf::new(as_of.date() - Days::new(days.into()), as_of.tz()).end();
                if !kept.contains(&at) {
                    self.score_and_keep(table, &r, at).await?;
                }
            }
        }
        Ok(())
    }

    /// After a load: read the backtest dates' kept scores of the current as-of date into memory
    /// (missing ones are left to the first preview that needs them), and count each date's
    /// customers in the background.
    pub(super) async fn warm_past_scores(&self, table: Arc<Table>) -> Result<(), AppError> {
        let as_of = self.as_of(None)?;
        let past = self.past_scores.clone();
        let t = table.clone();
        tokio::task::spawn_blocking(move || past.warm_known(&t, as_of));
        for r in self.replays(|_| true).await? {
            for days in DAYS_BEFORE {
                let at = AsOf::new(as_of.date() - Days::new(days.into()), as_of.tz()).end();
                self.past_columns(&table, &r, at, false).await?;
            }
        }
        Ok(())
    }
}

/// The instants of the backtest date `past`, `days` before the as-of date.
pub(super) fn span_of(days: u32, past: &AsOf) -> Span {
    let later = |n: u32| AsOf::new(past.date() + Days::new(n.into()), past.tz()).end();
    Span {
        at: past.end(),
        day: past.day(),
        bought_until: later(FOLLOW_DAYS),
        churn_until: (days >= CHURN_DAYS).then(|| later(CHURN_DAYS)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::columnar::MISSING;
    use crate::domain::scoring::backtest::score_columns_at;
    use crate::domain::scoring::features::orders_table;
    use crate::domain::scoring::{Logistic, Model};

    const D: i64 = 86_400;

    /// Every value of a column, comparable exactly (numbers by their bits).
    fn values(c: &Column) -> Vec<String> {
        match c {
            Column::Num(v) => v.iter().map(|x| format!("{:x}", x.to_bits())).collect(),
            Column::Text { codes, dict } => codes
                .iter()
                .map(|&k| {
                    if k == MISSING {
                        "-".into()
                    } else {
                        dict[k as usize].clone()
                    }
                })
                .collect(),
        }
    }

    /// Customers ordering on different days, and a logistic model fitted on them.
    fn setup() -> (Table, Task, FeatureSpec, Model) {
        let rows = (0..40)
            .flat_map(|c: i64| {
                (0..=c % 5).map(move |k| {
                    (
                        format!("c{c:02}"),
                        (10 + c + 17 * k) * D,
                        10.0 + c as f64,
                        None,
                    )
                })
            })
            .collect();
        let t = orders_table(rows);
        let spec = FeatureSpec::from_table(&t, &|_| false);
        let f = spec.compute(&t, (0..t.len()).collect(), 100 * D);
        let y: Vec<bool> = (0..t.len()).map(|r| r % 3 == 0).collect();
        let model = Model::Logistic(Logistic::fit(&f.values, &y).unwrap());
        (t, Task::churn(30), spec, model)
    }

    #[test]
    fn scores_read_from_the_history_equal_the_scores_computed_again() {
        let (t, task, spec, model) = setup();
        for at in [40 * D, 70 * D, 100 * D] {
            let rescored = score_columns_at(&t, &task, &spec, &model, "churn_risk", at).unwrap();
            let kept = snapshot_at(&t, &task, &spec, &model, at).unwrap().encode();
            let read = Snapshot::decode(&kept)
                .unwrap()
                .columns(&t, &task, "churn_risk")
                .expect("the same customers");
            assert_eq!(read.len(), rescored.len());
            for ((name, a), (name2, b)) in read.iter().zip(&rescored) {
                assert_eq!(name, name2);
                assert_eq!(values(a), values(b), "{name} as of day {}", at / D);
            }
            assert!(
                values(&read[0].1)
                    .iter()
                    .any(|v| v != &format!("{:x}", f64::NAN.to_bits())),
                "someone scored"
            );
        }
    }

    #[test]
    fn kept_scores_naming_a_customer_not_in_the_data_are_not_used() {
        let (t, task, spec, model) = setup();
        let mut s = snapshot_at(&t, &task, &spec, &model, 100 * D).unwrap();
        s.ids.push(t.ids[t.len() - 1] + 1);
        s.scores.push(0.5);
        s.deciles.push(1);
        assert!(s.columns(&t, &task, "churn_risk").is_none());
    }
}
