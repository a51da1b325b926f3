//! The LLM interpreter's use case: render the prompt for the current catalog, ask the model,
//! validate its definition with the same validator as everything else, send the validator's
//! issues back for a bounded number of repair rounds, and choose between the LLM and the offline
//! interpreter (`auto` falls back to offline, saying so in `notices`).

use super::{App, AppError, Choice};
use crate::domain::definition::Definition;
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
                    issues
                        .iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
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
    /// and falls back to the offline interpreter, with a notice, when it fails. Whichever
    /// answers, the words it did not understand are recorded in the definition (`unresolved`).
    pub(super) async fn interpret_with(
        &self,
        choice: Choice,
        prompt: &str,
        as_of: AsOf,
    ) -> Result<Interpretation, AppError> {
        Ok(self.interpret_turn(choice, prompt, as_of, &[]).await?.0)
    }

    /// Interpret the next turn of a conversation whose earlier turns were `history` (request,
    /// definition after it). The LLM sees them and answers with the whole definition after this
    /// turn (`true`); the offline interpreter reads the turn alone and the conversation's
    /// refinement rules combine it (`false`).
    pub(super) async fn interpret_turn(
        &self,
        choice: Choice,
        prompt: &str,
        as_of: AsOf,
        history: &[(String, Definition)],
    ) -> Result<(Interpretation, bool), AppError> {
        let (mut i, whole) = self.interpret_by(choice, prompt, as_of, history).await?;
        super::partial::mark_unresolved(&mut i);
        Ok((i, whole && !history.is_empty()))
    }

    async fn interpret_by(
        &self,
        choice: Choice,
        prompt: &str,
        as_of: AsOf,
        history: &[(String, Definition)],
    ) -> Result<(Interpretation, bool), AppError> {
        let offline = |i: Interpretation| (i, false);
        match (choice, &self.llm) {
            (Choice::Offline, _) | (Choice::Auto, None) => self.interpret_offline(prompt, as_of).await.map(offline),
            (Choice::Llm, None) => Err(AppError::BadInput(
                "no LLM is configured: set SEGWRIGHT_LLM_BASE_URL and SEGWRIGHT_LLM_MODEL (or --llm-base-url and --llm-model), or use the offline interpreter"
                    .into(),
            )),
            (Choice::Llm, Some(llm)) => Ok((self.interpret_llm(llm, prompt, as_of, history).await?, true)),
            (Choice::Auto, Some(llm)) => match self.interpret_llm(llm, prompt, as_of, history).await {
                Ok(i) => Ok((i, true)),
                Err(Failure::App(e)) => Err(e),
                Err(f) => {
                    let why = f.describe();
                    tracing::warn!(reason = %why, "LLM interpreter failed; the offline interpreter answers");
                    let mut i = self.interpret_offline(prompt, as_of).await?;
                    i.notices.push(format!("The LLM interpreter could not answer ({why}); the built-in offline interpreter answered instead."));
                    Ok((i, false))
                }
            },
        }
    }

    /// Ask the model, validate, repair at most `repairs` times.
    async fn interpret_llm(
        &self,
        llm: &LlmClient,
        request: &str,
        as_of: AsOf,
        history: &[(String, Definition)],
    ) -> Result<Interpretation, Failure> {
        let snap = self.snapshot().await.map_err(Failure::App)?;
        let glossary = self.glossary();
        let cx = Cx {
            catalog: &snap.catalog,
            glossary: &glossary,
            as_of,
        };
        let schema = if llm.strict() {
            let params: Vec<String> = glossary
                .terms
                .values()
                .flat_map(|t| t.params.keys().cloned())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            reply::strict_schema(&params)
        } else {
            reply::schema()
        };
        let system = prompt::system(
            &cx,
            &schema,
            &self.settings.governance.policy.sensitive_fields,
        )
        .map_err(Failure::Llm)?;
        let mut messages = vec![Message::new(Role::System, system)];
        // The conversation so far: each request and the definition it led to, so a follow-up
        // ("only in Texas", "drop the email condition") is read against the audience it refines.
        for (asked, definition) in history {
            messages.push(Message::new(Role::User, asked));
            messages.push(Message::new(
                Role::Assistant,
                serde_json::json!({ "definition": definition }).to_string(),
            ));
        }
        let request_text = if history.is_empty() {
            request.to_string()
        } else {
            format!(
                "{request}\n\n(This refines the audience above: answer with the complete definition after this change.)"
            )
        };
        messages.push(Message::new(Role::User, request_text));
        let repairs = self.settings.llm.as_ref().map_or(1, |c| c.repairs);
        let mut round = 0;
        loop {
            let text = llm
                .complete(&messages, &schema)
                .await
                .map_err(Failure::Llm)?;
            let issues = match self.check(&text, as_of).await? {
                Ok((reply, definition)) => {
                    return Ok(reply::interpretation(
                        request,
                        &reply,
                        definition,
                        llm.model(),
                        &cx,
                    ));
                }
                Err(issues) => issues,
            };
            tracing::info!(
                round,
                problems = issues.len(),
                "the LLM's definition did not pass the validator"
            );
            if round >= repairs {
                return Err(Failure::Invalid { repairs, issues });
            }
            round += 1;
            messages.push(Message::new(Role::Assistant, text));
            messages.push(Message::new(
                Role::User,
                prompt::repair(&issues).map_err(Failure::Llm)?,
            ));
        }
    }

    /// Parse and validate one answer: the reply and its definition, or the issues to repair.
    async fn check(
        &self,
        text: &str,
        as_of: AsOf,
    ) -> Result<Result<(Reply, crate::domain::definition::Definition), Vec<Issue>>, Failure> {
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
