//! Admins import a CSV from the web app (column preview with inferred types, the import's
//! result, its rejected rows as a download); the saved segments' overlaps; and none of the
//! workbench's forms (chips, one-click submit, import) answers 500 whatever is posted (issue #18).

mod common;

use axum::http::StatusCode;
use serde_json::json;

use common::api::TestApp;
use common::web::{count, country, page, part, post_form, post_raw, refused_in_words, sign_in};

#[tokio::test]
async fn an_admin_previews_a_csv_imports_it_and_downloads_the_rejected_rows() {
    let app = TestApp::spawn().await;
    let (admin, marketer) = (
        sign_in(&app, "admin@test.io").await,
        sign_in(&app, "marketer@test.io").await,
    );
    let (s, html) = page(&app, &admin, "/import").await;
    assert!(
        s.is_success() && html.contains("data-testid=\"upload-form\""),
        "{html}"
    );
    let (s, html) = page(&app, &marketer, "/import").await;
    assert!(
        s == StatusCode::FORBIDDEN && html.contains("Only an admin"),
        "{s} {html}"
    );
    let csv = "Customer ID,Email,Country,Loyalty Tier,Visits\nn1,nina@example.com,DE,gold,4\nn2,not-an-email,DE,silver,2\nn3,olaf@example.com,DE,gold,7\n";
    let (s, _, html) = post_raw(
        &app,
        &admin,
        "/import/preview?kind=customers",
        csv.into(),
        false,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let map = part(&html, "column-map", "</table>");
    assert!(
        map.contains("Loyalty Tier") && map.contains("custom attribute <code>loyalty_tier</code>"),
        "{map}"
    );
    assert!(
        map.contains("email</td>") && map.contains("number") && map.contains("nina@example.com"),
        "{map}"
    );
    assert!(html.contains("Import 3 rows"), "{html}");
    let (s, _, _) = post_raw(
        &app,
        &marketer,
        "/import/preview?kind=customers",
        csv.into(),
        false,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only admins upload");
    let id = html
        .split("name=\"id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let everyone = || json!({"version":1,"root":{"type":"all","conditions":[]}});
    let before = count(&app, everyone()).await;
    let (s, _, done) = post_form(
        &app,
        &admin,
        "/import/run",
        &[("id", &id), ("kind", "customers"), ("map", "")],
    )
    .await;
    assert!(
        s.is_success() && done.contains("Imported 2 of 3 customers rows"),
        "{s} {done}"
    );
    assert_eq!(count(&app, everyone()).await, before + 2);
    assert_eq!(count(&app, country("eq", json!("DE"))).await, 2);
    let link = format!("href=\"/import/{id}/rejects\" download data-testid=\"rejects-link\"");
    assert!(done.contains(&link), "{done}");
    let (s, rejects) = page(&app, &admin, &format!("/import/{id}/rejects")).await;
    assert!(
        s.is_success() && rejects.contains("not-an-email") && !rejects.contains("olaf"),
        "{rejects}"
    );
    let (s, _) = page(&app, &marketer, &format!("/import/{id}/rejects")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A file whose columns cannot be read says why and offers the mapping.
    let (s, _, html) = post_raw(
        &app,
        &admin,
        "/import/preview?kind=orders",
        "a,b\n1,2\n".into(),
        false,
    )
    .await;
    assert!(
        s.is_client_error() && html.contains("import-problem") && html.contains("the mapping"),
        "{s} {html}"
    );
}

#[tokio::test]
async fn the_overlap_view_counts_the_customers_each_pair_of_saved_segments_shares() {
    let app = TestApp::spawn().await;
    let defs = [
        ("North America", country("in", json!(["US", "CA"]))),
        ("US", country("eq", json!("US"))),
        ("France", country("eq", json!("FR"))),
    ];
    for (name, def) in &defs {
        let (s, v) = app
            .json(
                "POST",
                "/api/segments",
                Some(json!({"name": name, "definition": def})),
            )
            .await;
        assert!(s.is_success(), "{v}");
    }
    let m = sign_in(&app, "marketer@test.io").await;
    let (_, list) = page(&app, &m, "/segments").await;
    assert!(list.contains("href=\"/segments/overlaps\""), "{list}");
    let (s, html) = page(&app, &m, "/segments/overlaps").await;
    assert!(s.is_success(), "{html}");
    let pairs = part(&html, "overlap-pairs", "</ul>");
    let us = count(&app, country("eq", json!("US"))).await;
    assert!(
        pairs.contains(&format!("<strong>North America</strong> and <strong>US</strong> share {us} customers (100% of the smaller)"))
            || pairs.contains(&format!("<strong>US</strong> and <strong>North America</strong> share {us} customers (100% of the smaller)")),
        "{pairs}"
    );
    assert_eq!(
        pairs
            .matches("share 0 customers (0% of the smaller)")
            .count(),
        2,
        "France shares nobody: {pairs}"
    );
    assert!(
        part(&html, "overlap-matrix", "</table>")
            .matches("<tr>")
            .count()
            == 4,
        "{html}"
    );
}

#[tokio::test]
async fn no_workbench_form_answers_500_on_empty_huge_or_malformed_values() {
    let app = TestApp::spawn().await;
    let (admin, marketer) = (
        sign_in(&app, "admin@test.io").await,
        sign_in(&app, "marketer@test.io").await,
    );
    let huge = "x".repeat(300 * 1024);
    let big = "y".repeat(3 * 1024);
    let (_, _, html) = post_form(
        &app,
        &marketer,
        "/chat",
        &[("prompt", "customers in the US")],
    )
    .await;
    let id = html
        .split("name=\"conversation_id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let mut cases = Vec::new();
    for body in [
        String::new(),
        format!("conversation_id={id}"),
        format!("conversation_id={id}&index=-1&value=FR"),
        format!("conversation_id={id}&index=abc&value=FR"),
        format!("conversation_id={id}&index=0&value="),
        format!("conversation_id={id}&index=0&value={big}"),
        format!("conversation_id={id}&index=99999999999999999999&remove=1"),
        "conversation_id=%FF%FE&index=0&remove=1".into(),
        format!("conversation_id={}&index=0&value=FR", "z".repeat(5000)),
        format!("x={huge}"),
    ] {
        cases.push((&marketer, "/chat/chip".to_string(), body));
    }
    for body in [
        String::new(),
        format!("conversation_id={id}"),
        format!("conversation_id={id}&name=A&destination=fax"),
        format!("conversation_id={id}&name=A&destination=%FF"),
        format!("conversation_id={id}&name={big}&destination=csv"),
        format!("conversation_id={id}&segment=nope&destination=csv"),
        format!("x={huge}"),
    ] {
        cases.push((&marketer, "/chat/submit".to_string(), body));
    }
    for (uri, body) in [
        ("/import/preview?kind=customers", String::new()),
        (
            "/import/preview?kind=customers",
            "\u{0}\u{1}\u{2}binary".to_string(),
        ),
        ("/import/preview?kind=people", "a,b\n1,2\n".to_string()),
        ("/import/preview", "a,b\n1,2\n".to_string()),
        ("/import/preview?kind=%FF", "a,b\n".to_string()),
        (
            "/import/preview?kind=customers",
            "\"unclosed,quote\n1,2\n".to_string(),
        ),
        ("/import/remap", String::new()),
        (
            "/import/remap",
            "id=../../etc&kind=customers&map=a%3Db".to_string(),
        ),
        (
            "/import/remap",
            format!("id={}&kind=customers&map=nonsense", "a".repeat(32)),
        ),
        ("/import/run", format!("id={}&kind=orders", "b".repeat(32))),
        ("/import/run", format!("id=x&kind=customers&map={big}")),
        ("/import/explode", String::new()),
        ("/import/remap", format!("x={huge}")),
    ] {
        cases.push((&admin, uri.to_string(), body));
    }
    cases.push((
        &marketer,
        "/import/run".into(),
        "id=x&kind=customers".into(),
    ));
    refused_in_words(&app, cases).await;
    for uri in ["/import/nope/rejects", "/import/..%2F..%2Fetc/rejects"] {
        let (s, html) = page(&app, &admin, uri).await;
        assert!(s.is_client_error(), "{uri}: {s} {html}");
    }
}
