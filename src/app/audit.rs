//! Who did what: the [`Actor`] of every governed action, and the audit log use cases (record,
//! list with filters, CSV export, verify the hash chain, keyed and anchored by a checkpoint:
//! see `domain::audit`).

use serde::Serialize;

use super::{App, AppError};
use crate::domain::access::{Permission, Principal};
use crate::domain::audit::{AuditEntry, Checkpoint, verify};
pub use crate::store::AuditFilter;
use crate::store::WriteTx;

/// The person (or local command) behind an action, and where it came from.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `None` for a local command run without `--as` (recorded as `cli`).
    pub principal: Option<Principal>,
    pub address: Option<String>,
    /// The background process acting on its own (the sync worker, the refresh schedule).
    pub system: Option<&'static str>,
}

impl Actor {
    pub fn user(principal: Principal, address: Option<String>) -> Self {
        Self {
            principal: Some(principal),
            address,
            system: None,
        }
    }

    /// A local command with database access but no named user.
    pub fn cli() -> Self {
        Self {
            principal: None,
            address: None,
            system: None,
        }
    }

    /// A background process of this server, recorded under its own name.
    pub fn system(name: &'static str) -> Self {
        Self {
            principal: None,
            address: None,
            system: Some(name),
        }
    }

    /// The name written in the audit log.
    pub fn name(&self) -> String {
        self.principal.as_ref().map_or_else(
            || self.system.unwrap_or("cli").to_string(),
            |p| p.email.clone(),
        )
    }

    pub fn user_id(&self) -> Option<&str> {
        self.principal.as_ref().map(|p| p.user_id.as_str())
    }

    /// A local command (the CLI, which has the database anyway) may; a named user must hold `p`.
    pub fn allow(&self, p: Permission) -> Result<(), AppError> {
        match (&self.principal, self.system) {
            (None, None) => Ok(()),
            _ => self.require(p).map(|_| ()),
        }
    }

    /// The named user, who must hold `p`.
    pub fn require(&self, p: Permission) -> Result<&Principal, AppError> {
        let who = self.principal.as_ref().ok_or_else(|| {
            AppError::Unauthenticated("this action needs a user: pass --as EMAIL".into())
        })?;
        who.require(p)?;
        Ok(who)
    }
}

