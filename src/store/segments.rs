//! Saved segments and their immutable versions.

use serde::Serialize;

use super::tx::{WriteTx, on_tx};
use super::{Store, StoreError, on_pool};

/// A saved segment's header.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SegmentRecord {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub current_version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// The version being delivered (active or paused), if any.
    pub active_version: Option<i64>,
}

/// One immutable version of a segment.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct VersionRecord {
    pub segment_id: String,
    pub version: i64,
    pub definition: String,
    pub content_hash: String,
    pub catalog_version: String,
    pub glossary_version: String,
    pub as_of: String,
    pub timezone: String,
    pub created_at: i64,
    /// Lifecycle state: draft, submitted, approved, rejected, active, paused, archived, superseded.
    pub status: String,
    /// Who wrote this version (`None` for a local command without `--as`).
    pub author_id: Option<String>,
}

const VERSION_COLS: &str = "segment_id, version, definition, content_hash, catalog_version, glossary_version, as_of, timezone, created_at, status, author_id";

impl Store {
    pub async fn list_segments(&self) -> Result<Vec<SegmentRecord>, StoreError> {
        Ok(
            on_pool!(self, p => sqlx::query_as("SELECT id, name, description, current_version, created_at, updated_at, active_version FROM segments ORDER BY name").fetch_all(p).await?),
        )
    }

    /// A segment by id or by name; the id wins when one segment's name is another's id.
    pub async fn get_segment(&self, key: &str) -> Result<SegmentRecord, StoreError> {
        let sql = "SELECT id, name, description, current_version, created_at, updated_at, active_version FROM segments WHERE id = $1 OR name = $1 ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END LIMIT 1";
        let r: Option<SegmentRecord> =
            on_pool!(self, p => sqlx::query_as(sql).bind(key.to_string()).fetch_optional(p).await?);
        r.ok_or(StoreError::NotFound)
    }

    pub async fn get_version(
        &self,
        segment_id: &str,
        version: i64,
    ) -> Result<VersionRecord, StoreError> {
        let sql = format!(
            "SELECT {VERSION_COLS} FROM segment_versions WHERE segment_id = $1 AND version = $2"
        );
        let r: Option<VersionRecord> = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(segment_id.to_string()).bind(version).fetch_optional(p).await?);
        r.ok_or(StoreError::NotFound)
    }

    pub async fn list_versions(&self, segment_id: &str) -> Result<Vec<VersionRecord>, StoreError> {
        let sql = format!(
            "SELECT {VERSION_COLS} FROM segment_versions WHERE segment_id = $1 ORDER BY version"
        );
        Ok(
            on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(segment_id.to_string()).fetch_all(p).await?),
        )
    }
}

macro_rules! insert_version {
    ($tx:ident, $v:expr) => {{
        let v = $v;
        let sql = format!("INSERT INTO segment_versions ({VERSION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(v.segment_id.clone())
            .bind(v.version)
            .bind(v.definition.clone())
            .bind(v.content_hash.clone())
            .bind(v.catalog_version.clone())
            .bind(v.glossary_version.clone())
            .bind(v.as_of.clone())
            .bind(v.timezone.clone())
            .bind(v.created_at)
            .bind(v.status.clone())
            .bind(v.author_id.clone())
            .execute(&mut **$tx)
            .await?;
    }};
}

impl WriteTx {
    /// Create a segment with its first version (fails with `Conflict` if the name is taken).
    pub async fn create_segment(
        &mut self,
        seg: &SegmentRecord,
        v: &VersionRecord,
    ) -> Result<(), StoreError> {
        on_tx!(self, t => {
            let r = sqlx::query("INSERT INTO segments (id, name, description, current_version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(seg.id.clone()).bind(seg.name.clone()).bind(seg.description.clone()).bind(seg.current_version).bind(seg.created_at).bind(seg.updated_at)
                .execute(&mut **t).await;
            if let Err(sqlx::Error::Database(e)) = &r
                && e.is_unique_violation() {
                    return Err(StoreError::Conflict(format!("a segment named `{}` already exists", seg.name)));
                }
            r?;
            insert_version!(t, v);
        });
        Ok(())
    }

    /// Add a new version and make it current.
    pub async fn add_version(&mut self, v: &VersionRecord) -> Result<(), StoreError> {
        on_tx!(self, t => {
            insert_version!(t, v);
            // Earlier drafts and pending reviews are replaced by the new version; approved, active
            // and paused versions keep their state (the running one goes on unchanged).
            sqlx::query("UPDATE segment_versions SET status = 'superseded' WHERE segment_id = $1 AND version < $2 AND status IN ('draft', 'submitted', 'rejected')")
                .bind(v.segment_id.clone()).bind(v.version).execute(&mut **t).await?;
            let n = sqlx::query("UPDATE segments SET current_version = $1, updated_at = $2 WHERE id = $3").bind(v.version).bind(v.created_at).bind(v.segment_id.clone()).execute(&mut **t).await?;
            if n.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
        });
        Ok(())
    }
}
