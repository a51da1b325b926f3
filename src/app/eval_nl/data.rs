//! The evaluation's datasets: the seeded demo and the "custom" CSVs of the original suite, or one
//! database per folder of the generalisation suite (`data/<dataset>/{customers,orders,events}.csv`),
//! imported as a new user would, with no `--map`. With a renaming style, every column header is
//! rewritten first (snake_case, camelCase, spaced words, abbreviations) and the expected
//! definitions follow the renamed attribute names: the same requests must select the same people.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{EvalOptions, Suite};
use crate::app::{App, AppError, DemoOptions, ImportOptions, Settings};
use crate::domain::import::{Kind, attribute_name};
use crate::domain::time::AsOf;

/// How column headers are rewritten for the perturbation test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rename {
    Snake,
    Camel,
    Spaced,
    Abbreviated,
}

impl Rename {
    pub fn parse(s: &str) -> Result<Rename, String> {
        match s {
            "snake" => Ok(Rename::Snake),
            "camel" => Ok(Rename::Camel),
            "spaced" => Ok(Rename::Spaced),
            "abbreviated" | "abbrev" => Ok(Rename::Abbreviated),
            other => Err(format!(
                "unknown renaming `{other}`: use snake, camel, spaced or abbreviated"
            )),
        }
    }

    /// The header written in this style: "Monthly Charges" → `monthly_charges`, `monthlyCharges`,
    /// `Monthly Charges`, and with common abbreviations ("Number of Products" → `NumOfProds`).
    pub fn apply(self, header: &str) -> String {
        let words = header_words(header);
        let cap = |w: &str| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        };
        match self {
            Rename::Snake => words.join("_"),
            Rename::Camel => words
                .iter()
                .enumerate()
                .map(|(i, w)| if i == 0 { w.clone() } else { cap(w) })
                .collect(),
            Rename::Spaced => words.iter().map(|w| cap(w)).collect::<Vec<_>>().join(" "),
            Rename::Abbreviated => words.iter().map(|w| cap(abbreviate(w))).collect(),
        }
    }
}

/// Abbreviations people put in column names.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("number", "num"),
    ("quantity", "qty"),
    ("amount", "amt"),
    ("account", "acct"),
    ("transaction", "txn"),
    ("favorite", "fav"),
    ("favourite", "fav"),
    ("category", "cat"),
    ("preferred", "pref"),
    ("average", "avg"),
    ("products", "prods"),
    ("product", "prod"),
    ("subscription", "sub"),
    ("payment", "pmt"),
    ("balance", "bal"),
    ("estimated", "est"),
    ("message", "msg"),
    ("service", "svc"),
];

fn abbreviate(w: &str) -> &str {
    ABBREVIATIONS
        .iter()
        .find(|(full, _)| *full == w)
        .map_or(w, |(_, a)| a)
}

/// Lower-case words of a header, split at separators and camelCase/acronym boundaries.
fn header_words(h: &str) -> Vec<String> {
    let chars: Vec<char> = h.trim().chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (i, c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|k| chars[k]);
        let next = chars.get(i + 1);
        let boundary = c.is_uppercase()
            && (prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(char::is_uppercase)
                    && next.is_some_and(|n| n.is_lowercase())));
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Open a fresh SQLite evaluation database.
pub async fn open_app(opts: &EvalOptions, name: &str) -> Result<App, AppError> {
    let path = opts.work.join(format!("{name}.db"));
    let _ = std::fs::remove_file(&path);
    let settings = Settings {
        in_memory: true,
        llm: opts.llm.clone(),
        ..Settings::fixed(format!("sqlite://{}", path.display()), super::EVAL_AS_OF)
    };
    App::open(settings).await
}

/// One dataset ready for cases: its app and how expected field names were renamed.
pub struct Dataset {
    pub app: App,
    pub renamed: BTreeMap<String, String>,
}

