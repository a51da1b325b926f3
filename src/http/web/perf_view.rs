//! What the chat page shows of a preview's predicted performance and backtest: rows of text
//! ready for a table, a bar chart of the backtest (audience against all customers) scaled for
//! SVG, and the "why" of each sample member's scores. Numbers are formatted here so the
//! templates stay free of arithmetic.

use serde::Serialize;
use serde_json::Value;

/// One predicted figure: the audience next to an audience of the same size drawn at random.
#[derive(Serialize)]
pub struct Row {
    pub label: String,
    pub audience: String,
    pub base: String,
    pub lift: String,
}

/// One backtest date.
#[derive(Serialize)]
pub struct BacktestRow {
    pub as_of: String,
    pub members: String,
    pub bought: String,
    pub revenue: String,
    pub churned: String,
    pub lift: String,
}

/// One bar of the backtest chart, its text and length already computed.
#[derive(Serialize)]
pub struct Bar {
    pub label: String,
    pub text: String,
    pub width: f64,
    pub y: usize,
    /// The all-customers bar (drawn in a lighter shade).
    pub base: bool,
}

/// Everything the performance section renders; empty lists hide their part.
#[derive(Serialize)]
pub struct PerfView {
    pub available: bool,
    pub note: String,
    pub rows: Vec<Row>,
    /// Expected true / false positives of each cut on a score, in words.
    pub cuts: Vec<String>,
    pub backtest: Vec<BacktestRow>,
    pub backtest_note: String,
    pub bars: Vec<Bar>,
    pub height: usize,
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

/// A whole number with thousands separators.
fn whole(x: f64) -> String {
    super::view::thousands(x.round() as i64)
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn lift(v: &Value) -> String {
    v.as_f64().map_or("–".into(), |l| format!("×{l:.2}"))
}

/// Rows for the predicted figures: expected count, then expected value, per score.
fn rows(perf: &Value) -> Vec<Row> {
    let mut out = Vec::new();
    for e in perf["expected"].as_array().into_iter().flatten() {
        let l = lift(&e["lift"]);
        out.push(Row {
            label: e["label"].as_str().unwrap_or("").into(),
            audience: format!("{} ({})", whole(num(&e["expected"])), pct(num(&e["rate"]))),
            base: format!(
                "{} ({})",
                whole(num(&e["base_expected"])),
                pct(num(&e["base_rate"]))
            ),
            lift: l.clone(),
        });
        let (v, b) = (num(&e["value"]), num(&e["base_value"]));
        out.push(Row {
            label: e["value_label"].as_str().unwrap_or("").into(),
            audience: format!("${}", whole(v)),
            base: format!("${}", whole(b)),
            lift: if b > 0.0 {
                format!("×{:.2}", v / b)
            } else {
                "–".into()
            },
        });
    }
    out
}

fn cuts(perf: &Value) -> Vec<String> {
    perf["cuts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            format!(
                "{}: of {} members, about {:.0} are expected to do it and {:.0} not; they hold {} of all {:.0} expected.",
                c["cut"].as_str().unwrap_or(""),
                c["members"],
                num(&c["expected_true_positives"]),
                num(&c["expected_false_positives"]),
                pct(num(&c["capture"])),
                num(&c["expected_positives_all"])
            )
        })
        .collect()
}

fn backtest_rows(windows: &[Value]) -> Vec<BacktestRow> {
    let pair = |a: &Value, b: &Value, f: &dyn Fn(f64) -> String| {
        if a.is_null() {
            "not yet observable".into()
        } else {
            format!("{} vs {}", f(num(a)), f(num(b)))
        }
    };
    windows
        .iter()
        .map(|w| {
            let (a, b) = (&w["audience"], &w["all_customers"]);
            BacktestRow {
                as_of: format!(
                    "{} (D−{})",
                    w["as_of"].as_str().unwrap_or(""),
                    w["days_before"]
                ),
                members: a["customers"].to_string(),
                bought: pair(&a["bought_share"], &b["bought_share"], &pct),
                revenue: pair(
                    &a["revenue_per_customer"],
                    &b["revenue_per_customer"],
                    &|x| format!("${}", super::view::money(minijinja::Value::from(x))),
                ),
                churned: pair(&a["churned_share"], &b["churned_share"], &pct),
                lift: lift(&w["bought_lift"]),
            }
        })
        .collect()
}

