-- Kept in lockstep with SQLite's 0011, which stores custom attributes clustered by (name,
-- customer). PostgreSQL has no clustered tables (a heap and its indexes either way), so its layout
-- stays as it is.
COMMENT ON TABLE customer_attributes IS 'Custom attributes and model scores, one row per customer and attribute name';
