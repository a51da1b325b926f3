//! The audit log table: append (sealing each entry onto the chain inside the transaction of the
//! change it records), filtered listing, and the full chain for verification. Nothing here
//! updates or deletes a row.

use super::tx::{Tx, WriteTx, on_tx};
use super::{Bind, Store, StoreError, bind_all, on_pool};
use crate::domain::audit::{AuditEntry, AuditKey};

#[derive(sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    at: i64,
    actor: String,
    action: String,
    segment_id: Option<String>,
    version_hash: Option<String>,
    before_state: Option<String>,
    after_state: Option<String>,
    address: Option<String>,
    prev_hash: String,
    hash: String,
    keyed: bool,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            segment_id: r.segment_id,
            version_hash: r.version_hash,
            before: r.before_state,
            after: r.after_state,
            address: r.address,
            prev_hash: r.prev_hash,
            hash: r.hash,
            keyed: r.keyed,
        }
    }
}

const COLS: &str = "seq, at, actor, action, segment_id, version_hash, before_state, after_state, address, prev_hash, hash, keyed";

/// Filters for listing the audit log; every one optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub segment_id: Option<String>,
    /// Unix seconds, inclusive.
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub limit: Option<i64>,
}

/// Any key for PostgreSQL's transaction-scoped advisory lock that serialises appends (so two
/// processes never seal onto the same head); SQLite's write transactions are serial already.
const APPEND_LOCK: i64 = 0x5e67_a0d1;

impl WriteTx {
    /// Append an entry, sealed onto the current head of the chain (keyed when `key` is given),
    /// as part of this transaction: it lands when, and only when, the transaction commits.
    /// Returns the sealed entry.
    pub async fn append_audit(
        &mut self,
        entry: AuditEntry,
        key: Option<&AuditKey>,
    ) -> Result<AuditEntry, StoreError> {
        let head_sql = format!("SELECT {COLS} FROM audit_log ORDER BY seq DESC LIMIT 1");
        let insert = format!(
            "INSERT INTO audit_log ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        );
        if let Tx::Postgres(t) = &mut self.tx {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(APPEND_LOCK)
                .execute(&mut **t)
                .await?;
        }
        Ok(on_tx!(self, t => {
            let head: Option<AuditRow> = sqlx::query_as(sqlx::AssertSqlSafe(head_sql)).fetch_optional(&mut **t).await?;
            let e = entry.seal(head.map(AuditEntry::from).as_ref(), key);
            sqlx::query(sqlx::AssertSqlSafe(insert))
                .bind(e.seq).bind(e.at).bind(e.actor.clone()).bind(e.action.clone()).bind(e.segment_id.clone())
                .bind(e.version_hash.clone()).bind(e.before.clone()).bind(e.after.clone()).bind(e.address.clone())
                .bind(e.prev_hash.clone()).bind(e.hash.clone()).bind(e.keyed)
                .execute(&mut **t).await?;
            e
        }))
    }
}

impl Store {
    /// Entries matching a filter, newest first.
    pub async fn list_audit(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let mut sql = format!("SELECT {COLS} FROM audit_log WHERE 1 = 1");
        let mut binds = Vec::new();
        let mut add = |cond: &str, b: Bind| {
            binds.push(b);
            sql.push_str(&format!(" AND {cond} ${}", binds.len()));
        };
        if let Some(v) = &f.actor {
            add("actor =", Bind::Text(Some(v.clone())));
        }
        if let Some(v) = &f.action {
            add("action =", Bind::Text(Some(v.clone())));
        }
        if let Some(v) = &f.segment_id {
            add("segment_id =", Bind::Text(Some(v.clone())));
        }
        if let Some(v) = f.since {
            add("at >=", Bind::Int(Some(v)));
        }
        if let Some(v) = f.until {
            add("at <=", Bind::Int(Some(v)));
        }
        binds.push(Bind::Int(Some(f.limit.unwrap_or(1000).clamp(1, 100_000))));
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${}", binds.len()));
        let rows: Vec<AuditRow> = on_pool!(self, p => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &binds).fetch_all(p).await?);
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The whole chain in order, for verification.
    pub async fn audit_chain(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let sql = format!("SELECT {COLS} FROM audit_log ORDER BY seq");
        let rows: Vec<AuditRow> = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await?);
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
