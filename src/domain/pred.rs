//! The resolved predicate tree inside a [`ValidDefinition`](super::validate::ValidDefinition):
//! glossary terms and segment references expanded, fields resolved against the catalog, dates
//! and windows turned into concrete bounds. Both the SQL compiler and the in-memory evaluator
//! read only this.

use serde::Serialize;

use super::catalog::{DateRepr, FieldType, Source};
use super::definition::{AggSource, Direction, Measure, Quantity};

/// A predicate over one customer. Every predicate is two-valued: a test on a missing value is
/// false (so `not` of it is true), in SQL and in the evaluator alike.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Pred {
    All {
        of: Vec<Pred>,
    },
    Any {
        of: Vec<Pred>,
    },
    Not {
        of: Box<Pred>,
    },
    Test {
        expr: Expr,
        test: Test,
    },
    /// Top/bottom P% by a field; the threshold is resolved per run and stored in `slot`.
    Percentile {
        field: FieldRef,
        direction: Direction,
        percent: f64,
        slot: usize,
    },
}

/// A catalog field, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldRef {
    pub name: String,
    pub ty: FieldType,
    pub source: Source,
    pub repr: Option<DateRepr>,
}

/// What a test reads: a field or an aggregate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Expr {
    Field(FieldRef),
    Agg(Agg),
}

/// An aggregate over the customer's orders or events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agg {
    pub source: AggSource,
    pub event: Option<String>,
    pub measure: Measure,
    pub of: Option<Quantity>,
    /// `(after, until]` in epoch seconds; always bounded above by the as-of date's end.
    pub after: Option<i64>,
    pub until: i64,
}

/// A value a test compares with, already in storage form.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Scalar {
    Num(f64),
    Int(i64),
    Text(String),
}

impl Scalar {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Scalar::Num(x) => Some(*x),
            Scalar::Int(i) => Some(*i as f64),
            Scalar::Text(_) => None,
        }
    }
}

/// Comparison operators left after resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
}

/// A test on one value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Test {
    Cmp {
        op: Cmp,
        value: Scalar,
    },
    /// Inclusive on both ends.
    Between {
        lo: Scalar,
        hi: Scalar,
    },
    In {
        values: Vec<Scalar>,
    },
    NotIn {
        values: Vec<Scalar>,
    },
    /// Case-insensitive (ASCII) substring.
    Contains {
        value: String,
    },
    /// Case-insensitive (ASCII) prefix.
    StartsWith {
        value: String,
    },
    IsSet {
        set: bool,
    },
}

impl Cmp {
    /// The operator as a mathematical symbol, for sentences.
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Eq => "=",
            Cmp::Ne => "≠",
            Cmp::Lt => "<",
            Cmp::Lte => "≤",
            Cmp::Gt => ">",
            Cmp::Gte => "≥",
        }
    }
}

impl Pred {
    /// Number of nodes, for size limits.
    pub fn size(&self) -> usize {
        match self {
            Pred::All { of } | Pred::Any { of } => 1 + of.iter().map(Pred::size).sum::<usize>(),
            Pred::Not { of } => 1 + of.size(),
            _ => 1,
        }
    }
}
