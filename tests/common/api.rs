//! An in-process HTTP harness: the router over a fresh database (SQLite unless a test picks
//! one) with the fixtures imported, and API tokens for one user per role.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use segwright::app::App;
use segwright::domain::access::Role;

pub struct TestApp {
    pub router: axum::Router,
    /// API tokens of a marketer (used by default), a campaign manager and an admin.
    pub marketer: String,
    pub manager: String,
    /// A second campaign manager, for two-approver reviews.
    pub manager2: String,
    pub admin: String,
    pub app: std::sync::Arc<App>,
    /// The database URL, for tests that reach under the app (tampering).
    pub db_url: String,
    _db: super::TestDb,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(Default::default()).await
    }

    /// With governance settings of the test's choosing.
    pub async fn spawn_with(governance: segwright::app::Governance) -> Self {
        Self::spawn_with_settings(|s| s.governance = governance).await
    }

    /// With any settings of the test's choosing (governance, LLM, …).
    pub async fn spawn_with_settings(edit: impl FnOnce(&mut segwright::app::Settings)) -> Self {
        Self::spawn_on(super::sqlite_db(), edit).await
    }

    /// On a database of the test's choosing (see `common::all_dbs`), with its settings.
    pub async fn spawn_on(
        db: super::TestDb,
        edit: impl FnOnce(&mut segwright::app::Settings),
    ) -> Self {
        let mut settings = super::app(&db).await.settings.clone();
        edit(&mut settings);
        let app = App::open(settings).await.expect("open app");
        super::import_fixtures(&app).await;
        let marketer = super::user_token(&app, "marketer@test.io", Role::Marketer).await;
        let manager = super::user_token(&app, "manager@test.io", Role::CampaignManager).await;
        let manager2 = super::user_token(&app, "manager2@test.io", Role::CampaignManager).await;
        let admin = super::user_token(&app, "admin@test.io", Role::Admin).await;
        let app = std::sync::Arc::new(app);
        Self {
            router: segwright::http::router(app.clone()),
            marketer,
            manager,
            manager2,
            admin,
            app,
            db_url: db.url.clone(),
            _db: db,
        }
    }

    /// Call as the marketer.
    pub async fn call(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, String) {
        self.call_as(Some(&self.marketer), method, uri, body).await
    }

    /// Call with a token, or with none.
    pub async fn call_as(
        &self,
        token: Option<&str>,
        method: &str,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, String) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", super::bearer(t));
        }
        let body = match body {
            Some(v) => {
                req = req.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let resp = self
            .router
            .clone()
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).to_string())
    }

    pub async fn json(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (s, text) = self.call(method, uri, body).await;
        (
            s,
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}")),
        )
    }
}

impl TestApp {
    /// Send any request; returns status, headers and body text.
    pub async fn send(&self, req: Request<Body>) -> (StatusCode, HeaderMap, String) {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, headers, String::from_utf8_lossy(&bytes).to_string())
    }

    /// POST a lifecycle action (`submit`, `approve`, `activate`, …) on a segment as `token`.
    pub async fn segment_action(
        &self,
        token: &str,
        id: &str,
        action: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let uri = format!("/api/segments/{id}/{action}");
        self.json_as(Some(token), "POST", &uri, Some(body)).await
    }

    /// Submit a segment for review to the demo webhook as `token`.
    pub async fn submit_to_webhook(&self, token: &str, id: &str) -> (StatusCode, Value) {
        let body = serde_json::json!({"destinations": ["webhook"]});
        self.segment_action(token, id, "submit", body).await
    }

    /// Call with a token (or none) and parse the JSON answer.
    pub async fn json_as(
        &self,
        token: Option<&str>,
        method: &str,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (s, text) = self.call_as(token, method, uri, body).await;
        (
            s,
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}")),
        )
    }
}
