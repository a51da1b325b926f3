//! Planning a delivery of the active version to its approved destinations: select the members
//! each destination may receive (consent, suppression), compare them with what it last received
//! (`domain::sync::plan`: additions, removals, renewals), and either report the counts (a dry
//! run, which a reviewer sees before activating) or store the whole plan as a durable sync run
//! in the outbox, batch by batch, for the worker in [`super::sync`] to send. Audited.

use serde::{Deserialize, Serialize};

use super::{Actor, App, AppError, Change};
use crate::domain::access::Permission;
use crate::domain::approval::Status;
use crate::domain::compile::{self, Consent};
use crate::domain::definition::Definition;
use crate::domain::normalize::Contact;
use crate::domain::policy::Destination;
use crate::domain::sync::{
    Delivered, SyncPlan, batch_count, batch_limit, plan, plan_replace, replaceable,
};
use crate::store::{SegmentRecord, SyncBatchRecord, SyncRunRecord};

/// What a sync would send to one destination.
#[derive(Debug, Clone, Serialize)]
pub struct DestinationReport {
    pub destination: Destination,
    /// Members this destination may receive now.
    pub members: usize,
    /// Members to add: new ones and renewals.
    pub adds: usize,
    /// Of `adds`, memberships renewed before the platform lets them lapse.
    pub resends: usize,
    /// Members delivered before and no longer in the audience.
    pub removes: usize,
    pub batches: usize,
    /// A replace session (Meta): `adds` is everyone, `removes` are dropped by the platform.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub replace: bool,
    pub status: String,
}

/// A dry run: what a sync would send, per destination.
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

/// Why a sync run was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncKind {
    /// The first sync, started by activating a version.
    Activation,
    /// A campaign manager sent the active version.
    Deliver,
    /// A campaign manager asked for a refresh.
    Refresh,
    /// The daily refresh schedule.
    Scheduled,
    /// A campaign manager replaced the audience: Meta receives everyone in one replace session
    /// (it drops whoever is not among them); other destinations get additions and removals.
    Replace,
}

impl SyncKind {
    fn as_str(self) -> &'static str {
        match self {
            SyncKind::Activation => "activation",
            SyncKind::Deliver => "deliver",
            SyncKind::Refresh => "refresh",
            SyncKind::Scheduled => "scheduled",
            SyncKind::Replace => "replace",
        }
    }
}

fn consent_for(d: Destination) -> Consent {
    match d {
        _ if d.is_ad_platform() => Consent::Ads,
        Destination::Email => Consent::Email,
        _ => Consent::None,
    }
}

/// A version cleared for delivery: its segment, approval hash, destinations and definition.
struct Target {
    seg: SegmentRecord,
    version: i64,
    approval_hash: String,
    destinations: Vec<Destination>,
    definition: Definition,
}

/// One destination's plan and request size.
struct Planned {
    destination: Destination,
    members: usize,
    plan: SyncPlan,
    limit: usize,
}

impl Planned {
    fn batches(&self) -> usize {
        let removes = if self.plan.replace {
            0
        } else {
            self.plan.removes.len()
        };
        batch_count(self.plan.adds.len(), self.limit) + batch_count(removes, self.limit)
    }

    fn report(&self, status: &str) -> DestinationReport {
        DestinationReport {
            destination: self.destination,
            members: self.members,
            adds: self.plan.adds.len(),
            resends: self.plan.resends,
            removes: self.plan.removes.len(),
            batches: self.batches(),
            replace: self.plan.replace,
            status: status.into(),
        }
    }
}

/// `[[external_id, email, phone, first_name, last_name, country, region, city, postal_code,
/// ads_consent ("1", "0" or null)], …]`:
/// the snapshot a batch row keeps (the store reads the first three for the delivered set).
fn members_json(members: &[Contact]) -> String {
    let rows: Vec<[Option<&str>; 10]> = members
        .iter()
        .map(|c| {
            [
                Some(c.external_id.as_str()),
                c.email.as_deref(),
                c.phone.as_deref(),
                c.first_name.as_deref(),
                c.last_name.as_deref(),
                c.country.as_deref(),
                c.region.as_deref(),
                c.city.as_deref(),
                c.postal_code.as_deref(),
                c.ads_consent.map(|yes| if yes { "1" } else { "0" }),
            ]
        })
        .collect();
    serde_json::to_string(&rows).expect("serializable")
}

