//! The glossary page (every business term with its synonyms, meaning, parameters and
//! definition) and, for admins, its editor: add, change and delete terms. A term's form is
//! checked by `app` with the definition validator; each problem is shown next to its field and
//! nothing is saved. Other roles read only, and the server refuses their posts (403).

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::super::AppState;
use super::super::auth::Caller;
use super::render;
use super::segments::{actor, page_error, redirect};
use super::session::user_context;
use crate::app::AppError;
use crate::domain::access::Permission;
use crate::domain::glossary::Term;
use crate::domain::validate::{Code, Issue};

/// The editor's fields as typed, kept to show them again next to their errors.
#[derive(Debug, Default, Serialize)]
struct TermForm {
    key: String,
    label: String,
    synonyms: String,
    description: String,
    /// One `name = default` per line.
    params: String,
    /// The definition as JSON.
    definition: String,
}

impl TermForm {
    fn from_term(key: &str, t: &Term) -> Self {
        Self {
            key: key.to_string(),
            label: t.label.clone(),
            synonyms: t.synonyms.join(", "),
            description: t.description.clone(),
            params: t
                .params
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect::<Vec<_>>()
                .join("\n"),
            definition: serde_json::to_string_pretty(&t.definition).unwrap_or_default(),
        }
    }

    fn parse(body: &[u8]) -> Self {
        let mut f = Self::default();
        for (k, v) in form_urlencoded::parse(body) {
            let slot = match k.as_ref() {
                "key" => &mut f.key,
                "label" => &mut f.label,
                "synonyms" => &mut f.synonyms,
                "description" => &mut f.description,
                "params" => &mut f.params,
                "definition" => &mut f.definition,
                _ => continue,
            };
            *slot = v.trim().to_string();
        }
        f
    }

    /// The term the fields describe, or the problems that keep them from being one.
    fn term(&self) -> Result<Term, Vec<Issue>> {
        let mut issues = Vec::new();
        let mut params = std::collections::BTreeMap::new();
        for line in self.params.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match line
                .split_once('=')
                .map(|(k, v)| (k.trim(), v.trim().parse::<f64>()))
            {
                Some((k, Ok(v))) if !k.is_empty() => {
                    params.insert(k.to_string(), v);
                }
                _ => issues.push(Issue::new(
                    "params",
                    Code::TypeMismatch,
                    format!("`{line}` is not `name = number`"),
                )),
            }
        }
        let definition = serde_json::from_str(&self.definition).unwrap_or_else(|e| {
            issues.push(Issue::new("$", Code::InvalidJson, format!("not JSON: {e}")));
            serde_json::Value::Null
        });
        let synonyms = self
            .synonyms
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        let term = Term {
            label: self.label.clone(),
            synonyms,
            description: self.description.clone(),
            params,
            definition,
        };
        if issues.is_empty() {
            Ok(term)
        } else {
            Err(issues)
        }
    }
}

/// Issues by the form field they belong to (`$…` paths are the definition's).
fn field_errors(issues: &[Issue]) -> minijinja::Value {
    let mut by: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for i in issues {
        let (field, text) = if i.path.starts_with('$') {
            ("definition", format!("{}: {}", i.path, i.message))
        } else {
            (i.path.as_str(), i.message.clone())
        };
        by.entry(field).or_default().push(text);
    }
    minijinja::Value::from(Serde(by))
}

fn is_admin(caller: &Caller) -> bool {
    caller.principal.role.allows(Permission::Administer)
}

pub async fn page(State(app): State<AppState>, Extension(caller): Extension<Caller>) -> Response {
    let glossary = app.glossary();
    let terms: Vec<_> = glossary
        .terms
        .iter()
        .map(|(name, t)| {
            let params: Vec<String> = t.params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            context! {
                name, label => &t.label, synonyms => &t.synonyms, description => &t.description, params,
                definition => serde_json::to_string_pretty(&t.definition).unwrap_or_default(),
            }
        })
        .collect();
    render(
        "glossary.html",
        context! { terms, admin => is_admin(&caller), version => glossary.version(), ..user_context(&caller) },
    )
}

#[derive(Deserialize)]
pub struct EditQuery {
    term: Option<String>,
}

fn editor(
    caller: &Caller,
    form: &TermForm,
    is_new: bool,
    issues: &[Issue],
    status: StatusCode,
) -> Response {
    let mut r = render(
        "glossary_edit.html",
        context! { form => Serde(form), is_new, errors => field_errors(issues), ..user_context(caller) },
    );
    *r.status_mut() = status;
    r
}

/// The editor, empty for a new term or filled with `?term=KEY` (admins only).
pub async fn edit(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<EditQuery>,
) -> Response {
    let glossary = match app.glossary_to_edit(&actor(&caller)) {
        Ok(g) => g,
        Err(e) => return page_error(&caller, e),
    };
    match q.term.as_deref() {
        None => editor(&caller, &TermForm::default(), true, &[], StatusCode::OK),
        Some(key) => match glossary.terms.get(key) {
            Some(t) => editor(
                &caller,
                &TermForm::from_term(key, t),
                false,
                &[],
                StatusCode::OK,
            ),
            None => page_error(
                &caller,
                AppError::NotFound(format!("glossary term `{key}`")),
            ),
        },
    }
}

/// Save a term from the editor; on problems, the editor again with each next to its field.
pub async fn save(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: axum::body::Bytes,
) -> Response {
    let form = TermForm::parse(&body);
    let is_new = !app.glossary().terms.contains_key(&form.key);
    let result = match form.term() {
        Ok(term) => app.save_term(&form.key, term, &actor(&caller)).await,
        // Refuse other roles before showing them anything about the form.
        Err(issues) => app
            .glossary_to_edit(&actor(&caller))
            .and(Err(AppError::Invalid(issues))),
    };
    match result {
        Ok(()) => redirect(&format!("/glossary#term-{}", form.key)),
        Err(AppError::Invalid(issues)) => editor(
            &caller,
            &form,
            is_new,
            &issues,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => page_error(&caller, e),
    }
}

pub async fn delete(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
) -> Response {
    match app.delete_term(&key, &actor(&caller)).await {
        Ok(()) => redirect("/glossary"),
        Err(e) => page_error(&caller, e),
    }
}
