//! Shared test support: fresh databases per test on SQLite (always) and PostgreSQL (when
//! `SEGWRIGHT_TEST_POSTGRES_URL` is set; `SEGWRIGHT_REQUIRE_POSTGRES=1` makes its absence a
//! failure, as CI sets it).
#![allow(dead_code)]

pub mod api;
pub mod web;

use segwright::app::{App, Settings};

/// A fresh database for one test; the SQLite file lives in a temp dir dropped with it.
pub struct TestDb {
    pub name: &'static str,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// `(server, database)` to drop afterwards, for PostgreSQL.
    pg: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Drop cannot await: drop the database from a helper thread with its own runtime. A
        // failed test keeps its database when SEGWRIGHT_KEEP_TEST_DB is set, for inspection.
        if let Some((base, name)) = self.pg.take() {
            if std::env::var("SEGWRIGHT_KEEP_TEST_DB").is_ok() {
                return;
            }
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                let _ = rt.block_on(segwright::store::Store::drop_postgres_database(
                    &base, &name,
                ));
            })
            .join();
        }
    }
}

/// The PostgreSQL server URL for tests, if configured.
pub fn postgres_url() -> Option<String> {
    match std::env::var("SEGWRIGHT_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u.trim_end_matches('/').to_string()),
        _ => {
            if std::env::var("SEGWRIGHT_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("SEGWRIGHT_REQUIRE_POSTGRES=1 but SEGWRIGHT_TEST_POSTGRES_URL is not set");
            }
            eprintln!(
                "NOTE: PostgreSQL part not run; set SEGWRIGHT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432 to run it (CI does)"
            );
            None
        }
    }
}

/// A new empty SQLite database.
pub fn sqlite_db() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    TestDb {
        name: "sqlite",
        url,
        _dir: Some(dir),
        pg: None,
    }
}

/// A new empty PostgreSQL database on the test server, if one is configured.
pub async fn postgres_db() -> Option<TestDb> {
    let base = postgres_url()?;
    let name = format!("segwright_test_{}", uuid::Uuid::new_v4().simple());
    segwright::store::Store::recreate_postgres_database(&base, &name)
        .await
        .expect("create test database");
    Some(TestDb {
        name: "postgres",
        url: format!("{base}/{name}"),
        _dir: None,
        pg: Some((base, name)),
    })
}

/// Every backend a persistence test should run on.
pub async fn all_dbs() -> Vec<TestDb> {
    let mut v = vec![sqlite_db()];
    v.extend(postgres_db().await);
    v
}

/// Settings for an app over a database, as of 2026-11-22 UTC.
pub fn settings(db: &TestDb) -> Settings {
    Settings::fixed(db.url.clone(), "2026-11-22")
}

/// An app over a database, as of 2026-11-22 UTC.
pub async fn app(db: &TestDb) -> App {
    App::open(settings(db)).await.expect("open app")
}

/// Import the small fixture files (`tests/fixtures`: customers, orders, events) as a local command.
pub async fn import_fixtures(app: &App) {
    use segwright::app::ImportOptions;
    use segwright::domain::import::Kind;
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (kind, f) in [
        (Kind::Customers, "customers.csv"),
        (Kind::Orders, "orders.csv"),
        (Kind::Events, "events.csv"),
    ] {
        app.import(
            ImportOptions::new(kind, fixtures.join(f), vec![], false, None, false),
            &segwright::app::Actor::cli(),
        )
        .await
        .expect("import fixture");
    }
}

/// Write a file into a temp dir and return its path (the dir lives as long as the returned guard).
pub fn write_file(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write fixture");
    (dir, path)
}

/// Create a user with a role and return an API token for it (the way scripts authenticate).
pub async fn user_token(app: &App, email: &str, role: segwright::domain::access::Role) -> String {
    let cli = segwright::app::Actor::cli();
    app.add_user(email, role, "correct horse battery", false, &cli)
        .await
        .expect("add user");
    app.create_token(email, "test", &cli)
        .await
        .expect("create token")
}

/// `Authorization` header value for a token.
pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A second connection to an app's database, for tests that set up or inspect what no use case
/// shows (tampering, backdating, raw tables): the app's own store is private to `app`.
pub async fn store_of(app: &App) -> segwright::store::Store {
    segwright::store::Store::connect(&app.settings.database_url)
        .await
        .expect("connect to the test database")
}
