//! What an approval depends on besides the definition itself: only the parts of the catalog,
//! glossary, other segments and models that the definition actually uses.
//!
//! Binding an approval to the whole catalog version meant any import (a new customer, a new
//! categorical value) voided every approval and stopped the scheduled refresh of active
//! segments. The basis instead names, transitively through glossary terms and referenced
//! segments: each field used (name, type, unit), each glossary term used (meaning, parameters,
//! definition), each referenced segment's content hash, and the version of each model whose
//! scores a used field holds. A change to any of these needs a fresh approval; anything else
//! the data does (more rows, new values) does not.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::catalog::Catalog;
use super::definition::{Definition, Node};
use super::glossary::Glossary;

/// How a used field is described in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldBasis {
    #[serde(rename = "type")]
    pub ty: String,
    pub unit: String,
}

/// A used glossary term as the glossary defines it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermBasis {
    pub description: String,
    pub params: BTreeMap<String, f64>,
    pub definition: serde_json::Value,
}

/// Everything an approval is bound to outside the version's own definition. A missing entry
/// (`None`) records that the field, term or segment did not exist when the basis was taken.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Basis {
    pub fields: BTreeMap<String, Option<FieldBasis>>,
    pub terms: BTreeMap<String, Option<TermBasis>>,
    /// Referenced segment (as written) → content hash of the definition it resolves to.
    pub segments: BTreeMap<String, Option<String>>,
    /// Score attribute (`churn_risk`, `plan_propensity`, …) → newest model version behind it.
    pub models: BTreeMap<String, i64>,
    /// Destination kind → its identity: where the audience goes (URL, account, audience ids),
    /// never its secrets. Re-pointing a destination after approval voids the approval.
    #[serde(default)]
    pub destinations: BTreeMap<String, BTreeMap<String, String>>,
}

/// A saved segment a definition may reference: its definition and content hash.
pub struct SegmentRef {
    pub definition: Definition,
    pub content_hash: String,
}

/// What the basis is computed from.
pub struct Sources<'a> {
    pub catalog: &'a Catalog,
    pub glossary: &'a Glossary,
    /// Saved segments by id and by name.
    pub segments: &'a BTreeMap<String, SegmentRef>,
    /// Newest model version per score attribute.
    pub models: &'a BTreeMap<String, i64>,
}

/// The basis of `def`: what it uses, as the sources describe it now.
pub fn basis(def: &Definition, src: &Sources) -> Basis {
    let mut b = Basis::default();
    let mut seen = BTreeSet::new();
    walk(&def.root, src, &mut b, &mut seen);
    let fields: Vec<String> = b.fields.keys().cloned().collect();
    for f in fields {
        let task = if src.models.contains_key(&f) {
            Some(f.as_str())
        } else {
            f.strip_suffix("_tier")
                .filter(|t| src.models.contains_key(*t))
        };
        if let Some(t) = task {
            b.models.insert(t.to_string(), src.models[t]);
        }
    }
    b
}

fn walk(n: &Node, src: &Sources, b: &mut Basis, seen: &mut BTreeSet<String>) {
    match n {
        Node::All { conditions } | Node::Any { conditions } => {
            conditions.iter().for_each(|c| walk(c, src, b, seen))
        }
        Node::Not { condition } => walk(condition, src, b, seen),
        Node::Attribute { field, .. }
        | Node::Date { field, .. }
        | Node::Percentile { field, .. } => {
            let described = src.catalog.get(field).map(|f| FieldBasis {
                ty: label(&f.ty),
                unit: label(&f.unit),
            });
            b.fields.insert(field.clone(), described);
        }
        Node::Aggregate { .. } => {}
        Node::Term { name, params } => {
            let term = src.glossary.get(name);
            b.terms.insert(
                name.clone(),
                term.map(|t| TermBasis {
                    description: t.description.clone(),
                    params: t.params.clone(),
                    definition: t.definition.clone(),
                }),
            );
            // Parameters change values, never which fields a term reads; fall back to defaults.
            if let Some(node) = term.and_then(|t| {
                t.expand(params)
                    .or_else(|_| t.expand(&Default::default()))
                    .ok()
            }) {
                walk(&node, src, b, seen);
            }
        }
        Node::Segment { segment, .. } => {
            let target = src.segments.get(segment);
            b.segments
                .insert(segment.clone(), target.map(|s| s.content_hash.clone()));
            // A segment referring to itself (directly or not) is walked once.
            if let Some(s) = target.filter(|_| seen.insert(segment.clone())) {
                walk(&s.definition.root, src, b, seen);
            }
        }
    }
}

fn label<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

impl Basis {
    /// In words, what differs from `earlier` (empty when nothing does).
    pub fn changes_since(&self, earlier: &Basis) -> Vec<String> {
        let mut out = Vec::new();
        describe(&earlier.fields, &self.fields, "field", &mut out);
        describe(&earlier.terms, &self.terms, "glossary term", &mut out);
        describe(
            &earlier.segments,
            &self.segments,
            "referenced segment",
            &mut out,
        );
        for (task, v) in &self.models {
            match earlier.models.get(task) {
                Some(old) if old != v => out.push(format!(
                    "the model behind `{task}` was retrained (version {old} → {v})"
                )),
                None => out.push(format!("`{task}` is now scored by model version {v}")),
                _ => {}
            }
        }
        for task in earlier
            .models
            .keys()
            .filter(|t| !self.models.contains_key(*t))
        {
            out.push(format!("the model behind `{task}` is gone"));
        }
        for (kind, now) in &self.destinations {
            let before = earlier.destinations.get(kind).cloned().unwrap_or_default();
            let keys: BTreeSet<&String> = before
                .keys()
                .chain(now.keys())
                .filter(|k| before.get(*k) != now.get(*k))
                .collect();
            if !keys.is_empty() {
                let keys: Vec<&str> = keys.into_iter().map(String::as_str).collect();
                out.push(format!(
                    "destination `{kind}` now points elsewhere ({} changed)",
                    keys.join(", ")
                ));
            }
        }
        out
    }
}

