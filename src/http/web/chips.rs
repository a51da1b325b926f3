//! The audience beside the chat: one chip per condition (change its value, remove it; each is a
//! new turn, so the read-back, the counts and "undo" follow), and the one-click steps from an
//! answer: save (under a suggested name), save as a new version of a saved segment, and save
//! and submit for approval to the configured destinations. `app` checks every step's role.

use axum::Extension;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;
use serde_json::Value;

use super::super::auth::Caller;
use super::super::{ApiError, AppState};
use super::chat::{
    SaveForm, answer_response, bad_form, by_save_button, error_fragment, save_conversation,
};
use super::render;
use super::segments::actor;
use crate::app::{ChipEdit, chip_value};
use crate::domain::definition::Node;
use crate::domain::policy::Destination;
use crate::interpret::refine;

/// One chip: its number, its sentence and the value it lets the user change.
#[derive(serde::Serialize)]
struct Chip {
    index: usize,
    sentence: String,
    label: Option<String>,
    value: Option<String>,
}

/// The chips of an answer: its conditions, each with its sentence from the answer's summary.
pub(super) fn chips(answer: &Value) -> minijinja::Value {
    let root: Option<Node> = serde_json::from_value(answer["definition"]["root"].clone()).ok();
    let conditions = root.map(|r| refine::conditions(&r)).unwrap_or_default();
    let summary = answer["summary"].as_array().cloned().unwrap_or_default();
    if conditions.len() != summary.len() {
        return minijinja::Value::from(Vec::<i32>::new());
    }
    let chips: Vec<Chip> = conditions
        .iter()
        .zip(&summary)
        .enumerate()
        .map(|(index, (node, sentence))| {
            let v = chip_value(node);
            Chip {
                index,
                sentence: sentence.as_str().unwrap_or_default().to_string(),
                label: v.as_ref().map(|v| v.label.clone()),
                value: v.map(|v| v.value),
            }
        })
        .collect();
    minijinja::Value::from(Serde(chips))
}

/// What the one-click panel needs: a name to save under (the first request, shortened), the
/// saved segments a new version can go to, and the destinations a submission goes to.
pub(super) async fn panel(app: &AppState, caller: &Caller, history: &[Value]) -> minijinja::Value {
    let first = history
        .first()
        .and_then(|t| t["prompt"].as_str())
        .unwrap_or("");
    let mut name: String = first.trim().chars().take(60).collect();
    if let Some(c) = name.get(..1) {
        name = c.to_uppercase() + &name[1..];
    }
    let segments: Vec<_> = app
        .segment_overview(&actor(caller))
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|s| context! { id => s.row.id.clone(), name => s.row.name.clone() })
        .collect();
    let destinations: Vec<&str> = app
        .sendable_destinations(&actor(caller))
        .await
        .into_iter()
        .map(|d| d.as_str())
        .collect();
    context! { suggested_name => name, segments, submit_to => destinations }
}

#[derive(Deserialize)]
pub struct ChipForm {
    #[serde(default)]
    conversation_id: String,
    #[serde(default)]
    index: String,
    #[serde(default)]
    value: Option<String>,
    /// `1`: remove the condition instead of changing it.
    #[serde(default)]
    remove: Option<String>,
    #[serde(default)]
    segment: Option<String>,
}

fn unprocessable(code: &'static str, message: String) -> Response {
    error_fragment(ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        code,
        message,
    ))
}

/// Change a chip's value or remove it: the conversation's next answer.
pub async fn chip(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    form: Result<Form<ChipForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(e),
    };
    let Ok(index) = form.index.trim().parse::<usize>() else {
        return unprocessable(
            "bad_chip",
            "Choose a condition of the audience to change.".into(),
        );
    };
    let edit = match (form.remove.as_deref(), form.value) {
        (Some("1"), _) => ChipEdit::Remove,
        (_, Some(v)) => ChipEdit::Change(v),
        (_, None) => {
            return unprocessable(
                "bad_chip",
                "Type a new value for the condition, or remove it.".into(),
            );
        }
    };
    let as_of = match app.as_of(None) {
        Ok(a) => a,
        Err(e) => return error_fragment(e),
    };
    match app
        .edit_chip(&form.conversation_id, index, edit, as_of, &actor(&caller))
        .await
    {
        Ok(a) => answer_response(&app, &caller, &headers, &a, form.segment.as_deref()).await,
        Err(e) => error_fragment(e),
    }
}

#[derive(Deserialize)]
pub struct SubmitForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    conversation_id: String,
    #[serde(default)]
    segment: Option<String>,
    #[serde(default)]
    destination: Option<String>,
}

/// Save the audience (as a new segment, or as the next version of `segment`) and submit that
/// version for approval, in one click.
pub async fn submit(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    form: Result<Form<SubmitForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(e),
    };
    let destinations: Vec<Destination> = match form.destination.as_deref().unwrap_or("").trim() {
        "" => Vec::new(),
        d => match Destination::parse(d) {
            Ok(d) => vec![d],
            Err(_) => {
                return by_save_button(unprocessable(
                    "bad_destination",
                    format!(
                        "“{}” is not a destination this app sends to.",
                        d.chars().take(40).collect::<String>()
                    ),
                ));
            }
        },
    };
    if destinations.is_empty() {
        let message = "Choose a destination to submit to (an admin configures them on the Destinations page); the audience can still be saved without one.";
        return by_save_button(unprocessable("no_destination", message.into()));
    }
    let save = SaveForm {
        name: form.name,
        conversation_id: form.conversation_id,
        segment: form.segment,
    };
    let seg = match save_conversation(&app, &caller, &save).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match app
        .submit_segment(&seg.segment.id, destinations.clone(), &actor(&caller))
        .await
    {
        Ok(_) => render(
            "saved.html",
            context! { segment => Serde(&seg), submitted => destinations.iter().map(|d| d.as_str()).collect::<Vec<_>>(), ..super::session::user_context(&caller) },
        ),
        Err(e) => {
            let message = format!(
                "Saved as version {} of “{}”, but not submitted: {}",
                seg.segment.current_version,
                seg.segment.name,
                ApiError::from(e).message
            );
            by_save_button(unprocessable("not_submitted", message))
        }
    }
}
