-- Issue 22: score history. Each model version's scores as of each re-score instant (the end of
-- an as-of day), kept compactly (see src/domain/scoring/history.rs: ids as varint gaps, scores
-- exactly, deciles), so that backtests read a past date's scores instead of scoring every
-- customer again. Emptied by every import: scores as of a past date depend on the data up to it.
CREATE TABLE score_history (
    task TEXT NOT NULL,
    version BIGINT NOT NULL,
    at BIGINT NOT NULL,
    customers BIGINT NOT NULL,
    snapshot BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (task, version, at)
);
