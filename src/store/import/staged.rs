//! PostgreSQL's bulk path for orders and events: each batch is streamed with `COPY … FROM STDIN`
//! into a temporary table, and everything staged is merged into its table by a few set-based
//! statements before the transaction is read (facts refresh) or committed: one creates the
//! customers the file names, one rewrites the orders that changed, one inserts the new rows.
//!
//! Rows name their customer by a small number; each customer's text id is staged once, in a
//! second table. The importer finds the distinct customers while the server is busy with the
//! previous batch, and the merge joins the rows on an integer (about 0.6 s less for 1,000,000
//! orders of 100,000 customers than a `DISTINCT` over the rows and a join on the text id).
//!
//! The new rows are found by an anti-join and written by a plain `INSERT … SELECT`: that costs
//! about half of `INSERT … ON CONFLICT`, whose speculative insertion probes and locks the key
//! index row by row. The table is locked against other writers (readers go on) so no other
//! transaction can insert the same key in between.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

use foldhash::fast::FixedState;

use sqlx::PgConnection;

use super::bulk::Spec;
use super::{EventRow, OrderRow};
use crate::store::StoreError;

/// Keys remembered per staging table to tell whether a key was staged twice: about 70 MB at most.
/// Past that, duplicates are looked for by the server instead.
const KEYS_TRACKED: usize = 4_000_000;

/// Seed of the key hashes: a different one from the tables' own, so a key's hash is not also its
/// bucket.
const KEY_SEED: u64 = 0x5e67_7269_6768_7431;

/// Customers numbered per staging table before what is staged is merged early, which keeps the
/// importer's memory bounded (about 100 MB) whatever the file holds.
const CUSTOMERS_TRACKED: usize = 1_500_000;

/// Staged lines are sent once this many bytes wait (about 100,000 orders): each `COPY` costs
/// round trips, and 200 batches of 5,000 rows paid them 400 times per million rows.
const FLUSH_BYTES: usize = 4 << 20;

/// A row that can be staged: its key, its customer and its line of COPY's text format.
pub(super) trait Stageable {
    /// The table it goes to.
    const SPEC: &'static Spec;
    fn key(&self) -> &str;
    fn customer(&self) -> &str;
    /// One line: `seq` (staging order, to tell which row of a key wins), the key, the customer's
    /// staging number, then the row's other columns.
    fn encode(&self, seq: i64, customer: i32, buf: &mut Vec<u8>);
}

/// What is staged for one table in this transaction and not merged yet.
#[derive(Debug, Default)]
pub(super) struct Stage {
    created: bool,
    /// Rows staged since the last merge.
    rows: i64,
    /// Hashes of the keys staged since the last merge, while fewer than [`KEYS_TRACKED`].
    keys: HashSet<u64, FixedState>,
    /// A key may have been staged twice (or too many keys to tell): the merge must deduplicate.
    maybe_duplicates: bool,
    /// The staging number of each customer named since the last merge.
    customers: HashMap<Box<str>, i32, FixedState>,
    /// COPY lines not sent yet: rows, and customers numbered.
    lines: Vec<u8>,
    named: Vec<u8>,
}

impl Stage {
    /// Stage one batch (sent to the staging tables in large pieces); returns the customers
    /// created when what was staged had to be merged first (see [`CUSTOMERS_TRACKED`]).
    pub(super) async fn copy<R: Stageable>(
        &mut self,
        conn: &mut PgConnection,
        rows: &[R],
        now: i64,
    ) -> Result<u64, StoreError> {
        let created = if self.customers.len() >= CUSTOMERS_TRACKED {
            self.merge(conn, R::SPEC, now).await?
        } else {
            0
        };
        let mut lines = std::mem::take(&mut self.lines);
        let mut named = std::mem::take(&mut self.named);
        for r in rows {
            self.remember(r.key());
            self.rows += 1;
            let no = self.number(r.customer(), &mut named);
            r.encode(self.rows, no, &mut lines);
        }
        (self.lines, self.named) = (lines, named);
        if self.lines.len() >= FLUSH_BYTES {
            self.flush(conn, R::SPEC).await?;
        }
        Ok(created)
    }

