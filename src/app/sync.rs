//! The sync worker and what it reports. The worker claims one outbox batch at a time (by
//! lease), sends it through `destinations::send` with retries and its idempotency key, then
//! records the outcome; when a run's last batch settles the run is closed and audited. A
//! process that dies after a platform accepted a batch but before the outbox recorded it
//! leaves the batch leased: once the lease runs out it is sent again with the same key, which
//! the platform (or webhook receiver) deduplicates, so no member is lost or counted twice.
//!
//! `serve` runs the worker and the refresh schedule as tokio tasks; the CLI drains the outbox
//! inline.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Serialize;

use super::delivery::SyncKind;
use super::{Actor, App, AppError, Change};
use crate::destinations::{self, Batch, Op, Session};
use crate::domain::access::Permission;
use crate::domain::approval::Status;
use crate::domain::normalize::Contact;
use crate::domain::policy::Destination;
use crate::domain::sync::{BatchState, run_status};
use crate::store::WriteTx;
use crate::store::{BatchProgress, SyncBatchRecord, SyncRunRecord};

/// How the sync worker and the refresh schedule behave.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// How long a claimed batch stays with its worker before another may take it over (longer
    /// than a batch's sends with all their retries).
    pub lease: Duration,
    /// How often an idle worker looks for work it was not woken for (another process's runs).
    pub poll: Duration,
    /// Refresh every active segment this often (`serve` only); never when `None`.
    pub refresh_every: Option<Duration>,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(300),
            poll: Duration::from_secs(5),
            refresh_every: Some(Duration::from_secs(24 * 3600)),
        }
    }
}

/// One destination of a run: its batches' progress and the reasons of failures.
#[derive(Debug, Clone, Serialize)]
pub struct SyncDestination {
    pub destination: String,
    /// `running`, `delivered`, `failed` or `cancelled`.
    pub status: String,
    /// Members in addition and in removal batches.
    pub adds: i64,
    pub removes: i64,
    pub batches: usize,
    pub batches_sent: usize,
    pub batches_failed: usize,
    /// Batches never sent because the run was stopped (the segment paused or archived).
    pub batches_cancelled: usize,
    /// Members in batches the destination accepted.
    pub members_accepted: i64,
    pub attempts: i64,
    pub errors: Vec<String>,
    /// Entries the destination said it received, and found invalid, in accepted batches (the
    /// platforms that say: Meta, LinkedIn, Google, the CSV drop).
    pub members_received: i64,
    pub members_invalid: i64,
    /// What the destination said beside the counts: invalid entries' reasons, a Google job's
    /// status.
    pub notes: Vec<String>,
}

/// Add what a destination said of an accepted batch to its report.
fn note_receipt(d: &mut SyncDestination, seq: i64, op: &str, receipt: &str) {
    let Ok(r) = serde_json::from_str::<destinations::Receipt>(receipt) else {
        return;
    };
    d.members_received += r.received.unwrap_or(0) as i64;
    d.members_invalid += r.invalid.unwrap_or(0) as i64;
    if let Some(invalid) = r.invalid.filter(|n| *n > 0) {
        d.notes.push(format!(
            "batch {seq} ({op}): {invalid} invalid entries: {}",
            r.problems.join("; ")
        ));
    } else if !r.problems.is_empty() {
        d.notes
            .push(format!("batch {seq} ({op}): {}", r.problems.join("; ")));
    }
    if let (Some(job), Some(status)) = (r.job, r.job_status) {
        d.notes
            .push(format!("batch {seq} ({op}): job {job} {status}"));
    }
}

/// Where a batch stands among its destination's batches of the same operation (Meta numbers
/// additions and removals as separate sessions), and the job an earlier batch opened.
fn session_of(b: &SyncBatchRecord, progress: &[BatchProgress]) -> (Session, Option<String>) {
    let removal = |op: &str| op == "remove";
    let same: Vec<&BatchProgress> = progress
        .iter()
        .filter(|p| p.destination == b.destination && removal(&p.op) == removal(&b.op))
        .collect();
    let session = Session {
        seq: same.iter().filter(|p| p.seq <= b.seq).count(),
        batches: same.len(),
        total: same.iter().map(|p| p.member_count.max(0) as usize).sum(),
    };
    let job = progress
        .iter()
        .filter(|p| p.destination == b.destination)
        .filter_map(|p| p.receipt.as_deref())
        .find_map(|r| serde_json::from_str::<destinations::Receipt>(r).ok()?.job);
    (session, job)
}

