//! The messages sent to the model, rendered with minijinja from the templates in `prompts/`.
//! Only catalog metadata (field names, types, units, descriptions, synonyms, category labels),
//! event names, glossary terms, the as-of date and the request itself are rendered: never a
//! customer record. Category labels come from customer data, so each is rendered as a JSON string
//! (quoted and escaped: a value cannot start a line of its own or close the list).

use minijinja::value::{Serde, Value};
use minijinja::{Environment, context};
use serde::Serialize;

use super::LlmError;
use crate::domain::disclosure::shareable_values;
use crate::domain::validate::Issue;
use crate::interpret::offline::Cx;

const INTERPRET: &str = include_str!("../../../prompts/interpret.j2");
const REPAIR: &str = include_str!("../../../prompts/repair.j2");
const EXAMPLES: &str = include_str!("../../../prompts/examples.json");

/// At most this many categorical values of one field are listed.
const MAX_VALUES: usize = 50;

#[derive(Serialize)]
struct FieldView<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    ty: serde_json::Value,
    unit: serde_json::Value,
    description: &'a str,
    synonyms: &'a [String],
    values: Vec<&'a str>,
}

#[derive(Serialize)]
struct TermView<'a> {
    name: &'a str,
    label: &'a str,
    description: &'a str,
    params: &'a std::collections::BTreeMap<String, f64>,
}

fn env() -> Result<Environment<'static>, LlmError> {
    let mut env = Environment::new();
    env.add_template("interpret.j2", INTERPRET)
        .map_err(|e| LlmError::Prompt(e.to_string()))?;
    env.add_template("repair.j2", REPAIR)
        .map_err(|e| LlmError::Prompt(e.to_string()))?;
    Ok(env)
}

/// The system prompt for one catalog, glossary and as-of date; `schema` is the answer's schema.
/// Categorical values are listed only where they look like categories rather than personal data
/// (`sensitive`: the policy's sensitive-name fragments; see [`shareable_values`]).
pub fn system(
    cx: &Cx<'_>,
    schema: &serde_json::Value,
    sensitive: &[String],
) -> Result<String, LlmError> {
    let fields: Vec<FieldView<'_>> = cx
        .catalog
        .fields
        .iter()
        .map(|f| FieldView {
            name: &f.name,
            ty: json(&f.ty),
            unit: json(&f.unit),
            description: &f.description,
            synonyms: &f.synonyms,
            values: shareable_values(f, sensitive)
                .into_iter()
                .take(MAX_VALUES)
                .collect(),
        })
        .collect();
    let terms: Vec<TermView<'_>> = cx
        .glossary
        .terms
        .iter()
        .map(|(name, t)| TermView {
            name,
            label: &t.label,
            description: &t.description,
            params: &t.params,
        })
        .collect();
    let examples: serde_json::Value = serde_json::from_str(EXAMPLES)
        .map_err(|e| LlmError::Prompt(format!("prompts/examples.json: {e}")))?;
    let schema = serde_json::to_string(schema).map_err(|e| LlmError::Prompt(e.to_string()))?;
    env()?
        .get_template("interpret.j2")
        .and_then(|t| {
            t.render(context! {
                as_of => cx.as_of.date().to_string(),
                timezone => cx.as_of.tz().name(),
                fields => Value::from(Serde(&fields)),
                events => Value::from(Serde(&cx.catalog.events)),
                terms => Value::from(Serde(&terms)),
                schema => schema,
                examples => Value::from(Serde(&examples)),
            })
        })
        .map_err(|e| LlmError::Prompt(e.to_string()))
}

/// The follow-up asking the model to fix the validator's issues.
pub fn repair(issues: &[Issue]) -> Result<String, LlmError> {
    env()?
        .get_template("repair.j2")
        .and_then(|t| t.render(context! { issues => Value::from(Serde(issues)) }))
        .map_err(|e| LlmError::Prompt(e.to_string()))
}

/// A catalog enum as its JSON spelling (`"number"`, `"usd"`, …).
fn json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}
