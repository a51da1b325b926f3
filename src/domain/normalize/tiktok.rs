//! TikTok customer files: SHA-256 of the email, lowercased with no spaces and without a `+tag`
//! in the local part, and of the phone as digits with the country code and no `+` (TikTok's
//! Aug 2025 format page; an older page shows E.164 and says both are accepted).

use super::{Contact, sha256_hex};

/// Lowercase, no whitespace, `+tag` removed (`Jane+ads@x.com` → `jane@x.com`).
pub fn email(raw: &str) -> Option<String> {
    let e: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let (local, domain) = e.split_once('@')?;
    let local = local.split('+').next().unwrap_or_default();
    (!local.is_empty() && !domain.is_empty()).then(|| format!("{local}@{domain}"))
}

/// Digits only with the country code (`16577770000`).
pub fn phone(raw: &str, country: Option<&str>) -> Option<String> {
    super::e164(raw, country).map(|p| p.trim_start_matches('+').to_string())
}

/// The member's `EMAIL_SHA256` and `PHONE_SHA256` lines (either may be missing).
pub fn hashes(c: &Contact) -> (Option<String>, Option<String>) {
    let e = c.email.as_deref().and_then(email).map(|e| sha256_hex(&e));
    let p = c
        .phone
        .as_deref()
        .and_then(|p| phone(p, c.country.as_deref()))
        .map(|p| sha256_hex(&p));
    (e, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_tiktoks_format_rules() {
        assert_eq!(
            email(" Jane.Doe+Ads@Example.com ").as_deref(),
            Some("jane.doe@example.com")
        );
        assert_eq!(email("@example.com"), None);
        let c = Contact {
            external_id: "c1".into(),
            email: Some("Jane.Doe@Example.com".into()),
            phone: Some("+1 (415) 555-2671".into()),
            ..Default::default()
        };
        let (e, p) = hashes(&c);
        assert_eq!(
            e.as_deref(),
            Some("86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d")
        );
        assert_eq!(
            p.as_deref(),
            Some("758fbf68945f21c416814c539ab578876c8d98fb69e6da692def92cd52417fe0")
        );
    }
}
