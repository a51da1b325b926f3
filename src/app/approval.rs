//! The approval hash of a version as things stand now, and the check that an earlier approval
//! still holds, with the reason in words when it does not.

use std::collections::BTreeMap;

use super::{App, AppError};
use crate::domain::approval::{Status, approval_hash};
use crate::domain::approval_basis::{Basis, Sources, basis};
use crate::domain::definition::Definition;
use crate::domain::policy::Destination;
use crate::store::{SubmissionRecord, VersionRecord};

impl App {
    /// Newest model version per score attribute.
    async fn model_versions(&self) -> Result<BTreeMap<String, i64>, AppError> {
        let mut out = BTreeMap::new();
        for m in self.store.list_models().await? {
            let v = out.entry(m.task).or_insert(m.version);
            *v = (*v).max(m.version);
        }
        Ok(out)
    }

    /// The basis of a version's definition now: the fields, terms, segments and models it uses.
    pub(super) async fn basis_now(&self, v: &VersionRecord) -> Result<Basis, AppError> {
        let def: Definition = serde_json::from_str(&v.definition).map_err(|e| {
            AppError::StoredDataUnreadable(format!("stored definition unreadable: {e}"))
        })?;
        let snap = self.snapshot().await?;
        let segments = self.segment_refs().await?;
        let models = self.model_versions().await?;
        let glossary = self.glossary();
        Ok(basis(
            &def,
            &Sources {
                catalog: &snap.catalog,
                glossary: &glossary,
                segments: &segments,
                models: &models,
            },
        ))
    }

    /// The approval hash of a version for `destinations`, with the basis it covers (the
    /// destinations' identities included), as of now.
    pub(super) async fn approval_now(
        &self,
        v: &VersionRecord,
        destinations: &[Destination],
    ) -> Result<(String, Basis), AppError> {
        let mut b = self.basis_now(v).await?;
        b.destinations = self.destination_identities(destinations).await?;
        Ok((approval_hash(&v.content_hash, &b, destinations), b))
    }

    /// The models behind the scores of a segment's approved, active or paused version that
    /// were retrained since its approval, in words; empty when none (or nothing is approved).
    pub(super) async fn retrained_since_approval(
        &self,
        segment_id: &str,
    ) -> Result<Vec<String>, AppError> {
        let Ok((seg, v, _)) = self
            .lifecycle_target(
                segment_id,
                &[Status::Active, Status::Paused, Status::Approved],
            )
            .await
        else {
            return Ok(Vec::new());
        };
        let Some(sub) = self.store.submission(&seg.id, v.version).await? else {
            return Ok(Vec::new());
        };
        let Some(earlier) = sub
            .basis
            .as_deref()
            .and_then(|s| serde_json::from_str::<Basis>(s).ok())
            .filter(|b| !b.models.is_empty())
        else {
            return Ok(Vec::new());
        };
        let now = self.basis_now(&v).await?;
        let (approved, current) = (
            Basis {
                models: earlier.models,
                ..Basis::default()
            },
            Basis {
                models: now.models,
                ..Basis::default()
            },
        );
        Ok(current.changes_since(&approved))
    }

    /// Where each destination sends now: the environment's settings overridden by the stored
    /// ones, secrets left out (so a secret that no longer decrypts does not hide the rest).
    async fn destination_identities(
        &self,
        destinations: &[Destination],
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, AppError> {
        let mut cfg = self.settings.governance.destinations.clone();
        for r in self.store.list_destinations().await? {
            let kind = Destination::parse(&r.kind).map_err(AppError::StoredDataUnreadable)?;
            let settings: BTreeMap<String, String> = serde_json::from_str(&r.settings)
                .map_err(|e| AppError::StoredDataUnreadable(e.to_string()))?;
            for (k, val) in settings {
                cfg.set(kind, &k, val)
                    .map_err(AppError::StoredDataUnreadable)?;
            }
        }
        Ok(destinations
            .iter()
            .map(|d| (d.as_str().to_string(), cfg.identity(*d)))
            .filter(|(_, id)| !id.is_empty())
            .collect())
    }

    /// Refuse (`409`) when the submission's approval hash no longer matches the version now,
    /// saying what changed. `doing` names what is refused ("activate", "deliver", …).
    ///
    /// A retrain alone does not void an approval here: re-scoring must not silently stop running
    /// audiences. The approval still holds for delivery, download and activation, and the segment
    /// is flagged for re-approval instead ([`App::retrained_since_approval`], `needs_reapproval`
    /// in the segment list). Approving itself is strict ([`App::check_approval_exact`]).
    pub(super) async fn check_approval(
        &self,
        v: &VersionRecord,
        sub: &SubmissionRecord,
        destinations: &[Destination],
        doing: &str,
    ) -> Result<(), AppError> {
        self.approval_holds(v, sub, destinations, doing, true).await
    }

    /// [`App::check_approval`] without the retrain allowance: the reviewer approves what was
    /// submitted, scored by the models it was submitted with.
    pub(super) async fn check_approval_exact(
        &self,
        v: &VersionRecord,
        sub: &SubmissionRecord,
        destinations: &[Destination],
        doing: &str,
    ) -> Result<(), AppError> {
        self.approval_holds(v, sub, destinations, doing, false)
            .await
    }

    async fn approval_holds(
        &self,
        v: &VersionRecord,
        sub: &SubmissionRecord,
        destinations: &[Destination],
        doing: &str,
        retrain_ok: bool,
    ) -> Result<(), AppError> {
        let (now, b) = self.approval_now(v, destinations).await?;
        if now == sub.approval_hash {
            return Ok(());
        }
        let earlier: Option<Basis> = sub
            .basis
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok());
        if retrain_ok
            && earlier.as_ref().is_some_and(|e| {
                only_retrained(&v.content_hash, &b, e, destinations, &sub.approval_hash)
            })
        {
            return Ok(());
        }
        let changes = earlier
            .map(|e| b.changes_since(&e))
            .filter(|c| !c.is_empty());
        let why = changes.map_or("what it was approved on changed".to_string(), |c| {
            c.join("; ")
        });
        Err(AppError::Conflict(format!(
            "cannot {doing} version {}: {why} since it was submitted, so it needs a fresh approval (submit it again)",
            v.version
        )))
    }
}

/// Whether `now` differs from the approved basis `earlier` only in the versions of the same
/// models: with the approved versions put back, the approval hash is the approved one.
fn only_retrained(
    content_hash: &str,
    now: &Basis,
    earlier: &Basis,
    destinations: &[Destination],
    approved: &str,
) -> bool {
    if !now.models.keys().eq(earlier.models.keys()) || now.models == earlier.models {
        return false;
    }
    let as_approved = Basis {
        models: earlier.models.clone(),
        ..now.clone()
    };
    approval_hash(content_hash, &as_approved, destinations) == approved
}
