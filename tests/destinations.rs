//! Each ad-platform client against a fake server on 127.0.0.1 that records every request:
//! the right method, path and headers, the platform's payload shape, and identifiers normalised
//! and hashed by that platform's rules (the documented example values).

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use serde_json::{Value, json};

use segwright::destinations::{self, Batch, DestinationConfig, Op};
use segwright::domain::normalize::Contact;
use segwright::domain::policy::Destination;

const EMAIL: &str = "86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d";
const META_PHONE: &str = "758fbf68945f21c416814c539ab578876c8d98fb69e6da692def92cd52417fe0";
const GOOGLE_PHONE: &str = "cb6880e416769253645cb9c6b8989154bf66a56a77fc14c81fb1019663cbb928";
const JANE: &str = "81f8f6dde88365f3928796ec7aa53f72820b06db8664f5fe76a7eb13e24546a2";
const DOE: &str = "799ef92a11af918e3fb741df42934f3b568ed2d93ac1df74f1b8d41a27932a6f";

/// A request as the fake server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

impl Seen {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
    fn header(&self, k: &str) -> &str {
        self.headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// A server answering every request with what each platform returns on success.
async fn fake_platforms() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let router = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
        let log = log.clone();
        async move {
            let path = uri.path().to_string();
            let answer = if path.ends_with("offlineUserDataJobs:create") {
                json!({"resourceName": "customers/123/offlineUserDataJobs/555"})
            } else if path.ends_with("googleAds:search") {
                json!({"results": [{"offlineUserDataJob": {"status": "SUCCESS"}}]})
            } else if path.ends_with("file/upload/") {
                json!({"code": 0, "message": "OK", "data": {"file_path": format!("path-{}", log.lock().unwrap().len())}})
            } else {
                json!({"code": 0, "message": "OK", "data": {}})
            };
            log.lock().unwrap().push(Seen { method, path, headers, body });
            axum::Json(answer)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, seen)
}

fn config(base: &str) -> DestinationConfig {
    DestinationConfig {
        meta_base_url: format!("{base}/meta"),
        meta_audience_id: Some("aud-1".into()),
        meta_access_token: Some("meta-token".into()),
        google_base_url: format!("{base}/google/v26"),
        google_customer_id: Some("123".into()),
        google_user_list_id: Some("987".into()),
        google_login_customer_id: Some("456".into()),
        google_developer_token: Some("dev-token".into()),
        google_access_token: Some("g-token".into()),
        linkedin_base_url: format!("{base}/linkedin"),
        linkedin_segment_id: Some("seg-9".into()),
        linkedin_access_token: Some("li-token".into()),
        tiktok_base_url: format!("{base}/tiktok"),
        tiktok_advertiser_id: Some("adv-7".into()),
        tiktok_audience_id: Some("ca-3".into()),
        tiktok_access_token: Some("tt-token".into()),
        ..Default::default()
    }
}

/// The documented example person, and one with an email only.
fn members() -> Vec<Contact> {
    let jane = Contact {
        external_id: "c1".into(),
        email: Some(" Jane.Doe@Example.com ".into()),
        phone: Some("+1 (415) 555-2671".into()),
        first_name: Some("Jane".into()),
        last_name: Some("Doe".into()),
        country: Some("US".into()),
        region: Some("California".into()),
        city: Some("San Francisco".into()),
        postal_code: Some("94105-1234".into()),
        ads_consent: Some(true),
    };
    let ann = Contact {
        external_id: "c2".into(),
        email: Some("ann@example.com".into()),
        ..Default::default()
    };
    vec![
        jane,
        ann,
        Contact {
            external_id: "c3".into(),
            ..Default::default()
        },
    ]
}

fn batch(op: Op, members: &[Contact]) -> Batch<'_> {
    Batch {
        op,
        segment_id: "s1",
        version: 1,
        approval_hash: "h",
        run_id: 42,
        seq: 1,
        batches: 1,
        total: members.len(),
        members,
        ..Default::default()
    }
}

async fn deliver(d: Destination, op: Op, members: &[Contact]) -> Vec<Seen> {
    let (base, seen) = fake_platforms().await;
    destinations::send(
        d,
        &reqwest::Client::new(),
        &config(&base),
        &batch(op, members),
    )
    .await
    .unwrap();
    seen.lock().unwrap().clone()
}

