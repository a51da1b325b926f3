//! The compiler's SQL, and the in-memory columnar engine, return exactly the members the
//! reference evaluator returns,
//! for random valid definitions over random small datasets — on SQLite, and on PostgreSQL when
//! configured (CI). Both facts modes run: an as-of date after all data (precomputed facts) and
//! one before some of it (facts computed as of the date).

mod common;

use proptest::prelude::*;
use serde_json::{Value, json};

use segwright::app::App;
use segwright::domain::catalog::{AttributeSpec, FieldType};
use segwright::domain::definition::Definition;
use segwright::domain::evaluate;
use segwright::domain::time::{AsOf, DAY_SECS};
use segwright::store::{Bind, CustomerRow, EventRow, OrderRow};

#[derive(Debug, Clone)]
struct GenCustomer {
    email: Option<String>,
    country: Option<&'static str>,
    signup_days_ago: Option<i64>,
    consent: Option<bool>,
    plan: Option<&'static str>,
    fee: Option<i64>,
    orders: Vec<(i64, i64, Option<i64>)>,
    events: Vec<(&'static str, i64)>,
}

const NAMES: [&str; 3] = ["email_open", "cart_abandoned", "page_view"];

/// Instants around day boundaries of the weeks before and after 2026-11-22.
fn instant() -> impl Strategy<Value = i64> {
    let end = AsOf::parse("2026-11-22", "UTC").unwrap().end();
    (
        -20i64..400,
        prop::sample::select(vec![0i64, 1, 43_200, 86_399]),
    )
        .prop_map(move |(d, s)| end - d * DAY_SECS + s)
}

fn customer() -> impl Strategy<Value = GenCustomer> {
    (
        prop::option::of(prop::sample::select(vec![
            "ann@x.io",
            "bob@y.io",
            "cat@ab.io",
        ])),
        prop::option::of(prop::sample::select(vec!["US", "CA", "FR"])),
        prop::option::of(0i64..900),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::sample::select(vec![
            "Annual",
            "Monthly",
            "Pay as you go",
        ])),
        prop::option::of(0i64..150),
        prop::collection::vec((instant(), 1i64..400, prop::option::of(1i64..5)), 0..5),
        prop::collection::vec((prop::sample::select(NAMES.to_vec()), instant()), 0..5),
    )
        .prop_map(
            |(email, country, signup_days_ago, consent, plan, fee, orders, events)| GenCustomer {
                email: email.map(String::from),
                country,
                signup_days_ago,
                consent,
                plan,
                fee,
                orders,
                events,
            },
        )
}

fn number_leaf() -> impl Strategy<Value = Value> {
    let fields = vec![
        "lifetime_revenue",
        "order_count",
        "average_order_value",
        "items_bought",
        "days_since_last_order",
        "days_since_last_activity",
        "tenure_days",
        "monthly_fee",
    ];
    // Small values hit counts and day differences exactly, so boundaries are exercised.
    let value = || {
        prop_oneof![
            0i64..4,
            prop::sample::select(vec![5i64, 10, 30, 50, 100, 200]),
            0i64..500
        ]
    };
    (
        prop::sample::select(fields),
        prop::sample::select(vec![
            "eq",
            "ne",
            "lt",
            "lte",
            "gt",
            "gte",
            "between",
            "in",
            "not_in",
            "is_set",
            "is_not_set",
        ]),
        value(),
        value(),
    )
        .prop_map(|(f, op, a, b)| match op {
            "between" => json!({"type":"attribute","field":f,"op":op,"value":[a.min(b), a.max(b)]}),
            "in" | "not_in" => json!({"type":"attribute","field":f,"op":op,"value":[a, b, 1]}),
            "is_set" | "is_not_set" => json!({"type":"attribute","field":f,"op":op}),
            _ => json!({"type":"attribute","field":f,"op":op,"value":a}),
        })
}

