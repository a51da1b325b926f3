//! Typing of values: turns the literals of attribute, date and aggregate nodes into storage-form
//! tests (numbers, day numbers, epoch seconds), reporting type and domain errors.

use chrono::{Days, NaiveDate};

use super::{Code, Issue, Walker};
use crate::domain::catalog::{DateRepr, FieldType, FieldUnit};
use crate::domain::definition::{AggSource, DateOp, Measure, Op, Period, Quantity, Value};
use crate::domain::pred::{Agg, Cmp, Expr, FieldRef, Pred, Scalar, Test};
use crate::domain::time::{Unit, day_number, parse_date};

/// Longest relative window accepted (about 100 years).
const MAX_DAYS: i64 = 36_600;

pub(super) struct AggNode<'a> {
    pub source: AggSource,
    pub event: Option<&'a str>,
    pub measure: Measure,
    pub of: Option<Quantity>,
    pub window: Option<&'a Period>,
    pub op: Op,
    pub value: &'a Value,
}

fn test(expr: Expr, test: Test) -> Pred {
    Pred::Test { expr, test }
}

fn cmp_of(op: Op) -> Option<Cmp> {
    Some(match op {
        Op::Eq => Cmp::Eq,
        Op::Ne => Cmp::Ne,
        Op::Lt => Cmp::Lt,
        Op::Lte => Cmp::Lte,
        Op::Gt => Cmp::Gt,
        Op::Gte => Cmp::Gte,
        _ => return None,
    })
}

fn bad_op(path: &str, op: Op, what: &str) -> Issue {
    Issue::new(
        format!("{path}.op"),
        Code::InvalidOperator,
        format!(
            "`{}` does not apply to {what}",
            serde_json::to_value(op)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default()
        ),
    )
}

pub(super) fn attribute(
    w: &mut Walker,
    f: &FieldRef,
    op: Op,
    value: Option<&Value>,
    path: &str,
) -> Option<Pred> {
    let expr = Expr::Field(f.clone());
    if matches!(op, Op::IsSet | Op::IsNotSet) {
        return Some(test(
            expr,
            Test::IsSet {
                set: op == Op::IsSet,
            },
        ));
    }
    let vpath = format!("{path}.value");
    let Some(value) = value else {
        w.issues.push(Issue::new(
            vpath,
            Code::MissingValue,
            format!("`{}` needs a value to compare with", op.symbol()),
        ));
        return None;
    };
    let unit = w
        .ctx
        .catalog
        .get(&f.name)
        .map(|x| x.unit)
        .unwrap_or(FieldUnit::None);
    let r = match f.ty {
        FieldType::Number => number_test(
            op,
            value,
            &vpath,
            unit == FieldUnit::Days || unit == FieldUnit::Count,
        )
        .map(|t| test(expr, t)),
        FieldType::Boolean => boolean_test(op, value, &vpath).map(|t| test(expr, t)),
        FieldType::Text => text_test(op, value, &vpath, None).map(|t| test(expr, t)),
        FieldType::Categorical => {
            let known = w
                .ctx
                .catalog
                .get(&f.name)
                .map(|x| x.values.clone())
                .unwrap_or_default();
            text_test(op, value, &vpath, Some((&f.name, &known))).map(|t| test(expr, t))
        }
        FieldType::Date => {
            date_compare(w, expr, f.repr.unwrap_or(DateRepr::Day), op, value, &vpath)
        }
    };
    match r {
        Ok(p) => Some(p),
        Err(issue) => {
            w.issues.push(issue);
            None
        }
    }
}

fn number(v: &Value, path: &str) -> Result<f64, Issue> {
    match v {
        Value::Number(x) if x.is_finite() => Ok(*x),
        other => Err(Issue::new(
            path,
            Code::TypeMismatch,
            format!("expected a number, got {}", describe(other)),
        )),
    }
}

fn describe(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn pair<'v>(v: &'v Value, path: &str) -> Result<(&'v Value, &'v Value), Issue> {
    match v {
        Value::List(items) if items.len() == 2 => Ok((&items[0], &items[1])),
        other => Err(Issue::new(
            path,
            Code::TypeMismatch,
            format!(
                "`between` needs a list of two values [low, high], got {}",
                describe(other)
            ),
        )),
    }
}

fn list<'v>(v: &'v Value, path: &str) -> Result<&'v [Value], Issue> {
    match v {
        Value::List(items) if !items.is_empty() => Ok(items),
        other => Err(Issue::new(
            path,
            Code::TypeMismatch,
            format!("expected a non-empty list, got {}", describe(other)),
        )),
    }
}

