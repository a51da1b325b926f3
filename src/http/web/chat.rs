//! The chat page: type a request, see how it was understood and what the audience looks like,
//! refine it with follow-ups (typed, or by picking another choice for an assumption), and save
//! the result as a draft segment. A partial answer (words not understood) is saved only after
//! the user removes those words ("keep the rest") or rephrases. A typed request that does not
//! read as a refinement starts a new audience (`app::followup`); **New audience** starts one
//! explicitly. A conversation opened from a segment's "Edit in chat" (`?segment=ID`) saves as
//! that segment's next version.

use axum::Extension;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;
use serde_json::Value;

use super::super::auth::Caller;
use super::super::{ApiError, AppState};
use super::segments::actor as caller_actor;
use super::session::user_context;
use super::{is_htmx, perf_view, render, view};
use crate::app::audit::Actor;
use crate::app::followup::FollowUp;
use crate::app::{AppError, AskRequest, SaveSegment};
use crate::domain::definition::Definition;
use crate::domain::policy::Destination;
use crate::domain::validate::Code;

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    c: Option<String>,
    /// The segment this conversation edits (opened from its "Edit in chat").
    #[serde(default)]
    segment: Option<String>,
}

#[derive(Deserialize)]
pub struct AskForm {
    #[serde(default)]
    prompt: Option<String>,
    /// A duration typed for an assumption: asks "what about N days?".
    #[serde(default)]
    days: Option<String>,
    #[serde(default)]
    conversation_id: Option<String>,
    /// `1`: refine the conversation whatever the words (the "apply to the previous audience" button).
    #[serde(default)]
    refine: Option<String>,
    #[serde(default)]
    segment: Option<String>,
}

#[derive(Deserialize)]
pub struct KeepForm {
    #[serde(default)]
    conversation_id: String,
    #[serde(default)]
    segment: Option<String>,
}

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) conversation_id: String,
    /// Save as this segment's next version instead of a new segment.
    #[serde(default)]
    pub(super) segment: Option<String>,
}

/// A form the page could not have sent (a field of the wrong type), said in words.
pub(super) fn bad_form(e: FormRejection) -> Response {
    error_fragment(ApiError::new(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "bad_form",
        format!("This form could not be read: {}", e.body_text()),
    ))
}

/// "45" → 45 days, refused outside 1 ..= 3650 or when not a whole number.
fn parse_days(days: &str) -> Result<i64, ApiError> {
    match days.trim().parse::<i64>() {
        Ok(d) if (1..=3650).contains(&d) => Ok(d),
        _ => Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "bad_days",
            "The number of days must be a whole number from 1 to 3650.",
        )),
    }
}

/// The segment a conversation edits, for the page: its id, name and the version saving makes.
#[derive(serde::Serialize)]
struct Editing {
    id: String,
    name: String,
    next_version: i64,
}

async fn editing(app: &AppState, caller: &Caller, segment: Option<&str>) -> Option<Editing> {
    let key = segment.filter(|s| !s.is_empty() && s.len() <= 64)?;
    let seg = app.get_segment(key, &caller_actor(caller)).await.ok()?;
    Some(Editing {
        id: seg.segment.id,
        name: seg.segment.name,
        next_version: seg.segment.current_version + 1,
    })
}

/// The policy's warnings for an answer's definition, its terms and referenced segments expanded.
async fn attribute_warnings(app: &AppState, caller: &Caller, answer: &Value) -> Vec<String> {
    match Definition::from_value(answer["definition"].clone()) {
        Ok(def) => app.attribute_warnings(&def, &caller_actor(caller)).await,
        Err(_) => Vec::new(),
    }
}

/// An error shown in place of the answer, with the status the API would give.
pub(super) fn error_fragment(e: impl Into<ApiError>) -> Response {
    let e = e.into();
    let mut r = render(
        "error.html",
        context! { message => e.message, code => e.code },
    );
    *r.status_mut() = e.status;
    // htmx swaps error answers too (see the page's htmx-config) into the message area.
    r.headers_mut().insert(
        "hx-retarget",
        axum::http::HeaderValue::from_static("#flash"),
    );
    r.headers_mut().insert(
        "hx-reswap",
        axum::http::HeaderValue::from_static("innerHTML"),
    );
    r
}

