//! Interpreters: turn a marketer's request into a segment definition and say how every word was
//! understood. `offline` is the built-in, deterministic interpreter (pure: no network, no
//! database); `llm` talks to an OpenAI-compatible endpoint. Both return an [`Interpretation`],
//! whose definition must still pass the validator before anything is compiled.

mod coverage;
pub mod llm;
pub mod offline;
pub mod refine;

use serde::Serialize;

use crate::domain::definition::{DateOp, Definition, Node, Period};
use crate::domain::time::Unit;
use offline::Cx;

/// A piece of the request, by byte offsets.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Below this confidence a condition is not taken as understood: the answer says how else the
/// words could be read, and the evaluation counts the answer as flagged, not as confident.
pub const CONFIDENT: f32 = 0.75;

/// One understood condition: a plain sentence, the words it came from, its node, and how sure
/// the link from words to fields and values is (1 = the words name the field or value exactly).
#[derive(Debug, Clone, Serialize)]
pub struct Explained {
    pub sentence: String,
    pub span: Span,
    pub condition: Node,
    pub confidence: f32,
}

/// A choice made without the user saying so, and what else it could be.
#[derive(Debug, Clone, Serialize)]
pub struct Assumption {
    pub span: Span,
    pub text: String,
    pub alternatives: Vec<String>,
}

/// What an interpreter made of a request.
#[derive(Debug, Clone, Serialize)]
pub struct Interpretation {
    pub prompt: String,
    /// `offline` or `llm:<model>`.
    pub interpreter: String,
    pub definition: Definition,
    /// Some of the request was not understood: the definition covers only the rest.
    pub partial: bool,
    pub explanation: Vec<Explained>,
    pub assumptions: Vec<Assumption>,
    pub unrecognized: Vec<Span>,
    pub questions: Vec<String>,
    /// Every relative time as a concrete interval.
    pub intervals: Vec<String>,
    /// Things the user should know (e.g. the LLM was down and the offline interpreter answered).
    pub notices: Vec<String>,
}

/// One condition as a plain sentence, capitalised and ending with a full stop.
pub fn sentence(node: &Node, cx: &Cx<'_>) -> String {
    let s = crate::domain::explain::describe(node, cx.catalog, cx.glossary, &cx.as_of);
    let mut c = s.chars();
    match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
        None => s,
    }
}

/// Every relative time in a definition, as "last 30 days = 2026-10-24 00:00 → 2026-11-22 24:00 UTC".
pub fn intervals(node: &Node, cx: &Cx<'_>) -> Vec<String> {
    let mut out = Vec::new();
    walk(node, cx, &mut out, 0);
    out.dedup();
    out
}

fn last(n: i64, unit: Unit, cx: &Cx<'_>) -> String {
    let k = n.clamp(1, 36_600) as u32;
    format!(
        "last {k} {} = {}",
        unit.word(k),
        cx.as_of.describe_window(&cx.as_of.last(k, unit))
    )
}

fn walk(node: &Node, cx: &Cx<'_>, out: &mut Vec<String>, depth: usize) {
    if depth > 8 {
        return;
    }
    match node {
        Node::All { conditions } | Node::Any { conditions } => {
            conditions.iter().for_each(|c| walk(c, cx, out, depth + 1))
        }
        Node::Not { condition } => walk(condition, cx, out, depth + 1),
        Node::Date {
            op: DateOp::WithinLast,
            amount: Some(n),
            unit,
            ..
        } => out.push(last(*n, unit.unwrap_or(Unit::Days), cx)),
        Node::Date {
            op: DateOp::MoreThanAgo,
            amount: Some(n),
            unit,
            ..
        } => {
            let u = unit.unwrap_or(Unit::Days);
            out.push(format!(
                "more than {n} {} ago = on or before {} 24:00 {}",
                u.word(2),
                cx.as_of.minus((*n).clamp(0, 36_600) as u32, u),
                cx.as_of.tz().name()
            ))
        }
        Node::Date {
            op: DateOp::Between,
            from: Some(a),
            to: Some(b),
            ..
        } => out.push(format!("{a} 00:00 → {b} 24:00 {}", cx.as_of.tz().name())),
        Node::Aggregate {
            window: Some(Period::Last { last: n, unit }),
            ..
        } => out.push(last(*n, *unit, cx)),
        Node::Aggregate {
            window: Some(Period::Dates { from, to }),
            ..
        } if from != "1900-01-01" => out.push(format!(
            "{from} 00:00 → {to} 24:00 {}",
            cx.as_of.tz().name()
        )),
        Node::Term { name, params } => {
            if let Some(expanded) = cx.glossary.get(name).and_then(|t| t.expand(params).ok()) {
                walk(&expanded, cx, out, depth + 1);
            }
        }
        _ => {}
    }
}
