//! PostgreSQL's bulk path for orders: each batch is streamed with `COPY … FROM STDIN` into a
//! temporary table, and everything staged is merged into `orders` by one
//! `INSERT … SELECT … ON CONFLICT` before the transaction is read (facts refresh) or committed.
//! One set-based merge lets the server sort once and create the named customers in one
//! statement, instead of planning, index-probing and resolving ids batch by batch.

use sqlx::PgConnection;

use super::OrderRow;
use crate::store::StoreError;

/// Dropped with the transaction, so an import that fails leaves nothing behind.
const CREATE: &str = "CREATE TEMP TABLE import_orders (seq bigint GENERATED ALWAYS AS IDENTITY, order_key text NOT NULL, customer text NOT NULL,
 occurred_at bigint NOT NULL, amount float8 NOT NULL, quantity bigint) ON COMMIT DROP";

const COPY: &str = "COPY import_orders (order_key, customer, occurred_at, amount, quantity) FROM STDIN";

const NEW_CUSTOMERS: &str =
    "INSERT INTO customers (external_id, created_at) SELECT DISTINCT customer, $1::bigint FROM import_orders ON CONFLICT (external_id) DO NOTHING";

/// The last row of a key wins (file order, `seq`); an order that did not change is not
/// rewritten, so re-importing a file leaves the table as it was.
const MERGE: &str = "INSERT INTO orders (order_key, customer_id, occurred_at, amount, quantity)
 SELECT DISTINCT ON (s.order_key) s.order_key, c.id, s.occurred_at, s.amount, s.quantity
 FROM import_orders s JOIN customers c ON c.external_id = s.customer
 ORDER BY s.order_key, s.seq DESC
 ON CONFLICT (order_key) DO UPDATE SET customer_id = excluded.customer_id, occurred_at = excluded.occurred_at, amount = excluded.amount, quantity = excluded.quantity
 WHERE (orders.customer_id, orders.occurred_at, orders.amount, orders.quantity) IS DISTINCT FROM (excluded.customer_id, excluded.occurred_at, excluded.amount, excluded.quantity)";

/// Orders staged in this transaction and not yet merged.
#[derive(Debug, Default)]
pub(super) struct Staged {
    created: bool,
    pending: bool,
}

impl Staged {
    /// Stream one batch into the staging table.
    pub(super) async fn copy_orders(&mut self, conn: &mut PgConnection, rows: &[OrderRow]) -> Result<(), StoreError> {
        if !self.created {
            sqlx::query(CREATE).execute(&mut *conn).await?;
            self.created = true;
        }
        let mut buf = Vec::with_capacity(rows.len() * 64);
        for r in rows {
            encode_order(&mut buf, r);
        }
        let mut copy = conn.copy_in_raw(COPY).await?;
        copy.send(buf).await?;
        copy.finish().await?;
        self.pending = true;
        Ok(())
    }

    /// Merge what is staged; returns the customers created because an order named them.
    pub(super) async fn merge(&mut self, conn: &mut PgConnection, now: i64) -> Result<u64, StoreError> {
        if !self.pending {
            return Ok(0);
        }
        // Enough memory for the merge's sort, the index rebuild and the facts' aggregates to
        // stay off disk, for this transaction only.
        sqlx::query("SET LOCAL work_mem = '256MB'").execute(&mut *conn).await?;
        sqlx::query("SET LOCAL maintenance_work_mem = '256MB'").execute(&mut *conn).await?;
        let created = sqlx::query(NEW_CUSTOMERS).bind(now).execute(&mut *conn).await?.rows_affected();
        sqlx::query(MERGE).execute(&mut *conn).await?;
        sqlx::query("TRUNCATE import_orders").execute(&mut *conn).await?;
        self.pending = false;
        Ok(created)
    }
}

/// One row of COPY's text format: tab-separated, `\N` for null, a newline at the end.
fn encode_order(buf: &mut Vec<u8>, r: &OrderRow) {
    use std::io::Write;
    text(buf, &r.key);
    buf.push(b'\t');
    text(buf, &r.customer);
    // Writing into a Vec cannot fail; f64's Display is exact and never uses an exponent.
    let _ = write!(buf, "\t{}\t{}\t", r.occurred_at, r.amount);
    match r.quantity {
        Some(q) => {
            let _ = write!(buf, "{q}");
        }
        None => buf.extend_from_slice(b"\\N"),
    }
    buf.push(b'\n');
}

/// A text value with COPY's escapes for backslash, tab, newline and carriage return.
fn text(buf: &mut Vec<u8>, s: &str) {
    for &b in s.as_bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_rows_escape_separators_and_write_blank_quantities_as_null() {
        let mut buf = Vec::new();
        let row = OrderRow { key: "id:a\tb\\c\nd".into(), customer: "x\ry".into(), occurred_at: -5, amount: 12.5, quantity: None };
        encode_order(&mut buf, &row);
        assert_eq!(String::from_utf8(buf).unwrap(), "id:a\\tb\\\\c\\nd\tx\\ry\t-5\t12.5\t\\N\n");
    }

    #[test]
    fn copy_rows_write_large_amounts_without_an_exponent() {
        let mut buf = Vec::new();
        encode_order(&mut buf, &OrderRow { key: "k".into(), customer: "c".into(), occurred_at: 1, amount: 1e21, quantity: Some(3) });
        assert_eq!(String::from_utf8(buf).unwrap(), "k\tc\t1\t1000000000000000000000\t3\n");
    }
}
