//! The web app's ways out of dead ends (issue #18), over HTTP with a signed-in session: a request
//! nobody matches answers with what to try, not an error; a new request after an answer starts
//! a new audience while refinements refine; a failed sync shows on the segment page; pause
//! offers resume, every live segment can be archived, and a rejected version is edited in the
//! chat and saved as a new version; each role sees only the buttons it may use; and no form
//! the pages send answers 500, whatever is typed into it.

mod common;

use axum::http::{StatusCode, header};
use serde_json::{Value, json};

use common::api::TestApp;
use common::web::{Session, page, post_form, refused_in_words, sign_in, submitted};

/// Ask in the chat (htmx); the answer fragment and the conversation its address names.
async fn ask(app: &TestApp, who: &Session, fields: &[(&str, &str)]) -> (String, String) {
    let (s, headers, html) = post_form(app, who, "/chat", fields).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let url = headers
        .get("hx-push-url")
        .expect("the address names the conversation")
        .to_str()
        .unwrap();
    let id = url
        .split("c=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    (html, id)
}

#[tokio::test]
async fn a_request_nobody_matches_says_which_condition_emptied_it_and_what_to_try_and_reloads_as_a_styled_page()
 {
    let app = TestApp::spawn().await;
    let marketer = sign_in(&app, "marketer@test.io").await;
    let (html, id) = ask(
        &app,
        &marketer,
        &[("prompt", "customers in the US who never ordered")],
    )
    .await;
    let help = html
        .split("data-testid=\"no-match\"")
        .nth(1)
        .expect("a no-match answer")
        .split("</div>")
        .next()
        .unwrap();
    assert!(
        help.contains("No customers match") && help.contains("condition 2") && help.contains("Try"),
        "{help}"
    );
    assert!(html.contains("form class=\"ask\""), "the input stays");

    let (s, page_html) = page(&app, &marketer, &format!("/chat?c={id}")).await;
    assert_eq!(s, StatusCode::OK, "{page_html}");
    assert!(
        page_html.contains("/static/app.css") && page_html.contains("data-testid=\"no-match\""),
        "a styled page: {page_html}"
    );
}

#[tokio::test]
async fn a_new_request_after_an_answer_starts_a_new_audience_while_refinements_refine_it() {
    let app = TestApp::spawn().await;
    let marketer = sign_in(&app, "marketer@test.io").await;
    let (first, us) = ask(&app, &marketer, &[("prompt", "customers in the US")]).await;
    assert!(
        first.contains("data-testid=\"new-audience\""),
        "a New audience button after an answer"
    );

    let (refined, same) = ask(
        &app,
        &marketer,
        &[
            ("prompt", "only those with email consent"),
            ("conversation_id", &us),
        ],
    )
    .await;
    assert_eq!(same, us, "a refinement continues the conversation");
    assert!(
        refined.contains("Changed:") && !refined.contains("data-testid=\"started-over\""),
        "{refined}"
    );

    let (fresh, other) = ask(
        &app,
        &marketer,
        &[("prompt", "customers in Canada"), ("conversation_id", &us)],
    )
    .await;
    assert_ne!(
        other, us,
        "a request naming its own audience starts a new one"
    );
    assert!(
        fresh.contains("data-testid=\"started-over\"") && !fresh.contains("Changed:"),
        "{fresh}"
    );
    let (_, turns) = app
        .json("GET", &format!("/api/conversations/{other}"), None)
        .await;
    assert_eq!(
        turns["turns"].as_array().map(Vec::len),
        Some(1),
        "one turn, not merged: {turns}"
    );

    // The answer offers to apply it to the previous audience instead, which refines that one.
    let (merged, back) = ask(
        &app,
        &marketer,
        &[
            ("prompt", "customers in Canada"),
            ("conversation_id", &us),
            ("refine", "1"),
        ],
    )
    .await;
    assert_eq!(back, us);
    assert!(merged.contains("Changed:"), "{merged}");
}

async fn manage(app: &TestApp, id: &str, action: &str) -> Value {
    let (s, v) = app
        .json_as(
            Some(&app.manager),
            "POST",
            &format!("/api/segments/{id}/{action}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{action}: {v}");
    v
}

#[tokio::test]
async fn an_active_segment_whose_last_sync_failed_says_so_next_to_its_badge() {
    let app = TestApp::spawn().await;
    // The CSV drop has no directory configured: its batches fail with the reason.
    let id = submitted(&app, json!(["csv"])).await;
    manage(&app, &id, "approve").await;
    manage(&app, &id, "activate").await;
    app.app.drain_syncs().await.unwrap();

    let manager = sign_in(&app, "manager@test.io").await;
    let (s, html) = page(&app, &manager, &format!("/segments/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let title = html
        .split("<h1>")
        .nth(1)
        .unwrap()
        .split("</h1>")
        .next()
        .unwrap();
    assert!(
        title.contains("badge active") && title.contains("last sync failed"),
        "the badge does not stand alone: {title}"
    );
    let failure = html
        .split("data-testid=\"sync-failure\"")
        .nth(1)
        .expect("the failure is shown")
        .split("</section>")
        .next()
        .unwrap();
    assert!(
        failure.contains("csv") && failure.contains("not configured: CSV drop directory"),
        "the status and the last error: {failure}"
    );
}

#[tokio::test]
async fn pause_offers_resume_and_archive_and_each_role_sees_only_its_buttons() {
    let app = TestApp::spawn().await;
    let id = submitted(&app, json!(["csv"])).await;
    let (manager, marketer, admin) = (
        sign_in(&app, "manager@test.io").await,
        sign_in(&app, "marketer@test.io").await,
        sign_in(&app, "admin@test.io").await,
    );
    let (_, html) = page(&app, &marketer, &format!("/segments/{id}")).await;
    assert!(
        !html.contains("class=\"approve\"") && html.contains("Waiting for a campaign manager"),
        "no Approve for the author"
    );
    manage(&app, &id, "approve").await;
    manage(&app, &id, "activate").await;
    let (s, _, _) = post_form(&app, &manager, &format!("/segments/{id}/pause"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    let (_, html) = page(&app, &manager, &format!("/segments/{id}")).await;
    assert!(
        html.contains("badge paused")
            && html.contains("data-testid=\"resume\"")
            && html.contains("data-testid=\"archive\""),
        "{html}"
    );
    for who in [&marketer, &admin] {
        let (_, html) = page(&app, who, &format!("/segments/{id}")).await;
        assert!(
            !html.contains("data-testid=\"resume\"")
                && !html.contains("data-testid=\"archive\"")
                && !html.contains("class=\"deliver\""),
            "{html}"
        );
    }
    let (_, html) = page(&app, &admin, &format!("/segments/{id}")).await;
    assert!(
        !html.contains("data-testid=\"edit\""),
        "admins do not edit segments"
    );

    let (s, _, _) = post_form(&app, &manager, &format!("/segments/{id}/resume"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &manager, &format!("/segments/{id}")).await;
    assert!(
        html.contains("badge active") && html.contains("class=\"pause\""),
        "resumed"
    );
    // The app refuses what the role may not do, whatever the page showed.
    let (s, _, _) = post_form(&app, &marketer, &format!("/segments/{id}/archive"), &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = post_form(&app, &manager, &format!("/segments/{id}/archive"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &manager, &format!("/segments/{id}")).await;
    assert!(
        html.contains("badge archived") && html.contains("Archived: read-only"),
        "{html}"
    );
}

#[tokio::test]
async fn a_rejected_version_is_edited_in_the_chat_saved_as_version_two_and_resubmitted() {
    // The CSV file drop is configured, so the form offers it (with nothing configured, nothing is).
    let drop = tempfile::tempdir().unwrap();
    let app = TestApp::spawn_with_settings(|s| {
        s.governance.destinations.csv_dir = Some(drop.path().to_string_lossy().into())
    })
    .await;
    let id = submitted(&app, json!(["csv"])).await;
    let (s, v) = app
        .json_as(
            Some(&app.manager),
            "POST",
            &format!("/api/segments/{id}/reject"),
            Some(json!({"comment": "add email consent"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let marketer = sign_in(&app, "marketer@test.io").await;
    let (_, html) = page(&app, &marketer, &format!("/segments/{id}")).await;
    assert!(
        html.contains("add email consent")
            && html.contains("Resubmit for approval")
            && html.contains("data-testid=\"edit\""),
        "{html}"
    );
    assert!(
        html.contains("value=\"csv\" checked") && !html.contains("value=\"webhook\" checked"),
        "resubmitting starts from the destinations submitted"
    );
    let manager = sign_in(&app, "manager@test.io").await;
    let (s, _, _) = post_form(&app, &manager, &format!("/segments/{id}/edit"), &[]).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the app refuses edits to a campaign manager"
    );

    let (s, headers, _) = post_form(&app, &marketer, &format!("/segments/{id}/edit"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let to = headers[header::LOCATION].to_str().unwrap().to_string();
    assert!(
        to.starts_with("/chat?c=") && to.ends_with(&format!("segment={id}")),
        "{to}"
    );
    let (_, html) = page(&app, &marketer, &to).await;
    assert!(
        html.contains("data-testid=\"editing\"") && html.contains("Save as version 2 of"),
        "{html}"
    );
    let conversation = to
        .split("c=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let (refined, same) = ask(
        &app,
        &marketer,
        &[
            ("prompt", "only those with email consent"),
            ("conversation_id", &conversation),
            ("segment", &id),
        ],
    )
    .await;
    assert_eq!(same, conversation);
    assert!(
        refined.contains("Save as version 2 of"),
        "still editing the segment"
    );

    let (s, _, saved) = post_form(
        &app,
        &marketer,
        "/chat/save",
        &[("conversation_id", &conversation), ("segment", &id)],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    assert!(saved.contains("version 2"), "{saved}");
    let (_, seg) = app.json("GET", &format!("/api/segments/{id}"), None).await;
    assert_eq!(seg["current_version"], 2);
    assert!(seg["definition"].to_string().contains("email"), "{seg}");
    let (s, _, _) = post_form(
        &app,
        &marketer,
        &format!("/segments/{id}/submit"),
        &[("destination", "csv")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
}

/// Every form these pages send, with empty, huge (300 KB) and malformed values: a 4xx with a
/// sentence, never a 500.
#[tokio::test]
async fn no_form_answers_500_on_empty_huge_or_malformed_values() {
    let app = TestApp::spawn().await;
    let id = submitted(&app, json!(["csv"])).await;
    let marketer = sign_in(&app, "marketer@test.io").await;
    let manager = sign_in(&app, "manager@test.io").await;
    let (_, conversation) = ask(&app, &marketer, &[("prompt", "customers in the US")]).await;
    let huge = "x".repeat(300 * 1024);
    let big = "y".repeat(40 * 1024);
    let cases: Vec<(&Session, String, String)> = vec![
        (&marketer, "/chat".into(), String::new()),
        (&marketer, "/chat".into(), format!("prompt={huge}")),
        (&marketer, "/chat".into(), format!("prompt={big}")),
        (&marketer, "/chat".into(), "days=abc".into()),
        (&marketer, "/chat".into(), "days=-5".into()),
        (
            &marketer,
            "/chat".into(),
            "days=99999999999999999999999".into(),
        ),
        (
            &marketer,
            "/chat".into(),
            format!("prompt=customers&conversation_id={big}"),
        ),
        (
            &marketer,
            "/chat".into(),
            "prompt=customers&conversation_id=%FF%FE%00".into(),
        ),
        (&marketer, "/chat".into(), "days=%00%FF".into()),
        (&marketer, "/chat/save".into(), String::new()),
        (
            &marketer,
            "/chat/save".into(),
            format!("name={big}&conversation_id={conversation}"),
        ),
        (
            &marketer,
            "/chat/save".into(),
            format!("name=ok&conversation_id={conversation}&segment=nope"),
        ),
        (
            &marketer,
            "/chat/save".into(),
            format!("name=ok&conversation_id={huge}"),
        ),
        (&marketer, "/chat/keep".into(), String::new()),
        (
            &marketer,
            "/chat/keep".into(),
            format!("conversation_id={conversation}"),
        ),
        (&marketer, format!("/segments/{id}/submit"), String::new()),
        (
            &marketer,
            format!("/segments/{id}/submit"),
            "destination=nowhere".into(),
        ),
        (
            &marketer,
            format!("/segments/{id}/submit"),
            format!("destination={huge}"),
        ),
        (
            &marketer,
            format!("/segments/{id}/edit"),
            format!("x={big}"),
        ),
        (
            &marketer,
            "/segments/no-such-segment/edit".into(),
            String::new(),
        ),
        (&manager, format!("/segments/{id}/reject"), String::new()),
        (
            &manager,
            format!("/segments/{id}/reject"),
            format!("comment={big}"),
        ),
        (
            &manager,
            format!("/segments/{id}/approve"),
            "approval_hash=%ZZ&comment=%FF".into(),
        ),
        (&manager, format!("/segments/{id}/resume"), String::new()),
        (
            &manager,
            format!("/segments/{id}/no-such-action"),
            String::new(),
        ),
    ];
    refused_in_words(&app, cases).await;
}
