//! Issue #17, authorization in one place, checked from the web app's side: every page and form
//! route of `src/http/web/mod.rs` (a route without a line in the table fails) is called by a
//! signed-in marketer, campaign manager and admin, on a segment in every state where the route
//! takes one, and answers as its line says: allowed (anything but 401, 403, a redirect to the
//! sign-in page or a server error), refused (403), or refused or not visible (403/404: another
//! user's conversation or token).

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::json;

use common::api::TestApp;
use common::web::{Session, page, post_raw, sign_in};
use segwright::app::Actor;
use segwright::domain::access::Role as R;

const STATES: [&str; 7] = [
    "draft",
    "submitted",
    "rejected",
    "approved",
    "active",
    "paused",
    "archived",
];

#[derive(Clone, Copy, PartialEq)]
enum Rule {
    Any,
    Only(&'static [usize]),
    /// Only its owner (the marketer's conversation; an admin for a token): others 403 or 404.
    Owner(usize),
}

/// The signed-in users, by index: 0 marketer, 1 campaign manager, 2 admin.
const ROLES: [&str; 3] = ["marketer", "manager", "admin"];
const MARKETER: &[usize] = &[0];
const MANAGER: &[usize] = &[1];
const AUDITORS: &[usize] = &[1, 2];
const ADMIN: &[usize] = &[2];

/// `(method, route, the path called, rule, form body)`.
type Line = (&'static str, &'static str, String, Rule, String);

/// The routes of the pages router, as `METHOD path`, read from its source.
fn web_routes() -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/web/mod.rs");
    let src = std::fs::read_to_string(path).unwrap();
    let from = src
        .find("let pages = Router::new()")
        .expect("the pages router");
    let to = src[from..]
        .find(".route_layer(")
        .expect("its session layer")
        + from;
    let mut out = BTreeSet::new();
    for part in src[from..to].split(".route(").skip(1) {
        let route = part.split('"').nth(1).unwrap();
        for (m, call) in [("GET", "get("), ("POST", "post(")] {
            if part.contains(call) {
                out.insert(format!("{m} {route}"));
            }
        }
    }
    out
}

struct Fixture {
    app: TestApp,
    who: Vec<Session>,
    conversation: String,
    run: i64,
    shared: Vec<String>,
}