fn number_test(op: Op, v: &Value, path: &str, non_negative: bool) -> Result<Test, Issue> {
    let check = |x: f64| {
        if non_negative && x < 0.0 {
            Err(Issue::new(
                path,
                Code::ValueOutOfDomain,
                format!("{x} is negative; this field counts days or items and is never below 0"),
            ))
        } else {
            Ok(Scalar::Num(x))
        }
    };
    if let Some(c) = cmp_of(op) {
        return Ok(Test::Cmp {
            op: c,
            value: check(number(v, path)?)?,
        });
    }
    match op {
        Op::Between => {
            let (a, b) = pair(v, path)?;
            let (lo, hi) = (number(a, path)?, number(b, path)?);
            if lo > hi {
                return Err(Issue::new(
                    path,
                    Code::ValueOutOfDomain,
                    format!("the range {lo}..{hi} is empty (low is above high)"),
                ));
            }
            Ok(Test::Between {
                lo: check(lo)?,
                hi: check(hi)?,
            })
        }
        Op::In | Op::NotIn => {
            let values = list(v, path)?
                .iter()
                .map(|x| number(x, path).and_then(check))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if op == Op::In {
                Test::In { values }
            } else {
                Test::NotIn { values }
            })
        }
        _ => Err(bad_op(path.trim_end_matches(".value"), op, "numbers")),
    }
}

fn boolean_test(op: Op, v: &Value, path: &str) -> Result<Test, Issue> {
    let b = match v {
        Value::Bool(b) => *b,
        other => {
            return Err(Issue::new(
                path,
                Code::TypeMismatch,
                format!("expected true or false, got {}", describe(other)),
            ));
        }
    };
    match op {
        Op::Eq => Ok(Test::Cmp {
            op: Cmp::Eq,
            value: Scalar::Int(i64::from(b)),
        }),
        Op::Ne => Ok(Test::Cmp {
            op: Cmp::Eq,
            value: Scalar::Int(i64::from(!b)),
        }),
        _ => Err(bad_op(
            path.trim_end_matches(".value"),
            op,
            "true/false fields",
        )),
    }
}

fn text(v: &Value, path: &str) -> Result<String, Issue> {
    match v {
        Value::Text(s) => Ok(s.clone()),
        other => Err(Issue::new(
            path,
            Code::TypeMismatch,
            format!("expected text, got {}", describe(other)),
        )),
    }
}

/// Text and categorical tests; categorical values are matched case-insensitively to the values
/// the data has, and unknown ones are refused.
fn text_test(
    op: Op,
    v: &Value,
    path: &str,
    categorical: Option<(&str, &[String])>,
) -> Result<Test, Issue> {
    let canon = |s: String| -> Result<Scalar, Issue> {
        match categorical {
            Some((name, known))
                if !known.is_empty() && !matches!(op, Op::Contains | Op::StartsWith) =>
            {
                match known.iter().find(|k| k.eq_ignore_ascii_case(s.trim())) {
                    Some(k) => Ok(Scalar::Text(k.clone())),
                    None => {
                        let mut near: Vec<(f64, &String)> = known
                            .iter()
                            .map(|k| {
                                (
                                    strsim::jaro_winkler(&k.to_lowercase(), &s.to_lowercase()),
                                    k,
                                )
                            })
                            .filter(|(x, _)| *x > 0.7)
                            .collect();
                        near.sort_by(|a, b| b.0.total_cmp(&a.0));
                        let issue = Issue::new(
                            path,
                            Code::UnknownCategoryValue,
                            format!("`{name}` never has the value `{s}` in the data"),
                        );
                        Err(issue.with_suggestions(
                            near.into_iter().take(3).map(|(_, k)| k.clone()).collect(),
                        ))
                    }
                }
            }
            _ => Ok(Scalar::Text(s)),
        }
    };
    match op {
        Op::Eq | Op::Ne => Ok(Test::Cmp {
            op: cmp_of(op).expect("eq/ne"),
            value: canon(text(v, path)?)?,
        }),
        Op::In | Op::NotIn => {
            let values = list(v, path)?
                .iter()
                .map(|x| text(x, path).and_then(canon))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if op == Op::In {
                Test::In { values }
            } else {
                Test::NotIn { values }
            })
        }
        Op::Contains => Ok(Test::Contains {
            value: text(v, path)?,
        }),
        Op::StartsWith => Ok(Test::StartsWith {
            value: text(v, path)?,
        }),
        _ => Err(bad_op(path.trim_end_matches(".value"), op, "text")),
    }
}

