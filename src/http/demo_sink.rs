//! The demo's own webhook receiver (`POST /demo/webhook`), mounted only when `segwright demo`
//! serves with no webhook configured: it checks each batch's HMAC signature like any receiver
//! should, logs how many members were added or removed (never who), and answers 200, so a new
//! user can activate an audience to "webhook" and read a real delivery report offline.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;
use crate::destinations::webhook::signature;

/// Largest batch body the receiver accepts: a webhook batch of 10,000 members with both hashes
/// is about 2 MB, so this leaves room for larger configured batch sizes.
pub const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Check a batch's signature and acknowledge it (members counted, never named).
pub async fn receive(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let secret = app
        .settings
        .governance
        .destinations
        .webhook_secret
        .clone()
        .unwrap_or_default();
    let given = headers
        .get("x-segwright-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // Compared in constant time: the signature is a MAC.
    if !constant_time_eq(given.as_bytes(), signature(&secret, &body).as_bytes()) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "bad signature"})),
        )
            .into_response();
    }
    let batch: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"error": e.to_string()})),
            )
                .into_response();
        }
    };
    let members = batch["members"].as_array().map_or(0, Vec::len);
    tracing::info!(op = %batch["op"], batch = %batch["batch"], batches = %batch["batches"], members, "demo webhook received a batch");
    axum::Json(json!({"received": members})).into_response()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
