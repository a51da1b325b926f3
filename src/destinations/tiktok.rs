//! TikTok custom audiences from customer files: the batch becomes one text file per identifier
//! type (one SHA-256 per line, `EMAIL_SHA256` and `PHONE_SHA256`), each uploaded to
//! `dmp/custom_audience/file/upload/` with the MD5 of its bytes as `file_signature`; then
//! `dmp/custom_audience/update/` applies the uploaded files to the audience with `APPEND`
//! (additions) or `REMOVE` (removals). TikTok answers HTTP 200 with a non-zero `code` when it
//! refuses a request, so the body's code is checked too.

use md5::{Digest, Md5};
use serde_json::{Value, json};

use super::config::required;
use super::{Batch, DestinationConfig, DestinationError, Op, Receipt, json_of};
use crate::domain::normalize::Contact;
use crate::domain::normalize::tiktok::hashes;

/// One customer file: its `calculate_type` and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub calculate_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The batch's files, one per identifier type present (one hash per line).
pub fn files(members: &[Contact]) -> Vec<File> {
    let (mut emails, mut phones) = (String::new(), String::new());
    for (e, p) in members.iter().map(hashes) {
        for (line, file) in [(e, &mut emails), (p, &mut phones)] {
            if let Some(h) = line {
                file.push_str(&h);
                file.push('\n');
            }
        }
    }
    [("EMAIL_SHA256", emails), ("PHONE_SHA256", phones)]
        .into_iter()
        .filter(|(_, f)| !f.is_empty())
        .map(|(calculate_type, f)| File {
            calculate_type,
            bytes: f.into_bytes(),
        })
        .collect()
}

/// `file_signature`: lowercase hex MD5 of the file's bytes.
pub fn signature(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// `data` of a TikTok answer whose `code` is 0, else the refusal.
fn data(v: Value) -> Result<Value, DestinationError> {
    match v["code"].as_i64() {
        Some(0) => Ok(v["data"].clone()),
        code => Err(DestinationError::Refused {
            code: code.unwrap_or(-1),
            message: v["message"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect(),
        }),
    }
}

async fn upload(
    client: &reqwest::Client,
    cfg: &DestinationConfig,
    name: String,
    f: File,
) -> Result<String, DestinationError> {
    let form = reqwest::multipart::Form::new()
        .text(
            "advertiser_id",
            required(&cfg.tiktok_advertiser_id, "TikTok advertiser id")?.to_string(),
        )
        .text("calculate_type", f.calculate_type)
        .text("file_signature", signature(&f.bytes))
        .part(
            "file",
            reqwest::multipart::Part::bytes(f.bytes)
                .file_name(name)
                .mime_str("text/plain")
                .expect("valid mime"),
        );
    let url = format!(
        "{}/dmp/custom_audience/file/upload/",
        cfg.tiktok_base_url.trim_end_matches('/')
    );
    let token = required(&cfg.tiktok_access_token, "TikTok access token")?;
    let answer = data(
        json_of(
            client
                .post(url)
                .header("Access-Token", token)
                .multipart(form)
                .send()
                .await,
        )
        .await?,
    )?;
    answer["file_path"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| DestinationError::BadResponse("no file_path".into()))
}

pub async fn send(
    client: &reqwest::Client,
    cfg: &DestinationConfig,
    b: &Batch<'_>,
) -> Result<Receipt, DestinationError> {
    let audience = required(&cfg.tiktok_audience_id, "TikTok audience id")?;
    let token = required(&cfg.tiktok_access_token, "TikTok access token")?;
    let mut paths = Vec::new();
    for f in files(b.members) {
        let name = format!(
            "{}-{}.txt",
            b.idempotency_key(),
            f.calculate_type.to_ascii_lowercase()
        );
        paths.push(upload(client, cfg, name, f).await?);
    }
    if paths.is_empty() {
        return Ok(Receipt::default());
    }
    let action = match b.op {
        Op::Add | Op::Replace => "APPEND",
        Op::Remove => "REMOVE",
    };
    let body = json!({
        "advertiser_id": cfg.tiktok_advertiser_id, "custom_audience_id": audience,
        "file_paths": paths, "action": action,
    });
    let url = format!(
        "{}/dmp/custom_audience/update/",
        cfg.tiktok_base_url.trim_end_matches('/')
    );
    data(
        json_of(
            client
                .post(url)
                .header("Access-Token", token)
                .json(&body)
                .send()
                .await,
        )
        .await?,
    )
    .map(|_| Receipt::default())
}