/// A sync run and its delivery report.
#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    #[serde(flatten)]
    pub run: SyncRunRecord,
    pub destinations: Vec<SyncDestination>,
}

impl SyncReport {
    pub fn finished(&self) -> bool {
        self.run.status != "running"
    }
}

fn op_of(b: &SyncBatchRecord) -> Op {
    match b.op.as_str() {
        "remove" => Op::Remove,
        "replace" => Op::Replace,
        _ => Op::Add,
    }
}

fn contacts_of(b: &SyncBatchRecord) -> Result<Vec<Contact>, AppError> {
    // Rows of up to ten fields (see `members_json`); older snapshots hold the first three.
    let rows: Vec<Vec<Option<String>>> = serde_json::from_str(&b.members)
        .map_err(|e| AppError::StoredDataUnreadable(format!("batch snapshot: {e}")))?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut f = r.into_iter().chain(std::iter::repeat(None));
            let mut next = || f.next().flatten();
            Contact {
                external_id: next().unwrap_or_default(),
                email: next(),
                phone: next(),
                first_name: next(),
                last_name: next(),
                country: next(),
                region: next(),
                city: next(),
                postal_code: next(),
                ads_consent: next().map(|v| v == "1"),
            }
        })
        .collect())
}

impl App {
    /// A run with its per-destination report (any signed-in role).
    pub async fn sync_report(&self, run_id: i64, actor: &Actor) -> Result<SyncReport, AppError> {
        actor.allow(Permission::Read)?;
        self.report_of(run_id).await
    }

    /// [`App::sync_report`] for the app's own steps, whose callers have checked the actor.
    pub(super) async fn report_of(&self, run_id: i64) -> Result<SyncReport, AppError> {
        let run = self
            .store
            .sync_run(run_id)
            .await
            .map_err(|_| AppError::NotFound(format!("sync run {run_id}")))?;
        let progress = self.store.sync_progress(run_id).await?;
        Ok(report_from(run, progress))
    }

    /// The newest runs of a segment (or of every segment), with their reports (any signed-in
    /// role).
    pub async fn sync_reports(
        &self,
        key: Option<&str>,
        limit: i64,
        actor: &Actor,
    ) -> Result<Vec<SyncReport>, AppError> {
        actor.allow(Permission::Read)?;
        self.reports_of(key, limit).await
    }

    /// [`App::sync_reports`] for the app's own steps, whose callers have checked the actor.
    pub(super) async fn reports_of(
        &self,
        key: Option<&str>,
        limit: i64,
    ) -> Result<Vec<SyncReport>, AppError> {
        let segment_id = match key {
            Some(k) => Some(
                self.store
                    .get_segment(k)
                    .await
                    .map_err(|_| AppError::NotFound(format!("segment `{k}`")))?
                    .id,
            ),
            None => None,
        };
        let mut out = Vec::new();
        for run in self.store.sync_runs(segment_id.as_deref(), limit).await? {
            out.push(self.report_of(run.id).await?);
        }
        Ok(out)
    }

    /// Claim, send and record one batch; false when nothing is waiting.
    pub async fn sync_once(&self, client: &destinations::HttpClient) -> Result<bool, AppError> {
        let lease = self.settings.governance.sync.lease.as_secs() as i64;
        let Some(b) = self
            .store
            .claim_sync_batch(chrono::Utc::now().timestamp(), lease)
            .await?
        else {
            return Ok(false);
        };
        let run = self.store.sync_run(b.run_id).await?;
        if run.status != "running" {
            // Stopped (paused or archived) after this batch was claimed: it is not sent.
            self.store.cancel_sync_batch(&b).await?;
            return Ok(true);
        }
        let d =
            Destination::parse_stored(&b.destination).map_err(AppError::StoredDataUnreadable)?;
        let members = contacts_of(&b)?;
        let (session, job) = session_of(&b, &self.store.sync_progress(run.id).await?);
        let batch = Batch {
            op: op_of(&b),
            segment_id: &run.segment_id,
            version: run.version,
            approval_hash: &run.approval_hash,
            run_id: run.id as u64,
            seq: b.seq as usize,
            batches: b.batches as usize,
            total: b.total as usize,
            members: &members,
            session,
            job: job.as_deref(),
        };
        let (sent, attempts) = self.send_batch(d, client, &batch).await;
        match sent {
            Ok(receipt) => {
                let json = serde_json::to_string(&receipt).expect("serializable");
                self.store.record_sync_receipt(&b, &json).await?;
                self.store
                    .complete_sync_batch(&b, &run, attempts, chrono::Utc::now().timestamp())
                    .await?;
            }
            Err(e) => self.store.fail_sync_batch(&b, attempts, &e).await?,
        }
        self.close_run_if_settled(&run).await?;
        Ok(true)
    }

