//! Precomputed per-customer facts (`customer_facts`): lifetime revenue, order count, average
//! order value, items, first/last order, last activity. Recomputed after every import, so
//! previews read one row per customer instead of aggregating millions of orders.

use super::{Bind, ImportTx, Store, StoreError, on_pool};
use crate::domain::compile::Dialect;

pub(super) const FACTS_SQL: &str = "INSERT INTO customer_facts (customer_id, lifetime_revenue, order_count, average_order_value, items_bought, first_order_at, last_order_at, last_event_at, last_activity_at)
SELECT c.id, COALESCE(o.rev, 0), COALESCE(o.cnt, 0), CASE WHEN o.cnt > 0 THEN o.rev / o.cnt END, COALESCE(o.items, 0), o.first_at, o.last_at, e.last_at, GREATEST_FN(COALESCE(o.last_at, e.last_at), COALESCE(e.last_at, o.last_at))
FROM customers c
LEFT JOIN (SELECT customer_id, SUM(amount) AS rev, COUNT(*) AS cnt, SUM(quantity) AS items, MIN(occurred_at) AS first_at, MAX(occurred_at) AS last_at FROM orders GROUP BY customer_id) o ON o.customer_id = c.id
LEFT JOIN (SELECT customer_id, MAX(occurred_at) AS last_at FROM events GROUP BY customer_id) e ON e.customer_id = c.id";

/// The facts' secondary indexes. The facts are rebuilt whole, so the indexes are dropped and built
/// again after, in one sorted pass each: 100,000 rows inserted into five B-trees at once took
/// 0.83 s on PostgreSQL, 0.61 s with the four built after. (PostgreSQL's readers of the facts
/// wait for the import's commit meanwhile; SQLite's read the last committed state.)
const FACTS_INDEXES: [(&str, &str); 4] = [
    ("customer_facts_revenue", "lifetime_revenue"),
    ("customer_facts_orders", "order_count"),
    ("customer_facts_last_order", "last_order_at"),
    ("customer_facts_last_activity", "last_activity_at"),
];

impl ImportTx {
    /// Recompute every customer's facts, the data's latest times and the event names inside the
    /// import's transaction, so readers never see new rows with stale facts.
    pub async fn refresh_facts(&mut self) -> Result<(), StoreError> {
        self.merge_staged().await?;
        let greatest = if self.is_sqlite() { "MAX" } else { "GREATEST" };
        for (index, _) in FACTS_INDEXES {
            self.run(format!("DROP INDEX {index}"), &[]).await?;
        }
        self.run("DELETE FROM customer_facts".into(), &[]).await?;
        self.run(FACTS_SQL.replace("GREATEST_FN", greatest), &[])
            .await?;
        for (index, column) in FACTS_INDEXES {
            self.run(
                format!("CREATE INDEX {index} ON customer_facts ({column})"),
                &[],
            )
            .await?;
        }
        let (order, event) = self.latest_times().await?;
        let names = self.event_names().await?;
        let state = [
            (
                "latest_order_at",
                order.map(|x| x.to_string()).unwrap_or_default(),
            ),
            (
                "latest_event_at",
                event.map(|x| x.to_string()).unwrap_or_default(),
            ),
            (
                "event_names",
                serde_json::to_string(&names).expect("names serialize"),
            ),
        ];
        self.set_states(state).await
    }

    /// Write `(key, value)` pairs of the data's summary (`store_state`).
    pub(super) async fn set_states(
        &mut self,
        state: impl IntoIterator<Item = (&'static str, String)>,
    ) -> Result<(), StoreError> {
        for (k, v) in state {
            let sql = "INSERT INTO store_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
            self.run(
                sql.into(),
                &[Bind::Text(Some(k.into())), Bind::Text(Some(v))],
            )
            .await?;
        }
        Ok(())
    }
}

impl Store {
    /// Recompute facts in a transaction of their own (after writes made outside an import).
    pub async fn refresh_facts(&self) -> Result<(), StoreError> {
        let mut tx = self.begin_import().await?;
        tx.refresh_facts().await?;
        tx.commit().await?;
        self.optimize().await
    }

    /// After large writes: fresh statistics let the planners use the facts indexes; on SQLite,
    /// folding the write-ahead log back into the database keeps reads from walking a huge WAL.
    pub async fn optimize(&self) -> Result<(), StoreError> {
        match self.dialect() {
            Dialect::Postgres => {
                on_pool!(self, p => sqlx::query("ANALYZE").execute(p).await.map(|_| ())?)
            }
            Dialect::Sqlite => on_pool!(self, p => {
                sqlx::query("ANALYZE").execute(p).await?;
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(p).await.map(|_| ())?
            }),
        }
        Ok(())
    }

    /// The latest order or event time, if any data exists.
    pub async fn latest_data_at(&self) -> Result<Option<i64>, StoreError> {
        let f = self.freshness().await?;
        Ok(f.latest_order_at.max(f.latest_event_at))
    }
}
