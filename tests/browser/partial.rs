//! An unrecognized place ("customers in Iceland") renders a helpful answer, not an error and not
//! "everyone": a warning names the words, Save is disabled (and refused by the server), Rephrase
//! puts the request back in the input, and keeping the rest saves the audience the user chose.

use crate::harness::{Browser, MARKETER, add_users, serve, start_driver};

#[tokio::test(flavor = "multi_thread")]
async fn a_partly_understood_request_warns_and_is_saved_only_after_removing_the_words_in_a_real_browser()
 {
    let Some(driver) = start_driver().await else {
        return;
    };
    let db = crate::common::sqlite_db();
    let app = segwright::app::App::open(crate::common::settings(&db))
        .await
        .expect("open app");
    crate::common::import_fixtures(&app).await;
    add_users(&app, &[MARKETER]).await;
    let base = serve(app).await;
    let mut b = Browser::open(&driver, "partial").await;
    b.c.goto(&format!("{base}/chat")).await.unwrap();
    b.log_in(MARKETER.0, MARKETER.2).await;
    b.ask("customers in Iceland").await;

    // A warning above the audience names the words; nothing is shown as "everyone"; no Save.
    let warning = b
        .wait_text("[data-testid=partial]", "Iceland", "partial warning")
        .await;
    assert!(warning.contains("not understood"), "{warning}");
    assert!(
        b.c.find(fantoccini::Locator::Css("[data-testid=count]"))
            .await
            .is_err(),
        "no audience of every customer is shown"
    );
    let save = b.wait_for("form.save button", "save button").await;
    assert!(
        !save.is_enabled().await.unwrap(),
        "Save is disabled while the answer is partial"
    );
    b.shots("partial-answer").await;
    b.shoot_page("chat-unrecognized-place").await;

    // The server refuses too, when the save form is posted anyway.
    let url = b.c.current_url().await.unwrap();
    let conversation = url
        .query_pairs()
        .find(|(k, _)| k == "c")
        .map(|(_, v)| v.into_owned())
        .expect("the address names the conversation");
    let refused = b
        .forge_post(
            &format!("{base}/chat/save"),
            &format!("name=Iceland&conversation_id={conversation}"),
        )
        .await;
    assert_eq!(refused[0], serde_json::json!(422), "{refused}");
    assert!(
        refused[1]
            .as_str()
            .unwrap()
            .contains("“Iceland” was not understood"),
        "{refused}"
    );

    // "Rephrase" puts the request back in the input, to be said another way.
    b.click("[data-testid=rephrase]", "rephrase").await;
    let focused =
        b.c.execute(
            "return [document.activeElement.id, document.activeElement.value]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        focused,
        serde_json::json!(["prompt", "customers in Iceland"])
    );

    // Keep the rest: the warning goes, the audience shows, and Save works.
    b.click("[data-testid=keep-rest]", "keep the rest").await;
    b.wait_text(
        ".answer .diff",
        "removed the words not understood",
        "kept the rest",
    )
    .await;
    assert!(
        b.c.find(fantoccini::Locator::Css("[data-testid=partial]"))
            .await
            .is_err(),
        "the warning is gone"
    );
    assert_eq!(
        b.count("audience size").await,
        5,
        "the rest of \"customers in Iceland\" is every customer, chosen by the user"
    );
    b.shot("kept-the-rest").await;
    b.type_into("#segment-name", "Everyone", "segment name")
        .await;
    b.click("form.save button", "save").await;
    let saved = b
        .wait_text("[data-testid=saved]", "Everyone", "saved")
        .await;
    assert!(saved.contains("draft"), "{saved}");
    b.shot("saved-after-keeping-the-rest").await;
    b.c.close().await.unwrap();
}
