//! Bulk writes for imports, inside one transaction per file: customers (with custom attribute
//! values), orders and events, all idempotent. On SQLite they are multi-row upserts whose customer
//! ids are resolved per batch, so memory stays bounded whatever the file size; on PostgreSQL
//! orders and events are streamed into staging tables and merged once ([`staged`]).

use std::collections::HashMap;

use super::tx::{Tx, WriteTx};
use super::{Bind, Store, StoreError, bind_all, catalog::type_label};
use crate::domain::catalog::AttributeSpec;

mod bulk;
mod ingest;
mod staged;

pub use ingest::IngestMarks;

use bulk::Spec;

/// A customer row: external id, the built-in columns present in the file, custom attributes.
#[derive(Debug, Clone)]
pub struct CustomerRow {
    pub external_id: String,
    /// Values in the order of the column list given to [`ImportTx::upsert_customers`].
    pub values: Vec<Bind>,
    /// `(attribute, number, text)`; both `None` when the cell was blank.
    pub attributes: Vec<(String, Option<f64>, Option<String>)>,
}

/// An order; `key` is the order id, or a content key when the file has none.
#[derive(Debug, Clone)]
pub struct OrderRow {
    pub key: String,
    pub customer: String,
    pub occurred_at: i64,
    pub amount: f64,
    pub quantity: Option<i64>,
}

/// An event; `key` is a content key (same row imported twice = one event).
#[derive(Debug, Clone)]
pub struct EventRow {
    pub key: String,
    pub customer: String,
    pub name: String,
    pub occurred_at: i64,
    pub properties: Option<String>,
}

/// A later row of the same customer over an earlier one: its values replace, its blanks keep.
fn merge_customer(earlier: &mut CustomerRow, later: CustomerRow) {
    for (old, new) in earlier.values.iter_mut().zip(later.values) {
        let blank = matches!(new, Bind::Int(None) | Bind::Float(None) | Bind::Text(None));
        if !blank {
            *old = new;
        }
    }
    for (name, num, text) in later.attributes {
        if num.is_none() && text.is_none() {
            continue;
        }
        match earlier.attributes.iter_mut().find(|(n, _, _)| *n == name) {
            Some(a) => *a = (name, num, text),
            None => earlier.attributes.push((name, num, text)),
        }
    }
}

/// One attribute value: customer id, attribute name, number, text.
pub(super) type AttributeValue<'a> = (i64, &'a str, Option<f64>, Option<&'a str>);

/// One line of `COPY`'s text format for an attribute value.
fn encode_attribute(buf: &mut Vec<u8>, (id, name, num, text): AttributeValue<'_>) {
    use std::io::Write;
    // Writing into a Vec cannot fail; f64's Display is exact and never uses an exponent.
    let _ = write!(buf, "{id}\t");
    staged::text(buf, name);
    match num {
        Some(x) => {
            let _ = write!(buf, "\t{x}\t");
        }
        None => buf.extend_from_slice(b"\t\\N\t"),
    }
    match text {
        Some(t) => staged::text(buf, t),
        None => buf.extend_from_slice(b"\\N"),
    }
    buf.push(b'\n');
}

/// An open import transaction. Dropping it without [`commit`](Self::commit) keeps nothing.
pub struct ImportTx {
    tx: WriteTx,
    /// Customers created because an order or event named them.
    pub created_customers: u64,
    /// PostgreSQL: orders and events copied into staging tables, merged before reads and commit.
    staged_orders: staged::Stage,
    staged_events: staged::Stage,
    /// Internal ids of the customers this transaction has resolved (at most [`KNOWN_IDS`]).
    ids: HashMap<String, i64>,
    /// Tables whose indexes a bulk load dropped, built again before reads.
    dropped: Vec<&'static Spec>,
}

/// A load smaller than this keeps the orders index as it is.
const BULK_MIN_ROWS: u64 = 50_000;

/// Customer ids kept across batches: enough for files naming a million customers, a few dozen MB.
const KNOWN_IDS: usize = 1_000_000;

/// Rows per multi-row INSERT of 5 columns: fewer, larger statements, within both databases' limits on
/// bound values (SQLite 32,766; PostgreSQL 65,535).
const ROWS_PER_INSERT: usize = 5_000;

macro_rules! on_tx {
    ($self:expr, $t:ident => $body:expr) => {
        match &mut $self.tx.tx {
            Tx::Sqlite($t) => $body,
            Tx::Postgres($t) => $body,
        }
    };
}

