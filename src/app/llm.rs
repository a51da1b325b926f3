//! The LLM interpreter's use case: render the prompt for the current catalog, ask the model,
//! validate its definition with the same validator as everything else, send the validator's
//! issues back for a bounded number of repair rounds, and choose between the LLM and the offline
//! interpreter (`auto` falls back to offline, saying so in `notices`).

use super::{App, AppError, Choice};
use crate::domain::time::AsOf;
use crate::domain::validate::Issue;
use crate::interpret::Interpretation;
use crate::interpret::llm::reply::{self, Reply};
use crate::interpret::llm::{LlmClient, LlmError, Message, Role, prompt};
use crate::interpret::offline::Cx;

/// Why the LLM interpreter gave no interpretation.
#[derive(Debug)]
enum Failure {
    /// The endpoint failed or its answer was unusable.
    Llm(LlmError),
    /// The definition still failed validation after every repair round.
    Invalid { repairs: usize, issues: Vec<Issue> },
    /// Something of our own failed (the store); never hidden by a fallback.
    App(AppError),
}

impl Failure {
    fn describe(&self) -> String {
        match self {
            Failure::Llm(e) => e.to_string(),
            Failure::Invalid { repairs, issues } => {
                format!(
                    "its definition was still invalid after {repairs} repair round(s): {}",
                    issues.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("; ")
                )
            }
            Failure::App(e) => e.to_string(),
        }
    }
}

impl From<Failure> for AppError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Llm(e) => AppError::Upstream(e.to_string()),
            Failure::Invalid { repairs, issues } => AppError::LlmInvalid { repairs, issues },
            Failure::App(e) => e,
        }
    }
}

impl App {
    /// Whether an LLM endpoint is configured.
    pub fn llm_configured(&self) -> bool {
        self.llm.is_some()
    }

    /// Interpret with the interpreter `choice` names: `auto` uses the LLM when one is configured
    /// and falls back to the offline interpreter, with a notice, when it fails.
    pub async fn interpret_with(&self, choice: Choice, prompt: &str, as_of: AsOf) -> Result<Interpretation, AppError> {
        match (choice, &self.llm) {
            (Choice::Offline, _) | (Choice::Auto, None) => self.interpret_only(prompt, as_of).await,
            (Choice::Llm, None) => Err(AppError::BadInput(
                "no LLM is configured: set SEGWRIGHT_LLM_BASE_URL and SEGWRIGHT_LLM_MODEL (or --llm-base-url and --llm-model), or use the offline interpreter"
                    .into(),
            )),
            (Choice::Llm, Some(llm)) => Ok(self.interpret_llm(llm, prompt, as_of).await?),
            (Choice::Auto, Some(llm)) => match self.interpret_llm(llm, prompt, as_of).await {
                Ok(i) => Ok(i),
                Err(Failure::App(e)) => Err(e),
                Err(f) => {
                    let why = f.describe();
                    tracing::warn!(reason = %why, "LLM interpreter failed; the offline interpreter answers");
                    let mut i = self.interpret_only(prompt, as_of).await?;
                    i.notices.push(format!("The LLM interpreter could not answer ({why}); the built-in offline interpreter answered instead."));
                    Ok(i)
                }
            },
        }
    }

    /// Ask the model, validate, repair at most `repairs` times.
    async fn interpret_llm(&self, llm: &LlmClient, request: &str, as_of: AsOf) -> Result<Interpretation, Failure> {
        let snap = self.snapshot().await.map_err(Failure::App)?;
        let glossary = self.glossary();
        let cx = Cx { catalog: &snap.catalog, glossary: &glossary, as_of };
        let schema = reply::schema();
        let system = prompt::system(&cx, &schema, &self.settings.governance.policy.sensitive_fields).map_err(Failure::Llm)?;
        let mut messages = vec![Message::new(Role::System, system), Message::new(Role::User, request)];
        let repairs = self.settings.llm.as_ref().map_or(1, |c| c.repairs);
        let mut round = 0;
        loop {
            let text = llm.complete(&messages, &schema).await.map_err(Failure::Llm)?;
            let issues = match self.check(&text, as_of).await? {
                Ok((reply, definition)) => return Ok(reply::interpretation(request, &reply, definition, llm.model(), &cx)),
                Err(issues) => issues,
            };
            tracing::info!(round, problems = issues.len(), "the LLM's definition did not pass the validator");
            if round >= repairs {
                return Err(Failure::Invalid { repairs, issues });
            }
            round += 1;
            messages.push(Message::new(Role::Assistant, text));
            messages.push(Message::new(Role::User, prompt::repair(&issues).map_err(Failure::Llm)?));
        }
    }

    /// Parse and validate one answer: the reply and its definition, or the issues to repair.
    async fn check(&self, text: &str, as_of: AsOf) -> Result<Result<(Reply, crate::domain::definition::Definition), Vec<Issue>>, Failure> {
        let reply = match Reply::parse(text) {
            Ok(r) => r,
            Err(issue) => return Ok(Err(vec![issue])),
        };
        let definition = match reply.definition() {
            Ok(d) => d,
            Err(issue) => return Ok(Err(vec![issue])),
        };
        match self.validate(&definition, as_of).await {
            Ok(_) => Ok(Ok((reply, definition))),
            Err(AppError::Invalid(issues)) => Ok(Err(issues)),
            Err(e) => Err(Failure::App(e)),
        }
    }
}
