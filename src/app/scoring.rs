//! Train the predictive models, store their versions and scores, and explain one customer's
//! scores. Model fitting and scoring are CPU work and run on a blocking thread; scores are
//! written as custom attributes, after which the catalog cache is invalidated so the new fields
//! (`churn_risk`, `purchase_propensity`, their tiers, `COLUMN_propensity`) appear everywhere.

use std::sync::Arc;

use serde::Serialize;

use super::{Actor, App, AppError};
use crate::domain::access::Permission;
use crate::domain::columnar::Table;
use crate::domain::scoring::model::Model;
use crate::domain::scoring::task::{forest_factors, top_factors};
use crate::domain::scoring::{
    CustomerScore, FeatureSpec, FeatureWeight, Logistic, ScoringError, Task, TaskKind,
    TrainOptions, TrainReport, fit_task, score_task,
};
use crate::domain::time::AsOf;
use crate::store::{ModelRecord, ScoreRow};

impl From<ScoringError> for AppError {
    fn from(e: ScoringError) -> Self {
        match e {
            ScoringError::Fit(m) => AppError::ModelFit(format!("model fitting failed: {m}")),
            other => AppError::BadInput(other.to_string()),
        }
    }
}

/// What to train.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    /// Churn horizon in days (default 90).
    pub churn_horizon_days: u32,
    /// Purchase-propensity horizon in days (default 30).
    pub propensity_horizon_days: u32,
    /// Train a propensity model for this boolean custom attribute instead.
    pub label: Option<String>,
    pub options: TrainOptions,
}

impl Default for TrainRequest {
    fn default() -> Self {
        Self {
            churn_horizon_days: 90,
            propensity_horizon_days: 30,
            label: None,
            options: TrainOptions::default(),
        }
    }
}

/// One trained and stored model.
#[derive(Debug, Clone, Serialize)]
pub struct TrainedModel {
    /// The score attribute (`churn_risk`, `purchase_propensity`, `COLUMN_propensity`).
    pub task: String,
    pub version: i64,
    pub as_of: String,
    /// Last day of the data the features were computed from (T = D − H), or D for labels.
    pub train_until: String,
    pub report: TrainReport,
    /// Customers scored.
    pub scored: usize,
    pub seconds: f64,
    /// The features that move the score most (from the logistic model that explains scores).
    pub top_features: Vec<FeatureWeight>,
}

/// How many features a model's summary names.
const TOP_FEATURES: usize = 10;

impl TrainedModel {
    /// The metrics table as text, chosen model and baseline side by side.
    pub fn table(&self) -> String {
        let r = &self.report;
        let mut s = format!(
            "{} v{} (as of {}, features until {}): {} rows, {:.1}% positive, {} fit / {} validation; chosen: {}; {} customers scored in {:.1}s\n",
            self.task,
            self.version,
            self.as_of,
            self.train_until,
            r.rows,
            r.positive_rate * 100.0,
            r.fit_rows,
            r.validation_rows,
            r.chosen.label(),
            self.scored,
            self.seconds
        );
        if let Some(n) = r.sampled_from {
            s.push_str(&format!("  trained on a stratified sample of {} of {n} labelled rows (hold-out taken from the sample)\n", r.rows));
        }
        s.push_str(
            "  model                 ROC AUC  PR AUC  Brier   top-10% lift  capture  fit s\n",
        );
        let row = |name: &str, m: &crate::domain::scoring::Metrics, fit: Option<f64>| {
            format!(
                "  {name:<21} {:.4}   {:.4}  {}  {:>12.2}  {:>6.1}%  {}\n",
                m.roc_auc,
                m.pr_auc,
                m.brier.map_or("  -   ".into(), |b| format!("{b:.4}")),
                m.top_decile_lift,
                m.top_decile_capture * 100.0,
                fit.map_or("-".into(), |f| format!("{f:.2}"))
            )
        };
        for c in &r.candidates {
            s.push_str(&row(c.kind.label(), &c.metrics, Some(c.fit_seconds)));
        }
        s.push_str(&row("recency baseline", &r.baseline, None));
        if let Some(cv) = &r.cross_validation {
            s.push_str(&format!(
                "  {}-fold cross-validation (pooled ROC AUC, all rows): logistic regression {:.4}, recency baseline {:.4}\n",
                cv.folds, cv.logistic_roc_auc, cv.baseline_roc_auc
            ));
        }
        s.push_str("  calibration (chosen): predicted → observed");
        for b in &r.chosen_metrics().calibration {
            s.push_str(&format!(
                " | {:.2}→{:.2} (n={})",
                b.mean_predicted, b.observed_rate, b.count
            ));
        }
        s.push('\n');
        s
    }
}

