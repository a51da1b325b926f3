//! Masking of personal data shown to people: enough to recognise a record, not enough to use
//! it. One rule for every path that shows a customer's values (previews' samples, `explain` on
//! the CLI, the API and the web app): [`Disclosure::for_role`] says who sees values in full,
//! [`field_value`] masks one value of one field.

use serde::Serialize;

use super::access::{Permission, Role};
use super::catalog::Field;
use super::disclosure::is_personal;

/// How much of a customer's personal data a reader is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    /// Values as stored.
    Full,
    /// Personal and sensitive values masked ([`field_value`]).
    Masked,
}

impl Disclosure {
    /// Campaign managers (who may download an approved audience's contact data anyway) and the
    /// local operator (`role` is `None`: a command run without `--as`, who holds the database)
    /// see values in full; marketers and admins see them masked.
    pub fn for_role(role: Option<Role>) -> Disclosure {
        match role {
            Some(r) if !r.allows(Permission::Review) => Disclosure::Masked,
            _ => Disclosure::Full,
        }
    }
}

/// A customer's `value` of `field` as `d` lets it be shown: personal or sensitive fields
/// ([`is_personal`]) masked by kind (email, phone, name), anything else personal as `***`.
pub fn field_value(field: &Field, sensitive: &[String], value: String, d: Disclosure) -> String {
    if d == Disclosure::Full || !is_personal(field, sensitive) {
        return value;
    }
    let name = field.name.to_ascii_lowercase();
    if name.contains("mail") {
        mask_email(&value)
    } else if name.contains("phone") || name.contains("mobile") {
        mask_phone(&value)
    } else if name.ends_with("name") && !sensitive.iter().any(|s| name.contains(s.as_str())) {
        mask_name(&value)
    } else {
        "***".to_string()
    }
}

/// `jane.doe@example.com` → `j***@example.com`; anything that is not an address → `***`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        _ => "***".to_string(),
    }
}

/// Keep the last two digits: `+1 415 555 0134` → `***34`.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 4 {
        return "***".to_string();
    }
    format!(
        "***{}",
        digits[digits.len() - 2..].iter().collect::<String>()
    )
}

/// `Jane` → `J.`
pub fn mask_name(name: &str) -> String {
    match name.trim().chars().next() {
        Some(c) => format!("{c}."),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_keeps_its_first_letter_and_domain() {
        assert_eq!(mask_email("jane.doe@example.com"), "j***@example.com");
        assert_eq!(mask_email("not an address"), "***");
    }

    #[test]
    fn a_phone_keeps_its_last_two_digits() {
        assert_eq!(mask_phone("+1 415 555 0134"), "***34");
        assert_eq!(mask_phone("12"), "***");
    }

    #[test]
    fn a_name_becomes_an_initial() {
        assert_eq!(mask_name("Jane"), "J.");
    }

    #[test]
    fn only_reviewers_and_the_operator_see_personal_values_in_full() {
        assert_eq!(Disclosure::for_role(None), Disclosure::Full);
        assert_eq!(
            Disclosure::for_role(Some(Role::CampaignManager)),
            Disclosure::Full
        );
        assert_eq!(
            Disclosure::for_role(Some(Role::Marketer)),
            Disclosure::Masked
        );
        assert_eq!(Disclosure::for_role(Some(Role::Admin)), Disclosure::Masked);
    }
}
