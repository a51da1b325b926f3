//! Meta Custom Audiences: every identifier Meta's multi-key schema supports that a contact has
//! (`EMAIL, PHONE, FN, LN, CT, ST, ZIP, COUNTRY`), normalised by Meta's rules and SHA-256 hashed;
//! an unknown value is `""`. Names and cities are transliterated to `a-z` as Meta's SDKs do
//! (the API also accepts UTF-8, but a single folded form matches more reliably).

use super::{Contact, fold, is_us, sha256_hex, us_state_code};

/// The `payload.schema` of every Meta batch, in [`row`] column order.
pub const SCHEMA: [&str; 8] = ["EMAIL", "PHONE", "FN", "LN", "CT", "ST", "ZIP", "COUNTRY"];

/// Trimmed and lowercased.
pub fn email(raw: &str) -> Option<String> {
    super::email(raw)
}

/// Digits only with the country code, no `+` (`14155552671`).
pub fn phone(raw: &str, country: Option<&str>) -> Option<String> {
    super::e164(raw, country).map(|p| p.trim_start_matches('+').to_string())
}

/// First or last name, or city: lowercase `a-z` only (`Mary-Ann` → `maryann`).
pub fn name(raw: &str) -> Option<String> {
    Some(fold(raw, |c| c.is_ascii_alphabetic())).filter(|s| !s.is_empty())
}

/// US states as their two-letter ANSI code in lower case; elsewhere lowercase letters and digits.
pub fn state(raw: &str, us: bool) -> Option<String> {
    let folded = fold(raw, |c| c.is_ascii_alphanumeric());
    let s = match us.then(|| us_state_code(raw)).flatten() {
        Some(code) => code.to_ascii_lowercase(),
        None => folded,
    };
    Some(s).filter(|s| !s.is_empty())
}

/// Lowercase without spaces; US ZIP codes keep their first five digits (`94105-1234` → `94105`).
pub fn zip(raw: &str, us: bool) -> Option<String> {
    let z: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let z = if us {
        z.split('-')
            .next()
            .unwrap_or_default()
            .chars()
            .take(5)
            .collect()
    } else {
        z
    };
    Some(z).filter(|s| !s.is_empty())
}

/// ISO-3166 alpha-2 in lower case.
pub fn country(raw: &str) -> Option<String> {
    super::country(raw).map(|c| c.to_ascii_lowercase())
}

/// One member's hashed identifiers in [`SCHEMA`] order (unknown = `""`).
pub fn row(c: &Contact) -> [String; 8] {
    let us = is_us(c);
    let h = |v: Option<String>| v.map(|s| sha256_hex(&s)).unwrap_or_default();
    let f = |v: &Option<String>, n: &dyn Fn(&str) -> Option<String>| h(v.as_deref().and_then(n));
    [
        f(&c.email, &email),
        f(&c.phone, &|p| phone(p, c.country.as_deref())),
        f(&c.first_name, &name),
        f(&c.last_name, &name),
        f(&c.city, &name),
        f(&c.region, &|s| state(s, us)),
        f(&c.postal_code, &|z| zip(z, us)),
        f(&c.country, &country),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jane() -> Contact {
        Contact {
            ads_consent: None,
            external_id: "c1".into(),
            email: Some(" Jane.Doe@Example.com ".into()),
            phone: Some("+1 (415) 555-2671".into()),
            first_name: Some("Jane".into()),
            last_name: Some("Doe".into()),
            country: Some("US".into()),
            region: Some("CA".into()),
            city: Some("San Francisco".into()),
            postal_code: Some("94105-1234".into()),
        }
    }

    #[test]
    fn every_column_hashes_to_the_documented_example() {
        assert_eq!(
            row(&jane()),
            [
                "86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d",
                "758fbf68945f21c416814c539ab578876c8d98fb69e6da692def92cd52417fe0",
                "81f8f6dde88365f3928796ec7aa53f72820b06db8664f5fe76a7eb13e24546a2",
                "799ef92a11af918e3fb741df42934f3b568ed2d93ac1df74f1b8d41a27932a6f",
                "1a6bd4d9d79dc0a79b53795c70d3349fa9e38968a3fbefbfe8783efb1d2b6aac",
                "6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126",
                "e73ac16e69f060ee98b0fda5f66f48c4648ee26950e9bab3a097389853fd859e",
                "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621",
            ]
        );
    }

    #[test]
    fn values_are_normalised_by_metas_rules() {
        assert_eq!(
            phone("+1 (415) 555-2671", None).as_deref(),
            Some("14155552671")
        );
        assert_eq!(
            name("  Zoë O'Brien-Pérez ").as_deref(),
            Some("zoeobrienperez")
        );
        assert_eq!(name("San Francisco").as_deref(), Some("sanfrancisco"));
        assert_eq!(state("California", true).as_deref(), Some("ca"));
        assert_eq!(
            state("Île-de-France", false).as_deref(),
            Some("iledefrance")
        );
        assert_eq!(zip("94105-1234", true).as_deref(), Some("94105"));
        assert_eq!(zip("SW1A 1AA", false).as_deref(), Some("sw1a1aa"));
        assert_eq!(country("US").as_deref(), Some("us"));
    }

    #[test]
    fn unknown_values_are_left_empty() {
        let c = Contact {
            external_id: "c2".into(),
            email: Some("ANN@example.com".into()),
            phone: Some("12".into()),
            ..Default::default()
        };
        let r = row(&c);
        assert_eq!(r[0], sha256_hex("ann@example.com"));
        assert!(r[1..].iter().all(String::is_empty), "{r:?}");
    }
}