/// Share who bought after each date: the audience's bar, then all customers'.
fn backtest_bars(windows: &[Value]) -> Vec<Bar> {
    let max = windows
        .iter()
        .flat_map(|w| {
            [
                num(&w["audience"]["bought_share"]),
                num(&w["all_customers"]["bought_share"]),
            ]
        })
        .fold(0.0, f64::max);
    let mut out = Vec::new();
    for w in windows {
        for (who, base) in [("audience", false), ("all_customers", true)] {
            let x = num(&w[who]["bought_share"]);
            let label = if base {
                "all customers".to_string()
            } else {
                format!("D−{} audience", w["days_before"])
            };
            let width = if max > 0.0 {
                (x / max * 1000.0).round() / 10.0
            } else {
                0.0
            };
            out.push(Bar {
                label,
                text: pct(x),
                width,
                y: out.len() * 24,
                base,
            });
        }
    }
    out
}

/// The performance section of a preview, or `None` when the preview has none (count only).
pub fn performance(preview: &Value) -> Option<PerfView> {
    let perf = preview.get("performance")?;
    let windows: Vec<Value> = perf["backtest"]["windows"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let bars = backtest_bars(&windows);
    Some(PerfView {
        available: perf["scores_available"].as_bool().unwrap_or(false),
        note: perf["note"].as_str().unwrap_or("").into(),
        rows: rows(perf),
        cuts: cuts(perf),
        backtest: backtest_rows(&windows),
        backtest_note: perf["backtest"]["note"].as_str().unwrap_or("").into(),
        height: bars.len() * 24,
        bars,
    })
}

/// For each sample member, their scores and the top factors behind each, in words.
pub fn sample_why(preview: &Value) -> Vec<String> {
    let factor = |f: &Value| {
        let c = num(&f["contribution"]);
        format!(
            "{} {}",
            f["feature"].as_str().unwrap_or("").replace('_', " "),
            if c >= 0.0 { "↑" } else { "↓" }
        )
    };
    preview["sample"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let scores: Vec<String> = m["scores"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    let fs: Vec<String> = s["factors"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(factor)
                        .collect();
                    format!(
                        "{} {:.2}: {}",
                        s["task"].as_str().unwrap_or("").replace('_', " "),
                        num(&s["score"]),
                        fs.join(", ")
                    )
                })
                .collect();
            scores.join("; ")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_backtest_becomes_rows_and_paired_bars_with_churn_only_when_observable() {
        let w = json!([
            {"days_before": 30, "as_of": "2026-10-23", "audience": {"customers": 10, "bought_share": 0.5, "revenue_per_customer": 12.0},
             "all_customers": {"customers": 100, "bought_share": 0.25, "revenue_per_customer": 6.0}, "bought_lift": 2.0, "revenue_lift": 2.0},
            {"days_before": 90, "as_of": "2026-08-24", "audience": {"customers": 8, "bought_share": 0.2, "revenue_per_customer": 3.0, "churned_share": 0.4},
             "all_customers": {"customers": 90, "bought_share": 0.1, "revenue_per_customer": 1.0, "churned_share": 0.5}, "bought_lift": 2.0, "revenue_lift": 3.0, "churn_lift": 0.8}
        ]);
        let v =
            performance(&json!({"performance": {"scores_available": false, "note": "train first", "expected": [], "backtest": {"windows": w, "note": "n"}}}))
                .unwrap();
        assert_eq!(v.backtest[0].bought, "50.0% vs 25.0%");
        assert_eq!(v.backtest[0].churned, "not yet observable");
        assert_eq!(v.backtest[1].churned, "40.0% vs 50.0%");
        assert_eq!(
            (
                v.bars.len(),
                v.bars[0].width,
                v.bars[1].width,
                v.bars[1].base
            ),
            (4, 100.0, 50.0, true)
        );
        assert!(!v.available && v.note == "train first" && v.rows.is_empty());
    }

    #[test]
    fn sample_members_read_their_scores_and_the_direction_of_each_factor() {
        let p = json!({"sample": [{"scores": [{"task": "churn_risk", "score": 0.734, "factors": [{"feature": "days_since_last_order", "contribution": 1.2}, {"feature": "orders_90d", "contribution": -0.4}]}]}, {}]});
        assert_eq!(
            sample_why(&p),
            ["churn risk 0.73: days since last order ↑, orders 90d ↓", ""]
        );
    }
}
