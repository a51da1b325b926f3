//! One persistence story through the store and the app, run on SQLite and (when configured)
//! PostgreSQL: import the fixtures, check derived facts, preview, save versions, export.

mod common;

use segwright::app::{Actor, ImportOptions, SaveSegment};
use segwright::domain::definition::Definition;
use segwright::domain::import::Kind;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn def(json: &str) -> Definition {
    Definition::from_json(json).expect("test definition parses")
}

async fn count(app: &segwright::app::App, json: &str) -> i64 {
    app.preview(
        &def(json),
        app.as_of(None).unwrap(),
        false,
        &segwright::app::Actor::cli(),
    )
    .await
    .expect("preview")
    .size
    .count
}

async fn story(db: &common::TestDb) {
    let app = common::app(db).await;
    for (kind, file) in [
        (Kind::Customers, "customers.csv"),
        (Kind::Orders, "orders.csv"),
        (Kind::Events, "events.csv"),
    ] {
        app.import(
            ImportOptions::new(kind, fixture(file), vec![], false, None, false),
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: import {file}: {e}", db.name));
    }
    // The order for unknown customer c5 created that customer.
    assert_eq!(
        count(
            &app,
            r#"{"version":1,"root":{"type":"all","conditions":[]}}"#
        )
        .await,
        5,
        "{}",
        db.name
    );
    // Facts: c1 has 2 orders worth 200.50.
    assert_eq!(count(&app, r#"{"version":1,"root":{"type":"attribute","field":"lifetime_revenue","op":"eq","value":200.5}}"#).await, 1);
    // Custom attributes are typed: categorical, number, boolean.
    assert_eq!(count(&app, r#"{"version":1,"root":{"type":"attribute","field":"plan_type","op":"eq","value":"annual"}}"#).await, 2);
    assert_eq!(count(&app, r#"{"version":1,"root":{"type":"attribute","field":"monthly_fee","op":"gt","value":40}}"#).await, 2);
    assert_eq!(
        count(
            &app,
            r#"{"version":1,"root":{"type":"attribute","field":"has_kids","op":"eq","value":true}}"#
        )
        .await,
        1
    );
    // Country names are normalised to codes; states to two-letter codes.
    assert_eq!(
        count(
            &app,
            r#"{"version":1,"root":{"type":"attribute","field":"region","op":"eq","value":"CA"}}"#
        )
        .await,
        1
    );
    // Events in a window (the 23:59:59 event on D counts; D is 2026-11-22).
    assert_eq!(count(&app, r#"{"version":1,"root":{"type":"aggregate","source":"events","event":"cart_abandoned","measure":"count","window":{"last":7,"unit":"days"},"op":"gte","value":2}}"#).await, 1);
    assert_eq!(
        count(
            &app,
            r#"{"version":1,"root":{"type":"term","name":"inactive_for","params":{"days":1}}}"#
        )
        .await,
        4
    );

    // As of an earlier day, later data does not exist: c1 had only the June order then.
    let june = app.as_of(Some("2026-06-15")).unwrap();
    let p = app.preview(&def(r#"{"version":1,"root":{"type":"attribute","field":"lifetime_revenue","op":"eq","value":80.5}}"#), june, true, &segwright::app::Actor::cli()).await.unwrap();
    assert_eq!(
        (p.size.count, p.freshness.facts.as_str()),
        (1, "as_of"),
        "{}",
        db.name
    );
    assert_eq!(p.sample[0].lifetime_revenue, 80.5);

    // Re-importing the same file changes nothing.
    app.import(
        ImportOptions::new(
            Kind::Orders,
            fixture("orders.csv"),
            vec![],
            false,
            None,
            false,
        ),
        &segwright::app::Actor::cli(),
    )
    .await
    .unwrap();
    assert_eq!(count(&app, r#"{"version":1,"root":{"type":"aggregate","source":"orders","measure":"count","op":"gte","value":1}}"#).await, 3);

    // Saved segments keep every version.
    let as_of = app.as_of(None).unwrap();
    let v1 = def(
        r#"{"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}}"#,
    );
    let seg = app
        .create_segment(
            SaveSegment {
                name: "us".into(),
                description: None,
                definition: v1.clone(),
            },
            as_of,
            &Actor::cli(),
        )
        .await
        .unwrap();
    let v2 = def(
        r#"{"version":1,"root":{"type":"attribute","field":"country","op":"in","value":["US","CA"]}}"#,
    );
    let updated = app
        .update_segment(&seg.segment.id, v2.clone(), as_of, &Actor::cli())
        .await
        .unwrap();
    assert_eq!(updated.segment.current_version, 2);
    assert_eq!(
        app.segment_definition("us", Some(1), &segwright::app::Actor::cli())
            .await
            .unwrap(),
        v1
    );
    assert_eq!(
        app.segment_definition("us", None, &segwright::app::Actor::cli())
            .await
            .unwrap(),
        v2
    );
    assert_eq!(
        count(
            &app,
            r#"{"version":1,"root":{"type":"segment","segment":"us"}}"#
        )
        .await,
        3
    );

    // Members stream in id order.
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    app.export_members(&v2, as_of, false, tx, &segwright::app::Actor::cli())
        .await
        .unwrap();
    let mut ids = Vec::new();
    while let Some(c) = rx.recv().await {
        ids.extend(c.into_iter().map(|m| m.external_id));
    }
    assert_eq!(ids, vec!["c1", "c2", "c3"]);
    app.close().await;
}

#[tokio::test]
async fn the_persistence_story_holds_on_every_database() {
    for db in common::all_dbs().await {
        story(&db).await;
    }
}

/// Full previews from memory equal the SQL ones, field for field (but timing and facts source).
async fn memory_matches_sql(db: &common::TestDb) {
    let sql_app = common::app(db).await;
    for (kind, file) in [
        (Kind::Customers, "customers.csv"),
        (Kind::Orders, "orders.csv"),
        (Kind::Events, "events.csv"),
    ] {
        sql_app
            .import(
                ImportOptions::new(kind, fixture(file), vec![], false, None, false),
                &segwright::app::Actor::cli(),
            )
            .await
            .unwrap();
    }
    let as_of = sql_app.as_of(None).unwrap();
    sql_app
        .create_segment(
            SaveSegment {
                name: "us".into(),
                description: None,
                definition: def(r#"{"version":1,"root":{"type":"attribute","field":"country","op":"eq","value":"US"}}"#),
            },
            as_of,
            &Actor::cli(),
        )
        .await
        .unwrap();
    let mut settings = sql_app.settings.clone();
    settings.in_memory = true;
    let mem_app = segwright::app::App::open(settings).await.unwrap();
    let definitions = [
        r#"{"version":1,"root":{"type":"all","conditions":[]}}"#,
        r#"{"version":1,"root":{"type":"all","conditions":[{"type":"term","name":"high_value"},{"type":"attribute","field":"plan_type","op":"in","value":["Annual","Monthly"]}]}}"#,
        r#"{"version":1,"root":{"type":"all","conditions":[{"type":"term","name":"inactive_for","params":{"days":2}},{"type":"aggregate","source":"orders","measure":"sum","of":"amount","window":{"last":90,"unit":"days"},"op":"gte","value":10}]}}"#,
    ];
    for d in definitions {
        for as_of in [as_of, sql_app.as_of(Some("2026-06-15")).unwrap()] {
            let mut a = sql_app
                .preview(&def(d), as_of, true, &segwright::app::Actor::cli())
                .await
                .unwrap();
            let mut b = mem_app
                .preview(&def(d), as_of, true, &segwright::app::Actor::cli())
                .await
                .unwrap();
            assert_eq!(
                b.freshness.facts, "in_memory",
                "{}: the in-memory path ran",
                db.name
            );
            (
                a.elapsed_ms,
                b.elapsed_ms,
                a.freshness.facts,
                b.freshness.facts,
            ) = (0.0, 0.0, String::new(), String::new());
            assert_eq!(a, b, "{} {d} as of {}", db.name, as_of.date());
            assert_eq!(
                members(&sql_app, d, as_of).await,
                members(&mem_app, d, as_of).await,
                "{} export {d}",
                db.name
            );
        }
    }
}

async fn members(
    app: &segwright::app::App,
    d: &str,
    as_of: segwright::domain::time::AsOf,
) -> Vec<String> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    app.export_members(&def(d), as_of, false, tx, &segwright::app::Actor::cli())
        .await
        .unwrap();
    let mut ids = Vec::new();
    while let Some(c) = rx.recv().await {
        ids.extend(c.into_iter().map(|m| m.external_id));
    }
    ids
}

#[tokio::test]
async fn previews_from_memory_equal_previews_from_sql() {
    for db in common::all_dbs().await {
        memory_matches_sql(&db).await;
    }
}
