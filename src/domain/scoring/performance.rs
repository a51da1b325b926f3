//! Predicted performance of an audience from its members' scores: expected buyers (Σ purchase
//! propensity), expected revenue (Σ propensity × the customer's average order value), expected
//! churners (Σ churn risk) and revenue at risk (Σ churn risk × trailing-year revenue), each with
//! the same rate over all scored customers, so a marketer sees the lift before activating.

use serde::Serialize;

use super::super::columnar::{Column, Table};

const DAY: i64 = 86_400;

/// One score summed over an audience and over everyone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expected {
    /// The score attribute (`purchase_propensity`, `churn_risk`).
    pub score: String,
    /// Members with this score.
    pub scored_members: usize,
    /// Σ probability over members: the expected number of buyers / churners.
    pub expected: f64,
    /// `expected / scored_members`.
    pub rate: f64,
    /// The mean probability over all scored customers.
    pub base_rate: f64,
    /// `rate / base_rate`.
    pub lift: f64,
    /// Σ probability × value (average order value for buyers, trailing-year revenue for churn).
    pub value: f64,
    /// What `value` means.
    pub value_label: &'static str,
}

/// The predicted performance of an audience.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Performance {
    pub members: usize,
    /// One entry per score that exists (none before `segwright train`).
    pub expected: Vec<Expected>,
}

/// Sum the scores over `members` (a mask over table rows) as of instant `now`.
pub fn performance(t: &Table, members: &[bool], now: i64) -> Performance {
    let mut expected = Vec::new();
    for (score, label) in [
        ("purchase_propensity", "expected revenue (Σ propensity × average order value)"),
        ("churn_risk", "revenue at risk (Σ churn risk × last-365-day revenue)"),
    ] {
        let Some(Column::Num(p)) = t.columns.get(score) else { continue };
        let churn = score == "churn_risk";
        let (mut n_all, mut s_all, mut n, mut s, mut value) = (0usize, 0.0, 0usize, 0.0, 0.0);
        for (r, &x) in p.iter().enumerate() {
            if !x.is_finite() {
                continue;
            }
            n_all += 1;
            s_all += x;
            if members[r] {
                n += 1;
                s += x;
                value += x * customer_value(t, r, now, churn);
            }
        }
        let rate = if n > 0 { s / n as f64 } else { 0.0 };
        let base_rate = if n_all > 0 { s_all / n_all as f64 } else { 0.0 };
        let lift = if base_rate > 0.0 { rate / base_rate } else { 0.0 };
        expected.push(Expected { score: score.into(), scored_members: n, expected: s, rate, base_rate, lift, value, value_label: label });
    }
    Performance { members: members.iter().filter(|&&m| m).count(), expected }
}

/// Average order value up to `now`, or revenue in the year before `now` when `trailing_year`.
fn customer_value(t: &Table, r: usize, now: i64, trailing_year: bool) -> f64 {
    let (a, b) = (t.orders.offsets[r] as usize, t.orders.offsets[r + 1] as usize);
    let end = a + t.orders.time[a..b].partition_point(|&x| x <= now);
    if trailing_year {
        let from = now - 365 * DAY;
        let s = a + t.orders.time[a..end].partition_point(|&x| x <= from);
        t.orders.amount[s..end].iter().sum()
    } else if end > a {
        t.orders.amount[a..end].iter().sum::<f64>() / (end - a) as f64
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::super::features::orders_table;
    use super::*;

    #[test]
    fn sums_member_probabilities_against_the_base_rate() {
        let mut t = orders_table(vec![("a".into(), 10, 100.0, None), ("b".into(), 10, 50.0, None), ("c".into(), 10, 10.0, None)]);
        t.columns.insert("purchase_propensity".into(), Column::Num(vec![0.8, 0.2, f64::NAN]));
        let p = performance(&t, &[true, false, true], 20);
        assert_eq!(p.members, 2);
        assert_eq!(p.expected.len(), 1, "no churn scores, no churn figure");
        let e = &p.expected[0];
        assert_eq!((e.scored_members, e.expected, e.base_rate), (1, 0.8, 0.5));
        assert!((e.lift - 1.6).abs() < 1e-12);
        assert!((e.value - 80.0).abs() < 1e-12);
    }
}
