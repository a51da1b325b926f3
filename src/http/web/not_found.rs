//! An address nobody serves: a browser (which asks for `text/html`) gets a styled page saying
//! so, with the ways back (the signed-in user's header and links to the main pages); scripts,
//! `/api/*` and anything not asking for HTML keep the API's JSON answer.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;

use super::super::AppState;
use super::super::auth::{SESSION_COOKIE, cookie};
use super::render;

/// Whether the request came from a browser page load: it accepts HTML (`*/*` alone does not count).
fn wants_html(headers: &HeaderMap, uri: &Uri) -> bool {
    let accepts = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    accepts && !uri.path().starts_with("/api/") && uri.path() != "/api"
}

pub async fn not_found(State(app): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    if !wants_html(&headers, &uri) {
        return super::super::api::not_found().await.into_response();
    }
    // The header shows who is signed in (and their links) when the session is still valid.
    let user = match cookie(&headers, SESSION_COOKIE) {
        Some(c) => app.authenticate_session(&c).await.ok(),
        None => None,
    }
    .map(|s| {
        let user =
            context! { email => s.principal.email.clone(), role => s.principal.role.as_str() };
        (user, s.csrf_token)
    });
    // The address as typed, shortened: it is shown back to the user.
    let path: String = uri.path().chars().take(200).collect();
    let mut r = match user {
        Some((user, csrf)) => render("not_found.html", context! { path, user, csrf }),
        None => render("not_found.html", context! { path }),
    };
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}
