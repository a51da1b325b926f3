//! LinkedIn Matched Audiences: `POST {base}/dmpSegments/{id}/users` as a Rest.li `BATCH_CREATE`
//! of elements `{action: ADD|REMOVE, userIds: [{idType: SHA256_EMAIL, idValue}]}`, at most
//! [`MAX_ELEMENTS`] per request. Members without an email cannot be matched and are skipped.

use serde_json::{Value, json};

use super::config::required;
use super::{Batch, DestinationConfig, DestinationError, Op, check};
use crate::domain::normalize::Contact;
use crate::domain::normalize::linkedin::hashed_email;

/// Elements per request: the commonly cited limit of the DMP segment users API.
pub const MAX_ELEMENTS: usize = 5_000;

/// The elements of the members LinkedIn can match on.
pub fn elements(op: Op, members: &[Contact]) -> Vec<Value> {
    let action = match op {
        Op::Add => "ADD",
        Op::Remove => "REMOVE",
    };
    members.iter().filter_map(hashed_email).map(|h| json!({ "action": action, "userIds": [{ "idType": "SHA256_EMAIL", "idValue": h }] })).collect()
}

pub async fn send(client: &reqwest::Client, cfg: &DestinationConfig, b: &Batch<'_>) -> Result<(), DestinationError> {
    let segment = required(&cfg.linkedin_segment_id, "LinkedIn segment id")?;
    let token = required(&cfg.linkedin_access_token, "LinkedIn access token")?;
    let url = format!("{}/dmpSegments/{segment}/users", cfg.linkedin_base_url.trim_end_matches('/'));
    for chunk in elements(b.op, b.members).chunks(MAX_ELEMENTS) {
        let req = client
            .post(&url)
            .bearer_auth(token)
            .header("LinkedIn-Version", &cfg.linkedin_version)
            .header("X-Restli-Protocol-Version", "2.0.0")
            .header("X-RestLi-Method", "BATCH_CREATE")
            .json(&json!({ "elements": chunk }));
        check(req.send().await).await?;
    }
    Ok(())
}
