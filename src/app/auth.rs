//! Users and authentication: argon2 password hashes (computed on the blocking pool), API tokens
//! and session cookies that are random 256-bit secrets stored only as SHA-256 hashes, per-login
//! rate limiting, and the resolution of a token or cookie to a [`Principal`].

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;
use sha2::Digest;

use super::{Actor, App, AppError, Change};
use crate::domain::access::Permission;
use crate::domain::access::{Principal, Role, check_password, normalize_login};
use crate::store::{TokenRecord, UserRecord};

/// How long a browser session lasts.
pub const SESSION_SECS: i64 = 12 * 3600;
mod login_limit;

/// Login attempts are limited per email and per client address (five a minute each).
pub use login_limit::LoginLimiter;

/// A newly opened browser session: the cookie value (shown once) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub cookie: String,
    pub csrf_token: String,
    pub principal: Principal,
}

/// A session found from its cookie.
#[derive(Debug, Clone)]
pub struct SessionAuth {
    pub principal: Principal,
    pub csrf_token: String,
}

/// A random secret: 32 bytes as hex, with a prefix saying what it is.
fn secret(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!("{prefix}{}", hex::encode(bytes))
}

/// A readable generated password (20 characters from an unambiguous alphabet).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// SHA-256 hex of a token or cookie value, as stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| AppError::TaskFailed(e.to_string()))?
    .map_err(|e| AppError::Crypto(format!("hashing the password: {e}")))
}

