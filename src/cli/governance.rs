//! Governance commands: `user add|list`, `token create|list|revoke`, the segment lifecycle
//! (`segments submit|approve|reject|activate|pause|archive|review --as EMAIL`) and `audit`.

use clap::{Subcommand, ValueEnum};

use super::print_json;
use crate::app::audit::{AuditFilter, audit_csv};
use crate::app::{Actor, App, AppError, SyncKind};
use crate::domain::access::Role;
use crate::domain::policy::Destination;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user (or with --reset change an existing one's role and password); prints the
    /// password when it was generated.
    Add {
        email: String,
        /// marketer, campaign_manager (or manager) or admin.
        #[arg(long)]
        role: String,
        /// The password (default: a generated one, printed once).
        #[arg(long)]
        password: Option<String>,
        /// Update the user if it exists.
        #[arg(long)]
        reset: bool,
    },
    /// List users and their roles.
    List,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; it is printed once and stored hashed.
    Create {
        email: String,
        #[arg(long, default_value = "api")]
        label: String,
    },
    /// List API tokens (id, user, label, created), never the tokens themselves.
    List {
        /// Only this user's tokens.
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke an API token by the id `token list` shows; it is refused from then on.
    Revoke { id: String },
}

pub async fn user(app: &App, cmd: UserCommand) -> Result<(), AppError> {
    match cmd {
        UserCommand::Add {
            email,
            role,
            password,
            reset,
        } => {
            let role = Role::parse(&role).map_err(AppError::BadInput)?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(crate::app::auth::generate_password);
            let u = app
                .add_user(&email, role, &password, reset, &Actor::cli())
                .await?;
            if generated {
                println!("{} ({}) password: {password}", u.email, u.role);
            } else {
                println!("{} ({})", u.email, u.role);
            }
        }
        UserCommand::List => {
            for u in app.list_users(&Actor::cli()).await? {
                println!("{:<32} {}", u.email, u.role);
            }
        }
    }
    Ok(())
}

pub async fn token(app: &App, cmd: TokenCommand) -> Result<(), AppError> {
    match cmd {
        TokenCommand::Create { email, label } => {
            let token = app.create_token(&email, &label, &Actor::cli()).await?;
            eprintln!("API token for {email} (shown once; send it as `Authorization: Bearer …`):");
            println!("{token}");
        }
        TokenCommand::List { user } => {
            for t in app
                .list_tokens(&Actor::cli())
                .await?
                .into_iter()
                .filter(|t| {
                    user.as_ref()
                        .is_none_or(|u| u.eq_ignore_ascii_case(&t.email))
                })
            {
                let at = chrono::DateTime::from_timestamp(t.created_at, 0)
                    .map(|d| d.to_rfc3339())
                    .unwrap_or_default();
                println!("{}  {:<32} {:<16} {at}", t.id, t.email, t.label);
            }
        }
        TokenCommand::Revoke { id } => {
            let t = app.revoke_token(&id, &Actor::cli()).await?;
            println!("revoked {} ({}, {})", t.id, t.email, t.label);
        }
    }
    Ok(())
}

/// The review workflow; `--as` names the user acting (who must hold the role).
#[derive(Debug, Subcommand)]
pub enum LifecycleCommand {
    /// Submit the current version for review, bound for destinations (policy is checked).
    Submit {
        key: String,
        /// meta, google, linkedin, tiktok, webhook, email or csv (repeatable).
        #[arg(long = "destination", required = true)]
        destinations: Vec<String>,
        #[arg(long = "as", value_name = "EMAIL")]
        user: String,
    },
    /// Approve the version under review (four eyes; large audiences need two approvers).
    Approve {
        key: String,
        /// The approval hash reviewed; refused if the version under review has another.
        #[arg(long)]
        hash: Option<String>,
        #[arg(long)]
        comment: Option<String>,
        #[arg(long = "as", value_name = "EMAIL")]
        user: String,
    },
    /// Reject the version under review, saying why.
    Reject {
        key: String,
        #[arg(long)]
        comment: String,
        #[arg(long = "as", value_name = "EMAIL")]
        user: String,
    },
    /// Activate the newest approved version, or resume a paused one.
    Activate {
        key: String,
        #[arg(long = "as", value_name = "EMAIL")]
        user: String,
    },
    /// Pause the active version.
    Pause {
        key: String,
        #[arg(long = "as", value_name = "EMAIL")]
        user: String,
    },
    /// Archive the segment.
    Archive {
        key: String,
        #[arg(long = "as", value_name = "EMAIL")]
        user: String,
    },
    /// The version under review: definition, destinations, approvals, preview then and now.
    Review { key: String },
    /// Send the active version's changes to its destinations (a stored sync run, sent from
    /// this process); `--dry-run` only counts additions, removals and batches per destination.
    Deliver {
        key: String,
        #[arg(long)]
        dry_run: bool,
        #[arg(long = "as", value_name = "EMAIL")]
        user: String,
    },
    /// Recompute the active version and send only the additions and removals since the last
    /// successful sync.
    Refresh {
        key: String,
        #[arg(long = "as", value_name = "EMAIL")]
        user: String,
    },
    /// Replace the audience where the platform can (Meta: one `usersreplace` session of every
    /// member; Meta drops whoever is not in it); other destinations get additions and removals.
    Replace {
        key: String,
        #[arg(long = "as", value_name = "EMAIL")]
        user: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum AuditFormat {
    Json,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain; fails naming the first tampered entry. Prints a checkpoint of
    /// the head to keep outside the database.
    Verify {
        /// A checkpoint printed by an earlier verify: the chain must still hold its entry with
        /// its hash (detects removed newest entries and a re-chained log).
        #[arg(long)]
        checkpoint: Option<String>,
    },
    /// Print entries, newest first.
    List {
        #[arg(long)]
        segment: Option<String>,
        #[arg(long)]
        actor: Option<String>,
        #[arg(long)]
        action: Option<String>,
        #[arg(long)]
        limit: Option<i64>,
        #[arg(long, value_enum, default_value_t = AuditFormat::Json)]
        format: AuditFormat,
    },
}

async fn as_user(app: &App, email: &str) -> Result<Actor, AppError> {
    Ok(Actor::user(app.user(email).await?, Some("cli".into())))
}

/// The named user, or the anonymous local `cli` actor.
pub async fn actor(app: &App, email: Option<&str>) -> Result<Actor, AppError> {
    match email {
        Some(e) => as_user(app, e).await,
        None => Ok(Actor::cli()),
    }
}

pub async fn lifecycle(app: &App, cmd: LifecycleCommand) -> Result<(), AppError> {
    match cmd {
        LifecycleCommand::Submit {
            key,
            destinations,
            user,
        } => {
            let d = destinations
                .iter()
                .map(|d| Destination::parse(d))
                .collect::<Result<Vec<_>, _>>()
                .map_err(AppError::BadInput)?;
            print_json(
                &app.submit_segment(&key, d, &as_user(app, &user).await?)
                    .await?,
            );
        }
        LifecycleCommand::Approve {
            key,
            hash,
            comment,
            user,
        } => print_json(
            &app.approve_segment(&key, hash.as_deref(), comment, &as_user(app, &user).await?)
                .await?,
        ),
        LifecycleCommand::Reject { key, comment, user } => print_json(
            &app.reject_segment(&key, Some(&comment), &as_user(app, &user).await?)
                .await?,
        ),
        LifecycleCommand::Activate { key, user } => print_json(
            &app.activate_segment(&key, &as_user(app, &user).await?)
                .await?,
        ),
        LifecycleCommand::Pause { key, user } => {
            print_json(&app.pause_segment(&key, &as_user(app, &user).await?).await?)
        }
        LifecycleCommand::Archive { key, user } => {
            let n = app
                .archive_segment(&key, &as_user(app, &user).await?)
                .await?;
            println!("archived {key} ({n} versions)");
        }
        LifecycleCommand::Review { key } => print_json(&app.review(&key, &Actor::cli()).await?),
        LifecycleCommand::Deliver {
            key,
            dry_run: true,
            user,
        } => print_json(&app.dry_run(&key, &as_user(app, &user).await?).await?),
        LifecycleCommand::Deliver {
            key,
            dry_run: false,
            user,
        } => {
            super::sync::run_inline(app, &key, SyncKind::Deliver, &as_user(app, &user).await?)
                .await?
        }
        LifecycleCommand::Refresh { key, user } => {
            super::sync::run_inline(app, &key, SyncKind::Refresh, &as_user(app, &user).await?)
                .await?
        }
        LifecycleCommand::Replace { key, user } => {
            super::sync::run_inline(app, &key, SyncKind::Replace, &as_user(app, &user).await?)
                .await?
        }
    }
    Ok(())
}

pub async fn audit(app: &App, cmd: AuditCommand) -> Result<(), AppError> {
    match cmd {
        AuditCommand::Verify { checkpoint } => {
            let v = app
                .verify_audit(checkpoint.as_deref(), &Actor::cli())
                .await?;
            println!(
                "audit log intact: {} entries, head {}",
                v.entries, v.head_hash
            );
            v.warnings.iter().for_each(|w| eprintln!("warning: {w}"));
            println!(
                "checkpoint (keep it outside the database): {}",
                v.checkpoint
            );
        }
        AuditCommand::List {
            segment,
            actor,
            action,
            limit,
            format,
        } => {
            let segment_id = match segment {
                Some(key) => Some(app.get_segment(&key, &Actor::cli()).await?.segment.id),
                None => None,
            };
            let entries = app
                .audit_entries(
                    &AuditFilter {
                        actor,
                        action,
                        segment_id,
                        limit,
                        ..Default::default()
                    },
                    &Actor::cli(),
                )
                .await?;
            match format {
                AuditFormat::Json => print_json(&entries),
                AuditFormat::Csv => print!("{}", audit_csv(&entries)),
            }
        }
    }
    Ok(())
}
