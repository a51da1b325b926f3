//! The sync engine's decisions, with no I/O: how many members a destination takes per request,
//! which members a sync adds and removes given what was last delivered, which memberships must
//! be re-sent before the platform forgets them (Google Customer Match keeps a member at most
//! 540 days), and a run's overall status from its batches' states. `app` loads the sets and
//! `store` keeps the outbox; this module only decides.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::normalize::Contact;
use super::policy::Destination;

/// Seconds in a day.
const DAY: i64 = 86_400;

/// Google Customer Match drops a member this many days after its last upload.
pub const GOOGLE_MEMBERSHIP_DAYS: i64 = 540;

/// Re-send Google members this many days before their membership would lapse, so a missed
/// daily refresh or two cannot let it run out.
pub const GOOGLE_RESEND_MARGIN_DAYS: i64 = 30;

/// Members per request at `d`: the configured batch size, capped by the platform's documented
/// limit (Meta 10,000 rows; Google 10,000 identifiers recommended per call of its 100,000;
/// LinkedIn 5,000 elements; a TikTok file has no small limit, so the configured size applies).
pub fn batch_limit(d: Destination, configured: usize) -> usize {
    let cap = match d {
        Destination::Meta | Destination::Google => 10_000,
        Destination::Linkedin => 5_000,
        _ => usize::MAX,
    };
    configured.min(cap).max(1)
}

/// A member as last delivered to a destination, and when (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub contact: Contact,
    pub last_sent_at: i64,
}

/// What a sync sends to one destination.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncPlan {
    /// Members to add: new ones, then re-sends (in external-id order within each).
    pub adds: Vec<Contact>,
    /// How many of `adds` are re-sends of members already delivered.
    pub resends: usize,
    /// Members delivered before and no longer in the audience, with the identifiers they were
    /// delivered with (a customer who left the database can still be removed).
    pub removes: Vec<Contact>,
    /// A replace session: `adds` is the whole audience, sent as the platform's replacement of
    /// it, and `removes` are only counted (the platform drops them itself; none is sent).
    pub replace: bool,
}

/// Whether a member last sent at `last_sent_at` must be sent again at `now` to stay in `d`'s
/// audience. Only Google Customer Match expires memberships.
pub fn needs_resend(d: Destination, last_sent_at: i64, now: i64) -> bool {
    d == Destination::Google
        && now - last_sent_at >= (GOOGLE_MEMBERSHIP_DAYS - GOOGLE_RESEND_MARGIN_DAYS) * DAY
}

/// The difference between the audience now (`current`) and what `d` last received
/// (`previous`): additions, removals, and memberships to renew before they lapse.
pub fn plan(d: Destination, current: Vec<Contact>, previous: &[Delivered], now: i64) -> SyncPlan {
    let before: BTreeMap<&str, &Delivered> = previous
        .iter()
        .map(|p| (p.contact.external_id.as_str(), p))
        .collect();
    let now_ids: BTreeSet<&str> = current.iter().map(|c| c.external_id.as_str()).collect();
    let removes = before
        .iter()
        .filter(|(id, _)| !now_ids.contains(*id))
        .map(|(_, p)| p.contact.clone())
        .collect();
    let mut adds = Vec::new();
    let mut renew = Vec::new();
    for c in &current {
        match before.get(c.external_id.as_str()) {
            None => adds.push(c.clone()),
            Some(p) if needs_resend(d, p.last_sent_at, now) => renew.push(c.clone()),
            Some(_) => {}
        }
    }
    adds.sort_by(|a, b| a.external_id.cmp(&b.external_id));
    adds.dedup_by(|a, b| a.external_id == b.external_id);
    renew.sort_by(|a, b| a.external_id.cmp(&b.external_id));
    let resends = renew.len();
    adds.extend(renew);
    SyncPlan {
        adds,
        resends,
        removes,
        replace: false,
    }
}

/// A replacement of `d`'s audience by `current`, where the platform offers one (Meta's
/// `usersreplace`): every member is uploaded and whoever is not among them is dropped by the
/// platform, which heals any drift between what was sent and what the platform holds. `None`
/// where the platform has no replacement, or for an empty audience (the platform cannot be sent
/// an empty replacement; removals do it).
pub fn plan_replace(
    d: Destination,
    current: Vec<Contact>,
    previous: &[Delivered],
) -> Option<SyncPlan> {
    if !replaceable(d, &current) {
        return None;
    }
    let mut adds = current;
    adds.sort_by(|a, b| a.external_id.cmp(&b.external_id));
    adds.dedup_by(|a, b| a.external_id == b.external_id);
    let now_ids: BTreeSet<&str> = adds.iter().map(|c| c.external_id.as_str()).collect();
    let removes = previous
        .iter()
        .filter(|p| !now_ids.contains(p.contact.external_id.as_str()))
        .map(|p| p.contact.clone())
        .collect();
    Some(SyncPlan {
        adds,
        resends: 0,
        removes,
        replace: true,
    })
}

/// Whether `d` can have its audience replaced by `current` (see [`plan_replace`]).
pub fn replaceable(d: Destination, current: &[Contact]) -> bool {
    d == Destination::Meta && !current.is_empty()
}

/// How many requests `members` members take at `limit` per request.
pub fn batch_count(members: usize, limit: usize) -> usize {
    members.div_ceil(limit.max(1))
}

/// A batch's state in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchState {
    Pending,
    Sending,
    Sent,
    Failed,
    /// Never sent: its run was stopped (the segment paused or archived) before it was claimed.
    Cancelled,
}

