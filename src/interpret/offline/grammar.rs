//! The grammar: reads the item sequence left to right into top-level conditions joined by
//! "and" (explicit or implied), with "or" binding tighter ("in California or Texas") and a
//! negation applying to the condition that follows it. Each clause parser recognizes one kind of
//! phrase (a glossary term, a ranking, spend, an event, a comparison, a field, a value) and
//! reports the items it used; whatever no clause uses is reported back as unrecognized.

use super::clauses::{Assume, Clauses};
use super::lexicon::Lex;
use super::when::Item;
use crate::domain::catalog::Catalog;
use crate::domain::definition::{Node, Op, Value};
use crate::domain::glossary::Glossary;
use crate::domain::time::AsOf;

/// What the interpreter works against.
pub struct Cx<'a> {
    pub catalog: &'a Catalog,
    pub glossary: &'a Glossary,
    pub as_of: AsOf,
}

/// One understood top-level condition and the items (token range) it came from.
#[derive(Debug, Clone)]
pub struct Cond {
    pub node: Node,
    pub from: usize,
    pub to: usize,
    /// How sure the link from the words to fields and values is (see `interpret::CONFIDENT`).
    pub confidence: f32,
}

/// The grammar's result, in token ranges.
#[derive(Debug, Default)]
pub struct Parsed {
    pub conds: Vec<Cond>,
    pub unrecognized: Vec<(usize, usize)>,
    pub assumptions: Vec<Assume>,
}

/// Words that only join or introduce: unused, they lose nothing.
fn is_function_word(item: &Item) -> bool {
    // "lapsed ones": a pronoun, not the number one.
    let pronoun = item.has(|l| *l == Lex::Filler) && item.has(|l| matches!(l, Lex::NumWord(_)));
    (item.num.is_none() || pronoun)
        && item.date.is_none()
        && !item.lex.is_empty()
        && item.lex.iter().all(|l| {
            matches!(
                l,
                Lex::Filler
                    | Lex::NumWord(_)
                    | Lex::And
                    | Lex::Or
                    | Lex::In
                    | Lex::For
                    | Lex::By
                    | Lex::Within
                    | Lex::Times
                    | Lex::Money
                    | Lex::Percent
                    | Lex::PostCmp(_)
                    | Lex::Switch(true)
                    | Lex::Person
                    | Lex::OneOrder
            )
        })
}

/// "gave twice or more this year", "stayed 5 or more times since March": a time phrase no clause
/// took, right after a count or sum with no window of its own, is that aggregate's window.
fn trailing_window(items: &[Item], i: usize, conds: &mut [Cond], c: &Clauses<'_>) -> Option<usize> {
    let last = conds.last_mut()?;
    // Only right after it, past words that only qualify its number ("twice | or more | this year").
    let mut k = i;
    while k > 0
        && items[k - 1].from >= last.to
        && items[k - 1].has(|l| matches!(l, Lex::PostCmp(_) | Lex::Or))
    {
        k -= 1;
    }
    if k == 0 || items[k - 1].to != last.to {
        return None;
    }
    let (w, end) = super::when::when(items, i, &c.cx.as_of)?;
    let agg = match &mut last.node {
        Node::Aggregate { window, .. } => window,
        Node::Not { condition } => match condition.as_mut() {
            Node::Aggregate { window, .. } => window,
            _ => return None,
        },
        _ => return None,
    };
    if agg.is_some() {
        return None;
    }
    *agg = Some(c.period(&w));
    last.to = items[end - 1].to;
    Some(end)
}

/// A word for the people themselves that is also a word of a column's name ("donors" beside
/// `donor_type`): when no reading of the column fits, it only names the audience.
fn is_audience_noun(item: &Item) -> bool {
    item.num.is_none()
        && item.has(|l| *l == Lex::Filler)
        && item
            .lex
            .iter()
            .all(|l| matches!(l, Lex::Filler | Lex::FieldWord(_)))
}

/// The items that carry meaning, each remembering the filler words dropped before it.
fn without_fillers(items: &[Item]) -> Vec<Item> {
    let mut out = Vec::new();
    let mut lead = Vec::new();
    for x in items {
        if x.is_filler() {
            lead.extend(x.word.clone());
        } else {
            out.push(Item {
                lead: std::mem::take(&mut lead),
                ..x.clone()
            });
        }
    }
    out
}

