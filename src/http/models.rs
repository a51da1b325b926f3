//! Predictive models over HTTP: train (a background job, or `"wait": true`), list versions with
//! metrics, one customer's scores with their top factors, and an audience's predicted performance.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::api::actor;
use super::auth::Caller;
use super::error::ApiError;
use super::extract::AppJson;
use crate::app::{AppError, TrainRequest};
use crate::domain::definition::Definition;

type ApiResult<T = Json<Value>> = Result<T, ApiError>;

/// `POST /api/models/train` body (`{}` for the defaults).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainBody {
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    horizon_days: Option<u32>,
    #[serde(default)]
    propensity_horizon_days: Option<u32>,
    #[serde(default)]
    label: Option<String>,
    /// Train within the request and answer with the models instead of a job.
    #[serde(default)]
    wait: bool,
}

/// Any signed-in caller reaches the use case, which decides (campaign managers and admins train).
pub async fn train(
    c: Caller,
    State(app): State<AppState>,
    AppJson(body): AppJson<TrainBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let actor = actor(c);
    let as_of = app.as_of(body.as_of.as_deref())?;
    let d = TrainRequest::default();
    let req = TrainRequest {
        churn_horizon_days: body.horizon_days.unwrap_or(d.churn_horizon_days),
        propensity_horizon_days: body
            .propensity_horizon_days
            .unwrap_or(d.propensity_horizon_days),
        label: body.label,
        options: d.options,
    };
    if body.wait {
        let models = app.train_models_as(&req, as_of, &actor).await?;
        return Ok((
            StatusCode::OK,
            Json(json!({ "status": "done", "models": models })),
        ));
    }
    let job = app.start_training(req, as_of, &actor)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::to_value(job).expect("job serializes")),
    ))
}

pub async fn job(c: Caller, State(app): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let job = app
        .training_job(&id, &actor(c))?
        .ok_or_else(|| AppError::NotFound(format!("training job `{id}`")))?;
    Ok(Json(serde_json::to_value(job).expect("job serializes")))
}

pub async fn list(c: Caller, State(app): State<AppState>) -> ApiResult {
    Ok(Json(json!({ "models": app.models(&actor(c)).await? })))
}

pub async fn customer_scores(
    c: Caller,
    State(app): State<AppState>,
    Path(customer): Path<String>,
) -> ApiResult {
    let scores = app.customer_scores(&customer, 5, &actor(c)).await?;
    Ok(Json(json!({ "customer": customer, "scores": scores })))
}

/// `POST /api/preview/performance` body.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerformanceBody {
    #[schemars(with = "crate::domain::definition::Definition")]
    definition: Value,
    #[serde(default)]
    as_of: Option<String>,
}

pub async fn performance(
    c: Caller,
    State(app): State<AppState>,
    AppJson(body): AppJson<PerformanceBody>,
) -> ApiResult {
    let def = Definition::from_value(body.definition).map_err(|i| AppError::Invalid(vec![i]))?;
    let as_of = app.as_of(body.as_of.as_deref())?;
    let p = app.predicted_performance(&def, as_of, &actor(c)).await?;
    Ok(Json(
        serde_json::to_value(p).expect("performance serializes"),
    ))
}
