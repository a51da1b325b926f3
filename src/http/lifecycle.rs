//! The review workflow and the audit log over HTTP: `POST /api/segments/{id}/submit|approve|
//! reject|activate|pause|archive|deliver|refresh|replace`, `GET /api/segments/{id}/review`,
//! `GET /api/segments/{id}/syncs`, `GET /api/syncs/{run}`, `GET /api/audit` (JSON or
//! `format=csv`) and `GET /api/audit/verify`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::api::actor;
use super::auth::Caller;
use super::error::ApiError;
use super::extract::AppJson;
use crate::app::audit::{AuditFilter, audit_csv};
use crate::app::{AppError, SyncKind};
use crate::domain::policy::Destination;

type ApiResult = Result<Json<Value>, ApiError>;

fn ok<T: serde::Serialize>(v: T) -> ApiResult {
    Ok(Json(serde_json::to_value(v).expect("serializable")))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    destinations: Vec<String>,
}

pub async fn submit(
    c: Caller,
    State(app): State<AppState>,
    Path(id): Path<String>,
    AppJson(body): AppJson<SubmitBody>,
) -> ApiResult {
    let destinations = body
        .destinations
        .iter()
        .map(|d| Destination::parse(d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(AppError::BadInput)?;
    ok(app.submit_segment(&id, destinations, &actor(c)).await?)
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    #[serde(default)]
    version_hash: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

pub async fn approve(
    c: Caller,
    State(app): State<AppState>,
    Path(id): Path<String>,
    AppJson(body): AppJson<DecisionBody>,
) -> ApiResult {
    ok(app
        .approve_segment(&id, body.version_hash.as_deref(), body.comment, &actor(c))
        .await?)
}

pub async fn reject(
    c: Caller,
    State(app): State<AppState>,
    Path(id): Path<String>,
    AppJson(body): AppJson<DecisionBody>,
) -> ApiResult {
    ok(app
        .reject_segment(&id, body.comment.as_deref(), &actor(c))
        .await?)
}

pub async fn activate(c: Caller, State(app): State<AppState>, Path(id): Path<String>) -> ApiResult {
    ok(app.activate_segment(&id, &actor(c)).await?)
}

pub async fn pause(c: Caller, State(app): State<AppState>, Path(id): Path<String>) -> ApiResult {
    ok(app.pause_segment(&id, &actor(c)).await?)
}

pub async fn archive(c: Caller, State(app): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let n = app.archive_segment(&id, &actor(c)).await?;
    ok(json!({ "segment": id, "status": "archived", "versions_archived": n }))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliverBody {
    #[serde(default)]
    dry_run: bool,
}

/// Start a sync run of the active version (202 with the run; poll `GET /api/syncs/{run}`), or
/// answer a dry run of it (200).
pub async fn deliver(
    c: Caller,
    State(app): State<AppState>,
    Path(id): Path<String>,
    AppJson(body): AppJson<DeliverBody>,
) -> Result<Response, ApiError> {
    if body.dry_run {
        return Ok(Json(app.dry_run(&id, &actor(c)).await?).into_response());
    }
    let actor = actor(c);
    let run = app.start_sync(&id, SyncKind::Deliver, &actor).await?;
    let report = app.sync_report(run.id, &actor).await?;
    Ok((StatusCode::ACCEPTED, Json(report)).into_response())
}

/// Recompute the active version and send only its additions and removals (202 with the run).
pub async fn refresh(
    c: Caller,
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = actor(c);
    let run = app.refresh_segment(&id, &actor).await?;
    let report = app.sync_report(run.id, &actor).await?;
    Ok((StatusCode::ACCEPTED, Json(report)).into_response())
}

/// Replace the audience where the platform can (Meta), send changes elsewhere (202 with the run).
pub async fn replace(
    c: Caller,
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = actor(c);
    let run = app.replace_segment(&id, &actor).await?;
    let report = app.sync_report(run.id, &actor).await?;
    Ok((StatusCode::ACCEPTED, Json(report)).into_response())
}

/// A segment's newest sync runs with their delivery reports.
pub async fn segment_syncs(
    c: Caller,
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult {
    ok(json!({ "runs": app.sync_reports(Some(&id), 20, &actor(c)).await? }))
}

/// One run's progress and delivery report.
pub async fn sync_run(c: Caller, State(app): State<AppState>, Path(run): Path<i64>) -> ApiResult {
    ok(app.sync_report(run, &actor(c)).await?)
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `email` or `ads`: keep only members with that consent.
    consent: Option<String>,
}

/// `GET /api/segments/{id}/export.csv`: the approved audience as CSV, streamed.
pub async fn export_csv(
    c: Caller,
    State(app): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    use crate::app::export::{CSV_HEADER, csv_lines, export_approved_filename, parse_consent};
    let consent = parse_consent(q.consent.as_deref())?;
    let rx = app.export_approved(&id, consent, &actor(c)).await?;
    let head = futures::stream::once(async {
        Ok::<_, std::convert::Infallible>(axum::body::Bytes::from_static(CSV_HEADER.as_bytes()))
    });
    let rows = futures::stream::unfold(rx, |mut rx| async move {
        let chunk = rx.recv().await?;
        Some((Ok(axum::body::Bytes::from(csv_lines(&chunk))), rx))
    });
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
        (header::CONTENT_DISPOSITION, export_approved_filename(&id)),
    ];
    Ok((
        headers,
        axum::body::Body::from_stream(futures::StreamExt::chain(head, rows)),
    )
        .into_response())
}

pub async fn review(c: Caller, State(app): State<AppState>, Path(id): Path<String>) -> ApiResult {
    ok(app.review(&id, &actor(c)).await?)
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    segment: Option<String>,
    /// Unix seconds, inclusive.
    since: Option<i64>,
    until: Option<i64>,
    limit: Option<i64>,
    format: Option<String>,
}

pub async fn audit(
    c: Caller,
    State(app): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    tracing::debug!(by = %c.principal.email, "audit log read");
    let actor = actor(c);
    let segment_id = match q.segment {
        Some(key) => Some(
            app.get_segment(&key, &actor)
                .await
                .map(|s| s.segment.id)
                .unwrap_or(key),
        ),
        None => None,
    };
    let filter = AuditFilter {
        actor: q.actor,
        action: q.action,
        segment_id,
        since: q.since,
        until: q.until,
        limit: q.limit,
    };
    let entries = app.audit_entries(&filter, &actor).await?;
    match q.format.as_deref() {
        None | Some("json") => Ok(Json(json!({ "entries": entries })).into_response()),
        Some("csv") => Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            audit_csv(&entries),
        )
            .into_response()),
        Some(other) => {
            Err(AppError::BadInput(format!("format must be json or csv, not `{other}`")).into())
        }
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct VerifyQuery {
    /// A checkpoint printed by an earlier verification (`SEQ:HASH[:MAC]`).
    checkpoint: Option<String>,
}

pub async fn verify_audit(
    c: Caller,
    State(app): State<AppState>,
    Query(q): Query<VerifyQuery>,
) -> ApiResult {
    ok(app.verify_audit(q.checkpoint.as_deref(), &actor(c)).await?)
}
