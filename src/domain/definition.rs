//! The segment definition language: a versioned JSON AST (`"version": 1`). This is the only
//! thing interpreters produce and the only thing the validator accepts; it never holds SQL.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::time::Unit;

/// The current language version.
pub const VERSION: u32 = 1;

/// A segment definition as written by a person, an interpreter or a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Language version; must be 1.
    pub version: u32,
    /// The condition every member satisfies.
    pub root: Node,
    /// Who produced it (e.g. `offline`, `llm:gpt-4o`, `hand`); informational.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
    /// Words of the request that were not understood. A definition with any is *partial*: it
    /// covers only the rest of the request, and saving or submitting it is refused until the
    /// words are removed (drop this field to keep the rest) or the request is rephrased.
    // Never written when empty: stored definitions and their content hashes stay as they were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<String>,
}

/// One node of the condition tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Node {
    /// Every condition holds (an empty list holds for everyone).
    All { conditions: Vec<Node> },
    /// At least one condition holds.
    Any { conditions: Vec<Node> },
    /// The condition does not hold.
    Not { condition: Box<Node> },
    /// Compare a catalog field with a value.
    Attribute {
        field: String,
        op: Op,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<Value>,
    },
    /// A date field relative to the as-of date or to fixed dates.
    /// `within_last`/`more_than_ago` take `amount` and `unit`; `before`/`after` take `date`;
    /// `between` takes `from` and `to` (days, both included).
    Date {
        field: String,
        op: DateOp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<Unit>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        date: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
    /// An aggregate over the customer's orders or events, optionally in a window.
    Aggregate {
        source: AggSource,
        /// Event name filter (events only), e.g. `cart_abandoned`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event: Option<String>,
        measure: Measure,
        /// `amount` or `quantity` for sum/avg/min/max.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        of: Option<Quantity>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<Period>,
        op: Op,
        value: Value,
    },
    /// Top or bottom P% of all customers by a numeric field; ties at the threshold are included.
    Percentile {
        field: String,
        direction: Direction,
        percent: f64,
    },
    /// A glossary term, with optional parameters (e.g. `inactive_for` with `days`).
    Term {
        name: String,
        #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
        #[schemars(with = "std::collections::BTreeMap<String, f64>")]
        params: serde_json::Map<String, serde_json::Value>,
    },
    /// Membership of another saved segment.
    Segment {
        segment: String,
        #[serde(default = "yes")]
        member: bool,
    },
}

fn yes() -> bool {
    true
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
    Between,
    In,
    NotIn,
    Contains,
    StartsWith,
    IsSet,
    IsNotSet,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "≠",
            Op::Lt => "<",
            Op::Lte => "≤",
            Op::Gt => ">",
            Op::Gte => "≥",
            Op::Between => "between",
            Op::In => "in",
            Op::NotIn => "not in",
            Op::Contains => "contains",
            Op::StartsWith => "starts with",
            Op::IsSet => "is set",
            Op::IsNotSet => "is not set",
        }
    }
}

/// A literal: number, text, boolean, or a list (for `in`, `not_in` and `between`).
/// Dates are text in the form `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<Value>),
}

/// Date condition operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DateOp {
    /// Within the last N units up to the as-of date.
    WithinLast,
    /// On or before the end of day D − N units.
    MoreThanAgo,
    /// Strictly before this day.
    Before,
    /// Strictly after this day.
    After,
    /// From the first day to the last day, both included.
    Between,
}

/// What an aggregate counts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AggSource {
    Orders,
    Events,
}

/// The aggregate computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    /// Date of the first occurrence (compared with dates).
    First,
    /// Date of the last occurrence (compared with dates).
    Last,
}

/// Numeric column of orders an aggregate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    Amount,
    Quantity,
}

/// A time window for aggregates: relative to the as-of date, or between two days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Period {
    Last { last: i64, unit: Unit },
    Dates { from: String, to: String },
}

/// Top or bottom of a ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Top,
    Bottom,
}

impl Definition {
    /// Wrap a node as a version-1 definition.
    pub fn new(root: Node) -> Self {
        Self {
            version: VERSION,
            root,
            interpreter: None,
            unresolved: Vec::new(),
        }
    }

    /// Whether some words of the request were not understood.
    pub fn is_partial(&self) -> bool {
        !self.unresolved.is_empty()
    }

    /// Whether the condition tree selects everyone (an `all` with no conditions).
    pub fn selects_everyone(&self) -> bool {
        matches!(&self.root, Node::All { conditions } if conditions.is_empty())
    }

    /// The one rule for storing or submitting a definition: a partial one is refused until the
    /// user removes the words not understood or rephrases. Preview does not apply it (a partial
    /// answer may still be looked at), everything that persists a segment version does.
    pub fn check_understood(&self) -> Result<(), super::validate::Issue> {
        if !self.is_partial() {
            return Ok(());
        }
        let words = self
            .unresolved
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let message = format!(
            "the words {words} were not understood: remove them to keep the rest (send the definition without `unresolved`), or rephrase the request"
        );
        Err(super::validate::Issue::new(
            "$.unresolved",
            super::validate::Code::PartialDefinition,
            message,
        ))
    }

