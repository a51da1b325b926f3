//! Issue 17, fuzzing on stable: arbitrary input to the offline interpreter, the definition
//! validator, the CSV importer and the LLM-reply parser never panics. The interpreter always
//! answers with a definition that validates, or says what it did not understand or asks; the
//! validator answers a valid definition or structured issues (each with a path and a code); the
//! importer imports a file or refuses it with a message (never a store or I/O error); the reply
//! parser answers an interpretation whose spans are words of the request, or an issue (see
//! [`importer`] and [`llm_reply`]). Each target replays the seeds kept in `tests/fuzz/corpus/`
//! first, then runs proptest cases for a bounded time: a few seconds by default,
//! `SEGWRIGHT_FUZZ_SECS` for longer runs (`SEGWRIGHT_FUZZ_SECS=600 cargo test --test fuzz`).
//! Cases come from a fixed seed, so a failure in CI is the same failure on a laptop; set
//! `SEGWRIGHT_FUZZ_SEED` to another number to explore elsewhere. A failure names its seed.

mod common;
#[path = "fuzz/importer.rs"]
mod importer;
#[path = "fuzz/llm_reply.rs"]
mod llm_reply;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use segwright::domain::catalog::{AttributeSpec, Catalog, FieldType};
use segwright::domain::definition::Definition;
use segwright::domain::glossary::Glossary;
use segwright::domain::time::AsOf;
use segwright::domain::validate::{Context, validate};
use segwright::interpret::offline::{Cx, Offline};

/// How long each target runs after its corpus.
fn budget() -> Duration {
    let secs = std::env::var("SEGWRIGHT_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    Duration::from_secs_f64(secs)
}

fn corpus(name: &str) -> Vec<String> {
    let path = format!("{}/tests/fuzz/corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(str::to_string)
        .collect()
}

fn catalog() -> Catalog {
    let attr = |name: &str, ty, values: &[&str]| AttributeSpec {
        name: name.into(),
        ty,
        values: values.iter().map(|v| v.to_string()).collect(),
        column: name.into(),
    };
    Catalog::build(
        vec!["US".into(), "CA".into(), "GB".into()],
        vec!["CA".into(), "TX".into()],
        &[
            attr("churn", FieldType::Boolean, &[]),
            attr("plan", FieldType::Categorical, &["Annual", "Monthly"]),
            attr("tenure", FieldType::Number, &[]),
            attr("last_login", FieldType::Date, &[]),
        ],
    )
}

/// The catalog, glossary and date every target reads with.
struct World {
    catalog: Catalog,
    glossary: Glossary,
    segments: BTreeMap<String, Definition>,
    as_of: AsOf,
}

impl World {
    fn new() -> Self {
        Self {
            catalog: catalog(),
            glossary: Glossary::default_glossary(),
            segments: BTreeMap::new(),
            as_of: AsOf::parse("2026-06-30", "UTC").unwrap(),
        }
    }

    fn cx(&self) -> Cx<'_> {
        Cx {
            catalog: &self.catalog,
            glossary: &self.glossary,
            as_of: self.as_of,
        }
    }

    fn vcx(&self) -> Context<'_> {
        Context {
            catalog: &self.catalog,
            glossary: &self.glossary,
            segments: &self.segments,
            as_of: self.as_of,
        }
    }
}

/// Run `check` on every corpus seed, then on generated input until the budget is spent.
fn fuzz<S: Strategy>(seeds: Vec<S::Value>, strategy: S, check: impl Fn(S::Value)) {
    for seed in seeds {
        check(seed);
    }
    let deadline = Instant::now() + budget();
    let seed: u64 = std::env::var("SEGWRIGHT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(17);
    let config = Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    };
    let bytes: Vec<u8> = seed.to_le_bytes().repeat(4);
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let mut rounds = 0;
    while Instant::now() < deadline || rounds == 0 {
        runner
            .run(&strategy, |v| {
                check(v);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("SEGWRIGHT_FUZZ_SEED={seed}: {e}"));
        rounds += 1;
    }
}

/// Words the interpreter knows, mixed with arbitrary text, so cases reach past the tokenizer.
fn request() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("customers".to_string()),
        Just("in".into()),
        Just("not".into()),
        Just("no".into()),
        Just("with".into()),
        Just("over".into()),
        Just("between".into()),
        Just("and".into()),
        Just("or".into()),
        Just("last".into()),
        Just("days".into()),
        Just("spent".into()),
        Just("churn".into()),
        Just("Annual".into()),
        Just("CA".into()),
        Just("top".into()),
        Just("%".into()),
        "-?[0-9]{1,25}(\\.[0-9]{0,5})?",
        "\\PC{0,12}",
    ];
    proptest::collection::vec(word, 0..24).prop_map(|w| w.join(" "))
}

#[test]
fn the_offline_interpreter_never_panics_and_its_definitions_validate() {
    let world = World::new();
    let (cx, vcx) = (world.cx(), world.vcx());
    let offline = Offline::new(&cx);
    fuzz(corpus("interpreter.txt"), request(), |prompt| {
        let i = offline.interpret(&prompt, &cx);
        let answered = validate(&i.definition, &vcx).is_ok();
        assert!(
            answered || i.partial || !i.questions.is_empty() || !i.unrecognized.is_empty(),
            "{prompt:?}: an invalid definition with nothing said about it: {:?}",
            i.definition
        );
    });
}

/// JSON values shaped like definitions: known keys and node types, arbitrary leaves.
fn definition_json() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::json!(f)),
        "\\PC{0,10}".prop_map(serde_json::Value::from),
        prop_oneof![
            Just("country"),
            Just("plan"),
            Just("tenure"),
            Just("eq"),
            Just("in"),
            Just("between"),
            Just("gt"),
        ]
        .prop_map(serde_json::Value::from),
    ];
    let node = leaf.prop_recursive(5, 64, 6, |inner| {
        let key = prop_oneof![
            Just("type"),
            Just("field"),
            Just("op"),
            Just("value"),
            Just("children"),
            Just("child"),
            Just("window"),
            Just("id"),
        ];
        let kind = prop_oneof![
            Just("attribute"),
            Just("and"),
            Just("or"),
            Just("not"),
            Just("segment"),
            Just("term"),
            Just("aggregate"),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            (kind, proptest::collection::btree_map(key, inner, 0..5)).prop_map(|(k, m)| {
                let mut o: serde_json::Map<String, serde_json::Value> =
                    m.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
                o.insert("type".into(), k.into());
                serde_json::Value::Object(o)
            }),
        ]
    });
    node.prop_map(|root| serde_json::json!({"version": 1, "root": root}).to_string())
}

#[test]
fn the_validator_answers_any_definition_json_with_a_definition_or_structured_issues() {
    let world = World::new();
    let vcx = world.vcx();
    fuzz(corpus("definitions.txt"), definition_json(), |text| {
        let Ok(def) = serde_json::from_str::<Definition>(&text) else {
            return;
        };
        if let Err(issues) = validate(&def, &vcx) {
            assert!(!issues.is_empty(), "{text}: refused without a reason");
        }
    });
}
