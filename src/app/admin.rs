//! What the admin pages do (admins only, checked here): destinations with their connection
//! status — the last test and the last sync's outcome, with its error — and a connection test;
//! users listed without their password hashes, added or reset with a generated password (shown
//! once), and their role changed. Every change is audited.

use std::time::Duration;

use serde::Serialize;

use super::auth::generate_password;
use super::{Actor, App, AppError, Change, DestinationView};
use crate::destinations::{Batch, Op};
use crate::domain::access::{Permission, Role};
use crate::domain::policy::Destination;

/// A destination as the admin page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct DestinationStatus {
    #[serde(flatten)]
    pub view: DestinationView,
    /// `delivered`, `failed`, … of the newest sync run that sent to it; `None` when none did.
    pub last_sync: Option<String>,
    pub last_sync_at: Option<i64>,
    /// The newest error a sync run recorded for it.
    pub last_error: Option<String>,
}

/// A user as the admin page lists them (never the password hash).
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub email: String,
    pub role: String,
    pub created_at: i64,
}

/// How many recent sync runs the destination status is read from.
const RECENT_RUNS: i64 = 50;

impl App {
    /// Every destination with its newest sync outcome and error (admins).
    #[tracing::instrument(skip_all)]
    pub async fn destination_statuses(
        &self,
        actor: &Actor,
    ) -> Result<Vec<DestinationStatus>, AppError> {
        let views = self.list_destinations(actor).await?;
        let runs = self.reports_of(None, RECENT_RUNS).await?;
        Ok(views
            .into_iter()
            .map(|view| {
                // Newest run first: the first one that sent to this destination tells its state.
                let last = runs.iter().find_map(|r| {
                    r.destinations
                        .iter()
                        .find(|d| d.destination == view.kind.as_str())
                        .map(|d| (r, d))
                });
                let last_error = runs
                    .iter()
                    .flat_map(|r| r.destinations.iter())
                    .find(|d| d.destination == view.kind.as_str() && !d.errors.is_empty());
                DestinationStatus {
                    last_sync: last.map(|(_, d)| d.status.clone()),
                    last_sync_at: last.map(|(r, _)| r.run.created_at),
                    last_error: last_error.and_then(|d| d.errors.last().cloned()),
                    view,
                }
            })
            .collect())
    }

    /// Test a destination's connection (admins): one empty batch, sent once, without retries.
    /// `Ok` with what happened in words: the destination answered, or why it did not.
    #[tracing::instrument(skip(self, actor))]
    pub async fn test_destination(
        &self,
        kind: Destination,
        actor: &Actor,
    ) -> Result<Result<String, String>, AppError> {
        actor.require(Permission::Administer)?;
        let cfg = self.destination_config().await?;
        if !cfg.is_configured(kind) {
            return Ok(Err(format!(
                "{} is not configured: add its settings first",
                kind.as_str()
            )));
        }
        let client = crate::destinations::http_client(Duration::from_secs(10))
            .map_err(|e| AppError::Network(e.to_string()))?;
        let run_id = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default();
        let batch = Batch {
            op: Op::Add,
            segment_id: "connection-test",
            version: 0,
            approval_hash: "",
            run_id,
            seq: 1,
            batches: 1,
            total: 0,
            members: &[],
            ..Batch::default()
        };
        let outcome = match crate::destinations::send(kind, &client, &cfg, &batch).await {
            Ok(_) => Ok(format!(
                "{} answered: the connection works (an empty test batch was accepted)",
                kind.as_str()
            )),
            Err(e) => Err(format!("{} did not accept the test: {e}", kind.as_str())),
        };
        let after = serde_json::json!({"kind": kind, "ok": outcome.is_ok()});
        self.audit(
            actor,
            "destination.test",
            Change {
                after: Some(after),
                ..Default::default()
            },
        )
        .await?;
        Ok(outcome)
    }

    /// The destinations a segment can be sent to now: those configured (by an admin or the
    /// environment). Nothing else is offered, since a sync to it would only fail.
    /// Any signed-in role may know them (an unknown user is offered none).
    pub async fn sendable_destinations(&self, actor: &Actor) -> Vec<Destination> {
        if actor.allow(Permission::Read).is_err() {
            return Vec::new();
        }
        let cfg = self
            .destination_config()
            .await
            .unwrap_or_else(|_| self.settings.governance.destinations.clone());
        let order = [
            Destination::Webhook,
            Destination::Meta,
            Destination::Google,
            Destination::Linkedin,
            Destination::Tiktok,
            Destination::Csv,
        ];
        order
            .into_iter()
            .filter(|d| cfg.is_configured(*d))
            .collect()
    }

    /// Every user, without secrets (admins).
    pub async fn users(&self, actor: &Actor) -> Result<Vec<UserView>, AppError> {
        actor.require(Permission::Administer)?;
        let users = self.list_users(actor).await?;
        Ok(users
            .into_iter()
            .map(|u| UserView {
                email: u.email,
                role: u.role,
                created_at: u.created_at,
            })
            .collect())
    }

    /// Add a user with a generated password, answered once (admins).
    pub async fn invite_user(
        &self,
        email: &str,
        role: Role,
        actor: &Actor,
    ) -> Result<String, AppError> {
        actor.require(Permission::Administer)?;
        if self.user(email).await.is_ok() {
            return Err(AppError::Conflict(format!(
                "`{}` already has an account: change its role or reset its password instead",
                email.trim()
            )));
        }
        let password = generate_password();
        self.add_user(email, role, &password, false, actor).await?;
        Ok(password)
    }

    /// Give a user a new generated password, answered once (admins); their role stays.
    pub async fn reset_password(&self, email: &str, actor: &Actor) -> Result<String, AppError> {
        actor.require(Permission::Administer)?;
        let user = self.user(email).await?;
        let password = generate_password();
        self.add_user(&user.email, user.role, &password, true, actor)
            .await?;
        Ok(password)
    }

    /// Change a user's role (admins). An admin does not change their own role, so the last
    /// admin cannot lock everyone out of these pages.
    #[tracing::instrument(skip(self, actor))]
    pub async fn set_role(&self, email: &str, role: Role, actor: &Actor) -> Result<(), AppError> {
        let me = actor.require(Permission::Administer)?;
        let user = self.user(email).await?;
        if user.user_id == me.user_id {
            return Err(AppError::Forbidden(
                "you cannot change your own role: another admin can".into(),
            ));
        }
        let record = self
            .store
            .user_by_email(&user.email)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("user `{email}`")))?;
        let mut tx = self.store.begin_write().await?;
        tx.update_user(&record.id, role.as_str(), &record.password_hash)
            .await?;
        let change = Change {
            before: Some(serde_json::json!({"email": user.email, "role": user.role})),
            after: Some(serde_json::json!({"email": user.email, "role": role})),
            ..Default::default()
        };
        self.audit_in(&mut tx, actor, "user.role", change).await?;
        tx.commit().await?;
        Ok(())
    }
}
