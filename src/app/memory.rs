//! Previews from the in-memory columnar copy of the data, for long-running servers: the same
//! answers as the SQL path (property-tested), in milliseconds instead of seconds.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::{App, AppError};
use crate::domain::catalog::{Fact, FieldType, Source};
use crate::domain::columnar::eval::{Engine, and, count};
use crate::domain::columnar::{Column, MISSING, Table};
use crate::domain::compile::{INACTIVITY_BUCKETS, REVENUE_BUCKETS};
use crate::domain::definition::{Definition, Direction};
use crate::domain::explain::describe;
use crate::domain::pred::FieldRef;
use crate::domain::preview::{Bucket, ConditionCount, Overlap, Preview, overlap_skipped};
use crate::domain::time::{AsOf, DAY_SECS};
use crate::domain::validate::ValidDefinition;

fn revenue_field() -> FieldRef {
    FieldRef {
        name: "lifetime_revenue".into(),
        ty: FieldType::Number,
        source: Source::Fact(Fact::LifetimeRevenue),
        repr: None,
    }
}

impl App {
    /// The in-memory table, loading it if the data changed since it was read; `None` when the
    /// app keeps no copy, or while another task is loading it.
    pub(super) async fn table(&self) -> Result<Option<Arc<Table>>, AppError> {
        self.table_with(false).await
    }

    /// Load the in-memory copy now (a server at start, a benchmark before timing), so the first
    /// request does not wait for it. Returns nothing a user could read.
    pub async fn warm_up(&self) -> Result<(), AppError> {
        self.table_with(false).await.map(|_| ())
    }

    /// [`App::table`], waiting for a load in progress: for work that needs the copy whatever
    /// happens (the predicted performance), which would otherwise load a second one beside it.
    pub(super) async fn table_waiting(&self) -> Result<Option<Arc<Table>>, AppError> {
        self.table_with(true).await
    }

    async fn table_with(&self, wait: bool) -> Result<Option<Arc<Table>>, AppError> {
        if !self.settings.in_memory {
            return Ok(None);
        }
        // While another request loads the copy, a preview answers from SQL instead of waiting.
        let mut slot = match self.table.try_lock() {
            Ok(slot) => slot,
            Err(_) if wait => self.table.lock().await,
            Err(_) => return Ok(None),
        };
        let generation = self.generation.load(Ordering::SeqCst);
        if let Some((g, t)) = slot.as_ref()
            && *g == generation
        {
            return Ok(Some(t.clone()));
        }
        let started = Instant::now();
        let t = Arc::new(self.store.load_table().await?);
        tracing::info!(
            customers = t.len(),
            orders = t.orders.time.len(),
            events = t.events.time.len(),
            mb = t.approx_bytes() / 1_000_000,
            ms = started.elapsed().as_millis() as u64,
            "in-memory copy loaded"
        );
        *slot = Some((generation, t.clone()));
        drop(slot);
        // Scores are a bonus for later previews: a model that cannot be read fails them, not the load.
        if let Err(e) = self.warm_past_scores(t.clone()).await {
            tracing::warn!(error = %e, "backtest scores not computed ahead");
        }
        Ok(Some(t))
    }

    /// A preview from memory, or `None` when the definition reads a field not held in memory.
    pub(super) async fn preview_in_memory(
        &self,
        def: &Definition,
        as_of: AsOf,
        full: bool,
        performance: bool,
    ) -> Result<Option<Preview>, AppError> {
        let Some(table) = self.table().await? else {
            return Ok(None);
        };
        let started = Instant::now();
        let vd = self.validate(def, as_of).await?;
        let engine = Engine::new(&table, as_of);
        if !engine.supports(vd.root()) {
            return Ok(None);
        }
        // The backtest runs on other threads while this one computes the rest.
        let pending = if performance {
            Some(self.start_backtest(def, table.clone(), as_of).await?)
        } else {
            None
        };
        let thresholds = engine.thresholds(&vd);
        let members = engine.mask(vd.root(), &thresholds);
        let (total, n) = (table.len() as i64, count(&members));
        let mut preview = self
            .empty_preview(&vd, as_of, total, n, &thresholds, "in_memory")
            .await?;
        if full {
            preview.conditions = self.funnel(&engine, &vd, &thresholds).await?;
            self.details(&engine, &table, &members, &mut preview)
                .await?;
            (preview.overlaps, preview.notices) =
                self.overlaps_in_memory(&engine, &members, as_of).await?;
        }
        if performance {
            self.add_performance(def, &vd, Some(&members), &mut preview, pending)
                .await?;
        }
        preview.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(Some(preview))
    }

