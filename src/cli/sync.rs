//! Sync commands: `sync status [RUN] [--segment KEY]` (delivery reports) and `sync run` (send
//! whatever the outbox still holds, e.g. after a crash), plus the inline worker the lifecycle
//! commands `segments deliver|refresh` use: the run is stored first, then sent from here.

use clap::Subcommand;

use super::print_json;
use crate::app::{Actor, App, AppError, SyncKind};

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// A run's delivery report, or the newest runs (of one segment with --segment).
    Status {
        run: Option<i64>,
        #[arg(long)]
        segment: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// Send every batch still waiting in the outbox (a batch a killed process held is taken
    /// over once its lease runs out), then print how many were handled.
    Run,
}

pub async fn sync(app: &App, cmd: SyncCommand) -> Result<(), AppError> {
    match cmd {
        SyncCommand::Status { run: Some(run), .. } => {
            print_json(&app.sync_report(run, &Actor::cli()).await?)
        }
        SyncCommand::Status {
            run: None,
            segment,
            limit,
        } => print_json(
            &app.sync_reports(segment.as_deref(), limit, &Actor::cli())
                .await?,
        ),
        SyncCommand::Run => {
            let n = app.drain_syncs().await?;
            println!("{n} batches handled");
        }
    }
    Ok(())
}

/// Store a run of `key`, send it from this process, and print its report; fails when any
/// destination failed.
pub async fn run_inline(
    app: &App,
    key: &str,
    kind: SyncKind,
    actor: &Actor,
) -> Result<(), AppError> {
    let run = app.start_sync(key, kind, actor).await?;
    app.drain_syncs().await?;
    let report = app.sync_report(run.id, actor).await?;
    print_json(&report);
    match report.run.status.as_str() {
        "failed" => Err(AppError::Upstream(format!(
            "sync run {} failed; see `segwright sync status {}`",
            run.id, run.id
        ))),
        _ => Ok(()),
    }
}
