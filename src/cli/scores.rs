//! `segwright train`, `segwright scores` and `segwright bench-scores`.

use clap::Args;

use crate::app::{Actor, App, AppError, TrainRequest};
use crate::domain::time::AsOf;

/// Options of `segwright train`.
#[derive(Debug, Args, Clone)]
pub struct TrainArgs {
    /// Churn horizon: churn = no order in the next N days.
    #[arg(long, default_value_t = 90)]
    pub horizon_days: u32,
    /// Purchase-propensity horizon: at least one order in the next N days.
    #[arg(long, default_value_t = 30)]
    pub propensity_horizon_days: u32,
    /// Train a propensity model for this boolean custom attribute instead (blank labels are
    /// scored, not trained on); the score is stored as `COLUMN_propensity`.
    #[arg(long, value_name = "COLUMN")]
    pub label: Option<String>,
    /// Trees in the random forest.
    #[arg(long, default_value_t = 100)]
    pub trees: u16,
}

/// Options of `segwright scores`.
#[derive(Debug, Args, Clone)]
pub struct ScoresArgs {
    /// Export every customer's scores instead of listing the models.
    #[arg(long, value_enum)]
    pub format: Option<super::Format>,
}

pub async fn train(app: &App, args: TrainArgs, as_of: AsOf) -> Result<(), AppError> {
    let mut req = TrainRequest {
        churn_horizon_days: args.horizon_days,
        propensity_horizon_days: args.propensity_horizon_days,
        label: args.label,
        ..Default::default()
    };
    req.options.forest.trees = args.trees;
    eprintln!("training as of {} …", as_of.date());
    for m in app.train_models_as(&req, as_of, &Actor::cli()).await? {
        print!("{}", m.table());
    }
    Ok(())
}

pub async fn scores(app: &App, args: ScoresArgs) -> Result<(), AppError> {
    let Some(format) = args.format else {
        let models = app.models(&Actor::cli()).await?;
        if models.is_empty() {
            println!("no models yet: run `segwright train`");
        }
        for m in models {
            print!("{}", m.table());
        }
        return Ok(());
    };
    let table = app.score_table(&Actor::cli()).await?;
    let names = &table.columns;
    let csv = format == super::Format::Csv;
    if csv {
        println!("external_id,{}", names.join(","));
    }
    for (id, cells) in table.rows {
        if csv {
            let text: Vec<String> = cells
                .iter()
                .map(|c| {
                    if c.is_null() {
                        String::new()
                    } else {
                        c.to_string().trim_matches('"').to_string()
                    }
                })
                .collect();
            println!("{id},{}", text.join(","));
        } else {
            let mut o = serde_json::Map::new();
            o.insert("external_id".into(), id.into());
            names.iter().zip(cells).for_each(|(n, c)| {
                o.insert(n.clone(), c);
            });
            println!("{}", serde_json::Value::Object(o));
        }
    }
    Ok(())
}
