use super::*;
use crate::domain::catalog::FieldType;

fn h(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn aliases_match_regardless_of_case_and_separators() {
    let p = plan_columns(
        Kind::Orders,
        &h(&["CustomerID", "Order Date", "Dollar-Value", "QTY", "note"]),
        &[],
    )
    .unwrap();
    let t: std::collections::HashMap<Target, usize> = p.targets().collect();
    assert_eq!(t[&Target::CustomerId], 0);
    assert_eq!(t[&Target::OccurredAt], 1);
    assert_eq!(t[&Target::Amount], 2);
    assert_eq!(t[&Target::Quantity], 3);
    assert_eq!(p.ignored, vec!["note".to_string()]);
}

#[test]
fn a_missing_required_column_is_named_with_the_headers_seen() {
    let e = plan_columns(Kind::Orders, &h(&["customer", "moment", "amount"]), &[]).unwrap_err();
    assert_eq!(
        e,
        ImportError::MissingColumn {
            field: "occurred_at".into(),
            headers: "customer, moment, amount".into()
        }
    );
    assert!(
        plan_columns(
            Kind::Orders,
            &h(&["customer", "moment", "amount"]),
            &[("moment".into(), "occurred_at".into())]
        )
        .is_ok()
    );
}

#[test]
fn crm_id_headers_are_the_customer_key_without_a_map() {
    for header in [
        "Account ID",
        "Record ID",
        "Contact ID",
        "Customer Number",
        "Member #",
        "subscriberId",
        "CustID",
    ] {
        let p = plan_columns(Kind::Customers, &h(&[header, "Plan", "Churn"]), &[])
            .unwrap_or_else(|e| panic!("{header}: {e}"));
        let t: std::collections::HashMap<Target, usize> = p.targets().collect();
        assert_eq!(t.get(&Target::ExternalId), Some(&0), "{header}");
        assert_eq!(
            p.custom_columns().len(),
            2,
            "{header} is not also an attribute"
        );
        let o = plan_columns(Kind::Orders, &h(&["Invoice Date", "Amount", header]), &[])
            .unwrap_or_else(|e| panic!("{header}: {e}"));
        assert_eq!(
            o.targets()
                .find(|(t, _)| *t == Target::CustomerId)
                .map(|x| x.1),
            Some(2),
            "{header}"
        );
    }
}

#[test]
fn a_column_that_only_looks_like_an_id_is_named_in_the_error() {
    let e = plan_columns(Kind::Customers, &h(&["Plan", "Widget ID", "Churn"]), &[]).unwrap_err();
    assert_eq!(
        e,
        ImportError::LooksLikeId {
            field: "external_id".into(),
            column: "Widget ID".into()
        }
    );
    assert!(
        e.to_string().contains("--map \"Widget ID=external_id\""),
        "{e}"
    );
    // A word that merely ends in "id" is not an id column.
    let e = plan_columns(Kind::Orders, &h(&["who", "when", "paid"]), &[]).unwrap_err();
    assert!(matches!(e, ImportError::MissingColumn { .. }), "{e}");
}

#[test]
fn other_customer_columns_become_snake_case_attributes() {
    let p = plan_columns(
        Kind::Customers,
        &h(&["id", "PlanType", "Monthly Fee", "HasKids", "email"]),
        &[],
    )
    .unwrap();
    let names: Vec<String> = p.custom_columns().into_iter().map(|c| c.2).collect();
    assert_eq!(names, vec!["plan_type", "monthly_fee", "has_kids"]);
    assert_eq!(attribute_name("Order Count"), "attr_order_count");
}

#[test]
fn cells_parse_money_booleans_and_dates() {
    assert_eq!(parse_number("$1,234.50"), Ok(1234.5));
    assert!(parse_number("abc").is_err());
    assert!(parse_number("NaN").is_err());
    assert_eq!(parse_bool("Y"), Ok(true));
    assert_eq!(parse_day("1970-01-02"), Ok(1));
    assert_eq!(parse_day("19700102"), Ok(1));
    assert_eq!(
        parse_instant("1970-01-02", chrono_tz::UTC),
        Ok(86_400 + 43_200)
    );
    assert_eq!(
        parse_instant("1970-01-01T00:00:10Z", chrono_tz::UTC),
        Ok(10)
    );
    assert_eq!(
        normalize_email(" Ann@Example.COM "),
        Ok("ann@example.com".into())
    );
    assert!(normalize_email("ann@").is_err());
    assert_eq!(normalize_country("United States"), Ok("US".into()));
    assert_eq!(normalize_region("California", Some("US")), "CA");
}

#[test]
fn column_types_are_inferred_from_their_values() {
    let infer = |vals: &[&str]| {
        let mut s = ColumnStats::default();
        vals.iter().for_each(|v| s.observe(v));
        s.infer("Col", "col")
    };
    assert_eq!(infer(&["Yes", "No", "yes"]).ty, FieldType::Boolean);
    assert_eq!(infer(&["0", "1", "1"]).ty, FieldType::Boolean);
    assert_eq!(infer(&["12", "80.5", "0", "3"]).ty, FieldType::Number);
    assert_eq!(infer(&["2024-01-01", "2025-02-03"]).ty, FieldType::Date);
    let plan = infer(&["Annual", "Pay as you go", "Annual"]);
    assert_eq!(plan.ty, FieldType::Categorical);
    assert_eq!(
        plan.values,
        vec!["Annual".to_string(), "Pay as you go".to_string()]
    );
    let many: Vec<String> = (0..100).map(|i| format!("note {i}")).collect();
    assert_eq!(
        infer(&many.iter().map(String::as_str).collect::<Vec<_>>()).ty,
        FieldType::Text
    );
}

#[test]
fn a_date_only_cell_is_noon_of_that_day_and_an_impossible_day_is_refused() {
    let tz: chrono_tz::Tz = "UTC".parse().unwrap();
    assert_eq!(parse_instant("2026-11-20", tz), Ok(1_795_176_000));
    assert_eq!(parse_instant("2026/11/20", tz), Ok(1_795_176_000));
    assert!(parse_instant("2026-02-30", tz).is_err());
    assert!(parse_instant("2026-1x-20", tz).is_err());
}

fn rows(v: &[&[&str]]) -> Vec<Vec<String>> {
    v.iter().map(|r| h(r)).collect()
}

fn target_of(p: &ColumnPlan, t: Target) -> Option<usize> {
    p.targets().find(|(x, _)| *x == t).map(|x| x.1)
}

#[test]
fn amount_time_and_key_headers_are_recognised_by_rule() {
    for (amount, time) in [
        ("Fare Paid", "Placed At"),
        ("Basket Total", "paid_at"),
        ("amount_usd", "Placed At"),
    ] {
        let heads = h(&["payment_id", "learner_id", time, amount, "product"]);
        let sample = rows(&[
            &["p1", "L1", "2026-01-02", "10.5", "x"],
            &["p2", "L1", "2026-01-03", "$3", "y"],
        ]);
        let p = plan_columns_sampled(Kind::Orders, &heads, &[], &sample)
            .unwrap_or_else(|e| panic!("{amount}/{time}: {e}"));
        assert_eq!(target_of(&p, Target::CustomerId), Some(1), "{amount}");
        assert_eq!(target_of(&p, Target::OccurredAt), Some(2), "{time}");
        assert_eq!(target_of(&p, Target::Amount), Some(3), "{amount}");
        assert_eq!(p.ignored, h(&["payment_id", "product"]));
    }
    let p = plan_columns(
        Kind::Events,
        &h(&["learner_id", "Activity", "event_ts"]),
        &[],
    )
    .unwrap();
    assert_eq!(
        (
            target_of(&p, Target::CustomerId),
            target_of(&p, Target::Name),
            target_of(&p, Target::OccurredAt)
        ),
        (Some(0), Some(1), Some(2))
    );
    let p = plan_columns(Kind::Customers, &h(&["learner_id", "plan"]), &[]).unwrap();
    assert_eq!(target_of(&p, Target::ExternalId), Some(0));
    let p = plan_columns_sampled(
        Kind::Customers,
        &h(&["plan", "Widget ID"]),
        &[],
        &rows(&[&["a", "w1"], &["a", "w2"]]),
    )
    .unwrap();
    assert_eq!(
        target_of(&p, Target::ExternalId),
        Some(1),
        "the only id-like column with unique values"
    );
}

#[test]
fn several_candidates_are_refused_with_their_names_and_the_map() {
    // An alias still wins over the rule: `Subtotal` is the amount, `Tax Paid` is ignored as before.
    let p = plan_columns(
        Kind::Orders,
        &h(&["customer_id", "Placed At", "Subtotal", "Tax Paid"]),
        &[],
    )
    .unwrap();
    assert_eq!(target_of(&p, Target::Amount), Some(2));
    let e = plan_columns(
        Kind::Orders,
        &h(&["customer_id", "Placed At", "Fare Paid", "Tax Paid"]),
        &[],
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "several columns could be `amount`: `Fare Paid`, `Tax Paid`; choose one with --map \"Fare Paid=amount\""
    );
    let e = plan_columns(
        Kind::Events,
        &h(&["customer_id", "event", "created_ts", "updated_ts"]),
        &[],
    )
    .unwrap_err();
    assert!(e.to_string().contains("`created_ts`, `updated_ts`"), "{e}");
    let ok = plan_columns(
        Kind::Orders,
        &h(&["customer_id", "Placed At", "Fare Paid", "Tax Paid"]),
        &[("Fare Paid".into(), "amount".into())],
    );
    assert!(ok.is_ok());
}
