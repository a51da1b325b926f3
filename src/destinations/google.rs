//! Google Ads Customer Match through an offline user data job (REST, camelCase JSON): create a
//! `CUSTOMER_MATCH_USER_LIST` job for the user list with consent `adUserData` and
//! `adPersonalization` GRANTED, add the batch's members as `create` (additions) or `remove`
//! (removals) operations in requests of at most [`MAX_OPERATIONS`], then run the job. Google
//! processes the job asynchronously (hours); a batch is delivered once the job runs.

use serde::Serialize;
use serde_json::{Value, json};

use super::config::required;
use super::{Batch, DestinationConfig, DestinationError, Op, check, json_of};
use crate::domain::normalize::Contact;
use crate::domain::normalize::google::{Address, UserData, user_data};

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

/// One operation of `addOperations`: `{"create": UserData}` or `{"remove": UserData}`. Typed,
/// so serialising writes the hashes straight out instead of building a `Value` tree first.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Operation {
    Create(Wire),
    Remove(Wire),
}

/// A `UserData` on the wire: one identifier per kind (`UserIdentifier` is a oneof).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Wire {
    user_identifiers: Vec<Identifier>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
enum Identifier {
    HashedEmail(String),
    HashedPhoneNumber(String),
    AddressInfo(AddressInfo),
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AddressInfo {
    hashed_first_name: String,
    hashed_last_name: String,
    country_code: String,
    postal_code: String,
}

impl From<UserData> for Wire {
    fn from(u: UserData) -> Self {
        let address = u.address.map(|a: Address| {
            Identifier::AddressInfo(AddressInfo {
                hashed_first_name: a.hashed_first_name,
                hashed_last_name: a.hashed_last_name,
                country_code: a.country_code,
                postal_code: a.postal_code,
            })
        });
        let ids = [
            u.hashed_email.map(Identifier::HashedEmail),
            u.hashed_phone_number.map(Identifier::HashedPhoneNumber),
            address,
        ];
        Wire {
            user_identifiers: ids.into_iter().flatten().collect(),
        }
    }
}

/// The `operations` of the members Google can match on (others are skipped).
pub fn operations(op: Op, members: &[Contact]) -> Vec<Operation> {
    let wrap = match op {
        // Replacements are planned only for Meta; anything else named so is an addition.
        Op::Add | Op::Replace => Operation::Create,
        Op::Remove => Operation::Remove,
    };
    members
        .iter()
        .map(user_data)
        .filter(|u| !u.is_empty())
        .map(|u| wrap(u.into()))
        .collect()
}

/// The `addOperations` body of one request.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddOperations<'a> {
    enable_partial_failure: bool,
    operations: &'a [Operation],
}

impl<'a> AddOperations<'a> {
    pub fn new(operations: &'a [Operation]) -> Self {
        AddOperations {
            enable_partial_failure: true,
            operations,
        }
    }
}

/// A request with the Google Ads headers.
fn request(
    client: &reqwest::Client,
    cfg: &DestinationConfig,
    url: String,
    body: &impl Serialize,
) -> Result<reqwest::RequestBuilder, DestinationError> {
    let mut req = client
        .post(url)
        .bearer_auth(required(&cfg.google_access_token, "Google access token")?)
        .header(
            "developer-token",
            required(&cfg.google_developer_token, "Google developer token")?,
        )
        .json(body);
    if let Some(manager) = &cfg.google_login_customer_id {
        req = req.header("login-customer-id", manager);
    }
    Ok(req)
}

pub async fn send(
    client: &reqwest::Client,
    cfg: &DestinationConfig,
    b: &Batch<'_>,
) -> Result<(), DestinationError> {
    let customer = required(&cfg.google_customer_id, "Google customer id")?;
    let list = required(&cfg.google_user_list_id, "Google user list id")?;
    let ops = operations(b.op, b.members);
    if ops.is_empty() {
        return Ok(());
    }
    let base = cfg.google_base_url.trim_end_matches('/');
    let created = json_of(
        request(
            client,
            cfg,
            format!("{base}/customers/{customer}/offlineUserDataJobs:create"),
            &job_body(customer, list),
        )?
        .send()
        .await,
    )
    .await?;
    let job = created["resourceName"]
        .as_str()
        .ok_or_else(|| DestinationError::BadResponse("no job resourceName".into()))?;
    for chunk in ops.chunks(MAX_OPERATIONS) {
        check(
            request(
                client,
                cfg,
                format!("{base}/{job}:addOperations"),
                &AddOperations::new(chunk),
            )?
            .send()
            .await,
        )
        .await?;
    }
    check(
        request(client, cfg, format!("{base}/{job}:run"), &json!({}))?
            .send()
            .await,
    )
    .await
}
