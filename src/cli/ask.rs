//! `segwright ask` and `segwright eval-nl`: the command-line faces of the interpreter.

use clap::Args;

use crate::app::{Answer, App, AppError, AskRequest, Choice};
use crate::domain::scoring::performance::Performance;
use crate::domain::time::AsOf;

/// Arguments of `segwright ask`.
#[derive(Debug, Args)]
pub struct AskArgs {
    /// The request, in plain language.
    pub prompt: String,
    /// Print the whole answer as JSON (the contract scripts use; see README).
    #[arg(long)]
    pub json: bool,
    /// Which interpreter answers.
    #[arg(long, value_enum, default_value_t = InterpreterArg::Auto)]
    pub interpreter: InterpreterArg,
    /// Continue (or start) this conversation: the request refines its current definition.
    #[arg(long)]
    pub conversation: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InterpreterArg {
    Offline,
    Llm,
    Auto,
}

impl InterpreterArg {
    fn choice(self) -> Choice {
        match self {
            InterpreterArg::Offline => Choice::Offline,
            InterpreterArg::Llm => Choice::Llm,
            InterpreterArg::Auto => Choice::Auto,
        }
    }
}

/// Run `ask`.
pub async fn ask(app: &App, args: AskArgs, as_of: AsOf) -> Result<(), AppError> {
    let interpreter = args.interpreter.choice();
    let req = AskRequest {
        prompt: args.prompt,
        conversation_id: args.conversation,
        start_conversation: false,
        interpreter,
        full_preview: true,
    };
    let answer = app.ask(req, as_of, &crate::app::Actor::cli()).await?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&answer).expect("answer serializes")
        );
    } else {
        print!("{}", human(&answer));
    }
    Ok(())
}

/// The answer as text for a terminal.
pub fn human(a: &Answer) -> String {
    let i = &a.interpretation;
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!(
        "Understood ({}{}):",
        i.interpreter,
        if i.partial { ", partly" } else { "" }
    ));
    for e in &i.explanation {
        line(format!("  • \"{}\" → {}", e.span.text, e.sentence));
    }
    if i.explanation.is_empty() {
        line("  (nothing)".into());
    }
    for d in &a.diff {
        line(format!("  Δ {d}"));
    }
    for s in &i.assumptions {
        let alts = if s.alternatives.is_empty() {
            String::new()
        } else {
            format!(" — or: {}", s.alternatives.join(", "))
        };
        line(format!("Assumed: \"{}\": {}{alts}", s.span.text, s.text));
    }
    for t in &i.intervals {
        line(format!("Time: {t}"));
    }
    for u in &i.unrecognized {
        line(format!("Not understood: \"{}\"", u.text));
    }
    for q in &i.questions {
        line(format!("Question: {q}"));
    }
    if i.definition.is_partial() {
        let words = i
            .definition
            .unresolved
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(", ");
        line(format!(
            "Partly understood: not saveable until the words {words} are removed (delete `unresolved` from the definition to keep the rest) or the request is rephrased."
        ));
    }
    for n in &i.notices {
        line(format!("Notice: {n}"));
    }
    for issue in &a.issues {
        line(format!("Problem: {issue}"));
    }
    if let Some(p) = &a.preview {
        let s = &p.size;
        line(format!(
            "Audience: {} of {} customers ({}%); reachable by email {}, by ads {} (as of {} {})",
            s.count,
            s.total_customers,
            s.percent,
            s.reachable_email,
            s.reachable_ads,
            p.as_of,
            p.timezone
        ));
        for t in &p.thresholds {
            line(format!("Threshold: {}", t.description));
        }
        p.performance
            .iter()
            .flat_map(performance_lines)
            .for_each(&mut line);
    }
    if let Some(c) = &a.conversation_id {
        line(format!("Conversation: {c} (turn {})", a.turn.unwrap_or(0)));
    }
    out
}

/// The predicted performance and backtest of a full preview, one line each.
fn performance_lines(p: &Performance) -> Vec<String> {
    let mut out: Vec<String> = p.note.iter().map(|n| format!("Predicted: {n}")).collect();
    for e in &p.expected {
        out.push(format!(
            "Predicted: {} {:.0} ({:.1}% of members vs {:.1}% of all customers, ×{:.2}); {} ${:.0} (${:.0} at random)",
            e.label,
            e.expected,
            e.rate * 100.0,
            e.base_rate * 100.0,
            e.lift,
            e.value_label,
            e.value,
            e.base_value
        ));
    }
    for c in &p.cuts {
        out.push(format!(
            "Cut {}: about {:.0} of {} members expected to do it, {:.0} not; {:.1}% of all expected",
            c.cut,
            c.expected_true_positives,
            c.members,
            c.expected_false_positives,
            c.capture * 100.0
        ));
    }
    for w in p.backtest.iter().flat_map(|b| &b.windows) {
        let churn = w.audience.churned_share.zip(w.all_customers.churned_share);
        out.push(format!(
            "Backtest as of {}: {} members; {:.1}% bought in the next 30 days vs {:.1}% of all customers{}",
            w.as_of,
            w.audience.customers,
            w.audience.bought_share * 100.0,
            w.all_customers.bought_share * 100.0,
            churn.map_or(String::new(), |(a, b)| format!("; {:.1}% churned vs {:.1}%", a * 100.0, b * 100.0))
        ));
    }
    out
}

