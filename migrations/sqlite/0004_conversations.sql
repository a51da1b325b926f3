-- Chat conversations with the interpreter: each turn keeps the request, the resulting
-- definition and the whole answer, so a conversation can be resumed and undone.
CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE conversation_turns (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    turn BIGINT NOT NULL,
    prompt TEXT NOT NULL,
    is_undo BIGINT NOT NULL,
    definition TEXT NOT NULL,
    answer TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, turn)
);
