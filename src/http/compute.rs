//! Heavy requests (previews, interpretations, explanations, submissions, the web app's pages
//! that compute them) run off the async request threads, each within a time budget.
//!
//! A preview of a large `in` list, or of a definition over a million customers, is seconds of
//! CPU between its awaits. Run on the runtime's worker threads, four of them at once stalled
//! every other request, `/health` included. Here the whole handler runs on the blocking pool
//! (`spawn_blocking`, driving the handler's future with the runtime's handle, so its database
//! calls still work), at most `heavy_concurrency` at once, and it must answer within
//! `request_budget` (`SEGWRIGHT_REQUEST_BUDGET_SECS`, 30 s by default), waiting for a slot
//! included. Past the budget the request is answered `503 over_budget` and its work is dropped
//! at its next await; cheap routes (health, static files, sign-in, sync progress) and training
//! (long by design, it has its own job) stay on the request threads.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;
use tracing::Instrument;

use super::ApiError;

/// What the heavy-request layer needs: its budget and its slots.
#[derive(Clone)]
pub struct Compute {
    budget: Duration,
    slots: Arc<Semaphore>,
}

impl Compute {
    pub fn new(budget: Duration, concurrency: usize) -> Self {
        Self {
            budget,
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }
}

/// Whether a request may compute for long: everything but the routes that never do.
fn is_heavy(method: &Method, path: &str) -> bool {
    let cheap = path == "/health"
        || path.starts_with("/static/")
        || path.starts_with("/demo/")
        || path == "/login"
        || path == "/logout"
        || path.starts_with("/api/models/train")
        || path.ends_with("/progress")
        || path == "/review/count";
    !cheap && (method == Method::GET || method == Method::POST || method == Method::PUT)
}

/// The layer: heavy requests on the blocking pool within the budget, the rest as they come.
pub async fn off_request_threads(State(c): State<Compute>, req: Request, next: Next) -> Response {
    if !is_heavy(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let api = req.uri().path().starts_with("/api/");
    let over = || over_budget(api, c.budget);
    let started = tokio::time::Instant::now();
    let Ok(Ok(slot)) = tokio::time::timeout(c.budget, c.slots.clone().acquire_owned()).await else {
        return over();
    };
    let left = c.budget.saturating_sub(started.elapsed());
    let handle = tokio::runtime::Handle::current();
    let span = tracing::Span::current();
    let work = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        handle.block_on(tokio::time::timeout(left, next.run(req)).instrument(span))
    });
    match work.await {
        Ok(Ok(response)) => response,
        Ok(Err(_elapsed)) => over(),
        Err(e) => {
            tracing::error!(error = %e, "heavy request failed");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            )
            .into_response()
        }
    }
}

/// `503` with the JSON envelope (API) or a short page (web app), saying what happened.
fn over_budget(api: bool, budget: Duration) -> Response {
    let message = format!(
        "the request needed more than its time budget of {} s and was stopped; narrow it (fewer values, a simpler definition) or try again when the server is less busy",
        budget.as_secs_f64()
    );
    if api {
        return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "over_budget", message)
            .into_response();
    }
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [("retry-after", "5")],
        message,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_heavy_and_health_is_not() {
        assert!(is_heavy(&Method::POST, "/api/preview"));
        assert!(is_heavy(&Method::POST, "/chat"));
        assert!(!is_heavy(&Method::GET, "/health"));
        assert!(!is_heavy(&Method::POST, "/api/models/train"));
        assert!(!is_heavy(&Method::DELETE, "/api/tokens/x"));
    }
}
