//! What backtests read of the past: scores as they would have been at a past instant, computed
//! once per (model version, instant) over one in-memory copy of the data and kept, instead of
//! re-scoring every customer once per backtest date in every full preview (seconds at a million
//! customers); and who was a customer at each date with what all of them did next, the same for
//! every definition. The server computes the coming backtest dates' in the background after each
//! load, so the first preview of a score finds them too.

use std::sync::{Arc, Mutex, OnceLock, Weak};

use chrono::Days;

use crate::domain::columnar::{Column, Table};
use crate::domain::scoring::backtest::{
    Behaviour, CHURN_DAYS, DAYS_BEFORE, FOLLOW_DAYS, Span, behaviour, known_at, score_columns_at,
};
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
    /// every definition, so counted once per date (blocking, as [`PastScores::get`]).
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

    /// The model's score columns as of `at`, computed by the first caller and shared with the
    /// rest (who wait for it). Blocking: call it from a blocking thread, never from inside a
    /// rayon task (a task waiting here could be the one computing it).
    pub fn get(
        &self,
        table: &Arc<Table>,
        r: &Replay,
        at: i64,
    ) -> Result<ScoreColumns, ScoringError> {
        let slot = self.slot(table, (r.attribute.clone(), r.version, at));
        slot.get_or_init(|| {
            let started = std::time::Instant::now();
            let columns = score_columns_at(table, &r.task, &r.spec, &r.model, &r.attribute, at).map(Arc::new);
            tracing::info!(model = %r.attribute, version = r.version, at, ms = started.elapsed().as_millis() as u64, "backtest scores computed");
            columns
        })
        .clone()
    }

    /// Compute every backtest date's customers and scores of `as_of` for each model (on the
    /// calling thread).
    pub fn warm(&self, table: &Arc<Table>, replays: &[Replay], as_of: AsOf) {
        for days in DAYS_BEFORE {
            let past = AsOf::new(as_of.date() - Days::new(days.into()), as_of.tz());
            let at = past.end();
            self.known(table, &span_of(days, &past));
            for r in replays {
                if let Err(e) = self.get(table, r, at) {
                    tracing::warn!(model = %r.attribute, error = %e, "backtest scores could not be computed ahead");
                }
            }
        }
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
    use crate::domain::scoring::Logistic;
    use crate::domain::scoring::features::orders_table;

    const D: i64 = 86_400;

    /// Twelve customers ordering on different days, and a logistic model fitted on them.
    fn setup() -> (Arc<Table>, Replay) {
        let rows = (0..12)
            .flat_map(|c| {
                (0..=c % 4).map(move |k| {
                    (
                        format!("c{c:02}"),
                        (10 + c + 20 * k) * D,
                        10.0 + c as f64,
                        None,
                    )
                })
            })
            .collect();
        let t = Arc::new(orders_table(rows));
        let spec = FeatureSpec::from_table(&t, &|_| false);
        let f = spec.compute(&t, (0..t.len()).collect(), 100 * D);
        let y: Vec<bool> = (0..t.len()).map(|r| r % 3 == 0).collect();
        let model = Arc::new(Model::Logistic(Logistic::fit(&f.values, &y).unwrap()));
        (
            t,
            Replay {
                attribute: "churn_risk".into(),
                version: 1,
                task: Task::churn(30),
                spec,
                model,
            },
        )
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
        let direct =
            score_columns_at(&t, &r.task, &r.spec, &r.model, &r.attribute, 90 * D).unwrap();
        assert_eq!(
            (bits(&first).len(), bits(&first)),
            (12, bits(&direct)),
            "the scores of that date"
        );
        assert!(
            Arc::ptr_eq(&first, &past.get(&t, &r, 90 * D).unwrap()),
            "the second backtest reads the kept scores"
        );
        assert!(
            !Arc::ptr_eq(&first, &past.get(&t, &r, 60 * D).unwrap()),
            "another date is scored"
        );
        let reloaded = Arc::new(orders_table(Vec::new()));
        let _ = past.get(&reloaded, &r, 90 * D);
        assert!(
            !Arc::ptr_eq(&first, &past.get(&t, &r, 90 * D).unwrap()),
            "a new copy drops what was kept for the old one"
        );
    }
}
