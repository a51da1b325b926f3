//! The lifecycle of a segment version and what an approval is bound to.
//!
//! States: draft → submitted → approved | rejected → active ⇄ paused → archived; a version
//! replaced by a newer edit before it was approved becomes `superseded`. Approval is given to
//! an **approval hash**: SHA-256 over the version's content hash (its canonical definition),
//! its basis (the catalog fields, glossary terms, referenced segments and model versions it
//! uses; see `approval_basis`) and the sorted destinations. Any change to one of them yields
//! another hash, so an approval never carries over to something not reviewed.
//! Four eyes: nobody approves a version they wrote or submitted; audiences above a configured
//! size need two distinct approvers.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::approval_basis::Basis;
use super::policy::Destination;

/// A version's lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
    Approved,
    Rejected,
    Active,
    Paused,
    Archived,
    Superseded,
}

/// A lifecycle action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Submit,
    Approve,
    Reject,
    Activate,
    Pause,
    Archive,
}

/// Why an action is refused by the rules (not by the role).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("cannot {action:?} a {from:?} version")]
    BadTransition { from: Status, action: Action },
    #[error("four eyes: {0} may not approve a version they wrote or submitted")]
    OwnVersion(String),
    #[error("{0} has already approved this version")]
    AlreadyApproved(String),
    #[error("a rejection needs a comment saying why")]
    CommentRequired,
    #[error("a review comment holds at most {MAX_COMMENT} characters; this one has {0}")]
    CommentTooLong(usize),
}

/// The longest review comment kept (the review forms say so too).
pub const MAX_COMMENT: usize = 2000;

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Active => "active",
            Status::Paused => "paused",
            Status::Archived => "archived",
            Status::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}

/// The state an action leads to from `from`, if allowed.
pub fn next(from: Status, action: Action) -> Result<Status, LifecycleError> {
    use Status::*;
    let to = match (action, from) {
        // An approved or paused version is submitted again when what its approval is bound to
        // changed (a retrained model, a glossary term) or it should go to other destinations.
        (Action::Submit, Draft | Rejected | Approved | Paused) => Submitted,
        (Action::Approve, Submitted) => Approved,
        (Action::Reject, Submitted) => Rejected,
        (Action::Activate, Approved | Paused) => Active,
        (Action::Pause, Active) => Paused,
        (Action::Archive, Draft | Submitted | Approved | Rejected | Active | Paused) => Archived,
        _ => return Err(LifecycleError::BadTransition { from, action }),
    };
    Ok(to)
}

