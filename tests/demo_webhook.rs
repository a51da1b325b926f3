//! `segwright demo` with no webhook configured receives its own webhook at `/demo/webhook`: a new
//! user can activate an audience and read a real delivery report with nothing else running.
//! The receiver checks signatures like any receiver should; outside the demo it does not exist.

mod common;

use axum::http::StatusCode;
use serde_json::json;

use common::api::TestApp;

#[tokio::test]
async fn in_the_demo_an_audience_activated_to_the_webhook_reaches_the_servers_own_receiver() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = TestApp::spawn_with_settings(|s| {
        let d = &mut s.governance.destinations;
        d.webhook_url = Some(format!("http://{addr}/demo/webhook"));
        d.webhook_secret = Some("demo-secret".into());
        d.demo_sink = true;
    })
    .await;
    let served = app.app.clone();
    tokio::spawn(async move {
        axum::serve(listener, segwright::http::router(served))
            .await
            .unwrap()
    });

    let forged = reqwest::Client::new()
        .post(format!("http://{addr}/demo/webhook"))
        .body(r#"{"op":"add","members":[]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status().as_u16(),
        401,
        "an unsigned batch is refused"
    );

    let def = json!({"version": 1, "root": {"type": "attribute", "field": "country", "op": "eq", "value": "US"}});
    let (_, seg) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(json!({"name": "us", "definition": def})),
        )
        .await;
    let id = seg["id"].as_str().unwrap().to_string();
    let steps = [
        (
            &app.marketer,
            "submit",
            json!({"destinations": ["webhook"]}),
        ),
        (&app.manager, "approve", json!({})),
        (&app.manager, "activate", json!({})),
    ];
    let mut last = json!(null);
    for (token, action, body) in steps {
        let (s, v) = app
            .json_as(
                Some(token),
                "POST",
                &format!("/api/segments/{id}/{action}"),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{action}: {v}");
        last = v;
    }
    app.app.drain_syncs().await.unwrap();
    let report = app
        .app
        .sync_report(
            last["sync_run"].as_i64().unwrap(),
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();
    assert_eq!(report.run.status, "delivered", "{report:?}");
    assert!(report.destinations[0].members_accepted > 0, "{report:?}");
}

#[tokio::test]
async fn outside_the_demo_there_is_no_demo_receiver() {
    let app = TestApp::spawn().await;
    let (s, _) = app
        .call_as(
            None,
            "POST",
            "/demo/webhook",
            Some(json!({"op": "add", "members": []})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// A signed batch as the webhook destination sends it, with `members` members.
fn signed_batch(members: usize, secret: &str) -> (Vec<u8>, String) {
    let rows: Vec<_> =
        (0..members).map(|k| json!({"external_id": format!("C{k:06}"), "email_sha256": "e".repeat(64), "phone_sha256": "p".repeat(64)})).collect();
    let body = serde_json::to_vec(
        &json!({"op": "add", "batch": 1, "batches": 1, "total": members, "members": rows}),
    )
    .unwrap();
    let sig = segwright::destinations::webhook::signature(secret, &body);
    (body, sig)
}

#[tokio::test]
async fn the_demo_receiver_accepts_a_batch_of_thousands_of_members_beyond_the_apps_request_limit() {
    let app = TestApp::spawn_with_settings(|s| {
        let d = &mut s.governance.destinations;
        d.webhook_secret = Some("demo-secret".into());
        d.demo_sink = true;
    })
    .await;
    // 4,000 members with both hashes: about 800 KB, past the 256 KiB the rest of the app takes.
    let (body, sig) = signed_batch(4_000, "demo-secret");
    assert!(body.len() > 512 * 1024, "{}", body.len());
    let req = axum::http::Request::post("/demo/webhook")
        .header("x-segwright-signature", sig)
        .body(axum::body::Body::from(body))
        .unwrap();
    let (s, _, text) = app.send(req).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert!(text.contains("\"received\":4000"), "{text}");

    // The app's own limit still holds everywhere else.
    let huge = json!({"definition": {"version": 1, "root": {"type": "attribute", "field": "country", "op": "eq", "value": "x".repeat(300 * 1024)}}});
    let (s, _) = app.call("POST", "/api/validate", Some(huge)).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
}
