-- Glossary terms edited in the web app by admins, stored over the glossary file rather than
-- rewriting it: the file stays what was deployed, every process (server and CLI) sees the same
-- edits, and an edit is one row written in the same database as its audit entry. A row with a
-- term (JSON) adds or replaces the file's term of that key; a row with a NULL term deletes it.
CREATE TABLE glossary_edits (
    term_key TEXT PRIMARY KEY,
    term TEXT,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
