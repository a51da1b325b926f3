-- Issue 17 item 12: an audit entry's hash is an HMAC-SHA-256 under SEGWRIGHT_AUDIT_KEY (kept
-- outside the database) when `keyed`; entries written before a key was configured stay plain
-- SHA-256. Same text on both databases.
ALTER TABLE audit_log ADD COLUMN keyed BOOLEAN NOT NULL DEFAULT FALSE;
