//! Reads one customer whole (columns, attributes, orders, events) into the evaluator's form,
//! for "why in, why out" and for the property tests' reference data.

use std::collections::BTreeMap;

use super::{Store, StoreError, on_pool};
use crate::domain::evaluate::{AttrValue, Customer, Event, Order};

type CustomerCols = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);
type CustomerNums = (Option<i64>, Option<i64>, Option<i64>, Option<i64>);

const TEXT_COLS: [&str; 9] = [
    "external_id",
    "email",
    "phone",
    "first_name",
    "last_name",
    "country",
    "region",
    "city",
    "postal_code",
];
const NUM_COLS: [&str; 4] = ["signup_date", "email_consent", "sms_consent", "ads_consent"];

const CUSTOMER_ATTRIBUTES: &str = "SELECT a.name, a.num_value, a.text_value FROM attributes n JOIN customer_attributes a ON a.name = n.name AND a.customer_id = $1";

impl Store {
    /// One customer by external id, or `None`.
    pub async fn load_customer(&self, external_id: &str) -> Result<Option<Customer>, StoreError> {
        let row: Option<CustomerCols> = on_pool!(self, p => sqlx::query_as("SELECT id, external_id, email, phone, first_name, last_name, country, region, city, postal_code FROM customers WHERE external_id = $1").bind(external_id.to_string()).fetch_optional(p).await?);
        let Some(row) = row else { return Ok(None) };
        let id = row.0;
        let nums: CustomerNums = on_pool!(self, p => sqlx::query_as("SELECT signup_date, email_consent, sms_consent, ads_consent FROM customers WHERE id = $1").bind(id).fetch_one(p).await?);
        let mut c = Customer {
            id,
            ..Customer::default()
        };
        let texts = [
            Some(row.1),
            row.2,
            row.3,
            row.4,
            row.5,
            row.6,
            row.7,
            row.8,
            row.9,
        ];
        for (name, v) in TEXT_COLS.iter().zip(texts) {
            if let Some(v) = v {
                c.columns.insert(name, AttrValue::Text(v));
            }
        }
        for (name, v) in NUM_COLS.iter().zip([nums.0, nums.1, nums.2, nums.3]) {
            if let Some(v) = v {
                c.columns.insert(name, AttrValue::Num(v as f64));
            }
        }
        c.attributes = self.customer_attributes(id).await?;
        let orders: Vec<(i64, f64, Option<i64>)> = on_pool!(self, p => sqlx::query_as("SELECT occurred_at, amount, quantity FROM orders WHERE customer_id = $1 ORDER BY occurred_at, id").bind(id).fetch_all(p).await?);
        c.orders = orders
            .into_iter()
            .map(|(occurred_at, amount, quantity)| Order {
                occurred_at,
                amount,
                quantity,
            })
            .collect();
        let events: Vec<(String, i64)> = on_pool!(self, p => sqlx::query_as("SELECT name, occurred_at FROM events WHERE customer_id = $1 ORDER BY occurred_at, id").bind(id).fetch_all(p).await?);
        c.events = events
            .into_iter()
            .map(|(name, occurred_at)| Event { name, occurred_at })
            .collect();
        Ok(Some(c))
    }

    /// One key lookup per attribute name (the table is keyed by name, then customer).
    async fn customer_attributes(
        &self,
        id: i64,
    ) -> Result<BTreeMap<String, AttrValue>, StoreError> {
        let rows: Vec<(String, Option<f64>, Option<String>)> =
            on_pool!(self, p => sqlx::query_as(CUSTOMER_ATTRIBUTES).bind(id).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .filter_map(|(n, num, text)| match (num, text) {
                (Some(x), _) => Some((n, AttrValue::Num(x))),
                (None, Some(t)) => Some((n, AttrValue::Text(t))),
                _ => None,
            })
            .collect())
    }

    /// Every customer's external id (ascending internal id), for tests and small exports.
    pub async fn external_ids(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = on_pool!(self, p => sqlx::query_as("SELECT external_id FROM customers ORDER BY id").fetch_all(p).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}
