//! A campaign manager reviews version 2 of an active segment: the review page says what it
//! changes against the active version (the condition removed, the size before → after) and what
//! the webhook would receive; approving it and activating it sends a 10,000-member audience to
//! the demo's own webhook receiver, and the page says "delivered". The segment's page then shows
//! version 2 active and the audit trail of the whole story.

use std::time::Duration;

use segwright::app::{Actor, App, SaveSegment};
use segwright::domain::policy::Destination;
use serde_json::json;

use crate::harness::{
    Browser, MANAGER, MARKETER, demo_app, demo_webhook_settings, listen, serve_on, start_driver,
};

/// Demo customers: enough that those with email consent pass 10,000.
const CUSTOMERS: u64 = 15_000;

/// Seeded as a marketer and a manager would leave it: "Newsletter" v1 (US customers with email
/// consent) approved and activated, and v2 (every customer with email consent) submitted to the
/// webhook. Returns the segment's id.
async fn seed_active_v1_and_submitted_v2(app: &App) -> String {
    let marketer = Actor::user(app.user(MARKETER.0).await.unwrap(), None);
    let manager = Actor::user(app.user(MANAGER.0).await.unwrap(), None);
    let as_of = app.as_of(None).unwrap();
    let consent = json!({"type":"attribute","field":"email_consent","op":"eq","value":true});
    let v1 = json!({"version":1,"root":{"type":"all","conditions":[
        {"type":"attribute","field":"country","op":"eq","value":"US"}, consent]}});
    let v2 = json!({"version":1,"root":{"type":"all","conditions":[consent]}});
    let seg = app
        .create_segment(
            SaveSegment {
                name: "Newsletter".into(),
                description: None,
                definition: serde_json::from_value(v1).unwrap(),
            },
            as_of,
            &marketer,
        )
        .await
        .unwrap()
        .segment;
    let webhook = vec![Destination::Webhook];
    app.submit_segment(&seg.id, webhook.clone(), &marketer)
        .await
        .unwrap();
    app.approve_segment(&seg.id, None, None, &manager)
        .await
        .unwrap();
    app.activate_segment(&seg.id, &manager).await.unwrap();
    app.update_segment(
        &seg.id,
        serde_json::from_value(v2).unwrap(),
        as_of,
        &marketer,
    )
    .await
    .unwrap();
    app.submit_segment(&seg.id, webhook, &marketer)
        .await
        .unwrap();
    seg.id
}

fn number(text: &str) -> i64 {
    text.trim().replace(',', "").parse().expect("a number")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manager_reviews_a_version_2_with_its_diff_and_sends_10000_members_in_a_real_browser() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let db = crate::common::sqlite_db();
    let (listener, base) = listen().await;
    let app = demo_app(
        demo_webhook_settings(&db, &base),
        CUSTOMERS,
        13,
        &[MARKETER, MANAGER],
    )
    .await;
    let id = seed_active_v1_and_submitted_v2(&app).await;
    serve_on(listener, app);
    let mut b = Browser::open(&driver, "review-v2").await;
    b.c.goto(&format!("{base}/segments/{id}")).await.unwrap();
    b.log_in(MANAGER.0, MANAGER.2).await;

    // Version 1's first sync reaches the receiver before version 2 replaces it.
    b.c.goto(&format!("{base}/segments/{id}")).await.unwrap();
    b.wait_for("[data-testid=syncs]", "sync runs").await;
    for _ in 0..120 {
        let runs = b.wait_for("[data-testid=syncs]", "sync runs").await;
        if runs.text().await.unwrap().contains("delivered") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        b.c.refresh().await.unwrap();
    }

    // From the queue to the review, which opens with what version 2 changes.
    b.click("[data-testid=review-link]", "review link").await;
    b.wait_text("[data-testid=queue]", "Newsletter", "review queue")
        .await;
    b.c.find(fantoccini::Locator::LinkText("Newsletter"))
        .await
        .expect("version 2 is queued")
        .click()
        .await
        .unwrap();
    let diff = b
        .wait_text(
            "[data-testid=version-diff]",
            "against the active version 1",
            "diff against the active version",
        )
        .await;
    let removed = b
        .wait_text("[data-testid=diff-removed]", "Removed", "removed condition")
        .await;
    assert!(
        removed.contains("US") || removed.contains("United States"),
        "{removed}"
    );
    let size = b
        .wait_text("[data-testid=diff-size]", "→", "size before and after")
        .await;
    let (before, after) = size
        .split_once('→')
        .map(|(l, r)| {
            let digits =
                |s: &str| number(&s.chars().filter(|c| c.is_ascii_digit()).collect::<String>());
            (digits(l), digits(r.split('(').next().unwrap()))
        })
        .unwrap();
    assert!(
        before > 0 && after >= 10_000 && after > before,
        "v1 {before} → v2 {after}: {diff}"
    );
    let dry = b
        .wait_text("[data-testid=dry-run]", "webhook", "dry run")
        .await;
    assert!(
        dry.contains(&format_thousands(after)),
        "the webhook may receive all {after}: {dry}"
    );
    b.shoot_page("review-diff").await;

    // Approve, then activate: the sync run's page follows the delivery to the end.
    b.type_into("#approve-comment", "Wider list, fine\u{E007}", "approve")
        .await;
    b.wait_text("[data-testid=status]", "approved", "approved")
        .await;
    b.click("form.activate button", "activate").await;
    let status = b
        .wait_text_for(
            "[data-testid=sync-status]",
            "delivered",
            "10,000 members delivered",
            Duration::from_secs(120),
        )
        .await;
    assert!(!status.contains("failed"), "{status}");
    let report = b
        .wait_text("[data-testid=delivery]", "webhook", "delivery table")
        .await;
    assert!(report.contains("delivered"), "{report}");
    // Version 1's run sent the US members; this one sends the rest: all of them are there.
    let sent = b
        .wait_for("[data-testid=members-accepted]", "members accepted")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(number(&sent), after - before, "{report}");
    b.shots("delivered").await;
    b.shoot_page("sync-delivered").await;

    // The segment's page: version 2 active, and the audit trail of its whole story.
    b.c.goto(&format!("{base}/segments/{id}")).await.unwrap();
    b.wait_text("[data-testid=status]", "active", "v2 active")
        .await;
    let audit = b
        .wait_text("[data-testid=audit]", "segment.activate", "audit trail")
        .await;
    assert!(
        audit.contains("segment.approve") && audit.contains(MANAGER.0),
        "{audit}"
    );
    b.shoot_page("segment").await;
    b.shoot_section("audit", "h-audit").await;
    b.c.close().await.unwrap();
}

/// `n` as the pages write it (thousands separated by commas).
fn format_thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
