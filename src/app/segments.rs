//! Saved segments: create, update (each update is a new immutable version), read, list.

use serde::{Deserialize, Serialize};
use sha2::Digest;

use super::{Actor, App, AppError, Change};
use crate::domain::access::Permission;
use crate::domain::definition::Definition;
use crate::domain::time::AsOf;
use crate::store::{SegmentRecord, StoreError, VersionRecord};

/// What a client sends to save a segment.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveSegment {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub definition: Definition,
}

/// A segment with its current version's definition.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentView {
    #[serde(flatten)]
    pub segment: SegmentRecord,
    pub definition: serde_json::Value,
    pub content_hash: String,
    /// See [`SegmentListing::needs_reapproval`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs_reapproval: Vec<String>,
}

/// A segment in the list.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentListing {
    #[serde(flatten)]
    pub segment: SegmentRecord,
    /// Why its approved, active or paused version should be approved again: the models behind
    /// its scores were retrained since the approval (it keeps running meanwhile). Omitted when
    /// there is nothing to say.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs_reapproval: Vec<String>,
}

/// Hash of the canonical definition JSON (serde's field order is fixed by the types).
pub fn content_hash(def: &Definition) -> String {
    hex::encode(sha2::Sha256::digest(
        serde_json::to_vec(def).expect("definition serializes"),
    ))
}

