//! Where each destination is and how to authenticate to it. Base URLs are configuration so that
//! tests point every client at a fake server; secrets (tokens, signing keys) are redacted from
//! `Debug` so they never reach logs.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::domain::policy::Destination;

/// Destination endpoints, ids and credentials, plus batching and retry settings.
#[derive(Clone)]
pub struct DestinationConfig {
    /// The webhook endpoint (POSTed JSON batches).
    pub webhook_url: Option<String>,
    /// Key of the `X-Segwright-Signature` HMAC.
    pub webhook_secret: Option<String>,
    /// Graph API base, version included (default `https://graph.facebook.com/v25.0`).
    pub meta_base_url: String,
    pub meta_audience_id: Option<String>,
    pub meta_access_token: Option<String>,
    /// Google Ads API base, version included (default `https://googleads.googleapis.com/v26`).
    pub google_base_url: String,
    /// The advertiser's customer id, digits only.
    pub google_customer_id: Option<String>,
    /// Id of the Customer Match user list (`customers/{cid}/userLists/{id}`).
    pub google_user_list_id: Option<String>,
    /// Manager account id sent as `login-customer-id`, when acting through one.
    pub google_login_customer_id: Option<String>,
    pub google_developer_token: Option<String>,
    /// OAuth access token (`Authorization: Bearer`).
    pub google_access_token: Option<String>,
    /// How often the last batch of a run checks its Google job's status, and at most how often.
    pub google_poll_every: Duration,
    pub google_poll_max: usize,
    /// LinkedIn REST base (default `https://api.linkedin.com/rest`).
    pub linkedin_base_url: String,
    pub linkedin_segment_id: Option<String>,
    pub linkedin_access_token: Option<String>,
    /// `LinkedIn-Version` header (`YYYYMM`; versions are retired about a year after release).
    pub linkedin_version: String,
    /// TikTok Business API base (default `https://business-api.tiktok.com/open_api/v1.3`).
    pub tiktok_base_url: String,
    pub tiktok_advertiser_id: Option<String>,
    pub tiktok_audience_id: Option<String>,
    pub tiktok_access_token: Option<String>,
    /// The directory the CSV file drop writes one file per sync into (`SEGWRIGHT_CSV_DIR`).
    pub csv_dir: Option<String>,
    /// Members per request (Meta allows at most 10,000).
    pub batch_size: usize,
    /// Attempts per batch, the first included.
    pub max_attempts: usize,
    /// First retry delay (doubled each time, with jitter).
    pub retry_delay: Duration,
    /// The longest wait a receiver's `Retry-After` may ask for; longer requests wait this long.
    pub max_retry_after: Duration,
    /// `segwright demo` with no webhook configured: the server itself receives the webhook at
    /// `/demo/webhook`, so a new user can activate an audience with no other system at hand.
    pub demo_sink: bool,
}

impl Default for DestinationConfig {
    fn default() -> Self {
        Self {
            webhook_url: None,
            webhook_secret: None,
            meta_base_url: "https://graph.facebook.com/v25.0".into(),
            meta_audience_id: None,
            meta_access_token: None,
            google_base_url: "https://googleads.googleapis.com/v26".into(),
            google_customer_id: None,
            google_user_list_id: None,
            google_login_customer_id: None,
            google_developer_token: None,
            google_access_token: None,
            google_poll_every: Duration::from_secs(10),
            google_poll_max: 12,
            linkedin_base_url: "https://api.linkedin.com/rest".into(),
            linkedin_segment_id: None,
            linkedin_access_token: None,
            linkedin_version: "202610".into(),
            tiktok_base_url: "https://business-api.tiktok.com/open_api/v1.3".into(),
            tiktok_advertiser_id: None,
            tiktok_audience_id: None,
            tiktok_access_token: None,
            csv_dir: None,
            batch_size: 5_000,
            max_attempts: 5,
            retry_delay: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(60),
            demo_sink: false,
        }
    }
}

