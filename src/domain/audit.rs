//! The audit log's hash chain. Each entry's hash is over the previous entry's hash and the
//! entry's own content in a canonical form (a JSON array of its fields in a fixed order), and
//! sequence numbers run from 1 without gaps. Editing any field of a past entry, deleting it, or
//! inserting one breaks the chain from that entry on; [`verify`] says where.
//!
//! Keyed: with an [`AuditKey`] (`SEGWRIGHT_AUDIT_KEY`, kept outside the database) each entry's
//! hash is an HMAC-SHA-256, so write access to the database is not enough to rewrite an entry
//! and re-chain the rest. Entries written before a key was configured stay plain SHA-256 and
//! are reported as unkeyed; a plain entry after a keyed one is a downgrade, i.e. tampering.
//!
//! Anchored: removing the newest entries leaves a valid shorter chain, and without a key a
//! rewritten chain is valid too. A [`Checkpoint`] of the head (printed by `audit verify`, kept
//! by an operator outside the database, MACed when keyed) detects both: given back to
//! `audit verify --checkpoint`, the chain must still hold that entry with that hash.

use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The audit chain's HMAC key. Never shown.
#[derive(Clone)]
pub struct AuditKey(Vec<u8>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

impl AuditKey {
    /// Any text of at least 32 characters (e.g. `openssl rand -hex 32`).
    pub fn parse(text: &str) -> Result<AuditKey, String> {
        let t = text.trim();
        if t.chars().count() < 32 {
            return Err("SEGWRIGHT_AUDIT_KEY must be at least 32 characters (e.g. the output of `openssl rand -hex 32`)".into());
        }
        Ok(AuditKey(t.as_bytes().to_vec()))
    }

    fn mac(&self, data: &[u8]) -> String {
        let mut m =
            hmac::Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        m.update(data);
        hex::encode(m.finalize().into_bytes())
    }
}

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
    /// Whether `hash` is an HMAC under the audit key (else plain SHA-256).
    #[serde(default)]
    pub keyed: bool,
}

impl AuditEntry {
    /// The hash this entry must carry, given its content and `prev_hash`: an HMAC when it is
    /// keyed (`None` without the key), else SHA-256.
    pub fn compute_hash(&self, key: Option<&AuditKey>) -> Option<String> {
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
        let bytes = canonical.to_string();
        match (self.keyed, key) {
            (false, _) => Some(hex::encode(Sha256::digest(bytes.as_bytes()))),
            (true, Some(k)) => Some(k.mac(bytes.as_bytes())),
            (true, None) => None,
        }
    }

    /// Seal a new entry after `prev` (or after the genesis hash), keyed when `key` is given.
    pub fn seal(mut self, prev: Option<&AuditEntry>, key: Option<&AuditKey>) -> AuditEntry {
        self.seq = prev.map_or(1, |p| p.seq + 1);
        self.prev_hash = prev.map_or_else(|| GENESIS.to_string(), |p| p.hash.clone());
        self.keyed = key.is_some();
        self.hash = self.compute_hash(key).expect("the key is given when keyed");
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

/// What [`verify`] found: an intact chain of `entries`, its head, and how many entries are
/// plain SHA-256 (written before a key was configured, or with none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub entries: usize,
    pub head_seq: i64,
    pub head_hash: String,
    pub unkeyed: usize,
}

/// Check entries given in sequence order, keyed ones under `key`.
pub fn verify(entries: &[AuditEntry], key: Option<&AuditKey>) -> Result<Verified, Tampered> {
    let mut prev_hash = GENESIS.to_string();
    let (mut keyed_seen, mut unkeyed) = (false, 0);
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if e.seq != expected_seq {
            return Err(Tampered {
                seq: expected_seq,
                reason: format!("entry {expected_seq} is missing (found {} next)", e.seq),
            });
        }
        if e.prev_hash != prev_hash {
            return Err(Tampered {
                seq: e.seq,
                reason: "does not link to the entry before it".into(),
            });
        }
        if keyed_seen && !e.keyed {
            return Err(Tampered {
                seq: e.seq,
                reason: "is unkeyed after keyed entries (rewritten without the audit key)".into(),
            });
        }
        match e.compute_hash(key) {
            None => {
                return Err(Tampered {
                    seq: e.seq,
                    reason: "is keyed, and SEGWRIGHT_AUDIT_KEY is not set: it cannot be verified"
                        .into(),
                });
            }
            Some(h) if h != e.hash => {
                return Err(Tampered {
                    seq: e.seq,
                    reason: "content does not match its hash".into(),
                });
            }
            Some(_) => {}
        }
        keyed_seen |= e.keyed;
        unkeyed += usize::from(!e.keyed);
        prev_hash = e.hash.clone();
    }
    Ok(Verified {
        entries: entries.len(),
        head_seq: entries.len() as i64,
        head_hash: prev_hash,
        unkeyed,
    })
}

