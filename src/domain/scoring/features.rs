//! Behavioural features of each customer **as of an instant**, computed only from orders and
//! events at or before that instant (so a training set built as of T = D − H never sees the
//! labels' period), plus custom attributes (numbers as they are, categories one-hot with a cap).

use rayon::prelude::*;

use super::super::columnar::{Column, MISSING, Table};

const DAY: i64 = 86_400;
/// Trailing windows, in days, for order counts and revenue.
pub const WINDOWS: [i64; 3] = [30, 90, 365];
/// Event windows, in days, for engagement counts.
const EVENT_WINDOWS: [i64; 2] = [30, 90];
/// At most this many event names become features (the most frequent ones).
const MAX_EVENT_NAMES: usize = 8;
/// At most this many values of one categorical attribute become one-hot columns.
const MAX_CATEGORIES: usize = 10;
/// Built-in customer columns: consent flags and geography are not behaviour, and dates would
/// leak "now" into a time-travelled training set.
const BUILT_IN: [&str; 6] = [
    "country",
    "region",
    "signup_date",
    "email_consent",
    "sms_consent",
    "ads_consent",
];

/// Which columns beyond orders become features; decided once from the data, so training and
/// scoring use the same columns in the same order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeatureSpec {
    /// Event names counted in [`EVENT_WINDOWS`].
    pub events: Vec<String>,
    /// Numeric custom attributes (missing → 0).
    pub numeric: Vec<String>,
    /// `(attribute, value)` one-hot columns.
    pub categories: Vec<(String, String)>,
}

/// A feature matrix, row-major, one row per selected customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    pub names: Vec<String>,
    /// Row indices into the [`Table`].
    pub rows: Vec<usize>,
    pub values: Vec<Vec<f64>>,
}

impl FeatureSpec {
    /// Choose event names and attribute columns from the data; `exclude` names columns that
    /// must not be features (scores themselves, a label column).
    pub fn from_table(t: &Table, exclude: &dyn Fn(&str) -> bool) -> Self {
        let mut counts = vec![0usize; t.events.names.len()];
        for &n in &t.events.name {
            counts[n as usize] += 1;
        }
        let mut order: Vec<usize> = (0..counts.len()).filter(|&i| counts[i] > 0).collect();
        order.sort_by(|a, b| {
            counts[*b]
                .cmp(&counts[*a])
                .then(t.events.names[*a].cmp(&t.events.names[*b]))
        });
        let events = order
            .into_iter()
            .take(MAX_EVENT_NAMES)
            .map(|i| t.events.names[i].clone())
            .collect();
        let mut names: Vec<&String> = t
            .columns
            .keys()
            .filter(|k| !BUILT_IN.contains(&k.as_str()) && !exclude(k))
            .collect();
        names.sort();
        let (mut numeric, mut categories) = (Vec::new(), Vec::new());
        for name in names {
            match &t.columns[name] {
                Column::Num(_) => numeric.push(name.clone()),
                Column::Text { codes, dict } => {
                    let mut c = vec![0usize; dict.len()];
                    codes
                        .iter()
                        .filter(|&&x| x != MISSING)
                        .for_each(|&x| c[x as usize] += 1);
                    let mut idx: Vec<usize> = (0..dict.len()).filter(|&i| c[i] > 0).collect();
                    idx.sort_by(|a, b| c[*b].cmp(&c[*a]).then(dict[*a].cmp(&dict[*b])));
                    categories.extend(
                        idx.into_iter()
                            .take(MAX_CATEGORIES)
                            .map(|i| (name.clone(), dict[i].clone())),
                    );
                }
            }
        }
        Self {
            events,
            numeric,
            categories,
        }
    }

    /// Feature names in column order.
    pub fn names(&self) -> Vec<String> {
        let mut n: Vec<String> = [
            "recency_days",
            "tenure_days",
            "orders",
            "revenue",
            "aov",
            "items",
        ]
        .map(String::from)
        .to_vec();
        for w in WINDOWS {
            n.push(format!("orders_{w}"));
            n.push(format!("revenue_{w}"));
        }
        n.push("interpurchase_days".into());
        n.push("trend".into());
        for e in &self.events {
            n.extend(EVENT_WINDOWS.map(|w| format!("{e}_{w}")));
        }
        n.extend(self.numeric.iter().cloned());
        n.extend(self.categories.iter().map(|(a, v)| format!("{a}={v}")));
        n
    }

