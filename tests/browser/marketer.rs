//! A marketer asks for an audience on the chat page, reads how it was understood and its size,
//! changes an assumption, edits a condition chip, saves and submits it; a forged approval is
//! refused; the campaign manager reviews it from the queue (also at a tablet's 800 px), approves
//! it with the keyboard, activates it and reads the delivery report.

use fantoccini::Locator;

use crate::harness::{Browser, MANAGER, MARKETER, demo_app, fake_webhook, serve, start_driver};

#[tokio::test(flavor = "multi_thread")]
async fn a_marketer_asks_refines_edits_a_chip_and_saves_and_a_manager_sends_it_in_a_real_browser() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let db = crate::common::sqlite_db();
    let (hook_url, received) = fake_webhook().await;
    let mut settings = crate::common::settings(&db);
    settings.governance.destinations.webhook_url = Some(hook_url);
    settings.governance.destinations.webhook_secret = Some("browser-secret".into());
    let app = demo_app(settings, 1_500, 5, &[MARKETER, MANAGER]).await;
    let base = serve(app).await;
    let mut b = Browser::open(&driver, "marketer").await;

    // Pages need a session: the chat page sends the browser to the login page first.
    b.c.goto(&format!("{base}/chat")).await.unwrap();
    b.log_in(MARKETER.0, MARKETER.2).await;
    b.type_into(
        "#prompt",
        "high-value customers inactive for 30 days",
        "chat page",
    )
    .await;
    b.shot("typed-request").await;
    b.click("form.ask button[type=submit]", "send").await;

    let count = b.count("audience size").await;
    assert!(count > 0 && count < 1_500, "a real audience: {count}");
    let explanation = b
        .wait_text("[data-testid=explanation]", "Inactive for", "explanation")
        .await;
    assert!(
        explanation.contains("High-value"),
        "every condition explained: {explanation}"
    );
    let performance = b
        .wait_text(
            "[data-testid=performance]",
            "Predicted performance",
            "performance section",
        )
        .await;
    assert!(
        performance.contains("Backtest"),
        "the backtest is shown: {performance}"
    );
    b.shot("answer").await;

    // Change the assumption: top 20% → top 10% (a smaller audience).
    b.c.find(Locator::XPath(
        "//button[contains(@class,'option') and normalize-space()='top 10%']",
    ))
    .await
    .expect("a top 10% choice")
    .click()
    .await
    .unwrap();
    b.wait_text(".answer .diff", "Changed", "refined answer")
        .await;
    let smaller = b.count("refined size").await;
    assert!(
        smaller < count,
        "top 10% is smaller than top 20%: {smaller} vs {count}"
    );
    b.shot("assumption-changed").await;

    // Edit a chip: inactive for 30 → 60 days, a smaller audience; the read-back follows.
    let days =
        b.c.find(Locator::XPath(
            "//input[starts-with(@data-testid,'chip-value-') and @value='30']",
        ))
        .await
        .expect("a chip holding the 30 days");
    days.clear().await.unwrap();
    days.send_keys("60").await.unwrap();
    days.find(Locator::XPath("following-sibling::button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text(".answer .diff", "60", "chip applied").await;
    let chipped = b.count("size after the chip").await;
    assert!(
        chipped < smaller,
        "inactive for 60 days is fewer than for 30: {chipped} vs {smaller}"
    );
    let now = b
        .wait_text(
            "[data-testid=summary]",
            "inactive for 60 days",
            "read-back follows the chip",
        )
        .await;
    assert!(!now.contains("N days"), "plain words, not the rule: {now}");
    let change = b.wait_text(".answer p.diff", "→", "the change said").await;
    assert!(
        change.contains("inactive for 30 days → inactive for 60 days"),
        "{change}"
    );
    let pinned = b
        .wait_text("[data-testid=panel-count]", "", "panel count")
        .await;
    assert_eq!(
        pinned.replace(',', ""),
        chipped.to_string(),
        "the panel follows"
    );
    b.shot("chip-edited").await;

    b.type_into("#segment-name", "Winback VIPs", "segment name")
        .await;
    b.click("form.save button", "save").await;
    let saved = b
        .wait_text("[data-testid=saved]", "Winback VIPs", "saved")
        .await;
    assert!(saved.contains("draft"), "{saved}");
    b.shot("saved").await;

    // The address names the conversation: a reload shows it again.
    let url = b.c.current_url().await.unwrap();
    assert!(url.as_str().contains("/chat?c="), "{url}");
    b.c.refresh().await.unwrap();
    let history = b
        .wait_text(
            ".history",
            "make it the top 10% instead",
            "conversation after reload",
        )
        .await;
    assert!(
        history.contains("high-value customers inactive for 30 days"),
        "{history}"
    );

    // Submit for approval to the webhook, from the segment page.
    b.c.goto(&format!("{base}/segments")).await.unwrap();
    b.wait_for("table.segments", "segments list").await;
    b.c.find(Locator::LinkText("Winback VIPs"))
        .await
        .expect("the saved segment is listed")
        .click()
        .await
        .unwrap();
    b.wait_text("[data-testid=status]", "draft", "segment page")
        .await;
    b.click("form.submit button", "submit").await;
    b.wait_text("[data-testid=status]", "submitted", "submitted")
        .await;
    let policy = b
        .wait_text("[data-testid=policy]", "webhook", "policy checks")
        .await;
    assert!(policy.contains("passed"), "{policy}");
    b.shot("submitted").await;
    let segment_url = b.c.current_url().await.unwrap().to_string();

    // The marketer may not approve: the server refuses even when the form is posted.
    let refused = b.forge_post(&format!("{segment_url}/approve"), "").await;
    assert_eq!(
        refused[0],
        serde_json::json!(403),
        "a marketer's approval is refused"
    );

    // The campaign manager approves and activates it, which sends it.
    b.log_out().await;
    b.log_in(MANAGER.0, MANAGER.2).await;
    // The header counts what waits for review; the queue lists it; its page shows the dry run.
    b.wait_text("[data-testid=pending-count]", "1", "pending count")
        .await;
    b.click("[data-testid=review-link]", "review link").await;
    b.wait_text("[data-testid=queue]", MARKETER.0, "review queue")
        .await;
    b.shot("review-queue").await;
    b.c.find(Locator::LinkText("Winback VIPs"))
        .await
        .expect("the submission is queued")
        .click()
        .await
        .unwrap();
    let dry = b
        .wait_text(
            "[data-testid=dry-run]",
            "webhook",
            "dry run on the review page",
        )
        .await;
    assert!(dry.contains("Adds"), "{dry}");
    b.wait_text(
        "[data-testid=sentences]",
        "top 10% by lifetime revenue",
        "the definition in words",
    )
    .await;
    b.shot("review").await;
    // A tablet's width: the same page, wrapped.
    b.c.set_window_size(800, 1000).await.unwrap();
    b.shot("review-tablet-800px").await;
    b.c.set_window_size(1280, 1000).await.unwrap();
    // Keyboard only: type the comment and press Enter to approve.
    b.type_into("#approve-comment", "Looks right\u{E007}", "approve comment")
        .await;
    b.wait_text("[data-testid=status]", "approved", "approved")
        .await;
    assert!(
        b.c.current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with(segment_url.rsplit('/').next().unwrap()),
        "back on the segment page to activate"
    );
    // Activating sends it: the page of the sync run it queued follows the delivery.
    b.click("form.activate button", "activate").await;
    let report = b
        .wait_text("[data-testid=delivery]", "delivered", "delivery report")
        .await;
    assert!(report.contains("webhook"), "{report}");
    b.shot("delivery-report").await;
    let batches = received.lock().unwrap().len();
    assert!(batches >= 1, "the webhook received the audience");
    b.c.close().await.unwrap();
}
