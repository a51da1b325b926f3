//! Delivering the active version to its approved destinations: select the members each
//! destination may receive (consent, suppression), split them into batches within the
//! platform's limits, send each with retries, and report per destination. A dry run selects and
//! counts without sending, so a reviewer can see it before activating. Audited.
//!
//! Not yet durable: a run is not stored as a job, and with no record of the previous upload
//! every member counts as an addition (no removals are computed).

use serde::Serialize;

use super::{Actor, App, AppError, Change};
use crate::destinations::{self, Batch, DestinationConfig};
use crate::domain::access::Permission;
use crate::domain::approval::Status;
use crate::domain::compile::{self, Consent};
use crate::domain::definition::Definition;
use crate::domain::normalize::Contact;
use crate::domain::policy::Destination;

/// What happened (or would happen) at one destination.
#[derive(Debug, Clone, Serialize)]
pub struct DestinationReport {
    pub destination: Destination,
    /// Members this destination may receive.
    pub members: usize,
    /// With no record of an earlier upload every member is an addition.
    pub adds: usize,
    pub removes: usize,
    pub batches: usize,
    pub batches_sent: usize,
    pub attempts: usize,
    /// `dry_run`, `delivered`, `failed` or `unsupported`.
    pub status: String,
    pub errors: Vec<String>,
}

/// A delivery run.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryReport {
    pub segment_id: String,
    pub version: i64,
    pub approval_hash: String,
    pub dry_run: bool,
    /// When the data was last refreshed (facts), as the store reports it.
    pub data_as_of: serde_json::Value,
    pub destinations: Vec<DestinationReport>,
}

fn consent_for(d: Destination) -> Consent {
    match d {
        _ if d.is_ad_platform() => Consent::Ads,
        Destination::Email => Consent::Email,
        _ => Consent::None,
    }
}

impl App {
    async fn contacts(&self, def: &Definition, consent: Consent) -> Result<Vec<Contact>, AppError> {
        let p = self.prepare(def, self.as_of(None)?).await?;
        let q = compile::compile_delivery(&p.vd, p.target(self.store.dialect()), consent);
        let rows = self.store.fetch_texts(&q).await?;
        Ok(rows.iter().map(|r| Contact::from_columns(r)).collect())
    }

    /// Deliver the active version (or, for a dry run, the newest approved or active one).
    pub async fn deliver_segment(&self, key: &str, dry_run: bool, actor: &Actor) -> Result<DeliveryReport, AppError> {
        actor.require(Permission::Review)?;
        let want: &[Status] = if dry_run { &[Status::Approved, Status::Active, Status::Paused] } else { &[Status::Active] };
        let (seg, v, _) = self.lifecycle_target(key, want).await?;
        let (sub, dests) = self.submission_of(&seg, &v).await?;
        if self.hash_now(&v, &dests).await? != sub.approval_hash {
            return Err(AppError::Conflict("the approval no longer matches the catalog or glossary; submit and approve again".into()));
        }
        let def: Definition = serde_json::from_str(&v.definition).map_err(|e| AppError::Io(e.to_string()))?;
        let cfg = &self.settings.governance.destinations;
        let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(30)).build().map_err(|e| AppError::Io(e.to_string()))?;
        let run_id = rand::random::<u32>() as u64;
        let mut reports = Vec::new();
        for d in dests {
            let members = self.contacts(&def, consent_for(d)).await?;
            let size = if d == Destination::Meta { cfg.batch_size.min(destinations::meta::MAX_BATCH) } else { cfg.batch_size }.max(1);
            let chunks: Vec<&[Contact]> = members.chunks(size).collect();
            let mut r = DestinationReport {
                destination: d,
                members: members.len(),
                adds: members.len(),
                removes: 0,
                batches: chunks.len(),
                batches_sent: 0,
                attempts: 0,
                status: "dry_run".into(),
                errors: vec![],
            };
            if !dry_run {
                self.send_all(&client, cfg, d, &seg.id, v.version, &sub.approval_hash, run_id, &chunks, &mut r).await;
            }
            reports.push(r);
        }
        let report = DeliveryReport {
            segment_id: seg.id.clone(),
            version: v.version,
            approval_hash: sub.approval_hash.clone(),
            dry_run,
            data_as_of: serde_json::to_value(self.store.freshness().await?).unwrap_or_default(),
            destinations: reports,
        };
        let summary: Vec<_> =
            report.destinations.iter().map(|r| serde_json::json!({"destination": r.destination, "members": r.members, "status": r.status})).collect();
        let change = Change {
            segment_id: Some(seg.id),
            version_hash: Some(sub.approval_hash),
            before: None,
            after: Some(serde_json::json!({"version": v.version, "results": summary})),
        };
        self.audit(actor, if dry_run { "segment.dry_run" } else { "segment.deliver" }, change).await?;
        Ok(report)
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_all(
        &self,
        client: &reqwest::Client,
        cfg: &DestinationConfig,
        d: Destination,
        segment_id: &str,
        version: i64,
        approval_hash: &str,
        run_id: u64,
        chunks: &[&[Contact]],
        r: &mut DestinationReport,
    ) {
        let total = chunks.iter().map(|c| c.len()).sum();
        for (i, members) in chunks.iter().enumerate() {
            let b = Batch { op: destinations::Op::Add, segment_id, version, approval_hash, run_id, seq: i + 1, batches: chunks.len(), total, members };
            let sent = destinations::with_retries(cfg, || destinations::send(d, client, cfg, &b)).await;
            match sent {
                Ok(attempts) => {
                    r.batches_sent += 1;
                    r.attempts += attempts;
                }
                Err(e) => {
                    r.status = "failed".into();
                    r.errors.push(format!("batch {}: {e}", i + 1));
                    return;
                }
            }
        }
        r.status = "delivered".into();
    }
}
