//! The webhook destination: each batch is POSTed as JSON with the members' external ids and
//! SHA-256 of their normalised email and phone, and whether they are added or removed (`op`),
//! signed with HMAC-SHA256 over the exact body in `X-Segwright-Signature: sha256=<hex>`, with
//! an `Idempotency-Key` per batch.

use hmac::{KeyInit, Mac};
use serde::Serialize;

use super::{Batch, DestinationConfig, DestinationError, Op, Receipt, check};
use crate::domain::normalize::{Contact, email, meta, sha256_hex};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// `sha256=<hex>` of the body under the secret.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The JSON body of one batch, typed so serialising writes it straight out.
#[derive(Debug, Serialize)]
struct Body<'a> {
    op: Op,
    segment_id: &'a str,
    version: i64,
    approval_hash: &'a str,
    run_id: u64,
    batch: usize,
    batches: usize,
    total: usize,
    members: Vec<Member<'a>>,
}

#[derive(Debug, Serialize)]
struct Member<'a> {
    external_id: &'a str,
    email_sha256: Option<String>,
    phone_sha256: Option<String>,
}

/// SHA-256 of a member's normalised email and phone (E.164 digits), as the webhook and the CSV
/// file drop send them.
pub fn hashed_contact(c: &Contact) -> (Option<String>, Option<String>) {
    let email = c.email.as_deref().and_then(email).map(|e| sha256_hex(&e));
    let phone = c
        .phone
        .as_deref()
        .and_then(|p| meta::phone(p, c.country.as_deref()))
        .map(|p| sha256_hex(&p));
    (email, phone)
}

/// The bytes of one batch's body (what the signature covers).
pub fn body(b: &Batch<'_>) -> Vec<u8> {
    let members = b
        .members
        .iter()
        .map(|c| {
            let (email_sha256, phone_sha256) = hashed_contact(c);
            Member {
                external_id: &c.external_id,
                email_sha256,
                phone_sha256,
            }
        })
        .collect();
    let v = Body {
        op: b.op,
        segment_id: b.segment_id,
        version: b.version,
        approval_hash: b.approval_hash,
        run_id: b.run_id,
        batch: b.seq,
        batches: b.batches,
        total: b.total,
        members,
    };
    serde_json::to_vec(&v).expect("serializable")
}

pub async fn send(
    client: &reqwest::Client,
    cfg: &DestinationConfig,
    b: &Batch<'_>,
) -> Result<Receipt, DestinationError> {
    let url = cfg
        .webhook_url
        .as_deref()
        .ok_or(DestinationError::NotConfigured("webhook URL"))?;
    let secret = cfg
        .webhook_secret
        .as_deref()
        .ok_or(DestinationError::NotConfigured("webhook secret"))?;
    let body = body(b);
    let req = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-segwright-signature", signature(secret, &body))
        .header("idempotency-key", b.idempotency_key())
        .body(body);
    check(req.send().await).await
}
