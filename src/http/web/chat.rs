//! The chat page: type a request, see how it was understood and what the audience looks like,
//! refine it with follow-ups (typed, or by picking another choice for an assumption), and save
//! the result as a draft segment. A partial answer (words not understood) is saved only after
//! the user removes those words ("keep the rest") or rephrases.

use axum::Extension;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;
use serde_json::Value;

use super::super::auth::Caller;
use super::super::{ApiError, AppState};
use super::session::user_context;
use super::{is_htmx, perf_view, render, view};
use crate::app::audit::Actor;
use crate::app::{AppError, AskRequest, SaveSegment};
use crate::domain::access::Permission;
use crate::domain::definition::Definition;
use crate::domain::validate::Code;

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    c: Option<String>,
}

#[derive(Deserialize)]
pub struct AskForm {
    #[serde(default)]
    prompt: Option<String>,
    /// A duration typed for an assumption: asks "what about N days?".
    #[serde(default)]
    days: Option<i64>,
    #[serde(default)]
    conversation_id: Option<String>,
}

#[derive(Deserialize)]
pub struct KeepForm {
    conversation_id: String,
}

#[derive(Deserialize)]
pub struct SaveForm {
    name: String,
    conversation_id: String,
}

/// The policy's warnings for an answer's definition, its terms and referenced segments expanded.
async fn attribute_warnings(app: &AppState, answer: &Value) -> Vec<String> {
    match Definition::from_value(answer["definition"].clone()) {
        Ok(def) => app.attribute_warnings(&def).await,
        Err(_) => Vec::new(),
    }
}

/// An error shown in place of the answer, with the status the API would give.
fn error_fragment(e: impl Into<ApiError>) -> Response {
    let e = e.into();
    let mut r = render("error.html", context! { message => e.message, code => e.code });
    *r.status_mut() = e.status;
    // htmx swaps error answers too (see the page's htmx-config) into the message area.
    r.headers_mut().insert("hx-retarget", axum::http::HeaderValue::from_static("#flash"));
    r.headers_mut().insert("hx-reswap", axum::http::HeaderValue::from_static("innerHTML"));
    r
}

/// The template context for a conversation whose last answer is `answer`.
/// `attributes` are the policy's warnings for the answer's definition (see [`attribute_warnings`]).
fn answer_context(caller: &Caller, history: &[Value], answer: &Value, attributes: Vec<String>) -> minijinja::Value {
    let prompt = answer["prompt"].as_str().unwrap_or("");
    let mut warnings = view::warnings(answer);
    warnings.extend(attributes);
    let preview = &answer["preview"];
    context! {
        conversation_id => answer["conversation_id"].as_str(),
        history => history.iter().map(|t| context! { prompt => t["prompt"].as_str(), diff => minijinja::Value::from(minijinja::value::Serde(&t["diff"])) }).collect::<Vec<_>>(),
        answer => minijinja::Value::from(minijinja::value::Serde(answer)),
        pieces => minijinja::Value::from(minijinja::value::Serde(view::pieces(prompt, answer))),
        choices => minijinja::Value::from(minijinja::value::Serde(view::choices(answer))),
        warnings,
        charts => minijinja::Value::from(minijinja::value::Serde(view::charts(preview))),
        perf => minijinja::Value::from(minijinja::value::Serde(perf_view::performance(preview))),
        why => perf_view::sample_why(preview),
        ..user_context(caller)
    }
}

pub async fn page(State(app): State<AppState>, Extension(caller): Extension<Caller>, Query(q): Query<PageQuery>) -> Response {
    let Some(id) = q.c.filter(|c| !c.is_empty()) else {
        return render("chat.html", context! { conversation_id => None::<String>, has_answer => false, ..user_context(&caller) });
    };
    match app.conversation(&id).await {
        Ok(turns) => {
            let last = turns.last().cloned().unwrap_or(Value::Null);
            let ctx = answer_context(&caller, &turns, &last, attribute_warnings(&app, &last).await);
            render("chat.html", context! { has_answer => true, ..ctx })
        }
        Err(e) => error_fragment(e),
    }
}

