//! LinkedIn Matched Audiences: `POST {base}/dmpSegments/{id}/users` as a Rest.li `BATCH_CREATE`
//! of elements `{action: ADD|REMOVE, userIds: [{idType: SHA256_EMAIL, idValue}]}`, at most
//! [`MAX_ELEMENTS`] per request. Members without an email cannot be matched and are skipped.

use serde::Serialize;

use super::config::required;
use super::{Batch, DestinationConfig, DestinationError, Op, check};
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

pub async fn send(
    client: &reqwest::Client,
    cfg: &DestinationConfig,
    b: &Batch<'_>,
) -> Result<(), DestinationError> {
    let segment = required(&cfg.linkedin_segment_id, "LinkedIn segment id")?;
    let token = required(&cfg.linkedin_access_token, "LinkedIn access token")?;
    let url = format!(
        "{}/dmpSegments/{segment}/users",
        cfg.linkedin_base_url.trim_end_matches('/')
    );
    for chunk in elements(b.op, b.members).chunks(MAX_ELEMENTS) {
        let req = client
            .post(&url)
            .bearer_auth(token)
            .header("LinkedIn-Version", &cfg.linkedin_version)
            .header("X-Restli-Protocol-Version", "2.0.0")
            .header("X-RestLi-Method", "BATCH_CREATE")
            .json(&Elements { elements: chunk });
        check(req.send().await).await?;
    }
    Ok(())
}
