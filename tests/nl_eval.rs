//! The offline interpreter on the evaluation set in `tests/nl`: at least 95% of the requests
//! that can run select exactly the audience their expected definition selects, and a request
//! that cannot run says what it needs.

use segwright::app::eval_nl::{EvalOptions, Rename, Split, Suite, eval_nl};

#[tokio::test(flavor = "multi_thread")]
async fn the_offline_interpreter_gets_at_least_95_percent_of_the_evaluation_set_exactly_right() {
    let work = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let opts = EvalOptions::original(root, work.path());
    let report = eval_nl(&opts).await.expect("evaluation runs");
    assert!(
        report.run >= 250,
        "most cases run: {} of {}",
        report.run,
        report.run + report.not_run
    );
    let failures: Vec<String> = report
        .results
        .iter()
        .filter(|r| r.status == "fail")
        .map(|r| format!("{} ({:?})", r.prompt, r.reason))
        .collect();
    assert!(
        report.accuracy >= 0.95,
        "accuracy {:.1}%; failures:\n{}",
        report.accuracy * 100.0,
        failures.join("\n")
    );
    for r in report.results.iter().filter(|r| r.status == "not_run") {
        assert!(
            r.reason.is_some(),
            "a case that did not run says why: {}",
            r.prompt
        );
    }
}

fn generalise(work: &std::path::Path, split: Split, rename: Option<Rename>) -> EvalOptions {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    EvalOptions {
        rename,
        ..EvalOptions::generalise(root, work, split)
    }
}

/// Floors under today's figures on exports and requests the interpreter was not written
/// against (tests/nl/generalise): tuning happens on `dev`; `heldout` is only measured, and
/// the README reports both. A drop below either floor fails.
#[tokio::test(flavor = "multi_thread")]
async fn on_exports_it_was_not_written_against_the_interpreter_keeps_its_accuracy_and_asks_when_unsure()
 {
    let work = tempfile::tempdir().unwrap();
    let dev = eval_nl(&generalise(work.path(), Split::Dev, None))
        .await
        .expect("dev half runs");
    let heldout = eval_nl(&generalise(work.path(), Split::Heldout, None))
        .await
        .expect("held-out half runs");
    assert!(
        dev.run >= 130 && heldout.run >= 110,
        "both halves run: {} and {}",
        dev.run,
        heldout.run
    );
    let wrong = |r: &segwright::app::eval_nl::EvalReport| {
        r.results
            .iter()
            .filter(|c| c.confidently_wrong)
            .map(|c| format!("{} ({})", c.prompt, c.dataset))
            .collect::<Vec<_>>()
    };
    assert!(
        dev.accuracy >= 0.88,
        "dev accuracy {:.1}%",
        dev.accuracy * 100.0
    );
    assert!(
        heldout.accuracy >= 0.80,
        "held-out accuracy {:.1}%",
        heldout.accuracy * 100.0
    );
    assert!(
        dev.confidently_wrong == 0,
        "confidently wrong on dev: {:?}",
        wrong(&dev)
    );
    assert!(
        heldout.confidently_wrong == 0,
        "confidently wrong on held-out: {:?}",
        wrong(&heldout)
    );
}

/// The fresh suite (tests/nl/fresh), written later by someone who never read the interpreter:
/// floors under today's figures; only its dev half is ever looked at case by case.
#[tokio::test(flavor = "multi_thread")]
async fn on_a_fresh_suite_never_tuned_on_the_interpreter_is_not_confidently_wrong() {
    holds(
        Suite::Fresh,
        Floor {
            run: (55, 60),
            accuracy: (0.65, 0.71),
            wrong: (0, 0),
        },
    )
    .await;
}

