//! Model versions (with their metrics and explanation weights) and the scores they write, which
//! are stored as custom attributes so the catalog, definitions and previews see them as fields.

use super::{Bind, ImportTx, Store, StoreError, on_pool};
use crate::domain::catalog::{AttributeSpec, FieldType};
use crate::domain::scoring::decile_attribute;

/// One stored model version.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct ModelRecord {
    /// The score attribute it writes (`churn_risk`, …).
    pub task: String,
    pub version: i64,
    pub kind: String,
    /// JSON of the task (kind and horizon or label column).
    pub task_spec: String,
    /// JSON of the feature choice.
    pub features: String,
    /// JSON of the training report (metrics of every candidate and of the baseline).
    pub report: String,
    /// JSON of the logistic model that explains scores.
    pub logistic: String,
    /// JSON of the chosen model (logistic or forest) that scores; `None` before migration 0010.
    /// Listing leaves it out (a forest is megabytes): read it with [`Store::model_json`].
    pub model: Option<String>,
    pub as_of: String,
    pub train_until: String,
    pub scored: i64,
    pub trained_at: i64,
}

/// One customer's score: internal id, probability, tier, decile (1 = the highest 10%).
pub type ScoreRow = (i64, f64, &'static str, u8);

const COLUMNS: &str = "task, version, kind, task_spec, features, report, logistic, as_of, train_until, scored, trained_at, model";

impl Store {
    /// The next version number of a task's model.
    pub async fn next_model_version(&self, task: &str) -> Result<i64, StoreError> {
        let (v,): (Option<i64>,) = on_pool!(self, p => sqlx::query_as("SELECT MAX(version) FROM models WHERE task = $1").bind(task.to_string()).fetch_one(p).await?);
        Ok(v.unwrap_or(0) + 1)
    }

    /// Every model version, newest first within each task.
    pub async fn list_models(&self) -> Result<Vec<ModelRecord>, StoreError> {
        let sql = "SELECT task, version, kind, task_spec, features, report, logistic, as_of, train_until, scored, trained_at, CAST(NULL AS TEXT) AS model FROM models ORDER BY task, version DESC";
        Ok(on_pool!(self, p => sqlx::query_as::<_, ModelRecord>(sql).fetch_all(p).await?))
    }

    /// The stored chosen model of one version (JSON), if it was stored.
    pub async fn model_json(&self, task: &str, version: i64) -> Result<Option<String>, StoreError> {
        let sql = "SELECT model FROM models WHERE task = $1 AND version = $2";
        let row: Option<(Option<String>,)> = on_pool!(self, p => sqlx::query_as(sql).bind(task.to_string()).bind(version).fetch_optional(p).await?);
        Ok(row.and_then(|r| r.0))
    }
}

impl Store {
    /// Replace a score attribute's values (and its tier's) without storing a model: re-scoring
    /// with a stored model.
    pub async fn replace_scores(
        &self,
        attribute: &str,
        tier_attribute: &str,
        scores: &[ScoreRow],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_import().await?;
        tx.replace_scores(attribute, tier_attribute, scores).await?;
        tx.commit().await
    }
}

impl ImportTx {
    /// Store a model and replace its scores (the caller commits, with the audit entry).
    pub async fn save_model(
        &mut self,
        m: &ModelRecord,
        tier_attribute: &str,
        scores: &[ScoreRow],
    ) -> Result<(), StoreError> {
        let binds = [
            Bind::Text(Some(m.task.clone())),
            Bind::Int(Some(m.version)),
            Bind::Text(Some(m.kind.clone())),
            Bind::Text(Some(m.task_spec.clone())),
            Bind::Text(Some(m.features.clone())),
            Bind::Text(Some(m.report.clone())),
            Bind::Text(Some(m.logistic.clone())),
            Bind::Text(Some(m.as_of.clone())),
            Bind::Text(Some(m.train_until.clone())),
            Bind::Int(Some(m.scored)),
            Bind::Int(Some(m.trained_at)),
            Bind::Text(m.model.clone()),
        ];
        self.run(format!("INSERT INTO models ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"), &binds).await?;
        self.replace_scores(&m.task, tier_attribute, scores).await?;
        Ok(())
    }

    /// Replace every value of a score attribute, its tier attribute and its decile attribute.
    async fn replace_scores(
        &mut self,
        attribute: &str,
        tier: &str,
        scores: &[ScoreRow],
    ) -> Result<(), StoreError> {
        let tiers = ["low", "medium", "high"].map(String::from).to_vec();
        let decile = decile_attribute(attribute);
        let specs = [
            AttributeSpec {
                name: attribute.into(),
                ty: FieldType::Number,
                values: vec![],
                column: attribute.into(),
            },
            AttributeSpec {
                name: tier.into(),
                ty: FieldType::Categorical,
                values: tiers,
                column: tier.into(),
            },
            AttributeSpec {
                name: decile.clone(),
                ty: FieldType::Number,
                values: vec![],
                column: decile.clone(),
            },
        ];
        self.upsert_attribute_specs(&specs).await?;
        for name in [attribute, tier, &decile] {
            self.run(
                "DELETE FROM customer_attributes WHERE name = $1".into(),
                &[Bind::Text(Some(name.into()))],
            )
            .await?;
        }
        let rows = scores
            .iter()
            .map(|&(id, p, _, _)| (id, attribute, Some(p), None))
            .chain(
                scores
                    .iter()
                    .map(|&(id, _, t, _)| (id, tier, None, Some(t))),
            )
            .chain(
                scores
                    .iter()
                    .map(|&(id, _, _, d)| (id, decile.as_str(), Some(f64::from(d)), None)),
            );
        self.insert_attribute_values(rows).await?;
        Ok(())
    }
}

impl Store {
    /// Keep one model version's scores as of `at` (compact bytes, see
    /// [`crate::domain::scoring::history`]), replacing what was kept for that instant.
    pub async fn save_score_history(
        &self,
        task: &str,
        version: i64,
        at: i64,
        customers: usize,
        snapshot: Vec<u8>,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO score_history (task, version, at, customers, snapshot, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (task, version, at) DO UPDATE SET customers = excluded.customers, snapshot = excluded.snapshot, created_at = excluded.created_at";
        let now = super::now();
        on_pool!(self, p => sqlx::query(sql).bind(task.to_string()).bind(version).bind(at).bind(customers as i64).bind(snapshot).bind(now).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// One model version's kept scores as of `at`, if any.
    pub async fn score_history(
        &self,
        task: &str,
        version: i64,
        at: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let sql = "SELECT snapshot FROM score_history WHERE task = $1 AND version = $2 AND at = $3";
        let row: Option<(Vec<u8>,)> = on_pool!(self, p => sqlx::query_as(sql).bind(task.to_string()).bind(version).bind(at).fetch_optional(p).await?);
        Ok(row.map(|r| r.0))
    }

    /// The instants a model version's scores are kept for, oldest first.
    pub async fn score_history_instants(
        &self,
        task: &str,
        version: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let sql = "SELECT at FROM score_history WHERE task = $1 AND version = $2 ORDER BY at";
        let rows: Vec<(i64,)> = on_pool!(self, p => sqlx::query_as(sql).bind(task.to_string()).bind(version).fetch_all(p).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

impl Store {
    /// Forget a task's kept scores of other versions, and of its version before `oldest`.
    pub async fn prune_score_history(
        &self,
        task: &str,
        version: i64,
        oldest: i64,
    ) -> Result<(), StoreError> {
        let sql = "DELETE FROM score_history WHERE task = $1 AND (version <> $2 OR at < $3)";
        on_pool!(self, p => sqlx::query(sql).bind(task.to_string()).bind(version).bind(oldest).execute(p).await.map(|_| ())?);
        Ok(())
    }
}

impl ImportTx {
    /// Forget every kept score history: scores as of a past date depend on the data up to it,
    /// which an import may change (re-scoring after the import keeps them again).
    pub async fn forget_score_history(&mut self) -> Result<(), StoreError> {
        self.run("DELETE FROM score_history".into(), &[]).await?;
        Ok(())
    }
}