/// The template context for a conversation whose last answer is `answer`.
/// `attributes` are the policy's warnings for the answer's definition (see [`attribute_warnings`]).
/// `configured` are the destinations segments can be sent to (platform warnings name only those).
fn answer_context(
    caller: &Caller,
    history: &[Value],
    answer: &Value,
    attributes: Vec<String>,
    configured: &[Destination],
) -> minijinja::Value {
    let prompt = answer["prompt"].as_str().unwrap_or("");
    let mut warnings = view::warnings(answer, configured);
    warnings.extend(attributes);
    // The size before this step, for the pinned summary's change (a new audience has none).
    let before = match history {
        [.., b, _] if answer["started_over"].is_null() => b["preview"]["size"]["count"].as_i64(),
        _ => None,
    };
    let change = before
        .zip(answer["preview"]["size"]["count"].as_i64())
        .map(|(b, n)| n - b);
    let preview = &answer["preview"];
    let nomatch = view::no_match(answer);
    context! {
        conversation_id => answer["conversation_id"].as_str(),
        history => history.iter().map(|t| context! { prompt => t["prompt"].as_str(), diff => minijinja::Value::from(minijinja::value::Serde(&t["diff"])) }).collect::<Vec<_>>(),
        answer => minijinja::Value::from(minijinja::value::Serde(answer)),
        pieces => minijinja::Value::from(minijinja::value::Serde(view::pieces(prompt, answer))),
        choices => minijinja::Value::from(minijinja::value::Serde(view::choices(answer))),
        warnings, change,
        // Bars of nobody are all zero: left out, as the predictions are.
        charts => minijinja::Value::from(minijinja::value::Serde(if nomatch.is_none() { view::charts(preview) } else { Vec::new() })),
        // Nobody to predict for: the section would be a table of zeros.
        perf => minijinja::Value::from(minijinja::value::Serde(perf_view::performance(preview).filter(|_| nomatch.is_none()))),
        nomatch => minijinja::Value::from(minijinja::value::Serde(nomatch)),
        why => perf_view::sample_why(preview),
        can_author => caller.principal.role.allows(crate::domain::access::Permission::Author),
        can_train => caller.principal.role.allows(crate::domain::access::Permission::Train),
        chips => super::chips::chips(answer),
        ..user_context(caller)
    }
}

pub async fn page(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<PageQuery>,
) -> Response {
    let Some(id) = q.c.filter(|c| !c.is_empty()) else {
        return render(
            "chat.html",
            context! { conversation_id => None::<String>, has_answer => false, editing => None::<()>, ..user_context(&caller) },
        );
    };
    match app.conversation(&id, &caller_actor(&caller)).await {
        Ok(turns) => {
            let last = turns.last().cloned().unwrap_or(Value::Null);
            let ctx = answer_context(
                &caller,
                &turns,
                &last,
                attribute_warnings(&app, &caller, &last).await,
                &app.sendable_destinations(&caller_actor(&caller)).await,
            );
            let editing = minijinja::Value::from(minijinja::value::Serde(
                editing(&app, &caller, q.segment.as_deref()).await,
            ));
            let panel = super::chips::panel(&app, &caller, &turns).await;
            let ctx = context! { ..ctx, ..panel };
            render("chat.html", context! { has_answer => true, editing, ..ctx })
        }
        Err(e) => super::segments::page_error(&caller, e),
    }
}

pub async fn ask(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    form: Result<Form<AskForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(e),
    };
    let prompt = match (
        form.prompt
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty()),
        form.days.as_deref().filter(|d| !d.trim().is_empty()),
    ) {
        (Some(p), _) => p.to_string(),
        (None, Some(d)) => match parse_days(d) {
            Ok(d) => format!("what about {d} days?"),
            Err(e) => return error_fragment(e),
        },
        (None, None) => {
            return error_fragment(ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "empty_prompt",
                "Type a request first.",
            ));
        }
    };
    let as_of = match app.as_of(None) {
        Ok(a) => a,
        Err(e) => return error_fragment(e),
    };
    let follow_up = if form.refine.as_deref() == Some("1") {
        FollowUp::Continue
    } else {
        FollowUp::Auto
    };
    let req = AskRequest {
        prompt,
        conversation_id: form.conversation_id.filter(|c| !c.is_empty()),
        start_conversation: true,
        full_preview: true,
        ..Default::default()
    };
    match app
        .ask_with(req, follow_up, as_of, &caller_actor(&caller))
        .await
    {
        // A new audience is no longer the segment being edited.
        Ok(a) => {
            let segment = form.segment.filter(|_| a.started_over.is_none());
            answer_response(&app, &caller, &headers, &a, segment.as_deref()).await
        }
        Err(e) => error_fragment(e),
    }
}

/// "Remove these words and keep the rest": a new turn without the words not understood.
pub async fn keep(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    form: Result<Form<KeepForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(e),
    };
    let as_of = match app.as_of(None) {
        Ok(a) => a,
        Err(e) => return error_fragment(e),
    };
    match app
        .keep_understood(&form.conversation_id, as_of, true, &caller_actor(&caller))
        .await
    {
        Ok(a) => answer_response(&app, &caller, &headers, &a, form.segment.as_deref()).await,
        Err(e) => error_fragment(e),
    }
}