/// The outbox rows of one destination: additions first, then removals, numbered 1.. across
/// both so that every batch of the run has its own idempotency key. A replace session is the
/// whole audience as `replace` batches only.
fn batch_rows(run: &SyncRunRecord, p: &Planned) -> Vec<SyncBatchRecord> {
    let batches = p.batches() as i64;
    let ops: [(&str, &[Contact]); 2] = if p.plan.replace {
        [("replace", &p.plan.adds), ("remove", &[])]
    } else {
        [("add", &p.plan.adds), ("remove", &p.plan.removes)]
    };
    let total = (ops[0].1.len() + ops[1].1.len()) as i64;
    let chunks = ops
        .into_iter()
        .flat_map(|(op, members)| members.chunks(p.limit).map(move |c| (op, c)));
    chunks
        .enumerate()
        .map(|(i, (op, members))| SyncBatchRecord {
            run_id: run.id,
            destination: p.destination.as_str().into(),
            seq: i as i64 + 1,
            batches,
            total,
            op: op.into(),
            members: members_json(members),
            member_count: members.len() as i64,
            // The same key `destinations::Batch::idempotency_key` sends, kept for the report.
            idempotency_key: format!("{}-{}-{}", run.id, run.segment_id, i + 1),
            state: "pending".into(),
            attempts: 0,
            last_error: None,
            lease_until: None,
            created_at: run.created_at,
            sent_at: None,
        })
        .collect()
}

impl App {
    async fn contacts(&self, def: &Definition, consent: Consent) -> Result<Vec<Contact>, AppError> {
        let p = self.prepared(def, self.as_of(None)?).await?;
        let q = compile::compile_delivery(&p.vd, p.target(self.store.dialect()), consent);
        let rows = self.store.fetch_texts(&q).await?;
        // Members selected under ads consent have it: it goes with them (Google's per-member
        // consent).
        let ads = (consent == Consent::Ads).then_some(true);
        Ok(rows
            .iter()
            .map(|r| Contact {
                ads_consent: ads,
                ..Contact::from_columns(r)
            })
            .collect())
    }

    /// The newest version of `key` in one of the `want` states, if its approval still holds.
    async fn delivery_target(&self, key: &str, want: &[Status]) -> Result<Target, AppError> {
        let (seg, v, _) = self.lifecycle_target(key, want).await?;
        let (sub, destinations) = self.submission_of(&seg, &v).await?;
        self.check_approval(&v, &sub, &destinations, "deliver")
            .await?;
        let definition: Definition = serde_json::from_str(&v.definition)
            .map_err(|e| AppError::StoredDataUnreadable(e.to_string()))?;
        Ok(Target {
            seg,
            version: v.version,
            approval_hash: sub.approval_hash,
            destinations,
            definition,
        })
    }

    /// Each destination's additions and removals against what it last received.
    async fn plan_destinations(
        &self,
        t: &Target,
        kind: SyncKind,
        now: i64,
    ) -> Result<Vec<Planned>, AppError> {
        let mut out = Vec::new();
        for &d in &t.destinations {
            let current = self.contacts(&t.definition, consent_for(d)).await?;
            let previous: Vec<Delivered> = self
                .store
                .delivered_members(&t.seg.id, d.as_str())
                .await?
                .into_iter()
                .map(|(external_id, email, phone, last_sent_at)| Delivered {
                    contact: Contact {
                        external_id,
                        email,
                        phone,
                        ..Default::default()
                    },
                    last_sent_at,
                })
                .collect();
            let members = current.len();
            let limit = batch_limit(d, self.settings.governance.destinations.batch_size);
            let plan = match kind {
                SyncKind::Replace if replaceable(d, &current) => {
                    plan_replace(d, current, &previous).expect("replaceable")
                }
                _ => plan(d, current, &previous, now),
            };
            out.push(Planned {
                destination: d,
                members,
                plan,
                limit,
            });
        }
        Ok(out)
    }

