//! Validation findings: typed, with the JSON path of the offending node, a stable code and a
//! message a person can act on.

use serde::Serialize;

/// Stable machine-readable error codes (part of the API contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    InvalidJson,
    UnsupportedVersion,
    UnknownField,
    UnknownTerm,
    UnknownSegment,
    UnknownEvent,
    TypeMismatch,
    InvalidOperator,
    MissingValue,
    InvalidDate,
    ValueOutOfDomain,
    UnknownCategoryValue,
    Contradiction,
    TooDeep,
    TooLarge,
    ReferenceCycle,
    /// Words of the request were not understood (`unresolved`): not saved or submitted as is.
    PartialDefinition,
}

/// One problem found in a definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    /// JSON path in the definition, e.g. `$.root.conditions[1].value`.
    pub path: String,
    pub code: Code,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
}

impl Issue {
    pub fn new(path: impl Into<String>, code: Code, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            code,
            message: message.into(),
            suggestions: Vec::new(),
        }
    }

    pub fn with_suggestions(mut self, s: Vec<String>) -> Self {
        if !s.is_empty() {
            self.message = format!(
                "{} (did you mean {}?)",
                self.message,
                s.iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        self.suggestions = s;
        self
    }
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}