    /// The JSON Schema of the language (served at `/api/schema/segment`).
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Definition)).expect("schema serializes")
    }

    /// Parse JSON text, reporting where in the document it fails.
    pub fn from_json(text: &str) -> Result<Self, super::validate::Issue> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            super::validate::Issue::new(
                "$",
                super::validate::Code::InvalidJson,
                format!("not JSON: {e}"),
            )
        })?;
        Self::from_value(value)
    }

    /// Parse an already-decoded JSON value (e.g. a field of a request body).
    pub fn from_value(value: serde_json::Value) -> Result<Self, super::validate::Issue> {
        let root = value.get("root").cloned();
        serde_path_to_error::deserialize(value).map_err(|e| match root {
            // Tagged enums hide the inner path from serde: find the deepest node that fails.
            Some(root) if e.path().to_string().starts_with("root") => deepest(&root, "$.root")
                .unwrap_or_else(|| parse_issue(e.path(), e.inner().to_string())),
            _ => parse_issue(e.path(), e.inner().to_string()),
        })
    }
}

/// The deepest node under `v` that does not parse, with serde's message.
fn deepest(v: &serde_json::Value, path: &str) -> Option<super::validate::Issue> {
    let err = serde_json::from_value::<Node>(v.clone()).err()?;
    if let Some(items) = v.get("conditions").and_then(|c| c.as_array()) {
        for (i, item) in items.iter().enumerate() {
            if let Some(issue) = deepest(item, &format!("{path}.conditions[{i}]")) {
                return Some(issue);
            }
        }
    }
    if let Some(inner) = v.get("condition")
        && let Some(issue) = deepest(inner, &format!("{path}.condition"))
    {
        return Some(issue);
    }
    Some(super::validate::Issue::new(
        path,
        super::validate::Code::InvalidJson,
        err.to_string(),
    ))
}

fn parse_issue(path: &serde_path_to_error::Path, message: String) -> super::validate::Issue {
    let path = format!("$.{path}")
        .replace("$..", "$.")
        .replace(".[", "[")
        .trim_end_matches('.')
        .to_string();
    let path = if path == "$" || path == "$.?" {
        "$".to_string()
    } else {
        path
    };
    super::validate::Issue::new(path, super::validate::Code::InvalidJson, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_definition_round_trips_through_json() {
        let text = r#"{"version":1,"root":{"type":"all","conditions":[
            {"type":"attribute","field":"country","op":"in","value":["US","CA"]},
            {"type":"date","field":"last_order_date","op":"within_last","amount":30,"unit":"days"},
            {"type":"aggregate","source":"orders","measure":"sum","of":"amount","window":{"last":90,"unit":"days"},"op":"gt","value":100},
            {"type":"percentile","field":"lifetime_revenue","direction":"top","percent":20},
            {"type":"term","name":"inactive_for","params":{"days":45}},
            {"type":"not","condition":{"type":"segment","segment":"vip"}}]}}"#;
        let d = Definition::from_json(text).unwrap();
        let again = Definition::from_json(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(d, again);
    }

    #[test]
    fn a_partial_definition_is_refused_naming_its_words_and_accepted_without_them() {
        let mut d = Definition::new(Node::All { conditions: vec![] });
        assert!(d.check_understood().is_ok());
        d.unresolved = vec!["in Iceland".into()];
        let issue = d.check_understood().unwrap_err();
        assert_eq!(issue.code, super::super::validate::Code::PartialDefinition);
        assert_eq!(issue.path, "$.unresolved");
        assert!(
            issue.message.contains("\"in Iceland\" were not understood"),
            "{}",
            issue.message
        );
        assert!(issue.message.contains("remove them"), "{}", issue.message);
        d.unresolved.clear();
        assert!(d.check_understood().is_ok());
    }

    #[test]
    fn an_empty_unresolved_list_is_not_written_so_stored_json_and_hashes_stay_the_same() {
        let text = r#"{"version":1,"root":{"type":"all","conditions":[]},"interpreter":"offline"}"#;
        let d = Definition::from_json(text).unwrap();
        assert!(d.unresolved.is_empty());
        assert_eq!(serde_json::to_string(&d).unwrap(), text);
        let partial = Definition::from_json(
            r#"{"version":1,"root":{"type":"all","conditions":[]},"unresolved":["in Iceland"]}"#,
        )
        .unwrap();
        assert_eq!(partial.unresolved, vec!["in Iceland".to_string()]);
    }

    #[test]
    fn a_misspelt_node_type_names_its_path() {
        let text = r#"{"version":1,"root":{"type":"all","conditions":[{"type":"atribute"}]}}"#;
        let e = Definition::from_json(text).unwrap_err();
        assert_eq!(e.path, "$.root.conditions[0]");
        assert!(e.message.contains("atribute"), "{}", e.message);
    }
}