    async fn funnel(
        &self,
        engine: &Engine<'_>,
        vd: &ValidDefinition,
        thresholds: &[Option<f64>],
    ) -> Result<Vec<ConditionCount>, AppError> {
        let snap = self.snapshot().await?;
        let as_of = vd.as_of();
        let mut running: Option<Vec<bool>> = None;
        let mut out = Vec::new();
        for c in vd.clauses() {
            let m = engine.mask(&c.pred, thresholds);
            let alone = count(&m);
            let cum = match running.take() {
                None => m,
                Some(r) => and(r, &m),
            };
            out.push(ConditionCount {
                path: c.path.clone(),
                description: describe(&c.node, &snap.catalog, &self.glossary(), &as_of),
                alone,
                cumulative: count(&cum),
            });
            running = Some(cum);
        }
        Ok(out)
    }

    async fn details(
        &self,
        engine: &Engine<'_>,
        t: &Table,
        members: &[bool],
        out: &mut Preview,
    ) -> Result<(), AppError> {
        let num = |name: &str, i: usize| match t.columns.get(name) {
            Some(Column::Num(v)) => v[i],
            _ => f64::NAN,
        };
        let rows: Vec<usize> = (0..t.len()).filter(|i| members[*i]).collect();
        out.size.suppressed = rows.iter().filter(|i| t.suppressed[**i]).count() as i64;
        out.size.reachable_email = rows
            .iter()
            .filter(|i| t.has_email[**i] && num("email_consent", **i) == 1.0 && !t.suppressed[**i])
            .count() as i64;
        out.size.reachable_ads = rows
            .iter()
            .filter(|i| {
                (t.has_email[**i] || t.has_phone[**i])
                    && num("ads_consent", **i) == 1.0
                    && !t.suppressed[**i]
            })
            .count() as i64;
        let (revenue, last) = engine.revenue_and_last_activity();
        let end = out_end(out);
        out.revenue_histogram = revenue_histogram(&rows, &revenue);
        out.inactivity_histogram = inactivity_histogram(&rows, &last, end);
        out.by_country = by_country(t, &rows);
        let high = engine
            .threshold(&revenue_field(), Direction::Top, 20.0)
            .unwrap_or(f64::INFINITY);
        let medium = engine
            .threshold(&revenue_field(), Direction::Top, 50.0)
            .unwrap_or(f64::INFINITY);
        out.by_value_tier = by_tier(&rows, &revenue, high, medium);
        let order_count = engine.numbers(&FieldRef {
            name: "order_count".into(),
            ty: FieldType::Number,
            source: Source::Fact(Fact::OrderCount),
            repr: None,
        });
        let ids: Vec<i64> = rows.iter().take(20).map(|i| t.ids[*i]).collect();
        let sample = self.store.sample_rows(&ids).await?;
        out.sample = sample
            .into_iter()
            .zip(rows.iter())
            .map(|(mut r, i)| {
                r.extend([
                    Some(revenue[*i].to_string()),
                    Some(order_count[*i].to_string()),
                    (!last[*i].is_nan()).then(|| (last[*i] as i64).to_string()),
                ]);
                r
            })
            .map(|r| {
                super::preview::sample_member(
                    r,
                    &AsOf::parse(&out.as_of, &out.timezone).expect("preview's own as-of"),
                )
            })
            .collect();
        Ok(())
    }

    /// As the SQL path's overlaps: a saved segment that cannot be compared is left out with a
    /// notice.
    async fn overlaps_in_memory(
        &self,
        engine: &Engine<'_>,
        members: &[bool],
        as_of: AsOf,
    ) -> Result<(Vec<Overlap>, Vec<String>), AppError> {
        let (mut out, mut notices) = (Vec::new(), Vec::new());
        for seg in self.store.list_segments().await?.into_iter().take(20) {
            let Ok(def) = self.definition_of(&seg.id, None).await else {
                notices.push(overlap_skipped(&seg.name, "it could not be evaluated"));
                continue;
            };
            let Ok(vd) = self.validate(&def, as_of).await else {
                notices.push(overlap_skipped(&seg.name, "it no longer validates"));
                continue;
            };
            if !engine.supports(vd.root()) {
                continue;
            }
            let m = engine.mask(vd.root(), &engine.thresholds(&vd));
            out.push(Overlap {
                segment: seg.id,
                name: seg.name,
                overlap: count(&and(m, members)),
            });
        }
        Ok((out, notices))
    }
}

fn out_end(p: &Preview) -> i64 {
    AsOf::parse(&p.as_of, &p.timezone)
        .map(|a| a.end())
        .unwrap_or_default()
}

