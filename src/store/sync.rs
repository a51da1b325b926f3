//! The sync outbox: runs and their batches (each with its members snapshot, idempotency key and
//! state), claimed by lease so that a batch held by a worker that died is taken over, and the
//! last delivered member set per segment and destination. Recording a batch as sent and
//! updating that set happen in one transaction, so the set never disagrees with the outbox.

use serde::Serialize;

use super::tx::{WriteTx, on_tx};
use super::{Backend, BeginWrite, Store, StoreError, on_pool};

/// One sync run of a segment's active version.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SyncRunRecord {
    pub id: i64,
    pub segment_id: String,
    pub version: i64,
    pub approval_hash: String,
    pub kind: String,
    pub status: String,
    pub created_by: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// One batch of a run, with the members it sends (JSON `[[external_id, email, phone], …]`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SyncBatchRecord {
    pub run_id: i64,
    pub destination: String,
    pub seq: i64,
    pub batches: i64,
    pub total: i64,
    pub op: String,
    pub members: String,
    pub member_count: i64,
    pub idempotency_key: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub lease_until: Option<i64>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// A batch's progress, without its members.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct BatchProgress {
    pub destination: String,
    pub seq: i64,
    pub op: String,
    pub member_count: i64,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// What the destination said of the batch once accepted (JSON, `destinations::Receipt`).
    pub receipt: Option<String>,
}

/// A member as last delivered: external id, email, phone, when (Unix seconds).
pub type DeliveredRow = (String, Option<String>, Option<String>, i64);

/// A second unfinished run of a segment (started concurrently) is a conflict, not a failure.
fn one_open_run(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict("another sync run of this segment is still running".into())
        }
        _ => StoreError::Database(e),
    }
}

