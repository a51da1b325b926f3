//! Per-destination normalisation and hashing of personal identifiers. Each platform has its own
//! rules (Meta wants phone digits with the country code and no `+`; Google wants E.164 with the
//! `+`), so nothing here is shared between destinations except SHA-256 itself.
//!
//! Tested against the platforms' documented examples (see `shared/notes/ecosystem.md` §1.0).

use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of the UTF-8 bytes.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A contact as stored, before normalisation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    pub external_id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Email for Meta, Google and LinkedIn: trimmed and lowercased (Google Customer Match keeps the
/// dots of Gmail addresses). `None` when it is not an address.
pub fn email(raw: &str) -> Option<String> {
    let e = raw.trim().to_lowercase();
    (e.contains('@') && !e.starts_with('@') && !e.ends_with('@')).then_some(e)
}

/// Phone for Meta: digits only, country code included, no `+` and no leading zeros. A number
/// without an international prefix is taken as North American when it has 10 digits.
pub fn meta_phone(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_start_matches('0');
    let with_country = if digits.len() == 10 && !raw.trim_start().starts_with('+') { format!("1{digits}") } else { digits.to_string() };
    (8..=15).contains(&with_country.len()).then_some(with_country)
}

/// Phone for Google: E.164 (`+` then the digits), from Meta's digit form.
pub fn google_phone(raw: &str) -> Option<String> {
    meta_phone(raw).map(|d| format!("+{d}"))
}

/// One member's hashed identifiers for Meta's multi-key `EMAIL`, `PHONE` schema (unknown = "").
pub fn meta_row(c: &Contact) -> [String; 2] {
    let h = |v: Option<String>| v.map(|s| sha256_hex(&s)).unwrap_or_default();
    [h(c.email.as_deref().and_then(email)), h(c.phone.as_deref().and_then(meta_phone))]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_vectors_hash_as_the_platforms_say() {
        let e = email(" Jane.Doe@Example.com ").unwrap();
        assert_eq!(e, "jane.doe@example.com");
        assert_eq!(sha256_hex(&e), "86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d");
        let meta = meta_phone("+1 (415) 555-2671").unwrap();
        assert_eq!(meta, "14155552671");
        assert_eq!(sha256_hex(&meta), "758fbf68945f21c416814c539ab578876c8d98fb69e6da692def92cd52417fe0");
        let google = google_phone("+1 (415) 555-2671").unwrap();
        assert_eq!(google, "+14155552671");
        assert_eq!(sha256_hex(&google), "cb6880e416769253645cb9c6b8989154bf66a56a77fc14c81fb1019663cbb928");
    }

    #[test]
    fn meta_rows_leave_unknown_values_empty() {
        let c = Contact { external_id: "c1".into(), email: Some("ANN@example.com".into()), phone: Some("12".into()) };
        let [e, p] = meta_row(&c);
        assert_eq!(e, sha256_hex("ann@example.com"));
        assert_eq!(p, "", "too short to be a phone number");
        assert_eq!(meta_phone("(415) 555-2671").as_deref(), Some("14155552671"));
        assert!(email("not-an-email").is_none());
    }
}
