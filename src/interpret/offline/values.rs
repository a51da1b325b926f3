//! Clause parsers for categorical values: "in California or Texas", "annual plan", values
//! whose heads are elided ("bought in 2025 but not in 2026" style lists), and when a value
//! reached by "with" is asked about rather than taken.

use super::clauses::Clauses;
use super::lexicon::Lex;
use crate::domain::catalog::FieldType;
use crate::domain::definition::{Node, Op, Value};

type Hit = Option<(Node, usize)>;

impl<'a> Clauses<'a> {
    /// "one or *two year*": values of the field that differ from this one only in a number
    /// written before it ("One year").
    fn elided_heads(&self, i: usize, field: &str, value: &str) -> Vec<Value> {
        let (Some(or), Some(head)) = (
            i.checked_sub(1).and_then(|k| self.items.get(k)),
            i.checked_sub(2).and_then(|k| self.items.get(k)),
        ) else {
            return Vec::new();
        };
        let Some(n) = head.num.filter(|_| or.has(|l| *l == Lex::Or)) else {
            return Vec::new();
        };
        let ws = super::tokenize::words(value);
        let Some(f) = self.cx.catalog.get(field) else {
            return Vec::new();
        };
        f.values
            .iter()
            .filter(|v| {
                let vw = super::tokenize::words(v);
                vw.len() == ws.len()
                    && vw[1..] == ws[1..]
                    && super::vocab::NUMBER_WORDS
                        .iter()
                        .any(|(w, x)| *x == n.value && vw[0] == *w)
            })
            .map(|v| Value::Text(v.clone()))
            .collect()
    }

    /// The data has this value in this field (or the catalog does not list the field's values).
    fn in_data(&self, field: &str, value: &str) -> bool {
        self.cx.catalog.get(field).is_some_and(|f| {
            (f.ty != FieldType::Categorical && f.values.is_empty())
                || f.values.iter().any(|v| v.eq_ignore_ascii_case(value))
        })
    }

    /// One or more values of one field: "in California, Texas or Florida", "annual plan".
    /// "subscribers *with* kids": a value of a column that is not yes/no, reached after "with" and
    /// without the column's name, may be the value (a favourite genre `Kids`) or something the
    /// customer has (children); asked, not guessed.
    fn possessed(&mut self, i: usize, field: &str, value: &str) {
        // Only a value written as one word alone: "with *no internet service*" names its column.
        let alone = self.items[i].word.is_some();
        let with = alone && self.items[i].lead.iter().any(|w| w == "with");
        let yes_no = self
            .cx
            .catalog
            .get(field)
            .is_some_and(|f| super::linking::yes_no(&f.values).is_some());
        let named = self
            .items
            .iter()
            .any(|x| x.has(|l| matches!(l, Lex::Field(f) | Lex::FieldWord(f) if f == field)));
        if with && !yes_no && !named {
            self.doubt(0.6);
            self.assume(
                i,
                i + 1,
                format!("read as {field} = {value}"),
                vec![format!("customers who have {}", value.to_lowercase())],
            );
        }
    }

    pub(super) fn value(&mut self, i: usize) -> Hit {
        self.value_for(i, None)
    }

