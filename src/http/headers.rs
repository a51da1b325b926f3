//! Security headers on every response: a content security policy (scripts, styles, frames and
//! forms from this origin only; no framing by other sites), `X-Frame-Options`, `nosniff`, no
//! referrer, and HSTS when the server is known to be served over TLS (`SEGWRIGHT_SECURE_COOKIES`).
//!
//! The policy allows inline scripts and styles: the web app's templates use inline handlers
//! (`onsubmit="return confirm(…)"`) and `style` attributes. Every value they show is escaped by
//! the template engine, which is what stands against injected markup.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

const CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Add the headers; `tls` adds HSTS.
pub async fn security_headers(State(tls): State<bool>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let mut set = |name: &'static str, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set("content-security-policy", CSP);
    set("x-frame-options", "DENY");
    set("x-content-type-options", "nosniff");
    set("referrer-policy", "no-referrer");
    if tls {
        set("strict-transport-security", "max-age=31536000");
    }
    resp
}
