//! The store: the only module that speaks SQL to a database. One concrete [`Store`] over an enum
//! of a SQLite or a PostgreSQL pool, chosen from the URL's scheme. Shared SQL uses `$N`
//! placeholders (both drivers accept them); what differs per database comes from
//! [`Dialect`](crate::domain::compile::Dialect) or lives next to the `match` that needs it.

mod audit;
mod catalog;
mod conversations;
mod customer;
mod destinations;
mod exec;
mod facts;
mod glossary;
mod import;
mod lifecycle;
mod models;
mod overview;
mod segments;
mod sqlite_scan;
mod sync;
mod table;
pub(crate) mod tx;
mod users;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use audit::AuditFilter;
pub use catalog::{CatalogData, Freshness, SuppressionRecord, type_label};
pub use conversations::TurnRecord;
pub use destinations::DestinationRecord;
pub use exec::MemberRow;
pub use import::{CustomerRow, EventRow, ImportTx, IngestMarks, OrderRow};
pub use lifecycle::{DecisionRecord, SubmissionRecord};
pub use models::{ModelRecord, ScoreRow};
pub use overview::{PendingRow, SegmentSummaryRow};
pub use segments::{SegmentRecord, VersionRecord};
pub use sync::{BatchProgress, DeliveredRow, SyncBatchRecord, SyncRunRecord};
pub use tx::WriteTx;
pub use users::{SessionRecord, TokenRecord, UserRecord};

use crate::domain::compile::{Dialect, Param};

/// Errors of the persistence layer; nothing above `store` sees `sqlx::Error`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("unsupported database URL `{0}`: use sqlite://FILE or postgres://…")]
    BadUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// An error reported by SQLite's C API where sqlx is bypassed (bulk reads).
    #[error("database error: {0}")]
    Raw(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub(crate) enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// SQLite's page cache per connection (negative: KiB), allocated as pages are touched.
pub(crate) const SQLITE_CACHE: &str = "-262144";

/// A handle on the customer database.
pub struct Store {
    pub(crate) backend: Backend,
}

/// Run the same code on whichever pool is live; `$p` is bound to the concrete pool.
macro_rules! on_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite($p) => $body,
            $crate::store::Backend::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// A value to bind, with its SQL type even when null (PostgreSQL needs typed nulls).
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Int(Option<i64>),
    Float(Option<f64>),
    Text(Option<String>),
}

impl From<&Param> for Bind {
    fn from(p: &Param) -> Self {
        match p {
            Param::Int(i) => Bind::Int(Some(*i)),
            Param::Float(x) => Bind::Float(Some(*x)),
            Param::Text(t) => Bind::Text(Some(t.clone())),
        }
    }
}

/// Bind values in order on any sqlx query.
macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                $crate::store::Bind::Int(v) => q.bind(*v),
                $crate::store::Bind::Float(v) => q.bind(*v),
                $crate::store::Bind::Text(v) => q.bind(v.clone()),
            };
        }
        q
    }};
}
pub(crate) use bind_all;

/// Begin a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: the write lock is
/// taken up front, waiting out other writers under the busy timeout. A deferred transaction
/// that reads first (the audit chain's head, a segment's next version) and then writes cannot
/// wait: if another writer committed meanwhile, SQLite answers "database is locked" at once.
/// On PostgreSQL, an ordinary `BEGIN` (row locks and constraints serialise writers there).
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>> + Send + '_;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>> + Send + '_
    {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>> + Send + '_
    {
        self.begin()
    }
}

/// Seconds since the epoch, now.
pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Store {
    /// Connect (creating a SQLite file if needed) and apply migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            sqlx::migrate!("migrations/postgres").run(&pool).await?;
            Backend::Postgres(pool)
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .pragma("cache_size", SQLITE_CACHE)
                .pragma("temp_store", "memory")
                // ANALYZE samples at most this many rows per index: the planner's statistics
                // stay as useful, and refreshing them after a large import takes no seconds.
                .pragma("analysis_limit", "1000");
            create_private(opts.get_filename())?;
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts)
                .await?;
            sqlx::migrate!("migrations/sqlite").run(&pool).await?;
            Backend::Sqlite(pool)
        } else {
            return Err(StoreError::BadUrl(url.to_string()));
        };
        Ok(Self { backend })
    }

    pub fn dialect(&self) -> Dialect {
        match self.backend {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Close the pool (waits for connections to return).
    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }

    /// Read a value of the store's own state table.
    pub async fn state(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = on_pool!(self, p => sqlx::query_as("SELECT value FROM store_state WHERE key = $1").bind(key.to_string()).fetch_optional(p).await?);
        Ok(row.map(|r| r.0))
    }
}

/// The database holds personal data: a new SQLite file is created readable and writable by its
/// owner only (SQLite gives its `-wal` and `-shm` files the database file's mode).
fn create_private(path: &std::path::Path) -> Result<(), StoreError> {
    let name = path.to_string_lossy();
    if name.is_empty() || name.starts_with(':') || path.exists() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(StoreError::Raw(format!(
                    "cannot create the database file {}: {e}",
                    path.display()
                )));
            }
        }
    }
    Ok(())
}

impl Store {
    /// Create a PostgreSQL database on the server at `base_url` if it does not exist.
    pub async fn ensure_postgres_database(base_url: &str, name: &str) -> Result<(), StoreError> {
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&format!("{base_url}/postgres"))
            .await?;
        let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
            .bind(name.to_string())
            .fetch_optional(&admin)
            .await?;
        if exists.is_none() {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE DATABASE \"{}\"",
                name.replace('"', "")
            )))
            .execute(&admin)
            .await?;
        }
        admin.close().await;
        Ok(())
    }

    /// Drop (if present) and create a PostgreSQL database: for tests and benchmarks only.
    pub async fn recreate_postgres_database(base_url: &str, name: &str) -> Result<(), StoreError> {
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&format!("{base_url}/postgres"))
            .await?;
        let quoted = name.replace('"', "");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{quoted}\" WITH (FORCE)"
        )))
        .execute(&admin)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{quoted}\"")))
            .execute(&admin)
            .await?;
        admin.close().await;
        Ok(())
    }
}

impl Store {
    /// Delete every customer, order, event and attribute (keeps segments): for tests and for
    /// rebuilding demo data.
    pub async fn clear_customer_data(&self) -> Result<(), StoreError> {
        const TABLES: [&str; 7] = [
            "DELETE FROM customer_facts",
            "DELETE FROM customer_attributes",
            "DELETE FROM attributes",
            "DELETE FROM orders",
            "DELETE FROM events",
            "DELETE FROM customers",
            "DELETE FROM store_state",
        ];
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            for sql in TABLES {
                sqlx::query(sql).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}

impl Store {
    /// Drop a PostgreSQL database if present: for tests and benchmarks only.
    pub async fn drop_postgres_database(base_url: &str, name: &str) -> Result<(), StoreError> {
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&format!("{base_url}/postgres"))
            .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            name.replace('"', "")
        )))
        .execute(&admin)
        .await?;
        admin.close().await;
        Ok(())
    }
}