    /// A value, preferring one of `field` when the field was just named ("the state of Georgia").
    pub(super) fn value_for(&mut self, i: usize, field: Option<&str>) -> Hit {
        // Readings the data cannot have are dropped ("CA" with no Canadians is California;
        // "Iceland" with no customers there is not understood); two that it can are a
        // question, not a pick.
        let mut cands: Vec<(String, String)> = self.items[i]
            .lex
            .iter()
            .filter_map(|l| {
                if let Lex::Value { field, value } = l {
                    Some((field.clone(), value.clone()))
                } else {
                    None
                }
            })
            .filter(|(f, v)| self.in_data(f, v))
            .collect();
        if let Some(k) = field.and_then(|name| cands.iter().position(|(f, _)| f == name)) {
            let named = cands.remove(k);
            cands = vec![named];
        }
        let first = cands.first()?.clone();
        let others: Vec<String> = cands
            .iter()
            .skip(1)
            .map(|(f, v)| format!("{f} = {v}"))
            .collect();
        if !others.is_empty() {
            if cands.iter().any(|(f, _)| *f != first.0) {
                self.doubt(0.4);
            }
            self.assume(
                i,
                i + 1,
                format!("read as {} = {}", first.0, first.1),
                others,
            );
        }
        self.possessed(i, &first.0, &first.1);
        let field = first.0;
        let mut values = self.elided_heads(i, &field, &first.1);
        if !values.is_empty() {
            self.took_from = Some(i - 2);
        }
        values.push(Value::Text(first.1.clone()));
        let mut j = i + 1;
        loop {
            let joiner = self.items.get(j).is_some_and(|x| {
                x.has(|l| matches!(l, Lex::Or | Lex::And))
                    && x.lex.iter().all(|l| !matches!(l, Lex::Value { .. }))
            });
            let k = if joiner { j + 1 } else { j };
            let next = self.items.get(k).and_then(|x| {
                x.lex.iter().find_map(|l| match l {
                    Lex::Value { field: f, value } if *f == field => Some(value.clone()),
                    _ => None,
                })
            });
            match next {
                Some(v) => {
                    if !joiner {
                        // "broker referrals" over `Broker` and `Referral`: one of them, or both?
                        self.doubt(0.3);
                        self.assume(
                            i,
                            k + 1,
                            format!("read as {field} = {} or {v}", first.1),
                            vec![
                                format!("only {field} = {}", first.1),
                                format!("only {field} = {v}"),
                            ],
                        );
                    }
                    values.push(Value::Text(v));
                    j = k + 1;
                }
                None => break,
            }
        }
        // "wholesale *buyers*": the people in that group, not a condition on their orders.
        if self
            .items
            .get(j)
            .is_some_and(|x| x.has(|l| *l == Lex::Person))
        {
            j += 1;
        }
        // The field's own word next to the value says nothing more: "annual *plan*", "gold *tier*".
        if self.items.get(j).is_some_and(|x| {
            x.has(|l| matches!(l, Lex::FieldWord(f) | Lex::Field(f) if *f == field))
        }) {
            j += 1;
        }
        self.with_combined(i, &field, &mut values);
        let node = if values.len() == 1 {
            Node::Attribute {
                field,
                op: Op::Eq,
                value: values.pop(),
            }
        } else {
            Node::Attribute {
                field,
                op: Op::In,
                value: Some(Value::List(values)),
            }
        };
        Some((node, j))
    }

    /// "cat owners" over `Cat`, `Dog`, `Dog & Cat`: the values that combine a chosen one with
    /// others name it too, so they are counted, and the answer says so.
    fn with_combined(&mut self, i: usize, field: &str, values: &mut Vec<Value>) {
        let Some(f) = self.cx.catalog.get(field) else {
            return;
        };
        let chosen: Vec<String> = values
            .iter()
            .filter_map(|v| match v {
                Value::Text(t) => Some(t.to_lowercase()),
                _ => None,
            })
            .collect();
        let combined: Vec<String> = f
            .values
            .iter()
            .filter(|v| !chosen.contains(&v.to_lowercase()))
            .filter(|v| parts(v).iter().any(|p| chosen.contains(p)))
            .cloned()
            .collect();
        if combined.is_empty() {
            return;
        }
        self.assume(
            i,
            i + 1,
            format!("also counted {field} = {}", combined.join(", ")),
            chosen
                .iter()
                .map(|c| format!("only {field} = {c}"))
                .collect(),
        );
        values.extend(combined.into_iter().map(Value::Text));
    }
}

/// The parts of a value that combines several ("Dog & Cat", "Email/SMS", "Tea, Coffee"),
/// lower-cased; a value that combines nothing has none.
fn parts(value: &str) -> Vec<String> {
    let l = value.to_lowercase();
    let ps: Vec<String> = l
        .split(['&', '/', ',', '+'])
        .flat_map(|p| p.split(" and "))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if ps.len() > 1 { ps } else { Vec::new() }
}
