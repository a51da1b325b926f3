//! The HTTP API (axum): routes, layers and `serve`. Handlers extract, call `app`, and answer
//! JSON; errors go through [`error::ApiError`].

mod api;
mod auth;
mod compute;
mod demo_sink;
mod destinations;
mod error;
mod extract;
mod headers;
mod ingest;
mod interpret;
mod lifecycle;
mod models;
mod openapi;
mod routes;
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

/// The router with every route and layer. Every `/api/*` route requires authentication.
pub fn router(state: AppState) -> Router {
    let g = state.settings.governance.clone();
    let mut r = Router::new();
    if state.settings.governance.destinations.demo_sink {
        // The receiver takes whole webhook batches (10,000 members are about 2 MB), so it has
        // its own limit: the app's, meant for definitions and forms, would refuse them (413).
        r = r.route(
            "/demo/webhook",
            post(demo_sink::receive).layer(DefaultBodyLimit::max(demo_sink::BODY_LIMIT)),
        );
    }
    r.route("/health", get(api::health))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .merge(web::routes(state.clone()))
        .merge(routes::api_routes(state.clone()))
        .fallback(web::not_found)
        .layer(axum::middleware::from_fn_with_state(
            compute::Compute::new(g.request_budget, g.heavy_concurrency),
            compute::off_request_threads,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(120),
        ))
        .layer(axum::middleware::from_fn_with_state(
            g.secure_cookies,
            headers::security_headers,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serve until `shutdown` completes, then finish in-flight requests. The sync worker and the
/// refresh schedule run alongside and stop with the server (a batch cut off mid-send is taken
/// over, under the same idempotency key, once its lease runs out).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut background = vec![state.spawn_sync_worker()];
    if let Some(every) = state.settings.governance.sync.refresh_every {
        background.push(state.spawn_refresh_schedule(every));
    }
    if let Some(every) = state.settings.scores.refresh_every {
        background.push(state.spawn_score_schedule(every));
    }
    let service = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await;
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
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
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
