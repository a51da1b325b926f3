//! PostgreSQL's bulk path for orders and events: each batch is streamed with `COPY … FROM STDIN`
//! into a temporary table, and everything staged is merged into its table by a few set-based
//! statements before the transaction is read (facts refresh) or committed: one creates the
//! customers the file names, one rewrites the orders that changed, one inserts the new rows.
//!
//! The new rows are found by an anti-join and written by a plain `INSERT … SELECT`: that costs
//! about half of `INSERT … ON CONFLICT`, whose speculative insertion probes and locks the key
//! index row by row. The table is locked against other writers (readers go on) so no other
//! transaction can insert the same key in between.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use sqlx::PgConnection;

use super::bulk::Spec;
use super::{EventRow, OrderRow};
use crate::store::StoreError;

/// Keys remembered per staging table to tell whether a key was staged twice: about 70 MB at most.
/// Past that, duplicates are looked for by the server instead.
const KEYS_TRACKED: usize = 4_000_000;

/// A row that can be staged: its key and its line of COPY's text format.
pub(super) trait Stageable {
    /// The table it goes to.
    const SPEC: &'static Spec;
    fn key(&self) -> &str;
    /// One line: `seq` (staging order, to tell which row of a key wins) then the row's columns.
    fn encode(&self, seq: i64, buf: &mut Vec<u8>);
}

/// What is staged for one table in this transaction and not merged yet.
#[derive(Debug, Default)]
pub(super) struct Stage {
    created: bool,
    /// Rows staged since the last merge.
    rows: i64,
    /// Hashes of the keys staged since the last merge, while fewer than [`KEYS_TRACKED`].
    keys: HashSet<u64>,
    /// A key may have been staged twice (or too many keys to tell): the merge must deduplicate.
    maybe_duplicates: bool,
}

impl Stage {
    /// Stream one batch into the staging table.
    pub(super) async fn copy<R: Stageable>(&mut self, conn: &mut PgConnection, rows: &[R]) -> Result<(), StoreError> {
        if !self.created {
            sqlx::query(R::SPEC.create_staging).execute(&mut *conn).await?;
            self.created = true;
        }
        let mut buf = Vec::with_capacity(rows.len() * 64);
        for r in rows {
            self.remember(r.key());
            self.rows += 1;
            r.encode(self.rows, &mut buf);
        }
        let mut copy = conn.copy_in_raw(R::SPEC.copy).await?;
        copy.send(buf).await?;
        copy.finish().await?;
        Ok(())
    }

    fn remember(&mut self, key: &str) {
        if self.maybe_duplicates {
            return;
        }
        if self.keys.len() >= KEYS_TRACKED {
            self.maybe_duplicates = true;
            self.keys = HashSet::new();
            return;
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        // A hash seen before is a duplicate or (rarely) a collision; either way the server checks.
        self.maybe_duplicates = !self.keys.insert(h.finish());
    }

    /// Merge what is staged into `spec`'s table; returns the customers created because a row named
    /// them.
    pub(super) async fn merge(&mut self, conn: &mut PgConnection, spec: &Spec, now: i64) -> Result<u64, StoreError> {
        if self.rows == 0 {
            return Ok(0);
        }
        // Enough memory for the merge's hashes, the index rebuilds and the facts' aggregates to
        // stay off disk, for this transaction only.
        sqlx::query("SET LOCAL work_mem = '256MB'").execute(&mut *conn).await?;
        sqlx::query("SET LOCAL maintenance_work_mem = '256MB'").execute(&mut *conn).await?;
        if self.maybe_duplicates {
            sqlx::query(spec.dedupe).execute(&mut *conn).await?;
        }
        let created = sqlx::query(spec.new_customers).bind(now).execute(&mut *conn).await?.rows_affected();
        sqlx::query(spec.lock).execute(&mut *conn).await?;
        if let Some(update) = spec.update {
            let (held,): (bool,) = sqlx::query_as(spec.any_rows).fetch_one(&mut *conn).await?;
            if held {
                sqlx::query(update).execute(&mut *conn).await?;
            }
        }
        sqlx::query(spec.insert).execute(&mut *conn).await?;
        sqlx::query(spec.truncate_staging).execute(&mut *conn).await?;
        *self = Stage { created: true, ..Stage::default() };
        Ok(created)
    }
}

/// The columns every staged row starts with: `seq`, key and customer, tab-separated.
fn head(buf: &mut Vec<u8>, seq: i64, key: &str, customer: &str) {
    buf.extend_from_slice(seq.to_string().as_bytes());
    buf.push(b'\t');
    text(buf, key);
    buf.push(b'\t');
    text(buf, customer);
}

impl Stageable for OrderRow {
    const SPEC: &'static Spec = &super::bulk::ORDERS;

    fn key(&self) -> &str {
        &self.key
    }

    fn encode(&self, seq: i64, buf: &mut Vec<u8>) {
        use std::io::Write;
        head(buf, seq, &self.key, &self.customer);
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

    fn encode(&self, seq: i64, buf: &mut Vec<u8>) {
        use std::io::Write;
        head(buf, seq, &self.key, &self.customer);
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
        r.encode(seq, &mut buf);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn copy_rows_escape_separators_and_write_blank_quantities_as_null() {
        let row = OrderRow { key: "id:a\tb\\c\nd".into(), customer: "x\ry".into(), occurred_at: -5, amount: 12.5, quantity: None };
        assert_eq!(line(&row, 7), "7\tid:a\\tb\\\\c\\nd\tx\\ry\t-5\t12.5\t\\N\n");
    }

    #[test]
    fn copy_rows_write_large_amounts_without_an_exponent() {
        let row = OrderRow { key: "k".into(), customer: "c".into(), occurred_at: 1, amount: 1e21, quantity: Some(3) };
        assert_eq!(line(&row, 1), "1\tk\tc\t1\t1000000000000000000000\t3\n");
    }

    #[test]
    fn event_rows_escape_their_json_properties_and_write_missing_ones_as_null() {
        let with =
            EventRow { key: "h:1".into(), customer: "c".into(), name: "page_view".into(), occurred_at: 9, properties: Some("{\"a\":\"x\\\\y\"}".into()) };
        assert_eq!(line(&with, 2), "2\th:1\tc\tpage_view\t9\t{\"a\":\"x\\\\\\\\y\"}\n");
        let without = EventRow { properties: None, ..with };
        assert_eq!(line(&without, 3), "3\th:1\tc\tpage_view\t9\t\\N\n");
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