impl std::fmt::Debug for DestinationConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |s: &Option<String>| s.as_ref().map(|_| "<redacted>");
        f.debug_struct("DestinationConfig")
            .field("webhook_url", &self.webhook_url)
            .field("webhook_secret", &redacted(&self.webhook_secret))
            .field("meta_base_url", &self.meta_base_url)
            .field("meta_audience_id", &self.meta_audience_id)
            .field("meta_access_token", &redacted(&self.meta_access_token))
            .field("google_base_url", &self.google_base_url)
            .field("google_customer_id", &self.google_customer_id)
            .field("google_user_list_id", &self.google_user_list_id)
            .field("google_login_customer_id", &self.google_login_customer_id)
            .field(
                "google_developer_token",
                &redacted(&self.google_developer_token),
            )
            .field("google_access_token", &redacted(&self.google_access_token))
            .field("linkedin_base_url", &self.linkedin_base_url)
            .field("linkedin_segment_id", &self.linkedin_segment_id)
            .field(
                "linkedin_access_token",
                &redacted(&self.linkedin_access_token),
            )
            .field("linkedin_version", &self.linkedin_version)
            .field("tiktok_base_url", &self.tiktok_base_url)
            .field("tiktok_advertiser_id", &self.tiktok_advertiser_id)
            .field("tiktok_audience_id", &self.tiktok_audience_id)
            .field("tiktok_access_token", &redacted(&self.tiktok_access_token))
            .field("csv_dir", &self.csv_dir)
            .field("batch_size", &self.batch_size)
            .field("demo_sink", &self.demo_sink)
            .finish()
    }
}

