//! Loads the in-memory columnar copy of the data ([`Table`]) by streaming each table once in
//! customer order, with memory proportional to the data and no per-row allocation beyond text.
//! One set of row handlers serves both databases; SQLite's rows are read through its C API
//! ([`sqlite_scan`]), PostgreSQL's through sqlx.

use std::ffi::c_int;

use futures::TryStreamExt;
use sqlx::Row;
use sqlx::postgres::{PgPool, PgRow};

use super::sqlite_scan::{self, Cursor, Db};
use super::{Backend, Store, StoreError};
use crate::domain::catalog::{AttributeSpec, FieldType};
use crate::domain::columnar::{Column, Events, Orders, Table, TextBuilder};

const CUSTOMERS: &str = "SELECT c.id, c.external_id, CAST(CASE WHEN c.email IS NOT NULL THEN 1 ELSE 0 END AS BIGINT), CAST(CASE WHEN c.phone IS NOT NULL THEN 1 ELSE 0 END AS BIGINT),
 CAST(CASE WHEN EXISTS (SELECT 1 FROM suppressions s WHERE (s.kind = 'email' AND s.value = c.email) OR (s.kind = 'phone' AND s.value = c.phone) OR (s.kind = 'external_id' AND s.value = c.external_id)) THEN 1 ELSE 0 END AS BIGINT),
 c.country, c.region, c.signup_date, c.email_consent, c.sms_consent, c.ads_consent FROM customers c ORDER BY c.id";

const ORDERS: &str = "SELECT customer_id, occurred_at, amount, quantity FROM orders ORDER BY customer_id, occurred_at";
/// In the index's customer order (no sort in the database); each customer's few events are
/// ordered by time in [`EventLoad::finish`].
const EVENTS: &str = "SELECT customer_id, occurred_at, name FROM events ORDER BY customer_id";
const ATTRIBUTE: &str =
    "SELECT customer_id, num_value, text_value FROM customer_attributes WHERE name = $1";

impl Store {
    /// Read everything previews and models need into memory.
    pub async fn load_table(&self) -> Result<Table, StoreError> {
        let attributes = self.catalog_data().await?.attributes;
        match &self.backend {
            Backend::Sqlite(p) => {
                sqlite_scan::with_db(p, move |db| load_sqlite(db, attributes)).await
            }
            Backend::Postgres(p) => load_postgres(p, attributes).await,
        }
    }

    /// Sample rows for the given internal ids: external id, email, phone, first name, country,
    /// region (in id order).
    pub async fn sample_rows(&self, ids: &[i64]) -> Result<Vec<Vec<Option<String>>>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = (1..=ids.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT c.external_id, c.email, c.phone, c.first_name, c.country, c.region FROM customers c WHERE c.id IN ({list}) ORDER BY c.id"
        );
        let q = crate::domain::compile::CompiledQuery {
            sql,
            params: ids
                .iter()
                .map(|i| crate::domain::compile::Param::Int(*i))
                .collect(),
        };
        self.fetch_texts(&q).await
    }
}

fn load_sqlite(db: &Db<'_>, attributes: Vec<AttributeSpec>) -> Result<Table, StoreError> {
    let mut c = CustomerLoad::default();
    db.scan(CUSTOMERS, &[], |r| c.row(r))?;
    let mut t = c.finish();
    let mut o = RowsOf::new(&t.ids, Orders::default());
    db.scan(ORDERS, &[], |r| o.order(r))?;
    let mut e = RowsOf::new(&t.ids, EventLoad::default());
    db.scan(EVENTS, &[], |r| e.event(r))?;
    let (orders, events) = (orders_of(o.finish()), events_of(e.finish()));
    (t.orders, t.events) = (orders, events);
    for spec in attributes {
        let mut a = AttributeLoad::new(&t.ids);
        db.scan(ATTRIBUTE, &[&spec.name], |r| a.row(r))?;
        t.columns.insert(spec.name.clone(), a.finish(&spec));
    }
    Ok(t)
}

