//! Signing in to the web app as a browser would, for tests that post its forms over HTTP.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;

use super::api::TestApp;

/// A signed-in browser: its session cookie and CSRF token.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub async fn sign_in(app: &TestApp, email: &str) -> Session {
    let form = format!("email={}&password=correct+horse+battery", email.replace('@', "%40"));
    let req = Request::post("/login").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(form)).unwrap();
    let (s, headers, body) = app.send(req).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let cookie = headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    let (_, _, me) = app.send(Request::get("/api/me").header(header::COOKIE, &cookie).body(Body::empty()).unwrap()).await;
    let me: Value = serde_json::from_str(&me).unwrap();
    Session { cookie, csrf: me["csrf_token"].as_str().unwrap().to_string() }
}

pub async fn page(app: &TestApp, who: &Session, uri: &str) -> (StatusCode, String) {
    let (s, _, body) = app.send(Request::get(uri).header(header::COOKIE, &who.cookie).body(Body::empty()).unwrap()).await;
    (s, body)
}
