//! `segwright bench`: builds a large demo dataset on SQLite (and PostgreSQL when given a URL)
//! and reports medians for the preview, export and import targets. Figures go in the README.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::{App, AppError, DemoOptions, ImportOptions, Settings};
use crate::domain::definition::Definition;
use crate::domain::import::Kind;

/// Options of `segwright bench`.
#[derive(Debug, Args, Clone)]
pub struct BenchArgs {
    /// Customers in the benchmark dataset (orders and events scale with it).
    #[arg(long, default_value_t = 100_000)]
    pub customers: u64,
    /// Timed runs per query (the median is reported).
    #[arg(long, default_value_t = 7)]
    pub runs: usize,
    /// Also run on this PostgreSQL server (a database `segwright_bench` is used).
    #[arg(long, env = "SEGWRIGHT_BENCH_POSTGRES")]
    pub postgres_url: Option<String>,
    /// Folder for the SQLite database and generated files.
    #[arg(long, default_value = "bench-data")]
    pub dir: PathBuf,
    /// Rows in the generated orders CSV for the import benchmark.
    #[arg(long, default_value_t = 1_000_000)]
    pub import_rows: u64,
    /// Only one import measure (`import`: orders, `import-events`: events), skipping the dataset
    /// build and the previews; or only the headline request and the shapes (`shapes`).
    #[arg(long, value_enum)]
    pub only: Option<BenchOnly>,
}

/// The parts of the benchmark `--only` can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchOnly {
    Import,
    ImportEvents,
    /// The headline request through `POST /api/interpret` and the definition shapes (SQLite).
    Shapes,
}

/// The 3-condition definition of the count-only target: an attribute, an aggregate over a time
/// window, and a percentile.
pub const BENCH_DEFINITION: &str = r#"{"version":1,"root":{"type":"all","conditions":[
 {"type":"attribute","field":"country","op":"eq","value":"US"},
 {"type":"aggregate","source":"orders","measure":"sum","of":"amount","window":{"last":90,"unit":"days"},"op":"gt","value":100},
 {"type":"percentile","field":"lifetime_revenue","direction":"top","percent":20}]}}"#;

/// Everyone, for the export target.
const EVERYONE: &str = r#"{"version":1,"root":{"type":"all","conditions":[]}}"#;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Timings of repeated runs of one measure, in milliseconds: a day's median alone hides how
/// much a loaded machine spreads them.
pub struct Stats(Vec<f64>);

impl Stats {
    /// One warm-up run, then `runs` timed ones.
    pub async fn time<F, Fut>(runs: usize, mut f: F) -> Result<Self, AppError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<(), AppError>>,
    {
        f().await?;
        let mut xs = Vec::with_capacity(runs.max(1));
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            f().await?;
            xs.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        xs.sort_by(f64::total_cmp);
        Ok(Self(xs))
    }

    /// The value at quantile `q` (nearest rank).
    pub fn quantile(&self, q: f64) -> f64 {
        self.0[((self.0.len() - 1) as f64 * q).round() as usize]
    }

    pub fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    /// A Markdown row: median, p10–p90, min–max.
    pub fn row(&self, measure: &str) -> String {
        let (lo, hi) = (self.0[0], self.0[self.0.len() - 1]);
        format!(
            "| {measure} | {:.1} ms | {:.1}–{:.1} ms | {lo:.1}–{hi:.1} ms |",
            self.median(),
            self.quantile(0.1),
            self.quantile(0.9)
        )
    }
}

async fn time_runs<F, Fut>(runs: usize, f: F) -> Result<f64, AppError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), AppError>>,
{
    Ok(Stats::time(runs, f).await?.median())
}

