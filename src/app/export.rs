//! Every way contact data (emails, phones) leaves segwright, and the one rule they share.
//!
//! Served (HTTP) contact data is only ever the approved audience: a campaign manager's
//! permission, a version that is approved, active or paused and whose approval still holds,
//! members on the suppression list always left out (and, when asked, only those with email or
//! ads consent kept), and an audit entry written before the first row leaves. Both the CSV
//! download (`export.csv`) and the member list with emails (`members?with_email=true`) go
//! through `App::approved_contacts`; neither can skip a part of it.
//!
//! The local `members --with-email` command runs as the operator, who already holds the
//! database, on any definition file: it has no approval to check, but it still leaves the
//! suppression list out and is audited ([`App::export_member_emails`]).

use tokio::sync::mpsc;

use super::{Actor, App, AppError, Change};
use crate::domain::access::Permission;
use crate::domain::approval::Status;
use crate::domain::compile::CompiledQuery;
use crate::domain::compile::{self, Consent};
use crate::domain::definition::Definition;
use crate::domain::time::AsOf;
use crate::store::MemberRow;

/// The header of the download, in the order of the delivery query's columns.
pub const CSV_HEADER: &str =
    "external_id,email,phone,first_name,last_name,country,region,city,postal_code\n";

/// Which consent a download requires: `email`, `ads`, or none (`None`).
pub fn parse_consent(v: Option<&str>) -> Result<Consent, AppError> {
    match v {
        None => Ok(Consent::None),
        Some("email") => Ok(Consent::Email),
        Some("ads") => Ok(Consent::Ads),
        Some(other) => Err(AppError::BadInput(format!(
            "consent must be email or ads, not `{other}`"
        ))),
    }
}

/// `Content-Disposition` of the download (the id is reduced to safe characters).
pub fn export_approved_filename(id: &str) -> String {
    let safe: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!("attachment; filename=\"segment-{safe}.csv\"")
}

/// Rows as CSV lines (quoted where needed, formulas neutralised).
pub fn csv_lines(rows: &[Vec<Option<String>>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::with_capacity(rows.len() * 64));
    for r in rows {
        w.write_record(
            r.iter()
                .map(|v| spreadsheet_safe(v.as_deref().unwrap_or_default()).into_owned()),
        )
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

pub use crate::domain::spreadsheet::spreadsheet_safe;

impl App {
    /// Start streaming the approved audience of `key`: rows of contact columns arrive on the
    /// returned channel. Refused (conflict) unless a version is approved, active or paused.
    pub async fn export_approved(
        self: &std::sync::Arc<Self>,
        key: &str,
        consent: Consent,
        actor: &Actor,
    ) -> Result<mpsc::Receiver<Vec<Vec<Option<String>>>>, AppError> {
        let q = self
            .approved_contacts(key, consent, actor, "segment.export_csv")
            .await?;
        let (tx, rx) = mpsc::channel(4);
        let producer = self.clone();
        tokio::spawn(async move {
            if let Err(e) = producer.store.stream_texts(&q, tx).await {
                tracing::error!(error = %e, "approved audience download failed");
            }
        });
        Ok(rx)
    }

    /// Start streaming `(external id, email)` of the approved audience of `key`: the member list
    /// with emails, under exactly the rule of [`App::export_approved`] (audited as
    /// `segment.export_members`).
    pub async fn export_approved_emails(
        self: &std::sync::Arc<Self>,
        key: &str,
        actor: &Actor,
    ) -> Result<mpsc::Receiver<Vec<MemberRow>>, AppError> {
        let q = self
            .approved_contacts(key, Consent::None, actor, "segment.export_members")
            .await?;
        let (tx, rx) = mpsc::channel(4);
        let producer = self.clone();
        tokio::spawn(async move {
            if let Err(e) = producer.store.stream_members(&q, tx).await {
                tracing::error!(error = %e, "approved member list failed");
            }
        });
        Ok(rx)
    }

    /// The one rule for serving contact data: permission, version state, approval still valid,
    /// audit. Returns the delivery query (suppression list excluded, `consent` applied), whose
    /// first two columns are the external id and the email.
    async fn approved_contacts(
        &self,
        key: &str,
        consent: Consent,
        actor: &Actor,
        action: &str,
    ) -> Result<CompiledQuery, AppError> {
        actor.require(Permission::Review)?;
        let (seg, v, status) = self.lifecycle_target(key, &[Status::Active, Status::Paused, Status::Approved]).await.map_err(|e| match e {
            AppError::Conflict(_) => {
                AppError::Conflict(format!("segment `{key}` has no approved version: only an approved or active audience can be downloaded with contact data"))
            }
            other => other,
        })?;
        let (sub, dests) = self.submission_of(&seg, &v).await?;
        self.check_approval(&v, &sub, &dests, "export").await?;
        let def: Definition = serde_json::from_str(&v.definition)
            .map_err(|e| AppError::StoredDataUnreadable(e.to_string()))?;
        let p = self.prepared(&def, self.as_of(None)?).await?;
        let q = compile::compile_delivery(&p.vd, p.target(self.store.dialect()), consent);
        let consent_name = format!("{consent:?}").to_lowercase();
        let after = serde_json::json!({"version": v.version, "status": status.as_str(), "consent": consent_name});
        let change = Change {
            segment_id: Some(seg.id),
            version_hash: Some(sub.approval_hash),
            before: None,
            after: Some(after),
        };
        self.audit(actor, action, change).await?;
        Ok(q)
    }

    /// The operator's member list with emails (`segwright members --with-email`): any definition,
    /// no approval (the operator holds the database anyway), but the suppression list is left out
    /// as everywhere else and the export is audited (`members.export_emails`) before it starts.
    pub async fn export_member_emails(
        &self,
        def: &Definition,
        as_of: AsOf,
        actor: &Actor,
        tx: mpsc::Sender<Vec<MemberRow>>,
    ) -> Result<u64, AppError> {
        let p = self.prepared(def, as_of).await?;
        let q = compile::compile_delivery(&p.vd, p.target(self.store.dialect()), Consent::None);
        let after = serde_json::json!({"definition": def, "as_of": as_of.date().to_string(), "suppression": "excluded"});
        self.audit(
            actor,
            "members.export_emails",
            Change {
                after: Some(after),
                ..Change::default()
            },
        )
        .await?;
        Ok(self.store.stream_members(&q, tx).await?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formulas_are_neutralised_and_phone_numbers_and_amounts_kept() {
        use super::spreadsheet_safe as safe;
        assert_eq!(
            safe("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(safe("+HYPERLINK(1)"), "'+HYPERLINK(1)");
        assert_eq!(safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe("+1 (415) 555-0134"), "+1 (415) 555-0134");
        assert_eq!(safe("-12.50"), "-12.50");
        assert_eq!(safe("ann@example.com"), "ann@example.com");
    }
}
