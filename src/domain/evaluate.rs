//! The in-memory reference evaluator: the plain, obviously-correct meaning of a
//! [`ValidDefinition`] over customers held in memory. The property tests check the compiled SQL
//! against it, and "why in, why out" uses it to show a customer's actual values.

use std::collections::BTreeMap;

use crate::domain::catalog::{Fact, Source};
use crate::domain::compile::percentile_rank;
use crate::domain::definition::{AggSource, Direction, Measure, Quantity};
use crate::domain::pred::{Agg, Cmp, Expr, FieldRef, Pred, Scalar, Test};
use crate::domain::time::{AsOf, DAY_SECS};
use crate::domain::validate::ValidDefinition;

/// One order.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub occurred_at: i64,
    pub amount: f64,
    pub quantity: Option<i64>,
}

/// One event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub name: String,
    pub occurred_at: i64,
}

/// A custom attribute value as stored (booleans and dates as numbers).
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    Num(f64),
    Text(String),
}

/// A customer with everything the definition language can read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Customer {
    pub id: i64,
    /// Built-in columns by name (`email`, `country`, `signup_date` as a day number, consents as 0/1).
    pub columns: BTreeMap<&'static str, AttrValue>,
    pub attributes: BTreeMap<String, AttrValue>,
    pub orders: Vec<Order>,
    pub events: Vec<Event>,
}

/// A value read from a customer.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Num(f64),
    Int(i64),
    Text(String),
}

impl Val {
    /// The numeric value, if any.
    pub fn num_value(self) -> Option<f64> {
        self.num()
    }

    fn num(&self) -> Option<f64> {
        match self {
            Val::Num(x) => Some(*x),
            Val::Int(i) => Some(*i as f64),
            Val::Text(_) => None,
        }
    }
}

impl std::fmt::Display for Val {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Val::Num(x) => write!(f, "{}", (x * 100.0).round() / 100.0),
            Val::Int(i) => write!(f, "{i}"),
            Val::Text(t) => write!(f, "{t}"),
        }
    }
}

fn attr(v: &AttrValue) -> Val {
    match v {
        AttrValue::Num(x) if x.fract() == 0.0 && x.abs() < 9e15 => Val::Int(*x as i64),
        AttrValue::Num(x) => Val::Num(*x),
        AttrValue::Text(t) => Val::Text(t.clone()),
    }
}

/// The value of an expression for one customer as of a date.
pub fn value_of(e: &Expr, c: &Customer, as_of: &AsOf) -> Option<Val> {
    match e {
        Expr::Field(f) => field_value(f, c, as_of),
        Expr::Agg(a) => aggregate(a, c),
    }
}

/// The value of a catalog field.
pub fn field_value(f: &FieldRef, c: &Customer, as_of: &AsOf) -> Option<Val> {
    match &f.source {
        Source::Column(name) => c.columns.get(name).map(attr),
        Source::Attribute(name) => c.attributes.get(name).map(attr),
        Source::Fact(fact) => fact_value(*fact, c, as_of),
    }
}

fn fact_value(fact: Fact, c: &Customer, as_of: &AsOf) -> Option<Val> {
    let end = as_of.end();
    let orders = |m, of| {
        aggregate(
            &Agg {
                source: AggSource::Orders,
                event: None,
                measure: m,
                of,
                after: None,
                until: end,
            },
            c,
        )
    };
    let days_since = |t: Option<Val>| {
        t.and_then(|t| t.num())
            .map(|t| Val::Int((end - t as i64) / DAY_SECS))
    };
    match fact {
        Fact::LifetimeRevenue => orders(Measure::Sum, Some(Quantity::Amount)),
        Fact::OrderCount => orders(Measure::Count, None),
        Fact::AverageOrderValue => orders(Measure::Avg, Some(Quantity::Amount)),
        Fact::ItemsBought => orders(Measure::Sum, Some(Quantity::Quantity)),
        Fact::FirstOrderAt => orders(Measure::First, None),
        Fact::LastOrderAt => orders(Measure::Last, None),
        Fact::LastActivityAt => last_activity(c, end),
        Fact::DaysSinceLastOrder => days_since(orders(Measure::Last, None)),
        Fact::DaysSinceLastActivity => days_since(last_activity(c, end)),
        Fact::TenureDays => match c.columns.get("signup_date") {
            Some(AttrValue::Num(d)) => Some(Val::Int(as_of.day() - *d as i64)),
            _ => days_since(orders(Measure::First, None)),
        },
    }
}

fn last_activity(c: &Customer, end: i64) -> Option<Val> {
    let o = c
        .orders
        .iter()
        .map(|o| o.occurred_at)
        .filter(|t| *t <= end)
        .max();
    let e = c
        .events
        .iter()
        .map(|e| e.occurred_at)
        .filter(|t| *t <= end)
        .max();
    o.max(e).map(Val::Int)
}