async fn load_postgres(p: &PgPool, attributes: Vec<AttributeSpec>) -> Result<Table, StoreError> {
    let mut c = CustomerLoad::default();
    pg_scan(p, CUSTOMERS, None, |r| c.row(r)).await?;
    let mut t = c.finish();
    let mut o = RowsOf::new(&t.ids, Orders::default());
    pg_scan(p, ORDERS, None, |r| o.order(r)).await?;
    let mut e = RowsOf::new(&t.ids, EventLoad::default());
    pg_scan(p, EVENTS, None, |r| e.event(r)).await?;
    let (orders, events) = (orders_of(o.finish()), events_of(e.finish()));
    (t.orders, t.events) = (orders, events);
    for spec in attributes {
        let mut a = AttributeLoad::new(&t.ids);
        pg_scan(p, ATTRIBUTE, Some(&spec.name), |r| a.row(r)).await?;
        t.columns.insert(spec.name.clone(), a.finish(&spec));
    }
    Ok(t)
}

async fn pg_scan(
    p: &PgPool,
    sql: &'static str,
    text: Option<&str>,
    mut row: impl FnMut(&PgRow) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut q = sqlx::query(sql);
    if let Some(t) = text {
        q = q.bind(t.to_owned());
    }
    let mut rows = q.fetch(p);
    while let Some(r) = rows.try_next().await? {
        row(&r)?;
    }
    Ok(())
}

/// A row's values by column index, whichever driver read it.
trait Cells {
    fn int(&self, i: usize) -> Result<i64, StoreError>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError>;
    fn real(&self, i: usize) -> Result<f64, StoreError>;
    fn opt_real(&self, i: usize) -> Result<Option<f64>, StoreError>;
    fn text(&self, i: usize) -> Result<Option<&str>, StoreError>;
}

impl Cells for PgRow {
    fn int(&self, i: usize) -> Result<i64, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn real(&self, i: usize) -> Result<f64, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn opt_real(&self, i: usize) -> Result<Option<f64>, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn text(&self, i: usize) -> Result<Option<&str>, StoreError> {
        Ok(self.try_get(i)?)
    }
}

impl Cells for Cursor<'_> {
    fn int(&self, i: usize) -> Result<i64, StoreError> {
        Ok(Cursor::int(self, i as c_int))
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(Cursor::opt_int(self, i as c_int))
    }
    fn real(&self, i: usize) -> Result<f64, StoreError> {
        Ok(Cursor::real(self, i as c_int))
    }
    fn opt_real(&self, i: usize) -> Result<Option<f64>, StoreError> {
        Ok(Cursor::opt_real(self, i as c_int))
    }
    fn text(&self, i: usize) -> Result<Option<&str>, StoreError> {
        Cursor::text(self, i as c_int)
    }
}

fn opt(x: Option<i64>) -> f64 {
    x.map_or(f64::NAN, |v| v as f64)
}

/// The customers table, in id order.
#[derive(Default)]
struct CustomerLoad {
    t: Table,
    country: TextBuilder,
    region: TextBuilder,
    nums: [Vec<f64>; 4],
}

impl CustomerLoad {
    fn row(&mut self, r: &impl Cells) -> Result<(), StoreError> {
        let t = &mut self.t;
        t.ids.push(r.int(0)?);
        t.external_ids
            .push(r.text(1)?.unwrap_or_default().to_owned());
        t.has_email.push(r.int(2)? == 1);
        t.has_phone.push(r.int(3)? == 1);
        t.suppressed.push(r.int(4)? == 1);
        self.country.push(r.text(5)?);
        self.region.push(r.text(6)?);
        for (k, col) in self.nums.iter_mut().enumerate() {
            col.push(opt(r.opt_int(7 + k)?));
        }
        Ok(())
    }

    fn finish(self) -> Table {
        let mut t = self.t;
        t.columns.insert("country".into(), self.country.finish());
        t.columns.insert("region".into(), self.region.finish());
        for (name, col) in ["signup_date", "email_consent", "sms_consent", "ads_consent"]
            .into_iter()
            .zip(self.nums)
        {
            t.columns.insert(name.into(), Column::Num(col));
        }
        t
    }
}

