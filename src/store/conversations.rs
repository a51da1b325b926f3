//! Stored conversations with the interpreter: one row per conversation (with its owner), one per
//! turn.

use serde::Serialize;

use super::{BeginWrite, Store, StoreError, on_pool};

/// One stored turn.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TurnRecord {
    pub conversation_id: String,
    pub turn: i64,
    pub prompt: String,
    pub is_undo: i64,
    /// The definition after this turn (JSON).
    pub definition: String,
    /// The whole answer given (JSON).
    pub answer: String,
    pub created_at: i64,
}

impl Store {
    /// Create a conversation owned by `owner` (a user id; `None` for a local command), or do
    /// nothing if it exists.
    pub async fn ensure_conversation(
        &self,
        id: &str,
        owner: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("INSERT INTO conversations (id, owner, created_at, updated_at) VALUES ($1, $2, $3, $3) ON CONFLICT (id) DO NOTHING")
                .bind(id.to_string()).bind(owner.map(str::to_string)).bind(now).execute(p).await?;
        });
        Ok(())
    }

    /// The owner of a conversation: `None` when there is no such conversation, `Some(None)` when
    /// it has no owner.
    pub async fn conversation_owner(&self, id: &str) -> Result<Option<Option<String>>, StoreError> {
        let sql = "SELECT owner FROM conversations WHERE id = $1";
        let row: Option<(Option<String>,)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(id.to_string()).fetch_optional(p).await?);
        Ok(row.map(|(o,)| o))
    }

    /// Every turn of a conversation, in order.
    pub async fn conversation_turns(&self, id: &str) -> Result<Vec<TurnRecord>, StoreError> {
        let sql = "SELECT conversation_id, turn, prompt, is_undo, definition, answer, created_at FROM conversation_turns WHERE conversation_id = $1 ORDER BY turn";
        let rows = on_pool!(self, p => sqlx::query_as::<_, TurnRecord>(sql).bind(id.to_string()).fetch_all(p).await?);
        Ok(rows)
    }

    /// Append a turn; fails with `Conflict` when another request added the same turn first.
    pub async fn add_turn(&self, t: &TurnRecord) -> Result<(), StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let r = sqlx::query("INSERT INTO conversation_turns (conversation_id, turn, prompt, is_undo, definition, answer, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(t.conversation_id.clone()).bind(t.turn).bind(t.prompt.clone()).bind(t.is_undo).bind(t.definition.clone()).bind(t.answer.clone()).bind(t.created_at)
                .execute(&mut *tx).await;
            if let Err(sqlx::Error::Database(e)) = &r
                && e.is_unique_violation() {
                    return Err(StoreError::Conflict("the conversation moved on; reload it and try again".into()));
                }
            r?;
            sqlx::query("UPDATE conversations SET updated_at = $1 WHERE id = $2").bind(t.created_at).bind(t.conversation_id.clone()).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
