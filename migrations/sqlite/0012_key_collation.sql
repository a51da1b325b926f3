-- Kept in lockstep with PostgreSQL's 0012, which makes ids and keys compare byte by byte
-- (COLLATE "C"). SQLite's text already compares that way (BINARY), so nothing changes here.
SELECT 1;