impl BatchState {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchState::Pending => "pending",
            BatchState::Sending => "sending",
            BatchState::Sent => "sent",
            BatchState::Failed => "failed",
            BatchState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => BatchState::Pending,
            "sending" => BatchState::Sending,
            "sent" => BatchState::Sent,
            "failed" => BatchState::Failed,
            "cancelled" => BatchState::Cancelled,
            _ => return None,
        })
    }
}

/// A run (or one destination of it) is `running` while any batch waits or is being sent,
/// then `failed` if any batch failed, `cancelled` if its run was stopped before every batch was
/// sent, else `delivered` (a run with nothing to send is delivered at once).
pub fn run_status(states: impl IntoIterator<Item = BatchState>) -> &'static str {
    let (mut open, mut failed, mut cancelled) = (false, false, false);
    for s in states {
        open |= matches!(s, BatchState::Pending | BatchState::Sending);
        failed |= s == BatchState::Failed;
        cancelled |= s == BatchState::Cancelled;
    }
    if open {
        "running"
    } else if failed {
        "failed"
    } else if cancelled {
        "cancelled"
    } else {
        "delivered"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str) -> Contact {
        Contact {
            external_id: id.into(),
            email: Some(format!("{id}@example.com")),
            ..Default::default()
        }
    }

    fn sent(id: &str, at: i64) -> Delivered {
        Delivered {
            contact: c(id),
            last_sent_at: at,
        }
    }

    fn ids(cs: &[Contact]) -> Vec<&str> {
        cs.iter().map(|c| c.external_id.as_str()).collect()
    }

    #[test]
    fn a_first_sync_adds_everyone_and_removes_no_one() {
        let p = plan(Destination::Webhook, vec![c("b"), c("a")], &[], 0);
        assert_eq!(ids(&p.adds), ["a", "b"]);
        assert!(p.removes.is_empty());
    }

    #[test]
    fn a_refresh_sends_only_who_joined_and_who_left() {
        let previous = [sent("a", 0), sent("b", 0), sent("gone", 0)];
        let p = plan(
            Destination::Meta,
            vec![c("a"), c("b"), c("new")],
            &previous,
            10 * DAY,
        );
        assert_eq!(ids(&p.adds), ["new"]);
        assert_eq!(ids(&p.removes), ["gone"]);
        assert_eq!(
            p.removes[0].email.as_deref(),
            Some("gone@example.com"),
            "removed with the identifiers it was added with"
        );
        assert_eq!(p.resends, 0);
    }

    #[test]
    fn google_memberships_are_renewed_before_540_days_run_out_and_others_never() {
        let now = 1_000 * DAY;
        let due = now - (GOOGLE_MEMBERSHIP_DAYS - GOOGLE_RESEND_MARGIN_DAYS) * DAY;
        assert!(needs_resend(Destination::Google, due, now));
        assert!(
            !needs_resend(Destination::Google, due + DAY, now),
            "a day younger is not due yet"
        );
        assert!(
            !needs_resend(Destination::Meta, 0, now),
            "Meta memberships do not expire"
        );
        let previous = [sent("old", due - DAY), sent("fresh", now - DAY)];
        let p = plan(
            Destination::Google,
            vec![c("old"), c("fresh"), c("new")],
            &previous,
            now,
        );
        assert_eq!(ids(&p.adds), ["new", "old"]);
        assert_eq!(p.resends, 1);
        let gone = plan(Destination::Google, vec![], &previous, now);
        assert!(
            gone.adds.is_empty(),
            "a member who left is removed, not renewed"
        );
    }

    #[test]
    fn a_meta_replacement_uploads_everyone_and_counts_who_meta_will_drop() {
        let previous = [sent("a", 0), sent("gone", 0)];
        let p = plan_replace(Destination::Meta, vec![c("b"), c("a")], &previous)
            .expect("Meta replaces");
        assert!(p.replace);
        assert_eq!(
            ids(&p.adds),
            ["a", "b"],
            "the whole audience, already delivered or not"
        );
        assert_eq!(ids(&p.removes), ["gone"]);
        assert!(
            plan_replace(Destination::Google, vec![c("a")], &previous).is_none(),
            "only Meta has a replace session"
        );
        assert!(
            plan_replace(Destination::Meta, vec![], &previous).is_none(),
            "an empty audience is removed, not replaced"
        );
    }

    #[test]
    fn batches_respect_each_platforms_documented_limit() {
        assert_eq!(batch_limit(Destination::Meta, 50_000), 10_000);
        assert_eq!(batch_limit(Destination::Linkedin, 50_000), 5_000);
        assert_eq!(batch_limit(Destination::Webhook, 2), 2);
        assert_eq!(batch_limit(Destination::Webhook, 0), 1);
        assert_eq!(batch_count(10_001, 10_000), 2);
        assert_eq!(batch_count(0, 10), 0);
    }

    #[test]
    fn a_run_is_running_until_every_batch_is_settled_then_failed_if_any_failed() {
        use BatchState::*;
        assert_eq!(run_status([Sent, Pending]), "running");
        assert_eq!(run_status([Sent, Sending]), "running");
        assert_eq!(run_status([Sent, Failed]), "failed");
        assert_eq!(run_status([Sent, Sent]), "delivered");
        assert_eq!(run_status([]), "delivered");
        assert_eq!(BatchState::parse("sent"), Some(Sent));
    }
}
