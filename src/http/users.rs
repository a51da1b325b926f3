//! Who am I, and user administration: `GET /api/me`, `GET/POST /api/users`,
//! `POST /api/users/{email}/tokens?label=` (the token is in the answer once, and stored hashed),
//! `GET /api/tokens` (one's own; an admin sees all) and `DELETE /api/tokens/{id}` (revoke).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::api::actor;
use super::auth::Caller;
use super::error::ApiError;
use super::extract::AppJson;
use crate::app::AppError;
use crate::domain::access::Role;

pub async fn me(c: Caller) -> Json<Value> {
    Json(
        json!({ "email": c.principal.email, "role": c.principal.role, "csrf_token": c.csrf_token }),
    )
}

pub async fn list_users(c: Caller, State(app): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        serde_json::to_value(app.list_users(&actor(c)).await?).expect("serializable"),
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    email: String,
    role: String,
    #[serde(default)]
    password: Option<String>,
}

/// Add a user; a password is generated (and returned once) unless one is given.
pub async fn add_user(
    c: Caller,
    State(app): State<AppState>,
    AppJson(body): AppJson<NewUser>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let role = Role::parse(&body.role).map_err(AppError::BadInput)?;
    let generated = body.password.is_none();
    let password = body
        .password
        .unwrap_or_else(crate::app::auth::generate_password);
    let user = app
        .add_user(&body.email, role, &password, false, &actor(c))
        .await?;
    let mut v = json!({ "email": user.email, "role": user.role });
    if generated {
        v["password"] = json!(password);
    }
    Ok((StatusCode::CREATED, Json(v)))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    #[serde(default)]
    label: Option<String>,
}

pub async fn create_token(
    c: Caller,
    State(app): State<AppState>,
    Path(email): Path<String>,
    Query(q): Query<NewToken>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let label = q.label.unwrap_or_else(|| "api".into());
    let token = app.create_token(&email, &label, &actor(c)).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "email": email, "label": label, "token": token })),
    ))
}

pub async fn list_tokens(c: Caller, State(app): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "tokens": app.list_tokens(&actor(c)).await? })))
}

pub async fn revoke_token(
    c: Caller,
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let t = app.revoke_token(&id, &actor(c)).await?;
    Ok(Json(
        json!({ "id": t.id, "email": t.email, "label": t.label, "revoked": true }),
    ))
}
