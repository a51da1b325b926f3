//! Ingest over the API (`POST /api/orders`, `POST /api/events`): a JSON batch of rows, each
//! checked by the CSV importer's own row rules (the rows become records of a file with the
//! canonical headers), written in one transaction with the facts of the customers it names
//! recomputed alone, then applied to the in-memory copy for those customers only.
//!
//! A batch is all or nothing: one bad row refuses it whole, with every bad row's index and field.
//! Rows carry their own id (`order_id`, `event_id`), so a batch sent twice changes nothing.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::rows::{Batch, RowError};
use crate::app::auth::LoginLimiter;
use crate::app::{Actor, App, AppError};
use crate::domain::access::Permission;
use crate::domain::import::{self as imp, Kind};

/// The most rows one batch may hold.
pub const MAX_ROWS: usize = 10_000;
/// Batches one token may send per second (at 10,000 rows each, far above what a 2-core box writes).
pub const BATCHES_PER_SECOND: u32 = 50;
/// Bad rows listed in a refusal (the count says how many there were in all).
const LISTED: usize = 100;

/// What a batch holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestKind {
    Orders,
    Events,
}

impl IngestKind {
    /// The fields a row may have, in the order of the records handed to the importer's rules.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            IngestKind::Orders => &[
                "order_id",
                "customer_id",
                "occurred_at",
                "amount",
                "quantity",
            ],
            IngestKind::Events => &[
                "event_id",
                "customer_id",
                "name",
                "occurred_at",
                "properties",
            ],
        }
    }

    fn kind(self) -> Kind {
        match self {
            IngestKind::Orders => Kind::Orders,
            IngestKind::Events => Kind::Events,
        }
    }
}

/// One refused row: its index in the batch (from 0), the field, the value and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RowIssue {
    pub row: usize,
    pub field: String,
    pub value: String,
    pub reason: String,
}

/// The message of a refused batch (the rows themselves go in the error's details).
pub(in crate::app) fn rows_summary(rows: &[RowIssue]) -> String {
    match rows.first() {
        None => "invalid rows".into(),
        Some(r) => format!(
            "{} invalid row(s); nothing from this batch was written; first: row {}, field `{}`: {}",
            rows.len(),
            r.row,
            r.field,
            r.reason
        ),
    }
}

/// What a batch did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IngestReport {
    pub kind: IngestKind,
    /// Rows in the batch (all written: a batch is all or nothing).
    pub rows: usize,
    /// Customers the batch named that did not exist before (created with their external id).
    pub customers_created: u64,
    /// Customers whose facts were recomputed.
    pub customers_touched: usize,
    /// `updated` (the in-memory copy now holds the batch), `not_loaded` (no copy yet, or none
    /// kept), or `reloading` (the copy could not be changed in place; it is read again).
    pub in_memory: &'static str,
    pub elapsed_ms: f64,
}

/// Ingest's own state in the app: batches are written one at a time (the in-memory copy takes
/// them in commit order), and each token has its budget of batches per second.
pub struct IngestState {
    pub(super) one_at_a_time: tokio::sync::Mutex<()>,
    limiter: LoginLimiter,
}

impl Default for IngestState {
    fn default() -> Self {
        Self {
            one_at_a_time: Default::default(),
            limiter: LoginLimiter::new(BATCHES_PER_SECOND, Duration::from_secs(1), 10_000),
        }
    }
}

