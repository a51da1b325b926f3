//! The offline interpreter over a customer export it was not written against: one test per
//! failure class of issue #16, on a telecom CRM export's columns (`Churn`, `StreamingTV`,
//! `PaymentMethod` with qualified values, `tenure` next to the built-in `tenure_days`, Yes/No
//! columns with a third value) and places that exist both as a state and as a country. An
//! answer is either right or it asks; it is never confidently wrong.

use serde_json::{Value, json};

use segwright::app::{ImportOptions, TrainRequest};
use segwright::domain::catalog::{AttributeSpec, Catalog, FieldType};
use segwright::domain::glossary::Glossary;
use segwright::domain::import::Kind;
use segwright::domain::time::AsOf;
use segwright::interpret::offline::{Cx, Offline};
use segwright::interpret::{CONFIDENT, Interpretation};

mod common;

fn attr(name: &str, ty: FieldType, values: &[&str], column: &str) -> AttributeSpec {
    AttributeSpec {
        name: name.into(),
        ty,
        values: values.iter().map(|v| v.to_string()).collect(),
        column: column.into(),
    }
}

fn telco() -> Catalog {
    let add_on = ["Yes", "No", "No internet service"];
    let attrs = [
        attr("churn", FieldType::Boolean, &[], "Churn"),
        attr(
            "paperless_billing",
            FieldType::Boolean,
            &[],
            "PaperlessBilling",
        ),
        attr(
            "internet_service",
            FieldType::Categorical,
            &["DSL", "Fiber optic", "No"],
            "InternetService",
        ),
        attr(
            "online_security",
            FieldType::Categorical,
            &add_on,
            "OnlineSecurity",
        ),
        attr(
            "tech_support",
            FieldType::Categorical,
            &add_on,
            "TechSupport",
        ),
        attr(
            "streaming_tv",
            FieldType::Categorical,
            &add_on,
            "StreamingTV",
        ),
        attr(
            "streaming_movies",
            FieldType::Categorical,
            &add_on,
            "StreamingMovies",
        ),
        attr(
            "contract",
            FieldType::Categorical,
            &["Month-to-month", "One year", "Two year"],
            "Contract",
        ),
        attr(
            "payment_method",
            FieldType::Categorical,
            &[
                "Electronic check",
                "Mailed check",
                "Bank transfer (automatic)",
                "Credit card (automatic)",
            ],
            "PaymentMethod",
        ),
        attr("tenure", FieldType::Number, &[], "tenure"),
        attr("monthly_charges", FieldType::Number, &[], "MonthlyCharges"),
        attr("last_login", FieldType::Date, &[], "Last Login"),
    ];
    Catalog::build(
        vec!["US".into(), "CA".into(), "GE".into()],
        vec!["CA".into(), "GA".into(), "TX".into()],
        &attrs,
    )
}

fn ask(prompt: &str) -> Interpretation {
    let (c, g) = (telco(), Glossary::default_glossary());
    let cx = Cx {
        catalog: &c,
        glossary: &g,
        as_of: AsOf::parse("2026-06-30", "UTC").unwrap(),
    };
    Offline::new(&cx).interpret(prompt, &cx)
}

/// The definition's root, with every word understood and nothing in doubt.
fn sure(prompt: &str) -> Value {
    let i = ask(prompt);
    assert!(
        i.unrecognized.is_empty(),
        "{prompt}: unrecognized {:?}",
        i.unrecognized
    );
    assert!(
        i.explanation.iter().all(|e| e.confidence >= CONFIDENT),
        "{prompt}: unsure {:?}",
        i.questions
    );
    serde_json::to_value(&i.definition.root).unwrap()
}

fn is(field: &str, value: Value) -> Value {
    json!({"type": "attribute", "field": field, "op": "eq", "value": value})
}

#[test]
fn class_1_column_words_in_another_grammatical_form() {
    assert_eq!(sure("customers who churned"), is("churn", json!(true)));
    assert_eq!(
        sure("customers who have not churned"),
        is("churn", json!(false))
    );
    assert_eq!(
        sure("customers who stream TV"),
        is("streaming_tv", json!("Yes"))
    );
    assert_eq!(
        sure("customers who pay by electronic check"),
        is("payment_method", json!("Electronic check"))
    );
    assert_eq!(
        sure("customers with paperless billing turned off"),
        is("paperless_billing", json!(false))
    );
}

