//! CSV import: stream a file, map its columns (aliases and `--map`), type custom attributes
//! (a first pass gathers bounded statistics), parse every row with errors naming line, column
//! and value, and write it all in one transaction. With `skip_invalid`, rejected rows go to a
//! file with their reasons instead of stopping the import. A file that is not UTF-8 is read as
//! Windows-1252 (Latin-1), or in the encoding named.

use std::collections::HashMap;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};

use super::{App, AppError};
use crate::domain::catalog::AttributeSpec;
use crate::domain::import::encoding::{Encoding, Latin1Reader, is_utf8};
use crate::domain::import::{self as imp, ColumnStats, Kind};
use crate::store::{ImportTx, StoreError};

mod fresh;
mod ingest;
mod rows;

pub(super) use ingest::rows_summary;
pub use ingest::{IngestKind, IngestReport, IngestState, MAX_ROWS, RowIssue};

/// Rows written per batch.
const BATCH: usize = 5_000;

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub kind: Kind,
    pub file: PathBuf,
    /// `--map column=field` pairs.
    pub overrides: Vec<(String, String)>,
    pub skip_invalid: bool,
    pub rejects: Option<PathBuf>,
    pub progress: bool,
    /// The file's text encoding (by default UTF-8, or Windows-1252 when it is not valid UTF-8).
    pub encoding: Encoding,
}

impl ImportOptions {
    pub fn new(
        kind: Kind,
        file: PathBuf,
        overrides: Vec<(String, String)>,
        skip_invalid: bool,
        rejects: Option<PathBuf>,
        progress: bool,
    ) -> Self {
        Self {
            kind,
            file,
            overrides,
            skip_invalid,
            rejects,
            progress,
            encoding: Encoding::Auto,
        }
    }

    /// Read the file in this encoding (`Auto`: UTF-8 when it is valid UTF-8, else Windows-1252).
    pub fn with_encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// The options with `Auto` settled by reading the file once.
    fn settled(mut self) -> Result<Self, AppError> {
        if self.encoding == Encoding::Auto {
            let f = open(&self.file)?;
            let utf8 = is_utf8(std::io::BufReader::new(f))
                .map_err(|e| AppError::BadInput(format!("{}: {e}", self.file.display())))?;
            self.encoding = if utf8 {
                Encoding::Utf8
            } else {
                Encoding::Latin1
            };
        }
        Ok(self)
    }

    /// Parse `--map` values of the form `column=field`.
    pub fn parse_maps(maps: &[String]) -> Result<Vec<(String, String)>, AppError> {
        maps.iter()
            .map(|m| {
                m.split_once('=')
                    .map(|(c, f)| (c.trim().to_string(), f.trim().to_string()))
                    .ok_or_else(|| {
                        AppError::BadInput(format!("--map `{m}` must look like COLUMN=FIELD"))
                    })
            })
            .collect()
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportReport {
    pub kind: String,
    pub rows_read: u64,
    pub rows_written: u64,
    pub rows_rejected: u64,
    pub customers_created: u64,
    pub attributes: Vec<AttributeSpec>,
    pub ignored_columns: Vec<String>,
    pub rejects_file: Option<String>,
    /// Scores written again by the stored models after the import (none before `train`).
    pub rescored: Vec<super::Rescored>,
    /// How the file's bytes were read: `utf-8` or `latin1` (Windows-1252).
    pub encoding: String,
}

impl ImportReport {
    /// One line for the terminal.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "imported {} {} rows ({} read)",
            self.rows_written, self.kind, self.rows_read
        );
        if self.customers_created > 0 {
            s.push_str(&format!(
                "; created {} customers named by the file",
                self.customers_created
            ));
        }
        if !self.attributes.is_empty() {
            let a: Vec<String> = self
                .attributes
                .iter()
                .map(|a| format!("{} ({})", a.name, crate::store::type_label(a.ty)))
                .collect();
            s.push_str(&format!("; custom attributes: {}", a.join(", ")));
        }
        if self.encoding == "latin1" {
            s.push_str("; read as Latin-1 (Windows-1252): the file is not UTF-8");
        }
        if !self.ignored_columns.is_empty() {
            s.push_str(&format!(
                "; ignored columns: {}",
                self.ignored_columns.join(", ")
            ));
        }
        if self.rows_rejected > 0 {
            s.push_str(&format!(
                "; rejected {} rows (see {})",
                self.rows_rejected,
                self.rejects_file.as_deref().unwrap_or("?")
            ));
        }
        for r in &self.rescored {
            s.push_str(&format!(
                "; {} re-scored for {} customers (model v{})",
                r.task, r.scored, r.version
            ));
        }
        s
    }
}