fn other_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            json!({"type":"attribute","field":"country","op":"eq","value":"US"}),
            json!({"type":"attribute","field":"country","op":"not_in","value":["US","CA"]}),
            json!({"type":"attribute","field":"country","op":"is_not_set"}),
            json!({"type":"attribute","field":"plan_type","op":"in","value":["Annual","Monthly"]}),
            json!({"type":"attribute","field":"plan_type","op":"ne","value":"Monthly"}),
            json!({"type":"attribute","field":"email","op":"contains","value":"B"}),
            json!({"type":"attribute","field":"email","op":"starts_with","value":"ca"}),
            json!({"type":"attribute","field":"email_consent","op":"eq","value":true}),
            json!({"type":"attribute","field":"email_consent","op":"ne","value":true}),
            json!({"type":"attribute","field":"signup_date","op":"lt","value":"2026-01-01"}),
            json!({"type":"attribute","field":"last_order_date","op":"eq","value":"2026-11-01"}),
            json!({"type":"attribute","field":"last_order_date","op":"between","value":["2026-06-01","2026-11-22"]}),
            json!({"type":"term","name":"high_value"}),
            json!({"type":"term","name":"lapsed"}),
            json!({"type":"term","name":"new_customers"}),
        ]),
        (
            prop::sample::select(vec!["last_order_date", "first_order_date", "last_activity_date", "signup_date"]),
            prop::sample::select(vec!["within_last", "more_than_ago"]),
            1i64..400,
            prop::sample::select(vec!["days", "weeks", "months"])
        )
            .prop_map(|(f, op, n, u)| json!({"type":"date","field":f,"op":op,"amount":n % 60 + 1,"unit":u})),
        (prop::sample::select(vec!["before", "after"]), 0i64..300).prop_map(|(op, d)| {
            let date = segwright::domain::time::date_of_day(20_414 - d).to_string();
            json!({"type":"date","field":"last_activity_date","op":op,"date":date})
        }),
        (
            prop::sample::select(vec!["count", "sum", "avg", "min", "max"]),
            prop::option::of(1i64..200),
            prop::sample::select(vec!["gte", "lt", "eq"]),
            0i64..400,
            any::<bool>()
        )
            .prop_map(|(m, w, op, v, qty)| {
                let mut n = json!({"type":"aggregate","source":"orders","measure":m,"op":op,"value": if m == "count" { v % 4 } else { v }});
                if m != "count" {
                    n["of"] = json!(if qty { "quantity" } else { "amount" });
                }
                if let Some(w) = w {
                    n["window"] = json!({"last": w, "unit":"days"});
                }
                n
            }),
        (prop::option::of(prop::sample::select(NAMES.to_vec())), prop::option::of(1i64..60), 0i64..3).prop_map(|(e, w, v)| {
            let mut n = json!({"type":"aggregate","source":"events","measure":"count","op":"gte","value":v});
            if let Some(e) = e {
                n["event"] = json!(e);
            }
            if let Some(w) = w {
                n["window"] = json!({"last": w, "unit":"days"});
            }
            n
        }),
        (prop::sample::select(vec!["first", "last"]), prop::sample::select(vec!["lt", "gte", "eq"]), 0i64..300).prop_map(
            |(m, op, d)| json!({"type":"aggregate","source":"orders","measure":m,"op":op,"value":segwright::domain::time::date_of_day(20_414 - d).to_string()})
        ),
        (
            prop::sample::select(vec!["lifetime_revenue", "order_count", "monthly_fee", "days_since_last_order"]),
            prop::sample::select(vec!["top", "bottom"]),
            prop::sample::select(vec![10.0, 20.0, 33.3, 50.0, 100.0])
        )
            .prop_map(|(f, d, p)| json!({"type":"percentile","field":f,"direction":d,"percent":p})),
    ]
}

fn node() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![number_leaf(), other_leaf()];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4)
                .prop_map(|c| json!({"type":"all","conditions":c})),
            prop::collection::vec(inner.clone(), 1..4)
                .prop_map(|c| json!({"type":"any","conditions":c})),
            inner.prop_map(|c| json!({"type":"not","condition":c})),
        ]
    })
}

async fn load(app: &App, customers: &[GenCustomer]) {
    let end = AsOf::parse("2026-11-22", "UTC").unwrap();
    let store = common::store_of(app).await;
    let mut tx = store.begin_import().await.unwrap();
    tx.upsert_attribute_specs(&[
        AttributeSpec {
            name: "plan_type".into(),
            ty: FieldType::Categorical,
            values: vec!["Annual".into(), "Monthly".into(), "Pay as you go".into()],
            column: "PlanType".into(),
        },
        AttributeSpec {
            name: "monthly_fee".into(),
            ty: FieldType::Number,
            values: vec![],
            column: "MonthlyFee".into(),
        },
    ])
    .await
    .unwrap();
    let cols = ["email", "country", "signup_date", "email_consent"];
    let mut rows = Vec::new();
    let (mut orders, mut events) = (Vec::new(), Vec::new());
    for (i, c) in customers.iter().enumerate() {
        let id = format!("K{i}");
        let values = vec![
            Bind::Text(c.email.clone()),
            Bind::Text(c.country.map(String::from)),
            Bind::Int(c.signup_days_ago.map(|d| end.day() - d)),
            Bind::Int(c.consent.map(i64::from)),
        ];
        let attributes = vec![
            ("plan_type".into(), None, c.plan.map(String::from)),
            ("monthly_fee".into(), c.fee.map(|f| f as f64), None),
        ];
        rows.push(CustomerRow {
            external_id: id.clone(),
            values,
            attributes,
        });
        for (n, (t, amount, q)) in c.orders.iter().enumerate() {
            orders.push(OrderRow {
                key: format!("{id}:{n}"),
                customer: id.clone(),
                occurred_at: *t,
                amount: *amount as f64,
                quantity: *q,
            });
        }
        for (n, (name, t)) in c.events.iter().enumerate() {
            events.push(EventRow {
                key: format!("{id}:e{n}"),
                customer: id.clone(),
                name: name.to_string(),
                occurred_at: *t,
                properties: None,
            });
        }
    }
    tx.upsert_customers(&cols, rows).await.unwrap();
    tx.upsert_orders(orders).await.unwrap();
    tx.upsert_events(events).await.unwrap();
    tx.commit().await.unwrap();
    store.refresh_facts().await.unwrap();
    app.invalidate();
}

