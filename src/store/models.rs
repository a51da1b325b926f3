//! Model versions (with their metrics and explanation weights) and the scores they write, which
//! are stored as custom attributes so the catalog, definitions and previews see them as fields.

use super::import::placeholders;
use super::{Bind, ImportTx, Store, StoreError, on_pool};
use crate::domain::catalog::{AttributeSpec, FieldType};

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
    pub as_of: String,
    pub train_until: String,
    pub scored: i64,
    pub trained_at: i64,
}

/// One customer's score: internal id, probability, tier.
pub type ScoreRow = (i64, f64, &'static str);

const COLUMNS: &str = "task, version, kind, task_spec, features, report, logistic, as_of, train_until, scored, trained_at";

impl Store {
    /// The next version number of a task's model.
    pub async fn next_model_version(&self, task: &str) -> Result<i64, StoreError> {
        let (v,): (Option<i64>,) =
            on_pool!(self, p => sqlx::query_as("SELECT MAX(version) FROM models WHERE task = $1").bind(task.to_string()).fetch_one(p).await?);
        Ok(v.unwrap_or(0) + 1)
    }

    /// Every model version, newest first within each task.
    pub async fn list_models(&self) -> Result<Vec<ModelRecord>, StoreError> {
        let sql =
            "SELECT task, version, kind, task_spec, features, report, logistic, as_of, train_until, scored, trained_at FROM models ORDER BY task, version DESC";
        Ok(on_pool!(self, p => sqlx::query_as::<_, ModelRecord>(sql).fetch_all(p).await?))
    }

    /// Store a model and replace its scores, in one transaction.
    pub async fn save_model(&self, m: &ModelRecord, tier_attribute: &str, scores: &[ScoreRow]) -> Result<(), StoreError> {
        let mut tx = self.begin_import().await?;
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
        ];
        tx.run(format!("INSERT INTO models ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"), &binds).await?;
        tx.replace_scores(&m.task, tier_attribute, scores).await?;
        tx.commit().await
    }
}

impl ImportTx {
    /// Replace every value of a score attribute and its tier attribute.
    async fn replace_scores(&mut self, attribute: &str, tier: &str, scores: &[ScoreRow]) -> Result<(), StoreError> {
        let tiers = ["low", "medium", "high"].map(String::from).to_vec();
        let specs = [
            AttributeSpec { name: attribute.into(), ty: FieldType::Number, values: vec![], column: attribute.into() },
            AttributeSpec { name: tier.into(), ty: FieldType::Categorical, values: tiers, column: tier.into() },
        ];
        self.upsert_attribute_specs(&specs).await?;
        for name in [attribute, tier] {
            self.run("DELETE FROM customer_attributes WHERE name = $1".into(), &[Bind::Text(Some(name.into()))]).await?;
        }
        for part in scores.chunks(1_000) {
            let binds: Vec<Bind> = part
                .iter()
                .flat_map(|&(id, p, t)| {
                    [
                        [Bind::Int(Some(id)), Bind::Text(Some(attribute.into())), Bind::Float(Some(p)), Bind::Text(None)],
                        [Bind::Int(Some(id)), Bind::Text(Some(tier.into())), Bind::Float(None), Bind::Text(Some(t.into()))],
                    ]
                })
                .flatten()
                .collect();
            let sql = format!(
                "INSERT INTO customer_attributes (customer_id, name, num_value, text_value) VALUES {}",
                placeholders(self.is_sqlite(), part.len() * 2, 4)
            );
            self.run(sql, &binds).await?;
        }
        Ok(())
    }
}
