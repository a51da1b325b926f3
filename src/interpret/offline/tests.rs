//! Behaviour of the offline interpreter on the requests marketers write.

use serde_json::json;

use super::{Cx, Offline};
use crate::domain::catalog::{AttributeSpec, Catalog, FieldType};
use crate::domain::glossary::Glossary;
use crate::domain::time::AsOf;
use crate::interpret::Interpretation;

fn catalog() -> Catalog {
    let attrs = [
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
        AttributeSpec {
            name: "has_kids".into(),
            ty: FieldType::Boolean,
            values: vec![],
            column: "HasKids".into(),
        },
        AttributeSpec {
            name: "churn_risk".into(),
            ty: FieldType::Number,
            values: vec![],
            column: "churn_risk".into(),
        },
        AttributeSpec {
            name: "purchase_propensity".into(),
            ty: FieldType::Number,
            values: vec![],
            column: "purchase_propensity".into(),
        },
    ];
    Catalog::build(
        vec!["US".into(), "CA".into()],
        vec!["CA".into(), "TX".into()],
        &attrs,
    )
    .with_events(
        [
            "page_view",
            "app_session",
            "email_open",
            "email_click",
            "add_to_cart",
            "cart_abandoned",
            "support_ticket",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    )
}

fn ask(prompt: &str) -> Interpretation {
    let (c, g) = (catalog(), Glossary::default_glossary());
    let cx = Cx {
        catalog: &c,
        glossary: &g,
        as_of: AsOf::parse("2026-11-22", "UTC").unwrap(),
    };
    Offline::new(&cx).interpret(prompt, &cx)
}

fn root(prompt: &str) -> serde_json::Value {
    let i = ask(prompt);
    assert!(
        i.unrecognized.is_empty(),
        "{prompt}: unrecognized {:?}",
        i.unrecognized
    );
    serde_json::to_value(&i.definition.root).unwrap()
}

#[test]
fn glossary_terms_with_parameters_are_understood() {
    assert_eq!(
        root("high-value churn-risk customers inactive for 45 days"),
        json!({"type": "all", "conditions": [
            {"type": "term", "name": "high_value"},
            {"type": "term", "name": "churn_risk"},
            {"type": "term", "name": "inactive_for", "params": {"days": 45}},
        ]})
    );
}

#[test]
fn states_joined_by_or_become_one_list() {
    assert_eq!(
        root("VIPs in California or Texas who opened an email in the last 2 weeks"),
        json!({"type": "all", "conditions": [
            {"type": "term", "name": "high_value"},
            {"type": "attribute", "field": "region", "op": "in", "value": ["CA", "TX"]},
            {"type": "aggregate", "source": "events", "event": "email_open", "measure": "count", "window": {"last": 2, "unit": "weeks"}, "op": "gte", "value": 1.0},
        ]})
    );
}

#[test]
fn custom_attributes_are_understood_from_their_names_and_values() {
    assert_eq!(
        root("annual plan customers"),
        json!({"type": "attribute", "field": "plan_type", "op": "eq", "value": "Annual"})
    );
    assert_eq!(
        root("customers on pay as you go"),
        json!({"type": "attribute", "field": "plan_type", "op": "eq", "value": "Pay as you go"})
    );
    assert_eq!(
        root("paying more than $80 a month"),
        json!({"type": "attribute", "field": "monthly_fee", "op": "gt", "value": 80.0})
    );
    assert_eq!(
        root("customers with kids"),
        json!({"type": "attribute", "field": "has_kids", "op": "eq", "value": true})
    );
    assert_eq!(
        root("customers without kids"),
        json!({"type": "attribute", "field": "has_kids", "op": "eq", "value": false})
    );
}

#[test]
fn spend_in_a_window_is_a_sum_of_orders() {
    assert_eq!(
        root("spent over $1k in the last 90 days"),
        json!({"type": "aggregate", "source": "orders", "measure": "sum", "of": "amount", "window": {"last": 90, "unit": "days"}, "op": "gt", "value": 1000.0})
    );
}

#[test]
fn abandoned_a_cart_this_week_but_never_bought() {
    assert_eq!(
        root("people who abandoned a cart this week but never bought"),
        json!({"type": "all", "conditions": [
            {"type": "aggregate", "source": "events", "event": "cart_abandoned", "measure": "count", "window": {"from": "2026-11-16", "to": "2026-11-22"}, "op": "gte", "value": 1.0},
            {"type": "not", "condition": {"type": "aggregate", "source": "orders", "measure": "count", "op": "gte", "value": 1.0}},
        ]})
    );
}

#[test]
fn unknown_words_are_reported_with_a_question_and_the_answer_is_partial() {
    let i = ask("high-value customers who love jazz");
    assert!(i.partial);
    assert_eq!(
        i.unrecognized
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>(),
        vec!["love jazz"]
    );
    assert!(i.questions[0].contains("love jazz"));
}

#[test]
fn every_condition_points_at_the_words_it_came_from() {
    let i = ask("VIPs in Texas");
    let spans: Vec<&str> = i.explanation.iter().map(|e| e.span.text.as_str()).collect();
    assert_eq!(spans, vec!["VIPs", "Texas"]);
    assert!(i.explanation[0].sentence.starts_with("High-value"));
}

#[test]
fn relative_times_are_shown_as_concrete_intervals() {
    let i = ask("bought in the last 30 days");
    assert_eq!(
        i.intervals,
        vec!["last 30 days = 2026-10-24 00:00 → 2026-11-22 24:00 UTC".to_string()]
    );
}

#[test]
fn the_same_request_always_gives_the_same_definition() {
    assert_eq!(
        ask("top 10% by spend in Canada").definition,
        ask("top 10% by spend in Canada").definition
    );
}

#[test]
fn a_share_most_or_least_likely_to_do_something_ranks_by_that_score() {
    assert_eq!(
        root("the top 10% most likely to buy"),
        json!({"type": "percentile", "field": "purchase_propensity", "direction": "top", "percent": 10.0})
    );
    assert_eq!(
        root("the 20% of customers least likely to churn"),
        json!({"type": "percentile", "field": "churn_risk", "direction": "bottom", "percent": 20.0})
    );
}

#[test]
fn a_horizon_after_a_likelihood_is_read_as_the_models_own_and_said_so() {
    let i = ask("customers likely to buy in the next month");
    assert!(
        i.unrecognized.is_empty() && !i.partial,
        "{:?}",
        i.unrecognized
    );
    assert!(
        i.assumptions
            .iter()
            .any(|a| a.span.text == "in the next month" && a.text.contains("horizon")),
        "{:?}",
        i.assumptions
    );
}

/// A catalog of a customer's own export: a group column with a `VIP` value, a genre with `Kids`.
pub(super) fn asked_over(attrs: &[AttributeSpec], prompt: &str) -> Interpretation {
    let (c, g) = (
        Catalog::build(vec!["US".into()], vec![], attrs),
        Glossary::default_glossary(),
    );
    let cx = Cx {
        catalog: &c,
        glossary: &g,
        as_of: AsOf::parse("2026-11-22", "UTC").unwrap(),
    };
    Offline::new(&cx).interpret(prompt, &cx)
}

pub(super) fn categorical(name: &str, values: &[&str]) -> AttributeSpec {
    AttributeSpec {
        name: name.into(),
        ty: FieldType::Categorical,
        values: values.iter().map(|v| v.to_string()).collect(),
        column: name.into(),
    }
}

#[test]
fn a_value_of_the_exports_own_that_is_also_a_glossary_term_is_asked_about() {
    let i = asked_over(
        &[categorical(
            "customer_group",
            &["Regular", "VIP", "Wholesale"],
        )],
        "VIP customers",
    );
    assert!(
        !i.questions.is_empty(),
        "no question for VIP: {:?}",
        i.definition.root
    );
    let q = i.questions.join(" ");
    assert!(
        q.contains("customer_group") && q.contains("high_value"),
        "both readings named: {q}"
    );
}

#[test]
fn with_a_value_of_a_column_that_is_not_yes_no_is_asked_about() {
    let genre = categorical("favorite_genre", &["Drama", "Kids", "Documentary"]);
    let i = asked_over(std::slice::from_ref(&genre), "subscribers with kids");
    assert!(
        i.questions
            .iter()
            .any(|q| q.contains("favorite_genre = Kids")),
        "{:?}",
        i.questions
    );
    // Named with its column, the value is sure.
    let i = asked_over(&[genre], "subscribers whose favorite genre is Kids");
    assert!(i.questions.is_empty(), "{:?}", i.questions);
}

#[test]
fn a_bound_written_after_the_columns_own_word_is_kept() {
    let streak = AttributeSpec {
        name: "streak_days".into(),
        ty: FieldType::Number,
        values: vec![],
        column: "StreakDays".into(),
    };
    let i = asked_over(&[streak], "learners with a streak of 30 days or more");
    assert_eq!(
        serde_json::to_value(&i.definition.root).unwrap(),
        json!({"type": "attribute", "field": "streak_days", "op": "gte", "value": 30.0})
    );
}

#[test]
fn two_values_of_one_column_both_required_become_either_with_an_assumption() {
    let coverage = categorical(
        "coverage_level",
        &["Basic", "Comprehensive", "Comprehensive (legacy)"],
    );
    let i = asked_over(
        &[coverage],
        "customers with comprehensive coverage, legacy comprehensive coverage too",
    );
    assert_eq!(
        serde_json::to_value(&i.definition.root).unwrap(),
        json!({"type": "attribute", "field": "coverage_level", "op": "in", "value": ["Comprehensive", "Comprehensive (legacy)"]})
    );
    assert!(
        i.assumptions
            .iter()
            .any(|a| a.text.contains("one coverage_level")),
        "{:?}",
        i.assumptions
    );
}

#[test]
fn an_average_basket_is_the_average_order() {
    assert_eq!(
        root("customers whose average basket is under $20"),
        json!({"type": "attribute", "field": "average_order_value", "op": "lt", "value": 20.0})
    );
}

#[test]
fn a_value_written_in_mixed_case_keeps_its_variants() {
    let device = categorical("signup_device", &["iOS", "Android", "Web"]);
    let i = asked_over(&[device], "iPhone users");
    assert_eq!(
        serde_json::to_value(&i.definition.root).unwrap(),
        json!({"type": "attribute", "field": "signup_device", "op": "eq", "value": "iOS"})
    );
}
