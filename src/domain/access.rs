//! Who may do what: the three roles, the permissions each grants, and the authenticated
//! [`Principal`]. Pure data and rules; authentication itself (passwords, tokens, sessions) lives
//! in `app::auth`, and the HTTP extractors that enforce a permission in `http::auth`.

use serde::{Deserialize, Serialize};

/// A user's role. Duties are separated: authors never review, reviewers never administer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Creates, refines, saves and submits segments.
    Marketer,
    /// Reviews, approves, rejects, activates, pauses and archives segments.
    CampaignManager,
    /// Manages users, destinations, the glossary and the suppression list.
    Admin,
}

/// Something a request or command needs to be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read the catalog, glossary, saved segments; validate, preview, explain, interpret.
    Read,
    /// Create and edit segments, and submit them for review.
    Author,
    /// Approve, reject, activate, pause and archive segment versions.
    Review,
    /// Read the audit log.
    Audit,
    /// Manage users, destinations and the suppression list.
    Administer,
    /// Train predictive models (their scores feed approved segments).
    Train,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Marketer, Role::CampaignManager, Role::Admin];

    /// The permissions this role grants.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Marketer => &[Read, Author],
            Role::CampaignManager => &[Read, Review, Audit, Train],
            Role::Admin => &[Read, Audit, Administer, Train],
        }
    }

    pub fn allows(self, p: Permission) -> bool {
        self.permissions().contains(&p)
    }

    /// The stored and displayed name (`marketer`, `campaign_manager`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Marketer => "marketer",
            Role::CampaignManager => "campaign_manager",
            Role::Admin => "admin",
        }
    }

    /// Parse a role name; `manager` is accepted for `campaign_manager`.
    pub fn parse(s: &str) -> Result<Role, String> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "marketer" => Ok(Role::Marketer),
            "campaign_manager" | "manager" => Ok(Role::CampaignManager),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role `{other}`: use marketer, campaign_manager or admin"
            )),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authenticated user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub user_id: String,
    pub email: String,
    pub role: Role,
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{email} ({role}) may not {permission:?}")]
pub struct Forbidden {
    pub email: String,
    pub role: Role,
    pub permission: Permission,
}

impl Principal {
    /// `Ok` when the principal's role grants `p`.
    pub fn require(&self, p: Permission) -> Result<(), Forbidden> {
        if self.role.allows(p) {
            Ok(())
        } else {
            Err(Forbidden {
                email: self.email.clone(),
                role: self.role,
                permission: p,
            })
        }
    }
}

/// The most common passwords of breach lists (and their obvious variants): refused whatever
/// their length. Compared case-insensitively, spaces and separators ignored.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890",
    "12345678",
    "123456789",
    "1234567890123",
    "password",
    "password1",
    "password123",
    "password1234",
    "passw0rd",
    "qwertyuiop",
    "qwerty123",
    "qwerty123456",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "iloveyou",
    "letmein",
    "welcome",
    "welcome123",
    "admin",
    "admin123",
    "administrator",
    "changeme",
    "changeme123",
    "trustno1",
    "football",
    "baseball",
    "monkey",
    "dragon",
    "sunshine",
    "princess",
    "superman",
    "starwars",
    "abc123",
    "abcdefghijkl",
    "aaaaaaaaaaaa",
    "111111111111",
    "000000000000",
    "987654321",
    "zxcvbnm",
    "asdfghjkl",
    "qazwsxedc",
    "segwright",
    "correcthorsebatterystaple",
    "passwordpassword",
    "letmein123",
    "welcome1",
    "master",
    "shadow",
    "michael",
    "jennifer",
    "hunter2",
];

/// Minimum strength of a password a person chooses: at least 12 characters, at least 5
/// different ones, not one of the most common passwords, and not the email or its name part.
pub fn check_password(password: &str, email: &str) -> Result<(), String> {
    if password.chars().count() < 12 {
        return Err("a password needs at least 12 characters (a few words make a good one)".into());
    }
    let squashed: String = password
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let distinct: std::collections::BTreeSet<char> = password.chars().collect();
    let letters = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let local = letters(email.split('@').next().unwrap_or_default());
    if distinct.len() < 5
        || COMMON_PASSWORDS.contains(&squashed.as_str())
        || squashed == local
        || squashed == letters(email)
    {
        return Err("this password is too easy to guess (a common password, the email, or too few different characters): choose another".into());
    }
    Ok(())
}

/// Compare a secret a client sent (a CSRF token) with the expected one in a time that does not
/// depend on where they first differ: both are hashed to fixed-length digests, compared whole.
pub fn same_secret(sent: Option<&str>, expected: &str) -> bool {
    use sha2::{Digest, Sha256};
    let Some(sent) = sent else { return false };
    let (a, b) = (
        Sha256::digest(sent.as_bytes()),
        Sha256::digest(expected.as_bytes()),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Normalise an email used as a login name: trimmed, lowercase; must look like `a@b`.
pub fn normalize_login(email: &str) -> Result<String, String> {
    let e = email.trim().to_lowercase();
    match e.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !e.contains(char::is_whitespace) =>
        {
            Ok(e)
        }
        _ => Err(format!("`{}` is not an email address", email.trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused() {
        for weak in [
            "12345678",
            "123456789012",
            "Password 1234",
            "aaaaaaaaaaaaaa",
            "ann.smith@example.com",
            "Qwerty123456",
        ] {
            assert!(
                check_password(weak, "ann.smith@example.com").is_err(),
                "{weak}"
            );
        }
        assert!(check_password("correct horse battery", "ann@example.com").is_ok());
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(Some("abc"), "abc"));
        assert!(
            !same_secret(Some("abd"), "abc")
                && !same_secret(None, "abc")
                && !same_secret(Some(""), "abc")
        );
    }

    #[test]
    fn duties_are_separated() {
        assert!(
            Role::Marketer.allows(Permission::Author) && !Role::Marketer.allows(Permission::Review)
        );
        assert!(
            Role::CampaignManager.allows(Permission::Review)
                && !Role::CampaignManager.allows(Permission::Author)
        );
        assert!(
            Role::Admin.allows(Permission::Administer) && !Role::Admin.allows(Permission::Review)
        );
        assert!(Role::ALL.iter().all(|r| r.allows(Permission::Read)));
    }

    #[test]
    fn roles_and_logins_parse() {
        assert_eq!(Role::parse("Manager"), Ok(Role::CampaignManager));
        assert_eq!(Role::parse("campaign-manager"), Ok(Role::CampaignManager));
        assert!(Role::parse("root").is_err());
        assert_eq!(
            normalize_login(" Ann@Example.COM ").unwrap(),
            "ann@example.com"
        );
        assert!(normalize_login("nobody").is_err());
    }
}
