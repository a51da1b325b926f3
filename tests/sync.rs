//! The sync engine against a fake webhook on 127.0.0.1 that, like real receivers, deduplicates
//! by idempotency key: a worker killed after the webhook accepted a batch but before the outbox
//! recorded it is restarted and every member arrives exactly once; a refresh sends only the
//! change (a customer who joined the suppression list is removed), and nothing when nothing
//! changed. The same crash as a real `segwright` process killed with SIGKILL, resumed by
//! `segwright sync run`.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use common::api::TestApp;
use segwright::app::{Governance, ImportOptions, SyncSettings};
use segwright::destinations::DestinationConfig;
use segwright::domain::import::Kind;

/// What the fake webhook received: every request in order, by idempotency key.
#[derive(Clone, Default)]
struct Webhook {
    received: Arc<Mutex<Vec<(String, Value)>>>,
    /// Accept this batch number once, then never answer (the sender dies waiting).
    hang_on: Arc<Mutex<Option<u64>>>,
    hung: Arc<tokio::sync::Notify>,
}

impl Webhook {
    /// The batches after deduplication by key, as the receiver's application sees them.
    fn unique(&self) -> Vec<Value> {
        let mut seen = BTreeMap::new();
        for (key, body) in self.received.lock().unwrap().iter() {
            seen.entry(key.clone()).or_insert_with(|| body.clone());
        }
        seen.into_values().collect()
    }

    /// How many times each member arrived after deduplication, and in which op.
    fn members(&self, op: &str) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for b in self.unique().iter().filter(|b| b["op"] == op) {
            for m in b["members"].as_array().unwrap() {
                *counts
                    .entry(m["external_id"].as_str().unwrap().to_string())
                    .or_insert(0) += 1;
            }
        }
        counts
    }
}

async fn fake_webhook() -> (String, Webhook) {
    let hook = Webhook::default();
    let h = hook.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let h = h.clone();
            async move {
                let key = headers["idempotency-key"].to_str().unwrap().to_string();
                let body: Value = serde_json::from_str(&body).unwrap();
                let seq = body["batch"].as_u64();
                h.received.lock().unwrap().push((key, body));
                if seq.is_some() && *h.hang_on.lock().unwrap() == seq {
                    *h.hang_on.lock().unwrap() = None;
                    h.hung.notify_one();
                    std::future::pending::<()>().await;
                }
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, hook)
}

/// Nine New Zealand customers (none in the fixtures) in an active segment bound for the webhook, two per batch.
/// An active segment of nine members bound for the webhook, and the sync run its activation
/// queued (nothing sent yet).
async fn active_segment(base: &str) -> (TestApp, String, Vec<String>, i64) {
    let destinations = DestinationConfig {
        webhook_url: Some(format!("{base}/hook")),
        webhook_secret: Some("s3cret".into()),
        batch_size: 2,
        retry_delay: Duration::from_millis(10),
        ..Default::default()
    };
    // A zero lease lets the restarted worker take over the dead one's batch at once.
    let sync = SyncSettings {
        lease: Duration::ZERO,
        poll: Duration::from_millis(50),
        refresh_every: None,
    };
    let app = TestApp::spawn_with(Governance {
        destinations,
        sync,
        ..Default::default()
    })
    .await;
    let ids: Vec<String> = (1..=9).map(|i| format!("f{i}")).collect();
    let rows: String = ids
        .iter()
        .map(|id| format!("{id},{id}@example.nz,NZ,Yes\n"))
        .collect();
    let (_dir, path) = common::write_file(
        "nz.csv",
        &format!("customer_id,email,country,ads_consent\n{rows}"),
    );
    app.app
        .import(
            ImportOptions::new(Kind::Customers, path, vec![], false, None, false),
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();
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
        (
            &app.marketer,
            "submit",
            json!({"destinations": ["webhook"]}),
        ),
        (&app.manager, "approve", json!({})),
        (&app.manager, "activate", json!({})),
    ];
    let mut last = Value::Null;
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
    let run = last["sync_run"]
        .as_i64()
        .unwrap_or_else(|| panic!("activation answers with the sync run it queued: {last}"));
    (app, id, ids, run)
}

