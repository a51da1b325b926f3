//! Scores as they would have been at a past instant, for backtests: computed once per (model
//! version, instant) over one in-memory copy of the data and kept, instead of re-scoring every
//! customer once per backtest date in every full preview (seconds at a million customers). The
//! server computes the coming backtest dates' scores in the background after each load, so the
//! first preview of a score finds them too.

use std::sync::{Arc, Mutex, OnceLock, Weak};

use chrono::Days;

use crate::domain::columnar::{Column, Table};
use crate::domain::scoring::backtest::{DAYS_BEFORE, score_columns_at};
use crate::domain::scoring::{FeatureSpec, Model, ScoringError, Task};
use crate::domain::time::AsOf;

/// How many (model version, instant) entries are kept: two behavioural models times three
/// backtest dates, for two as-of dates. Each is three columns over every customer.
const KEPT: usize = 12;

/// A stored behavioural model whose scores a definition reads, to score again as of each
/// backtest date.
pub(super) struct Replay {
    pub attribute: String,
    pub version: i64,
    pub task: Task,
    pub spec: FeatureSpec,
    pub model: Arc<Model>,
}

/// The score, tier and decile columns of one model as of one instant.
pub(super) type ScoreColumns = Arc<Vec<(String, Column)>>;

type Key = (String, i64, i64);
type Slot = Arc<OnceLock<Result<ScoreColumns, ScoringError>>>;

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
}

impl PastScores {
    fn slot(&self, table: &Arc<Table>, key: Key) -> Slot {
        let mut inner = self.inner.lock().expect("past scores lock");
        if !std::ptr::eq(inner.table.as_ptr(), Arc::as_ptr(table)) {
            *inner = Inner { table: Arc::downgrade(table), slots: Vec::new() };
        }
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

    /// The model's score columns as of `at`, computed by the first caller and shared with the
    /// rest (who wait for it). Blocking: call it from a blocking thread, never from inside a
    /// rayon task (a task waiting here could be the one computing it).
    pub fn get(&self, table: &Arc<Table>, r: &Replay, at: i64) -> Result<ScoreColumns, ScoringError> {
        let slot = self.slot(table, (r.attribute.clone(), r.version, at));
        slot.get_or_init(|| {
            let started = std::time::Instant::now();
            let columns = score_columns_at(table, &r.task, &r.spec, &r.model, &r.attribute, at).map(Arc::new);
            tracing::info!(model = %r.attribute, version = r.version, at, ms = started.elapsed().as_millis() as u64, "backtest scores computed");
            columns
        })
        .clone()
    }

    /// Compute every backtest date's scores of `as_of` for each model (on the calling thread).
    pub fn warm(&self, table: &Arc<Table>, replays: &[Replay], as_of: AsOf) {
        for days in DAYS_BEFORE {
            let at = AsOf::new(as_of.date() - Days::new(days.into()), as_of.tz()).end();
            for r in replays {
                if let Err(e) = self.get(table, r, at) {
                    tracing::warn!(model = %r.attribute, error = %e, "backtest scores could not be computed ahead");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::scoring::Logistic;
    use crate::domain::scoring::features::orders_table;

    const D: i64 = 86_400;

    /// Twelve customers ordering on different days, and a logistic model fitted on them.
    fn setup() -> (Arc<Table>, Replay) {
        let rows = (0..12).flat_map(|c| (0..=c % 4).map(move |k| (format!("c{c:02}"), (10 + c + 20 * k) * D, 10.0 + c as f64, None))).collect();
        let t = Arc::new(orders_table(rows));
        let spec = FeatureSpec::from_table(&t, &|_| false);
        let f = spec.compute(&t, (0..t.len()).collect(), 100 * D);
        let y: Vec<bool> = (0..t.len()).map(|r| r % 3 == 0).collect();
        let model = Arc::new(Model::Logistic(Logistic::fit(&f.values, &y).unwrap()));
        (t, Replay { attribute: "churn_risk".into(), version: 1, task: Task::churn(30), spec, model })
    }

    #[test]
    fn a_date_is_scored_once_per_copy_and_again_for_a_new_copy() {
        let (t, r) = setup();
        let past = PastScores::default();
        let first = past.get(&t, &r, 90 * D).unwrap();
        let bits = |c: &[(String, Column)]| match &c[0].1 {
            Column::Num(v) => v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            Column::Text { .. } => Vec::new(),
        };
        let direct = score_columns_at(&t, &r.task, &r.spec, &r.model, &r.attribute, 90 * D).unwrap();
        assert_eq!((bits(&first).len(), bits(&first)), (12, bits(&direct)), "the scores of that date");
        assert!(Arc::ptr_eq(&first, &past.get(&t, &r, 90 * D).unwrap()), "the second backtest reads the kept scores");
        assert!(!Arc::ptr_eq(&first, &past.get(&t, &r, 60 * D).unwrap()), "another date is scored");
        let reloaded = Arc::new(orders_table(Vec::new()));
        let _ = past.get(&reloaded, &r, 90 * D);
        assert!(!Arc::ptr_eq(&first, &past.get(&t, &r, 90 * D).unwrap()), "a new copy drops what was kept for the old one");
    }
}