/// Arguments of `segwright eval-nl`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Folder of case files (`CATEGORY.json`).
    #[arg(long, default_value = "tests/nl/cases")]
    pub cases: std::path::PathBuf,
    /// Folder with the custom dataset's customers.csv, orders.csv and events.csv.
    #[arg(long, default_value = "tests/nl/data")]
    pub data: std::path::PathBuf,
    /// Fail (exit 1) below this share of exact member-set matches.
    #[arg(long, default_value_t = 0.95)]
    pub min: f64,
    /// Print the whole report as JSON.
    #[arg(long)]
    pub json: bool,
    /// List every case that did not pass.
    #[arg(long)]
    pub failures: bool,
    /// `original` (tests/nl/cases), `generalise` (tests/nl/generalise: exports and requests
    /// the interpreter was not written against), `fresh` (tests/nl/fresh: dev half tuned on) or
    /// `fresh2` (tests/nl/fresh2: dev half tuned on) or `fresh3` (tests/nl/fresh3: written
    /// blind, dev half tuned on).
    #[arg(long, default_value = "original", value_parser = crate::app::eval_nl::Suite::parse)]
    pub suite: crate::app::eval_nl::Suite,
    /// `all`, `dev` or `heldout`: the half of the cases to run (a fixed rule on each prompt).
    #[arg(long, default_value = "all", value_parser = crate::app::eval_nl::Split::parse)]
    pub split: crate::app::eval_nl::Split,
    /// `offline` (default) or `llm` (the configured endpoint, scored the same way).
    #[arg(long, value_enum, default_value_t = InterpreterArg::Offline)]
    pub interpreter: InterpreterArg,
    /// Rewrite every column header first: `snake`, `camel`, `spaced` or `abbreviated`.
    #[arg(long, value_parser = crate::app::eval_nl::Rename::parse)]
    pub rename: Option<crate::app::eval_nl::Rename>,
}

/// Run `eval-nl`.
pub async fn eval_nl(
    args: &EvalArgs,
    llm: Option<crate::interpret::llm::LlmConfig>,
) -> Result<(), AppError> {
    let work = std::env::temp_dir().join(format!("segwright-eval-{}", std::process::id()));
    let (cases, data) = match args.suite.folders() {
        None => (args.cases.clone(), args.data.clone()),
        Some((cases, data)) => (cases.into(), data.into()),
    };
    let opts = crate::app::eval_nl::EvalOptions {
        cases,
        data,
        work: work.clone(),
        suite: args.suite,
        split: args.split,
        interpreter: args.interpreter.choice(),
        rename: args.rename,
        llm,
    };
    let report = crate::app::eval_nl::eval_nl(&opts).await;
    let _ = std::fs::remove_dir_all(&work);
    let report = report?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("report serializes")
        );
    } else {
        print!("{}", report.human(args.failures));
    }
    if report.confidently_wrong > 0 && args.interpreter == InterpreterArg::Offline {
        return Err(AppError::BadInput(format!(
            "{} answers were confidently wrong (wrong audience, nothing flagged)",
            report.confidently_wrong
        )));
    }
    if report.accuracy < args.min {
        return Err(AppError::BadInput(format!(
            "accuracy {:.1}% is below the required {:.1}%",
            100.0 * report.accuracy,
            100.0 * args.min
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::scoring::backtest::{Backtest, BacktestWindow, Behaviour};

    #[test]
    fn the_answer_in_words_says_when_scores_are_missing_and_reads_the_backtest() {
        let b = |customers, bought_share, churned_share| Behaviour {
            customers,
            bought_share,
            revenue_per_customer: 1.0,
            churned_share,
        };
        let w = BacktestWindow {
            days_before: 90,
            as_of: "2026-08-24".into(),
            audience: b(10, 0.5, Some(0.2)),
            all_customers: b(100, 0.25, Some(0.4)),
            bought_lift: Some(2.0),
            revenue_lift: Some(1.0),
            churn_lift: Some(0.5),
        };
        let p = Performance {
            members: 10,
            scores_available: false,
            note: Some("no model".into()),
            expected: Vec::new(),
            cuts: Vec::new(),
            distribution: Vec::new(),
            backtest: Some(Backtest {
                follow_days: 30,
                churn_days: 90,
                windows: vec![w],
                note: String::new(),
            }),
        };
        let lines = performance_lines(&p);
        assert_eq!(lines[0], "Predicted: no model");
        assert_eq!(
            lines[1],
            "Backtest as of 2026-08-24: 10 members; 50.0% bought in the next 30 days vs 25.0% of all customers; 20.0% churned vs 40.0%"
        );
    }
}
