//! The model's answer: its JSON Schema (the definition's schema, as served at
//! `GET /api/schema/segment`, plus how the request was understood), parsing, and the turn into an
//! [`Interpretation`]. Nothing the model says is trusted: the definition still goes through the
//! validator (in `app`), the sentences of the explanation are written by segwright from the
//! definition itself, and every quote must be words of the request, or it is dropped and flagged.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::definition::{Definition, Node};
use crate::domain::validate::{Code, Issue};
use crate::interpret::offline::Cx;
use crate::interpret::{Assumption, Explained, Interpretation, Span, intervals, refine, sentence};

/// Longest text kept from the model for one assumption or question.
const MAX_TEXT: usize = 300;
/// Most assumptions, unrecognized spans or questions kept.
const MAX_ITEMS: usize = 10;

/// What the model is asked to return.
#[derive(Debug, Clone, Deserialize)]
pub struct Reply {
    pub definition: Value,
    #[serde(default)]
    pub explanation: Vec<Quoted>,
    #[serde(default)]
    pub assumptions: Vec<ReplyAssumption>,
    #[serde(default)]
    pub unrecognized: Vec<String>,
    #[serde(default)]
    pub questions: Vec<String>,
}

/// Words of the request a condition came from.
#[derive(Debug, Clone, Deserialize)]
pub struct Quoted {
    #[serde(default)]
    pub quote: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReplyAssumption {
    #[serde(default)]
    pub quote: String,
    pub text: String,
    #[serde(default)]
    pub alternatives: Vec<String>,
}

/// The JSON Schema of [`Reply`], embedding the definition's own schema.
pub fn schema() -> Value {
    let mut definition = Definition::json_schema();
    let mut defs = definition
        .as_object_mut()
        .and_then(|o| o.remove("$defs"))
        .unwrap_or_else(|| json!({}));
    if let Some(o) = definition.as_object_mut() {
        o.remove("$schema");
    }
    defs["Definition"] = definition;
    let strings = json!({"type": "array", "items": {"type": "string"}});
    json!({
        "type": "object",
        "properties": {
            "definition": {"$ref": "#/$defs/Definition"},
            "explanation": {"type": "array", "items": {"type": "object", "properties": {"quote": {"type": "string"}}, "required": ["quote"]}},
            "assumptions": {"type": "array", "items": {"type": "object", "properties": {
                "quote": {"type": "string"}, "text": {"type": "string"}, "alternatives": strings.clone()
            }, "required": ["quote", "text", "alternatives"]}},
            "unrecognized": strings.clone(),
            "questions": strings,
        },
        "required": ["definition", "explanation", "assumptions", "unrecognized", "questions"],
        "$defs": defs,
    })
}

/// [`schema`] in the form OpenAI's strict mode accepts (see [`super::strict`]).
pub fn strict_schema(params: &[String]) -> Value {
    super::strict::schema(&schema(), params)
}

impl Reply {
    /// Parse the model's text. Servers that ignore `response_format` may wrap the JSON object in
    /// a Markdown fence or a sentence: the outermost `{…}` is tried when the whole text is not JSON.
    pub fn parse(text: &str) -> Result<Self, Issue> {
        let t = text.trim();
        serde_json::from_str::<Value>(t)
            .or_else(|e| match (t.find('{'), t.rfind('}')) {
                (Some(a), Some(b)) if a < b => serde_json::from_str(&t[a..=b]),
                _ => Err(e),
            })
            // A strict-mode answer writes `null` for what it leaves out.
            .and_then(|v| serde_json::from_value(super::strict::strip_nulls(v)))
            .map_err(|e| {
                Issue::new(
                    "$",
                    Code::InvalidJson,
                    format!("the answer is not the requested JSON object: {e}"),
                )
            })
    }

