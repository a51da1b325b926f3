//! `SqlWriter`: accumulates `$N` parameters while writing predicate SQL. Identifiers are written
//! only from the catalog's fixed names (`Source::Column` is `&'static str`); user values never
//! reach the SQL text.

use crate::domain::catalog::{Fact, FieldType, Source};
use crate::domain::definition::{AggSource, Direction, Measure, Quantity};
use crate::domain::pred::{Agg, Cmp, Expr, FieldRef, Pred, Scalar, Test};
use crate::domain::time::{AsOf, DAY_SECS};

/// Target database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// Whether per-customer facts come from the precomputed `customer_facts` table (valid when no
/// data is newer than the as-of date) or are computed from orders and events up to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactsMode {
    Precomputed,
    AsOf,
}

/// A bound parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Int(i64),
    Float(f64),
    Text(String),
}

/// Rough cost of evaluating a predicate for one customer: columns and precomputed facts are
/// cheap, custom attributes need a lookup, aggregates scan the customer's orders or events.
fn cost(p: &Pred) -> u32 {
    match p {
        Pred::All { of } | Pred::Any { of } => of.iter().map(cost).sum(),
        Pred::Not { of } => cost(of),
        Pred::Percentile { field, .. }
        | Pred::Test {
            expr: Expr::Field(field),
            ..
        } => match field.source {
            Source::Column(_) => 1,
            Source::Fact(_) => 2,
            Source::Attribute(_) => 5,
        },
        Pred::Test {
            expr: Expr::Agg(_), ..
        } => 20,
    }
}

/// Conditions of a group, cheapest first: both databases stop at the first false (`AND`) or
/// true (`OR`) term, so expensive aggregates run only for customers the cheap terms keep.
/// Reordering is safe because every predicate is two-valued and free of side effects.
fn cheapest_first(of: &[Pred]) -> Vec<&Pred> {
    let mut v: Vec<&Pred> = of.iter().collect();
    v.sort_by_key(|p| cost(p));
    v
}

/// Writes SQL for predicates, collecting parameters.
pub struct SqlWriter<'t> {
    dialect: Dialect,
    as_of: AsOf,
    facts: FactsMode,
    thresholds: &'t [Option<f64>],
    params: Vec<Param>,
    /// Whether anything written reads the precomputed facts (`f.`), so callers can leave the
    /// join out when nothing does.
    uses_facts: bool,
}

impl<'t> SqlWriter<'t> {
    pub fn new(
        dialect: Dialect,
        as_of: AsOf,
        facts: FactsMode,
        thresholds: &'t [Option<f64>],
    ) -> Self {
        Self {
            dialect,
            as_of,
            facts,
            thresholds,
            params: Vec::new(),
            uses_facts: false,
        }
    }