/// Members by SQL and by the evaluator, as external ids; `None` if the definition is invalid.
async fn both(app: &App, def: &Definition, as_of: AsOf) -> Option<(Vec<String>, Vec<String>)> {
    let prepared = app
        .prepare(def, as_of, &segwright::app::Actor::cli())
        .await
        .ok()?;
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    app.stream_prepared(&prepared, tx, &segwright::app::Actor::cli())
        .await
        .unwrap();
    let mut sql = Vec::new();
    while let Some(chunk) = rx.recv().await {
        sql.extend(chunk.into_iter().map(|m| m.external_id));
    }
    let mut data = Vec::new();
    let store = common::store_of(app).await;
    for ext in store.external_ids().await.unwrap() {
        data.push(store.load_customer(&ext).await.unwrap().unwrap());
    }
    let ids = evaluate::members(&prepared.vd, &data);
    let mut reference: Vec<String> = Vec::new();
    for c in &data {
        if ids.binary_search(&c.id).is_ok()
            && let Some(evaluate::AttrValue::Text(e)) = c.columns.get("external_id")
        {
            reference.push(e.clone());
        }
    }
    // Thresholds must agree too, or the comparison would be circular.
    assert_eq!(
        prepared.thresholds,
        evaluate::thresholds(&prepared.vd, &data),
        "percentile thresholds differ"
    );
    // The in-memory columnar engine must agree as well.
    let table = store.load_table().await.unwrap();
    let engine = segwright::domain::columnar::eval::Engine::new(&table, as_of);
    // (Definitions on personal text columns, which are not held in memory, use SQL.)
    if engine.supports(prepared.vd.root()) {
        assert_eq!(
            engine.thresholds(&prepared.vd),
            prepared.thresholds,
            "in-memory thresholds differ"
        );
        let mask = engine.mask(prepared.vd.root(), &prepared.thresholds);
        let mut memory: Vec<String> = table
            .external_ids
            .iter()
            .zip(mask)
            .filter(|(_, m)| *m)
            .map(|(e, _)| e.clone())
            .collect();
        memory.sort();
        let mut reference_sorted = reference.clone();
        reference_sorted.sort();
        assert_eq!(
            memory,
            reference_sorted,
            "in-memory members differ for {:?}",
            prepared.vd.definition()
        );
    }
    sql.sort();
    reference.sort();
    Some((sql, reference))
}

fn check_backend(db_kind: &'static str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = ProptestConfig {
        cases: if db_kind == "sqlite" { 128 } else { 48 },
        max_global_rejects: 4096,
        ..ProptestConfig::default()
    };
    let db = rt.block_on(async {
        match db_kind {
            "sqlite" => Some(common::sqlite_db()),
            _ => common::postgres_db().await,
        }
    });
    let Some(db) = db else { return };
    let app = rt.block_on(common::app(&db));
    proptest!(config, |(customers in prop::collection::vec(customer(), 1..14), roots in prop::collection::vec(node(), 1..4), late in any::<bool>())| {
        rt.block_on(async {
            common::store_of(&app).await.clear_customer_data().await.unwrap();
            load(&app, &customers).await;
        });
        let as_of = AsOf::parse(if late { "2026-12-31" } else { "2026-11-22" }, "UTC").unwrap();
        let mut checked = 0;
        for root in &roots {
            let def = Definition::from_value(json!({"version":1,"root":root})).unwrap();
            if let Some((sql, reference)) = rt.block_on(both(&app, &def, as_of)) {
                prop_assert_eq!(&sql, &reference, "definition {} as of {}", root, as_of.date());
                checked += 1;
            }
        }
        prop_assume!(checked > 0);
    });
}

#[test]
fn compiled_sql_matches_the_reference_evaluator_on_sqlite() {
    check_backend("sqlite");
}

#[test]
fn compiled_sql_matches_the_reference_evaluator_on_postgres() {
    check_backend("postgres");
}
