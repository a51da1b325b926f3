//! Google Ads Customer Match: a `UserData` per member with up to three identifiers — SHA-256 of
//! the trimmed, lowercased email (dots of Gmail addresses kept, as Customer Match asks), SHA-256
//! of the E.164 phone *with* its `+`, and an address of hashed first and last name (trimmed,
//! lowercased, accents kept) with the country code and postal code in clear. Google matches an
//! address only when all four parts are present, so a partial one is left out.

use super::{Contact, is_us, sha256_hex};

/// The address identifier: names hashed, country and postal code not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub hashed_first_name: String,
    pub hashed_last_name: String,
    /// ISO-3166 alpha-2, upper case.
    pub country_code: String,
    pub postal_code: String,
}

/// One member's identifiers; empty when Google could match on none of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserData {
    pub hashed_email: Option<String>,
    pub hashed_phone_number: Option<String>,
    pub address: Option<Address>,
}

impl UserData {
    pub fn is_empty(&self) -> bool {
        self.hashed_email.is_none() && self.hashed_phone_number.is_none() && self.address.is_none()
    }
}

/// E.164 with the `+` (`+14155552671`).
pub fn phone(raw: &str, country: Option<&str>) -> Option<String> {
    super::e164(raw, country)
}

/// Trimmed and lowercased; inner spaces and accents are kept.
pub fn name(raw: &str) -> Option<String> {
    Some(raw.trim().to_lowercase()).filter(|s| !s.is_empty())
}

/// Trimmed, without inner spaces; US ZIP codes keep their first five digits.
pub fn postal_code(raw: &str, us: bool) -> Option<String> {
    let z: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let z = if us {
        z.split('-').next().unwrap_or_default().to_string()
    } else {
        z.to_uppercase()
    };
    Some(z).filter(|s| !s.is_empty())
}

/// The member's identifiers, normalised and hashed by Google's rules.
pub fn user_data(c: &Contact) -> UserData {
    let hashed = |v: Option<String>| v.map(|s| sha256_hex(&s));
    let address = (|| {
        Some(Address {
            hashed_first_name: sha256_hex(&name(c.first_name.as_deref()?)?),
            hashed_last_name: sha256_hex(&name(c.last_name.as_deref()?)?),
            country_code: super::country(c.country.as_deref()?)?,
            postal_code: postal_code(c.postal_code.as_deref()?, is_us(c))?,
        })
    })();
    UserData {
        hashed_email: hashed(c.email.as_deref().and_then(super::email)),
        hashed_phone_number: hashed(
            c.phone
                .as_deref()
                .and_then(|p| phone(p, c.country.as_deref())),
        ),
        address,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_hashes_as_google_shows() {
        let c = Contact {
            external_id: "c1".into(),
            email: Some(" Jane.Doe@Example.com ".into()),
            phone: Some("+1 (415) 555-2671".into()),
            first_name: Some("Jane".into()),
            last_name: Some("Doe".into()),
            country: Some("us".into()),
            postal_code: Some("94105".into()),
            ..Default::default()
        };
        let u = user_data(&c);
        assert_eq!(
            u.hashed_email.as_deref(),
            Some("86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d")
        );
        assert_eq!(
            u.hashed_phone_number.as_deref(),
            Some("cb6880e416769253645cb9c6b8989154bf66a56a77fc14c81fb1019663cbb928")
        );
        let a = u.address.unwrap();
        assert_eq!(
            a.hashed_first_name,
            "81f8f6dde88365f3928796ec7aa53f72820b06db8664f5fe76a7eb13e24546a2"
        );
        assert_eq!(
            a.hashed_last_name,
            "799ef92a11af918e3fb741df42934f3b568ed2d93ac1df74f1b8d41a27932a6f"
        );
        assert_eq!(
            (a.country_code.as_str(), a.postal_code.as_str()),
            ("US", "94105")
        );
    }

    #[test]
    fn an_incomplete_address_is_left_out_and_accents_are_kept() {
        let c = Contact {
            external_id: "c2".into(),
            first_name: Some("Zoë".into()),
            country: Some("FR".into()),
            ..Default::default()
        };
        assert!(user_data(&c).is_empty());
        assert_eq!(name(" Zoë ").as_deref(), Some("zoë"));
        assert_eq!(postal_code("94105-1234", true).as_deref(), Some("94105"));
        assert_eq!(postal_code("sw1a 1aa", false).as_deref(), Some("SW1A1AA"));
    }
}
