//! What of the catalog may leave the building: the values of a categorical field are shown to an
//! external LLM only when they look like categories, not like personal data. A custom column
//! with few distinct values ("Notes", "AccountManager", "ReferrerEmail") is categorical to the
//! importer, yet its values can be names, addresses or phone numbers; those stay home. Field
//! names, types and descriptions are always shared: they are the schema, not anyone's record.

use crate::domain::catalog::Field;

/// Fragments of a field name that say its values are about a person (or free prose).
const PERSONAL_NAME_FRAGMENTS: &[&str] = &[
    "email", "mail", "phone", "mobile", "name", "address", "street", "zip", "postal", "postcode",
    "birth", "dob", "ssn", "passport", "iban", "account", "card", "note", "comment", "message",
    "ip", "contact", "manager", "owner", "rep", "agent",
];

/// Longer values are prose, not categories.
const MAX_VALUE_CHARS: usize = 40;

/// The values of `field` that may be sent to an external model: none when its name marks it as
/// personal or sensitive (`sensitive` are the policy's sensitive-name fragments), else the values
/// that look like category labels.
pub fn shareable_values<'a>(field: &'a Field, sensitive: &[String]) -> Vec<&'a str> {
    if is_personal(field, sensitive) {
        return Vec::new();
    }
    field
        .values
        .iter()
        .map(String::as_str)
        .filter(|v| looks_like_a_label(v))
        .collect()
}

/// Whether a field's values are about a person or sensitive: marked PII by the catalog, named
/// like personal data (`ReferrerEmail`, `Notes`), or containing one of the policy's
/// `sensitive` fragments (`religion`, `health_condition`). The one rule the LLM prompt and the
/// masking of customer values ([`crate::domain::mask`]) share.
pub fn is_personal(field: &Field, sensitive: &[String]) -> bool {
    let words = name_words(&field.name);
    let personal = words.iter().any(|w| {
        PERSONAL_NAME_FRAGMENTS
            .iter()
            .any(|p| w == p || (p.len() > 3 && w.starts_with(p)))
    });
    let lower = field.name.to_ascii_lowercase();
    field.pii || personal || sensitive.iter().any(|s| lower.contains(s.as_str()))
}

/// A category label: short, one line (no control characters), no `@`, not mostly digits (phone
/// numbers, ids, postcodes), no URL.
pub fn looks_like_a_label(v: &str) -> bool {
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let chars = v.chars().count();
    let one_line = !v.chars().any(char::is_control);
    chars > 0
        && chars <= MAX_VALUE_CHARS
        && one_line
        && !v.contains('@')
        && !v.contains("://")
        && !(digits >= 5 && digits * 2 >= chars)
}

/// `ReferrerEmail` → ["referrer", "email"]; `account_manager` → ["account", "manager"].
fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            words.push(std::mem::take(&mut cur));
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    words.push(cur);
    words.retain(|w| !w.is_empty());
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::{FieldType, FieldUnit, Source};

    fn field(name: &str, values: &[&str]) -> Field {
        Field {
            name: name.into(),
            ty: FieldType::Categorical,
            unit: FieldUnit::None,
            description: String::new(),
            synonyms: vec![],
            values: values.iter().map(|v| v.to_string()).collect(),
            source: Source::Attribute(name.into()),
            date_repr: None,
            pii: false,
        }
    }

    #[test]
    fn category_labels_are_shared() {
        let f = field("PlanType", &["Annual", "Pay as you go", "Month-to-month"]);
        assert_eq!(
            shareable_values(&f, &[]),
            vec!["Annual", "Pay as you go", "Month-to-month"]
        );
    }

    #[test]
    fn columns_named_for_people_or_contact_details_share_no_values() {
        for name in [
            "ReferrerEmail",
            "account_manager",
            "ContactName",
            "Notes",
            "home_address",
            "PostalCode",
            "mobile",
        ] {
            assert!(
                shareable_values(&field(name, &["Alice", "Bob"]), &[]).is_empty(),
                "{name}"
            );
        }
    }

    #[test]
    fn values_that_look_like_addresses_phones_or_prose_are_held_back() {
        let f = field(
            "Source",
            &[
                "Referral",
                "ann@example.com",
                "+1 415 555 0101",
                "https://x.test/a",
                &"long ".repeat(10),
            ],
        );
        assert_eq!(shareable_values(&f, &[]), vec!["Referral"]);
    }

    #[test]
    fn sensitive_columns_share_no_values() {
        let f = field("HealthCondition", &["Diabetes", "None"]);
        assert!(shareable_values(&f, &["health".to_string()]).is_empty());
    }

    #[test]
    fn words_inside_other_words_do_not_count_as_personal() {
        // "Repeat" begins with "rep" (a sales rep) but is another word.
        assert_eq!(
            shareable_values(&field("LoyaltyTier", &["Gold"]), &[]),
            vec!["Gold"]
        );
        assert_eq!(
            shareable_values(&field("RepeatBuyer", &["Yes"]), &[]),
            vec!["Yes"]
        );
    }
}