/// `($1, $2, …), (…)` for `rows` rows of `cols` columns; plain `?` on SQLite, whose parser
/// looks named parameters up linearly (quadratic for a 5,000-value batch).
pub(super) fn placeholders(sqlite: bool, rows: usize, cols: usize) -> String {
    let one = |n: usize| {
        if sqlite {
            "?".to_string()
        } else {
            format!("${n}")
        }
    };
    (0..rows)
        .map(|r| {
            format!(
                "({})",
                (1..=cols)
                    .map(|c| one(r * cols + c))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Start an import transaction.
    pub async fn begin_import(&self) -> Result<ImportTx, StoreError> {
        let tx = self.begin_write().await?;
        Ok(ImportTx {
            tx,
            created_customers: 0,
            staged_orders: staged::Stage::default(),
            staged_events: staged::Stage::default(),
            ids: HashMap::new(),
            dropped: Vec::new(),
        })
    }
}

impl ImportTx {
    /// The transaction itself, for the audit entry that records the import.
    pub fn write_tx(&mut self) -> &mut WriteTx {
        &mut self.tx
    }

    pub(super) fn is_sqlite(&self) -> bool {
        self.tx.is_sqlite()
    }

    pub(super) async fn latest_times(&mut self) -> Result<(Option<i64>, Option<i64>), StoreError> {
        Ok(
            on_tx!(self, t => sqlx::query_as("SELECT MAX(last_order_at), MAX(last_event_at) FROM customer_facts").fetch_one(&mut **t).await?),
        )
    }

    pub(super) async fn event_names(&mut self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = on_tx!(self, t => sqlx::query_as("SELECT DISTINCT name FROM events ORDER BY name").fetch_all(&mut **t).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub(super) async fn run(&mut self, sql: String, binds: &[Bind]) -> Result<u64, StoreError> {
        Ok(
            on_tx!(self, t => bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), binds).execute(&mut **t).await?.rows_affected()),
        )
    }

    async fn id_rows(
        &mut self,
        sql: String,
        binds: &[Bind],
    ) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(
            on_tx!(self, t => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), binds).fetch_all(&mut **t).await?),
        )
    }

    /// Make sure these external ids have internal ids in [`ids`](Self::id_of), creating the
    /// customers that do not exist yet. Ids already resolved in this transaction are not looked
    /// up again: a file names the same customers over and over.
    pub async fn resolve_customers(&mut self, external: &[&str]) -> Result<(), StoreError> {
        if self.ids.len() + external.len() > KNOWN_IDS {
            self.ids.clear(); // bounded memory; only this batch's ids must stay known
        }
        let mut uniq: Vec<&str> = external
            .iter()
            .copied()
            .filter(|e| !self.ids.contains_key(*e))
            .collect();
        uniq.sort_unstable();
        uniq.dedup();
        for part in uniq.chunks(1000) {
            let binds: Vec<Bind> = part
                .iter()
                .map(|s| Bind::Text(Some(s.to_string())))
                .collect();
            let list = placeholders(self.is_sqlite(), 1, part.len());
            let found = self
                .id_rows(
                    format!("SELECT id, external_id FROM customers WHERE external_id IN {list}"),
                    &binds,
                )
                .await?;
            self.ids.extend(found.into_iter().map(|(i, e)| (e, i)));
            let missing: Vec<&str> = part
                .iter()
                .copied()
                .filter(|e| !self.ids.contains_key(*e))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let now = super::now();
            let binds: Vec<Bind> = missing
                .iter()
                .flat_map(|e| [Bind::Text(Some(e.to_string())), Bind::Int(Some(now))])
                .collect();
            let sql = format!(
                "INSERT INTO customers (external_id, created_at) VALUES {} RETURNING id, external_id",
                placeholders(self.is_sqlite(), missing.len(), 2)
            );
            let created = self.id_rows(sql, &binds).await?;
            self.created_customers += created.len() as u64;
            self.ids.extend(created.into_iter().map(|(i, e)| (e, i)));
        }
        Ok(())
    }

    /// The internal id of a customer resolved by [`resolve_customers`](Self::resolve_customers).
    fn id_of(&self, external: &str) -> i64 {
        self.ids[external]
    }

    /// Insert or update customers; `columns` names the built-in columns present in the file.
    pub async fn upsert_customers(
        &mut self,
        columns: &[&'static str],
        rows: Vec<CustomerRow>,
    ) -> Result<(), StoreError> {
        // The same customer twice in a batch: the later row's values win, in file order
        // (PostgreSQL refuses to upsert one row twice in a statement); its blanks keep what the
        // earlier row said, as they keep what is stored.
        let mut at: HashMap<String, usize> = HashMap::with_capacity(rows.len());
        let mut kept: Vec<CustomerRow> = Vec::with_capacity(rows.len());
        for r in rows {
            match at.get(&r.external_id) {
                Some(&i) => merge_customer(&mut kept[i], r),
                None => {
                    at.insert(r.external_id.clone(), kept.len());
                    kept.push(r);
                }
            }
        }
        let rows = kept;
        let cols: Vec<&str> = std::iter::once("external_id")
            .chain(columns.iter().copied())
            .chain(std::iter::once("created_at"))
            .collect();
        let set = if columns.is_empty() {
            "external_id = excluded.external_id".to_string()
        } else {
            columns
                .iter()
                // A blank cell (NULL) keeps the stored value: a file updates what it says.
                .map(|c| format!("{c} = COALESCE(excluded.{c}, customers.{c})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let now = super::now();
        let mut ids = HashMap::new();
        for part in rows.chunks(500) {
            let binds: Vec<Bind> = part
                .iter()
                .flat_map(|r| {
                    std::iter::once(Bind::Text(Some(r.external_id.clone())))
                        .chain(r.values.iter().cloned())
                        .chain(std::iter::once(Bind::Int(Some(now))))
                })
                .collect();
            let sql = format!(
                "INSERT INTO customers ({}) VALUES {} ON CONFLICT (external_id) DO UPDATE SET {set} RETURNING id, external_id",
                cols.join(", "),
                placeholders(self.is_sqlite(), part.len(), cols.len())
            );
            ids.extend(
                self.id_rows(sql, &binds)
                    .await?
                    .into_iter()
                    .map(|(i, e)| (e, i)),
            );
        }
        let attrs: Vec<Bind> = rows
            .iter()
            .flat_map(|r| {
                let id = ids[&r.external_id];
                let said = r
                    .attributes
                    .iter()
                    .filter(|(_, num, text)| num.is_some() || text.is_some());
                said.flat_map(move |(n, num, text)| {
                    [
                        Bind::Int(Some(id)),
                        Bind::Text(Some(n.clone())),
                        Bind::Float(*num),
                        Bind::Text(text.clone()),
                    ]
                })
            })
            .collect();
        for part in attrs.chunks(4 * 1000) {
            let sql = format!(
                "INSERT INTO customer_attributes (customer_id, name, num_value, text_value) VALUES {} ON CONFLICT (customer_id, name) DO UPDATE SET num_value = excluded.num_value, text_value = excluded.text_value",
                placeholders(self.is_sqlite(), part.len() / 4, 4)
            );
            self.run(sql, part).await?;
        }
        Ok(())
    }

    /// Insert or update orders (same key = same order; the last row of a key wins). On
    /// PostgreSQL they are staged and merged by [`merge_staged`](Self::merge_staged).
    pub async fn upsert_orders(&mut self, rows: Vec<OrderRow>) -> Result<(), StoreError> {
        if let Tx::Postgres(t) = &mut self.tx.tx {
            self.created_customers += self.staged_orders.copy(t, &rows, super::now()).await?;
            return Ok(());
        }
        self.resolve_customers(&rows.iter().map(|r| r.customer.as_str()).collect::<Vec<_>>())
            .await?;
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut keep: Vec<&OrderRow> = Vec::with_capacity(rows.len());
        for r in &rows {
            match seen.get(r.key.as_str()) {
                Some(&i) => keep[i] = r,
                None => {
                    seen.insert(&r.key, keep.len());
                    keep.push(r);
                }
            }
        }
        for part in keep.chunks(ROWS_PER_INSERT) {
            let binds: Vec<Bind> = part
                .iter()
                .flat_map(|r| {
                    [
                        Bind::Text(Some(r.key.clone())),
                        Bind::Int(Some(self.id_of(&r.customer))),
                        Bind::Int(Some(r.occurred_at)),
                        Bind::Float(Some(r.amount)),
                        Bind::Int(r.quantity),
                    ]
                })
                .collect();
            let sql = format!(
                "INSERT INTO orders (order_key, customer_id, occurred_at, amount, quantity) VALUES {} ON CONFLICT (order_key) DO UPDATE SET customer_id = excluded.customer_id, occurred_at = excluded.occurred_at, amount = excluded.amount, quantity = excluded.quantity",
                placeholders(self.is_sqlite(), part.len(), 5)
            );
            self.run(sql, &binds).await?;
        }
        Ok(())
    }

    /// Insert events; an event already imported (same key) is left as it is. On PostgreSQL they
    /// are staged and merged by [`merge_staged`](Self::merge_staged).
    pub async fn upsert_events(&mut self, rows: Vec<EventRow>) -> Result<(), StoreError> {
        if let Tx::Postgres(t) = &mut self.tx.tx {
            self.created_customers += self.staged_events.copy(t, &rows, super::now()).await?;
            return Ok(());
        }
        self.resolve_customers(&rows.iter().map(|r| r.customer.as_str()).collect::<Vec<_>>())
            .await?;
        for part in rows.chunks(ROWS_PER_INSERT) {
            let binds: Vec<Bind> = part
                .iter()
                .flat_map(|r| {
                    [
                        Bind::Text(Some(r.key.clone())),
                        Bind::Int(Some(self.id_of(&r.customer))),
                        Bind::Text(Some(r.name.clone())),
                        Bind::Int(Some(r.occurred_at)),
                        Bind::Text(r.properties.clone()),
                    ]
                })
                .collect();
            let sql = format!(
                "INSERT INTO events (event_key, customer_id, name, occurred_at, properties) VALUES {} ON CONFLICT (event_key) DO NOTHING",
                placeholders(self.is_sqlite(), part.len(), 5)
            );
            self.run(sql, &binds).await?;
        }
        Ok(())
    }

    /// Record custom attribute specs (type and categorical values).
    pub async fn upsert_attribute_specs(
        &mut self,
        specs: &[AttributeSpec],
    ) -> Result<(), StoreError> {
        for s in specs {
            let binds = [
                Bind::Text(Some(s.name.clone())),
                Bind::Text(Some(type_label(s.ty).into())),
                Bind::Text(Some(s.column.clone())),
                Bind::Text(Some(
                    serde_json::to_string(&s.values).expect("strings serialize"),
                )),
            ];
            let sql = "INSERT INTO attributes (name, ty, column_name, categorical_values) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET ty = excluded.ty, column_name = excluded.column_name, categorical_values = excluded.categorical_values";
            self.run(sql.to_string(), &binds).await?;
        }
        Ok(())
    }

    /// The attribute specs already recorded (to merge categorical values across files).
    pub async fn attribute_specs(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(
            on_tx!(self, t => sqlx::query_as("SELECT name, categorical_values FROM attributes").fetch_all(&mut **t).await?),
        )
    }

    /// Keep which header filled each built-in field, merged with earlier imports' (the
    /// interpreter speaks the data's own nouns; see [`crate::domain::sources`]).
    pub async fn note_headers(
        &mut self,
        kind: &str,
        mapped: Vec<(String, String)>,
    ) -> Result<(), StoreError> {
        let old: Option<(String,)> = on_tx!(self, t => sqlx::query_as("SELECT value FROM store_state WHERE key = 'source_headers'").fetch_optional(&mut **t).await?);
        let mut sources: crate::domain::sources::Sources = old
            .and_then(|(v,)| serde_json::from_str(&v).ok())
            .unwrap_or_default();
        sources.add(kind, mapped);
        let json = serde_json::to_string(&sources).expect("headers serialize");
        self.run("INSERT INTO store_state (key, value) VALUES ('source_headers', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value".into(), &[Bind::Text(Some(json))])
            .await?;
        Ok(())
    }

    /// Log the import and mark the time, in the same transaction.
    pub async fn record(
        &mut self,
        kind: &str,
        file: &str,
        read: u64,
        written: u64,
        rejected: u64,
    ) -> Result<(), StoreError> {
        let now = super::now();
        let binds = [
            Bind::Text(Some(kind.into())),
            Bind::Text(Some(file.into())),
            Bind::Int(Some(read as i64)),
            Bind::Int(Some(written as i64)),
            Bind::Int(Some(rejected as i64)),
            Bind::Int(Some(now)),
        ];
        self.run("INSERT INTO imports (kind, file_name, rows_read, rows_written, rows_rejected, finished_at) VALUES ($1, $2, $3, $4, $5, $6)".into(), &binds)
            .await?;
        let binds = [Bind::Text(Some(now.to_string()))];
        self.run("INSERT INTO store_state (key, value) VALUES ('last_import_at', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value".into(), &binds)
            .await?;
        Ok(())
    }

    /// Insert many attribute values of attributes that hold none yet (a score just cleared), in
    /// the order given (by attribute, then customer, appends to the table's key order).
    /// SQLite steps one prepared statement per row through its C API; PostgreSQL takes them by
    /// `COPY`.
    pub(super) async fn insert_attribute_values<'a>(
        &mut self,
        rows: impl Iterator<Item = AttributeValue<'a>>,
    ) -> Result<(), StoreError> {
        match &mut self.tx.tx {
            Tx::Sqlite(t) => {
                let sql = "INSERT INTO customer_attributes (customer_id, name, num_value, text_value) VALUES (?1, ?2, ?3, ?4)";
                super::sqlite_scan::with_conn(t, |db| {
                    db.execute_each(sql, rows, |s, (id, name, num, text)| {
                        s.bind_int(1, id)?;
                        s.bind_text(2, Some(name))?;
                        s.bind_real(3, num)?;
                        s.bind_text(4, text)
                    })
                })
                .await
            }
            Tx::Postgres(t) => {
                let mut copy = t.copy_in_raw("COPY customer_attributes (customer_id, name, num_value, text_value) FROM STDIN").await?;
                let mut buf = Vec::with_capacity(1 << 20);
                for row in rows {
                    encode_attribute(&mut buf, row);
                    if buf.len() >= 1 << 20 {
                        copy.send(std::mem::take(&mut buf)).await?;
                    }
                }
                copy.send(buf).await?;
                copy.finish().await?;
                Ok(())
            }
        }
    }

    /// Before loading about `expected` orders: see [`plan_bulk`](Self::plan_bulk).
    pub async fn plan_orders(&mut self, expected: u64) -> Result<(), StoreError> {
        self.plan_bulk(&bulk::ORDERS, expected).await
    }

    /// Before loading about `expected` events: see [`plan_bulk`](Self::plan_bulk).
    pub async fn plan_events(&mut self, expected: u64) -> Result<(), StoreError> {
        self.plan_bulk(&bulk::EVENTS, expected).await
    }

    /// When a load is at least as large as the table (a first load, a backfill), drop the table's
    /// per-customer index (and on PostgreSQL its key index too), so that rows are not inserted
    /// into them one by one in random order; [`merge_staged`](Self::merge_staged) builds them
    /// again in one sorted pass. PostgreSQL's readers of the table wait for the import's commit
    /// meanwhile; SQLite's keep reading the last committed state.
    async fn plan_bulk(&mut self, spec: &'static Spec, expected: u64) -> Result<(), StoreError> {
        if expected < BULK_MIN_ROWS || self.dropped.iter().any(|d| std::ptr::eq(*d, spec)) {
            return Ok(());
        }
        let (held,): (Option<i64>,) =
            on_tx!(self, t => sqlx::query_as(spec.max_id).fetch_one(&mut **t).await?);
        if held.unwrap_or(0) as u64 > expected {
            return Ok(());
        }
        if !self.is_sqlite() {
            // Customers before the table, in the order the merge takes them: two imports never
            // wait for each other crosswise.
            self.run(bulk::LOCK_CUSTOMERS.into(), &[]).await?;
        }
        self.run(spec.drop_index.into(), &[]).await?;
        if !self.is_sqlite() {
            self.run(spec.drop_key.into(), &[]).await?;
        }
        self.dropped.push(spec);
        Ok(())
    }

    /// Merge the rows staged so far (PostgreSQL) into their tables and rebuild what a bulk load
    /// dropped, so the transaction can be read and committed.
    pub async fn merge_staged(&mut self) -> Result<(), StoreError> {
        if let Tx::Postgres(t) = &mut self.tx.tx {
            let now = super::now();
            self.created_customers += self.staged_orders.merge(t, &bulk::ORDERS, now).await?;
            self.created_customers += self.staged_events.merge(t, &bulk::EVENTS, now).await?;
        }
        for spec in std::mem::take(&mut self.dropped) {
            if !self.is_sqlite() {
                self.run(spec.add_key.into(), &[]).await?;
            }
            self.run(spec.create_index.into(), &[]).await?;
        }
        Ok(())
    }

    pub async fn commit(mut self) -> Result<(), StoreError> {
        self.merge_staged().await?;
        self.tx.commit().await
    }
}