/// What an action changed, for [`App::audit`].
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub segment_id: Option<String>,
    pub version_hash: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// The result of `audit verify`.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub entries: usize,
    pub head_hash: String,
    /// Whether new entries are sealed with `SEGWRIGHT_AUDIT_KEY`.
    pub keyed: bool,
    /// Entries sealed with plain SHA-256 (before a key was configured, or without one).
    pub unkeyed_entries: usize,
    /// The anchor of the head to keep outside the database and give back to a later
    /// `audit verify --checkpoint`: it detects removed newest entries and a re-chained log.
    pub checkpoint: String,
    /// Whether a checkpoint given was checked (and held).
    pub checkpoint_checked: bool,
    /// What the verification cannot promise, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl App {
    /// Record an action that changes nothing else in the database (a read of personal data, a
    /// failed sign-in, a dry run), in a transaction of its own. An action that changes state
    /// records itself with [`audit_in`](Self::audit_in), in the transaction of its change.
    pub async fn audit(
        &self,
        actor: &Actor,
        action: &str,
        change: Change,
    ) -> Result<AuditEntry, AppError> {
        let mut tx = self.store.begin_write().await?;
        let e = self.audit_in(&mut tx, actor, action, change).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// Append the entry recording a change to the transaction that makes the change: both land
    /// at its commit, or neither does.
    pub(super) async fn audit_in(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        action: &str,
        change: Change,
    ) -> Result<AuditEntry, AppError> {
        let entry = AuditEntry {
            seq: 0,
            at: chrono::Utc::now().timestamp(),
            actor: actor.name(),
            action: action.to_string(),
            segment_id: change.segment_id,
            version_hash: change.version_hash,
            before: change.before.map(|v| v.to_string()),
            after: change.after.map(|v| v.to_string()),
            address: actor.address.clone(),
            prev_hash: String::new(),
            hash: String::new(),
            keyed: false,
        };
        let key = self.settings.governance.audit_key.as_ref();
        Ok(tx.append_audit(entry, key).await?)
    }

    /// Add a value to the global suppression list (an admin's action when a user is named).
    pub async fn suppress(&self, kind: &str, value: &str, actor: &Actor) -> Result<(), AppError> {
        if actor.principal.is_some() {
            actor.require(Permission::Administer)?;
        }
        let mut tx = self.store.begin_write().await?;
        tx.suppress(kind, value, None).await?;
        // The value itself is personal data: the log keeps its kind and a hash of it.
        let after = serde_json::json!({"kind": kind, "value_sha256": crate::domain::normalize::sha256_hex(value)});
        self.audit_in(
            &mut tx,
            actor,
            "suppression.add",
            Change {
                after: Some(after),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest `limit` entries about one segment (by id), for its page: any signed-in role
    /// reads who did what to a segment it can see; the whole log is for auditors.
    pub async fn segment_history(
        &self,
        segment_id: &str,
        limit: i64,
        actor: &Actor,
    ) -> Result<Vec<AuditEntry>, AppError> {
        actor.allow(Permission::Read)?;
        let filter = AuditFilter {
            segment_id: Some(segment_id.to_string()),
            limit: Some(limit),
            ..Default::default()
        };
        Ok(self.store.list_audit(&filter).await?)
    }

    /// Audit entries matching a filter, newest first (campaign managers and admins).
    pub async fn audit_entries(
        &self,
        filter: &AuditFilter,
        actor: &Actor,
    ) -> Result<Vec<AuditEntry>, AppError> {
        actor.allow(Permission::Audit)?;
        Ok(self.store.list_audit(filter).await?)
    }

    /// Recompute the whole chain; an edited, inserted or deleted entry is an error naming it.
    /// With a `checkpoint` (as an earlier verification printed it), the chain must still hold
    /// its entry with its hash: removed newest entries and a re-chained log are errors too.
    /// Campaign managers and admins.
    pub async fn verify_audit(
        &self,
        checkpoint: Option<&str>,
        actor: &Actor,
    ) -> Result<Verification, AppError> {
        actor.allow(Permission::Audit)?;
        let key = self.settings.governance.audit_key.as_ref();
        let given = checkpoint
            .map(Checkpoint::parse)
            .transpose()
            .map_err(AppError::BadInput)?;
        let chain = self.store.audit_chain().await?;
        let v = verify(&chain, key).map_err(|t| AppError::Conflict(t.to_string()))?;
        if let Some(c) = &given {
            c.check(&chain, key)
                .map_err(|t| AppError::Conflict(t.to_string()))?;
        }
        let mut warnings = Vec::new();
        if key.is_none() {
            warnings.push("SEGWRIGHT_AUDIT_KEY is not set: entries are plain SHA-256, which anyone who can write the database can recompute; keep the checkpoint outside the database".into());
        } else if v.unkeyed > 0 {
            warnings.push(format!(
                "{} entries were written before SEGWRIGHT_AUDIT_KEY was set and are plain SHA-256",
                v.unkeyed
            ));
        }
        if given.is_none() {
            warnings.push("no checkpoint given: removing the newest entries would not be detected; keep this checkpoint and pass it next time".into());
        }
        let checkpoint = Checkpoint::of(&v, key).to_string();
        Ok(Verification {
            entries: v.entries,
            head_hash: v.head_hash,
            keyed: key.is_some(),
            unkeyed_entries: v.unkeyed,
            checkpoint,
            checkpoint_checked: given.is_some(),
            warnings,
        })
    }
}

/// Audit entries as CSV with a header row.
pub fn audit_csv(entries: &[AuditEntry]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "seq",
        "at",
        "actor",
        "action",
        "segment_id",
        "version_hash",
        "before",
        "after",
        "address",
        "hash",
    ]);
    for e in entries {
        let at = chrono::DateTime::from_timestamp(e.at, 0)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default();
        let o = |v: &Option<String>| {
            super::export::spreadsheet_safe(v.as_deref().unwrap_or_default()).into_owned()
        };
        let _ = w.write_record([
            e.seq.to_string(),
            at,
            super::export::spreadsheet_safe(&e.actor).into_owned(),
            e.action.clone(),
            o(&e.segment_id),
            o(&e.version_hash),
            o(&e.before),
            o(&e.after),
            o(&e.address),
            e.hash.clone(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
