//! Issue 17 item 12: the audit chain is keyed (HMAC under SEGWRIGHT_AUDIT_KEY, outside the
//! database) and anchored by a checkpoint of its head: on SQLite and PostgreSQL, an entry
//! rewritten and re-chained by someone who can write the database but lacks the key, and the
//! newest entries removed, are both detected; without a key, `audit verify` says what it cannot
//! promise and the checkpoint still detects a re-chained log.

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};

use common::api::TestApp;
use segwright::domain::audit::{AuditEntry, AuditKey};

const KEY: &str = "0123456789abcdef0123456789abcdef-test-key";

async fn exec(db_url: &str, sql: &str) {
    if db_url.starts_with("postgres") {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&sqlx::PgPool::connect(db_url).await.unwrap())
            .await
            .unwrap();
    } else {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&sqlx::SqlitePool::connect(db_url).await.unwrap())
            .await
            .unwrap();
    }
}

async fn verify(app: &TestApp, checkpoint: Option<&str>) -> (StatusCode, Value) {
    let uri = match checkpoint {
        Some(c) => format!("/api/audit/verify?checkpoint={c}"),
        None => "/api/audit/verify".to_string(),
    };
    app.json_as(Some(&app.admin), "GET", &uri, None).await
}

/// Rewrite every entry from `from` on (a new actor) and re-chain them, sealed with `key`.
async fn rechain(app: &TestApp, from: i64, key: Option<&AuditKey>) {
    let chain = common::store_of(&app.app)
        .await
        .audit_chain()
        .await
        .unwrap();
    let mut prev: Option<AuditEntry> = chain.iter().find(|e| e.seq == from - 1).cloned();
    for e in chain.into_iter().filter(|e| e.seq >= from) {
        let forged = AuditEntry {
            actor: "mallory@test.io".into(),
            ..e
        }
        .seal(prev.as_ref(), key);
        let sql = format!(
            "UPDATE audit_log SET actor = 'mallory@test.io', prev_hash = '{}', hash = '{}', keyed = {} WHERE seq = {}",
            forged.prev_hash,
            forged.hash,
            if forged.keyed { "TRUE" } else { "FALSE" },
            forged.seq
        );
        exec(&app.db_url, &sql).await;
        prev = Some(forged);
    }
}

#[tokio::test]
async fn a_keyed_chain_detects_rechaining_and_its_checkpoint_detects_truncation() {
    for db in common::all_dbs().await {
        let app = TestApp::spawn_on(db, |s| {
            s.governance.audit_key = Some(AuditKey::parse(KEY).unwrap())
        })
        .await;
        let (s, v) = verify(&app, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            (v["keyed"].as_bool(), v["unkeyed_entries"].as_u64()),
            (Some(true), Some(0)),
            "{v}"
        );
        let checkpoint = v["checkpoint"].as_str().unwrap().to_string();
        assert_eq!(
            checkpoint.split(':').count(),
            3,
            "a keyed checkpoint carries its MAC: {checkpoint}"
        );
        let (s, v) = verify(&app, Some(&checkpoint)).await;
        assert_eq!(
            (s, v["checkpoint_checked"].as_bool()),
            (StatusCode::OK, Some(true)),
            "{v}"
        );

        // The newest entries removed: the chain left is consistent, the checkpoint is not.
        let head: i64 = checkpoint.split(':').next().unwrap().parse().unwrap();
        exec(
            &app.db_url,
            &format!("DELETE FROM audit_log WHERE seq >= {}", head - 1),
        )
        .await;
        let (s, _) = verify(&app, None).await;
        assert_eq!(
            s,
            StatusCode::OK,
            "a shorter chain is consistent on its own"
        );
        let (s, v) = verify(&app, Some(&checkpoint)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("entries were removed"),
            "{v}"
        );

        // Rewritten and re-chained without our key: the HMAC does not match.
        rechain(&app, 2, Some(&AuditKey::parse(&"m".repeat(40)).unwrap())).await;
        let (s, v) = verify(&app, None).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains("entry 2"),
            "{v}"
        );
        // Re-chained as plain SHA-256 entries: a downgrade.
        rechain(&app, 2, None).await;
        let (_, v) = verify(&app, None).await;
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("unkeyed after keyed"),
            "{v}"
        );
    }
}

#[tokio::test]
async fn without_a_key_verify_warns_and_the_checkpoint_still_detects_a_rechained_log() {
    let app = TestApp::spawn().await;
    let (s, v) = verify(&app, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["keyed"], json!(false));
    assert!(
        v["warnings"]
            .to_string()
            .contains("SEGWRIGHT_AUDIT_KEY is not set"),
        "{v}"
    );
    let checkpoint = v["checkpoint"].as_str().unwrap().to_string();
    rechain(&app, 2, None).await;
    let (s, _) = verify(&app, None).await;
    assert_eq!(
        s,
        StatusCode::OK,
        "without a key a re-chained log is consistent"
    );
    let (s, v) = verify(&app, Some(&checkpoint)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the chain was rewritten"),
        "{v}"
    );
}
