//! Plain-English readings of definitions ("lifetime revenue is at least $100") and the
//! clause-by-clause "why in, why out" of one customer with their actual values.

use serde::Serialize;

use super::catalog::DateRepr;
use super::catalog::{Catalog, FieldUnit};
use super::definition::{AggSource, DateOp, Direction, Measure, Node, Op, Period, Value};
use super::evaluate::{self, Customer, Val};
use super::glossary::Glossary;
use super::mask::{self, Disclosure};
use super::pred::{Expr, Pred, Scalar, Test};
use super::time::{AsOf, Unit, date_of_day};
use super::validate::ValidDefinition;

/// `1234.5` → `$1,234.50`.
pub fn money(x: f64) -> String {
    let cents = (x.abs() * 100.0).round() as i64;
    let (whole, frac) = (cents / 100, cents % 100);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if x < 0.0 { "-" } else { "" };
    if frac == 0 {
        format!("{sign}${grouped}")
    } else {
        format!("{sign}${grouped}.{frac:02}")
    }
}

fn human(field: &str) -> String {
    field.replace('_', " ")
}

fn value_text(v: &Value, unit: FieldUnit) -> String {
    match v {
        Value::Number(x) if unit == FieldUnit::Currency => money(*x),
        Value::Number(x) if unit == FieldUnit::Days => format!("{x} days"),
        Value::Number(x) => format!("{x}"),
        Value::Bool(b) => {
            if *b {
                "yes".into()
            } else {
                "no".into()
            }
        }
        Value::Text(t) => t.clone(),
        Value::List(items) => items
            .iter()
            .map(|i| value_text(i, unit))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn op_text(op: Op) -> &'static str {
    match op {
        Op::Eq => "is",
        Op::Ne => "is not",
        Op::Lt => "is less than",
        Op::Lte => "is at most",
        Op::Gt => "is more than",
        Op::Gte => "is at least",
        Op::Between => "is between",
        Op::In => "is one of",
        Op::NotIn => "is none of",
        Op::Contains => "contains",
        Op::StartsWith => "starts with",
        Op::IsSet => "is known",
        Op::IsNotSet => "is not known",
    }
}

fn comparison(subject: &str, op: Op, value: Option<&Value>, unit: FieldUnit) -> String {
    match (op, value) {
        (Op::Between, Some(Value::List(l))) if l.len() == 2 => format!(
            "{subject} is between {} and {}",
            value_text(&l[0], unit),
            value_text(&l[1], unit)
        ),
        (_, Some(v)) => format!("{subject} {} {}", op_text(op), value_text(v, unit)),
        (_, None) => format!("{subject} {}", op_text(op)),
    }
}

/// A readable window, with the concrete interval for relative ones.
fn window_text(w: Option<&Period>, as_of: &AsOf) -> String {
    match w {
        None => "ever".into(),
        Some(Period::Last { last, unit }) => {
            let n = (*last).clamp(1, 36_600) as u32;
            format!(
                "in the last {n} {} ({})",
                unit.word(n),
                as_of.describe_window(&as_of.last(n, *unit))
            )
        }
        Some(Period::Dates { from, to }) => format!("between {from} and {to}"),
    }
}

/// One plain sentence fragment for a condition.
pub fn describe(node: &Node, catalog: &Catalog, glossary: &Glossary, as_of: &AsOf) -> String {
    let unit_of = |f: &str| catalog.get(f).map(|x| x.unit).unwrap_or(FieldUnit::None);
    match node {
        Node::All { conditions } if conditions.is_empty() => "everyone".into(),
        Node::All { conditions } => format!(
            "all of: {}",
            conditions
                .iter()
                .map(|c| describe(c, catalog, glossary, as_of))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Node::Any { conditions } => format!(
            "any of: {}",
            conditions
                .iter()
                .map(|c| describe(c, catalog, glossary, as_of))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Node::Not { condition } => {
            format!("not ({})", describe(condition, catalog, glossary, as_of))
        }
        Node::Attribute { field, op, value } => {
            comparison(&human(field), *op, value.as_ref(), unit_of(field))
        }
        Node::Date {
            field,
            op,
            amount,
            unit,
            date,
            from,
            to,
        } => {
            let f = human(field);
            match op {
                DateOp::WithinLast | DateOp::MoreThanAgo => {
                    let n = amount.unwrap_or(0).clamp(1, 36_600) as u32;
                    let u = unit.unwrap_or(Unit::Days);
                    let w = as_of.last(n, u);
                    if *op == DateOp::WithinLast {
                        format!(
                            "{f} within the last {n} {} ({})",
                            u.word(n),
                            as_of.describe_window(&w)
                        )
                    } else {
                        format!(
                            "{f} more than {n} {} ago (on or before {})",
                            u.word(n),
                            date_of_day(w.after_day)
                        )
                    }
                }
                DateOp::Before => format!("{f} before {}", date.as_deref().unwrap_or("?")),
                DateOp::After => format!("{f} after {}", date.as_deref().unwrap_or("?")),
                DateOp::Between => format!(
                    "{f} between {} and {}",
                    from.as_deref().unwrap_or("?"),
                    to.as_deref().unwrap_or("?")
                ),
            }
        }
        Node::Aggregate {
            source,
            event,
            measure,
            of,
            window,
            op,
            value,
        } => {
            let what = match (source, event) {
                (AggSource::Orders, _) => "orders".to_string(),
                (AggSource::Events, Some(e)) => format!("{e} events"),
                (AggSource::Events, None) => "events".to_string(),
            };
            let col = if matches!(of, Some(super::definition::Quantity::Quantity)) {
                "items"
            } else {
                "amount"
            };
            let unit = if col == "amount" {
                FieldUnit::Currency
            } else {
                FieldUnit::Count
            };
            let w = window_text(window.as_ref(), as_of);
            match measure {
                Measure::Count if *op == Op::Eq && *value == Value::Number(0.0) => {
                    format!("no {what} {w}")
                }
                Measure::Count => comparison(
                    &format!("number of {what} {w}"),
                    *op,
                    Some(value),
                    FieldUnit::Count,
                ),
                Measure::Sum => comparison(
                    &format!("total {col} of {what} {w}"),
                    *op,
                    Some(value),
                    unit,
                ),
                Measure::Avg => comparison(
                    &format!("average {col} of {what} {w}"),
                    *op,
                    Some(value),
                    unit,
                ),
                Measure::Min => comparison(
                    &format!("smallest {col} of {what} {w}"),
                    *op,
                    Some(value),
                    unit,
                ),
                Measure::Max => comparison(
                    &format!("largest {col} of {what} {w}"),
                    *op,
                    Some(value),
                    unit,
                ),
                Measure::First => comparison(
                    &format!("first of {what} {w}"),
                    *op,
                    Some(value),
                    FieldUnit::None,
                ),
                Measure::Last => comparison(
                    &format!("last of {what} {w}"),
                    *op,
                    Some(value),
                    FieldUnit::None,
                ),
            }
        }
        Node::Percentile {
            field,
            direction,
            percent,
        } => {
            let d = if *direction == Direction::Top {
                "top"
            } else {
                "bottom"
            };
            format!("{d} {percent}% by {}", human(field))
        }
        Node::Term { name, params } => {
            let Some(term) = glossary.get(name) else {
                return format!("glossary term \"{name}\"");
            };
            let p: Vec<String> = params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            let p = if p.is_empty() {
                String::new()
            } else {
                format!(" ({})", p.join(", "))
            };
            // Show what the term means here, with its parameters applied.
            match term.expand(params) {
                Ok(expanded) => format!(
                    "{}{p} = {}",
                    term.label,
                    describe(&expanded, catalog, glossary, as_of)
                ),
                Err(_) => format!("{}{p}: {}", term.label, term.description),
            }
        }
        Node::Segment { segment, member } => format!(
            "{} segment \"{segment}\"",
            if *member {
                "member of"
            } else {
                "not a member of"
            }
        ),
    }
}

/// How one top-level condition went for one customer.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClauseTrace {
    pub path: String,
    pub description: String,
    pub passed: bool,
    /// The customer's actual values against what the condition needs.
    pub detail: String,
}

fn show(v: &Val, e: &Expr, catalog: &Catalog, as_of: &AsOf) -> String {
    let instant = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|d| {
                d.with_timezone(&as_of.tz())
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    };
    match (e, v) {
        (Expr::Field(f), Val::Int(i)) if f.repr == Some(DateRepr::Day) => {
            date_of_day(*i).to_string()
        }
        (Expr::Field(f), Val::Int(i)) if f.repr == Some(DateRepr::Instant) => instant(*i),
        (Expr::Agg(a), Val::Int(i)) if matches!(a.measure, Measure::First | Measure::Last) => {
            instant(*i)
        }
        (Expr::Field(f), v)
            if catalog
                .get(&f.name)
                .is_some_and(|x| x.unit == FieldUnit::Currency) =>
        {
            v.clone()
                .num_value()
                .map(money)
                .unwrap_or_else(|| v.to_string())
        }
        (Expr::Agg(a), v)
            if matches!(
                a.measure,
                Measure::Sum | Measure::Avg | Measure::Min | Measure::Max
            ) =>
        {
            v.clone()
                .num_value()
                .map(money)
                .unwrap_or_else(|| v.to_string())
        }
        (_, v) => v.to_string(),
    }
}

fn scalar_val(x: &Scalar) -> Val {
    match x {
        Scalar::Num(n) => Val::Num(*n),
        Scalar::Int(i) => Val::Int(*i),
        Scalar::Text(t) => Val::Text(t.clone()),
    }
}

/// What a test requires, with values formatted like the expression's (dates, money).
fn needs(t: &Test, fmt: &dyn Fn(&Scalar) -> String) -> String {
    let list = |v: &[Scalar]| v.iter().map(fmt).collect::<Vec<_>>().join(", ");
    match t {
        Test::Cmp { op, value } => {
            let sym = op.symbol();
            format!("needs {sym} {}", fmt(value))
        }
        Test::Between { lo, hi } => format!("needs {} … {}", fmt(lo), fmt(hi)),
        Test::In { values } => format!("needs one of {}", list(values)),
        Test::NotIn { values } => format!("needs none of {}", list(values)),
        Test::Contains { value } => format!("needs to contain {value}"),
        Test::StartsWith { value } => format!("needs to start with {value}"),
        Test::IsSet { set: true } => "needs a value".into(),
        Test::IsSet { set: false } => "needs no value".into(),
    }
}

/// Who reads an explanation: how much personal data they may see, and the policy's sensitive
/// field-name fragments (values of those fields are personal too).
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    pub disclosure: Disclosure,
    pub sensitive: &'a [String],
}

struct Ctx<'a> {
    c: &'a Customer,
    as_of: &'a AsOf,
    thresholds: &'a [Option<f64>],
    catalog: &'a Catalog,
    viewer: Viewer<'a>,
}

