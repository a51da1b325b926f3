//! A write transaction on either database. A governed change and the audit entry that records
//! it are written through one [`WriteTx`] and committed together, so the log never names a
//! change that did not happen, and no change lands without its entry. Dropping a `WriteTx`
//! without [`commit`](WriteTx::commit) keeps nothing.

use sqlx::{Postgres, Sqlite, Transaction};

use super::{BeginWrite, Store, StoreError};

/// The open transaction, on whichever pool is live.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// An open write transaction: on SQLite it holds the write lock from its start (`BEGIN
/// IMMEDIATE`, see [`BeginWrite`]).
pub struct WriteTx {
    pub(crate) tx: Tx,
}

/// Run the same code on whichever transaction is open; `$t` is `&mut Transaction<…>`, so
/// queries execute on `&mut **$t`.
macro_rules! on_tx {
    ($self:expr, $t:ident => $body:expr) => {
        match &mut $self.tx {
            $crate::store::tx::Tx::Sqlite($t) => $body,
            $crate::store::tx::Tx::Postgres($t) => $body,
        }
    };
}
pub(crate) use on_tx;

impl Store {
    /// Begin a write transaction; commit it with [`WriteTx::commit`].
    pub async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        let tx = match &self.backend {
            super::Backend::Sqlite(p) => Tx::Sqlite(p.begin_write().await?),
            super::Backend::Postgres(p) => Tx::Postgres(p.begin_write().await?),
        };
        Ok(WriteTx { tx })
    }
}

impl WriteTx {
    pub(crate) fn is_sqlite(&self) -> bool {
        matches!(self.tx, Tx::Sqlite(_))
    }

    /// Make everything written through this transaction durable, at once.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.tx {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}