/// The file's text, as UTF-8 whatever its encoding.
type Source = Box<dyn std::io::Read + Send>;

fn open(path: &std::path::Path) -> Result<std::fs::File, AppError> {
    std::fs::File::open(path)
        .map_err(|e| AppError::BadInput(format!("cannot open {}: {e}", path.display())))
}

fn reader(opts: &ImportOptions) -> Result<csv::Reader<Source>, AppError> {
    let f = open(&opts.file)?;
    let text: Source = match opts.encoding {
        Encoding::Latin1 => Box::new(Latin1Reader::new(f)),
        _ => Box::new(f),
    };
    Ok(csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::None)
        .from_reader(text))
}

/// The first rows of a file, which confirm what its headers promise (a bad row is left to the import).
fn sample_rows(opts: &ImportOptions) -> Vec<Vec<String>> {
    let Ok(mut r) = reader(opts) else {
        return Vec::new();
    };
    r.records()
        .take(1_000)
        .map_while(Result::ok)
        .map(|rec| rec.iter().map(String::from).collect())
        .collect()
}

fn csv_error(path: &std::path::Path, e: csv::Error) -> AppError {
    let line = e
        .position()
        .map(|p| format!("line {}: ", p.line()))
        .unwrap_or_default();
    let hint = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => " (the file is not UTF-8: try --encoding latin1)",
        _ => "",
    };
    AppError::BadInput(format!("{}: {line}{}{hint}", path.display(), e))
}

/// First pass over a customers file: statistics of every custom column, for typing.
fn infer_attributes(
    opts: &ImportOptions,
    plan: &imp::ColumnPlan,
    existing: &HashMap<String, Vec<String>>,
) -> Result<Vec<(usize, AttributeSpec)>, AppError> {
    let customs: Vec<(usize, String, String)> = plan.custom_columns();
    if customs.is_empty() {
        return Ok(Vec::new());
    }
    let mut stats: Vec<ColumnStats> = customs.iter().map(|_| ColumnStats::default()).collect();
    let mut r = reader(opts)?;
    for rec in r.records() {
        let rec = rec.map_err(|e| csv_error(&opts.file, e))?;
        for ((idx, _, _), s) in customs.iter().zip(stats.iter_mut()) {
            let cell = rec.get(*idx).unwrap_or("").trim();
            // An oversized cell is a broken row the import refuses: it types nothing.
            if !cell.is_empty() && cell.len() <= rows::MAX_CELL_BYTES {
                s.observe(cell);
            }
        }
    }
    Ok(customs
        .into_iter()
        .zip(stats)
        // A column left blank says nothing: an attribute already known keeps its type and values.
        .filter(|((_, _, name), s)| s.non_blank() > 0 || !existing.contains_key(name))
        .map(|((idx, column, name), s)| {
            let mut spec = s.infer(&column, &name);
            if let Some(old) = existing.get(&spec.name)
                && spec.ty == crate::domain::catalog::FieldType::Categorical
            {
                spec.values.extend(old.iter().cloned());
                spec.values.sort();
                spec.values.dedup();
            }
            (idx, spec)
        })
        .collect())
}

