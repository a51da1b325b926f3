//! Evaluation over the in-memory [`Table`]: one boolean per customer for each predicate, with
//! leaf tests delegated to the reference evaluator's [`passes`] so the meaning cannot drift.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use super::{Column, MISSING, Table};
use crate::domain::catalog::{Fact, Source};
use crate::domain::compile::percentile_rank;
use crate::domain::definition::{AggSource, Direction, Measure, Quantity};
use crate::domain::evaluate::{Val, passes};
use crate::domain::pred::{Agg, Expr, FieldRef, Pred, Test};
use crate::domain::time::{AsOf, DAY_SECS};
use crate::domain::validate::ValidDefinition;

/// Evaluates definitions over a table as of a date.
pub struct Engine<'a> {
    t: &'a Table,
    as_of: AsOf,
    /// Columns read instead of the table's (a backtest's scores as of its date).
    replaced: Option<&'a HashMap<&'a str, &'a Column>>,
    /// Facts computed so far: a full preview reads lifetime revenue and last activity many
    /// times (condition, funnel, thresholds, histograms, tiers), each a pass over every order.
    facts: Mutex<Vec<(Fact, Arc<Vec<f64>>)>>,
}

/// Values of an expression for every customer.
enum Values<'a> {
    /// NaN when missing.
    Num(Cow<'a, [f64]>),
    Text {
        codes: &'a [u32],
        dict: &'a [String],
    },
}

fn num(x: f64) -> Option<Val> {
    if x.is_nan() { None } else { Some(Val::Num(x)) }
}

impl<'a> Engine<'a> {
    pub fn new(t: &'a Table, as_of: AsOf) -> Self {
        Self {
            t,
            as_of,
            replaced: None,
            facts: Mutex::default(),
        }
    }

    /// An engine that reads `replaced` columns instead of the table's columns of those names.
    pub fn with_columns(
        t: &'a Table,
        as_of: AsOf,
        replaced: &'a HashMap<&'a str, &'a Column>,
    ) -> Self {
        Self {
            t,
            as_of,
            replaced: Some(replaced),
            facts: Mutex::default(),
        }
    }

