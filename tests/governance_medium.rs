//! The medium findings of issue 17: concurrent writers on SQLite queue instead of failing with
//! "database is locked" (17); references resolve unambiguously (4); `Retry-After` cannot lift the
//! retry limit (5); the login limiter's memory is bounded (6); pausing or archiving stops the
//! unfinished sync run (8); an approval covers each destination's identity (7); training is a
//! manager's or an admin's action, audited (10).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use common::api::TestApp;

/// Call the router from a spawned task (the harness borrows; tasks need owned parts).
async fn call(
    router: axum::Router,
    token: String,
    method: &str,
    uri: String,
    body: Option<Value>,
) -> (StatusCode, String) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", common::bearer(&token));
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let body = body
        .map(|b| Body::from(b.to_string()))
        .unwrap_or_else(Body::empty);
    let resp = router.oneshot(req.body(body).unwrap()).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).to_string())
}

fn country(c: &str) -> Value {
    json!({"version": 1, "root": {"type": "attribute", "field": "country", "op": "eq", "value": c}})
}

/// Many writers at once — segment saves, submissions, approvals, token creations and imports —
/// each a transaction that reads before it writes (the audit chain's head, the next version):
/// every one succeeds, none sees "database is locked".
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_writers_on_sqlite_queue_and_none_fails_with_database_is_locked() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for i in 0..8 {
        let (s, v) = app
            .json_as(
                Some(&app.marketer),
                "POST",
                "/api/segments",
                Some(json!({"name": format!("seed{i}"), "definition": country("US")})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    for id in &ids[4..] {
        let (s, v) = app
            .json_as(
                Some(&app.marketer),
                "POST",
                &format!("/api/segments/{id}/submit"),
                Some(json!({"destinations": ["webhook"]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..24 {
        let (r, t) = (app.router.clone(), app.marketer.clone());
        tasks.spawn(async move {
            call(
                r,
                t,
                "POST",
                "/api/segments".into(),
                Some(json!({"name": format!("w{i}"), "definition": country("US")})),
            )
            .await
        });
    }
    for id in &ids[4..] {
        let (r, t) = (app.router.clone(), app.manager.clone());
        let id = id.clone();
        tasks.spawn(async move {
            call(
                r,
                t,
                "POST",
                format!("/api/segments/{id}/approve"),
                Some(json!({})),
            )
            .await
        });
    }
    for id in &ids[..4] {
        let (r, t) = (app.router.clone(), app.marketer.clone());
        let (r2, t2, id2) = (app.router.clone(), app.marketer.clone(), id.clone());
        let uri = format!("/api/segments/{id}");
        tasks.spawn(async move {
            call(r, t, "PUT", uri, Some(json!({"definition": country("GB")}))).await
        });
        tasks.spawn(async move {
            call(
                r2,
                t2,
                "POST",
                format!("/api/segments/{id2}/submit"),
                Some(json!({"destinations": ["webhook"]})),
            )
            .await
        });
    }
    for i in 0..8 {
        let (r, t) = (app.router.clone(), app.admin.clone());
        tasks.spawn(async move {
            call(
                r,
                t,
                "POST",
                format!("/api/users/manager@test.io/tokens?label=t{i}"),
                None,
            )
            .await
        });
    }
    for i in 0..4 {
        let a = app.app.clone();
        tasks.spawn(async move {
            let csv = format!("customer_id,email,country\nx{i},x{i}@example.com,FR\n");
            let (_dir, path) = common::write_file("more.csv", &csv);
            let opts = segwright::app::ImportOptions::new(
                segwright::domain::import::Kind::Customers,
                path,
                vec![],
                false,
                None,
                false,
            );
            match a.import(opts, &segwright::app::Actor::cli()).await {
                Ok(_) => (StatusCode::OK, String::new()),
                Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            }
        });
    }
    let mut failures = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (s, body) = done.unwrap();
        // A submission racing its segment's new version may be refused as a conflict; it never fails.
        if s.is_server_error() || body.contains("database is locked") {
            failures.push(format!("{s}: {body}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} writers failed: {failures:#?}",
        failures.len()
    );
    let (s, audit) = app
        .json_as(Some(&app.admin), "GET", "/api/audit/verify", None)
        .await;
    assert_eq!(s, StatusCode::OK, "the audit chain stays whole: {audit}");
}

async fn create(app: &TestApp, name: &str, def: Value) -> (StatusCode, Value) {
    app.json_as(
        Some(&app.marketer),
        "POST",
        "/api/segments",
        Some(json!({"name": name, "definition": def})),
    )
    .await
}

/// Item 4: a segment cannot take another's id as its name, nor any name shaped like an id; and
/// where an impostor already exists (saved before the rule), references by the id still mean
/// the segment with that id — when reading it and when a definition refers to it.
#[tokio::test]
async fn a_name_that_is_or_looks_like_a_segment_id_is_refused_and_ids_win_over_names() {
    let app = TestApp::spawn().await;
    // "0 us" sorts before any id, so an impostor listed after it would overwrite it by name.
    let (s, v) = create(&app, "0 us", country("US")).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();

    let (s, err) = create(&app, &id, country("FR")).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another segment's id is no name: {err}"
    );
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("looks like a segment id"),
        "{err}"
    );
    let (s, err) = create(&app, "DEADBEEF0123", country("FR")).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a name shaped like an id is refused too: {err}"
    );

    // An impostor from before the rule: a segment named with the first one's id, selecting France.
    let pool = sqlx::SqlitePool::connect(&app.db_url).await.unwrap();
    sqlx::query("INSERT INTO segments (id, name, description, current_version, created_at, updated_at) SELECT 'impostor0001', id, NULL, 1, created_at, updated_at FROM segments WHERE id = $1")
        .bind(&id).execute(&pool).await.unwrap();
    sqlx::query("INSERT INTO segment_versions (segment_id, version, definition, content_hash, catalog_version, glossary_version, as_of, timezone, created_at, status, author_id) SELECT 'impostor0001', version, $2, content_hash, catalog_version, glossary_version, as_of, timezone, created_at, status, author_id FROM segment_versions WHERE segment_id = $1")
        .bind(&id).bind(country("FR").to_string()).execute(&pool).await.unwrap();
    pool.close().await;

    let (_, got) = app.json("GET", &format!("/api/segments/{id}"), None).await;
    assert_eq!(
        (got["id"].as_str(), got["name"].as_str()),
        (Some(id.as_str()), Some("0 us")),
        "reading by id finds the segment with that id: {got}"
    );
    let by_ref = json!({"version": 1, "root": {"type": "segment", "segment": id}});
    let (s, preview) = app
        .json(
            "POST",
            "/api/preview",
            Some(json!({"definition": by_ref, "count_only": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{preview}");
    let (_, direct) = app
        .json(
            "POST",
            "/api/preview",
            Some(json!({"definition": country("US"), "count_only": true})),
        )
        .await;
    let (_, france) = app
        .json(
            "POST",
            "/api/preview",
            Some(json!({"definition": country("FR"), "count_only": true})),
        )
        .await;
    assert!(
        direct["size"].is_object() && direct["size"] != france["size"],
        "{direct} vs {france}"
    );
    assert_eq!(
        preview["size"], direct["size"],
        "a reference by id selects that segment's members, not the impostor's: {preview} vs {direct}"
    );
}

/// A receiver that always answers 503 with `Retry-After: {secs}`, counting the requests.
async fn always_unavailable(secs: u64) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let h = hits.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            h.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [("retry-after", secs.to_string())],
                    "busy",
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, hits)
}

async fn send_with_retries(
    cfg: &segwright::destinations::DestinationConfig,
) -> Result<usize, segwright::destinations::DestinationError> {
    use segwright::destinations::{self, Batch, Op};
    let members = [segwright::domain::normalize::Contact {
        external_id: "c1".into(),
        email: Some("a@example.com".into()),
        ..Default::default()
    }];
    let b = Batch {
        op: Op::Add,
        segment_id: "s1",
        version: 1,
        approval_hash: "h",
        run_id: 1,
        seq: 1,
        batches: 1,
        total: 1,
        members: &members,
        ..Batch::default()
    };
    let client = reqwest::Client::new();
    destinations::with_retries(cfg, || {
        destinations::send(
            segwright::domain::policy::Destination::Webhook,
            &client,
            cfg,
            &b,
        )
    })
    .await
    .map(|(_, attempts)| attempts)
}

/// Item 5: a receiver answering 503 with `Retry-After: 0` forever gets exactly the attempt
/// limit, then the batch fails; a `Retry-After` of an hour waits no longer than the cap.
#[tokio::test]
async fn retry_after_neither_lifts_the_attempt_limit_nor_waits_beyond_its_cap() {
    let (base, hits) = always_unavailable(0).await;
    let cfg = segwright::destinations::DestinationConfig {
        webhook_url: Some(format!("{base}/hook")),
        webhook_secret: Some("s3cret".into()),
        max_attempts: 3,
        retry_delay: std::time::Duration::from_millis(10),
        ..Default::default()
    };
    let r = tokio::time::timeout(std::time::Duration::from_secs(10), send_with_retries(&cfg))
        .await
        .expect("the retries end");
    assert!(r.is_err(), "the batch fails: {r:?}");
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "three attempts, the limit, Retry-After or not"
    );

    let (base, hits) = always_unavailable(3600).await;
    let cfg = segwright::destinations::DestinationConfig {
        webhook_url: Some(format!("{base}/hook")),
        max_retry_after: std::time::Duration::from_millis(100),
        max_attempts: 2,
        ..cfg
    };
    let started = std::time::Instant::now();
    let r = tokio::time::timeout(std::time::Duration::from_secs(10), send_with_retries(&cfg))
        .await
        .expect("an hour's Retry-After is capped");
    assert!(
        r.is_err() && started.elapsed() < std::time::Duration::from_secs(5),
        "{r:?} after {:?}",
        started.elapsed()
    );
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 2);
}

/// Item 6: the login limiter's memory is bounded — keys are fixed-size digests of the
/// normalised text (so a 256 KB email is one small key, and case does not make a new one),
/// ended windows are swept, and a flood of distinct keys never grows the map past its bound.
#[test]
fn the_login_limiter_bounds_key_size_forgets_ended_windows_and_caps_its_keys() {
    use segwright::app::auth::LoginLimiter;
    use std::time::{Duration, Instant};
    let minute = Duration::from_secs(60);
    let limiter = LoginLimiter::new(5, minute, 1_000);
    let t0 = Instant::now();
    let huge = format!("email:{}@example.com", "a".repeat(256 * 1024));
    for i in 0..5 {
        assert!(limiter.check_at(&huge, t0), "attempt {i} is allowed");
    }
    assert!(
        !limiter.check_at(&huge.to_uppercase(), t0),
        "the sixth, in another case, is the same key and refused"
    );
    assert!(
        limiter.check_at(&format!("{huge}x"), t0),
        "a different email is a different key"
    );
    assert!(
        limiter.check_at(&huge, t0 + minute),
        "a new window allows again"
    );

    for i in 0..20_000 {
        limiter.check_at(&format!("email:flood{i}@example.com"), t0 + minute);
    }
    assert!(
        limiter.len() <= 1_000,
        "a flood of keys stays within the bound: {}",
        limiter.len()
    );
    assert!(limiter.check_at("email:late@example.com", t0 + 3 * minute));
    assert_eq!(limiter.len(), 1, "ended windows are forgotten");
}

/// Item 6 through the app: a 256 KB email is limited like any other and what the audit keeps of
/// it is cut short.
#[tokio::test]
async fn a_huge_email_at_login_is_limited_and_recorded_cut_short() {
    let app = TestApp::spawn().await;
    let huge = format!("{}@example.com", "b".repeat(256 * 1024));
    for _ in 0..5 {
        let r = app.app.login(&huge, "wrong", None).await;
        assert!(
            matches!(r, Err(segwright::app::AppError::Unauthenticated(_))),
            "{:?}",
            r.err()
        );
    }
    let r = app.app.login(&huge, "wrong", None).await;
    assert!(
        matches!(r, Err(segwright::app::AppError::RateLimited(_))),
        "{:?}",
        r.err()
    );
    let (_, audit) = app
        .json_as(
            Some(&app.admin),
            "GET",
            "/api/audit?action=user.login_failed",
            None,
        )
        .await;
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 5, "{audit}");
    assert!(
        entries.iter().all(|e| e.to_string().len() < 4_096),
        "each entry is small"
    );
}

/// A webhook receiver recording each batch's members.
async fn recording_webhook() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            s.lock()
                .unwrap()
                .push(serde_json::from_str::<Value>(&body).unwrap());
            async { StatusCode::OK }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, seen)
}

/// An active segment of twelve members bound for the webhook, one per batch; its activation's
/// run is queued, nothing sent.
async fn twelve_batches(hook: &str) -> (TestApp, String, i64) {
    let destinations = segwright::destinations::DestinationConfig {
        webhook_url: Some(format!("{hook}/hook")),
        webhook_secret: Some("s3cret".into()),
        batch_size: 1,
        ..Default::default()
    };
    let app = TestApp::spawn_with(segwright::app::Governance {
        destinations,
        ..Default::default()
    })
    .await;
    let rows: String = (1..=12)
        .map(|i| format!("n{i},n{i}@example.nz,NZ,Yes\n"))
        .collect();
    let (_dir, path) = common::write_file(
        "nz.csv",
        &format!("customer_id,email,country,ads_consent\n{rows}"),
    );
    app.app
        .import(
            segwright::app::ImportOptions::new(
                segwright::domain::import::Kind::Customers,
                path,
                vec![],
                false,
                None,
                false,
            ),
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();
    let (_, seg) = create(&app, "nz", country("NZ")).await;
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
    let run = last["sync_run"].as_i64().expect("activation queues a run");
    (app, id, run)
}

fn members_sent(seen: &std::sync::Mutex<Vec<Value>>) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .flat_map(|b| {
            b["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["external_id"].as_str().unwrap().to_string())
        })
        .collect()
}

/// Item 8: pausing after 4 of 12 batches stops the run — the other 8 are never sent, the run
/// ends `paused` with its batches `cancelled` — and resuming sends just the rest; archiving
/// stops a run the same way and ends it `cancelled`.
#[tokio::test(flavor = "multi_thread")]
async fn pausing_or_archiving_a_segment_stops_its_unfinished_sync_run() {
    let (hook, seen) = recording_webhook().await;
    let (app, id, run) = twelve_batches(&hook).await;
    let client = reqwest::Client::new();
    for _ in 0..4 {
        assert!(app.app.sync_once(&client).await.unwrap());
    }
    let (s, v) = app
        .json_as(
            Some(&app.manager),
            "POST",
            &format!("/api/segments/{id}/pause"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    app.app.drain_syncs().await.unwrap();
    assert_eq!(
        members_sent(&seen).len(),
        4,
        "nothing is sent after the pause"
    );
    let (_, report) = app
        .json_as(
            Some(&app.manager),
            "GET",
            &format!("/api/syncs/{run}"),
            None,
        )
        .await;
    assert_eq!(report["status"], "paused", "{report}");
    assert_eq!(
        (
            report["destinations"][0]["status"].as_str(),
            report["destinations"][0]["batches_cancelled"].as_u64()
        ),
        (Some("cancelled"), Some(8)),
        "{report}"
    );

    let (s, v) = app
        .json_as(
            Some(&app.manager),
            "POST",
            &format!("/api/segments/{id}/activate"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    app.app.drain_syncs().await.unwrap();
    let mut sent = members_sent(&seen);
    sent.sort();
    sent.dedup();
    assert_eq!(
        (sent.len(), members_sent(&seen).len()),
        (12, 12),
        "resuming sends the eight left, once each"
    );

    let (_dir, path) = common::write_file(
        "more.csv",
        "customer_id,email,country,ads_consent\nn13,n13@example.nz,NZ,Yes\nn14,n14@example.nz,NZ,Yes\n",
    );
    app.app
        .import(
            segwright::app::ImportOptions::new(
                segwright::domain::import::Kind::Customers,
                path,
                vec![],
                false,
                None,
                false,
            ),
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();
    let (s, v) = app
        .json_as(
            Some(&app.manager),
            "POST",
            &format!("/api/segments/{id}/deliver"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let run = v["id"].as_i64().unwrap();
    assert!(app.app.sync_once(&client).await.unwrap());
    let (s, v) = app
        .json_as(
            Some(&app.manager),
            "POST",
            &format!("/api/segments/{id}/archive"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    app.app.drain_syncs().await.unwrap();
    assert_eq!(
        members_sent(&seen).len(),
        13,
        "one of the two new members was sent before the archive, the other never"
    );
    let (_, report) = app
        .json_as(
            Some(&app.manager),
            "GET",
            &format!("/api/syncs/{run}"),
            None,
        )
        .await;
    assert_eq!(report["status"], "cancelled", "{report}");
}

/// Item 7: an approval covers where each destination sends (its URL, account and audience ids,
/// not its secrets): re-pointing the webhook after approval voids the approval, activation is
/// refused saying so, and a fresh submission and approval let it through.
#[tokio::test]
async fn repointing_a_destination_after_approval_voids_the_approval() {
    let app = TestApp::spawn_with_settings(|s| {
        s.governance.destinations.webhook_url = Some("http://127.0.0.1:9/hook".into())
    })
    .await;
    let (_, seg) = create(&app, "us", country("US")).await;
    let id = seg["id"].as_str().unwrap().to_string();
    let act = |token: String, action: &'static str, body: Value| {
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
    assert_eq!(
        act(
            app.marketer.clone(),
            "submit",
            json!({"destinations": ["webhook"]})
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        act(app.manager.clone(), "approve", json!({})).await.0,
        StatusCode::OK
    );

    let moved = json!({"kind": "webhook", "settings": {"url": "http://attacker.example/hook"}});
    let (s, v) = app
        .json_as(Some(&app.admin), "POST", "/api/destinations", Some(moved))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, err) = act(app.manager.clone(), "activate", json!({})).await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "the approval named the old URL: {err}"
    );
    let message = err["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("destination `webhook`") && message.contains("url"),
        "{message}"
    );
    assert!(
        !message.contains("attacker.example"),
        "the message names what changed, not the value: {message}"
    );

    assert_eq!(
        act(
            app.marketer.clone(),
            "submit",
            json!({"destinations": ["webhook"]})
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        act(app.manager.clone(), "approve", json!({})).await.0,
        StatusCode::OK
    );
    let (s, v) = act(app.manager.clone(), "activate", json!({})).await;
    assert_eq!(s, StatusCode::OK, "approved again for the new URL: {v}");
}

/// Item 10: training is a campaign manager's or an admin's action, decided in the use case and
/// audited; a marketer is refused, and nothing is trained.
#[tokio::test]
async fn only_managers_and_admins_train_models_and_training_is_audited() {
    let app = TestApp::spawn().await;
    for body in [json!({"wait": true}), json!({})] {
        let (s, v) = app
            .json_as(Some(&app.marketer), "POST", "/api/models/train", Some(body))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    }
    let marketer =
        segwright::app::Actor::user(app.app.user("marketer@test.io").await.unwrap(), None);
    let as_of = app.app.as_of(None).unwrap();
    let refused = app
        .app
        .train_models_as(&segwright::app::TrainRequest::default(), as_of, &marketer)
        .await;
    assert!(
        matches!(refused, Err(segwright::app::AppError::Forbidden(_))),
        "the use case itself refuses: {:?}",
        refused.err()
    );
    let (_, models) = app
        .json_as(Some(&app.manager), "GET", "/api/models", None)
        .await;
    assert_eq!(models["models"], json!([]), "nothing was trained");

    let demo = segwright::app::DemoOptions {
        customers: 1_500,
        seed: 3,
        progress: false,
    };
    segwright::app::generate_demo(&app.app, demo, as_of)
        .await
        .expect("demo data");
    let (s, v) = app
        .json_as(
            Some(&app.manager),
            "POST",
            "/api/models/train",
            Some(json!({"wait": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "a manager may train: {v}");
    let (_, audit) = app
        .json_as(
            Some(&app.admin),
            "GET",
            "/api/audit?action=models.train",
            None,
        )
        .await;
    // One entry per model version stored (churn and propensity), each written with its model.
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{audit}");
    for e in entries {
        assert_eq!(e["actor"], "manager@test.io", "{audit}");
    }
}
