//! The offline interpreter on the evaluation set in `tests/nl`: at least 95% of the requests
//! that can run select exactly the audience their expected definition selects, and a request
//! that cannot run says what it needs.

use segwright::app::eval_nl::{EvalOptions, eval_nl};

#[tokio::test(flavor = "multi_thread")]
async fn the_offline_interpreter_gets_at_least_95_percent_of_the_evaluation_set_exactly_right() {
    let work = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let opts = EvalOptions::original(root, work.path());
    let report = eval_nl(&opts).await.expect("evaluation runs");
    assert!(report.run >= 250, "most cases run: {} of {}", report.run, report.run + report.not_run);
    let failures: Vec<String> = report.results.iter().filter(|r| r.status == "fail").map(|r| format!("{} ({:?})", r.prompt, r.reason)).collect();
    assert!(report.accuracy >= 0.95, "accuracy {:.1}%; failures:\n{}", report.accuracy * 100.0, failures.join("\n"));
    for r in report.results.iter().filter(|r| r.status == "not_run") {
        assert!(r.reason.is_some(), "a case that did not run says why: {}", r.prompt);
    }
}
