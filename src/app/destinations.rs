//! Destinations an admin configures at run time (`POST /api/destinations`, `segwright
//! destination add`), stored in the database with their secrets sealed (see [`super::secrets`]).
//! A stored destination's settings take precedence over the environment's, setting by setting;
//! destinations configured only in the environment keep working. Secrets are never answered
//! nor audited: listings show each as its last 4 characters.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Actor, App, AppError, Change};
use crate::destinations::DestinationConfig;
use crate::domain::access::Permission;
use crate::domain::policy::Destination;
use crate::store::DestinationRecord;

/// What an admin stores for one destination kind.
#[derive(Debug, Clone)]
pub struct NewDestination {
    pub kind: Destination,
    /// Non-secret settings by name (`url`, `base_url`, `audience_id`, …).
    pub settings: BTreeMap<String, String>,
    /// Secrets by name (`secret`, `access_token`, `developer_token`).
    pub secrets: BTreeMap<String, String>,
}

/// A destination as listed: never a secret.
#[derive(Debug, Clone, Serialize)]
pub struct DestinationView {
    pub kind: Destination,
    /// `database` (stored by an admin) or `environment`.
    pub source: &'static str,
    pub settings: BTreeMap<String, String>,
    /// Each secret's name and its last 4 characters (`…wxyz`), or `set`.
    pub secrets: BTreeMap<String, String>,
    /// Whether it has what it needs to send.
    pub configured: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
}

/// What a listing shows of a secret.
fn hint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 12 {
        "set".into()
    } else {
        format!("…{}", chars[chars.len() - 4..].iter().collect::<String>())
    }
}

fn check_names(
    kind: Destination,
    given: &BTreeMap<String, String>,
    allowed: &[&str],
    what: &str,
) -> Result<(), AppError> {
    match given.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(AppError::BadInput(format!(
            "{} has no {what} `{k}` (known: {})",
            kind.as_str(),
            allowed.join(", ")
        ))),
        None => Ok(()),
    }
}

/// A `url` or `base_url` setting must be an http(s) address: a typo is refused when stored, not
/// discovered when an approved audience fails to send.
fn check_urls(kind: Destination, settings: &BTreeMap<String, String>) -> Result<(), AppError> {
    for (k, v) in settings.iter().filter(|(k, _)| k.ends_with("url")) {
        if !crate::destinations::is_http_url(v) {
            return Err(AppError::BadInput(format!(
                "{} `{k}` must be an http(s) address such as https://example.com/hook",
                kind.as_str()
            )));
        }
    }
    Ok(())
}

/// The CSV drop's `dir` must be an absolute path to an existing directory: a typo is refused
/// when stored, not discovered when the first sync fails.
fn check_dir(kind: Destination, settings: &BTreeMap<String, String>) -> Result<(), AppError> {
    match settings.get("dir") {
        Some(dir) if kind == Destination::Csv => {
            let p = std::path::Path::new(dir);
            if p.is_absolute() && p.is_dir() {
                Ok(())
            } else {
                Err(AppError::BadInput(format!(
                    "csv `dir` must be the absolute path of an existing directory the server can write to (`{dir}` is not)"
                )))
            }
        }
        _ => Ok(()),
    }
}

