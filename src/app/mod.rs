//! Use cases between the pure domain and the edges: load the catalog, validate, preview,
//! export, explain, save segments, import files and build the demo. Owns no SQL and no HTTP.
//!
//! Authorization lives here: every public use case takes the acting user ([`Actor`]) and checks
//! its permission before it reads or changes anything; the store is private to this module, so
//! the edges (`http`, `cli`) reach data only through these use cases and only authenticate.

mod admin;
mod approval;
pub mod audit;
pub mod auth;
pub mod bench;
pub mod bench_delivery;
pub mod bench_nl;
pub mod bench_scores;
mod chips;
mod compare;
mod delivery;
mod demo;
mod destinations;
mod edit;
mod error;
pub mod eval_nl;
pub mod export;
pub mod followup;
mod glossary;
mod import;
mod interpret;
mod jobs;
mod lifecycle;
mod llm;
mod memory;
mod overlaps;
mod overview;
mod partial;
mod past_scores;
mod performance;
mod policy;
mod preview;
mod rescore;
mod score_export;
mod scoring;
pub mod secrets;
mod segments;
mod suppression;
mod sync;
mod upload;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use chrono_tz::Tz;

pub use crate::domain::scoring::CustomerScore;
pub use admin::{DestinationStatus, UserView};
pub use audit::{Actor, Change};
pub use chips::{ChipEdit, ChipValue, chip_value};
pub use compare::VersionDiff;
pub use delivery::{DeliveryReport, DestinationReport, SyncKind};
pub use demo::{DemoOptions, create_demo_users, generate_demo};
pub use destinations::{DestinationView, NewDestination};
pub use error::{AppError, ErrorKind};
pub use import::{
    ImportOptions, ImportReport, IngestKind, IngestReport, MAX_ROWS as MAX_INGEST_ROWS, RowIssue,
};
pub use interpret::{Answer, AskRequest, Choice};
pub use jobs::TrainJob;
pub use lifecycle::Review;
pub use overlaps::{OverlapMatrix, OverlapPair, OverlapSegment};
pub use overview::{PendingReview, SegmentRow, VersionChange};
pub use preview::Prepared;
pub use rescore::{Rescored, ScoreSettings};
pub use score_export::ScoreTable;
pub use scoring::{TrainRequest, TrainedModel};
pub use segments::{SaveSegment, SegmentListing, SegmentView};
pub use suppression::{SUPPRESSION_KINDS, SuppressionList, UploadReport};
pub use sync::{SyncDestination, SyncReport, SyncSettings};
pub use upload::{ColumnPreview, MAX_UPLOAD_BYTES, StagedImport};

/// Write one member as a CSV line or a JSON line.
pub fn write_member(
    out: &mut impl std::io::Write,
    m: &crate::store::MemberRow,
    csv: bool,
    with_email: bool,
) -> std::io::Result<()> {
    if csv {
        out.write_all(csv_field(&m.external_id).as_bytes())?;
        if with_email {
            out.write_all(b",")?;
            out.write_all(csv_field(m.email.as_deref().unwrap_or("")).as_bytes())?;
        }
        out.write_all(b"\n")
    } else {
        let v = if with_email {
            serde_json::json!({"external_id": m.external_id, "email": m.email})
        } else {
            serde_json::json!({"external_id": m.external_id})
        };
        serde_json::to_writer(&mut *out, &v)?;
        out.write_all(b"\n")
    }
}

/// Quote a CSV field when it needs it, formulas neutralised ([`export::spreadsheet_safe`]).
fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    let s = export::spreadsheet_safe(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s
    }
}

use crate::domain::approval_basis::SegmentRef;
use crate::domain::catalog::Catalog;
use crate::domain::definition::Definition;
use crate::domain::glossary::Glossary;
use crate::domain::time::AsOf;
use crate::domain::validate::{Context, ValidDefinition, validate};
use crate::store::{Freshness, Store};

/// How the app is set up.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    /// Fixed as-of date (`YYYY-MM-DD`); today when `None`.
    pub as_of: Option<String>,
    pub timezone: Tz,
    /// Glossary TOML text (the shipped default unless configured).
    pub glossary_toml: Option<String>,
    /// Keep a columnar copy of the data in memory for fast previews (long-running servers).
    pub in_memory: bool,
    /// The OpenAI-compatible endpoint of the LLM interpreter; offline only when `None`.
    pub llm: Option<crate::interpret::llm::LlmConfig>,
    /// Approval, session and policy settings.
    pub governance: Governance,
    /// How a server keeps scores current (the schedule; imports always re-score).
    pub scores: ScoreSettings,
}

