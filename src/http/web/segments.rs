//! Segments in the web app: the list with status badges, one segment's page (versions, the
//! review a campaign manager sees — preview at submission and now, policy checks, decisions —,
//! the audit trail, the latest sync runs), the lifecycle buttons and a sync run's page, which
//! polls its progress while it runs. Roles and four eyes are enforced by `app`, not by
//! which buttons a page shows; the page shows each role only the steps it may take, says who
//! takes the others, and says so in red when the last sync run failed.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;

use super::super::auth::Caller;
use super::super::{ApiError, AppState};
use super::session::user_context;
use super::{fmt_time, render};
use crate::app::audit::Actor;
use crate::app::{AppError, SyncKind, SyncReport};
use crate::domain::access::Permission;
use crate::domain::policy::Destination;

pub(super) fn page_error(caller: &Caller, e: impl Into<ApiError>) -> Response {
    let e = e.into();
    let mut r = render(
        "message.html",
        context! { title => "Something went wrong", message => e.message, ..user_context(caller) },
    );
    *r.status_mut() = e.status;
    r
}

pub(super) fn actor(caller: &Caller) -> Actor {
    Actor::user(caller.principal.clone(), caller.address.clone())
}

pub async fn list(State(app): State<AppState>, Extension(caller): Extension<Caller>) -> Response {
    let segments = match app.segment_overview(&actor(&caller)).await {
        Ok(s) => s,
        Err(e) => return page_error(&caller, e),
    };
    let rows: Vec<_> = segments
        .iter()
        .map(|s| {
            let last_sync = s.row.last_sync_at.map(fmt_time);
            context! { updated => fmt_time(s.row.updated_at), last_sync, ..minijinja::Value::from(Serde(s)) }
        })
        .collect();
    render(
        "segments.html",
        context! { segments => rows, ..user_context(&caller) },
    )
}

pub async fn show(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let who = actor(&caller);
    let seg = match app.get_segment(&id, &who).await {
        Ok(s) => s,
        Err(e) => return page_error(&caller, e),
    };
    let versions = app.version_history(&id, &who).await.unwrap_or_default();
    let status = versions
        .last()
        .map(|v| v.status.clone())
        .unwrap_or_default();
    let review = app.review(&id, &who).await.ok();
    let diff = match &review {
        Some(r) => app.version_diff(&id, r.version, &who).await.ok().flatten(),
        None => None,
    };
    let diff =
        diff.map(|d| context! { same => d.same_conditions(), ..minijinja::Value::from(Serde(d)) });
    let reports = app
        .sync_reports(Some(&id), 5, &who)
        .await
        .unwrap_or_default();
    // Newest first: the first run is the one the badge must not contradict.
    let sync_failure = reports.first().and_then(failure);
    let syncs: Vec<_> = reports
        .into_iter()
        .map(|r| context! { id => r.run.id, kind => r.run.kind, status => r.run.status, version => r.run.version, at => fmt_time(r.run.created_at) })
        .collect();
    let audit: Vec<_> = app
        .segment_history(&seg.segment.id, 50, &who)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|e| context! { at => fmt_time(e.at), detail => audit_detail(e.after.as_deref()), actor => e.actor, action => e.action })
        .collect();
    // Newest first: the version a reader is most likely asking about leads.
    let versions: Vec<_> = versions
        .iter()
        .rev()
        .map(|v| context! { hash => v.content_hash[..12].to_string(), created => fmt_time(v.created_at), ..minijinja::Value::from(Serde(v)) })
        .collect();
    // Only where it can be sent: the configured destinations and the CSV download.
    let destinations: Vec<&str> = app
        .sendable_destinations(&who)
        .await
        .iter()
        .map(|d| d.as_str())
        .collect();
    let me = caller.principal.email.as_str();
    // Four eyes: the author or submitter of the version under review is not offered Approve.
    let own_version = review.as_ref().is_some_and(|r| r.submitted_by == me)
        || versions
            .first()
            .is_some_and(|v| v.get_attr("author").is_ok_and(|a| a.as_str() == Some(me)));
    let role = caller.principal.role;
    render(
        "segment.html",
        context! {
            segment => Serde(&seg), status, versions, diff, review => review.map(|r| minijinja::Value::from(Serde(r))), audit, destinations, syncs, sync_failure,
            role => role.as_str(), can_author => role.allows(Permission::Author), can_review => role.allows(Permission::Review), own_version,
            ..user_context(&caller)
        },
    )
}

/// The newest run, when it failed: its status, when, and each failing destination's last error.
fn failure(r: &SyncReport) -> Option<minijinja::Value> {
    let failed: Vec<_> = r
        .destinations
        .iter()
        .filter(|d| d.status == "failed")
        .map(|d| context! { destination => d.destination.clone(), error => d.errors.last().cloned().unwrap_or_else(|| "no reason recorded".into()) })
        .collect();
    (r.run.status == "failed" || !failed.is_empty()).then(
        || context! { id => r.run.id, status => r.run.status.clone(), kind => r.run.kind.clone(), at => fmt_time(r.run.created_at), destinations => failed },
    )
}

/// What an audit entry changed, in one line: the recorded "after" state's fields (the full
/// definition is left out; the versions section shows it in words).
fn audit_detail(after: Option<&str>) -> String {
    let Some(serde_json::Value::Object(map)) = after.and_then(|a| serde_json::from_str(a).ok())
    else {
        return String::new();
    };
    map.iter()
        .filter(|(k, v)| {
            !matches!(k.as_str(), "definition" | "content_hash" | "results") && !v.is_null()
        })
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), String::from))
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            format!("{}: {v}", k.replace('_', " "))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Longest value a lifecycle form's field may have (a comment is a few sentences).
const MAX_FIELD: usize = 2_000;

