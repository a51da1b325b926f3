//! `eval-nl --interpreter llm`: the evaluation runs its cases through the configured endpoint
//! (here a fake OpenAI-compatible server on 127.0.0.1 that answers by the request's words) and
//! reports the same figures as for the offline interpreter, confidently wrong answers included.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use serde_json::{Value, json};

use segwright::app::Choice;
use segwright::app::eval_nl::{EvalOptions, Split, eval_nl};
use segwright::interpret::llm::LlmConfig;

mod common;

/// Answers keyed by a word of the user's request.
async fn chat(
    State(answers): State<Arc<BTreeMap<&'static str, Value>>>,
    body: axum::Json<Value>,
) -> axum::Json<Value> {
    let asked = body.0["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_lowercase();
    let answer = answers
        .iter()
        .find(|(k, _)| asked.contains(*k))
        .map(|(_, v)| v.clone())
        .unwrap_or(json!({}));
    axum::Json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "fake",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.to_string()}, "finish_reason": "stop"}]
    }))
}

fn answer(root: Value, quote: &str, questions: &[&str]) -> Value {
    json!({"definition": {"version": 1, "root": root}, "explanation": [{"quote": quote}], "assumptions": [], "unrecognized": [], "questions": questions})
}

#[tokio::test(flavor = "multi_thread")]
async fn the_llm_is_scored_like_the_offline_interpreter() {
    let churned = json!({"type": "attribute", "field": "churn", "op": "eq", "value": true});
    let answers: BTreeMap<&'static str, Value> = BTreeMap::from([
        ("churned", answer(churned.clone(), "churned", &[])),
        // Wrong (the plan, not the churn flag) and nothing flagged: confidently wrong.
        (
            "stayed",
            answer(
                json!({"type": "attribute", "field": "plan", "op": "eq", "value": "Basic"}),
                "stayed",
                &[],
            ),
        ),
        (
            "vip",
            answer(
                churned,
                "VIP",
                &["Do you mean the Premium plan or the top spenders?"],
            ),
        ),
    ]);
    let router = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(chat))
        .with_state(Arc::new(answers));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data/tiny");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(dir.path().join("cases")).unwrap();
    let rows: String = (0..40)
        .map(|k| {
            format!(
                "C-{k},{},{}\n",
                if k % 4 == 0 { "Yes" } else { "No" },
                if k % 2 == 0 { "Basic" } else { "Premium" }
            )
        })
        .collect();
    std::fs::write(
        data.join("customers.csv"),
        format!("Account ID,Churn,Plan\n{rows}"),
    )
    .unwrap();
    let cases = json!([
        {"prompt": "customers who churned", "dataset": "tiny", "expect": {"type": "attribute", "field": "churn", "op": "eq", "value": true}},
        {"prompt": "customers who stayed", "dataset": "tiny", "expect": {"type": "attribute", "field": "churn", "op": "eq", "value": false}},
        {"prompt": "our VIP customers", "dataset": "tiny", "expect": "ask"}
    ]);
    std::fs::write(dir.path().join("cases/tiny.json"), cases.to_string()).unwrap();

    let work = dir.path().join("work");
    let mut opts = EvalOptions::generalise(dir.path(), &work, Split::All);
    (opts.cases, opts.data) = (dir.path().join("cases"), dir.path().join("data"));
    opts.interpreter = Choice::Llm;
    let missing = eval_nl(&opts).await.unwrap_err();
    assert!(
        missing.to_string().contains("SEGWRIGHT_LLM_BASE_URL"),
        "{missing}"
    );
    opts.llm = Some(LlmConfig::new(format!("http://{addr}/v1"), "fake"));
    let report = eval_nl(&opts)
        .await
        .expect("the evaluation runs against the endpoint");
    assert_eq!(
        (report.run, report.passed, report.confidently_wrong),
        (3, 2, 1),
        "{}",
        report.human(true)
    );
    assert_eq!(report.interpreter, "llm");
    let wrong: Vec<&str> = report
        .results
        .iter()
        .filter(|r| r.confidently_wrong)
        .map(|r| r.prompt.as_str())
        .collect();
    assert_eq!(wrong, vec!["customers who stayed"]);
}