/// Stored score rows of table rows: customer id, probability, tier.
pub(crate) fn score_rows(t: &Table, task: &Task, rows: &[usize], probs: &[f64]) -> Vec<ScoreRow> {
    let ids: Vec<i64> = rows.iter().map(|&r| t.ids[r]).collect();
    score_rows_of_ids(task, &ids, probs)
}

fn score_rows_of_ids(task: &Task, ids: &[i64], probs: &[f64]) -> Vec<ScoreRow> {
    let deciles = crate::domain::scoring::deciles(probs);
    ids.iter()
        .zip(probs)
        .zip(deciles)
        .map(|((&id, &p), d)| (id, p, task.tier(p), d))
        .collect()
}

/// The train requests that make the given models again: the behavioural pair with their
/// horizons, and one request per label column.
pub(crate) fn requests_of(models: &[ModelRecord]) -> Vec<TrainRequest> {
    let mut behavioural: Option<TrainRequest> = None;
    let mut out = Vec::new();
    for m in models {
        let Ok(task) = serde_json::from_str::<Task>(&m.task_spec) else {
            continue;
        };
        match task.kind {
            TaskKind::Churn { horizon_days } => {
                behavioural
                    .get_or_insert_with(TrainRequest::default)
                    .churn_horizon_days = horizon_days
            }
            TaskKind::Propensity { horizon_days } => {
                behavioural
                    .get_or_insert_with(TrainRequest::default)
                    .propensity_horizon_days = horizon_days
            }
            TaskKind::Label { column } => out.push(TrainRequest {
                label: Some(column),
                ..Default::default()
            }),
        }
    }
    out.extend(behavioural);
    out
}

fn instants(as_of: &AsOf, horizon: Option<u32>) -> (AsOf, i64) {
    let train = horizon.map_or(*as_of, |h| {
        AsOf::new(as_of.date() - chrono::Days::new(h.into()), as_of.tz())
    });
    (train, as_of.end())
}

/// A model fitted and its customers scored, not stored yet.
struct Fitted {
    task: Task,
    started: std::time::Instant,
    train_as_of: AsOf,
    spec: crate::domain::scoring::FeatureSpec,
    trained: crate::domain::scoring::Trained,
    /// Customer ids and their scores.
    rows: Vec<i64>,
    probs: Vec<f64>,
}

/// Start fitting and scoring `task` on a blocking thread.
fn fit_one(
    table: Arc<Table>,
    task: Task,
    as_of: AsOf,
    opts: TrainOptions,
) -> tokio::task::JoinHandle<Result<Fitted, ScoringError>> {
    let started = std::time::Instant::now();
    let span = tracing::info_span!("train", task = %task.attribute());
    tokio::task::spawn_blocking(move || {
        let _g = span.enter();
        let (train_as_of, now) = instants(&as_of, task.horizon_days());
        let train_at = if task.horizon_days().is_some() {
            train_as_of.end()
        } else {
            now
        };
        let (spec, trained) = fit_task(&table, &task, train_at, now, &opts)?;
        let (rows, probs) = score_task(&table, &task, &spec, &trained.model, now)?;
        let rows: Vec<i64> = rows.iter().map(|&r| table.ids[r]).collect();
        Ok(Fitted {
            task,
            started,
            train_as_of,
            spec,
            trained,
            rows,
            probs,
        })
    })
}

impl App {
    /// Train as `actor`: a campaign manager's or an admin's action (a local command without
    /// `--as` is the operator), each model version audited as `models.train` in the
    /// transaction that stores it.
    pub async fn train_models_as(
        &self,
        req: &TrainRequest,
        as_of: AsOf,
        actor: &Actor,
    ) -> Result<Vec<TrainedModel>, AppError> {
        if actor.principal.is_some() {
            actor.require(Permission::Train)?;
        }
        let models = self.train_models(req, as_of, Some(actor)).await?;
        Ok(models)
    }

