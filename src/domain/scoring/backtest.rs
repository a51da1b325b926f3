//! Backtest arithmetic: given the audience a definition selected as of an earlier date, how it
//! actually behaved afterwards — the share who bought, revenue per member and the share who
//! churned — next to all customers of that date, with the lift. The app layer evaluates the
//! definition at each date; this module only counts orders in the table.

use rayon::prelude::*;
use serde::Serialize;

use super::super::columnar::{Column, Table, TextBuilder};
use super::{FeatureSpec, Model, ScoringError, Task};

/// Days after each backtest date in which buying and revenue are counted.
pub const FOLLOW_DAYS: u32 = 30;
/// A customer with an order has churned when they order nothing in this many days.
pub const CHURN_DAYS: u32 = 90;
/// How many days before the as-of date each backtest starts.
pub const DAYS_BEFORE: [u32; 3] = [30, 60, 90];

/// What a group of customers did after a date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Behaviour {
    pub customers: usize,
    /// Share with at least one order in the following [`FOLLOW_DAYS`] days.
    pub bought_share: f64,
    /// Revenue in the following [`FOLLOW_DAYS`] days per customer.
    pub revenue_per_customer: f64,
    /// Among those with an order by the date, the share with none in the following
    /// [`CHURN_DAYS`] days; `None` when that window is not over yet (or no one had ordered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub churned_share: Option<f64>,
}

/// One backtest date: the audience against everyone, with lifts (`None` when the base is 0).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestWindow {
    pub days_before: u32,
    /// The date the definition was evaluated as of.
    pub as_of: String,
    pub audience: Behaviour,
    pub all_customers: Behaviour,
    pub bought_lift: Option<f64>,
    pub revenue_lift: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub churn_lift: Option<f64>,
}

/// The backtest of a definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    pub follow_days: u32,
    pub churn_days: u32,
    pub windows: Vec<BacktestWindow>,
    /// Caveats a reader needs (e.g. attributes hold today's values).
    pub note: String,
}

/// The instants a backtest date needs: the date's end, the end of the buying window, and the
/// end of the churn window when it is over by the as-of date.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub at: i64,
    pub day: i64,
    pub bought_until: i64,
    pub churn_until: Option<i64>,
}

/// Customers who existed at `span.at`: an order or event by then, or else a signup date not
/// after that day; customers with no activity and no signup date are kept (nothing dates them).
pub fn known_at(t: &Table, span: &Span) -> Vec<bool> {
    let signup = match t.columns.get("signup_date") {
        Some(Column::Num(s)) => Some(s),
        _ => None,
    };
    (0..t.len())
        .into_par_iter()
        .map(|r| {
            let first = |offsets: &[u32], time: &[i64]| {
                (offsets[r] < offsets[r + 1]).then(|| time[offsets[r] as usize])
            };
            let active = [
                first(&t.orders.offsets, &t.orders.time),
                first(&t.events.offsets, &t.events.time),
            ]
            .into_iter()
            .flatten()
            .min();
            let signed = signup.map(|s| s[r]).filter(|d| d.is_finite());
            match (active, signed) {
                (Some(a), _) if a <= span.at => true,
                (_, Some(d)) => d <= span.day as f64,
                (Some(_), None) => false,
                (None, None) => true,
            }
        })
        .collect()
}

/// A stored model's scores as they would have been at `at`: the model applied to features
/// computed from the data up to then, as the columns the scores are stored in (the score, its
/// tier and its decile; missing for customers the task did not score then).
pub fn score_columns_at(
    t: &Table,
    task: &Task,
    spec: &FeatureSpec,
    model: &Model,
    attribute: &str,
    at: i64,
) -> Result<Vec<(String, Column)>, ScoringError> {
    let (rows, probs) = super::score_task(t, task, spec, model, at)?;
    let mut score = vec![f64::NAN; t.len()];
    let mut decile = vec![f64::NAN; t.len()];
    let mut tier = vec![Option::<&str>::None; t.len()];
    for ((&r, &p), d) in rows.iter().zip(&probs).zip(super::deciles(&probs)) {
        (score[r], decile[r], tier[r]) = (p, f64::from(d), Some(task.tier(p)));
    }
    let mut tiers = TextBuilder::default();
    tier.into_iter().for_each(|v| tiers.push(v));
    Ok(vec![
        (attribute.to_string(), Column::Num(score)),
        (super::tier_attribute(attribute), tiers.finish()),
        (super::decile_attribute(attribute), Column::Num(decile)),
    ])
}

/// Rows per piece when counting behaviour on several cores.
const CHUNK: usize = 65_536;

/// What the rows marked in `rows` did after `span.at`.
pub fn behaviour(t: &Table, rows: &[bool], span: &Span) -> Behaviour {
    let pieces: Vec<Tally> = (0..t.len().div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| tally(t, rows, span, c * CHUNK..((c + 1) * CHUNK).min(t.len())))
        .collect();
    let Tally {
        n,
        bought,
        revenue,
        buyers,
        churned,
    } = pieces.iter().fold(Tally::default(), |a, b| a.add(b));
    Behaviour {
        customers: n,
        bought_share: share(bought as f64, n),
        revenue_per_customer: share(revenue, n),
        churned_share: (span.churn_until.is_some() && buyers > 0)
            .then(|| churned as f64 / buyers as f64),
    }
}

/// Counts over a piece of the customers. Pieces are fixed and added up in row order, so the
/// revenue sum is the same on every run whatever the cores do.
#[derive(Debug, Default)]
struct Tally {
    n: usize,
    bought: usize,
    revenue: f64,
    buyers: usize,
    churned: usize,
}

