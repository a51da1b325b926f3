-- segwright schema (SQLite). Kept in lockstep with migrations/postgres/0001_init.sql.
-- Instants are Unix epoch seconds; plain dates are day numbers since 1970-01-01;
-- booleans are 0/1 integers, so the compiler's SQL is the same on both databases.

CREATE TABLE customers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id TEXT NOT NULL UNIQUE,
    email TEXT,
    phone TEXT,
    first_name TEXT,
    last_name TEXT,
    country TEXT,
    region TEXT,
    city TEXT,
    postal_code TEXT,
    signup_date INTEGER,
    email_consent INTEGER,
    sms_consent INTEGER,
    ads_consent INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX customers_country ON customers (country);
CREATE INDEX customers_region ON customers (region);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_key TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    occurred_at INTEGER NOT NULL,
    amount REAL NOT NULL,
    quantity INTEGER
);
CREATE INDEX orders_customer_time ON orders (customer_id, occurred_at, amount);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_key TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    name TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    properties TEXT
);
CREATE INDEX events_customer_name_time ON events (customer_id, name, occurred_at);

CREATE TABLE suppressions (
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    reason TEXT,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (kind, value)
);

CREATE TABLE attributes (
    name TEXT PRIMARY KEY,
    ty TEXT NOT NULL,
    column_name TEXT NOT NULL,
    categorical_values TEXT NOT NULL
);

CREATE TABLE customer_attributes (
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    name TEXT NOT NULL,
    num_value REAL,
    text_value TEXT,
    PRIMARY KEY (customer_id, name)
);
CREATE INDEX customer_attributes_name ON customer_attributes (name, num_value, text_value);

CREATE TABLE customer_facts (
    customer_id INTEGER PRIMARY KEY REFERENCES customers(id),
    lifetime_revenue REAL NOT NULL,
    order_count INTEGER NOT NULL,
    average_order_value REAL,
    items_bought INTEGER NOT NULL,
    first_order_at INTEGER,
    last_order_at INTEGER,
    last_event_at INTEGER,
    last_activity_at INTEGER
);
CREATE INDEX customer_facts_revenue ON customer_facts (lifetime_revenue);
CREATE INDEX customer_facts_orders ON customer_facts (order_count);
CREATE INDEX customer_facts_last_order ON customer_facts (last_order_at);
CREATE INDEX customer_facts_last_activity ON customer_facts (last_activity_at);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_written INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    finished_at INTEGER NOT NULL
);

CREATE TABLE segments (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    current_version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE segment_versions (
    segment_id TEXT NOT NULL REFERENCES segments(id),
    version INTEGER NOT NULL,
    definition TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    catalog_version TEXT NOT NULL,
    glossary_version TEXT NOT NULL,
    as_of TEXT NOT NULL,
    timezone TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (segment_id, version)
);

-- Small facts about the data itself (latest data time, facts refresh time).
CREATE TABLE store_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
