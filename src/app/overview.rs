//! What the web app's lists and histories show, read in as few queries as the page needs: the
//! segments list (status, owner, size at the latest submission, last sync), the review queue
//! (campaign managers), a definition as plain sentences and each version's changes against
//! the one before, in words ("added: …", "changed: … → …").

use serde::Serialize;

use super::{Actor, App, AppError};
use crate::domain::access::Permission;
use crate::domain::definition::{Definition, Node};
use crate::domain::explain::describe;
use crate::interpret::refine;
use crate::store::{PendingRow, SegmentSummaryRow, VersionRecord};

/// One row of the segments list: the stored row and the member count it holds as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentRow {
    #[serde(flatten)]
    pub row: SegmentSummaryRow,
    /// Members at the newest submission (of version `row.submitted_version`); no preview per row.
    pub size: Option<i64>,
}

/// A version waiting for a campaign manager's decision, with its size and destinations read.
#[derive(Debug, Clone, Serialize)]
pub struct PendingReview {
    #[serde(flatten)]
    pub row: PendingRow,
    /// Members at submission.
    pub size: Option<i64>,
    pub destinations: Vec<String>,
}

/// One version and what changed in it, in words.
#[derive(Debug, Clone, Serialize)]
pub struct VersionChange {
    pub version: i64,
    pub status: String,
    pub content_hash: String,
    pub created_at: i64,
    pub author: Option<String>,
    /// The version's conditions, one sentence each.
    pub sentences: Vec<String>,
    /// Against the previous version: `added: …`, `removed: …`, `changed: … → …`.
    pub changes: Vec<String>,
}

/// The `count` of a stored size JSON.
fn stored_count(json: Option<&str>) -> Option<i64> {
    serde_json::from_str::<serde_json::Value>(json?).ok()?["count"].as_i64()
}

impl App {
    /// Every segment as the list shows it, from one query (any signed-in role).
    pub async fn segment_overview(&self, actor: &Actor) -> Result<Vec<SegmentRow>, AppError> {
        actor.allow(Permission::Read)?;
        let rows = self.store.segment_summaries().await?;
        Ok(rows
            .into_iter()
            .map(|row| SegmentRow {
                size: stored_count(row.submitted_size.as_deref()),
                row,
            })
            .collect())
    }

    /// Submissions waiting for a decision, oldest first (campaign managers only).
    pub async fn review_queue(&self, actor: &Actor) -> Result<Vec<PendingReview>, AppError> {
        actor.require(Permission::Review)?;
        let rows = self.store.pending_submissions().await?;
        Ok(rows
            .into_iter()
            .map(|row| PendingReview {
                size: stored_count(Some(&row.preview)),
                destinations: serde_json::from_str(&row.destinations).unwrap_or_default(),
                row,
            })
            .collect())
    }

    /// How many submissions wait for a decision (campaign managers only).
    pub async fn pending_review_count(&self, actor: &Actor) -> Result<i64, AppError> {
        actor.require(Permission::Review)?;
        Ok(self.store.pending_count().await?)
    }

    /// A definition's top-level conditions as sentences (any signed-in role).
    pub async fn explain_definition(
        &self,
        def: &Definition,
        actor: &Actor,
    ) -> Result<Vec<String>, AppError> {
        actor.allow(Permission::Read)?;
        let (snap, as_of) = (self.snapshot().await?, self.as_of(None)?);
        Ok(refine::conditions(&def.root)
            .iter()
            .map(|n| describe(n, &snap.catalog, &self.glossary(), &as_of))
            .collect())
    }

    /// Every version of a segment, oldest first, each with its sentences and its changes
    /// against the version before.
    pub async fn version_history(
        &self,
        key: &str,
        actor: &Actor,
    ) -> Result<Vec<VersionChange>, AppError> {
        let versions = self.segment_versions(key, actor).await?;
        let (snap, as_of) = (self.snapshot().await?, self.as_of(None)?);
        let say = |n: &Node| describe(n, &snap.catalog, &self.glossary(), &as_of);
        let mut authors = std::collections::HashMap::new();
        let mut out = Vec::with_capacity(versions.len());
        let mut before: Option<Vec<Node>> = None;
        for v in &versions {
            let conds = conditions_of(v);
            let changes = before
                .as_ref()
                .map(|b| refine::diff(b, &conds, say))
                .unwrap_or_default();
            let author = match &v.author_id {
                Some(id) if !authors.contains_key(id) => {
                    let email = self.store.user_by_id(id).await?.map(|u| u.email);
                    authors.entry(id.clone()).or_insert(email).clone()
                }
                Some(id) => authors[id].clone(),
                None => None,
            };
            out.push(VersionChange {
                version: v.version,
                status: v.status.clone(),
                content_hash: v.content_hash.clone(),
                created_at: v.created_at,
                author,
                sentences: conds.iter().map(say).collect(),
                changes,
            });
            before = Some(conds);
        }
        Ok(out)
    }
}

/// A stored version's top-level conditions (none when the stored JSON no longer parses).
fn conditions_of(v: &VersionRecord) -> Vec<Node> {
    serde_json::from_str::<Definition>(&v.definition)
        .map(|d| refine::conditions(&d.root))
        .unwrap_or_default()
}
