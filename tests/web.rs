//! The web app's pages over HTTP, signed in through the login form as each role would be: the
//! review queue and review page (campaign managers only, four eyes enforced on the posted
//! forms), the segments list, a segment's versions with their differences and its audit trail,
//! and the glossary editor (admins only).

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use serde_json::{Value, json};

use common::api::TestApp;
use common::web::{Session, page, sign_in};
use segwright::app::Actor;
use segwright::domain::access::Role;

/// Post a form as a browser would, with the session's CSRF token.
async fn post_form(
    app: &TestApp,
    who: &Session,
    uri: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, HeaderMap, String) {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("csrf_token", &who.csrf);
    for (k, v) in fields {
        form.append_pair(k, v);
    }
    let req = Request::post(uri)
        .header(header::COOKIE, &who.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.finish()))
        .unwrap();
    app.send(req).await
}

fn us() -> Value {
    json!({"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}})
}

/// A segment saved and submitted to the webhook by the marketer; its id.
async fn submitted(app: &TestApp, name: &str) -> String {
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(json!({"name": name, "definition": us()})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            &format!("/api/segments/{id}/submit"),
            Some(json!({"destinations": ["webhook"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    id
}

async fn status_of(app: &TestApp, id: &str) -> String {
    let (_, v) = app
        .json_as(
            Some(&app.manager),
            "GET",
            &format!("/api/segments/{id}/review"),
            None,
        )
        .await;
    v["status"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_campaign_manager_sees_each_pending_submission_and_its_review_page() {
    let app = TestApp::spawn().await;
    let id = submitted(&app, "US buyers").await;
    let manager = sign_in(&app, "manager@test.io").await;

    let (s, html) = page(&app, &manager, "/review").await;
    assert_eq!(s, StatusCode::OK);
    for needle in [
        "US buyers",
        "marketer@test.io",
        "webhook",
        &format!("href=\"/review/{id}\""),
    ] {
        assert!(html.contains(needle), "the queue shows {needle}: {html}");
    }
    let (_, count) = page(&app, &manager, "/review/count").await;
    assert!(count.contains(">1<"), "one pending: {count}");
    let (_, chat) = page(&app, &manager, "/chat").await;
    assert!(
        chat.contains("href=\"/review\""),
        "the header links the queue for managers"
    );

    let (s, html) = page(&app, &manager, &format!("/review/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let sentences = html.split("data-testid=\"sentences\"").nth(1).unwrap();
    assert!(
        sentences.contains("US"),
        "the definition in words: {sentences}"
    );
    let sizes = html.split("data-testid=\"sizes\"").nth(1).unwrap();
    assert!(
        sizes.contains("<td>2</td><td>2</td><td class=\"\">no change</td>"),
        "two customers then and now: {sizes}"
    );
    let dry = html
        .split("data-testid=\"dry-run\"")
        .nth(1)
        .expect("a dry run table");
    assert!(dry.contains("<td>webhook</td>"), "{dry}");
    assert!(
        html.contains("data-testid=\"freshness\""),
        "the data's freshness is shown"
    );
    assert!(
        html.contains(&format!("action=\"/review/{id}/approve\"")) && html.contains(&manager.csrf),
        "the forms carry the CSRF token"
    );
}

#[tokio::test]
async fn a_marketer_is_refused_the_review_pages_and_the_decision_posts() {
    let app = TestApp::spawn().await;
    let id = submitted(&app, "US buyers").await;
    let marketer = sign_in(&app, "marketer@test.io").await;
    for uri in ["/review".to_string(), format!("/review/{id}")] {
        let (s, _) = page(&app, &marketer, &uri).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{uri}");
    }
    let (s, _, _) = post_form(&app, &marketer, &format!("/review/{id}/approve"), &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, chat) = page(&app, &marketer, "/chat").await;
    assert!(
        !chat.contains("href=\"/review\""),
        "no queue link for marketers"
    );
    assert_eq!(status_of(&app, &id).await, "submitted");
}

#[tokio::test]
async fn the_author_cannot_approve_their_own_version_even_by_posting_the_form() {
    let app = TestApp::spawn().await;
    let id = submitted(&app, "US buyers").await;
    // The author later becomes a campaign manager: the role allows reviewing, four eyes does not.
    app.app
        .add_user(
            "marketer@test.io",
            Role::CampaignManager,
            "correct horse battery",
            true,
            &Actor::cli(),
        )
        .await
        .unwrap();
    let author = sign_in(&app, "marketer@test.io").await;
    let (s, _, body) = post_form(
        &app,
        &author,
        &format!("/review/{id}/approve"),
        &[("comment", "mine")],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(status_of(&app, &id).await, "submitted");

    let manager = sign_in(&app, "manager@test.io").await;
    let (s, headers, _) = post_form(
        &app,
        &manager,
        &format!("/review/{id}/approve"),
        &[("comment", "fine")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        headers[header::LOCATION],
        format!("/segments/{id}").as_str()
    );
    assert_eq!(status_of(&app, &id).await, "approved");
    let (_, html) = page(&app, &manager, "/review").await;
    assert!(html.contains("Nothing is waiting for review"), "{html}");
}

#[tokio::test]
async fn a_rejection_needs_a_comment_of_at_most_2000_characters_and_records_it() {
    let app = TestApp::spawn().await;
    let id = submitted(&app, "US buyers").await;
    let manager = sign_in(&app, "manager@test.io").await;
    let (s, _, body) = post_form(
        &app,
        &manager,
        &format!("/review/{id}/reject"),
        &[("comment", "  ")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(status_of(&app, &id).await, "submitted");
    let essay = "too broad ".repeat(300);
    let (s, _, body) = post_form(
        &app,
        &manager,
        &format!("/review/{id}/reject"),
        &[("comment", essay.as_str())],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("at most 2000 characters"), "{body}");
    assert_eq!(status_of(&app, &id).await, "submitted");
    let (s, _, _) = post_form(
        &app,
        &manager,
        &format!("/review/{id}/reject"),
        &[("comment", "too broad")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &manager, &format!("/review/{id}")).await;
    assert!(
        html.contains("rejected") && html.contains("too broad"),
        "{html}"
    );
    assert!(
        !html.contains("class=\"approve\""),
        "a decided version has no forms"
    );
}

#[tokio::test]
async fn the_segments_list_shows_status_owner_size_at_submission_and_last_sync() {
    let app = TestApp::spawn().await;
    let (s, _) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(json!({"name": "A draft", "definition": us()})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = submitted(&app, "US buyers").await;
    let mut last = json!(null);
    for action in ["approve", "activate"] {
        let (s, v) = app
            .json_as(
                Some(&app.manager),
                "POST",
                &format!("/api/segments/{id}/{action}"),
                Some(json!({})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{action}: {v}");
        last = v;
    }
    assert!(
        last["sync_run"].is_i64(),
        "activating queued the first sync: {last}"
    );

    let manager = sign_in(&app, "manager@test.io").await;
    let (s, html) = page(&app, &manager, "/segments").await;
    assert_eq!(s, StatusCode::OK);
    let rows: Vec<&str> = html.split("data-testid=\"segment-row\"").skip(1).collect();
    assert_eq!(rows.len(), 2, "{html}");
    let (draft, live) = (rows[0], rows[1]);
    assert!(
        draft.contains("A draft")
            && draft.contains("badge draft")
            && draft.contains("not submitted")
            && draft.contains("never"),
        "{draft}"
    );
    assert!(
        draft.contains("marketer@test.io"),
        "the owner is the author: {draft}"
    );
    assert!(
        live.contains("badge active")
            && live.contains("2 <span class=\"hint\">(v1 at submission)</span>"),
        "{live}"
    );
    assert!(
        live.contains("UTC <span class=\"badge running\">running</span>"),
        "the last sync's time and status: {live}"
    );
}

#[tokio::test]
async fn a_segment_page_shows_what_changed_between_versions_and_who_did_what() {
    let app = TestApp::spawn().await;
    let id = submitted(&app, "US buyers").await;
    let v2 = json!({"version":1,"root":{"type":"all","conditions":[
        {"type":"attribute","field":"country","op":"eq","value":"US"},
        {"type":"attribute","field":"email_consent","op":"eq","value":true}]}});
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "PUT",
            &format!("/api/segments/{id}"),
            Some(json!({"definition": v2})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let v3 = json!({"version":1,"root":{"type":"attribute","field":"email_consent","op":"eq","value":true}});
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "PUT",
            &format!("/api/segments/{id}"),
            Some(json!({"definition": v3})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let marketer = sign_in(&app, "marketer@test.io").await;
    let (s, html) = page(&app, &marketer, &format!("/segments/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let versions = html
        .split("data-testid=\"versions\"")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    let rows: Vec<&str> = versions.split("<th scope=\"row\">").skip(1).collect();
    assert_eq!(rows.len(), 3, "{versions}");
    assert!(
        rows[0].starts_with("v3")
            && rows[0].contains("<li>removed:")
            && !rows[0].contains("added:"),
        "v3 drops the country: {}",
        rows[0]
    );
    assert!(
        rows[1].starts_with("v2")
            && rows[1].contains("<li>added:")
            && rows[1].to_lowercase().contains("email"),
        "v2 adds consent: {}",
        rows[1]
    );
    assert!(
        rows[2].starts_with("v1") && rows[2].contains("First version"),
        "{}",
        rows[2]
    );
    assert!(
        rows[2].contains("marketer@test.io"),
        "each version names its author"
    );

    let audit = html.split("data-testid=\"audit\"").nth(1).unwrap();
    for needle in [
        "segment.update",
        "segment.submit",
        "segment.create",
        "marketer@test.io",
        "destinations: webhook",
    ] {
        assert!(
            audit.contains(needle),
            "the audit trail shows {needle}: {audit}"
        );
    }
}

/// The editor's fields for a term over `country`.
fn term_form<'a>(key: &'a str, definition: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("key", key),
        ("label", "US customers"),
        ("synonyms", "americans, us buyers"),
        ("description", "Customers in the United States"),
        ("params", ""),
        ("definition", definition),
    ]
}

#[tokio::test]
async fn an_admin_adds_a_term_that_definitions_then_use_and_the_change_is_audited() {
    let app = TestApp::spawn().await;
    let admin = sign_in(&app, "admin@test.io").await;
    let (_, html) = page(&app, &admin, "/glossary").await;
    assert!(html.contains("Add a term"), "admins see the editor's link");
    let (s, html) = page(&app, &admin, "/glossary/edit").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("<label for=\"term-definition\">"),
        "every field is labelled"
    );

    let def = r#"{"type":"attribute","field":"country","op":"eq","value":"US"}"#;
    let (s, headers, body) = post_form(
        &app,
        &admin,
        "/glossary/save",
        &term_form("us_customers", def),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(headers[header::LOCATION], "/glossary#term-us_customers");
    let (_, html) = page(&app, &admin, "/glossary").await;
    assert!(
        html.contains("id=\"term-us_customers\"") && html.contains("americans, us buyers"),
        "{html}"
    );

    let uses = json!({"definition": {"version":1,"root":{"type":"term","name":"us_customers"}}});
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/preview",
            Some(json!({"definition": uses["definition"], "count_only": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "a definition may use the new term: {v}");
    assert_eq!(v["size"]["count"], 2, "the two US customers: {v}");
    let (_, audit) = app
        .json_as(
            Some(&app.admin),
            "GET",
            "/api/audit?action=glossary.save",
            None,
        )
        .await;
    assert_eq!(audit["entries"][0]["actor"], "admin@test.io", "{audit}");
}

#[tokio::test]
async fn a_bad_term_shows_each_problem_next_to_its_field_and_saves_nothing() {
    let app = TestApp::spawn().await;
    let admin = sign_in(&app, "admin@test.io").await;
    let bad = r#"{"type":"attribute","field":"contry","op":"eq","value":"US"}"#;
    let (s, _, html) = post_form(
        &app,
        &admin,
        "/glossary/save",
        &term_form("us_customers", bad),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let err = html
        .split("id=\"err-definition\"")
        .nth(1)
        .expect("an error next to the definition")
        .split("</ul>")
        .next()
        .unwrap();
    assert!(
        err.contains("$.field") && err.contains("country"),
        "the path and a suggestion: {err}"
    );
    assert!(
        html.contains("aria-describedby=\"err-definition\"") && html.contains("contry"),
        "the field keeps what was typed and points at its error"
    );

    let (s, _, html) = post_form(
        &app,
        &admin,
        "/glossary/save",
        &term_form("Bad Key", "{not json"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("id=\"err-definition\"") && html.contains("not JSON"),
        "{html}"
    );

    let (_, g) = app
        .json_as(Some(&app.marketer), "GET", "/api/glossary", None)
        .await;
    assert!(
        g["terms"].get("us_customers").is_none(),
        "nothing was saved"
    );
}

#[tokio::test]
async fn other_roles_read_the_glossary_and_are_refused_every_edit() {
    let app = TestApp::spawn().await;
    let def = r#"{"type":"attribute","field":"country","op":"eq","value":"US"}"#;
    for email in ["marketer@test.io", "manager@test.io"] {
        let who = sign_in(&app, email).await;
        let (s, html) = page(&app, &who, "/glossary").await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("high_value") && !html.contains("Add a term"),
            "{email} reads only"
        );
        let (s, _) = page(&app, &who, "/glossary/edit").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{email}");
        let (s, _, _) = post_form(
            &app,
            &who,
            "/glossary/save",
            &term_form("us_customers", def),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{email} may not save");
        let (s, _, _) = post_form(
            &app,
            &who,
            "/glossary/save",
            &term_form("us_customers", "{"),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "{email} is refused before the form is checked"
        );
        let (s, _, _) = post_form(&app, &who, "/glossary/lapsed/delete", &[]).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{email} may not delete");
    }
    let (_, g) = app
        .json_as(Some(&app.marketer), "GET", "/api/glossary", None)
        .await;
    assert!(g["terms"].get("lapsed").is_some() && g["terms"].get("us_customers").is_none());
}

#[tokio::test]
async fn an_admins_edits_and_deletions_survive_a_restart_and_a_term_in_use_is_kept() {
    let app = TestApp::spawn().await;
    let admin = sign_in(&app, "admin@test.io").await;
    let (_, html) = page(&app, &admin, "/glossary/edit?term=lapsed").await;
    assert!(
        html.contains("value=\"lapsed\" readonly"),
        "the key of an existing term stays"
    );
    let lapsed = app.app.glossary().terms["lapsed"].clone();
    let mut form = vec![
        ("key", "lapsed"),
        ("label", lapsed.label.as_str()),
        ("description", "Bought before, nothing for a long while"),
    ];
    let (params, definition) = (
        lapsed
            .params
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join("\n"),
        serde_json::to_string(&lapsed.definition).unwrap(),
    );
    form.extend([
        ("params", params.as_str()),
        ("definition", definition.as_str()),
    ]);
    let (s, _, body) = post_form(&app, &admin, "/glossary/save", &form).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (s, _, _) = post_form(&app, &admin, "/glossary/loyal/delete", &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    // A saved segment uses `high_value`: deleting it is refused.
    let def = json!({"version":1,"root":{"type":"term","name":"high_value"}});
    let (s, _) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(json!({"name": "VIPs", "definition": def})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _, body) = post_form(&app, &admin, "/glossary/high_value/delete", &[]).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("VIPs"), "names who uses it: {body}");

    let reopened = segwright::app::App::open(segwright::app::Settings::fixed(
        app.db_url.clone(),
        "2026-11-22",
    ))
    .await
    .unwrap();
    let g = reopened.glossary();
    assert_eq!(
        g.terms["lapsed"].description,
        "Bought before, nothing for a long while"
    );
    assert!(!g.terms.contains_key("loyal") && g.terms.contains_key("high_value"));
}
