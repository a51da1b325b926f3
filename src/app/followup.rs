//! Refine or start over: whether a request typed after an answer changes that audience or asks
//! for a new one.
//!
//! The rule is grammatical, not a list of topics. A follow-up that refines either
//! - says how to change the audience (`refine::intent` reads undo, drop, "instead", "make it",
//!   "what about N days"),
//! - opens with a word that attaches it to what came before: a connective or limiter ("also",
//!   "but", "only", "except", "exclude"), a preposition or relative pronoun with no subject of
//!   its own ("in France", "with email consent", "who bought twice"), or a comparison ("more
//!   than 3 orders"), or
//! - refers back to the audience ("those in France", "of them", "same but …"), or adds to it
//!   ("… too", "… as well").
//!
//! Anything else names its own audience ("customers in France", "big spenders who …") and
//! starts a new one. The chat also has an explicit **New audience** button, and an answer that
//! started over offers to apply the request to the previous audience instead, so a misread is
//! one click from right.

use crate::interpret::refine::{self, Intent};

/// How a request given with a conversation relates to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FollowUp {
    /// Always the next turn of the conversation (the API's and the CLI's behaviour).
    #[default]
    Continue,
    /// The next turn only when the request reads as a refinement; a new conversation otherwise
    /// (the chat page).
    Auto,
}

/// First words that attach a request to the audience before it.
const OPENERS: &[&str] = &[
    // connectives and limiters
    "also",
    "and",
    "but",
    "plus",
    "only",
    "just",
    "except",
    "excluding",
    "exclude",
    "without",
    "not",
    "no",
    "minus",
    "now",
    "then",
    "too",
    // edits
    "add",
    "include",
    "including",
    "limit",
    "restrict",
    "narrow",
    "keep",
    "filter",
    "remove",
    "drop",
    "make",
    "change",
    "switch",
    "instead",
    "rather",
    // prepositions and relative pronouns: a modifier with no subject of its own
    "in",
    "from",
    "with",
    "who",
    "that",
    "which",
    "whose",
    "where",
    "among",
    "within",
    "of",
    "at",
    "over",
    "under",
    "above",
    "below",
    "between",
    "more",
    "less",
    "fewer",
    "same",
];

/// Words anywhere in a request that refer back to the audience or add to it.
const BACK_REFERENCES: &[&str] = &["them", "those", "these", "they", "ones", "too"];

/// The request's words, lowercase, without punctuation.
fn words(prompt: &str) -> Vec<String> {
    prompt
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '%'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether a request typed after an answer changes that answer's audience (see the module doc).
pub fn reads_as_refinement(prompt: &str) -> bool {
    if !matches!(refine::intent(prompt), Intent::Add) {
        return true;
    }
    let w = words(prompt);
    let Some(first) = w.first() else { return false };
    let as_well = w.windows(2).any(|p| p[0] == "as" && p[1] == "well");
    OPENERS.contains(&first.as_str())
        || as_well
        || w.iter().any(|x| BACK_REFERENCES.contains(&x.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refinements_are_read_as_refinements() {
        for p in [
            "only those in France",
            "only in Texas",
            "also with email consent",
            "but exclude people who bought this week",
            "exclude anyone in Germany",
            "make it the top 10% instead",
            "what about 60 days?",
            "undo",
            "drop the email condition",
            "in France",
            "with ads consent",
            "who bought at least twice",
            "more than 3 orders",
            "customers in Spain too",
            "and in Spain as well",
            "of them, the ones who opened an email",
        ] {
            assert!(reads_as_refinement(p), "{p}");
        }
    }

    #[test]
    fn requests_that_name_their_own_audience_start_a_new_one() {
        for p in [
            "customers in France",
            "big spenders who haven't ordered since summer",
            "high-value customers inactive for 30 days",
            "VIPs with email consent",
            "people who bought exactly once",
            "lapsed subscribers",
        ] {
            assert!(!reads_as_refinement(p), "{p}");
        }
    }
}