async fn verify_password(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

fn principal(u: &UserRecord) -> Result<Principal, AppError> {
    let role = Role::parse(&u.role).map_err(AppError::StoredDataUnreadable)?;
    Ok(Principal {
        user_id: u.id.clone(),
        email: u.email.clone(),
        role,
    })
}

impl App {
    /// Add a user, or with `reset` update an existing one's role and password. A named actor
    /// must be an admin; the action is audited.
    pub async fn add_user(
        &self,
        email: &str,
        role: Role,
        password: &str,
        reset: bool,
        actor: &Actor,
    ) -> Result<Principal, AppError> {
        if actor.principal.is_some() {
            actor.require(Permission::Administer)?;
        }
        let email = normalize_login(email).map_err(AppError::BadInput)?;
        check_password(password, &email).map_err(AppError::BadInput)?;
        let hash = hash_password(password.to_string()).await?;
        if reset && let Some(u) = self.store.user_by_email(&email).await? {
            let mut tx = self.store.begin_write().await?;
            tx.update_user(&u.id, role.as_str(), &hash).await?;
            // A reset password is a reset account: whoever held a session or token loses it.
            let revoked = tx.revoke_credentials(&u.id).await?;
            let change = Change {
                before: Some(serde_json::json!({"email": email, "role": u.role})),
                after: Some(
                    serde_json::json!({"email": email, "role": role, "sessions_and_tokens_revoked": revoked}),
                ),
                ..Default::default()
            };
            self.audit_in(&mut tx, actor, "user.reset", change).await?;
            tx.commit().await?;
            return Ok(Principal {
                user_id: u.id,
                email,
                role,
            });
        }
        let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
        let rec = UserRecord {
            id: id.clone(),
            email: email.clone(),
            role: role.as_str().into(),
            password_hash: hash,
            created_at: chrono::Utc::now().timestamp(),
        };
        let mut tx = self.store.begin_write().await?;
        tx.insert_user(&rec).await?;
        self.audit_in(
            &mut tx,
            actor,
            "user.add",
            Change {
                after: Some(serde_json::json!({"email": email, "role": role})),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Principal {
            user_id: id,
            email,
            role,
        })
    }

    /// Every user (admins).
    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<UserRecord>, AppError> {
        actor.allow(Permission::Administer)?;
        Ok(self.store.list_users().await?)
    }

    /// A user by email (for the CLI's `--as`).
    pub async fn user(&self, email: &str) -> Result<Principal, AppError> {
        let email = normalize_login(email).map_err(AppError::BadInput)?;
        let u = self
            .store
            .user_by_email(&email)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("user `{email}`")))?;
        principal(&u)
    }

    /// Create an API token for a user; the token is returned once and stored hashed.
    pub async fn create_token(
        &self,
        email: &str,
        label: &str,
        actor: &Actor,
    ) -> Result<String, AppError> {
        if actor.principal.is_some() {
            actor.require(Permission::Administer)?;
        }
        let user = self.user(email).await?;
        let token = secret("sw_");
        let mut tx = self.store.begin_write().await?;
        tx.insert_token(&token_hash(&token), &user.user_id, label)
            .await?;
        self.audit_in(
            &mut tx,
            actor,
            "token.create",
            Change {
                after: Some(serde_json::json!({"email": user.email, "label": label})),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// API tokens: an admin (or the CLI) sees everyone's, anyone else only their own.
    pub async fn list_tokens(&self, actor: &Actor) -> Result<Vec<TokenRecord>, AppError> {
        Ok(self.store.list_tokens(token_owner(actor)).await?)
    }

    /// Revoke an API token: it is refused from the next request on. Users revoke their own;
    /// admins anyone's. A token the actor may not see is `NotFound`, not `Forbidden`, so its
    /// existence is not revealed.
    pub async fn revoke_token(&self, id: &str, actor: &Actor) -> Result<TokenRecord, AppError> {
        let mut tx = self.store.begin_write().await?;
        let t = tx
            .delete_token(id, token_owner(actor))
            .await?
            .ok_or_else(|| AppError::NotFound(format!("API token `{id}`")))?;
        let after = serde_json::json!({"id": t.id, "email": t.email, "label": t.label});
        self.audit_in(
            &mut tx,
            actor,
            "token.revoke",
            Change {
                before: Some(after),
                after: Some(serde_json::json!({"revoked": true})),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(t)
    }

    /// The user a bearer token belongs to.
    pub async fn authenticate_token(&self, token: &str) -> Result<Principal, AppError> {
        match self.store.user_by_token(&token_hash(token)).await? {
            Some(u) => principal(&u),
            None => Err(AppError::Unauthenticated("unknown API token".into())),
        }
    }

    /// The user of a live session cookie, with the session's CSRF token.
    pub async fn authenticate_session(&self, cookie: &str) -> Result<SessionAuth, AppError> {
        let s = self
            .store
            .live_session(&token_hash(cookie))
            .await?
            .ok_or_else(|| AppError::Unauthenticated("session expired; log in again".into()))?;
        let u = self
            .store
            .user_by_id(&s.user_id)
            .await?
            .ok_or_else(|| AppError::Unauthenticated("user no longer exists".into()))?;
        Ok(SessionAuth {
            principal: principal(&u)?,
            csrf_token: s.csrf_token,
        })
    }

    /// Check a password and open a session. Attempts are limited per email from each client
    /// address, and per address.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        address: Option<&str>,
    ) -> Result<NewSession, AppError> {
        let email = email.trim().to_lowercase();
        let limited = !self.login_limiter.check(&login_key(&email, address))
            || address.is_some_and(|a| !self.login_limiter.check(&format!("addr:{a}")));
        if limited {
            return Err(AppError::RateLimited(
                "too many login attempts; wait a minute".into(),
            ));
        }
        let user = self.store.user_by_email(&email).await?;
        // Verify against a dummy hash for unknown users too, so timing does not reveal accounts.
        let stored = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.to_string());
        let ok = verify_password(password.to_string(), stored).await;
        // Nobody is signed in yet: the attempt is recorded as `anonymous`, never as the local
        // operator (`cli`), with the email it named.
        let who = Actor {
            principal: None,
            address: address.map(String::from),
            system: Some("anonymous"),
        };
        let (true, Some(user)) = (ok, user) else {
            // No address is longer than 254 characters: a longer "email" is recorded cut short.
            let email: String = email.chars().take(254).collect();
            self.audit(
                &who,
                "user.login_failed",
                Change {
                    after: Some(serde_json::json!({"email": email})),
                    ..Default::default()
                },
            )
            .await?;
            return Err(AppError::Unauthenticated("wrong email or password".into()));
        };
        let cookie = secret("");
        let csrf_token = secret("");
        let expires = chrono::Utc::now().timestamp() + SESSION_SECS;
        let mut tx = self.store.begin_write().await?;
        tx.insert_session(&token_hash(&cookie), &user.id, &csrf_token, expires)
            .await?;
        let p = principal(&user)?;
        self.audit_in(
            &mut tx,
            &Actor::user(p.clone(), address.map(String::from)),
            "user.login",
            Change::default(),
        )
        .await?;
        tx.commit().await?;
        Ok(NewSession {
            cookie,
            csrf_token,
            principal: p,
        })
    }

    /// End a session.
    pub async fn logout(&self, cookie: &str) -> Result<(), AppError> {
        Ok(self.store.delete_session(&token_hash(cookie)).await?)
    }
}

/// The limiter's key for attempts at one email: per email *and* client address when the address
/// is known, so attempts from elsewhere cannot lock the real user out (the per-address limit
/// bounds every address's guesses across all emails); per email alone when it is not.
fn login_key(email: &str, address: Option<&str>) -> String {
    match address {
        Some(a) => format!("email:{email}|addr:{a}"),
        None => format!("email:{email}"),
    }
}

/// An argon2id hash of a random string nobody knows, verified against when the email is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2VnLXdyaWdodC1kdW1teQ$9yQ0dUB0iEGx1E9cf0Mz0u1U1eD8yYn1pQdVd5bqZ0g";

/// Whose tokens an actor may list and revoke: `None` (everyone's) for admins and the CLI.
fn token_owner(actor: &Actor) -> Option<&str> {
    match &actor.principal {
        Some(p) if !p.role.permissions().contains(&Permission::Administer) => {
            Some(p.user_id.as_str())
        }
        _ => None,
    }
}
