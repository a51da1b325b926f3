//! The "ask" use case: interpret a request (alone or as the next turn of a conversation),
//! validate the definition, preview it, and keep the conversation in the store.

use std::sync::Arc;

use serde::Serialize;

use super::followup::{FollowUp, reads_as_refinement};
use super::{Actor, App, AppError};
use crate::domain::access::Permission;
use crate::domain::definition::{Definition, Node};
use crate::domain::explain::describe;
use crate::domain::preview::Preview;
use crate::domain::time::AsOf;
use crate::domain::validate::Issue;
use crate::interpret::Interpretation;
use crate::interpret::offline::{Cx, Offline};
use crate::interpret::refine::{self, Intent};
use crate::store::TurnRecord;

/// Which interpreter answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    Offline,
    Llm,
    /// The LLM when one is configured, the offline interpreter otherwise.
    #[default]
    Auto,
}

/// A request to interpret.
#[derive(Debug, Clone, Default)]
pub struct AskRequest {
    pub prompt: String,
    /// Continue this conversation (created if unknown).
    pub conversation_id: Option<String>,
    /// Start a new conversation when none is given.
    pub start_conversation: bool,
    pub interpreter: Choice,
    /// Breakdowns and sample too (slower); counts and thresholds otherwise.
    pub full_preview: bool,
}

/// The answer: the interpretation, how it changed the conversation, and the preview.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    #[serde(flatten)]
    pub interpretation: Interpretation,
    /// Every condition of the (possibly refined) definition, as a sentence.
    pub summary: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn: Option<i64>,
    /// What this turn changed, in words.
    pub diff: Vec<String>,
    /// The conversation this request was typed in, when it did not read as a refinement of it
    /// and started a new audience instead (see [`super::followup`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_over: Option<String>,
    /// Validation problems: the definition could not be previewed.
    pub issues: Vec<Issue>,
    pub preview: Option<Preview>,
}

/// What a turn did to the conversation's definition.
struct Refined {
    before: Vec<Node>,
    after: Vec<Node>,
    /// Words not understood, this turn's and those earlier turns left (not removed by the user).
    unresolved: Vec<String>,
    is_undo: bool,
}

impl App {
    /// The offline interpreter for the current catalog (its lexicon is built once per catalog).
    pub(super) async fn offline_interpreter(
        &self,
    ) -> Result<(Arc<Offline>, Arc<super::Snapshot>), AppError> {
        let snap = self.snapshot().await?;
        let glossary = self.glossary();
        // The lexicon holds the catalog's fields and the glossary's terms: rebuilt when either changes.
        let key = format!("{}|{}", snap.catalog_version, glossary.version());
        let mut slot = self.offline.lock().expect("interpreter lock");
        if let Some((_, o)) = slot.as_ref().filter(|(v, _)| *v == key) {
            return Ok((o.clone(), snap));
        }
        let cx = Cx {
            catalog: &snap.catalog,
            glossary: &glossary,
            as_of: AsOf::today(self.settings.timezone),
        };
        let o = Arc::new(Offline::new(&cx));
        *slot = Some((key, o.clone()));
        Ok((o, snap))
    }

    /// Interpret a request offline, without a conversation or a preview (any signed-in role).
    pub async fn interpret_only(
        &self,
        prompt: &str,
        as_of: AsOf,
        actor: &Actor,
    ) -> Result<Interpretation, AppError> {
        actor.allow(Permission::Read)?;
        self.interpret_offline(prompt, as_of).await
    }

    /// [`App::interpret_only`] for the app's own steps, whose callers have checked the actor.
    pub(super) async fn interpret_offline(
        &self,
        prompt: &str,
        as_of: AsOf,
    ) -> Result<Interpretation, AppError> {
        let (offline, snap) = self.offline_interpreter().await?;
        let glossary = self.glossary();
        let cx = Cx {
            catalog: &snap.catalog,
            glossary: &glossary,
            as_of,
        };
        Ok(offline.interpret(prompt, &cx))
    }

    /// Interpret, refine the conversation, validate and preview (any signed-in role).
    pub async fn ask(
        &self,
        req: AskRequest,
        as_of: AsOf,
        actor: &Actor,
    ) -> Result<Answer, AppError> {
        self.ask_with(req, FollowUp::Continue, as_of, actor).await
    }