/// An anchor of the chain's head, kept outside the database: `SEQ:HASH`, with `:MAC` (an HMAC
/// under the audit key) when keyed, so that it cannot be forged without the key either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub mac: Option<String>,
}

impl Checkpoint {
    /// The checkpoint of a verified chain's head.
    pub fn of(v: &Verified, key: Option<&AuditKey>) -> Checkpoint {
        let mut c = Checkpoint {
            seq: v.head_seq,
            hash: v.head_hash.clone(),
            mac: None,
        };
        c.mac = key.map(|k| k.mac(c.signed().as_bytes()));
        c
    }

    fn signed(&self) -> String {
        format!("segwright-audit-checkpoint:{}:{}", self.seq, self.hash)
    }

    pub fn parse(text: &str) -> Result<Checkpoint, String> {
        let bad = || {
            format!(
                "`{}` is not an audit checkpoint (SEQ:HASH or SEQ:HASH:MAC, as `audit verify` prints it)",
                text.trim()
            )
        };
        let mut parts = text.trim().split(':');
        let seq = parts
            .next()
            .and_then(|s| s.parse::<i64>().ok())
            .filter(|s| *s >= 0)
            .ok_or_else(bad)?;
        let hash = parts
            .next()
            .filter(|h| !h.is_empty())
            .ok_or_else(bad)?
            .to_string();
        let mac = parts.next().map(String::from);
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Checkpoint { seq, hash, mac })
    }

    /// The chain (verified, in order) still holds the checkpoint's entry with its hash; a MAC
    /// is checked when both it and the key are there.
    pub fn check(&self, chain: &[AuditEntry], key: Option<&AuditKey>) -> Result<(), Tampered> {
        if let (Some(mac), Some(k)) = (&self.mac, key)
            && *mac != k.mac(self.signed().as_bytes())
        {
            return Err(Tampered { seq: self.seq, reason: "the checkpoint was not made with this SEGWRIGHT_AUDIT_KEY (forged or another key)".into() });
        }
        if self.seq == 0 {
            return Ok(());
        }
        match chain.get(self.seq as usize - 1) {
            None => Err(Tampered {
                seq: self.seq,
                reason: format!(
                    "the log ends at entry {}, before the checkpoint's entry: entries were removed",
                    chain.len()
                ),
            }),
            Some(e) if e.hash != self.hash => Err(Tampered {
                seq: self.seq,
                reason: "its hash differs from the checkpoint's: the chain was rewritten".into(),
            }),
            Some(_) => Ok(()),
        }
    }
}

