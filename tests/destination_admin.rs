//! Destinations configured by an admin over HTTP: stored with their secrets encrypted under
//! SEGWRIGHT_SECRET_KEY, listed without them, refused to other roles, audited, and used by the
//! sync worker; without a key, secrets are refused with a clear message while destinations from
//! the environment keep working.

mod common;

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use common::api::TestApp;
use segwright::app::secrets::SecretKey;

const SECRET: &str = "whsec-0123456789-abcd";

fn key() -> SecretKey {
    SecretKey::parse(&"1f".repeat(32)).unwrap()
}

/// A webhook on 127.0.0.1 that keeps the signature and body of each request.
async fn fake_webhook() -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let got: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let keep = got.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| async move {
            let sig = headers
                .get("x-segwright-signature")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            keep.lock().unwrap().push((sig, body));
            StatusCode::OK
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, got)
}

fn webhook(url: &str) -> Value {
    json!({"kind": "webhook", "settings": {"url": url}, "secrets": {"secret": SECRET}})
}

#[tokio::test]
async fn an_admin_stores_a_webhook_whose_secret_is_encrypted_never_shown_and_used_to_sign_deliveries()
 {
    let (base, got) = fake_webhook().await;
    let app = TestApp::spawn_with_settings(|s| s.governance.secret_key = Some(key())).await;
    let (s, v) = app
        .json_as(
            Some(&app.admin),
            "POST",
            "/api/destinations",
            Some(webhook(&format!("{base}/hook"))),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (v["secrets"]["secret"].as_str(), v["configured"].as_bool()),
        (Some("…abcd"), Some(true)),
        "{v}"
    );

    let (_, listed) = app
        .json_as(Some(&app.admin), "GET", "/api/destinations", None)
        .await;
    assert_eq!(listed["destinations"][0]["source"], "database");
    let (_, log) = app
        .call_as(
            Some(&app.admin),
            "GET",
            "/api/audit?action=destination.add",
            None,
        )
        .await;
    assert!(log.contains("…abcd"), "{log}");
    for shown in [listed.to_string(), v.to_string(), log] {
        assert!(
            !shown.contains(SECRET),
            "the secret is never answered nor audited: {shown}"
        );
    }
    let pool = sqlx::SqlitePool::connect(&app.db_url).await.unwrap();
    let (sealed,): (String,) =
        sqlx::query_as("SELECT sealed_secrets FROM destinations WHERE kind = 'webhook'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        !sealed.contains(SECRET) && !sealed.contains(&hex::encode(SECRET)),
        "stored encrypted"
    );

    // A segment bound for the webhook is delivered with the stored URL and signed with the stored secret.
    let def = json!({"version": 1, "root": {"type": "attribute", "field": "country", "op": "eq", "value": "US"}});
    let (_, seg) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(json!({"name": "us", "definition": def})),
        )
        .await;
    let id = seg["id"].as_str().unwrap();
    for (token, action, body) in [
        (
            &app.marketer,
            "submit",
            json!({"destinations": ["webhook"]}),
        ),
        (&app.manager, "approve", json!({})),
        (&app.manager, "activate", json!({})),
    ] {
        let (s, v) = app
            .json_as(
                Some(token),
                "POST",
                &format!("/api/segments/{id}/{action}"),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{action}: {v}");
    }
    app.app.drain_syncs().await.unwrap();
    let received = got.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "one batch");
    assert_eq!(
        received[0].0,
        segwright::destinations::webhook::signature(SECRET, received[0].1.as_bytes())
    );
}

#[tokio::test]
async fn without_a_secret_key_secrets_are_refused_clearly_and_environment_destinations_keep_working()
 {
    let app = TestApp::spawn_with_settings(|s| {
        s.governance.destinations.webhook_url = Some("http://127.0.0.1:9/hook".into())
    })
    .await;
    let (s, v) = app
        .json_as(
            Some(&app.admin),
            "POST",
            "/api/destinations",
            Some(webhook("http://127.0.0.1:9/other")),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("SEGWRIGHT_SECRET_KEY is not set"),
        "{v}"
    );
    let (_, listed) = app
        .json_as(Some(&app.admin), "GET", "/api/destinations", None)
        .await;
    assert_eq!(
        listed["destinations"],
        json!([{"kind": "webhook", "source": "environment", "settings": {}, "secrets": {}, "configured": true}])
    );

    // Settings without secrets need no key.
    let body = json!({"kind": "meta", "settings": {"audience_id": "aud-9"}});
    let (s, v) = app
        .json_as(Some(&app.admin), "POST", "/api/destinations", Some(body))
        .await;
    assert_eq!(
        (s, v["configured"].as_bool()),
        (StatusCode::CREATED, Some(false)),
        "no access token yet: {v}"
    );
    let body = json!({"kind": "meta", "settings": {"audience": "aud-9"}});
    let (s, v) = app
        .json_as(Some(&app.admin), "POST", "/api/destinations", Some(body))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("meta has no setting `audience`"),
        "{v}"
    );
}

#[tokio::test]
async fn marketers_and_campaign_managers_may_not_see_or_change_destinations() {
    let app = TestApp::spawn_with_settings(|s| s.governance.secret_key = Some(key())).await;
    let (s, _) = app
        .json_as(
            Some(&app.admin),
            "POST",
            "/api/destinations",
            Some(webhook("http://127.0.0.1:9/hook")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    for token in [&app.marketer, &app.manager] {
        let (s, _) = app
            .json_as(Some(token), "GET", "/api/destinations", None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app
            .json_as(
                Some(token),
                "POST",
                "/api/destinations",
                Some(webhook("http://evil.test/hook")),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app
            .json_as(Some(token), "DELETE", "/api/destinations/webhook", None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (s, v) = app
        .json_as(
            Some(&app.admin),
            "DELETE",
            "/api/destinations/webhook",
            None,
        )
        .await;
    assert_eq!(
        (s, v["removed"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{v}"
    );
    let (s, _) = app
        .json_as(
            Some(&app.admin),
            "DELETE",
            "/api/destinations/webhook",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, log) = app
        .json_as(
            Some(&app.admin),
            "GET",
            "/api/audit?action=destination.remove",
            None,
        )
        .await;
    assert_eq!(log["entries"][0]["actor"], "admin@test.io");
}