/// Build the demo dataset unless the database already holds one of this size.
pub async fn ensure_dataset(
    app: &App,
    args: &BenchArgs,
    as_of: crate::domain::time::AsOf,
    name: &str,
) -> Result<(), AppError> {
    if app.store.freshness().await?.customers as u64 != args.customers {
        let t = Instant::now();
        let (c, o, e) = super::generate_demo(
            app,
            DemoOptions {
                customers: args.customers,
                seed: 7,
                progress: true,
            },
            as_of,
        )
        .await?;
        eprintln!(
            "{name}: built {c} customers, {o} orders, {e} events in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

async fn open(url: String, tz: chrono_tz::Tz) -> Result<App, AppError> {
    open_with(url, tz, true).await
}

async fn open_with(url: String, tz: chrono_tz::Tz, in_memory: bool) -> Result<App, AppError> {
    App::open(Settings {
        timezone: tz,
        in_memory,
        ..Settings::fixed(url, "2026-11-22")
    })
    .await
}

/// The same previews answered by SQL alone, as one-shot CLI commands do.
async fn measure_sql(
    name: &str,
    url: String,
    args: &BenchArgs,
    tz: chrono_tz::Tz,
) -> Result<Vec<String>, AppError> {
    let app = open_with(url, tz, false).await?;
    let as_of = app.as_of(None)?;
    let def = Definition::from_json(BENCH_DEFINITION).map_err(|i| AppError::Invalid(vec![i]))?;
    let count = time_runs(args.runs, || async {
        app.preview_with(&def, as_of, false, false)
            .await
            .map(|_| ())
    })
    .await?;
    let full = time_runs(args.runs, || async {
        app.preview_with(&def, as_of, true, true).await.map(|_| ())
    })
    .await?;
    Ok(vec![
        format!("| {name} | count-only preview in SQL (CLI) | {count:.1} ms |"),
        format!("| {name} | full preview in SQL (CLI) | {full:.1} ms |"),
    ])
}

/// Measure one backend; returns report lines.
async fn measure(
    name: &str,
    url: String,
    args: &BenchArgs,
    tz: chrono_tz::Tz,
) -> Result<Vec<String>, AppError> {
    let app = open(url, tz).await?;
    let as_of = app.as_of(None)?;
    ensure_dataset(&app, args, as_of, name).await?;
    let t = Instant::now();
    app.warm_up().await?;
    let load = t.elapsed().as_secs_f64();
    let def = Definition::from_json(BENCH_DEFINITION).map_err(|i| AppError::Invalid(vec![i]))?;
    let count = time_runs(args.runs, || async {
        app.preview_with(&def, as_of, false, false)
            .await
            .map(|_| ())
    })
    .await?;
    let full = time_runs(args.runs, || async {
        app.preview_with(&def, as_of, true, true).await.map(|_| ())
    })
    .await?;
    let everyone = Definition::from_json(EVERYONE).map_err(|i| AppError::Invalid(vec![i]))?;
    let exported = std::sync::atomic::AtomicUsize::new(0);
    let export_ms = time_runs(3.min(args.runs), || async {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<crate::store::MemberRow>>(8);
        let sink = tokio::spawn(async move {
            let mut n = 0usize;
            while let Some(c) = rx.recv().await {
                n += c.len();
            }
            n
        });
        app.members_to(&everyone, as_of, false, tx).await?;
        exported.store(
            sink.await
                .map_err(|e| AppError::TaskFailed(e.to_string()))?,
            std::sync::atomic::Ordering::Relaxed,
        );
        Ok(())
    })
    .await?;
    let exported = exported.into_inner();
    let size = app.preview_with(&def, as_of, false, false).await?.size;
    Ok(vec![
        format!(
            "| {name} | load the in-memory copy (once per import) | {:.1} s |",
            load
        ),
        format!(
            "| {name} | count-only preview, 3 conditions ({} of {} customers) | {count:.1} ms |",
            size.count, size.total_customers
        ),
        format!(
            "| {name} | full preview (counts, breakdowns, histograms, sample) | {full:.1} ms |"
        ),
        format!(
            "| {name} | members export ({exported} ids) | {:.0} ids/s |",
            exported as f64 / (export_ms / 1000.0)
        ),
    ])
}

/// Write an orders CSV of `rows` rows over 100k customer ids.
fn write_orders_csv(path: &std::path::Path, rows: u64) -> Result<(), AppError> {
    use std::io::Write;
    let io = |e: std::io::Error| AppError::File(e.to_string());
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    writeln!(w, "order_id,customer_id,order_date,amount,quantity").map_err(io)?;
    for i in 0..rows {
        let day = 1 + (i * 7919) % 700;
        writeln!(
            w,
            "O{i},B{:06},{},{}.{:02},{}",
            (i * 2654435761) % 100_000,
            crate::domain::time::date_of_day(19_700 + day as i64),
            5 + i % 300,
            i % 100,
            1 + i % 4
        )
        .map_err(io)?;
    }
    w.flush().map_err(io)
}

/// Write an events CSV of `rows` rows over 100k customer ids, with JSON properties on one in four.
fn write_events_csv(path: &std::path::Path, rows: u64) -> Result<(), AppError> {
    use std::io::Write;
    const NAMES: [&str; 4] = ["page_view", "add_to_cart", "email_open", "app_session"];
    let io = |e: std::io::Error| AppError::File(e.to_string());
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    writeln!(w, "customer_id,event,timestamp,properties").map_err(io)?;
    for i in 0..rows {
        let props = if i % 4 == 0 {
            format!("\"{{\"\"page\"\":\"\"/p/{}\"\"}}\"", i % 1000)
        } else {
            String::new()
        };
        let at = 1_700_000_000 + (i * 7919) % (700 * 86_400);
        writeln!(
            w,
            "B{:06},{},{},{props}",
            (i * 2654435761) % 100_000,
            NAMES[(i % 4) as usize],
            chrono::DateTime::from_timestamp(at as i64, 0)
                .expect("in range")
                .format("%Y-%m-%dT%H:%M:%SZ")
        )
        .map_err(io)?;
    }
    w.flush().map_err(io)
}

/// Import the CSV into a fresh database `runs` times (each into an empty one, as a first load);
/// the median rate.
async fn measure_import<F, Fut>(
    name: &str,
    kind: Kind,
    mut fresh: F,
    csv: &std::path::Path,
    runs: usize,
    tz: chrono_tz::Tz,
) -> Result<String, AppError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<String, AppError>>,
{
    let mut rates = Vec::with_capacity(runs);
    let mut written = 0;
    for _ in 0..runs.max(1) {
        let app = open_with(fresh().await?, tz, false).await?;
        let t = Instant::now();
        let opts = ImportOptions::new(kind, csv.to_path_buf(), Vec::new(), false, None, false);
        written = app.import(opts, &super::Actor::cli()).await?.rows_written;
        let secs = t.elapsed().as_secs_f64();
        eprintln!("{name}: imported {written} {kind:?} rows in {secs:.2} s");
        rates.push(written as f64 / secs);
    }
    let what = if kind == Kind::Events {
        "event"
    } else {
        "order"
    };
    Ok(format!(
        "| {name} | import {written} {what} rows (one transaction, then facts refresh) | {:.0} rows/s |",
        median(rates)
    ))
}

async fn fresh_sqlite(path: PathBuf) -> Result<String, AppError> {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok(format!("sqlite://{}", path.display()))
}

async fn fresh_postgres(url: String) -> Result<String, AppError> {
    let base = url
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or_else(|| url.to_string());
    crate::store::Store::recreate_postgres_database(&base, "segwright_bench_import").await?;
    Ok(format!("{base}/segwright_bench_import"))
}

/// Run the benchmark and print a Markdown table.
pub async fn run(args: &BenchArgs, tz: &str) -> Result<(), AppError> {
    let tz: chrono_tz::Tz = tz
        .parse()
        .map_err(|_| AppError::BadInput(format!("unknown time zone `{tz}`")))?;
    std::fs::create_dir_all(&args.dir).map_err(|e| AppError::File(e.to_string()))?;
    let mut lines = vec![
        "| database | measure | median |".to_string(),
        "|---|---|---|".to_string(),
    ];
    if args.only.is_none() {
        lines.extend(measure_queries(args, tz).await?);
    }
    let (kind, csv) = if args.only == Some(BenchOnly::ImportEvents) {
        let csv = args.dir.join("events.csv");
        write_events_csv(&csv, args.import_rows)?;
        (Kind::Events, csv)
    } else {
        let csv = args.dir.join("orders.csv");
        write_orders_csv(&csv, args.import_rows)?;
        (Kind::Orders, csv)
    };
    let runs = args.runs.min(5);
    let import_db = args.dir.join("import.db");
    lines.push(
        measure_import(
            "SQLite",
            kind,
            || fresh_sqlite(import_db.clone()),
            &csv,
            runs,
            tz,
        )
        .await?,
    );
    if let Some(pg) = &args.postgres_url {
        lines.push(
            measure_import(
                "PostgreSQL",
                kind,
                || fresh_postgres(pg.clone()),
                &csv,
                runs,
                tz,
            )
            .await?,
        );
    }
    println!("{}", lines.join("\n"));
    Ok(())
}

/// The preview and export measures on both databases.
async fn measure_queries(args: &BenchArgs, tz: chrono_tz::Tz) -> Result<Vec<String>, AppError> {
    let mut lines = Vec::new();
    let sqlite = format!(
        "sqlite://{}",
        args.dir
            .join(format!("bench-{}.db", args.customers))
            .display()
    );
    lines.extend(measure("SQLite", sqlite.clone(), args, tz).await?);
    lines.extend(measure_sql("SQLite", sqlite, args, tz).await?);
    if let Some(pg) = &args.postgres_url {
        let base = pg
            .rsplit_once('/')
            .map(|(b, _)| b.to_string())
            .unwrap_or_else(|| pg.clone());
        crate::store::Store::ensure_postgres_database(&base, "segwright_bench").await?;
        lines.extend(measure("PostgreSQL", format!("{base}/segwright_bench"), args, tz).await?);
        lines.extend(measure_sql("PostgreSQL", format!("{base}/segwright_bench"), args, tz).await?);
    }
    Ok(lines)
}
