//! CSV import from the web app (admins): an uploaded file is kept in a staging folder under an
//! id, its columns are previewed (which field or custom attribute each becomes, with the type
//! inferred from its first rows, or that it is not imported), and on confirmation it is imported
//! by the same importer as `segwright import` ([`App::import`]) with bad rows set aside in a
//! rejects file the admin can download. Audited as `import.run`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Actor, App, AppError, ImportOptions, ImportReport};
use crate::domain::access::Permission;
use crate::domain::import::encoding::decode_latin1;
use crate::domain::import::{self as imp, ColumnStats, Kind, Target};

/// Largest file taken (the web layer refuses larger bodies before they are read).
pub const MAX_UPLOAD_BYTES: usize = 50 * 1024 * 1024;
/// Rows read to infer types and shown as examples.
const SAMPLE_ROWS: usize = 1_000;
const SHOWN_ROWS: usize = 5;

/// What one column of an uploaded file becomes.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnPreview {
    pub column: String,
    /// `field`, `attribute` or `ignored`.
    pub role: &'static str,
    /// The field or attribute name it fills (empty when ignored).
    pub becomes: String,
    /// The type read from it: `email`, `date`, `number`, `yes/no`, `text`, …
    pub ty: String,
    pub examples: Vec<String>,
}

/// A staged upload and how it would be imported.
#[derive(Debug, Clone, Serialize)]
pub struct StagedImport {
    pub id: String,
    pub kind: &'static str,
    /// Data rows in the file (lines after the header).
    pub rows: u64,
    pub columns: Vec<ColumnPreview>,
    /// Why the columns cannot be imported as they are, in words (then nothing is imported).
    pub problem: Option<String>,
}

/// `customers`, `orders` or `events` as a kind of file.
pub fn parse_kind(s: &str) -> Result<Kind, AppError> {
    match s.trim() {
        "customers" => Ok(Kind::Customers),
        "orders" => Ok(Kind::Orders),
        "events" => Ok(Kind::Events),
        other => Err(AppError::BadInput(format!(
            "“{}” is not a kind of file: choose customers, orders or events",
            other.chars().take(40).collect::<String>()
        ))),
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Customers => "customers",
        Kind::Orders => "orders",
        Kind::Events => "events",
    }
}

/// The staging folder of an upload; an id that is not one of ours is refused.
fn folder(id: &str) -> Result<PathBuf, AppError> {
    let ok = id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit());
    if !ok {
        return Err(AppError::NotFound(
            "this upload (upload the file again)".into(),
        ));
    }
    Ok(std::env::temp_dir().join("segwright-uploads").join(id))
}

fn staged_file(id: &str) -> Result<PathBuf, AppError> {
    let f = folder(id)?.join("upload.csv");
    if !f.exists() {
        return Err(AppError::NotFound(
            "this upload (upload the file again)".into(),
        ));
    }
    Ok(f)
}

/// A known field's name and type, as the preview says them.
fn field_label(t: Target) -> (String, &'static str) {
    let ty = match t {
        Target::ExternalId | Target::CustomerId | Target::OrderId | Target::EventId => "identifier",
        Target::Email => "email",
        Target::Phone => "phone",
        Target::Country => "country",
        Target::SignupDate => "date",
        Target::EmailConsent | Target::SmsConsent | Target::AdsConsent => "yes/no",
        Target::OccurredAt => "date and time",
        Target::Amount | Target::Quantity => "number",
        Target::Name => "event name",
        Target::Properties => "JSON",
        _ => "text",
    };
    // `OccurredAt` → `occurred_at`.
    let mut name = String::new();
    for (i, c) in format!("{t:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_lowercase());
    }
    (name, ty)
}

/// The header and the first rows of a staged file.
fn head(file: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), AppError> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(file)
        .map_err(|e| AppError::BadInput(format!("the file cannot be read: {e}")))?;
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| AppError::BadInput(format!("the first line is not a CSV header: {e}")))?
        .iter()
        .map(String::from)
        .collect();
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(AppError::BadInput(
            "the file has no header line naming its columns".into(),
        ));
    }
    let rows = r
        .records()
        .take(SAMPLE_ROWS)
        .map_while(Result::ok)
        .map(|rec| rec.iter().map(String::from).collect())
        .collect();
    Ok((headers, rows))
}

/// Each column's preview under `plan`.
fn columns(plan: &imp::ColumnPlan, rows: &[Vec<String>]) -> Vec<ColumnPreview> {
    let examples = |i: usize| -> Vec<String> {
        let cells = rows
            .iter()
            .filter_map(|r| r.get(i))
            .filter(|c| !c.trim().is_empty());
        cells
            .take(SHOWN_ROWS)
            .map(|c| c.chars().take(60).collect())
            .collect()
    };
    let customs = plan.custom_columns();
    plan.headers()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let (role, becomes, ty) = if let Some((t, _)) = plan.targets().find(|(_, c)| *c == i) {
                let (name, ty) = field_label(t);
                ("field", name, ty.to_string())
            } else if let Some((_, column, name)) = customs.iter().find(|(c, _, _)| *c == i) {
                let mut stats = ColumnStats::default();
                for cell in rows.iter().filter_map(|r| r.get(i)).map(|c| c.trim()) {
                    if !cell.is_empty() {
                        stats.observe(cell);
                    }
                }
                let spec = stats.infer(column, name);
                (
                    "attribute",
                    spec.name,
                    crate::store::type_label(spec.ty).to_string(),
                )
            } else {
                ("ignored", String::new(), "not imported".to_string())
            };
            ColumnPreview {
                column: h.clone(),
                role,
                becomes,
                ty,
                examples: examples(i),
            }
        })
        .collect()
}

