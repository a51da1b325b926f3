//! What every walk shares: chromedriver and a headless Chromium, an app served on 127.0.0.1 with
//! demo data and users, and the screenshots: each step of a walk under
//! `target/screenshots/steps/WALK/`, and the main pages, whole, at a desktop's 1400 px and a
//! phone's 390 px as `target/screenshots/NAME-WIDTHpx.png`, for a reviewer who does not run the
//! app. A failing step names the screenshot of the page as it was.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use segwright::app::{Actor, App, DemoOptions, Settings};
use segwright::domain::access::Role;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// The widths every main page is shot at: a desktop and a phone.
const WIDTHS: [u32; 2] = [1400, 390];

/// chromedriver on a free port, stopped when dropped.
pub struct Driver {
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
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// chromedriver, or `None` (with a note) when Chromium is not installed and CI did not ask for it.
pub async fn start_driver() -> Option<Driver> {
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        if std::env::var("SEGWRIGHT_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!(
                "SEGWRIGHT_REQUIRE_BROWSER=1 but {CHROMEDRIVER} or {CHROMIUM} is missing (apt-get install chromium chromium-driver)"
            );
        }
        eprintln!("NOTE: browser test not run: install chromium and chromium-driver (CI does)");
        return None;
    }
    let port = free_port();
    let mut child = std::process::Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start chromedriver");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(Driver { child, port });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("chromedriver did not start on port {port}");
}

/// The folder of the run's screenshots.
pub fn screenshots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots")
}

/// A browser session of one walk, which shoots its steps into its own folder.
pub struct Browser {
    pub c: Client,
    steps: PathBuf,
    step: usize,
}

