//! `POST /api/interpret` and `GET /api/conversations/{id}`: the chat's JSON face.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;

use super::AppState;
use super::api::actor;
use super::auth::Caller;
use super::error::ApiError;
use super::extract::AppJson;
use crate::app::{AskRequest, Choice};

/// A request to interpret, optionally continuing a conversation.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InterpretBody {
    prompt: String,
    #[serde(default)]
    conversation_id: Option<String>,
    /// `offline`, `llm` or `auto`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    interpreter: Choice,
    #[serde(default)]
    as_of: Option<String>,
}

pub async fn interpret(
    c: Caller,
    State(app): State<AppState>,
    AppJson(body): AppJson<InterpretBody>,
) -> Result<Json<Value>, ApiError> {
    let as_of = app.as_of(body.as_of.as_deref())?;
    let req = AskRequest {
        prompt: body.prompt,
        conversation_id: body.conversation_id,
        start_conversation: true,
        interpreter: body.interpreter,
        full_preview: true,
    };
    let answer = app.ask(req, as_of, &actor(c)).await?;
    Ok(Json(
        serde_json::to_value(answer).expect("answer serializes"),
    ))
}

pub async fn conversation(
    c: Caller,
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let turns = app.conversation(&id, &actor(c)).await?;
    Ok(Json(
        serde_json::json!({ "conversation_id": id, "turns": turns }),
    ))
}
