//! JSON API handlers: authenticate, extract, call `app` (which checks the caller's role), answer.
//! No SQL, no store and no business rules here.

use std::convert::Infallible;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::extract::AppJson;
use crate::app::{Actor, AppError, SaveSegment};
use crate::domain::definition::Definition;

type ApiResult<T = Json<Value>> = Result<T, ApiError>;

fn ok<T: serde::Serialize>(v: T) -> ApiResult {
    Ok(Json(serde_json::to_value(v).expect("serializable")))
}

/// The audited actor of a request.
pub fn actor(c: Caller) -> Actor {
    Actor::user(c.principal, c.address)
}

fn definition(v: Value) -> Result<Definition, ApiError> {
    Definition::from_value(v).map_err(|i| AppError::Invalid(vec![i]).into())
}

/// A definition with an optional as-of date.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefinitionBody {
    #[schemars(with = "crate::domain::definition::Definition")]
    definition: Value,
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    count_only: bool,
    #[serde(default)]
    customer: Option<String>,
}

/// Liveness at once, with the database's answer when it comes within a quarter second: while
/// heavy previews hold every connection the server is still healthy (`"database": "busy"`);
/// a database that fails is not (`503`).
pub async fn health(State(app): State<AppState>) -> ApiResult {
    match tokio::time::timeout(std::time::Duration::from_millis(250), app.health()).await {
        Ok(r) => {
            r?;
            ok(json!({ "status": "ok", "database": "ok" }))
        }
        Err(_) => ok(json!({ "status": "ok", "database": "busy" })),
    }
}

pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

pub async fn catalog(c: Caller, State(app): State<AppState>) -> ApiResult {
    let snap = app.catalog(&actor(c)).await?;
    ok(
        json!({ "version": snap.catalog_version, "fields": snap.catalog.fields, "events": snap.catalog.events }),
    )
}

pub async fn glossary(_: Caller, State(app): State<AppState>) -> ApiResult {
    let g = app.glossary();
    ok(json!({ "version": g.version(), "terms": g.terms }))
}

pub async fn schema(_: Caller) -> ApiResult {
    ok(Definition::json_schema())
}

pub async fn validate(
    c: Caller,
    State(app): State<AppState>,
    AppJson(body): AppJson<DefinitionBody>,
) -> ApiResult {
    let def = definition(body.definition)?;
    app.validate_definition(&def, app.as_of(body.as_of.as_deref())?, &actor(c))
        .await?;
    ok(json!({ "valid": true }))
}

pub async fn preview(
    c: Caller,
    State(app): State<AppState>,
    AppJson(body): AppJson<DefinitionBody>,
) -> ApiResult {
    let def = definition(body.definition)?;
    let as_of = app.as_of(body.as_of.as_deref())?;
    ok(app
        .preview(&def, as_of, !body.count_only, &actor(c))
        .await?)
}

pub async fn explain(
    c: Caller,
    State(app): State<AppState>,
    AppJson(body): AppJson<DefinitionBody>,
) -> ApiResult {
    let def = definition(body.definition)?;
    let customer = body
        .customer
        .ok_or_else(|| AppError::BadInput("`customer` (an external id) is required".into()))?;
    let (member, clauses) = app
        .explain_customer(
            &def,
            app.as_of(body.as_of.as_deref())?,
            &customer,
            &actor(c),
        )
        .await?;
    ok(json!({ "customer": customer, "member": member, "clauses": clauses }))
}

pub async fn list_segments(c: Caller, State(app): State<AppState>) -> ApiResult {
    ok(app.list_segments(&actor(c)).await?)
}

pub async fn create_segment(
    c: Caller,
    State(app): State<AppState>,
    AppJson(body): AppJson<Value>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let req: SaveSegment = match serde_path_to_error::deserialize(body) {
        Ok(r) => r,
        Err(e) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_json",
                format!("{}: {}", e.path(), e.inner()),
            ));
        }
    };
    let seg = app.create_segment(req, app.as_of(None)?, &actor(c)).await?;
    Ok((StatusCode::CREATED, ok(seg)?))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBody {
    #[schemars(with = "crate::domain::definition::Definition")]
    definition: Value,
}

pub async fn update_segment(
    c: Caller,
    State(app): State<AppState>,
    Path(id): Path<String>,
    AppJson(body): AppJson<UpdateBody>,
) -> ApiResult {
    let def = definition(body.definition)?;
    ok(app
        .update_segment(&id, def, app.as_of(None)?, &actor(c))
        .await?)
}

