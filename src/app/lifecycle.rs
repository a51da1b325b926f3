//! The review workflow: submit (policy checked, preview frozen), approve or reject (four eyes,
//! bound to the approval hash), activate (hash and policy checked again), pause, archive, and
//! the reviewer's view of a submission against the data now. Every step is audited.

use serde::Serialize;

use super::{Actor, App, AppError, Change, SyncKind};
use crate::domain::access::Permission;
use crate::domain::approval::{
    Action, LifecycleError, Status, approvals_needed, check_approver, next, rejection_comment,
    review_comment,
};
use crate::domain::approval_basis::Basis;
use crate::domain::definition::Definition;
use crate::domain::policy::{Destination, PolicyReport, Reach};
use crate::domain::preview::Size;
use crate::store::{DecisionRecord, SegmentRecord, SubmissionRecord, VersionRecord, WriteTx};

impl From<LifecycleError> for AppError {
    fn from(e: LifecycleError) -> Self {
        match e {
            LifecycleError::BadTransition { .. } => AppError::Conflict(e.to_string()),
            LifecycleError::OwnVersion(_) | LifecycleError::AlreadyApproved(_) => {
                AppError::Forbidden(e.to_string())
            }
            LifecycleError::CommentRequired | LifecycleError::CommentTooLong(_) => {
                AppError::BadInput(e.to_string())
            }
        }
    }
}

/// What a reviewer sees for a segment's version under review (or last reviewed).
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub segment_id: String,
    pub name: String,
    pub version: i64,
    pub status: Status,
    pub active_version: Option<i64>,
    pub definition: serde_json::Value,
    pub destinations: Vec<Destination>,
    /// What approvals are bound to, as submitted.
    pub approval_hash: String,
    /// The same hash computed now; differs when something the definition uses changed since.
    pub approval_hash_now: String,
    /// What the approval covers besides the definition, as of now: the catalog fields, glossary
    /// terms, referenced segments and model versions the definition uses.
    pub approval_basis: Basis,
    /// What changed in the basis since submission, in words (empty when nothing did).
    pub approval_changes: Vec<String>,
    /// On activation only: the sync run that sends the version to its destinations (a new one,
    /// or the segment's unfinished one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_run: Option<i64>,
    pub submitted_by: String,
    pub submitted_at: i64,
    pub approvals_needed: usize,
    pub decisions: Vec<DecisionRecord>,
    pub size_at_submission: Size,
    pub size_now: Size,
    /// `size_now.count − size_at_submission.count`.
    pub size_change: i64,
    pub policy_at_submission: PolicyReport,
    pub policy_now: PolicyReport,
}

fn status_of(v: &VersionRecord) -> Result<Status, AppError> {
    Status::parse(&v.status).ok_or_else(|| {
        AppError::StoredDataUnreadable(format!("unknown stored status `{}`", v.status))
    })
}

fn reach(s: &Size) -> Reach {
    Reach {
        ads: s.reachable_ads,
        email: s.reachable_email,
        unsuppressed: s.count - s.suppressed,
    }
}

fn change(
    seg: &SegmentRecord,
    hash: &str,
    version: i64,
    from: Status,
    to: Status,
    extra: serde_json::Value,
) -> Change {
    let mut after = serde_json::json!({"version": version, "status": to});
    if let (Some(a), Some(e)) = (after.as_object_mut(), extra.as_object()) {
        a.extend(e.clone());
    }
    Change {
        segment_id: Some(seg.id.clone()),
        version_hash: Some(hash.to_string()),
        before: Some(serde_json::json!({"version": version, "status": from})),
        after: Some(after),
    }
}

impl App {
    pub(super) async fn lifecycle_target(
        &self,
        key: &str,
        want: &[Status],
    ) -> Result<(SegmentRecord, VersionRecord, Status), AppError> {
        let seg = self
            .store
            .get_segment(key)
            .await
            .map_err(|_| AppError::NotFound(format!("segment `{key}`")))?;
        let versions = self.store.list_versions(&seg.id).await?;
        for v in versions.into_iter().rev() {
            let s = status_of(&v)?;
            if want.contains(&s) {
                return Ok((seg, v, s));
            }
        }
        let names: Vec<&str> = want.iter().map(|s| s.as_str()).collect();
        Err(AppError::Conflict(format!(
            "segment `{key}` has no {} version",
            names.join(" or ")
        )))
    }

