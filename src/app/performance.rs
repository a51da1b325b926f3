//! Predicted performance of an audience: the sum of its members' scores next to the base rate.
//! Members come from the in-memory engine when the server holds the data, else from SQL.

use std::collections::HashMap;
use std::sync::Arc;

use super::{App, AppError};
use crate::domain::columnar::eval::Engine;
use crate::domain::definition::Definition;
use crate::domain::scoring::performance::{Performance, performance};
use crate::domain::time::AsOf;

impl App {
    /// Expected buyers, revenue, churners and revenue at risk of a definition's audience.
    pub async fn predicted_performance(&self, def: &Definition, as_of: AsOf) -> Result<Performance, AppError> {
        let vd = self.validate(def, as_of).await?;
        let table = match self.table().await? {
            Some(t) => t,
            None => Arc::new(self.store.load_table().await?),
        };
        let engine = Engine::new(&table, as_of);
        let members = if engine.supports(vd.root()) {
            let thresholds = engine.thresholds(&vd);
            engine.mask(vd.root(), &thresholds)
        } else {
            let row: HashMap<&str, usize> = table.external_ids.iter().enumerate().map(|(i, e)| (e.as_str(), i)).collect();
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<crate::store::MemberRow>>(8);
            let export = self.export_members(def, as_of, false, tx);
            let mut mask = vec![false; table.len()];
            let collect = async {
                while let Some(chunk) = rx.recv().await {
                    chunk.iter().filter_map(|m| row.get(m.external_id.as_str())).for_each(|&r| mask[r] = true);
                }
            };
            let (done, ()) = tokio::join!(export, collect);
            done?;
            mask
        };
        Ok(performance(&table, &members, as_of.end()))
    }
}