impl App {
    /// Write one batch of orders or events (admins, as imports). `rate_key` names the API token
    /// (or session) the batch came with; it is kept only as a digest.
    pub async fn ingest(
        &self,
        kind: IngestKind,
        rows: &[Value],
        rate_key: &str,
        actor: &Actor,
    ) -> Result<IngestReport, AppError> {
        actor.allow(Permission::Administer)?;
        if !self.ingest.limiter.check(&format!("ingest:{rate_key}")) {
            return Err(AppError::RateLimited(format!(
                "at most {BATCHES_PER_SECOND} batches per second per token; send larger batches, or wait a second"
            )));
        }
        if rows.is_empty() || rows.len() > MAX_ROWS {
            return Err(AppError::BadInput(format!(
                "a batch holds 1 to {MAX_ROWS} rows, not {}",
                rows.len()
            )));
        }
        let started = Instant::now();
        let parsed = self.parse_batch(kind, rows)?;
        let (customers, marks) = parsed.touched();
        let _turn = self.ingest.one_at_a_time.lock().await;
        let mut tx = self.store.begin_import().await?;
        parsed.write(&mut tx).await?;
        let ids = tx.customer_ids(&customers).await?;
        tx.refresh_facts_of(&ids).await?;
        tx.note_ingest(&marks).await?;
        let created = tx.created_customers;
        tx.commit().await?;
        let in_memory = self.apply_to_memory(&ids).await?;
        Ok(IngestReport {
            kind,
            rows: rows.len(),
            customers_created: created,
            customers_touched: ids.len(),
            in_memory,
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Every row through the importer's rules; all the bad ones at once.
    fn parse_batch(&self, kind: IngestKind, rows: &[Value]) -> Result<super::rows::Rows, AppError> {
        let fields = kind.fields();
        let headers: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        let same: Vec<(String, String)> = headers.iter().map(|h| (h.clone(), h.clone())).collect();
        let plan = imp::plan_columns(kind.kind(), &headers, &same)
            .map_err(|e| AppError::Inconsistent(format!("ingest columns: {e}")))?;
        let mut batch = Batch::new(kind.kind(), &plan, &[], self.settings.timezone);
        let (mut issues, mut bad) = (Vec::new(), 0usize);
        for (i, row) in rows.iter().enumerate() {
            let found = match record(fields, row) {
                Ok(rec) => batch.push(&rec, i as u64).map_err(|e| vec![issue(i, e)]),
                Err(e) => Err(e
                    .into_iter()
                    .map(|(f, v, why)| RowIssue {
                        row: i,
                        field: f,
                        value: v,
                        reason: why,
                    })
                    .collect()),
            };
            if let Err(mut found) = found {
                bad += 1;
                if issues.len() < LISTED {
                    issues.append(&mut found);
                }
            }
        }
        if bad > 0 {
            return Err(AppError::InvalidRows(issues));
        }
        Ok(batch.take())
    }
}

fn issue(row: usize, e: RowError) -> RowIssue {
    RowIssue {
        row,
        field: e.column,
        value: e.value,
        reason: e.reason,
    }
}

/// A JSON row as the importer's record (cells in `fields` order), or its problems as
/// `(field, value, reason)`: not an object, a field no row of this kind has, a missing id, a
/// value that is not text or a number.
fn record(
    fields: &[&str],
    row: &Value,
) -> Result<csv::StringRecord, Vec<(String, String, String)>> {
    let Some(obj) = row.as_object() else {
        return Err(vec![(
            String::new(),
            String::new(),
            "a row must be a JSON object".into(),
        )]);
    };
    let mut problems: Vec<(String, String, String)> = obj
        .keys()
        .filter(|k| !fields.contains(&k.as_str()))
        .map(|k| {
            (
                k.clone(),
                String::new(),
                format!("unknown field; a row has {}", fields.join(", ")),
            )
        })
        .collect();
    let mut cells = Vec::with_capacity(fields.len());
    for f in fields {
        let cell = match obj.get(*f) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(v) if *f == "properties" => v.to_string(),
            Some(v) => {
                let shown: String = v.to_string().chars().take(80).collect();
                problems.push((f.to_string(), shown, "must be text or a number".into()));
                String::new()
            }
        };
        cells.push(cell);
    }
    // The id is what makes a batch safe to send again: the API requires it (a CSV file may
    // leave it out, and is then keyed by content).
    if cells[0].trim().is_empty() {
        problems.push((
            fields[0].to_string(),
            String::new(),
            "a value is required: the same id sent again is the same row".into(),
        ));
    }
    if problems.is_empty() {
        Ok(csv::StringRecord::from(cells))
    } else {
        Err(problems)
    }
}
