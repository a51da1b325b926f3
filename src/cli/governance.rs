//! Governance commands: `user add|list`, `token create|list|revoke`, the segment lifecycle
//! (`segments submit|approve|reject|activate|pause|archive|review --as EMAIL`) and `audit`.

use clap::{Subcommand, ValueEnum};

use super::print_json;
use crate::app::audit::{AuditFilter, audit_csv};
use crate::app::{Actor, App, AppError, Governance, SyncKind};
use crate::destinations::DestinationConfig;
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

/// Governance settings from the environment: `SEGWRIGHT_SECOND_APPROVER_ABOVE`,
/// `SEGWRIGHT_SECURE_COOKIES=1`, `SEGWRIGHT_REFRESH_HOURS` (0 turns the schedule off),
/// `SEGWRIGHT_SYNC_LEASE_SECS`, `SEGWRIGHT_BATCH_SIZE` (members per request, within each
/// platform's limit), `SEGWRIGHT_AUDIT_KEY`, `SEGWRIGHT_REQUEST_BUDGET_SECS`, `SEGWRIGHT_HEAVY_CONCURRENCY`, and the
/// destinations' (see [`destinations_from_env`]).
pub fn governance_from_env() -> Result<Governance, AppError> {
    let mut g = Governance::default();
    if let Some(v) = env_var("SEGWRIGHT_SECOND_APPROVER_ABOVE") {
        g.second_approver_above = v.parse().map_err(|_| {
            AppError::BadInput(format!(
                "SEGWRIGHT_SECOND_APPROVER_ABOVE must be a number, not `{v}`"
            ))
        })?;
    }
    g.secure_cookies = env_var("SEGWRIGHT_SECURE_COOKIES").is_some_and(|v| v == "1" || v == "true");
    destinations_from_env(&mut g.destinations);
    if let Some(v) = env_var("SEGWRIGHT_SECRET_KEY") {
        g.secret_key = Some(crate::app::secrets::SecretKey::parse(&v).map_err(AppError::BadInput)?);
    }
    let number = |k: &str, v: String| {
        v.parse::<u64>()
            .map_err(|_| AppError::BadInput(format!("{k} must be a whole number, not `{v}`")))
    };
    if let Some(v) = env_var("SEGWRIGHT_REFRESH_HOURS") {
        let h = number("SEGWRIGHT_REFRESH_HOURS", v)?;
        g.sync.refresh_every = (h > 0).then(|| std::time::Duration::from_secs(h * 3600));
    }
    if let Some(v) = env_var("SEGWRIGHT_BATCH_SIZE") {
        g.destinations.batch_size = number("SEGWRIGHT_BATCH_SIZE", v)?.max(1) as usize;
    }
    if let Some(v) = env_var("SEGWRIGHT_SYNC_LEASE_SECS") {
        g.sync.lease = std::time::Duration::from_secs(number("SEGWRIGHT_SYNC_LEASE_SECS", v)?);
    }
    if let Some(v) = env_var("SEGWRIGHT_AUDIT_KEY") {
        g.audit_key = Some(crate::domain::audit::AuditKey::parse(&v).map_err(AppError::BadInput)?);
    }
    if let Some(v) = env_var("SEGWRIGHT_REQUEST_BUDGET_SECS") {
        g.request_budget =
            std::time::Duration::from_secs(number("SEGWRIGHT_REQUEST_BUDGET_SECS", v)?.max(1));
    }
    if let Some(v) = env_var("SEGWRIGHT_HEAVY_CONCURRENCY") {
        g.heavy_concurrency = number("SEGWRIGHT_HEAVY_CONCURRENCY", v)?.max(1) as usize;
    }
    Ok(g)
}

/// Score settings from the environment: `SEGWRIGHT_SCORE_REFRESH` (a period such as `24h`,
/// `90m`, `3600s`, `7d`; `0` or `off` turns the schedule off; default `24h`) and
/// `SEGWRIGHT_SCORE_RETRAIN=1` (the schedule trains new model versions instead of re-scoring).
pub fn scores_from_env() -> Result<crate::app::ScoreSettings, AppError> {
    let refresh = env_var("SEGWRIGHT_SCORE_REFRESH").unwrap_or_else(|| "24h".into());
    let every = period(&refresh).ok_or_else(|| {
        AppError::BadInput(format!(
            "SEGWRIGHT_SCORE_REFRESH must be a period such as 24h, 90m or off, not `{refresh}`"
        ))
    })?;
    let retrain = env_var("SEGWRIGHT_SCORE_RETRAIN").is_some_and(|v| v == "1" || v == "true");
    Ok(crate::app::ScoreSettings {
        refresh_every: every,
        retrain,
    })
}

