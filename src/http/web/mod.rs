//! The web app: server-rendered pages from the minijinja templates in `templates/` (autoescaped),
//! htmx for partial updates and a small stylesheet, both served from `static/` inside the
//! binary so the pages work offline. Handlers are thin: they call `app` and render.

mod admin;
mod chat;
mod chips;
mod glossary;
mod import;
mod models;
mod not_found;
mod overlaps;
mod perf_view;
mod review;
mod segments;
mod session;
mod suppression;
mod view;
mod why;

use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::Environment;

use super::AppState;

/// Every template, compiled into the binary.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../../templates/base.html")),
    ("chat.html", include_str!("../../../templates/chat.html")),
    (
        "answer.html",
        include_str!("../../../templates/answer.html"),
    ),
    (
        "charts.html",
        include_str!("../../../templates/charts.html"),
    ),
    (
        "performance.html",
        include_str!("../../../templates/performance.html"),
    ),
    ("error.html", include_str!("../../../templates/error.html")),
    ("saved.html", include_str!("../../../templates/saved.html")),
    ("login.html", include_str!("../../../templates/login.html")),
    (
        "segments.html",
        include_str!("../../../templates/segments.html"),
    ),
    (
        "segment.html",
        include_str!("../../../templates/segment.html"),
    ),
    (
        "delivery.html",
        include_str!("../../../templates/delivery.html"),
    ),
    ("sync.html", include_str!("../../../templates/sync.html")),
    (
        "sync_progress.html",
        include_str!("../../../templates/sync_progress.html"),
    ),
    (
        "message.html",
        include_str!("../../../templates/message.html"),
    ),
    (
        "models.html",
        include_str!("../../../templates/models.html"),
    ),
    (
        "glossary.html",
        include_str!("../../../templates/glossary.html"),
    ),
    (
        "review_queue.html",
        include_str!("../../../templates/review_queue.html"),
    ),
    (
        "review.html",
        include_str!("../../../templates/review.html"),
    ),
    (
        "version_diff.html",
        include_str!("../../../templates/version_diff.html"),
    ),
    (
        "destinations.html",
        include_str!("../../../templates/destinations.html"),
    ),
    ("users.html", include_str!("../../../templates/users.html")),
    (
        "suppression.html",
        include_str!("../../../templates/suppression.html"),
    ),
    ("why.html", include_str!("../../../templates/why.html")),
    (
        "train_job.html",
        include_str!("../../../templates/train_job.html"),
    ),
    (
        "audience_panel.html",
        include_str!("../../../templates/audience_panel.html"),
    ),
    (
        "import.html",
        include_str!("../../../templates/import.html"),
    ),
    (
        "import_preview.html",
        include_str!("../../../templates/import_preview.html"),
    ),
    (
        "import_result.html",
        include_str!("../../../templates/import_result.html"),
    ),
    (
        "overlaps.html",
        include_str!("../../../templates/overlaps.html"),
    ),
    (
        "not_found.html",
        include_str!("../../../templates/not_found.html"),
    ),
    (
        "glossary_edit.html",
        include_str!("../../../templates/glossary_edit.html"),
    ),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // `.html` templates autoescape by default; strict undefined catches template typos in tests.
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        // Numbers read at a glance: `{{ n | num }}` → 20,000; `{{ r | money }}` → 1,379.37.
        env.add_filter("num", view::num);
        env.add_filter("money", view::money);
        // A condition's plain words, and its exact rule for the "exact rule" disclosure.
        env.add_filter("plain", |s: String| view::plain_parts(&s).0);
        env.add_filter("plain_change", |s: String| view::plain_change(&s));
        env.add_filter("formal", |s: String| {
            view::plain_parts(&s).1.unwrap_or_default()
        });
        env.add_filter("urlencode", |s: String| {
            form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
        });
        for (name, src) in TEMPLATES {
            env.add_template(name, src).expect("templates compile");
        }
        env
    })
}

/// What a page that failed to render answers: a styled page that works without the templates
/// (they are what failed), and for htmx a message in the page's message area, so the form the
/// user typed into stays.
const RENDER_FAILED: &str = concat!(
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
    "<title>Something went wrong · segwright</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main id=\"main\">",
    "<div class=\"error\" role=\"alert\" data-code=\"render_failed\"><p>This page could not be shown because of a fault on our side; ",
    "it has been logged. Go back and try again, or start over from <a href=\"/chat\">the chat</a>.</p></div></main></body></html>"
);

