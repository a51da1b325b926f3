//! Authentication and authorisation at the HTTP edge.
//!
//! - [`authenticate`] guards every `/api/*` route: a `Bearer` API token or the session cookie
//!   must name a user (else 401). Requests authenticated by cookie that change state must carry
//!   the session's CSRF token in `X-CSRF-Token` (or a form's `csrf_token`); bearer requests are
//!   not exposed to CSRF, since browsers never add that header on their own.
//! - [`Caller`] is also an extractor: a handler takes it to learn who is asking, and passes it to
//!   `app` as an `Actor`. Whether that user may do what they ask is decided in `app`, by each use
//!   case (a wrong role is a 403 there): this module only authenticates.
//! - `GET/POST /login` and `POST /logout` manage the session cookie (HttpOnly, SameSite=Lax,
//!   Secure when served over TLS).

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::AppState;
use super::error::ApiError;
use crate::app::AppError;
use crate::app::auth::SESSION_SECS;
use crate::domain::access::Principal;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "segwright_session";

/// The authenticated caller of a request, put in its extensions by [`authenticate`].
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    /// Client address, when the server knows it.
    pub address: Option<String>,
    /// The session's CSRF token (cookie authentication only).
    pub csrf_token: Option<String>,
}

pub(super) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name && !v.is_empty()).then(|| v.to_string())
        })
}

pub(super) fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// The client's address, from the connection (never from forwarding headers).
pub fn client_address(extensions: &axum::http::Extensions) -> Option<String> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

fn unauthenticated(msg: &str) -> ApiError {
    ApiError::from(AppError::Unauthenticated(msg.into()))
}

/// Middleware: resolve the caller or answer 401; check CSRF on cookie-authenticated writes.
pub async fn authenticate(
    State(app): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let address = client_address(req.extensions());
    let caller = if let Some(token) = bearer(req.headers()) {
        Caller {
            principal: app.authenticate_token(&token).await?,
            address,
            csrf_token: None,
        }
    } else if let Some(c) = cookie(req.headers(), SESSION_COOKIE) {
        let s = app.authenticate_session(&c).await?;
        let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        let sent = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok());
        if !safe && !crate::domain::access::same_secret(sent, &s.csrf_token) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "missing or wrong X-CSRF-Token for this session",
            ));
        }
        Caller {
            principal: s.principal,
            address,
            csrf_token: Some(s.csrf_token),
        }
    } else {
        return Err(unauthenticated(
            "log in or send `Authorization: Bearer <token>`",
        ));
    };
    req.extensions_mut().insert(caller);
    Ok(next.run(req).await)
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    /// The caller [`authenticate`] found (who is asking; what they may do is `app`'s question).
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| unauthenticated("not authenticated"))
    }
}

/// Refuse a form posted from another site (login CSRF), judged by the browser's own headers.
fn same_origin(headers: &HeaderMap) -> bool {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if site == Some("cross-site") {
        return false;
    }
    // Under `Referrer-Policy: no-referrer` a browser sends `Origin: null` even for its own
    // forms; its `Sec-Fetch-Site` still says where the form came from.
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if origin == Some("null") {
        return site == Some("same-origin");
    }
    match (
        origin,
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => origin.split("://").nth(1).is_some_and(|o| o == host),
        _ => true,
    }
}

fn is_tls(app: &AppState, headers: &HeaderMap) -> bool {
    app.settings.governance.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            == Some("https")
}

fn session_cookie(value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

pub async fn login_page() -> Response {
    super::web::login_page(None, StatusCode::OK, None)
}

/// A field left out (a hand-made post) reads as empty: the page again says the sign-in failed,
/// rather than a browser getting a JSON error.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `POST /login`: check the password, open a session, set the cookie and go to the start page.
pub async fn login(State(app): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    if !same_origin(&parts.headers) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "cross-site login refused",
        ));
    }
    // A form that cannot be read (too large, not a form) gets the page again, not JSON.
    let form = match Form::<LoginForm>::from_request(Request::from_parts(parts.clone(), body), &app)
        .await
    {
        Ok(Form(form)) => form,
        Err(e) => {
            return Ok(super::web::login_page(
                Some(
                    "The sign-in form could not be read: type your email and password again."
                        .into(),
                ),
                e.status().max(StatusCode::BAD_REQUEST),
                None,
            ));
        }
    };
    let address = client_address(&parts.extensions);
    let s = match app
        .login(&form.email, &form.password, address.as_deref())
        .await
    {
        Ok(s) => s,
        // The page again, saying why; the status is the API's (401 wrong credentials, 429 too many).
        Err(e) => {
            let e = ApiError::from(e);
            // The email typed stays in its field: only the password is typed again.
            return Ok(super::web::login_page(
                Some(e.message),
                e.status,
                Some(form.email),
            ));
        }
    };
    let set = session_cookie(&s.cookie, SESSION_SECS, is_tls(&app, &parts.headers));
    Ok(([(header::SET_COOKIE, set)], Redirect::to("/")).into_response())
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf_token: Option<String>,
}

/// `POST /logout`: end the session (the form must carry the session's CSRF token).
pub async fn logout(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Result<Response, ApiError> {
    let Some(c) = cookie(&headers, SESSION_COOKIE) else {
        return Ok(Redirect::to("/login").into_response());
    };
    if let Ok(s) = app.authenticate_session(&c).await {
        let sent = form
            .csrf_token
            .as_deref()
            .or_else(|| headers.get("x-csrf-token").and_then(|v| v.to_str().ok()));
        if !crate::domain::access::same_secret(sent, &s.csrf_token) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "missing or wrong csrf_token",
            ));
        }
        app.logout(&c).await?;
    }
    let clear = session_cookie("", 0, is_tls(&app, &headers));
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response())
}