    /// Features as of instant `at` for the given table rows.
    pub fn compute(&self, t: &Table, rows: Vec<usize>, at: i64) -> Features {
        let event_codes: Vec<Option<u32>> = self
            .events
            .iter()
            .map(|e| t.events.names.iter().position(|n| n == e).map(|i| i as u32))
            .collect();
        let cat_codes: Vec<(Option<&Column>, Option<u32>)> = self
            .categories
            .iter()
            .map(|(a, v)| {
                let col = t.columns.get(a);
                let code = match col {
                    Some(Column::Text { dict, .. }) => {
                        dict.iter().position(|d| d == v).map(|i| i as u32)
                    }
                    _ => None,
                };
                (col, code)
            })
            .collect();
        // One customer's features depend on that customer's rows only: rows go to both cores.
        let values = rows
            .par_iter()
            .map(|&r| {
                let mut f = order_features(t, r, at);
                f.extend(event_features(t, r, at, &event_codes));
                for name in &self.numeric {
                    let x = match t.columns.get(name) {
                        Some(Column::Num(v)) => v[r],
                        _ => f64::NAN,
                    };
                    f.push(if x.is_finite() { x } else { 0.0 });
                }
                for (col, code) in &cat_codes {
                    let on = matches!((col, code), (Some(Column::Text { codes, .. }), Some(c)) if codes[r] == *c);
                    f.push(if on { 1.0 } else { 0.0 });
                }
                f
            })
            .collect();
        Features {
            names: self.names(),
            rows,
            values,
        }
    }
}

/// Rows of customers with at least one order at or before `at` (the behavioural population).
pub fn buyers_at(t: &Table, at: i64) -> Vec<usize> {
    (0..t.len())
        .filter(|&r| first_order(t, r).is_some_and(|x| x <= at))
        .collect()
}

fn first_order(t: &Table, r: usize) -> Option<i64> {
    let (a, b) = (
        t.orders.offsets[r] as usize,
        t.orders.offsets[r + 1] as usize,
    );
    (a < b).then(|| t.orders.time[a])
}

/// Whether the customer has an order in `(after, until]`.
pub fn ordered_between(t: &Table, r: usize, after: i64, until: i64) -> bool {
    let (a, b) = (
        t.orders.offsets[r] as usize,
        t.orders.offsets[r + 1] as usize,
    );
    t.orders.time[a..b].iter().any(|&x| x > after && x <= until)
}

fn order_features(t: &Table, r: usize, at: i64) -> Vec<f64> {
    let (a, b) = (
        t.orders.offsets[r] as usize,
        t.orders.offsets[r + 1] as usize,
    );
    let o = &t.orders;
    let end = a + o.time[a..b].partition_point(|&x| x <= at);
    let n = (end - a) as f64;
    let revenue: f64 = o.amount[a..end].iter().sum();
    let items: f64 = o.quantity[a..end].iter().filter(|q| q.is_finite()).sum();
    let days = |x: i64| ((at - x).max(0) / DAY) as f64;
    let (recency, tenure) = if end > a {
        (days(o.time[end - 1]), days(o.time[a]))
    } else {
        (0.0, 0.0)
    };
    let aov = if n > 0.0 { revenue / n } else { 0.0 };
    let mut f = vec![recency, tenure, n, revenue, aov, items];
    let mut counts = [0.0; 3];
    for (k, w) in WINDOWS.iter().enumerate() {
        let from = at - w * DAY;
        let s = a + o.time[a..end].partition_point(|&x| x <= from);
        counts[k] = (end - s) as f64;
        f.push(counts[k]);
        f.push(o.amount[s..end].iter().sum());
    }
    f.push(if n > 1.0 { tenure / (n - 1.0) } else { tenure });
    f.push(counts[1] / (counts[2] / 4.0 + 1e-9));
    f
}

fn event_features(t: &Table, r: usize, at: i64, codes: &[Option<u32>]) -> Vec<f64> {
    let (a, b) = (
        t.events.offsets[r] as usize,
        t.events.offsets[r + 1] as usize,
    );
    let e = &t.events;
    let end = a + e.time[a..b].partition_point(|&x| x <= at);
    let mut f = Vec::with_capacity(codes.len() * EVENT_WINDOWS.len());
    for code in codes {
        for w in EVENT_WINDOWS {
            let from = at - w * DAY;
            let c = (a..end)
                .filter(|&i| Some(e.name[i]) == *code && e.time[i] > from)
                .count();
            f.push(c as f64);
        }
    }
    f
}

/// A table of customers with orders only, from `(customer, time, amount, quantity)` rows in any
/// order (customers sorted by id). For tests and the CDNOW evaluation.
pub fn orders_table(mut rows: Vec<(String, i64, f64, Option<f64>)>) -> Table {
    rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut t = Table::default();
    let mut of = Vec::with_capacity(rows.len());
    for (c, time, amount, q) in rows {
        if t.external_ids.last() != Some(&c) {
            t.ids.push(t.external_ids.len() as i64 + 1);
            t.external_ids.push(c);
        }
        of.push(t.external_ids.len() - 1);
        t.orders.time.push(time);
        t.orders.amount.push(amount);
        t.orders.quantity.push(q.unwrap_or(f64::NAN));
    }
    let n = t.external_ids.len();
    t.orders.offsets = Table::offsets(n, of.into_iter());
    t.events.offsets = vec![0; n + 1];
    t.has_email = vec![false; n];
    t.has_phone = vec![false; n];
    t.suppressed = vec![false; n];
    t
}
