//! "Why is this customer in or out?" for a saved segment: the customer's id in, each condition
//! of the current version with whether it held and the customer's values against what it needs
//! (masked as the reader's role allows; reading one person's data is audited by `app`).

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::super::auth::Caller;
use super::super::{ApiError, AppState};
use super::render;
use super::segments::{actor, page_error};
use super::session::user_context;

#[derive(Deserialize)]
pub struct WhyQuery {
    #[serde(default)]
    customer: String,
}

pub async fn page(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<WhyQuery>,
) -> Response {
    let who = actor(&caller);
    let seg = match app.get_segment(&id, &who).await {
        Ok(s) => s,
        Err(e) => return page_error(&caller, e),
    };
    let customer = q.customer.trim().chars().take(200).collect::<String>();
    let mut status = StatusCode::OK;
    let (answer, problem) = if customer.is_empty() {
        (None, None)
    } else {
        let result = match app.segment_definition(&seg.segment.id, None, &who).await {
            Ok(def) => match app.as_of(None) {
                Ok(as_of) => app.explain_customer(&def, as_of, &customer, &who).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        match result {
            Ok((member, clauses)) => (Some(context! { member, clauses => Serde(clauses) }), None),
            Err(e) => {
                let e = ApiError::from(e);
                status = if e.status.is_server_error() {
                    e.status
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                (None, Some(e.message))
            }
        }
    };
    let mut r = render(
        "why.html",
        context! { segment => Serde(&seg), customer, answer, problem, ..user_context(&caller) },
    );
    *r.status_mut() = status;
    r
}
