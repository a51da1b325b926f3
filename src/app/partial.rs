//! Partial answers: words of a request the interpreter did not understand. They are copied into
//! the definition (`unresolved`) in one place for every interpreter, said in the answer, and
//! removed only when the user asks to keep the rest ([`App::keep_understood`]); until then the
//! definition cannot be saved or submitted (`segments::require_understood`).

use super::{Actor, Answer, App, AppError};
use crate::domain::access::Permission;
use crate::domain::definition::Definition;
use crate::domain::explain::describe;
use crate::domain::time::AsOf;
use crate::interpret::Interpretation;
use crate::interpret::offline::Cx;
use crate::interpret::refine;

/// The prompt recorded for the turn that removes the words not understood.
pub const KEEP_PROMPT: &str = "remove the words not understood and keep the rest";

/// Record the interpretation's unrecognized words in its definition (whatever the interpreter).
pub fn mark_unresolved(i: &mut Interpretation) {
    let words = i
        .unrecognized
        .iter()
        .map(|s| s.text.trim().to_string())
        .filter(|w| !w.is_empty());
    i.definition.unresolved = union(Vec::new(), words.collect());
    i.partial |= i.definition.is_partial();
}

/// Words that only say how a follow-up changes the conversation ("make it the top 10% instead",
/// "rather …", "change it to …"): `refine::intent` reads them, so they are not left unresolved.
const REFINE_WORDS: &[&str] = &[
    "instead", "rather", "change", "make", "it", "what", "about", "to",
];

/// Forget the unrecognized spans of a replacing follow-up that are only refinement words.
pub fn drop_refine_words(i: &mut Interpretation) {
    let only_refine_words = |t: &str| {
        t.split_whitespace().all(|w| {
            REFINE_WORDS.contains(
                &w.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase()
                    .as_str(),
            )
        })
    };
    let dropped: Vec<String> = i
        .unrecognized
        .iter()
        .filter(|s| only_refine_words(&s.text))
        .map(|s| s.text.clone())
        .collect();
    if dropped.is_empty() {
        return;
    }
    i.unrecognized.retain(|s| !only_refine_words(&s.text));
    i.questions
        .retain(|q| !dropped.iter().any(|d| q.contains(&format!("\"{d}\""))));
    // As the interpreters define it: partial when words are left over or nothing was understood.
    i.partial = !i.unrecognized.is_empty() || i.explanation.is_empty();
    mark_unresolved(i);
}

/// `a` then the words of `b` not already in it, in order.
pub fn union(mut a: Vec<String>, b: Vec<String>) -> Vec<String> {
    for w in b {
        if !a.contains(&w) {
            a.push(w);
        }
    }
    a
}

/// What a partial answer tells the user: which words were not understood, what the audience
/// covers, and what to do before saving.
pub fn notice(def: &Definition) -> String {
    let words = def
        .unresolved
        .iter()
        .map(|w| format!("“{w}”"))
        .collect::<Vec<_>>()
        .join(", ");
    match (def.unresolved.is_empty(), def.selects_everyone()) {
        (true, _) => "Nothing in the request was understood, so no audience is shown: say which customers you want.".into(),
        (false, true) => format!("Nothing in the request was understood ({words} not understood), so no audience is shown: rephrase the request."),
        (false, false) => format!(
            "Partial answer: {words} not understood. The audience covers only the rest; it can be saved once these words are removed or the request is rephrased."
        ),
    }
}

impl App {
    /// "Remove these words and keep the rest": a new turn of the conversation whose definition
    /// is the current one without its unresolved words, previewed (and then saveable).
    pub async fn keep_understood(
        &self,
        conversation_id: &str,
        as_of: AsOf,
        full_preview: bool,
        actor: &Actor,
    ) -> Result<Answer, AppError> {
        actor.allow(Permission::Read)?;
        let turns = self.turns_of(conversation_id, actor).await?;
        let last = turns
            .last()
            .ok_or_else(|| AppError::NotFound(format!("conversation `{conversation_id}`")))?;
        let mut definition: Definition = serde_json::from_str(&last.definition)
            .map_err(|e| AppError::BadInput(format!("stored conversation is unreadable: {e}")))?;
        if !definition.is_partial() {
            return Err(AppError::Conflict(
                "every word of the request was understood: there is nothing to remove".into(),
            ));
        }
        let removed = std::mem::take(&mut definition.unresolved);
        let answer = self.kept_answer(definition, &removed, as_of).await?;
        let mut answer = self.previewed(answer, as_of, full_preview).await?;
        answer.conversation_id = Some(conversation_id.to_string());
        answer.turn = Some(
            self.save_turn(
                conversation_id,
                KEEP_PROMPT,
                false,
                &answer,
                turns.len() as i64 + 1,
                actor,
            )
            .await?,
        );
        Ok(answer)
    }

