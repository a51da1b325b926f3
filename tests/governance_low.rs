//! Issue 17, the low findings: security headers, spreadsheet formulas in CSV downloads, an
//! extreme as-of date, the database file's mode, weak passwords, and the prompt limit counted in
//! characters. (Sessions and tokens revoked on a password reset: tests/lifecycle.rs; the CSRF
//! comparison and the password rule's unit tests: src/domain/access.rs.)

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use common::api::TestApp;
use segwright::app::{Actor, ImportOptions};
use segwright::domain::access::Role;
use segwright::domain::import::Kind;

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    for uri in ["/health", "/login", "/api/catalog"] {
        let (_, headers, _) = app
            .send(
                Request::get(uri)
                    .header("authorization", common::bearer(&app.marketer))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let h = |n: &str| {
            headers
                .get(n)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        assert!(
            h("content-security-policy").contains("frame-ancestors 'none'"),
            "{uri}: {headers:?}"
        );
        assert_eq!(
            (
                h("x-frame-options"),
                h("x-content-type-options"),
                h("referrer-policy")
            ),
            ("DENY".into(), "nosniff".into(), "no-referrer".into()),
            "{uri}"
        );
        assert_eq!(
            h("strict-transport-security"),
            "",
            "no HSTS unless served over TLS"
        );
    }
}

/// A first name that is a spreadsheet formula reaches the approved-audience download as text.
#[tokio::test]
async fn csv_downloads_neutralise_spreadsheet_formulas() {
    let app = TestApp::spawn().await;
    let csv = "customer_id,email,First Name,Country\nevil1,evil@example.com,\"=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\",US\n";
    let (_dir, path) = common::write_file("evil.csv", csv);
    app.app
        .import(
            ImportOptions::new(Kind::Customers, path, vec![], false, None, false),
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();
    let def = json!({"version": 1, "root": {"type": "attribute", "field": "country", "op": "eq", "value": "US"}});
    let (_, seg) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(json!({"name": "us", "definition": def})),
        )
        .await;
    let id = seg["id"].as_str().unwrap();
    for (token, action, body) in [
        (
            &app.marketer,
            "submit",
            json!({"destinations": ["webhook"]}),
        ),
        (&app.manager, "approve", json!({})),
    ] {
        let (s, v) = app
            .json_as(
                Some(token),
                "POST",
                &format!("/api/segments/{id}/{action}"),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, text) = app
        .call_as(
            Some(&app.manager),
            "GET",
            &format!("/api/segments/{id}/export.csv"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("evil1,"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("'=HYPERLINK("), "{line}");
    assert!(
        !line.contains(",=HYPERLINK") && !line.contains(",\"=HYPERLINK"),
        "{line}"
    );
}

#[tokio::test]
async fn an_extreme_as_of_is_refused_not_a_crash() {
    let app = TestApp::spawn().await;
    let def = json!({"version": 1, "root": {"type": "attribute", "field": "country", "op": "eq", "value": "US"}});
    for as_of in ["+262142-12-31", "0001-01-01"] {
        let (s, v) = app
            .json_as(
                Some(&app.marketer),
                "POST",
                "/api/preview",
                Some(json!({"definition": def, "as_of": as_of})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{as_of}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("out of range"),
            "{v}"
        );
    }
}

#[cfg(unix)]
#[tokio::test]
async fn a_new_sqlite_database_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let db = common::sqlite_db();
    let app = common::app(&db).await;
    app.close().await;
    let path = db.url.trim_start_matches("sqlite://").to_string();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "mode {mode:o}");
}

#[tokio::test]
async fn weak_passwords_are_refused() {
    let app = TestApp::spawn().await;
    for weak in ["12345678", "password1234", "short pw", "zzzzzzzzzzzzzz"] {
        let r = app
            .app
            .add_user("weak@test.io", Role::Marketer, weak, false, &Actor::cli())
            .await;
        assert!(
            r.as_ref()
                .is_err_and(|e| e.to_string().contains("password")),
            "{weak}: {r:?}"
        );
    }
    app.app
        .add_user(
            "weak@test.io",
            Role::Marketer,
            "violet tractor harbour",
            false,
            &Actor::cli(),
        )
        .await
        .unwrap();
}

/// 1,500 accented letters are 3,000 bytes but 1,500 characters: within the 2,000-character limit.
#[tokio::test]
async fn the_prompt_limit_counts_characters_not_bytes() {
    let app = TestApp::spawn().await;
    let prompt: String = "é".repeat(1_500);
    let (_, v): (StatusCode, Value) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/interpret",
            Some(json!({"prompt": prompt})),
        )
        .await;
    assert!(
        !v.to_string().contains("longer than 2,000 characters"),
        "{v}"
    );
    let (s, v) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/interpret",
            Some(json!({"prompt": "é".repeat(2_001)})),
        )
        .await;
    assert!(
        s.is_client_error() && v.to_string().contains("longer than 2,000 characters"),
        "{v}"
    );
}
