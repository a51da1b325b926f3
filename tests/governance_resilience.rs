//! Issue 17 items 13 and 15: one broken thing fails only itself. A saved segment that cannot be
//! compared is left out of a preview's overlaps with a notice (15); a stored secret that no
//! longer decrypts fails only its own destination (13).

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};

use common::api::TestApp;

fn country(c: &str) -> Value {
    json!({"version": 1, "root": {"type": "attribute", "field": "country", "op": "eq", "value": c}})
}

async fn saved(app: &TestApp, name: &str, def: Value) -> String {
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(json!({"name": name, "definition": def})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_string()
}

/// Break a saved segment under the app: its stored definition no longer reads.
async fn break_definition(db_url: &str, id: &str) {
    let sql = "UPDATE segment_versions SET definition = '{\"version\": 1, \"root\": {\"type\": \"nonsense\"' WHERE segment_id = $1";
    if db_url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(db_url).await.unwrap();
        sqlx::query(sql).bind(id).execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::SqlitePool::connect(db_url).await.unwrap();
        sqlx::query(sql).bind(id).execute(&pool).await.unwrap();
    }
}

/// Item 15: on SQLite and PostgreSQL, a full preview and a submission of unrelated segments
/// succeed beside a broken saved segment, which the preview names in a notice.
#[tokio::test]
async fn a_broken_saved_segment_is_left_out_of_overlaps_with_a_notice_and_breaks_nothing_else() {
    for db in common::all_dbs().await {
        let app = TestApp::spawn_on(db, |_| {}).await;
        let fine = saved(&app, "fine", country("US")).await;
        let broken = saved(&app, "broken", country("FR")).await;
        break_definition(&app.db_url, &broken).await;

        let (s, v) = app
            .json_as(
                Some(&app.marketer),
                "POST",
                "/api/preview",
                Some(json!({"definition": country("US")})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(
            v["overlaps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["segment"] == fine.as_str()),
            "{v}"
        );
        let notices = v["notices"].to_string();
        assert!(
            notices.contains("saved segment \\\"broken\\\" was left out of the overlaps"),
            "{notices}"
        );

        let (s, v) = app
            .json_as(
                Some(&app.marketer),
                "POST",
                &format!("/api/segments/{fine}/submit"),
                Some(json!({"destinations": ["webhook"]})),
            )
            .await;
        assert_eq!(
            s,
            StatusCode::OK,
            "an unrelated submission goes through: {v}"
        );
    }
}

/// A webhook on 127.0.0.1 that counts the batches it receives.
async fn counting_webhook() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let got = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let keep = got.clone();
    let hook = axum::routing::post(move || async move {
        keep.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        StatusCode::OK
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, axum::Router::new().route("/hook", hook))
            .await
            .unwrap()
    });
    (url, got)
}

/// Seal garbage in place of a stored destination's secrets (a key rotated without re-storing).
async fn spoil_secrets(db_url: &str, kind: &str) {
    let sql = "UPDATE destinations SET sealed_secrets = '00112233445566778899aabbccddeeff00112233445566778899' WHERE kind = $1";
    if db_url.starts_with("postgres") {
        sqlx::query(sql)
            .bind(kind)
            .execute(&sqlx::PgPool::connect(db_url).await.unwrap())
            .await
            .unwrap();
    } else {
        sqlx::query(sql)
            .bind(kind)
            .execute(&sqlx::SqlitePool::connect(db_url).await.unwrap())
            .await
            .unwrap();
    }
}

async fn activate(app: &TestApp, id: &str) -> i64 {
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
        if action == "activate" {
            return v["sync_run"].as_i64().unwrap();
        }
    }
    unreachable!()
}

/// Item 13: on SQLite and PostgreSQL, LinkedIn's stored secret no longer decrypts, yet the
/// webhook's batches are delivered; when the webhook's own secret is spoiled, its batch fails
/// saying which destination's secrets cannot be opened.
#[tokio::test]
async fn one_undecryptable_secret_fails_only_its_own_destination_with_a_clear_error() {
    for db in common::all_dbs().await {
        let key = segwright::app::secrets::SecretKey::parse(&"2e".repeat(32)).unwrap();
        let app = TestApp::spawn_on(db, |s| s.governance.secret_key = Some(key)).await;
        let (url, got) = counting_webhook().await;
        let stored = [
            json!({"kind": "webhook", "settings": {"url": url}, "secrets": {"secret": "whsec-1"}}),
            json!({"kind": "linkedin", "settings": {"segment_id": "seg-1"}, "secrets": {"access_token": "tok-1"}}),
        ];
        for body in stored {
            let (s, v) = app
                .json_as(Some(&app.admin), "POST", "/api/destinations", Some(body))
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
        }
        spoil_secrets(&app.db_url, "linkedin").await;
        let us = saved(&app, "us", country("US")).await;
        activate(&app, &us).await;
        app.app.drain_syncs().await.unwrap();
        assert_eq!(
            got.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "the webhook is delivered despite LinkedIn's secret"
        );

        spoil_secrets(&app.db_url, "webhook").await;
        let fr = saved(&app, "fr", country("FR")).await;
        let run = activate(&app, &fr).await;
        app.app.drain_syncs().await.unwrap();
        let (_, report) = app
            .json_as(
                Some(&app.manager),
                "GET",
                &format!("/api/syncs/{run}"),
                None,
            )
            .await;
        assert!(
            report.to_string().contains(
                "the stored secrets of `webhook` cannot be opened with this SEGWRIGHT_SECRET_KEY"
            ),
            "{report}"
        );
    }
}
