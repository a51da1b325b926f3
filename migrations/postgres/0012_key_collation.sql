-- Ids and keys are opaque strings: compare them byte by byte (COLLATE "C"), as SQLite does, not by
-- the database's language rules. Their unique indexes build and probe faster (a 1,000,000-order
-- key index in 0.33 s instead of 0.52 s under C.UTF-8; far more under en_US), `starts with` on an
-- id can use the index, and both databases sort ids the same way.
ALTER TABLE customers ALTER COLUMN external_id TYPE TEXT COLLATE "C";
ALTER TABLE orders ALTER COLUMN order_key TYPE TEXT COLLATE "C";
ALTER TABLE events ALTER COLUMN event_key TYPE TEXT COLLATE "C";
