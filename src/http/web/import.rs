//! The CSV import page (admins): choose what the file holds and upload it (the page sends the
//! file itself as the request body, so the browser shows the upload's progress); see what each
//! column becomes, with the type read from its first rows, and change the mapping; import, with
//! a progress indicator while it runs; read what was imported and download the rejected rows.
//! `app` checks the role and does the import (the same importer as `segwright import`).

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::super::auth::Caller;
use super::super::{ApiError, AppState};
use super::admin::{admins_only, fields};
use super::chat::error_fragment;
use super::render;
use super::segments::actor;
use super::session::user_context;
use crate::app::{AppError, StagedImport};
use crate::domain::access::Permission;

const IMPORT_IS: &str =
    "The import page loads customers, orders and events from CSV files into the workspace.";

pub async fn page(Extension(caller): Extension<Caller>) -> Response {
    if !caller.principal.role.allows(Permission::Administer) {
        return admins_only(&caller, "Import data", IMPORT_IS);
    }
    render("import.html", context! { ..user_context(&caller) })
}

/// An error in words in the page's message area; a refused role gets the explanation.
fn refused(caller: &Caller, e: AppError) -> Response {
    match e {
        AppError::Forbidden(_) => admins_only(caller, "Import data", IMPORT_IS),
        e => error_fragment(e),
    }
}

fn preview(caller: &Caller, staged: &StagedImport, map: &str) -> Response {
    let mut r = render(
        "import_preview.html",
        context! { staged => Serde(staged), map, ..user_context(caller) },
    );
    if staged.problem.is_some() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

#[derive(Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    kind: String,
}

/// The uploaded file (the request body): staged and previewed.
pub async fn upload(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    q: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> Response {
    let kind = q.map(|Query(q)| q.kind).unwrap_or_default();
    match app.stage_import(&kind, &body, &actor(&caller)).await {
        Ok(staged) => preview(&caller, &staged, ""),
        Err(e) => refused(&caller, e),
    }
}

/// `column=field` lines typed in the mapping field.
fn mappings(text: &str) -> Result<Vec<(String, String)>, AppError> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split_once('=')
                .map(|(c, f)| (c.trim().to_string(), f.trim().to_string()))
                .filter(|(c, f)| !c.is_empty() && !f.is_empty())
                .ok_or_else(|| {
                    AppError::BadInput(format!(
                        "“{}” is not a mapping: write COLUMN=FIELD, one per line",
                        l.chars().take(60).collect::<String>()
                    ))
                })
        })
        .collect()
}

/// The preview again with the mapping typed (`remap`), or the import itself (`run`).
pub async fn act(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(action): Path<String>,
    body: Bytes,
) -> Response {
    let who = actor(&caller);
    let form = match fields(&body) {
        Ok(f) => f,
        Err(e) => return refused(&caller, e),
    };
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let (id, kind, map) = (get("id"), get("kind"), get("map"));
    let overrides = match mappings(&map) {
        Ok(m) => m,
        Err(e) => return refused(&caller, e),
    };
    match action.as_str() {
        "remap" => match app.preview_import(&id, &kind, &overrides, &who).await {
            Ok(staged) => preview(&caller, &staged, &map),
            Err(e) => refused(&caller, e),
        },
        "run" => match app.run_import(&id, &kind, overrides, &who).await {
            Ok(report) => render(
                "import_result.html",
                context! { report => Serde(&report), id, ..user_context(&caller) },
            ),
            Err(e) => refused(&caller, e),
        },
        _ => error_fragment(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "There is no such step of the import: upload the file again.",
        )),
    }
}

/// The rows an import set aside, as a CSV download.
pub async fn rejects(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    match app.import_rejects(&id, &actor(&caller)).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"rejected-rows.csv\"",
                ),
            ],
            csv,
        )
            .into_response(),
        Err(AppError::Forbidden(_)) => admins_only(&caller, "Import data", IMPORT_IS),
        Err(e) => super::segments::page_error(&caller, e),
    }
}
