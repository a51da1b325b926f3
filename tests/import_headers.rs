//! Issue #16 item 9: the headers of real exports are recognised by rule without `--map` — a key
//! named `learner_id`, an amount named `Fare Paid` / `Basket Total` / `amount_usd`, a time named
//! `Placed At` / `paid_at` / `event_ts`, an event name `Activity` — and a file where two columns fit
//! one field is refused with both names and the `--map` to use.

mod common;

use segwright::app::{App, ImportOptions};
use segwright::domain::definition::Definition;
use segwright::domain::import::Kind;

async fn import(app: &App, dir: &std::path::Path, kind: Kind, text: &str) -> Result<(), String> {
    let path = dir.join("file.csv");
    std::fs::write(&path, text).unwrap();
    app.import(
        ImportOptions::new(kind, path, vec![], false, None, false),
        &segwright::app::Actor::cli(),
    )
    .await
    .map(|_| ())
    .map_err(|e| e.to_string())
}

async fn count(app: &App, root: &str) -> i64 {
    let def = Definition::from_json(&format!(r#"{{"version":1,"root":{root}}}"#))
        .expect("test definition parses");
    app.preview(
        &def,
        app.as_of(Some("2026-06-30")).unwrap(),
        false,
        &segwright::app::Actor::cli(),
    )
    .await
    .expect("preview")
    .size
    .count
}

fn spent(min: f64) -> String {
    format!(
        r#"{{"type":"aggregate","source":"orders","measure":"sum","of":"amount","op":"gte","value":{min}}}"#
    )
}

const CUSTOMERS: &str =
    "learner_id,email,plan\nL1,a@example.com,Plus\nL2,b@example.com,Free\nL3,c@example.com,Free\n";

#[tokio::test]
async fn realistic_amount_time_key_and_event_headers_import_without_a_map() {
    let db = common::sqlite_db();
    let app = common::app(&db).await;
    let dir = tempfile::tempdir().unwrap();
    import(&app, dir.path(), Kind::Customers, CUSTOMERS)
        .await
        .unwrap();
    let orders = [
        "payment_id,learner_id,paid_at,amount_usd,product\np1,L1,2026-06-01,100,course\np2,L2,2026-06-02,5,course\n",
        "Order Ref,learner_id,Placed At,Fare Paid\nr1,L1,2026-06-03,50\n",
        "learner_id,Placed At,Basket Total\nL3,2026-06-04,\"$1,000.00\"\n",
    ];
    for text in orders {
        import(&app, dir.path(), Kind::Orders, text)
            .await
            .unwrap_or_else(|e| panic!("{text}: {e}"));
    }
    assert_eq!(
        count(&app, &spent(150.0)).await,
        2,
        "L1 paid 100 + 50, L3 paid 1,000"
    );
    assert_eq!(count(&app, &spent(1000.0)).await, 1);
    let events = "learner_id,Activity,event_ts\nL1,lesson_completed,2026-06-10T10:00:00Z\nL1,quiz_passed,2026-06-11T10:00:00Z\nL2,lesson_completed,2026-06-12T10:00:00Z\n";
    import(&app, dir.path(), Kind::Events, events)
        .await
        .unwrap();
    let lessons = r#"{"type":"aggregate","source":"events","event":"lesson_completed","measure":"count","op":"gte","value":1}"#;
    assert_eq!(count(&app, lessons).await, 2);
    app.close().await;
}

#[tokio::test]
async fn two_columns_that_fit_one_field_are_refused_with_both_names_and_the_map() {
    let db = common::sqlite_db();
    let app = common::app(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let e = import(
        &app,
        dir.path(),
        Kind::Orders,
        "learner_id,Placed At,Fare Paid,Tax Paid\nL1,2026-06-01,10,1\n",
    )
    .await
    .unwrap_err();
    assert!(
        e.contains("several columns could be `amount`: `Fare Paid`, `Tax Paid`"),
        "{e}"
    );
    assert!(e.contains("--map \"Fare Paid=amount\""), "{e}");
    let e = import(
        &app,
        dir.path(),
        Kind::Events,
        "learner_id,Activity,created_ts,updated_ts\nL1,x,2026-06-01,2026-06-02\n",
    )
    .await
    .unwrap_err();
    assert!(
        e.contains("`occurred_at`: `created_ts`, `updated_ts`"),
        "{e}"
    );
    let e = import(
        &app,
        dir.path(),
        Kind::Customers,
        "plan,account_manager_id,learner_id\nFree,m1,L1\nPlus,m2,L2\n",
    )
    .await
    .unwrap_err();
    assert!(
        e.contains("`account_manager_id`, `learner_id`") && e.contains("external_id"),
        "{e}"
    );
    app.close().await;
}