fn describe<T: PartialEq>(
    before: &BTreeMap<String, Option<T>>,
    now: &BTreeMap<String, Option<T>>,
    what: &str,
    out: &mut Vec<String>,
) {
    let keys: BTreeSet<&String> = before.keys().chain(now.keys()).collect();
    for k in keys {
        match (
            before.get(k).and_then(Option::as_ref),
            now.get(k).and_then(Option::as_ref),
        ) {
            (Some(a), Some(b)) if a != b => out.push(format!("{what} `{k}` changed")),
            (Some(_), None) => out.push(format!("{what} `{k}` no longer exists")),
            (None, Some(_)) => out.push(format!("{what} `{k}` now exists")),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::{AttributeSpec, FieldType};

    fn def(root: serde_json::Value) -> Definition {
        Definition::from_value(serde_json::json!({"version": 1, "root": root})).unwrap()
    }

    fn catalog(values: &[&str]) -> Catalog {
        let churn = AttributeSpec {
            name: "churn_risk".into(),
            ty: FieldType::Number,
            values: vec![],
            column: "churn_risk".into(),
        };
        let plan = AttributeSpec {
            name: "plan".into(),
            ty: FieldType::Categorical,
            values: values.iter().map(|v| v.to_string()).collect(),
            column: "Plan".into(),
        };
        Catalog::build(vec!["US".into()], vec![], &[churn, plan])
    }

    #[test]
    fn new_values_of_a_used_field_leave_the_basis_unchanged() {
        let g = Glossary::default_glossary();
        let d = def(
            serde_json::json!({"type": "attribute", "field": "plan", "op": "eq", "value": "Gold"}),
        );
        let (segs, models) = (BTreeMap::new(), BTreeMap::new());
        let (a, b) = (catalog(&["Gold"]), catalog(&["Gold", "Silver"]));
        let before = basis(
            &d,
            &Sources {
                catalog: &a,
                glossary: &g,
                segments: &segs,
                models: &models,
            },
        );
        let after = basis(
            &d,
            &Sources {
                catalog: &b,
                glossary: &g,
                segments: &segs,
                models: &models,
            },
        );
        assert_eq!(before, after);
        assert_eq!(before.fields.keys().collect::<Vec<_>>(), ["plan"]);
    }

    #[test]
    fn terms_are_followed_to_their_fields_and_the_models_behind_scores() {
        let g = Glossary::default_glossary();
        let c = catalog(&[]);
        let d = def(
            serde_json::json!({"type": "all", "conditions": [{"type": "term", "name": "churn_risk"}, {"type": "term", "name": "high_value"}]}),
        );
        let segs = BTreeMap::new();
        let models = BTreeMap::from([
            ("churn_risk".to_string(), 1),
            ("purchase_propensity".to_string(), 4),
        ]);
        let b = basis(
            &d,
            &Sources {
                catalog: &c,
                glossary: &g,
                segments: &segs,
                models: &models,
            },
        );
        assert_eq!(
            b.fields.keys().collect::<Vec<_>>(),
            ["churn_risk", "lifetime_revenue"]
        );
        assert_eq!(
            b.models,
            BTreeMap::from([("churn_risk".to_string(), 1)]),
            "only the model whose score is used"
        );
        let retrained = BTreeMap::from([("churn_risk".to_string(), 2)]);
        let now = basis(
            &d,
            &Sources {
                catalog: &c,
                glossary: &g,
                segments: &segs,
                models: &retrained,
            },
        );
        assert_eq!(
            now.changes_since(&b),
            ["the model behind `churn_risk` was retrained (version 1 → 2)"]
        );
    }

    #[test]
    fn tiers_bind_their_model_and_referenced_segments_bind_their_content() {
        let g = Glossary::default_glossary();
        let c = catalog(&[]);
        let inner = def(
            serde_json::json!({"type": "attribute", "field": "churn_risk_tier", "op": "eq", "value": "high"}),
        );
        let segs = BTreeMap::from([(
            "risky".to_string(),
            SegmentRef {
                definition: inner,
                content_hash: "h1".into(),
            },
        )]);
        let models = BTreeMap::from([("churn_risk".to_string(), 3)]);
        let d = def(serde_json::json!({"type": "segment", "segment": "risky"}));
        let b = basis(
            &d,
            &Sources {
                catalog: &c,
                glossary: &g,
                segments: &segs,
                models: &models,
            },
        );
        assert_eq!(
            (b.segments["risky"].as_deref(), b.models.get("churn_risk")),
            (Some("h1"), Some(&3))
        );
        let edited = BTreeMap::from([(
            "risky".to_string(),
            SegmentRef {
                definition: d.clone(),
                content_hash: "h2".into(),
            },
        )]);
        let now = basis(
            &d,
            &Sources {
                catalog: &c,
                glossary: &g,
                segments: &edited,
                models: &models,
            },
        );
        assert!(
            now.changes_since(&b)
                .contains(&"referenced segment `risky` changed".to_string()),
            "{:?}",
            now.changes_since(&b)
        );
    }
}
