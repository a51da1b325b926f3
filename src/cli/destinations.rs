//! `segwright destination add|list|remove`: destinations stored in the database, their secrets
//! sealed under `SEGWRIGHT_SECRET_KEY`. Run locally, these act as the CLI (an admin's rights).

use std::collections::BTreeMap;

use clap::Subcommand;

use crate::app::{Actor, App, AppError, NewDestination};
use crate::domain::policy::Destination;

#[derive(Debug, Subcommand)]
pub enum DestinationCommand {
    /// Store (or replace) a destination: `--set NAME=VALUE` for settings, `--secret NAME=VALUE`
    /// (or `--secret NAME=env:VARIABLE`, to keep the value out of the shell history) for secrets.
    Add {
        /// meta, google, linkedin, tiktok or webhook.
        kind: String,
        #[arg(long = "set", value_name = "NAME=VALUE")]
        settings: Vec<String>,
        #[arg(long = "secret", value_name = "NAME=VALUE")]
        secrets: Vec<String>,
    },
    /// List destinations (stored and from the environment); secrets show as their last 4 characters.
    List,
    /// Remove a stored destination.
    Remove { kind: String },
}

fn pairs(items: &[String], secret: bool) -> Result<BTreeMap<String, String>, AppError> {
    let mut out = BTreeMap::new();
    for item in items {
        let (k, v) = item.split_once('=').ok_or_else(|| {
            AppError::BadInput(format!(
                "expected NAME=VALUE, got `{}`",
                if secret { "…" } else { item }
            ))
        })?;
        let v = match v.strip_prefix("env:").filter(|_| secret) {
            Some(var) => super::settings::secret_from(var)?,
            None => v.to_string(),
        };
        out.insert(k.trim().to_string(), v);
    }
    Ok(out)
}

pub async fn destination(app: &App, cmd: DestinationCommand) -> Result<(), AppError> {
    let kind_of = |k: &str| Destination::parse(k).map_err(AppError::BadInput);
    match cmd {
        DestinationCommand::Add {
            kind,
            settings,
            secrets,
        } => {
            let d = NewDestination {
                kind: kind_of(&kind)?,
                settings: pairs(&settings, false)?,
                secrets: pairs(&secrets, true)?,
            };
            let v = app.add_destination(d, &Actor::cli()).await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&v).expect("serializable")
            );
        }
        DestinationCommand::List => {
            for v in app.list_destinations(&Actor::cli()).await? {
                let secrets: Vec<String> =
                    v.secrets.iter().map(|(k, h)| format!("{k}={h}")).collect();
                let settings: Vec<String> =
                    v.settings.iter().map(|(k, s)| format!("{k}={s}")).collect();
                let ready = if v.configured { "ready" } else { "incomplete" };
                println!(
                    "{:<9} {:<12} {ready:<10} {} {}",
                    v.kind.as_str(),
                    v.source,
                    settings.join(" "),
                    secrets.join(" ")
                );
            }
        }
        DestinationCommand::Remove { kind } => {
            let kind = kind_of(&kind)?;
            app.remove_destination(kind, &Actor::cli()).await?;
            println!("removed {}", kind.as_str());
        }
    }
    Ok(())
}
