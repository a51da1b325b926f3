//! The models page: versions, metrics next to the recency baseline, a calibration chart, the
//! features that move each score, for every signed-in role; a Train button for the roles that
//! may train (campaign managers, admins; `app` checks), whose job the page then follows.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::super::AppState;
use super::super::auth::Caller;
use super::render;
use super::session::user_context;
use crate::app::{TrainRequest, TrainedModel};
use crate::domain::access::Permission;
use crate::domain::scoring::metrics::CalibrationBin;

/// The calibration chart's plot is this many SVG units square.
const PLOT: f64 = 200.0;

#[derive(Serialize)]
struct Point {
    x: f64,
    y: f64,
    r: f64,
    label: String,
}

#[derive(Serialize)]
struct Row {
    name: String,
    roc_auc: String,
    pr_auc: String,
    brier: String,
    lift: String,
    capture: String,
}

/// One bin as a dot at (mean predicted, observed rate), sized by how many customers it holds.
fn calibration_points(bins: &[CalibrationBin]) -> Vec<Point> {
    let most = bins.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
    bins.iter()
        .filter(|b| b.count > 0)
        .map(|b| Point {
            x: (b.mean_predicted * PLOT).clamp(0.0, PLOT),
            y: (PLOT - b.observed_rate * PLOT).clamp(0.0, PLOT),
            r: 2.5 + 4.5 * (b.count as f64 / most).sqrt(),
            label: format!(
                "predicted {:.2}, observed {:.2} ({} customers)",
                b.mean_predicted, b.observed_rate, b.count
            ),
        })
        .collect()
}

fn metrics_row(name: &str, m: &crate::domain::scoring::Metrics) -> Row {
    Row {
        name: name.to_string(),
        roc_auc: format!("{:.4}", m.roc_auc),
        pr_auc: format!("{:.4}", m.pr_auc),
        brier: m.brier.map_or("—".into(), |b| format!("{b:.4}")),
        lift: format!("{:.2}", m.top_decile_lift),
        capture: format!("{:.1}%", m.top_decile_capture * 100.0),
    }
}

fn model_context(m: &TrainedModel) -> minijinja::Value {
    let r = &m.report;
    let mut rows: Vec<Row> = r
        .candidates
        .iter()
        .map(|c| metrics_row(c.kind.label(), &c.metrics))
        .collect();
    rows.push(metrics_row("recency baseline", &r.baseline));
    let most = m
        .top_features
        .iter()
        .map(|f| f.weight)
        .fold(0.0, f64::max)
        .max(f64::EPSILON);
    let features: Vec<_> = m
        .top_features
        .iter()
        .map(|f| context! { name => &f.feature, width => (f.weight / most * 140.0).round(), raises => f.raises, weight => format!("{:.3}", f.weight) })
        .collect();
    context! {
        task => &m.task, version => m.version, as_of => &m.as_of, train_until => &m.train_until,
        chosen => r.chosen.label(), rows_total => r.rows, fit_rows => r.fit_rows, validation_rows => r.validation_rows,
        positive_rate => format!("{:.1}%", r.positive_rate * 100.0), scored => m.scored,
        cross_validation => r.cross_validation.as_ref().map(|c| format!("{}-fold pooled ROC AUC: logistic {:.4}, baseline {:.4}", c.folds, c.logistic_roc_auc, c.baseline_roc_auc)),
        metrics => Serde(rows), calibration => Serde(calibration_points(&r.chosen_metrics().calibration)),
        features => features, feature_rows => m.top_features.len() * 22 + 4,
    }
}

#[derive(serde::Deserialize)]
pub struct JobQuery {
    job: Option<String>,
}

/// A training job as the page shows it, `None` when unknown (a restart forgets jobs).
fn job_context(app: &AppState, caller: &Caller, id: Option<&str>) -> Option<minijinja::Value> {
    let j = app
        .training_job(id?, &super::segments::actor(caller))
        .ok()??;
    Some(context! { id => j.id, status => j.status, error => j.error, trained => j.models.len() })
}

pub async fn models(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<JobQuery>,
) -> Response {
    let job = job_context(&app, &caller, q.job.as_deref());
    let can_train = caller.principal.role.allows(Permission::Train);
    match app.models(&super::segments::actor(&caller)).await {
        Ok(list) => {
            // Newest first: the version that scores customers now leads each task.
            let mut list = list;
            list.sort_by(|a, b| a.task.cmp(&b.task).then(b.version.cmp(&a.version)));
            let models: Vec<_> = list.iter().map(model_context).collect();
            render(
                "models.html",
                context! { models, plot => PLOT, job, can_train, ..user_context(&caller) },
            )
        }
        Err(e) => super::segments::page_error(&caller, e),
    }
}

/// Start training (roles allowed by `app`), then follow the job on the models page.
pub async fn train(State(app): State<AppState>, Extension(caller): Extension<Caller>) -> Response {
    let started = app.as_of(None).and_then(|as_of| {
        app.start_training(
            TrainRequest::default(),
            as_of,
            &super::segments::actor(&caller),
        )
    });
    match started {
        Ok(job) => super::segments::redirect(&format!("/models?job={}", job.id)),
        Err(e) => super::segments::page_error(&caller, e),
    }
}

/// The job's status, polled by the page while it runs; once it ends the page reloads.
pub async fn job(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    match job_context(&app, &caller, Some(&id)) {
        Some(j) if j.get_attr("status").is_ok_and(|s| s.as_str() != Some("running")) => ([("hx-refresh", "true")], Html(String::new())).into_response(),
        Some(j) => render("train_job.html", context! { job => j }),
        None => Html("<p class=\"hint\">This training job is no longer known (the server restarted); the models below are the ones stored.</p>".to_string())
            .into_response(),
    }
}
