//! Loads the in-memory columnar copy of the data ([`Table`]) by streaming each table once in
//! customer order, with memory proportional to the data and no per-row allocation beyond text.

use futures::TryStreamExt;
use sqlx::Row;

use super::{Bind, Store, StoreError, bind_all, on_pool};
use crate::domain::catalog::FieldType;
use crate::domain::columnar::{Column, Events, Orders, Table, TextBuilder};

const CUSTOMERS: &str = "SELECT c.id, c.external_id, CAST(CASE WHEN c.email IS NOT NULL THEN 1 ELSE 0 END AS BIGINT), CAST(CASE WHEN c.phone IS NOT NULL THEN 1 ELSE 0 END AS BIGINT),
 CAST(CASE WHEN EXISTS (SELECT 1 FROM suppressions s WHERE (s.kind = 'email' AND s.value = c.email) OR (s.kind = 'phone' AND s.value = c.phone) OR (s.kind = 'external_id' AND s.value = c.external_id)) THEN 1 ELSE 0 END AS BIGINT),
 c.country, c.region, c.signup_date, c.email_consent, c.sms_consent, c.ads_consent FROM customers c ORDER BY c.id";

fn opt(x: Option<i64>) -> f64 {
    x.map_or(f64::NAN, |v| v as f64)
}

impl Store {
    /// Read everything previews need into memory.
    pub async fn load_table(&self) -> Result<Table, StoreError> {
        let mut t = Table::default();
        let (mut country, mut region) = (TextBuilder::default(), TextBuilder::default());
        let mut nums: [Vec<f64>; 4] = Default::default();
        on_pool!(self, p => {
            let mut rows = sqlx::query(CUSTOMERS).fetch(p);
            while let Some(r) = rows.try_next().await? {
                t.ids.push(r.try_get(0)?);
                t.external_ids.push(r.try_get(1)?);
                t.has_email.push(r.try_get::<i64, _>(2)? == 1);
                t.has_phone.push(r.try_get::<i64, _>(3)? == 1);
                t.suppressed.push(r.try_get::<i64, _>(4)? == 1);
                country.push(r.try_get::<Option<String>, _>(5)?.as_deref());
                region.push(r.try_get::<Option<String>, _>(6)?.as_deref());
                for (k, col) in nums.iter_mut().enumerate() {
                    col.push(opt(r.try_get(7 + k)?));
                }
            }
        });
        t.columns.insert("country".into(), country.finish());
        t.columns.insert("region".into(), region.finish());
        for (name, col) in ["signup_date", "email_consent", "sms_consent", "ads_consent"].into_iter().zip(nums) {
            t.columns.insert(name.into(), Column::Num(col));
        }
        t.orders = self.load_orders(&t.ids).await?;
        t.events = self.load_events(&t.ids).await?;
        self.load_attributes(&mut t).await?;
        Ok(t)
    }

    async fn load_orders(&self, ids: &[i64]) -> Result<Orders, StoreError> {
        let mut o = Orders::default();
        let mut rows_of = Vec::new();
        on_pool!(self, p => {
            let mut rows = sqlx::query("SELECT customer_id, occurred_at, amount, quantity FROM orders ORDER BY customer_id, occurred_at").fetch(p);
            while let Some(r) = rows.try_next().await? {
                rows_of.push(ids.binary_search(&r.try_get::<i64, _>(0)?).unwrap_or(0));
                o.time.push(r.try_get(1)?);
                o.amount.push(r.try_get(2)?);
                o.quantity.push(opt(r.try_get(3)?));
            }
        });
        o.offsets = Table::offsets(ids.len(), rows_of.into_iter());
        Ok(o)
    }

    async fn load_events(&self, ids: &[i64]) -> Result<Events, StoreError> {
        let mut e = Events::default();
        let mut rows_of = Vec::new();
        let mut names = TextBuilder::default();
        on_pool!(self, p => {
            let mut rows = sqlx::query("SELECT customer_id, occurred_at, name FROM events ORDER BY customer_id").fetch(p);
            while let Some(r) = rows.try_next().await? {
                rows_of.push(ids.binary_search(&r.try_get::<i64, _>(0)?).unwrap_or(0));
                e.time.push(r.try_get(1)?);
                names.push(Some(r.try_get::<String, _>(2)?.as_str()));
            }
        });
        if let Column::Text { codes, dict } = names.finish() {
            (e.name, e.names) = (codes, dict);
        }
        e.offsets = Table::offsets(ids.len(), rows_of.into_iter());
        // Read in the index's customer order (no sort in the database); order each customer's
        // few events by time here.
        for w in e.offsets.windows(2) {
            let (a, b) = (w[0] as usize, w[1] as usize);
            let mut pairs: Vec<(i64, u32)> = (a..b).map(|j| (e.time[j], e.name[j])).collect();
            pairs.sort_unstable();
            for (k, (t, n)) in pairs.into_iter().enumerate() {
                (e.time[a + k], e.name[a + k]) = (t, n);
            }
        }
        Ok(e)
    }

    async fn load_attributes(&self, t: &mut Table) -> Result<(), StoreError> {
        for spec in self.catalog_data().await?.attributes {
            let numeric = matches!(spec.ty, FieldType::Number | FieldType::Boolean | FieldType::Date);
            let mut num = vec![f64::NAN; t.len()];
            let mut text: Vec<Option<String>> = vec![None; t.len()];
            let b = [Bind::Text(Some(spec.name.clone()))];
            on_pool!(self, p => {
                let mut rows = bind_all!(sqlx::query("SELECT customer_id, num_value, text_value FROM customer_attributes WHERE name = $1"), &b).fetch(p);
                while let Some(r) = rows.try_next().await? {
                    let Ok(i) = t.ids.binary_search(&r.try_get::<i64, _>(0)?) else { continue };
                    num[i] = r.try_get::<Option<f64>, _>(1)?.unwrap_or(f64::NAN);
                    text[i] = r.try_get(2)?;
                }
            });
            let col = if numeric {
                Column::Num(num)
            } else {
                let mut b = TextBuilder::default();
                text.iter().for_each(|v| b.push(v.as_deref()));
                b.finish()
            };
            t.columns.insert(spec.name, col);
        }
        Ok(())
    }

    /// Sample rows for the given internal ids: external id, email, phone, first name, country,
    /// region (in id order).
    pub async fn sample_rows(&self, ids: &[i64]) -> Result<Vec<Vec<Option<String>>>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT c.external_id, c.email, c.phone, c.first_name, c.country, c.region FROM customers c WHERE c.id IN ({list}) ORDER BY c.id");
        let q = crate::domain::compile::CompiledQuery { sql, params: ids.iter().map(|i| crate::domain::compile::Param::Int(*i)).collect() };
        self.fetch_texts(&q).await
    }
}
