//! Per-destination normalisation and hashing of personal identifiers. Each platform has its own
//! rules (Meta wants phone digits with the country code and no `+`; Google wants E.164 with the
//! `+`; Meta folds names to `a-z`, Google keeps accents), so each destination has its own module
//! ([`meta`], [`google`], [`linkedin`], [`tiktok`]). This module owns only what they share: the
//! [`Contact`] as stored, SHA-256, phone parsing (libphonenumber's rules via `rlibphonenumber`,
//! whose metadata and compiled patterns are shared by all threads without a lock: the older
//! `phonenumber` crate serialised every pattern match behind one mutex and a 100-entry cache),
//! ISO-3166 country codes and US state codes.
//!
//! Tested against the platforms' documented examples (see `shared/notes/ecosystem.md` §1.0).

pub mod google;
pub mod linkedin;
pub mod meta;
pub mod tiktok;

use rlibphonenumber::{PhoneNumber, PhoneNumberFormat, Region};
use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of the UTF-8 bytes.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A contact as stored, before normalisation. Every field but the id may be missing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    pub external_id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// As imported: usually an ISO-3166 alpha-2 code.
    pub country: Option<String>,
    /// State, province or region.
    pub region: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    /// The customer's ads consent when the delivery read it (members selected for an ad
    /// platform have it); `None` when unknown (a removal planned from what was sent before).
    pub ads_consent: Option<bool>,
}

impl Contact {
    /// From one row of `compile_delivery`, whose columns are in this field order.
    pub fn from_columns(r: &[Option<String>]) -> Contact {
        let col = |i: usize| r.get(i).cloned().flatten();
        Contact {
            external_id: col(0).unwrap_or_default(),
            email: col(1),
            phone: col(2),
            first_name: col(3),
            last_name: col(4),
            country: col(5),
            region: col(6),
            city: col(7),
            postal_code: col(8),
            ads_consent: None,
        }
    }
}

/// Email as Meta, Google and LinkedIn want it: trimmed and lowercased. `None` when it is not
/// an address (no `@` with something on each side).
pub fn email(raw: &str) -> Option<String> {
    let e = raw.trim().to_lowercase();
    (e.contains('@') && !e.starts_with('@') && !e.ends_with('@')).then_some(e)
}

/// ISO-3166 alpha-2 code in upper case (`"us"` → `"US"`, `"UK"` → `"GB"`); `None` when the
/// value is not a known region code.
pub fn country(raw: &str) -> Option<String> {
    let c = raw.trim().to_ascii_uppercase();
    let c = match c.as_str() {
        "UK" => "GB".to_string(),
        "USA" | "UNITED STATES" => "US".to_string(),
        _ => c,
    };
    // libphonenumber's region list doubles as the list of ISO-3166 alpha-2 codes.
    c.parse::<Region>().is_ok().then_some(c)
}

/// A phone number in E.164 (`+14155552671`). Numbers written without their international prefix
/// are read in the contact's country, or as North American when the country is unknown (the
/// demo data's convention). `None` unless libphonenumber finds a possible number.
pub fn e164(raw: &str, contact_country: Option<&str>) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let region = contact_country
        .and_then(country)
        .unwrap_or_else(|| "US".into());
    let n = PhoneNumber::parse(raw, region.parse::<Region>().ok()).ok()?;
    n.is_valid()
        .then(|| n.format_as(PhoneNumberFormat::E164).into_owned())
}

/// Lowercase, transliterated to ASCII (`Zoë` → `zoe`), keeping only what `keep` accepts.
pub(crate) fn fold(raw: &str, keep: fn(char) -> bool) -> String {
    deunicode::deunicode(raw)
        .chars()
        .filter(|c| keep(*c))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The ANSI two-letter code of a US state written out in full (`"California"` → `"CA"`).
pub fn us_state_code(name: &str) -> Option<&'static str> {
    #[rustfmt::skip]
    const STATES: &[(&str, &str)] = &[
        ("alabama", "AL"), ("alaska", "AK"), ("arizona", "AZ"), ("arkansas", "AR"), ("california", "CA"),
        ("colorado", "CO"), ("connecticut", "CT"), ("delaware", "DE"), ("districtofcolumbia", "DC"),
        ("florida", "FL"), ("georgia", "GA"), ("hawaii", "HI"), ("idaho", "ID"), ("illinois", "IL"),
        ("indiana", "IN"), ("iowa", "IA"), ("kansas", "KS"), ("kentucky", "KY"), ("louisiana", "LA"),
        ("maine", "ME"), ("maryland", "MD"), ("massachusetts", "MA"), ("michigan", "MI"), ("minnesota", "MN"),
        ("mississippi", "MS"), ("missouri", "MO"), ("montana", "MT"), ("nebraska", "NE"), ("nevada", "NV"),
        ("newhampshire", "NH"), ("newjersey", "NJ"), ("newmexico", "NM"), ("newyork", "NY"),
        ("northcarolina", "NC"), ("northdakota", "ND"), ("ohio", "OH"), ("oklahoma", "OK"), ("oregon", "OR"),
        ("pennsylvania", "PA"), ("rhodeisland", "RI"), ("southcarolina", "SC"), ("southdakota", "SD"),
        ("tennessee", "TN"), ("texas", "TX"), ("utah", "UT"), ("vermont", "VT"), ("virginia", "VA"),
        ("washington", "WA"), ("westvirginia", "WV"), ("wisconsin", "WI"), ("wyoming", "WY"),
    ];
    let key = fold(name, |c| c.is_ascii_alphabetic());
    STATES
        .iter()
        .find(|(n, _)| *n == key)
        .map(|(_, code)| *code)
}

/// Whether the contact lives in the United States (or says nothing, the demo's default).
pub(crate) fn is_us(c: &Contact) -> bool {
    c.country
        .as_deref()
        .and_then(country)
        .is_none_or(|c| c == "US")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_become_e164_in_the_contacts_country() {
        assert_eq!(
            e164("+1 (415) 555-2671", None).as_deref(),
            Some("+14155552671")
        );
        assert_eq!(
            e164("(415) 555-2671", None).as_deref(),
            Some("+14155552671")
        );
        assert_eq!(
            e164("020 7183 8750", Some("GB")).as_deref(),
            Some("+442071838750")
        );
        assert_eq!(e164("12", None), None, "too short to be a phone number");
        assert_eq!(e164("  ", Some("US")), None);
    }

    #[test]
    fn countries_are_iso_codes_and_states_have_their_ansi_code() {
        assert_eq!(country(" us ").as_deref(), Some("US"));
        assert_eq!(country("UK").as_deref(), Some("GB"));
        assert_eq!(country("Narnia"), None);
        assert_eq!(us_state_code("New York"), Some("NY"));
        assert_eq!(us_state_code("Bavaria"), None);
    }

    #[test]
    fn a_row_of_the_delivery_query_becomes_a_contact_in_column_order() {
        let row: Vec<Option<String>> =
            ["c1", "a@b.c", "1", "Ann", "Lee", "US", "CA", "LA", "90001"]
                .iter()
                .map(|s| Some(s.to_string()))
                .collect();
        let c = Contact::from_columns(&row);
        assert_eq!(
            (
                c.external_id.as_str(),
                c.last_name.as_deref(),
                c.postal_code.as_deref()
            ),
            ("c1", Some("Lee"), Some("90001"))
        );
        assert_eq!(Contact::from_columns(&[Some("c2".into())]).email, None);
    }
}