/// Settings of the governance features: approvals, sessions and policy.
#[derive(Debug, Clone)]
pub struct Governance {
    /// Audiences larger than this (at submission) need a second, distinct approver.
    pub second_approver_above: i64,
    /// Mark session cookies `Secure` (set when served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Policy checked at submission and at activation.
    pub policy: crate::domain::policy::PolicyConfig,
    /// Destination endpoints and credentials.
    pub destinations: crate::destinations::DestinationConfig,
    /// The sync worker's lease and the refresh schedule.
    pub sync: SyncSettings,
    /// Seals the secrets of destinations stored by admins (`SEGWRIGHT_SECRET_KEY`); without
    /// it, secrets cannot be stored.
    pub secret_key: Option<secrets::SecretKey>,
    /// Keys the audit chain's HMAC (`SEGWRIGHT_AUDIT_KEY`, kept outside the database); without
    /// it entries are plain SHA-256 and `audit verify` says so.
    pub audit_key: Option<crate::domain::audit::AuditKey>,
    /// How long a heavy request (preview, interpretation, …) may take, waiting for a slot
    /// included, before it is answered `503 over_budget` (`SEGWRIGHT_REQUEST_BUDGET_SECS`).
    pub request_budget: std::time::Duration,
    /// How many heavy requests compute at once (`SEGWRIGHT_HEAVY_CONCURRENCY`; default twice
    /// the cores); the others wait within their budget.
    pub heavy_concurrency: usize,
}

impl Default for Governance {
    fn default() -> Self {
        Self {
            second_approver_above: 100_000,
            secure_cookies: false,
            policy: Default::default(),
            destinations: Default::default(),
            sync: Default::default(),
            secret_key: None,
            audit_key: None,
            request_budget: std::time::Duration::from_secs(30),
            heavy_concurrency: std::thread::available_parallelism().map_or(2, |n| n.get() * 2),
        }
    }
}

impl Settings {
    /// A database at a fixed as-of date, UTC, the shipped glossary, SQL previews, no LLM and
    /// default governance: what benchmarks, evaluations and tests start from.
    pub fn fixed(database_url: impl Into<String>, as_of: &str) -> Self {
        Settings {
            database_url: database_url.into(),
            as_of: Some(as_of.into()),
            timezone: chrono_tz::UTC,
            glossary_toml: None,
            in_memory: false,
            llm: None,
            governance: Governance::default(),
            scores: ScoreSettings::default(),
        }
    }
}

/// The catalog and data freshness, cached until the next import.
pub struct Snapshot {
    pub catalog: Catalog,
    pub freshness: Freshness,
    /// Short hash of the catalog, recorded with saved versions.
    pub catalog_version: String,
}

/// The application: a store, the glossary and settings.
pub struct App {
    /// Private: the edges reach the data only through use cases that check the actor.
    store: Store,
    /// The glossary: the configured file with the terms admins edited in the app on top. Behind
    /// a lock so an edit applies to the next request; readers take a cheap `Arc` clone.
    glossary: RwLock<Arc<Glossary>>,
    pub settings: Settings,
    snapshot: RwLock<Option<Arc<Snapshot>>>,
    /// Resolved percentile thresholds, kept until the next import changes the data.
    thresholds: std::sync::Mutex<std::collections::HashMap<String, Option<f64>>>,
    /// The in-memory copy of the data, loaded on first use when `settings.in_memory`.
    table: tokio::sync::Mutex<Option<(u64, Arc<crate::domain::columnar::Table>)>>,
    /// Bumped by every change to the data; a table of an older generation is reloaded.
    generation: std::sync::atomic::AtomicU64,
    /// The offline interpreter, built for one catalog and glossary version.
    offline: std::sync::Mutex<Option<(String, Arc<crate::interpret::offline::Offline>)>>,
    /// The LLM interpreter's client, when one is configured.
    llm: Option<crate::interpret::llm::LlmClient>,
    /// Login attempts per email and per address.
    login_limiter: auth::LoginLimiter,
    /// Background training jobs started over HTTP, by id.
    jobs: std::sync::Mutex<std::collections::HashMap<String, TrainJob>>,
    /// Wakes the sync worker when a run is stored.
    sync_wake: tokio::sync::Notify,
    /// Stored models parsed once per (task, version): a forest's JSON is megabytes, and previews
    /// ask it for each sample member's factors.
    parsed_models: std::sync::Mutex<
        std::collections::HashMap<(String, i64), Arc<crate::domain::scoring::model::Model>>,
    >,
    /// Backtest scores over the in-memory copy, computed once per model version and date.
    past_scores: Arc<past_scores::PastScores>,
    /// Ingest batches (`POST /api/orders`, `/api/events`): one at a time, limited per token.
    ingest: import::IngestState,
}

impl App {
    /// Connect to the database (creating and migrating it if needed) and load the glossary.
    pub async fn open(settings: Settings) -> Result<Self, AppError> {
        let glossary = match &settings.glossary_toml {
            Some(text) => Glossary::from_toml(text).map_err(AppError::BadInput)?,
            None => Glossary::default_glossary(),
        };
        if let Some(d) = &settings.as_of {
            AsOf::parse(d, settings.timezone.name()).map_err(AppError::BadInput)?;
        }
        let store = Store::connect(&settings.database_url).await?;
        let llm = settings
            .llm
            .as_ref()
            .map(crate::interpret::llm::LlmClient::new);
        let glossary = RwLock::new(Arc::new(glossary));
        let app = Self {
            store,
            glossary,
            settings,
            snapshot: RwLock::new(None),
            thresholds: Default::default(),
            table: Default::default(),
            generation: Default::default(),
            offline: Default::default(),
            llm,
            login_limiter: Default::default(),
            jobs: Default::default(),
            parsed_models: Default::default(),
            past_scores: Default::default(),
            sync_wake: Default::default(),
            ingest: Default::default(),
        };
        app.load_glossary_edits().await?;
        Ok(app)
    }