impl Browser {
    pub async fn open(driver: &Driver, walk: &str) -> Browser {
        let mut caps = serde_json::Map::new();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1280,1000",
        ];
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": CHROMIUM, "args": args }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let c = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .expect("connect to chromedriver");
        let steps = screenshots().join("steps").join(walk);
        // A walk's folder holds only this run's steps.
        let _ = std::fs::remove_dir_all(&steps);
        std::fs::create_dir_all(&steps).unwrap();
        Browser { c, steps, step: 0 }
    }

    /// The window as it is, as the walk's next numbered step.
    pub async fn shot(&mut self, name: &str) -> PathBuf {
        self.step += 1;
        let path = self.steps.join(format!("{:02}-{name}.png", self.step));
        if let Ok(png) = self.c.screenshot().await {
            let _ = std::fs::write(&path, png);
        }
        path
    }

    /// The step at a desktop's and a phone's width.
    pub async fn shots(&mut self, name: &str) {
        for w in WIDTHS {
            self.c.set_window_size(w, 1600).await.unwrap();
            self.shot(&format!("{name}-{w}px")).await;
        }
        self.c.set_window_size(1400, 1000).await.unwrap();
    }

    /// The page at `path`, once `ready` shows, as a main page (see [`Browser::shoot_page`]).
    pub async fn page_shots(&mut self, base: &str, path: &str, name: &str, ready: &str) {
        self.c.goto(&format!("{base}{path}")).await.unwrap();
        self.wait_for(ready, name).await;
        self.shoot_page(name).await;
    }

    /// The page on screen, whole (the window as tall as the page, up to 12,000 px), at each
    /// width, into `target/screenshots/NAME-WIDTHpx.png`.
    pub async fn shoot_page(&mut self, name: &str) {
        std::fs::create_dir_all(screenshots()).unwrap();
        for w in WIDTHS {
            self.c.set_window_size(w, 1000).await.unwrap();
            let h = self
                .c
                .execute(
                    "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight",
                    vec![],
                )
                .await
                .unwrap()
                .as_u64()
                .unwrap_or(1000);
            let h = u32::try_from(h.clamp(800, 12_000)).unwrap();
            self.c.set_window_size(w, h).await.unwrap();
            let png = self.c.screenshot().await.expect("screenshot");
            std::fs::write(screenshots().join(format!("{name}-{w}px.png")), png).unwrap();
        }
        self.c.set_window_size(1400, 1000).await.unwrap();
    }

    /// A section of the page on screen (`id` scrolled to the top of a 1,200 px window) at each
    /// width, into `target/screenshots/NAME-WIDTHpx.png`.
    pub async fn shoot_section(&mut self, name: &str, id: &str) {
        std::fs::create_dir_all(screenshots()).unwrap();
        for w in WIDTHS {
            self.c.set_window_size(w, 1200).await.unwrap();
            self.c
                .execute(
                    "document.getElementById(arguments[0]).scrollIntoView()",
                    vec![serde_json::json!(id)],
                )
                .await
                .unwrap();
            let png = self.c.screenshot().await.expect("screenshot");
            std::fs::write(screenshots().join(format!("{name}-{w}px.png")), png).unwrap();
        }
        self.c.set_window_size(1400, 1000).await.unwrap();
    }

    /// Wait for an element; on timeout, fail naming the screenshot of the page as it was.
    pub async fn wait_for(&mut self, css: &str, what: &str) -> fantoccini::elements::Element {
        match self
            .c
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => {
                let path = self.failed(what).await;
                panic!("{what}: `{css}` did not appear ({e}); screenshot: {path}");
            }
        }
    }

    /// Wait until `css`'s text contains `needle`, and return that text.
    pub async fn wait_text(&mut self, css: &str, needle: &str, what: &str) -> String {
        self.wait_text_for(css, needle, what, Duration::from_secs(20))
            .await
    }

    pub async fn wait_text_for(
        &mut self,
        css: &str,
        needle: &str,
        what: &str,
        within: Duration,
    ) -> String {
        let until = std::time::Instant::now() + within;
        while std::time::Instant::now() < until {
            if let Ok(e) = self.c.find(Locator::Css(css)).await
                && let Ok(t) = e.text().await
                && t.contains(needle)
            {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let path = self.failed(what).await;
        panic!("{what}: `{css}` never contained {needle:?}; screenshot: {path}");
    }

    async fn failed(&mut self, what: &str) -> String {
        let path = self
            .shot(&format!("failed-{}", what.replace(' ', "-")))
            .await;
        path.display().to_string()
    }

    pub async fn log_in(&mut self, email: &str, password: &str) {
        self.type_into("#email", email, "login page").await;
        self.type_into("#password", password, "password").await;
        self.shot("login").await;
        self.click("form.login button", "sign in").await;
        self.wait_text("[data-testid=user]", email, "signed in")
            .await;
    }

    pub async fn log_out(&mut self) {
        self.click("form.logout button", "sign out").await;
        self.wait_for("#email", "login page").await;
    }

    /// Type `text` into the (emptied) field `css`.
    pub async fn type_into(&mut self, css: &str, text: &str, what: &str) {
        let field = self.wait_for(css, what).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Type a request into the chat's input and send it.
    pub async fn ask(&mut self, request: &str) {
        self.type_into("#prompt", request, "chat input").await;
        self.click("form.ask button[type=submit]", "send").await;
    }

    /// The audience size the answer shows.
    pub async fn count(&mut self, what: &str) -> i64 {
        self.wait_for("[data-testid=count]", what)
            .await
            .text()
            .await
            .unwrap()
            .trim()
            .replace(',', "")
            .parse()
            .expect("a number")
    }

    pub async fn click(&mut self, css: &str, what: &str) {
        self.wait_for(css, what).await.click().await.unwrap();
    }

    /// Post a form the page does not offer, with the session's CSRF token, as a forger would;
    /// returns `[status, body]`.
    pub async fn forge_post(&mut self, url: &str, body: &str) -> serde_json::Value {
        let forged = format!(
            "fetch('{url}', {{method: 'POST', headers: {{'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': document.body.getAttribute('hx-headers').split('\"')[3]}}, body: '{body}'}}).then(async r => [r.status, await r.text()])"
        );
        self.c
            .execute_async(
                &format!("const done = arguments[0]; {forged}.then(done);"),
                vec![],
            )
            .await
            .unwrap()
    }
}

/// A listener on a free port of 127.0.0.1 and its base address, known before the app opens (the
/// demo receiver's address is part of the settings).
pub async fn listen() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    (listener, base)
}

/// Serve `app` (pages, API, sync worker) on `listener` until the test ends.
pub fn serve_on(listener: tokio::net::TcpListener, app: App) {
    tokio::spawn(segwright::http::serve(
        listener,
        Arc::new(app),
        std::future::pending(),
    ));
}

pub async fn serve(app: App) -> String {
    let (listener, base) = listen().await;
    serve_on(listener, app);
    base
}

/// Settings whose webhook is this server's own demo receiver at `base`.
pub fn demo_webhook_settings(db: &crate::common::TestDb, base: &str) -> Settings {
    let mut settings = crate::common::settings(db);
    let d = &mut settings.governance.destinations;
    (d.webhook_url, d.webhook_secret, d.demo_sink) = (
        Some(format!("{base}/demo/webhook")),
        Some("demo-secret".into()),
        true,
    );
    settings
}

/// The app over `settings` with `customers` demo customers and the users named.
pub async fn demo_app(
    settings: Settings,
    customers: u64,
    seed: u64,
    users: &[(&str, Role, &str)],
) -> App {
    let app = App::open(settings).await.expect("open app");
    let as_of = app.as_of(None).unwrap();
    segwright::app::generate_demo(
        &app,
        DemoOptions {
            customers,
            seed,
            progress: false,
        },
        as_of,
    )
    .await
    .expect("demo data");
    add_users(&app, users).await;
    app
}

pub async fn add_users(app: &App, users: &[(&str, Role, &str)]) {
    for (email, role, password) in users {
        app.add_user(email, *role, password, false, &Actor::cli())
            .await
            .unwrap();
    }
}

pub const MARKETER: (&str, Role, &str) = (
    "marketer@example.test",
    Role::Marketer,
    "correct horse battery",
);
pub const MANAGER: (&str, Role, &str) = (
    "manager@example.test",
    Role::CampaignManager,
    "staple battery horse",
);

/// A webhook endpoint on 127.0.0.1 that keeps every body it receives.
pub async fn fake_webhook() -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    let got = Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = got.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push(body);
                "ok"
            }
        }),
    );
    let (listener, base) = listen().await;
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("{base}/hook"), got)
}