fn aggregate(a: &Agg, c: &Customer) -> Option<Val> {
    let inside = |t: i64| a.after.is_none_or(|x| t > x) && t <= a.until;
    let times: Vec<i64>;
    let mut values: Vec<f64> = Vec::new();
    let count;
    match a.source {
        AggSource::Orders => {
            let rows: Vec<&Order> = c.orders.iter().filter(|o| inside(o.occurred_at)).collect();
            count = rows.len();
            times = rows.iter().map(|o| o.occurred_at).collect();
            for o in &rows {
                match a.of {
                    Some(Quantity::Quantity) => values.extend(o.quantity.map(|q| q as f64)),
                    _ => values.push(o.amount),
                }
            }
        }
        AggSource::Events => {
            let rows: Vec<&Event> = c
                .events
                .iter()
                .filter(|e| inside(e.occurred_at) && a.event.as_ref().is_none_or(|n| *n == e.name))
                .collect();
            count = rows.len();
            times = rows.iter().map(|e| e.occurred_at).collect();
        }
    }
    match a.measure {
        Measure::Count => Some(Val::Int(count as i64)),
        // Start from +0.0: an empty f64 sum is -0.0.
        Measure::Sum => Some(Val::Num(values.iter().fold(0.0, |a, b| a + b))),
        Measure::Avg => {
            (!values.is_empty()).then(|| Val::Num(values.iter().sum::<f64>() / values.len() as f64))
        }
        Measure::Min => values.iter().copied().reduce(f64::min).map(Val::Num),
        Measure::Max => values.iter().copied().reduce(f64::max).map(Val::Num),
        Measure::First => times.iter().min().copied().map(Val::Int),
        Measure::Last => times.iter().max().copied().map(Val::Int),
    }
}

fn same(v: &Val, s: &Scalar) -> Option<std::cmp::Ordering> {
    match (v, s) {
        (Val::Text(a), Scalar::Text(b)) => Some(a.as_str().cmp(b.as_str())),
        (Val::Text(_), _) | (_, Scalar::Text(_)) => None,
        (v, s) => v.num()?.partial_cmp(&s.as_f64()?),
    }
}

/// Whether a value passes a test (a missing value never does, except `is not set`).
pub fn passes(v: Option<&Val>, t: &Test) -> bool {
    use std::cmp::Ordering::*;
    let Some(v) = v else {
        return matches!(t, Test::IsSet { set: false });
    };
    match t {
        Test::IsSet { set } => *set,
        Test::Cmp { op, value } => match same(v, value) {
            None => false,
            Some(o) => match op {
                Cmp::Eq => o == Equal,
                Cmp::Ne => o != Equal,
                Cmp::Lt => o == Less,
                Cmp::Lte => o != Greater,
                Cmp::Gt => o == Greater,
                Cmp::Gte => o != Less,
            },
        },
        Test::Between { lo, hi } => {
            same(v, lo).is_some_and(|o| o != Less) && same(v, hi).is_some_and(|o| o != Greater)
        }
        Test::In { values } => values.iter().any(|x| same(v, x) == Some(Equal)),
        Test::NotIn { values } => values
            .iter()
            .all(|x| same(v, x).is_some_and(|o| o != Equal)),
        Test::Contains { value } => {
            matches!(v, Val::Text(s) if s.to_ascii_lowercase().contains(&value.to_ascii_lowercase()))
        }
        Test::StartsWith { value } => {
            matches!(v, Val::Text(s) if s.to_ascii_lowercase().starts_with(&value.to_ascii_lowercase()))
        }
    }
}

/// Whether a customer satisfies a predicate.
pub fn holds(p: &Pred, c: &Customer, as_of: &AsOf, thresholds: &[Option<f64>]) -> bool {
    match p {
        Pred::All { of } => of.iter().all(|x| holds(x, c, as_of, thresholds)),
        Pred::Any { of } => of.iter().any(|x| holds(x, c, as_of, thresholds)),
        Pred::Not { of } => !holds(of, c, as_of, thresholds),
        Pred::Test { expr, test } => passes(value_of(expr, c, as_of).as_ref(), test),
        Pred::Percentile {
            field,
            direction,
            slot,
            ..
        } => {
            let (Some(t), Some(v)) = (
                thresholds.get(*slot).copied().flatten(),
                field_value(field, c, as_of).and_then(|v| v.num()),
            ) else {
                return false;
            };
            if *direction == Direction::Top {
                v >= t
            } else {
                v <= t
            }
        }
    }
}

/// Percentile thresholds over all customers (same rule as the store's).
pub fn thresholds(vd: &ValidDefinition, customers: &[Customer]) -> Vec<Option<f64>> {
    let as_of = vd.as_of();
    vd.percentiles()
        .iter()
        .map(|spec| {
            let mut vals: Vec<f64> = customers
                .iter()
                .filter_map(|c| field_value(&spec.field, c, &as_of)?.num())
                .collect();
            if vals.is_empty() {
                return None;
            }
            match spec.direction {
                Direction::Top => vals.sort_by(|a, b| b.total_cmp(a)),
                Direction::Bottom => vals.sort_by(|a, b| a.total_cmp(b)),
            }
            let k = percentile_rank(spec.percent, vals.len() as u64) as usize;
            Some(vals[k - 1])
        })
        .collect()
}

/// Ids of the customers in the audience, ascending.
pub fn members(vd: &ValidDefinition, customers: &[Customer]) -> Vec<i64> {
    let t = thresholds(vd, customers);
    let as_of = vd.as_of();
    let mut ids: Vec<i64> = customers
        .iter()
        .filter(|c| holds(vd.root(), c, &as_of, &t))
        .map(|c| c.id)
        .collect();
    ids.sort_unstable();
    ids
}