    /// What a sync of the newest approved or active version would send, without sending.
    pub async fn dry_run(&self, key: &str, actor: &Actor) -> Result<DeliveryReport, AppError> {
        actor.require(Permission::Review)?;
        let t = self
            .delivery_target(key, &[Status::Approved, Status::Active, Status::Paused])
            .await?;
        let report = self.dry_run_report(&t).await?;
        let summary: Vec<_> =
            report.destinations.iter().map(|r| serde_json::json!({"destination": r.destination, "adds": r.adds, "removes": r.removes})).collect();
        let after = serde_json::json!({"version": t.version, "results": summary});
        let change = Change {
            segment_id: Some(t.seg.id),
            version_hash: Some(t.approval_hash),
            before: None,
            after: Some(after),
        };
        self.audit(actor, "segment.dry_run", change).await?;
        Ok(report)
    }

    /// What a sync of the version under review would send, for the reviewer's page. Read-only
    /// like a preview, so not audited (the page is opened often; decisions are audited).
    pub async fn review_dry_run(
        &self,
        key: &str,
        actor: &Actor,
    ) -> Result<DeliveryReport, AppError> {
        actor.require(Permission::Review)?;
        let t = self.delivery_target(key, &[Status::Submitted]).await?;
        self.dry_run_report(&t).await
    }

    async fn dry_run_report(&self, t: &Target) -> Result<DeliveryReport, AppError> {
        let planned = self
            .plan_destinations(t, SyncKind::Deliver, chrono::Utc::now().timestamp())
            .await?;
        Ok(DeliveryReport {
            segment_id: t.seg.id.clone(),
            version: t.version,
            approval_hash: t.approval_hash.clone(),
            dry_run: true,
            data_as_of: serde_json::to_value(self.store.freshness().await?).unwrap_or_default(),
            destinations: planned.iter().map(|p| p.report("dry_run")).collect(),
        })
    }

    /// Send the active version's changes to its destinations (a campaign manager's action):
    /// stores the run and returns at once; the worker sends it.
    pub async fn start_sync(
        &self,
        key: &str,
        kind: SyncKind,
        actor: &Actor,
    ) -> Result<SyncRunRecord, AppError> {
        actor.require(Permission::Review)?;
        self.enqueue_sync(key, kind, actor).await
    }

    /// Snapshot the plan of every destination into a new run (refused while an earlier run of
    /// the segment is unfinished: its batches are not yet in the delivered set, so a second
    /// plan would send them again).
    pub(super) async fn enqueue_sync(
        &self,
        key: &str,
        kind: SyncKind,
        actor: &Actor,
    ) -> Result<SyncRunRecord, AppError> {
        let t = self.delivery_target(key, &[Status::Active]).await?;
        if let Some(open) = self.store.open_sync_run(&t.seg.id).await? {
            return Err(AppError::Conflict(format!(
                "sync run {open} of this segment is still running; wait for it to finish"
            )));
        }
        let now = chrono::Utc::now().timestamp();
        let planned = self.plan_destinations(&t, kind, now).await?;
        let empty = planned.iter().all(|p| p.batches() == 0);
        let run = SyncRunRecord {
            // Below 2^52, so JSON clients read it exactly.
            id: (rand::random::<u64>() >> 12) as i64,
            segment_id: t.seg.id.clone(),
            version: t.version,
            approval_hash: t.approval_hash.clone(),
            kind: kind.as_str().into(),
            status: if empty { "delivered" } else { "running" }.into(),
            created_by: actor.name(),
            created_at: now,
            finished_at: empty.then_some(now),
        };
        let rows: Vec<SyncBatchRecord> = planned.iter().flat_map(|p| batch_rows(&run, p)).collect();
        let mut tx = self.store.begin_write().await?;
        tx.create_sync_run(&run, &rows).await?;
        let plans: Vec<_> = planned.iter().map(|p| p.report("pending")).collect();
        let after = serde_json::json!({"run": run.id, "kind": run.kind, "version": run.version, "destinations": plans});
        let change = Change {
            segment_id: Some(run.segment_id.clone()),
            version_hash: Some(run.approval_hash.clone()),
            before: None,
            after: Some(after),
        };
        self.audit_in(&mut tx, actor, "sync.start", change).await?;
        if empty {
            self.audit_sync_finish(&mut tx, &run, "delivered").await?;
        }
        tx.commit().await?;
        self.sync_wake.notify_one();
        Ok(run)
    }
}