impl App {
    /// Store (or replace) a destination's settings and sealed secrets (admin).
    pub async fn add_destination(
        &self,
        d: NewDestination,
        actor: &Actor,
    ) -> Result<DestinationView, AppError> {
        actor.allow(Permission::Administer)?;
        let (settings, secrets) = DestinationConfig::keys(d.kind);
        if settings.is_empty() {
            return Err(AppError::BadInput(format!(
                "{} needs no configuration",
                d.kind.as_str()
            )));
        }
        check_names(d.kind, &d.settings, settings, "setting")?;
        check_names(d.kind, &d.secrets, secrets, "secret")?;
        check_urls(d.kind, &d.settings)?;
        check_dir(d.kind, &d.settings)?;
        let sealed = match (&self.settings.governance.secret_key, d.secrets.is_empty()) {
            (_, true) => None,
            (Some(key), false) => Some(key.seal(
                d.kind.as_str(),
                &serde_json::to_vec(&d.secrets).expect("serializable"),
            )?),
            (None, false) => {
                return Err(AppError::BadInput(
                    "SEGWRIGHT_SECRET_KEY is not set, so secrets cannot be stored encrypted: set it to 64 hexadecimal characters (e.g. `openssl rand -hex 32`), or configure this destination through the environment".into(),
                ));
            }
        };
        let hints: BTreeMap<String, String> = d
            .secrets
            .iter()
            .map(|(k, v)| (k.clone(), hint(v)))
            .collect();
        let record = DestinationRecord {
            kind: d.kind.as_str().to_string(),
            settings: serde_json::to_string(&d.settings).expect("serializable"),
            sealed_secrets: sealed,
            secret_hints: serde_json::to_string(&hints).expect("serializable"),
            created_by: actor.name(),
            created_at: chrono::Utc::now().timestamp(),
        };
        let mut tx = self.store.begin_write().await?;
        tx.put_destination(&record).await?;
        let after = serde_json::json!({"kind": d.kind, "settings": d.settings, "secrets": hints});
        self.audit_in(
            &mut tx,
            actor,
            "destination.add",
            Change {
                after: Some(after),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(self.view(&record, &self.listing_config().await))
    }

    /// Every destination: those stored by an admin, then those set only in the environment.
    pub async fn list_destinations(&self, actor: &Actor) -> Result<Vec<DestinationView>, AppError> {
        actor.allow(Permission::Administer)?;
        let stored = self.store.list_destinations().await?;
        let cfg = self.listing_config().await;
        let mut out: Vec<DestinationView> = stored.iter().map(|r| self.view(r, &cfg)).collect();
        let env = &self.settings.governance.destinations;
        for kind in [
            Destination::Meta,
            Destination::Google,
            Destination::Linkedin,
            Destination::Tiktok,
            Destination::Webhook,
        ] {
            if env.is_configured(kind) && !out.iter().any(|v| v.kind == kind) {
                out.push(DestinationView {
                    kind,
                    source: "environment",
                    settings: BTreeMap::new(),
                    secrets: BTreeMap::new(),
                    configured: true,
                    created_by: None,
                    created_at: None,
                });
            }
        }
        Ok(out)
    }

    /// Remove a stored destination (the environment's settings, if any, apply again).
    pub async fn remove_destination(
        &self,
        kind: Destination,
        actor: &Actor,
    ) -> Result<(), AppError> {
        actor.allow(Permission::Administer)?;
        let mut tx = self.store.begin_write().await?;
        if !tx.delete_destination(kind.as_str()).await? {
            return Err(AppError::NotFound(format!(
                "stored destination `{}`",
                kind.as_str()
            )));
        }
        let before = serde_json::json!({"kind": kind});
        self.audit_in(
            &mut tx,
            actor,
            "destination.remove",
            Change {
                before: Some(before),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The configuration to tell `configured` from: without the key, stored secrets count as
    /// missing rather than failing the listing.
    async fn listing_config(&self) -> DestinationConfig {
        self.destination_config()
            .await
            .unwrap_or_else(|_| self.settings.governance.destinations.clone())
    }

    fn view(&self, r: &DestinationRecord, cfg: &DestinationConfig) -> DestinationView {
        let kind = Destination::parse(&r.kind).unwrap_or(Destination::Webhook);
        DestinationView {
            kind,
            source: "database",
            settings: serde_json::from_str(&r.settings).unwrap_or_default(),
            secrets: serde_json::from_str(&r.secret_hints).unwrap_or_default(),
            configured: cfg.is_configured(kind),
            created_by: Some(r.created_by.clone()),
            created_at: Some(r.created_at),
        }
    }

    /// The destinations to send with now: the environment's, overridden by stored ones.
    pub(super) async fn destination_config(&self) -> Result<DestinationConfig, AppError> {
        self.config_of(None).await
    }

    /// The configuration to send to `d` with: only `d`'s stored settings and secrets are read,
    /// so another destination's secret that no longer decrypts fails that destination's
    /// batches, never `d`'s.
    pub(super) async fn destination_config_for(
        &self,
        d: Destination,
    ) -> Result<DestinationConfig, AppError> {
        self.config_of(Some(d)).await
    }

    async fn config_of(&self, only: Option<Destination>) -> Result<DestinationConfig, AppError> {
        let mut cfg = self.settings.governance.destinations.clone();
        for r in self.store.list_destinations().await? {
            let kind = Destination::parse(&r.kind).map_err(AppError::StoredDataUnreadable)?;
            if only.is_some_and(|d| d != kind) {
                continue;
            }
            let settings: BTreeMap<String, String> = serde_json::from_str(&r.settings)
                .map_err(|e| AppError::StoredDataUnreadable(e.to_string()))?;
            let secrets: BTreeMap<String, String> = match (
                &r.sealed_secrets,
                &self.settings.governance.secret_key,
            ) {
                (None, _) => BTreeMap::new(),
                (Some(sealed), Some(key)) => serde_json::from_slice(&key.open(&r.kind, sealed)?)
                    .map_err(|e| AppError::StoredDataUnreadable(e.to_string()))?,
                (Some(_), None) => {
                    return Err(AppError::StoredDataUnreadable(format!(
                        "the stored secrets of `{}` need SEGWRIGHT_SECRET_KEY, which is not set",
                        r.kind
                    )));
                }
            };
            for (k, v) in settings.into_iter().chain(secrets) {
                cfg.set(kind, &k, v)
                    .map_err(AppError::StoredDataUnreadable)?;
            }
        }
        Ok(cfg)
    }
}
