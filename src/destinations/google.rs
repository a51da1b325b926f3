//! Google Ads Customer Match through an offline user data job (REST, camelCase JSON): create a
//! `CUSTOMER_MATCH_USER_LIST` job for the user list with consent `adUserData` and
//! `adPersonalization` GRANTED, add the batch's members as `create` (additions) or `remove`
//! (removals) operations in requests of at most [`MAX_OPERATIONS`], then run the job. Google
//! processes the job asynchronously (hours); a batch is delivered once the job runs.

use serde_json::{Value, json};

use super::config::required;
use super::{Batch, DestinationConfig, DestinationError, Op, check, json_of};
use crate::domain::normalize::Contact;
use crate::domain::normalize::google::{UserData, user_data};

/// `UserData` per `addOperations` request. Google caps a request at 100,000 identifiers and
/// recommends about 10,000 operations; with at most three identifiers per member this stays
/// well inside both.
pub const MAX_OPERATIONS: usize = 10_000;

/// The `offlineUserDataJobs:create` body.
pub fn job_body(customer_id: &str, user_list_id: &str) -> Value {
    json!({ "job": {
        "type": "CUSTOMER_MATCH_USER_LIST",
        "customerMatchUserListMetadata": {
            "userList": format!("customers/{customer_id}/userLists/{user_list_id}"),
            "consent": { "adUserData": "GRANTED", "adPersonalization": "GRANTED" },
        },
    }})
}

/// One member as a `UserData` with one identifier per kind (`UserIdentifier` is a oneof).
fn user_json(u: &UserData) -> Value {
    let mut ids = Vec::new();
    if let Some(e) = &u.hashed_email {
        ids.push(json!({ "hashedEmail": e }));
    }
    if let Some(p) = &u.hashed_phone_number {
        ids.push(json!({ "hashedPhoneNumber": p }));
    }
    if let Some(a) = &u.address {
        ids.push(json!({ "addressInfo": {
            "hashedFirstName": a.hashed_first_name, "hashedLastName": a.hashed_last_name,
            "countryCode": a.country_code, "postalCode": a.postal_code,
        }}));
    }
    json!({ "userIdentifiers": ids })
}

/// The `operations` of the members Google can match on (others are skipped).
pub fn operations(op: Op, members: &[Contact]) -> Vec<Value> {
    let kind = match op {
        Op::Add => "create",
        Op::Remove => "remove",
    };
    members.iter().map(user_data).filter(|u| !u.is_empty()).map(|u| json!({ kind: user_json(&u) })).collect()
}

/// A request with the Google Ads headers.
fn request(client: &reqwest::Client, cfg: &DestinationConfig, url: String, body: &Value) -> Result<reqwest::RequestBuilder, DestinationError> {
    let mut req = client
        .post(url)
        .bearer_auth(required(&cfg.google_access_token, "Google access token")?)
        .header("developer-token", required(&cfg.google_developer_token, "Google developer token")?)
        .json(body);
    if let Some(manager) = &cfg.google_login_customer_id {
        req = req.header("login-customer-id", manager);
    }
    Ok(req)
}

pub async fn send(client: &reqwest::Client, cfg: &DestinationConfig, b: &Batch<'_>) -> Result<(), DestinationError> {
    let customer = required(&cfg.google_customer_id, "Google customer id")?;
    let list = required(&cfg.google_user_list_id, "Google user list id")?;
    let ops = operations(b.op, b.members);
    if ops.is_empty() {
        return Ok(());
    }
    let base = cfg.google_base_url.trim_end_matches('/');
    let created =
        json_of(request(client, cfg, format!("{base}/customers/{customer}/offlineUserDataJobs:create"), &job_body(customer, list))?.send().await).await?;
    let job = created["resourceName"].as_str().ok_or_else(|| DestinationError::BadResponse("no job resourceName".into()))?;
    for chunk in ops.chunks(MAX_OPERATIONS) {
        let body = json!({ "enablePartialFailure": true, "operations": chunk });
        check(request(client, cfg, format!("{base}/{job}:addOperations"), &body)?.send().await).await?;
    }
    check(request(client, cfg, format!("{base}/{job}:run"), &json!({}))?.send().await).await
}
