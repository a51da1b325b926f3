//! The commands about audiences and their definitions: preview, validate, members, explain, the
//! catalog and glossary, and saved segments. Each is a thin call into [`crate::app`].

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::{Command, Format, governance, print_json};
use crate::app::{Actor, App, AppError};
use crate::domain::definition::Definition;
use crate::domain::time::AsOf;

#[derive(Debug, Subcommand)]
pub enum SegmentsCommand {
    List,
    Get {
        key: String,
    },
    /// Save a new segment from a definition file.
    Save {
        #[arg(long)]
        name: String,
        #[arg(long)]
        description: Option<String>,
        file: PathBuf,
        /// The marketer writing it (recorded as the author; default: `cli`).
        #[arg(long = "as", value_name = "EMAIL")]
        user: Option<String>,
    },
    /// Save a new version of a segment (a new draft; the active version keeps running).
    Update {
        key: String,
        file: PathBuf,
        #[arg(long = "as", value_name = "EMAIL")]
        user: Option<String>,
    },
    Versions {
        key: String,
    },
    #[command(flatten)]
    Lifecycle(governance::LifecycleCommand),
}

/// Run one of this module's commands.
pub(super) async fn run(app: &App, command: Command, as_of: AsOf) -> Result<(), AppError> {
    match command {
        Command::Preview { file, count_only } => print_json(
            &app.preview(&read_definition(&file)?, as_of, !count_only, &Actor::cli())
                .await?,
        ),
        Command::Validate { file } => {
            app.validate_definition(&read_definition(&file)?, as_of, &Actor::cli())
                .await?;
            println!("valid");
        }
        Command::Members {
            file,
            format,
            with_email,
        } => members(app, &read_definition(&file)?, as_of, format, with_email).await?,
        Command::Explain {
            file,
            customer,
            user,
        } => {
            let actor = governance::actor(app, user.as_deref()).await?;
            let (member, trace) = app
                .explain_customer(&read_definition(&file)?, as_of, &customer, &actor)
                .await?;
            print_json(
                &serde_json::json!({ "customer": customer, "member": member, "clauses": trace }),
            );
        }
        Command::Catalog { json } => catalog(app, json).await?,
        Command::Glossary => print_json(&*app.glossary()),
        Command::Segments(cmd) => segments(app, cmd, as_of).await?,
        _ => unreachable!("the other commands are dispatched in cli.rs"),
    }
    Ok(())
}

fn read_definition(path: &PathBuf) -> Result<Definition, AppError> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
            .map_err(|e| AppError::File(format!("reading standard input: {e}")))?
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| AppError::BadInput(format!("cannot read {}: {e}", path.display())))?
    };
    Definition::from_json(&text).map_err(|i| AppError::Invalid(vec![i]))
}

async fn catalog(app: &App, json: bool) -> Result<(), AppError> {
    let snap = app.catalog(&Actor::cli()).await?;
    if json {
        print_json(&snap.catalog);
        return Ok(());
    }
    for f in &snap.catalog.fields {
        let ty = serde_json::to_value(f.ty)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let values = if f.values.is_empty() {
            String::new()
        } else {
            format!(
                " [{}]",
                f.values
                    .iter()
                    .take(12)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        println!("{:<28} {:<12} {}{values}", f.name, ty, f.description);
    }
    if !snap.catalog.events.is_empty() {
        println!("\nevents: {}", snap.catalog.events.join(", "));
    }
    Ok(())
}

async fn members(
    app: &App,
    def: &Definition,
    as_of: AsOf,
    format: Format,
    with_email: bool,
) -> Result<(), AppError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        let header = if with_email {
            "external_id,email\n"
        } else {
            "external_id\n"
        };
        if format == Format::Csv {
            out.write_all(header.as_bytes())?;
        }
        while let Some(chunk) = rx.blocking_recv() {
            for m in chunk {
                crate::app::write_member(&mut out, &m, format == Format::Csv, with_email)?;
            }
        }
        out.flush()
    });
    // Emails go through the audited path that leaves the suppression list out (see app::export).
    let n = if with_email {
        app.export_member_emails(def, as_of, &Actor::cli(), tx)
            .await
    } else {
        app.export_members(def, as_of, false, tx, &Actor::cli())
            .await
    };
    match writer
        .await
        .map_err(|e| AppError::TaskFailed(e.to_string()))?
    {
        // A reader that stops early (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
        other => other.map_err(|e| AppError::File(format!("writing output: {e}")))?,
    }
    eprintln!("{} members", n?);
    Ok(())
}

async fn segments(app: &App, cmd: SegmentsCommand, as_of: AsOf) -> Result<(), AppError> {
    match cmd {
        SegmentsCommand::List => print_json(&app.list_segments(&Actor::cli()).await?),
        SegmentsCommand::Get { key } => print_json(&app.get_segment(&key, &Actor::cli()).await?),
        SegmentsCommand::Save {
            name,
            description,
            file,
            user,
        } => {
            let req = crate::app::SaveSegment {
                name,
                description,
                definition: read_definition(&file)?,
            };
            print_json(
                &app.create_segment(req, as_of, &governance::actor(app, user.as_deref()).await?)
                    .await?,
            )
        }
        SegmentsCommand::Update { key, file, user } => print_json(
            &app.update_segment(
                &key,
                read_definition(&file)?,
                as_of,
                &governance::actor(app, user.as_deref()).await?,
            )
            .await?,
        ),
        SegmentsCommand::Versions { key } => {
            print_json(&app.segment_versions(&key, &Actor::cli()).await?)
        }
        SegmentsCommand::Lifecycle(cmd) => governance::lifecycle(app, cmd).await?,
    }
    Ok(())
}
