//! The natural-language builder end to end: requests over the demo data and over a CSV with
//! custom columns, the answer's contract, and conversations that refine, undo and resume on
//! both databases.

mod common;

use serde_json::json;

use segwright::app::{App, AskRequest, DemoOptions, ImportOptions};
use segwright::domain::import::Kind;

async fn demo_app(db: &common::TestDb) -> App {
    let app = common::app(db).await;
    let as_of = app.as_of(None).unwrap();
    segwright::app::generate_demo(
        &app,
        DemoOptions {
            customers: 600,
            seed: 3,
            progress: false,
        },
        as_of,
    )
    .await
    .expect("demo data");
    app
}

fn ask(prompt: &str, conversation: Option<&str>) -> AskRequest {
    AskRequest {
        prompt: prompt.into(),
        conversation_id: conversation.map(String::from),
        full_preview: false,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_request_returns_definition_explanation_assumptions_and_a_preview() {
    let db = common::sqlite_db();
    let app = demo_app(&db).await;
    let a = app
        .ask(
            ask("high-value customers inactive for 30 days", None),
            app.as_of(None).unwrap(),
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();
    let v = serde_json::to_value(&a).unwrap();
    assert_eq!(v["definition"]["interpreter"], "offline");
    assert_eq!(v["partial"], false);
    assert_eq!(v["explanation"][1]["span"]["text"], "inactive for 30 days");
    assert!(
        v["assumptions"][0]["text"]
            .as_str()
            .unwrap()
            .contains("lifetime revenue ≥"),
        "threshold shown: {}",
        v["assumptions"]
    );
    assert_eq!(
        v["intervals"][0],
        "last 30 days = 2026-10-24 00:00 → 2026-11-22 24:00 UTC"
    );
    let count = v["preview"]["size"]["count"].as_i64().unwrap();
    assert!(count > 0 && count < 600, "a real audience: {count}");
}

#[tokio::test]
async fn words_it_does_not_know_are_returned_with_a_question_never_dropped() {
    let db = common::sqlite_db();
    let app = demo_app(&db).await;
    let a = app
        .ask(
            ask("VIPs who love jazz", None),
            app.as_of(None).unwrap(),
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();
    assert!(a.interpretation.partial);
    assert_eq!(a.interpretation.unrecognized[0].text, "love jazz");
    assert!(a.interpretation.questions[0].contains("love jazz"));
}

#[tokio::test]
async fn a_newly_imported_custom_column_is_understood_without_code_changes() {
    let db = common::sqlite_db();
    let app = common::app(&db).await;
    let csv = "customer_id,email,PlanType,MonthlyFee,HasKids\nc1,a@x.io,Annual,90,Yes\nc2,b@x.io,Pay as you go,20,No\nc3,c@x.io,Annual,40,No\n";
    let (_dir, path) = common::write_file("customers.csv", csv);
    app.import(
        ImportOptions::new(Kind::Customers, path, vec![], false, None, false),
        &segwright::app::Actor::cli(),
    )
    .await
    .unwrap();
    let as_of = app.as_of(None).unwrap();
    for (prompt, want) in [
        ("annual plan customers", 2),
        ("customers on pay as you go", 1),
        ("paying more than $80 a month", 1),
        ("customers with kids", 1),
        ("customers without kids", 2),
    ] {
        let a = app
            .ask(ask(prompt, None), as_of, &segwright::app::Actor::cli())
            .await
            .unwrap();
        assert!(
            a.interpretation.unrecognized.is_empty(),
            "{prompt}: {:?}",
            a.interpretation.unrecognized
        );
        assert_eq!(a.preview.expect("preview").size.count, want, "{prompt}");
    }
}

#[tokio::test]
async fn a_conversation_refines_undoes_and_resumes_on_both_databases() {
    for db in common::all_dbs().await {
        let app = demo_app(&db).await;
        let as_of = app.as_of(None).unwrap();
        let first = app
            .ask(
                AskRequest {
                    start_conversation: true,
                    ..ask("VIPs in California or Texas inactive for 30 days", None)
                },
                as_of,
                &segwright::app::Actor::cli(),
            )
            .await
            .unwrap();
        let id = first.conversation_id.clone().expect("a conversation id");
        let turn = |p: &str| ask(p, Some(&id));
        let only = app
            .ask(
                turn("only in California"),
                as_of,
                &segwright::app::Actor::cli(),
            )
            .await
            .unwrap();
        assert_eq!(
            only.interpretation.definition.root.clone(),
            serde_json::from_value(json!({"type": "all", "conditions": [
                {"type": "term", "name": "high_value"},
                {"type": "attribute", "field": "region", "op": "eq", "value": "CA"},
                {"type": "term", "name": "inactive_for", "params": {"days": 30}},
            ]}))
            .unwrap(),
            "{}",
            db.name
        );
        assert!(
            only.diff[0].starts_with("changed: region"),
            "{:?}",
            only.diff
        );
        let longer = app
            .ask(
                turn("what about 60 days?"),
                as_of,
                &segwright::app::Actor::cli(),
            )
            .await
            .unwrap();
        assert!(
            serde_json::to_string(&longer.interpretation.definition)
                .unwrap()
                .contains("\"days\":60")
        );
        let undone = app
            .ask(turn("undo"), as_of, &segwright::app::Actor::cli())
            .await
            .unwrap();
        assert_eq!(
            undone.interpretation.definition.root, only.interpretation.definition.root,
            "{}",
            db.name
        );
        let dropped = app
            .ask(
                turn("drop the region condition"),
                as_of,
                &segwright::app::Actor::cli(),
            )
            .await
            .unwrap();
        assert!(
            !serde_json::to_string(&dropped.interpretation.definition)
                .unwrap()
                .contains("region")
        );
        assert_eq!(
            app.conversation(&id, &segwright::app::Actor::cli())
                .await
                .unwrap()
                .len(),
            5,
            "{}: the whole conversation is stored",
            db.name
        );
    }
}

#[tokio::test]
async fn the_same_request_always_gives_the_same_definition() {
    let db = common::sqlite_db();
    let app = demo_app(&db).await;
    let as_of = app.as_of(None).unwrap();
    let a = app
        .interpret_only(
            "customers who spent over $1k in the last 90 days but not in Germany",
            as_of,
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();
    let b = app
        .interpret_only(
            "customers who spent over $1k in the last 90 days but not in Germany",
            as_of,
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_string(&a.definition).unwrap(),
        serde_json::to_string(&b.definition).unwrap()
    );
}