impl Store {
    /// The unfinished run of a segment, if any.
    pub async fn open_sync_run(&self, segment_id: &str) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64,)> = on_pool!(self, p => sqlx::query_as("SELECT id FROM sync_runs WHERE segment_id = $1 AND status = 'running' LIMIT 1")
            .bind(segment_id.to_string()).fetch_optional(p).await?);
        Ok(row.map(|r| r.0))
    }

    /// Claim the oldest batch that is pending, or whose lease ran out (its worker died), for
    /// `lease` seconds. Compare-and-set, so two workers never hold the same batch.
    pub async fn claim_sync_batch(
        &self,
        now: i64,
        lease: i64,
    ) -> Result<Option<SyncBatchRecord>, StoreError> {
        let pick = "SELECT run_id, destination, seq, batches, total, op, members, member_count, idempotency_key, state, attempts, last_error, lease_until, created_at, sent_at FROM sync_batches WHERE state = 'pending' OR (state = 'sending' AND lease_until <= $1) ORDER BY created_at, run_id, destination, seq LIMIT 1";
        for _ in 0..8 {
            let found: Option<SyncBatchRecord> =
                on_pool!(self, p => sqlx::query_as(pick).bind(now).fetch_optional(p).await?);
            let Some(mut b) = found else { return Ok(None) };
            let n = on_pool!(self, p => sqlx::query("UPDATE sync_batches SET state = 'sending', lease_until = $1 WHERE run_id = $2 AND destination = $3 AND seq = $4 AND state = $5 AND (lease_until IS NULL OR lease_until = $6)")
                .bind(now + lease).bind(b.run_id).bind(b.destination.clone()).bind(b.seq).bind(b.state.clone()).bind(b.lease_until).execute(p).await?.rows_affected());
            if n == 1 {
                (b.state, b.lease_until) = ("sending".into(), Some(now + lease));
                return Ok(Some(b));
            }
        }
        Ok(None)
    }

    /// Record a claimed batch as sent and apply it to the delivered set of the run's segment, in
    /// one transaction. The last batch of a replace session also forgets every member the
    /// session's sent batches did not name (the platform dropped them). Returns false (and changes nothing) if the
    /// batch was settled meanwhile.
    pub async fn complete_sync_batch(
        &self,
        b: &SyncBatchRecord,
        run: &SyncRunRecord,
        attempts: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let segment_id = run.segment_id.as_str();
        let replaced = b.op == "replace" && b.seq == b.batches;
        let (upsert, delete, forget) = match self.backend {
            Backend::Sqlite(_) => (
                "INSERT INTO sync_members (segment_id, destination, external_id, email, phone, last_sent_at) SELECT $1, $2, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), $3 FROM json_each($4) WHERE true ON CONFLICT (segment_id, destination, external_id) DO UPDATE SET email = excluded.email, phone = excluded.phone, last_sent_at = excluded.last_sent_at",
                "DELETE FROM sync_members WHERE segment_id = $1 AND destination = $2 AND external_id IN (SELECT json_extract(value, '$[0]') FROM json_each($3))",
                "DELETE FROM sync_members WHERE segment_id = $1 AND destination = $2 AND external_id NOT IN (SELECT json_extract(j.value, '$[0]') FROM sync_batches b, json_each(b.members) j WHERE b.run_id = $3 AND b.destination = $2 AND b.op = 'replace' AND b.state = 'sent')",
            ),
            Backend::Postgres(_) => (
                "INSERT INTO sync_members (segment_id, destination, external_id, email, phone, last_sent_at) SELECT $1, $2, e->>0, e->>1, e->>2, $3 FROM jsonb_array_elements($4::jsonb) AS e ON CONFLICT (segment_id, destination, external_id) DO UPDATE SET email = excluded.email, phone = excluded.phone, last_sent_at = excluded.last_sent_at",
                "DELETE FROM sync_members WHERE segment_id = $1 AND destination = $2 AND external_id IN (SELECT e->>0 FROM jsonb_array_elements($3::jsonb) AS e)",
                "DELETE FROM sync_members WHERE segment_id = $1 AND destination = $2 AND external_id NOT IN (SELECT e->>0 FROM sync_batches b, jsonb_array_elements(b.members::jsonb) AS e WHERE b.run_id = $3 AND b.destination = $2 AND b.op = 'replace' AND b.state = 'sent')",
            ),
        };
        let done = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query("UPDATE sync_batches SET state = 'sent', sent_at = $1, attempts = attempts + $2, last_error = NULL, lease_until = NULL WHERE run_id = $3 AND destination = $4 AND seq = $5 AND state = 'sending'")
                .bind(now).bind(attempts).bind(b.run_id).bind(b.destination.clone()).bind(b.seq).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                let (seg, dest) = (segment_id.to_string(), b.destination.clone());
                if b.op == "remove" {
                    sqlx::query(delete).bind(seg.clone()).bind(dest.clone()).bind(b.members.clone()).execute(&mut *tx).await?;
                } else {
                    sqlx::query(upsert).bind(seg.clone()).bind(dest.clone()).bind(now).bind(b.members.clone()).execute(&mut *tx).await?;
                }
                if replaced {
                    // The session is complete: the platform holds exactly the members its sent
                    // batches named (a failed batch's members are forgotten and sent again).
                    sqlx::query(forget).bind(seg).bind(dest).bind(run.id).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            n == 1
        });
        Ok(done)
    }

    /// Record a claimed batch as failed for good, with the reason.
    pub async fn fail_sync_batch(
        &self,
        b: &SyncBatchRecord,
        attempts: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query("UPDATE sync_batches SET state = 'failed', attempts = attempts + $1, last_error = $2, lease_until = NULL WHERE run_id = $3 AND destination = $4 AND seq = $5 AND state = 'sending'")
            .bind(attempts).bind(error.to_string()).bind(b.run_id).bind(b.destination.clone()).bind(b.seq).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Keep what the destination said of a sent batch.
    pub async fn record_sync_receipt(
        &self,
        b: &SyncBatchRecord,
        receipt: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query("UPDATE sync_batches SET receipt = $1 WHERE run_id = $2 AND destination = $3 AND seq = $4")
            .bind(receipt.to_string()).bind(b.run_id).bind(b.destination.clone()).bind(b.seq).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Cancel a batch claimed for a run that was stopped meanwhile, unsent.
    pub async fn cancel_sync_batch(&self, b: &SyncBatchRecord) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query("UPDATE sync_batches SET state = 'cancelled', lease_until = NULL WHERE run_id = $1 AND destination = $2 AND seq = $3 AND state = 'sending'")
            .bind(b.run_id).bind(b.destination.clone()).bind(b.seq).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Every batch of a run, without members, by destination and order.
    pub async fn sync_progress(&self, run_id: i64) -> Result<Vec<BatchProgress>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(PROGRESS_SQL).bind(run_id).fetch_all(p).await?))
    }

    pub async fn sync_run(&self, run_id: i64) -> Result<SyncRunRecord, StoreError> {
        let sql = "SELECT id, segment_id, version, approval_hash, kind, status, created_by, created_at, finished_at FROM sync_runs WHERE id = $1";
        let row = on_pool!(self, p => sqlx::query_as(sql).bind(run_id).fetch_optional(p).await?);
        row.ok_or(StoreError::NotFound)
    }

    /// Runs, newest first: of one segment, or of all.
    pub async fn sync_runs(
        &self,
        segment_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<SyncRunRecord>, StoreError> {
        let sql = "SELECT id, segment_id, version, approval_hash, kind, status, created_by, created_at, finished_at FROM sync_runs WHERE (CAST($1 AS TEXT) IS NULL OR segment_id = $1) ORDER BY created_at DESC, id DESC LIMIT $2";
        Ok(
            on_pool!(self, p => sqlx::query_as(sql).bind(segment_id.map(str::to_string)).bind(limit).fetch_all(p).await?),
        )
    }

    /// The members `destination` last received for a segment.
    pub async fn delivered_members(
        &self,
        segment_id: &str,
        destination: &str,
    ) -> Result<Vec<DeliveredRow>, StoreError> {
        let sql = "SELECT external_id, email, phone, last_sent_at FROM sync_members WHERE segment_id = $1 AND destination = $2 ORDER BY external_id";
        Ok(
            on_pool!(self, p => sqlx::query_as(sql).bind(segment_id.to_string()).bind(destination.to_string()).fetch_all(p).await?),
        )
    }
}