#[test]
fn class_2_yes_no_columns_with_a_third_value_behave_like_booleans() {
    assert_eq!(
        sure("customers with online security"),
        is("online_security", json!("Yes"))
    );
    assert_eq!(
        sure("customers without online security"),
        is("online_security", json!("No"))
    );
    assert_eq!(
        sure("customers with no tech support"),
        is("tech_support", json!("No"))
    );
    assert_eq!(
        sure("customers with streaming TV turned on"),
        is("streaming_tv", json!("Yes"))
    );
    assert_eq!(
        sure("customers with no internet service"),
        is("internet_service", json!("No"))
    );
}

#[test]
fn class_3_values_are_found_without_their_qualifiers() {
    assert_eq!(
        sure("customers who pay by credit card"),
        is("payment_method", json!("Credit card (automatic)"))
    );
    assert_eq!(
        sure("bank transfer customers"),
        is("payment_method", json!("Bank transfer (automatic)"))
    );
    assert_eq!(
        sure("fiber customers"),
        is("internet_service", json!("Fiber optic"))
    );
}

#[test]
fn class_4_the_column_the_data_names_exactly_wins_over_a_built_in_fact() {
    assert_eq!(
        sure("customers with tenure over 24"),
        json!({"type": "attribute", "field": "tenure", "op": "gt", "value": 24.0})
    );
}

#[test]
fn class_5_a_money_sign_is_never_a_count() {
    let one_order = json!({"type": "aggregate", "source": "orders", "measure": "max", "of": "amount", "op": "gt", "value": 100.0});
    assert_eq!(sure("customers who placed an order over $100"), one_order);
}

#[test]
fn class_6_a_negated_follow_up_means_not_at_all() {
    let window = |y: i32| json!({"from": format!("{y}-01-01"), "to": format!("{y}-12-31")});
    let count = |op: &str, n: f64, y: i32| json!({"type": "aggregate", "source": "orders", "measure": "count", "window": window(y), "op": op, "value": n});
    assert_eq!(
        sure("bought at least 3 times in 1997 but never in 1998"),
        json!({"type": "all", "conditions": [count("gte", 3.0, 1997), {"type": "not", "condition": count("gte", 1.0, 1998)}]})
    );
}

#[test]
fn class_7_time_phrases_over_orders_and_over_the_exports_date_columns() {
    let not_within = |n: i64, unit: &str| json!({"type": "not", "condition": {"type": "aggregate", "source": "orders", "measure": "count", "window": {"last": n, "unit": unit}, "op": "gte", "value": 1.0}});
    assert_eq!(
        sure("customers who haven't ordered in over a year"),
        not_within(1, "years")
    );
    let none_since = sure("customers who bought in 2025 but none in the last 120 days");
    assert_eq!(none_since["conditions"][1], not_within(120, "days"));
    assert_eq!(
        sure("customers who haven't logged in for 14 days"),
        json!({"type": "not", "condition": {"type": "date", "field": "last_login", "op": "within_last", "amount": 14, "unit": "days"}})
    );
}

#[test]
fn class_8_a_place_that_is_both_a_state_and_a_country_is_a_question() {
    for prompt in ["customers in CA", "customers in Georgia"] {
        let i = ask(prompt);
        assert!(!i.questions.is_empty(), "{prompt}: no question");
        assert!(
            i.explanation.iter().any(|e| e.confidence < CONFIDENT),
            "{prompt}: answered as sure"
        );
        let q = i.questions.join(" ");
        assert!(
            q.contains("region") && q.contains("country"),
            "{prompt}: both readings offered: {q}"
        );
    }
    // Said outright, it is not ambiguous.
    assert_eq!(
        sure("customers in the state of Georgia"),
        json!({"type": "attribute", "field": "region", "op": "eq", "value": "GA"})
    );
}

#[test]
fn a_place_the_data_does_not_have_is_not_quietly_widened() {
    let i = ask("customers in Iceland");
    assert!(
        i.partial && !i.unrecognized.is_empty(),
        "{:?}",
        i.definition.root
    );
}

#[tokio::test]
async fn class_9_and_10_a_crm_export_imports_by_its_id_header_and_trains_on_its_own_column_name() {
    let db = common::sqlite_db();
    let app = common::app(&db).await;
    let mut csv = String::from("Account ID,Churn,MonthlyCharges\n");
    for k in 0..400 {
        csv.push_str(&format!(
            "A-{k},{},{}\n",
            if k % 3 == 0 { "Yes" } else { "No" },
            20 + k % 90
        ));
    }
    let (_dir, path) = common::write_file("telco.csv", &csv);
    app.import(
        ImportOptions::new(Kind::Customers, path, Vec::new(), false, None, false),
        &segwright::app::Actor::cli(),
    )
    .await
    .expect("`Account ID` is the id without --map");
    let as_of = app.as_of(None).unwrap();
    let mut req = TrainRequest {
        label: Some("Churn".into()),
        ..Default::default()
    };
    req.options.min_class = 10;
    let trained = app
        .train_models_as(&req, as_of, &segwright::app::Actor::cli())
        .await
        .expect("the CSV's own column name is accepted");
    assert_eq!(trained.len(), 1);
}