/// Parse the items of one request.
pub fn parse(items: &[Item], cx: &Cx<'_>) -> Parsed {
    let items = without_fillers(items);
    let mut c = Clauses {
        items: &items,
        cx,
        assumptions: Vec::new(),
        consent_ctx: false,
        last_window: None,
        last_number_field: None,
        doubt: 1.0,
        took_from: None,
    };
    let mut out = Parsed::default();
    let (mut neg, mut neg_at, mut join_or) = (false, None::<usize>, false);
    let mut i = 0;
    while i < items.len() {
        let it = &items[i];
        let negates = it.has(|l| matches!(l, Lex::Neg | Lex::Never | Lex::Switch(false)));
        if negates
            && !it.has(|l| {
                matches!(
                    l,
                    Lex::Term(_) | Lex::Field(_) | Lex::BoolValue { .. } | Lex::Value { .. }
                )
            })
        {
            neg = !neg;
            neg_at.get_or_insert(i);
            i += 1;
            continue;
        }
        c.doubt = 1.0;
        // "bought in 2024 and 2025", "… but not in 2026": a window alone repeats the condition before.
        let joined = i > 0 && items[i - 1].has(|l| *l == Lex::And);
        let hit = c.clause(i).or_else(|| {
            if neg || joined {
                out.conds.last().and_then(|last| c.elided(i, &last.node))
            } else {
                None
            }
        });
        if let Some((node, end)) = hit {
            let end = same_field_again(&items, &node, end);
            let confidence = c.doubt;
            // A clause that took words before it ("*one or* two year contracts") owns them.
            let took = c.took_from.take().filter(|k| *k < i);
            if let Some(k) = took {
                out.unrecognized.retain(|(a, _)| *a < items[k].from);
                join_or &= !items[k..i].iter().any(|x| x.has(|l| *l == Lex::Or));
            }
            let from = neg_at.take().unwrap_or(i).min(took.unwrap_or(i));
            let node = if neg {
                c.negated(node, (from, end))
            } else {
                node
            };
            let (lo, hi) = (items[from].from, items[end - 1].to);
            match out.conds.last_mut() {
                Some(last) if join_or => {
                    last.node = merge_or(
                        std::mem::replace(&mut last.node, Node::All { conditions: vec![] }),
                        node,
                    );
                    last.to = hi;
                    last.confidence = last.confidence.min(confidence);
                }
                _ => out.conds.push(Cond {
                    node,
                    from: lo,
                    to: hi,
                    confidence,
                }),
            }
            (neg, join_or) = (false, false);
            i = end;
            continue;
        }
        if let Some(end) = trailing_window(&items, i, &mut out.conds, &c) {
            i = end;
            continue;
        }
        if it.has(|l| *l == Lex::Or) && !out.conds.is_empty() {
            join_or = true;
        } else if !is_function_word(it) && !is_audience_noun(it) {
            out.unrecognized.push((it.from, it.to));
        }
        i += 1;
    }
    if let Some(k) = neg_at.filter(|_| neg) {
        // A "not" that applies to nothing is not silently dropped.
        out.unrecognized.push((items[k].from, items[k].to));
    }
    share_window(&mut out.conds, &mut c);
    one_flag_one_value(&mut out.conds, &mut c);
    drop_repeats(&mut out.conds);
    either_value(&mut out.conds, &mut c);
    out.assumptions = c.assumptions;
    super::echo::absorb(&items, &mut out.unrecognized, &out.conds, cx);
    super::echo::doubt_modifier_events(&items, &mut out.conds);
    merge_adjacent(&mut out.unrecognized);
    out
}

