//! The LLM-reply parser: whatever a model answers (JSON of the reply's shape with arbitrary
//! leaves, fenced or wrapped in prose, or not JSON at all) is parsed into a reply or refused
//! with a structured issue; a reply whose definition validates becomes an interpretation whose
//! every span is words of the request, whose texts are bounded, and which either explains a
//! condition or asks. Seeds are `tests/fuzz/corpus/llm_replies.txt`, one `REQUEST<TAB>REPLY` a
//! line.

use proptest::prelude::*;
use serde_json::{Value, json};

use segwright::domain::validate::validate;
use segwright::interpret::Span;
use segwright::interpret::llm::reply::{Reply, interpretation};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("in the US".to_string()),
        Just("annual".into()),
        Just("CUSTOMERS IN".into()),
        Just(String::new()),
        Just("  ".into()),
        "\\PC{0,40}",
    ]
}

fn condition() -> impl Strategy<Value = Value> {
    let field = prop_oneof![
        Just("country"),
        Just("plan"),
        Just("tenure"),
        Just("churn"),
        Just("nope")
    ];
    let op = prop_oneof![
        Just("eq"),
        Just("ne"),
        Just("in"),
        Just("gt"),
        Just("between")
    ];
    let value = prop_oneof![
        Just(json!("US")),
        Just(json!("Annual")),
        Just(json!(["CA", "GB"])),
        Just(json!([1, 2])),
        Just(json!(true)),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
    ];
    (field, op, value)
        .prop_map(|(f, o, v)| json!({"type": "attribute", "field": f, "op": o, "value": v}))
}

/// A reply of the requested shape, its leaves arbitrary, sometimes wrapped or cut.
fn reply() -> impl Strategy<Value = String> {
    let items = |s: BoxedStrategy<String>| proptest::collection::vec(s, 0..14);
    let shaped = (
        proptest::collection::vec(condition(), 0..4),
        items(text().boxed()),
        proptest::collection::vec((text(), text(), items(text().boxed())), 0..3),
        items(text().boxed()),
        items("\\PC{0,400}".boxed()),
    )
        .prop_map(|(conds, quotes, assumptions, unrecognized, questions)| {
            let explanation: Vec<Value> = quotes.iter().map(|q| json!({"quote": q})).collect();
            let assumptions: Vec<Value> = assumptions
                .into_iter()
                .map(|(q, t, a)| json!({"quote": q, "text": t, "alternatives": a}))
                .collect();
            json!({
                "definition": {"version": 1, "root": {"type": "all", "conditions": conds}},
                "explanation": explanation,
                "assumptions": assumptions,
                "unrecognized": unrecognized,
                "questions": questions,
            })
            .to_string()
        });
    (shaped, 0..6u8, any::<usize>()).prop_map(|(json, wrap, cut)| match wrap {
        0 => format!("```json\n{json}\n```"),
        1 => format!("Here it is: {json} Hope it helps."),
        2 => json.chars().take(cut % json.len().max(1)).collect(),
        3 => json.replace("null", "{}").replace('[', "[null,"),
        _ => json,
    })
}

fn prompt() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("customers in the US on the annual plan".to_string()),
        Just("Customers In the us".into()),
        "\\PC{0,60}",
    ]
}

/// A span is empty or exactly the request's bytes at its place.
fn of_the_request(prompt: &str, s: &Span) -> bool {
    s.text.is_empty() || prompt.get(s.start..s.end) == Some(s.text.as_str())
}

fn seeds() -> Vec<(String, String)> {
    super::corpus("llm_replies.txt")
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (p, r) = l.split_once('\t').expect("REQUEST<TAB>REPLY");
            (p.to_string(), r.to_string())
        })
        .collect()
}

#[test]
fn the_llm_reply_parser_answers_any_reply_with_an_interpretation_or_an_issue() {
    let world = super::World::new();
    let (cx, vcx) = (world.cx(), world.vcx());
    let reached = std::cell::Cell::new(0);
    super::fuzz(seeds(), (prompt(), reply()), |(prompt, text)| {
        let Ok(reply) = Reply::parse(&text) else {
            return;
        };
        let Ok(def) = reply.definition() else { return };
        if validate(&def, &vcx).is_err() {
            return;
        }
        let i = interpretation(&prompt, &reply, def, "fuzz", &cx);
        reached.set(reached.get() + 1);
        let spans = i
            .explanation
            .iter()
            .map(|e| &e.span)
            .chain(i.assumptions.iter().map(|a| &a.span))
            .chain(i.unrecognized.iter());
        for s in spans {
            assert!(of_the_request(&prompt, s), "{prompt:?} {s:?}: {text}");
        }
        assert!(i.assumptions.len() <= 10 && i.notices.iter().all(|n| n.len() < 2_000));
        assert!(
            i.assumptions.iter().all(|a| a.text.chars().count() <= 300),
            "{text}"
        );
        assert!(
            !i.explanation.is_empty() || !i.questions.is_empty(),
            "{prompt:?}: neither a condition nor a question: {text}"
        );
        assert!(i.partial || !i.explanation.is_empty(), "{prompt:?}: {text}");
    });
    assert!(reached.get() > 0, "no reply reached an interpretation");
}