fn date_value(v: &Value, path: &str) -> Result<NaiveDate, Issue> {
    match v {
        Value::Text(s) => parse_date(s).map_err(|m| Issue::new(path, Code::InvalidDate, m)),
        other => Err(Issue::new(
            path,
            Code::InvalidDate,
            format!("expected a date as \"YYYY-MM-DD\", got {}", describe(other)),
        )),
    }
}

/// Compare a date-valued expression with a literal date (a whole day).
fn date_compare(
    w: &Walker,
    expr: Expr,
    repr: DateRepr,
    op: Op,
    v: &Value,
    path: &str,
) -> Result<Pred, Issue> {
    let as_of = w.ctx.as_of;
    // [first, last] storage values covering day d.
    let span = |d: NaiveDate| match repr {
        DateRepr::Day => (day_number(d), day_number(d)),
        DateRepr::Instant => (as_of.day_start(d), as_of.day_start(d + Days::new(1)) - 1),
    };
    let int = Scalar::Int;
    let t = |op, x| Test::Cmp { op, value: int(x) };
    Ok(match op {
        Op::Between => {
            let (a, b) = pair(v, path)?;
            let (from, to) = (date_value(a, path)?, date_value(b, path)?);
            if from > to {
                return Err(Issue::new(
                    path,
                    Code::ValueOutOfDomain,
                    format!("the dates {from}..{to} are in the wrong order"),
                ));
            }
            test(
                expr,
                Test::Between {
                    lo: int(span(from).0),
                    hi: int(span(to).1),
                },
            )
        }
        Op::Eq | Op::Ne | Op::Lt | Op::Lte | Op::Gt | Op::Gte => {
            let (first, last) = span(date_value(v, path)?);
            match op {
                Op::Eq => test(
                    expr,
                    Test::Between {
                        lo: int(first),
                        hi: int(last),
                    },
                ),
                Op::Ne => Pred::Any {
                    of: vec![
                        test(expr.clone(), t(Cmp::Lt, first)),
                        test(expr, t(Cmp::Gt, last)),
                    ],
                },
                Op::Lt => test(expr, t(Cmp::Lt, first)),
                Op::Lte => test(expr, t(Cmp::Lte, last)),
                Op::Gt => test(expr, t(Cmp::Gt, last)),
                _ => test(expr, t(Cmp::Gte, first)),
            }
        }
        _ => return Err(bad_op(path.trim_end_matches(".value"), op, "dates")),
    })
}

fn amount_in_days(
    amount: Option<i64>,
    unit: Option<Unit>,
    path: &str,
) -> Result<(u32, Unit), Issue> {
    let unit = unit.unwrap_or(Unit::Days);
    let n = amount.ok_or_else(|| {
        Issue::new(
            format!("{path}.amount"),
            Code::MissingValue,
            "a relative date needs an `amount`",
        )
    })?;
    let days = n.saturating_mul(match unit {
        Unit::Days => 1,
        Unit::Weeks => 7,
        Unit::Months => 31,
        Unit::Years => 366,
    });
    if n < 1 || days > MAX_DAYS {
        return Err(Issue::new(
            format!("{path}.amount"),
            Code::ValueOutOfDomain,
            format!(
                "{n} {} is outside the accepted range (1 day to 100 years)",
                unit.word(2)
            ),
        ));
    }
    Ok((n as u32, unit))
}

pub(super) fn date(
    w: &mut Walker,
    f: &FieldRef,
    op: DateOp,
    rel: (Option<i64>, Option<Unit>),
    abs: (Option<&str>, Option<&str>, Option<&str>),
    path: &str,
) -> Option<Pred> {
    let r = date_inner(w, f, op, rel, abs, path);
    r.map_err(|i| w.issues.push(i)).ok()
}

