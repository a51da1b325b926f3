//! Validation: checks a [`Definition`] against the catalog, the glossary and the saved segments,
//! and resolves it into a [`ValidDefinition`], the compiler's only input. Every finding is an
//! [`Issue`] with the JSON path of the node it concerns.

mod bounds;
mod issue;
mod values;

use std::collections::BTreeMap;

pub use issue::{Code, Issue};

use super::catalog::{Catalog, FieldType};
use super::definition::{Definition, Direction, Node, VERSION};
use super::glossary::Glossary;
use super::pred::{FieldRef, Pred};
use super::time::AsOf;

/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 16;
/// Most nodes accepted after terms and segment references are expanded. Counted while expanding
/// (see `Walker::produce`), so a definition that references a large segment thousands of times
/// is refused after at most this many nodes of work, never after building the whole tree.
pub const MAX_NODES: usize = 500;

/// Finds saved segments by id or name.
pub trait SegmentLookup {
    /// The segment's canonical id and its current definition.
    fn find(&self, key: &str) -> Option<(String, Definition)>;
}

impl SegmentLookup for BTreeMap<String, Definition> {
    fn find(&self, key: &str) -> Option<(String, Definition)> {
        self.get(key).map(|d| (key.to_string(), d.clone()))
    }
}

/// What validation reads.
pub struct Context<'a> {
    pub catalog: &'a Catalog,
    pub glossary: &'a Glossary,
    pub segments: &'a dyn SegmentLookup,
    pub as_of: AsOf,
}

/// A top-level condition, kept for per-condition counts and explanations.
#[derive(Debug, Clone)]
pub struct Clause {
    /// Path of the condition in the definition.
    pub path: String,
    /// The condition as written.
    pub node: Node,
    pub pred: Pred,
}

/// A percentile whose threshold must be resolved against the data before running.
#[derive(Debug, Clone, PartialEq)]
pub struct PercentileSpec {
    pub field: FieldRef,
    pub direction: Direction,
    pub percent: f64,
}

/// A definition that passed validation, resolved for one as-of date. Only [`validate`] builds it.
#[derive(Debug, Clone)]
pub struct ValidDefinition {
    definition: Definition,
    root: Pred,
    clauses: Vec<Clause>,
    percentiles: Vec<PercentileSpec>,
    as_of: AsOf,
}

impl ValidDefinition {
    pub fn definition(&self) -> &Definition {
        &self.definition
    }
    pub fn root(&self) -> &Pred {
        &self.root
    }
    /// Top-level conditions (the children of a root `all`, else the root itself).
    pub fn clauses(&self) -> &[Clause] {
        &self.clauses
    }
    pub fn percentiles(&self) -> &[PercentileSpec] {
        &self.percentiles
    }
    pub fn as_of(&self) -> AsOf {
        self.as_of
    }
}

/// The same tree with every field named by its catalog name: a definition may name a column as
/// its CSV spelled it (`Churn`, `Streaming TV`), and everything after validation reads one name.
fn by_field_names(node: &Node, catalog: &Catalog) -> Node {
    let name = |f: &String| {
        catalog
            .resolve(f)
            .map_or_else(|| f.clone(), |x| x.name.clone())
    };
    let each = |cs: &[Node]| cs.iter().map(|c| by_field_names(c, catalog)).collect();
    match node {
        Node::All { conditions } => Node::All {
            conditions: each(conditions),
        },
        Node::Any { conditions } => Node::Any {
            conditions: each(conditions),
        },
        Node::Not { condition } => Node::Not {
            condition: Box::new(by_field_names(condition, catalog)),
        },
        Node::Attribute { field, op, value } => Node::Attribute {
            field: name(field),
            op: *op,
            value: value.clone(),
        },
        Node::Date { field, .. } => {
            let mut n = node.clone();
            if let Node::Date { field: f, .. } = &mut n {
                *f = name(field);
            }
            n
        }
        Node::Percentile {
            field,
            direction,
            percent,
        } => Node::Percentile {
            field: name(field),
            direction: *direction,
            percent: *percent,
        },
        other => other.clone(),
    }
}