    /// Send one batch with retries, under the destinations configured now (stored by an admin
    /// or from the environment); the outcome and the attempts made.
    async fn send_batch(
        &self,
        d: Destination,
        client: &destinations::HttpClient,
        batch: &Batch<'_>,
    ) -> (Result<destinations::Receipt, String>, i64) {
        let cfg = match self.destination_config_for(d).await {
            Ok(cfg) => cfg,
            Err(e) => return (Err(e.to_string()), 0),
        };
        let attempts = AtomicUsize::new(0);
        let sent = destinations::with_retries(&cfg, || {
            attempts.fetch_add(1, Ordering::SeqCst);
            destinations::send(d, client, &cfg, batch)
        })
        .await;
        (
            sent.map(|(receipt, _)| receipt).map_err(|e| e.to_string()),
            attempts.load(Ordering::SeqCst) as i64,
        )
    }

    /// Close a run whose every batch settled, once, and audit it (in the same transaction).
    async fn close_run_if_settled(&self, run: &SyncRunRecord) -> Result<(), AppError> {
        let states = self
            .store
            .sync_progress(run.id)
            .await?
            .iter()
            .map(|b| BatchState::parse(&b.state).unwrap_or(BatchState::Failed))
            .collect::<Vec<_>>();
        let status = run_status(states);
        if status == "running" {
            return Ok(());
        }
        let mut tx = self.store.begin_write().await?;
        if tx
            .finish_sync_run(run.id, status, chrono::Utc::now().timestamp())
            .await?
        {
            self.audit_sync_finish(&mut tx, run, status).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Stop the segment's unfinished run, if any, because the segment was paused or archived:
    /// its unsent batches are cancelled and the run closes as `status` (`paused`, `cancelled`),
    /// audited as `sync.finish` with the reason, all in `tx`. Returns the stopped run.
    pub(super) async fn stop_open_sync(
        &self,
        tx: &mut WriteTx,
        segment_id: &str,
        status: &str,
    ) -> Result<Option<i64>, AppError> {
        // Read through `tx`: a pooled read while holding SQLite's write lock could wait for a
        // connection that other writers hold while they wait for this one.
        let Some(run) = tx.open_sync_run(segment_id).await? else {
            return Ok(None);
        };
        if !tx
            .stop_sync_run(run.id, status, chrono::Utc::now().timestamp())
            .await?
        {
            return Ok(None);
        }
        self.audit_sync_finish(tx, &run, status).await?;
        Ok(Some(run.id))
    }

    /// Record a run's end in `tx`, the transaction that closes it, with its report as `tx`
    /// sees it.
    pub(super) async fn audit_sync_finish(
        &self,
        tx: &mut WriteTx,
        run: &SyncRunRecord,
        status: &str,
    ) -> Result<(), AppError> {
        let report = report_from(run.clone(), tx.sync_progress(run.id).await?);
        let dests: Vec<_> = report
            .destinations
            .iter()
            .map(|d| serde_json::json!({"destination": d.destination, "status": d.status, "accepted": d.members_accepted, "failed_batches": d.batches_failed}))
            .collect();
        let after = serde_json::json!({"run": run.id, "status": status, "destinations": dests});
        let change = Change {
            segment_id: Some(run.segment_id.clone()),
            version_hash: Some(run.approval_hash.clone()),
            before: None,
            after: Some(after),
        };
        self.audit_in(tx, &Actor::system("sync-worker"), "sync.finish", change)
            .await?;
        Ok(())
    }

    /// Send every claimable batch, then return how many were handled (the CLI's worker).
    pub async fn drain_syncs(&self) -> Result<usize, AppError> {
        let client = http_client()?;
        let mut n = 0;
        while self.sync_once(&client).await? {
            n += 1;
        }
        Ok(n)
    }

    /// The worker of a long-running server: drain, then sleep until woken by a new run or the
    /// poll interval (which also picks up batches whose lease ran out).
    pub fn spawn_sync_worker(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = app.drain_syncs().await {
                    tracing::warn!(error = %e, "sync worker step failed");
                }
                let _ = tokio::time::timeout(
                    app.settings.governance.sync.poll,
                    app.sync_wake.notified(),
                )
                .await;
            }
        })
    }

    /// Recompute the active version and send its additions and removals (a campaign manager's
    /// action).
    pub async fn refresh_segment(
        &self,
        key: &str,
        actor: &Actor,
    ) -> Result<SyncRunRecord, AppError> {
        self.start_sync(key, SyncKind::Refresh, actor).await
    }

    /// Replace the audience at the platforms that can (Meta: one `usersreplace` session of
    /// everyone); the others get the additions and removals (a campaign manager's action).
    pub async fn replace_segment(
        &self,
        key: &str,
        actor: &Actor,
    ) -> Result<SyncRunRecord, AppError> {
        self.start_sync(key, SyncKind::Replace, actor).await
    }

    /// Refresh every active segment; returns each segment's run id or the reason it was not.
    pub async fn refresh_all(&self) -> Result<Vec<(String, Result<i64, String>)>, AppError> {
        let mut out = Vec::new();
        for seg in self.store.list_segments().await? {
            let Some(v) = seg.active_version else {
                continue;
            };
            if self.store.get_version(&seg.id, v).await?.status != Status::Active.as_str() {
                continue;
            }
            let r = self
                .enqueue_sync(&seg.id, SyncKind::Scheduled, &Actor::system("scheduler"))
                .await;
            out.push((seg.id, r.map(|run| run.id).map_err(|e| e.public_message())));
        }
        Ok(out)
    }

    /// Refresh every active segment every `every`, starting one period from now.
    pub fn spawn_refresh_schedule(
        self: &Arc<Self>,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                tick.tick().await;
                match app.refresh_all().await {
                    Ok(runs) => tracing::info!(segments = runs.len(), "scheduled refresh"),
                    Err(e) => tracing::warn!(error = %e, "scheduled refresh failed"),
                }
            }
        })
    }
}