/// "used the app but didn't visit the website in the last 30 days": the window written once,
/// on the negated half, frames both halves (the assumption says so). Written on the first half
/// only ("logged in during the last 30 days but didn't use any feature"), the negated half may
/// or may not share it: asked, not guessed.
fn share_window(conds: &mut [Cond], c: &mut Clauses<'_>) {
    for k in 1..conds.len() {
        let first_has_window = match &conds[k - 1].node {
            Node::Aggregate { window, .. } => window.is_some(),
            Node::Date { op, .. } => matches!(
                op,
                crate::domain::definition::DateOp::WithinLast
                    | crate::domain::definition::DateOp::Between
            ),
            _ => false,
        };
        if let Node::Not { condition } = &conds[k].node
            && let Node::Aggregate {
                window: None,
                source: crate::domain::definition::AggSource::Events,
                ..
            } = condition.as_ref()
            && first_has_window
        {
            conds[k].confidence = conds[k].confidence.min(0.6);
            let (from, to) = (conds[k].from, conds[k].to);
            c.assumptions.push(super::clauses::Assume {
                from,
                to,
                text: "read as never, at any time".into(),
                alternatives: vec!["not in the same period".into()],
            });
        }
    }
    for k in 1..conds.len() {
        let Node::Not { condition } = &conds[k].node else {
            continue;
        };
        let Node::Aggregate {
            window: Some(w), ..
        } = condition.as_ref()
        else {
            continue;
        };
        let w = w.clone();
        if let Node::Aggregate {
            window: window @ None,
            source,
            ..
        } = &mut conds[k - 1].node
            && *source == crate::domain::definition::AggSource::Events
        {
            *window = Some(w);
            let (from, to) = (conds[k - 1].from, conds[k].to);
            c.assumptions.push(super::clauses::Assume {
                from,
                to,
                text: "the time written once applies to both".into(),
                alternatives: vec!["any time for the first".into()],
            });
        }
    }
}

/// "paying more than $2,000 a year *in premium*": the field named again after its condition is
/// part of it.
fn same_field_again(items: &[Item], node: &Node, end: usize) -> usize {
    let (Node::Attribute { field, .. } | Node::Date { field, .. }) = node else {
        return end;
    };
    let names = |k: usize| {
        items.get(k).is_some_and(|x| {
            x.has(|l| matches!(l, Lex::Field(f) | Lex::FieldWord(f) if f == field))
        })
    };
    let linking = items
        .get(end)
        .is_some_and(|x| x.has(|l| matches!(l, Lex::In | Lex::By)));
    match (names(end), linking && names(end + 1)) {
        (true, _) => end + 1,
        (false, true) => end + 2,
        _ => end,
    }
}

/// "comprehensive coverage, legacy plans included": two values of one column, both required,
/// would match no one (a customer has one value); the only reading that selects anyone is
/// either value, said as an assumption.
fn either_value(conds: &mut Vec<Cond>, c: &mut Clauses<'_>) {
    let texts = |n: &Node| match n {
        Node::Attribute {
            field,
            op: Op::Eq,
            value: Some(Value::Text(t)),
        } => Some((field.clone(), vec![t.clone()])),
        Node::Attribute {
            field,
            op: Op::In,
            value: Some(Value::List(v)),
        } => {
            let t: Option<Vec<String>> = v
                .iter()
                .map(|x| {
                    if let Value::Text(t) = x {
                        Some(t.clone())
                    } else {
                        None
                    }
                })
                .collect();
            t.map(|t| (field.clone(), t))
        }
        _ => None,
    };
    let mut k = 0;
    while k < conds.len() {
        let Some((field, mut values)) = texts(&conds[k].node) else {
            k += 1;
            continue;
        };
        let apart =
            |(f, v): (String, Vec<String>)| f == field && v.iter().all(|x| !values.contains(x));
        let Some(j) = (k + 1..conds.len()).find(|&j| texts(&conds[j].node).is_some_and(apart))
        else {
            k += 1;
            continue;
        };
        let other = conds.remove(j);
        values.extend(
            texts(&other.node)
                .map(|(_, v)| v)
                .unwrap_or_default()
                .into_iter()
                .filter(|v| !values.contains(v))
                .collect::<Vec<_>>(),
        );
        let (from, to) = (conds[k].from.min(other.from), conds[k].to.max(other.to));
        let list = values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        c.assumptions.push(Assume {
            from,
            to,
            text: format!("read as {field} = {list}: a customer has one {field}"),
            alternatives: vec![],
        });
        conds[k] = Cond {
            node: Node::Attribute {
                field,
                op: Op::In,
                value: Some(Value::List(values.into_iter().map(Value::Text).collect())),
            },
            from,
            to,
            confidence: conds[k].confidence.min(other.confidence),
        };
    }
}