/// Where a named setting of a destination lives in [`DestinationConfig`].
enum Slot<'a> {
    Optional(&'a mut Option<String>),
    Base(&'a mut String),
}

impl DestinationConfig {
    /// The settings and the secrets an admin may store for a destination kind, by name.
    pub fn keys(kind: Destination) -> (&'static [&'static str], &'static [&'static str]) {
        match kind {
            Destination::Webhook => (&["url"], &["secret"]),
            Destination::Meta => (&["base_url", "audience_id"], &["access_token"]),
            Destination::Google => (
                &[
                    "base_url",
                    "customer_id",
                    "user_list_id",
                    "login_customer_id",
                ],
                &["developer_token", "access_token"],
            ),
            Destination::Linkedin => (&["base_url", "segment_id", "version"], &["access_token"]),
            Destination::Tiktok => (
                &["base_url", "advertiser_id", "audience_id"],
                &["access_token"],
            ),
            Destination::Csv => (&["dir"], &[]),
            Destination::Email => (&[], &[]),
        }
    }

    /// Set one named setting or secret of a destination kind (as stored by an admin).
    pub fn set(&mut self, kind: Destination, key: &str, value: String) -> Result<(), String> {
        use Destination as D;
        let slot = match (kind, key) {
            (D::Webhook, "url") => Slot::Optional(&mut self.webhook_url),
            (D::Webhook, "secret") => Slot::Optional(&mut self.webhook_secret),
            (D::Meta, "base_url") => Slot::Base(&mut self.meta_base_url),
            (D::Meta, "audience_id") => Slot::Optional(&mut self.meta_audience_id),
            (D::Meta, "access_token") => Slot::Optional(&mut self.meta_access_token),
            (D::Google, "base_url") => Slot::Base(&mut self.google_base_url),
            (D::Google, "customer_id") => Slot::Optional(&mut self.google_customer_id),
            (D::Google, "user_list_id") => Slot::Optional(&mut self.google_user_list_id),
            (D::Google, "login_customer_id") => Slot::Optional(&mut self.google_login_customer_id),
            (D::Google, "developer_token") => Slot::Optional(&mut self.google_developer_token),
            (D::Google, "access_token") => Slot::Optional(&mut self.google_access_token),
            (D::Linkedin, "base_url") => Slot::Base(&mut self.linkedin_base_url),
            (D::Linkedin, "segment_id") => Slot::Optional(&mut self.linkedin_segment_id),
            (D::Linkedin, "version") => Slot::Base(&mut self.linkedin_version),
            (D::Linkedin, "access_token") => Slot::Optional(&mut self.linkedin_access_token),
            (D::Tiktok, "base_url") => Slot::Base(&mut self.tiktok_base_url),
            (D::Tiktok, "advertiser_id") => Slot::Optional(&mut self.tiktok_advertiser_id),
            (D::Tiktok, "audience_id") => Slot::Optional(&mut self.tiktok_audience_id),
            (D::Tiktok, "access_token") => Slot::Optional(&mut self.tiktok_access_token),
            (D::Csv, "dir") => Slot::Optional(&mut self.csv_dir),
            _ => {
                let (settings, secrets) = Self::keys(kind);
                let known: Vec<&str> = settings.iter().chain(secrets).copied().collect();
                return Err(format!(
                    "{} has no setting `{key}` (known: {})",
                    kind.as_str(),
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ));
            }
        };
        match slot {
            Slot::Optional(o) => *o = Some(value),
            Slot::Base(b) => *b = value,
        }
        Ok(())
    }

    /// Where a destination kind sends, without its secrets: the settings that name the
    /// receiver (URL, account, audience), as an approval covers them. Unset ones are empty.
    pub fn identity(&self, kind: Destination) -> BTreeMap<String, String> {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let pairs: Vec<(&str, String)> = match kind {
            Destination::Webhook => vec![("url", o(&self.webhook_url))],
            Destination::Meta => vec![
                ("base_url", self.meta_base_url.clone()),
                ("audience_id", o(&self.meta_audience_id)),
            ],
            Destination::Google => vec![
                ("base_url", self.google_base_url.clone()),
                ("customer_id", o(&self.google_customer_id)),
                ("user_list_id", o(&self.google_user_list_id)),
                ("login_customer_id", o(&self.google_login_customer_id)),
            ],
            Destination::Linkedin => vec![
                ("base_url", self.linkedin_base_url.clone()),
                ("segment_id", o(&self.linkedin_segment_id)),
            ],
            Destination::Tiktok => {
                vec![
                    ("base_url", self.tiktok_base_url.clone()),
                    ("advertiser_id", o(&self.tiktok_advertiser_id)),
                    ("audience_id", o(&self.tiktok_audience_id)),
                ]
            }
            Destination::Csv => vec![("dir", o(&self.csv_dir))],
            Destination::Email => vec![],
        };
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    /// Whether a destination kind has what it needs to send (its id and credentials).
    pub fn is_configured(&self, kind: Destination) -> bool {
        match kind {
            Destination::Webhook => self.webhook_url.is_some(),
            Destination::Meta => {
                self.meta_audience_id.is_some() && self.meta_access_token.is_some()
            }
            Destination::Google => {
                self.google_customer_id.is_some()
                    && self.google_user_list_id.is_some()
                    && self.google_access_token.is_some()
            }
            Destination::Linkedin => {
                self.linkedin_segment_id.is_some() && self.linkedin_access_token.is_some()
            }
            Destination::Tiktok => {
                self.tiktok_advertiser_id.is_some()
                    && self.tiktok_audience_id.is_some()
                    && self.tiktok_access_token.is_some()
            }
            Destination::Csv => self.csv_dir.is_some(),
            Destination::Email => false,
        }
    }
}

/// A required setting, or which one is missing.
pub(crate) fn required<'a>(
    v: &'a Option<String>,
    what: &'static str,
) -> Result<&'a str, super::DestinationError> {
    v.as_deref()
        .ok_or(super::DestinationError::NotConfigured(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_secret() {
        let cfg = DestinationConfig {
            webhook_secret: Some("tok-w".into()),
            meta_access_token: Some("tok-m".into()),
            google_developer_token: Some("tok-gd".into()),
            google_access_token: Some("tok-g".into()),
            linkedin_access_token: Some("tok-l".into()),
            tiktok_access_token: Some("tok-t".into()),
            ..Default::default()
        };
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("tok-"), "{shown}");
        assert!(shown.contains("<redacted>") && shown.contains("googleads.googleapis.com"));
    }
}