#[tokio::test]
async fn meta_removals_use_delete_on_the_users_endpoint_with_the_same_payload() {
    let seen = deliver(Destination::Meta, Op::Remove, &members()).await;
    assert_eq!(
        (seen.len(), &seen[0].method, seen[0].path.as_str()),
        (1, &Method::DELETE, "/meta/aud-1/users")
    );
    let body = seen[0].json();
    assert_eq!(body["access_token"], "meta-token");
    assert_eq!(
        body["payload"]["schema"],
        json!(["EMAIL", "PHONE", "FN", "LN", "CT", "ST", "ZIP", "COUNTRY"])
    );
    let jane = &body["payload"]["data"][0];
    assert_eq!(
        (
            jane[0].as_str(),
            jane[1].as_str(),
            jane[2].as_str(),
            jane[3].as_str()
        ),
        (Some(EMAIL), Some(META_PHONE), Some(JANE), Some(DOE))
    );
    assert_eq!(
        jane[5], "6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126",
        "California is sent as `ca`"
    );
    assert_eq!(body["payload"]["data"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn google_creates_a_job_adds_hashed_operations_with_each_members_consent_and_runs_it() {
    let seen = deliver(Destination::Google, Op::Add, &members()).await;
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/google/v26/customers/123/offlineUserDataJobs:create",
            "/google/v26/customers/123/offlineUserDataJobs/555:addOperations",
            "/google/v26/customers/123/offlineUserDataJobs/555:run",
            "/google/v26/customers/123/googleAds:search"
        ]
    );
    assert!(
        seen[3].json()["query"]
            .as_str()
            .unwrap()
            .contains("offline_user_data_job.status"),
        "the job's status is read back after it runs"
    );
    for s in &seen {
        assert_eq!(
            (
                s.header("authorization"),
                s.header("developer-token"),
                s.header("login-customer-id")
            ),
            ("Bearer g-token", "dev-token", "456")
        );
    }
    let job = seen[0].json();
    assert_eq!(job["job"]["type"], "CUSTOMER_MATCH_USER_LIST");
    assert_eq!(
        job["job"]["customerMatchUserListMetadata"]["userList"],
        "customers/123/userLists/987"
    );
    assert!(
        job["job"]["customerMatchUserListMetadata"]
            .get("consent")
            .is_none(),
        "no consent claimed for everyone: {job}"
    );
    let ops = seen[1].json()["operations"].clone();
    assert_eq!(
        ops.as_array().unwrap().len(),
        2,
        "the member with no identifier is skipped: {ops}"
    );
    assert_eq!(
        ops[0]["create"]["consent"],
        json!({"adUserData": "GRANTED", "adPersonalization": "GRANTED"}),
        "Jane's own consent"
    );
    assert!(
        ops[1]["create"].get("consent").is_none(),
        "Ann's consent is unknown, so none is claimed: {ops}"
    );
    let refused = Contact {
        ads_consent: Some(false),
        ..members()[1].clone()
    };
    let op = serde_json::to_value(destinations::google::operations(Op::Add, &[refused])).unwrap();
    assert_eq!(
        op[0]["create"]["consent"],
        json!({"adUserData": "DENIED", "adPersonalization": "DENIED"})
    );
    assert_eq!(
        ops[0]["create"]["userIdentifiers"],
        json!([
            {"hashedEmail": EMAIL},
            {"hashedPhoneNumber": GOOGLE_PHONE},
            {"addressInfo": {"hashedFirstName": JANE, "hashedLastName": DOE, "countryCode": "US", "postalCode": "94105"}},
        ])
    );
}

#[tokio::test]
async fn google_removals_are_remove_operations_split_within_the_request_limit() {
    let many: Vec<Contact> = (0..destinations::google::MAX_OPERATIONS + 1)
        .map(|i| Contact {
            external_id: format!("m{i}"),
            email: Some(format!("m{i}@example.com")),
            ..Default::default()
        })
        .collect();
    let seen = deliver(Destination::Google, Op::Remove, &many).await;
    let adds: Vec<Value> = seen
        .iter()
        .filter(|s| s.path.ends_with(":addOperations"))
        .map(Seen::json)
        .collect();
    let sizes: Vec<usize> = adds
        .iter()
        .map(|b| b["operations"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [destinations::google::MAX_OPERATIONS, 1]);
    assert!(adds[1]["operations"][0]["remove"]["userIdentifiers"][0]["hashedEmail"].is_string());
    assert!(
        adds[1]["operations"][0]["remove"].get("consent").is_none(),
        "a removal needs no consent"
    );
    assert!(seen[seen.len() - 2].path.ends_with(":run"));
}

#[tokio::test]
async fn linkedin_receives_hashed_emails_as_a_restli_batch_create() {
    let seen = deliver(Destination::Linkedin, Op::Add, &members()).await;
    assert_eq!(
        (seen.len(), &seen[0].method, seen[0].path.as_str()),
        (1, &Method::POST, "/linkedin/dmpSegments/seg-9/users")
    );
    let s = &seen[0];
    assert_eq!(
        (
            s.header("authorization"),
            s.header("x-restli-method"),
            s.header("x-restli-protocol-version")
        ),
        ("Bearer li-token", "BATCH_CREATE", "2.0.0")
    );
    assert_eq!(s.header("linkedin-version"), "202610");
    let elements = s.json()["elements"].clone();
    assert_eq!(
        elements[0],
        json!({"action": "ADD", "userIds": [{"idType": "SHA256_EMAIL", "idValue": EMAIL}]})
    );
    assert_eq!(
        elements.as_array().unwrap().len(),
        2,
        "only members with an email"
    );
}

#[tokio::test]
async fn tiktok_uploads_one_signed_file_per_identifier_then_updates_the_audience() {
    let seen = deliver(Destination::Tiktok, Op::Remove, &members()).await;
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/tiktok/dmp/custom_audience/file/upload/",
            "/tiktok/dmp/custom_audience/file/upload/",
            "/tiktok/dmp/custom_audience/update/"
        ]
    );
    assert!(seen.iter().all(|s| s.header("access-token") == "tt-token"));
    let emails = format!(
        "{EMAIL}\n{}\n",
        segwright::domain::normalize::sha256_hex("ann@example.com")
    );
    let upload = String::from_utf8(seen[0].body.to_vec()).unwrap();
    assert!(
        seen[0]
            .header("content-type")
            .starts_with("multipart/form-data")
    );
    for (field, value) in [
        ("advertiser_id", "adv-7"),
        ("calculate_type", "EMAIL_SHA256"),
        (
            "file_signature",
            &destinations::tiktok::signature(emails.as_bytes()),
        ),
    ] {
        assert!(
            upload.contains(&format!("name=\"{field}\"\r\n\r\n{value}\r\n")),
            "{field} missing from {upload}"
        );
    }
    assert!(
        upload.contains(&format!("\r\n\r\n{emails}\r\n")),
        "one hash per line: {upload}"
    );
    assert!(
        String::from_utf8_lossy(&seen[1].body).contains(&"PHONE_SHA256\r\n".to_string())
            && String::from_utf8_lossy(&seen[1].body).contains(META_PHONE)
    );
    assert_eq!(
        seen[2].json(),
        json!({"advertiser_id": "adv-7", "custom_audience_id": "ca-3", "file_paths": ["path-0", "path-1"], "action": "REMOVE"})
    );
}