    /// Train churn and purchase-propensity models (or one model for `req.label`) as of the
    /// as-of date, store each version with its metrics, and write every customer's scores. The
    /// app's own step: users train through [`App::train_models_as`].
    pub(super) async fn train_models(
        &self,
        req: &TrainRequest,
        as_of: AsOf,
        actor: Option<&Actor>,
    ) -> Result<Vec<TrainedModel>, AppError> {
        let tasks = match &req.label {
            // The column may be named as the CSV spelled it (`Churn`, `Streaming TV`).
            Some(col) => {
                let snap = self.snapshot().await?;
                vec![Task::label(
                    snap.catalog
                        .resolve(col)
                        .map_or(col.as_str(), |f| f.name.as_str()),
                )]
            }
            None => vec![
                Task::churn(req.churn_horizon_days),
                Task::propensity(req.propensity_horizon_days),
            ],
        };
        let loading = std::time::Instant::now();
        let table = Arc::new(self.store.load_table().await?);
        tracing::info!(
            ms = loading.elapsed().as_millis() as u64,
            customers = table.len(),
            "data loaded for training"
        );
        // Each model's scores are stored while the next one fits: the store writes on one core
        // while fitting keeps both busy, instead of the cores idling through the write.
        let mut out = Vec::new();
        let mut fitted: Option<Fitted> = None;
        for task in tasks {
            let next = fit_one(table.clone(), task, as_of, req.options);
            if let Some(done) = fitted.take() {
                out.push(self.store_fitted(done, as_of, actor).await?);
            }
            fitted = Some(
                next.await
                    .map_err(|e| AppError::TaskFailed(format!("training task failed: {e}")))??,
            );
        }
        if let Some(done) = fitted {
            out.push(self.store_fitted(done, as_of, actor).await?);
        }
        // The backtest dates' scores, so that previews read them instead of scoring.
        self.keep_backtest_history(&table, as_of).await?;
        self.invalidate();
        Ok(out)
    }

