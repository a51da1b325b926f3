//! The audit log's hash chain. Each entry's hash is SHA-256 over the previous entry's hash and
//! the entry's own content in a canonical form (a JSON array of its fields in a fixed order), and
//! sequence numbers run from 1 without gaps. Editing any field of a past entry, deleting it, or
//! inserting one breaks the chain from that entry on; [`verify`] says where.
//!
//! Limit: removing the newest entries leaves a valid shorter chain; anchoring the head hash
//! outside the database (printed by `audit verify`, kept by an operator) detects that too.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    /// Who: a user's email, or `cli` for an unauthenticated local command.
    pub actor: String,
    /// What, e.g. `segment.approve`.
    pub action: String,
    pub segment_id: Option<String>,
    /// The approval hash of the version acted on.
    pub version_hash: Option<String>,
    /// State before and after, as JSON text.
    pub before: Option<String>,
    pub after: Option<String>,
    /// Client address, when known.
    pub address: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry must carry, given its content and `prev_hash`.
    pub fn compute_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.prev_hash,
            self.seq,
            self.at,
            self.actor,
            self.action,
            self.segment_id,
            self.version_hash,
            self.before,
            self.after,
            self.address
        ]);
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }

    /// Seal a new entry after `prev` (or after the genesis hash).
    pub fn seal(mut self, prev: Option<&AuditEntry>) -> AuditEntry {
        self.seq = prev.map_or(1, |p| p.seq + 1);
        self.prev_hash = prev.map_or_else(|| GENESIS.to_string(), |p| p.hash.clone());
        self.hash = self.compute_hash();
        self
    }
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit log tampered at entry {seq}: {reason}")]
pub struct Tampered {
    pub seq: i64,
    pub reason: String,
}

/// Check entries given in sequence order; returns how many were verified and the head hash.
pub fn verify(entries: &[AuditEntry]) -> Result<(usize, String), Tampered> {
    let mut prev_hash = GENESIS.to_string();
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if e.seq != expected_seq {
            return Err(Tampered { seq: expected_seq, reason: format!("entry {expected_seq} is missing (found {} next)", e.seq) });
        }
        if e.prev_hash != prev_hash {
            return Err(Tampered { seq: e.seq, reason: "does not link to the entry before it".into() });
        }
        if e.compute_hash() != e.hash {
            return Err(Tampered { seq: e.seq, reason: "content does not match its hash".into() });
        }
        prev_hash = e.hash.clone();
    }
    Ok((entries.len(), prev_hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            seq: 0,
            at: 1_700_000_000,
            actor: "ann@example.com".into(),
            action: action.into(),
            segment_id: Some("s1".into()),
            version_hash: None,
            before: None,
            after: Some("{\"status\":\"draft\"}".into()),
            address: None,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn chain() -> Vec<AuditEntry> {
        let a = entry("segment.create").seal(None);
        let b = entry("segment.submit").seal(Some(&a));
        let c = entry("segment.approve").seal(Some(&b));
        vec![a, b, c]
    }

    #[test]
    fn an_intact_chain_verifies() {
        let (n, head) = verify(&chain()).unwrap();
        assert_eq!(n, 3);
        assert_eq!(head, chain()[2].hash);
    }

    #[test]
    fn edits_deletions_and_rehashing_one_entry_are_detected() {
        let mut edited = chain();
        edited[1].actor = "mallory@example.com".into();
        assert_eq!(verify(&edited).unwrap_err().seq, 2);
        let mut deleted = chain();
        deleted.remove(1);
        assert_eq!(verify(&deleted).unwrap_err().seq, 2);
        let mut rehashed = chain();
        rehashed[1].action = "segment.reject".into();
        rehashed[1].hash = rehashed[1].compute_hash();
        assert_eq!(verify(&rehashed).unwrap_err().seq, 3, "the next entry no longer links");
    }
}