/// Render a template; a rendering failure is logged and answered with a styled 500 page.
pub fn render(name: &str, ctx: minijinja::Value) -> Response {
    match env().get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            // The chain says which include and line failed.
            let mut cause = format!("{e:#}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                cause.push_str(&format!(": {s}"));
                source = s.source();
            }
            tracing::error!(template = name, error = %cause, "template failed");
            let mut r = (StatusCode::INTERNAL_SERVER_ERROR, Html(RENDER_FAILED)).into_response();
            r.headers_mut()
                .insert("hx-retarget", header::HeaderValue::from_static("#flash"));
            r.headers_mut()
                .insert("hx-reswap", header::HeaderValue::from_static("innerHTML"));
            r
        }
    }
}

/// A Unix time as the pages show it.
pub fn fmt_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// Whether htmx sent the request (then only the fragment is rendered).
pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v == "true")
}

async fn htmx_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../../static/htmx.min.js"),
    )
}

async fn app_css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/app.css"),
    )
}

/// The login page (also shown again, with the reason and the email typed, after a failed attempt).
pub fn login_page(message: Option<String>, status: StatusCode, email: Option<String>) -> Response {
    let email: String = email.unwrap_or_default().chars().take(254).collect();
    let mut r = render("login.html", minijinja::context! { message, email });
    *r.status_mut() = status;
    r
}

pub use not_found::not_found;

/// The pages (signed-in users only) and their static files (open).
pub fn routes(state: AppState) -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(|| async { Redirect::to("/chat") }))
        .route("/chat", get(chat::page).post(chat::ask))
        .route("/chat/save", axum::routing::post(chat::save))
        .route("/chat/keep", axum::routing::post(chat::keep))
        .route("/chat/chip", axum::routing::post(chips::chip))
        .route("/chat/submit", axum::routing::post(chips::submit))
        .route("/segments", get(segments::list))
        .route("/models", get(models::models))
        .route("/models/train", axum::routing::post(models::train))
        .route("/models/jobs/{id}", get(models::job))
        .route("/glossary", get(glossary::page))
        .route("/glossary/edit", get(glossary::edit))
        .route("/glossary/save", axum::routing::post(glossary::save))
        .route(
            "/glossary/{key}/delete",
            axum::routing::post(glossary::delete),
        )
        .route("/segments/overlaps", get(overlaps::page))
        .route("/segments/{id}", get(segments::show))
        .route("/segments/{id}/why", get(why::page))
        .route(
            "/segments/{id}/{action}",
            axum::routing::post(segments::act),
        )
        .route("/review", get(review::queue))
        .route("/review/count", get(review::count))
        .route("/review/{id}", get(review::page))
        .route(
            "/review/{id}/{decision}",
            axum::routing::post(review::decide),
        )
        .route("/admin", get(admin::index))
        .route(
            "/destinations",
            get(admin::destinations).post(admin::add_destination),
        )
        .route(
            "/destinations/{kind}/{action}",
            axum::routing::post(admin::destination_action),
        )
        .route("/users", get(admin::users).post(admin::add_user))
        .route(
            "/users/{email}/{action}",
            axum::routing::post(admin::user_action),
        )
        .route(
            "/tokens/{id}/revoke",
            axum::routing::post(admin::revoke_token),
        )
        .route("/suppressions", get(suppression::page))
        .route(
            "/suppressions/{action}",
            axum::routing::post(suppression::act),
        )
        .route("/import", get(import::page))
        .route(
            "/import/preview",
            axum::routing::post(import::upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::app::MAX_UPLOAD_BYTES,
            )),
        )
        .route("/import/{action}", axum::routing::post(import::act))
        .route("/import/{id}/rejects", get(import::rejects))
        .route("/syncs/{run}", get(segments::sync_page))
        .route("/syncs/{run}/progress", get(segments::sync_progress))
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            session::require_session,
        ));
    Router::new()
        .route("/static/htmx.min.js", get(htmx_js))
        .route("/static/app.css", get(app_css))
        .merge(pages)
}
