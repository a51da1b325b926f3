//! The web app in a real Chromium (headless, through chromedriver), used as a person would:
//! ask for an audience on the chat page, read how it was understood and its size, change an
//! assumption, save it. Every step leaves a screenshot under `target/browser/`; a failing step
//! says which screenshot shows it.
//!
//! Needs `chromium` and `chromium-driver` (Debian). Without them the test prints a note and does
//! nothing, unless `SEGWRIGHT_REQUIRE_BROWSER=1` (as CI sets), which makes their absence a failure.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use segwright::app::DemoOptions;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: std::process::Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start_driver() -> Option<Driver> {
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        if std::env::var("SEGWRIGHT_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("SEGWRIGHT_REQUIRE_BROWSER=1 but {CHROMEDRIVER} or {CHROMIUM} is missing (apt-get install chromium chromium-driver)");
        }
        eprintln!("NOTE: browser test not run: install chromium and chromium-driver (CI does)");
        return None;
    }
    let port = free_port();
    let child = std::process::Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start chromedriver");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Some(Driver { child, port });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

/// A browser session that takes a screenshot after each step.
struct Browser {
    c: Client,
    shots: PathBuf,
    step: usize,
}

impl Browser {
    async fn open(driver: &Driver) -> Browser {
        let mut caps = serde_json::Map::new();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1280,1000",
        ];
        caps.insert("goog:chromeOptions".into(), serde_json::json!({ "binary": CHROMIUM, "args": args }));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let c = ClientBuilder::new(connector).capabilities(caps).connect(&format!("http://127.0.0.1:{}", driver.port)).await.expect("connect to chromedriver");
        let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser");
        std::fs::create_dir_all(&shots).unwrap();
        Browser { c, shots, step: 0 }
    }

    async fn shot(&mut self, name: &str) -> PathBuf {
        self.step += 1;
        let path = self.shots.join(format!("{:02}-{name}.png", self.step));
        if let Ok(png) = self.c.screenshot().await {
            let _ = std::fs::write(&path, png);
        }
        path
    }

    /// Wait for an element; on timeout, fail naming the screenshot of the page as it was.
    async fn wait_for(&mut self, css: &str, what: &str) -> fantoccini::elements::Element {
        match self.c.wait().at_most(Duration::from_secs(15)).for_element(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => {
                let path = self.shot(&format!("failed-{}", what.replace(' ', "-"))).await;
                panic!("{what}: `{css}` did not appear ({e}); screenshot: {}", path.display());
            }
        }
    }

    async fn wait_text(&mut self, css: &str, needle: &str, what: &str) -> String {
        for _ in 0..150 {
            if let Ok(e) = self.c.find(Locator::Css(css)).await {
                if let Ok(t) = e.text().await {
                    if t.contains(needle) {
                        return t;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let path = self.shot(&format!("failed-{}", what.replace(' ', "-"))).await;
        panic!("{what}: `{css}` never contained {needle:?}; screenshot: {}", path.display());
    }
}

async fn serve(app: segwright::app::App) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(segwright::http::serve(listener, Arc::new(app), std::future::pending()));
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_marketer_asks_for_an_audience_changes_an_assumption_and_saves_it_in_a_real_browser() {
    let Some(driver) = start_driver().await else { return };
    let db = common::sqlite_db();
    let app = common::app(&db).await;
    let as_of = app.as_of(None).unwrap();
    segwright::app::generate_demo(&app, DemoOptions { customers: 1_500, seed: 5, progress: false }, as_of).await.expect("demo data");
    let cli = segwright::app::audit::Actor::cli();
    app.add_user("marketer@example.test", segwright::domain::access::Role::Marketer, "correct horse battery", false, &cli).await.unwrap();
    let base = serve(app).await;
    let mut b = Browser::open(&driver).await;

    // Pages need a session: the chat page sends the browser to the login page first.
    b.c.goto(&format!("{base}/chat")).await.unwrap();
    b.wait_for("#email", "login page").await.send_keys("marketer@example.test").await.unwrap();
    b.c.find(Locator::Css("#password")).await.unwrap().send_keys("correct horse battery").await.unwrap();
    b.shot("login").await;
    b.c.find(Locator::Css("form.login button")).await.unwrap().click().await.unwrap();
    b.wait_text("[data-testid=user]", "marketer@example.test", "signed in").await;
    b.wait_for("#prompt", "chat page").await.send_keys("high-value customers inactive for 30 days").await.unwrap();
    b.shot("typed-request").await;
    b.c.find(Locator::Css("form.ask button[type=submit]")).await.unwrap().click().await.unwrap();

    let count: i64 = b.wait_for("[data-testid=count]", "audience size").await.text().await.unwrap().trim().parse().expect("a number");
    assert!(count > 0 && count < 1_500, "a real audience: {count}");
    let explanation = b.wait_text("[data-testid=explanation]", "Inactive for", "explanation").await;
    assert!(explanation.contains("High-value"), "every condition explained: {explanation}");
    b.shot("answer").await;

    // Change the assumption: top 20% → top 10% (a smaller audience).
    let option = b.c.find(Locator::XPath("//button[contains(@class,'option') and normalize-space()='top 10%']")).await.expect("a top 10% choice");
    option.click().await.unwrap();
    b.wait_text(".answer .diff", "Changed", "refined answer").await;
    let smaller: i64 = b.wait_for("[data-testid=count]", "refined size").await.text().await.unwrap().trim().parse().unwrap();
    assert!(smaller < count, "top 10% is smaller than top 20%: {smaller} vs {count}");
    b.shot("assumption-changed").await;

    b.c.find(Locator::Css("#segment-name")).await.unwrap().send_keys("Winback VIPs").await.unwrap();
    b.c.find(Locator::Css("form.save button")).await.unwrap().click().await.unwrap();
    let saved = b.wait_text("[data-testid=saved]", "Winback VIPs", "saved").await;
    assert!(saved.contains("draft"), "{saved}");
    b.shot("saved").await;

    // The address names the conversation: a reload shows it again.
    let url = b.c.current_url().await.unwrap();
    assert!(url.as_str().contains("/chat?c="), "{url}");
    b.c.refresh().await.unwrap();
    let history = b.wait_text(".history", "make it the top 10% instead", "conversation after reload").await;
    assert!(history.contains("high-value customers inactive for 30 days"), "{history}");
    b.c.close().await.unwrap();
}
