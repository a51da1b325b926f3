//! The HTTP API (axum): routes, layers and `serve`. Handlers extract, call `app`, and answer
//! JSON; errors go through [`error::ApiError`].

mod api;
mod error;
mod extract;
mod interpret;
mod models;
mod page;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;

use crate::app::App;

/// Shared state: the application.
pub type AppState = Arc<App>;

/// Largest request body accepted (definitions are small).
const BODY_LIMIT: usize = 256 * 1024;

/// The router with every route and layer.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(page::index))
        .route("/health", get(api::health))
        .route("/api/catalog", get(api::catalog))
        .route("/api/glossary", get(api::glossary))
        .route("/api/schema/segment", get(api::schema))
        .route("/api/validate", post(api::validate))
        .route("/api/preview", post(api::preview))
        .route("/api/preview/performance", post(models::performance))
        .route("/api/models", get(models::list))
        .route("/api/models/train", post(models::train))
        .route("/api/models/jobs/{id}", get(models::job))
        .route("/api/models/scores/{customer}", get(models::customer_scores))
        .route("/api/interpret", post(interpret::interpret))
        .route("/api/conversations/{id}", get(interpret::conversation))
        .route("/api/explain", post(api::explain))
        .route("/api/segments", get(api::list_segments).post(api::create_segment))
        .route("/api/segments/{id}", get(api::get_segment).put(api::update_segment))
        .route("/api/segments/{id}/versions", get(api::list_versions))
        .route("/api/segments/{id}/versions/{version}", get(api::get_version))
        .route("/api/segments/{id}/preview", get(api::preview_segment))
        .route("/api/segments/{id}/members", get(api::segment_members))
        .route("/api/segments/{id}/explain/{customer}", get(api::explain_segment))
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(120)))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serve until `shutdown` completes, then finish in-flight requests.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
