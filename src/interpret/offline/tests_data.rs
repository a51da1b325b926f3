//! The interpreter over exports with their own shapes: combined values, yes/no columns with a
//! third value, values written side by side, months without a year, start-date columns.

use serde_json::json;

use super::tests::{asked_over, categorical};
use super::{Cx, Offline};
use crate::domain::catalog::{AttributeSpec, Catalog, FieldType};
use crate::domain::glossary::Glossary;
use crate::domain::sources::Sources;
use crate::domain::time::AsOf;

fn root(i: &crate::interpret::Interpretation) -> serde_json::Value {
    serde_json::to_value(&i.definition.root).unwrap()
}

fn date(name: &str) -> AttributeSpec {
    AttributeSpec {
        name: name.into(),
        ty: FieldType::Date,
        values: vec![],
        column: name.into(),
    }
}

#[test]
fn a_value_combined_with_others_counts_for_each_of_them() {
    let species = categorical("species", &["Cat", "Dog", "Dog & Cat", "Exotic"]);
    let i = asked_over(&[species], "cat owners");
    assert_eq!(
        root(&i),
        json!({"type": "attribute", "field": "species", "op": "in", "value": ["Cat", "Dog & Cat"]})
    );
    assert!(i.assumptions.iter().any(|a| a.text.contains("Dog & Cat")));
}

#[test]
fn having_a_yes_no_column_with_a_third_value_is_yes_and_not_having_it_is_anything_else() {
    let access = categorical("digital_access", &["Yes", "No", "Pending"]);
    let i = asked_over(std::slice::from_ref(&access), "patrons with digital access");
    assert_eq!(
        root(&i),
        json!({"type": "attribute", "field": "digital_access", "op": "eq", "value": "Yes"})
    );
    assert!(
        i.assumptions
            .iter()
            .any(|a| a.alternatives.iter().any(|x| x.contains("Pending")))
    );
    let i = asked_over(&[access], "patrons without digital access");
    assert_ne!(
        root(&i),
        json!({"type": "attribute", "field": "digital_access", "op": "eq", "value": "No"}),
        "Pending has no access either"
    );
}

#[test]
fn two_values_written_side_by_side_without_and_or_or_are_asked_about() {
    let source = categorical("lead_source", &["Broker", "Referral", "Walk-in"]);
    let i = asked_over(&[source], "accounts from broker referrals");
    assert!(!i.questions.is_empty(), "{:?}", root(&i));
}

#[test]
fn a_month_without_a_year_still_to_come_this_year_is_asked_about_on_a_column() {
    // As of 2026-11-22: December is last December or the coming one.
    let i = asked_over(&[date("contract_end")], "contracts ending before December");
    assert!(!i.questions.is_empty(), "{:?}", root(&i));
    let i = asked_over(&[date("contract_end")], "contracts ending before March");
    assert!(i.questions.is_empty(), "{:?}", i.questions);
}

#[test]
fn a_word_of_the_chosen_value_written_again_is_not_unrecognized() {
    let plan = categorical("membership", &["Business (company-paid)", "Personal"]);
    let i = asked_over(&[plan], "business accounts paid by the company");
    assert!(i.unrecognized.is_empty(), "{:?}", i.unrecognized);
}

#[test]
fn joining_means_the_exports_own_start_column_when_no_file_gave_a_signup_date() {
    let attrs = [date("member_since"), date("contract_end")];
    let mut sources = Sources::default();
    sources.add(
        "customers",
        [("external_id".to_string(), "Account ID".to_string())],
    );
    let c = Catalog::build(vec!["US".into()], vec![], &attrs).with_sources(sources);
    let g = Glossary::default_glossary();
    let cx = Cx {
        catalog: &c,
        glossary: &g,
        as_of: AsOf::parse("2026-11-22", "UTC").unwrap(),
    };
    let i = Offline::new(&cx).interpret("companies that joined in the last 12 months", &cx);
    assert_eq!(
        root(&i)["field"],
        json!("member_since"),
        "{:?}",
        i.definition.root
    );
}

#[test]
fn one_word_of_an_event_right_after_a_column_is_asked_about_not_added_silently() {
    let paperless = AttributeSpec {
        name: "paperless".into(),
        ty: FieldType::Boolean,
        values: vec![],
        column: "PAPERLESS".into(),
    };
    let c = Catalog::build(vec!["US".into()], vec![], &[paperless])
        .with_events(vec!["BILL_DISPUTE".into(), "OUTAGE_REPORT".into()]);
    let g = Glossary::default_glossary();
    let cx = Cx {
        catalog: &c,
        glossary: &g,
        as_of: AsOf::parse("2026-11-22", "UTC").unwrap(),
    };
    let i = Offline::new(&cx).interpret("paperless billing customers", &cx);
    let adds_event = root(&i).to_string().contains("BILL_DISPUTE");
    assert!(!adds_event || !i.questions.is_empty(), "{:?}", root(&i));
}

#[test]
fn a_column_of_state_codes_is_asked_about_by_name_and_a_code_never_meets_a_word() {
    let state = categorical("svc_state", &["TX", "PA", "WA", "OH"]);
    let i = asked_over(std::slice::from_ref(&state), "customers in Texas or Ohio");
    assert_eq!(
        root(&i),
        json!({"type": "attribute", "field": "svc_state", "op": "in", "value": ["TX", "OH"]})
    );
    let i = asked_over(std::slice::from_ref(&state), "customers in WA");
    assert_eq!(
        root(&i),
        json!({"type": "attribute", "field": "svc_state", "op": "eq", "value": "WA"})
    );
    let i = asked_over(&[state], "customers who was here");
    let got = serde_json::to_string(&root(&i)).unwrap();
    assert!(!got.contains("svc_state"), "\"was\" is not WA: {got}");
}