async fn post(app: &TestApp, id: &str, action: &str) -> i64 {
    let (s, run) = app
        .json_as(
            Some(&app.manager),
            "POST",
            &format!("/api/segments/{id}/{action}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{run}");
    run["id"].as_i64().unwrap()
}

async fn report(app: &TestApp, run: i64) -> Value {
    app.json_as(
        Some(&app.manager),
        "GET",
        &format!("/api/syncs/{run}"),
        None,
    )
    .await
    .1
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_mid_run_is_restarted_and_every_member_arrives_exactly_once() {
    let (base, hook) = fake_webhook().await;
    let (app, id, ids, run) = active_segment(&base).await;
    *hook.hang_on.lock().unwrap() = Some(3);
    assert_eq!(report(&app, run).await["kind"], "activation");

    // The worker sends batches 1 and 2; the webhook accepts batch 3 but the worker is killed
    // before it can record that, as a crash between the send and the database update would.
    let worker = app.app.spawn_sync_worker();
    tokio::time::timeout(Duration::from_secs(20), hook.hung.notified())
        .await
        .expect("batch 3 reached the webhook");
    worker.abort();
    let _ = worker.await;
    let mid = report(&app, run).await;
    assert_eq!(mid["status"], "running", "{mid}");
    assert_eq!(
        mid["destinations"][0]["batches_sent"], 2,
        "batch 3 was accepted but not recorded: {mid}"
    );

    // A new worker takes the unrecorded batch over with the same key, then finishes the run.
    app.app.drain_syncs().await.unwrap();
    let done = report(&app, run).await;
    assert_eq!(done["status"], "delivered", "{done}");
    assert_eq!(done["destinations"][0]["members_accepted"], 9, "{done}");
    let raw = hook.received.lock().unwrap().clone();
    assert_eq!(raw.len(), 6, "five batches, batch 3 sent twice");
    assert_eq!(
        raw[2].0, raw[3].0,
        "the re-sent batch keeps its idempotency key"
    );
    let delivered = hook.members("add");
    assert_eq!(
        delivered.keys().cloned().collect::<Vec<_>>(),
        ids,
        "no member is missing"
    );
    assert!(
        delivered.values().all(|n| *n == 1),
        "no member arrives twice after deduplication: {delivered:?}"
    );

    // The delivered set was recorded exactly once too: a refresh finds nothing to send.
    let again = post(&app, &id, "refresh").await;
    assert_eq!(report(&app, again).await["status"], "delivered");
    assert_eq!(
        hook.received.lock().unwrap().len(),
        6,
        "nothing new was sent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_removes_a_customer_who_joined_the_suppression_list_and_sends_nothing_else() {
    let (base, hook) = fake_webhook().await;
    let (app, id, _, _) = active_segment(&base).await;
    app.app.drain_syncs().await.unwrap();
    assert_eq!(hook.members("add").len(), 9);
    let before = hook.received.lock().unwrap().len();

    app.app
        .suppress("external_id", "f4", &segwright::app::Actor::cli())
        .await
        .unwrap();
    let (s, dry) = app
        .json_as(
            Some(&app.manager),
            "POST",
            &format!("/api/segments/{id}/deliver"),
            Some(json!({"dry_run": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{dry}");
    assert_eq!(
        (
            dry["destinations"][0]["adds"].as_i64(),
            dry["destinations"][0]["removes"].as_i64()
        ),
        (Some(0), Some(1)),
        "{dry}"
    );
    let run = post(&app, &id, "refresh").await;
    app.app.drain_syncs().await.unwrap();

    let sent: Vec<Value> = hook.received.lock().unwrap()[before..]
        .iter()
        .map(|(_, b)| b.clone())
        .collect();
    assert_eq!(sent.len(), 1, "one batch: the removal");
    assert_eq!(sent[0]["op"], "remove");
    assert_eq!(sent[0]["members"].as_array().unwrap().len(), 1);
    assert_eq!(sent[0]["members"][0]["external_id"], "f4");
    let r = report(&app, run).await;
    assert_eq!(
        (
            r["kind"].as_str(),
            r["status"].as_str(),
            r["destinations"][0]["removes"].as_i64()
        ),
        (Some("refresh"), Some("delivered"), Some(1)),
        "{r}"
    );
    let (_, runs) = app
        .json_as(
            Some(&app.marketer),
            "GET",
            &format!("/api/segments/{id}/syncs"),
            None,
        )
        .await;
    assert_eq!(runs["runs"].as_array().unwrap().len(), 2, "{runs}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_segwright_process_killed_mid_delivery_loses_and_duplicates_no_one_after_sync_run() {
    let (base, hook) = fake_webhook().await;
    let (app, id, ids, _) = active_segment(&base).await;
    *hook.hang_on.lock().unwrap() = Some(2);
    let cli = |args: &[&str]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_segwright"));
        c.args(args)
            .args(["--database-url", &app.db_url, "--as-of", "2026-11-22"]);
        c.env("SEGWRIGHT_WEBHOOK_URL", format!("{base}/hook"))
            .env("SEGWRIGHT_WEBHOOK_SECRET", "s3cret");
        // Two per batch: five batches; a zero lease lets the next process take over at once.
        c.env("SEGWRIGHT_BATCH_SIZE", "2")
            .env("SEGWRIGHT_SYNC_LEASE_SECS", "0")
            .env("SEGWRIGHT_REFRESH_HOURS", "0");
        c.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        c
    };
    // The activation queued the run; a `sync run` process sends it and is killed mid-way.
    let mut child = cli(&["sync", "run"]).spawn().unwrap();
    tokio::time::timeout(Duration::from_secs(30), hook.hung.notified())
        .await
        .expect("batch 2 reached the webhook");
    child.kill().unwrap(); // SIGKILL: no chance to record batch 2
    child.wait().unwrap();
    let runs = app
        .app
        .sync_reports(Some(&id), 5, &segwright::app::Actor::cli())
        .await
        .unwrap();
    assert_eq!(
        (
            runs.len(),
            runs[0].run.status.as_str(),
            runs[0].destinations[0].batches_sent
        ),
        (1, "running", 1),
        "{runs:?}"
    );

    let mut resume = cli(&["sync", "run"]);
    let out = tokio::task::spawn_blocking(move || resume.output().unwrap())
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let done = app
        .app
        .sync_report(runs[0].run.id, &segwright::app::Actor::cli())
        .await
        .unwrap();
    assert_eq!(
        (
            done.run.status.as_str(),
            done.destinations[0].members_accepted
        ),
        ("delivered", 9),
        "{done:?}"
    );
    let raw = hook.received.lock().unwrap().clone();
    assert_eq!(raw.len(), 6, "five batches, batch 2 sent twice");
    assert_eq!(
        raw[1].0, raw[2].0,
        "the re-sent batch keeps its idempotency key"
    );
    let delivered = hook.members("add");
    assert_eq!(
        delivered.keys().cloned().collect::<Vec<_>>(),
        ids,
        "no member is missing"
    );
    assert!(
        delivered.values().all(|n| *n == 1),
        "no member arrives twice after deduplication: {delivered:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_sync_of_a_segment_is_refused_while_one_is_unfinished_even_when_both_start_at_once()
 {
    let (base, _hook) = fake_webhook().await;
    let (app, id, _, _) = active_segment(&base).await;
    let (s, err) = app
        .json_as(
            Some(&app.manager),
            "POST",
            &format!("/api/segments/{id}/deliver"),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "the activation's run is unfinished: {err}"
    );
    app.app.drain_syncs().await.unwrap();
    // A new member, so the next run has something to send and stays unfinished until sent.
    let (_dir, path) = common::write_file(
        "nz-more.csv",
        "customer_id,email,country,ads_consent\nf10,f10@example.nz,NZ,Yes\n",
    );
    app.app
        .import(
            ImportOptions::new(Kind::Customers, path, vec![], false, None, false),
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();
    let manager = segwright::app::Actor::user(app.app.user("manager@test.io").await.unwrap(), None);
    let kind = segwright::app::SyncKind::Deliver;
    let (a, b) = tokio::join!(
        app.app.start_sync(&id, kind, &manager),
        app.app.start_sync(&id, kind, &manager)
    );
    assert_eq!(
        [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "exactly one run starts: {a:?} {b:?}"
    );
    let (s, err) = app
        .json_as(
            Some(&app.manager),
            "POST",
            &format!("/api/segments/{id}/refresh"),
            None,
        )
        .await;
    assert_eq!(
        (s, err["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict")),
        "{err}"
    );
    app.app.drain_syncs().await.unwrap();
    let (s, _) = app
        .json_as(
            Some(&app.manager),
            "POST",
            &format!("/api/segments/{id}/refresh"),
            None,
        )
        .await;
    assert_eq!(
        s,
        StatusCode::ACCEPTED,
        "once the first run finished, a refresh may start"
    );
}
