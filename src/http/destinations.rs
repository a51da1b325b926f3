//! Admin-configured destinations: `POST /api/destinations` (store, secrets sealed),
//! `GET /api/destinations` (secrets shown only as their last 4 characters) and
//! `DELETE /api/destinations/{kind}`.

use std::collections::BTreeMap;

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
use crate::app::{AppError, NewDestination};
use crate::domain::policy::Destination;

/// A destination's configuration as an admin sends it.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DestinationBody {
    /// `meta`, `google`, `linkedin`, `tiktok` or `webhook`.
    kind: String,
    /// Non-secret settings: `url` (webhook); `base_url`, `audience_id` (Meta); `base_url`,
    /// `customer_id`, `user_list_id`, `login_customer_id` (Google); `base_url`, `segment_id`,
    /// `version` (LinkedIn); `base_url`, `advertiser_id`, `audience_id` (TikTok).
    #[serde(default)]
    settings: BTreeMap<String, String>,
    /// Secrets, stored encrypted: `secret` (webhook), `access_token`, `developer_token` (Google).
    #[serde(default)]
    secrets: BTreeMap<String, String>,
}

pub async fn add_destination(
    c: Caller,
    State(app): State<AppState>,
    AppJson(body): AppJson<DestinationBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let kind = Destination::parse(&body.kind).map_err(AppError::BadInput)?;
    let view = app
        .add_destination(
            NewDestination {
                kind,
                settings: body.settings,
                secrets: body.secrets,
            },
            &actor(c),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::to_value(view).expect("serializable")),
    ))
}

pub async fn list_destinations(
    c: Caller,
    State(app): State<AppState>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "destinations": app.list_destinations(&actor(c)).await? }),
    ))
}

pub async fn remove_destination(
    c: Caller,
    State(app): State<AppState>,
    Path(kind): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let kind = Destination::parse(&kind).map_err(AppError::BadInput)?;
    app.remove_destination(kind, &actor(c)).await?;
    Ok(Json(json!({ "kind": kind, "removed": true })))
}
