//! The compiler: turns a [`ValidDefinition`] into SQL text plus bound parameters for SQLite or
//! PostgreSQL. One recursive match, one arm per predicate; identifiers come only from the
//! catalog's fixed column names, every value is a `$N` parameter.
//!
//! The SQL reads `customers c LEFT JOIN customer_facts f ON f.customer_id = c.id`; the store
//! wraps the predicate into count, sample and export queries.

mod preview;
mod writer;

pub use preview::*;

pub use writer::{Dialect, FactsMode, Param, SqlWriter};

use crate::domain::validate::{PercentileSpec, ValidDefinition};

/// The FROM clause every compiled predicate is written against.
pub const BASE_FROM: &str = "customers c LEFT JOIN customer_facts f ON f.customer_id = c.id";

/// SQL text with its parameters, in `$1…$N` order.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledQuery {
    pub sql: String,
    pub params: Vec<Param>,
}

/// Options shared by everything compiled for one run.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub dialect: Dialect,
    pub facts: FactsMode,
    /// Resolved percentile thresholds, by slot (`None`: no customer has a value).
    pub thresholds: &'a [Option<f64>],
}

/// `SELECT c.id FROM … WHERE <definition>`: the audience's internal ids.
pub fn compile_members(vd: &ValidDefinition, t: Target<'_>) -> CompiledQuery {
    let mut w = SqlWriter::new(t.dialect, vd.as_of(), t.facts, t.thresholds);
    let pred = w.pred(vd.root());
    CompiledQuery {
        sql: format!("SELECT c.id FROM {} WHERE {pred}", w.from_clause()),
        params: w.finish(),
    }
}

/// The definition's predicate alone (to embed in larger queries), with its parameters.
pub fn compile_predicate(vd: &ValidDefinition, t: Target<'_>) -> CompiledQuery {
    let mut w = SqlWriter::new(t.dialect, vd.as_of(), t.facts, t.thresholds);
    let sql = w.pred(vd.root());
    CompiledQuery {
        sql,
        params: w.finish(),
    }
}

/// One query counting, in a single pass: everyone; each top-level condition on its own; and the
/// audience narrowing as conditions are added one by one (the last column is the full audience).
pub fn compile_funnel(vd: &ValidDefinition, t: Target<'_>) -> CompiledQuery {
    let mut w = SqlWriter::new(t.dialect, vd.as_of(), t.facts, t.thresholds);
    let preds: Vec<String> = vd.clauses().iter().map(|c| w.pred(&c.pred)).collect();
    let mut cols = vec!["COUNT(*)".to_string()];
    for p in &preds {
        cols.push(format!("SUM(CASE WHEN {p} THEN 1 ELSE 0 END)"));
    }
    for i in 1..=preds.len() {
        cols.push(format!(
            "SUM(CASE WHEN {} THEN 1 ELSE 0 END)",
            preds[..i].join(" AND ")
        ));
    }
    CompiledQuery {
        sql: format!("SELECT {} FROM {BASE_FROM}", cols.join(", ")),
        params: w.finish(),
    }
}

/// `SELECT COUNT(*)` of the audience alone (the count-only preview).
pub fn compile_count(vd: &ValidDefinition, t: Target<'_>) -> CompiledQuery {
    let mut w = SqlWriter::new(t.dialect, vd.as_of(), t.facts, t.thresholds);
    let pred = w.pred(vd.root());
    CompiledQuery {
        sql: format!("SELECT COUNT(*) FROM {} WHERE {pred}", w.from_clause()),
        params: w.finish(),
    }
}

/// The non-null values of a percentile's field, as `v`, for threshold resolution.
pub fn compile_percentile_values(
    spec: &PercentileSpec,
    vd: &ValidDefinition,
    t: Target<'_>,
) -> CompiledQuery {
    use crate::domain::catalog::{Fact, Source};
    // Precomputed facts hold one NOT NULL row per customer: rank them straight off their index.
    if t.facts == FactsMode::Precomputed {
        let col = match spec.field.source {
            Source::Fact(Fact::LifetimeRevenue) => Some("lifetime_revenue"),
            Source::Fact(Fact::OrderCount) => Some("order_count"),
            _ => None,
        };
        if let Some(col) = col {
            return CompiledQuery {
                sql: format!("SELECT f.{col} AS v FROM customer_facts f"),
                params: Vec::new(),
            };
        }
    }
    let mut w = SqlWriter::new(t.dialect, vd.as_of(), t.facts, t.thresholds);
    let e = w.field_expr(&spec.field);
    CompiledQuery {
        sql: format!("SELECT {e} AS v FROM {BASE_FROM} WHERE {e} IS NOT NULL"),
        params: w.finish(),
    }
}

/// 1-based rank of the threshold value: `ceil(P% × N)`, at least 1 (ties are then included by
/// comparing with `≥`/`≤`).
pub fn percentile_rank(percent: f64, n: u64) -> u64 {
    let x = percent * n as f64 / 100.0;
    // Guard against 7 × 100 / 100 = 7.000000000000001 style noise.
    let k = (x - 1e-9).ceil().max(1.0) as u64;
    k.min(n.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_is_the_ceiling_of_the_share() {
        assert_eq!(percentile_rank(20.0, 10), 2);
        assert_eq!(percentile_rank(20.0, 11), 3);
        assert_eq!(percentile_rank(7.0, 100), 7);
        assert_eq!(percentile_rank(0.001, 10), 1);
        assert_eq!(percentile_rank(100.0, 3), 3);
    }
}
