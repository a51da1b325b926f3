//! The LLM interpreter's client: one OpenAI-compatible chat-completions endpoint (OpenAI, Azure
//! OpenAI, Ollama, vLLM, llama.cpp's server) through `async-openai`, asked for a structured answer
//! that follows [`reply::schema`]. The only place in the crate that imports `async_openai`.
//!
//! What the model says is untrusted data: [`reply`] parses it and checks its quotes against the
//! request, and the caller (`app`) runs the validator and at most `repairs` repair rounds before
//! anything is used. The API key is kept out of `Debug` output and never logged.

pub mod prompt;
pub mod reply;
pub mod strict;

use std::fmt;
use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::middleware::ReqwestService;
use async_openai::middleware::retry::OpenAIRetryLayer;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessageArgs, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequestArgs, ResponseFormat, ResponseFormatJsonSchema,
};
use tower::Layer;

/// How to reach the model.
#[derive(Clone, PartialEq)]
pub struct LlmConfig {
    /// Base URL including the API version, e.g. `http://127.0.0.1:11434/v1`.
    pub base_url: String,
    pub model: String,
    /// Sent as `Authorization: Bearer …`; never printed.
    pub api_key: Option<String>,
    /// Budget for one attempt (a timed-out attempt is retried like a 5xx).
    pub timeout: Duration,
    /// Retries of one call on timeouts, 429, 5xx and connection errors (with backoff from 100 ms,
    /// honouring `Retry-After`).
    pub retries: usize,
    /// Repair rounds when the model's definition does not pass the validator.
    pub repairs: usize,
    /// Ask for OpenAI's strict structured outputs (the schema rewritten by [`strict::schema`]);
    /// for endpoints that support it (OpenAI, vLLM with guided decoding).
    pub strict: bool,
}

impl LlmConfig {
    /// A configuration with the default timeout (30 s), retries (2) and repairs (1).
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            timeout: Duration::from_secs(30),
            retries: 2,
            repairs: 1,
            strict: false,
        }
    }
}

impl fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("repairs", &self.repairs)
            .finish()
    }
}

/// Why the model gave no usable answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    /// The endpoint failed, timed out or could not be reached (after retries).
    #[error("the LLM endpoint failed: {0}")]
    Unavailable(String),
    /// The endpoint answered, but not with a usable message.
    #[error("the LLM's reply was not usable: {0}")]
    BadReply(String),
    /// A prompt template could not be rendered (a bug in `prompts/`).
    #[error("the LLM prompt could not be rendered: {0}")]
    Prompt(String),
}

/// Who said a message of the conversation with the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
}

/// One message sent to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
        }
    }

    fn to_openai(&self) -> Result<ChatCompletionRequestMessage, LlmError> {
        Ok(match self.role {
            Role::System => ChatCompletionRequestSystemMessage::from(self.content.as_str()).into(),
            Role::User => ChatCompletionRequestUserMessage::from(self.content.as_str()).into(),
            Role::Assistant => ChatCompletionRequestAssistantMessageArgs::default()
                .content(self.content.as_str())
                .build()
                .map_err(|e| LlmError::Prompt(e.to_string()))?
                .into(),
        })
    }
}

/// A chat-completions client for one model.
pub struct LlmClient {
    client: Client<OpenAIConfig>,
    model: String,
    timeout: Duration,
    retries: usize,
    strict: bool,
}

impl fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmClient")
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl LlmClient {
    pub fn new(config: &LlmConfig) -> Self {
        // Set base and key explicitly: async-openai would otherwise read OPENAI_* itself.
        let openai = OpenAIConfig::new()
            .with_api_base(config.base_url.trim_end_matches('/'))
            .with_api_key(config.api_key.clone().unwrap_or_default());
        let service = OpenAIRetryLayer::new(config.retries).layer(ReqwestService::default());
        let client = Client::with_config(openai).with_http_service(service);
        Self {
            client,
            model: config.model.clone(),
            timeout: config.timeout,
            retries: config.retries,
            strict: config.strict,
        }
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// Whether answers are asked for in strict mode (the caller passes the strict schema).
    pub fn strict(&self) -> bool {
        self.strict
    }

    /// Send the conversation and return the model's text, asking for JSON following `schema`.
    pub async fn complete(
        &self,
        messages: &[Message],
        schema: &serde_json::Value,
    ) -> Result<String, LlmError> {
        let messages = messages
            .iter()
            .map(Message::to_openai)
            .collect::<Result<Vec<_>, _>>()?;
        let format = ResponseFormatJsonSchema {
            name: "segment_interpretation".into(),
            description: Some(
                "A segwright segment definition and how the request was understood".into(),
            ),
            schema: schema.clone(),
            // Strict mode only when configured: the schema is then rewritten into the subset it
            // accepts (`strict::schema`); the validator checks the answer either way.
            strict: Some(self.strict),
        };
        let request = CreateChatCompletionRequestArgs::default()
            .model(self.model.as_str())
            .messages(messages)
            .temperature(0.0)
            .response_format(ResponseFormat::JsonSchema {
                json_schema: format,
            })
            .build()
            .map_err(|e| LlmError::Prompt(e.to_string()))?;
        tracing::info!(model = %self.model, "asking the LLM");
        // 429, 5xx and connection errors are retried inside the client (`OpenAIRetryLayer`); an
        // attempt that times out is retried here, with the same backoff.
        let mut attempt = 0;
        let answer = loop {
            match tokio::time::timeout(self.timeout, self.client.chat().create(request.clone()))
                .await
            {
                Ok(answer) => break answer.map_err(|e| LlmError::Unavailable(e.to_string()))?,
                Err(_) if attempt < self.retries => {
                    tracing::warn!(attempt, "the LLM did not answer in time; retrying");
                    tokio::time::sleep(Duration::from_millis(100 << attempt.min(6))).await;
                    attempt += 1;
                }
                Err(_) => {
                    return Err(LlmError::Unavailable(format!(
                        "no answer within {} s ({} attempts)",
                        self.timeout.as_secs_f64(),
                        attempt + 1
                    )));
                }
            }
        };
        let message = answer
            .choices
            .into_iter()
            .next()
            .map(|c| c.message)
            .ok_or_else(|| LlmError::BadReply("no choices".into()))?;
        match (message.content, message.refusal) {
            (Some(text), _) if !text.trim().is_empty() => Ok(text),
            (_, Some(refusal)) => Err(LlmError::BadReply(format!("the model refused: {refusal}"))),
            _ => Err(LlmError::BadReply("empty message".into())),
        }
    }
}