    /// The glossary as it is now (the file's terms with the admins' edits).
    pub fn glossary(&self) -> Arc<Glossary> {
        self.glossary.read().expect("glossary lock").clone()
    }

    /// The as-of date: the request's, else the configured one, else today.
    pub fn as_of(&self, requested: Option<&str>) -> Result<AsOf, AppError> {
        match requested.or(self.settings.as_of.as_deref()) {
            Some(d) => AsOf::parse(d, self.settings.timezone.name()).map_err(AppError::BadInput),
            None => Ok(AsOf::today(self.settings.timezone)),
        }
    }

    /// Liveness of the database (no user: `/health` is open). `Ok` when it answers a query.
    pub async fn health(&self) -> Result<(), AppError> {
        self.store.freshness().await?;
        Ok(())
    }

    /// Close the database connections (tests and commands that end before the process does).
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// The catalog of fields definitions may use, with data freshness (any signed-in role).
    pub async fn catalog(&self, actor: &Actor) -> Result<Arc<Snapshot>, AppError> {
        actor.allow(crate::domain::access::Permission::Read)?;
        self.snapshot().await
    }

    /// The current catalog and freshness (cached).
    async fn snapshot(&self) -> Result<Arc<Snapshot>, AppError> {
        if let Some(s) = self.snapshot.read().expect("snapshot lock").as_ref() {
            return Ok(s.clone());
        }
        let data = self.store.catalog_data().await?;
        let freshness = self.store.freshness().await?;
        let catalog = Catalog::build(data.countries, data.regions, &data.attributes)
            .with_events(data.events)
            .with_cities(data.cities)
            .with_orders(freshness.latest_order_at.is_some())
            .with_sources(data.sources);
        let catalog_version = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(
                serde_json::to_vec(&catalog).expect("catalog serializes"),
            ))[..12]
                .to_string()
        };
        let snap = Arc::new(Snapshot {
            catalog,
            freshness,
            catalog_version,
        });
        *self.snapshot.write().expect("snapshot lock") = Some(snap.clone());
        Ok(snap)
    }

    /// Forget the cached catalog (after imports).
    pub fn invalidate(&self) {
        *self.snapshot.write().expect("snapshot lock") = None;
        self.thresholds.lock().expect("threshold lock").clear();
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Saved segments' current definitions, by id and by name.
    async fn segment_index(&self) -> Result<BTreeMap<String, Definition>, AppError> {
        Ok(self
            .segment_refs()
            .await?
            .into_iter()
            .map(|(k, r)| (k, r.definition))
            .collect())
    }

    /// Saved segments' current definitions with their content hashes, by id and by name. Ids
    /// win: a name that equals another segment's id (saved before such names were refused) never
    /// hides that segment, whatever order the segments are listed in.
    async fn segment_refs(&self) -> Result<BTreeMap<String, SegmentRef>, AppError> {
        let (mut by_name, mut by_id) = (BTreeMap::new(), BTreeMap::new());
        for s in self.store.list_segments().await? {
            let v = self.store.get_version(&s.id, s.current_version).await?;
            if let Ok(d) = serde_json::from_str::<Definition>(&v.definition) {
                by_name.insert(
                    s.name.clone(),
                    SegmentRef {
                        definition: d.clone(),
                        content_hash: v.content_hash.clone(),
                    },
                );
                by_id.insert(
                    s.id.clone(),
                    SegmentRef {
                        definition: d,
                        content_hash: v.content_hash,
                    },
                );
            }
        }
        by_name.append(&mut by_id);
        Ok(by_name)
    }

    /// Validate a definition for a user (any signed-in role): every problem with its path.
    pub async fn validate_definition(
        &self,
        def: &Definition,
        as_of: AsOf,
        actor: &Actor,
    ) -> Result<ValidDefinition, AppError> {
        actor.allow(crate::domain::access::Permission::Read)?;
        self.validate(def, as_of).await
    }

    /// Validate a definition against the current catalog, glossary and saved segments.
    async fn validate(&self, def: &Definition, as_of: AsOf) -> Result<ValidDefinition, AppError> {
        let snap = self.snapshot().await?;
        let segments = self.segment_index().await?;
        let glossary = self.glossary();
        let ctx = Context {
            catalog: &snap.catalog,
            glossary: &glossary,
            segments: &segments,
            as_of,
        };
        validate(def, &ctx).map_err(AppError::Invalid)
    }
}
