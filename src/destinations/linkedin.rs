//! LinkedIn Matched Audiences: `POST {base}/dmpSegments/{id}/users` as a Rest.li `BATCH_CREATE`
//! of elements `{action: ADD|REMOVE, userIds: [{idType: SHA256_EMAIL, idValue}]}`, at most
//! [`MAX_ELEMENTS`] per request. Members without an email cannot be matched and are skipped.
//! LinkedIn answers each element with its own status (`{"elements": [{"status": 201}, …]}`):
//! the failed ones are counted as invalid in the batch's [`Receipt`], with their reasons; a
//! request whose every element failed fails the batch.

use serde::Serialize;

use super::config::required;
use serde_json::Value;

use super::{Batch, DestinationConfig, DestinationError, MAX_PROBLEMS, Op, Receipt, json_of};
use crate::domain::normalize::Contact;
use crate::domain::normalize::linkedin::hashed_email;

/// Elements per request: the commonly cited limit of the DMP segment users API.
pub const MAX_ELEMENTS: usize = 5_000;

/// One element of the `BATCH_CREATE`, typed so serialising writes the hashes straight out.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Element {
    action: &'static str,
    user_ids: [UserId; 1],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct UserId {
    id_type: &'static str,
    id_value: String,
}

/// The request body: `{"elements": [...]}`.
#[derive(Debug, Serialize)]
pub struct Elements<'a> {
    pub elements: &'a [Element],
}

/// The elements of the members LinkedIn can match on.
pub fn elements(op: Op, members: &[Contact]) -> Vec<Element> {
    let action = match op {
        Op::Add | Op::Replace => "ADD",
        Op::Remove => "REMOVE",
    };
    members
        .iter()
        .filter_map(hashed_email)
        .map(|h| Element {
            action,
            user_ids: [UserId {
                id_type: "SHA256_EMAIL",
                id_value: h,
            }],
        })
        .collect()
}

/// Count the per-element statuses of one answer into `r` (an element without a status, or an
/// answer without elements, counts as received: LinkedIn said nothing against it).
pub fn count_statuses(answer: &Value, sent: usize, r: &mut Receipt) {
    let statuses = answer["elements"].as_array().cloned().unwrap_or_default();
    let mut failed = 0;
    for (i, e) in statuses.iter().enumerate() {
        let status = e["status"].as_u64().unwrap_or(200);
        if status >= 300 {
            failed += 1;
            if r.problems.len() < MAX_PROBLEMS {
                let why = e["message"]
                    .as_str()
                    .or(e["error"]["message"].as_str())
                    .unwrap_or("no reason given");
                r.problems
                    .push(format!("element {}: {status} {why}", i + 1));
            }
        }
    }
    *r.received.get_or_insert(0) += (sent - failed.min(sent)) as u64;
    *r.invalid.get_or_insert(0) += failed as u64;
}

pub async fn send(
    client: &reqwest::Client,
    cfg: &DestinationConfig,
    b: &Batch<'_>,
) -> Result<Receipt, DestinationError> {
    let segment = required(&cfg.linkedin_segment_id, "LinkedIn segment id")?;
    let token = required(&cfg.linkedin_access_token, "LinkedIn access token")?;
    let url = format!(
        "{}/dmpSegments/{segment}/users",
        cfg.linkedin_base_url.trim_end_matches('/')
    );
    let mut receipt = Receipt::default();
    for chunk in elements(b.op, b.members).chunks(MAX_ELEMENTS) {
        let req = client
            .post(&url)
            .bearer_auth(token)
            .header("LinkedIn-Version", &cfg.linkedin_version)
            .header("X-Restli-Protocol-Version", "2.0.0")
            .header("X-RestLi-Method", "BATCH_CREATE")
            .json(&Elements { elements: chunk });
        let answer = json_of(req.send().await).await?;
        let before = receipt.invalid.unwrap_or(0);
        count_statuses(&answer, chunk.len(), &mut receipt);
        if receipt.invalid.unwrap_or(0) - before == chunk.len() as u64 {
            return Err(DestinationError::Refused {
                code: 400,
                message: format!(
                    "LinkedIn refused every element of the request: {}",
                    receipt.problems.join("; ")
                ),
            });
        }
    }
    Ok(receipt)
}