impl Tally {
    fn add(&self, o: &Tally) -> Tally {
        Tally {
            n: self.n + o.n,
            bought: self.bought + o.bought,
            revenue: self.revenue + o.revenue,
            buyers: self.buyers + o.buyers,
            churned: self.churned + o.churned,
        }
    }
}

fn tally(t: &Table, rows: &[bool], span: &Span, range: std::ops::Range<usize>) -> Tally {
    let mut k = Tally::default();
    for r in range.filter(|&r| rows[r]) {
        let (a, b) = (
            t.orders.offsets[r] as usize,
            t.orders.offsets[r + 1] as usize,
        );
        let time = &t.orders.time[a..b];
        let start = a + time.partition_point(|&x| x <= span.at);
        let end = a + time.partition_point(|&x| x <= span.bought_until);
        k.n += 1;
        k.bought += usize::from(end > start);
        k.revenue += t.orders.amount[start..end].iter().sum::<f64>();
        if let Some(until) = span.churn_until.filter(|_| start > a) {
            k.buyers += 1;
            k.churned += usize::from(a + time.partition_point(|&x| x <= until) == start);
        }
    }
    k
}

/// The audience (`members`, already limited to customers known then) against all known ones.
pub fn window(
    t: &Table,
    members: &[bool],
    known: &[bool],
    span: &Span,
    days_before: u32,
    as_of: String,
) -> BacktestWindow {
    window_against(
        t,
        members,
        behaviour(t, known, span),
        span,
        days_before,
        as_of,
    )
}

/// [`window`] with all known customers' behaviour already counted (it does not depend on the
/// audience, so a server keeps it per date).
pub fn window_against(
    t: &Table,
    members: &[bool],
    all_customers: Behaviour,
    span: &Span,
    days_before: u32,
    as_of: String,
) -> BacktestWindow {
    let audience = behaviour(t, members, span);
    let lift = |a: f64, b: f64| (b > 0.0).then(|| a / b);
    BacktestWindow {
        days_before,
        as_of,
        bought_lift: lift(audience.bought_share, all_customers.bought_share),
        revenue_lift: lift(
            audience.revenue_per_customer,
            all_customers.revenue_per_customer,
        ),
        churn_lift: audience
            .churned_share
            .zip(all_customers.churned_share)
            .and_then(|(a, b)| lift(a, b)),
        audience,
        all_customers,
    }
}

fn share(x: f64, n: usize) -> f64 {
    if n == 0 { 0.0 } else { x / n as f64 }
}

#[cfg(test)]
mod tests {
    use super::super::features::orders_table;
    use super::*;

    const D: i64 = 86_400;

    /// a buys on days 5 and 20; b on day 5 and 150; c on day 50 only.
    fn table() -> Table {
        orders_table(vec![
            ("a".into(), 5 * D, 10.0, None),
            ("a".into(), 20 * D, 40.0, None),
            ("b".into(), 5 * D, 10.0, None),
            ("b".into(), 150 * D, 30.0, None),
            ("c".into(), 50 * D, 60.0, None),
        ])
    }

    #[test]
    fn behaviour_counts_buyers_revenue_and_churners_after_the_date() {
        let span = Span {
            at: 10 * D,
            day: 10,
            bought_until: 40 * D,
            churn_until: Some(100 * D),
        };
        let all = behaviour(&table(), &[true, true, true], &span);
        // Only a buys in (10, 40]: 1 of 3, revenue 40 over 3.
        assert_eq!(all.customers, 3);
        assert!(
            (all.bought_share - 1.0 / 3.0).abs() < 1e-12
                && (all.revenue_per_customer - 40.0 / 3.0).abs() < 1e-12
        );
        // a and b had ordered by day 10; b orders nothing in (10, 100]: 1 of 2 churned.
        assert_eq!(all.churned_share, Some(0.5));
    }

    #[test]
    fn churn_is_left_out_while_its_window_is_not_over() {
        let span = Span {
            at: 10 * D,
            day: 10,
            bought_until: 40 * D,
            churn_until: None,
        };
        assert_eq!(
            behaviour(&table(), &[true, true, true], &span).churned_share,
            None
        );
    }

    #[test]
    fn a_window_compares_the_audience_with_all_customers() {
        let span = Span {
            at: 10 * D,
            day: 10,
            bought_until: 40 * D,
            churn_until: Some(100 * D),
        };
        let t = table();
        let known = known_at(&t, &span);
        // c's first order is after day 10 and it has no signup date: it was not a customer yet.
        assert_eq!(known, [true, true, false]);
        let w = window(
            &t,
            &[true, false, false],
            &known,
            &span,
            30,
            "1970-01-11".into(),
        );
        assert_eq!(
            (w.audience.bought_share, w.audience.revenue_per_customer),
            (1.0, 40.0)
        );
        assert_eq!(
            (w.all_customers.customers, w.bought_lift, w.revenue_lift),
            (2, Some(2.0), Some(2.0))
        );
        assert_eq!(w.churn_lift, Some(0.0), "a did not churn; half of all did");
    }

    #[test]
    fn customers_who_signed_up_later_are_not_part_of_the_past() {
        let mut t = table();
        t.columns
            .insert("signup_date".into(), Column::Num(vec![1.0, 1.0, 45.0]));
        let span = Span {
            at: 10 * D,
            day: 10,
            bought_until: 40 * D,
            churn_until: None,
        };
        assert_eq!(known_at(&t, &span), [true, true, false]);
    }
}