    /// [`App::ask`], with a conversation's follow-up read as `follow_up` says: with
    /// [`FollowUp::Auto`] a request that does not read as a refinement starts a new audience.
    pub async fn ask_with(
        &self,
        req: AskRequest,
        follow_up: FollowUp,
        as_of: AsOf,
        actor: &Actor,
    ) -> Result<Answer, AppError> {
        actor.allow(Permission::Read)?;
        if req.prompt.trim().is_empty() {
            return Err(AppError::BadInput(
                "the request is empty: say which customers you want".into(),
            ));
        }
        if req.prompt.chars().count() > 2_000 {
            return Err(AppError::BadInput(
                "the request is longer than 2,000 characters".into(),
            ));
        }
        let (conversation, turns, started_over) =
            self.conversation_for(&req, follow_up, actor).await?;
        let history: Vec<(String, Definition)> = turns
            .iter()
            .filter_map(|t| Some((t.prompt.clone(), serde_json::from_str(&t.definition).ok()?)))
            .collect();
        let (mut interp, whole) = self
            .interpret_turn(req.interpreter, &req.prompt, as_of, &history)
            .await?;
        interp
            .notices
            .extend(crate::domain::policy::request_notices(&req.prompt));
        let r = self.refine(&turns, &mut interp, whole)?;
        let snap = self.snapshot().await?;
        let say = |n: &Node| describe(n, &snap.catalog, &self.glossary(), &as_of);
        let diff = if turns.is_empty() {
            Vec::new()
        } else {
            refine::diff(&r.before, &r.after, say)
        };
        interp.definition.root = refine::root_of(r.after.clone());
        // The words still not understood after this turn travel with the definition: the one
        // thing saving and submitting check (see `segments::require_understood`).
        interp.definition.unresolved = r.unresolved;
        interp.partial |= interp.definition.is_partial();
        let summary = r.after.iter().map(say).collect();
        let answer = Answer {
            interpretation: interp,
            summary,
            conversation_id: conversation.clone(),
            turn: None,
            diff,
            started_over,
            issues: Vec::new(),
            preview: None,
        };
        let mut answer = self.previewed(answer, as_of, req.full_preview).await?;
        if let Some(id) = conversation {
            answer.turn = Some(
                self.save_turn(
                    &id,
                    &req.prompt,
                    r.is_undo,
                    &answer,
                    turns.len() as i64 + 1,
                    actor,
                )
                .await?,
            );
        }
        Ok(answer)
    }

    /// The conversation a request belongs to, its turns so far, and the one it left when it
    /// started a new audience (a follow-up that did not read as a refinement, asked as
    /// [`FollowUp::Auto`]). A conversation given must be one the actor started (ids are the
    /// server's; a client cannot choose one); a new one gets a new id.
    async fn conversation_for(
        &self,
        req: &AskRequest,
        follow_up: FollowUp,
        actor: &Actor,
    ) -> Result<(Option<String>, Vec<TurnRecord>, Option<String>), AppError> {
        let given = req
            .conversation_id
            .as_deref()
            .map(check_conversation_id)
            .transpose()?;
        let given = match given {
            Some(id) => Some((id.to_string(), self.given_turns(id, actor).await?)),
            None => None,
        };
        Ok(match given {
            Some((id, turns))
                if follow_up == FollowUp::Auto && !reads_as_refinement(&req.prompt) =>
            {
                let left = (!turns.is_empty()).then_some(id);
                (Some(uuid::Uuid::new_v4().to_string()), Vec::new(), left)
            }
            Some((id, turns)) => (Some(id), turns, None),
            None if req.start_conversation => {
                (Some(uuid::Uuid::new_v4().to_string()), Vec::new(), None)
            }
            None => (None, Vec::new(), None),
        })
    }

    /// The turns of a conversation a request names. Only the local operator may name a new one
    /// (`segwright ask --conversation NAME`); anyone else continues their own or is refused.
    async fn given_turns(&self, id: &str, actor: &Actor) -> Result<Vec<TurnRecord>, AppError> {
        let local = actor.principal.is_none() && actor.system.is_none();
        match self.turns_of(id, actor).await {
            Err(AppError::NotFound(_))
                if local && self.store.conversation_owner(id).await?.is_none() =>
            {
                Ok(Vec::new())
            }
            other => other,
        }
    }

    /// The turns of a conversation the actor may use: one they started (a local command reaches
    /// every conversation). Anyone else's, or none, is not found.
    pub(super) async fn turns_of(
        &self,
        id: &str,
        actor: &Actor,
    ) -> Result<Vec<TurnRecord>, AppError> {
        let owner = self.store.conversation_owner(id).await?;
        let mine = match (&owner, &actor.principal) {
            (None, _) => false,
            (Some(_), None) => actor.system.is_none(),
            (Some(o), Some(p)) => o.as_deref() == Some(p.user_id.as_str()),
        };
        let turns = if mine {
            self.store.conversation_turns(id).await?
        } else {
            Vec::new()
        };
        if turns.is_empty() {
            return Err(AppError::NotFound(format!(
                "conversation `{id}`: start a new audience"
            )));
        }
        Ok(turns)
    }

