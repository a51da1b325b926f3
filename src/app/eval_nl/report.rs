//! Scores of an evaluation run: per category, per half (dev / held-out), overall, and the
//! confidently wrong answers; and the same as a table for a terminal.

use std::collections::BTreeMap;

use super::{CaseResult, CategoryScore, EvalReport};

fn tally(c: &mut CategoryScore, r: &CaseResult) {
    match r.status.as_str() {
        "not_run" => c.not_run += 1,
        s => {
            c.run += 1;
            c.passed += usize::from(s == "pass");
            c.confidently_wrong += usize::from(r.confidently_wrong);
        }
    }
}

/// Add up the results.
pub fn report(results: Vec<CaseResult>) -> EvalReport {
    let mut cats: BTreeMap<String, CategoryScore> = BTreeMap::new();
    let mut halves: BTreeMap<&'static str, CategoryScore> = BTreeMap::new();
    let mut unrecognized = BTreeMap::new();
    for r in &results {
        tally(
            cats.entry(r.category.clone())
                .or_insert_with(|| CategoryScore {
                    category: r.category.clone(),
                    ..Default::default()
                }),
            r,
        );
        tally(
            halves.entry(r.split).or_insert_with(|| CategoryScore {
                category: r.split.to_string(),
                ..Default::default()
            }),
            r,
        );
        for u in &r.unrecognized {
            *unrecognized.entry(u.clone()).or_insert(0) += 1;
        }
    }
    let categories: Vec<CategoryScore> = cats.into_values().collect();
    let (passed, run, not_run) = categories.iter().fold((0, 0, 0), |a, c| {
        (a.0 + c.passed, a.1 + c.run, a.2 + c.not_run)
    });
    let confidently_wrong = categories.iter().map(|c| c.confidently_wrong).sum();
    let accuracy = if run == 0 {
        0.0
    } else {
        passed as f64 / run as f64
    };
    EvalReport {
        categories,
        passed,
        run,
        not_run,
        accuracy,
        confidently_wrong,
        suite: String::new(),
        split: "all",
        interpreter: String::new(),
        halves: halves.into_values().collect(),
        unrecognized,
        results,
    }
}

fn row(name: &str, c: &CategoryScore) -> String {
    let acc = if c.run == 0 {
        0.0
    } else {
        100.0 * c.passed as f64 / c.run as f64
    };
    format!(
        "{:<18} {:>7} {:>5} {:>8} {:>7.1}% {:>10}\n",
        name, c.passed, c.run, c.not_run, acc, c.confidently_wrong
    )
}

impl EvalReport {
    /// The per-category and per-half tables and the failures, for a terminal.
    pub fn human(&self, show_failures: bool) -> String {
        let mut out = format!(
            "suite {}, split {}, interpreter {}\n",
            self.suite, self.split, self.interpreter
        );
        out.push_str(&format!(
            "{:<18} {:>7} {:>5} {:>8} {:>8} {:>10}\n",
            "category", "passed", "run", "not run", "accuracy", "conf.wrong"
        ));
        for c in &self.categories {
            out.push_str(&row(&c.category, c));
        }
        let all = CategoryScore {
            category: "all".into(),
            passed: self.passed,
            run: self.run,
            not_run: self.not_run,
            confidently_wrong: self.confidently_wrong,
        };
        out.push_str(&row("all", &all));
        for h in &self.halves {
            out.push_str(&row(&format!("  half: {}", h.category), h));
        }
        let spans: Vec<String> = self
            .unrecognized
            .iter()
            .map(|(k, v)| format!("\"{k}\" ×{v}"))
            .collect();
        out.push_str(&format!(
            "unrecognized spans ({}): {}\n",
            self.unrecognized.values().sum::<usize>(),
            spans.join(", ")
        ));
        for r in self
            .results
            .iter()
            .filter(|r| show_failures && r.status != "pass")
        {
            out.push_str(&format!(
                "\n[{}{}] {} ({}, {}) — {}\n  got:      {}\n  expected: {}\n",
                r.status,
                if r.confidently_wrong {
                    ", CONFIDENTLY WRONG"
                } else {
                    ""
                },
                r.prompt,
                r.category,
                r.split,
                r.reason.as_deref().unwrap_or(""),
                r.got
                    .as_ref()
                    .map(|g| serde_json::to_string(g).unwrap_or_default())
                    .unwrap_or_default(),
                r.expected
            ));
            for q in &r.questions {
                out.push_str(&format!("  asked:    {q}\n"));
            }
        }
        out
    }
}
