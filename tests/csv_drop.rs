//! Issue 17, "a choice that cannot work is never offered": the `csv` destination is a real file
//! drop (one CSV file per sync run, published whole through a temp file and a rename, with a
//! manifest), offered only once its directory is configured; `email` (no SMTP) is refused with a
//! structured error wherever it is named.

mod common;

use std::path::Path;

use axum::http::StatusCode;
use serde_json::{Value, json};

use common::api::TestApp;
use common::web::{page, part, sign_in};
use segwright::app::ImportOptions;
use segwright::domain::import::Kind;
use segwright::domain::normalize::sha256_hex;

/// A saved segment of the US customers (the marketer's); its id.
async fn us_segment(app: &TestApp) -> String {
    let def =
        json!({"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}});
    let (_, seg) = app
        .json_as(
            Some(&app.marketer),
            "POST",
            "/api/segments",
            Some(json!({"name": "us", "definition": def})),
        )
        .await;
    seg["id"].as_str().unwrap().to_string()
}

/// The `.csv` files of the drop directory, and every other entry (temp files, parts).
fn listing(dir: &Path) -> (Vec<String>, Vec<String>) {
    let mut csv = Vec::new();
    let mut other = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        if name.ends_with(".csv") {
            csv.push(name);
        } else if !name.ends_with(".manifest.json") {
            other.push(name);
        }
    }
    csv.sort();
    (csv, other)
}

#[tokio::test]
async fn each_sync_drops_one_complete_csv_file_with_a_manifest_and_nothing_half_written() {
    let drop = tempfile::tempdir().unwrap();
    let dir = drop.path().to_path_buf();
    let app = TestApp::spawn_with_settings(|s| {
        s.governance.destinations.csv_dir = Some(dir.to_string_lossy().into());
        s.governance.destinations.batch_size = 2;
    })
    .await;
    let csv = "customer_id,email,phone,country\nm1,m1@example.com,+1 415 555 2671,US\nm2,m2@example.com,,US\nm3,,,US\n";
    let (_tmp, path) = common::write_file("more.csv", csv);
    let opts = ImportOptions::new(Kind::Customers, path, vec![], false, None, false);
    app.app
        .import(opts, &segwright::app::Actor::cli())
        .await
        .unwrap();
    app.app
        .suppress("external_id", "c2", &segwright::app::Actor::cli())
        .await
        .unwrap();

    let id = us_segment(&app).await;
    assert!(
        offered(&app, &id).await.contains("value=\"csv\""),
        "offered once configured"
    );
    let (s, v) = app
        .segment_action(
            &app.marketer,
            &id,
            "submit",
            json!({"destinations": ["csv"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    app.segment_action(&app.manager, &id, "approve", json!({}))
        .await;
    let (s, activated) = app
        .segment_action(&app.manager, &id, "activate", json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{activated}");
    let run = activated["sync_run"].as_i64().unwrap();

    // Four members in two batches: after the first, no file is visible yet.
    assert!(app.app.sync_once(&reqwest::Client::new()).await.unwrap());
    assert_eq!(
        listing(&dir).0,
        Vec::<String>::new(),
        "no partial file is ever published"
    );
    app.app.drain_syncs().await.unwrap();
    let (_, report) = app
        .json_as(
            Some(&app.manager),
            "GET",
            &format!("/api/syncs/{run}"),
            None,
        )
        .await;
    assert_eq!(report["status"], "delivered", "{report}");
    assert_eq!(report["destinations"][0]["members_accepted"], 4, "{report}");

    let (files, other) = listing(&dir);
    assert_eq!(files.len(), 1, "one file per sync: {files:?}");
    assert!(
        files[0].ends_with(&format!("-v1-run{run}.csv")),
        "{files:?}"
    );
    let parts: Vec<_> = other.iter().filter(|n| *n != ".segwright-parts").collect();
    assert!(parts.is_empty(), "no temp file is left behind: {other:?}");
    let text = std::fs::read_to_string(dir.join(&files[0])).unwrap();
    let phone = sha256_hex("14155552671");
    let expected = format!(
        "op,external_id,email_sha256,phone_sha256\nadd,c1,{},\nadd,m1,{},{phone}\nadd,m2,{},\nadd,m3,,\n",
        sha256_hex("ann@example.com"),
        sha256_hex("m1@example.com"),
        sha256_hex("m2@example.com"),
    );
    assert_eq!(
        text, expected,
        "c2 is suppressed; identifiers hashed as the webhook sends them"
    );
    assert!(!text.contains("@"), "no clear-text email in the file");
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.join(format!("{}.manifest.json", files[0]))).unwrap(),
    )
    .unwrap();
    assert_eq!(
        (manifest["rows"].as_u64(), manifest["adds"].as_u64()),
        (Some(4), Some(4)),
        "{manifest}"
    );
    assert_eq!(manifest["sha256"], sha256_hex_bytes(text.as_bytes()));
    assert_eq!(manifest["run"]["approval_hash"], report["approval_hash"]);

    // A refresh after m1 joins the suppression list drops a second file with one removal.
    app.app
        .suppress("external_id", "m1", &segwright::app::Actor::cli())
        .await
        .unwrap();
    let (s, refreshed) = app
        .segment_action(&app.manager, &id, "refresh", json!({}))
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{refreshed}");
    app.app.drain_syncs().await.unwrap();
    let (files, _) = listing(&dir);
    assert_eq!(files.len(), 2, "{files:?}");
    let second = files
        .iter()
        .find(|f| f.contains(&format!("run{}", refreshed["id"])))
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join(second)).unwrap(),
        format!(
            "op,external_id,email_sha256,phone_sha256\nremove,m1,{},{phone}\n",
            sha256_hex("m1@example.com")
        )
    );
}

fn sha256_hex_bytes(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}

#[tokio::test]
async fn email_is_refused_with_a_structured_error_and_an_unconfigured_csv_is_not_offered() {
    let app = TestApp::spawn().await;
    let id = us_segment(&app).await;
    let form = offered(&app, &id).await;
    assert!(
        !form.contains("value=\"csv\"") && !form.contains("value=\"email\""),
        "nothing configured, nothing offered: {form}"
    );
    let (s, v) = app
        .segment_action(
            &app.marketer,
            &id,
            "submit",
            json!({"destinations": ["email"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "bad_input", "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("`email` is not offered") && message.contains("SMTP"),
        "{message}"
    );
    let (_, versions) = app
        .json_as(
            Some(&app.marketer),
            "GET",
            &format!("/api/segments/{id}/versions"),
            None,
        )
        .await;
    assert!(
        versions.to_string().contains("\"status\":\"draft\"")
            && !versions.to_string().contains("submitted"),
        "nothing was submitted: {versions}"
    );

    // A stored CSV directory must exist; once it does, csv is offered.
    let (s, v) = app
        .json_as(
            Some(&app.admin),
            "POST",
            "/api/destinations",
            Some(json!({"kind": "csv", "settings": {"dir": "relative/drop"}})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let drop = tempfile::tempdir().unwrap();
    let (s, v) = app
        .json_as(
            Some(&app.admin),
            "POST",
            "/api/destinations",
            Some(json!({"kind": "csv", "settings": {"dir": drop.path()}})),
        )
        .await;
    assert!(s.is_success(), "{v}");
    assert!(offered(&app, &id).await.contains("value=\"csv\""));
}

/// The submit form of the segment's page, as a marketer sees it.
async fn offered(app: &TestApp, id: &str) -> String {
    let marketer = sign_in(app, "marketer@test.io").await;
    let (_, html) = page(app, &marketer, &format!("/segments/{id}")).await;
    part(&html, "actions", "</form>").to_string()
}
