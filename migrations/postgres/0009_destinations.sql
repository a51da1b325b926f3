-- Destinations configured by an admin (one per kind; they take precedence over the
-- environment's). Settings are plain JSON; the secrets are one JSON object sealed with
-- ChaCha20-Poly1305 under SEGWRIGHT_SECRET_KEY (base64 of nonce and ciphertext), and only a
-- hint of each (its last 4 characters) is kept in the clear, for the listing.
CREATE TABLE destinations (
    kind TEXT PRIMARY KEY,
    settings TEXT NOT NULL,
    sealed_secrets TEXT,
    secret_hints TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
