-- Governance: users with roles, browser sessions, API tokens (secrets stored only as SHA-256
-- hashes), the lifecycle state of each segment version, submissions and review decisions bound
-- to a version hash, and the append-only, hash-chained audit log. Same text on both databases.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    label TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Lifecycle of each immutable version: draft, submitted, approved, rejected, active, paused,
-- archived or superseded; `author_id` is who wrote (last edited) the version.
ALTER TABLE segment_versions ADD COLUMN status TEXT NOT NULL DEFAULT 'draft';
ALTER TABLE segment_versions ADD COLUMN author_id TEXT;
-- The version being delivered (active or paused), if any.
ALTER TABLE segments ADD COLUMN active_version BIGINT;

-- The latest submission of a version: what the reviewer approves is `approval_hash`.
CREATE TABLE submissions (
    segment_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    approval_hash TEXT NOT NULL,
    destinations TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    preview TEXT NOT NULL,
    policy TEXT NOT NULL,
    PRIMARY KEY (segment_id, version)
);

CREATE TABLE review_decisions (
    id TEXT PRIMARY KEY,
    segment_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    approval_hash TEXT NOT NULL,
    user_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    comment TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX review_decisions_version ON review_decisions (segment_id, version, approval_hash);

-- Append-only; each row's hash covers its content and the previous row's hash.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    segment_id TEXT,
    version_hash TEXT,
    before_state TEXT,
    after_state TEXT,
    address TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_segment ON audit_log (segment_id, seq);