    /// Send the lines waiting, customers first.
    async fn flush(&mut self, conn: &mut PgConnection, spec: &Spec) -> Result<(), StoreError> {
        if !self.created {
            sqlx::query(spec.create_staging).execute(&mut *conn).await?;
            sqlx::query(spec.create_customer_staging)
                .execute(&mut *conn)
                .await?;
            self.created = true;
        }
        for (sql, lines) in [
            (spec.copy_customers, &mut self.named),
            (spec.copy, &mut self.lines),
        ] {
            if !lines.is_empty() {
                let mut copy = conn.copy_in_raw(sql).await?;
                copy.send(std::mem::take(lines)).await?;
                copy.finish().await?;
            }
        }
        Ok(())
    }

    /// The staging number of `customer`; a customer not numbered yet gets the next one and a line
    /// in `named` for the customers' staging table.
    fn number(&mut self, customer: &str, named: &mut Vec<u8>) -> i32 {
        if let Some(&no) = self.customers.get(customer) {
            return no;
        }
        // Below CUSTOMERS_TRACKED per merge, so it fits.
        let no = self.customers.len() as i32 + 1;
        self.customers.insert(customer.into(), no);
        use std::io::Write;
        let _ = write!(named, "{no}\t");
        text(named, customer);
        named.push(b'\n');
        no
    }

    fn remember(&mut self, key: &str) {
        if self.maybe_duplicates {
            return;
        }
        if self.keys.len() >= KEYS_TRACKED {
            self.maybe_duplicates = true;
            self.keys = HashSet::default();
            return;
        }
        // A hash seen before is a duplicate or (rarely) a collision; either way the server checks.
        // Keys come from the user's own file, so a fixed (not DoS-resistant) hash is fine, and
        // it costs a fraction of SipHash.
        self.maybe_duplicates = !self
            .keys
            .insert(FixedState::with_seed(KEY_SEED).hash_one(key));
    }

    /// Merge what is staged into `spec`'s table; returns the customers created because a row named
    /// them.
    pub(super) async fn merge(
        &mut self,
        conn: &mut PgConnection,
        spec: &Spec,
        now: i64,
    ) -> Result<u64, StoreError> {
        if self.rows == 0 {
            return Ok(0);
        }
        self.flush(conn, spec).await?;
        // Enough memory for the merge's hashes, the index rebuilds and the facts' aggregates to
        // stay off disk, for this transaction only.
        sqlx::query("SET LOCAL work_mem = '256MB'")
            .execute(&mut *conn)
            .await?;
        sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
            .execute(&mut *conn)
            .await?;
        if self.maybe_duplicates {
            sqlx::query(spec.dedupe).execute(&mut *conn).await?;
        }
        sqlx::query(super::bulk::LOCK_CUSTOMERS)
            .execute(&mut *conn)
            .await?;
        let created = sqlx::query(spec.new_customers)
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        sqlx::query(spec.lock).execute(&mut *conn).await?;
        if let Some(update) = spec.update {
            let (held,): (bool,) = sqlx::query_as(spec.any_rows).fetch_one(&mut *conn).await?;
            if held {
                sqlx::query(update).execute(&mut *conn).await?;
            }
        }
        sqlx::query(spec.insert).execute(&mut *conn).await?;
        sqlx::query(spec.truncate_staging)
            .execute(&mut *conn)
            .await?;
        *self = Stage {
            created: true,
            ..Stage::default()
        };
        Ok(created)
    }
}

/// The columns every staged row starts with: `seq`, key and customer number, tab-separated.
fn head(buf: &mut Vec<u8>, seq: i64, key: &str, customer: i32) {
    use std::io::Write;
    let _ = write!(buf, "{seq}\t");
    text(buf, key);
    let _ = write!(buf, "\t{customer}");
}

impl Stageable for OrderRow {
    const SPEC: &'static Spec = &super::bulk::ORDERS;

