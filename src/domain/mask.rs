//! Masking of personal data shown in previews' samples: enough to recognise a record, not
//! enough to use it.

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
    format!("***{}", digits[digits.len() - 2..].iter().collect::<String>())
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
}
