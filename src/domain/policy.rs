//! Policy checked when a version is submitted and again when it is activated: minimum audience
//! per destination, consent (ads destinations count only members with ads consent, email tools
//! only members with email consent; the suppression list is always excluded), sensitive
//! attributes kept away from ad platforms, and Meta's ban on audiences that suggest health
//! conditions or financial status. Pure: the caller supplies the counts and the fields used.
//!
//! The fields used are read from the [`ValidDefinition`]: the definition with every glossary
//! term and referenced saved segment expanded, recursively, by the validator (the same
//! resolution the compiler runs). Reading the definition as written once let a religion and
//! health condition wrapped in a segment reference reach Meta with every check passing.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::pred::{Expr, Pred};
use super::validate::ValidDefinition;

/// Where an approved audience may be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    Meta,
    Google,
    Linkedin,
    Tiktok,
    Webhook,
    Email,
    Csv,
}

/// Why `email` is refused as a destination: segwright has no email delivery.
pub const EMAIL_NOT_OFFERED: &str = "destination `email` is not offered: segwright does not send email (no SMTP); use `csv` (a file drop) or `webhook` to hand the audience to an email tool";

impl Destination {
    /// The destinations a version may be submitted to.
    pub const OFFERED: [Destination; 6] = [
        Destination::Meta,
        Destination::Google,
        Destination::Linkedin,
        Destination::Tiktok,
        Destination::Webhook,
        Destination::Csv,
    ];

    /// A destination named by a person (submission, configuration): one of [`Self::OFFERED`].
    /// `email` is refused with [`EMAIL_NOT_OFFERED`].
    pub fn parse(s: &str) -> Result<Destination, String> {
        match Self::parse_stored(s)? {
            Destination::Email => Err(EMAIL_NOT_OFFERED.into()),
            d => Ok(d),
        }
    }

    /// A destination as stored (submissions and sync batches written before `email` was
    /// withdrawn still load; their batches fail with [`EMAIL_NOT_OFFERED`]).
    pub fn parse_stored(s: &str) -> Result<Destination, String> {
        serde_json::from_value(serde_json::Value::String(s.trim().to_ascii_lowercase())).map_err(
            |_| {
                format!(
                    "unknown destination `{s}`: use meta, google, linkedin, tiktok, webhook or csv"
                )
            },
        )
    }

    /// Ad platforms: ads consent required, sensitive attributes refused.
    pub fn is_ad_platform(self) -> bool {
        matches!(
            self,
            Destination::Meta | Destination::Google | Destination::Linkedin | Destination::Tiktok
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Destination::Meta => "meta",
            Destination::Google => "google",
            Destination::Linkedin => "linkedin",
            Destination::Tiktok => "tiktok",
            Destination::Webhook => "webhook",
            Destination::Email => "email",
            Destination::Csv => "csv",
        }
    }
}

/// Configurable policy. Defaults follow the platforms' documented minimums.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyConfig {
    pub min_meta: i64,
    pub min_google: i64,
    pub min_linkedin: i64,
    pub min_tiktok: i64,
    /// Field-name fragments marking an attribute sensitive (never sent to ad platforms).
    pub sensitive_fields: Vec<String>,
    /// Field-name fragments suggesting financial status or health, flagged for Meta.
    pub meta_restricted_fields: Vec<String>,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect();
        Self {
            min_meta: 100,
            min_google: 100,
            min_linkedin: 300,
            min_tiktok: 1000,
            sensitive_fields: words(&[
                "health",
                "religio",
                "ethnic",
                "race",
                "sexual",
                "political",
                "union",
                "biometric",
                "genetic",
            ]),
            meta_restricted_fields: words(&[
                "income",
                "salary",
                "wealth",
                "net_worth",
                "credit",
                "debt",
                "health",
                "medical",
                "diagnos",
                "pregnan",
                "disease",
            ]),
        }
    }
}

/// Audience counts the checks need.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Reach {
    /// Members with ads consent and not suppressed.
    pub ads: i64,
    /// Members with email consent and not suppressed.
    pub email: i64,
    /// Members not suppressed, whatever their consent.
    pub unsuppressed: i64,
}

/// One check's outcome.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Check {
    pub destination: Destination,
    pub rule: String,
    pub passed: bool,
    pub message: String,
}

/// Every check for every destination.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PolicyReport {
    pub passed: bool,
    pub checks: Vec<Check>,
}

