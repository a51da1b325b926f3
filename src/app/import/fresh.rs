//! After an ingested batch commits: the cached catalog and thresholds are dropped (new event
//! names, new latest times) and the in-memory copy takes the batch's customers in place
//! ([`Table::apply`](crate::domain::columnar::Table::apply)), so the next preview sees the batch without loading everything again.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::app::{App, AppError};

impl App {
    /// Apply the batch's customers (internal ids) to the in-memory copy; says what happened.
    pub(super) async fn apply_to_memory(&self, ids: &[i64]) -> Result<&'static str, AppError> {
        *self.snapshot.write().expect("snapshot lock") = None;
        self.thresholds.lock().expect("threshold lock").clear();
        if !self.settings.in_memory {
            return Ok("not_loaded");
        }
        // Read after the commit: what the database holds now is what the copy must hold.
        let changed = self.store.changed_customers(ids).await?;
        let started = Instant::now();
        let mut slot = self.table.lock().await;
        let generation = self.generation.load(Ordering::SeqCst);
        let current = match slot.take() {
            Some((g, t)) if g == generation => t,
            // Not loaded yet, or already out of date: the next load reads the batch anyway.
            other => {
                *slot = other;
                return Ok("not_loaded");
            }
        };
        // In place when no preview holds the copy; otherwise a copy of it is changed.
        match Arc::unwrap_or_clone(current).apply(changed) {
            Ok(t) => {
                *slot = Some((generation, Arc::new(t)));
                tracing::debug!(
                    customers = ids.len(),
                    ms = started.elapsed().as_millis() as u64,
                    "in-memory copy updated in place"
                );
                Ok("updated")
            }
            Err(e) => {
                // Loaded again on the next preview (which answers from SQL meanwhile).
                tracing::info!(reason = %e, "in-memory copy will be read again");
                self.generation.fetch_add(1, Ordering::SeqCst);
                Ok("reloading")
            }
        }
    }
}
