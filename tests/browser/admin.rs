//! An admin adds a user (who then signs in with the password shown once) and a webhook
//! destination, and tests its connection; the admin's pages (users, destinations, import,
//! suppression, models, glossary) and the new user's chat and segments list are shot as main
//! pages at desktop and phone width.

use segwright::domain::access::Role;

use crate::harness::{Browser, demo_app, listen, serve_on, start_driver};

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_adds_a_user_and_a_destination_and_the_main_pages_are_shot_in_a_real_browser() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let db = crate::common::sqlite_db();
    let (listener, base) = listen().await;
    let mut settings = crate::common::settings(&db);
    // The demo receiver checks signatures with the environment's secret: the admin types the same.
    (
        settings.governance.destinations.demo_sink,
        settings.governance.destinations.webhook_secret,
    ) = (true, Some("whsec-demo-0123456789".into()));
    settings.governance.secret_key =
        Some(segwright::app::secrets::SecretKey::parse(&"2a".repeat(32)).unwrap());
    let admin = ("admin@example.test", Role::Admin, "correct horse battery");
    let app = demo_app(settings, 2_000, 11, &[admin]).await;
    serve_on(listener, app);
    let mut b = Browser::open(&driver, "admin").await;
    b.c.goto(&format!("{base}/users")).await.unwrap();
    b.log_in(admin.0, admin.2).await;
    b.c.goto(&format!("{base}/users")).await.unwrap();
    b.type_into("#new-email", "new.marketer@example.test", "users page")
        .await;
    b.click("[data-testid=add-user] button", "add user").await;
    b.wait_text(
        "[data-testid=notice]",
        "Added new.marketer@example.test",
        "user added",
    )
    .await;
    let password = b
        .wait_for("[data-testid=secret] input", "password shown once")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    b.page_shots(&base, "/users", "users", "[data-testid=users]")
        .await;

    b.c.goto(&format!("{base}/destinations")).await.unwrap();
    // With no destination yet, the first form (the webhook's) is open.
    b.type_into(
        "#webhook-url",
        &format!("{base}/demo/webhook"),
        "webhook url",
    )
    .await;
    b.type_into("#webhook-secret", "whsec-demo-0123456789", "secret")
        .await;
    b.click("[data-testid=add-webhook] button", "save webhook")
        .await;
    b.wait_text("[data-testid=notice]", "Saved webhook", "webhook saved")
        .await;
    b.click("[data-testid=test-webhook]", "test connection")
        .await;
    b.wait_text(
        "[data-testid=notice]",
        "the connection works",
        "connection tested",
    )
    .await;
    let listed = b
        .wait_text(
            "[data-testid=destinations]",
            "webhook",
            "destination listed",
        )
        .await;
    assert!(listed.contains("/demo/webhook"), "{listed}");
    for (path, name, ready) in [
        (
            "/destinations",
            "destinations",
            "[data-testid=destinations]",
        ),
        ("/import", "import", "main h1"),
        ("/suppressions", "suppression", "[data-testid=suppressions]"),
        ("/models", "models", "[data-testid=train]"),
        ("/glossary", "glossary", "main h1"),
    ] {
        b.page_shots(&base, path, name, ready).await;
    }
    b.log_out().await;

    // The new user signs in with the password shown once, and asks for an audience.
    b.log_in("new.marketer@example.test", &password).await;
    b.ask("customers in the US with email consent").await;
    b.wait_for("[data-testid=pinned-summary]", "pinned summary")
        .await;
    let url = b.c.current_url().await.unwrap();
    let chat = format!("{}?{}", url.path(), url.query().unwrap_or_default());
    b.page_shots(&base, &chat, "chat", "[data-testid=pinned-summary]")
        .await;
    b.page_shots(&base, "/segments", "segments", "main h1")
        .await;
    b.c.close().await.unwrap();
}
