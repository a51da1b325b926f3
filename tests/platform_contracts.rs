//! Issue 17, ad-platform contracts, through the sync engine against fake Meta and Google servers
//! on 127.0.0.1: Meta's additions and removals are separate sessions, each ending with
//! `last_batch_flag`, and Meta's counts of received and invalid entries reach the run's report;
//! Google gets one offline user data job per sync run, run by the last batch and polled until
//! it succeeds.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{Method, StatusCode, Uri};
use serde_json::{Value, json};

use common::api::TestApp;
use segwright::app::{Governance, ImportOptions};
use segwright::destinations::DestinationConfig;
use segwright::domain::import::Kind;
use segwright::domain::policy::PolicyConfig;

type Seen = Arc<Mutex<Vec<(Method, String, Value)>>>;

/// Meta answers each batch with one invalid entry; Google's job is RUNNING at the first status
/// check and SUCCESS at the next.
async fn fake_platforms() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let router = axum::Router::new().fallback(move |method: Method, uri: Uri, body: String| {
        let log = log.clone();
        async move {
            let path = uri.path().to_string();
            let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let mut log = log.lock().unwrap();
            let searches = log.iter().filter(|(_, p, _)| p.ends_with("googleAds:search")).count();
            log.push((method, path.clone(), body.clone()));
            let answer = if path.starts_with("/meta/") {
                let n = body["payload"]["data"].as_array().map_or(0, Vec::len);
                json!({"audience_id": "aud-1", "num_received": n, "num_invalid_entries": 1,
                       "invalid_entry_samples": {"abc123": "invalid email hash"}})
            } else if path.ends_with("offlineUserDataJobs:create") {
                json!({"resourceName": "customers/123/offlineUserDataJobs/777"})
            } else if path.ends_with("googleAds:search") {
                let status = if searches == 0 { "RUNNING" } else { "SUCCESS" };
                json!({"results": [{"offlineUserDataJob": {"resourceName": "customers/123/offlineUserDataJobs/777", "status": status}}]})
            } else {
                json!({})
            };
            (StatusCode::OK, axum::Json(answer))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, seen)
}

async fn post(app: &TestApp, token: &str, id: &str, action: &str) -> Value {
    let (s, v) = app
        .json_as(
            Some(token),
            "POST",
            &format!("/api/segments/{id}/{action}"),
            Some(json!({})),
        )
        .await;
    assert!(s.is_success(), "{action}: {v}");
    v
}

#[tokio::test]
async fn meta_sessions_end_with_their_own_last_batch_and_google_runs_one_polled_job_per_sync() {
    let (base, seen) = fake_platforms().await;
    let destinations = DestinationConfig {
        meta_base_url: format!("{base}/meta"),
        meta_audience_id: Some("aud-1".into()),
        meta_access_token: Some("tok".into()),
        google_base_url: format!("{base}/google"),
        google_customer_id: Some("123".into()),
        google_user_list_id: Some("987".into()),
        google_developer_token: Some("dev".into()),
        google_access_token: Some("g".into()),
        google_poll_every: Duration::from_millis(10),
        batch_size: 1,
        retry_delay: Duration::from_millis(10),
        ..Default::default()
    };
    let policy = PolicyConfig {
        min_meta: 1,
        min_google: 1,
        ..Default::default()
    };
    let app = TestApp::spawn_with(Governance {
        destinations,
        policy,
        ..Default::default()
    })
    .await;
    let csv = "customer_id,email,country,ads_consent\nm1,m1@example.com,US,Yes\nm2,m2@example.com,US,Yes\n";
    let (_tmp, path) = common::write_file("more.csv", csv);
    let opts = ImportOptions::new(Kind::Customers, path, vec![], false, None, false);
    app.app
        .import(opts, &segwright::app::Actor::cli())
        .await
        .unwrap();

    let def =
        json!({"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}});
    let (_, seg) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(json!({"name": "us", "definition": def})),
        )
        .await;
    let id = seg["id"].as_str().unwrap().to_string();
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            &format!("/api/segments/{id}/submit"),
            Some(json!({"destinations": ["meta", "google"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    post(&app, &app.manager, &id, "approve").await;
    let run = post(&app, &app.manager, &id, "activate").await["sync_run"]
        .as_i64()
        .unwrap();
    app.app.drain_syncs().await.unwrap();

    // Google: one job for the run's two batches, run once by the last, polled until SUCCESS.
    let paths: Vec<String> = {
        let seen = seen.lock().unwrap();
        seen.iter()
            .filter(|(_, p, _)| p.starts_with("/google/"))
            .map(|(_, p, _)| p.clone())
            .collect()
    };
    let job = "/google/customers/123/offlineUserDataJobs/777";
    assert_eq!(
        paths,
        [
            "/google/customers/123/offlineUserDataJobs:create".to_string(),
            format!("{job}:addOperations"),
            format!("{job}:addOperations"),
            format!("{job}:run"),
            "/google/customers/123/googleAds:search".into(),
            "/google/customers/123/googleAds:search".into(),
        ]
    );
    let (_, report) = app
        .json_as(
            Some(&app.manager),
            "GET",
            &format!("/api/syncs/{run}"),
            None,
        )
        .await;
    let of = |name: &str| {
        report["destinations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["destination"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(of("google")["status"], "delivered", "{report}");
    let adds: Vec<Value> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, p, _)| p.ends_with(":addOperations"))
        .flat_map(|(_, _, b)| b["operations"].as_array().unwrap().clone())
        .collect();
    assert_eq!(adds.len(), 2, "m1 and m2 consented to ads: {adds:?}");
    for op in &adds {
        assert_eq!(
            op["create"]["consent"],
            json!({"adUserData": "GRANTED", "adPersonalization": "GRANTED"}),
            "each member's own consent, read from their ads consent: {op}"
        );
    }
    assert!(
        of("google")["notes"].to_string().contains("SUCCESS"),
        "{report}"
    );
    // Meta: Meta's own counts are on the report, invalid entries with their reasons.
    let meta = of("meta");
    assert_eq!(
        (
            meta["members_received"].as_i64(),
            meta["members_invalid"].as_i64()
        ),
        (Some(2), Some(2)),
        "{report}"
    );
    assert!(
        meta["notes"].to_string().contains("invalid email hash"),
        "{report}"
    );

    // A refresh with one addition and one removal: two sessions, each its own last batch.
    seen.lock().unwrap().clear();
    let csv = "customer_id,email,country,ads_consent\nm3,m3@example.com,US,Yes\nm1,m1@example.com,US,No\n";
    let (_tmp, path) = common::write_file("more.csv", csv);
    let opts = ImportOptions::new(Kind::Customers, path, vec![], false, None, false);
    app.app
        .import(opts, &segwright::app::Actor::cli())
        .await
        .unwrap();
    post(&app, &app.manager, &id, "refresh").await;
    app.app.drain_syncs().await.unwrap();
    let meta: Vec<(Method, Value)> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, p, _)| p == "/meta/aud-1/users")
        .map(|(m, _, b)| (m.clone(), b["session"].clone()))
        .collect();
    assert_eq!(meta.len(), 2, "{meta:?}");
    let (add, remove) = (&meta[0], &meta[1]);
    assert_eq!((&add.0, &remove.0), (&Method::POST, &Method::DELETE));
    for (_, s) in [add, remove] {
        assert_eq!(
            (s["batch_seq"].as_u64(), s["last_batch_flag"].as_bool()),
            (Some(1), Some(true)),
            "each session is numbered from 1 and ends with its own last batch: {meta:?}"
        );
        assert_eq!(s["estimated_num_total"], 1);
    }
    assert_ne!(
        add.1["session_id"], remove.1["session_id"],
        "additions and removals are separate sessions"
    );
}
