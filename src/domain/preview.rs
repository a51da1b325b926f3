//! What a preview reports: size and reachability, per-condition counts, overlaps, thresholds,
//! breakdowns, histograms, a masked sample with each member's scores, the data's freshness and,
//! in a full preview, predicted performance and the backtest. Plain data, built by `app`.

use serde::{Deserialize, Serialize};

use super::scoring::CustomerScore;
use super::scoring::performance::Performance;

/// The audience's size.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Size {
    pub count: i64,
    pub total_customers: i64,
    /// Share of all customers, in percent.
    pub percent: f64,
    /// Has an email, consented to email, not suppressed.
    pub reachable_email: i64,
    /// Has an email or phone, consented to ads, not suppressed.
    pub reachable_ads: i64,
    /// On the global suppression list.
    pub suppressed: i64,
}

/// One top-level condition's effect.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConditionCount {
    pub path: String,
    pub description: String,
    /// Customers this condition keeps on its own.
    pub alone: i64,
    /// Audience after this condition and all before it.
    pub cumulative: i64,
}

/// A resolved percentile threshold.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Threshold {
    pub field: String,
    pub direction: String,
    pub percent: f64,
    /// `None` when no customer has a value.
    pub value: Option<f64>,
    pub description: String,
}

/// A labelled count (breakdown row or histogram bucket).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bucket {
    pub label: String,
    pub count: i64,
}

/// Overlap with a saved segment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Overlap {
    pub segment: String,
    pub name: String,
    pub overlap: i64,
}

/// One sample member, personal data masked.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SampleMember {
    pub external_id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub country: Option<String>,
    pub region: Option<String>,
    pub lifetime_revenue: f64,
    pub order_count: i64,
    pub last_activity: Option<String>,
    /// Each trained score with the top factors behind it (full previews, once models exist).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<CustomerScore>,
}

/// Data freshness.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Freshness {
    pub latest_order: Option<String>,
    pub latest_event: Option<String>,
    pub last_import: Option<String>,
    /// `precomputed` when facts come from the precomputed table, `as_of` when computed up to
    /// an as-of date earlier than the data.
    pub facts: String,
}

/// The full preview.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Preview {
    pub as_of: String,
    pub timezone: String,
    pub size: Size,
    pub conditions: Vec<ConditionCount>,
    pub thresholds: Vec<Threshold>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overlaps: Vec<Overlap>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_country: Vec<Bucket>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_value_tier: Vec<Bucket>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revenue_histogram: Vec<Bucket>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inactivity_histogram: Vec<Bucket>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sample: Vec<SampleMember>,
    pub freshness: Freshness,
    /// Predicted performance and backtest (full previews only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub performance: Option<Performance>,
    /// Milliseconds the preview took.
    pub elapsed_ms: f64,
    /// What the preview left out and why (a saved segment that could not be compared).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

/// The notice of a saved segment left out of a preview's overlaps: its name and why in words,
/// never the internal error (that is logged).
pub fn overlap_skipped(name: &str, why: &str) -> String {
    format!("saved segment \"{name}\" was left out of the overlaps: {why}")
}

/// Percent with two decimals, 0 when there is no one.
pub fn percent(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 10_000.0 / whole as f64).round() / 100.0
    }
}