pub async fn ask(State(app): State<AppState>, Extension(caller): Extension<Caller>, headers: HeaderMap, Form(form): Form<AskForm>) -> Response {
    let prompt = match (form.prompt.as_deref().map(str::trim).filter(|p| !p.is_empty()), form.days) {
        (Some(p), _) => p.to_string(),
        (None, Some(d)) => format!("what about {d} days?"),
        (None, None) => return error_fragment(ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "empty_prompt", "Type a request first.")),
    };
    let as_of = match app.as_of(None) {
        Ok(a) => a,
        Err(e) => return error_fragment(e),
    };
    let req = AskRequest {
        prompt,
        conversation_id: form.conversation_id.filter(|c| !c.is_empty()),
        start_conversation: true,
        full_preview: true,
        ..Default::default()
    };
    match app.ask(req, as_of).await {
        Ok(a) => answer_response(&app, &caller, &headers, &a).await,
        Err(e) => error_fragment(e),
    }
}

/// "Remove these words and keep the rest": a new turn without the words not understood.
pub async fn keep(State(app): State<AppState>, Extension(caller): Extension<Caller>, headers: HeaderMap, Form(form): Form<KeepForm>) -> Response {
    let as_of = match app.as_of(None) {
        Ok(a) => a,
        Err(e) => return error_fragment(e),
    };
    match app.keep_understood(&form.conversation_id, as_of, true).await {
        Ok(a) => answer_response(&app, &caller, &headers, &a).await,
        Err(e) => error_fragment(e),
    }
}

/// The conversation with `answer` as its last turn: the answer fragment for htmx, else the page.
async fn answer_response(app: &AppState, caller: &Caller, headers: &HeaderMap, answer: &crate::app::Answer) -> Response {
    let answer = serde_json::to_value(answer).expect("answer serializes");
    let id = answer["conversation_id"].as_str().unwrap_or_default().to_string();
    let history = app.conversation(&id).await.unwrap_or_default();
    let ctx = answer_context(caller, &history, &answer, attribute_warnings(app, &answer).await);
    if !is_htmx(headers) {
        return render("chat.html", context! { has_answer => true, ..ctx });
    }
    let mut r = render("answer.html", ctx);
    // The address names the conversation, so a reload or a shared link shows it again.
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("/chat?c={id}")) {
        r.headers_mut().insert("hx-push-url", v);
    }
    r
}

pub async fn save(State(app): State<AppState>, Extension(caller): Extension<Caller>, Form(form): Form<SaveForm>) -> Response {
    if let Err(e) = caller.principal.require(Permission::Author) {
        return error_fragment(crate::app::AppError::from(e));
    }
    let turns = match app.conversation(&form.conversation_id).await {
        Ok(t) => t,
        Err(e) => return error_fragment(e),
    };
    let Some(definition) = turns.last().and_then(|t| serde_json::from_value::<Definition>(t["definition"].clone()).ok()) else {
        return error_fragment(ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "nothing_to_save", "Ask for an audience first."));
    };
    let as_of = match app.as_of(None) {
        Ok(a) => a,
        Err(e) => return error_fragment(e),
    };
    let unresolved = definition.unresolved.clone();
    let req = SaveSegment { name: form.name.trim().to_string(), description: turns.first().and_then(|t| t["prompt"].as_str().map(String::from)), definition };
    let actor = Actor::user(caller.principal.clone(), caller.address.clone());
    match app.create_segment(req, as_of, &actor).await {
        Ok(seg) => render("saved.html", context! { segment => minijinja::Value::from(minijinja::value::Serde(&seg)), ..user_context(&caller) }).into_response(),
        Err(AppError::Invalid(issues)) if issues.iter().any(|i| i.code == Code::PartialDefinition) => error_fragment(partial_error(&unresolved)),
        Err(e) => error_fragment(e),
    }
}

/// The save refusal of a partial answer, in the page's own terms (the API's message speaks of
/// the JSON field).
fn partial_error(words: &[String]) -> ApiError {
    let was = if words.len() == 1 { "was" } else { "were" };
    let words = words.iter().map(|w| format!("“{w}”")).collect::<Vec<_>>().join(", ");
    let message = format!("Not saved: {words} {was} not understood. Choose “Remove these words and keep the rest”, or rephrase the request, then save.");
    ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "partial_definition", message)
}
