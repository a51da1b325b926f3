//! Preview, members export and "why in, why out" for a definition.

use std::time::Instant;

use tokio::sync::mpsc;

use super::{Actor, App, AppError, Change};
use crate::domain::access::Permission;
use crate::domain::compile::{self, FactsMode, INACTIVITY_BUCKETS, REVENUE_BUCKETS, Target};
use crate::domain::definition::{Definition, Direction};
use crate::domain::explain::{ClauseTrace, Viewer, describe, why};
use crate::domain::mask::{self, Disclosure};
use crate::domain::preview::{
    Bucket, ConditionCount, Freshness, Preview, SampleMember, Size, Threshold, percent,
};
use crate::domain::preview::{Overlap, overlap_skipped};
use crate::domain::time::{AsOf, DAY_SECS};
use crate::domain::validate::{PercentileSpec, ValidDefinition};
use crate::store::MemberRow;

/// A definition ready to run: validated, with facts mode and thresholds resolved.
pub struct Prepared {
    pub vd: ValidDefinition,
    pub facts: FactsMode,
    pub thresholds: Vec<Option<f64>>,
}

impl Prepared {
    pub fn target(&self, dialect: compile::Dialect) -> Target<'_> {
        Target {
            dialect,
            facts: self.facts,
            thresholds: &self.thresholds,
        }
    }
}

