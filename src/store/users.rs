//! Users, browser sessions and API tokens. Secrets never reach this module in the clear: the
//! caller passes password hashes (argon2) and token hashes (SHA-256).

use serde::Serialize;

use super::tx::{WriteTx, on_tx};
use super::{Store, StoreError, now, on_pool};

/// A stored user (the password hash is never serialized).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct UserRecord {
    pub id: String,
    pub email: String,
    pub role: String,
    #[serde(skip)]
    pub password_hash: String,
    pub created_at: i64,
}

/// A live browser session, with the user it belongs to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRecord {
    pub user_id: String,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// An API token as listed: never the secret, nor its whole hash.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TokenRecord {
    /// The first 16 hex digits of the token's SHA-256: enough to name it, useless to forge it.
    pub id: String,
    pub email: String,
    pub label: String,
    pub created_at: i64,
}

const USER_COLS: &str = "id, email, role, password_hash, created_at";

/// API tokens, newest first: one user's (`$1`, by id), or everyone's (`$1` null).
const TOKENS_SQL: &str = "SELECT substr(t.token_hash, 1, 16) AS id, u.email, t.label, t.created_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
    WHERE (CAST($1 AS TEXT) IS NULL OR t.user_id = $1) ORDER BY t.created_at DESC, t.token_hash";

impl Store {
    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE email = $1");
        Ok(
            on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(email.to_string()).fetch_optional(p).await?),
        )
    }

    pub async fn user_by_id(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
        Ok(
            on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id.to_string()).fetch_optional(p).await?),
        )
    }

    pub async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLS} FROM users ORDER BY email");
        Ok(
            on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await?),
        )
    }

    /// The user an API token (by hash) belongs to.
    pub async fn user_by_token(&self, token_hash: &str) -> Result<Option<UserRecord>, StoreError> {
        let sql = "SELECT u.id, u.email, u.role, u.password_hash, u.created_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1";
        Ok(
            on_pool!(self, p => sqlx::query_as(sql).bind(token_hash.to_string()).fetch_optional(p).await?),
        )
    }

    /// API tokens, newest first: one user's (by id), or everyone's.
    pub async fn list_tokens(&self, user_id: Option<&str>) -> Result<Vec<TokenRecord>, StoreError> {
        Ok(
            on_pool!(self, p => sqlx::query_as(TOKENS_SQL).bind(user_id.map(str::to_string)).fetch_all(p).await?),
        )
    }

    /// A session that has not expired.
    pub async fn live_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let sql = "SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2";
        Ok(
            on_pool!(self, p => sqlx::query_as(sql).bind(token_hash.to_string()).bind(now()).fetch_optional(p).await?),
        )
    }

    /// End a session, and sweep expired ones.
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2").bind(token_hash.to_string()).bind(now()).execute(p).await?;
        });
        Ok(())
    }
}

impl WriteTx {
    /// Add a user; `Conflict` if the email is taken.
    pub async fn insert_user(&mut self, u: &UserRecord) -> Result<(), StoreError> {
        let r = on_tx!(self, t => sqlx::query("INSERT INTO users (id, email, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(u.id.clone()).bind(u.email.clone()).bind(u.role.clone()).bind(u.password_hash.clone()).bind(u.created_at)
            .execute(&mut **t).await.map(|r| r.rows_affected()));
        match r {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict(
                format!("a user `{}` already exists", u.email),
            )),
            other => other.map(|_| ()).map_err(Into::into),
        }
    }

    /// Change a user's role and password hash.
    pub async fn update_user(
        &mut self,
        id: &str,
        role: &str,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        let n = on_tx!(self, t => sqlx::query("UPDATE users SET role = $1, password_hash = $2 WHERE id = $3")
            .bind(role.to_string()).bind(password_hash.to_string()).bind(id.to_string()).execute(&mut **t).await?.rows_affected());
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    /// Store an API token's hash for a user.
    pub async fn insert_token(
        &mut self,
        token_hash: &str,
        user_id: &str,
        label: &str,
    ) -> Result<(), StoreError> {
        on_tx!(self, t => sqlx::query("INSERT INTO api_tokens (token_hash, user_id, label, created_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash.to_string()).bind(user_id.to_string()).bind(label.to_string()).bind(now()).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    /// Delete a token by id (of one user when given); the deleted token, if there was one.
    pub async fn delete_token(
        &mut self,
        id: &str,
        user_id: Option<&str>,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let tokens: Vec<TokenRecord> = on_tx!(self, t => sqlx::query_as(TOKENS_SQL).bind(user_id.map(str::to_string)).fetch_all(&mut **t).await?);
        let Some(found) = tokens.into_iter().find(|t| t.id == id) else {
            return Ok(None);
        };
        on_tx!(self, t => sqlx::query("DELETE FROM api_tokens WHERE substr(token_hash, 1, 16) = $1").bind(id.to_string()).execute(&mut **t).await?.rows_affected());
        Ok(Some(found))
    }

    /// End every session and delete every API token of a user (after a password reset); how
    /// many there were.
    pub async fn revoke_credentials(&mut self, user_id: &str) -> Result<u64, StoreError> {
        let n = on_tx!(self, t => {
            let s = sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id.to_string()).execute(&mut **t).await?.rows_affected();
            let tokens = sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(user_id.to_string()).execute(&mut **t).await?.rows_affected();
            s + tokens
        });
        Ok(n)
    }

    /// Open a session (by hash of its cookie value).
    pub async fn insert_session(
        &mut self,
        token_hash: &str,
        user_id: &str,
        csrf_token: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, t => sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash.to_string()).bind(user_id.to_string()).bind(csrf_token.to_string()).bind(now()).bind(expires_at).execute(&mut **t).await?.rows_affected());
        Ok(())
    }
}
