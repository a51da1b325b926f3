//! API tokens over HTTP: each user lists and revokes their own, an admin sees and revokes
//! everyone's, a revoked token is refused at once, nobody sees another's token or the secret,
//! and every revocation is audited.

mod common;

use axum::http::StatusCode;
use serde_json::Value;

use common::api::TestApp;

async fn tokens(app: &TestApp, token: &str) -> Vec<Value> {
    let (s, v) = app.json_as(Some(token), "GET", "/api/tokens", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["tokens"].as_array().unwrap().clone()
}

fn emails(list: &[Value]) -> Vec<&str> {
    let mut e: Vec<&str> = list.iter().map(|t| t["email"].as_str().unwrap()).collect();
    e.sort_unstable();
    e
}

#[tokio::test]
async fn each_user_lists_only_their_own_tokens_and_an_admin_lists_everyones_without_secrets() {
    let app = TestApp::spawn().await;
    let mine = tokens(&app, &app.marketer).await;
    assert_eq!(emails(&mine), ["marketer@test.io"]);
    assert_eq!(
        emails(&tokens(&app, &app.manager).await),
        ["manager@test.io"]
    );
    let all = tokens(&app, &app.admin).await;
    assert_eq!(
        emails(&all),
        [
            "admin@test.io",
            "manager2@test.io",
            "manager@test.io",
            "marketer@test.io"
        ]
    );
    let text = serde_json::to_string(&all).unwrap();
    for secret in [&app.marketer, &app.manager, &app.manager2, &app.admin] {
        assert!(!text.contains(secret.as_str()), "a token is never listed");
    }
    assert_eq!(mine[0]["id"].as_str().unwrap().len(), 16, "{mine:?}");
}

#[tokio::test]
async fn a_revoked_token_is_refused_at_once_and_the_revocation_is_audited() {
    let app = TestApp::spawn().await;
    let id = tokens(&app, &app.marketer).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "DELETE",
            &format!("/api/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(
        (s, v["revoked"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{v}"
    );
    let (s, v) = app
        .json_as(Some(&app.marketer), "GET", "/api/catalog", None)
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated")),
        "{v}"
    );
    let (_, log) = app
        .json_as(
            Some(&app.admin),
            "GET",
            "/api/audit?action=token.revoke",
            None,
        )
        .await;
    let entry = &log["entries"][0];
    assert_eq!(entry["actor"], "marketer@test.io");
    assert!(entry["before"].as_str().unwrap().contains(&id), "{entry}");
}

#[tokio::test]
async fn nobody_but_an_admin_revokes_someone_elses_token() {
    let app = TestApp::spawn().await;
    let manager_token = tokens(&app, &app.manager).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "DELETE",
            &format!("/api/tokens/{manager_token}"),
            None,
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "a marketer cannot even tell the token exists: {v}"
    );
    let (s, _) = app
        .json_as(
            Some(&app.manager2),
            "DELETE",
            &format!("/api/tokens/{manager_token}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "nor can another campaign manager");
    let (s, _) = app
        .json_as(Some(&app.manager), "GET", "/api/me", None)
        .await;
    assert_eq!(s, StatusCode::OK, "the manager's token still works");

    let (s, v) = app
        .json_as(
            Some(&app.admin),
            "DELETE",
            &format!("/api/tokens/{manager_token}"),
            None,
        )
        .await;
    assert_eq!(
        (s, v["email"].as_str()),
        (StatusCode::OK, Some("manager@test.io")),
        "{v}"
    );
    let (s, _) = app
        .json_as(Some(&app.manager), "GET", "/api/me", None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .json_as(
            Some(&app.admin),
            "DELETE",
            &format!("/api/tokens/{manager_token}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a token is revoked once");
}
