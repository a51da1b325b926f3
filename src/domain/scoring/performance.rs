//! Predicted performance of an audience from its members' scores: expected buyers (Σ purchase
//! propensity), expected revenue (Σ propensity × the customer's average order value), expected
//! churners (Σ churn risk) and revenue at risk (Σ churn risk × trailing-year revenue), each with
//! the same rate over all scored customers, so a marketer sees the lift before activating. For a
//! cut on a score it adds the expected true and false positives and the share of all expected
//! positives captured, and the distribution of the members' scores. The backtest (how past
//! versions of the audience behaved) is in [`super::backtest`].

use serde::Serialize;

use super::super::columnar::{Column, Table};
use super::super::preview::Bucket;
use super::backtest::Backtest;

const DAY: i64 = 86_400;

/// The behavioural scores a preview reads, with what their sum and value mean.
pub const SCORES: [(&str, &str, &str); 2] = [
    (
        "purchase_propensity",
        "expected buyers (Σ purchase propensity)",
        "expected revenue (Σ propensity × average order value)",
    ),
    (
        "churn_risk",
        "expected churners (Σ churn risk)",
        "revenue at risk (Σ churn risk × last-365-day revenue)",
    ),
];

/// What a preview says when no model has been trained: no figures rather than zeros.
pub const NOT_TRAINED: &str = "Predicted performance is not available: no model has been trained. Run `segwright train` (or POST /api/models/train), then preview again.";

/// One score summed over an audience and over everyone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expected {
    /// The score attribute (`purchase_propensity`, `churn_risk`).
    pub score: String,
    /// What `expected` means.
    pub label: &'static str,
    /// Members with this score.
    pub scored_members: usize,
    /// Σ probability over members: the expected number of buyers / churners.
    pub expected: f64,
    /// `expected / scored_members`.
    pub rate: f64,
    /// The mean probability over all scored customers.
    pub base_rate: f64,
    /// `base_rate × scored_members`: what an audience of the same size drawn at random would give.
    pub base_expected: f64,
    /// `rate / base_rate`.
    pub lift: f64,
    /// Σ probability × value (average order value for buyers, trailing-year revenue for churn).
    pub value: f64,
    /// The same sum over all scored customers, scaled to the audience's size.
    pub base_value: f64,
    /// What `value` means.
    pub value_label: &'static str,
}

/// The expected outcome of a cut on a score (`churn_risk ≥ 0.6`) among the audience.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CutOutcome {
    pub score: String,
    /// The cut in words, e.g. `churn_risk ≥ 0.6`.
    pub cut: String,
    /// Members whose score passes the cut.
    pub members: usize,
    /// Σ p over those members: how many are expected to do it.
    pub expected_true_positives: f64,
    /// Σ (1 − p) over those members: how many are expected not to.
    pub expected_false_positives: f64,
    /// Σ p over all scored customers: every expected churner / buyer.
    pub expected_positives_all: f64,
    /// `expected_true_positives / expected_positives_all`.
    pub capture: f64,
    /// `expected_true_positives / members`.
    pub precision: f64,
}

/// How the members' scores are spread, in ten bins of 0.1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    pub score: String,
    pub buckets: Vec<Bucket>,
}

/// The predicted performance of an audience.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Performance {
    pub members: usize,
    /// Whether trained scores exist; when not, `note` says how to get them.
    pub scores_available: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// One entry per score that exists (none before `segwright train`).
    pub expected: Vec<Expected>,
    /// One entry per cut on a score in the definition.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cuts: Vec<CutOutcome>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub distribution: Vec<Distribution>,
    /// How the same definition's audiences behaved after earlier dates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backtest: Option<Backtest>,
}

/// The score column `name`, if trained.
pub fn score_column<'t>(t: &'t Table, name: &str) -> Option<&'t [f64]> {
    match t.columns.get(name) {
        Some(Column::Num(p)) => Some(p),
        _ => None,
    }
}

/// Sum the scores over `members` (a mask over table rows) as of instant `now`.
pub fn performance(t: &Table, members: &[bool], now: i64) -> Performance {
    let mut expected = Vec::new();
    let mut distribution = Vec::new();
    for (score, label, value_label) in SCORES {
        let Some(p) = score_column(t, score) else {
            continue;
        };
        let value = |r: usize| customer_value(t, r, now, score == "churn_risk");
        let mut e = expected_of(p, members, value);
        e.score = score.into();
        (e.label, e.value_label) = (label, value_label);
        expected.push(e);
        distribution.push(Distribution {
            score: score.into(),
            buckets: histogram(p, members),
        });
    }
    let scores_available = !expected.is_empty();
    Performance {
        members: members.iter().filter(|&&m| m).count(),
        scores_available,
        note: (!scores_available).then(|| NOT_TRAINED.to_string()),
        expected,
        cuts: Vec::new(),
        distribution,
        backtest: None,
    }
}

/// Σ p and Σ p × value over members and over everyone with a score.
fn expected_of(p: &[f64], members: &[bool], value: impl Fn(usize) -> f64) -> Expected {
    let (mut n_all, mut s_all, mut v_all, mut n, mut s, mut v) =
        (0usize, 0.0, 0.0, 0usize, 0.0, 0.0);
    for (r, &x) in p.iter().enumerate() {
        if !x.is_finite() {
            continue;
        }
        let xv = x * value(r);
        n_all += 1;
        s_all += x;
        v_all += xv;
        if members[r] {
            n += 1;
            s += x;
            v += xv;
        }
    }
    let rate = ratio(s, n as f64);
    let base_rate = ratio(s_all, n_all as f64);
    Expected {
        score: String::new(),
        label: "",
        scored_members: n,
        expected: s,
        rate,
        base_rate,
        base_expected: base_rate * n as f64,
        lift: ratio(rate, base_rate),
        value: v,
        base_value: ratio(v_all, n_all as f64) * n as f64,
        value_label: "",
    }
}

