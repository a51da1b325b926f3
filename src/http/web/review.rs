//! The review queue (campaign managers): every submission waiting for a decision, and one
//! submission's review page — the definition with its plain explanation, the preview at
//! submission against now, the policy checks per destination then and now, the dry run per
//! destination with the data's freshness, and the approve / reject forms. The pages refuse
//! other roles (403); the decisions go through `app`, which enforces roles and four eyes
//! whatever form is posted.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::super::auth::Caller;
use super::super::{ApiError, AppState};
use super::segments::{actor, page_error, redirect};
use super::session::user_context;
use super::view::thousands;
use super::{fmt_time, render};
use crate::app::Review;
use crate::domain::policy::PolicyReport;
use crate::domain::preview::Size;

/// The queue of pending submissions.
pub async fn queue(State(app): State<AppState>, Extension(caller): Extension<Caller>) -> Response {
    match app.review_queue(&actor(&caller)).await {
        Ok(list) => {
            let rows: Vec<_> = list.into_iter().map(|p| context! { submitted => fmt_time(p.row.submitted_at), ..minijinja::Value::from(Serde(&p)) }).collect();
            render(
                "review_queue.html",
                context! { pending => rows, ..user_context(&caller) },
            )
        }
        Err(e) => page_error(&caller, e),
    }
}

/// The header's pending count (htmx loads it after the page): empty for other roles.
pub async fn count(State(app): State<AppState>, Extension(caller): Extension<Caller>) -> Response {
    match app.pending_review_count(&actor(&caller)).await {
        // Nothing waiting: no pill (a "0" badge reads as something to look at).
        Ok(0) => Html(String::new()).into_response(),
        Ok(n) => Html(format!("<span class=\"count\" data-testid=\"pending-count\">{n}<span class=\"visually-hidden\"> pending</span></span>")).into_response(),
        Err(_) => Html(String::new()).into_response(),
    }
}

/// One figure at submission and now, with the difference.
#[derive(Serialize)]
struct SizeRow {
    label: &'static str,
    then: i64,
    now: i64,
    change: String,
}

fn size_rows(then: &Size, now: &Size) -> Vec<SizeRow> {
    let row = |label, a: i64, b: i64| SizeRow {
        label,
        then: a,
        now: b,
        change: if b == a {
            "no change".into()
        } else {
            format!("{}{}", if b > a { "+" } else { "" }, thousands(b - a))
        },
    };
    vec![
        row("Customers", then.count, now.count),
        row("Reachable by ads", then.reachable_ads, now.reachable_ads),
        row(
            "Reachable by email",
            then.reachable_email,
            now.reachable_email,
        ),
        row("Suppressed", then.suppressed, now.suppressed),
    ]
}

/// One policy rule of one destination, at submission and now.
#[derive(Serialize)]
struct PolicyRow {
    destination: &'static str,
    rule: String,
    then: Option<bool>,
    now: bool,
    message: String,
}

fn policy_rows(then: &PolicyReport, now: &PolicyReport) -> Vec<PolicyRow> {
    now.checks
        .iter()
        .map(|c| PolicyRow {
            destination: c.destination.as_str(),
            rule: c.rule.clone(),
            then: then
                .checks
                .iter()
                .find(|t| t.destination == c.destination && t.rule == c.rule)
                .map(|t| t.passed),
            now: c.passed,
            message: c.message.clone(),
        })
        .collect()
}

/// When the data was last changed, as the reviewer should read it.
async fn freshness(app: &AppState, caller: &Caller) -> minijinja::Value {
    match app.catalog(&actor(caller)).await {
        Ok(s) => {
            let f = &s.freshness;
            let t = |x: Option<i64>| x.map_or_else(|| "never".to_string(), fmt_time);
            context! { customers => f.customers, latest_order => t(f.latest_order_at), latest_event => t(f.latest_event_at), last_import => t(f.last_import_at) }
        }
        Err(_) => minijinja::Value::UNDEFINED,
    }
}

/// One submission's review page.
pub async fn page(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let who = actor(&caller);
    let review: Review = match app.review_for_decision(&id, &who).await {
        Ok(r) => r,
        Err(e) => return page_error(&caller, e),
    };
    let definition = serde_json::from_value(review.definition.clone()).ok();
    let sentences = match &definition {
        Some(d) => app.explain_definition(d, &who).await.unwrap_or_default(),
        None => Vec::new(),
    };
    let pending = review.status.as_str() == "submitted";
    // The dry run plans the version under review only; a decided one has its own page.
    let dry_run = if pending {
        Some(
            app.review_dry_run(&id, &actor(&caller))
                .await
                .map_err(|e| ApiError::from(e).message),
        )
    } else {
        None
    };
    let (dry_run, dry_run_error) = match dry_run {
        Some(Ok(r)) => (Some(minijinja::Value::from(Serde(&r))), None),
        Some(Err(m)) => (None, Some(m)),
        None => (None, None),
    };
    // What this version changes against the live (or previous) one; a failure only hides it.
    let diff = app
        .version_diff(&id, review.version, &actor(&caller))
        .await
        .ok()
        .flatten();
    render(
        "review.html",
        context! {
            review => Serde(&review), pending, sentences, diff => diff.map(|d| context! { same => d.same_conditions(), ..minijinja::Value::from(Serde(d)) }), submitted => fmt_time(review.submitted_at),
            definition_json => serde_json::to_string_pretty(&review.definition).unwrap_or_default(),
            sizes => Serde(size_rows(&review.size_at_submission, &review.size_now)),
            policy => Serde(policy_rows(&review.policy_at_submission, &review.policy_now)),
            dry_run, dry_run_error, freshness => freshness(&app, &caller).await,
            stale => review.approval_hash != review.approval_hash_now,
            ..user_context(&caller)
        },
    )
}

/// Approve or reject from the review page; then the segment's page, where activation follows.
pub async fn decide(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, decision)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let field = |name: &str| {
        form_urlencoded::parse(&body)
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.into_owned())
    };
    let (comment, hash) = (field("comment"), field("approval_hash"));
    let who = actor(&caller);
    let result = match decision.as_str() {
        "approve" => {
            app.approve_segment(&id, hash.as_deref(), comment, &who)
                .await
        }
        "reject" => app.reject_segment(&id, comment.as_deref(), &who).await,
        _ => {
            return page_error(
                &caller,
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    format!("no decision `{decision}`"),
                ),
            );
        }
    };
    match result {
        Ok(r) => redirect(&format!("/segments/{}", r.segment_id)),
        Err(e) => page_error(&caller, e),
    }
}