/// The same requests over the same exports with every column header rewritten (snake_case,
/// camelCase, spaced words, abbreviations) select the same audiences.
#[tokio::test(flavor = "multi_thread")]
async fn renaming_every_column_changes_no_audience() {
    let work = tempfile::tempdir().unwrap();
    let outcome = |r: &segwright::app::eval_nl::EvalReport| -> std::collections::BTreeMap<String, (String, Option<usize>)> {
        r.results.iter().map(|c| (format!("{} | {}", c.dataset, c.prompt), (c.status.clone(), c.got_count))).collect()
    };
    let base = outcome(
        &eval_nl(&generalise(work.path(), Split::All, None))
            .await
            .expect("runs"),
    );
    for style in [
        Rename::Snake,
        Rename::Camel,
        Rename::Spaced,
        Rename::Abbreviated,
    ] {
        let renamed = outcome(
            &eval_nl(&generalise(work.path(), Split::All, Some(style)))
                .await
                .expect("renamed runs"),
        );
        let changed: Vec<String> = base
            .iter()
            .filter(|(k, v)| renamed.get(*k) != Some(v))
            .map(|(k, v)| format!("{k}: {v:?} → {:?}", renamed.get(k)))
            .collect();
        assert!(
            changed.is_empty(),
            "{style:?}: {} of {} cases changed:\n{}",
            changed.len(),
            base.len(),
            changed.join("\n")
        );
    }
}

/// The second fresh suite (tests/nl/fresh2, 2026-12-04), the untouched measure: a ratchet under
/// today's figures (first run 24.6% / 25.0% with 17 confidently wrong; the data's own nouns
/// and consent columns brought it to 78.5% / 58.8%, 0 and 2). Confidently wrong answers may only
/// fall.
#[tokio::test(flavor = "multi_thread")]
async fn on_a_second_fresh_suite_accuracy_holds_and_confident_mistakes_only_fall() {
    holds(
        Suite::Fresh2,
        Floor {
            run: (60, 60),
            accuracy: (0.78, 0.58),
            wrong: (0, 2),
        },
    )
    .await;
}

/// The third fresh suite (tests/nl/fresh3, 2026-12-04, written blind): first run 52.1% / 63.6%
/// with 11 and 8 confidently wrong; combined values, yes/no columns with a third value, the
/// data's start-date column and asking about side-by-side values and year-less months brought
/// it to 62.8% / 68.2% with 1 and 4; place columns by name, spelled-out event abbreviations and
/// two-letter codes only in capitals to 67.0% / 72.7% with 1 and 3. A ratchet: confidently wrong
/// answers may only fall.
#[tokio::test(flavor = "multi_thread")]
async fn on_a_third_fresh_suite_accuracy_holds_and_confident_mistakes_only_fall() {
    holds(
        Suite::Fresh3,
        Floor {
            run: (90, 85),
            accuracy: (0.66, 0.72),
            wrong: (1, 3),
        },
    )
    .await;
}

/// The least a suite's two halves must keep: cases run, accuracy, and at most this many
/// confidently wrong answers (dev, held-out).
struct Floor {
    run: (usize, usize),
    accuracy: (f64, f64),
    wrong: (usize, usize),
}

/// Run both halves of an export suite and hold them to their floor.
async fn holds(suite: Suite, floor: Floor) {
    let work = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let half = |split| EvalOptions::exports(suite, root, work.path(), split);
    let dev = eval_nl(&half(Split::Dev)).await.expect("dev half runs");
    let heldout = eval_nl(&half(Split::Heldout))
        .await
        .expect("held-out half runs");
    assert!(
        dev.run >= floor.run.0 && heldout.run >= floor.run.1,
        "both halves run: {} and {}",
        dev.run,
        heldout.run
    );
    assert!(
        dev.accuracy >= floor.accuracy.0 && heldout.accuracy >= floor.accuracy.1,
        "accuracy: dev {:.1}%, held-out {:.1}%",
        dev.accuracy * 100.0,
        heldout.accuracy * 100.0
    );
    assert!(
        dev.confidently_wrong <= floor.wrong.0 && heldout.confidently_wrong <= floor.wrong.1,
        "confidently wrong: dev {}, held-out {}",
        dev.confidently_wrong,
        heldout.confidently_wrong
    );
}
