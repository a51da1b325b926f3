//! Reads and writes millions of SQLite rows through SQLite's C API.
//!
//! sqlx's SQLite driver steps each statement on its own worker thread and sends every row across
//! a channel as an owned value, which costs microseconds a row: loading the 19 million orders and
//! events of a 1M-customer database that way took 80–120 s. Here the statement is stepped on the
//! thread that uses the values, and text is read in place. The connection comes from the pool and
//! is locked with sqlx's `lock_handle`, which parks sqlx's worker until the handle is released,
//! so nothing else runs on it meanwhile. Writes go the same way inside an open transaction
//! ([`with_conn`]): one prepared statement stepped per row instead of large multi-row statements
//! whose values sqlx copies and sends across (a million customers' scores: 11–14 s down to a few).
//! Everything unsafe lives in this file.
#![allow(
    unsafe_code,
    reason = "the one module that calls SQLite's C API; each block says why it is sound"
)]

use std::ffi::{CStr, c_int};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;
use sqlx::{SqliteConnection, SqlitePool};
use tokio::runtime::{Handle, RuntimeFlavor};

use super::StoreError;

/// A SQLite connection handle locked out of sqlx for the duration of one [`with_db`] call.
pub(super) struct Db<'h> {
    raw: NonNull<ffi::sqlite3>,
    _locked: PhantomData<&'h mut ()>,
}

/// The current row of a statement being stepped; values are read by column index.
pub(super) struct Cursor<'d> {
    stmt: NonNull<ffi::sqlite3_stmt>,
    _db: PhantomData<&'d Db<'d>>,
}

/// Run `f` on one pooled connection's raw handle, on a thread that may block.
pub(super) async fn with_db<T, F>(pool: &SqlitePool, f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&Db<'_>) -> Result<T, StoreError> + Send + 'static,
{
    let mut conn = pool.acquire().await?;
    let joined = tokio::task::spawn_blocking(move || {
        // The lock is a message to sqlx's worker thread and an async mutex: neither needs tokio.
        let mut locked = futures::executor::block_on(conn.lock_handle())?;
        let db = Db {
            raw: locked.as_raw_handle(),
            _locked: PhantomData,
        };
        f(&db)
    })
    .await;
    joined.map_err(|e| StoreError::Raw(format!("reading thread failed: {e}")))?
}

/// Run `f` on the raw handle of a connection already held (an open transaction's) on this
/// thread; on a multi-threaded runtime inside `block_in_place`, so other tasks move elsewhere.
pub(super) async fn with_conn<T>(
    conn: &mut SqliteConnection,
    f: impl FnOnce(&Db<'_>) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut locked = conn.lock_handle().await?;
    let db = Db {
        raw: locked.as_raw_handle(),
        _locked: PhantomData,
    };
    match Handle::current().runtime_flavor() {
        RuntimeFlavor::MultiThread => tokio::task::block_in_place(|| f(&db)),
        _ => f(&db),
    }
}

impl Db<'_> {
    /// Run `sql` once per item, `bind` setting its parameters (`?1`, `?2`, … from index 1).
    pub(super) fn execute_each<I>(
        &self,
        sql: &str,
        items: impl IntoIterator<Item = I>,
        mut bind: impl FnMut(&Cursor<'_>, I) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let stmt = self.prepare(sql)?;
        for item in items {
            bind(&stmt, item)?;
            // SAFETY: the statement is live and used by this thread only.
            let rc = unsafe { ffi::sqlite3_step(stmt.stmt.as_ptr()) };
            if rc != ffi::SQLITE_DONE {
                return Err(self.error(rc));
            }
            // SAFETY: as above; reset keeps the bindings, which the next item overwrites.
            unsafe { ffi::sqlite3_reset(stmt.stmt.as_ptr()) };
        }
        Ok(())
    }

    /// Step `sql` (with `texts` bound to `?1`, `?2`, …), calling `row` for every row.
    pub(super) fn scan(
        &self,
        sql: &str,
        texts: &[&str],
        mut row: impl FnMut(&Cursor<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let cursor = self.prepare(sql)?;
        for (i, t) in texts.iter().enumerate() {
            cursor.bind_text(i as c_int + 1, Some(t))?;
        }
        loop {
            // SAFETY: the statement is live and used by this thread only.
            match unsafe { ffi::sqlite3_step(cursor.stmt.as_ptr()) } {
                ffi::SQLITE_ROW => row(&cursor)?,
                ffi::SQLITE_DONE => return Ok(()),
                rc => return Err(self.error(rc)),
            }
        }
    }

    fn prepare(&self, sql: &str) -> Result<Cursor<'_>, StoreError> {
        let mut stmt = ptr::null_mut();
        // SAFETY: the handle is locked for us; SQLite reads exactly `sql.len()` bytes.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(
                self.raw.as_ptr(),
                sql.as_ptr().cast(),
                sql.len() as c_int,
                &mut stmt,
                ptr::null_mut(),
            )
        };
        self.check(rc)?;
        let stmt = NonNull::new(stmt).ok_or_else(|| StoreError::Raw("empty statement".into()))?;
        Ok(Cursor {
            stmt,
            _db: PhantomData,
        })
    }

    fn check(&self, rc: c_int) -> Result<(), StoreError> {
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(self.error(rc))
        }
    }

    fn error(&self, rc: c_int) -> StoreError {
        // SAFETY: sqlite3_errmsg returns a NUL-terminated string owned by the handle.
        let msg = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.raw.as_ptr())) };
        StoreError::Raw(format!("SQLite error {rc}: {}", msg.to_string_lossy()))
    }
}

