//! The settings that only the environment gives (no flag): governance, sync, destinations and
//! the score schedule. Each reader takes the variable lookup as a function, so tests pass a map
//! instead of changing the process environment.

use std::time::Duration;

use crate::app::{AppError, Governance, ScoreSettings};
use crate::destinations::DestinationConfig;

/// A lookup of one environment variable: `None` when unset or empty.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, empty values read as unset.
pub fn process(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `SEGWRIGHT_SECURE_COOKIES=1` and the like: `1` or `true`.
fn flag(var: Lookup<'_>, name: &str) -> bool {
    var(name).is_some_and(|v| v == "1" || v == "true")
}

fn whole_number(name: &str, v: &str) -> Result<u64, AppError> {
    v.parse::<u64>()
        .map_err(|_| AppError::BadInput(format!("{name} must be a whole number, not `{v}`")))
}

/// The whole number a variable holds, if set.
fn number(var: Lookup<'_>, name: &str) -> Result<Option<u64>, AppError> {
    var(name).map(|v| whole_number(name, &v)).transpose()
}

/// Governance settings: `SEGWRIGHT_SECOND_APPROVER_ABOVE`, `SEGWRIGHT_SECURE_COOKIES=1`,
/// `SEGWRIGHT_SECRET_KEY`, `SEGWRIGHT_REFRESH_HOURS` (0 turns the schedule off),
/// `SEGWRIGHT_SYNC_LEASE_SECS`, `SEGWRIGHT_BATCH_SIZE` (members per request, within each
/// platform's limit), `SEGWRIGHT_AUDIT_KEY`, `SEGWRIGHT_REQUEST_BUDGET_SECS`,
/// `SEGWRIGHT_HEAVY_CONCURRENCY`, and the destinations' (see [`destinations`]).
pub fn governance(var: Lookup<'_>) -> Result<Governance, AppError> {
    let mut g = Governance::default();
    if let Some(v) = var("SEGWRIGHT_SECOND_APPROVER_ABOVE") {
        g.second_approver_above = v.parse().map_err(|_| {
            AppError::BadInput(format!(
                "SEGWRIGHT_SECOND_APPROVER_ABOVE must be a number, not `{v}`"
            ))
        })?;
    }
    g.secure_cookies = flag(var, "SEGWRIGHT_SECURE_COOKIES");
    destinations(var, &mut g.destinations);
    if let Some(v) = var("SEGWRIGHT_SECRET_KEY") {
        g.secret_key = Some(crate::app::secrets::SecretKey::parse(&v).map_err(AppError::BadInput)?);
    }
    if let Some(h) = number(var, "SEGWRIGHT_REFRESH_HOURS")? {
        g.sync.refresh_every = (h > 0).then(|| Duration::from_secs(h * 3600));
    }
    if let Some(n) = number(var, "SEGWRIGHT_BATCH_SIZE")? {
        g.destinations.batch_size = n.max(1) as usize;
    }
    if let Some(s) = number(var, "SEGWRIGHT_SYNC_LEASE_SECS")? {
        g.sync.lease = Duration::from_secs(s);
    }
    if let Some(v) = var("SEGWRIGHT_AUDIT_KEY") {
        g.audit_key = Some(crate::domain::audit::AuditKey::parse(&v).map_err(AppError::BadInput)?);
    }
    if let Some(s) = number(var, "SEGWRIGHT_REQUEST_BUDGET_SECS")? {
        g.request_budget = Duration::from_secs(s.max(1));
    }
    if let Some(n) = number(var, "SEGWRIGHT_HEAVY_CONCURRENCY")? {
        g.heavy_concurrency = n.max(1) as usize;
    }
    Ok(g)
}

/// Score settings: `SEGWRIGHT_SCORE_REFRESH` (a period such as `24h`, `90m`, `3600s`, `7d`; `0`
/// or `off` turns the schedule off; default `24h`) and `SEGWRIGHT_SCORE_RETRAIN=1` (the schedule
/// trains new model versions instead of re-scoring).
pub fn scores(var: Lookup<'_>) -> Result<ScoreSettings, AppError> {
    let refresh = var("SEGWRIGHT_SCORE_REFRESH").unwrap_or_else(|| "24h".into());
    let every = period(&refresh).ok_or_else(|| {
        AppError::BadInput(format!(
            "SEGWRIGHT_SCORE_REFRESH must be a period such as 24h, 90m or off, not `{refresh}`"
        ))
    })?;
    Ok(ScoreSettings {
        refresh_every: every,
        retrain: flag(var, "SEGWRIGHT_SCORE_RETRAIN"),
    })
}

/// `24h`, `90m`, `3600s`, `7d` → that duration; `0` or `off` → `Some(None)`; anything else → `None`.
fn period(text: &str) -> Option<Option<Duration>> {
    let t = text.trim();
    if t == "0" || t.eq_ignore_ascii_case("off") {
        return Some(None);
    }
    let unit = match t.chars().last()? {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return None,
    };
    let n: u64 = t[..t.len() - 1].parse().ok()?;
    (n > 0).then(|| Some(Duration::from_secs(n * unit)))
}

/// Destination endpoints and credentials: `SEGWRIGHT_WEBHOOK_{URL,SECRET}`,
/// `SEGWRIGHT_META_{BASE_URL,AUDIENCE_ID,ACCESS_TOKEN}`,
/// `SEGWRIGHT_GOOGLE_{BASE_URL,CUSTOMER_ID,USER_LIST_ID,LOGIN_CUSTOMER_ID,DEVELOPER_TOKEN,ACCESS_TOKEN}`,
/// `SEGWRIGHT_LINKEDIN_{BASE_URL,SEGMENT_ID,ACCESS_TOKEN,VERSION}`,
/// `SEGWRIGHT_TIKTOK_{BASE_URL,ADVERTISER_ID,AUDIENCE_ID,ACCESS_TOKEN}`, `SEGWRIGHT_CSV_DIR`.
fn destinations(var: Lookup<'_>, d: &mut DestinationConfig) {
    let set = |field: &mut String, k: &str| {
        if let Some(v) = var(k) {
            *field = v;
        }
    };
    d.webhook_url = var("SEGWRIGHT_WEBHOOK_URL");
    d.webhook_secret = var("SEGWRIGHT_WEBHOOK_SECRET");
    set(&mut d.meta_base_url, "SEGWRIGHT_META_BASE_URL");
    d.meta_audience_id = var("SEGWRIGHT_META_AUDIENCE_ID");
    d.meta_access_token = var("SEGWRIGHT_META_ACCESS_TOKEN");
    set(&mut d.google_base_url, "SEGWRIGHT_GOOGLE_BASE_URL");
    d.google_customer_id = var("SEGWRIGHT_GOOGLE_CUSTOMER_ID");
    d.google_user_list_id = var("SEGWRIGHT_GOOGLE_USER_LIST_ID");
    d.google_login_customer_id = var("SEGWRIGHT_GOOGLE_LOGIN_CUSTOMER_ID");
    d.google_developer_token = var("SEGWRIGHT_GOOGLE_DEVELOPER_TOKEN");
    d.google_access_token = var("SEGWRIGHT_GOOGLE_ACCESS_TOKEN");
    set(&mut d.linkedin_base_url, "SEGWRIGHT_LINKEDIN_BASE_URL");
    d.linkedin_segment_id = var("SEGWRIGHT_LINKEDIN_SEGMENT_ID");
    d.linkedin_access_token = var("SEGWRIGHT_LINKEDIN_ACCESS_TOKEN");
    set(&mut d.linkedin_version, "SEGWRIGHT_LINKEDIN_VERSION");
    set(&mut d.tiktok_base_url, "SEGWRIGHT_TIKTOK_BASE_URL");
    d.tiktok_advertiser_id = var("SEGWRIGHT_TIKTOK_ADVERTISER_ID");
    d.tiktok_audience_id = var("SEGWRIGHT_TIKTOK_AUDIENCE_ID");
    d.tiktok_access_token = var("SEGWRIGHT_TIKTOK_ACCESS_TOKEN");
    d.csv_dir = var("SEGWRIGHT_CSV_DIR");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn nothing_set_gives_the_defaults() {
        let g = governance(&from(&[])).unwrap();
        assert_eq!(g.second_approver_above, 100_000);
        assert!(!g.secure_cookies && g.secret_key.is_none() && g.audit_key.is_none());
        assert_eq!(g.destinations.batch_size, 5_000);
        assert_eq!(g.sync.refresh_every, Some(Duration::from_secs(24 * 3600)));
        let s = scores(&from(&[])).unwrap();
        assert_eq!(s.refresh_every, Some(Duration::from_secs(24 * 3600)));
        assert!(!s.retrain);
    }

    #[test]
    fn each_variable_reaches_its_setting() {
        let g = governance(&from(&[
            ("SEGWRIGHT_SECOND_APPROVER_ABOVE", "50"),
            ("SEGWRIGHT_SECURE_COOKIES", "true"),
            ("SEGWRIGHT_REFRESH_HOURS", "0"),
            ("SEGWRIGHT_BATCH_SIZE", "0"),
            ("SEGWRIGHT_SYNC_LEASE_SECS", "7"),
            ("SEGWRIGHT_REQUEST_BUDGET_SECS", "3"),
            ("SEGWRIGHT_HEAVY_CONCURRENCY", "4"),
            ("SEGWRIGHT_META_BASE_URL", "http://meta.test"),
            ("SEGWRIGHT_CSV_DIR", "/tmp/drop"),
        ]))
        .unwrap();
        assert_eq!(g.second_approver_above, 50);
        assert!(g.secure_cookies);
        assert_eq!(g.sync.refresh_every, None);
        assert_eq!(
            g.destinations.batch_size, 1,
            "at least one member per request"
        );
        assert_eq!(g.sync.lease, Duration::from_secs(7));
        assert_eq!(g.request_budget, Duration::from_secs(3));
        assert_eq!(g.heavy_concurrency, 4);
        assert_eq!(g.destinations.meta_base_url, "http://meta.test");
        assert_eq!(g.destinations.csv_dir.as_deref(), Some("/tmp/drop"));
        let s = scores(&from(&[
            ("SEGWRIGHT_SCORE_REFRESH", "90m"),
            ("SEGWRIGHT_SCORE_RETRAIN", "1"),
        ]))
        .unwrap();
        assert_eq!(s.refresh_every, Some(Duration::from_secs(90 * 60)));
        assert!(s.retrain);
    }

    #[test]
    fn a_bad_value_is_refused_naming_the_variable() {
        for (k, v) in [
            ("SEGWRIGHT_BATCH_SIZE", "many"),
            ("SEGWRIGHT_SECOND_APPROVER_ABOVE", "lots"),
            ("SEGWRIGHT_SYNC_LEASE_SECS", "-1"),
        ] {
            let e = governance(&from(&[(k, v)])).unwrap_err();
            assert!(
                matches!(&e, AppError::BadInput(m) if m.contains(k) && m.contains(v)),
                "{e}"
            );
        }
        let e = scores(&from(&[("SEGWRIGHT_SCORE_REFRESH", "weekly")])).unwrap_err();
        assert!(e.to_string().contains("SEGWRIGHT_SCORE_REFRESH"), "{e}");
        assert_eq!(period("off"), Some(None));
        assert_eq!(period("0h"), None);
    }
}
