//! `segwright bench-nl`: how long the offline interpreter takes per request on a large catalog
//! (200 fields by default: the built-ins plus synthetic custom attributes with values).

use std::time::Instant;

use crate::domain::catalog::{AttributeSpec, Catalog, FieldType};
use crate::domain::glossary::Glossary;
use crate::domain::time::AsOf;
use crate::interpret::offline::{Cx, Offline};

const PROMPTS: &[&str] = &[
    "high-value churn-risk customers inactive for 30 days",
    "people who abandoned a cart this week but never bought",
    "month-to-month subscribers paying over $80",
    "VIPs in California or Texas who opened an email in the last 2 weeks",
    "customers who spent over $1k in the last 90 days but not in Germany",
    "top 10% by spend with at least 3 orders since March",
    "gold tier members with kids who have not visited in the last 6 months",
    "annual plan customers whose last purchase was before 2025",
];

/// A catalog of about `fields` fields.
pub fn big_catalog(fields: usize) -> Catalog {
    let kinds = [
        "Tier", "Score", "Segment", "Channel", "Plan", "Flag", "Fee", "Status",
    ];
    let attrs: Vec<AttributeSpec> = (0..fields.saturating_sub(24))
        .map(|i| {
            let kind = kinds[i % kinds.len()];
            let (ty, values) = match kind {
                "Tier" | "Segment" | "Channel" | "Plan" | "Status" => (
                    FieldType::Categorical,
                    (0..6).map(|v| format!("{kind} Value {i} {v}")).collect(),
                ),
                "Flag" => (FieldType::Boolean, vec![]),
                _ => (FieldType::Number, vec![]),
            };
            AttributeSpec {
                name: format!("custom_{kind}_{i}").to_lowercase(),
                ty,
                values,
                column: format!("Custom{kind}{i}"),
            }
        })
        .chain([
            AttributeSpec {
                name: "loyalty_tier".into(),
                ty: FieldType::Categorical,
                values: vec!["Gold".into(), "Silver".into()],
                column: "LoyaltyTier".into(),
            },
            AttributeSpec {
                name: "has_kids".into(),
                ty: FieldType::Boolean,
                values: vec![],
                column: "HasKids".into(),
            },
            AttributeSpec {
                name: "monthly_fee".into(),
                ty: FieldType::Number,
                values: vec![],
                column: "MonthlyFee".into(),
            },
            AttributeSpec {
                name: "plan_type".into(),
                ty: FieldType::Categorical,
                values: vec!["Annual".into(), "Monthly".into()],
                column: "PlanType".into(),
            },
        ])
        .collect();
    Catalog::build(
        vec!["US".into(), "DE".into()],
        vec!["CA".into(), "TX".into()],
        &attrs,
    )
    .with_events(
        ["page_view", "email_open", "cart_abandoned"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    )
}

/// Run the benchmark; returns a printable report.
pub fn run(fields: usize, runs: usize) -> String {
    let catalog = big_catalog(fields);
    let glossary = Glossary::default_glossary();
    let cx = Cx {
        catalog: &catalog,
        glossary: &glossary,
        as_of: AsOf::parse("2026-11-22", "UTC").expect("valid date"),
    };
    let started = Instant::now();
    let offline = Offline::new(&cx);
    let build_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut times: Vec<f64> = Vec::with_capacity(runs * PROMPTS.len());
    for _ in 0..runs {
        for p in PROMPTS {
            let t = Instant::now();
            std::hint::black_box(offline.interpret(p, &cx));
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    let q = |x: f64| times[((times.len() - 1) as f64 * x).round() as usize];
    format!(
        "offline interpreter, {} fields, {} requests: p50 {:.3} ms, p95 {:.3} ms, max {:.3} ms (lexicon built once in {build_ms:.1} ms)\n",
        catalog.fields.len(),
        times.len(),
        q(0.5),
        q(0.95),
        q(1.0)
    )
}