/// Every batch of a run (`$1`), without members, by destination and order.
const PROGRESS_SQL: &str = "SELECT destination, seq, op, member_count, state, attempts, last_error, receipt FROM sync_batches WHERE run_id = $1 ORDER BY destination, seq";

impl WriteTx {
    /// The unfinished run of a segment, if any, as this transaction sees it.
    pub async fn open_sync_run(
        &mut self,
        segment_id: &str,
    ) -> Result<Option<SyncRunRecord>, StoreError> {
        let sql = "SELECT id, segment_id, version, approval_hash, kind, status, created_by, created_at, finished_at FROM sync_runs WHERE segment_id = $1 AND status = 'running' LIMIT 1";
        Ok(
            on_tx!(self, t => sqlx::query_as(sql).bind(segment_id.to_string()).fetch_optional(&mut **t).await?),
        )
    }

    /// [`Store::sync_progress`] as this transaction sees it.
    pub async fn sync_progress(&mut self, run_id: i64) -> Result<Vec<BatchProgress>, StoreError> {
        Ok(on_tx!(self, t => sqlx::query_as(PROGRESS_SQL).bind(run_id).fetch_all(&mut **t).await?))
    }

    /// Store a run and all its batches at once: either the whole snapshot exists or none.
    pub async fn create_sync_run(
        &mut self,
        run: &SyncRunRecord,
        batches: &[SyncBatchRecord],
    ) -> Result<(), StoreError> {
        on_tx!(self, t => {
            sqlx::query("INSERT INTO sync_runs (id, segment_id, version, approval_hash, kind, status, created_by, created_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(run.id).bind(run.segment_id.clone()).bind(run.version).bind(run.approval_hash.clone()).bind(run.kind.clone())
                .bind(run.status.clone()).bind(run.created_by.clone()).bind(run.created_at).bind(run.finished_at).execute(&mut **t).await
                .map_err(one_open_run)?;
            for b in batches {
                sqlx::query("INSERT INTO sync_batches (run_id, destination, seq, batches, total, op, members, member_count, idempotency_key, state, attempts, last_error, lease_until, created_at, sent_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)")
                    .bind(b.run_id).bind(b.destination.clone()).bind(b.seq).bind(b.batches).bind(b.total).bind(b.op.clone()).bind(b.members.clone())
                    .bind(b.member_count).bind(b.idempotency_key.clone()).bind(b.state.clone()).bind(b.attempts).bind(b.last_error.clone())
                    .bind(b.lease_until).bind(b.created_at).bind(b.sent_at).execute(&mut **t).await?;
            }
        });
        Ok(())
    }

    /// Stop a running run: every batch not yet claimed is cancelled (never sent) and the run
    /// closes with `status`, in one transaction; a batch already being sent finishes. False if
    /// the run was already closed.
    pub async fn stop_sync_run(
        &mut self,
        run_id: i64,
        status: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let stopped = on_tx!(self, t => {
            sqlx::query("UPDATE sync_batches SET state = 'cancelled', lease_until = NULL WHERE run_id = $1 AND state = 'pending'").bind(run_id).execute(&mut **t).await?;
            let n = sqlx::query("UPDATE sync_runs SET status = $1, finished_at = $2 WHERE id = $3 AND status = 'running'")
                .bind(status.to_string()).bind(now).bind(run_id).execute(&mut **t).await?.rows_affected();
            n == 1
        });
        Ok(stopped)
    }

    /// Close a running run with its final status; false if it was already closed.
    pub async fn finish_sync_run(
        &mut self,
        run_id: i64,
        status: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let n = on_tx!(self, t => sqlx::query("UPDATE sync_runs SET status = $1, finished_at = $2 WHERE id = $3 AND status = 'running'")
            .bind(status.to_string()).bind(now).bind(run_id).execute(&mut **t).await?.rows_affected());
        Ok(n == 1)
    }
}
