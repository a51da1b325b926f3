//! LinkedIn Matched Audiences: members are matched on the SHA-256 of their trimmed, lowercased
//! email (`SHA256_EMAIL`); nothing else is sent, so a member without an email is skipped.

use super::{Contact, sha256_hex};

/// `SHA256_EMAIL` of the member, if they have an email address.
pub fn hashed_email(c: &Contact) -> Option<String> {
    c.email
        .as_deref()
        .and_then(super::email)
        .map(|e| sha256_hex(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_email_hashes_to_the_documented_example() {
        let c = Contact {
            external_id: "c1".into(),
            email: Some(" Jane.Doe@Example.com ".into()),
            ..Default::default()
        };
        assert_eq!(
            hashed_email(&c).as_deref(),
            Some("86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d")
        );
        assert_eq!(
            hashed_email(&Contact {
                email: Some("no address".into()),
                ..Default::default()
            }),
            None
        );
    }
}