/// Validate and resolve a definition; all issues found are returned together.
pub fn validate(def: &Definition, ctx: &Context<'_>) -> Result<ValidDefinition, Vec<Issue>> {
    if def.version != VERSION {
        return Err(vec![Issue::new(
            "$.version",
            Code::UnsupportedVersion,
            format!("version {} is not supported; use {VERSION}", def.version),
        )]);
    }
    let def = &Definition {
        root: by_field_names(&def.root, ctx.catalog),
        ..def.clone()
    };
    let mut w = Walker::new(ctx, Vec::new());
    let root = w.node(&def.root, "$.root", 1);
    let mut clauses = Vec::new();
    if let (Node::All { conditions }, Some(Pred::All { of })) = (&def.root, &root) {
        for (i, (n, p)) in conditions.iter().zip(of).enumerate() {
            clauses.push(Clause {
                path: format!("$.root.conditions[{i}]"),
                node: n.clone(),
                pred: p.clone(),
            });
        }
    } else if let Some(p) = &root {
        clauses.push(Clause {
            path: "$.root".into(),
            node: def.root.clone(),
            pred: p.clone(),
        });
    }
    // Still checked on the result: a condition (a value list, a date range) may resolve to more
    // than the one node counted for it while expanding.
    if let Some(p) = &root
        && p.size() > MAX_NODES
    {
        w.issues.push(Issue::new(
            "$.root",
            Code::TooLarge,
            format!("the definition has {} conditions once terms and segments are expanded; the limit is {MAX_NODES}", p.size()),
        ));
    }
    match (root, w.issues.is_empty()) {
        (Some(root), true) => Ok(ValidDefinition {
            definition: def.clone(),
            root,
            clauses,
            percentiles: w.percentiles,
            as_of: ctx.as_of,
        }),
        _ => Err(w.issues),
    }
}

struct Walker<'a, 'c> {
    ctx: &'a Context<'c>,
    issues: Vec<Issue>,
    percentiles: Vec<PercentileSpec>,
    /// Segment ids being expanded, to find reference cycles.
    stack: Vec<String>,
    /// Predicate nodes produced so far, terms and segment references expanded.
    produced: usize,
    /// Set once `produced` passed [`MAX_NODES`]: every further node is refused unread.
    exhausted: bool,
}

impl<'a, 'c> Walker<'a, 'c> {
    fn new(ctx: &'a Context<'c>, stack: Vec<String>) -> Self {
        Walker {
            ctx,
            issues: Vec::new(),
            percentiles: Vec::new(),
            stack,
            produced: 0,
            exhausted: false,
        }
    }

    /// Count one predicate node about to be produced at `path`; false (with one `TooLarge`
    /// issue) once the expanded definition is over [`MAX_NODES`]. Counting as nodes are made,
    /// not after, is what bounds the work a request can cause: nested or repeated segment
    /// references multiply, and the whole tree was once built (2.6 M nodes) before being refused.
    fn produce(&mut self, path: &str) -> bool {
        if self.exhausted {
            return false;
        }
        self.produced += 1;
        if self.produced > MAX_NODES {
            self.exhausted = true;
            self.issues.push(Issue::new(
                path,
                Code::TooLarge,
                format!("the definition has more than {MAX_NODES} conditions once terms and segments are expanded; the limit is {MAX_NODES}"),
            ));
            return false;
        }
        true
    }
}

