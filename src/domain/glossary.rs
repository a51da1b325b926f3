//! The glossary: business terms ("high-value", "lapsed", "inactive for N days") defined in the
//! definition language. Parsed from TOML text; reading the file is the caller's job.
//!
//! A term's definition may use parameters written as `"$name"` strings; they are replaced by the
//! caller's value or the term's default before the definition is parsed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::definition::Node;

/// The default glossary shipped with segwright.
pub const DEFAULT_TOML: &str = include_str!("../../glossary.toml");

/// One business term.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// How people write it, e.g. `high-value`.
    pub label: String,
    #[serde(default)]
    pub synonyms: Vec<String>,
    pub description: String,
    /// Parameters with their defaults, e.g. `days = 30`.
    #[serde(default)]
    pub params: BTreeMap<String, f64>,
    /// The definition-language node, possibly with `"$param"` placeholders.
    pub definition: serde_json::Value,
}

/// All terms by key (the key is what definitions reference, e.g. `high_value`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Glossary {
    pub terms: BTreeMap<String, Term>,
}

/// Why a term could not be expanded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TermError {
    #[error("unknown parameter `{0}`")]
    UnknownParam(String),
    #[error("parameter `{0}` must be a number")]
    NotNumber(String),
    #[error("the term's definition is not valid: {0}")]
    BadDefinition(String),
}

impl Glossary {
    /// Parse glossary TOML; every term's definition must parse with its default parameters.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let g: Glossary = toml::from_str(text).map_err(|e| format!("glossary: {e}"))?;
        for (key, term) in &g.terms {
            term.expand(&serde_json::Map::new())
                .map_err(|e| format!("glossary term `{key}`: {e}"))?;
        }
        Ok(g)
    }

    pub fn default_glossary() -> Self {
        Self::from_toml(DEFAULT_TOML).expect("the shipped glossary is valid")
    }

    /// This glossary with edits applied: `Some(term)` adds or replaces the key, `None` removes it.
    pub fn with_edits(&self, edits: impl IntoIterator<Item = (String, Option<Term>)>) -> Glossary {
        let mut g = self.clone();
        for (key, term) in edits {
            match term {
                Some(t) => g.terms.insert(key, t),
                None => g.terms.remove(&key),
            };
        }
        g
    }

    /// Whether `key` may name a term: lowercase letters, digits and `_`, starting with a letter
    /// (how definitions and the interpreter refer to terms).
    pub fn valid_key(key: &str) -> bool {
        key.len() <= 60
            && key.starts_with(|c: char| c.is_ascii_lowercase())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    }

    pub fn get(&self, key: &str) -> Option<&Term> {
        self.terms.get(key).or_else(|| {
            let k = key.replace(['-', ' '], "_").to_lowercase();
            self.terms.get(&k)
        })
    }

    /// A stable version string (hash of the content), recorded with saved versions.
    pub fn version(&self) -> String {
        use sha2::Digest;
        let json = serde_json::to_vec(self).expect("glossary serializes");
        hex::encode(sha2::Sha256::digest(&json))[..12].to_string()
    }
}

impl Term {
    /// The term's node with parameters substituted.
    pub fn expand(
        &self,
        given: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Node, TermError> {
        let mut values = self.params.clone();
        for (k, v) in given {
            if !self.params.contains_key(k) {
                return Err(TermError::UnknownParam(k.clone()));
            }
            let n = v.as_f64().ok_or_else(|| TermError::NotNumber(k.clone()))?;
            values.insert(k.clone(), n);
        }
        let mut def = self.definition.clone();
        substitute(&mut def, &values);
        serde_json::from_value(def).map_err(|e| TermError::BadDefinition(e.to_string()))
    }
}

fn substitute(v: &mut serde_json::Value, params: &BTreeMap<String, f64>) {
    match v {
        serde_json::Value::String(s) => {
            if let Some(x) = s.strip_prefix('$').and_then(|name| params.get(name)) {
                *v = if x.fract() == 0.0 {
                    serde_json::json!(*x as i64)
                } else {
                    serde_json::json!(*x)
                };
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| substitute(i, params)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|i| substitute(i, params)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_glossary_parses_and_has_the_default_terms() {
        let g = Glossary::default_glossary();
        for k in [
            "high_value",
            "big_spenders",
            "repeat_customers",
            "loyal",
            "one_time_buyers",
            "lapsed",
            "new_customers",
            "inactive_for",
            "churn_risk",
        ] {
            assert!(g.get(k).is_some(), "missing {k}");
        }
    }

    #[test]
    fn parameters_replace_placeholders() {
        let g = Glossary::default_glossary();
        let mut p = serde_json::Map::new();
        p.insert("days".into(), serde_json::json!(45));
        let node = g.get("inactive_for").unwrap().expand(&p).unwrap();
        assert!(serde_json::to_string(&node).unwrap().contains("45"));
        p.insert("weeks".into(), serde_json::json!(1));
        assert_eq!(
            g.get("inactive_for").unwrap().expand(&p),
            Err(TermError::UnknownParam("weeks".into()))
        );
    }
}
