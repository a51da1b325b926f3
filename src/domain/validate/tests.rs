//! One test per validation error kind, and the resolved forms of the happy paths.

use std::collections::BTreeMap;

use super::*;
use crate::domain::catalog::AttributeSpec;
use crate::domain::pred::{Expr, Scalar, Test};

fn catalog() -> Catalog {
    let attrs = [
        AttributeSpec {
            name: "plan_type".into(),
            ty: FieldType::Categorical,
            values: vec!["Annual".into(), "Monthly".into(), "Pay as you go".into()],
            column: "PlanType".into(),
        },
        AttributeSpec {
            name: "has_kids".into(),
            ty: FieldType::Boolean,
            values: vec![],
            column: "HasKids".into(),
        },
        AttributeSpec {
            name: "monthly_fee".into(),
            ty: FieldType::Number,
            values: vec![],
            column: "MonthlyFee".into(),
        },
    ];
    Catalog::build(
        vec!["CA".into(), "FR".into(), "US".into()],
        vec!["CA".into(), "NY".into(), "TX".into()],
        &attrs,
    )
    .with_events(vec![
        "add_to_cart".into(),
        "cart_abandoned".into(),
        "email_open".into(),
        "page_view".into(),
    ])
}

fn check_with(
    root: &str,
    segments: &BTreeMap<String, Definition>,
) -> Result<ValidDefinition, Vec<Issue>> {
    let def = Definition::from_json(&format!(r#"{{"version":1,"root":{root}}}"#))
        .expect("test JSON parses");
    let (cat, glossary) = (catalog(), Glossary::default_glossary());
    let ctx = Context {
        catalog: &cat,
        glossary: &glossary,
        segments,
        as_of: AsOf::parse("2026-11-22", "UTC").unwrap(),
    };
    validate(&def, &ctx)
}

fn check(root: &str) -> Result<ValidDefinition, Vec<Issue>> {
    check_with(root, &BTreeMap::new())
}

/// The single issue a definition has: (code, path).
fn issue(root: &str) -> Issue {
    let issues = check(root).expect_err("should be invalid");
    assert_eq!(issues.len(), 1, "{issues:?}");
    issues.into_iter().next().unwrap()
}

#[test]
fn an_unknown_field_suggests_the_closest_name() {
    let i = issue(r#"{"type":"attribute","field":"lifetime_revnue","op":"gt","value":5}"#);
    assert_eq!(
        (i.code, i.path.as_str()),
        (Code::UnknownField, "$.root.field")
    );
    assert_eq!(
        i.suggestions.first().map(String::as_str),
        Some("lifetime_revenue")
    );
}

#[test]
fn a_text_value_for_a_number_field_is_a_type_mismatch() {
    let i = issue(r#"{"type":"attribute","field":"order_count","op":"gt","value":"five"}"#);
    assert_eq!(
        (i.code, i.path.as_str()),
        (Code::TypeMismatch, "$.root.value")
    );
    let i = issue(r#"{"type":"percentile","field":"email","direction":"top","percent":10}"#);
    assert_eq!(
        (i.code, i.path.as_str()),
        (Code::TypeMismatch, "$.root.field")
    );
}

#[test]
fn an_operator_that_does_not_fit_the_type_is_refused() {
    let i = issue(r#"{"type":"attribute","field":"order_count","op":"contains","value":3}"#);
    assert_eq!(
        (i.code, i.path.as_str()),
        (Code::InvalidOperator, "$.root.op")
    );
}

#[test]
fn a_comparison_without_a_value_is_refused() {
    let i = issue(r#"{"type":"attribute","field":"order_count","op":"gt"}"#);
    assert_eq!(
        (i.code, i.path.as_str()),
        (Code::MissingValue, "$.root.value")
    );
}

#[test]
fn an_impossible_date_is_refused() {
    let i = issue(r#"{"type":"attribute","field":"signup_date","op":"lt","value":"2025-13-45"}"#);
    assert_eq!(
        (i.code, i.path.as_str()),
        (Code::InvalidDate, "$.root.value")
    );
}

#[test]
fn values_outside_a_fields_domain_are_refused() {
    let i = issue(
        r#"{"type":"date","field":"last_order_date","op":"within_last","amount":-5,"unit":"days"}"#,
    );
    assert_eq!(
        (i.code, i.path.as_str()),
        (Code::ValueOutOfDomain, "$.root.amount")
    );
    let i = issue(
        r#"{"type":"percentile","field":"lifetime_revenue","direction":"top","percent":150}"#,
    );
    assert_eq!(
        (i.code, i.path.as_str()),
        (Code::ValueOutOfDomain, "$.root.percent")
    );
    let i =
        issue(r#"{"type":"aggregate","source":"orders","measure":"count","op":"gte","value":-1}"#);
    assert_eq!(
        (i.code, i.path.as_str()),
        (Code::ValueOutOfDomain, "$.root.value")
    );
}

#[test]
fn a_category_value_the_data_never_had_is_refused_with_suggestions() {
    let i = issue(r#"{"type":"attribute","field":"plan_type","op":"eq","value":"Anual"}"#);
    assert_eq!(
        (i.code, i.path.as_str()),
        (Code::UnknownCategoryValue, "$.root.value")
    );
    assert_eq!(i.suggestions.first().map(String::as_str), Some("Annual"));
}

#[test]
fn category_values_match_case_insensitively_and_are_canonicalised() {
    let vd =
        check(r#"{"type":"attribute","field":"plan_type","op":"eq","value":"annual"}"#).unwrap();
    assert!(
        matches!(vd.root(), Pred::Test { test: Test::Cmp { value: Scalar::Text(t), .. }, .. } if t == "Annual")
    );
}

#[test]
fn an_unknown_event_suggests_the_closest_name() {
    let i = issue(
        r#"{"type":"aggregate","source":"events","event":"cart_abandon","measure":"count","op":"gte","value":1}"#,
    );
    assert_eq!(
        (i.code, i.path.as_str()),
        (Code::UnknownEvent, "$.root.event")
    );
    assert_eq!(
        i.suggestions.first().map(String::as_str),
        Some("cart_abandoned")
    );
}

#[test]
fn statically_contradictory_conditions_are_refused_in_all_but_not_in_any() {
    let both = r#"[{"type":"attribute","field":"lifetime_revenue","op":"gt","value":500},{"type":"attribute","field":"lifetime_revenue","op":"lt","value":100}]"#;
    let i = issue(&format!(r#"{{"type":"all","conditions":{both}}}"#));
    assert_eq!((i.code, i.path.as_str()), (Code::Contradiction, "$.root"));
    assert!(check(&format!(r#"{{"type":"any","conditions":{both}}}"#)).is_ok());
}

#[test]
fn a_definition_nested_too_deep_is_refused() {
    let mut root = r#"{"type":"attribute","field":"order_count","op":"gt","value":1}"#.to_string();
    for _ in 0..MAX_DEPTH {
        root = format!(r#"{{"type":"not","condition":{root}}}"#);
    }
    assert_eq!(issue(&root).code, Code::TooDeep);
}

#[test]
fn a_definition_with_too_many_conditions_is_refused() {
    let one = r#"{"type":"attribute","field":"order_count","op":"eq","value":1}"#;
    let root = format!(
        r#"{{"type":"any","conditions":[{}]}}"#,
        vec![one; 600].join(",")
    );
    assert_eq!(issue(&root).code, Code::TooLarge);
}

/// Saved segments looked up by a test, counting the lookups (the work expansion does).
struct Counting {
    segments: BTreeMap<String, Definition>,
    lookups: std::cell::Cell<usize>,
}

impl SegmentLookup for Counting {
    fn find(&self, key: &str) -> Option<(String, Definition)> {
        self.lookups.set(self.lookups.get() + 1);
        self.segments.find(key)
    }
}

/// Segments `s0` … `s{levels-1}`, each `any` of `fan_out` references to the next, the last
/// referring to one condition: `s0` expands to `fan_out^levels` conditions.
fn exploding(levels: usize, fan_out: usize) -> Counting {
    let leaf = r#"{"type":"attribute","field":"order_count","op":"gte","value":1}"#.to_string();
    let mut segments = BTreeMap::new();
    for i in 0..levels {
        let next = format!(r#"{{"type":"segment","segment":"s{}"}}"#, i + 1);
        segments.insert(
            format!("s{i}"),
            Definition::from_json(&format!(
                r#"{{"version":1,"root":{{"type":"any","conditions":[{}]}}}}"#,
                vec![next; fan_out].join(",")
            ))
            .unwrap(),
        );
    }
    segments.insert(
        format!("s{levels}"),
        Definition::from_json(&format!(r#"{{"version":1,"root":{leaf}}}"#)).unwrap(),
    );
    Counting {
        segments,
        lookups: std::cell::Cell::new(0),
    }
}

fn check_counting(
    root: &str,
    segments: &Counting,
) -> (Result<ValidDefinition, Vec<Issue>>, std::time::Duration) {
    let def = Definition::from_json(&format!(r#"{{"version":1,"root":{root}}}"#)).unwrap();
    let (cat, glossary) = (catalog(), Glossary::default_glossary());
    let ctx = Context {
        catalog: &cat,
        glossary: &glossary,
        segments,
        as_of: AsOf::parse("2026-11-22", "UTC").unwrap(),
    };
    let started = std::time::Instant::now();
    (validate(&def, &ctx), started.elapsed())
}

#[test]
fn references_that_multiply_stop_at_the_size_limit_while_expanding_with_the_reference_named() {
    // 8 references per level, 6 levels: 262,144 conditions once expanded (within the depth limit).
    let segs = exploding(6, 8);
    let (result, took) = check_counting(
        r#"{"type":"all","conditions":[{"type":"attribute","field":"country","op":"eq","value":"US"},{"type":"segment","segment":"s0"}]}"#,
        &segs,
    );
    let issues = result.unwrap_err();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(
        (issues[0].code, issues[0].path.as_str()),
        (Code::TooLarge, "$.root.conditions[1].segment"),
        "{issues:?}"
    );
    assert!(
        issues[0].message.contains(&MAX_NODES.to_string()),
        "{}",
        issues[0].message
    );
    assert!(
        segs.lookups.get() <= MAX_NODES,
        "expansion stopped at the limit, not after {} segment lookups",
        segs.lookups.get()
    );
    assert!(
        took < std::time::Duration::from_secs(1),
        "refused in {took:?}"
    );
}

#[test]
fn twenty_levels_of_doubling_references_are_refused_fast_with_a_structured_issue() {
    let segs = exploding(20, 2);
    let (result, took) = check_counting(r#"{"type":"segment","segment":"s0"}"#, &segs);
    let issues = result.unwrap_err();
    assert!(issues.iter().all(|i| matches!(i.code, Code::TooLarge | Code::TooDeep) && i.path == "$.root.segment"), "{issues:?}");
    assert!(
        segs.lookups.get() <= MAX_NODES,
        "{} segment lookups",
        segs.lookups.get()
    );
    assert!(
        took < std::time::Duration::from_secs(1),
        "refused in {took:?}"
    );
}

#[test]
fn segments_that_refer_to_each_other_are_a_cycle() {
    let mut segs = BTreeMap::new();
    segs.insert(
        "a".to_string(),
        Definition::from_json(r#"{"version":1,"root":{"type":"segment","segment":"b"}}"#).unwrap(),
    );
    segs.insert(
        "b".to_string(),
        Definition::from_json(r#"{"version":1,"root":{"type":"segment","segment":"a"}}"#).unwrap(),
    );
    let issues = check_with(r#"{"type":"segment","segment":"a"}"#, &segs).unwrap_err();
    assert_eq!(issues[0].code, Code::ReferenceCycle);
    assert!(
        issues[0].message.contains("a → b → a"),
        "{}",
        issues[0].message
    );
}

#[test]
fn unknown_segments_and_terms_are_refused() {
    assert_eq!(
        issue(r#"{"type":"segment","segment":"nope"}"#).code,
        Code::UnknownSegment
    );
    let i = issue(r#"{"type":"term","name":"lapsd"}"#);
    assert_eq!(
        (i.code, i.path.as_str()),
        (Code::UnknownTerm, "$.root.name")
    );
    assert_eq!(i.suggestions.first().map(String::as_str), Some("lapsed"));
}

#[test]
fn an_unsupported_version_is_refused() {
    let def =
        Definition::from_json(r#"{"version":2,"root":{"type":"all","conditions":[]}}"#).unwrap();
    let (cat, g) = (catalog(), Glossary::default_glossary());
    let ctx = Context {
        catalog: &cat,
        glossary: &g,
        segments: &BTreeMap::new(),
        as_of: AsOf::parse("2026-11-22", "UTC").unwrap(),
    };
    assert_eq!(
        validate(&def, &ctx).unwrap_err()[0].code,
        Code::UnsupportedVersion
    );
}

#[test]
fn malformed_json_is_reported_at_the_failing_node() {
    let e = Definition::from_json(r#"{"version":1,"root":{"type":"all","conditions":[{"type":"attribute","field":"x","op":"greater"}]}}"#).unwrap_err();
    assert_eq!(
        (e.code, e.path.as_str()),
        (Code::InvalidJson, "$.root.conditions[0]")
    );
    assert!(e.message.contains("greater"), "{}", e.message);
}

#[test]
fn every_issue_of_a_definition_is_reported_together() {
    let issues = check(r#"{"type":"all","conditions":[{"type":"attribute","field":"nope","op":"eq","value":1},{"type":"term","name":"nope"}]}"#).unwrap_err();
    assert_eq!(
        issues.iter().map(|i| i.code).collect::<Vec<_>>(),
        vec![Code::UnknownField, Code::UnknownTerm]
    );
}

#[test]
fn a_glossary_term_with_parameters_resolves() {
    assert!(check(r#"{"type":"term","name":"inactive_for","params":{"days":45}}"#).is_ok());
    let i = issue(r#"{"type":"term","name":"inactive_for","params":{"weeks":2}}"#);
    assert_eq!(
        (i.code, i.path.as_str()),
        (Code::ValueOutOfDomain, "$.root.params")
    );
}

#[test]
fn within_the_last_30_days_resolves_to_the_exact_window() {
    let vd = check(
        r#"{"type":"date","field":"last_order_date","op":"within_last","amount":30,"unit":"days"}"#,
    )
    .unwrap();
    let as_of = AsOf::parse("2026-11-22", "UTC").unwrap();
    let w = as_of.last(30, crate::domain::time::Unit::Days);
    match vd.root() {
        Pred::Test {
            expr: Expr::Field(f),
            test: Test::Between { lo, hi },
        } => {
            assert_eq!(f.name, "last_order_date");
            assert_eq!(
                (lo, hi),
                (&Scalar::Int(w.after + 1), &Scalar::Int(as_of.end()))
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn problems_inside_terms_segments_and_date_ranges_point_at_what_the_user_wrote() {
    let i = issue(r#"{"type":"term","name":"inactive_for","params":{"days":-5}}"#);
    assert_eq!(
        (i.code, i.path.as_str()),
        (Code::ValueOutOfDomain, "$.root.params")
    );
    let i = issue(
        r#"{"type":"date","field":"signup_date","op":"between","from":"2025-01-01","to":"2025-13-45"}"#,
    );
    assert_eq!((i.code, i.path.as_str()), (Code::InvalidDate, "$.root.to"));
    let mut segs = BTreeMap::new();
    segs.insert(
        "old".to_string(),
        Definition::from_json(
            r#"{"version":1,"root":{"type":"attribute","field":"gone_field","op":"eq","value":1}}"#,
        )
        .unwrap(),
    );
    let issues = check_with(
        r#"{"type":"all","conditions":[{"type":"segment","segment":"old"}]}"#,
        &segs,
    )
    .unwrap_err();
    assert_eq!(
        (issues[0].code, issues[0].path.as_str()),
        (Code::UnknownField, "$.root.conditions[0].segment")
    );
    assert!(
        issues[0].message.starts_with("in saved segment `old`"),
        "{}",
        issues[0].message
    );
}
