//! `POST /api/orders` and `POST /api/events`: JSON batches of rows for [`App::ingest`], which
//! checks the caller's role, the token's rate and every row. Bodies have their own limit (the
//! app's default is sized for definitions), read here so an oversized batch is refused early.
//!
//! [`App::ingest`]: crate::app::App::ingest

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use serde_json::Value;

use super::AppState;
use super::api::actor;
use super::auth::{Caller, bearer};
use super::error::ApiError;
use super::openapi::{Api, doc};
use crate::app::{IngestKind, MAX_INGEST_ROWS as MAX_ROWS};

/// The largest batch body: 10,000 rows of a few hundred bytes each, with room for properties.
pub const INGEST_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// `{"orders": [{"order_id", "customer_id", "occurred_at", "amount", "quantity"}, …]}`
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrdersBody {
    /// 1 to 10,000 orders; `order_id`, `customer_id`, `occurred_at` and `amount` required.
    pub orders: Vec<Value>,
}

/// `{"events": [{"event_id", "customer_id", "name", "occurred_at", "properties"}, …]}`
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventsBody {
    /// 1 to 10,000 events; `event_id`, `customer_id`, `name` and `occurred_at` required.
    pub events: Vec<Value>,
}

pub(super) fn routes(a: Api) -> Api {
    a.route(
        Method::POST,
        "/api/orders",
        orders,
        doc(
            "Ingest a batch of orders (idempotent by order_id; all or nothing; see docs/ingest.md)",
            "admin",
        )
        .body::<OrdersBody>(),
    )
    .route(
        Method::POST,
        "/api/events",
        events,
        doc(
            "Ingest a batch of events (idempotent by event_id; all or nothing; see docs/ingest.md)",
            "admin",
        )
        .body::<EventsBody>(),
    )
}

async fn orders(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let b: OrdersBody = read(body).await?;
    ingest(app, caller, &headers, IngestKind::Orders, b.orders).await
}

async fn events(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let b: EventsBody = read(body).await?;
    ingest(app, caller, &headers, IngestKind::Events, b.events).await
}

async fn ingest(
    app: AppState,
    caller: Caller,
    headers: &HeaderMap,
    kind: IngestKind,
    rows: Vec<Value>,
) -> Result<Json<Value>, ApiError> {
    // Limited per API token; a browser session is limited per user.
    let key = bearer(headers).unwrap_or_else(|| format!("user:{}", caller.principal.user_id));
    let report = app.ingest(kind, &rows, &key, &actor(caller)).await?;
    Ok(Json(
        serde_json::to_value(report).expect("report serializes"),
    ))
}

/// The body as JSON, within [`INGEST_BODY_LIMIT`].
async fn read<T: serde::de::DeserializeOwned>(body: Body) -> Result<T, ApiError> {
    let bytes = axum::body::to_bytes(body, INGEST_BODY_LIMIT)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!(
                    "a batch body holds at most {} MB ({MAX_ROWS} rows); send smaller batches",
                    INGEST_BODY_LIMIT / (1024 * 1024)
                ),
            )
        })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_json",
            format!("the body is not a batch: {e}"),
        )
    })
}
