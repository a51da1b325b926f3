//! The suppression page (admins): the list, newest first; add a value; paste or upload a list
//! (the file is read into the form by the browser, so it is sent like any form, CSRF and size
//! limit included); remove an entry. `app` checks the role and the values.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;

use super::super::auth::Caller;
use super::super::{ApiError, AppState};
use super::admin::{admins_only, fields};
use super::segments::actor;
use super::session::user_context;
use super::{fmt_time, render};
use crate::app::{AppError, SUPPRESSION_KINDS};

/// Entries the page lists.
const SHOWN: i64 = 200;

const SUPPRESSION_IS: &str = "The suppression list holds the people who must never receive a campaign: they are left out of every delivery and export.";

async fn page_with(
    app: &AppState,
    caller: &Caller,
    notice: Option<String>,
    problem: Option<String>,
    rejected: Vec<String>,
) -> Response {
    let list = match app.suppression_list(SHOWN, &actor(caller)).await {
        Ok(l) => l,
        Err(AppError::Forbidden(_)) => {
            return admins_only(caller, "Suppression list", SUPPRESSION_IS);
        }
        Err(e) => return super::segments::page_error(caller, e),
    };
    let entries: Vec<_> = list
        .entries
        .iter()
        .map(|e| context! { added => fmt_time(e.added_at), ..minijinja::Value::from(Serde(e)) })
        .collect();
    let failed = problem.is_some();
    let ctx = context! { total => list.total, shown => entries.len(), entries, kinds => SUPPRESSION_KINDS.to_vec(), notice, problem, rejected, ..user_context(caller) };
    let mut r = render("suppression.html", ctx);
    if failed {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

pub async fn page(State(app): State<AppState>, Extension(caller): Extension<Caller>) -> Response {
    page_with(&app, &caller, None, None, Vec::new()).await
}

/// `add` one value, `upload` a list, or `remove` an entry.
pub async fn act(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    axum::extract::Path(action): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let who = actor(&caller);
    let result = async {
        let f = fields(&body)?;
        let get = |k: &str| f.get(k).cloned().unwrap_or_default();
        match action.as_str() {
            "add" => Ok(app
                .suppress_value(&get("kind"), &get("value"), &who)
                .await
                .map(|v| {
                    (
                        format!("Added {v}: nothing is sent to it any more."),
                        Vec::new(),
                    )
                })?),
            "remove" => Ok(app
                .unsuppress(&get("kind"), &get("value"), &who)
                .await
                .map(|()| {
                    (
                        format!("Removed {} from the list.", get("value")),
                        Vec::new(),
                    )
                })?),
            "upload" => {
                let r = app.suppress_list(&get("kind"), &get("list"), &who).await?;
                let more = if r.rejected_total > r.rejected.len() {
                    format!(" (the first {} are listed)", r.rejected.len())
                } else {
                    String::new()
                };
                let notice = format!(
                    "Added {} values; {} lines were not taken{more}.",
                    r.added, r.rejected_total
                );
                if r.added == 0 {
                    // Nothing taken: said as a problem, with the lines and why.
                    return Err(Rejected(notice, r.rejected));
                }
                Ok((notice, r.rejected))
            }
            _ => Err(AppError::NotFound(format!("action `{action}`")).into()),
        }
    }
    .await;
    match result {
        Ok((notice, rejected)) => page_with(&app, &caller, Some(notice), None, rejected).await,
        Err(Rejected(problem, rejected)) => {
            page_with(&app, &caller, None, Some(problem), rejected).await
        }
        Err(Failed(AppError::Forbidden(_))) => {
            admins_only(&caller, "Suppression list", SUPPRESSION_IS)
        }
        Err(Failed(e @ AppError::NotFound(_)))
            if !matches!(action.as_str(), "add" | "remove" | "upload") =>
        {
            super::segments::page_error(&caller, e)
        }
        Err(Failed(e)) => {
            page_with(
                &app,
                &caller,
                None,
                Some(ApiError::from(e).message),
                Vec::new(),
            )
            .await
        }
    }
}

/// Why a form did nothing: the app refused it, or none of an uploaded list's lines was valid.
enum Refusal {
    Failed(AppError),
    Rejected(String, Vec<String>),
}
use Refusal::{Failed, Rejected};

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        Failed(e)
    }
}
