//! Clients of the places audiences are delivered to (reqwest), each sending one batch of
//! already selected members: [`webhook`] (JSON signed with HMAC-SHA256), [`meta`] (Custom
//! Audience `users` endpoint), [`google`] (Customer Match offline user data job), [`linkedin`]
//! (DMP segment users), [`tiktok`] (customer file upload, then audience update) and
//! [`csv_drop`] (one CSV file per sync run in a directory, published atomically), each with
//! identifiers normalised and hashed by that platform's rules (`domain::normalize`). Base URLs
//! and secrets are configuration ([`config`]); secrets never reach logs or `Debug` output. Transient failures
//! (timeouts, 429, 5xx) are retried with exponential backoff and jitter, honouring Retry-After
//! within a cap and never beyond the attempt limit.

pub mod config;
pub mod csv_drop;
pub mod google;
pub mod linkedin;
pub mod meta;
pub mod tiktok;
pub mod webhook;

use std::time::Duration;

pub use config::DestinationConfig;

use backon::{ExponentialBuilder, Retryable};

use crate::domain::normalize::Contact;
use crate::domain::policy::Destination;

/// Whether a batch adds members to the audience, removes them from it, or is part of a
/// replacement of the whole audience (Meta's `usersreplace` session; other platforms have none,
/// and the sync engine plans replacements only for Meta).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    #[default]
    Add,
    Remove,
    Replace,
}

/// One batch of an upload run.
#[derive(Debug, Clone, Default)]
pub struct Batch<'a> {
    pub op: Op,
    pub segment_id: &'a str,
    pub version: i64,
    pub approval_hash: &'a str,
    /// Same for every batch of one run; with `seq` it forms the idempotency key.
    pub run_id: u64,
    /// 1-based.
    pub seq: usize,
    pub batches: usize,
    pub total: usize,
    pub members: &'a [Contact],
    /// The batch's place among the batches of its own operation (additions or removals), which
    /// Meta numbers as separate sessions; unset (all zero) means the whole run is one session.
    pub session: Session,
    /// The platform job an earlier batch of this run opened (Google's offline user data job).
    pub job: Option<&'a str>,
}

/// A batch's place in a session: 1-based `seq` of `batches`, `total` members in the session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Session {
    pub seq: usize,
    pub batches: usize,
    pub total: usize,
}

impl Batch<'_> {
    pub fn idempotency_key(&self) -> String {
        format!("{}-{}-{}", self.run_id, self.segment_id, self.seq)
    }

    /// The session this batch belongs to (the whole run when none was set).
    pub fn session(&self) -> Session {
        if self.session.batches == 0 {
            Session {
                seq: self.seq,
                batches: self.batches,
                total: self.total,
            }
        } else {
            self.session
        }
    }

    /// Whether this is the last batch of the run for its destination.
    pub fn is_last(&self) -> bool {
        self.seq == self.batches
    }
}

/// What a destination said of an accepted batch: how many entries it received and found
/// invalid, samples of the problems, and the platform job it belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Receipt {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<u64>,
    /// At most [`MAX_PROBLEMS`] of the platform's reasons (hashed values only, never contacts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Google's offline user data job (`customers/…/offlineUserDataJobs/…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// The job's last known status (`SUCCESS`, `RUNNING`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_status: Option<String>,
}

/// Problems kept per batch.
pub const MAX_PROBLEMS: usize = 5;

/// Why a batch was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum DestinationError {
    #[error("destination not configured: {0}")]
    NotConfigured(&'static str),
    #[error("HTTP {status}: {body}")]
    Status {
        status: u16,
        body: String,
        retry_after: Option<Duration>,
    },
    #[error("request failed: {0}")]
    Transport(String),
    /// The platform answered 200 but refused the request in its body (TikTok's `code`).
    #[error("refused with code {code}: {message}")]
    Refused { code: i64, message: String },
    #[error("unexpected response: {0}")]
    BadResponse(String),
    /// The CSV file drop could not write its file.
    #[error("file drop failed: {0}")]
    File(String),
    /// A destination segwright does not deliver to (kept only so old submissions still load).
    #[error("{0}")]
    NotOffered(String),
}

