//! Meta Custom Audiences: `{base}/{audience_id}/users` with a multi-key payload (`EMAIL, PHONE,
//! FN, LN, CT, ST, ZIP, COUNTRY`) of SHA-256 values normalised by Meta's rules (unknown = ""),
//! and a `session` that numbers the batches of one upload. Additions are `POST`, removals
//! `DELETE` on the same endpoint with the same body, as Meta's SDKs do; a replacement is a
//! session `POST`ed to `{audience_id}/usersreplace`. The additions and the removals of a run are
//! two sessions (own `session_id`, `batch_seq` from 1, `last_batch_flag` on each one's last
//! batch), and Meta's answer (`num_received`, `num_invalid_entries`, `invalid_entry_samples`)
//! is read into the batch's [`Receipt`].

use serde::Serialize;

use serde_json::Value;

use super::{Batch, DestinationConfig, DestinationError, MAX_PROBLEMS, Op, Receipt, json_of};
use crate::domain::normalize::meta::{SCHEMA, row};

/// Meta accepts at most this many rows per request.
pub const MAX_BATCH: usize = 10_000;

/// The JSON body of one batch, typed so that serialising it writes the hashes straight out
/// (a `serde_json::Value` tree of 80,000 strings per batch was the largest cost of delivery).
#[derive(Debug, Serialize)]
pub struct Body<'a> {
    session: Session,
    payload: Rows,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct Session {
    session_id: u64,
    batch_seq: usize,
    last_batch_flag: bool,
    estimated_num_total: usize,
}

#[derive(Debug, Serialize)]
struct Rows {
    schema: [&'static str; 8],
    /// Multi-key uploads carry `is_raw: true`, as in Meta's documented example and its SDKs.
    is_raw: bool,
    data: Vec<[String; 8]>,
}

/// The body of one batch; `access_token` is `None` except when [`send`] sends it.
pub fn payload<'a>(b: &Batch<'_>, access_token: Option<&'a str>) -> Body<'a> {
    let session = b.session();
    Body {
        session: Session {
            session_id: session_id(b),
            batch_seq: session.seq,
            last_batch_flag: session.seq == session.batches,
            estimated_num_total: session.total,
        },
        payload: Rows {
            schema: SCHEMA,
            is_raw: true,
            data: b.members.iter().map(row).collect(),
        },
        access_token,
    }
}

/// The run's additions and its removals are separate sessions: the removals' id is odd.
pub fn session_id(b: &Batch<'_>) -> u64 {
    b.run_id.wrapping_mul(2) + u64::from(b.op == Op::Remove)
}

/// What Meta said of a batch: entries received, invalid, and samples of the invalid ones.
pub fn receipt(answer: &Value) -> Receipt {
    let samples = match &answer["invalid_entry_samples"] {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.as_str().map_or(v.to_string(), str::to_string)))
            .collect(),
        Value::Array(a) => a.iter().map(|v| v.to_string()).collect(),
        _ => vec![],
    };
    Receipt {
        received: answer["num_received"].as_u64(),
        invalid: answer["num_invalid_entries"].as_u64(),
        problems: samples.into_iter().take(MAX_PROBLEMS).collect(),
        ..Receipt::default()
    }
}

pub async fn send(
    client: &reqwest::Client,
    cfg: &DestinationConfig,
    b: &Batch<'_>,
) -> Result<Receipt, DestinationError> {
    let audience = cfg
        .meta_audience_id
        .as_deref()
        .ok_or(DestinationError::NotConfigured("Meta audience id"))?;
    let token = cfg
        .meta_access_token
        .as_deref()
        .ok_or(DestinationError::NotConfigured("Meta access token"))?;
    let body = payload(b, Some(token));
    let base = cfg.meta_base_url.trim_end_matches('/');
    let req = match b.op {
        Op::Add => client.post(format!("{base}/{audience}/users")),
        Op::Remove => client.delete(format!("{base}/{audience}/users")),
        // One session of batches replaces the audience; Meta drops whoever it does not name.
        Op::Replace => client.post(format!("{base}/{audience}/usersreplace")),
    };
    Ok(receipt(&json_of(req.json(&body).send().await).await?))
}
