//! What a changed version changes: the version under review against the one live now (the
//! active version) or, when none is active, the version before it — its conditions added,
//! removed and changed, in words, and the audience's size under each, counted on today's data,
//! so a reviewer approving a version 2 sees "4,000 → 2,792" and why.

use serde::Serialize;

use super::{Actor, App, AppError};
use crate::domain::access::Permission;
use crate::domain::definition::Definition;
use crate::domain::explain::describe;
use crate::interpret::refine;

/// A version against the one it would replace.
#[derive(Debug, Clone, Serialize)]
pub struct VersionDiff {
    pub version: i64,
    /// The version compared against.
    pub against: i64,
    /// Why that one: `active` (live now) or `previous` (nothing is active).
    pub against_is: &'static str,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// `before → after`, one condition each.
    pub changed: Vec<String>,
    /// Customers the version compared against selects now.
    pub size_before: i64,
    /// Customers this version selects now.
    pub size_after: i64,
}

impl VersionDiff {
    /// Whether the conditions differ at all (a resubmission may change nothing).
    pub fn same_conditions(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

impl App {
    /// `version` of a segment against its active version, or against the version before it when
    /// none is active (or it is the active one); `None` for a first version with nothing to
    /// compare against.
    #[tracing::instrument(skip(self, actor))]
    pub async fn version_diff(
        &self,
        key: &str,
        version: i64,
        actor: &Actor,
    ) -> Result<Option<VersionDiff>, AppError> {
        actor.allow(Permission::Read)?;
        let seg = self.segment_view(key).await?;
        let (against, against_is) = match seg.segment.active_version {
            Some(a) if a != version => (a, "active"),
            _ if version > 1 => (version - 1, "previous"),
            _ => return Ok(None),
        };
        let (old, new) = (
            self.definition_of(&seg.segment.id, Some(against)).await?,
            self.definition_of(&seg.segment.id, Some(version)).await?,
        );
        let (snap, as_of) = (self.snapshot().await?, self.as_of(None)?);
        let say = |n: &crate::domain::definition::Node| {
            describe(n, &snap.catalog, &self.glossary(), &as_of)
        };
        let mut diff = VersionDiff {
            version,
            against,
            against_is,
            added: Vec::new(),
            removed: Vec::new(),
            changed: Vec::new(),
            size_before: self.count_now(&old).await?,
            size_after: self.count_now(&new).await?,
        };
        for line in refine::diff(
            &refine::conditions(&old.root),
            &refine::conditions(&new.root),
            say,
        ) {
            let (list, text) = match line.split_once(": ") {
                Some(("added", t)) => (&mut diff.added, t),
                Some(("removed", t)) => (&mut diff.removed, t),
                Some((_, t)) => (&mut diff.changed, t),
                None => (&mut diff.changed, line.as_str()),
            };
            list.push(text.to_string());
        }
        Ok(Some(diff))
    }

    /// How many customers a stored definition selects on today's data (count only).
    async fn count_now(&self, def: &Definition) -> Result<i64, AppError> {
        Ok(self
            .preview_with(def, self.as_of(None)?, false, false)
            .await?
            .size
            .count)
    }
}
