//! Glossary terms edited in the app, kept over the configured glossary file: one row per edited
//! key, the term as JSON or NULL for a deleted one (see migration 0007).

use super::tx::{WriteTx, on_tx};
use super::{Store, StoreError, on_pool};

impl Store {
    /// Every edit: `(key, term JSON or None when deleted)`.
    pub async fn glossary_edits(&self) -> Result<Vec<(String, Option<String>)>, StoreError> {
        Ok(
            on_pool!(self, p => sqlx::query_as("SELECT term_key, term FROM glossary_edits ORDER BY term_key").fetch_all(p).await?),
        )
    }
}

impl WriteTx {
    /// Record a term's new content (`None` deletes it), replacing any earlier edit of the key.
    pub async fn put_glossary_edit(
        &mut self,
        key: &str,
        term: Option<&str>,
        by: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO glossary_edits (term_key, term, updated_by, updated_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (term_key) DO UPDATE SET term = excluded.term, updated_by = excluded.updated_by, updated_at = excluded.updated_at";
        on_tx!(self, t => sqlx::query(sql).bind(key.to_string()).bind(term.map(String::from)).bind(by.to_string()).bind(at).execute(&mut **t).await?.rows_affected());
        Ok(())
    }
}
