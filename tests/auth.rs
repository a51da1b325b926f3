//! Authentication and roles over HTTP: every `/api/*` route needs a user, each role is refused
//! what it may not do, browser sessions use a hardened cookie with CSRF protection, and login
//! attempts are rate-limited.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use common::api::TestApp;

fn us() -> serde_json::Value {
    json!({"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}})
}

#[tokio::test]
async fn every_api_route_needs_a_user_but_health_stays_open() {
    let app = TestApp::spawn().await;
    for (method, uri) in [
        ("GET", "/api/catalog"),
        ("POST", "/api/preview"),
        ("POST", "/api/interpret"),
        ("GET", "/api/conversations/abc"),
        ("GET", "/api/segments"),
        ("POST", "/api/segments"),
        ("GET", "/api/users"),
        ("GET", "/api/me"),
    ] {
        let (s, v) = app.json_as(None, method, uri, Some(json!({}))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{method} {uri}");
        assert_eq!(v["error"]["code"], "unauthenticated");
    }
    let (s, _) = app
        .json_as(Some("sw_not-a-token"), "GET", "/api/catalog", None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app.json_as(None, "GET", "/health", None).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn each_role_is_refused_what_it_may_not_do() {
    let app = TestApp::spawn().await;
    // Everyone reads.
    for t in [&app.marketer, &app.manager, &app.admin] {
        let (s, _) = app.json_as(Some(t), "GET", "/api/catalog", None).await;
        assert_eq!(s, StatusCode::OK);
    }
    // Only marketers author.
    for t in [&app.manager, &app.admin] {
        let (s, v) = app
            .json_as(
                Some(t),
                "POST",
                "/api/segments",
                Some(json!({"name":"us","definition": us()})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert_eq!(v["error"]["code"], "forbidden");
    }
    let (s, _) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(json!({"name":"us","definition": us()})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // Only admins manage users and tokens.
    for t in [&app.marketer, &app.manager] {
        let (s, _) = app.json_as(Some(t), "GET", "/api/users", None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app
            .json_as(
                Some(t),
                "POST",
                "/api/users",
                Some(json!({"email":"x@test.io","role":"admin"})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app
            .json_as(Some(t), "POST", "/api/users/marketer@test.io/tokens", None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (s, v) = app
        .json_as(
            Some(&app.admin),
            "POST",
            "/api/users",
            Some(json!({"email":"New@Test.io","role":"manager"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (v["email"].as_str(), v["role"].as_str()),
        (Some("new@test.io"), Some("campaign_manager"))
    );
    assert!(
        v["password"].as_str().unwrap().len() >= 16,
        "a generated password is shown once"
    );
    let (s, v) = app
        .json_as(
            Some(&app.admin),
            "POST",
            "/api/users/new@test.io/tokens?label=ci",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, me) = app
        .json_as(v["token"].as_str(), "GET", "/api/me", None)
        .await;
    assert_eq!(me["role"], "campaign_manager");
}

fn login(email: &str, password: &str) -> Request<Body> {
    Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("email={email}&password={password}")))
        .unwrap()
}

#[tokio::test]
async fn a_browser_session_uses_a_hardened_cookie_and_csrf_tokens() {
    let app = TestApp::spawn().await;
    let (s, headers, _) = app
        .send(login("marketer%40test.io", "correct+horse+battery"))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let set = headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_string();

    let get = |uri: &str| {
        Request::get(uri)
            .header(header::COOKIE, cookie.clone())
            .body(Body::empty())
            .unwrap()
    };
    let (s, _, me) = app.send(get("/api/me")).await;
    assert_eq!(s, StatusCode::OK);
    let me: serde_json::Value = serde_json::from_str(&me).unwrap();
    assert_eq!(me["email"], "marketer@test.io");
    let csrf = me["csrf_token"].as_str().unwrap().to_string();

    let post = |csrf: Option<&str>| {
        let mut r = Request::post("/api/validate")
            .header(header::COOKIE, cookie.clone())
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = csrf {
            r = r.header("x-csrf-token", t);
        }
        r.body(Body::from(json!({"definition": us()}).to_string()))
            .unwrap()
    };
    let (s, _, body) = app.send(post(None)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("csrf"));
    let (s, _, _) = app.send(post(Some("wrong"))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, body) = app.send(post(Some(&csrf))).await;
    assert_eq!(s, StatusCode::OK, "{body}");

    // Logging out needs the CSRF token too, and ends the session.
    let logout = |form: String| {
        Request::post("/logout")
            .header(header::COOKIE, cookie.clone())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap()
    };
    let (s, _, _) = app.send(logout(String::new())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = app.send(logout(format!("csrf_token={csrf}"))).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = app.send(get("/api/me")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn cross_site_logins_and_wrong_passwords_are_refused_and_attempts_are_limited() {
    let app = TestApp::spawn().await;
    let mut cross = login("marketer%40test.io", "correct+horse+battery");
    cross
        .headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().unwrap());
    let (s, _, _) = app.send(cross).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = app.send(login("marketer%40test.io", "wrong")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.send(login("marketer%40test.io", "wrong")).await.0);
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Even the right password waits out the limit.
    let (s, _, _) = app
        .send(login("marketer%40test.io", "correct+horse+battery"))
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
}