#[test]
fn a_definition_may_name_a_column_as_the_csv_spelled_it() {
    use segwright::domain::definition::Definition;
    use segwright::domain::validate::{Context, validate};
    let (c, g) = (telco(), Glossary::default_glossary());
    let segs = std::collections::BTreeMap::<String, Definition>::new();
    let ctx = Context {
        catalog: &c,
        glossary: &g,
        segments: &segs,
        as_of: AsOf::parse("2026-06-30", "UTC").unwrap(),
    };
    let def: Definition = serde_json::from_value(json!({"version": 1, "root": {"type": "all", "conditions": [
        {"type": "attribute", "field": "Churn", "op": "eq", "value": false},
        {"type": "attribute", "field": "StreamingTV", "op": "eq", "value": "Yes"},
        {"type": "date", "field": "Last Login", "op": "within_last", "amount": 30, "unit": "days"}
    ]}}))
    .unwrap();
    let valid = validate(&def, &ctx).expect("columns named as the file spelled them are fields");
    let root = serde_json::to_value(&valid.definition().root).unwrap();
    let fields: Vec<&str> = root["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["churn", "streaming_tv", "last_login"]);
}

#[test]
fn a_word_two_columns_share_is_a_question_and_a_duration_is_never_a_columns_value() {
    let mut c = telco();
    let extra = Catalog::build(
        vec![],
        vec![],
        &[
            attr("total_charges", FieldType::Number, &[], "TotalCharges"),
            attr("visits_per_week", FieldType::Number, &[], "Visits per week"),
        ],
    );
    c.fields.extend(
        extra
            .fields
            .into_iter()
            .filter(|f| f.name == "total_charges" || f.name == "visits_per_week"),
    );
    let g = Glossary::default_glossary();
    let cx = Cx {
        catalog: &c,
        glossary: &g,
        as_of: AsOf::parse("2026-06-30", "UTC").unwrap(),
    };
    let i = Offline::new(&cx).interpret("customers whose charges are over $80", &cx);
    assert!(
        i.questions
            .iter()
            .any(|q| q.contains("total_charges") || q.contains("monthly_charges")),
        "{:?}",
        i.questions
    );
    let i = Offline::new(&cx).interpret("customers who haven't logged in for 3 weeks", &cx);
    assert!(
        !serde_json::to_string(&i.definition.root)
            .unwrap()
            .contains("visits_per_week"),
        "{:?}",
        i.definition.root
    );
}

#[test]
fn the_audience_noun_of_any_business_is_the_audience() {
    for prompt in [
        "policyholders on a two year contract",
        "learners on a two year contract",
        "married passengers on a two year contract",
    ] {
        let i = ask(prompt);
        let root = serde_json::to_value(&i.definition.root).unwrap();
        assert!(root.to_string().contains("Two year"), "{prompt}: {root}");
        if !prompt.starts_with("married") {
            assert!(i.unrecognized.is_empty(), "{prompt}: {:?}", i.unrecognized);
        }
    }
}

#[test]
fn staying_booking_cities_counts_and_a_window_written_once_generalise() {
    assert_eq!(
        sure("customers still with us on a two year contract")["conditions"][0],
        is("churn", json!(false))
    );
    let booked = sure("customers who booked in the last 30 days");
    assert_eq!(booked["source"], "orders", "{booked}");
    let c = telco().with_cities(vec!["Manchester".into(), "Birmingham".into()]);
    let g = Glossary::default_glossary();
    let cx = Cx {
        catalog: &c,
        glossary: &g,
        as_of: AsOf::parse("2026-06-30", "UTC").unwrap(),
    };
    let i = Offline::new(&cx).interpret("customers in Birmingham or Manchester", &cx);
    assert_eq!(
        serde_json::to_value(&i.definition.root).unwrap(),
        json!({"type": "attribute", "field": "city", "op": "in", "value": ["Birmingham", "Manchester"]})
    );
    // A window written on the first half only: the negated half is asked about.
    let i = ask("customers who logged in during the last 30 days but didn't open an email");
    assert!(!i.questions.is_empty(), "{:?}", i.definition.root);
}
