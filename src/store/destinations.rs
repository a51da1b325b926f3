//! Admin-configured destinations. Secrets arrive here already sealed (see `app::secrets`); this
//! module never sees them in the clear.

use serde::Serialize;

use super::tx::{WriteTx, on_tx};
use super::{Store, StoreError, on_pool};

/// One stored destination configuration.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DestinationRecord {
    pub kind: String,
    /// JSON object of the non-secret settings.
    pub settings: String,
    /// The sealed JSON object of the secrets, if any were given.
    #[serde(skip)]
    pub sealed_secrets: Option<String>,
    /// JSON object: each secret's name and its last 4 characters.
    pub secret_hints: String,
    pub created_by: String,
    pub created_at: i64,
}

impl Store {
    /// Every stored destination, by kind.
    pub async fn list_destinations(&self) -> Result<Vec<DestinationRecord>, StoreError> {
        let sql = "SELECT kind, settings, sealed_secrets, secret_hints, created_by, created_at FROM destinations ORDER BY kind";
        Ok(on_pool!(self, p => sqlx::query_as(sql).fetch_all(p).await?))
    }
}

impl WriteTx {
    /// Store (or replace) the configuration of a destination kind.
    pub async fn put_destination(&mut self, d: &DestinationRecord) -> Result<(), StoreError> {
        let sql = "INSERT INTO destinations (kind, settings, sealed_secrets, secret_hints, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                   ON CONFLICT (kind) DO UPDATE SET settings = excluded.settings, sealed_secrets = excluded.sealed_secrets, \
                   secret_hints = excluded.secret_hints, created_by = excluded.created_by, created_at = excluded.created_at";
        on_tx!(self, t => sqlx::query(sql).bind(d.kind.clone()).bind(d.settings.clone()).bind(d.sealed_secrets.clone()).bind(d.secret_hints.clone())
            .bind(d.created_by.clone()).bind(d.created_at).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// Remove a stored destination; whether there was one.
    pub async fn delete_destination(&mut self, kind: &str) -> Result<bool, StoreError> {
        let n = on_tx!(self, t => sqlx::query("DELETE FROM destinations WHERE kind = $1").bind(kind.to_string()).execute(&mut **t).await?.rows_affected());
        Ok(n > 0)
    }
}
