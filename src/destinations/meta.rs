//! Meta Custom Audiences: `{base}/{audience_id}/users` with a multi-key payload (`EMAIL, PHONE,
//! FN, LN, CT, ST, ZIP, COUNTRY`) of SHA-256 values normalised by Meta's rules (unknown = ""),
//! and a `session` that numbers the batches of one upload. Additions are `POST`, removals
//! `DELETE` on the same endpoint with the same body, as Meta's SDKs do.

use serde_json::json;

use super::{Batch, DestinationConfig, DestinationError, Op, check};
use crate::domain::normalize::meta::{SCHEMA, row};

/// Meta accepts at most this many rows per request.
pub const MAX_BATCH: usize = 10_000;

/// The JSON body of one batch (the access token is added by [`send`]).
pub fn payload(b: &Batch<'_>) -> serde_json::Value {
    let data: Vec<[String; 8]> = b.members.iter().map(row).collect();
    json!({
        "session": {
            "session_id": b.run_id,
            "batch_seq": b.seq,
            "last_batch_flag": b.seq == b.batches,
            "estimated_num_total": b.total,
        },
        "payload": { "schema": SCHEMA, "data": data },
    })
}

pub async fn send(client: &reqwest::Client, cfg: &DestinationConfig, b: &Batch<'_>) -> Result<(), DestinationError> {
    let audience = cfg.meta_audience_id.as_deref().ok_or(DestinationError::NotConfigured("Meta audience id"))?;
    let token = cfg.meta_access_token.as_deref().ok_or(DestinationError::NotConfigured("Meta access token"))?;
    let mut body = payload(b);
    body["access_token"] = json!(token);
    let url = format!("{}/{audience}/users", cfg.meta_base_url.trim_end_matches('/'));
    let req = match b.op {
        Op::Add => client.post(url),
        Op::Remove => client.delete(url),
    };
    check(req.json(&body).send().await).await
}
