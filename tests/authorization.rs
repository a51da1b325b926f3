//! Authorization in one place (issue #17; issue #21 item 4), checked from outside: every `/api`
//! route the OpenAPI document lists, called by every role, on a segment in every state where
//! the route takes one, answers as the table below says: allowed (anything but 401, 403 and a
//! server error), refused (403), or not visible (404, another user's object). A route added
//! without a line in the table fails the test, and so does a line for a route that is gone.

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{Value, json};

use common::api::TestApp;
use segwright::app::Actor;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Marketer,
    Manager,
    Admin,
}

const ROLES: [Role; 3] = [Role::Marketer, Role::Manager, Role::Admin];

/// Who may call a route.
#[derive(Clone, Copy)]
enum Rule {
    Any,
    Only(&'static [Role]),
    /// Everyone may call it, but only an admin reaches another user's object (404 otherwise).
    OwnOrAdmin,
    /// Only the user who made the object (the marketer in the fixture) reaches it; to anyone
    /// else it does not exist (404).
    OwnOnly,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum State {
    Draft,
    Submitted,
    Rejected,
    Approved,
    Active,
    Paused,
    Archived,
}

const STATES: [State; 7] = [
    State::Draft,
    State::Submitted,
    State::Rejected,
    State::Approved,
    State::Active,
    State::Paused,
    State::Archived,
];

const MARKETER: &[Role] = &[Role::Marketer];
const MANAGER: &[Role] = &[Role::Manager];
const AUDITORS: &[Role] = &[Role::Manager, Role::Admin];
const ADMIN: &[Role] = &[Role::Admin];

/// One line of the table: `METHOD path` as the OpenAPI document writes it, who may call it,
/// whether a call that is let through changes the segment (then it gets a segment of its own),
/// and the body to send.
struct Line {
    method: &'static str,
    path: &'static str,
    rule: Rule,
    changes_segment: bool,
    body: fn(u32) -> Option<Value>,
}

const fn line(method: &'static str, path: &'static str, rule: Rule) -> Line {
    Line {
        method,
        path,
        rule,
        changes_segment: false,
        body: |_| None,
    }
}

impl Line {
    const fn body(mut self, body: fn(u32) -> Option<Value>) -> Self {
        self.body = body;
        self
    }

    const fn changes(mut self) -> Self {
        self.changes_segment = true;
        self
    }
}

fn us() -> Value {
    json!({"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}})
}

fn table() -> Vec<Line> {
    use Rule::*;
    vec![
        line("GET", "/api/me", Any),
        line("GET", "/api/users", Only(ADMIN)),
        line("POST", "/api/users", Only(ADMIN))
            .body(|n| Some(json!({"email": format!("new{n}@test.io"), "role": "marketer"}))),
        line("POST", "/api/users/{email}/tokens", Only(ADMIN)),
        line("GET", "/api/tokens", Any),
        line("DELETE", "/api/tokens/{id}", OwnOrAdmin),
        line("GET", "/api/destinations", Only(ADMIN)),
        line("POST", "/api/destinations", Only(ADMIN))
            .body(|_| Some(json!({"kind": "tiktok", "settings": {}, "secrets": {}}))),
        line("DELETE", "/api/destinations/{kind}", Only(ADMIN)),
        line("GET", "/api/catalog", Any),
        line("GET", "/api/glossary", Any),
        line("GET", "/api/schema/segment", Any),
        line("POST", "/api/validate", Any).body(|_| Some(json!({"definition": us()}))),
        line("POST", "/api/preview", Any)
            .body(|_| Some(json!({"definition": us(), "count_only": true}))),
        line("POST", "/api/explain", Any)
            .body(|_| Some(json!({"definition": us(), "customer": "c1"}))),
        line("POST", "/api/interpret", Any)
            .body(|_| Some(json!({"prompt": "customers in the US"}))),
        line("GET", "/api/conversations/{id}", OwnOnly),
        line("POST", "/api/preview/performance", Any).body(|_| Some(json!({"definition": us()}))),
        line("GET", "/api/models", Any),
        // A label no column has: the allowed roles are told so (4xx), the others refused.
        line("POST", "/api/models/train", Only(AUDITORS))
            .body(|_| Some(json!({"label": "no_such_column", "wait": true}))),
        line("GET", "/api/models/jobs/{id}", Any),
        line("GET", "/api/models/scores/{customer}", Any),
        line("GET", "/api/segments", Any),
        line("POST", "/api/segments", Only(MARKETER))
            .body(|n| Some(json!({"name": format!("new {n}"), "definition": us()}))),
        line("GET", "/api/segments/{id}", Any),
        line("PUT", "/api/segments/{id}", Only(MARKETER))
            .changes()
            .body(|_| Some(json!({"definition": us()}))),
        line("GET", "/api/segments/{id}/versions", Any),
        line("GET", "/api/segments/{id}/versions/{version}", Any),
        line("GET", "/api/segments/{id}/preview", Any),
        line("GET", "/api/segments/{id}/members", Any),
        line("GET", "/api/segments/{id}/explain/{customer}", Any),
        line("POST", "/api/segments/{id}/submit", Only(MARKETER))
            .changes()
            .body(|_| Some(json!({"destinations": ["webhook"]}))),
        line("POST", "/api/segments/{id}/approve", Only(MANAGER))
            .changes()
            .body(|_| Some(json!({}))),
        line("POST", "/api/segments/{id}/reject", Only(MANAGER))
            .changes()
            .body(|_| Some(json!({"comment": "not now"}))),
        line("POST", "/api/segments/{id}/activate", Only(MANAGER)).changes(),
        line("POST", "/api/segments/{id}/pause", Only(MANAGER)).changes(),
        line("POST", "/api/segments/{id}/archive", Only(MANAGER)).changes(),
        line("GET", "/api/segments/{id}/review", Any),
        line("GET", "/api/segments/{id}/export.csv", Only(MANAGER)),
        line("POST", "/api/segments/{id}/deliver", Only(MANAGER))
            .changes()
            .body(|_| Some(json!({}))),
        line("POST", "/api/segments/{id}/refresh", Only(MANAGER)).changes(),
        line("POST", "/api/segments/{id}/replace", Only(MANAGER)).changes(),
        line("GET", "/api/segments/{id}/syncs", Any),
        line("GET", "/api/syncs/{run}", Any),
        line("GET", "/api/audit", Only(AUDITORS)),
        line("GET", "/api/audit/verify", Only(AUDITORS)),
        line("GET", "/api/openapi.json", Any),
        // Ingest writes customer data, as imports do: admins only.
        line("POST", "/api/orders", Only(ADMIN)).body(|n| {
            Some(json!({"orders": [{"order_id": format!("auth-{n}"), "customer_id": "c1", "occurred_at": "2026-11-20", "amount": 1}]}))
        }),
        line("POST", "/api/events", Only(ADMIN)).body(|n| {
            Some(json!({"events": [{"event_id": format!("auth-{n}"), "customer_id": "c1", "name": "login", "occurred_at": "2026-11-20"}]}))
        }),
    ]
}

/// Calls that are not separate routes in the document but are governed by their own rule.
fn variants() -> Vec<Line> {
    // Members with emails follow the approved-audience download's rule (issue #17 item 1).
    vec![line(
        "GET",
        "/api/segments/{id}/members?with_email=true",
        Rule::Only(MANAGER),
    )]
}

struct Fixture {
    app: TestApp,
    conversation: String,
    run: i64,
    /// One segment per state, shared by every call that does not change it.
    shared: Vec<(State, String)>,
}

impl Fixture {
    fn token(&self, role: Role) -> &str {
        match role {
            Role::Marketer => &self.app.marketer,
            Role::Manager => &self.app.manager,
            Role::Admin => &self.app.admin,
        }
    }

    async fn call(
        &self,
        role: Role,
        method: &str,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, String) {
        self.app
            .call_as(Some(self.token(role)), method, uri, body)
            .await
    }

    async fn step(&self, role: Role, id: &str, action: &str, body: Value) {
        let uri = format!("/api/segments/{id}/{action}");
        let (s, v) = self
            .app
            .json_as(Some(self.token(role)), "POST", &uri, Some(body))
            .await;
        assert!(s.is_success(), "{action} {id}: {s} {v}");
    }

    /// A new segment brought to `state` through the API, each step by its role.
    async fn segment_in(&self, state: State, n: u32) -> String {
        let body = json!({"name": format!("seg {n} {state:?}"), "definition": us()});
        let (s, v) = self
            .app
            .json_as(
                Some(&self.app.marketer),
                "POST",
                "/api/segments",
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_str().unwrap().to_string();
        if state == State::Draft {
            return id;
        }
        let to = json!({"destinations": ["webhook"]});
        self.step(Role::Marketer, &id, "submit", to).await;
        match state {
            State::Submitted => {}
            State::Rejected => {
                let no = json!({"comment": "no"});
                self.step(Role::Manager, &id, "reject", no).await
            }
            _ => {
                self.step(Role::Manager, &id, "approve", json!({})).await;
                if state != State::Approved {
                    self.step(Role::Manager, &id, "activate", json!({})).await;
                }
                match state {
                    State::Paused => self.step(Role::Manager, &id, "pause", json!({})).await,
                    State::Archived => self.step(Role::Manager, &id, "archive", json!({})).await,
                    _ => {}
                }
            }
        }
        id
    }
}

async fn fixture() -> Fixture {
    let app = TestApp::spawn().await;
    let mut f = Fixture {
        app,
        conversation: String::new(),
        run: 0,
        shared: Vec::new(),
    };
    for (n, state) in STATES.into_iter().enumerate() {
        let id = f.segment_in(state, n as u32).await;
        f.shared.push((state, id));
    }
    let active = &f.shared[STATES.iter().position(|s| *s == State::Active).unwrap()].1;
    let runs = f
        .app
        .app
        .sync_reports(Some(active), 1, &Actor::cli())
        .await
        .unwrap();
    f.run = runs[0].run.id;
    // The marketer's conversation: theirs alone (issue #17, conversations have an owner).
    let ask = json!({"prompt": "customers in the US"});
    let (s, answer) = f
        .app
        .json_as(Some(&f.app.marketer), "POST", "/api/interpret", Some(ask))
        .await;
    assert_eq!(s, StatusCode::OK, "{answer}");
    f.conversation = answer["conversation_id"].as_str().unwrap().to_string();
    f
}

/// A token of the second campaign manager for one call to revoke, by its id.
async fn someone_elses_token(f: &Fixture, n: u32) -> String {
    let label = format!("to revoke {n}");
    let cli = Actor::cli();
    f.app
        .app
        .create_token("manager2@test.io", &label, &cli)
        .await
        .unwrap();
    let tokens = f.app.app.list_tokens(&cli).await.unwrap();
    tokens.into_iter().find(|t| t.label == label).unwrap().id
}

/// The path with its parameters filled for one call.
async fn uri(f: &Fixture, path: &str, segment: Option<&str>, n: u32) -> String {
    let mut out = path
        .replace("{email}", "marketer%40test.io")
        .replace("{kind}", "tiktok")
        .replace("{customer}", "c1")
        .replace("{version}", "1")
        .replace("{run}", &f.run.to_string());
    if path.starts_with("/api/conversations/") {
        out = out.replace("{id}", &f.conversation);
    } else if path.starts_with("/api/models/jobs/") {
        out = out.replace("{id}", "no-such-job");
    } else if path.starts_with("/api/tokens/") {
        out = out.replace("{id}", &someone_elses_token(f, n).await);
    } else if let Some(id) = segment {
        out = out.replace("{id}", id);
    }
    out
}

fn expected(rule: Rule, role: Role) -> &'static str {
    match rule {
        Rule::Any => "allowed",
        Rule::Only(roles) if roles.contains(&role) => "allowed",
        Rule::Only(_) => "403",
        Rule::OwnOrAdmin if role == Role::Admin => "allowed",
        Rule::OwnOrAdmin => "404",
        Rule::OwnOnly if role == Role::Marketer => "allowed",
        Rule::OwnOnly => "404",
    }
}

/// Whether a status is what the table expects: "allowed" is any answer past the permission
/// check (a conflict for the wrong state, a 404 for an unknown job included), never a 401,
/// a 403 or a server error.
fn as_expected(want: &str, s: StatusCode) -> bool {
    match want {
        "403" => s == StatusCode::FORBIDDEN,
        "404" => s == StatusCode::NOT_FOUND,
        _ => !matches!(s, StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED) && !s.is_server_error(),
    }
}

/// `METHOD path` of every operation in the OpenAPI document.
async fn documented(f: &Fixture) -> BTreeSet<String> {
    let (s, doc) = f
        .app
        .json_as(Some(&f.app.admin), "GET", "/api/openapi.json", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut out = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            out.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    out
}

#[tokio::test]
async fn every_route_answers_every_role_as_its_rule_says_in_every_segment_state() {
    let f = fixture().await;
    let lines = table();
    let in_table: BTreeSet<String> = lines
        .iter()
        .map(|l| format!("{} {}", l.method, l.path))
        .collect();
    let in_doc = documented(&f).await;
    assert!(in_doc.len() >= 45, "{in_doc:?}");
    assert_eq!(
        in_doc.difference(&in_table).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "routes without a line in the authorization table"
    );
    assert_eq!(
        in_table.difference(&in_doc).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "lines for routes the API no longer has"
    );

    let (mut wrong, mut calls, mut n) = (Vec::new(), 0, 100);
    for l in lines.iter().chain(variants().iter()) {
        let states: Vec<Option<State>> = if l.path.contains("/api/segments/{id}") {
            STATES.iter().copied().map(Some).collect()
        } else {
            vec![None]
        };
        for state in states {
            for role in ROLES {
                n += 1;
                let want = expected(l.rule, role);
                let segment = match state {
                    // A call let through would change the shared segment: it gets its own.
                    Some(s) if l.changes_segment && want == "allowed" => {
                        Some(f.segment_in(s, n).await)
                    }
                    Some(s) => f
                        .shared
                        .iter()
                        .find(|(st, _)| *st == s)
                        .map(|(_, id)| id.clone()),
                    None => None,
                };
                let uri = uri(&f, l.path, segment.as_deref(), n).await;
                let (status, text) = f.call(role, l.method, &uri, (l.body)(n)).await;
                calls += 1;
                if !as_expected(want, status) {
                    wrong.push(format!(
                        "{} {} as {role:?}{}: {status}, expected {want}: {}",
                        l.method,
                        l.path,
                        state.map(|s| format!(" ({s:?})")).unwrap_or_default(),
                        text.chars().take(160).collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(calls > 400, "{calls} calls");
    assert!(
        wrong.is_empty(),
        "{} of {calls} calls:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