impl DestinationError {
    fn transient(&self) -> bool {
        match self {
            DestinationError::Status { status, .. } => *status == 429 || *status >= 500,
            DestinationError::Transport(_) => true,
            _ => false,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            DestinationError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Turn a response into an empty receipt or a typed error (reading Retry-After seconds).
async fn check(
    resp: Result<reqwest::Response, reqwest::Error>,
) -> Result<Receipt, DestinationError> {
    success(resp).await.map(|_| Receipt::default())
}

/// The JSON body of a successful response, or a typed error.
async fn json_of(
    resp: Result<reqwest::Response, reqwest::Error>,
) -> Result<serde_json::Value, DestinationError> {
    success(resp)
        .await?
        .json()
        .await
        .map_err(|e| DestinationError::BadResponse(e.to_string()))
}

/// The response if its status is a success, else a typed error (reading Retry-After seconds).
async fn success(
    resp: Result<reqwest::Response, reqwest::Error>,
) -> Result<reqwest::Response, DestinationError> {
    let resp = resp.map_err(|e| DestinationError::Transport(e.to_string()))?;
    if resp.status().is_success() {
        return Ok(resp);
    }
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .map(Duration::from_secs);
    let body: String = resp
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    Err(DestinationError::Status {
        status,
        body,
        retry_after,
    })
}

/// The HTTP client every destination sends through; `app` names it by this alias and builds it
/// with [`http_client`], so reqwest stays at this edge.
pub type HttpClient = reqwest::Client;

/// A client whose every request (one attempt) ends within `timeout`.
pub fn http_client(timeout: Duration) -> Result<HttpClient, DestinationError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|e| DestinationError::Transport(e.to_string()))
}

/// Whether `text` is an absolute http(s) address with a host (a destination's `url` or
/// `base_url` setting).
pub fn is_http_url(text: &str) -> bool {
    reqwest::Url::parse(text)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// Send one batch to destination `d` (no retries; see [`with_retries`]); what it said.
pub async fn send(
    d: Destination,
    client: &HttpClient,
    cfg: &DestinationConfig,
    b: &Batch<'_>,
) -> Result<Receipt, DestinationError> {
    match d {
        Destination::Webhook => webhook::send(client, cfg, b).await,
        Destination::Meta => meta::send(client, cfg, b).await,
        Destination::Google => google::send(client, cfg, b).await,
        Destination::Linkedin => linkedin::send(client, cfg, b).await,
        Destination::Tiktok => tiktok::send(client, cfg, b).await,
        Destination::Csv => csv_drop::send(cfg, b).await.map(|_| Receipt {
            received: Some(b.members.len() as u64),
            ..Receipt::default()
        }),
        Destination::Email => Err(DestinationError::NotOffered(
            crate::domain::policy::EMAIL_NOT_OFFERED.into(),
        )),
    }
}

/// The wait a receiver's `Retry-After` asks for, within the cap, in place of the backoff's own;
/// `None` (no retry) when the backoff has none left: a `Retry-After` never adds an attempt.
fn next_wait(e: &DestinationError, backoff: Option<Duration>, cap: Duration) -> Option<Duration> {
    backoff.map(|d| e.retry_after().map_or(d, |asked| asked.min(cap)))
}

/// Run `send` with retries on transient errors; returns its answer and the attempts made. At
/// most `cfg.max_attempts` attempts, whatever the receiver answers, and no wait longer than
/// `cfg.max_retry_after`.
pub async fn with_retries<T, F, Fut>(
    cfg: &DestinationConfig,
    send: F,
) -> Result<(T, usize), DestinationError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, DestinationError>>,
{
    use std::sync::atomic::Ordering::SeqCst;
    let attempts = std::sync::atomic::AtomicUsize::new(0);
    let (max, cap) = (cfg.max_attempts.max(1), cfg.max_retry_after);
    let mut send = send;
    let backoff = ExponentialBuilder::default()
        .with_min_delay(cfg.retry_delay)
        .with_max_times(max - 1)
        .with_jitter();
    (|| {
        attempts.fetch_add(1, SeqCst);
        send()
    })
    .retry(backoff)
    .when(|e| e.transient() && attempts.load(SeqCst) < max)
    .adjust(|e, d| next_wait(e, d, cap))
    .notify(|e, d| tracing::warn!(error = %e, retry_in = ?d, "destination batch failed; retrying"))
    .await
    .map(|answer| (answer, attempts.load(SeqCst)))
}