/// Build every dataset of the suite.
pub async fn datasets(
    opts: &EvalOptions,
    as_of: AsOf,
) -> Result<BTreeMap<String, Dataset>, AppError> {
    std::fs::create_dir_all(&opts.work).map_err(|e| AppError::File(e.to_string()))?;
    let mut out = BTreeMap::new();
    match opts.suite {
        Suite::Original => {
            let demo = open_app(opts, "demo").await?;
            crate::app::generate_demo(
                &demo,
                DemoOptions {
                    customers: 2_000,
                    seed: 7,
                    progress: false,
                },
                as_of,
            )
            .await?;
            out.insert(
                "demo".to_string(),
                Dataset {
                    app: demo,
                    renamed: BTreeMap::new(),
                },
            );
            out.insert(
                "custom".to_string(),
                import_folder(opts, "custom", &opts.data).await?,
            );
            // Scores, so the predictive cases can run; these datasets are small, so the minimum
            // number of labels is lowered here (the product's default refuses below 100 of each).
            let mut req = crate::app::TrainRequest::default();
            req.options.min_class = 10;
            for d in out.values() {
                if let Err(e) = d.app.train_models(&req, as_of, None).await {
                    tracing::warn!(error = %e, "no scores for an evaluation dataset");
                }
            }
        }
        Suite::Generalise | Suite::Fresh | Suite::Fresh2 | Suite::Fresh3 => {
            for dir in subfolders(&opts.data)? {
                let name = dir
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                out.insert(name.clone(), import_folder(opts, &name, &dir).await?);
            }
        }
    }
    Ok(out)
}

fn subfolders(dir: &Path) -> Result<Vec<PathBuf>, AppError> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| AppError::BadInput(format!("cannot read {}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("customers.csv").exists())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// Import a folder's CSVs (renamed first when asked) with no `--map`.
async fn import_folder(opts: &EvalOptions, name: &str, dir: &Path) -> Result<Dataset, AppError> {
    let app = open_app(opts, name).await?;
    let mut renamed = BTreeMap::new();
    for (kind, file) in [
        (Kind::Customers, "customers.csv"),
        (Kind::Orders, "orders.csv"),
        (Kind::Events, "events.csv"),
    ] {
        let mut path = dir.join(file);
        if !path.exists() {
            continue;
        }
        if let Some(style) = opts.rename {
            let to = opts.work.join(format!("{name}-{file}"));
            renamed.extend(rename_csv(&path, &to, style)?);
            path = to;
        }
        app.import(
            ImportOptions::new(kind, path, Vec::new(), false, None, false),
            &crate::app::Actor::cli(),
        )
        .await
        .map_err(|e| AppError::BadInput(format!("dataset `{name}`, {file}: {e}")))?;
    }
    Ok(Dataset { app, renamed })
}

/// Copy a CSV with its headers in another style; returns old → new attribute names.
fn rename_csv(from: &Path, to: &Path, style: Rename) -> Result<BTreeMap<String, String>, AppError> {
    let io = |e: csv::Error| AppError::BadInput(format!("{}: {e}", from.display()));
    let mut r = csv::Reader::from_path(from).map_err(io)?;
    let headers = r.headers().map_err(io)?.clone();
    let new: Vec<String> = headers.iter().map(|h| style.apply(h)).collect();
    let mut w = csv::Writer::from_path(to).map_err(io)?;
    w.write_record(&new).map_err(io)?;
    for rec in r.records() {
        w.write_record(&rec.map_err(io)?).map_err(io)?;
    }
    w.flush().map_err(|e| AppError::File(e.to_string()))?;
    Ok(headers
        .iter()
        .zip(&new)
        .map(|(a, b)| (attribute_name(a), attribute_name(b)))
        .filter(|(a, b)| a != b)
        .collect())
}

/// An expected definition with its attribute names renamed.
pub fn rename_fields(v: &serde_json::Value, map: &BTreeMap<String, String>) -> serde_json::Value {
    match v {
        serde_json::Value::Object(o) => serde_json::Value::Object(
            o.iter()
                .map(
                    |(k, x)| match (k.as_str(), x.as_str().and_then(|s| map.get(s))) {
                        ("field", Some(new)) => (k.clone(), serde_json::Value::String(new.clone())),
                        _ => (k.clone(), rename_fields(x, map)),
                    },
                )
                .collect(),
        ),
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.iter().map(|x| rename_fields(x, map)).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_rewritten_in_each_style() {
        assert_eq!(Rename::Snake.apply("StreamingTV"), "streaming_tv");
        assert_eq!(Rename::Camel.apply("Monthly Charges"), "monthlyCharges");
        assert_eq!(Rename::Spaced.apply("payment_method"), "Payment Method");
        assert_eq!(Rename::Abbreviated.apply("NumberOfProducts"), "NumOfProds");
        assert_eq!(Rename::Snake.apply("MRR (USD)"), "mrr_usd");
    }
}