    /// Size and policy of a version's definition for some destinations, as of now.
    async fn size_and_policy(
        &self,
        v: &VersionRecord,
        destinations: &[Destination],
    ) -> Result<(Size, PolicyReport), AppError> {
        let def: Definition = serde_json::from_str(&v.definition).map_err(|e| {
            AppError::StoredDataUnreadable(format!("stored definition unreadable: {e}"))
        })?;
        // The full preview: only it counts reachability (consent, suppression).
        let preview = self.preview_reach(&def, self.as_of(None)?).await?;
        let report = self
            .policy_report(&def, destinations, reach(&preview.size))
            .await?;
        Ok((preview.size, report))
    }

    pub(super) async fn submission_of(
        &self,
        seg: &SegmentRecord,
        v: &VersionRecord,
    ) -> Result<(SubmissionRecord, Vec<Destination>), AppError> {
        let s = self
            .store
            .submission(&seg.id, v.version)
            .await?
            .ok_or_else(|| {
                AppError::Conflict(format!("version {} was never submitted", v.version))
            })?;
        let d = serde_json::from_str(&s.destinations)
            .map_err(|e| AppError::StoredDataUnreadable(e.to_string()))?;
        Ok((s, d))
    }

    /// Submit the current version for review, bound for `destinations`. Blocked by policy.
    pub async fn submit_segment(
        &self,
        key: &str,
        destinations: Vec<Destination>,
        actor: &Actor,
    ) -> Result<Review, AppError> {
        let who = actor.require(Permission::Author)?.clone();
        if destinations.is_empty() {
            return Err(AppError::BadInput("name at least one destination".into()));
        }
        if destinations.contains(&Destination::Email) {
            return Err(AppError::BadInput(
                crate::domain::policy::EMAIL_NOT_OFFERED.into(),
            ));
        }
        let seg = self
            .store
            .get_segment(key)
            .await
            .map_err(|_| AppError::NotFound(format!("segment `{key}`")))?;
        let v = self.store.get_version(&seg.id, seg.current_version).await?;
        let from = status_of(&v)?;
        let to = next(from, Action::Submit)?;
        // A partial version (stored before partial definitions were refused) is never submitted.
        let def: Definition = serde_json::from_str(&v.definition).map_err(|e| {
            AppError::StoredDataUnreadable(format!("stored definition unreadable: {e}"))
        })?;
        super::segments::require_understood(&def)?;
        let (size, report) = self.size_and_policy(&v, &destinations).await?;
        if !report.passed {
            return Err(AppError::Policy(report.violations()));
        }
        let (hash, basis) = self.approval_now(&v, &destinations).await?;
        let s = SubmissionRecord {
            segment_id: seg.id.clone(),
            version: v.version,
            approval_hash: hash.clone(),
            destinations: serde_json::to_string(&destinations).expect("serializable"),
            submitted_by: who.user_id.clone(),
            submitted_at: chrono::Utc::now().timestamp(),
            preview: serde_json::to_string(&size).expect("serializable"),
            policy: serde_json::to_string(&report).expect("serializable"),
            basis: Some(serde_json::to_string(&basis).expect("serializable")),
        };
        let mut tx = self.store.begin_write().await?;
        tx.submit_version(&s, from.as_str()).await?;
        let extra = serde_json::json!({"destinations": destinations, "size": size.count});
        self.audit_in(
            &mut tx,
            actor,
            "segment.submit",
            change(&seg, &hash, v.version, from, to, extra),
        )
        .await?;
        tx.commit().await?;
        self.review_of(key).await
    }

    /// Approve the version under review. `expected_hash`, when given, must be the hash reviewed.
    pub async fn approve_segment(
        &self,
        key: &str,
        expected_hash: Option<&str>,
        comment: Option<String>,
        actor: &Actor,
    ) -> Result<Review, AppError> {
        let who = actor.require(Permission::Review)?.clone();
        let comment = review_comment(comment.as_deref())?;
        let (seg, v, from) = self.lifecycle_target(key, &[Status::Submitted]).await?;
        let (sub, destinations) = self.submission_of(&seg, &v).await?;
        self.check_approval_exact(&v, &sub, &destinations, "approve")
            .await?;
        // Policy again: a submission that passed under an older, shallower check is caught here.
        let (_, report) = self.size_and_policy(&v, &destinations).await?;
        if !report.passed {
            return Err(AppError::Policy(report.violations()));
        }
        if expected_hash.is_some_and(|h| h != sub.approval_hash) {
            return Err(AppError::Conflict(format!(
                "the version under review has approval hash {}, not the one given",
                sub.approval_hash
            )));
        }
        let earlier = self
            .store
            .decisions(&seg.id, v.version, &sub.approval_hash)
            .await?;
        let approved_by: Vec<String> = earlier
            .iter()
            .filter(|d| d.decision == "approve")
            .map(|d| d.user_id.clone())
            .collect();
        check_approver(
            &who.user_id,
            &who.email,
            v.author_id.as_deref(),
            &sub.submitted_by,
            &approved_by,
        )?;
        let mut tx = self.store.begin_write().await?;
        record_decision(&mut tx, &seg, &v, &sub, &who.user_id, "approve", comment).await?;
        let size: Size = serde_json::from_str(&sub.preview)
            .map_err(|e| AppError::StoredDataUnreadable(e.to_string()))?;
        let needed = approvals_needed(size.count, self.settings.governance.second_approver_above);
        let have = approved_by.len() + 1;
        let to = if have >= needed {
            next(from, Action::Approve)?
        } else {
            from
        };
        if to != from {
            tx.set_version_status(&seg.id, v.version, from.as_str(), to.as_str())
                .await?;
        }
        let extra = serde_json::json!({"approvals": have, "approvals_needed": needed});
        self.audit_in(
            &mut tx,
            actor,
            "segment.approve",
            change(&seg, &sub.approval_hash, v.version, from, to, extra),
        )
        .await?;
        tx.commit().await?;
        self.review_of(key).await
    }