fn date_inner(
    w: &Walker,
    f: &FieldRef,
    op: DateOp,
    rel: (Option<i64>, Option<Unit>),
    abs: (Option<&str>, Option<&str>, Option<&str>),
    path: &str,
) -> Result<Pred, Issue> {
    if f.ty != FieldType::Date {
        return Err(Issue::new(
            format!("{path}.field"),
            Code::TypeMismatch,
            format!("`{}` is not a date field", f.name),
        ));
    }
    let repr = f.repr.unwrap_or(DateRepr::Day);
    let expr = Expr::Field(f.clone());
    let need = |v: Option<&str>, key: &str| -> Result<Value, Issue> {
        v.map(|s| Value::Text(s.to_string())).ok_or_else(|| {
            Issue::new(
                format!("{path}.{key}"),
                Code::MissingValue,
                format!("`{key}` is required here"),
            )
        })
    };
    match op {
        DateOp::WithinLast | DateOp::MoreThanAgo => {
            let (n, unit) = amount_in_days(rel.0, rel.1, path)?;
            let win = w.ctx.as_of.last(n, unit);
            let (after, until) = match repr {
                DateRepr::Day => (win.after_day, win.until_day),
                DateRepr::Instant => (win.after, win.until),
            };
            Ok(if op == DateOp::WithinLast {
                test(
                    expr,
                    Test::Between {
                        lo: Scalar::Int(after + 1),
                        hi: Scalar::Int(until),
                    },
                )
            } else {
                test(
                    expr,
                    Test::Cmp {
                        op: Cmp::Lte,
                        value: Scalar::Int(after),
                    },
                )
            })
        }
        DateOp::Before => date_compare(
            w,
            expr,
            repr,
            Op::Lt,
            &need(abs.0, "date")?,
            &format!("{path}.date"),
        ),
        DateOp::After => date_compare(
            w,
            expr,
            repr,
            Op::Gt,
            &need(abs.0, "date")?,
            &format!("{path}.date"),
        ),
        DateOp::Between => {
            let (from, to) = (need(abs.1, "from")?, need(abs.2, "to")?);
            // Name the end that is wrong.
            for (v, key) in [(&from, "from"), (&to, "to")] {
                date_value(v, &format!("{path}.{key}"))?;
            }
            let pair = Value::List(vec![from, to]);
            date_compare(w, expr, repr, Op::Between, &pair, &format!("{path}.from"))
        }
    }
}

pub(super) fn aggregate(w: &mut Walker, n: AggNode<'_>, path: &str) -> Option<Pred> {
    let r = aggregate_inner(w, n, path);
    r.map_err(|i| w.issues.push(i)).ok()
}

fn aggregate_inner(w: &Walker, n: AggNode<'_>, path: &str) -> Result<Pred, Issue> {
    let as_of = w.ctx.as_of;
    if n.source == AggSource::Orders && n.event.is_some() {
        return Err(Issue::new(
            format!("{path}.event"),
            Code::TypeMismatch,
            "orders have no event name; use `source: events`",
        ));
    }
    if let Some(e) = n.event {
        let known = &w.ctx.catalog.events;
        if !known.is_empty() && !known.iter().any(|k| k == e) {
            let mut near: Vec<&String> = known
                .iter()
                .filter(|k| strsim::jaro_winkler(k, e) > 0.75)
                .collect();
            near.truncate(3);
            return Err(Issue::new(
                format!("{path}.event"),
                Code::UnknownEvent,
                format!("no event named `{e}` in the data"),
            )
            .with_suggestions(near.into_iter().cloned().collect()));
        }
    }
    let numeric = matches!(
        n.measure,
        Measure::Sum | Measure::Avg | Measure::Min | Measure::Max
    );
    if numeric && n.source == AggSource::Events {
        return Err(Issue::new(
            format!("{path}.measure"),
            Code::TypeMismatch,
            "events have no amount or quantity to add up; count them instead",
        ));
    }
    let of = if numeric {
        Some(n.of.unwrap_or(Quantity::Amount))
    } else {
        None
    };
    let (after, until) = match n.window {
        None => (None, as_of.end()),
        Some(Period::Last { last, unit }) => {
            let (k, unit) = amount_in_days(Some(*last), Some(*unit), &format!("{path}.window"))?;
            let win = as_of.last(k, unit);
            (Some(win.after), win.until)
        }
        Some(Period::Dates { from, to }) => {
            let p = format!("{path}.window");
            let (f, t) = (
                parse_date(from).map_err(|m| Issue::new(&p, Code::InvalidDate, m))?,
                parse_date(to).map_err(|m| Issue::new(&p, Code::InvalidDate, m))?,
            );
            if f > t {
                return Err(Issue::new(
                    p,
                    Code::ValueOutOfDomain,
                    format!("the window {f}..{t} is in the wrong order"),
                ));
            }
            (
                Some(as_of.day_start(f) - 1),
                (as_of.day_start(t + Days::new(1)) - 1).min(as_of.end()),
            )
        }
    };
    let expr = Expr::Agg(Agg {
        source: n.source,
        event: n.event.map(String::from),
        measure: n.measure,
        of,
        after,
        until,
    });
    let vpath = format!("{path}.value");
    if matches!(n.measure, Measure::First | Measure::Last) {
        return date_compare(w, expr, DateRepr::Instant, n.op, n.value, &vpath);
    }
    let non_negative = n.measure == Measure::Count || of == Some(Quantity::Quantity);
    number_test(n.op, n.value, &vpath, non_negative).map(|t| test(expr, t))
}