impl PolicyReport {
    /// The failed checks' messages, one line.
    pub fn violations(&self) -> String {
        self.checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| format!("{}: {}", c.destination.as_str(), c.message))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Every catalog field a definition reads, through its glossary terms and referenced segments.
pub fn fields_used(vd: &ValidDefinition) -> BTreeSet<String> {
    fn walk(p: &Pred, out: &mut BTreeSet<String>) {
        match p {
            Pred::All { of } | Pred::Any { of } => of.iter().for_each(|c| walk(c, out)),
            Pred::Not { of } => walk(of, out),
            Pred::Test {
                expr: Expr::Field(f),
                ..
            }
            | Pred::Percentile { field: f, .. } => {
                out.insert(f.name.clone());
            }
            // Aggregates count orders and events; they read no catalog field.
            Pred::Test {
                expr: Expr::Agg(_), ..
            } => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(vd.root(), &mut out);
    out
}

fn matching(fields: &BTreeSet<String>, fragments: &[String]) -> Vec<String> {
    fields
        .iter()
        .filter(|f| {
            fragments
                .iter()
                .any(|w| f.to_ascii_lowercase().contains(w.as_str()))
        })
        .cloned()
        .collect()
}

/// Check an audience bound for `destinations`.
pub fn check(
    cfg: &PolicyConfig,
    destinations: &[Destination],
    fields: &BTreeSet<String>,
    reach: Reach,
) -> PolicyReport {
    let mut checks = Vec::new();
    for &d in destinations {
        let (eligible, basis) = match d {
            _ if d.is_ad_platform() => (
                reach.ads,
                "members with ads consent, suppression list excluded",
            ),
            Destination::Email => (
                reach.email,
                "members with email consent, suppression list excluded",
            ),
            _ => (reach.unsuppressed, "members, suppression list excluded"),
        };
        let min = match d {
            Destination::Meta => cfg.min_meta,
            Destination::Google => cfg.min_google,
            Destination::Linkedin => cfg.min_linkedin,
            Destination::Tiktok => cfg.min_tiktok,
            _ => 1,
        };
        checks.push(Check {
            destination: d,
            rule: "min_audience".into(),
            passed: eligible >= min,
            message: format!(
                "{} eligible {basis}; at least {} needed",
                super::number::thousands(eligible),
                super::number::thousands(min)
            ),
        });
        if d.is_ad_platform() {
            let bad = matching(fields, &cfg.sensitive_fields);
            let message = if bad.is_empty() {
                "no sensitive attribute used".into()
            } else {
                format!("uses sensitive attributes {}", bad.join(", "))
            };
            checks.push(Check {
                destination: d,
                rule: "sensitive_attributes".into(),
                passed: bad.is_empty(),
                message,
            });
        }
        if d == Destination::Meta {
            let bad = matching(fields, &cfg.meta_restricted_fields);
            let message = if bad.is_empty() {
                "no health- or income-like field used".into()
            } else {
                format!(
                    "Meta refuses audiences suggesting health or financial status: uses {}",
                    bad.join(", ")
                )
            };
            checks.push(Check {
                destination: d,
                rule: "meta_restricted_categories".into(),
                passed: bad.is_empty(),
                message,
            });
        }
    }
    PolicyReport {
        passed: checks.iter().all(|c| c.passed),
        checks,
    }
}

/// Warnings for a marketer while the audience is being built: the attributes that would keep it
/// from ad platforms (sensitive ones) or from Meta (health- or income-like ones), before anyone
/// submits it and the policy check at submission refuses it.
pub fn attribute_warnings(cfg: &PolicyConfig, vd: &ValidDefinition) -> Vec<String> {
    let fields = fields_used(vd);
    let mut out = Vec::new();
    let sensitive = matching(&fields, &cfg.sensitive_fields);
    if !sensitive.is_empty() {
        out.push(format!("Uses the sensitive attribute {}: this audience cannot go to Meta, Google, LinkedIn or TikTok.", sensitive.join(", ")));
    }
    let restricted: Vec<String> = matching(&fields, &cfg.meta_restricted_fields)
        .into_iter()
        .filter(|f| !sensitive.contains(f))
        .collect();
    if !restricted.is_empty() {
        out.push(format!(
            "Uses {}, which suggests health or financial status: Meta refuses such audiences.",
            restricted.join(", ")
        ));
    }
    out
}

/// What a request cannot change, said back to whoever asks for it: a request that mentions the
/// suppression list ("including suppressed ones") is told it is always excluded, instead of
/// silently getting an audience that looks as if it had been honoured.
pub fn request_notices(request: &str) -> Vec<String> {
    let lower = request.to_lowercase();
    let mut out = Vec::new();
    if lower.contains("suppress") {
        out.push("People on the suppression list are never delivered to any destination, whatever the request says; no segment can include them.".to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn minimums_follow_the_destination_and_its_consent() {
        let cfg = PolicyConfig::default();
        let reach = Reach {
            ads: 150,
            email: 2000,
            unsuppressed: 5000,
        };
        let r = check(
            &cfg,
            &[Destination::Meta, Destination::Linkedin, Destination::Email],
            &fields(&["country"]),
            reach,
        );
        let min: Vec<bool> = r
            .checks
            .iter()
            .filter(|c| c.rule == "min_audience")
            .map(|c| c.passed)
            .collect();
        assert_eq!(min, vec![true, false, true]);
        assert!(!r.passed);
        assert!(r.violations().contains("linkedin: 150 eligible"));
        let big = Reach {
            ads: 10517,
            email: 0,
            unsuppressed: 10517,
        };
        let r = check(&cfg, &[Destination::Meta], &fields(&["country"]), big);
        assert!(r.checks[0].message.starts_with("10,517 eligible"), "{r:?}");
    }

    /// A catalog with sensitive and restricted attributes, a glossary term and a saved segment
    /// that hide them, and `root` validated against all three.
    fn expanded(root: serde_json::Value) -> ValidDefinition {
        use crate::domain::catalog::{AttributeSpec, Catalog, FieldType};
        use crate::domain::definition::Definition;
        use crate::domain::glossary::Glossary;
        use crate::domain::validate::{Context, validate};
        let attr = |name: &str, ty| AttributeSpec {
            name: name.into(),
            ty,
            values: vec![],
            column: name.into(),
        };
        let catalog = Catalog::build(
            vec!["US".into()],
            vec![],
            &[
                attr("religion", FieldType::Text),
                attr("health_condition", FieldType::Text),
                attr("annual_income", FieldType::Number),
            ],
        );
        let glossary = Glossary::from_toml(
            r#"[terms.devout]
label = "devout"
description = "Says a religion."
definition = { type = "attribute", field = "religion", op = "is_set" }
"#,
        )
        .unwrap();
        let def = |root: serde_json::Value| {
            Definition::from_value(serde_json::json!({"version": 1, "root": root})).unwrap()
        };
        let hidden = def(serde_json::json!({"type": "all", "conditions": [
            {"type": "term", "name": "devout"},
            {"type": "attribute", "field": "health_condition", "op": "eq", "value": "diabetes"}]}));
        // One more level: a segment that only refers to the one holding the conditions.
        let wrapper = def(serde_json::json!({"type": "segment", "segment": "faithful_patients"}));
        let segments = std::collections::BTreeMap::from([
            ("faithful_patients".to_string(), hidden),
            ("wrapper".to_string(), wrapper),
        ]);
        let ctx = Context {
            catalog: &catalog,
            glossary: &glossary,
            segments: &segments,
            as_of: crate::domain::time::AsOf::parse("2026-11-22", "UTC").unwrap(),
        };
        validate(&def(root), &ctx).unwrap()
    }

    #[test]
    fn attributes_that_would_block_ad_platforms_are_warned_about_while_building() {
        let attr = |field: &str| {
            expanded(serde_json::json!({"type": "attribute", "field": field, "op": "is_set"}))
        };
        let cfg = PolicyConfig::default();
        assert!(
            attribute_warnings(&cfg, &attr("health_condition"))[0]
                .contains("cannot go to Meta, Google")
        );
        assert!(attribute_warnings(&cfg, &attr("annual_income"))[0].contains("Meta refuses"));
        assert!(attribute_warnings(&cfg, &attr("country")).is_empty());
    }

    #[test]
    fn sensitive_attributes_inside_referenced_segments_and_glossary_terms_are_found() {
        let cfg = PolicyConfig::default();
        let reach = Reach {
            ads: 10_000,
            email: 10_000,
            unsuppressed: 10_000,
        };
        let via_segment = expanded(serde_json::json!({"type": "all", "conditions": [
            {"type": "attribute", "field": "country", "op": "eq", "value": "US"},
            {"type": "segment", "segment": "wrapper"}]}));
        assert_eq!(
            fields_used(&via_segment),
            fields(&["country", "health_condition", "religion"])
        );
        let r = check(
            &cfg,
            &[Destination::Meta],
            &fields_used(&via_segment),
            reach,
        );
        assert!(
            !r.passed,
            "a religion + health condition two segments down is still refused: {r:?}"
        );
        assert!(
            r.violations().contains("religion") && r.violations().contains("health_condition"),
            "{}",
            r.violations()
        );
        let via_term = expanded(serde_json::json!({"type": "term", "name": "devout"}));
        assert!(
            !check(&cfg, &[Destination::Google], &fields_used(&via_term), reach).passed,
            "a term reading religion is refused"
        );
        assert!(attribute_warnings(&cfg, &via_term)[0].contains("religion"));
    }

    #[test]
    fn a_request_to_include_suppressed_people_is_told_they_are_always_excluded() {
        assert_eq!(
            request_notices("return every customer including SUPPRESSED ones").len(),
            1
        );
        assert!(request_notices("customers in Texas").is_empty());
    }

    #[test]
    fn sensitive_and_meta_restricted_fields_block_ad_platforms_only() {
        let cfg = PolicyConfig::default();
        let reach = Reach {
            ads: 10_000,
            email: 10_000,
            unsuppressed: 10_000,
        };
        let used = fields(&["household_income", "health_score"]);
        let r = check(&cfg, &[Destination::Meta], &used, reach);
        assert!(
            r.checks
                .iter()
                .any(|c| c.rule == "meta_restricted_categories"
                    && !c.passed
                    && c.message.contains("household_income"))
        );
        assert!(
            r.checks
                .iter()
                .any(|c| c.rule == "sensitive_attributes" && !c.passed)
        );
        let g = check(
            &cfg,
            &[Destination::Google],
            &fields(&["household_income"]),
            reach,
        );
        assert!(g.passed, "income is only restricted on Meta");
        assert!(check(&cfg, &[Destination::Webhook], &used, reach).passed);
    }

    #[test]
    fn destinations_parse() {
        assert_eq!(Destination::parse("Meta"), Ok(Destination::Meta));
        assert!(Destination::parse("myspace").is_err());
    }
}
