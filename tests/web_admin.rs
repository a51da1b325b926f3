//! The admin pages over HTTP with a signed-in session: an admin adds a webhook destination,
//! tests its connection (the receiver gets an empty signed batch) and sees a failing one's
//! error, then removes it; adds a user with a generated password who can then sign in, changes
//! their role, resets their password, creates and revokes an API token. Other roles get a page
//! that says what these pages are and who manages them, never JSON, and their posts are refused.

mod common;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use common::api::TestApp;
use common::web::{page, part, post_form, sign_in};
use segwright::app::secrets::SecretKey;

/// A webhook on 127.0.0.1 that keeps each body, answering `status`.
async fn receiver(status: StatusCode) -> (String, Arc<Mutex<Vec<String>>>) {
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let keep = got.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| async move {
            keep.lock().unwrap().push(body);
            status
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, got)
}

async fn with_key() -> TestApp {
    TestApp::spawn_with_settings(|s| {
        s.governance.secret_key = Some(SecretKey::parse(&"1f".repeat(32)).unwrap())
    })
    .await
}

#[tokio::test]
async fn an_admin_adds_tests_and_removes_a_destination_and_sees_the_last_error() {
    let app = with_key().await;
    let admin = sign_in(&app, "admin@test.io").await;
    let (s, html) = page(&app, &admin, "/destinations").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        html.contains("No destination is configured yet")
            && html.contains("data-testid=\"add-webhook\""),
        "{html}"
    );

    let (url, got) = receiver(StatusCode::OK).await;
    let add = [
        ("kind", "webhook"),
        ("setting.url", url.as_str()),
        ("secret.secret", "whsec-0123456789-abcd"),
        ("setting.unused", ""),
    ];
    let (s, _, html) = post_form(&app, &admin, "/destinations", &add).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let row = part(&html, "destination-webhook", "</tr>");
    let port = url.split(':').nth(2).unwrap().split('/').next().unwrap();
    assert!(
        row.contains(&format!("127.0.0.1:{port}"))
            && row.contains("…abcd")
            && row.contains("ready")
            && !html.contains("whsec-0123456789-abcd"),
        "{row}"
    );

    let (s, _, html) = post_form(&app, &admin, "/destinations/webhook/test", &[]).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        part(&html, "notice", "</p>").contains("the connection works"),
        "{html}"
    );
    assert_eq!(
        got.lock().unwrap().len(),
        1,
        "the receiver got the empty test batch"
    );

    // A receiver that refuses: the test says why, in the page, as a problem.
    let (bad, _) = receiver(StatusCode::UNAUTHORIZED).await;
    let (s, _, _) = post_form(
        &app,
        &admin,
        "/destinations",
        &[
            ("kind", "webhook"),
            ("setting.url", bad.as_str()),
            ("secret.secret", "whsec-0123456789-abcd"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, html) = post_form(&app, &admin, "/destinations/webhook/test", &[]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        part(&html, "problem", "</div>").contains("HTTP 401"),
        "{html}"
    );
    let (_, log) = app
        .call_as(
            Some(&app.admin),
            "GET",
            "/api/audit?action=destination.test",
            None,
        )
        .await;
    assert!(log.contains("destination.test"), "tests are audited: {log}");

    let (s, _, html) = post_form(&app, &admin, "/destinations/nowhere/test", &[]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let (s, _, html) = post_form(&app, &admin, "/destinations/webhook/remove", &[]).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        html.contains("Removed the stored settings of webhook")
            && html.contains("No destination is configured yet"),
        "{html}"
    );
}

#[tokio::test]
async fn a_failed_sync_shows_as_the_destinations_last_error() {
    let (bad, _) = receiver(StatusCode::BAD_REQUEST).await;
    let app = TestApp::spawn_with_settings(|s| {
        let d = &mut s.governance.destinations;
        (d.webhook_url, d.webhook_secret) = (Some(bad), Some("whsec-0123456789-abcd".into()));
    })
    .await;
    let def = serde_json::json!({"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}});
    let (_, v) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(serde_json::json!({"name": "US", "definition": def})),
        )
        .await;
    let id = v["id"].as_str().unwrap().to_string();
    for (who, step, body) in [
        (
            &app.marketer,
            "submit",
            serde_json::json!({"destinations": ["webhook"]}),
        ),
        (&app.manager, "approve", serde_json::json!({})),
        (&app.manager, "activate", serde_json::json!({})),
    ] {
        let (s, v) = app
            .json_as(
                Some(who),
                "POST",
                &format!("/api/segments/{id}/{step}"),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{step}: {v}");
    }
    app.app.drain_syncs().await.unwrap();
    let admin = sign_in(&app, "admin@test.io").await;
    let (_, html) = page(&app, &admin, "/destinations").await;
    let row = part(&html, "destination-webhook", "</tr>");
    assert!(
        row.contains("from the environment")
            && row.contains("badge failed")
            && row.contains("HTTP 400"),
        "{row}"
    );
}

/// Sign in with a password; whether it worked.
async fn can_sign_in(app: &TestApp, email: &str, password: &str) -> bool {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("email", email)
        .append_pair("password", password);
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.finish()))
        .unwrap();
    app.send(req).await.0 == StatusCode::SEE_OTHER
}

/// A user's role as the API lists it; empty when there is no such user.
async fn role_of(app: &TestApp, email: &str) -> String {
    let (_, v) = app
        .json_as(Some(&app.admin), "GET", "/api/users", None)
        .await;
    let users = v
        .as_array()
        .cloned()
        .or_else(|| v["users"].as_array().cloned())
        .unwrap_or_default();
    users
        .iter()
        .find(|u| u["email"] == email)
        .map(|u| u["role"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

fn secret_of(html: &str) -> String {
    part(html, "secret", "</div>")
        .split("value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn an_admin_adds_a_user_who_signs_in_then_changes_their_role_resets_their_password_and_manages_tokens()
 {
    let app = TestApp::spawn().await;
    let admin = sign_in(&app, "admin@test.io").await;
    let (s, _, html) = post_form(
        &app,
        &admin,
        "/users",
        &[("email", "New.Person@Test.io"), ("role", "marketer")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let password = secret_of(&html);
    assert!(
        password.len() >= 16 && can_sign_in(&app, "new.person@test.io", &password).await,
        "the shown password signs in"
    );
    let (s, _, html) = post_form(
        &app,
        &admin,
        "/users",
        &[("email", "new.person@test.io"), ("role", "admin")],
    )
    .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "adding twice is refused: {html}"
    );
    assert!(
        part(&html, "problem", "</div>").contains("already has an account"),
        "{html}"
    );

    let (s, _, html) = post_form(
        &app,
        &admin,
        "/users/new.person%40test.io/role",
        &[("role", "campaign_manager")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert_eq!(
        role_of(&app, "new.person@test.io").await,
        "campaign_manager"
    );
    let (s, _, html) = post_form(
        &app,
        &admin,
        "/users/admin%40test.io/role",
        &[("role", "marketer")],
    )
    .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an admin does not demote themselves: {html}"
    );
    assert!(html.contains("cannot change your own role"), "{html}");

    let (_, _, html) = post_form(&app, &admin, "/users/new.person%40test.io/reset", &[]).await;
    let fresh = secret_of(&html);
    assert!(
        fresh != password
            && can_sign_in(&app, "new.person@test.io", &fresh).await
            && !can_sign_in(&app, "new.person@test.io", &password).await
    );

    let (_, _, html) = post_form(
        &app,
        &admin,
        "/users/new.person%40test.io/token",
        &[("label", "ci")],
    )
    .await;
    let token = secret_of(&html);
    let (s, _) = app
        .call_as(Some(&token), "GET", "/api/segments", None)
        .await;
    assert_eq!(s, StatusCode::OK, "the token works");
    let row = part(&html, "tokens", "</table>")
        .split("<tr>")
        .find(|r| r.contains("<td>ci</td>"))
        .expect("the new token is listed");
    let id = row
        .split("/tokens/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let (s, _, html) = post_form(&app, &admin, &format!("/tokens/{id}/revoke"), &[]).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let (s, _) = app
        .call_as(Some(&token), "GET", "/api/segments", None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "revoked");
}

#[tokio::test]
async fn other_roles_get_a_page_saying_who_manages_users_and_destinations_and_their_posts_are_refused()
 {
    let app = TestApp::spawn().await;
    for email in ["marketer@test.io", "manager@test.io"] {
        let who = sign_in(&app, email).await;
        for uri in ["/destinations", "/users", "/admin"] {
            let (s, html) = page(&app, &who, uri).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{uri}");
            assert!(
                html.contains("<h1>")
                    && html.contains("Only an admin can open this page")
                    && !html.contains("no such route"),
                "{uri}: {html}"
            );
        }
        let (s, _, _) = post_form(
            &app,
            &who,
            "/users",
            &[("email", "x@test.io"), ("role", "admin")],
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = post_form(
            &app,
            &who,
            "/users/marketer%40test.io/role",
            &[("role", "admin")],
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = post_form(&app, &who, "/destinations/webhook/test", &[]).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        (
            role_of(&app, "x@test.io").await,
            role_of(&app, "marketer@test.io").await
        ),
        (String::new(), "marketer".to_string())
    );
}
