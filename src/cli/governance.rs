//! Governance commands: `user add|list`, `token create`, the segment lifecycle
//! (`segments submit|approve|reject|activate|pause|archive|review --as EMAIL`) and `audit`.

use clap::Subcommand;

use crate::app::{Actor, App, AppError};
use crate::domain::access::Role;

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
}

pub async fn user(app: &App, cmd: UserCommand) -> Result<(), AppError> {
    match cmd {
        UserCommand::Add { email, role, password, reset } => {
            let role = Role::parse(&role).map_err(AppError::BadInput)?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(crate::app::auth::generate_password);
            let u = app.add_user(&email, role, &password, reset, &Actor::cli()).await?;
            if generated {
                println!("{} ({}) password: {password}", u.email, u.role);
            } else {
                println!("{} ({})", u.email, u.role);
            }
        }
        UserCommand::List => {
            for u in app.list_users().await? {
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
    }
    Ok(())
}
