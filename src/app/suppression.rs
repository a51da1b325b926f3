//! The suppression list as admins manage it from the web app: read it, add one value or a
//! pasted or uploaded list (one value per line, or a CSV's first column), remove an entry.
//! Values are normalised as the CLI does (emails trimmed and lower-cased) and checked, so a
//! typo is reported instead of stored. Audit entries keep each value's hash, never the value.

use serde::Serialize;

use super::{Actor, App, AppError, Change};
use crate::domain::access::Permission;
use crate::domain::normalize::sha256_hex;
use crate::store::SuppressionRecord;

/// The kinds of value the list holds.
pub const SUPPRESSION_KINDS: [&str; 3] = ["email", "phone", "external_id"];

/// Longest list one upload may hold.
const MAX_UPLOAD: usize = 10_000;

/// The list as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SuppressionList {
    pub total: i64,
    pub entries: Vec<SuppressionRecord>,
}

/// What an uploaded list did.
#[derive(Debug, Clone, Serialize)]
pub struct UploadReport {
    pub added: usize,
    /// Lines not taken, with why (`line 3: "bob@" is not an email address`), at most 20.
    pub rejected: Vec<String>,
    pub rejected_total: usize,
}

/// A value of `kind` as stored, or why it cannot be one.
pub fn normalise(kind: &str, raw: &str) -> Result<String, String> {
    let v = raw.trim().trim_matches('"').trim();
    let ok = match kind {
        "email" => {
            let v = v.to_lowercase();
            let valid = v.len() <= 254
                && v.split_once('@').is_some_and(|(a, d)| {
                    !a.is_empty()
                        && d.contains('.')
                        && !d.starts_with('.')
                        && !v.contains(char::is_whitespace)
                });
            return if valid {
                Ok(v)
            } else {
                Err(format!("“{}” is not an email address", shorten(v.as_str())))
            };
        }
        "phone" => {
            v.chars().filter(char::is_ascii_digit).count() >= 6
                && v.chars()
                    .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        }
        "external_id" => !v.is_empty() && v.len() <= 200,
        other => {
            return Err(format!(
                "unknown kind `{}`: use {}",
                shorten(other),
                SUPPRESSION_KINDS.join(", ")
            ));
        }
    };
    if ok {
        Ok(v.to_string())
    } else {
        Err(format!(
            "“{}” is not a {}",
            shorten(v),
            kind.replace('_', " ")
        ))
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_string()
    }
}

impl App {
    /// The newest `limit` entries and the total (admins).
    pub async fn suppression_list(
        &self,
        limit: i64,
        actor: &Actor,
    ) -> Result<SuppressionList, AppError> {
        actor.require(Permission::Administer)?;
        let (total, entries) = self.store.suppressions(limit).await?;
        Ok(SuppressionList { total, entries })
    }

    /// Add one value, normalised and checked (admins).
    pub async fn suppress_value(
        &self,
        kind: &str,
        raw: &str,
        actor: &Actor,
    ) -> Result<String, AppError> {
        actor.require(Permission::Administer)?;
        let value = normalise(kind, raw).map_err(AppError::BadInput)?;
        self.suppress(kind, &value, actor).await?;
        Ok(value)
    }

    /// Take a value off the list (admins).
    #[tracing::instrument(skip_all)]
    pub async fn unsuppress(&self, kind: &str, value: &str, actor: &Actor) -> Result<(), AppError> {
        actor.require(Permission::Administer)?;
        let mut tx = self.store.begin_write().await?;
        if !tx.unsuppress(kind, value).await? {
            return Err(AppError::NotFound(
                "that entry of the suppression list".into(),
            ));
        }
        let before = serde_json::json!({"kind": kind, "value_sha256": sha256_hex(value)});
        self.audit_in(
            &mut tx,
            actor,
            "suppression.remove",
            Change {
                before: Some(before),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Add a list: one value per line, or a CSV whose first column holds them (a header line
    /// naming the kind is skipped). Bad lines are reported, the good ones added (admins).
    #[tracing::instrument(skip_all)]
    pub async fn suppress_list(
        &self,
        kind: &str,
        text: &str,
        actor: &Actor,
    ) -> Result<UploadReport, AppError> {
        actor.require(Permission::Administer)?;
        if !SUPPRESSION_KINDS.contains(&kind) {
            return Err(AppError::BadInput(format!(
                "unknown kind `{}`: use {}",
                shorten(kind),
                SUPPRESSION_KINDS.join(", ")
            )));
        }
        let lines: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .map(|(k, l)| (k + 1, l.split(',').next().unwrap_or("").trim()))
            .filter(|(_, l)| !l.is_empty())
            .collect();
        if lines.len() > MAX_UPLOAD {
            return Err(AppError::BadInput(format!(
                "a list holds at most {MAX_UPLOAD} values per upload; this one has {}: split it",
                lines.len()
            )));
        }
        let mut report = UploadReport {
            added: 0,
            rejected: Vec::new(),
            rejected_total: 0,
        };
        // One transaction: the whole list and its audit entry land together, or nothing does.
        let mut tx = self.store.begin_write().await?;
        for (n, line) in lines {
            if n == 1
                && [kind, "value", "e-mail"]
                    .iter()
                    .any(|h| line.eq_ignore_ascii_case(h))
            {
                continue; // a CSV's header
            }
            match normalise(kind, line) {
                Ok(v) => {
                    tx.suppress(kind, &v, None).await?;
                    report.added += 1;
                }
                Err(why) => {
                    report.rejected_total += 1;
                    if report.rejected.len() < 20 {
                        report.rejected.push(format!("line {n}: {why}"));
                    }
                }
            }
        }
        let after = serde_json::json!({"kind": kind, "added": report.added, "rejected": report.rejected_total});
        self.audit_in(
            &mut tx,
            actor,
            "suppression.upload",
            Change {
                after: Some(after),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn values_are_normalised_and_typos_refused() {
        assert_eq!(
            normalise("email", "  Ann@Example.COM "),
            Ok("ann@example.com".into())
        );
        assert!(normalise("email", "bob@").is_err() && normalise("email", "a b@x.io").is_err());
        assert_eq!(
            normalise("phone", "+1 (555) 010-2030"),
            Ok("+1 (555) 010-2030".into())
        );
        assert!(normalise("phone", "call me").is_err());
        assert!(
            normalise("fax", "1")
                .unwrap_err()
                .starts_with("unknown kind")
        );
    }
}