/// Rows read in customer order, counted per customer as they come: the customer's position only
/// moves forward, so no row needs a search. A row whose customer is unknown is skipped.
struct RowsOf<'a, T> {
    ids: &'a [i64],
    at: usize,
    counts: Vec<u32>,
    rows: T,
}

impl<'a, T> RowsOf<'a, T> {
    fn new(ids: &'a [i64], rows: T) -> Self {
        Self {
            ids,
            at: 0,
            counts: vec![0; ids.len() + 1],
            rows,
        }
    }

    /// Counts the row for `customer`; false when that customer is not in the table.
    fn place(&mut self, customer: i64) -> bool {
        while self.at < self.ids.len() && self.ids[self.at] < customer {
            self.at += 1;
        }
        let known = self.ids.get(self.at) == Some(&customer);
        if known {
            self.counts[self.at + 1] += 1;
        }
        known
    }

    /// The rows and their per-customer offsets.
    fn finish(mut self) -> (Vec<u32>, T) {
        for i in 1..self.counts.len() {
            self.counts[i] += self.counts[i - 1];
        }
        (self.counts, self.rows)
    }
}

impl RowsOf<'_, Orders> {
    fn order(&mut self, r: &impl Cells) -> Result<(), StoreError> {
        if self.place(r.int(0)?) {
            self.rows.time.push(r.int(1)?);
            self.rows.amount.push(r.real(2)?);
            self.rows.quantity.push(opt(r.opt_int(3)?));
        }
        Ok(())
    }
}

#[derive(Default)]
struct EventLoad {
    time: Vec<i64>,
    names: TextBuilder,
}

impl RowsOf<'_, EventLoad> {
    fn event(&mut self, r: &impl Cells) -> Result<(), StoreError> {
        if self.place(r.int(0)?) {
            self.rows.time.push(r.int(1)?);
            self.rows.names.push(r.text(2)?);
        }
        Ok(())
    }
}

fn orders_of((offsets, orders): (Vec<u32>, Orders)) -> Orders {
    Orders { offsets, ..orders }
}

fn events_of((offsets, load): (Vec<u32>, EventLoad)) -> Events {
    let mut e = Events {
        offsets,
        time: load.time,
        ..Events::default()
    };
    if let Column::Text { codes, dict } = load.names.finish() {
        (e.name, e.names) = (codes, dict);
    }
    // Each customer's few events arrive in index order; order them by time here.
    let mut pairs = Vec::new();
    for w in e.offsets.windows(2) {
        let (a, b) = (w[0] as usize, w[1] as usize);
        pairs.clear();
        pairs.extend((a..b).map(|j| (e.time[j], e.name[j])));
        pairs.sort_unstable();
        for (k, &(t, n)) in pairs.iter().enumerate() {
            (e.time[a + k], e.name[a + k]) = (t, n);
        }
    }
    e
}

/// One custom attribute's values, by customer.
struct AttributeLoad<'a> {
    ids: &'a [i64],
    num: Vec<f64>,
    text: Vec<Option<String>>,
}

impl<'a> AttributeLoad<'a> {
    fn new(ids: &'a [i64]) -> Self {
        Self {
            ids,
            num: vec![f64::NAN; ids.len()],
            text: vec![None; ids.len()],
        }
    }

    fn row(&mut self, r: &impl Cells) -> Result<(), StoreError> {
        if let Ok(i) = self.ids.binary_search(&r.int(0)?) {
            self.num[i] = r.opt_real(1)?.unwrap_or(f64::NAN);
            self.text[i] = r.text(2)?.map(str::to_owned);
        }
        Ok(())
    }

    fn finish(self, spec: &AttributeSpec) -> Column {
        if matches!(
            spec.ty,
            FieldType::Number | FieldType::Boolean | FieldType::Date
        ) {
            return Column::Num(self.num);
        }
        let mut b = TextBuilder::default();
        self.text.iter().for_each(|v| b.push(v.as_deref()));
        b.finish()
    }
}