impl Ctx<'_> {
    /// The customer's value of `e`, formatted, masked by the one rule of [`mask::field_value`].
    fn shown(&self, v: Option<&Val>, e: &Expr) -> String {
        let Some(v) = v else { return "not set".into() };
        let text = show(v, e, self.catalog, self.as_of);
        match e {
            Expr::Field(f) => match self.catalog.get(&f.name) {
                Some(field) => {
                    mask::field_value(field, self.viewer.sensitive, text, self.viewer.disclosure)
                }
                None => text,
            },
            Expr::Agg(_) => text,
        }
    }
}

fn leaf_details(p: &Pred, x: &Ctx<'_>, out: &mut Vec<String>) {
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    match p {
        Pred::All { of } | Pred::Any { of } => of.iter().for_each(|y| leaf_details(y, x, out)),
        Pred::Not { of } => {
            let mut inner = Vec::new();
            leaf_details(of, x, &mut inner);
            out.push(format!(
                "must not hold: [{}] {}",
                inner.join("; "),
                mark(evaluate::holds(p, x.c, x.as_of, x.thresholds))
            ));
        }
        Pred::Test { expr, test } => {
            let v = evaluate::value_of(expr, x.c, x.as_of);
            let name = match expr {
                Expr::Field(f) => human(&f.name),
                Expr::Agg(a) => format!("{:?} of {:?}", a.measure, a.source).to_lowercase(),
            };
            let shown = x.shown(v.as_ref(), expr);
            let fmt = |s: &Scalar| show(&scalar_val(s), expr, x.catalog, x.as_of);
            out.push(format!(
                "{name} {shown} ({}) {}",
                needs(test, &fmt),
                mark(evaluate::passes(v.as_ref(), test))
            ));
        }
        Pred::Percentile {
            field,
            direction,
            slot,
            ..
        } => {
            let e = Expr::Field(field.clone());
            let v = evaluate::field_value(field, x.c, x.as_of);
            let t = x.thresholds.get(*slot).copied().flatten();
            let cmp = if *direction == Direction::Top {
                "≥"
            } else {
                "≤"
            };
            let shown = x.shown(v.as_ref(), &e);
            let t_text = t
                .map(|t| show(&Val::Num(t), &e, x.catalog, x.as_of))
                .unwrap_or_else(|| "none".into());
            out.push(format!(
                "{} {shown}, needs {cmp} {t_text} {}",
                human(&field.name),
                mark(evaluate::holds(p, x.c, x.as_of, x.thresholds))
            ));
        }
    }
}

