//! Pages need a signed-in user: without a valid session cookie the browser is sent to the login
//! page (htmx requests get `HX-Redirect`). A page request that changes state must carry the
//! session's CSRF token, as the `X-CSRF-Token` header (htmx sends it from the page) or a form's
//! `csrf_token` field (plain form posts).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::super::AppState;
use super::super::auth::{Caller, SESSION_COOKIE, client_address, cookie};
use super::{is_htmx, render};

/// Forms are small; a larger body is refused before it is read.
const FORM_LIMIT: usize = 64 * 1024;

fn to_login(htmx: bool) -> Response {
    if htmx {
        ([("hx-redirect", "/login")], StatusCode::OK).into_response()
    } else {
        Redirect::to("/login").into_response()
    }
}

pub async fn require_session(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let htmx = is_htmx(req.headers());
    let Some(c) = cookie(req.headers(), SESSION_COOKIE) else {
        return to_login(htmx);
    };
    let Ok(s) = app.authenticate_session(&c).await else {
        return to_login(htmx);
    };
    let address = client_address(req.extensions());
    let mut req = req;
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        let header = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        // An uploaded CSV file is the body of its own request (the CSRF token in the header).
        let limit = if req.uri().path() == "/import/preview" {
            crate::app::MAX_UPLOAD_BYTES
        } else {
            FORM_LIMIT
        };
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
            let caller = Caller {
                principal: s.principal,
                address,
                csrf_token: Some(s.csrf_token),
            };
            return form_too_large(&caller, htmx);
        };
        let field = form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf_token")
            .map(|(_, v)| v.into_owned());
        if !crate::domain::access::same_secret(header.or(field).as_deref(), &s.csrf_token) {
            let mut r = render(
                "error.html",
                context! { message => "This form has expired: reload the page and try again.", code => "csrf" },
            );
            *r.status_mut() = StatusCode::FORBIDDEN;
            return r;
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    req.extensions_mut().insert(Caller {
        principal: s.principal,
        address,
        csrf_token: Some(s.csrf_token),
    });
    next.run(req).await
}

/// A form over [`FORM_LIMIT`], said in words: in the page's message area for htmx, as a page
/// otherwise.
fn form_too_large(caller: &Caller, htmx: bool) -> Response {
    let message = format!(
        "This form is too large to send (more than {} KB): shorten what you typed and try again.",
        FORM_LIMIT / 1024
    );
    let mut r = if htmx {
        let mut r = render("error.html", context! { message, code => "form_too_large" });
        r.headers_mut().insert(
            "hx-retarget",
            axum::http::HeaderValue::from_static("#flash"),
        );
        r.headers_mut().insert(
            "hx-reswap",
            axum::http::HeaderValue::from_static("innerHTML"),
        );
        r
    } else {
        render(
            "message.html",
            context! { title => "Form too large", message, ..user_context(caller) },
        )
    };
    *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    r
}

/// The signed-in user and the CSRF token, for every page's header and forms.
pub fn user_context(caller: &Caller) -> minijinja::Value {
    context! {
        user => context! { email => caller.principal.email.clone(), role => caller.principal.role.as_str() },
        csrf => caller.csrf_token.clone().unwrap_or_default(),
    }
}