    /// Preview the answer's definition, except a partial one that understood nothing: that
    /// would show every customer for a request that asked for some of them.
    pub(super) async fn previewed(
        &self,
        mut answer: Answer,
        as_of: AsOf,
        full: bool,
    ) -> Result<Answer, AppError> {
        let i = &mut answer.interpretation;
        if i.partial {
            i.notices.push(super::partial::notice(&i.definition));
            if i.definition.selects_everyone() {
                return Ok(answer);
            }
        }
        match self
            .preview_with(&answer.interpretation.definition, as_of, full, full)
            .await
        {
            Ok(p) => {
                annotate_thresholds(&mut answer, &p);
                answer.preview = Some(p);
            }
            Err(AppError::Invalid(issues)) => answer.issues = issues,
            Err(e) => return Err(e),
        }
        Ok(answer)
    }

    /// The conditions before and after this turn, the words left unresolved, and whether it
    /// was an undo.
    fn refine(
        &self,
        turns: &[TurnRecord],
        interp: &mut Interpretation,
        whole: bool,
    ) -> Result<Refined, AppError> {
        let own = refine::conditions(&interp.definition.root);
        let own = if interp.explanation.is_empty() {
            Vec::new()
        } else {
            own
        };
        if turns.is_empty() {
            let unresolved = std::mem::take(&mut interp.definition.unresolved);
            return Ok(Refined {
                before: Vec::new(),
                after: own,
                unresolved,
                is_undo: false,
            });
        }
        let mut stack: Vec<(Vec<Node>, Vec<String>)> = Vec::new();
        for t in turns {
            let d: Definition = serde_json::from_str(&t.definition).map_err(|e| {
                AppError::BadInput(format!("stored conversation is unreadable: {e}"))
            })?;
            if t.is_undo == 1 {
                stack.pop();
            } else {
                stack.push((refine::conditions(&d.root), d.unresolved));
            }
        }
        let (current, current_unresolved) = stack.last().cloned().unwrap_or_default();
        let intent = refine::intent(&interp.prompt);
        match intent {
            Intent::Add => {}
            // "make it … instead": the words saying how to refine are no conditions left unread.
            Intent::Replace => super::partial::drop_refine_words(interp),
            _ => {
                // The follow-up's words were an instruction, not conditions.
                interp.unrecognized.clear();
                interp.questions.clear();
                interp.partial = false;
                interp.definition.unresolved.clear();
            }
        }
        let own_unresolved = std::mem::take(&mut interp.definition.unresolved);
        let (after, unresolved) = match &intent {
            Intent::Undo => stack.iter().rev().nth(1).cloned().unwrap_or_default(),
            // The LLM saw the conversation and answered with the whole definition after this turn.
            _ if whole => (own, own_unresolved),
            other => (
                refine::apply(&current, other, &own),
                super::partial::union(current_unresolved, own_unresolved),
            ),
        };
        Ok(Refined {
            before: current,
            after,
            unresolved,
            is_undo: intent == Intent::Undo,
        })
    }

    pub(super) async fn save_turn(
        &self,
        id: &str,
        prompt: &str,
        is_undo: bool,
        answer: &Answer,
        turn: i64,
        actor: &Actor,
    ) -> Result<i64, AppError> {
        let now = chrono::Utc::now().timestamp();
        self.store
            .ensure_conversation(id, actor.user_id(), now)
            .await?;
        let rec = TurnRecord {
            conversation_id: id.to_string(),
            turn,
            prompt: prompt.to_string(),
            is_undo: i64::from(is_undo),
            definition: serde_json::to_string(&answer.interpretation.definition)
                .expect("definition serializes"),
            answer: serde_json::to_string(answer).expect("answer serializes"),
            created_at: now,
        };
        self.store.add_turn(&rec).await?;
        Ok(turn)
    }

    /// A stored conversation's answers, in order (its owner, any signed-in role).
    pub async fn conversation(
        &self,
        id: &str,
        actor: &Actor,
    ) -> Result<Vec<serde_json::Value>, AppError> {
        actor.allow(Permission::Read)?;
        let turns = self.turns_of(id, actor).await?;
        Ok(turns
            .iter()
            .map(|t| serde_json::from_str(&t.answer).unwrap_or(serde_json::Value::Null))
            .collect())
    }
}

/// A conversation id as the app makes them (a UUID) or a client might: short, plain characters.
fn check_conversation_id(id: &str) -> Result<&str, AppError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(id)
    } else {
        Err(AppError::BadInput(
            "unknown conversation: start a new audience".into(),
        ))
    }
}

/// Put resolved thresholds next to the assumptions that rank customers.
fn annotate_thresholds(answer: &mut Answer, p: &Preview) {
    let mut thresholds = p.thresholds.iter();
    for a in answer.interpretation.assumptions.iter_mut().filter(|a| {
        a.alternatives.iter().any(|x| x.starts_with("top ")) || a.text.contains("ranked by")
    }) {
        if let Some(t) = thresholds.next() {
            a.text = format!("{} ({})", a.text, t.description);
        }
    }
}
