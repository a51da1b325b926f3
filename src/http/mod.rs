//! The HTTP API (axum): routes, layers and `serve`. Handlers extract, call `app`, and answer
//! JSON; errors go through [`error::ApiError`].

mod api;
mod auth;
mod error;
mod extract;
mod interpret;
mod lifecycle;
mod models;
mod users;
mod web;

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
/// The router with every route and layer. Every `/api/*` route requires authentication.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(api::health))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .merge(web::routes(state.clone()))
        .merge(api_routes(state.clone()))
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(120)))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The JSON API, behind [`auth::authenticate`]; each handler names the permission it needs.
fn api_routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/api/me", get(users::me))
        .route("/api/users", get(users::list_users).post(users::add_user))
        .route("/api/users/{email}/tokens", post(users::create_token))
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
        .route("/api/segments/{id}/submit", post(lifecycle::submit))
        .route("/api/segments/{id}/approve", post(lifecycle::approve))
        .route("/api/segments/{id}/reject", post(lifecycle::reject))
        .route("/api/segments/{id}/activate", post(lifecycle::activate))
        .route("/api/segments/{id}/pause", post(lifecycle::pause))
        .route("/api/segments/{id}/archive", post(lifecycle::archive))
        .route("/api/segments/{id}/review", get(lifecycle::review))
        .route("/api/segments/{id}/deliver", post(lifecycle::deliver))
        .route("/api/segments/{id}/refresh", post(lifecycle::refresh))
        .route("/api/segments/{id}/syncs", get(lifecycle::segment_syncs))
        .route("/api/syncs/{run}", get(lifecycle::sync_run))
        .route("/api/segments/{id}/export.csv", get(lifecycle::export_csv))
        .route("/api/audit", get(lifecycle::audit))
        .route("/api/audit/verify", get(lifecycle::verify_audit))
        .route_layer(axum::middleware::from_fn_with_state(state, auth::authenticate))
}

/// Serve until `shutdown` completes, then finish in-flight requests. The sync worker and the
/// refresh schedule run alongside and stop with the server (a batch cut off mid-send is taken
/// over, under the same idempotency key, once its lease runs out).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    let mut background = vec![state.spawn_sync_worker()];
    if let Some(every) = state.settings.governance.sync.refresh_every {
        background.push(state.spawn_refresh_schedule(every));
    }
    let service = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, service).with_graceful_shutdown(shutdown).await;
    background.iter().for_each(|t| t.abort());
    served
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