    fn key(&self) -> &str {
        &self.key
    }

    fn customer(&self) -> &str {
        &self.customer
    }

    fn encode(&self, seq: i64, customer: i32, buf: &mut Vec<u8>) {
        use std::io::Write;
        head(buf, seq, &self.key, customer);
        // Writing into a Vec cannot fail; f64's Display is exact and never uses an exponent.
        let _ = write!(buf, "\t{}\t{}\t", self.occurred_at, self.amount);
        match self.quantity {
            Some(q) => {
                let _ = write!(buf, "{q}");
            }
            None => buf.extend_from_slice(b"\\N"),
        }
        buf.push(b'\n');
    }
}

impl Stageable for EventRow {
    const SPEC: &'static Spec = &super::bulk::EVENTS;

    fn key(&self) -> &str {
        &self.key
    }

    fn customer(&self) -> &str {
        &self.customer
    }

    fn encode(&self, seq: i64, customer: i32, buf: &mut Vec<u8>) {
        use std::io::Write;
        head(buf, seq, &self.key, customer);
        buf.push(b'\t');
        text(buf, &self.name);
        let _ = write!(buf, "\t{}\t", self.occurred_at);
        match &self.properties {
            Some(p) => text(buf, p),
            None => buf.extend_from_slice(b"\\N"),
        }
        buf.push(b'\n');
    }
}

/// A text value with COPY's escapes for backslash, tab, newline and carriage return.
pub(super) fn text(buf: &mut Vec<u8>, s: &str) {
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

    fn line<R: Stageable>(r: &R, seq: i64) -> String {
        let mut buf = Vec::new();
        r.encode(seq, 4, &mut buf);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn copy_rows_escape_separators_and_write_blank_quantities_as_null() {
        let row = OrderRow {
            key: "id:a\tb\\c\nd".into(),
            customer: "x\ry".into(),
            occurred_at: -5,
            amount: 12.5,
            quantity: None,
        };
        assert_eq!(line(&row, 7), "7\tid:a\\tb\\\\c\\nd\t4\t-5\t12.5\t\\N\n");
    }

    #[test]
    fn copy_rows_write_large_amounts_without_an_exponent() {
        let row = OrderRow {
            key: "k".into(),
            customer: "c".into(),
            occurred_at: 1,
            amount: 1e21,
            quantity: Some(3),
        };
        assert_eq!(line(&row, 1), "1\tk\t4\t1\t1000000000000000000000\t3\n");
    }

    #[test]
    fn event_rows_escape_their_json_properties_and_write_missing_ones_as_null() {
        let with = EventRow {
            key: "h:1".into(),
            customer: "c".into(),
            name: "page_view".into(),
            occurred_at: 9,
            properties: Some("{\"a\":\"x\\\\y\"}".into()),
        };
        assert_eq!(
            line(&with, 2),
            "2\th:1\t4\tpage_view\t9\t{\"a\":\"x\\\\\\\\y\"}\n"
        );
        let without = EventRow {
            properties: None,
            ..with
        };
        assert_eq!(line(&without, 3), "3\th:1\t4\tpage_view\t9\t\\N\n");
    }

    #[test]
    fn each_customer_is_numbered_once_and_staged_with_its_id_escaped() {
        let mut stage = Stage::default();
        let mut named = Vec::new();
        assert_eq!(stage.number("x\ry", &mut named), 1);
        assert_eq!(stage.number("c2", &mut named), 2);
        assert_eq!(stage.number("x\ry", &mut named), 1);
        assert_eq!(String::from_utf8(named).unwrap(), "1\tx\\ry\n2\tc2\n");
    }

    #[test]
    fn a_key_staged_twice_asks_the_merge_to_deduplicate_and_distinct_keys_do_not() {
        let mut stage = Stage::default();
        stage.remember("id:1");
        stage.remember("id:2");
        assert!(!stage.maybe_duplicates);
        stage.remember("id:1");
        assert!(stage.maybe_duplicates);
    }
}