struct ActionForm {
    comment: Option<String>,
    destination: Vec<String>,
    approval_hash: Option<String>,
}

impl ActionForm {
    /// Read the form by hand rather than with `Form`: `destination` may repeat (checkboxes).
    fn parse(body: &[u8]) -> Result<ActionForm, AppError> {
        let mut form = ActionForm {
            comment: None,
            destination: Vec::new(),
            approval_hash: None,
        };
        for (k, v) in form_urlencoded::parse(body) {
            if v.chars().count() > MAX_FIELD {
                return Err(AppError::BadInput(format!(
                    "`{k}` is longer than {MAX_FIELD} characters: shorten it and try again"
                )));
            }
            match k.as_ref() {
                "comment" if !v.trim().is_empty() => form.comment = Some(v.into_owned()),
                "destination" => form.destination.push(v.into_owned()),
                "approval_hash" if !v.is_empty() => form.approval_hash = Some(v.into_owned()),
                _ => {}
            }
        }
        Ok(form)
    }

    fn destinations(&self) -> Result<Vec<Destination>, AppError> {
        let d: Vec<Destination> = self
            .destination
            .iter()
            .map(|d| Destination::parse(d))
            .collect::<Result<_, _>>()
            .map_err(AppError::BadInput)?;
        if d.is_empty() {
            Err(AppError::BadInput("choose at least one destination".into()))
        } else {
            Ok(d)
        }
    }
}

/// Where a lifecycle step leads.
enum Outcome {
    /// Back to the segment's page.
    Back,
    /// Another page (a sync run's, the chat).
    To(String),
    /// A dry run's report.
    Report(minijinja::Value),
}

/// One lifecycle step from a form; back to the segment page, or the page with the reason.
pub async fn act(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let result = match ActionForm::parse(&body) {
        Ok(form) => step(&app, &id, &action, form, &actor(&caller)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(Outcome::Report(report)) => render(
            "delivery.html",
            context! { report, segment_id => id, ..user_context(&caller) },
        ),
        Ok(Outcome::Back) => redirect(&format!("/segments/{id}")),
        Ok(Outcome::To(to)) => redirect(&to),
        Err(e) => page_error(&caller, e),
    }
}

/// Run one lifecycle step; the app checks the role and the rules.
async fn step(
    app: &AppState,
    id: &str,
    action: &str,
    form: ActionForm,
    who: &Actor,
) -> Result<Outcome, AppError> {
    let back = |_| Outcome::Back;
    match action {
        "submit" => app
            .submit_segment(id, form.destinations()?, who)
            .await
            .map(back),
        "approve" => app
            .approve_segment(id, form.approval_hash.as_deref(), form.comment, who)
            .await
            .map(back),
        "reject" => app
            .reject_segment(id, form.comment.as_deref(), who)
            .await
            .map(back),
        // Activation queues the first sync: show its progress, as "Send" does.
        "activate" => app.activate_segment(id, who).await.map(|r| {
            r.sync_run
                .map_or(Outcome::Back, |run| Outcome::To(format!("/syncs/{run}")))
        }),
        "pause" => app.pause_segment(id, who).await.map(back),
        // Resuming a paused version is activating it again (its sync picks up where it was).
        "resume" => app.activate_segment(id, who).await.map(back),
        "archive" => app.archive_segment(id, who).await.map(|_| Outcome::Back),
        "edit" => {
            let answer = app.edit_in_chat(id, app.as_of(None)?, who).await?;
            let seg = app.get_segment(id, who).await?;
            Ok(Outcome::To(format!(
                "/chat?c={}&segment={}",
                answer.conversation_id.unwrap_or_default(),
                seg.segment.id
            )))
        }
        "dry-run" => app
            .dry_run(id, who)
            .await
            .map(|r| Outcome::Report(minijinja::Value::from(Serde(r)))),
        "deliver" | "refresh" | "replace" => {
            let kind = match action {
                "deliver" => SyncKind::Deliver,
                "refresh" => SyncKind::Refresh,
                _ => SyncKind::Replace,
            };
            app.start_sync(id, kind, who)
                .await
                .map(|run| Outcome::To(format!("/syncs/{}", run.id)))
        }
        _ => Err(AppError::NotFound(format!("action `{action}`"))),
    }
}

/// See-other to `to`, for plain forms and htmx alike.
pub(super) fn redirect(to: &str) -> Response {
    let mut r = axum::response::Redirect::to(to).into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert("hx-redirect", v);
    }
    r
}

/// A sync run's page: its delivery report, refreshed every second while it runs.
pub async fn sync_page(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(run): Path<String>,
) -> Response {
    let Ok(run) = run.parse::<i64>() else {
        return page_error(&caller, no_such_run(&run));
    };
    match app.sync_report(run, &actor(&caller)).await {
        Ok(r) => render(
            "sync.html",
            context! { finished => r.finished(), report => Serde(r), ..user_context(&caller) },
        ),
        Err(e) => page_error(&caller, e),
    }
}

/// The progress fragment the run's page polls (htmx); it stops polling once the run finished.
pub async fn sync_progress(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(run): Path<String>,
) -> Response {
    let Ok(run) = run.parse::<i64>() else {
        return page_error(&caller, no_such_run(&run));
    };
    match app.sync_report(run, &actor(&caller)).await {
        Ok(r) => render(
            "sync_progress.html",
            context! { finished => r.finished(), report => Serde(r) },
        ),
        Err(e) => page_error(&caller, e),
    }
}

/// A typed address naming no run (not even a number) gets the app's page saying so.
fn no_such_run(run: &str) -> AppError {
    let shown: String = run.chars().take(40).collect();
    AppError::NotFound(format!("sync run `{shown}`"))
}