/// `24h`, `90m`, `3600s`, `7d` → that duration; `0` or `off` → `Some(None)`; anything else → `None`.
fn period(text: &str) -> Option<Option<std::time::Duration>> {
    let t = text.trim();
    if t == "0" || t.eq_ignore_ascii_case("off") {
        return Some(None);
    }
    let unit = match t.chars().last()? {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return None,
    };
    let n: u64 = t[..t.len() - 1].parse().ok()?;
    (n > 0).then(|| Some(std::time::Duration::from_secs(n * unit)))
}

fn env_var(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.is_empty())
}

/// Destination endpoints and credentials: `SEGWRIGHT_WEBHOOK_{URL,SECRET}`,
/// `SEGWRIGHT_META_{BASE_URL,AUDIENCE_ID,ACCESS_TOKEN}`,
/// `SEGWRIGHT_GOOGLE_{BASE_URL,CUSTOMER_ID,USER_LIST_ID,LOGIN_CUSTOMER_ID,DEVELOPER_TOKEN,ACCESS_TOKEN}`,
/// `SEGWRIGHT_LINKEDIN_{BASE_URL,SEGMENT_ID,ACCESS_TOKEN,VERSION}`,
/// `SEGWRIGHT_TIKTOK_{BASE_URL,ADVERTISER_ID,AUDIENCE_ID,ACCESS_TOKEN}`, `SEGWRIGHT_CSV_DIR`.
fn destinations_from_env(d: &mut DestinationConfig) {
    let set = |field: &mut String, k: &str| {
        if let Some(v) = env_var(k) {
            *field = v;
        }
    };
    d.webhook_url = env_var("SEGWRIGHT_WEBHOOK_URL");
    d.webhook_secret = env_var("SEGWRIGHT_WEBHOOK_SECRET");
    set(&mut d.meta_base_url, "SEGWRIGHT_META_BASE_URL");
    d.meta_audience_id = env_var("SEGWRIGHT_META_AUDIENCE_ID");
    d.meta_access_token = env_var("SEGWRIGHT_META_ACCESS_TOKEN");
    set(&mut d.google_base_url, "SEGWRIGHT_GOOGLE_BASE_URL");
    d.google_customer_id = env_var("SEGWRIGHT_GOOGLE_CUSTOMER_ID");
    d.google_user_list_id = env_var("SEGWRIGHT_GOOGLE_USER_LIST_ID");
    d.google_login_customer_id = env_var("SEGWRIGHT_GOOGLE_LOGIN_CUSTOMER_ID");
    d.google_developer_token = env_var("SEGWRIGHT_GOOGLE_DEVELOPER_TOKEN");
    d.google_access_token = env_var("SEGWRIGHT_GOOGLE_ACCESS_TOKEN");
    set(&mut d.linkedin_base_url, "SEGWRIGHT_LINKEDIN_BASE_URL");
    d.linkedin_segment_id = env_var("SEGWRIGHT_LINKEDIN_SEGMENT_ID");
    d.linkedin_access_token = env_var("SEGWRIGHT_LINKEDIN_ACCESS_TOKEN");
    set(&mut d.linkedin_version, "SEGWRIGHT_LINKEDIN_VERSION");
    set(&mut d.tiktok_base_url, "SEGWRIGHT_TIKTOK_BASE_URL");
    d.tiktok_advertiser_id = env_var("SEGWRIGHT_TIKTOK_ADVERTISER_ID");
    d.tiktok_audience_id = env_var("SEGWRIGHT_TIKTOK_AUDIENCE_ID");
    d.tiktok_access_token = env_var("SEGWRIGHT_TIKTOK_ACCESS_TOKEN");
    d.csv_dir = env_var("SEGWRIGHT_CSV_DIR");
}