#[tokio::test]
async fn a_tiktok_refusal_in_a_200_answer_is_an_error() {
    let router = axum::Router::new()
        .fallback(|| async { axum::Json(json!({"code": 40001, "message": "bad advertiser"})) });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let m = members();
    let err = destinations::send(
        Destination::Tiktok,
        &reqwest::Client::new(),
        &config(&base),
        &batch(Op::Add, &m),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("40001"), "{err}");
}

/// A server answering every request with `answer`.
async fn answering(answer: Value) -> String {
    let router = axum::Router::new().fallback(move || {
        let answer = answer.clone();
        async move { axum::Json(answer) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

#[tokio::test]
async fn linkedin_elements_refused_one_by_one_are_counted_as_invalid_with_their_reasons() {
    let base = answering(json!({"elements": [
        {"status": 201},
        {"status": 400, "message": "idValue is not a SHA-256"}
    ]}))
    .await;
    let m = members();
    let receipt = destinations::send(
        Destination::Linkedin,
        &reqwest::Client::new(),
        &config(&base),
        &batch(Op::Add, &m),
    )
    .await
    .unwrap();
    assert_eq!((receipt.received, receipt.invalid), (Some(1), Some(1)));
    assert!(
        receipt.problems[0].contains("element 2: 400 idValue is not a SHA-256"),
        "{receipt:?}"
    );

    let base = answering(json!({"elements": [{"status": 400}, {"status": 422}]})).await;
    let err = destinations::send(
        Destination::Linkedin,
        &reqwest::Client::new(),
        &config(&base),
        &batch(Op::Add, &m),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("refused every element"), "{err}");
}

#[tokio::test]
async fn a_google_job_that_fails_fails_the_last_batch_with_googles_reason() {
    let router = axum::Router::new().fallback(|uri: Uri| async move {
        let path = uri.path();
        axum::Json(if path.ends_with(":create") {
            json!({"resourceName": "customers/123/offlineUserDataJobs/9"})
        } else if path.ends_with("googleAds:search") {
            json!({"results": [{"offlineUserDataJob": {"status": "FAILED", "failureReason": "INSUFFICIENT_MATCHED_TRANSACTIONS"}}]})
        } else {
            json!({})
        })
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let m = members();
    let err = destinations::send(
        Destination::Google,
        &reqwest::Client::new(),
        &config(&base),
        &batch(Op::Add, &m),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("INSUFFICIENT_MATCHED_TRANSACTIONS"),
        "{err}"
    );
}
