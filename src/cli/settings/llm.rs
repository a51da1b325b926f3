//! The LLM interpreter's options: every command takes them (global), `ask` and `serve` use them.
//! The OpenAI-named variables (`OPENAI_BASE_URL`, `OPENAI_API_KEY`) and `SEGWRIGHT_MODEL` are
//! read as fallbacks of the flags.

use std::time::Duration;

use clap::Args;

use crate::app::AppError;
use crate::interpret::llm::LlmConfig;

/// Where the LLM interpreter is. Without a base URL only the offline interpreter runs.
#[derive(Debug, Args, Clone)]
pub struct LlmArgs {
    /// OpenAI-compatible base URL including the version, e.g. `http://127.0.0.1:11434/v1`
    /// (env SEGWRIGHT_LLM_BASE_URL, else OPENAI_BASE_URL).
    #[arg(long, global = true, env = "SEGWRIGHT_LLM_BASE_URL")]
    pub llm_base_url: Option<String>,
    /// Model name (env SEGWRIGHT_LLM_MODEL, else SEGWRIGHT_MODEL).
    #[arg(long, global = true, env = "SEGWRIGHT_LLM_MODEL")]
    pub llm_model: Option<String>,
    /// API key, sent as a Bearer token and never logged (env SEGWRIGHT_LLM_API_KEY, else OPENAI_API_KEY).
    #[arg(
        long,
        global = true,
        env = "SEGWRIGHT_LLM_API_KEY",
        hide_env_values = true
    )]
    pub llm_api_key: Option<String>,
    /// Seconds one attempt of a model call may take (a timed-out attempt is retried).
    #[arg(
        long,
        global = true,
        env = "SEGWRIGHT_LLM_TIMEOUT",
        default_value_t = 30.0
    )]
    pub llm_timeout: f64,
    /// Retries of a model call on timeouts, 429, 5xx and connection errors (with backoff).
    #[arg(
        long,
        global = true,
        env = "SEGWRIGHT_LLM_RETRIES",
        default_value_t = 2
    )]
    pub llm_retries: usize,
    /// Repair rounds when the model's definition fails validation (the validator's issues are sent back).
    #[arg(
        long,
        global = true,
        env = "SEGWRIGHT_LLM_REPAIRS",
        default_value_t = 1
    )]
    pub llm_repairs: usize,
    /// Ask for strict structured outputs (OpenAI and compatible servers that support them).
    #[arg(long, global = true, env = "SEGWRIGHT_LLM_STRICT")]
    pub llm_strict: bool,
}

/// A fallback variable; blank reads as unset.
fn env(name: &str) -> Option<String> {
    super::env::process(name).filter(|v| !v.trim().is_empty())
}

impl LlmArgs {
    /// The configuration, or `None` when no base URL is given.
    pub fn config(&self) -> Result<Option<LlmConfig>, AppError> {
        let Some(base) = self
            .llm_base_url
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| env("OPENAI_BASE_URL"))
        else {
            return Ok(None);
        };
        let model = self
            .llm_model
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| env("SEGWRIGHT_MODEL"))
            .ok_or_else(|| AppError::BadInput(format!("an LLM base URL is set ({base}) but no model: set SEGWRIGHT_LLM_MODEL or --llm-model")))?;
        if !(self.llm_timeout > 0.0 && self.llm_timeout <= 3600.0) {
            return Err(AppError::BadInput(
                "--llm-timeout must be between 0 and 3600 seconds".into(),
            ));
        }
        let mut config = LlmConfig::new(base, model);
        config.api_key = self
            .llm_api_key
            .clone()
            .filter(|s| !s.is_empty())
            .or_else(|| env("OPENAI_API_KEY"));
        config.timeout = Duration::from_secs_f64(self.llm_timeout);
        config.retries = self.llm_retries.min(10);
        config.repairs = self.llm_repairs.min(5);
        config.strict = self.llm_strict;
        Ok(Some(config))
    }
}