fn fmt_time(t: Option<i64>, as_of: &AsOf) -> Option<String> {
    t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|d| {
            d.with_timezone(&as_of.tz())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
}

impl App {
    /// Validate and resolve what running a definition needs (any signed-in role).
    pub async fn prepare(
        &self,
        def: &Definition,
        as_of: AsOf,
        actor: &Actor,
    ) -> Result<Prepared, AppError> {
        actor.allow(Permission::Read)?;
        self.prepared(def, as_of).await
    }

    /// [`App::prepare`] for the app's own steps, whose callers have checked the actor.
    pub(super) async fn prepared(
        &self,
        def: &Definition,
        as_of: AsOf,
    ) -> Result<Prepared, AppError> {
        let vd = self.validate(def, as_of).await?;
        let latest = self
            .snapshot()
            .await?
            .freshness
            .latest_order_at
            .max(self.snapshot().await?.freshness.latest_event_at);
        // Precomputed facts hold all the data; they are right only if none is after D.
        let facts = if latest.is_none_or(|t| t <= as_of.end()) {
            FactsMode::Precomputed
        } else {
            FactsMode::AsOf
        };
        let mut thresholds = Vec::new();
        for spec in vd.percentiles() {
            thresholds.push(self.threshold(spec, &vd, facts).await?);
        }
        Ok(Prepared {
            vd,
            facts,
            thresholds,
        })
    }

    async fn threshold(
        &self,
        spec: &PercentileSpec,
        vd: &ValidDefinition,
        facts: FactsMode,
    ) -> Result<Option<f64>, AppError> {
        let as_of = vd.as_of();
        let key = format!(
            "{}|{:?}|{}|{}|{}|{:?}",
            spec.field.name,
            spec.direction,
            spec.percent,
            as_of.date(),
            as_of.tz().name(),
            facts
        );
        if let Some(v) = self.thresholds.lock().expect("threshold lock").get(&key) {
            return Ok(*v);
        }
        let t = Target {
            dialect: self.store.dialect(),
            facts,
            thresholds: &[],
        };
        let q = compile::compile_percentile_values(spec, vd, t);
        let v = self
            .store
            .percentile_threshold(&q, spec.direction, spec.percent)
            .await?;
        self.thresholds
            .lock()
            .expect("threshold lock")
            .insert(key, v);
        Ok(v)
    }

    /// Count-only (`full = false`) or full preview of a definition: from memory when the app
    /// keeps the data there and holds every field the definition reads, else in SQL.
    /// A full preview carries the performance section (see `performance.rs`).
    /// Any signed-in role may preview.
    pub async fn preview(
        &self,
        def: &Definition,
        as_of: AsOf,
        full: bool,
        actor: &Actor,
    ) -> Result<Preview, AppError> {
        actor.allow(Permission::Read)?;
        self.preview_with(def, as_of, full, full).await
    }

    /// A full preview without the performance section, for checks that need only the size and
    /// reachability (policy at submission): it spares the CLI loading the data into memory.
    pub(super) async fn preview_reach(
        &self,
        def: &Definition,
        as_of: AsOf,
    ) -> Result<Preview, AppError> {
        self.preview_with(def, as_of, true, false).await
    }

    pub(super) async fn preview_with(
        &self,
        def: &Definition,
        as_of: AsOf,
        full: bool,
        performance: bool,
    ) -> Result<Preview, AppError> {
        // A partial definition that understood nothing would show every customer for a request
        // that asked for some of them: refused with the words to remove or rephrase.
        if def.selects_everyone() {
            def.check_understood()
                .map_err(|issue| AppError::Invalid(vec![issue]))?;
        }
        if let Some(p) = self
            .preview_in_memory(def, as_of, full, performance)
            .await?
        {
            return Ok(p);
        }
        let started = Instant::now();
        let p = self.prepared(def, as_of).await?;
        let snap = self.snapshot().await?;
        let t = p.target(self.store.dialect());
        // The count-only preview counts the audience alone; the full one adds the funnel.
        let funnel = if full {
            self.store
                .fetch_ints(&compile::compile_funnel(&p.vd, t))
                .await?
        } else {
            vec![
                snap.freshness.customers,
                self.store
                    .fetch_ints(&compile::compile_count(&p.vd, t))
                    .await?[0],
            ]
        };
        let n = if full { p.vd.clauses().len() } else { 0 };
        let total = funnel[0];
        let count = if !full {
            funnel[1]
        } else if n == 0 {
            total
        } else {
            funnel[2 * n]
        };
        let facts = if p.facts == FactsMode::Precomputed {
            "precomputed"
        } else {
            "as_of"
        };
        let mut preview = base_preview(&snap, as_of, total, count, facts);
        preview.conditions =
            p.vd.clauses()
                .iter()
                .take(n)
                .enumerate()
                .map(|(i, c)| ConditionCount {
                    path: c.path.clone(),
                    description: describe(&c.node, &snap.catalog, &self.glossary(), &as_of),
                    alone: funnel[1 + i],
                    cumulative: funnel[1 + n + i],
                })
                .collect();
        preview.thresholds = describe_thresholds(&p.vd, &p.thresholds);
        if full {
            self.fill_details(&p, &mut preview).await?;
        }
        if performance {
            self.add_performance(def, &p.vd, None, &mut preview, None)
                .await?;
        }
        preview.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(preview)
    }

    async fn fill_details(&self, p: &Prepared, out: &mut Preview) -> Result<(), AppError> {
        let dialect = self.store.dialect();
        let t = p.target(dialect);
        let s = self
            .store
            .fetch_ints(&compile::compile_summary(&p.vd, t))
            .await?;
        (
            out.size.reachable_email,
            out.size.reachable_ads,
            out.size.suppressed,
        ) = (s[1], s[2], s[3]);
        let nrev = REVENUE_BUCKETS.len();
        out.revenue_histogram = REVENUE_BUCKETS
            .iter()
            .enumerate()
            .map(|(i, (l, _))| Bucket {
                label: l.to_string(),
                count: s[4 + i],
            })
            .collect();
        let mut inactivity: Vec<Bucket> = INACTIVITY_BUCKETS
            .iter()
            .enumerate()
            .map(|(i, (l, _))| Bucket {
                label: format!("{l} days"),
                count: s[4 + nrev + i],
            })
            .collect();
        inactivity.push(Bucket {
            label: "never active".into(),
            count: s[4 + nrev + INACTIVITY_BUCKETS.len()],
        });
        out.inactivity_histogram = inactivity;
        let groups = |rows: Vec<(Option<String>, i64)>| {
            rows.into_iter()
                .map(|(l, count)| Bucket {
                    label: l.unwrap_or_else(|| "unknown".into()),
                    count,
                })
                .collect()
        };
        out.by_country = groups(
            self.store
                .fetch_groups(&compile::compile_by_country(&p.vd, t))
                .await?,
        );
        let (high, medium) = self.value_tiers(&p.vd, p.facts).await?;
        out.by_value_tier = groups(
            self.store
                .fetch_groups(&compile::compile_by_tier(&p.vd, t, high, medium))
                .await?,
        );
        out.sample = self
            .store
            .fetch_texts(&compile::compile_sample(&p.vd, t, 20))
            .await?
            .into_iter()
            .map(|r| sample_member(r, &p.vd.as_of()))
            .collect();
        (out.overlaps, out.notices) = self.overlaps(p).await?;
        Ok(())
    }

    /// How many of the audience each saved segment (up to 20) also holds.
    ///
    /// A saved segment that cannot be compared (it no longer validates, its stored definition is
    /// unreadable, its query fails) is left out with a notice: one broken segment must not
    /// break an unrelated preview or submission.
    async fn overlaps(&self, p: &Prepared) -> Result<(Vec<Overlap>, Vec<String>), AppError> {
        let (mut out, mut notices) = (Vec::new(), Vec::new());
        for seg in self.store.list_segments().await?.into_iter().take(20) {
            match self.overlap_with(p, &seg.id).await {
                Ok(overlap) => out.push(Overlap {
                    segment: seg.id,
                    name: seg.name,
                    overlap,
                }),
                Err(why) => notices.push(overlap_skipped(&seg.name, why)),
            }
        }
        Ok((out, notices))
    }

    /// How many of `p`'s audience the saved segment `id` holds, or why that is not known.
    async fn overlap_with(&self, p: &Prepared, id: &str) -> Result<i64, &'static str> {
        let unreadable = |e: AppError| {
            tracing::warn!(segment = id, error = %e, "saved segment left out of the overlaps");
            "it could not be evaluated"
        };
        let def = self.definition_of(id, None).await.map_err(unreadable)?;
        let other = self
            .prepared(&def, p.vd.as_of())
            .await
            .map_err(|_| "it no longer validates")?;
        let q = compile::compile_overlap(
            &p.vd,
            p.target(self.store.dialect()),
            &other.vd,
            &other.thresholds,
        );
        let counts = self
            .store
            .fetch_ints(&q)
            .await
            .map_err(|e| unreadable(e.into()))?;
        counts.first().copied().ok_or("it could not be evaluated")
    }

    /// Value tiers: high = top 20% by lifetime revenue, medium = the next 30%.
    async fn value_tiers(
        &self,
        vd: &ValidDefinition,
        facts: FactsMode,
    ) -> Result<(f64, f64), AppError> {
        let snap = self.snapshot().await?;
        let f = snap
            .catalog
            .get("lifetime_revenue")
            .expect("built-in field");
        let field = crate::domain::pred::FieldRef {
            name: f.name.clone(),
            ty: f.ty,
            source: f.source.clone(),
            repr: None,
        };
        let high = self
            .threshold(
                &PercentileSpec {
                    field: field.clone(),
                    direction: Direction::Top,
                    percent: 20.0,
                },
                vd,
                facts,
            )
            .await?;
        let medium = self
            .threshold(
                &PercentileSpec {
                    field,
                    direction: Direction::Top,
                    percent: 50.0,
                },
                vd,
                facts,
            )
            .await?;
        Ok((
            high.unwrap_or(f64::INFINITY),
            medium.unwrap_or(f64::INFINITY),
        ))
    }

    /// Stream every member's external id to `tx`, from memory when possible.
    ///
    /// Emails are contact data and leave only through the rule in `export.rs` (suppression list
    /// excluded, audited): `with_email` is refused here so no caller can bypass it. Any
    /// signed-in role may stream ids.
    pub async fn export_members(
        &self,
        def: &Definition,
        as_of: AsOf,
        with_email: bool,
        tx: mpsc::Sender<Vec<MemberRow>>,
        actor: &Actor,
    ) -> Result<u64, AppError> {
        actor.allow(Permission::Read)?;
        self.members_to(def, as_of, with_email, tx).await
    }

    /// [`App::export_members`] for the app's own checks (no user: the caller has checked).
    pub(super) async fn members_to(
        &self,
        def: &Definition,
        as_of: AsOf,
        with_email: bool,
        tx: mpsc::Sender<Vec<MemberRow>>,
    ) -> Result<u64, AppError> {
        if with_email {
            return Err(AppError::Forbidden(
                "members with emails are exported only through the approved-audience download (export.csv) or `segwright members --with-email`".into(),
            ));
        }
        if let Some(n) = self.stream_in_memory(def, as_of, &tx).await? {
            return Ok(n);
        }
        let p = self.prepared(def, as_of).await?;
        self.stream_of(&p, tx).await
    }

    /// Stream the members of an already prepared definition (any signed-in role).
    pub async fn stream_prepared(
        &self,
        p: &Prepared,
        tx: mpsc::Sender<Vec<MemberRow>>,
        actor: &Actor,
    ) -> Result<u64, AppError> {
        actor.allow(Permission::Read)?;
        self.stream_of(p, tx).await
    }

    /// [`App::stream_prepared`] for the app's own steps, whose callers have checked the actor.
    pub(super) async fn stream_of(
        &self,
        p: &Prepared,
        tx: mpsc::Sender<Vec<MemberRow>>,
    ) -> Result<u64, AppError> {
        let q = compile::compile_export(&p.vd, p.target(self.store.dialect()));
        Ok(self.store.stream_members(&q, tx).await?)
    }

    /// Clause-by-clause evaluation of a definition for one customer, with their values masked
    /// as the actor's role allows ([`Disclosure::for_role`]). Reading one person's data is
    /// audited (`customer.explain`, with the customer's id and what was disclosed).
    pub async fn explain_customer(
        &self,
        def: &Definition,
        as_of: AsOf,
        external_id: &str,
        actor: &Actor,
    ) -> Result<(bool, Vec<ClauseTrace>), AppError> {
        actor.allow(Permission::Read)?;
        let p = self.prepared(def, as_of).await?;
        let customer = self
            .store
            .load_customer(external_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("customer `{external_id}`")))?;
        let disclosure = Disclosure::for_role(actor.principal.as_ref().map(|p| p.role));
        let after = serde_json::json!({"customer": external_id, "disclosure": disclosure});
        self.audit(
            actor,
            "customer.explain",
            Change {
                after: Some(after),
                ..Change::default()
            },
        )
        .await?;
        let snap = self.snapshot().await?;
        let member = crate::domain::evaluate::holds(p.vd.root(), &customer, &as_of, &p.thresholds);
        let viewer = Viewer {
            disclosure,
            sensitive: &self.settings.governance.policy.sensitive_fields,
        };
        Ok((
            member,
            why(
                &p.vd,
                &customer,
                &p.thresholds,
                &snap.catalog,
                &self.glossary(),
                viewer,
            ),
        ))
    }
}