/// Segment ids are 12 lowercase hexadecimal characters (the start of a v4 UUID); names of that
/// shape (in any case) are refused, so that no name can ever equal an id.
fn looks_like_id(name: &str) -> bool {
    name.len() == 12 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Refuse a partial definition (words of the request not understood): every path that stores
/// or submits a segment version goes through here, so the web app, the API and the CLI agree.
pub(super) fn require_understood(def: &Definition) -> Result<(), AppError> {
    def.check_understood()
        .map_err(|issue| AppError::Invalid(vec![issue]))
}

impl App {
    async fn version_record(
        &self,
        id: &str,
        version: i64,
        def: &Definition,
        as_of: AsOf,
        author: &Actor,
    ) -> Result<VersionRecord, AppError> {
        let snap = self.snapshot().await?;
        Ok(VersionRecord {
            segment_id: id.to_string(),
            version,
            definition: serde_json::to_string(def).expect("definition serializes"),
            content_hash: content_hash(def),
            catalog_version: snap.catalog_version.clone(),
            glossary_version: self.glossary().version(),
            as_of: as_of.date().to_string(),
            timezone: as_of.tz().name().to_string(),
            created_at: chrono::Utc::now().timestamp(),
            status: "draft".into(),
            author_id: author.user_id().map(String::from),
        })
    }

    fn check_name(name: &str) -> Result<(), AppError> {
        let ok = !name.trim().is_empty() && name.len() <= 120;
        if !ok {
            return Err(AppError::BadInput(
                "a segment needs a name of 1 to 120 characters".into(),
            ));
        }
        if looks_like_id(name.trim()) {
            return Err(AppError::BadInput(format!(
                "`{}` looks like a segment id (12 hexadecimal characters): segments are referred to by id or by name, so a name may not look like an id",
                name.trim()
            )));
        }
        Ok(())
    }

    /// Refuse a name that is an existing segment's id, whatever the id's shape: a reference by
    /// that id must keep meaning that segment.
    async fn check_name_free_of_ids(&self, name: &str) -> Result<(), AppError> {
        match self.store.get_segment(name.trim()).await {
            Ok(seg) if seg.id == name.trim() => Err(AppError::Conflict(format!(
                "`{}` is the id of segment `{}`: choose another name",
                seg.id, seg.name
            ))),
            _ => Ok(()),
        }
    }

    /// Save a new segment (validated first) as a draft written by `actor` (who must be allowed
    /// to author segments when named).
    pub async fn create_segment(
        &self,
        req: SaveSegment,
        as_of: AsOf,
        actor: &Actor,
    ) -> Result<SegmentView, AppError> {
        if actor.principal.is_some() {
            actor.require(Permission::Author)?;
        }
        Self::check_name(&req.name)?;
        self.check_name_free_of_ids(&req.name).await?;
        require_understood(&req.definition)?;
        self.validate(&req.definition, as_of).await?;
        let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
        let now = chrono::Utc::now().timestamp();
        let seg = SegmentRecord {
            id: id.clone(),
            name: req.name.trim().to_string(),
            description: req.description,
            current_version: 1,
            created_at: now,
            updated_at: now,
            active_version: None,
        };
        let v = self
            .version_record(&id, 1, &req.definition, as_of, actor)
            .await?;
        let mut tx = self.store.begin_write().await?;
        tx.create_segment(&seg, &v).await?;
        let after = serde_json::json!({"name": seg.name, "version": 1, "status": "draft", "content_hash": v.content_hash, "definition": req.definition});
        self.audit_in(
            &mut tx,
            actor,
            "segment.create",
            Change {
                segment_id: Some(id.clone()),
                after: Some(after),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        self.segment_view(&id).await
    }

    /// Save a new draft version of an existing segment; earlier versions stay readable, and an
    /// approved or active version keeps running unchanged until the new one is approved.
    pub async fn update_segment(
        &self,
        key: &str,
        def: Definition,
        as_of: AsOf,
        actor: &Actor,
    ) -> Result<SegmentView, AppError> {
        if actor.principal.is_some() {
            actor.require(Permission::Author)?;
        }
        require_understood(&def)?;
        let seg = self.get_record(key).await?;
        let segments = self.segment_index().await?;
        let snap = self.snapshot().await?;
        {
            // A segment may not refer to itself, by id or by name, directly or through others.
            let glossary = self.glossary();
            let ctx = crate::domain::validate::Context {
                catalog: &snap.catalog,
                glossary: &glossary,
                segments: &segments,
                as_of,
            };
            crate::domain::validate::validate_as_segment(&def, &seg.id, &ctx)
                .map_err(AppError::Invalid)?;
            crate::domain::validate::validate_as_segment(&def, &seg.name, &ctx)
                .map_err(AppError::Invalid)?;
        }
        let before = self.store.get_version(&seg.id, seg.current_version).await?;
        let v = self
            .version_record(&seg.id, seg.current_version + 1, &def, as_of, actor)
            .await?;
        let mut tx = self.store.begin_write().await?;
        tx.add_version(&v).await?;
        let change = Change {
            segment_id: Some(seg.id.clone()),
            before: Some(
                serde_json::json!({"version": before.version, "status": before.status, "content_hash": before.content_hash}),
            ),
            after: Some(
                serde_json::json!({"version": v.version, "status": "draft", "content_hash": v.content_hash, "definition": def}),
            ),
            ..Default::default()
        };
        self.audit_in(&mut tx, actor, "segment.update", change)
            .await?;
        tx.commit().await?;
        self.segment_view(&seg.id).await
    }

    async fn get_record(&self, key: &str) -> Result<SegmentRecord, AppError> {
        self.store.get_segment(key).await.map_err(|e| match e {
            StoreError::NotFound => AppError::NotFound(format!("segment `{key}`")),
            other => other.into(),
        })
    }

    /// A segment (by id or name) with its current definition (any signed-in role).
    pub async fn get_segment(&self, key: &str, actor: &Actor) -> Result<SegmentView, AppError> {
        actor.allow(Permission::Read)?;
        self.segment_view(key).await
    }

    /// [`App::get_segment`] for the app's own steps, whose callers have checked the actor.
    pub(super) async fn segment_view(&self, key: &str) -> Result<SegmentView, AppError> {
        let seg = self.get_record(key).await?;
        let v = self.store.get_version(&seg.id, seg.current_version).await?;
        let needs_reapproval = self.retrained_since_approval(&seg.id).await?;
        Ok(SegmentView {
            definition: serde_json::from_str(&v.definition).unwrap_or_default(),
            content_hash: v.content_hash,
            segment: seg,
            needs_reapproval,
        })
    }

    /// Every segment, each flagged when its running audience should be approved again (any
    /// signed-in role).
    pub async fn list_segments(&self, actor: &Actor) -> Result<Vec<SegmentListing>, AppError> {
        actor.allow(Permission::Read)?;
        let mut out = Vec::new();
        for segment in self.store.list_segments().await? {
            let needs_reapproval = self.retrained_since_approval(&segment.id).await?;
            out.push(SegmentListing {
                segment,
                needs_reapproval,
            });
        }
        Ok(out)
    }

    /// A segment's versions, oldest first (any signed-in role).
    pub async fn segment_versions(
        &self,
        key: &str,
        actor: &Actor,
    ) -> Result<Vec<VersionRecord>, AppError> {
        actor.allow(Permission::Read)?;
        let seg = self.get_record(key).await?;
        Ok(self.store.list_versions(&seg.id).await?)
    }

    /// The definition of a segment's current version (or a given version), for any signed-in
    /// role.
    pub async fn segment_definition(
        &self,
        key: &str,
        version: Option<i64>,
        actor: &Actor,
    ) -> Result<Definition, AppError> {
        actor.allow(Permission::Read)?;
        self.definition_of(key, version).await
    }

    /// [`App::segment_definition`] for the app's own steps, whose callers have checked the actor.
    pub(super) async fn definition_of(
        &self,
        key: &str,
        version: Option<i64>,
    ) -> Result<Definition, AppError> {
        let seg = self.get_record(key).await?;
        let v = self
            .store
            .get_version(&seg.id, version.unwrap_or(seg.current_version))
            .await
            .map_err(|_| {
                AppError::NotFound(format!(
                    "version {} of segment `{key}`",
                    version.unwrap_or(0)
                ))
            })?;
        serde_json::from_str(&v.definition).map_err(|e| {
            AppError::StoredDataUnreadable(format!("stored definition unreadable: {e}"))
        })
    }
}
