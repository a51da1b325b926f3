//! Scores kept current without retraining: after every import and on the server's schedule,
//! the latest stored model of each task scores every customer again as of the current as-of
//! date, so customers the import created get scores and everyone's recency moves on. Models
//! are read from the database (the chosen model, forests included), so this works in a fresh
//! process after a restart.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::{App, AppError};
use crate::domain::scoring::backtest::DAYS_BEFORE;
use crate::domain::scoring::history::Snapshot;
use crate::domain::scoring::{
    FeatureSpec, Logistic, Model, ModelKind, ScoringError, Task, score_task,
};
use crate::domain::time::AsOf;
use crate::store::ModelRecord;

/// How many days of score history are kept before the latest re-score: the oldest backtest
/// date's, so a server re-scoring daily finds every backtest date kept.
const HISTORY_DAYS: u64 = DAYS_BEFORE[DAYS_BEFORE.len() - 1] as u64;

/// One model's scores written again.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rescored {
    /// The score attribute (`churn_risk`, …).
    pub task: String,
    /// The stored model version that scored.
    pub version: i64,
    /// Customers scored.
    pub scored: usize,
}

/// How scores are kept current by a long-running server.
#[derive(Debug, Clone, Default)]
pub struct ScoreSettings {
    /// Re-score every customer this often (`None`: only after imports).
    pub refresh_every: Option<Duration>,
    /// On the schedule, train new model versions first (same tasks and horizons).
    pub retrain: bool,
}

/// The stored chosen model of a record (`json`: its `model` column): that model when stored,
/// else the logistic column when logistic regression was chosen. `None` for a forest stored
/// before forests were.
pub fn stored_model(m: &ModelRecord, json: Option<&str>) -> Result<Option<Model>, AppError> {
    let bad = |e: serde_json::Error| {
        AppError::StoredDataUnreadable(format!("stored model {} v{}: {e}", m.task, m.version))
    };
    if let Some(json) = json {
        return Ok(Some(serde_json::from_str(json).map_err(bad)?));
    }
    // The stored kind is the `Debug` name of [`ModelKind`].
    if m.kind == format!("{:?}", ModelKind::LogisticRegression) {
        return Ok(Some(Model::Logistic(
            serde_json::from_str::<Logistic>(&m.logistic).map_err(bad)?,
        )));
    }
    Ok(None)
}

impl App {
    /// The latest stored model of each task.
    pub(super) async fn latest_models(&self) -> Result<Vec<ModelRecord>, AppError> {
        let mut latest: Vec<ModelRecord> = Vec::new();
        for m in self.store.list_models().await? {
            if latest.last().is_none_or(|l| l.task != m.task) {
                latest.push(m);
            }
        }
        Ok(latest)
    }

    /// Score every customer again with the latest model of each task, as of `as_of`; nothing
    /// is retrained. No models, nothing to do (and the data is not even loaded).
    /// Those who may train may ask for it.
    pub async fn rescore(
        &self,
        as_of: AsOf,
        actor: &super::Actor,
    ) -> Result<Vec<Rescored>, AppError> {
        actor.allow(crate::domain::access::Permission::Train)?;
        self.rescore_all(as_of).await
    }

    /// [`App::rescore`] for the app's own schedule and imports.
    pub(super) async fn rescore_all(&self, as_of: AsOf) -> Result<Vec<Rescored>, AppError> {
        let latest = self.latest_models().await?;
        if latest.is_empty() {
            return Ok(Vec::new());
        }
        let table = Arc::new(self.store.load_table().await?);
        let mut out = Vec::new();
        for m in latest {
            let Some(model) = self.parsed_model(&m).await? else {
                tracing::warn!(task = %m.task, version = m.version, "model stored without its forest: train again to refresh its scores");
                continue;
            };
            let bad = |e: serde_json::Error| {
                AppError::StoredDataUnreadable(format!(
                    "stored model {} v{}: {e}",
                    m.task, m.version
                ))
            };
            let task: Task = serde_json::from_str(&m.task_spec).map_err(bad)?;
            let spec: FeatureSpec = serde_json::from_str(&m.features).map_err(bad)?;
            let (t, task2, now) = (table.clone(), task.clone(), as_of.end());
            let span = tracing::info_span!("rescore", task = %m.task, version = m.version);
            let (scores, snapshot) = tokio::task::spawn_blocking(move || {
                let _g = span.enter();
                let (rows, probs) = score_task(&t, &task2, &spec, &model, now)?;
                let scores = super::scoring::score_rows(&t, &task2, &rows, &probs);
                Ok::<_, ScoringError>((scores, Snapshot::of_rows(&t, &rows, probs)))
            })
            .await
            .map_err(|e| AppError::TaskFailed(format!("scoring task failed: {e}")))??;
            self.keep_history(&m.task, m.version, as_of, &snapshot)
                .await?;
            self.store
                .replace_scores(
                    &m.task,
                    &crate::domain::scoring::tier_attribute(&m.task),
                    &scores,
                )
                .await?;
            out.push(Rescored {
                task: m.task.clone(),
                version: m.version,
                scored: scores.len(),
            });
        }
        self.keep_backtest_history(&table, as_of).await?;
        self.invalidate();
        Ok(out)
    }

    /// Keep a model's scores of `as_of` in the score history, and forget what no backtest of
    /// this date or a later one reads: other versions' and instants more than
    /// [`HISTORY_DAYS`] days before it.
    pub(super) async fn keep_history(
        &self,
        task: &str,
        version: i64,
        as_of: AsOf,
        snapshot: &Snapshot,
    ) -> Result<(), AppError> {
        self.keep_snapshot(task, version, as_of.end(), snapshot)
            .await?;
        let oldest = AsOf::new(as_of.date() - chrono::Days::new(HISTORY_DAYS), as_of.tz());
        Ok(self
            .store
            .prune_score_history(task, version, oldest.end())
            .await?)
    }

    /// After an import: re-score, and say so in the log; a failure here is logged, not
    /// returned, because the import itself is committed.
    pub(super) async fn rescore_after_import(&self) -> Vec<Rescored> {
        let result = match self.as_of(None) {
            Ok(as_of) => self.rescore_all(as_of).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(r) => {
                r.iter().for_each(|x| tracing::info!(task = %x.task, version = x.version, scored = x.scored, "scores refreshed after import"));
                r
            }
            Err(e) => {
                tracing::warn!(error = %e, "scores could not be refreshed after the import: run `segwright train`");
                Vec::new()
            }
        }
    }

    /// Re-score (or retrain, when configured) every `every`, starting one period from now.
    pub fn spawn_score_schedule(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                tick.tick().await;
                match app.scheduled_scores().await {
                    Ok(n) => tracing::info!(models = n, "scheduled score refresh"),
                    Err(e) => tracing::warn!(error = %e, "scheduled score refresh failed"),
                }
            }
        })
    }

    /// One scheduled refresh: retrain the latest tasks (when configured) or re-score; returns
    /// how many models scored.
    async fn scheduled_scores(&self) -> Result<usize, AppError> {
        let as_of = self.as_of(None)?;
        if !self.settings.scores.retrain {
            return Ok(self.rescore_all(as_of).await?.len());
        }
        let mut n = 0;
        for req in super::scoring::requests_of(&self.latest_models().await?) {
            n += self.train_models(&req, as_of, None).await?.len();
        }
        Ok(n)
    }
}