impl App {
    /// Import one CSV file in one transaction, then refresh derived facts (admins, or a local
    /// command).
    pub async fn import(
        &self,
        opts: ImportOptions,
        actor: &super::Actor,
    ) -> Result<ImportReport, AppError> {
        actor.allow(crate::domain::access::Permission::Administer)?;
        let opts = opts.settled()?;
        let mut r = reader(&opts)?;
        let headers: Vec<String> = r
            .headers()
            .map_err(|e| csv_error(&opts.file, e))?
            .iter()
            .map(String::from)
            .collect();
        let plan =
            imp::plan_columns_sampled(opts.kind, &headers, &opts.overrides, &sample_rows(&opts))
                .map_err(|e| AppError::BadInput(format!("{}: {e}", opts.file.display())))?;
        let mut tx = self.store.begin_import().await?;
        let attrs = attributes(&mut tx, &opts, &plan).await?;
        let kind = format!("{:?}", opts.kind).to_lowercase();
        let mapped = plan
            .targets()
            .map(|(t, i)| (t.key().to_string(), headers[i].clone()));
        tx.note_headers(&kind, mapped.collect()).await?;
        let mut report = ImportReport {
            kind,
            attributes: attrs.iter().map(|(_, s)| s.clone()).collect(),
            ignored_columns: plan.ignored.clone(),
            encoding: if opts.encoding == Encoding::Latin1 {
                "latin1".into()
            } else {
                "utf-8".into()
            },
            ..Default::default()
        };
        let bar = progress_bar(&opts);
        let batch = rows::Batch::new(opts.kind, &plan, &attrs, self.settings.timezone);
        let mut rejects = rows::Rejects::open(&opts, &headers)?;
        let mut tx = stream(&mut r, batch, tx, &opts, &mut rejects, &mut report, &bar).await?;
        report.rejects_file = rejects.finish()?;
        // PostgreSQL creates the customers that staged orders and events name only when it merges them.
        tx.merge_staged().await?;
        report.customers_created = tx.created_customers;
        let started = std::time::Instant::now();
        bar.set_message("refreshing facts");
        let after = serde_json::json!({
            "kind": report.kind, "rows_read": report.rows_read, "rows_written": report.rows_written, "rows_rejected": report.rows_rejected,
        });
        let change = super::Change {
            after: Some(after),
            ..Default::default()
        };
        let mut tx = finish(tx, &opts, &report).await?;
        // The entry last, just before the commit: PostgreSQL holds the audit lock from here on.
        self.audit_in(tx.write_tx(), actor, "import.run", change)
            .await?;
        tx.commit().await?;
        tracing::debug!(
            ms = started.elapsed().as_millis() as u64,
            "facts refreshed and committed"
        );
        self.store.optimize().await?;
        tracing::debug!(
            ms = started.elapsed().as_millis() as u64,
            "statistics refreshed"
        );
        self.invalidate();
        bar.set_message("refreshing scores");
        report.rescored = self.rescore_after_import().await;
        bar.finish_and_clear();
        Ok(report)
    }
}

/// The custom attributes of a customers file, typed and recorded with the values already known.
async fn attributes(
    tx: &mut ImportTx,
    opts: &ImportOptions,
    plan: &imp::ColumnPlan,
) -> Result<Vec<(usize, AttributeSpec)>, AppError> {
    let existing: HashMap<String, Vec<String>> = tx
        .attribute_specs()
        .await?
        .into_iter()
        .map(|(n, v)| (n, serde_json::from_str(&v).unwrap_or_default()))
        .collect();
    let attrs = if opts.kind == Kind::Customers {
        infer_attributes(opts, plan, &existing)?
    } else {
        Vec::new()
    };
    let specs: Vec<AttributeSpec> = attrs.iter().map(|(_, s)| s.clone()).collect();
    tx.upsert_attribute_specs(&specs).await?;
    Ok(attrs)
}

