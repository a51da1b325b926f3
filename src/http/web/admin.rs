//! The admin pages: destinations (each with its connection status and last error; add or
//! replace its settings, test its connection, remove it) and users (add, change role, reset a
//! password, create and revoke API tokens). `app` checks the role; another role gets a page
//! saying who manages these and how to reach them, not an error code. A generated password or
//! token is shown once, on the page the form answers with.

use std::collections::BTreeMap;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;

use super::super::auth::Caller;
use super::super::{ApiError, AppState};
use super::segments::{actor, page_error, redirect};
use super::session::user_context;
use super::{fmt_time, render};
use crate::app::{AppError, NewDestination};
use crate::destinations::DestinationConfig;
use crate::domain::access::Role;
use crate::domain::policy::Destination;

/// The destinations an admin configures.
const KINDS: [Destination; 6] = [
    Destination::Webhook,
    Destination::Meta,
    Destination::Google,
    Destination::Linkedin,
    Destination::Tiktok,
    Destination::Csv,
];

/// Longest value a field of these forms may have.
const MAX_FIELD: usize = 2_000;

/// The form's fields by name (the last of a repeated one), each at most [`MAX_FIELD`] long.
pub(super) fn fields(body: &[u8]) -> Result<BTreeMap<String, String>, AppError> {
    let mut out = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        if v.chars().count() > MAX_FIELD {
            return Err(AppError::BadInput(format!(
                "`{k}` is longer than {MAX_FIELD} characters: shorten it and try again"
            )));
        }
        out.insert(k.into_owned(), v.trim().to_string());
    }
    Ok(out)
}

/// A page another role asked for: what it is, who manages it, and 403.
pub(super) fn admins_only(caller: &Caller, title: &str, what: &str) -> Response {
    let message = format!(
        "{what} Only an admin can open this page; you are signed in as a {}. Ask an admin of your workspace if something here needs changing.",
        caller.principal.role.as_str().replace('_', " ")
    );
    let mut r = render(
        "message.html",
        context! { title, message, ..user_context(caller) },
    );
    *r.status_mut() = StatusCode::FORBIDDEN;
    r
}

/// The answer to a failed call: the explanation page when the role is refused, else the reason.
fn refused_or(caller: &Caller, e: AppError, title: &str, what: &str) -> Response {
    match e {
        AppError::Forbidden(_) => admins_only(caller, title, what),
        e => page_error(caller, e),
    }
}

const DESTINATIONS_ARE: &str = "Destinations are where approved audiences are sent (a webhook, Meta, Google, LinkedIn, TikTok, a CSV file drop).";
const USERS_ARE: &str =
    "Users and their roles decide who writes, approves and administers segments.";

/// `/admin`: the users page for admins, the explanation for others.
pub async fn index(caller: Extension<Caller>) -> Response {
    if caller.principal.role == Role::Admin {
        redirect("/users")
    } else {
        admins_only(&caller, "Administration", USERS_ARE)
    }
}

/// The destinations page, with a message from the form just sent (`notice`, `problem`).
async fn destinations_page(
    app: &AppState,
    caller: &Caller,
    notice: Option<String>,
    problem: Option<String>,
) -> Response {
    let statuses = match app.destination_statuses(&actor(caller)).await {
        Ok(s) => s,
        Err(e) => return refused_or(caller, e, "Destinations", DESTINATIONS_ARE),
    };
    let rows: Vec<_> = statuses
        .iter()
        .map(|s| context! { at => s.last_sync_at.map(fmt_time), created => s.view.created_at.map(fmt_time), ..minijinja::Value::from(Serde(s)) })
        .collect();
    let forms: Vec<_> = KINDS
        .iter()
        .map(|k| {
            let (settings, secrets) = DestinationConfig::keys(*k);
            context! { kind => k.as_str(), settings => settings.to_vec(), secrets => secrets.to_vec(), stored => statuses.iter().any(|s| s.view.kind == *k && s.view.source == "database") }
        })
        .collect();
    let mut r = render(
        "destinations.html",
        context! { rows, forms, notice, problem => problem.clone(), ..user_context(caller) },
    );
    if problem.is_some() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

pub async fn destinations(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Response {
    destinations_page(&app, &caller, None, None).await
}

/// Add or replace a destination: `kind`, settings as `setting.NAME`, secrets as `secret.NAME`
/// (empty fields are left out).
pub async fn add_destination(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: axum::body::Bytes,
) -> Response {
    let parsed = fields(&body).and_then(|f| {
        let kind = Destination::parse(f.get("kind").map_or("", String::as_str))
            .map_err(AppError::BadInput)?;
        let pick = |prefix: &str| {
            f.iter()
                .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.to_string(), v.clone())))
                .filter(|(_, v)| !v.is_empty())
                .collect()
        };
        Ok(NewDestination {
            kind,
            settings: pick("setting."),
            secrets: pick("secret."),
        })
    });
    let result = match parsed {
        Ok(d) => app
            .add_destination(d, &actor(&caller))
            .await
            .map(|v| format!("Saved {}.", v.kind.as_str())),
        Err(e) => Err(e),
    };
    match result {
        Ok(notice) => destinations_page(&app, &caller, Some(notice), None).await,
        Err(AppError::Forbidden(_)) => admins_only(&caller, "Destinations", DESTINATIONS_ARE),
        Err(e) => destinations_page(&app, &caller, None, Some(ApiError::from(e).message)).await,
    }
}