    fn get(&self, name: &str) -> Option<&'a Column> {
        self.replaced
            .and_then(|r| r.get(name).copied())
            .or_else(|| self.t.columns.get(name))
    }

    /// Whether every field the definition reads is held in memory.
    pub fn supports(&self, p: &Pred) -> bool {
        let field_ok = |f: &FieldRef| match &f.source {
            Source::Column(c) => self.get(c).is_some(),
            Source::Attribute(a) => self.get(a).is_some(),
            Source::Fact(_) => true,
        };
        match p {
            Pred::All { of } | Pred::Any { of } => of.iter().all(|x| self.supports(x)),
            Pred::Not { of } => self.supports(of),
            Pred::Test {
                expr: Expr::Field(f),
                ..
            }
            | Pred::Percentile { field: f, .. } => field_ok(f),
            Pred::Test {
                expr: Expr::Agg(_), ..
            } => true,
        }
    }

    fn column(&self, name: &str) -> Values<'a> {
        match self.get(name) {
            Some(Column::Num(v)) => Values::Num(Cow::Borrowed(v)),
            Some(Column::Text { codes, dict }) => Values::Text { codes, dict },
            None => Values::Num(Cow::Owned(vec![f64::NAN; self.t.len()])),
        }
    }

    fn field(&self, f: &FieldRef) -> Values<'a> {
        match &f.source {
            Source::Column(c) => self.column(c),
            Source::Attribute(a) => self.column(a),
            Source::Fact(fact) => Values::Num(Cow::Owned(self.fact_once(*fact).to_vec())),
        }
    }

    /// Orders of row `i` after `after` and up to `until` (inclusive): an index range.
    fn order_range(&self, i: usize, after: Option<i64>, until: i64) -> (usize, usize) {
        window(&self.t.orders.offsets, &self.t.orders.time, i, after, until)
    }

    /// Events of row `i` after `after` and up to `until` (inclusive): an index range.
    fn event_range(&self, i: usize, after: Option<i64>, until: i64) -> (usize, usize) {
        window(&self.t.events.offsets, &self.t.events.time, i, after, until)
    }

    /// [`Engine::fact`], computed once per engine.
    fn fact_once(&self, fact: Fact) -> Arc<Vec<f64>> {
        if let Some((_, v)) = self
            .facts
            .lock()
            .expect("facts lock")
            .iter()
            .find(|(f, _)| *f == fact)
        {
            return v.clone();
        }
        let v = Arc::new(self.fact(fact));
        self.facts
            .lock()
            .expect("facts lock")
            .push((fact, v.clone()));
        v
    }

    fn fact(&self, fact: Fact) -> Vec<f64> {
        let end = self.as_of.end();
        let orders = |m, of| {
            self.agg(&Agg {
                source: AggSource::Orders,
                event: None,
                measure: m,
                of,
                after: None,
                until: end,
            })
        };
        let days = |v: Vec<f64>| {
            v.into_iter()
                .map(|t| {
                    if t.is_nan() {
                        f64::NAN
                    } else {
                        ((end - t as i64) / DAY_SECS) as f64
                    }
                })
                .collect()
        };
        match fact {
            Fact::LifetimeRevenue => orders(Measure::Sum, Some(Quantity::Amount)),
            Fact::OrderCount => orders(Measure::Count, None),
            Fact::AverageOrderValue => orders(Measure::Avg, Some(Quantity::Amount)),
            Fact::ItemsBought => orders(Measure::Sum, Some(Quantity::Quantity)),
            Fact::FirstOrderAt => orders(Measure::First, None),
            Fact::LastOrderAt => orders(Measure::Last, None),
            Fact::LastActivityAt => self.last_activity(),
            Fact::DaysSinceLastOrder => days(orders(Measure::Last, None)),
            Fact::DaysSinceLastActivity => days(self.last_activity()),
            Fact::TenureDays => {
                let first = days(orders(Measure::First, None));
                let day = self.as_of.day() as f64;
                match self.t.columns.get("signup_date") {
                    Some(Column::Num(s)) => s
                        .iter()
                        .zip(first)
                        .map(|(s, f)| if s.is_nan() { f } else { day - s })
                        .collect(),
                    _ => first,
                }
            }
        }
    }

    fn last_activity(&self) -> Vec<f64> {
        let end = self.as_of.end();
        (0..self.t.len())
            .into_par_iter()
            .map(|i| {
                let (oa, ob) = self.order_range(i, None, end);
                let (ea, eb) = self.event_range(i, None, end);
                let o = (ob > oa).then(|| self.t.orders.time[ob - 1]);
                let e = (eb > ea).then(|| self.t.events.time[eb - 1]);
                o.max(e).map_or(f64::NAN, |t| t as f64)
            })
            .collect()
    }

    /// An aggregate for every customer (NaN when it has no value).
    fn agg(&self, a: &Agg) -> Vec<f64> {
        (0..self.t.len())
            .into_par_iter()
            .map(|i| self.agg_one(a, i))
            .collect()
    }

    fn agg_one(&self, a: &Agg, i: usize) -> f64 {
        if a.source == AggSource::Events {
            let (lo, hi) = self.event_range(i, a.after, a.until);
            let e = &self.t.events;
            let code = a.event.as_ref().map(|n| {
                e.names
                    .iter()
                    .position(|x| x == n)
                    .map_or(MISSING, |p| p as u32)
            });
            let hits = (lo..hi).filter(|j| code.is_none_or(|c| e.name[*j] == c));
            return match a.measure {
                Measure::Count => hits.count() as f64,
                Measure::First => hits.map(|j| e.time[j]).min().map_or(f64::NAN, |t| t as f64),
                Measure::Last => hits.map(|j| e.time[j]).max().map_or(f64::NAN, |t| t as f64),
                _ => f64::NAN,
            };
        }
        let (lo, hi) = self.order_range(i, a.after, a.until);
        let o = &self.t.orders;
        let col = if a.of == Some(Quantity::Quantity) {
            &o.quantity
        } else {
            &o.amount
        };
        let vals = || col[lo..hi].iter().copied().filter(|x| !x.is_nan());
        match a.measure {
            Measure::Count => (hi - lo) as f64,
            Measure::Sum => vals().fold(0.0, |s, x| s + x),
            Measure::Avg => {
                let n = vals().count();
                if n == 0 {
                    f64::NAN
                } else {
                    vals().sum::<f64>() / n as f64
                }
            }
            Measure::Min => vals().reduce(f64::min).unwrap_or(f64::NAN),
            Measure::Max => vals().reduce(f64::max).unwrap_or(f64::NAN),
            Measure::First => {
                if hi > lo {
                    o.time[lo] as f64
                } else {
                    f64::NAN
                }
            }
            Measure::Last => {
                if hi > lo {
                    o.time[hi - 1] as f64
                } else {
                    f64::NAN
                }
            }
        }
    }

    fn values(&self, e: &Expr) -> Values<'a> {
        match e {
            Expr::Field(f) => self.field(f),
            Expr::Agg(a) => Values::Num(Cow::Owned(self.agg(a))),
        }
    }

    fn test(&self, e: &Expr, test: &Test) -> Vec<bool> {
        match self.values(e) {
            Values::Num(v) => v
                .par_iter()
                .map(|x| passes(num(*x).as_ref(), test))
                .collect(),
            Values::Text { codes, dict } => {
                // Decide once per distinct value, then look the answer up per customer.
                let by_code: Vec<bool> = dict
                    .iter()
                    .map(|s| passes(Some(&Val::Text(s.clone())), test))
                    .collect();
                let missing = passes(None, test);
                codes
                    .iter()
                    .map(|c| {
                        if *c == MISSING {
                            missing
                        } else {
                            by_code[*c as usize]
                        }
                    })
                    .collect()
            }
        }
    }

    /// Numeric values of a field, for ranking (text fields have none).
    pub fn numbers(&self, f: &FieldRef) -> Vec<f64> {
        match self.field(f) {
            Values::Num(v) => v.into_owned(),
            Values::Text { .. } => vec![f64::NAN; self.t.len()],
        }
    }

    /// Percentile thresholds (same rule as the store's and the reference evaluator's).
    pub fn thresholds(&self, vd: &ValidDefinition) -> Vec<Option<f64>> {
        vd.percentiles()
            .iter()
            .map(|s| self.threshold(&s.field, s.direction, s.percent))
            .collect()
    }

    pub fn threshold(&self, f: &FieldRef, direction: Direction, percent: f64) -> Option<f64> {
        let mut v: Vec<f64> = self
            .numbers(f)
            .into_iter()
            .filter(|x| !x.is_nan())
            .collect();
        if v.is_empty() {
            return None;
        }
        let k = percentile_rank(percent, v.len() as u64) as usize - 1;
        let (_, x, _) = match direction {
            Direction::Top => v.select_nth_unstable_by(k, |a, b| b.total_cmp(a)),
            Direction::Bottom => v.select_nth_unstable_by(k, |a, b| a.total_cmp(b)),
        };
        Some(*x)
    }

    /// Which customers satisfy a predicate.
    pub fn mask(&self, p: &Pred, thresholds: &[Option<f64>]) -> Vec<bool> {
        let n = self.t.len();
        match p {
            Pred::All { of } => of
                .iter()
                .fold(vec![true; n], |acc, x| and(acc, &self.mask(x, thresholds))),
            Pred::Any { of } => of.iter().fold(vec![false; n], |acc, x| {
                acc.iter()
                    .zip(self.mask(x, thresholds))
                    .map(|(a, b)| *a || b)
                    .collect()
            }),
            Pred::Not { of } => self.mask(of, thresholds).into_iter().map(|b| !b).collect(),
            Pred::Test { expr, test } => self.test(expr, test),
            Pred::Percentile {
                field,
                direction,
                slot,
                ..
            } => match thresholds.get(*slot).copied().flatten() {
                None => vec![false; n],
                Some(t) => self
                    .numbers(field)
                    .iter()
                    .map(|x| {
                        !x.is_nan()
                            && if *direction == Direction::Top {
                                *x >= t
                            } else {
                                *x <= t
                            }
                    })
                    .collect(),
            },
        }
    }

    /// The last activity and lifetime revenue of every customer, for histograms and tiers.
    pub fn revenue_and_last_activity(&self) -> (Vec<f64>, Vec<f64>) {
        (
            self.fact_once(Fact::LifetimeRevenue).to_vec(),
            self.fact_once(Fact::LastActivityAt).to_vec(),
        )
    }
}

/// Row `i`'s slice of a per-customer, time-ordered column, narrowed to `(after, until]`.
fn window(
    offsets: &[u32],
    time: &[i64],
    i: usize,
    after: Option<i64>,
    until: i64,
) -> (usize, usize) {
    let (a, b) = (offsets[i] as usize, offsets[i + 1] as usize);
    let times = &time[a..b];
    let lo = after.map_or(0, |x| times.partition_point(|t| *t <= x));
    // A window that ends before it starts (a period after the as-of date) is empty, not negative.
    let hi = times.partition_point(|t| *t <= until).max(lo);
    (a + lo, a + hi)
}

/// Element-wise AND.
pub fn and(mut a: Vec<bool>, b: &[bool]) -> Vec<bool> {
    a.iter_mut().zip(b).for_each(|(x, y)| *x = *x && *y);
    a
}

/// How many are true.
pub fn count(m: &[bool]) -> i64 {
    m.iter().filter(|b| **b).count() as i64
}
