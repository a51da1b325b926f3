//! Meta Custom Audiences: `{base}/{audience_id}/users` with a multi-key payload (`EMAIL, PHONE,
//! FN, LN, CT, ST, ZIP, COUNTRY`) of SHA-256 values normalised by Meta's rules (unknown = ""),
//! and a `session` that numbers the batches of one upload. Additions are `POST`, removals
//! `DELETE` on the same endpoint with the same body, as Meta's SDKs do; a replacement is a
//! session `POST`ed to `{audience_id}/usersreplace`.

use serde::Serialize;

use super::{Batch, DestinationConfig, DestinationError, Op, check};
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
    Body {
        session: Session {
            session_id: b.run_id,
            batch_seq: b.seq,
            last_batch_flag: b.seq == b.batches,
            estimated_num_total: b.total,
        },
        payload: Rows {
            schema: SCHEMA,
            is_raw: true,
            data: b.members.iter().map(row).collect(),
        },
        access_token,
    }
}

pub async fn send(
    client: &reqwest::Client,
    cfg: &DestinationConfig,
    b: &Batch<'_>,
) -> Result<(), DestinationError> {
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
    check(req.json(&body).send().await).await
}
