//! Orders and events imports on every database: an updated order row updates, the last row of a
//! key in a file wins, a re-imported events file adds nothing, and a large first load (the bulk
//! path that rebuilds the indexes) leaves the same rows and facts as row-by-row writes would.

mod common;

use segwright::app::{App, ImportOptions};
use segwright::domain::definition::Definition;
use segwright::domain::import::Kind;

async fn import(app: &App, dir: &std::path::Path, name: &str, text: &str) {
    import_kind(app, Kind::Orders, dir, name, text).await;
}

async fn import_kind(app: &App, kind: Kind, dir: &std::path::Path, name: &str, text: &str) -> u64 {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let report = app
        .import(
            ImportOptions::new(kind, path, vec![], false, None, false),
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap_or_else(|e| panic!("import {name}: {e}"));
    report.customers_created
}

async fn count(app: &App, json: &str) -> i64 {
    let def = Definition::from_json(json).expect("test definition parses");
    app.preview(
        &def,
        app.as_of(None).unwrap(),
        false,
        &segwright::app::Actor::cli(),
    )
    .await
    .expect("preview")
    .size
    .count
}

fn revenue_is(value: f64) -> String {
    format!(
        r#"{{"version":1,"root":{{"type":"attribute","field":"lifetime_revenue","op":"eq","value":{value}}}}}"#
    )
}

const ORDERED: &str = r#"{"version":1,"root":{"type":"aggregate","source":"orders","measure":"count","op":"gte","value":1}}"#;

async fn updates(db: &common::TestDb) {
    let app = common::app(db).await;
    let dir = tempfile::tempdir().unwrap();
    import(&app, dir.path(), "a.csv", "order_id,customer_id,order_date,amount\no1,c1,2026-11-01,10\no2,c2,2026-11-02,5\no2,c2,2026-11-03,7\n").await;
    assert_eq!(
        count(&app, &revenue_is(7.0)).await,
        1,
        "{}: the later row of o2 wins",
        db.name
    );
    import(
        &app,
        dir.path(),
        "b.csv",
        "order_id,customer_id,order_date,amount\no1,c1,2026-11-01,20\n",
    )
    .await;
    assert_eq!(
        count(&app, &revenue_is(20.0)).await,
        1,
        "{}: the updated o1 replaced the old amount",
        db.name
    );
    assert_eq!(count(&app, &revenue_is(10.0)).await, 0, "{}", db.name);
    import(
        &app,
        dir.path(),
        "b.csv",
        "order_id,customer_id,order_date,amount\no1,c1,2026-11-01,20\n",
    )
    .await;
    assert_eq!(
        count(&app, &revenue_is(20.0)).await,
        1,
        "{}: importing the same file again changes nothing",
        db.name
    );
    app.close().await;
}

#[tokio::test]
async fn an_updated_order_row_updates_and_the_last_row_of_a_key_wins_on_every_database() {
    for db in common::all_dbs().await {
        updates(&db).await;
    }
}

/// 60,000 orders over 3,000 customers: customer `b{n}` has 20 orders of `n % 7 + 1` dollars.
fn large_file() -> String {
    let mut s = String::from("order_id,customer_id,order_date,amount\n");
    for i in 0..60_000u32 {
        let n = i % 3_000;
        s.push_str(&format!(
            "o{i},b{n},2026-10-{:02},{}\n",
            1 + i % 28,
            n % 7 + 1
        ));
    }
    s
}

async fn bulk(db: &common::TestDb) {
    let app = common::app(db).await;
    let dir = tempfile::tempdir().unwrap();
    import(&app, dir.path(), "large.csv", &large_file()).await;
    assert_eq!(
        count(&app, ORDERED).await,
        3_000,
        "{}: every customer named by the file was created",
        db.name
    );
    // n % 7 == 6 for 428 customers of 0..3000: 20 orders of $7.
    assert_eq!(count(&app, &revenue_is(140.0)).await, 428, "{}", db.name);
    // The index is back: a later small import (the row-by-row path) and its facts still work.
    import(
        &app,
        dir.path(),
        "small.csv",
        "order_id,customer_id,order_date,amount\no0,b0,2026-10-01,1001\n",
    )
    .await;
    assert_eq!(
        count(&app, &revenue_is(1020.0)).await,
        1,
        "{}: b0's first order went from $1 to $1001",
        db.name
    );
    app.close().await;
}

async fn bulk_with_a_key_twice(db: &common::TestDb) {
    let app = common::app(db).await;
    let dir = tempfile::tempdir().unwrap();
    let file = large_file() + "o0,b0,2026-10-01,500\n";
    import(&app, dir.path(), "large.csv", &file).await;
    assert_eq!(count(&app, ORDERED).await, 3_000, "{}", db.name);
    // b0 had 20 orders of $1; the last row of o0 makes it $500.
    assert_eq!(
        count(&app, &revenue_is(519.0)).await,
        1,
        "{}: the last row of a key wins in a first load",
        db.name
    );
    // The other 428 customers with 20 orders of $1 are as they were.
    assert_eq!(count(&app, &revenue_is(20.0)).await, 428, "{}", db.name);
    app.close().await;
}

#[tokio::test]
async fn a_large_first_load_naming_an_order_twice_keeps_its_last_row_on_every_database() {
    for db in common::all_dbs().await {
        bulk_with_a_key_twice(&db).await;
    }
}

#[tokio::test]
async fn a_large_first_load_keeps_every_order_and_correct_facts_on_every_database() {
    for db in common::all_dbs().await {
        bulk(&db).await;
    }
}

/// 60,000 events over 3,000 customers: customer `e{n}` has 20 `page_view`s, one in four with
/// JSON properties (escaped quotes and a backslash, as COPY must carry them).
fn large_events_file() -> String {
    let mut s = String::from("customer_id,event,timestamp,properties\n");
    for i in 0..60_000u32 {
        let props = if i % 4 == 0 {
            r#""{""path"":""/a\\b""}""#
        } else {
            ""
        };
        s.push_str(&format!(
            "e{},page_view,2026-11-{:02}T10:00:{:02}Z,{props}\n",
            i % 3_000,
            1 + (i / 3_000) % 20,
            i % 60
        ));
    }
    s
}

fn page_views_are(n: u32) -> String {
    format!(
        r#"{{"version":1,"root":{{"type":"aggregate","source":"events","event":"page_view","measure":"count","op":"eq","value":{n}}}}}"#
    )
}

async fn events(db: &common::TestDb) {
    let app = common::app(db).await;
    let dir = tempfile::tempdir().unwrap();
    let created = import_kind(
        &app,
        Kind::Events,
        dir.path(),
        "events.csv",
        &large_events_file(),
    )
    .await;
    assert_eq!(
        created, 3_000,
        "{}: every customer named by the file was created",
        db.name
    );
    assert_eq!(count(&app, &page_views_are(20)).await, 3_000, "{}", db.name);
    let created = import_kind(
        &app,
        Kind::Events,
        dir.path(),
        "events.csv",
        &large_events_file(),
    )
    .await;
    assert_eq!(created, 0, "{}: the customers exist now", db.name);
    assert_eq!(
        count(&app, &page_views_are(20)).await,
        3_000,
        "{}: importing the same file again adds no event",
        db.name
    );
    // The indexes are back: a small file later (the ordinary path) adds its one new event.
    import_kind(
        &app,
        Kind::Events,
        dir.path(),
        "one.csv",
        "customer_id,event,timestamp\ne0,page_view,2026-11-21T08:00:00Z\n",
    )
    .await;
    assert_eq!(count(&app, &page_views_are(21)).await, 1, "{}", db.name);
    app.close().await;
}

#[tokio::test]
async fn a_large_events_load_creates_its_customers_and_a_second_import_of_it_adds_nothing_on_every_database()
 {
    for db in common::all_dbs().await {
        events(&db).await;
    }
}