    /// The definition, parsed with the same rules as a definition sent by a person.
    pub fn definition(&self) -> Result<Definition, Issue> {
        Definition::from_value(self.definition.clone())
    }
}

/// Byte span of `quote` in `prompt` (exact, else ignoring ASCII case).
pub fn locate(prompt: &str, quote: &str) -> Option<Span> {
    let q = quote.trim();
    if q.is_empty() {
        return None;
    }
    let start = prompt
        .find(q)
        .or_else(|| prompt.to_ascii_lowercase().find(&q.to_ascii_lowercase()))?;
    let end = start + q.len();
    prompt.get(start..end).map(|text| Span {
        start,
        end,
        text: text.to_string(),
    })
}

fn clip(s: &str) -> String {
    s.chars().take(MAX_TEXT).collect()
}

/// Turn a reply whose definition passed the validator into an interpretation by `model`.
pub fn interpretation(
    prompt: &str,
    reply: &Reply,
    mut definition: Definition,
    model: &str,
    cx: &Cx<'_>,
) -> Interpretation {
    let interpreter = format!("llm:{model}");
    definition.interpreter = Some(interpreter.clone());
    let mut notices = Vec::new();
    let mut span_of = |quote: &str| {
        locate(prompt, quote).unwrap_or_else(|| {
            if !quote.trim().is_empty() {
                notices.push(format!("The model cited \"{}\", which is not in the request; that citation was dropped.", clip(quote)));
            }
            Span { start: 0, end: 0, text: String::new() }
        })
    };
    let conditions = match &definition.root {
        Node::All { conditions } if conditions.is_empty() => Vec::new(),
        root => refine::conditions(root),
    };
    let explanation: Vec<Explained> = conditions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let span = span_of(
                reply
                    .explanation
                    .get(i)
                    .map(|q| q.quote.as_str())
                    .unwrap_or(""),
            );
            // A condition the model cannot tie to the user's own words is not taken on trust.
            let confidence = if span.text.is_empty() { 0.5 } else { 0.9 };
            Explained {
                sentence: sentence(c, cx),
                span,
                condition: c.clone(),
                confidence,
            }
        })
        .collect();
    let assumptions: Vec<Assumption> = reply
        .assumptions
        .iter()
        .take(MAX_ITEMS)
        .map(|a| Assumption {
            span: span_of(&a.quote),
            text: clip(&a.text),
            alternatives: a
                .alternatives
                .iter()
                .take(MAX_ITEMS)
                .map(|s| clip(s))
                .collect(),
        })
        .collect();
    let mut unrecognized: Vec<Span> = reply
        .unrecognized
        .iter()
        .take(MAX_ITEMS)
        .filter_map(|u| Some(span_of(u)).filter(|s| !s.text.is_empty()))
        .collect();
    let mut questions: Vec<String> = reply
        .questions
        .iter()
        .take(MAX_ITEMS)
        .map(|q| clip(q))
        .collect();
    // Words the model neither used nor declared: said, not silently dropped.
    let used: Vec<Span> = explanation
        .iter()
        .map(|e| e.span.clone())
        .chain(assumptions.iter().map(|a: &Assumption| a.span.clone()))
        .chain(unrecognized.iter().cloned())
        .collect();
    for s in crate::interpret::coverage::uncovered(prompt, &used) {
        questions.push(format!(
            "The model did not use \"{}\"; could you say what it should mean, or leave it out?",
            s.text
        ));
        unrecognized.push(s);
    }
    if explanation.is_empty() && questions.is_empty() {
        questions.push(
            "Which customers do you mean? Name a behaviour, a value, a place or an attribute."
                .into(),
        );
    }
    let intervals = intervals(&definition.root, cx);
    Interpretation {
        prompt: prompt.to_string(),
        interpreter,
        partial: !unrecognized.is_empty() || explanation.is_empty(),
        definition,
        explanation,
        assumptions,
        unrecognized,
        questions,
        intervals,
        notices,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_found_in_the_request_or_not_at_all() {
        let p = "VIPs in California";
        assert_eq!(
            locate(p, "in california").unwrap(),
            Span {
                start: 5,
                end: 18,
                text: "in California".into()
            }
        );
        assert_eq!(locate(p, "in Texas"), None);
        assert_eq!(locate(p, "  "), None);
    }

    #[test]
    fn a_fenced_answer_parses_and_the_schema_embeds_the_definition() {
        let r = Reply::parse("```json\n{\"definition\": {\"version\": 1, \"root\": {\"type\": \"all\", \"conditions\": []}}}\n```").unwrap();
        assert!(r.definition().is_ok());
        assert!(Reply::parse("Here it is: {\"definition\": {\"version\": 1, \"root\": {\"type\": \"all\", \"conditions\": []}}} Hope it helps.").is_ok());
        assert!(Reply::parse("SELECT * FROM customers").is_err());
        let s = schema();
        assert!(s["$defs"]["Definition"]["properties"]["root"].is_object());
        assert!(
            s["$defs"]["Node"].is_object(),
            "the definition's own $defs are kept"
        );
    }
}