    /// `FROM` for what has been written: with the facts join only if it is needed.
    pub fn from_clause(&self) -> &'static str {
        if self.uses_facts {
            super::BASE_FROM
        } else {
            "customers c"
        }
    }

    /// The parameters, in placeholder order.
    pub fn finish(self) -> Vec<Param> {
        self.params
    }

    /// Use another definition's thresholds for the predicates written next.
    pub fn set_thresholds(&mut self, t: &'t [Option<f64>]) {
        self.thresholds = t;
    }

    /// Bind an integer and return its placeholder.
    pub fn bind_int(&mut self, i: i64) -> String {
        self.bind(Param::Int(i))
    }

    /// Bind a float and return its placeholder.
    pub fn bind_float(&mut self, x: f64) -> String {
        self.bind(Param::Float(x))
    }

    fn bind(&mut self, p: Param) -> String {
        self.params.push(p);
        format!("${}", self.params.len())
    }

    fn scalar(&mut self, s: &Scalar) -> String {
        self.bind(match s {
            Scalar::Num(x) => Param::Float(*x),
            Scalar::Int(i) => Param::Int(*i),
            Scalar::Text(t) => Param::Text(t.clone()),
        })
    }

    /// A predicate, always two-valued (never NULL).
    pub fn pred(&mut self, p: &Pred) -> String {
        match p {
            Pred::All { of } if of.is_empty() => "(1 = 1)".into(),
            Pred::Any { of } if of.is_empty() => "(1 = 0)".into(),
            Pred::All { of } => format!(
                "({})",
                cheapest_first(of)
                    .into_iter()
                    .map(|x| self.pred(x))
                    .collect::<Vec<_>>()
                    .join(" AND ")
            ),
            Pred::Any { of } => format!(
                "({})",
                cheapest_first(of)
                    .into_iter()
                    .map(|x| self.pred(x))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            ),
            Pred::Not { of } => format!("(NOT {})", self.pred(of)),
            Pred::Test { expr, test } => {
                let e = self.expr(expr);
                self.test(&e, test)
            }
            Pred::Percentile {
                field,
                direction,
                slot,
                ..
            } => match self.thresholds.get(*slot).copied().flatten() {
                None => "(1 = 0)".into(),
                Some(t) => {
                    let e = self.field_expr(field);
                    let op = if *direction == Direction::Top {
                        ">="
                    } else {
                        "<="
                    };
                    let p = self.bind(Param::Float(t));
                    format!("COALESCE({e} {op} {p}, FALSE)")
                }
            },
        }
    }

    fn test(&mut self, e: &str, t: &Test) -> String {
        match t {
            Test::Cmp { op, value } => {
                let v = self.scalar(value);
                let op = match op {
                    Cmp::Eq => "=",
                    Cmp::Ne => "<>",
                    Cmp::Lt => "<",
                    Cmp::Lte => "<=",
                    Cmp::Gt => ">",
                    Cmp::Gte => ">=",
                };
                format!("COALESCE({e} {op} {v}, FALSE)")
            }
            Test::Between { lo, hi } => {
                let (lo, hi) = (self.scalar(lo), self.scalar(hi));
                format!("COALESCE({e} BETWEEN {lo} AND {hi}, FALSE)")
            }
            Test::In { values } | Test::NotIn { values } => {
                let list: Vec<String> = values.iter().map(|v| self.scalar(v)).collect();
                let not = if matches!(t, Test::NotIn { .. }) {
                    "NOT "
                } else {
                    ""
                };
                format!("COALESCE({e} {not}IN ({}), FALSE)", list.join(", "))
            }
            Test::Contains { value } => {
                let v = self.bind(Param::Text(value.to_ascii_lowercase()));
                match self.dialect {
                    Dialect::Sqlite => format!("COALESCE(instr(lower({e}), {v}) > 0, FALSE)"),
                    Dialect::Postgres => format!("COALESCE(strpos(lower({e}), {v}) > 0, FALSE)"),
                }
            }
            Test::StartsWith { value } => {
                let v = self.bind(Param::Text(value.to_ascii_lowercase()));
                format!("COALESCE(substr(lower({e}), 1, length({v})) = {v}, FALSE)")
            }
            Test::IsSet { set: true } => format!("({e} IS NOT NULL)"),
            Test::IsSet { set: false } => format!("({e} IS NULL)"),
        }
    }

    fn expr(&mut self, e: &Expr) -> String {
        match e {
            Expr::Field(f) => self.field_expr(f),
            Expr::Agg(a) => self.agg(a),
        }
    }

    /// The SQL expression of a catalog field.
    pub fn field_expr(&mut self, f: &FieldRef) -> String {
        match &f.source {
            Source::Column(col) => format!("c.{col}"),
            Source::Attribute(name) => {
                let col = if matches!(f.ty, FieldType::Text | FieldType::Categorical) {
                    "text_value"
                } else {
                    "num_value"
                };
                let n = self.bind(Param::Text(name.clone()));
                format!(
                    "(SELECT a.{col} FROM customer_attributes a WHERE a.customer_id = c.id AND a.name = {n})"
                )
            }
            Source::Fact(fact) => self.fact(*fact),
        }
    }

    fn greatest(&self, a: &str, b: &str) -> String {
        let f = if self.dialect == Dialect::Sqlite {
            "MAX"
        } else {
            "GREATEST"
        };
        format!("{f}(COALESCE({a}, {b}), COALESCE({b}, {a}))")
    }

    fn fact(&mut self, fact: Fact) -> String {
        let end = self.as_of.end();
        match fact {
            Fact::DaysSinceLastOrder => {
                let t = self.fact(Fact::LastOrderAt);
                let d = self.bind(Param::Int(end));
                return format!("(({d} - {t}) / {DAY_SECS})");
            }
            Fact::DaysSinceLastActivity => {
                let t = self.fact(Fact::LastActivityAt);
                let d = self.bind(Param::Int(end));
                return format!("(({d} - {t}) / {DAY_SECS})");
            }
            Fact::TenureDays => {
                let t = self.fact(Fact::FirstOrderAt);
                let day = self.bind(Param::Int(self.as_of.day()));
                let d = self.bind(Param::Int(end));
                return format!(
                    "(CASE WHEN c.signup_date IS NOT NULL THEN {day} - c.signup_date ELSE ({d} - {t}) / {DAY_SECS} END)"
                );
            }
            _ => {}
        }
        if self.facts == FactsMode::Precomputed {
            self.uses_facts = true;
            return match fact {
                Fact::LifetimeRevenue => "COALESCE(f.lifetime_revenue, 0)".into(),
                Fact::OrderCount => "COALESCE(f.order_count, 0)".into(),
                Fact::AverageOrderValue => "f.average_order_value".into(),
                Fact::ItemsBought => "COALESCE(f.items_bought, 0)".into(),
                Fact::FirstOrderAt => "f.first_order_at".into(),
                Fact::LastOrderAt => "f.last_order_at".into(),
                _ => "f.last_activity_at".into(),
            };
        }
        let window = |m, of| Agg {
            source: AggSource::Orders,
            event: None,
            measure: m,
            of,
            after: None,
            until: end,
        };
        match fact {
            Fact::LifetimeRevenue => self.agg(&window(Measure::Sum, Some(Quantity::Amount))),
            Fact::OrderCount => self.agg(&window(Measure::Count, None)),
            Fact::AverageOrderValue => self.agg(&window(Measure::Avg, Some(Quantity::Amount))),
            Fact::ItemsBought => self.agg(&window(Measure::Sum, Some(Quantity::Quantity))),
            Fact::FirstOrderAt => self.agg(&window(Measure::First, None)),
            Fact::LastOrderAt => self.agg(&window(Measure::Last, None)),
            _ => {
                let o = self.agg(&window(Measure::Last, None));
                let ev = self.agg(&Agg {
                    source: AggSource::Events,
                    ..window(Measure::Last, None)
                });
                self.greatest(&o, &ev)
            }
        }
    }

    /// A correlated subquery computing an aggregate for customer `c`.
    fn agg(&mut self, a: &Agg) -> String {
        let (table, alias) = match a.source {
            AggSource::Orders => ("orders", "o"),
            AggSource::Events => ("events", "e"),
        };
        let col = match a.of {
            Some(Quantity::Quantity) => "quantity",
            _ => "amount",
        };
        let select = match a.measure {
            Measure::Count => "COUNT(*)".to_string(),
            Measure::Sum => format!("COALESCE(SUM({alias}.{col}), 0)"),
            Measure::Avg => format!("AVG({alias}.{col})"),
            Measure::Min => format!("MIN({alias}.{col})"),
            Measure::Max => format!("MAX({alias}.{col})"),
            Measure::First => format!("MIN({alias}.occurred_at)"),
            Measure::Last => format!("MAX({alias}.occurred_at)"),
        };
        let mut sql =
            format!("(SELECT {select} FROM {table} {alias} WHERE {alias}.customer_id = c.id");
        if let Some(ev) = &a.event {
            let p = self.bind(Param::Text(ev.clone()));
            sql.push_str(&format!(" AND {alias}.name = {p}"));
        }
        if let Some(after) = a.after {
            let p = self.bind(Param::Int(after));
            sql.push_str(&format!(" AND {alias}.occurred_at > {p}"));
        }
        let p = self.bind(Param::Int(a.until));
        sql.push_str(&format!(" AND {alias}.occurred_at <= {p})"));
        sql
    }
}
