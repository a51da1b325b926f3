//! Glossary editing by admins. Edits are stored in the database over the configured glossary
//! file (see migration 0007 for why), applied when the app opens and, in this process, at once.
//! A term is checked as a definition is: its definition, with the default parameters, must
//! pass the same validator against the catalog, the other terms and the saved segments. Every
//! change is audited. Changing a term changes the glossary version, so approvals bound to the
//! old one need a fresh approval (see the approval hash).

use std::sync::Arc;

use super::{Actor, App, AppError, Change};
use crate::domain::access::Permission;
use crate::domain::definition::Definition;
use crate::domain::glossary::{Glossary, Term};
use crate::domain::validate::{Code, Context, Issue, validate};

/// Whether a definition's JSON uses the glossary term `key` anywhere.
fn uses_term(v: &serde_json::Value, key: &str) -> bool {
    match v {
        serde_json::Value::Object(m) => {
            (m.get("type").and_then(|t| t.as_str()) == Some("term")
                && m.get("name").and_then(|n| n.as_str()) == Some(key))
                || m.values().any(|x| uses_term(x, key))
        }
        serde_json::Value::Array(items) => items.iter().any(|x| uses_term(x, key)),
        _ => false,
    }
}

impl App {
    /// Apply the stored edits to the glossary read from the file (once, when the app opens).
    pub(super) async fn load_glossary_edits(&self) -> Result<(), AppError> {
        let mut edits = Vec::new();
        for (key, json) in self.store.glossary_edits().await? {
            let term = match json {
                Some(j) => Some(serde_json::from_str::<Term>(&j).map_err(|e| {
                    AppError::StoredDataUnreadable(format!(
                        "stored glossary term `{key}` is unreadable: {e}"
                    ))
                })?),
                None => None,
            };
            edits.push((key, term));
        }
        if !edits.is_empty() {
            self.edit_glossary(edits);
        }
        Ok(())
    }

    /// Swap in the glossary with `edits` applied to the one current under the lock, so two
    /// concurrent edits both survive.
    fn edit_glossary(&self, edits: Vec<(String, Option<Term>)>) {
        let mut slot = self.glossary.write().expect("glossary lock");
        let next = slot.with_edits(edits);
        *slot = Arc::new(next);
    }

    /// Every problem with a term, as validation issues: `key`, `label` and `description` by
    /// name; the definition's by its JSON path (`$` is the term's definition itself).
    pub(super) async fn check_term(&self, key: &str, term: &Term) -> Result<Vec<Issue>, AppError> {
        let mut issues = Vec::new();
        if !Glossary::valid_key(key) {
            issues.push(Issue::new(
                "key",
                Code::ValueOutOfDomain,
                "use lowercase letters, digits and _, starting with a letter (at most 60)",
            ));
        }
        for (field, value) in [("label", &term.label), ("description", &term.description)] {
            if value.trim().is_empty() {
                issues.push(Issue::new(
                    field,
                    Code::MissingValue,
                    format!("the {field} is required"),
                ));
            }
        }
        let node = match term.expand(&serde_json::Map::new()) {
            Ok(n) => n,
            Err(e) => {
                issues.push(Issue::new("$", Code::InvalidJson, e.to_string()));
                return Ok(issues);
            }
        };
        // The same validator as definitions, with this term in the glossary (terms may use terms).
        let candidate = self
            .glossary()
            .with_edits([(key.to_string(), Some(term.clone()))]);
        let (snap, segments, as_of) = (
            self.snapshot().await?,
            self.segment_index().await?,
            self.as_of(None)?,
        );
        let ctx = Context {
            catalog: &snap.catalog,
            glossary: &candidate,
            segments: &segments,
            as_of,
        };
        if let Err(found) = validate(&Definition::new(node), &ctx) {
            issues.extend(found.into_iter().map(|mut i| {
                i.path = i.path.replacen("$.root", "$", 1);
                i
            }));
        }
        Ok(issues)
    }

    /// The glossary as its editor opens it (admins only: other roles read the glossary page).
    pub fn glossary_to_edit(&self, actor: &Actor) -> Result<Arc<Glossary>, AppError> {
        actor.require(Permission::Administer)?;
        Ok(self.glossary())
    }

    /// Add or replace a term (admins). Invalid terms are refused with every issue; nothing is saved.
    pub async fn save_term(&self, key: &str, term: Term, actor: &Actor) -> Result<(), AppError> {
        let who = actor.require(Permission::Administer)?.clone();
        let issues = self.check_term(key, &term).await?;
        if !issues.is_empty() {
            return Err(AppError::Invalid(issues));
        }
        let before = self
            .glossary()
            .terms
            .get(key)
            .map(|t| serde_json::json!({"term": key, "definition": t}));
        let json = serde_json::to_string(&term).expect("a term serializes");
        let mut tx = self.store.begin_write().await?;
        tx.put_glossary_edit(key, Some(&json), &who.email, chrono::Utc::now().timestamp())
            .await?;
        let after = serde_json::json!({"term": key, "definition": term});
        self.audit_in(
            &mut tx,
            actor,
            "glossary.save",
            Change {
                before,
                after: Some(after),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        self.edit_glossary(vec![(key.to_string(), Some(term))]);
        Ok(())
    }

    /// Delete a term (admins); refused while another term or a saved segment uses it.
    pub async fn delete_term(&self, key: &str, actor: &Actor) -> Result<(), AppError> {
        let who = actor.require(Permission::Administer)?.clone();
        let glossary = self.glossary();
        let Some(term) = glossary.terms.get(key) else {
            return Err(AppError::NotFound(format!("glossary term `{key}`")));
        };
        let mut users: Vec<String> = glossary
            .terms
            .iter()
            .filter(|(k, t)| *k != key && uses_term(&t.definition, key))
            .map(|(k, _)| format!("term `{k}`"))
            .collect();
        for s in self.store.list_segments().await? {
            let v = self.store.get_version(&s.id, s.current_version).await?;
            if serde_json::from_str(&v.definition)
                .is_ok_and(|d: serde_json::Value| uses_term(&d, key))
            {
                users.push(format!("segment `{}`", s.name));
            }
        }
        if !users.is_empty() {
            return Err(AppError::Conflict(format!(
                "`{key}` is used by {}; change those first",
                users.join(", ")
            )));
        }
        let before = serde_json::json!({"term": key, "definition": term});
        let mut tx = self.store.begin_write().await?;
        tx.put_glossary_edit(key, None, &who.email, chrono::Utc::now().timestamp())
            .await?;
        self.audit_in(
            &mut tx,
            actor,
            "glossary.delete",
            Change {
                before: Some(before),
                after: None,
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        self.edit_glossary(vec![(key.to_string(), None)]);
        Ok(())
    }
}
