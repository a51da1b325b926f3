//! The writes and reads of an ingested batch beyond the importer's: the internal ids of the
//! customers a batch names, their facts recomputed alone (the importer recomputes everyone's),
//! the data's latest times and event names merged with the batch's, and those customers' rows
//! read back for the in-memory copy.

use sqlx::Row;

use super::super::facts::FACTS_SQL;
use super::super::{Bind, Store, StoreError, bind_all, on_pool};
use super::{ImportTx, Tx};
use crate::domain::columnar::delta::Changed;

/// Customers per statement: three lists of them stay well inside both databases' bound-value limits.
const CHUNK: usize = 500;

/// `($from, …, $from+n-1)`: numbered parameters, which both databases accept.
fn list(from: usize, n: usize) -> String {
    let items: Vec<String> = (from..from + n).map(|i| format!("${i}")).collect();
    format!("({})", items.join(", "))
}

fn ints(ids: &[i64]) -> Vec<Bind> {
    ids.iter().map(|i| Bind::Int(Some(*i))).collect()
}

/// What a batch changed in the data's summary (`store_state`).
#[derive(Debug, Clone, Default)]
pub struct IngestMarks {
    pub latest_order_at: Option<i64>,
    pub latest_event_at: Option<i64>,
    pub event_names: Vec<String>,
}

impl ImportTx {
    /// Internal ids of customers named by external id (after the rows naming them were written).
    pub async fn customer_ids(&mut self, external: &[String]) -> Result<Vec<i64>, StoreError> {
        self.merge_staged().await?;
        let mut out = Vec::with_capacity(external.len());
        for part in external.chunks(CHUNK) {
            let binds: Vec<Bind> = part.iter().map(|e| Bind::Text(Some(e.clone()))).collect();
            let sql = format!(
                "SELECT id, external_id FROM customers WHERE external_id IN {}",
                list(1, part.len())
            );
            out.extend(self.id_rows(sql, &binds).await?.into_iter().map(|r| r.0));
        }
        out.sort_unstable();
        Ok(out)
    }

    /// Recompute the facts of these customers only, by the importer's own definition of them.
    pub async fn refresh_facts_of(&mut self, ids: &[i64]) -> Result<(), StoreError> {
        let greatest = if self.is_sqlite() { "MAX" } else { "GREATEST" };
        for part in ids.chunks(CHUNK) {
            let n = part.len();
            self.run(
                format!(
                    "DELETE FROM customer_facts WHERE customer_id IN {}",
                    list(1, n)
                ),
                &ints(part),
            )
            .await?;
            let sql = FACTS_SQL
                .replace("GREATEST_FN", greatest)
                .replace(
                    "FROM orders GROUP BY",
                    &format!("FROM orders WHERE customer_id IN {} GROUP BY", list(1, n)),
                )
                .replace(
                    "FROM events GROUP BY",
                    &format!(
                        "FROM events WHERE customer_id IN {} GROUP BY",
                        list(n + 1, n)
                    ),
                )
                + &format!(" WHERE c.id IN {}", list(2 * n + 1, n));
            let binds: Vec<Bind> = [ints(part), ints(part), ints(part)].concat();
            self.run(sql, &binds).await?;
        }
        Ok(())
    }

    /// Merge the batch's latest times and event names into the data's summary, and mark the time.
    pub async fn note_ingest(&mut self, marks: &IngestMarks) -> Result<(), StoreError> {
        let read = |k: &'static str| format!("SELECT value FROM store_state WHERE key = '{k}'");
        let mut state = Vec::new();
        for (key, new) in [
            ("latest_order_at", marks.latest_order_at),
            ("latest_event_at", marks.latest_event_at),
        ] {
            let old: Option<i64> = self.text(read(key)).await?.and_then(|v| v.parse().ok());
            if let Some(t) = new.into_iter().chain(old).max() {
                state.push((key, t.to_string()));
            }
        }
        if !marks.event_names.is_empty() {
            let old = self.text(read("event_names")).await?;
            let mut names: Vec<String> = old
                .and_then(|v| serde_json::from_str(&v).ok())
                .unwrap_or_default();
            names.extend(marks.event_names.iter().cloned());
            names.sort();
            names.dedup();
            state.push((
                "event_names",
                serde_json::to_string(&names).expect("names serialize"),
            ));
        }
        state.push(("last_import_at", super::super::now().to_string()));
        self.set_states(state).await
    }

