//! `segwright eval-nl`: run the natural-language evaluation set (`tests/nl/cases/*.json`) with the
//! offline interpreter over fixed datasets and compare member sets with the expected ones.
//! Cases that cannot run (e.g. scores not trained) are counted as not run, never as passed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{App, AppError, DemoOptions, ImportOptions, Settings};
use crate::domain::definition::{Definition, Node};
use crate::domain::import::Kind;
use crate::domain::time::AsOf;

/// The as-of date every case is written against.
pub const EVAL_AS_OF: &str = "2026-06-30";

/// One evaluation case as written in the case files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub prompt: String,
    pub dataset: String,
    pub expect: serde_json::Value,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub requires: Option<String>,
}

/// How one case went.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    pub category: String,
    pub prompt: String,
    pub dataset: String,
    /// `pass`, `fail` or `not_run`.
    pub status: String,
    pub reason: Option<String>,
    pub got: Option<Node>,
    pub expected: serde_json::Value,
    pub got_count: Option<usize>,
    pub expected_count: Option<usize>,
    pub unrecognized: Vec<String>,
}

/// Accuracy of one category.
#[derive(Debug, Clone, Serialize, Default)]
pub struct CategoryScore {
    pub category: String,
    pub passed: usize,
    pub run: usize,
    pub not_run: usize,
}

/// The whole evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub categories: Vec<CategoryScore>,
    pub passed: usize,
    pub run: usize,
    pub not_run: usize,
    /// Exact member-set matches among the cases run.
    pub accuracy: f64,
    /// Every unrecognized span, with how often it occurred.
    pub unrecognized: BTreeMap<String, usize>,
    pub results: Vec<CaseResult>,
}

/// Where the cases and data are, and where to build the evaluation databases.
pub struct EvalOptions {
    pub cases: PathBuf,
    pub data: PathBuf,
    pub work: PathBuf,
}

/// Read every `*.json` case file; the file name (without extension) is the category.
pub fn load_cases(dir: &Path) -> Result<Vec<(String, Case)>, AppError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| AppError::BadInput(format!("cannot read {}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let category = f.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        let text = std::fs::read_to_string(&f).map_err(|e| AppError::BadInput(format!("cannot read {}: {e}", f.display())))?;
        let cases: Vec<Case> = serde_json::from_str(&text).map_err(|e| AppError::BadInput(format!("{}: {e}", f.display())))?;
        out.extend(cases.into_iter().map(|c| (category.clone(), c)));
    }
    Ok(out)
}

async fn open_app(work: &Path, name: &str) -> Result<App, AppError> {
    let path = work.join(format!("{name}.db"));
    let _ = std::fs::remove_file(&path);
    let settings = Settings { in_memory: true, ..Settings::fixed(format!("sqlite://{}", path.display()), EVAL_AS_OF) };
    App::open(settings).await
}

/// Build the two datasets: the seeded demo and the CSVs with unusual column names.
async fn datasets(opts: &EvalOptions, as_of: AsOf) -> Result<BTreeMap<String, App>, AppError> {
    std::fs::create_dir_all(&opts.work).map_err(|e| AppError::Io(e.to_string()))?;
    let demo = open_app(&opts.work, "demo").await?;
    super::generate_demo(&demo, DemoOptions { customers: 2_000, seed: 7, progress: false }, as_of).await?;
    let custom = open_app(&opts.work, "custom").await?;
    for (kind, file) in [(Kind::Customers, "customers.csv"), (Kind::Orders, "orders.csv"), (Kind::Events, "events.csv")] {
        let path = opts.data.join(file);
        if path.exists() {
            custom.import(ImportOptions::new(kind, path, Vec::new(), false, None, false)).await?;
        }
    }
    // Scores, so the predictive cases can run; these datasets are small, so the minimum number of
    // labels is lowered here (the product's default refuses below 100 of each).
    let mut req = super::TrainRequest::default();
    req.options.min_class = 10;
    for app in [&demo, &custom] {
        if let Err(e) = app.train_models(&req, as_of).await {
            tracing::warn!(error = %e, "no scores for an evaluation dataset");
        }
    }
    Ok(BTreeMap::from([("demo".to_string(), demo), ("custom".to_string(), custom)]))
}

async fn members(app: &App, def: &Definition, as_of: AsOf) -> Result<BTreeSet<String>, AppError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<crate::store::MemberRow>>(8);
    let collect = tokio::spawn(async move {
        let mut set = BTreeSet::new();
        while let Some(chunk) = rx.recv().await {
            set.extend(chunk.into_iter().map(|m| m.external_id));
        }
        set
    });
    app.export_members(def, as_of, false, tx).await?;
    collect.await.map_err(|e| AppError::Io(e.to_string()))
}

