//! Delivery to fake destinations on 127.0.0.1: the webhook receives exactly the unsuppressed
//! members, signed, retried after a 503; Meta receives only members with ads consent, hashed by
//! its rules, in its payload shape; a dry run counts without sending; a replacement reaches
//! Meta as one `usersreplace` session of the whole audience.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use common::api::TestApp;
use segwright::app::{Governance, ImportOptions};
use segwright::destinations::DestinationConfig;
use segwright::domain::import::Kind;
use segwright::domain::policy::PolicyConfig;

#[derive(Clone, Default)]
struct Received {
    webhook: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    meta: Arc<Mutex<Vec<Value>>>,
    /// Bodies POSTed to Meta's `usersreplace`.
    replaced: Arc<Mutex<Vec<Value>>>,
    /// 503s still to answer the webhook with.
    fail_first: Arc<Mutex<u32>>,
}

async fn fake_destinations() -> (String, Received) {
    let got = Received {
        fail_first: Arc::new(Mutex::new(1)),
        ..Default::default()
    };
    let (w, m, f, r) = (got.clone(), got.clone(), got.clone(), got.clone());
    let router = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| async move {
                let mut fail = f.fail_first.lock().unwrap();
                if *fail > 0 {
                    *fail -= 1;
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                w.webhook.lock().unwrap().push((headers, body));
                StatusCode::OK
            }),
        )
        .route(
            "/v25.0/{audience}/users",
            axum::routing::post(
                move |axum::extract::Path(a): axum::extract::Path<String>,
                      axum::Json(v): axum::Json<Value>| async move {
                    assert_eq!(a, "aud-1");
                    m.meta.lock().unwrap().push(v);
                    axum::Json(json!({"num_received": 1}))
                },
            ),
        )
        .route(
            "/v25.0/{audience}/usersreplace",
            axum::routing::post(move |axum::Json(v): axum::Json<Value>| async move {
                r.replaced.lock().unwrap().push(v);
                axum::Json(json!({"num_received": 1}))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, got)
}

#[tokio::test]
async fn an_active_segment_reaches_each_destination_with_only_the_members_it_may_receive() {
    let (base, got) = fake_destinations().await;
    let destinations = DestinationConfig {
        webhook_url: Some(format!("{base}/hook")),
        webhook_secret: Some("s3cret".into()),
        meta_base_url: format!("{base}/v25.0"),
        meta_audience_id: Some("aud-1".into()),
        meta_access_token: Some("tok".into()),
        retry_delay: Duration::from_millis(10),
        ..Default::default()
    };
    let policy = PolicyConfig {
        min_meta: 1,
        ..Default::default()
    };
    let app = TestApp::spawn_with(Governance {
        destinations,
        policy,
        ..Default::default()
    })
    .await;
    let csv = "customer_id,email,phone,country,ads_consent\nm1,Jane.Doe@Example.com,+1 (415) 555-2671,US,Yes\nm2,x@example.com,,US,No\n";
    let (_dir, path) = common::write_file("more.csv", csv);
    app.app
        .import(
            ImportOptions::new(Kind::Customers, path, vec![], false, None, false),
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();
    app.app
        .suppress("external_id", "c2", &segwright::app::Actor::cli())
        .await
        .unwrap();

    let def =
        json!({"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}});
    let (_, seg) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(json!({"name":"us","definition": def})),
        )
        .await;
    let id = seg["id"].as_str().unwrap().to_string();
    let post = |token: String, action: &'static str, body: Value| {
        let (app, id) = (&app, id.clone());
        async move {
            app.json_as(
                Some(&token),
                "POST",
                &format!("/api/segments/{id}/{action}"),
                Some(body),
            )
            .await
        }
    };
    let (s, v) = post(
        app.marketer.clone(),
        "submit",
        json!({"destinations": ["webhook", "meta"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    post(app.manager.clone(), "approve", json!({})).await;

    // Before activation the reviewer sees a dry run; nothing is sent.
    let (s, dry) = post(app.manager.clone(), "deliver", json!({"dry_run": true})).await;
    assert_eq!(s, StatusCode::OK, "{dry}");
    assert_eq!(
        (
            dry["destinations"][0]["members"].as_i64(),
            dry["destinations"][0]["adds"].as_i64()
        ),
        (Some(3), Some(3)),
        "{dry}"
    );
    assert_eq!(
        dry["destinations"][1]["members"], 1,
        "only m1 consented to ads"
    );
    assert!(got.webhook.lock().unwrap().is_empty() && got.meta.lock().unwrap().is_empty());
    let (s, _) = post(app.manager.clone(), "deliver", json!({})).await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "only an active version is delivered"
    );

    // Activating queues the first sync run and answers with it before anything is sent.
    let (s, activated) = post(app.manager.clone(), "activate", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{activated}");
    let run = activated["sync_run"]
        .as_i64()
        .expect("the activation names its sync run");
    let (_, started) = app
        .json_as(
            Some(&app.manager),
            "GET",
            &format!("/api/syncs/{run}"),
            None,
        )
        .await;
    assert_eq!(
        (started["kind"].as_str(), started["status"].as_str()),
        (Some("activation"), Some("running")),
        "{started}"
    );
    assert!(got.webhook.lock().unwrap().is_empty() && got.meta.lock().unwrap().is_empty());
    let (s, _) = post(app.marketer.clone(), "deliver", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, again) = post(app.manager.clone(), "deliver", json!({})).await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "the activation's run is still unfinished: {again}"
    );
    assert!(
        app.app.drain_syncs().await.unwrap() >= 2,
        "the worker sends the stored batches"
    );
    let (s, report) = app
        .json_as(
            Some(&app.marketer),
            "GET",
            &format!("/api/syncs/{run}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(report["status"], "delivered", "{report}");
    let by_dest = |name: &str| {
        report["destinations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["destination"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(by_dest("webhook")["status"], "delivered", "{report}");
    assert_eq!(by_dest("webhook")["attempts"], 2, "one 503, then accepted");
    assert_eq!(by_dest("webhook")["members_accepted"], 3);
    assert_eq!(by_dest("meta")["members_accepted"], 1);
    let (_, runs) = app
        .json_as(
            Some(&app.manager),
            "GET",
            &format!("/api/segments/{id}/syncs"),
            None,
        )
        .await;
    assert_eq!(runs["runs"][0]["id"], run);

    let hooks = got.webhook.lock().unwrap().clone();
    assert_eq!(hooks.len(), 1);
    let (headers, body) = &hooks[0];
    assert_eq!(
        headers["x-segwright-signature"].to_str().unwrap(),
        segwright::destinations::webhook::signature("s3cret", body.as_bytes())
    );
    assert!(headers.contains_key("idempotency-key"));
    let body: Value = serde_json::from_str(body).unwrap();
    let ids: Vec<&str> = body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["external_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["c1", "m1", "m2"],
        "c2 is suppressed, c3 and c4 are not in the US"
    );
    assert_eq!(body["approval_hash"], report["approval_hash"]);

    let meta = got.meta.lock().unwrap().clone();
    assert_eq!(meta.len(), 1);
    assert_eq!(meta[0]["access_token"], "tok");
    assert_eq!(
        meta[0]["payload"]["schema"],
        json!(["EMAIL", "PHONE", "FN", "LN", "CT", "ST", "ZIP", "COUNTRY"])
    );
    let (email, phone, us) = (
        "86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d",
        "758fbf68945f21c416814c539ab578876c8d98fb69e6da692def92cd52417fe0",
        "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621",
    );
    assert_eq!(
        meta[0]["payload"]["data"],
        json!([[email, phone, "", "", "", "", "", us]]),
        "m1 has no name or address"
    );
    assert_eq!(meta[0]["session"]["last_batch_flag"], true);
    assert_eq!(
        meta[0]["payload"]["is_raw"], true,
        "multi-key uploads say so, as Meta's example does"
    );
    for action in ["sync.start", "sync.finish"] {
        let (_, audit) = app
            .json_as(
                Some(&app.manager),
                "GET",
                &format!("/api/audit?action={action}"),
                None,
            )
            .await;
        assert_eq!(
            audit["entries"].as_array().unwrap().len(),
            1,
            "{action}: {audit}"
        );
    }
}

#[tokio::test]
async fn only_an_approved_audience_downloads_as_csv_without_suppressed_members_and_with_consent_on_request()
 {
    let app = TestApp::spawn().await;
    let csv = "customer_id,email,phone,first_name,country,ads_consent\nm1,jane@example.com,+1 415 555 2671,\"Jane, Jr\",US,Yes\nm2,x@example.com,,Max,US,No\n";
    let (_dir, path) = common::write_file("more.csv", csv);
    app.app
        .import(
            ImportOptions::new(Kind::Customers, path, vec![], false, None, false),
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();
    app.app
        .suppress("external_id", "c2", &segwright::app::Actor::cli())
        .await
        .unwrap();
    let def =
        json!({"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}});
    let (_, seg) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(json!({"name":"us","definition": def})),
        )
        .await;
    let id = seg["id"].as_str().unwrap().to_string();
    let download = |token: String, query: &'static str| {
        let (app, id) = (&app, id.clone());
        async move {
            app.call_as(
                Some(&token),
                "GET",
                &format!("/api/segments/{id}/export.csv{query}"),
                None,
            )
            .await
        }
    };

    let (s, body) = download(app.manager.clone(), "").await;
    assert_eq!(s, StatusCode::CONFLICT, "a draft is refused: {body}");
    assert!(
        body.contains("only an approved or active audience can be downloaded"),
        "{body}"
    );
    app.json_as(
        Some(&app.marketer),
        "POST",
        &format!("/api/segments/{id}/submit"),
        Some(json!({"destinations": ["csv"]})),
    )
    .await;
    assert_eq!(
        download(app.manager.clone(), "").await.0,
        StatusCode::CONFLICT,
        "a submitted version is refused"
    );
    app.json_as(
        Some(&app.manager),
        "POST",
        &format!("/api/segments/{id}/approve"),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        download(app.marketer.clone(), "").await.0,
        StatusCode::FORBIDDEN,
        "marketers cannot download"
    );

    let (s, body) = download(app.manager.clone(), "").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let mut lines = body.lines();
    assert_eq!(
        lines.next(),
        Some("external_id,email,phone,first_name,last_name,country,region,city,postal_code")
    );
    let ids: Vec<&str> = lines
        .clone()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["c1", "m1", "m2"],
        "c2 is suppressed, c3 and c4 are not in the US"
    );
    assert!(
        body.contains("m1,jane@example.com,+1 415 555 2671,\"Jane, Jr\","),
        "values are quoted as CSV: {body}"
    );
    let (s, ads) = download(app.manager.clone(), "?consent=ads").await;
    assert_eq!(
        (
            s,
            ads.lines()
                .skip(1)
                .map(|l| l.split(',').next().unwrap())
                .collect::<Vec<_>>()
        ),
        (StatusCode::OK, vec!["m1"])
    );
    assert_eq!(
        download(app.manager.clone(), "?consent=sms").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let (_, audit) = app
        .json_as(
            Some(&app.manager),
            "GET",
            "/api/audit?action=segment.export_csv",
            None,
        )
        .await;
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "each download is audited: {audit}");
    assert!(
        entries
            .iter()
            .any(|e| e["after"].to_string().contains("ads")),
        "{audit}"
    );
}

#[tokio::test]
async fn replacing_the_audience_sends_meta_everyone_in_one_replace_session_and_forgets_who_it_dropped()
 {
    for db in common::all_dbs().await {
        replace_session(db).await;
    }
}

async fn replace_session(db: common::TestDb) {
    let (base, got) = fake_destinations().await;
    let destinations = DestinationConfig {
        meta_base_url: format!("{base}/v25.0"),
        meta_audience_id: Some("aud-1".into()),
        meta_access_token: Some("tok".into()),
        batch_size: 2,
        retry_delay: Duration::from_millis(10),
        ..Default::default()
    };
    let policy = PolicyConfig {
        min_meta: 1,
        ..Default::default()
    };
    let app = TestApp::spawn_on(db, |s| {
        s.governance = Governance {
            destinations,
            policy,
            ..Default::default()
        }
    })
    .await;
    let import = |csv: &'static str| {
        let app = &app;
        async move {
            let (_dir, path) = common::write_file("nz.csv", csv);
            app.app
                .import(
                    ImportOptions::new(Kind::Customers, path, vec![], false, None, false),
                    &segwright::app::Actor::cli(),
                )
                .await
                .unwrap();
        }
    };
    import("customer_id,email,country,ads_consent\nn1,n1@example.nz,NZ,Yes\nn2,n2@example.nz,NZ,Yes\nn3,n3@example.nz,NZ,Yes\n").await;
    let def =
        json!({"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"NZ"}});
    let (_, seg) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(json!({"name":"nz","definition": def})),
        )
        .await;
    let id = seg["id"].as_str().unwrap().to_string();
    let steps = [
        (&app.marketer, "submit", json!({"destinations": ["meta"]})),
        (&app.manager, "approve", json!({})),
        (&app.manager, "activate", json!({})),
    ];
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
    }
    app.app.drain_syncs().await.unwrap();
    assert_eq!(
        got.meta.lock().unwrap().len(),
        2,
        "three members in batches of two"
    );

    // n3 withdraws ads consent and n4 joins.
    import(
        "customer_id,email,country,ads_consent\nn3,n3@example.nz,NZ,No\nn4,n4@example.nz,NZ,Yes\n",
    )
    .await;
    let (s, run) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            &format!("/api/segments/{id}/replace"),
            None,
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a marketer cannot replace an audience: {run}"
    );
    let (s, run) = app
        .json_as(
            Some(&app.manager),
            "POST",
            &format!("/api/segments/{id}/replace"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{run}");
    assert_eq!(
        (
            run["kind"].as_str(),
            run["destinations"][0]["adds"].as_i64()
        ),
        (Some("replace"), Some(3)),
        "everyone is uploaded: {run}"
    );
    app.app.drain_syncs().await.unwrap();

    let sessions = got.replaced.lock().unwrap().clone();
    assert_eq!(sessions.len(), 2, "n1, n2, n4 in batches of two");
    let session: Vec<_> = sessions
        .iter()
        .map(|b| {
            (
                b["session"]["batch_seq"].as_i64().unwrap(),
                b["session"]["last_batch_flag"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(session, [(1, false), (2, true)]);
    assert_eq!(
        sessions[0]["session"]["session_id"], sessions[1]["session"]["session_id"],
        "one session"
    );
    let emails: Vec<&str> = sessions
        .iter()
        .flat_map(|b| b["payload"]["data"].as_array().unwrap())
        .map(|r| r[0].as_str().unwrap())
        .collect();
    let hash = |e: &str| segwright::domain::normalize::sha256_hex(e);
    assert_eq!(
        emails,
        [
            hash("n1@example.nz"),
            hash("n2@example.nz"),
            hash("n4@example.nz")
        ]
    );
    assert_eq!(
        got.meta.lock().unwrap().len(),
        2,
        "nothing went to `users`: Meta drops n3 itself"
    );

    // What segwright believes Meta holds is now exactly the audience: nothing to add or remove.
    let (_, dry) = app
        .json_as(
            Some(&app.manager),
            "POST",
            &format!("/api/segments/{id}/deliver"),
            Some(json!({"dry_run": true})),
        )
        .await;
    assert_eq!(
        (
            dry["destinations"][0]["adds"].as_i64(),
            dry["destinations"][0]["removes"].as_i64()
        ),
        (Some(0), Some(0)),
        "{dry}"
    );
}