    /// The answer of a keep-the-rest turn: the same conditions, no unresolved words.
    async fn kept_answer(
        &self,
        definition: Definition,
        removed: &[String],
        as_of: AsOf,
    ) -> Result<Answer, AppError> {
        let words = removed
            .iter()
            .map(|w| format!("“{w}”"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut notices = vec![format!(
            "Removed {words}: the definition keeps the rest of the request."
        )];
        if definition.selects_everyone() {
            notices.push(
                "Nothing else was understood: the definition now selects every customer.".into(),
            );
        }
        let mut answer = self.restated(definition, KEEP_PROMPT, as_of).await?;
        answer.interpretation.notices = notices;
        answer.diff = vec![format!("removed the words not understood: {words}")];
        Ok(answer)
    }

    /// An answer that states a definition the app already has (not interpreted from words):
    /// its conditions in sentences and its intervals, nothing assumed or left unread.
    pub(super) async fn restated(
        &self,
        definition: Definition,
        prompt: &str,
        as_of: AsOf,
    ) -> Result<Answer, AppError> {
        let snap = self.snapshot().await?;
        let glossary = self.glossary();
        let conditions = refine::conditions(&definition.root);
        let summary: Vec<String> = conditions
            .iter()
            .map(|n| describe(n, &snap.catalog, &glossary, &as_of))
            .collect();
        let intervals = crate::interpret::intervals(
            &definition.root,
            &Cx {
                catalog: &snap.catalog,
                glossary: &glossary,
                as_of,
            },
        );
        let interpretation = Interpretation {
            prompt: prompt.into(),
            interpreter: definition
                .interpreter
                .clone()
                .unwrap_or_else(|| "offline".into()),
            definition,
            partial: false,
            explanation: Vec::new(),
            assumptions: Vec::new(),
            unrecognized: Vec::new(),
            questions: Vec::new(),
            intervals,
            notices: Vec::new(),
        };
        Ok(Answer {
            interpretation,
            summary,
            conversation_id: None,
            turn: None,
            diff: Vec::new(),
            started_over: None,
            issues: Vec::new(),
            preview: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::definition::Node;
    use crate::interpret::Span;

    fn answer(prompt: &str, unrecognized: &[&str]) -> Interpretation {
        let span = |t: &&str| {
            let start = prompt.find(*t).expect("in the prompt");
            Span {
                start,
                end: start + t.len(),
                text: t.to_string(),
            }
        };
        Interpretation {
            prompt: prompt.into(),
            interpreter: "offline".into(),
            definition: Definition::new(Node::All { conditions: vec![] }),
            partial: !unrecognized.is_empty(),
            explanation: Vec::new(),
            assumptions: Vec::new(),
            unrecognized: unrecognized.iter().map(span).collect(),
            questions: unrecognized
                .iter()
                .map(|w| format!("I did not understand \"{w}\"; could you say it another way?"))
                .collect(),
            intervals: Vec::new(),
            notices: Vec::new(),
        }
    }

    #[test]
    fn unrecognized_words_make_the_definition_partial() {
        let mut i = answer("customers in Iceland", &["Iceland"]);
        mark_unresolved(&mut i);
        assert_eq!(i.definition.unresolved, vec!["Iceland".to_string()]);
        assert!(i.partial && i.definition.check_understood().is_err());
        assert!(
            notice(&i.definition).starts_with("Nothing in the request was understood"),
            "{}",
            notice(&i.definition)
        );
    }

    #[test]
    fn refinement_words_of_a_follow_up_are_not_left_unresolved_but_other_words_are() {
        let mut i = answer("make it Iceland instead", &["Iceland", "instead"]);
        mark_unresolved(&mut i);
        drop_refine_words(&mut i);
        assert_eq!(i.definition.unresolved, vec!["Iceland".to_string()]);
        assert_eq!(i.questions.len(), 1, "{:?}", i.questions);
        assert_eq!(
            union(vec!["a".into(), "b".into()], vec!["b".into(), "c".into()]),
            ["a", "b", "c"]
        );
    }
}
