//! Signing in to the web app as a browser would, for tests that post its forms over HTTP.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use serde_json::{Value, json};

use super::api::TestApp;

/// A signed-in browser: its session cookie and CSRF token.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub async fn sign_in(app: &TestApp, email: &str) -> Session {
    let form = format!(
        "email={}&password=correct+horse+battery",
        email.replace('@', "%40")
    );
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let (s, headers, body) = app.send(req).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let cookie = headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let (_, _, me) = app
        .send(
            Request::get("/api/me")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let me: Value = serde_json::from_str(&me).unwrap();
    Session {
        cookie,
        csrf: me["csrf_token"].as_str().unwrap().to_string(),
    }
}

pub async fn page(app: &TestApp, who: &Session, uri: &str) -> (StatusCode, String) {
    let (s, _, body) = app
        .send(
            Request::get(uri)
                .header(header::COOKIE, &who.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    (s, body)
}

/// Post a raw form body as htmx would (or a plain browser, `htmx = false`), CSRF in the header.
pub async fn post_raw(
    app: &TestApp,
    who: &Session,
    uri: &str,
    body: String,
    htmx: bool,
) -> (StatusCode, HeaderMap, String) {
    let mut req = Request::post(uri)
        .header(header::COOKIE, &who.cookie)
        .header("x-csrf-token", &who.csrf)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if htmx {
        req = req.header("hx-request", "true");
    }
    app.send(req.body(Body::from(body)).unwrap()).await
}

/// Post form fields as htmx would.
pub async fn post_form(
    app: &TestApp,
    who: &Session,
    uri: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, HeaderMap, String) {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        form.append_pair(k, v);
    }
    post_raw(app, who, uri, form.finish(), true).await
}

/// The part of a page from `testid`'s element to the first `until` after it.
pub fn part<'a>(html: &'a str, testid: &str, until: &str) -> &'a str {
    let from = html
        .split(&format!("data-testid=\"{testid}\""))
        .nth(1)
        .unwrap_or_else(|| panic!("no {testid} in {html}"));
    from.split(until).next().unwrap()
}

/// Post each `(who, uri, body)` as htmx and as a plain form: each answers a 4xx with a sentence,
/// never a 500 (what `no_form_answers_500…` tests require of every form).
pub async fn refused_in_words(app: &TestApp, cases: Vec<(&Session, String, String)>) {
    for (who, uri, body) in cases {
        for htmx in [true, false] {
            let (s, _, text) = post_raw(app, who, &uri, body.clone(), htmx).await;
            let shown = &body[..body.len().min(60)];
            assert!(
                s.is_client_error(),
                "{uri} {shown:?} (htmx {htmx}): {s} {text}"
            );
            let words = text
                .split(['<', '>'])
                .any(|t| t.split_whitespace().count() >= 4);
            assert!(
                words,
                "{uri} {shown:?} (htmx {htmx}): {s} answers a sentence: {text}"
            );
        }
    }
}

/// The size of a definition's audience, from the API (as the marketer).
pub async fn count(app: &TestApp, def: Value) -> i64 {
    let (s, v) = app
        .json("POST", "/api/preview", Some(json!({"definition": def})))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["size"]["count"].as_i64().unwrap()
}

/// A definition on the country alone: `op` (`eq`, `in`) against `value`.
pub fn country(op: &str, value: Value) -> Value {
    json!({"version":1,"root":{"type":"attribute","field":"country","op":op,"value":value}})
}

/// "US buyers" (the country alone) saved by the marketer and submitted to `destinations`; its id.
pub async fn submitted(app: &TestApp, destinations: Value) -> String {
    let def = country("eq", json!("US"));
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(json!({"name": "US buyers", "definition": def})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            &format!("/api/segments/{id}/submit"),
            Some(json!({"destinations": destinations})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    id
}
