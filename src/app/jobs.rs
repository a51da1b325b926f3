//! Background training jobs for the HTTP API: start one, then poll its status. Kept in memory
//! (a restart forgets running jobs; the models they stored stay in the database).

use std::sync::Arc;

use serde::Serialize;

use super::{Actor, App, AppError, TrainRequest, TrainedModel};
use crate::domain::access::Permission;
use crate::domain::time::AsOf;

/// A training job's state.
#[derive(Debug, Clone, Serialize)]
pub struct TrainJob {
    pub id: String,
    /// `running`, `done` or `failed`.
    pub status: &'static str,
    pub as_of: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub models: Vec<TrainedModel>,
    pub error: Option<String>,
}

impl App {
    /// Start training in the background as `actor` (a campaign manager or an admin); returns
    /// the job at once. Refused before anything starts when the actor may not train.
    pub fn start_training(
        self: &Arc<Self>,
        req: TrainRequest,
        as_of: AsOf,
        actor: &Actor,
    ) -> Result<TrainJob, AppError> {
        actor.require(Permission::Train)?;
        let job = TrainJob {
            id: uuid::Uuid::new_v4().to_string(),
            status: "running",
            as_of: as_of.date().to_string(),
            started_at: chrono::Utc::now().timestamp(),
            finished_at: None,
            models: Vec::new(),
            error: None,
        };
        self.jobs
            .lock()
            .expect("jobs lock")
            .insert(job.id.clone(), job.clone());
        let (app, id, actor) = (self.clone(), job.id.clone(), actor.clone());
        tokio::spawn(async move {
            let result = app.train_models_as(&req, as_of, &actor).await;
            let mut jobs = app.jobs.lock().expect("jobs lock");
            let Some(j) = jobs.get_mut(&id) else { return };
            j.finished_at = Some(chrono::Utc::now().timestamp());
            match result {
                Ok(models) => (j.status, j.models) = ("done", models),
                Err(e) => {
                    tracing::warn!(error = %e, "training job failed");
                    (j.status, j.error) = ("failed", Some(e.public_message()));
                }
            }
        });
        Ok(job)
    }

    /// A training job by id (any signed-in role).
    pub fn training_job(&self, id: &str, actor: &Actor) -> Result<Option<TrainJob>, AppError> {
        actor.allow(Permission::Read)?;
        Ok(self.jobs.lock().expect("jobs lock").get(id).cloned())
    }
}