/// Every request body the fake received, and answers taken in turn.
#[derive(Default)]
struct Recorder {
    seen: std::sync::Mutex<Vec<Value>>,
    answers: std::sync::Mutex<std::collections::VecDeque<Value>>,
}

async fn recorded(State(r): State<Arc<Recorder>>, body: axum::Json<Value>) -> axum::Json<Value> {
    r.seen.lock().unwrap().push(body.0);
    let answer = r.answers.lock().unwrap().pop_front().unwrap_or(json!({}));
    axum::Json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "fake",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.to_string()}, "finish_reason": "stop"}]
    }))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_llm_sees_the_conversation_so_far_and_answers_with_the_whole_refined_definition() {
    let churned = json!({"type": "attribute", "field": "churn", "op": "eq", "value": true});
    let basic = json!({"type": "attribute", "field": "plan", "op": "eq", "value": "Basic"});
    let rec = Arc::new(Recorder::default());
    rec.answers.lock().unwrap().extend([
        answer(churned.clone(), "churned", &[]),
        json!({"definition": {"version": 1, "root": {"type": "all", "conditions": [churned.clone(), basic.clone()]}},
               "explanation": [{"quote": "churned"}, {"quote": "Basic plan"}], "assumptions": [], "unrecognized": [], "questions": []}),
    ]);
    let router = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(recorded))
        .with_state(rec.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let db = common::sqlite_db();
    let mut llm = LlmConfig::new(format!("http://{addr}/v1"), "fake");
    llm.strict = true;
    let app = segwright::app::App::open(segwright::app::Settings {
        llm: Some(llm),
        ..common::settings(&db)
    })
    .await
    .unwrap();
    let rows: String = (0..20)
        .map(|k| {
            format!(
                "C-{k},{},{}\n",
                if k % 4 == 0 { "Yes" } else { "No" },
                if k % 2 == 0 { "Basic" } else { "Premium" }
            )
        })
        .collect();
    let (_dir, path) = common::write_file("crm.csv", &format!("Account ID,Churn,Plan\n{rows}"));
    app.import(
        segwright::app::ImportOptions::new(
            segwright::domain::import::Kind::Customers,
            path,
            Vec::new(),
            false,
            None,
            false,
        ),
        &segwright::app::Actor::cli(),
    )
    .await
    .unwrap();
    let as_of = app.as_of(None).unwrap();
    let ask = |prompt: &str, conversation_id: Option<String>| segwright::app::AskRequest {
        prompt: prompt.into(),
        conversation_id,
        start_conversation: true,
        interpreter: Choice::Llm,
        full_preview: false,
    };
    let first = app
        .ask(
            ask("customers who churned", None),
            as_of,
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();
    let id = first.conversation_id.clone().unwrap();
    let second = app
        .ask(
            ask("only those on the Basic plan", Some(id)),
            as_of,
            &segwright::app::Actor::cli(),
        )
        .await
        .unwrap();
    let root = serde_json::to_value(&second.interpretation.definition.root).unwrap();
    assert_eq!(
        root,
        json!({"type": "all", "conditions": [churned, basic]}),
        "the whole refined definition, nothing doubled"
    );

    let seen = rec.seen.lock().unwrap().clone();
    let texts: Vec<String> = seen[1]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        texts.iter().any(|t| t == "customers who churned"),
        "the earlier request is sent: {texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("\"churn\"") && t.contains("definition")),
        "with the definition it led to"
    );
    assert!(
        texts
            .last()
            .unwrap()
            .starts_with("only those on the Basic plan")
    );
    // Strict structured outputs were asked for, with a schema strict mode accepts.
    assert_eq!(
        seen[0]["response_format"]["json_schema"]["strict"],
        json!(true)
    );
    assert_eq!(
        seen[0]["response_format"]["json_schema"]["schema"]["additionalProperties"],
        json!(false)
    );
}