/// Run every case and score it.
pub async fn eval_nl(opts: &EvalOptions) -> Result<EvalReport, AppError> {
    let cases = load_cases(&opts.cases)?;
    let as_of = AsOf::parse(EVAL_AS_OF, "UTC").map_err(AppError::BadInput)?;
    let apps = datasets(opts, as_of).await?;
    let mut results = Vec::new();
    for (category, case) in cases {
        results.push(run_case(&apps, &category, case, as_of).await?);
    }
    Ok(report(results))
}

async fn run_case(apps: &BTreeMap<String, App>, category: &str, case: Case, as_of: AsOf) -> Result<CaseResult, AppError> {
    let mut r = CaseResult {
        category: category.to_string(),
        prompt: case.prompt.clone(),
        dataset: case.dataset.clone(),
        status: "fail".into(),
        reason: None,
        got: None,
        expected: case.expect.clone(),
        got_count: None,
        expected_count: None,
        unrecognized: Vec::new(),
    };
    let Some(app) = apps.get(&case.dataset) else {
        r.status = "not_run".into();
        r.reason = Some(format!("unknown dataset `{}`", case.dataset));
        return Ok(r);
    };
    let expected = match serde_json::from_value::<Node>(case.expect.clone()) {
        Ok(n) => Definition::new(n),
        Err(e) => {
            r.status = "not_run".into();
            r.reason = Some(format!("the expected definition does not parse: {e}"));
            return Ok(r);
        }
    };
    let want = match members(app, &expected, as_of).await {
        Ok(m) => m,
        Err(e) => {
            r.status = "not_run".into();
            r.reason = Some(format!("the expected definition cannot run here{}: {}", case.requires.map(|x| format!(" (needs {x})")).unwrap_or_default(), e));
            return Ok(r);
        }
    };
    let interp = app.interpret_only(&case.prompt, as_of).await?;
    r.unrecognized = interp.unrecognized.iter().map(|s| s.text.to_lowercase()).collect();
    r.got = Some(interp.definition.root.clone());
    r.expected_count = Some(want.len());
    match members(app, &interp.definition, as_of).await {
        Ok(got) => {
            r.got_count = Some(got.len());
            if got == want && interp.unrecognized.is_empty() {
                r.status = "pass".into();
            } else if got == want {
                r.reason = Some("same members, but words were not understood".into());
            } else {
                r.reason = Some(format!("{} members, expected {}", got.len(), want.len()));
            }
        }
        Err(e) => r.reason = Some(format!("the interpreted definition is invalid: {e}")),
    }
    Ok(r)
}

fn report(results: Vec<CaseResult>) -> EvalReport {
    let mut cats: BTreeMap<String, CategoryScore> = BTreeMap::new();
    let mut unrecognized = BTreeMap::new();
    for r in &results {
        let c = cats.entry(r.category.clone()).or_insert_with(|| CategoryScore { category: r.category.clone(), ..Default::default() });
        match r.status.as_str() {
            "not_run" => c.not_run += 1,
            s => {
                c.run += 1;
                c.passed += usize::from(s == "pass");
            }
        }
        for u in &r.unrecognized {
            *unrecognized.entry(u.clone()).or_insert(0) += 1;
        }
    }
    let categories: Vec<CategoryScore> = cats.into_values().collect();
    let (passed, run, not_run) = categories.iter().fold((0, 0, 0), |a, c| (a.0 + c.passed, a.1 + c.run, a.2 + c.not_run));
    let accuracy = if run == 0 { 0.0 } else { passed as f64 / run as f64 };
    EvalReport { categories, passed, run, not_run, accuracy, unrecognized, results }
}

impl EvalReport {
    /// The per-category table and the failures, for a terminal.
    pub fn human(&self, show_failures: bool) -> String {
        let mut out = format!("{:<18} {:>7} {:>5} {:>8} {:>8}\n", "category", "passed", "run", "not run", "accuracy");
        for c in &self.categories {
            let acc = if c.run == 0 { 0.0 } else { 100.0 * c.passed as f64 / c.run as f64 };
            out.push_str(&format!("{:<18} {:>7} {:>5} {:>8} {:>7.1}%\n", c.category, c.passed, c.run, c.not_run, acc));
        }
        out.push_str(&format!("{:<18} {:>7} {:>5} {:>8} {:>7.1}%\n", "all", self.passed, self.run, self.not_run, 100.0 * self.accuracy));
        let spans: Vec<String> = self.unrecognized.iter().map(|(k, v)| format!("\"{k}\" ×{v}")).collect();
        out.push_str(&format!("unrecognized spans ({}): {}\n", self.unrecognized.values().sum::<usize>(), spans.join(", ")));
        for r in self.results.iter().filter(|r| show_failures && r.status != "pass") {
            out.push_str(&format!(
                "\n[{}] {} ({}) — {}\n  got:      {}\n  expected: {}\n",
                r.status,
                r.prompt,
                r.category,
                r.reason.as_deref().unwrap_or(""),
                r.got.as_ref().map(|g| serde_json::to_string(g).unwrap_or_default()).unwrap_or_default(),
                r.expected
            ));
        }
        out
    }
}