fn revenue_histogram(rows: &[usize], revenue: &[f64]) -> Vec<Bucket> {
    REVENUE_BUCKETS
        .iter()
        .enumerate()
        .map(|(b, (label, lo))| {
            let hi = REVENUE_BUCKETS.get(b + 1).map(|x| x.1);
            let inside = |r: f64| match (b, hi) {
                (0, _) => r <= 0.0,
                (_, Some(hi)) => r > *lo && r <= hi,
                (_, None) => r > *lo,
            };
            Bucket {
                label: label.to_string(),
                count: rows.iter().filter(|i| inside(revenue[**i])).count() as i64,
            }
        })
        .collect()
}

fn inactivity_histogram(rows: &[usize], last: &[f64], end: i64) -> Vec<Bucket> {
    let days = |i: usize| (!last[i].is_nan()).then(|| (end - last[i] as i64) / DAY_SECS);
    let mut lo = i64::MIN;
    let mut out: Vec<Bucket> = INACTIVITY_BUCKETS
        .iter()
        .map(|(label, hi)| {
            let c = rows
                .iter()
                .filter(|i| days(**i).is_some_and(|d| d > lo && d <= *hi))
                .count() as i64;
            lo = *hi;
            Bucket {
                label: format!("{label} days"),
                count: c,
            }
        })
        .collect();
    out.push(Bucket {
        label: "never active".into(),
        count: rows.iter().filter(|i| last[**i].is_nan()).count() as i64,
    });
    out
}

fn by_country(t: &Table, rows: &[usize]) -> Vec<Bucket> {
    let Some(Column::Text { codes, dict }) = t.columns.get("country") else {
        return Vec::new();
    };
    let mut counts = vec![0i64; dict.len() + 1];
    for i in rows {
        let c = codes[*i];
        counts[if c == MISSING { dict.len() } else { c as usize }] += 1;
    }
    // Same order as the SQL: most first, then by value, unknown last among equals.
    let mut v: Vec<(i64, Option<&String>)> = counts
        .into_iter()
        .enumerate()
        .filter(|(_, n)| *n > 0)
        .map(|(c, n)| (n, dict.get(c)))
        .collect();
    v.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.1.is_none().cmp(&b.1.is_none()))
            .then(a.1.cmp(&b.1))
    });
    v.into_iter()
        .take(12)
        .map(|(n, l)| Bucket {
            label: l.cloned().unwrap_or_else(|| "unknown".into()),
            count: n,
        })
        .collect()
}

fn by_tier(rows: &[usize], revenue: &[f64], high: f64, medium: f64) -> Vec<Bucket> {
    let mut c = [0i64; 3];
    for i in rows {
        let r = revenue[*i];
        c[if r >= high && r > 0.0 {
            0
        } else if r >= medium && r > 0.0 {
            2
        } else {
            1
        }] += 1;
    }
    ["high", "low", "medium"]
        .iter()
        .zip(c)
        .filter(|(_, n)| *n > 0)
        .map(|(l, n)| Bucket {
            label: l.to_string(),
            count: n,
        })
        .collect()
}

impl App {
    async fn empty_preview(
        &self,
        vd: &ValidDefinition,
        as_of: AsOf,
        total: i64,
        n: i64,
        thresholds: &[Option<f64>],
        facts: &str,
    ) -> Result<Preview, AppError> {
        let snap = self.snapshot().await?;
        let mut p = super::preview::base_preview(&snap, as_of, total, n, facts);
        p.thresholds = super::preview::describe_thresholds(vd, thresholds);
        Ok(p)
    }
}

impl App {
    /// Stream member ids from memory (`None` when the data or a field is not held there).
    pub(super) async fn stream_in_memory(
        &self,
        def: &Definition,
        as_of: AsOf,
        tx: &tokio::sync::mpsc::Sender<Vec<crate::store::MemberRow>>,
    ) -> Result<Option<u64>, AppError> {
        let Some(table) = self.table().await? else {
            return Ok(None);
        };
        let vd = self.validate(def, as_of).await?;
        let engine = Engine::new(&table, as_of);
        if !engine.supports(vd.root()) {
            return Ok(None);
        }
        let mask = engine.mask(vd.root(), &engine.thresholds(&vd));
        let mut sent = 0u64;
        let rows = mask.iter().enumerate().filter(|(_, m)| **m).map(|(i, _)| i);
        let mut chunk = Vec::with_capacity(4096);
        for i in rows {
            chunk.push(crate::store::MemberRow {
                external_id: table.external_ids[i].clone(),
                email: None,
            });
            if chunk.len() == 4096 {
                sent += chunk.len() as u64;
                if tx
                    .send(std::mem::replace(&mut chunk, Vec::with_capacity(4096)))
                    .await
                    .is_err()
                {
                    return Ok(Some(sent));
                }
            }
        }
        sent += chunk.len() as u64;
        if !chunk.is_empty() {
            let _ = tx.send(chunk).await;
        }
        Ok(Some(sent))
    }
}
