//! Queries behind a preview: the audience's size and reachability, breakdowns, histograms and
//! a sample, each wrapping the compiled predicate. Fixed SQL text around it; values still bound.

use super::{BASE_FROM, CompiledQuery, SqlWriter, Target};
use crate::domain::catalog::{Fact, FieldType, Source};
use crate::domain::pred::FieldRef;
use crate::domain::validate::ValidDefinition;

/// Buckets of the lifetime revenue histogram: `(label, lower bound exclusive)`; the first
/// bucket is exactly 0.
pub const REVENUE_BUCKETS: &[(&str, f64)] = &[
    ("$0", f64::NEG_INFINITY),
    ("$0–50", 0.0),
    ("$50–100", 50.0),
    ("$100–250", 100.0),
    ("$250–500", 250.0),
    ("$500–1k", 500.0),
    ("$1k–2.5k", 1000.0),
    ("over $2.5k", 2500.0),
];

/// Buckets of days since last activity: `(label, upper bound inclusive)`.
pub const INACTIVITY_BUCKETS: &[(&str, i64)] = &[
    ("0–7", 7),
    ("8–30", 30),
    ("31–90", 90),
    ("91–180", 180),
    ("181–365", 365),
    ("over 365", i64::MAX),
];

/// Customers on the global suppression list are never reachable.
const SUPPRESSED: &str = "EXISTS (SELECT 1 FROM suppressions s WHERE (s.kind = 'email' AND s.value = c.email) OR (s.kind = 'phone' AND s.value = c.phone) OR (s.kind = 'external_id' AND s.value = c.external_id))";

/// A derived fact's expression in the writer's facts mode (precomputed or as of D).
fn fact(w: &mut SqlWriter<'_>, fact: Fact) -> String {
    w.field_expr(&FieldRef {
        name: String::new(),
        ty: FieldType::Number,
        source: Source::Fact(fact),
        repr: None,
    })
}

fn writer<'t>(vd: &ValidDefinition, t: Target<'t>) -> SqlWriter<'t> {
    SqlWriter::new(t.dialect, vd.as_of(), t.facts, t.thresholds)
}

/// One row: audience size, reachable by email, reachable by ads, suppressed, then the revenue
/// histogram, then the inactivity histogram (with "never active" last).
pub fn compile_summary(vd: &ValidDefinition, t: Target<'_>) -> CompiledQuery {
    let mut w = writer(vd, t);
    let pred = w.pred(vd.root());
    let rev = &fact(&mut w, Fact::LifetimeRevenue);
    let mut cols = vec![
        "COUNT(*)".to_string(),
        format!(
            "SUM(CASE WHEN c.email IS NOT NULL AND c.email_consent = 1 AND NOT {SUPPRESSED} THEN 1 ELSE 0 END)"
        ),
        format!(
            "SUM(CASE WHEN (c.email IS NOT NULL OR c.phone IS NOT NULL) AND c.ads_consent = 1 AND NOT {SUPPRESSED} THEN 1 ELSE 0 END)"
        ),
        format!("SUM(CASE WHEN {SUPPRESSED} THEN 1 ELSE 0 END)"),
    ];
    for (i, (_, lo)) in REVENUE_BUCKETS.iter().enumerate() {
        let hi = REVENUE_BUCKETS.get(i + 1).map(|b| b.1);
        let cond = match (i, hi) {
            (0, _) => format!("{rev} <= 0"),
            (_, Some(hi)) => format!("{rev} > {lo} AND {rev} <= {hi}"),
            (_, None) => format!("{rev} > {lo}"),
        };
        cols.push(format!("SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"));
    }
    let days = fact(&mut w, Fact::DaysSinceLastActivity);
    let last = fact(&mut w, Fact::LastActivityAt);
    let mut lo = i64::MIN;
    for (_, hi) in INACTIVITY_BUCKETS {
        cols.push(format!(
            "SUM(CASE WHEN {days} > {lo} AND {days} <= {hi} THEN 1 ELSE 0 END)"
        ));
        lo = *hi;
    }
    cols.push(format!("SUM(CASE WHEN {last} IS NULL THEN 1 ELSE 0 END)"));
    CompiledQuery {
        sql: format!("SELECT {} FROM {BASE_FROM} WHERE {pred}", cols.join(", ")),
        params: w.finish(),
    }
}

/// `(country, count)` of the audience, largest first (top 12).
pub fn compile_by_country(vd: &ValidDefinition, t: Target<'_>) -> CompiledQuery {
    let mut w = writer(vd, t);
    let pred = w.pred(vd.root());
    CompiledQuery {
        sql: format!(
            "SELECT c.country, COUNT(*) FROM {BASE_FROM} WHERE {pred} GROUP BY c.country ORDER BY 2 DESC, 1 NULLS LAST LIMIT 12"
        ),
        params: w.finish(),
    }
}

