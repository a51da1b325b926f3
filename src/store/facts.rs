//! Precomputed per-customer facts (`customer_facts`): lifetime revenue, order count, average
//! order value, items, first/last order, last activity. Recomputed after every import, so
//! previews read one row per customer instead of aggregating millions of orders.

use super::{Store, StoreError, on_pool};
use crate::domain::compile::Dialect;

const FACTS_SQL: &str = "INSERT INTO customer_facts (customer_id, lifetime_revenue, order_count, average_order_value, items_bought, first_order_at, last_order_at, last_event_at, last_activity_at)
SELECT c.id, COALESCE(o.rev, 0), COALESCE(o.cnt, 0), CASE WHEN o.cnt > 0 THEN o.rev / o.cnt END, COALESCE(o.items, 0), o.first_at, o.last_at, e.last_at, GREATEST_FN(COALESCE(o.last_at, e.last_at), COALESCE(e.last_at, o.last_at))
FROM customers c
LEFT JOIN (SELECT customer_id, SUM(amount) AS rev, COUNT(*) AS cnt, SUM(quantity) AS items, MIN(occurred_at) AS first_at, MAX(occurred_at) AS last_at FROM orders GROUP BY customer_id) o ON o.customer_id = c.id
LEFT JOIN (SELECT customer_id, MAX(occurred_at) AS last_at FROM events GROUP BY customer_id) e ON e.customer_id = c.id";

impl Store {
    /// Recompute every customer's facts and the data's latest times, in one transaction.
    pub async fn refresh_facts(&self) -> Result<(), StoreError> {
        let greatest = if self.dialect() == Dialect::Sqlite { "MAX" } else { "GREATEST" };
        let sql = FACTS_SQL.replace("GREATEST_FN", greatest);
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM customer_facts").execute(&mut *tx).await?;
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        // Fresh statistics let the planners use the facts indexes; on SQLite, folding the
        // write-ahead log back into the database keeps reads from walking a huge WAL.
        match self.dialect() {
            Dialect::Postgres => on_pool!(self, p => sqlx::query("ANALYZE").execute(p).await.map(|_| ())?),
            Dialect::Sqlite => on_pool!(self, p => {
                sqlx::query("ANALYZE").execute(p).await?;
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(p).await.map(|_| ())?
            }),
        }
        let latest: (Option<i64>, Option<i64>) =
            on_pool!(self, p => sqlx::query_as("SELECT MAX(last_order_at), MAX(last_event_at) FROM customer_facts").fetch_one(p).await?);
        let names: Vec<(String,)> = on_pool!(self, p => sqlx::query_as("SELECT DISTINCT name FROM events ORDER BY name").fetch_all(p).await?);
        let names: Vec<String> = names.into_iter().map(|r| r.0).collect();
        self.set_state("latest_order_at", &latest.0.map(|x| x.to_string()).unwrap_or_default()).await?;
        self.set_state("latest_event_at", &latest.1.map(|x| x.to_string()).unwrap_or_default()).await?;
        self.set_state("event_names", &serde_json::to_string(&names).expect("names serialize")).await?;
        Ok(())
    }

    /// The latest order or event time, if any data exists.
    pub async fn latest_data_at(&self) -> Result<Option<i64>, StoreError> {
        let f = self.freshness().await?;
        Ok(f.latest_order_at.max(f.latest_event_at))
    }
}
