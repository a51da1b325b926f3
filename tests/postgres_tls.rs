//! Issue 17 item 16: segwright reaches a PostgreSQL that requires TLS. Against the local server
//! with its self-signed certificate (`.ci/run` turns TLS on when the server has it off):
//! `sslmode=require` encrypts, `sslmode=verify-full` with the certificate as root verifies it,
//! and `verify-full` without a trusted root is refused.

mod common;

use segwright::store::Store;

/// The test server's certificate file (readable here: the server is local) and a fresh
/// database's name, or `None` when no PostgreSQL is configured.
async fn setup() -> Option<(common::TestDb, String, String)> {
    let db = common::postgres_db().await?;
    let base = common::postgres_url()?;
    let admin = sqlx::PgPool::connect(&format!("{base}/postgres"))
        .await
        .unwrap();
    let (ssl,): (String,) = sqlx::query_as("SHOW ssl").fetch_one(&admin).await.unwrap();
    assert_eq!(
        ssl, "on",
        "the test server has TLS off: run .ci/run's PostgreSQL step, which turns it on"
    );
    let (cert,): (String,) = sqlx::query_as("SHOW ssl_cert_file")
        .fetch_one(&admin)
        .await
        .unwrap();
    let name = db.url.rsplit('/').next().unwrap().to_string();
    Some((db, cert, name))
}

/// Whether the connection that asks is encrypted, as the server sees it.
async fn encrypted(url: &str) -> bool {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let (ssl,): (bool,) =
        sqlx::query_as("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&pool)
            .await
            .unwrap();
    ssl
}

#[tokio::test]
async fn postgres_urls_with_sslmode_require_and_verify_full_connect_over_tls() {
    let Some((_db, cert, name)) = setup().await else {
        return;
    };
    let require = format!("postgres://postgres@127.0.0.1:5432/{name}?sslmode=require");
    let store = Store::connect(&require)
        .await
        .expect("sslmode=require connects and migrates");
    assert!(encrypted(&require).await);
    store.close().await;

    let verify =
        format!("postgres://postgres@localhost:5432/{name}?sslmode=verify-full&sslrootcert={cert}");
    let store = Store::connect(&verify)
        .await
        .expect("verify-full against the server's certificate");
    assert!(encrypted(&verify).await);
    store.close().await;

    let untrusted = format!(
        "postgres://postgres@localhost:5432/{name}?sslmode=verify-full&sslrootcert=/nonexistent/root.crt"
    );
    assert!(
        Store::connect(&untrusted).await.is_err(),
        "verify-full without a trusted root is refused"
    );
}