/// A segment brought to `state` through the API, each step by its role.
async fn segment_in(app: &TestApp, state: &str, n: usize) -> String {
    let body = json!({"name": format!("web {n} {state}"), "definition": common::web::country("eq", json!("US"))});
    let (s, v) = app.json("POST", "/api/segments", Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let steps: &[(&str, &str)] = match state {
        "draft" => &[],
        "submitted" => &[("m", "submit")],
        "rejected" => &[("m", "submit"), ("c", "reject")],
        "approved" => &[("m", "submit"), ("c", "approve")],
        "active" => &[("m", "submit"), ("c", "approve"), ("c", "activate")],
        "paused" => &[
            ("m", "submit"),
            ("c", "approve"),
            ("c", "activate"),
            ("c", "pause"),
        ],
        _ => &[
            ("m", "submit"),
            ("c", "approve"),
            ("c", "activate"),
            ("c", "archive"),
        ],
    };
    for (by, action) in steps {
        let token = if *by == "m" {
            &app.marketer
        } else {
            &app.manager
        };
        let body = match *action {
            "submit" => json!({"destinations": ["webhook"]}),
            "reject" => json!({"comment": "no"}),
            _ => json!({}),
        };
        let (s, v) = app.segment_action(token, &id, action, body).await;
        assert!(s.is_success(), "{action} {id}: {s} {v}");
    }
    id
}

async fn fixture() -> Fixture {
    let app = TestApp::spawn().await;
    let cli = Actor::cli();
    app.app
        .add_user(
            "extra@test.io",
            R::Marketer,
            "correct horse battery",
            false,
            &cli,
        )
        .await
        .unwrap();
    let mut who = Vec::new();
    for email in ["marketer@test.io", "manager@test.io", "admin@test.io"] {
        who.push(sign_in(&app, email).await);
    }
    let ask = json!({"prompt": "customers in the US"});
    let (_, answer) = app.json("POST", "/api/interpret", Some(ask)).await;
    let conversation = answer["conversation_id"].as_str().unwrap().to_string();
    let mut shared = Vec::new();
    for (n, state) in STATES.iter().enumerate() {
        shared.push(segment_in(&app, state, n).await);
    }
    let runs = app
        .app
        .sync_reports(Some(&shared[4]), 1, &cli)
        .await
        .unwrap();
    let run = runs[0].run.id;
    Fixture {
        app,
        who,
        conversation,
        run,
        shared,
    }
}

fn table(f: &Fixture) -> Vec<Line> {
    use Rule::*;
    let c = &f.conversation;
    let run = f.run;
    let get = |route: &'static str, path: String, rule| ("GET", route, path, rule, String::new());
    let post =
        |route: &'static str, path: String, rule, body: String| ("POST", route, path, rule, body);
    let mut lines = vec![
        get("/", "/".into(), Any),
        get("/chat", "/chat".into(), Any),
        post(
            "/chat",
            "/chat".into(),
            Any,
            "prompt=customers+in+Canada".into(),
        ),
        post(
            "/chat/save",
            "/chat/save".into(),
            Owner(0),
            format!("name=saved&conversation_id={c}"),
        ),
        post(
            "/chat/keep",
            "/chat/keep".into(),
            Owner(0),
            format!("conversation_id={c}"),
        ),
        post(
            "/chat/chip",
            "/chat/chip".into(),
            Owner(0),
            format!("conversation_id={c}&index=0&value=CA"),
        ),
        post(
            "/chat/submit",
            "/chat/submit".into(),
            Owner(0),
            format!("name=sent&conversation_id={c}&destination=webhook"),
        ),
        get("/segments", "/segments".into(), Any),
        get("/models", "/models".into(), Any),
        post(
            "/models/train",
            "/models/train".into(),
            Only(AUDITORS),
            String::new(),
        ),
        get("/models/jobs/{id}", "/models/jobs/no-such-job".into(), Any),
        get("/glossary", "/glossary".into(), Any),
        get("/glossary/edit", "/glossary/edit".into(), Only(ADMIN)),
        post(
            "/glossary/save",
            "/glossary/save".into(),
            Only(ADMIN),
            String::new(),
        ),
        post(
            "/glossary/{key}/delete",
            "/glossary/no_such_term/delete".into(),
            Only(ADMIN),
            String::new(),
        ),
        get("/segments/overlaps", "/segments/overlaps".into(), Any),
        get("/review", "/review".into(), Only(MANAGER)),
        get("/review/count", "/review/count".into(), Any),
        get("/admin", "/admin".into(), Only(ADMIN)),
        get("/destinations", "/destinations".into(), Only(ADMIN)),
        post(
            "/destinations",
            "/destinations".into(),
            Only(ADMIN),
            "kind=tiktok".into(),
        ),
        post(
            "/destinations/{kind}/{action}",
            "/destinations/webhook/test".into(),
            Only(ADMIN),
            String::new(),
        ),
        post(
            "/destinations/{kind}/{action}",
            "/destinations/tiktok/remove".into(),
            Only(ADMIN),
            String::new(),
        ),
        get("/users", "/users".into(), Only(ADMIN)),
        post(
            "/users",
            "/users".into(),
            Only(ADMIN),
            "email=new%40test.io&role=marketer".into(),
        ),
        post(
            "/users/{email}/{action}",
            "/users/extra%40test.io/role".into(),
            Only(ADMIN),
            "role=marketer".into(),
        ),
        post(
            "/users/{email}/{action}",
            "/users/extra%40test.io/reset".into(),
            Only(ADMIN),
            String::new(),
        ),
        post(
            "/users/{email}/{action}",
            "/users/extra%40test.io/token".into(),
            Only(ADMIN),
            "label=t".into(),
        ),
        post(
            "/tokens/{id}/revoke",
            "/tokens/no-such-token/revoke".into(),
            Owner(2),
            String::new(),
        ),
        get("/suppressions", "/suppressions".into(), Only(ADMIN)),
        post(
            "/suppressions/{action}",
            "/suppressions/add".into(),
            Only(ADMIN),
            "kind=email&value=x%40y.io".into(),
        ),
        post(
            "/suppressions/{action}",
            "/suppressions/remove".into(),
            Only(ADMIN),
            "kind=email&value=x%40y.io".into(),
        ),
        get("/import", "/import".into(), Only(ADMIN)),
        post(
            "/import/preview",
            "/import/preview?kind=customers".into(),
            Only(ADMIN),
            "CustomerId\nc1\n".into(),
        ),
        post(
            "/import/{action}",
            "/import/remap".into(),
            Only(ADMIN),
            "id=nope&kind=customers".into(),
        ),
        post(
            "/import/{action}",
            "/import/run".into(),
            Only(ADMIN),
            "id=nope&kind=customers".into(),
        ),
        get(
            "/import/{id}/rejects",
            "/import/nope/rejects".into(),
            Only(ADMIN),
        ),
        get("/syncs/{run}", format!("/syncs/{run}"), Any),
        get(
            "/syncs/{run}/progress",
            format!("/syncs/{run}/progress"),
            Any,
        ),
    ];
    for id in &f.shared {
        lines.push(get("/segments/{id}", format!("/segments/{id}"), Any));
        lines.push(get(
            "/segments/{id}/why",
            format!("/segments/{id}/why?customer=c1"),
            Any,
        ));
        lines.push(get("/review/{id}", format!("/review/{id}"), Only(MANAGER)));
    }
    lines
}

/// Segment actions and review decisions: `(route, action, who may)`, each called on a segment
/// in every state (a fresh one when the call is let through).
const ACTIONS: &[(&str, &str, &[usize])] = &[
    ("/segments/{id}/{action}", "submit", MARKETER),
    ("/segments/{id}/{action}", "edit", MARKETER),
    ("/segments/{id}/{action}", "approve", MANAGER),
    ("/segments/{id}/{action}", "reject", MANAGER),
    ("/segments/{id}/{action}", "activate", MANAGER),
    ("/segments/{id}/{action}", "pause", MANAGER),
    ("/segments/{id}/{action}", "resume", MANAGER),
    ("/segments/{id}/{action}", "archive", MANAGER),
    ("/segments/{id}/{action}", "dry-run", MANAGER),
    ("/segments/{id}/{action}", "deliver", MANAGER),
    ("/segments/{id}/{action}", "refresh", MANAGER),
    ("/segments/{id}/{action}", "replace", MANAGER),
    ("/review/{id}/{decision}", "approve", MANAGER),
    ("/review/{id}/{decision}", "reject", MANAGER),
];

fn as_expected(rule: Rule, role: usize, s: StatusCode, location: Option<&str>) -> bool {
    let allowed = match rule {
        Rule::Any => true,
        Rule::Only(r) => r.contains(&role),
        Rule::Owner(o) => o == role,
    };
    match (allowed, rule) {
        (true, _) => {
            !matches!(s, StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED)
                && !s.is_server_error()
                && location != Some("/login")
        }
        (false, Rule::Owner(_)) => matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        (false, _) => s == StatusCode::FORBIDDEN,
    }
}

async fn call(
    f: &Fixture,
    role: usize,
    method: &str,
    path: &str,
    body: String,
) -> (StatusCode, Option<String>, String) {
    let who = &f.who[role];
    let (s, headers, text) = if method == "GET" {
        let (s, text) = page(&f.app, who, path).await;
        (s, axum::http::HeaderMap::new(), text)
    } else {
        post_raw(&f.app, who, path, body, true).await
    };
    let location = headers
        .get("location")
        .or(headers.get("hx-redirect"))
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    (s, location, text)
}

#[tokio::test]
async fn every_web_route_answers_every_role_as_its_rule_says_in_every_segment_state() {
    let f = fixture().await;
    let lines = table(&f);
    let mut covered: BTreeSet<String> = lines.iter().map(|l| format!("{} {}", l.0, l.1)).collect();
    covered.extend(ACTIONS.iter().map(|(route, _, _)| format!("POST {route}")));
    let routes = web_routes();
    assert!(routes.len() >= 35, "{routes:?}");
    let missing: Vec<_> = routes.difference(&covered).collect();
    assert!(missing.is_empty(), "web routes without a line: {missing:?}");
    let gone: Vec<_> = covered.difference(&routes).collect();
    assert!(
        gone.is_empty(),
        "lines for routes the web app no longer has: {gone:?}"
    );

    let (mut wrong, mut calls) = (Vec::new(), 0);
    for (method, route, path, rule, body) in &lines {
        for (role, name) in ROLES.iter().enumerate() {
            let (s, location, text) = call(&f, role, method, path, body.clone()).await;
            calls += 1;
            if !as_expected(*rule, role, s, location.as_deref()) {
                wrong.push(format!(
                    "{method} {path} ({route}) as {name}: {s}: {}",
                    text.chars().take(120).collect::<String>()
                ));
            }
        }
    }
    let mut n = 100;
    for (route, action, who_may) in ACTIONS {
        for (i, state) in STATES.iter().enumerate() {
            for (role, name) in ROLES.iter().enumerate() {
                n += 1;
                let id = if who_may.contains(&role) {
                    segment_in(&f.app, state, n).await
                } else {
                    f.shared[i].clone()
                };
                let path = route
                    .replace("{id}", &id)
                    .replace("{action}", action)
                    .replace("{decision}", action);
                let body = "comment=web&destination=webhook".to_string();
                let (s, location, text) = call(&f, role, "POST", &path, body).await;
                calls += 1;
                if !as_expected(Rule::Only(who_may), role, s, location.as_deref()) {
                    wrong.push(format!(
                        "POST {path} ({state}) as {name}: {s}: {}",
                        text.chars().take(120).collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(calls > 400, "{calls} calls");
    assert_eq!(
        wrong,
        Vec::<String>::new(),
        "{} of {calls} calls",
        wrong.len()
    );
}
