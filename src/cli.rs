//! The command line (clap): global options, subcommands, and one-line errors with a non-zero
//! exit. Each command is a thin call into [`crate::app`].

mod ask;
mod audience;
mod bench;
mod destinations;
mod governance;
mod scores;
pub mod settings;
mod sync;

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

pub use self::settings::{Global, ServeArgs};
use crate::app::{App, AppError, DemoOptions, ImportOptions};
use crate::domain::import::encoding::Encoding;

/// segwright: build customer audiences by asking for them, safely.
#[derive(Debug, Parser)]
#[command(name = "segwright", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API.
    Serve(ServeArgs),
    /// Build the seeded demo dataset, then serve it.
    Demo {
        #[arg(long, default_value_t = 50_000)]
        customers: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Only build the data.
        #[arg(long)]
        no_serve: bool,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Import a CSV file of customers, orders or events.
    Import {
        kind: ImportKind,
        file: PathBuf,
        /// Map a CSV column to a field: `--map "Purchase Date=occurred_at"` (repeatable).
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        map: Vec<String>,
        /// Import the good rows and write rejected ones, with reasons, to a file.
        #[arg(long)]
        skip_invalid: bool,
        /// Where rejected rows go with --skip-invalid (default: FILE.rejected.csv).
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// The file's encoding: auto (UTF-8, or Latin-1 when it is not valid UTF-8), utf-8, latin1.
        #[arg(long, default_value = "auto")]
        encoding: String,
    },
    /// Turn a plain-language request into a definition, explain it and preview the audience.
    Ask(ask::AskArgs),
    /// Score the offline interpreter on the evaluation set (tests/nl).
    EvalNl(ask::EvalArgs),
    /// Time the offline interpreter on a large catalog.
    BenchNl {
        /// Fields in the synthetic catalog.
        #[arg(long, default_value_t = 200)]
        fields: usize,
        /// Passes over the benchmark requests.
        #[arg(long, default_value_t = 200)]
        runs: usize,
    },
    /// Size, reachability, per-condition counts, breakdowns and a sample of a definition.
    Preview {
        /// Definition JSON file (`-` for standard input).
        file: PathBuf,
        /// Only the counts (faster).
        #[arg(long)]
        count_only: bool,
    },
    /// Check a definition and print its problems, if any.
    Validate { file: PathBuf },
    /// Stream every member's external id.
    Members {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Include the email address: members on the suppression list are then left out and
        /// the export is audited (`members.export_emails`), as every contact export is.
        #[arg(long)]
        with_email: bool,
    },
    /// Why a customer is in or out of an audience, clause by clause (audited as
    /// `customer.explain`; personal values masked unless the reader may see them).
    Explain {
        file: PathBuf,
        #[arg(long)]
        customer: String,
        /// Read as this user: their role decides what is masked (default: the operator, who
        /// sees values in full).
        #[arg(long = "as", value_name = "EMAIL")]
        user: Option<String>,
    },
    /// List the fields definitions can use.
    Catalog {
        #[arg(long)]
        json: bool,
    },
    /// Print the glossary.
    Glossary,
    /// Saved segments.
    #[command(subcommand)]
    Segments(audience::SegmentsCommand),
    /// Add a value to the global suppression list.
    Suppress { kind: SuppressKind, value: String },
    /// Build a large dataset and report preview, export and import timings.
    Bench(crate::app::bench::BenchArgs),
    /// Users and their roles.
    #[command(subcommand)]
    User(governance::UserCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(governance::TokenCommand),
    /// Destinations stored in the database, secrets encrypted (admin).
    #[command(subcommand)]
    Destination(destinations::DestinationCommand),
    /// The audit log: list entries, verify the hash chain.
    #[command(subcommand)]
    Audit(governance::AuditCommand),
    /// Sync runs: delivery reports, and sending what the outbox still holds.
    #[command(subcommand)]
    Sync(sync::SyncCommand),
    /// Train churn and purchase-propensity models (or one for `--label COLUMN`), store them
    /// with their metrics and write every customer's scores.
    Train(scores::TrainArgs),
    /// List the trained models and their metrics, or export every customer's scores.
    Scores(scores::ScoresArgs),
    /// Time model training and scoring on a generated dataset.
    BenchScores(crate::app::bench_scores::BenchScoresArgs),
    /// Time normalising, hashing and batching synthetic members for every destination.
    BenchDelivery(crate::app::bench_delivery::BenchDeliveryArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImportKind {
    Customers,
    Orders,
    Events,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SuppressKind {
    Email,
    Phone,
    ExternalId,
}

/// Print a value as indented JSON on standard output.
fn print_json<T: serde::Serialize>(v: &T) {
    println!("{}", serde_json::to_string_pretty(v).expect("serializable"));
}

async fn open(global: &Global, in_memory: bool) -> Result<App, AppError> {
    App::open(global.settings(in_memory)?).await
}

/// Run a command; returns the process exit code (errors are printed as one line).
pub async fn run(cli: Cli) -> i32 {
    match dispatch(cli).await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {}", e.public_message_for_cli());
            1
        }
    }
}

impl AppError {
    fn public_message_for_cli(&self) -> String {
        match self {
            AppError::Store(inner) => format!("{inner}"),
            // The operator's own terminal: the cause, as the server log would have it.
            other if other.kind() == crate::app::ErrorKind::Internal => other.to_string(),
            other => other.public_message(),
        }
    }
}

async fn dispatch(cli: Cli) -> Result<(), AppError> {
    if let Some(done) = without_database(&cli).await {
        return done;
    }
    let in_memory = matches!(
        cli.command,
        Command::Serve(_)
            | Command::Demo {
                no_serve: false,
                ..
            }
    );
    let app = open(&cli.global, in_memory).await?;
    let as_of = app.as_of(None)?;
    match cli.command {
        Command::Serve(s) => serve(app, &s).await,
        Command::Demo {
            customers,
            seed,
            no_serve,
            serve: s,
        } => {
            demo(
                &app,
                DemoOptions {
                    customers,
                    seed,
                    progress: std::io::stderr().is_terminal(),
                },
                as_of,
            )
            .await?;
            if no_serve {
                return Ok(());
            }
            let mut app = app;
            demo_webhook(&mut app, &s.bind);
            serve(app, &s).await
        }
        Command::Import {
            kind,
            file,
            map,
            skip_invalid,
            rejects,
            encoding,
        } => {
            let encoding = Encoding::parse(&encoding).map_err(AppError::BadInput)?;
            let opts = ImportOptions::new(
                import_kind(kind),
                file,
                ImportOptions::parse_maps(&map)?,
                skip_invalid,
                rejects,
                std::io::stderr().is_terminal(),
            )
            .with_encoding(encoding);
            let report = app.import(opts, &crate::app::Actor::cli()).await?;
            println!("{}", report.summary());
            Ok(())
        }
        Command::Ask(args) => ask::ask(&app, args, as_of).await,
        Command::Suppress { kind, value } => suppress(&app, kind, &value).await,
        Command::User(cmd) => governance::user(&app, cmd).await,
        Command::Token(cmd) => governance::token(&app, cmd).await,
        Command::Destination(cmd) => destinations::destination(&app, cmd).await,
        Command::Audit(cmd) => governance::audit(&app, cmd).await,
        Command::Sync(cmd) => sync::sync(&app, cmd).await,
        Command::Train(args) => scores::train(&app, args, as_of).await,
        Command::Scores(args) => scores::scores(&app, args).await,
        other => audience::run(&app, other, as_of).await,
    }
}

/// The commands that need no database (benchmarks, the interpreter's evaluation); `None` for the others.
async fn without_database(cli: &Cli) -> Option<Result<(), AppError>> {
    Some(match &cli.command {
        Command::Bench(args) => bench::run(args, &cli.global.timezone).await,
        Command::BenchNl { fields, runs } => {
            print!("{}", crate::app::bench_nl::run(*fields, *runs));
            Ok(())
        }
        Command::BenchDelivery(args) => {
            print!("{}", crate::app::bench_delivery::run(args));
            Ok(())
        }
        Command::BenchScores(args) => crate::app::bench_scores::run(args).await,
        Command::EvalNl(args) => match cli.global.llm.config() {
            Ok(llm) => ask::eval_nl(args, llm).await,
            Err(e) => Err(e),
        },
        _ => return None,
    })
}

/// Build the demo data, create its users (printing their passwords) and train the models.
async fn demo(
    app: &App,
    opts: DemoOptions,
    as_of: crate::domain::time::AsOf,
) -> Result<(), AppError> {
    let (c, o, e) = crate::app::generate_demo(app, opts, as_of).await?;
    eprintln!(
        "demo data ready: {c} customers, {o} orders, {e} events (as of {})",
        as_of.date()
    );
    for (email, role, password) in crate::app::create_demo_users(app).await? {
        println!(
            "demo user {email:<22} role {:<17} password {password}",
            role.as_str()
        );
    }
    let cli = crate::app::Actor::cli();
    match app
        .train_models_as(&crate::app::TrainRequest::default(), as_of, &cli)
        .await
    {
        Ok(models) => models.iter().for_each(|m| eprint!("{}", m.table())),
        Err(e) => eprintln!("no scores: {}", e.public_message()),
    }
    Ok(())
}

async fn suppress(app: &App, kind: SuppressKind, value: &str) -> Result<(), AppError> {
    let (k, v) = match kind {
        SuppressKind::Email => ("email", value.trim().to_lowercase()),
        SuppressKind::Phone => ("phone", value.trim().to_string()),
        SuppressKind::ExternalId => ("external_id", value.trim().to_string()),
    };
    app.suppress(k, &v, &crate::app::Actor::cli()).await?;
    println!("suppressed {k}");
    Ok(())
}

async fn serve(app: App, s: &ServeArgs) -> Result<(), AppError> {
    let listener = tokio::net::TcpListener::bind(&s.bind)
        .await
        .map_err(|e| AppError::BadInput(format!("cannot listen on {}: {e}", s.bind)))?;
    eprintln!(
        "segwright is serving on http://{}",
        listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_else(|_| s.bind.clone())
    );
    let app = std::sync::Arc::new(app);
    // Load the in-memory copy in the background; previews use SQL until it is ready.
    let warm = app.clone();
    tokio::spawn(async move {
        if let Err(e) = warm.warm_up().await {
            tracing::warn!(error = %e, "in-memory copy not loaded; previews use SQL");
        }
    });
    crate::http::serve(listener, app, crate::http::shutdown_signal())
        .await
        .map_err(|e| AppError::Network(e.to_string()))
}

/// With no webhook configured, the demo's server receives its own webhook (`/demo/webhook`,
/// signed with a fresh secret), so activating an audience works with nothing else running.
fn demo_webhook(app: &mut App, bind: &str) {
    let d = &mut app.settings.governance.destinations;
    if d.webhook_url.is_some() {
        return;
    }
    let addr = bind
        .replace("0.0.0.0", "127.0.0.1")
        .replace("[::]", "[::1]");
    d.webhook_url = Some(format!("http://{addr}/demo/webhook"));
    d.webhook_secret = Some(uuid::Uuid::new_v4().simple().to_string());
    d.demo_sink = true;
    eprintln!(
        "destination `webhook`: this server's own demo receiver at http://{addr}/demo/webhook (set SEGWRIGHT_WEBHOOK_URL to use yours)"
    );
}

fn import_kind(k: ImportKind) -> crate::domain::import::Kind {
    match k {
        ImportKind::Customers => crate::domain::import::Kind::Customers,
        ImportKind::Orders => crate::domain::import::Kind::Orders,
        ImportKind::Events => crate::domain::import::Kind::Events,
    }
}