impl Walker<'_, '_> {
    fn node(&mut self, n: &Node, path: &str, depth: usize) -> Option<Pred> {
        if self.exhausted {
            return None;
        }
        if depth > MAX_DEPTH {
            self.issues.push(Issue::new(
                path,
                Code::TooDeep,
                format!("conditions are nested more than {MAX_DEPTH} levels deep"),
            ));
            return None;
        }
        // Terms and referenced segments add no node of their own (a non-member reference adds
        // its `not`); everything else becomes at least one predicate node.
        let adds_node = match n {
            Node::Term { .. } => false,
            Node::Segment { member, .. } => !member,
            _ => true,
        };
        if adds_node && !self.produce(path) {
            return None;
        }
        match n {
            Node::All { conditions } => self.group(conditions, path, depth, true),
            Node::Any { conditions } => self.group(conditions, path, depth, false),
            Node::Not { condition } => {
                let inner = self.node(condition, &format!("{path}.condition"), depth + 1)?;
                Some(Pred::Not {
                    of: Box::new(inner),
                })
            }
            Node::Attribute { field, op, value } => {
                let f = self.field(field, &format!("{path}.field"))?;
                values::attribute(self, &f, *op, value.as_ref(), path)
            }
            Node::Date {
                field,
                op,
                amount,
                unit,
                date,
                from,
                to,
            } => {
                let f = self.field(field, &format!("{path}.field"))?;
                values::date(
                    self,
                    &f,
                    *op,
                    (*amount, *unit),
                    (date.as_deref(), from.as_deref(), to.as_deref()),
                    path,
                )
            }
            Node::Aggregate {
                source,
                event,
                measure,
                of,
                window,
                op,
                value,
            } => values::aggregate(
                self,
                values::AggNode {
                    source: *source,
                    event: event.as_deref(),
                    measure: *measure,
                    of: *of,
                    window: window.as_ref(),
                    op: *op,
                    value,
                },
                path,
            ),
            Node::Percentile {
                field,
                direction,
                percent,
            } => self.percentile(field, *direction, *percent, path),
            Node::Term { name, params } => self.term(name, params, path, depth),
            Node::Segment { segment, member } => self.segment(segment, *member, path, depth),
        }
    }

