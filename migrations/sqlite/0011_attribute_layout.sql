-- Custom attributes and scores are stored by attribute, then customer (a table clustered on its
-- key, WITHOUT ROWID): replacing a score for a million customers deletes one contiguous range and
-- appends another, instead of touching a rowid table and two indexes at random (about 5 s where
-- it took 27-31 s). The index by value is gone: compiled definitions read an attribute by key.
CREATE TABLE customer_attributes_by_name (
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    name TEXT NOT NULL,
    num_value REAL,
    text_value TEXT,
    PRIMARY KEY (name, customer_id)
) WITHOUT ROWID;
INSERT INTO customer_attributes_by_name (customer_id, name, num_value, text_value)
    SELECT customer_id, name, num_value, text_value FROM customer_attributes ORDER BY name, customer_id;
DROP TABLE customer_attributes;
ALTER TABLE customer_attributes_by_name RENAME TO customer_attributes;