    async fn text(&mut self, sql: String) -> Result<Option<String>, StoreError> {
        let sql = sqlx::AssertSqlSafe(sql);
        Ok(match &mut self.tx.tx {
            Tx::Sqlite(t) => sqlx::query_scalar(sql).fetch_optional(&mut **t).await?,
            Tx::Postgres(t) => sqlx::query_scalar(sql).fetch_optional(&mut **t).await?,
        })
    }
}

impl Store {
    /// These customers as they are now, with all their orders and events, for the in-memory copy.
    /// A customer an ingested row created holds nothing but its external id, so only an
    /// `external_id` entry of the suppression list can name it.
    pub async fn changed_customers(&self, ids: &[i64]) -> Result<Vec<Changed>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for part in ids.chunks(CHUNK) {
            let l = list(1, part.len());
            let people = format!(
                "SELECT c.id, c.external_id, CAST(CASE WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.kind = 'external_id' AND s.value = c.external_id) THEN 1 ELSE 0 END AS BIGINT) FROM customers c WHERE c.id IN {l} ORDER BY c.id"
            );
            let orders = format!(
                "SELECT customer_id, occurred_at, amount, quantity FROM orders WHERE customer_id IN {l}"
            );
            let events = format!(
                "SELECT customer_id, occurred_at, name FROM events WHERE customer_id IN {l}"
            );
            let b = ints(part);
            let (p, o, e) = on_pool!(self, pool => {
                let p = bind_all!(sqlx::query(sqlx::AssertSqlSafe(people)), &b).fetch_all(pool).await?
                    .iter().map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?, r.try_get::<i64, _>(2)? == 1)))
                    .collect::<Result<Vec<_>, sqlx::Error>>()?;
                let o = bind_all!(sqlx::query(sqlx::AssertSqlSafe(orders)), &b).fetch_all(pool).await?
                    .iter().map(|r| Ok((r.try_get::<i64, _>(0)?, (r.try_get::<i64, _>(1)?, r.try_get::<f64, _>(2)?, r.try_get::<Option<i64>, _>(3)?.map_or(f64::NAN, |q| q as f64)))))
                    .collect::<Result<Vec<_>, sqlx::Error>>()?;
                let e = bind_all!(sqlx::query(sqlx::AssertSqlSafe(events)), &b).fetch_all(pool).await?
                    .iter().map(|r| Ok((r.try_get::<i64, _>(0)?, (r.try_get::<i64, _>(1)?, r.try_get::<String, _>(2)?))))
                    .collect::<Result<Vec<_>, sqlx::Error>>()?;
                (p, o, e)
            });
            out.extend(assemble(p, o, e));
        }
        Ok(out)
    }
}

type OrderOf = (i64, (i64, f64, f64));
type EventOf = (i64, (i64, String));

/// Each customer with its own orders and events.
fn assemble(people: Vec<(i64, String, bool)>, o: Vec<OrderOf>, e: Vec<EventOf>) -> Vec<Changed> {
    let mut out: Vec<Changed> = people
        .into_iter()
        .map(|(id, external_id, suppressed)| Changed {
            id,
            external_id,
            suppressed,
            orders: Vec::new(),
            events: Vec::new(),
        })
        .collect();
    let at = |out: &[Changed], id: i64| out.binary_search_by_key(&id, |c| c.id).ok();
    for (id, row) in o {
        if let Some(i) = at(&out, id) {
            out[i].orders.push(row);
        }
    }
    for (id, row) in e {
        if let Some(i) = at(&out, id) {
            out[i].events.push(row);
        }
    }
    out
}
