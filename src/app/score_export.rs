//! Every customer's scores and tiers as one table (`segwright scores --format csv|jsonl`).

use super::{Actor, App, AppError};
use crate::domain::access::Permission;
use crate::domain::columnar::{Column, MISSING};

/// The score columns and, for each customer, their values (`null` where there is none).
pub struct ScoreTable {
    /// Score, tier and decile columns, sorted by name.
    pub columns: Vec<String>,
    /// `(external id, one value per column)`, in the table's order.
    pub rows: Vec<(String, Vec<serde_json::Value>)>,
}

/// Whether a column holds a score, its tier or its decile.
fn is_score_column(name: &str) -> bool {
    [
        "_risk",
        "_propensity",
        "_propensity_tier",
        "_risk_tier",
        "_decile",
    ]
    .iter()
    .any(|suffix| name.ends_with(suffix))
}

impl App {
    /// Every customer's current scores, tiers and deciles (any signed-in role, as one
    /// customer's scores are).
    pub async fn score_table(&self, actor: &Actor) -> Result<ScoreTable, AppError> {
        actor.allow(Permission::Read)?;
        let table = self.store.load_table().await?;
        let mut columns: Vec<String> = table
            .columns
            .keys()
            .filter(|k| is_score_column(k))
            .cloned()
            .collect();
        columns.sort();
        let rows = table
            .external_ids
            .iter()
            .enumerate()
            .map(|(r, id)| {
                let cells = columns
                    .iter()
                    .map(|n| match &table.columns[n] {
                        Column::Num(v) if v[r].is_finite() => serde_json::json!(v[r]),
                        Column::Text { codes, dict } if codes[r] != MISSING => {
                            serde_json::json!(dict[codes[r] as usize])
                        }
                        _ => serde_json::Value::Null,
                    })
                    .collect();
                (id.clone(), cells)
            })
            .collect();
        Ok(ScoreTable { columns, rows })
    }
}
