//! Words that repeat what a condition already names. "PvP Arena fans who haven't played a
//! *PvP* match" links `pvp_match` from "match"; the second "PvP" is a word of that same event's
//! name, so it adds nothing and is not reported as unrecognized. Only a word next to the
//! condition whose field, event or value spells it counts: the word then cannot point anywhere
//! the answer does not already go, so absorbing it can never change the audience.

use super::grammar::{Cond, Cx};
use super::tokenize::stem;
use super::when::Item;
use serde_json::Value as Json;

/// How many tokens away from a condition's words an echo may sit ("accounts *paid* by the
/// company" for `Business (company-paid)` read from "business accounts").
const REACH: usize = 2;

/// Drop the unrecognized one-word items that echo a neighbouring condition.
pub fn absorb(items: &[Item], unrecognized: &mut Vec<(usize, usize)>, conds: &[Cond], cx: &Cx) {
    unrecognized.retain(|&(a, b)| {
        let word = items
            .iter()
            .find(|it| it.from == a && it.to == b)
            .and_then(|it| it.word.as_deref());
        match word {
            Some(w) => !echoes(w, (a, b), conds, cx),
            None => true,
        }
    });
}

fn echoes(word: &str, (a, b): (usize, usize), conds: &[Cond], cx: &Cx) -> bool {
    let root = stem(word);
    if root.chars().count() < 3 || root.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    conds
        .iter()
        .filter(|c| a + REACH >= c.to.saturating_sub(1) && c.from <= b + REACH)
        .any(|c| names_of(c, cx).contains(&root))
}

/// The roots of every word in the names and values a condition uses (and the column headers
/// and synonyms of its fields).
fn names_of(cond: &Cond, cx: &Cx) -> Vec<String> {
    let mut texts = Vec::new();
    if let Ok(json) = serde_json::to_value(&cond.node) {
        collect(&json, &mut texts);
    }
    let fields: Vec<String> = texts.clone();
    for f in fields.iter().filter_map(|t| cx.catalog.get(t)) {
        texts.extend(f.synonyms.iter().cloned());
    }
    texts
        .iter()
        .flat_map(|t| {
            t.split(|c: char| !c.is_alphanumeric())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|w| !w.is_empty())
        .map(|w| stem(&w))
        .collect()
}

/// The strings under the keys that name data: fields, events, values.
fn collect(json: &Json, out: &mut Vec<String>) {
    match json {
        Json::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("field" | "event" | "value" | "of", Json::String(s)) => out.push(s.clone()),
                    ("values", Json::Array(vs)) => {
                        out.extend(vs.iter().filter_map(|v| v.as_str().map(str::to_string)))
                    }
                    _ => collect(v, out),
                }
            }
        }
        Json::Array(vs) => vs.iter().for_each(|v| collect(v, out)),
        _ => {}
    }
}

/// "paperless *billing* customers": one word of a longer event's name (`BILL_DISPUTE`) written
/// right after a column's condition, with no verb, number or time of its own, more likely
/// describes that column than asks for the event. The link is kept but marked unsure, so the
/// answer asks instead of silently adding the event.
pub fn doubt_modifier_events(items: &[Item], conds: &mut [Cond]) {
    for k in 1..conds.len() {
        let (before, rest) = conds.split_at_mut(k);
        let (prev, cond) = (&before[k - 1], &mut rest[0]);
        let lone = items
            .iter()
            .find(|it| it.from == cond.from && it.to == cond.to)
            .is_some_and(|it| it.word.is_some());
        let partial = matches!(
            &cond.node,
            crate::domain::definition::Node::Aggregate { event: Some(e), window: None, .. }
                if e.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).count() >= 2
        );
        let after_column = prev.to == cond.from
            && matches!(prev.node, crate::domain::definition::Node::Attribute { .. });
        if lone && partial && after_column {
            cond.confidence = cond.confidence.min(0.5);
        }
    }
}