/// The hash an approval is bound to.
pub fn approval_hash(content_hash: &str, basis: &Basis, destinations: &[Destination]) -> String {
    let mut d: Vec<&str> = destinations.iter().map(|d| d.as_str()).collect();
    d.sort_unstable();
    d.dedup();
    // The basis is made of ordered maps, so its JSON is canonical.
    let canonical = serde_json::json!([content_hash, basis, d]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Four eyes: the approver is neither the version's author nor its submitter, and has not
/// already approved it.
pub fn check_approver(
    approver_id: &str,
    approver: &str,
    author_id: Option<&str>,
    submitter_id: &str,
    approved_by: &[String],
) -> Result<(), LifecycleError> {
    if author_id == Some(approver_id) || submitter_id == approver_id {
        return Err(LifecycleError::OwnVersion(approver.to_string()));
    }
    if approved_by.iter().any(|a| a == approver_id) {
        return Err(LifecycleError::AlreadyApproved(approver.to_string()));
    }
    Ok(())
}

/// Distinct approvals a version of `size` members needs.
pub fn approvals_needed(size: i64, second_approver_above: i64) -> usize {
    if size > second_approver_above { 2 } else { 1 }
}

/// A rejection's comment, trimmed; empty is refused.
pub fn rejection_comment(comment: Option<&str>) -> Result<String, LifecycleError> {
    review_comment(comment)?.ok_or(LifecycleError::CommentRequired)
}

/// A reviewer's comment, trimmed: none when blank, refused when longer than [`MAX_COMMENT`].
pub fn review_comment(comment: Option<&str>) -> Result<Option<String>, LifecycleError> {
    match comment.map(str::trim) {
        Some(c) if c.chars().count() > MAX_COMMENT => {
            Err(LifecycleError::CommentTooLong(c.chars().count()))
        }
        Some(c) if !c.is_empty() => Ok(Some(c.to_string())),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_allows_only_its_transitions() {
        assert_eq!(next(Status::Draft, Action::Submit), Ok(Status::Submitted));
        assert_eq!(
            next(Status::Submitted, Action::Reject),
            Ok(Status::Rejected)
        );
        assert_eq!(
            next(Status::Rejected, Action::Submit),
            Ok(Status::Submitted)
        );
        assert_eq!(
            next(Status::Approved, Action::Submit),
            Ok(Status::Submitted),
            "approved again after a retrain"
        );
        assert_eq!(next(Status::Paused, Action::Submit), Ok(Status::Submitted));
        assert!(
            next(Status::Active, Action::Submit).is_err(),
            "pause it first: the running version stays as approved"
        );
        assert!(next(Status::Archived, Action::Submit).is_err());
        assert_eq!(next(Status::Approved, Action::Activate), Ok(Status::Active));
        assert_eq!(next(Status::Paused, Action::Activate), Ok(Status::Active));
        assert!(next(Status::Draft, Action::Approve).is_err());
        assert!(next(Status::Draft, Action::Activate).is_err());
        assert!(next(Status::Submitted, Action::Activate).is_err());
        assert!(next(Status::Archived, Action::Activate).is_err());
        assert_eq!(Status::parse("paused"), Some(Status::Paused));
    }

    #[test]
    fn the_approval_hash_changes_with_anything_reviewed() {
        let b = Basis::default();
        let both = [Destination::Meta, Destination::Webhook];
        let base = approval_hash("c1", &b, &both);
        assert_eq!(
            base,
            approval_hash("c1", &b, &[Destination::Webhook, Destination::Meta]),
            "order of destinations is irrelevant"
        );
        assert_ne!(base, approval_hash("c2", &b, &both));
        let retrained = Basis {
            models: [("churn_risk".to_string(), 2)].into(),
            ..Basis::default()
        };
        assert_ne!(base, approval_hash("c1", &retrained, &both));
        let field = Basis {
            fields: [("plan".to_string(), None)].into(),
            ..Basis::default()
        };
        assert_ne!(base, approval_hash("c1", &field, &both));
        assert_ne!(base, approval_hash("c1", &b, &[Destination::Meta]));
    }

    #[test]
    fn four_eyes_and_second_approvers() {
        assert!(matches!(
            check_approver("u1", "a", Some("u1"), "u2", &[]),
            Err(LifecycleError::OwnVersion(_))
        ));
        assert!(matches!(
            check_approver("u2", "b", Some("u1"), "u2", &[]),
            Err(LifecycleError::OwnVersion(_))
        ));
        assert!(matches!(
            check_approver("u3", "c", Some("u1"), "u2", &["u3".into()]),
            Err(LifecycleError::AlreadyApproved(_))
        ));
        assert!(check_approver("u3", "c", None, "u2", &[]).is_ok());
        assert_eq!(
            (approvals_needed(100, 100), approvals_needed(101, 100)),
            (1, 2)
        );
        assert_eq!(
            rejection_comment(Some("  ")),
            Err(LifecycleError::CommentRequired)
        );
        let long = "x".repeat(MAX_COMMENT + 1);
        assert_eq!(
            rejection_comment(Some(&long)),
            Err(LifecycleError::CommentTooLong(MAX_COMMENT + 1))
        );
        assert_eq!(review_comment(Some(" ok ")), Ok(Some("ok".into())));
    }
}
