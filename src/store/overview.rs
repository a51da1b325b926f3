//! Read models for the web app's lists, each one query however many rows it shows: the segments
//! list (status, owner, size at the latest submission, last sync run) and the review queue
//! (every version waiting for a decision, with who wrote and submitted it).

use serde::Serialize;

use super::{Store, StoreError, on_pool};

/// One row of the segments list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SegmentSummaryRow {
    pub id: String,
    pub name: String,
    pub current_version: i64,
    pub active_version: Option<i64>,
    pub updated_at: i64,
    /// Status of the current version.
    pub status: String,
    /// Email of whoever wrote the first version (`None` for a local command without `--as`).
    pub owner: Option<String>,
    /// JSON of the size stored with the newest submission, if any version was submitted.
    #[serde(skip)]
    pub submitted_size: Option<String>,
    pub submitted_version: Option<i64>,
    pub last_sync_at: Option<i64>,
    pub last_sync_status: Option<String>,
}

/// A version waiting for review, with its submission.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PendingRow {
    pub segment_id: String,
    pub name: String,
    pub version: i64,
    pub author: Option<String>,
    pub submitted_by: String,
    pub submitted_at: i64,
    /// JSON of the size at submission.
    #[serde(skip)]
    pub preview: String,
    /// JSON list of destinations.
    #[serde(skip)]
    pub destinations: String,
}

// Correlated sub-selects rather than one query per segment: the page costs one round trip.
const SUMMARY_SQL: &str = "SELECT s.id, s.name, s.current_version, s.active_version, s.updated_at, cv.status,
    (SELECT u.email FROM segment_versions f JOIN users u ON u.id = f.author_id WHERE f.segment_id = s.id ORDER BY f.version LIMIT 1) AS owner,
    (SELECT sub.preview FROM submissions sub WHERE sub.segment_id = s.id ORDER BY sub.version DESC LIMIT 1) AS submitted_size,
    (SELECT sub.version FROM submissions sub WHERE sub.segment_id = s.id ORDER BY sub.version DESC LIMIT 1) AS submitted_version,
    (SELECT r.created_at FROM sync_runs r WHERE r.segment_id = s.id ORDER BY r.created_at DESC, r.id DESC LIMIT 1) AS last_sync_at,
    (SELECT r.status FROM sync_runs r WHERE r.segment_id = s.id ORDER BY r.created_at DESC, r.id DESC LIMIT 1) AS last_sync_status
  FROM segments s JOIN segment_versions cv ON cv.segment_id = s.id AND cv.version = s.current_version
  ORDER BY s.name";

const PENDING_SQL: &str = "SELECT s.id AS segment_id, s.name, v.version, au.email AS author,
    COALESCE(su.email, sub.submitted_by) AS submitted_by, sub.submitted_at, sub.preview, sub.destinations
  FROM segment_versions v
  JOIN segments s ON s.id = v.segment_id
  JOIN submissions sub ON sub.segment_id = v.segment_id AND sub.version = v.version
  LEFT JOIN users au ON au.id = v.author_id
  LEFT JOIN users su ON su.id = sub.submitted_by
  WHERE v.status = 'submitted'
  ORDER BY sub.submitted_at, s.name";

impl Store {
    /// Every segment with what its list row shows, in one query.
    pub async fn segment_summaries(&self) -> Result<Vec<SegmentSummaryRow>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(SUMMARY_SQL).fetch_all(p).await?))
    }

    /// Versions waiting for a decision, oldest submission first.
    pub async fn pending_submissions(&self) -> Result<Vec<PendingRow>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(PENDING_SQL).fetch_all(p).await?))
    }

    /// How many versions wait for a decision.
    pub async fn pending_count(&self) -> Result<i64, StoreError> {
        let n: (i64,) = on_pool!(self, p => sqlx::query_as("SELECT COUNT(*) FROM segment_versions WHERE status = 'submitted'").fetch_one(p).await?);
        Ok(n.0)
    }
}
