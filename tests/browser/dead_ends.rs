//! The ways out of each dead end: a request nobody matches renders a helpful page (which
//! condition emptied it, what to try; the same after a reload, styled), a request that names its
//! own audience starts a new one, **New audience** starts over, and a manager activates a
//! 4,000+-member audience to the demo's own webhook receiver (no HTTP 413), pauses and resumes it.

use fantoccini::Locator;

use crate::harness::{
    Browser, MANAGER, MARKETER, demo_app, demo_webhook_settings, listen, serve_on, start_driver,
};

#[tokio::test(flavor = "multi_thread")]
async fn the_ways_out_of_each_dead_end_in_a_real_browser() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let db = crate::common::sqlite_db();
    let (listener, base) = listen().await;
    let settings = demo_webhook_settings(&db, &base);
    let app = demo_app(settings, 6_000, 7, &[MARKETER, MANAGER]).await;
    serve_on(listener, app);
    let mut b = Browser::open(&driver, "dead-ends").await;
    b.c.goto(&format!("{base}/chat")).await.unwrap();
    b.log_in(MARKETER.0, MARKETER.2).await;

    // Nobody matches: the answer says which condition emptied it and what to try; a reload too.
    b.ask("big spenders who never ordered").await;
    let help = b
        .wait_text(
            "[data-testid=no-match]",
            "No customers match",
            "no-match answer",
        )
        .await;
    assert!(
        help.contains("condition 2") && help.contains("Try"),
        "{help}"
    );
    assert!(
        b.c.find(Locator::Css(".charts figure")).await.is_err(),
        "no charts of zeros"
    );
    b.shots("no-match").await;
    b.shoot_page("chat-no-match").await;
    b.c.refresh().await.unwrap();
    b.wait_text(
        "[data-testid=no-match]",
        "No customers match",
        "no-match after reload",
    )
    .await;
    assert!(
        b.c.find(Locator::Css("header.top nav")).await.is_ok(),
        "the reloaded page is the app's page, styled"
    );

    // A request that names its own audience starts a new one; a refinement refines it.
    b.ask("customers with email consent").await;
    b.wait_text("[data-testid=started-over]", "new audience", "started over")
        .await;
    let everyone_consenting = b.count("new audience's size").await;
    b.c.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    b.shots("new-audience").await;
    assert!(everyone_consenting > 4_000, "{everyone_consenting}");
    b.ask("only those in the US").await;
    b.wait_text(".answer .diff", "Changed", "refined").await;
    assert!(b.count("refined size").await < everyone_consenting);
    b.shots("refined").await;
    // New audience: an empty chat; the big audience is asked for again and saved.
    b.click("[data-testid=new-audience]", "New audience button")
        .await;
    b.wait_for("form.ask", "empty chat").await;
    assert!(
        b.c.find(Locator::Css(".answer")).await.is_err(),
        "a new audience starts empty"
    );
    b.ask("customers with email consent").await;
    assert_eq!(b.count("new audience").await, everyone_consenting);
    b.type_into("#segment-name", "Email consenters", "segment name")
        .await;
    b.click("form.save button", "save").await;
    b.wait_text("[data-testid=saved]", "Email consenters", "saved")
        .await;
    b.c.find(Locator::LinkText("Open it to submit for approval"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("[data-testid=status]", "draft", "segment page")
        .await;
    assert!(
        b.c.find(Locator::Css("form.approve")).await.is_err()
            && b.c
                .find(Locator::Css("[data-testid=archive]"))
                .await
                .is_err(),
        "no manager buttons"
    );
    b.click("form.submit button", "submit").await;
    b.wait_text("[data-testid=status]", "submitted", "submitted")
        .await;
    let segment_url = b.c.current_url().await.unwrap().to_string();
    b.log_out().await;

    // The manager approves and activates: thousands of members reach the demo receiver.
    b.log_in(MANAGER.0, MANAGER.2).await;
    b.c.goto(&segment_url).await.unwrap();
    b.type_into("#approve-comment", "fine\u{E007}", "approve form")
        .await;
    b.wait_text("[data-testid=status]", "approved", "approved")
        .await;
    b.click("form.activate button", "activate").await;
    let report = b
        .wait_text(
            "[data-testid=sync-status]",
            "delivered",
            "delivered to the demo webhook",
        )
        .await;
    assert!(!report.contains("failed"), "{report}");
    b.shots("delivered").await;

    // Pause, then the way back: Resume (and Archive) are offered.
    b.c.goto(&segment_url).await.unwrap();
    assert!(
        b.c.find(Locator::Css("[data-testid=sync-failure]"))
            .await
            .is_err(),
        "the last sync delivered"
    );
    b.click("form.pause button", "pause").await;
    b.wait_text("[data-testid=status]", "paused", "paused")
        .await;
    b.wait_for("[data-testid=archive]", "archive button").await;
    b.shots("paused").await;
    b.click("[data-testid=resume]", "resume").await;
    b.wait_text("[data-testid=status]", "active", "resumed")
        .await;
    b.c.close().await.unwrap();
}