pub async fn get_segment(
    c: Caller,
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult {
    ok(app.get_segment(&id, &actor(c)).await?)
}

pub async fn list_versions(
    c: Caller,
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult {
    ok(app.segment_versions(&id, &actor(c)).await?)
}

pub async fn get_version(
    c: Caller,
    State(app): State<AppState>,
    Path((id, version)): Path<(String, i64)>,
) -> ApiResult {
    let def = app
        .segment_definition(&id, Some(version), &actor(c))
        .await?;
    ok(json!({ "segment": id, "version": version, "definition": def }))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct AsOfQuery {
    as_of: Option<String>,
    count_only: Option<bool>,
}

pub async fn preview_segment(
    c: Caller,
    State(app): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<AsOfQuery>,
) -> ApiResult {
    let actor = actor(c);
    let def = app.segment_definition(&id, None, &actor).await?;
    let (as_of, full) = (
        app.as_of(q.as_of.as_deref())?,
        !q.count_only.unwrap_or(false),
    );
    ok(app.preview(&def, as_of, full, &actor).await?)
}

pub async fn explain_segment(
    c: Caller,
    State(app): State<AppState>,
    Path((id, customer)): Path<(String, String)>,
    Query(q): Query<AsOfQuery>,
) -> ApiResult {
    let actor = actor(c);
    let def = app.segment_definition(&id, None, &actor).await?;
    let (member, clauses) = app
        .explain_customer(&def, app.as_of(q.as_of.as_deref())?, &customer, &actor)
        .await?;
    ok(json!({ "segment": id, "customer": customer, "member": member, "clauses": clauses }))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct MembersQuery {
    format: Option<String>,
    // Add each member's email: the approved audience only, under the rule of `export.csv`
    // (campaign manager, approved/active/paused version, suppression list excluded, audited).
    // Plain comments, not docs: the OpenAPI schema stays as it is.
    with_email: Option<bool>,
    // Ignored with `with_email`: the approved audience is always as of now, as `export.csv`.
    as_of: Option<String>,
}

/// Stream members as CSV (default) or JSON lines, in constant memory. By id, the current
/// version's members (any reader); with emails, the approved audience (see [`MembersQuery`]).
pub async fn segment_members(
    c: Caller,
    State(app): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<MembersQuery>,
) -> Result<Response, ApiError> {
    let csv = match q.format.as_deref() {
        None | Some("csv") => true,
        Some("jsonl") => false,
        Some(other) => {
            return Err(
                AppError::BadInput(format!("format must be csv or jsonl, not `{other}`")).into(),
            );
        }
    };
    let with_email = q.with_email.unwrap_or(false);
    let actor = actor(c);
    let rx = if with_email {
        app.export_approved_emails(&id, &actor).await?
    } else {
        let def = app.segment_definition(&id, None, &actor).await?;
        let as_of = app.as_of(q.as_of.as_deref())?;
        // Validate before the 200 is sent; the rows then stream as they are produced.
        app.validate_definition(&def, as_of, &actor).await?;
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let producer = app.clone();
        tokio::spawn(async move {
            if let Err(e) = producer
                .export_members(&def, as_of, false, tx, &actor)
                .await
            {
                tracing::error!(error = %e, "members export failed");
            }
        });
        rx
    };
    let header_line = if !csv {
        ""
    } else if with_email {
        "external_id,email\n"
    } else {
        "external_id\n"
    };
    let head = futures::stream::once(async move {
        Ok::<_, Infallible>(Bytes::from_static(header_line.as_bytes()))
    });
    let rows = futures::stream::unfold(rx, move |mut rx| async move {
        let chunk = rx.recv().await?;
        let mut buf = Vec::with_capacity(chunk.len() * 16);
        for m in &chunk {
            crate::app::write_member(&mut buf, m, csv, with_email).expect("writing to memory");
        }
        Some((Ok::<_, Infallible>(Bytes::from(buf)), rx))
    });
    let content_type = if csv {
        "text/csv; charset=utf-8"
    } else {
        "application/x-ndjson"
    };
    Ok((
        [(header::CONTENT_TYPE, content_type)],
        Body::from_stream(futures::StreamExt::chain(head, rows)),
    )
        .into_response())
}