    fn group(&mut self, conditions: &[Node], path: &str, depth: usize, all: bool) -> Option<Pred> {
        let mut out = Vec::with_capacity(conditions.len());
        let mut ok = true;
        for (i, c) in conditions.iter().enumerate() {
            if self.exhausted {
                return None;
            }
            match self.node(c, &format!("{path}.conditions[{i}]"), depth + 1) {
                Some(p) => out.push(p),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        if all {
            if let Some(issue) = bounds::contradiction(&out, path) {
                self.issues.push(issue);
                return None;
            }
            Some(Pred::All { of: out })
        } else {
            Some(Pred::Any { of: out })
        }
    }

    fn field(&mut self, name: &str, path: &str) -> Option<FieldRef> {
        match self.ctx.catalog.get(name) {
            Some(f) => Some(FieldRef {
                name: f.name.clone(),
                ty: f.ty,
                source: f.source.clone(),
                repr: f.date_repr,
            }),
            None => {
                let hint = if name.ends_with("_propensity")
                    || name == "churn_risk"
                    || name == "purchase_propensity"
                {
                    " (scores appear once models are trained)"
                } else {
                    ""
                };
                let near = self.ctx.catalog.suggest(name);
                let issue = Issue::new(
                    path,
                    Code::UnknownField,
                    format!("unknown field `{name}`{hint}"),
                );
                self.issues.push(issue.with_suggestions(near));
                None
            }
        }
    }

    fn percentile(
        &mut self,
        field: &str,
        direction: Direction,
        percent: f64,
        path: &str,
    ) -> Option<Pred> {
        let f = self.field(field, &format!("{path}.field"))?;
        if f.ty != FieldType::Number {
            self.issues.push(Issue::new(
                format!("{path}.field"),
                Code::TypeMismatch,
                format!("`{}` is not a number, so it cannot be ranked", f.name),
            ));
            return None;
        }
        if !(percent > 0.0 && percent <= 100.0) {
            self.issues.push(Issue::new(
                format!("{path}.percent"),
                Code::ValueOutOfDomain,
                format!("a percentile must be above 0 and at most 100, not {percent}"),
            ));
            return None;
        }
        let spec = PercentileSpec {
            field: f.clone(),
            direction,
            percent,
        };
        let slot = match self.percentiles.iter().position(|p| *p == spec) {
            Some(i) => i,
            None => {
                self.percentiles.push(spec);
                self.percentiles.len() - 1
            }
        };
        Some(Pred::Percentile {
            field: f,
            direction,
            percent,
            slot,
        })
    }

    fn term(
        &mut self,
        name: &str,
        params: &serde_json::Map<String, serde_json::Value>,
        path: &str,
        depth: usize,
    ) -> Option<Pred> {
        let Some(term) = self.ctx.glossary.get(name) else {
            let keys: Vec<String> = self
                .ctx
                .glossary
                .terms
                .keys()
                .filter(|k| strsim::jaro_winkler(k, name) > 0.8)
                .cloned()
                .collect();
            self.issues.push(
                Issue::new(
                    format!("{path}.name"),
                    Code::UnknownTerm,
                    format!("unknown glossary term `{name}`"),
                )
                .with_suggestions(keys),
            );
            return None;
        };
        match term.expand(params) {
            Ok(node) => {
                let before = self.issues.len();
                let pred = self.node(&node, path, depth + 1);
                // The expanded nodes are not in the user's definition: point at the term itself
                // (its parameters when it has any).
                let at = if params.is_empty() {
                    path.to_string()
                } else {
                    format!("{path}.params")
                };
                for i in &mut self.issues[before..] {
                    i.message = format!("in glossary term `{name}`: {}", i.message);
                    i.path = at.clone();
                }
                pred
            }
            Err(e) => {
                self.issues.push(Issue::new(
                    format!("{path}.params"),
                    Code::ValueOutOfDomain,
                    format!("glossary term `{name}`: {e}"),
                ));
                None
            }
        }
    }

    fn segment(&mut self, key: &str, member: bool, path: &str, depth: usize) -> Option<Pred> {
        let Some((id, def)) = self.ctx.segments.find(key) else {
            self.issues.push(Issue::new(
                format!("{path}.segment"),
                Code::UnknownSegment,
                format!("no saved segment `{key}`"),
            ));
            return None;
        };
        if self.stack.contains(&id) {
            let chain = self
                .stack
                .iter()
                .chain(std::iter::once(&id))
                .cloned()
                .collect::<Vec<_>>()
                .join(" → ");
            self.issues.push(Issue::new(
                format!("{path}.segment"),
                Code::ReferenceCycle,
                format!("segments refer to each other in a cycle: {chain}"),
            ));
            return None;
        }
        self.stack.push(id);
        let before = self.issues.len();
        let inner = self.node(&def.root, path, depth + 1);
        self.stack.pop();
        // Problems inside the saved segment are reported at the reference to it.
        for i in &mut self.issues[before..] {
            if !i.message.starts_with("in saved segment") && i.code != Code::ReferenceCycle {
                i.message = format!("in saved segment `{key}`: {}", i.message);
            }
            i.path = format!("{path}.segment");
        }
        let inner = inner?;
        Some(if member {
            inner
        } else {
            Pred::Not {
                of: Box::new(inner),
            }
        })
    }
}

/// Validate with a reference cycle check rooted at the segment being saved, so a segment cannot
/// be saved referring (directly or not) to itself.
pub fn validate_as_segment(
    def: &Definition,
    own_id: &str,
    ctx: &Context<'_>,
) -> Result<ValidDefinition, Vec<Issue>> {
    let mut w = Walker::new(ctx, vec![own_id.to_string()]);
    let _ = w.node(&def.root, "$.root", 1);
    if !w.issues.is_empty() {
        return Err(w.issues);
    }
    validate(def, ctx)
}

#[cfg(test)]
mod tests;