/// `(tier, count)` by value tier: `high` at or above `high`, `medium` at or above `medium`.
pub fn compile_by_tier(
    vd: &ValidDefinition,
    t: Target<'_>,
    high: f64,
    medium: f64,
) -> CompiledQuery {
    let mut w = writer(vd, t);
    let pred = w.pred(vd.root());
    let (h, m) = (w.bind_float(high), w.bind_float(medium));
    let rev = fact(&mut w, Fact::LifetimeRevenue);
    let tier = format!(
        "CASE WHEN {rev} >= {h} AND {rev} > 0 THEN 'high' WHEN {rev} >= {m} AND {rev} > 0 THEN 'medium' ELSE 'low' END"
    );
    CompiledQuery {
        sql: format!(
            "SELECT {tier} AS tier, COUNT(*) FROM {BASE_FROM} WHERE {pred} GROUP BY 1 ORDER BY 1"
        ),
        params: w.finish(),
    }
}

/// Up to `n` members as text columns: external id, email, phone, first name, country, region,
/// lifetime revenue, order count, last activity (epoch seconds).
pub fn compile_sample(vd: &ValidDefinition, t: Target<'_>, n: u32) -> CompiledQuery {
    let mut w = writer(vd, t);
    let pred = w.pred(vd.root());
    let (rev, orders, last) = (
        fact(&mut w, Fact::LifetimeRevenue),
        fact(&mut w, Fact::OrderCount),
        fact(&mut w, Fact::LastActivityAt),
    );
    let cols = format!(
        "c.external_id, c.email, c.phone, c.first_name, c.country, c.region, CAST({rev} AS TEXT), CAST({orders} AS TEXT), CAST({last} AS TEXT)"
    );
    let limit = w.bind_int(i64::from(n));
    CompiledQuery {
        sql: format!("SELECT {cols} FROM {BASE_FROM} WHERE {pred} ORDER BY c.id LIMIT {limit}"),
        params: w.finish(),
    }
}

/// `SELECT c.external_id … ORDER BY c.id`: the member list by id. No contact column: contact
/// data leaves only through [`compile_delivery`] (suppression list excluded).
pub fn compile_export(vd: &ValidDefinition, t: Target<'_>) -> CompiledQuery {
    let mut w = writer(vd, t);
    let pred = w.pred(vd.root());
    CompiledQuery {
        sql: format!(
            "SELECT c.external_id FROM {} WHERE {pred} ORDER BY c.id",
            w.from_clause()
        ),
        params: w.finish(),
    }
}

/// Which consent a delivery requires besides not being suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// Any member (webhooks, CSV): only the suppression list is excluded.
    None,
    /// Ad platforms.
    Ads,
    /// Email tools.
    Email,
}

/// The contact columns of a delivery or CSV export, in `normalize::Contact` field order.
pub const DELIVERY_COLUMNS: &str = "c.external_id, c.email, c.phone, c.first_name, c.last_name, c.country, c.region, c.city, c.postal_code";

/// `SELECT c.external_id, c.email, c.phone, c.first_name, c.last_name, c.country, c.region,
/// c.city, c.postal_code … ORDER BY c.id` (the order of `normalize::Contact`'s fields) of the
/// members a destination may receive: never anyone on the suppression list, and only those with the required consent.
pub fn compile_delivery(vd: &ValidDefinition, t: Target<'_>, consent: Consent) -> CompiledQuery {
    let mut w = writer(vd, t);
    let pred = w.pred(vd.root());
    let consent = match consent {
        Consent::None => "",
        Consent::Ads => " AND c.ads_consent = 1",
        Consent::Email => " AND c.email_consent = 1",
    };
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM {} WHERE ({pred}) AND NOT {SUPPRESSED}{consent} ORDER BY c.id",
        w.from_clause()
    );
    CompiledQuery {
        sql,
        params: w.finish(),
    }
}

/// How many of the audience are also in another definition's audience.
pub fn compile_overlap(
    vd: &ValidDefinition,
    t: Target<'_>,
    other: &ValidDefinition,
    other_thresholds: &[Option<f64>],
) -> CompiledQuery {
    let mut w = writer(vd, t);
    let a = w.pred(vd.root());
    w.set_thresholds(other_thresholds);
    let b = w.pred(other.root());
    CompiledQuery {
        sql: format!("SELECT COUNT(*) FROM {BASE_FROM} WHERE {a} AND {b}"),
        params: w.finish(),
    }
}