    /// Reject the version under review; a comment is required.
    pub async fn reject_segment(
        &self,
        key: &str,
        comment: Option<&str>,
        actor: &Actor,
    ) -> Result<Review, AppError> {
        let who = actor.require(Permission::Review)?.clone();
        let comment = rejection_comment(comment)?;
        let (seg, v, from) = self.lifecycle_target(key, &[Status::Submitted]).await?;
        let (sub, _) = self.submission_of(&seg, &v).await?;
        let to = next(from, Action::Reject)?;
        let mut tx = self.store.begin_write().await?;
        tx.set_version_status(&seg.id, v.version, from.as_str(), to.as_str())
            .await?;
        record_decision(
            &mut tx,
            &seg,
            &v,
            &sub,
            &who.user_id,
            "reject",
            Some(comment.clone()),
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            "segment.reject",
            change(
                &seg,
                &sub.approval_hash,
                v.version,
                from,
                to,
                serde_json::json!({"comment": comment}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.review_of(key).await
    }

    /// Activate the newest approved version (or resume a paused one) and queue its first sync
    /// run to the approved destinations. The approval must still
    /// match the version, what it uses (fields, terms, segments, models) and the destinations,
    /// and the policy must still pass.
    pub async fn activate_segment(&self, key: &str, actor: &Actor) -> Result<Review, AppError> {
        actor.require(Permission::Review)?;
        let (seg, v, from) = self
            .lifecycle_target(key, &[Status::Approved, Status::Paused])
            .await?;
        let (sub, destinations) = self.submission_of(&seg, &v).await?;
        self.check_approval(&v, &sub, &destinations, "activate")
            .await?;
        let (_, report) = self.size_and_policy(&v, &destinations).await?;
        if !report.passed {
            return Err(AppError::Policy(report.violations()));
        }
        let to = next(from, Action::Activate)?;
        let mut tx = self.store.begin_write().await?;
        tx.activate_version(&seg.id, v.version, from.as_str(), seg.active_version)
            .await?;
        let extra = serde_json::json!({"replaces": seg.active_version.filter(|a| *a != v.version), "destinations": destinations});
        self.audit_in(
            &mut tx,
            actor,
            "segment.activate",
            change(&seg, &sub.approval_hash, v.version, from, to, extra),
        )
        .await?;
        tx.commit().await?;
        // Activating means sending: the first sync is queued at once for the worker. Pausing
        // stopped any earlier run, so a resumed segment's new run sends what that one did not
        // (its plan starts from the members actually delivered); a run still open carries on.
        let run = match self.store.open_sync_run(&seg.id).await? {
            Some(open) => open,
            None => {
                self.enqueue_sync(&seg.id, SyncKind::Activation, actor)
                    .await?
                    .id
            }
        };
        Ok(Review {
            sync_run: Some(run),
            ..self.review_of(key).await?
        })
    }

    /// Pause the active version.
    pub async fn pause_segment(&self, key: &str, actor: &Actor) -> Result<Review, AppError> {
        actor.require(Permission::Review)?;
        let (seg, v, from) = self.lifecycle_target(key, &[Status::Active]).await?;
        let to = next(from, Action::Pause)?;
        let hash = self
            .store
            .submission(&seg.id, v.version)
            .await?
            .map(|s| s.approval_hash)
            .unwrap_or_default();
        let mut tx = self.store.begin_write().await?;
        tx.set_version_status(&seg.id, v.version, from.as_str(), to.as_str())
            .await?;
        let stopped = self.stop_open_sync(&mut tx, &seg.id, "paused").await?;
        self.audit_in(
            &mut tx,
            actor,
            "segment.pause",
            change(
                &seg,
                &hash,
                v.version,
                from,
                to,
                serde_json::json!({"stopped_sync_run": stopped}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(Review {
            sync_run: stopped,
            ..self.review_of(key).await?
        })
    }

    /// Archive a segment: every live version stops, nothing stays active.
    pub async fn archive_segment(&self, key: &str, actor: &Actor) -> Result<u64, AppError> {
        actor.require(Permission::Review)?;
        let seg = self
            .store
            .get_segment(key)
            .await
            .map_err(|_| AppError::NotFound(format!("segment `{key}`")))?;
        let mut tx = self.store.begin_write().await?;
        let n = tx.archive_segment(&seg.id).await?;
        let stopped = self.stop_open_sync(&mut tx, &seg.id, "cancelled").await?;
        let before = serde_json::json!({"active_version": seg.active_version, "current_version": seg.current_version});
        let after = serde_json::json!({"status": "archived", "versions_archived": n, "stopped_sync_run": stopped});
        self.audit_in(
            &mut tx,
            actor,
            "segment.archive",
            Change {
                segment_id: Some(seg.id.clone()),
                version_hash: None,
                before: Some(before),
                after: Some(after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The newest submitted (or later) version with its submission, against the data now (any
    /// signed-in role).
    pub async fn review(&self, key: &str, actor: &Actor) -> Result<Review, AppError> {
        actor.allow(Permission::Read)?;
        self.review_of(key).await
    }

    /// The version under review for its reviewer's page (campaign managers only): the same as
    /// [`App::review`], refused to other roles, who have nothing to decide.
    pub async fn review_for_decision(&self, key: &str, actor: &Actor) -> Result<Review, AppError> {
        actor.require(Permission::Review)?;
        self.review_of(key).await
    }

    /// [`App::review`] for the app's own steps, whose callers have checked the actor.
    pub(super) async fn review_of(&self, key: &str) -> Result<Review, AppError> {
        let live = [
            Status::Submitted,
            Status::Approved,
            Status::Rejected,
            Status::Active,
            Status::Paused,
            Status::Archived,
        ];
        let (seg, v, status) = self.lifecycle_target(key, &live).await?;
        let (sub, destinations) = self.submission_of(&seg, &v).await?;
        let size_at_submission: Size = serde_json::from_str(&sub.preview)
            .map_err(|e| AppError::StoredDataUnreadable(e.to_string()))?;
        let policy_at_submission: PolicyReport = serde_json::from_str(&sub.policy)
            .map_err(|e| AppError::StoredDataUnreadable(e.to_string()))?;
        let (size_now, policy_now) = self.size_and_policy(&v, &destinations).await?;
        let submitter = self
            .store
            .user_by_id(&sub.submitted_by)
            .await?
            .map_or(sub.submitted_by.clone(), |u| u.email);
        let (hash_now, basis_now) = self.approval_now(&v, &destinations).await?;
        let earlier: Option<Basis> = sub
            .basis
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok());
        Ok(Review {
            segment_id: seg.id.clone(),
            name: seg.name.clone(),
            version: v.version,
            status,
            active_version: seg.active_version,
            definition: serde_json::from_str(&v.definition).unwrap_or_default(),
            approval_changes: earlier
                .map(|e| basis_now.changes_since(&e))
                .unwrap_or_default(),
            approval_hash_now: hash_now,
            approval_basis: basis_now,
            sync_run: None,
            approval_hash: sub.approval_hash.clone(),
            destinations,
            submitted_by: submitter,
            submitted_at: sub.submitted_at,
            approvals_needed: approvals_needed(
                size_at_submission.count,
                self.settings.governance.second_approver_above,
            ),
            decisions: self
                .store
                .decisions(&seg.id, v.version, &sub.approval_hash)
                .await?,
            size_change: size_now.count - size_at_submission.count,
            size_at_submission,
            size_now,
            policy_at_submission,
            policy_now,
        })
    }
}

/// Record one reviewer's decision on the version under review, in `tx`.
async fn record_decision(
    tx: &mut WriteTx,
    seg: &SegmentRecord,
    v: &VersionRecord,
    sub: &SubmissionRecord,
    user: &str,
    decision: &str,
    comment: Option<String>,
) -> Result<(), AppError> {
    let d = DecisionRecord {
        id: uuid::Uuid::new_v4().simple().to_string(),
        segment_id: seg.id.clone(),
        version: v.version,
        approval_hash: sub.approval_hash.clone(),
        user_id: user.to_string(),
        decision: decision.to_string(),
        comment,
        created_at: chrono::Utc::now().timestamp(),
    };
    Ok(tx.insert_decision(&d).await?)
}