/// Test or remove a destination.
pub async fn destination_action(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((kind, action)): Path<(String, String)>,
) -> Response {
    let kind = match Destination::parse(&kind) {
        Ok(k) => k,
        Err(e) => return destinations_page(&app, &caller, None, Some(e)).await,
    };
    let who = actor(&caller);
    let result = match action.as_str() {
        "test" => app.test_destination(kind, &who).await,
        "remove" => app
            .remove_destination(kind, &who)
            .await
            .map(|()| Ok(format!("Removed the stored settings of {}.", kind.as_str()))),
        _ => Err(AppError::NotFound(format!("action `{action}`"))),
    };
    match result {
        Ok(Ok(notice)) => destinations_page(&app, &caller, Some(notice), None).await,
        Ok(Err(problem)) => destinations_page(&app, &caller, None, Some(problem)).await,
        Err(e @ AppError::NotFound(_)) => page_error(&caller, e),
        Err(AppError::Forbidden(_)) => admins_only(&caller, "Destinations", DESTINATIONS_ARE),
        Err(e) => destinations_page(&app, &caller, None, Some(ApiError::from(e).message)).await,
    }
}

/// What the users page shows once after a form: a sentence, and a secret to copy.
#[derive(Default)]
struct Once {
    notice: Option<String>,
    problem: Option<String>,
    secret: Option<(String, String)>,
}

async fn users_page(app: &AppState, caller: &Caller, once: Once) -> Response {
    let who = actor(caller);
    let users = match app.users(&who).await {
        Ok(u) => u,
        Err(e) => return refused_or(caller, e, "Users", USERS_ARE),
    };
    let tokens = app.list_tokens(&who).await.unwrap_or_default();
    let users: Vec<_> = users
        .iter()
        .map(|u| context! { created => fmt_time(u.created_at), me => u.email == caller.principal.email, ..minijinja::Value::from(Serde(u)) })
        .collect();
    let tokens: Vec<_> = tokens
        .iter()
        .map(|t| context! { created => fmt_time(t.created_at), ..minijinja::Value::from(Serde(t)) })
        .collect();
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let failed = once.problem.is_some();
    let secret = once.secret.map(|(label, value)| context! { label, value });
    let mut r = render(
        "users.html",
        context! { users, tokens, roles, notice => once.notice, problem => once.problem, secret, ..user_context(caller) },
    );
    if failed {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

pub async fn users(State(app): State<AppState>, Extension(caller): Extension<Caller>) -> Response {
    users_page(&app, &caller, Once::default()).await
}

fn role_of(f: &BTreeMap<String, String>) -> Result<Role, AppError> {
    Role::parse(f.get("role").map_or("", String::as_str)).map_err(AppError::BadInput)
}

/// Add a user (`email`, `role`) with a generated password, shown once.
pub async fn add_user(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: axum::body::Bytes,
) -> Response {
    let result = async {
        let f = fields(&body)?;
        let email = f.get("email").cloned().unwrap_or_default();
        let password = app
            .invite_user(&email, role_of(&f)?, &actor(&caller))
            .await?;
        Ok::<_, AppError>(Once {
            notice: Some(format!(
                "Added {email}. Give them this password; it is not shown again."
            )),
            secret: Some((format!("Password of {email}"), password)),
            ..Once::default()
        })
    }
    .await;
    users_answer(&app, &caller, result).await
}

/// Change a role, reset a password, or create an API token for the user named in the path.
pub async fn user_action(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((email, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let who = actor(&caller);
    let result = async {
        let f = fields(&body)?;
        match action.as_str() {
            "role" => {
                let role = role_of(&f)?;
                app.set_role(&email, role, &who).await?;
                Ok(Once {
                    notice: Some(format!(
                        "{email} is now a {}.",
                        role.as_str().replace('_', " ")
                    )),
                    ..Once::default()
                })
            }
            "reset" => {
                let password = app.reset_password(&email, &who).await?;
                let notice = format!("New password for {email}; it is not shown again.");
                Ok(Once {
                    notice: Some(notice),
                    secret: Some((format!("Password of {email}"), password)),
                    ..Once::default()
                })
            }
            "token" => {
                let label = f
                    .get("label")
                    .filter(|l| !l.is_empty())
                    .cloned()
                    .unwrap_or_else(|| "web".into());
                let token = app.create_token(&email, &label, &who).await?;
                let notice =
                    format!("API token “{label}” for {email}; copy it now, it is not shown again.");
                Ok(Once {
                    notice: Some(notice),
                    secret: Some((format!("API token of {email}"), token)),
                    ..Once::default()
                })
            }
            _ => Err(AppError::NotFound(format!("action `{action}`"))),
        }
    }
    .await;
    users_answer(&app, &caller, result).await
}

/// Revoke an API token.
pub async fn revoke_token(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let result = app.revoke_token(&id, &actor(&caller)).await.map(|t| Once {
        notice: Some(format!("Revoked “{}” of {}.", t.label, t.email)),
        ..Once::default()
    });
    users_answer(&app, &caller, result).await
}

async fn users_answer(app: &AppState, caller: &Caller, result: Result<Once, AppError>) -> Response {
    match result {
        Ok(once) => users_page(app, caller, once).await,
        // An admin refused something (their own role) reads why; another role, whose page this is not.
        Err(AppError::Forbidden(m)) if caller.principal.role == Role::Admin => {
            users_page(
                app,
                caller,
                Once {
                    problem: Some(m),
                    ..Once::default()
                },
            )
            .await
        }
        Err(AppError::Forbidden(_)) => admins_only(caller, "Users", USERS_ARE),
        Err(e @ AppError::NotFound(_)) => page_error(caller, e),
        Err(e) => {
            users_page(
                app,
                caller,
                Once {
                    problem: Some(ApiError::from(e).message),
                    ..Once::default()
                },
            )
            .await
        }
    }
}
