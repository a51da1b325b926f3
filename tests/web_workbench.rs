//! The chat's workbench (issue #18), over HTTP with a signed-in session: an unknown address
//! answers a browser with a page and a script with JSON; a preview without trained scores says so
//! in plain words; the audience's condition chips change and remove conditions (the read-back
//! and counts follow); one click saves, or saves and submits. See also `web_import.rs`.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use common::api::TestApp;
use common::web::{count, country, page, part, post_form, sign_in};

#[tokio::test]
async fn an_unknown_address_shows_a_browser_a_page_with_ways_back_and_keeps_json_for_the_api() {
    let app = TestApp::spawn().await;
    let marketer = sign_in(&app, "marketer@test.io").await;
    let get = |uri: &str, accept: &str, cookie: Option<&str>| {
        let mut r = Request::get(uri).header(header::ACCEPT, accept);
        if let Some(c) = cookie {
            r = r.header(header::COOKIE, c);
        }
        r.body(Body::empty()).unwrap()
    };
    let html = "text/html,application/xhtml+xml,*/*;q=0.8";
    for cookie in [Some(marketer.cookie.as_str()), None] {
        let (s, h, body) = app.send(get("/admin/nothing-here", html, cookie)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(
            h[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{h:?}"
        );
        assert!(
            body.contains("Page not found")
                && body.contains("nothing-here</code>")
                && body.contains("href=\"/chat\""),
            "{body}"
        );
        assert_eq!(
            body.contains("marketer@test.io"),
            cookie.is_some(),
            "the header shows who is signed in"
        );
    }
    for (uri, accept) in [
        ("/nothing", "application/json"),
        ("/nothing", "*/*"),
        ("/api/nothing", html),
    ] {
        let (s, _, body) = app.send(get(uri, accept, None)).await;
        let v: Value =
            serde_json::from_str(&body).unwrap_or_else(|_| panic!("{uri} {accept}: {body}"));
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found"))
        );
    }
}

#[tokio::test]
async fn without_trained_scores_the_answer_says_so_plainly_and_offers_training_to_who_can() {
    let app = TestApp::spawn().await;
    for (who, can_train) in [("marketer@test.io", false), ("manager@test.io", true)] {
        let s = sign_in(&app, who).await;
        let (_, _, html) = post_form(&app, &s, "/chat", &[("prompt", "customers in the US")]).await;
        let note = part(&html, "not-trained", "</p>");
        assert!(
            note.contains("Scores are not available yet") && !html.contains("segwright train"),
            "{note}"
        );
        assert_eq!(
            note.contains("data-testid=\"train-link\""),
            can_train,
            "{who}: {note}"
        );
        assert!(note.contains("href=\"/models\""), "{note}");
    }
}

#[tokio::test]
async fn a_chip_changes_or_removes_a_condition_and_the_read_back_and_counts_follow() {
    let app = TestApp::spawn().await;
    let (us, ca, everyone) = (
        count(&app, country("eq", json!("US"))).await,
        count(&app, country("eq", json!("CA"))).await,
        count(
            &app,
            json!({"version":1,"root":{"type":"all","conditions":[]}}),
        )
        .await,
    );
    assert!(
        us != ca && ca != everyone,
        "the fixture tells the three apart"
    );
    let m = sign_in(&app, "marketer@test.io").await;
    let (_, _, html) = post_form(&app, &m, "/chat", &[("prompt", "customers in the US")]).await;
    let chip = part(&html, "chip-0", "</li>");
    assert!(
        chip.contains("value=\"US\"") && chip.contains("chip-remove-0"),
        "{chip}"
    );
    let id = part(&html, "audience-panel", "</aside>")
        .split("name=\"conversation_id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let chip_post = |fields: Vec<(&'static str, String)>| {
        let (app, m, id) = (&app, &m, id.clone());
        async move {
            let mut f: Vec<(&str, &str)> = vec![("conversation_id", &id)];
            f.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            post_form(app, m, "/chat/chip", &f).await
        }
    };
    let (s, _, html) = chip_post(vec![("index", "0".into()), ("value", "CA".into())]).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert_eq!(
        part(&html, "pinned-count", "<").trim_start_matches('>'),
        ca.to_string()
    );
    assert!(part(&html, "chip-0", "</li>").contains("value=\"CA\""));
    assert!(
        html.contains("Changed: ")
            && !html.contains("Changed: changed:")
            && html.contains("→ country is CA"),
        "the change is said: {html}"
    );
    let (_, _, html) = chip_post(vec![("index", "0".into()), ("remove", "1".into())]).await;
    assert_eq!(
        part(&html, "pinned-count", "<").trim_start_matches('>'),
        everyone.to_string()
    );
    assert!(
        !html.contains("data-testid=\"chip-0\"") && html.contains("removed:"),
        "{html}"
    );
    // "undo" brings the chip back, as for any turn.
    let (_, _, html) = post_form(
        &app,
        &m,
        "/chat",
        &[("prompt", "undo"), ("conversation_id", &id)],
    )
    .await;
    assert!(
        part(&html, "chip-0", "</li>").contains("value=\"CA\""),
        "{html}"
    );
    // A value of the wrong kind is said, and nothing changes.
    let (s, _, text) = chip_post(vec![("index", "7".into()), ("value", "x".into())]).await;
    assert!(
        s.is_client_error() && text.contains("condition 8"),
        "{s} {text}"
    );
}

#[tokio::test]
async fn one_click_saves_under_the_request_or_saves_and_submits_to_the_configured_destination() {
    let app = TestApp::spawn_with_settings(|s| {
        s.governance.destinations.webhook_url = Some("http://127.0.0.1:9/hook".into())
    })
    .await;
    let m = sign_in(&app, "marketer@test.io").await;
    let (_, _, html) = post_form(&app, &m, "/chat", &[("prompt", "customers in the US")]).await;
    let panel = part(&html, "quick-actions", "</div>");
    assert!(
        panel.contains("Save as “Customers in the US”")
            && panel.contains("Save and submit for approval (webhook)"),
        "{panel}"
    );
    let id = panel
        .split("name=\"conversation_id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (s, _, saved) = post_form(
        &app,
        &m,
        "/chat/save",
        &[("conversation_id", &id), ("name", "Customers in the US")],
    )
    .await;
    assert!(
        s.is_success() && saved.contains("Saved “Customers in the US”"),
        "{saved}"
    );
    // The next answer offers it as a segment to save a new version of.
    let (_, _, html) = post_form(
        &app,
        &m,
        "/chat",
        &[
            ("prompt", "only with email consent"),
            ("conversation_id", &id),
        ],
    )
    .await;
    let seg = part(&html, "version-of", "</select>")
        .split("value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let form = [
        ("conversation_id", id.as_str()),
        ("segment", seg.as_str()),
        ("destination", "webhook"),
    ];
    let (s, _, done) = post_form(&app, &m, "/chat/submit", &form).await;
    assert!(
        s.is_success()
            && done.contains("as version 2")
            && done.contains("submitted it for approval to webhook"),
        "{s} {done}"
    );
    let (_, v) = app
        .json_as(
            Some(&app.manager),
            "GET",
            &format!("/api/segments/{seg}"),
            None,
        )
        .await;
    assert_eq!(v["current_version"], 2, "{v}");
    let manager = sign_in(&app, "manager@test.io").await;
    let (_, queue) = page(&app, &manager, "/review").await;
    assert!(queue.contains("Customers in the US"), "{queue}");
}
