//! The governance tables on every database: users, tokens and sessions, the lifecycle with
//! submissions and decisions, the sync outbox (a delivery, a failing destination, a refresh that
//! removes a suppressed member) and the audit chain (appended concurrently, then verified).

mod common;

use segwright::app::{Actor, ImportOptions, SaveSegment, SyncKind};
use segwright::domain::access::Role;
use segwright::domain::definition::Definition;
use segwright::domain::import::Kind;
use segwright::domain::policy::Destination;

/// A webhook on 127.0.0.1 that accepts everything.
async fn accepting_webhook() -> String {
    let router = axum::Router::new().route("/hook", axum::routing::post(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

/// Deliver, then suppress a member and refresh: the outbox and the delivered set on this
/// database; `csv` has no drop directory configured here, so its batches fail with the reason.
/// From the run activation queued: delivery, then a refresh after a suppression.
async fn sync_story(app: &segwright::app::App, k: &Actor, run: i64, db: &str) {
    let again = app
        .start_sync("us", SyncKind::Deliver, k)
        .await
        .unwrap_err();
    assert!(
        again
            .to_string()
            .contains(&format!("sync run {run} of this segment is still running")),
        "{db}: {again}"
    );
    app.drain_syncs().await.unwrap();
    let r = app
        .sync_report(run, &segwright::app::Actor::cli())
        .await
        .unwrap();
    assert_eq!(r.run.status, "failed", "{db}: {r:?}");
    let hook = r
        .destinations
        .iter()
        .find(|d| d.destination == "webhook")
        .unwrap();
    assert_eq!(
        (hook.status.as_str(), hook.members_accepted),
        ("delivered", 2),
        "{db}: {r:?}"
    );
    let meta = r
        .destinations
        .iter()
        .find(|d| d.destination == "csv")
        .unwrap();
    assert!(
        meta.errors[0].contains("not configured"),
        "{db}: {:?}",
        meta.errors
    );
    let store = common::store_of(app).await;
    let seg = store.get_segment("us").await.unwrap();
    assert_eq!(
        store
            .delivered_members(&seg.id, "webhook")
            .await
            .unwrap()
            .len(),
        2,
        "{db}"
    );

    app.suppress("external_id", "c1", &Actor::cli())
        .await
        .unwrap();
    let run = app.refresh_segment("us", k).await.unwrap();
    app.drain_syncs().await.unwrap();
    let r = app
        .sync_report(run.id, &segwright::app::Actor::cli())
        .await
        .unwrap();
    let hook = r
        .destinations
        .iter()
        .find(|d| d.destination == "webhook")
        .unwrap();
    assert_eq!(
        (hook.adds, hook.removes, hook.status.as_str()),
        (0, 1, "delivered"),
        "{db}: {r:?}"
    );
    let left: Vec<String> = store
        .delivered_members(&seg.id, "webhook")
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(left, ["c2"], "{db}");
}

async fn story(db: &common::TestDb) {
    let mut settings = common::settings(db);
    settings.governance.destinations.webhook_url = Some(accepting_webhook().await);
    settings.governance.destinations.webhook_secret = Some("s".into());
    let app = segwright::app::App::open(settings).await.unwrap();
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/customers.csv");
    app.import(
        ImportOptions::new(Kind::Customers, fixtures, vec![], false, None, false),
        &segwright::app::Actor::cli(),
    )
    .await
    .unwrap();
    let cli = Actor::cli();
    let marketer = app
        .add_user("m@test.io", Role::Marketer, "long enough pw", false, &cli)
        .await
        .unwrap();
    let manager = app
        .add_user(
            "k@test.io",
            Role::CampaignManager,
            "long enough pw",
            false,
            &cli,
        )
        .await
        .unwrap();
    assert!(
        app.add_user("M@test.io", Role::Admin, "long enough pw", false, &cli)
            .await
            .is_err(),
        "{}: emails are unique",
        db.name
    );

    let token = app.create_token("m@test.io", "t", &cli).await.unwrap();
    assert_eq!(
        app.authenticate_token(&token).await.unwrap().email,
        "m@test.io"
    );
    let session = app
        .login("k@test.io", "long enough pw", Some("127.0.0.1"))
        .await
        .unwrap();
    assert_eq!(
        app.authenticate_session(&session.cookie)
            .await
            .unwrap()
            .principal
            .role,
        Role::CampaignManager
    );
    app.logout(&session.cookie).await.unwrap();
    assert!(app.authenticate_session(&session.cookie).await.is_err());

    let def = Definition::from_json(
        r#"{"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}}"#,
    )
    .unwrap();
    let as_of = app.as_of(None).unwrap();
    let (m, k) = (
        Actor::user(marketer, None),
        Actor::user(manager, Some("10.0.0.1".into())),
    );
    app.create_segment(
        SaveSegment {
            name: "us".into(),
            description: None,
            definition: def,
        },
        as_of,
        &m,
    )
    .await
    .unwrap();
    app.submit_segment("us", vec![Destination::Webhook, Destination::Csv], &m)
        .await
        .unwrap();
    app.approve_segment("us", None, None, &k).await.unwrap();
    let r = app.activate_segment("us", &k).await.unwrap();
    assert_eq!(
        (r.active_version, r.decisions.len()),
        (Some(1), 1),
        "{}",
        db.name
    );
    let run = r.sync_run.expect("activation queues the first sync run");
    sync_story(&app, &k, run, db.name).await;

    // Concurrent appends keep one unbroken chain.
    let appends = (0..8).map(|i| {
        app.audit(
            &cli,
            "test.concurrent",
            segwright::app::Change {
                after: Some(serde_json::json!(i)),
                ..Default::default()
            },
        )
    });
    for r in futures::future::join_all(appends).await {
        r.unwrap();
    }
    let v = app
        .verify_audit(None, &segwright::app::Actor::cli())
        .await
        .unwrap();
    assert!(v.entries >= 14, "{}: {} entries", db.name, v.entries);
    app.close().await;
}

#[tokio::test]
async fn the_governance_story_holds_on_every_database() {
    for db in common::all_dbs().await {
        story(&db).await;
    }
}