/// A bar over the file's bytes on a terminal, hidden otherwise.
fn progress_bar(opts: &ImportOptions) -> ProgressBar {
    let size = std::fs::metadata(&opts.file).map(|m| m.len()).unwrap_or(0);
    let bar = if opts.progress {
        ProgressBar::new(size)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} {bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})",
        )
        .expect("template"),
    );
    bar.set_message(format!("importing {}", opts.file.display()));
    bar
}

/// Parse every record here while a writer task inserts the previous batch (the two cores share
/// the work); returns the transaction with every row written.
async fn stream(
    r: &mut csv::Reader<Source>,
    mut batch: rows::Batch<'_>,
    mut tx: ImportTx,
    opts: &ImportOptions,
    rejects: &mut rows::Rejects,
    report: &mut ImportReport,
    bar: &ProgressBar,
) -> Result<ImportTx, AppError> {
    let size = std::fs::metadata(&opts.file).map(|m| m.len()).unwrap_or(0);
    let (to_writer, mut batches) = tokio::sync::mpsc::channel::<rows::Rows>(2);
    let writer = tokio::spawn(async move {
        while let Some(rows) = batches.recv().await {
            rows.write(&mut tx).await?;
        }
        Ok::<ImportTx, AppError>(tx)
    });
    let mut rec = csv::StringRecord::new();
    while r
        .read_record(&mut rec)
        .map_err(|e| csv_error(&opts.file, e))?
    {
        // Returning early drops the channel; the writer's transaction is then rolled back.
        accept(&mut batch, &rec, opts, rejects, report)?;
        if batch.len() >= BATCH {
            let mut rows = batch.take();
            let at = rec.position().map(|p| p.byte()).unwrap_or(0);
            if report.rows_written as usize == BATCH && at > 0 {
                // The first batch's bytes per row tell how large a load the file is.
                rows.expected = Some(size.saturating_mul(report.rows_written) / at);
            }
            if to_writer.send(rows).await.is_err() {
                break; // the writer failed: its error is reported below
            }
            bar.set_position(at);
        }
    }
    let mut rows = batch.take();
    if report.rows_written < BATCH as u64 {
        rows.expected = Some(report.rows_written);
    }
    let _ = to_writer.send(rows).await;
    drop(to_writer);
    writer
        .await
        .map_err(|e| AppError::TaskFailed(format!("import writer: {e}")))?
}

/// Parse one record into the batch; a bad one is rejected (`--skip-invalid`) or stops the import.
fn accept(
    batch: &mut rows::Batch<'_>,
    rec: &csv::StringRecord,
    opts: &ImportOptions,
    rejects: &mut rows::Rejects,
    report: &mut ImportReport,
) -> Result<(), AppError> {
    report.rows_read += 1;
    let line = rec
        .position()
        .map(|p| p.line())
        .unwrap_or(report.rows_read + 1);
    match batch.push(rec, line) {
        Ok(()) => report.rows_written += 1,
        Err(reason) if opts.skip_invalid => {
            rejects.write(rec, &reason.to_string())?;
            report.rows_rejected += 1;
        }
        Err(reason) => {
            return Err(AppError::BadInput(format!(
                "{}: {reason}; nothing from this file was imported",
                opts.file.display()
            )));
        }
    }
    Ok(())
}

/// Refresh the facts and log the import; the caller audits and commits.
async fn finish(
    mut tx: ImportTx,
    opts: &ImportOptions,
    r: &ImportReport,
) -> Result<ImportTx, StoreError> {
    tx.refresh_facts().await?;
    let name = opts
        .file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    tx.record(&r.kind, &name, r.rows_read, r.rows_written, r.rows_rejected)
        .await?;
    // Scores as of past dates depend on the data up to them: re-scoring keeps them again.
    tx.forget_score_history().await?;
    Ok(tx)
}