/// Clause-by-clause evaluation of a definition for one customer, their values shown as `viewer`
/// may see them.
pub fn why(
    vd: &ValidDefinition,
    customer: &Customer,
    thresholds: &[Option<f64>],
    catalog: &Catalog,
    glossary: &Glossary,
    viewer: Viewer<'_>,
) -> Vec<ClauseTrace> {
    let as_of = vd.as_of();
    vd.clauses()
        .iter()
        .map(|cl| {
            let mut details = Vec::new();
            leaf_details(
                &cl.pred,
                &Ctx {
                    c: customer,
                    as_of: &as_of,
                    thresholds,
                    catalog,
                    viewer,
                },
                &mut details,
            );
            ClauseTrace {
                path: cl.path.clone(),
                description: describe(&cl.node, catalog, glossary, &as_of),
                passed: evaluate::holds(&cl.pred, customer, &as_of, thresholds),
                detail: details.join("; "),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_with_cents_when_needed() {
        assert_eq!(money(1234.5), "$1,234.50");
        assert_eq!(money(100.0), "$100");
        assert_eq!(money(412.5), "$412.50");
    }

    #[test]
    fn a_window_is_described_with_its_concrete_interval() {
        let catalog = Catalog::build(vec![], vec![], &[]);
        let g = Glossary::default_glossary();
        let as_of = AsOf::parse("2026-11-22", "UTC").unwrap();
        let n = Node::Date {
            field: "last_order_date".into(),
            op: DateOp::WithinLast,
            amount: Some(30),
            unit: Some(Unit::Days),
            date: None,
            from: None,
            to: None,
        };
        assert_eq!(
            describe(&n, &catalog, &g, &as_of),
            "last order date within the last 30 days (2026-10-24 00:00 → 2026-11-22 24:00 UTC)"
        );
        let n = Node::Attribute {
            field: "lifetime_revenue".into(),
            op: Op::Gte,
            value: Some(Value::Number(100.0)),
        };
        assert_eq!(
            describe(&n, &catalog, &g, &as_of),
            "lifetime revenue is at least $100"
        );
    }
}
