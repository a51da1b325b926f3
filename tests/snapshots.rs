//! Snapshots of what machines read: the compiled SQL on both dialects (values stay parameters,
//! identifiers come from the catalog) and the validation error envelope's issues.

use std::collections::BTreeMap;

use segwright::domain::catalog::{AttributeSpec, Catalog, FieldType};
use segwright::domain::compile::{Dialect, FactsMode, Target, compile_members};
use segwright::domain::definition::Definition;
use segwright::domain::glossary::Glossary;
use segwright::domain::time::AsOf;
use segwright::domain::validate::{Context, validate};

const DEFINITION: &str = r#"{"version":1,"root":{"type":"all","conditions":[
  {"type":"aggregate","source":"events","event":"cart_abandoned","measure":"count","window":{"last":7,"unit":"days"},"op":"gte","value":3},
  {"type":"attribute","field":"plan_type","op":"in","value":["annual","Monthly"]},
  {"type":"term","name":"inactive_for","params":{"days":45}},
  {"type":"percentile","field":"lifetime_revenue","direction":"top","percent":20},
  {"type":"attribute","field":"email","op":"contains","value":"'; DROP TABLE customers; --"}]}}"#;

fn catalog() -> Catalog {
    let plan = AttributeSpec {
        name: "plan_type".into(),
        ty: FieldType::Categorical,
        values: vec!["Annual".into(), "Monthly".into()],
        column: "PlanType".into(),
    };
    Catalog::build(vec!["US".into()], vec![], &[plan]).with_events(vec!["cart_abandoned".into()])
}

fn compiled(dialect: Dialect, facts: FactsMode) -> String {
    let (cat, g, segs) = (catalog(), Glossary::default_glossary(), BTreeMap::new());
    let ctx = Context {
        catalog: &cat,
        glossary: &g,
        segments: &segs,
        as_of: AsOf::parse("2026-11-22", "UTC").unwrap(),
    };
    let vd = validate(&Definition::from_json(DEFINITION).unwrap(), &ctx).unwrap();
    let q = compile_members(
        &vd,
        Target {
            dialect,
            facts,
            thresholds: &[Some(412.5)],
        },
    );
    format!("{}\n\n{:?}", q.sql, q.params)
}

#[test]
fn compiled_sql_for_sqlite_binds_every_value() {
    insta::assert_snapshot!(compiled(Dialect::Sqlite, FactsMode::Precomputed));
}

#[test]
fn compiled_sql_for_postgres_computes_facts_as_of_the_date() {
    insta::assert_snapshot!(compiled(Dialect::Postgres, FactsMode::AsOf));
}

#[test]
fn validation_issues_are_stable() {
    let (cat, g, segs) = (catalog(), Glossary::default_glossary(), BTreeMap::new());
    let ctx = Context {
        catalog: &cat,
        glossary: &g,
        segments: &segs,
        as_of: AsOf::parse("2026-11-22", "UTC").unwrap(),
    };
    let def = Definition::from_json(
        r#"{"version":1,"root":{"type":"all","conditions":[
        {"type":"attribute","field":"lifetime_revnue","op":"gt","value":5},
        {"type":"attribute","field":"plan_type","op":"eq","value":"Anual"},
        {"type":"date","field":"last_order_date","op":"within_last","amount":-3}]}}"#,
    )
    .unwrap();
    insta::assert_json_snapshot!(validate(&def, &ctx).unwrap_err());
}