/// The HTTP client of the destinations (timeouts bound one attempt).
fn http_client() -> Result<destinations::HttpClient, AppError> {
    destinations::http_client(Duration::from_secs(30)).map_err(|e| AppError::Network(e.to_string()))
}

/// A run's report from its batches' progress.
fn report_from(run: SyncRunRecord, progress: Vec<BatchProgress>) -> SyncReport {
    let mut by_dest: BTreeMap<String, SyncDestination> = BTreeMap::new();
    let mut states: BTreeMap<String, Vec<BatchState>> = BTreeMap::new();
    for b in progress {
        let state = BatchState::parse(&b.state).unwrap_or(BatchState::Failed);
        states.entry(b.destination.clone()).or_default().push(state);
        let d = by_dest
            .entry(b.destination.clone())
            .or_insert_with(|| SyncDestination {
                destination: b.destination.clone(),
                status: String::new(),
                adds: 0,
                removes: 0,
                batches: 0,
                batches_sent: 0,
                batches_failed: 0,
                batches_cancelled: 0,
                members_accepted: 0,
                attempts: 0,
                errors: vec![],
                members_received: 0,
                members_invalid: 0,
                notes: vec![],
            });
        *(if b.op == "remove" {
            &mut d.removes
        } else {
            &mut d.adds
        }) += b.member_count;
        d.batches += 1;
        d.attempts += b.attempts;
        if let Some(r) = &b.receipt {
            note_receipt(d, b.seq, &b.op, r);
        }
        match state {
            BatchState::Sent => {
                (d.batches_sent, d.members_accepted) =
                    (d.batches_sent + 1, d.members_accepted + b.member_count)
            }
            BatchState::Failed => {
                d.batches_failed += 1;
                d.errors.push(format!(
                    "batch {} ({}): {}",
                    b.seq,
                    b.op,
                    b.last_error.unwrap_or_default()
                ));
            }
            BatchState::Cancelled => d.batches_cancelled += 1,
            BatchState::Pending | BatchState::Sending => {}
        }
    }
    for (name, d) in by_dest.iter_mut() {
        d.status = run_status(states.remove(name).unwrap_or_default()).into();
    }
    SyncReport {
        run,
        destinations: by_dest.into_values().collect(),
    }
}