/// The importer's messages speak of the command line's `--map`; the page has a mapping field.
fn in_page_terms(message: String) -> String {
    message
        .replace("--map ", "the mapping ")
        .replace("--map", "the mapping")
}

impl App {
    /// Keep an uploaded file and preview how it would be imported (admins).
    pub async fn stage_import(
        &self,
        kind: &str,
        bytes: &[u8],
        actor: &Actor,
    ) -> Result<StagedImport, AppError> {
        actor.allow(Permission::Administer)?;
        parse_kind(kind)?;
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(AppError::BadInput(
                "the file is empty: choose a CSV file with a header line".into(),
            ));
        }
        if bytes.len() > MAX_UPLOAD_BYTES {
            return Err(AppError::BadInput(format!(
                "the file is larger than {} MB",
                MAX_UPLOAD_BYTES >> 20
            )));
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = folder(&id)?;
        std::fs::create_dir_all(&dir)
            .map_err(|e| AppError::File(format!("staging folder: {e}")))?;
        // Kept as UTF-8: a file that is not (a spreadsheet's Latin-1 export) is read as Windows-1252.
        let text = match std::str::from_utf8(bytes) {
            Ok(_) => std::borrow::Cow::Borrowed(bytes),
            Err(_) => std::borrow::Cow::Owned(decode_latin1(bytes).into_bytes()),
        };
        std::fs::write(dir.join("upload.csv"), text)
            .map_err(|e| AppError::File(format!("staging the upload: {e}")))?;
        self.preview_import(&id, kind, &[], actor).await
    }

    /// How a staged file would be imported with these column mappings (admins).
    pub async fn preview_import(
        &self,
        id: &str,
        kind: &str,
        overrides: &[(String, String)],
        actor: &Actor,
    ) -> Result<StagedImport, AppError> {
        actor.allow(Permission::Administer)?;
        let kind = parse_kind(kind)?;
        let file = staged_file(id)?;
        let (headers, rows) = head(&file)?;
        let lines = std::fs::read(&file).map(|b| b.iter().filter(|c| **c == b'\n').count() as u64);
        let mut staged = StagedImport {
            id: id.to_string(),
            kind: kind_name(kind),
            rows: lines.unwrap_or(0).saturating_sub(1).max(rows.len() as u64),
            columns: Vec::new(),
            problem: None,
        };
        match imp::plan_columns_sampled(kind, &headers, overrides, &rows) {
            Ok(plan) => staged.columns = columns(&plan, &rows),
            Err(e) => {
                staged.problem = Some(in_page_terms(e.to_string()));
                staged.columns = headers
                    .iter()
                    .map(|h| ColumnPreview {
                        column: h.clone(),
                        role: "ignored",
                        becomes: String::new(),
                        ty: "?".into(),
                        examples: Vec::new(),
                    })
                    .collect();
            }
        }
        Ok(staged)
    }

    /// Import a staged file (admins): valid rows are written, bad ones set aside for download;
    /// the import audits itself (see [`App::import`]).
    pub async fn run_import(
        &self,
        id: &str,
        kind: &str,
        overrides: Vec<(String, String)>,
        actor: &Actor,
    ) -> Result<ImportReport, AppError> {
        actor.allow(Permission::Administer)?;
        let kind = parse_kind(kind)?;
        let file = staged_file(id)?;
        let rejects = folder(id)?.join("rejects.csv");
        let opts = ImportOptions::new(kind, file, overrides, true, Some(rejects), false);
        let report = self.import(opts, actor).await.map_err(|e| match e {
            AppError::BadInput(m) => {
                AppError::BadInput(in_page_terms(m.replace(&folder_text(id), "")))
            }
            e => e,
        })?;
        Ok(report)
    }

    /// The rows a staged import set aside, as CSV with the reason of each (admins).
    pub async fn import_rejects(&self, id: &str, actor: &Actor) -> Result<Vec<u8>, AppError> {
        actor.allow(Permission::Administer)?;
        let f = folder(id)?.join("rejects.csv");
        std::fs::read(&f).map_err(|_| {
            AppError::NotFound("rejected rows of this import (none were set aside)".into())
        })
    }
}

/// The staging path as it appears in the importer's messages (not shown to the user).
fn folder_text(id: &str) -> String {
    folder(id)
        .map(|d| format!("{}: ", d.join("upload.csv").display()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_fields_read_as_names_and_types_and_ids_outside_the_staging_format_are_refused() {
        assert_eq!(
            field_label(Target::OccurredAt),
            ("occurred_at".into(), "date and time")
        );
        assert_eq!(field_label(Target::Email), ("email".into(), "email"));
        assert!(folder("../../etc").is_err() && folder(&"a".repeat(32)).is_ok());
        assert!(parse_kind("orders").is_ok() && parse_kind("people").is_err());
    }
}