    /// Store a fitted model as its task's next version, with every customer's score.
    /// With an `actor`, the version is audited as `models.train` in the same transaction.
    async fn store_fitted(
        &self,
        f: Fitted,
        as_of: AsOf,
        actor: Option<&Actor>,
    ) -> Result<TrainedModel, AppError> {
        let Fitted {
            task,
            started,
            train_as_of,
            spec,
            trained,
            rows,
            probs,
        } = f;
        let attribute = task.attribute();
        let scores = score_rows_of_ids(&task, &rows, &probs);
        let version = self.store.next_model_version(&attribute).await?;
        let record = ModelRecord {
            task: attribute.clone(),
            version,
            kind: format!("{:?}", trained.report.chosen),
            task_spec: serde_json::to_string(&task).expect("task serializes"),
            features: serde_json::to_string(&spec).expect("spec serializes"),
            report: serde_json::to_string(&trained.report).expect("report serializes"),
            logistic: serde_json::to_string(&trained.logistic).expect("model serializes"),
            model: Some(serde_json::to_string(&trained.model).expect("model serializes")),
            as_of: as_of.date().to_string(),
            train_until: train_as_of.date().to_string(),
            scored: scores.len() as i64,
            trained_at: chrono::Utc::now().timestamp(),
        };
        let saving = std::time::Instant::now();
        let mut tx = self.store.begin_import().await?;
        tx.save_model(
            &record,
            &crate::domain::scoring::tier_attribute(&attribute),
            &scores,
        )
        .await?;
        if let Some(actor) = actor {
            let after = serde_json::json!({"task": attribute, "version": version, "scored": record.scored, "as_of": record.as_of});
            let change = super::Change {
                after: Some(after),
                ..Default::default()
            };
            self.audit_in(tx.write_tx(), actor, "models.train", change)
                .await?;
        }
        tx.commit().await?;
        let snapshot = crate::domain::scoring::history::Snapshot {
            deciles: crate::domain::scoring::deciles(&probs),
            ids: rows,
            scores: probs,
        };
        self.keep_history(&attribute, version, as_of, &snapshot)
            .await?;
        tracing::info!(task = %attribute, fit_and_score_ms = (saving - started).as_millis() as u64, save_ms = saving.elapsed().as_millis() as u64, "model trained and scores stored");
        Ok(TrainedModel {
            task: attribute,
            version,
            as_of: record.as_of,
            train_until: record.train_until,
            top_features: trained
                .logistic
                .top_features(&trained.report.features, TOP_FEATURES),
            report: trained.report,
            scored: scores.len(),
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Every stored model version, newest first within each task (any signed-in role).
    pub async fn models(&self, actor: &Actor) -> Result<Vec<TrainedModel>, AppError> {
        actor.allow(Permission::Read)?;
        let mut out = Vec::new();
        for m in self.store.list_models().await? {
            let report: TrainReport = serde_json::from_str(&m.report)
                .map_err(|e| AppError::StoredDataUnreadable(format!("stored model report: {e}")))?;
            let logistic: Logistic = serde_json::from_str(&m.logistic)
                .map_err(|e| AppError::StoredDataUnreadable(format!("stored model: {e}")))?;
            out.push(TrainedModel {
                top_features: logistic.top_features(&report.features, TOP_FEATURES),
                task: m.task,
                version: m.version,
                as_of: m.as_of,
                train_until: m.train_until,
                report,
                scored: m.scored as usize,
                seconds: 0.0,
            });
        }
        Ok(out)
    }

    /// A stored model version as it scores, parsed once (`None` for versions stored without it).
    pub(super) async fn parsed_model(
        &self,
        m: &crate::store::ModelRecord,
    ) -> Result<Option<Arc<Model>>, AppError> {
        let key = (m.task.clone(), m.version);
        if let Some(model) = self.parsed_models.lock().expect("model cache").get(&key) {
            return Ok(Some(model.clone()));
        }
        let json = self.store.model_json(&m.task, m.version).await?;
        let Some(model) = super::rescore::stored_model(m, json.as_deref())? else {
            return Ok(None);
        };
        let model = Arc::new(model);
        self.parsed_models
            .lock()
            .expect("model cache")
            .insert(key, model.clone());
        Ok(Some(model))
    }

    /// One customer's current scores (latest model of each task) with the top `k` factors:
    /// from the logistic model (coefficient × standardized feature value), or from the forest
    /// when it was chosen (its vote share minus that with the feature at its mean).
    /// Any signed-in role may read them.
    pub async fn customer_scores(
        &self,
        external_id: &str,
        k: usize,
        actor: &Actor,
    ) -> Result<Vec<CustomerScore>, AppError> {
        actor.allow(Permission::Read)?;
        let table = match self.table().await? {
            Some(t) => t,
            None => Arc::new(self.store.load_table().await?),
        };
        let row = table
            .external_ids
            .iter()
            .position(|e| e == external_id)
            .ok_or_else(|| AppError::NotFound(format!("customer `{external_id}`")))?;
        Ok(self
            .row_scores(&table, &[row], k)
            .await?
            .pop()
            .unwrap_or_default())
    }

    /// The current scores of several table rows (the latest model of each task), each with its
    /// top `k` factors; one list per row, empty when the row has no score.
    pub(super) async fn row_scores(
        &self,
        table: &Table,
        rows: &[usize],
        k: usize,
    ) -> Result<Vec<Vec<CustomerScore>>, AppError> {
        let latest = self.latest_models().await?;
        let mut out = vec![Vec::new(); rows.len()];
        for m in latest {
            let Some(crate::domain::columnar::Column::Num(values)) = table.columns.get(&m.task)
            else {
                continue;
            };
            let scored: Vec<usize> = (0..rows.len())
                .filter(|&j| values[rows[j]].is_finite())
                .collect();
            if scored.is_empty() {
                continue;
            }
            let bad =
                |e: serde_json::Error| AppError::StoredDataUnreadable(format!("stored model: {e}"));
            let task: Task = serde_json::from_str(&m.task_spec).map_err(bad)?;
            let spec: FeatureSpec = serde_json::from_str(&m.features).map_err(bad)?;
            let logistic: Logistic = serde_json::from_str(&m.logistic).map_err(bad)?;
            let as_of =
                AsOf::parse(&m.as_of, self.settings.timezone.name()).map_err(AppError::BadInput)?;
            let f = spec.compute(
                table,
                scored.iter().map(|&j| rows[j]).collect(),
                as_of.end(),
            );
            // Factors of the model that scored: the forest's own when it was chosen.
            let from_forest = match self.parsed_model(&m).await?.as_deref() {
                Some(Model::Forest(forest)) => Some(
                    forest_factors(forest, &logistic.scaler.mean, &f.names, &f.values, k)
                        .map_err(|e| AppError::StoredDataUnreadable(e.to_string()))?,
                ),
                _ => None,
            };
            for (i, &j) in scored.iter().enumerate() {
                let score = values[rows[j]];
                let factors = match &from_forest {
                    Some(all) => all[i].clone(),
                    None => top_factors(&logistic, &f.names, &f.values[i], k),
                };
                out[j].push(CustomerScore {
                    task: m.task.clone(),
                    version: m.version,
                    score,
                    tier: task.tier(score),
                    factors,
                });
            }
        }
        Ok(out)
    }
}
