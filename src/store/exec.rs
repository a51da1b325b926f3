//! Runs compiled queries: binds each `Param` in order and wraps the compiler's SQL in the one
//! `AssertSqlSafe` of the project — safe because the compiler writes identifiers only from the
//! catalog and every value as a placeholder.

use sqlx::Row;
use tokio::sync::mpsc;

use super::{Bind, Store, StoreError, bind_all, on_pool};
use crate::domain::compile::{CompiledQuery, Dialect, percentile_rank};
use crate::domain::definition::Direction;

/// Members are sent to the consumer in chunks of this many rows.
const CHUNK: usize = 4096;

/// One exported member.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    pub external_id: String,
    pub email: Option<String>,
}

fn binds(q: &CompiledQuery) -> Vec<Bind> {
    q.params.iter().map(Bind::from).collect()
}

impl Store {
    /// The first row of a query, every column read as an integer (NULL → 0).
    pub async fn fetch_ints(&self, q: &CompiledQuery) -> Result<Vec<i64>, StoreError> {
        let b = binds(q);
        on_pool!(self, p => {
            let row = bind_all!(sqlx::query(sqlx::AssertSqlSafe(q.sql.clone())), &b).fetch_one(p).await?;
            (0..row.len()).map(|i| Ok(row.try_get::<Option<i64>, _>(i)?.unwrap_or(0))).collect()
        })
    }

    /// Every row as (label, count): for `SELECT label, COUNT(*) … GROUP BY label`.
    pub async fn fetch_groups(
        &self,
        q: &CompiledQuery,
    ) -> Result<Vec<(Option<String>, i64)>, StoreError> {
        let b = binds(q);
        let rows: Vec<(Option<String>, i64)> = on_pool!(self, p => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(q.sql.clone())), &b).fetch_all(p).await?);
        Ok(rows)
    }

    /// Rows of text columns (NULL kept), for samples.
    pub async fn fetch_texts(
        &self,
        q: &CompiledQuery,
    ) -> Result<Vec<Vec<Option<String>>>, StoreError> {
        let b = binds(q);
        on_pool!(self, p => {
            let rows = bind_all!(sqlx::query(sqlx::AssertSqlSafe(q.sql.clone())), &b).fetch_all(p).await?;
            rows.iter().map(|r| (0..r.len()).map(|i| Ok(r.try_get::<Option<String>, _>(i)?)).collect()).collect()
        })
    }

    /// The threshold of a top/bottom P% over the values a query yields as column `v`: the value
    /// ranked `ceil(P% × N)` in descending (top) or ascending (bottom) order.
    pub async fn percentile_threshold(
        &self,
        values: &CompiledQuery,
        direction: Direction,
        percent: f64,
    ) -> Result<Option<f64>, StoreError> {
        let count = CompiledQuery {
            sql: format!("SELECT COUNT(*) FROM ({}) t", values.sql),
            params: values.params.clone(),
        };
        let n = self.fetch_ints(&count).await?[0];
        if n == 0 {
            return Ok(None);
        }
        let k = percentile_rank(percent, n as u64) as i64;
        let order = if direction == Direction::Top {
            "DESC"
        } else {
            "ASC"
        };
        let real = if self.dialect() == Dialect::Sqlite {
            "REAL"
        } else {
            "DOUBLE PRECISION"
        };
        let sql = format!(
            "SELECT CAST(v AS {real}) FROM ({}) t ORDER BY v {order} LIMIT 1 OFFSET {}",
            values.sql,
            k - 1
        );
        let mut b = binds(values);
        b.truncate(values.params.len());
        let row: (f64,) = on_pool!(self, p => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &b).fetch_one(p).await?);
        Ok(Some(row.0))
    }

    /// Stream every row of a query as text columns (NULL kept) to `tx`, in chunks, with
    /// constant memory. Returns how many rows were sent; stops early if the receiver is gone.
    pub async fn stream_texts(
        &self,
        q: &CompiledQuery,
        tx: mpsc::Sender<Vec<Vec<Option<String>>>>,
    ) -> Result<u64, StoreError> {
        self.stream_rows(q, tx, |r| r).await
    }

    /// Stream `(external_id, email)` of every row of a members query to `tx`, in chunks, with
    /// constant memory. Returns how many rows were sent; stops early if the receiver is gone.
    pub async fn stream_members(
        &self,
        q: &CompiledQuery,
        tx: mpsc::Sender<Vec<MemberRow>>,
    ) -> Result<u64, StoreError> {
        self.stream_rows(q, tx, |mut r| {
            let email = r.get_mut(1).and_then(Option::take);
            MemberRow {
                external_id: r.get_mut(0).and_then(Option::take).unwrap_or_default(),
                email,
            }
        })
        .await
    }

    /// Stream every row, read as text columns and turned into `T` by `row`, in chunks of
    /// [`CHUNK`]; the one loop behind both exports.
    async fn stream_rows<T: Send>(
        &self,
        q: &CompiledQuery,
        tx: mpsc::Sender<Vec<T>>,
        row: impl Fn(Vec<Option<String>>) -> T,
    ) -> Result<u64, StoreError> {
        use futures::TryStreamExt;
        let b = binds(q);
        let mut sent = 0u64;
        let mut chunk = Vec::with_capacity(CHUNK);
        on_pool!(self, p => {
            let mut rows = bind_all!(sqlx::query(sqlx::AssertSqlSafe(q.sql.clone())), &b).fetch(p);
            while let Some(r) = rows.try_next().await? {
                chunk.push(row((0..r.len()).map(|i| r.try_get::<Option<String>, _>(i)).collect::<Result<Vec<_>, _>>()?));
                if chunk.len() == CHUNK {
                    sent += chunk.len() as u64;
                    if tx.send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK))).await.is_err() {
                        return Ok(sent);
                    }
                }
            }
        });
        sent += chunk.len() as u64;
        if !chunk.is_empty() {
            let _ = tx.send(chunk).await;
        }
        Ok(sent)
    }
}