impl std::fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.mac {
            Some(m) => write!(f, "{}:{}:{m}", self.seq, self.hash),
            None => write!(f, "{}:{}", self.seq, self.hash),
        }
    }
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
            keyed: false,
        }
    }

    fn key(c: char) -> AuditKey {
        AuditKey::parse(&c.to_string().repeat(40)).unwrap()
    }

    fn chain_with(k: Option<&AuditKey>) -> Vec<AuditEntry> {
        let a = entry("segment.create").seal(None, k);
        let b = entry("segment.submit").seal(Some(&a), k);
        let c = entry("segment.approve").seal(Some(&b), k);
        vec![a, b, c]
    }

    fn chain() -> Vec<AuditEntry> {
        chain_with(None)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let v = verify(&chain(), None).unwrap();
        assert_eq!((v.entries, v.unkeyed), (3, 3));
        assert_eq!(v.head_hash, chain()[2].hash);
    }

    #[test]
    fn edits_deletions_and_rehashing_one_entry_are_detected() {
        let mut edited = chain();
        edited[1].actor = "mallory@example.com".into();
        assert_eq!(verify(&edited, None).unwrap_err().seq, 2);
        let mut deleted = chain();
        deleted.remove(1);
        assert_eq!(verify(&deleted, None).unwrap_err().seq, 2);
        let mut rehashed = chain();
        rehashed[1].action = "segment.reject".into();
        rehashed[1].hash = rehashed[1].compute_hash(None).unwrap();
        assert_eq!(
            verify(&rehashed, None).unwrap_err().seq,
            3,
            "the next entry no longer links"
        );
    }

    #[test]
    fn a_keyed_chain_cannot_be_rechained_without_the_key_nor_downgraded() {
        let k = key('k');
        let good = chain_with(Some(&k));
        assert_eq!(verify(&good, Some(&k)).unwrap().unkeyed, 0);
        // Rewritten and re-chained under another key (the database writer does not have ours).
        let mut forged = vec![good[0].clone()];
        for e in &good[1..] {
            let mut e = e.clone();
            e.actor = "mallory@example.com".into();
            forged.push(e.seal(forged.last(), Some(&key('m'))));
        }
        assert_eq!(verify(&forged, Some(&k)).unwrap_err().seq, 2);
        // Re-chained as plain SHA-256 entries after a keyed one: a downgrade.
        let downgraded = vec![
            good[0].clone(),
            entry("segment.reject").seal(Some(&good[0]), None),
        ];
        assert!(
            verify(&downgraded, Some(&k))
                .unwrap_err()
                .reason
                .contains("unkeyed after keyed")
        );
        assert!(
            verify(&good, None)
                .unwrap_err()
                .reason
                .contains("SEGWRIGHT_AUDIT_KEY is not set")
        );
    }

    #[test]
    fn a_checkpoint_detects_truncation_rechaining_and_forgery() {
        let k = key('k');
        let full = chain_with(Some(&k));
        let cp = Checkpoint::of(&verify(&full, Some(&k)).unwrap(), Some(&k));
        assert_eq!(Checkpoint::parse(&cp.to_string()).unwrap(), cp);
        assert!(cp.check(&full, Some(&k)).is_ok());
        assert!(
            cp.check(&full[..2], Some(&k))
                .unwrap_err()
                .reason
                .contains("entries were removed")
        );
        let plain = chain();
        let unkeyed_cp = Checkpoint::of(&verify(&plain, None).unwrap(), None);
        let mut rechained = vec![plain[0].clone()];
        for e in &plain[1..] {
            let mut e = e.clone();
            e.actor = "mallory@example.com".into();
            rechained.push(e.seal(rechained.last(), None));
        }
        assert!(
            verify(&rechained, None).is_ok(),
            "without a key, a re-chained log is consistent"
        );
        assert!(
            unkeyed_cp
                .check(&rechained, None)
                .unwrap_err()
                .reason
                .contains("rewritten")
        );
        let forged = Checkpoint {
            mac: Some("00".repeat(32)),
            ..cp
        };
        assert!(
            forged
                .check(&full, Some(&k))
                .unwrap_err()
                .reason
                .contains("not made with this")
        );
        assert!(Checkpoint::parse("x:y").is_err());
    }
}