impl Cursor<'_> {
    fn is_null(&self, i: c_int) -> bool {
        // SAFETY: the statement is on a row; an out-of-range column reads as NULL.
        unsafe { ffi::sqlite3_column_type(self.stmt.as_ptr(), i) == ffi::SQLITE_NULL }
    }

    pub(super) fn int(&self, i: c_int) -> i64 {
        // SAFETY: as in `is_null`; a non-integer value is converted by SQLite's own rules.
        unsafe { ffi::sqlite3_column_int64(self.stmt.as_ptr(), i) }
    }

    pub(super) fn opt_int(&self, i: c_int) -> Option<i64> {
        (!self.is_null(i)).then(|| self.int(i))
    }

    pub(super) fn real(&self, i: c_int) -> f64 {
        // SAFETY: as in `is_null`.
        unsafe { ffi::sqlite3_column_double(self.stmt.as_ptr(), i) }
    }

    pub(super) fn opt_real(&self, i: c_int) -> Option<f64> {
        (!self.is_null(i)).then(|| self.real(i))
    }

    /// The column's text, borrowed until the next step; `None` for NULL.
    pub(super) fn text(&self, i: c_int) -> Result<Option<&str>, StoreError> {
        if self.is_null(i) {
            return Ok(None);
        }
        // SAFETY: column_text comes before column_bytes (SQLite's documented order), and the
        // bytes stay valid until the statement is stepped again, which `&self` prevents.
        let bytes = unsafe {
            let p = ffi::sqlite3_column_text(self.stmt.as_ptr(), i);
            if p.is_null() {
                // Out of memory while converting; report it rather than reading nothing.
                return Err(StoreError::Raw(format!(
                    "SQLite ran out of memory reading column {i}"
                )));
            }
            std::slice::from_raw_parts(p, ffi::sqlite3_column_bytes(self.stmt.as_ptr(), i) as usize)
        };
        std::str::from_utf8(bytes)
            .map(Some)
            .map_err(|e| StoreError::Raw(format!("column {i} is not UTF-8: {e}")))
    }
}

/// Parameter binding (indexes from 1); SQLite copies text before returning.
impl Cursor<'_> {
    fn bound(&self, rc: c_int, i: c_int) -> Result<(), StoreError> {
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(StoreError::Raw(format!(
                "SQLite could not bind parameter {i} (error {rc})"
            )))
        }
    }

    pub(super) fn bind_int(&self, i: c_int, v: i64) -> Result<(), StoreError> {
        // SAFETY: the statement is live and not being stepped.
        self.bound(
            unsafe { ffi::sqlite3_bind_int64(self.stmt.as_ptr(), i, v) },
            i,
        )
    }

    pub(super) fn bind_real(&self, i: c_int, v: Option<f64>) -> Result<(), StoreError> {
        // SAFETY: as in `bind_int`.
        let rc = unsafe {
            match v {
                Some(x) => ffi::sqlite3_bind_double(self.stmt.as_ptr(), i, x),
                None => ffi::sqlite3_bind_null(self.stmt.as_ptr(), i),
            }
        };
        self.bound(rc, i)
    }

    pub(super) fn bind_text(&self, i: c_int, v: Option<&str>) -> Result<(), StoreError> {
        // SAFETY: as in `bind_int`; TRANSIENT makes SQLite copy the bytes before returning.
        let rc = unsafe {
            match v {
                Some(t) => ffi::sqlite3_bind_text(
                    self.stmt.as_ptr(),
                    i,
                    t.as_ptr().cast(),
                    t.len() as c_int,
                    ffi::SQLITE_TRANSIENT(),
                ),
                None => ffi::sqlite3_bind_null(self.stmt.as_ptr(), i),
            }
        };
        self.bound(rc, i)
    }
}

impl Drop for Cursor<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement was prepared by `prepare` and is finalized exactly once.
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}
