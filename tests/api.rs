//! The HTTP API, driven in-process through the router: error envelope, validation details,
//! previews, saved segments with versions, members streaming and "why in, why out".

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use common::api::TestApp;

fn us() -> Value {
    json!({"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}})
}

/// Save [`us`] as the segment "us"; its id.
async fn save_us(app: &TestApp) -> String {
    let (s, v) = app
        .json(
            "POST",
            "/api/segments",
            Some(json!({"name":"us","definition": us()})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn pages_send_a_visitor_without_a_session_to_the_login_page() {
    let app = TestApp::spawn().await;
    // Pages take the browser session, not API tokens: without a cookie they redirect to /login.
    for path in ["/", "/chat", "/segments"] {
        let (s, _) = app.call("GET", path, None).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{path}");
    }
    let (s, html) = app.call("GET", "/login", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("<label for=\"password\">Password</label>"),
        "{html}"
    );
}

#[tokio::test]
async fn health_answers_ok() {
    let app = TestApp::spawn().await;
    let (s, v) = app.json("GET", "/health", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "ok");
}

#[tokio::test]
async fn a_preview_reports_size_conditions_and_sample() {
    let app = TestApp::spawn().await;
    let def = json!({"version":1,"root":{"type":"all","conditions":[
        {"type":"attribute","field":"country","op":"in","value":["US","CA"]},
        {"type":"attribute","field":"email_consent","op":"eq","value":true}]}});
    let (s, v) = app
        .json("POST", "/api/preview", Some(json!({"definition": def})))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["size"]["count"], 2);
    assert_eq!(v["size"]["total_customers"], 5);
    assert_eq!(v["conditions"][0]["alone"], 3);
    assert_eq!(v["conditions"][1]["cumulative"], 2);
    assert_eq!(v["sample"][0]["email"], "a***@example.com");
    assert_eq!(v["as_of"], "2026-11-22");
}

#[tokio::test]
async fn an_invalid_definition_gets_every_issue_with_its_path() {
    let app = TestApp::spawn().await;
    let def = json!({"version":1,"root":{"type":"all","conditions":[
        {"type":"attribute","field":"lifetime_revnue","op":"gt","value":5},
        {"type":"percentile","field":"lifetime_revenue","direction":"top","percent":150}]}});
    let (s, v) = app
        .json("POST", "/api/preview", Some(json!({"definition": def})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["code"], "invalid_definition");
    let issues = v["error"]["details"]["issues"].as_array().unwrap();
    assert_eq!(issues.len(), 2);
    assert_eq!(issues[0]["path"], "$.root.conditions[0].field");
    assert_eq!(issues[0]["code"], "unknown_field");
    assert_eq!(issues[0]["suggestions"][0], "lifetime_revenue");
    assert_eq!(issues[1]["code"], "value_out_of_domain");
}

#[tokio::test]
async fn malformed_json_gets_the_error_envelope() {
    let app = TestApp::spawn().await;
    let resp = app
        .router
        .clone()
        .oneshot(
            Request::post("/api/preview")
                .header("content-type", "application/json")
                .header("authorization", common::bearer(&app.marketer))
                .body(Body::from("{\"definition\": "))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(v["error"]["code"], "invalid_json");
    let (s, v) = app
        .json(
            "POST",
            "/api/preview",
            Some(json!({"definition": {"version":1,"root":{"type":"atribute"}}})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["details"]["issues"][0]["path"], "$.root");
}

#[tokio::test]
async fn an_unknown_route_is_a_json_404() {
    let app = TestApp::spawn().await;
    let (s, v) = app.json("GET", "/api/nothing", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "not_found");
}

/// Issue #21: an internal failure (here a stored definition this version cannot read) is
/// answered 500 `internal` with a generic message; its text, which names what is stored, is
/// logged and never sent to the client.
#[tokio::test]
async fn an_internal_failure_is_answered_without_its_internal_message() {
    let app = TestApp::spawn().await;
    let id = save_us(&app).await;
    sqlx::query("UPDATE segment_versions SET definition = $1")
        .bind(r#"{"version":1,"root":"SPOILED-ROW-42"}"#)
        .execute(&sqlx::SqlitePool::connect(&app.db_url).await.unwrap())
        .await
        .unwrap();
    let (s, body) = app
        .call("GET", &format!("/api/segments/{id}/versions/1"), None)
        .await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], "internal", "{body}");
    for internal in ["SPOILED-ROW-42", "stored definition", "invalid type"] {
        assert!(!body.contains(internal), "`{internal}` echoed: {body}");
    }
    let direct = app
        .app
        .segment_definition(&id, Some(1), &segwright::app::Actor::cli())
        .await
        .unwrap_err();
    assert!(
        matches!(&direct, segwright::app::AppError::StoredDataUnreadable(m) if m.contains("SPOILED-ROW-42")),
        "the cause is kept for the log: {direct:?}"
    );
}

/// Every internal failure is named for what happened, answered `internal`, and its text kept
/// for the log only; a user's own mistake is told as it is.
#[test]
fn internal_failures_keep_their_text_out_of_the_public_message() {
    use segwright::app::{AppError, ErrorKind};
    let detail = r#"stored definition unreadable: invalid type: string "SECRET""#;
    for e in [
        AppError::StoredDataUnreadable(detail.into()),
        AppError::File(detail.into()),
        AppError::TaskFailed(detail.into()),
        AppError::ModelFit(detail.into()),
        AppError::Inconsistent(detail.into()),
        AppError::Crypto(detail.into()),
        AppError::Network(detail.into()),
        AppError::Store(segwright::store::StoreError::Raw(detail.into())),
    ] {
        assert_eq!((e.kind(), e.code()), (ErrorKind::Internal, "internal"));
        assert!(!e.public_message().contains("SECRET"), "{e:?}");
        assert!(
            format!("{e}{e:?}").contains("SECRET"),
            "the log keeps the cause"
        );
    }
    let bad = AppError::BadInput("`x` is not a date".into());
    assert_eq!(bad.public_message(), "`x` is not a date");
}

#[tokio::test]
async fn saved_segments_keep_versions_and_stream_members() {
    let app = TestApp::spawn().await;
    let id = save_us(&app).await;
    let (s, _) = app
        .json(
            "POST",
            "/api/segments",
            Some(json!({"name":"us","definition": us()})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let v2 = json!({"version":1,"root":{"type":"attribute","field":"country","op":"in","value":["US","CA"]}});
    let (s, v) = app
        .json(
            "PUT",
            &format!("/api/segments/{id}"),
            Some(json!({"definition": v2})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["current_version"], 2);
    let (_, v) = app
        .json("GET", &format!("/api/segments/{id}/versions/1"), None)
        .await;
    assert_eq!(v["definition"], us());
    let (s, _) = app
        .call("GET", "/api/segments/us/members?with_email=true", None)
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "emails only under the export's rule (tests/governance_holes.rs)"
    );
    let (s, csv) = app.call("GET", "/api/segments/us/members", None).await;
    assert_eq!(
        (s, csv.as_str()),
        (StatusCode::OK, "external_id\nc1\nc2\nc3\n")
    );
    let (_, jsonl) = app
        .call("GET", "/api/segments/us/members?format=jsonl", None)
        .await;
    assert_eq!(jsonl.lines().count(), 3);
    // Previews report the overlap with saved segments.
    let (_, v) =
        app.json("POST", "/api/preview", Some(json!({"definition": {"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"CA"}}}))).await;
    assert_eq!(v["overlaps"][0]["name"], "us");
    assert_eq!(v["overlaps"][0]["overlap"], 1);
}

#[tokio::test]
async fn why_in_why_out_shows_each_clause_for_a_customer() {
    let app = TestApp::spawn().await;
    let def = json!({"version":1,"root":{"type":"all","conditions":[
        {"type":"attribute","field":"lifetime_revenue","op":"gte","value":100},
        {"type":"attribute","field":"country","op":"eq","value":"CA"}]}});
    let (s, v) = app
        .json(
            "POST",
            "/api/explain",
            Some(json!({"definition": def, "customer": "c1"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["member"], false);
    assert_eq!(v["clauses"][0]["passed"], true);
    assert_eq!(v["clauses"][1]["passed"], false);
    let (s, _) = app
        .json(
            "POST",
            "/api/explain",
            Some(json!({"definition": def, "customer": "nobody"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_schema_and_catalog_describe_the_language() {
    let app = TestApp::spawn().await;
    let (_, schema) = app.json("GET", "/api/schema/segment", None).await;
    assert!(schema.to_string().contains("percentile"));
    let (_, cat) = app.json("GET", "/api/catalog", None).await;
    let names: Vec<&str> = cat["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"plan_type") && names.contains(&"days_since_last_activity"));
}

/// The first issue of a 422, after checking it is the partial-definition refusal naming `word`.
fn assert_partial_refusal(s: StatusCode, v: &Value, word: &str) {
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "invalid_definition", "{v}");
    let issue = &v["error"]["details"]["issues"][0];
    assert_eq!(issue["code"], "partial_definition", "{v}");
    assert_eq!(issue["path"], "$.unresolved", "{v}");
    assert!(
        issue["message"]
            .as_str()
            .unwrap()
            .contains(&format!("\"{word}\" were not understood")),
        "{v}"
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("remove them"),
        "{v}"
    );
}

#[tokio::test]
async fn a_partly_understood_request_is_not_previewed_as_everyone_nor_saved_until_its_words_are_removed()
 {
    let app = TestApp::spawn().await;
    let (s, a) = app
        .json(
            "POST",
            "/api/interpret",
            Some(json!({"prompt": "customers in Iceland"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["partial"], true, "{a}");
    assert_eq!(a["definition"]["unresolved"], json!(["Iceland"]), "{a}");
    // Nothing was understood: no audience of every customer, and the answer says why.
    assert!(
        a["preview"].is_null(),
        "a partial answer that understood nothing is not previewed: {a}"
    );
    assert!(
        a["notices"]
            .to_string()
            .contains("Nothing in the request was understood"),
        "{a}"
    );

    let (s, v) = app
        .json(
            "POST",
            "/api/segments",
            Some(json!({"name": "iceland", "definition": a["definition"]})),
        )
        .await;
    assert_partial_refusal(s, &v, "Iceland");
    // Previewing it directly would show everyone: refused the same way.
    let (s, v) = app
        .json(
            "POST",
            "/api/preview",
            Some(json!({"definition": a["definition"]})),
        )
        .await;
    assert_partial_refusal(s, &v, "Iceland");

    // Accepting what was understood = sending the definition without `unresolved`.
    let mut accepted = a["definition"].clone();
    accepted.as_object_mut().unwrap().remove("unresolved");
    let (s, v) = app
        .json(
            "POST",
            "/api/segments",
            Some(json!({"name": "iceland", "definition": accepted})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();

    // A new version may not be partial either.
    let (s, partly) = app
        .json(
            "POST",
            "/api/interpret",
            Some(json!({"prompt": "customers in Texas in Iceland"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{partly}");
    assert_eq!(partly["partial"], true, "{partly}");
    assert_eq!(
        partly["preview"]["size"]["count"], 1,
        "the understood part is previewed: {partly}"
    );
    assert!(
        partly["notices"].to_string().contains("Partial answer"),
        "{partly}"
    );
    let (s, v) = app
        .json(
            "PUT",
            &format!("/api/segments/{id}"),
            Some(json!({"definition": partly["definition"]})),
        )
        .await;
    assert_partial_refusal(s, &v, "Iceland");
}

#[tokio::test]
async fn a_partial_version_stored_before_the_rule_is_not_submitted() {
    let app = TestApp::spawn().await;
    let (s, v) = app
        .json(
            "POST",
            "/api/segments",
            Some(json!({"name": "us", "definition": us()})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    // Written under the app, as an older release could have stored it.
    let store = common::store_of(&app.app).await;
    let mut old = store.get_version(&id, 1).await.unwrap();
    old.version = 2;
    let mut partial = us();
    partial["unresolved"] = json!(["in Iceland"]);
    old.definition = partial.to_string();
    let mut tx = store.begin_write().await.unwrap();
    tx.add_version(&old).await.unwrap();
    tx.commit().await.unwrap();
    let (s, v) = app
        .json(
            "POST",
            &format!("/api/segments/{id}/submit"),
            Some(json!({"destinations": ["webhook"]})),
        )
        .await;
    assert_partial_refusal(s, &v, "in Iceland");
}