/// Expected true and false positives of the members passing a cut, and the share of all
/// expected positives they hold. `passes` marks the rows whose score passes the cut.
pub fn cut_outcome(
    score: &str,
    cut: String,
    p: &[f64],
    members: &[bool],
    passes: &[bool],
) -> CutOutcome {
    let (mut n, mut tp, mut fp, mut all) = (0usize, 0.0, 0.0, 0.0);
    for (r, &x) in p.iter().enumerate() {
        if !x.is_finite() {
            continue;
        }
        all += x;
        if members[r] && passes[r] {
            n += 1;
            tp += x;
            fp += 1.0 - x;
        }
    }
    CutOutcome {
        score: score.into(),
        cut,
        members: n,
        expected_true_positives: tp,
        expected_false_positives: fp,
        expected_positives_all: all,
        capture: ratio(tp, all),
        precision: ratio(tp, n as f64),
    }
}

/// Members' scores in ten bins `[0, 0.1) … [0.9, 1]`.
fn histogram(p: &[f64], members: &[bool]) -> Vec<Bucket> {
    let mut counts = [0i64; 10];
    for (r, &x) in p.iter().enumerate() {
        if members[r] && x.is_finite() {
            counts[((x * 10.0).floor().max(0.0) as usize).min(9)] += 1;
        }
    }
    counts
        .iter()
        .enumerate()
        .map(|(k, &count)| Bucket {
            label: format!("{:.1}–{:.1}", k as f64 / 10.0, (k + 1) as f64 / 10.0),
            count,
        })
        .collect()
}

/// `a / b`, 0 when `b` is 0 (an empty audience has no rate).
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// Average order value up to `now`, or revenue in the year before `now` when `trailing_year`.
fn customer_value(t: &Table, r: usize, now: i64, trailing_year: bool) -> f64 {
    let (a, b) = (
        t.orders.offsets[r] as usize,
        t.orders.offsets[r + 1] as usize,
    );
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

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// a: two orders of 100 and 50 (AOV 75); b: one of 50; c: one of 10 (all within the year).
    fn table() -> Table {
        orders_table(vec![
            ("a".into(), 10, 100.0, None),
            ("a".into(), 12, 50.0, None),
            ("b".into(), 10, 50.0, None),
            ("c".into(), 10, 10.0, None),
        ])
    }

    #[test]
    fn sums_member_probabilities_against_the_base_rate() {
        let mut t = table();
        t.columns.insert(
            "purchase_propensity".into(),
            Column::Num(vec![0.8, 0.2, f64::NAN]),
        );
        let p = performance(&t, &[true, false, true], 20);
        assert_eq!(p.members, 2);
        assert!(p.scores_available && p.note.is_none());
        assert_eq!(p.expected.len(), 1, "no churn scores, no churn figure");
        let e = &p.expected[0];
        assert_eq!((e.scored_members, e.expected, e.base_rate), (1, 0.8, 0.5));
        assert!(close(e.lift, 1.6));
        // Expected revenue: 0.8 × AOV 75 = 60; everyone: (60 + 0.2 × 50) / 2 per customer.
        assert!(close(e.value, 60.0) && close(e.base_value, 35.0), "{e:?}");
        assert!(close(e.base_expected, 0.5));
    }

    #[test]
    fn revenue_at_risk_weighs_churn_risk_by_trailing_year_revenue() {
        let mut t = table();
        t.columns
            .insert("churn_risk".into(), Column::Num(vec![0.5, 0.9, 0.1]));
        let p = performance(&t, &[true, true, false], 20);
        let e = &p.expected[0];
        assert_eq!(e.score, "churn_risk");
        // 0.5 × 150 + 0.9 × 50 = 120; all: (120 + 0.1 × 10) / 3 × 2 members.
        assert!(
            close(e.value, 120.0) && close(e.base_value, 121.0 / 3.0 * 2.0),
            "{e:?}"
        );
        assert!(close(e.expected, 1.4) && close(e.rate, 0.7) && close(e.base_rate, 0.5));
    }

    #[test]
    fn without_trained_scores_the_preview_says_so_instead_of_zeros() {
        let p = performance(&table(), &[true, true, true], 20);
        assert!(!p.scores_available && p.expected.is_empty());
        assert!(
            p.note
                .as_deref()
                .is_some_and(|n| n.contains("segwright train"))
        );
    }

    #[test]
    fn a_cut_counts_expected_true_and_false_positives_and_the_share_captured() {
        let p = [0.9, 0.7, 0.3, 0.1];
        let passes: Vec<bool> = p.iter().map(|x| *x >= 0.6).collect();
        let c = cut_outcome(
            "churn_risk",
            "churn_risk ≥ 0.6".into(),
            &p,
            &[true, true, true, false],
            &passes,
        );
        assert_eq!(c.members, 2);
        assert!(close(c.expected_true_positives, 1.6) && close(c.expected_false_positives, 0.4));
        assert!(
            close(c.expected_positives_all, 2.0)
                && close(c.capture, 0.8)
                && close(c.precision, 0.8)
        );
    }

    #[test]
    fn the_distribution_counts_members_in_tenths() {
        let b = histogram(
            &[0.05, 0.15, 0.99, 1.0, f64::NAN, 0.5],
            &[true, true, true, true, true, false],
        );
        let counts: Vec<i64> = b.iter().map(|x| x.count).collect();
        assert_eq!(counts, [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]);
        assert_eq!(b[9].label, "0.9–1.0");
    }
}