/// Each resolved percentile threshold, in words.
pub(super) fn describe_thresholds(
    vd: &ValidDefinition,
    thresholds: &[Option<f64>],
) -> Vec<Threshold> {
    vd.percentiles()
        .iter()
        .zip(thresholds)
        .map(|(s, v)| {
            let dir = if s.direction == Direction::Top {
                "top"
            } else {
                "bottom"
            };
            let cmp = if s.direction == Direction::Top {
                "≥"
            } else {
                "≤"
            };
            let field = s.field.name.replace('_', " ");
            let description = match v {
                Some(v) => format!("{dir} {}% by {field} = {field} {cmp} {:.2}", s.percent, v),
                None => format!(
                    "{dir} {}% by {field}: no customer has a value, so no one qualifies",
                    s.percent
                ),
            };
            Threshold {
                field: s.field.name.clone(),
                direction: dir.into(),
                percent: s.percent,
                value: *v,
                description,
            }
        })
        .collect()
}

/// A preview with its size and freshness filled in, and nothing else yet.
pub(super) fn base_preview(
    snap: &super::Snapshot,
    as_of: AsOf,
    total: i64,
    count: i64,
    facts: &str,
) -> Preview {
    Preview {
        as_of: as_of.date().to_string(),
        timezone: as_of.tz().name().to_string(),
        size: Size {
            count,
            total_customers: total,
            percent: percent(count, total),
            reachable_email: 0,
            reachable_ads: 0,
            suppressed: 0,
        },
        conditions: Vec::new(),
        thresholds: Vec::new(),
        overlaps: Vec::new(),
        by_country: Vec::new(),
        by_value_tier: Vec::new(),
        revenue_histogram: Vec::new(),
        inactivity_histogram: Vec::new(),
        sample: Vec::new(),
        freshness: Freshness {
            latest_order: fmt_time(snap.freshness.latest_order_at, &as_of),
            latest_event: fmt_time(snap.freshness.latest_event_at, &as_of),
            last_import: fmt_time(snap.freshness.last_import_at, &as_of),
            facts: facts.into(),
        },
        performance: None,
        elapsed_ms: 0.0,
        notices: Vec::new(),
    }
}

pub(super) fn sample_member(r: Vec<Option<String>>, as_of: &AsOf) -> SampleMember {
    let num = |i: usize| {
        r.get(i)
            .cloned()
            .flatten()
            .and_then(|s| s.parse::<f64>().ok())
    };
    let last = num(8).map(|t| t as i64);
    SampleMember {
        external_id: r[0].clone().unwrap_or_default(),
        email: r[1].as_deref().map(mask::mask_email),
        phone: r[2].as_deref().map(mask::mask_phone),
        first_name: r[3].as_deref().map(mask::mask_name),
        country: r[4].clone(),
        region: r[5].clone(),
        lifetime_revenue: num(6).unwrap_or(0.0),
        order_count: num(7).unwrap_or(0.0) as i64,
        last_activity: last.map(|t| {
            format!(
                "{} ({} days ago)",
                fmt_time(Some(t), as_of).unwrap_or_default(),
                (as_of.end() - t) / DAY_SECS
            )
        }),
        scores: Vec::new(),
    }
}