/// "joined through a referral" may read the same condition from two words: it is one condition,
/// whose words are all of theirs.
/// "drivers whose *licence* isn't *verified*": a yes/no column named, then said to be no, is
/// likely one statement whose later, explicit value wins; but it may be two, so it is asked.
fn one_flag_one_value(conds: &mut Vec<Cond>, c: &mut Clauses<'_>) {
    let flag = |n: &Node| match n {
        Node::Attribute {
            field,
            op: crate::domain::definition::Op::Eq,
            value: Some(crate::domain::definition::Value::Bool(b)),
        } => Some((field.clone(), *b)),
        _ => None,
    };
    let mut k = 1;
    while k < conds.len() {
        match (flag(&conds[k - 1].node), flag(&conds[k].node)) {
            (Some((a, x)), Some((b, y))) if a == b && x != y => {
                let gone = conds.remove(k - 1);
                let kept = &mut conds[k - 1];
                kept.from = kept.from.min(gone.from);
                kept.confidence = kept.confidence.min(0.5);
                c.assumptions.push(super::clauses::Assume {
                    from: kept.from,
                    to: kept.to,
                    text: format!("read as `{a}` is {}", if y { "yes" } else { "no" }),
                    alternatives: vec![format!("`{a}` is {}", if x { "yes" } else { "no" })],
                });
            }
            _ => k += 1,
        }
    }
}

fn drop_repeats(conds: &mut Vec<Cond>) {
    let mut kept: Vec<Cond> = Vec::with_capacity(conds.len());
    for c in conds.drain(..) {
        match kept.iter_mut().find(|k| k.node == c.node) {
            Some(k) => {
                k.from = k.from.min(c.from);
                k.to = k.to.max(c.to);
                k.confidence = k.confidence.min(c.confidence);
            }
            None => kept.push(c),
        }
    }
    *conds = kept;
}

fn merge_adjacent(spans: &mut Vec<(usize, usize)>) {
    spans.sort();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for s in spans.drain(..) {
        match merged.last_mut() {
            Some(last) if last.1 == s.0 => last.1 = s.1,
            _ => merged.push(s),
        }
    }
    *spans = merged;
}

/// The negation of a condition: booleans flip, everything else is wrapped in `not`.
pub fn negate(node: Node) -> Node {
    match node {
        Node::Attribute {
            field,
            op: Op::Eq,
            value: Some(Value::Bool(b)),
        } => Node::Attribute {
            field,
            op: Op::Eq,
            value: Some(Value::Bool(!b)),
        },
        Node::Not { condition } => *condition,
        other => Node::Not {
            condition: Box::new(other),
        },
    }
}

/// "A or B": values of one field merge into a list, anything else into `any`.
pub fn merge_or(a: Node, b: Node) -> Node {
    // "opened or clicked an email in the last 30 days": the window written once applies to both.
    let a = match (a, &b) {
        (
            Node::Aggregate {
                source,
                event,
                measure,
                of,
                window: None,
                op,
                value,
            },
            Node::Aggregate {
                window: Some(w), ..
            },
        ) => Node::Aggregate {
            source,
            event,
            measure,
            of,
            window: Some(w.clone()),
            op,
            value,
        },
        (a, _) => a,
    };
    let values = |n: &Node| -> Option<(String, Vec<Value>)> {
        match n {
            Node::Attribute {
                field,
                op: Op::Eq,
                value: Some(v @ Value::Text(_)),
            } => Some((field.clone(), vec![v.clone()])),
            Node::Attribute {
                field,
                op: Op::In,
                value: Some(Value::List(vs)),
            } => Some((field.clone(), vs.clone())),
            _ => None,
        }
    };
    if let (Some((fa, mut va)), Some((fb, vb))) = (values(&a), values(&b))
        && fa == fb
    {
        va.extend(vb);
        return Node::Attribute {
            field: fa,
            op: Op::In,
            value: Some(Value::List(va)),
        };
    }
    match a {
        Node::Any { mut conditions } => {
            conditions.push(b);
            Node::Any { conditions }
        }
        a => Node::Any {
            conditions: vec![a, b],
        },
    }
}