/// The conversation with `answer` as its last turn: the answer fragment for htmx, else the page.
pub(super) async fn answer_response(
    app: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    answer: &crate::app::Answer,
    segment: Option<&str>,
) -> Response {
    let answer = serde_json::to_value(answer).expect("answer serializes");
    let id = answer["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let history = app
        .conversation(&id, &caller_actor(caller))
        .await
        .unwrap_or_default();
    let ctx = answer_context(
        caller,
        &history,
        &answer,
        attribute_warnings(app, caller, &answer).await,
        &app.sendable_destinations(&caller_actor(caller)).await,
    );
    let editing = editing(app, caller, segment).await;
    // The address names the conversation (and the segment it edits), so a reload or a shared
    // link shows it again.
    let address = match &editing {
        Some(e) => format!("/chat?c={id}&segment={}", e.id),
        None => format!("/chat?c={id}"),
    };
    let editing = minijinja::Value::from(minijinja::value::Serde(&editing));
    let panel = super::chips::panel(app, caller, &history).await;
    let ctx = context! { ..ctx, ..panel };
    if !is_htmx(headers) {
        return render("chat.html", context! { has_answer => true, editing, ..ctx });
    }
    let mut r = render("answer.html", context! { editing, ..ctx });
    if let Ok(v) = axum::http::HeaderValue::from_str(&address) {
        r.headers_mut().insert("hx-push-url", v);
    }
    r
}

/// Save the conversation's audience: as a new draft segment, or as the next version of the
/// segment it edits. The app checks who may (authors).
pub async fn save(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    form: Result<Form<SaveForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(e),
    };
    match save_conversation(&app, &caller, &form).await {
        Ok(seg) => render(
            "saved.html",
            context! { segment => minijinja::Value::from(minijinja::value::Serde(&seg)), ..user_context(&caller) },
        ),
        Err(r) => r,
    }
}

/// The saving behind [`save`] (and the chat's "submit"): the segment saved, or the refusal said
/// by the Save button.
pub(super) async fn save_conversation(
    app: &AppState,
    caller: &Caller,
    form: &SaveForm,
) -> Result<crate::app::SegmentView, Response> {
    let turns = match app
        .conversation(&form.conversation_id, &caller_actor(caller))
        .await
    {
        Ok(t) => t,
        Err(e) => return Err(error_fragment(e)),
    };
    let Some(definition) = turns
        .last()
        .and_then(|t| serde_json::from_value::<Definition>(t["definition"].clone()).ok())
    else {
        return Err(error_fragment(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "nothing_to_save",
            "Ask for an audience first.",
        )));
    };
    let as_of = app.as_of(None).map_err(error_fragment)?;
    let unresolved = definition.unresolved.clone();
    let actor = Actor::user(caller.principal.clone(), caller.address.clone());
    let saved = match form.segment.as_deref().filter(|s| !s.is_empty()) {
        Some(key) => app.update_segment(key, definition, as_of, &actor).await,
        None => {
            let description = turns
                .first()
                .and_then(|t| t["prompt"].as_str().map(String::from));
            app.create_segment(
                SaveSegment {
                    name: form.name.trim().to_string(),
                    description,
                    definition,
                },
                as_of,
                &actor,
            )
            .await
        }
    };
    saved.map_err(|e| match e {
        AppError::Invalid(issues) if issues.iter().any(|i| i.code == Code::PartialDefinition) => {
            by_save_button(error_fragment(partial_error(&unresolved)))
        }
        e => by_save_button(error_fragment(e)),
    })
}

/// A save refused is said next to the Save button, in place of an earlier "Saved" (not at the
/// top of the page, out of sight, with the old success still showing).
pub(super) fn by_save_button(mut r: Response) -> Response {
    r.headers_mut().insert(
        "hx-retarget",
        axum::http::HeaderValue::from_static("#saved"),
    );
    r
}

/// The save refusal of a partial answer, in the page's own terms (the API's message speaks of
/// the JSON field).
fn partial_error(words: &[String]) -> ApiError {
    let was = if words.len() == 1 { "was" } else { "were" };
    let words = words
        .iter()
        .map(|w| format!("“{w}”"))
        .collect::<Vec<_>>()
        .join(", ");
    let message = format!(
        "Not saved: {words} {was} not understood. Choose “Remove these words and keep the rest”, or rephrase the request, then save."
    );
    ApiError::new(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "partial_definition",
        message,
    )
}
