//! Errors of the use cases, mapped to HTTP statuses and CLI messages in one place each.

use crate::domain::validate::Issue;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The definition (or another input) failed validation; every issue is listed.
    #[error("{}", summary(.0))]
    Invalid(Vec<Issue>),
    /// Bad input that is not a definition (a CSV row, a flag, a date).
    #[error("{0}")]
    BadInput(String),
    /// Rows of an ingested batch that fail the import's rules, each with its index and field;
    /// nothing of the batch was written.
    #[error("{}", super::import::rows_summary(.0))]
    InvalidRows(Vec<super::RowIssue>),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("internal error")]
    Store(#[from] StoreError),
    /// Something stored in the database cannot be read back as this version expects it (a
    /// definition, a model, a status, a batch snapshot, a sealed secret): a damaged row, a
    /// changed key, or a bug.
    #[error("{0}")]
    StoredDataUnreadable(String),
    /// A file or stream could not be read or written (an upload being staged, rejected rows,
    /// standard input or output, a tool's working folder).
    #[error("{0}")]
    File(String),
    /// Work handed to another task or thread ended without its result (it panicked or was
    /// cancelled).
    #[error("{0}")]
    TaskFailed(String),
    /// A model could not be fitted to the data.
    #[error("{0}")]
    ModelFit(String),
    /// Two things the app holds disagree where they cannot (a bug), such as scores computed on
    /// another copy of the data than the one asked about.
    #[error("{0}")]
    Inconsistent(String),
    /// Hashing a password or sealing a secret failed.
    #[error("{0}")]
    Crypto(String),
    /// Our own side of the network failed: the server's listener, building an HTTP client, a
    /// tool's requests.
    #[error("{0}")]
    Network(String),
    /// The LLM endpoint failed (after retries) and no fallback was allowed.
    #[error("{0}")]
    Upstream(String),
    /// The LLM's definition still failed validation after the repair rounds.
    #[error("the LLM's definition is still invalid after {repairs} repair round(s): {}", summary(.issues))]
    LlmInvalid { repairs: usize, issues: Vec<Issue> },
    /// No valid credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated, but the role or a rule (four eyes, policy) refuses the action.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    RateLimited(String),
    /// A policy check failed (minimum audience, consent, sensitive attributes).
    #[error("policy violation: {0}")]
    Policy(String),
}

impl From<crate::domain::access::Forbidden> for AppError {
    fn from(f: crate::domain::access::Forbidden) -> Self {
        AppError::Forbidden(f.to_string())
    }
}

fn summary(issues: &[Issue]) -> String {
    match issues {
        [one] => format!("invalid definition: {one}"),
        _ => format!(
            "invalid definition ({} problems): {}",
            issues.len(),
            issues
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// The kind of failure, for callers that map errors to statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Invalid,
    NotFound,
    Conflict,
    Unauthenticated,
    Forbidden,
    RateLimited,
    Internal,
    /// An upstream service (the LLM) failed.
    Upstream,
}

impl AppError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            AppError::Invalid(_)
            | AppError::InvalidRows(_)
            | AppError::BadInput(_)
            | AppError::Policy(_) => ErrorKind::Invalid,
            AppError::NotFound(_) | AppError::Store(StoreError::NotFound) => ErrorKind::NotFound,
            AppError::Conflict(_) | AppError::Store(StoreError::Conflict(_)) => ErrorKind::Conflict,
            AppError::Unauthenticated(_) => ErrorKind::Unauthenticated,
            AppError::Forbidden(_) => ErrorKind::Forbidden,
            AppError::RateLimited(_) => ErrorKind::RateLimited,
            AppError::Store(_)
            | AppError::StoredDataUnreadable(_)
            | AppError::File(_)
            | AppError::TaskFailed(_)
            | AppError::ModelFit(_)
            | AppError::Inconsistent(_)
            | AppError::Crypto(_)
            | AppError::Network(_) => ErrorKind::Internal,
            AppError::Upstream(_) | AppError::LlmInvalid { .. } => ErrorKind::Upstream,
        }
    }

    /// A stable code for the JSON error envelope.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(_) => "invalid_definition",
            AppError::BadInput(_) => "bad_input",
            AppError::InvalidRows(_) => "invalid_rows",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::Store(StoreError::NotFound) => "not_found",
            AppError::Store(StoreError::Conflict(_)) => "conflict",
            AppError::Unauthenticated(_) => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::RateLimited(_) => "rate_limited",
            AppError::Policy(_) => "policy_violation",
            AppError::Upstream(_) => "llm_unavailable",
            AppError::LlmInvalid { .. } => "llm_invalid_output",
            // Whatever `kind` calls internal (one list, there).
            _ => "internal",
        }
    }

    /// A message safe to show to a client: an internal failure's text (its `Display`, which
    /// the HTTP layer logs) is never part of it.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Store(StoreError::NotFound) => "not found".into(),
            AppError::Store(StoreError::Conflict(m)) => m.clone(),
            e if e.kind() == ErrorKind::Internal => "internal error; see the server log".into(),
            other => other.to_string(),
        }
    }
}
