//! Lifecycle persistence: compare-and-set status changes (a concurrent change makes the second
//! one fail with `Conflict`), submissions, review decisions and the active version.

use serde::Serialize;

use super::tx::{WriteTx, on_tx};
use super::{Store, StoreError, now, on_pool};

/// The latest submission of a version.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SubmissionRecord {
    pub segment_id: String,
    pub version: i64,
    pub approval_hash: String,
    /// JSON list of destinations.
    pub destinations: String,
    pub submitted_by: String,
    pub submitted_at: i64,
    /// JSON of the count-only preview at submission.
    pub preview: String,
    /// JSON of the policy report at submission.
    pub policy: String,
    /// JSON of the approval basis at submission (fields, terms, segments, models used), so a
    /// refusal can say what changed; absent for submissions stored before it was kept.
    pub basis: Option<String>,
}

/// An approval or rejection.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DecisionRecord {
    pub id: String,
    pub segment_id: String,
    pub version: i64,
    pub approval_hash: String,
    pub user_id: String,
    pub decision: String,
    pub comment: Option<String>,
    pub created_at: i64,
}

fn conflict(what: &str) -> StoreError {
    StoreError::Conflict(format!("{what} changed meanwhile; reload and try again"))
}

impl Store {
    pub async fn submission(
        &self,
        segment_id: &str,
        version: i64,
    ) -> Result<Option<SubmissionRecord>, StoreError> {
        let sql = "SELECT segment_id, version, approval_hash, destinations, submitted_by, submitted_at, preview, policy, basis FROM submissions WHERE segment_id = $1 AND version = $2";
        Ok(
            on_pool!(self, p => sqlx::query_as(sql).bind(segment_id.to_string()).bind(version).fetch_optional(p).await?),
        )
    }

    /// Decisions on a version under one approval hash, oldest first.
    pub async fn decisions(
        &self,
        segment_id: &str,
        version: i64,
        approval_hash: &str,
    ) -> Result<Vec<DecisionRecord>, StoreError> {
        let sql = "SELECT id, segment_id, version, approval_hash, user_id, decision, comment, created_at FROM review_decisions WHERE segment_id = $1 AND version = $2 AND approval_hash = $3 ORDER BY created_at, id";
        Ok(
            on_pool!(self, p => sqlx::query_as(sql).bind(segment_id.to_string()).bind(version).bind(approval_hash.to_string()).fetch_all(p).await?),
        )
    }
}

impl WriteTx {
    /// Set a version's status if it is still `from`.
    pub async fn set_version_status(
        &mut self,
        segment_id: &str,
        version: i64,
        from: &str,
        to: &str,
    ) -> Result<(), StoreError> {
        let n = on_tx!(self, t => sqlx::query("UPDATE segment_versions SET status = $1 WHERE segment_id = $2 AND version = $3 AND status = $4")
            .bind(to.to_string()).bind(segment_id.to_string()).bind(version).bind(from.to_string()).execute(&mut **t).await?.rows_affected());
        if n == 1 {
            Ok(())
        } else {
            Err(conflict("the version's state"))
        }
    }

    /// Record a submission (replacing an earlier one of the same version) and mark it submitted.
    pub async fn submit_version(
        &mut self,
        s: &SubmissionRecord,
        from: &str,
    ) -> Result<(), StoreError> {
        on_tx!(self, t => {
            let n = sqlx::query("UPDATE segment_versions SET status = 'submitted' WHERE segment_id = $1 AND version = $2 AND status = $3")
                .bind(s.segment_id.clone()).bind(s.version).bind(from.to_string()).execute(&mut **t).await?.rows_affected();
            if n != 1 {
                return Err(conflict("the version's state"));
            }
            sqlx::query("DELETE FROM submissions WHERE segment_id = $1 AND version = $2").bind(s.segment_id.clone()).bind(s.version).execute(&mut **t).await?;
            sqlx::query("INSERT INTO submissions (segment_id, version, approval_hash, destinations, submitted_by, submitted_at, preview, policy, basis) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(s.segment_id.clone()).bind(s.version).bind(s.approval_hash.clone()).bind(s.destinations.clone()).bind(s.submitted_by.clone())
                .bind(s.submitted_at).bind(s.preview.clone()).bind(s.policy.clone()).bind(s.basis.clone()).execute(&mut **t).await?;
        });
        Ok(())
    }

    pub async fn insert_decision(&mut self, d: &DecisionRecord) -> Result<(), StoreError> {
        on_tx!(self, t => sqlx::query("INSERT INTO review_decisions (id, segment_id, version, approval_hash, user_id, decision, comment, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(d.id.clone()).bind(d.segment_id.clone()).bind(d.version).bind(d.approval_hash.clone()).bind(d.user_id.clone())
            .bind(d.decision.clone()).bind(d.comment.clone()).bind(d.created_at).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// Make `version` (approved or paused) the active one; the one it replaces is superseded.
    pub async fn activate_version(
        &mut self,
        segment_id: &str,
        version: i64,
        from: &str,
        replaces: Option<i64>,
    ) -> Result<(), StoreError> {
        on_tx!(self, t => {
            if let Some(old) = replaces.filter(|o| *o != version) {
                sqlx::query("UPDATE segment_versions SET status = 'superseded' WHERE segment_id = $1 AND version = $2 AND status IN ('active', 'paused')")
                    .bind(segment_id.to_string()).bind(old).execute(&mut **t).await?;
            }
            let n = sqlx::query("UPDATE segment_versions SET status = 'active' WHERE segment_id = $1 AND version = $2 AND status = $3")
                .bind(segment_id.to_string()).bind(version).bind(from.to_string()).execute(&mut **t).await?.rows_affected();
            if n != 1 {
                return Err(conflict("the version's state"));
            }
            sqlx::query("UPDATE segments SET active_version = $1, updated_at = $2 WHERE id = $3").bind(version).bind(now()).bind(segment_id.to_string()).execute(&mut **t).await?;
        });
        Ok(())
    }

    /// Archive every live version of a segment and clear its active version.
    pub async fn archive_segment(&mut self, segment_id: &str) -> Result<u64, StoreError> {
        let n = on_tx!(self, t => {
            let n = sqlx::query("UPDATE segment_versions SET status = 'archived' WHERE segment_id = $1 AND status NOT IN ('archived', 'superseded')")
                .bind(segment_id.to_string()).execute(&mut **t).await?.rows_affected();
            sqlx::query("UPDATE segments SET active_version = NULL, updated_at = $1 WHERE id = $2").bind(now()).bind(segment_id.to_string()).execute(&mut **t).await?;
            n
        });
        Ok(n)
    }
}
