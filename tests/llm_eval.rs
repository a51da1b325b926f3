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

/// Answers keyed by a word of the user's request.
async fn chat(State(answers): State<Arc<BTreeMap<&'static str, Value>>>, body: axum::Json<Value>) -> axum::Json<Value> {
    let asked = body.0["messages"].as_array().and_then(|m| m.last()).and_then(|m| m["content"].as_str()).unwrap_or_default().to_lowercase();
    let answer = answers.iter().find(|(k, _)| asked.contains(*k)).map(|(_, v)| v.clone()).unwrap_or(json!({}));
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
        ("stayed", answer(json!({"type": "attribute", "field": "plan", "op": "eq", "value": "Basic"}), "stayed", &[])),
        ("vip", answer(churned, "VIP", &["Do you mean the Premium plan or the top spenders?"])),
    ]);
    let router = axum::Router::new().route("/v1/chat/completions", axum::routing::post(chat)).with_state(Arc::new(answers));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data/tiny");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(dir.path().join("cases")).unwrap();
    let rows: String = (0..40).map(|k| format!("C-{k},{},{}\n", if k % 4 == 0 { "Yes" } else { "No" }, if k % 2 == 0 { "Basic" } else { "Premium" })).collect();
    std::fs::write(data.join("customers.csv"), format!("Account ID,Churn,Plan\n{rows}")).unwrap();
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
    assert!(missing.to_string().contains("SEGWRIGHT_LLM_BASE_URL"), "{missing}");
    opts.llm = Some(LlmConfig::new(format!("http://{addr}/v1"), "fake"));
    let report = eval_nl(&opts).await.expect("the evaluation runs against the endpoint");
    assert_eq!((report.run, report.passed, report.confidently_wrong), (3, 2, 1), "{}", report.human(true));
    assert_eq!(report.interpreter, "llm");
    let wrong: Vec<&str> = report.results.iter().filter(|r| r.confidently_wrong).map(|r| r.prompt.as_str()).collect();
    assert_eq!(wrong, vec!["customers who stayed"]);
}
