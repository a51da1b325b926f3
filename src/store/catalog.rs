//! What the catalog and the preview's freshness report read from the database: categorical
//! values of built-in columns, event names, custom attribute specs, data times.

use serde::Serialize;

use super::tx::{WriteTx, on_tx};
use super::{Store, StoreError, on_pool};
use crate::domain::catalog::{AttributeSpec, FieldType};

/// Categorical columns list at most this many values.
const MAX_VALUES: i64 = 500;

/// What the catalog is built from.
#[derive(Debug, Clone, Default)]
pub struct CatalogData {
    pub countries: Vec<String>,
    pub regions: Vec<String>,
    /// Up to 500 cities, so a request can name one ("in Manchester").
    pub cities: Vec<String>,
    pub events: Vec<String>,
    pub attributes: Vec<AttributeSpec>,
    /// The headers imports mapped to built-in fields.
    pub sources: crate::domain::sources::Sources,
}

/// How fresh the data is.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Freshness {
    pub customers: i64,
    pub latest_order_at: Option<i64>,
    pub latest_event_at: Option<i64>,
    pub last_import_at: Option<i64>,
}

pub fn type_label(t: FieldType) -> &'static str {
    match t {
        FieldType::Number => "number",
        FieldType::Text => "text",
        FieldType::Boolean => "boolean",
        FieldType::Date => "date",
        FieldType::Categorical => "categorical",
    }
}

fn parse_type(s: &str) -> FieldType {
    match s {
        "number" => FieldType::Number,
        "boolean" => FieldType::Boolean,
        "date" => FieldType::Date,
        "categorical" => FieldType::Categorical,
        _ => FieldType::Text,
    }
}

impl Store {
    async fn distinct(&self, sql: &'static str) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(MAX_VALUES).fetch_all(p).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Everything the catalog needs from the data.
    pub async fn catalog_data(&self) -> Result<CatalogData, StoreError> {
        let countries = self.distinct("SELECT DISTINCT country FROM customers WHERE country IS NOT NULL ORDER BY country LIMIT $1").await?;
        let regions = self.distinct("SELECT DISTINCT region FROM customers WHERE region IS NOT NULL ORDER BY region LIMIT $1").await?;
        let cities = self.distinct("SELECT DISTINCT city FROM customers WHERE city IS NOT NULL AND city <> '' ORDER BY city LIMIT $1").await?;
        let events = match self.state("event_names").await? {
            Some(json) => serde_json::from_str(&json).unwrap_or_default(),
            None => Vec::new(),
        };
        let rows: Vec<(String, String, String, String)> = on_pool!(self, p => sqlx::query_as("SELECT name, ty, column_name, categorical_values FROM attributes ORDER BY name").fetch_all(p).await?);
        let attributes = rows
            .into_iter()
            .map(|(name, ty, column, values)| AttributeSpec {
                name,
                ty: parse_type(&ty),
                values: serde_json::from_str(&values).unwrap_or_default(),
                column,
            })
            .collect();
        let sources = match self.state("source_headers").await? {
            Some(json) => serde_json::from_str(&json).unwrap_or_default(),
            None => Default::default(),
        };
        Ok(CatalogData {
            countries,
            regions,
            cities,
            events,
            attributes,
            sources,
        })
    }

    /// Data times for the preview's freshness line (read from state kept by imports).
    pub async fn freshness(&self) -> Result<Freshness, StoreError> {
        let (customers,): (i64,) = on_pool!(self, p => sqlx::query_as("SELECT COUNT(*) FROM customers").fetch_one(p).await?);
        let num = |v: Option<String>| v.and_then(|s| s.parse::<i64>().ok());
        Ok(Freshness {
            customers,
            latest_order_at: num(self.state("latest_order_at").await?),
            latest_event_at: num(self.state("latest_event_at").await?),
            last_import_at: num(self.state("last_import_at").await?),
        })
    }

    /// The suppression list, newest first, at most `limit` entries, and how many there are.
    pub async fn suppressions(
        &self,
        limit: i64,
    ) -> Result<(i64, Vec<SuppressionRecord>), StoreError> {
        const SQL: &str = "SELECT kind, value, added_at FROM suppressions ORDER BY added_at DESC, kind, value LIMIT $1";
        let rows = on_pool!(self, p => sqlx::query_as(SQL).bind(limit).fetch_all(p).await?);
        let (total,): (i64,) = on_pool!(self, p => sqlx::query_as("SELECT COUNT(*) FROM suppressions").fetch_one(p).await?);
        Ok((total, rows))
    }
}

/// One entry of the suppression list.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct SuppressionRecord {
    pub kind: String,
    pub value: String,
    pub added_at: i64,
}

impl WriteTx {
    /// Add an entry to the global suppression list (`email`, `phone` or `external_id`).
    pub async fn suppress(
        &mut self,
        kind: &str,
        value: &str,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO suppressions (kind, value, reason, added_at) VALUES ($1, $2, $3, $4) ON CONFLICT (kind, value) DO NOTHING";
        on_tx!(self, t => sqlx::query(SQL).bind(kind.to_string()).bind(value.to_string()).bind(reason.map(String::from)).bind(super::now()).execute(&mut **t).await.map(|_| ())?);
        Ok(())
    }

    /// Take an entry off the suppression list; whether it was on it.
    pub async fn unsuppress(&mut self, kind: &str, value: &str) -> Result<bool, StoreError> {
        const SQL: &str = "DELETE FROM suppressions WHERE kind = $1 AND value = $2";
        let n = on_tx!(self, t => sqlx::query(SQL).bind(kind.to_string()).bind(value.to_string()).execute(&mut **t).await?.rows_affected());
        Ok(n > 0)
    }
}
