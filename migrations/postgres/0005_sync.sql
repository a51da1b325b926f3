-- The sync engine's outbox. A run snapshots the members each destination receives, split into
-- batches; a worker claims a batch (a lease, so a crashed worker's batch is taken over), sends
-- it with its idempotency key and records the outcome. `sync_members` is the last successfully
-- delivered set per segment and destination, with the date each member was last sent, so a
-- refresh sends only additions and removals. Same text on both databases.

CREATE TABLE sync_runs (
    id BIGINT PRIMARY KEY,
    segment_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    approval_hash TEXT NOT NULL,
    -- deliver, refresh or scheduled
    kind TEXT NOT NULL,
    -- running, delivered or failed
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX sync_runs_segment ON sync_runs (segment_id, created_at);
-- At most one unfinished run per segment: a second one would plan from a delivered set that
-- does not yet include the first one's batches, and send them twice.
CREATE UNIQUE INDEX sync_runs_one_open ON sync_runs (segment_id) WHERE status = 'running';

CREATE TABLE sync_batches (
    run_id BIGINT NOT NULL REFERENCES sync_runs(id),
    destination TEXT NOT NULL,
    seq BIGINT NOT NULL,
    -- batches of this destination in the run, for the platforms' "last batch" flags
    batches BIGINT NOT NULL,
    -- members of this destination in the run, for the platforms' estimated totals
    total BIGINT NOT NULL,
    -- add or remove
    op TEXT NOT NULL,
    -- JSON [[external_id, email, phone], …]: the snapshot this batch sends
    members TEXT NOT NULL,
    member_count BIGINT NOT NULL,
    idempotency_key TEXT NOT NULL,
    -- pending, sending, sent or failed
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    last_error TEXT,
    lease_until BIGINT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    PRIMARY KEY (run_id, destination, seq)
);
CREATE INDEX sync_batches_state ON sync_batches (state, created_at);

CREATE TABLE sync_members (
    segment_id TEXT NOT NULL,
    destination TEXT NOT NULL,
    external_id TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    last_sent_at BIGINT NOT NULL,
    PRIMARY KEY (segment_id, destination, external_id)
);
