//! The web app's pages that close the loop (issue #18), over HTTP with a signed-in session: the
//! review of a changed version shows what it changes against the active one and the size
//! before → after; the suppression page, the "why is this customer in or out" lookup and the
//! train button; the chat's pinned summary, loading indicator and plain wording; only configured
//! destinations offered; and no new form answers 500 whatever is posted.

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};

use common::api::TestApp;
use common::web::{Session, page, part, post_form, post_raw, refused_in_words, sign_in};

fn us() -> Value {
    json!({"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}})
}

/// A call that must succeed; its JSON.
async fn ok(app: &TestApp, token: &str, method: &str, uri: &str, body: Value) -> Value {
    let (s, v) = app.json_as(Some(token), method, uri, Some(body)).await;
    assert!(s.is_success(), "{method} {uri}: {s} {v}");
    v
}

#[tokio::test]
async fn the_review_of_a_changed_version_shows_its_diff_against_the_active_version_and_the_size_before_and_after()
 {
    let app = TestApp::spawn().await;
    let v = ok(
        &app,
        &app.marketer,
        "POST",
        "/api/segments",
        json!({"name": "US buyers", "definition": us()}),
    )
    .await;
    let id = v["id"].as_str().unwrap().to_string();
    ok(
        &app,
        &app.marketer,
        "POST",
        &format!("/api/segments/{id}/submit"),
        json!({"destinations": ["csv"]}),
    )
    .await;
    let manager = sign_in(&app, "manager@test.io").await;
    let (_, first) = page(&app, &manager, &format!("/review/{id}")).await;
    assert!(
        !first.contains("data-testid=\"version-diff\""),
        "a first version has nothing to compare against"
    );
    ok(
        &app,
        &app.manager,
        "POST",
        &format!("/api/segments/{id}/approve"),
        json!({}),
    )
    .await;
    ok(
        &app,
        &app.manager,
        "POST",
        &format!("/api/segments/{id}/activate"),
        json!({}),
    )
    .await;

    // Version 2: Canada instead of the US, and email consent added (2 customers → 1).
    let v2 = json!({"version":1,"root":{"type":"all","conditions":[
        {"type":"attribute","field":"country","op":"eq","value":"CA"},
        {"type":"attribute","field":"email_consent","op":"eq","value":true}]}});
    ok(
        &app,
        &app.marketer,
        "PUT",
        &format!("/api/segments/{id}"),
        json!({"definition": v2}),
    )
    .await;
    ok(
        &app,
        &app.marketer,
        "POST",
        &format!("/api/segments/{id}/submit"),
        json!({"destinations": ["csv"]}),
    )
    .await;

    for uri in [format!("/review/{id}"), format!("/segments/{id}")] {
        let (s, html) = page(&app, &manager, &uri).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let diff = part(&html, "version-diff", "</section>");
        assert!(
            diff.contains("against the active version 1"),
            "{uri}: {diff}"
        );
        let size = part(diff, "diff-size", "</p>");
        assert!(
            size.contains("<strong>2</strong> → <strong>1</strong>") && size.contains("(-1)"),
            "{uri}: {size}"
        );
        let added = part(diff, "diff-added", "</li>");
        assert!(added.to_lowercase().contains("email"), "{uri}: {added}");
        let changed = part(diff, "diff-changed", "</li>");
        assert!(
            changed.contains('→') && changed.contains("US") && changed.contains("CA"),
            "{uri}: {changed}"
        );
        assert!(!diff.contains("diff-removed"), "nothing removed: {diff}");
    }
}

/// Every form of the admin, suppression, training and lookup pages, with empty, huge and
/// malformed values: a 4xx with a sentence, never a 500.
#[tokio::test]
async fn no_new_form_answers_500_on_empty_huge_or_malformed_values() {
    let app = TestApp::spawn().await;
    let v = ok(
        &app,
        &app.marketer,
        "POST",
        "/api/segments",
        json!({"name": "US buyers", "definition": us()}),
    )
    .await;
    let id = v["id"].as_str().unwrap().to_string();
    let (admin, manager, marketer) = (
        sign_in(&app, "admin@test.io").await,
        sign_in(&app, "manager@test.io").await,
        sign_in(&app, "marketer@test.io").await,
    );
    let huge = "x".repeat(300 * 1024);
    let big = "y".repeat(40 * 1024);
    let mut cases: Vec<(&Session, String, String)> = Vec::new();
    for body in [
        String::new(),
        format!("kind={big}"),
        "kind=webhook&setting.url=%FF%FE".into(),
        "kind=webhook&setting.nope=1".into(),
        format!("x={huge}"),
    ] {
        cases.push((&admin, "/destinations".into(), body));
    }
    for uri in [
        "/destinations/webhook/test",
        "/destinations/webhook/remove",
        "/destinations/%00/test",
        "/destinations/meta/explode",
    ] {
        cases.push((&admin, uri.into(), String::new()));
    }
    for body in [
        String::new(),
        "email=not-an-email&role=admin".into(),
        "email=a%40b.io&role=emperor".into(),
        format!("email={big}&role=admin"),
    ] {
        cases.push((&admin, "/users".into(), body));
    }
    for (uri, body) in [
        ("/users/nobody%40test.io/role", "role=admin"),
        ("/users/marketer%40test.io/role", "role=%FF"),
        ("/users/nobody%40test.io/reset", ""),
        ("/users/nobody%40test.io/token", "label=x"),
        ("/users/marketer%40test.io/explode", ""),
        ("/tokens/nope/revoke", ""),
    ] {
        cases.push((&admin, uri.into(), body.into()));
    }
    for body in [
        String::new(),
        "kind=email&value=bob@".into(),
        "kind=fax&value=1".into(),
        format!("kind=email&value={big}"),
        format!("x={huge}"),
    ] {
        cases.push((&admin, "/suppressions/add".into(), body));
    }
    for body in [
        String::new(),
        "kind=fax&list=a".into(),
        "kind=email&list=%FF%FE%00".into(),
    ] {
        cases.push((&admin, "/suppressions/upload".into(), body));
    }
    cases.push((
        &admin,
        "/suppressions/remove".into(),
        "kind=email&value=never-added%40x.io".into(),
    ));
    cases.push((&admin, "/suppressions/explode".into(), String::new()));
    cases.push((&manager, "/models/train".into(), format!("x={huge}")));
    cases.push((&marketer, "/models/train".into(), String::new()));
    cases.push((
        &marketer,
        "/suppressions/add".into(),
        "kind=email&value=a%40b.io".into(),
    ));
    refused_in_words(&app, cases).await;
    for query in [
        String::new(),
        "customer=".into(),
        "customer=%FF%FE".into(),
        format!("customer={}", "z".repeat(5000)),
        "customer=nobody".into(),
    ] {
        let (s, html) = page(&app, &marketer, &format!("/segments/{id}/why?{query}")).await;
        assert!(
            s.is_success() || s.is_client_error(),
            "why?{}: {s} {html}",
            &query[..query.len().min(40)]
        );
    }
}

#[tokio::test]
async fn an_admin_adds_uploads_and_removes_suppressed_values_and_the_audience_counts_them() {
    let app = TestApp::spawn().await;
    let v = ok(
        &app,
        &app.marketer,
        "POST",
        "/api/segments",
        json!({"name": "US buyers", "definition": us()}),
    )
    .await;
    let id = v["id"].as_str().unwrap().to_string();
    let admin = sign_in(&app, "admin@test.io").await;
    let (s, html) = page(&app, &admin, "/suppressions").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        html.contains("The list is empty") && html.contains("href=\"/suppressions\""),
        "the header links the page for admins: {html}"
    );

    let (s, _, html) = post_form(
        &app,
        &admin,
        "/suppressions/add",
        &[("kind", "email"), ("value", "  ANN@example.com ")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        part(&html, "suppressions", "</table>").contains("ann@example.com"),
        "stored normalised: {html}"
    );
    let (_, preview) = app
        .json("GET", &format!("/api/segments/{id}/preview"), None)
        .await;
    assert_eq!(
        preview["size"]["suppressed"], 1,
        "the audience counts the suppressed member: {preview}"
    );

    let list = "email\nbob@example.com\nnot an email\ncat@example.com,extra column\n";
    let (s, _, html) = post_form(
        &app,
        &admin,
        "/suppressions/upload",
        &[("kind", "email"), ("list", list)],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        part(&html, "notice", "</p>").contains("Added 2 values; 1 lines were not taken"),
        "{html}"
    );
    assert!(
        part(&html, "rejected", "</ul>").contains("line 3"),
        "the bad line is named: {html}"
    );
    let (s, _, html) = post_form(
        &app,
        &admin,
        "/suppressions/add",
        &[("kind", "email"), ("value", "bob@")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        part(&html, "problem", "</div>").contains("not an email address"),
        "{html}"
    );

    let (s, _, html) = post_form(
        &app,
        &admin,
        "/suppressions/remove",
        &[("kind", "email"), ("value", "ann@example.com")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(!part(&html, "suppressions", "</table>").contains("ann@example.com"));
    let (_, log) = app
        .call_as(Some(&app.admin), "GET", "/api/audit", None)
        .await;
    assert!(
        log.contains("suppression.upload")
            && log.contains("suppression.remove")
            && !log.contains("bob@example.com"),
        "audited without values"
    );

    let marketer = sign_in(&app, "marketer@test.io").await;
    let (s, html) = page(&app, &marketer, "/suppressions").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        html.contains("Only an admin can open this page")
            && !html.contains("href=\"/suppressions\""),
        "{html}"
    );
}

#[tokio::test]
async fn a_segment_says_why_a_customer_is_in_or_out_condition_by_condition() {
    let app = TestApp::spawn().await;
    let def = json!({"version":1,"root":{"type":"all","conditions":[
        {"type":"attribute","field":"country","op":"in","value":["US","CA"]},
        {"type":"attribute","field":"email_consent","op":"eq","value":true}]}});
    let v = ok(
        &app,
        &app.marketer,
        "POST",
        "/api/segments",
        json!({"name": "Consenting", "definition": def}),
    )
    .await;
    let id = v["id"].as_str().unwrap().to_string();
    let marketer = sign_in(&app, "marketer@test.io").await;
    let (_, html) = page(&app, &marketer, &format!("/segments/{id}")).await;
    assert!(
        html.contains(&format!("action=\"/segments/{id}/why\"")),
        "the segment page offers the lookup"
    );

    let (s, html) = page(&app, &marketer, &format!("/segments/{id}/why?customer=c1")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        part(&html, "why-answer", "</section>").contains("c1 is in this audience"),
        "{html}"
    );
    let (_, html) = page(&app, &marketer, &format!("/segments/{id}/why?customer=c2")).await;
    let answer = part(&html, "why-answer", "</section>");
    assert!(
        answer.contains("c2 is not in this audience")
            && answer.contains("<td class=\"bad\">no</td>")
            && answer.contains("<td class=\"ok\">yes</td>"),
        "{answer}"
    );
    let (s, html) = page(
        &app,
        &marketer,
        &format!("/segments/{id}/why?customer=nobody"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        part(&html, "problem", "</div>").contains("nobody"),
        "{html}"
    );
    let (_, log) = app
        .call_as(
            Some(&app.admin),
            "GET",
            "/api/audit?action=customer.explain",
            None,
        )
        .await;
    assert!(
        log.contains("c2"),
        "looking a customer up is audited: {log}"
    );
}

#[tokio::test]
async fn the_roles_allowed_to_train_see_a_train_button_whose_job_the_models_page_follows() {
    let app = TestApp::spawn().await;
    let marketer = sign_in(&app, "marketer@test.io").await;
    let (_, html) = page(&app, &marketer, "/models").await;
    assert!(
        !html.contains("data-testid=\"train\"")
            && html.contains("Campaign managers and admins can train"),
        "{html}"
    );
    let (s, _, _) = post_raw(&app, &marketer, "/models/train", String::new(), false).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let manager = sign_in(&app, "manager@test.io").await;
    let (_, html) = page(&app, &manager, "/models").await;
    assert!(
        html.contains("data-testid=\"train\"") && !html.contains("segwright train</code>;"),
        "{html}"
    );
    let (s, headers, _) = post_raw(&app, &manager, "/models/train", String::new(), false).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let to = headers["location"].to_str().unwrap().to_string();
    let job = to
        .split("job=")
        .nth(1)
        .expect("the page follows the job")
        .to_string();
    let mut ended = false;
    for _ in 0..300 {
        let (_, headers, _) = app
            .send(
                axum::http::Request::get(format!("/models/jobs/{job}"))
                    .header("cookie", &manager.cookie)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        if headers.contains_key("hx-refresh") {
            ended = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ended, "the job ends and the page reloads");
    let (_, html) = page(&app, &manager, &to).await;
    let status = part(&html, "train-job", "</div>");
    assert!(
        status.contains("Training finished") || status.contains("Training failed:"),
        "the outcome in words: {status}"
    );
    if status.contains("Training finished") {
        let (_, log) = app
            .call_as(
                Some(&app.admin),
                "GET",
                "/api/audit?action=models.train",
                None,
            )
            .await;
        assert!(log.contains("manager@test.io"), "{log}");
    }
}

#[tokio::test]
async fn the_answer_keeps_a_summary_in_view_with_the_change_and_reads_plainly() {
    let app = TestApp::spawn().await;
    let marketer = sign_in(&app, "marketer@test.io").await;
    let (s, headers, first) = post_form(
        &app,
        &marketer,
        "/chat",
        &[("prompt", "customers in the US")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    let pinned = part(&first, "pinned-summary", "</div>");
    assert!(
        pinned.contains("<strong data-testid=\"pinned-count\">2</strong>")
            && !pinned.contains("pinned-change"),
        "a new audience has no change: {pinned}"
    );
    let id = headers["hx-push-url"]
        .to_str()
        .unwrap()
        .split("c=")
        .nth(1)
        .unwrap()
        .to_string();
    let (_, _, refined) = post_form(
        &app,
        &marketer,
        "/chat",
        &[
            ("prompt", "only those with email consent"),
            ("conversation_id", &id),
        ],
    )
    .await;
    let change = part(&refined, "pinned-change", "</span>");
    assert!(change.contains("-1 since the last step"), "{change}");
    assert!(
        refined.contains("hx-indicator=\"#loading\"") || !refined.contains("<body"),
        "fragments inherit the page's indicator"
    );
    let (_, chat) = page(&app, &marketer, &format!("/chat?c={id}")).await;
    assert!(
        chat.contains("id=\"loading\" class=\"htmx-indicator\"")
            && chat.contains("hx-indicator=\"#loading\""),
        "a loading indicator: {chat}"
    );

    // A glossary term reads as words; its exact rule is one click away.
    let (_, _, term) = post_form(
        &app,
        &marketer,
        "/chat",
        &[("prompt", "customers inactive for 30 days")],
    )
    .await;
    let chips = part(&term, "explanation", "</ol>");
    assert!(
        chips.contains("<details class=\"formal\"><summary>exact rule</summary>")
            && !chips.contains("(days = 30) ="),
        "{chips}"
    );
}

#[tokio::test]
async fn only_configured_destinations_are_offered_and_warned_about() {
    let app = TestApp::spawn().await;
    let v = ok(
        &app,
        &app.marketer,
        "POST",
        "/api/segments",
        json!({"name": "US buyers", "definition": us()}),
    )
    .await;
    let id = v["id"].as_str().unwrap().to_string();
    let marketer = sign_in(&app, "marketer@test.io").await;
    let (_, html) = page(&app, &marketer, &format!("/segments/{id}")).await;
    let form = part(&html, "actions", "</form>");
    // Nothing configured: no destination can be chosen, and the page says who can add one.
    assert!(
        !form.contains("type=\"checkbox\"")
            && !form.contains("value=\"csv\"")
            && !form.contains("value=\"tiktok\"")
            && !form.contains("value=\"meta\"")
            && form.contains("none is configured yet"),
        "{form}"
    );
    let (_, _, answer) = post_form(
        &app,
        &marketer,
        "/chat",
        &[("prompt", "customers in the US")],
    )
    .await;
    assert!(
        !answer.contains("TikTok") && !answer.contains("Too small"),
        "no warning about platforms nobody sends to: {answer}"
    );

    let app = TestApp::spawn_with_settings(|s| {
        s.governance.destinations.webhook_url = Some("http://127.0.0.1:9/hook".into())
    })
    .await;
    let v = ok(
        &app,
        &app.marketer,
        "POST",
        "/api/segments",
        json!({"name": "US buyers", "definition": us()}),
    )
    .await;
    let id = v["id"].as_str().unwrap().to_string();
    let marketer = sign_in(&app, "marketer@test.io").await;
    let (_, html) = page(&app, &marketer, &format!("/segments/{id}")).await;
    let form = part(&html, "actions", "</form>");
    assert!(
        form.contains("value=\"webhook\" checked")
            && !form.contains("value=\"csv\"")
            && !form.contains("value=\"email\""),
        "{form}"
    );
}

#[tokio::test]
async fn a_wrong_password_keeps_the_email_and_an_empty_queue_shows_no_pill() {
    let app = TestApp::spawn().await;
    let req = axum::http::Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(
            "email=manager%40test.io&password=wrong+password",
        ))
        .unwrap();
    let (s, _, html) = app.send(req).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(html.contains("value=\"manager@test.io\""), "{html}");
    let manager = sign_in(&app, "manager@test.io").await;
    let (s, count) = page(&app, &manager, "/review/count").await;
    assert_eq!((s, count.as_str()), (StatusCode::OK, ""), "no \"Review 0\"");
}

/// Under `Referrer-Policy: no-referrer` a browser posts its own login form with `Origin: null`:
/// the fetch metadata says whether the form was the app's.
#[tokio::test]
async fn a_login_form_posted_with_a_null_origin_signs_in_only_from_the_apps_own_page() {
    let app = TestApp::spawn().await;
    for (site, signed_in) in [
        ("same-origin", true),
        ("cross-site", false),
        ("same-site", false),
    ] {
        let req = axum::http::Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", "null")
            .header("sec-fetch-site", site)
            .body(axum::body::Body::from(
                "email=manager%40test.io&password=correct+horse+battery",
            ))
            .unwrap();
        let (s, _, body) = app.send(req).await;
        assert_eq!(s == StatusCode::SEE_OTHER, signed_in, "{site}: {s} {body}");
    }
}
