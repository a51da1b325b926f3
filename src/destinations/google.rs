//! Google Ads Customer Match through one offline user data job per sync run (REST, camelCase
//! JSON): the run's first batch creates a `CUSTOMER_MATCH_USER_LIST` job for the user list,
//! every batch adds its members as `create` (additions) or `remove`
//! (removals) operations, each addition with the member's own consent (`adUserData` and
//! `adPersonalization` from the customer's ads consent field), in requests of at most [`MAX_OPERATIONS`] to that job, and the run's last
//! batch runs it and polls its status (a GAQL search) until `SUCCESS` or `FAILED`, within a
//! bound (`google_poll_every` × `google_poll_max`).

use serde::Serialize;
use serde_json::{Value, json};

use super::config::required;
use super::{Batch, DestinationConfig, DestinationError, Op, Receipt, check, json_of};
use crate::domain::normalize::Contact;
use crate::domain::normalize::google::{Address, UserData, user_data};

/// `UserData` per `addOperations` request. Google caps a request at 100,000 identifiers and
/// recommends about 10,000 operations; with at most three identifiers per member this stays
/// well inside both.
pub const MAX_OPERATIONS: usize = 10_000;

/// The `offlineUserDataJobs:create` body. No job-wide consent: each member's own goes with
/// their operation ([`Wire::consent`]).
pub fn job_body(customer_id: &str, user_list_id: &str) -> Value {
    json!({ "job": {
        "type": "CUSTOMER_MATCH_USER_LIST",
        "customerMatchUserListMetadata": {
            "userList": format!("customers/{customer_id}/userLists/{user_list_id}"),
        },
    }})
}

/// A member's `Consent`: both purposes from the customer's ads consent.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    ad_user_data: &'static str,
    ad_personalization: &'static str,
}

impl Consent {
    fn of(ads_consent: bool) -> Self {
        let status = if ads_consent { "GRANTED" } else { "DENIED" };
        Consent {
            ad_user_data: status,
            ad_personalization: status,
        }
    }
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
    /// Set on additions from the member's consent field; left out when unknown (removals).
    #[serde(skip_serializing_if = "Option::is_none")]
    consent: Option<Consent>,
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
            consent: None,
        }
    }
}

/// The `operations` of the members Google can match on (others are skipped).
pub fn operations(op: Op, members: &[Contact]) -> Vec<Operation> {
    let remove = op == Op::Remove;
    members
        .iter()
        .map(|c| (user_data(c), c.ads_consent))
        .filter(|(u, _)| !u.is_empty())
        .map(|(u, consent)| {
            let wire = Wire::from(u);
            if remove {
                Operation::Remove(wire)
            } else {
                // Replacements are planned only for Meta; anything else named so is an addition.
                Operation::Create(Wire {
                    consent: consent.map(Consent::of),
                    ..wire
                })
            }
        })
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

/// Statuses of a job Google has finished with.
const FINAL: [&str; 2] = ["SUCCESS", "FAILED"];

/// Create the run's job; its resource name.
async fn create_job(
    client: &reqwest::Client,
    cfg: &DestinationConfig,
    customer: &str,
    list: &str,
) -> Result<String, DestinationError> {
    let base = cfg.google_base_url.trim_end_matches('/');
    let url = format!("{base}/customers/{customer}/offlineUserDataJobs:create");
    let created = json_of(
        request(client, cfg, url, &job_body(customer, list))?
            .send()
            .await,
    )
    .await?;
    created["resourceName"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| DestinationError::BadResponse("no job resourceName".into()))
}

/// The job's status and failure reason, read through a Google Ads Query Language search.
async fn job_status(
    client: &reqwest::Client,
    cfg: &DestinationConfig,
    customer: &str,
    job: &str,
) -> Result<(String, Option<String>), DestinationError> {
    let base = cfg.google_base_url.trim_end_matches('/');
    let query = format!(
        "SELECT offline_user_data_job.resource_name, offline_user_data_job.status, offline_user_data_job.failure_reason FROM offline_user_data_job WHERE offline_user_data_job.resource_name = '{job}'"
    );
    let url = format!("{base}/customers/{customer}/googleAds:search");
    let answer = json_of(
        request(client, cfg, url, &json!({ "query": query }))?
            .send()
            .await,
    )
    .await?;
    let row = &answer["results"][0]["offlineUserDataJob"];
    let status = row["status"]
        .as_str()
        .ok_or_else(|| DestinationError::BadResponse(format!("no status for job {job}")))?;
    Ok((
        status.to_string(),
        row["failureReason"].as_str().map(str::to_string),
    ))
}

/// Run the job, then check its status every `google_poll_every`, at most `google_poll_max`
/// times: `FAILED` fails the batch with Google's reason; a job still running at the bound is
/// reported as such (Google may take up to a day) and the batch stands as sent.
async fn run_and_wait(
    client: &reqwest::Client,
    cfg: &DestinationConfig,
    customer: &str,
    job: &str,
    r: &mut Receipt,
) -> Result<(), DestinationError> {
    let base = cfg.google_base_url.trim_end_matches('/');
    check(
        request(client, cfg, format!("{base}/{job}:run"), &json!({}))?
            .send()
            .await,
    )
    .await?;
    let mut status = String::from("RUNNING");
    for i in 0..cfg.google_poll_max {
        if i > 0 {
            tokio::time::sleep(cfg.google_poll_every).await;
        }
        let (now, reason) = job_status(client, cfg, customer, job).await?;
        status = now;
        if status == "FAILED" {
            return Err(DestinationError::Refused {
                code: 0,
                message: format!(
                    "Google's job {job} failed: {}",
                    reason.unwrap_or_else(|| "no reason given".into())
                ),
            });
        }
        if FINAL.contains(&status.as_str()) {
            break;
        }
    }
    if !FINAL.contains(&status.as_str()) {
        r.problems.push(format!(
            "job {job} still {status} after {} checks; Google can take up to a day",
            cfg.google_poll_max
        ));
    }
    r.job_status = Some(status);
    Ok(())
}

/// Add the batch's operations to the run's one job (created by its first batch that has any;
/// later batches get it in `b.job`); the run's last batch runs the job and waits for it.
pub async fn send(
    client: &reqwest::Client,
    cfg: &DestinationConfig,
    b: &Batch<'_>,
) -> Result<Receipt, DestinationError> {
    let customer = required(&cfg.google_customer_id, "Google customer id")?;
    let list = required(&cfg.google_user_list_id, "Google user list id")?;
    let ops = operations(b.op, b.members);
    let job = match b.job {
        Some(job) => job.to_string(),
        None if ops.is_empty() => return Ok(Receipt::default()),
        None => create_job(client, cfg, customer, list).await?,
    };
    let base = cfg.google_base_url.trim_end_matches('/');
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
    let mut r = Receipt {
        received: Some(ops.len() as u64),
        job: Some(job.clone()),
        ..Receipt::default()
    };
    if b.is_last() {
        run_and_wait(client, cfg, customer, &job, &mut r).await?;
    }
    Ok(r)
}
