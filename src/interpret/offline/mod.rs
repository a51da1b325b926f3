//! The built-in offline interpreter: deterministic, no network. A tokenizer, a lexicon built
//! from the catalog and glossary, and a small grammar turn a request into a definition, with
//! every condition tied to the words it came from and every unused word reported.

mod clauses;
mod consent;
mod echo;
mod grammar;
mod lexicon;
mod linking;
mod nouns;
mod places;
mod standin;
mod subjects;
mod tokenize;
mod values;
mod vocab;
mod when;

pub use grammar::{Cx, negate};
pub use tokenize::words;

/// A word with no content of its own in a request ("customers", "who", "show me").
pub fn is_filler_word(word: &str) -> bool {
    let w = tokenize::stem(word);
    vocab::CORE
        .iter()
        .filter(|(k, _)| *k == "filler")
        .any(|(_, ws)| ws.contains(&w.as_str()))
}

use super::{Assumption, Explained, Interpretation, Span};
use crate::domain::definition::{Definition, Node};

/// The offline interpreter for one catalog and glossary (build once, use for many requests).
pub struct Offline {
    lexicon: lexicon::Lexicon,
}

impl Offline {
    pub fn new(cx: &Cx<'_>) -> Self {
        Self {
            lexicon: lexicon::Lexicon::build(cx.catalog, cx.glossary),
        }
    }

    /// Interpret one request.
    pub fn interpret(&self, prompt: &str, cx: &Cx<'_>) -> Interpretation {
        let tokens = tokenize::tokenize(prompt);
        let matches = self.lexicon.scan(&tokens);
        let items = when::items(&tokens, matches);
        let parsed = grammar::parse(&items, cx);
        let span = |from: usize, to: usize| {
            let (s, e) = (tokens[from].start, tokens[to.max(from + 1) - 1].end);
            Span {
                start: s,
                end: e,
                text: prompt[s..e].to_string(),
            }
        };
        let explanation: Vec<Explained> = parsed
            .conds
            .iter()
            .map(|c| Explained {
                sentence: super::sentence(&c.node, cx),
                span: span(c.from, c.to),
                condition: c.node.clone(),
                confidence: c.confidence,
            })
            .collect();
        let unrecognized: Vec<Span> = parsed
            .unrecognized
            .iter()
            .map(|(a, b)| span(*a, *b))
            .collect();
        let assumptions: Vec<Assumption> = parsed
            .assumptions
            .iter()
            .map(|a| Assumption {
                span: span(a.from, a.to),
                text: a.text.clone(),
                alternatives: a.alternatives.clone(),
            })
            .collect();
        let mut questions: Vec<String> =
            unrecognized.iter().map(|u| question(&u.text, cx)).collect();
        // A weak link is asked about, with what else the words could mean.
        for c in parsed
            .conds
            .iter()
            .filter(|c| c.confidence < super::CONFIDENT)
        {
            let s = span(c.from, c.to);
            let alts: Vec<&Assumption> = assumptions
                .iter()
                .filter(|a| {
                    a.span.start >= s.start && a.span.end <= s.end && !a.alternatives.is_empty()
                })
                .collect();
            let q = match alts.first() {
                Some(a) => format!(
                    "In \"{}\", I {}; did you mean {}?",
                    a.span.text,
                    a.text,
                    a.alternatives.join(" or ")
                ),
                None => format!(
                    "I am not sure what \"{}\" refers to; which field do you mean?",
                    s.text
                ),
            };
            questions.push(q);
        }
        if parsed.conds.is_empty() && unrecognized.is_empty() {
            questions.push(
                "Which customers do you mean? Name a behaviour, a value, a place or an attribute."
                    .into(),
            );
        }
        let root = match parsed.conds.len() {
            1 => parsed.conds[0].node.clone(),
            _ => Node::All {
                conditions: parsed.conds.iter().map(|c| c.node.clone()).collect(),
            },
        };
        let mut definition = Definition::new(root);
        definition.interpreter = Some("offline".into());
        let intervals = super::intervals(&definition.root, cx);
        Interpretation {
            prompt: prompt.to_string(),
            interpreter: "offline".into(),
            partial: !unrecognized.is_empty() || parsed.conds.is_empty(),
            definition,
            explanation,
            assumptions,
            unrecognized,
            questions,
            intervals,
            notices: Vec::new(),
        }
    }
}

fn question(text: &str, cx: &Cx<'_>) -> String {
    let near = cx.catalog.suggest(text);
    if near.is_empty() {
        format!(
            "I did not understand \"{text}\"; could you say it another way, or name the field it is about?"
        )
    } else {
        format!(
            "I did not understand \"{text}\"; did you mean {}?",
            near.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        )
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_data;
