-- Orders and events no longer carry a foreign key to customers, as on PostgreSQL (see its
-- 0006): every write path creates or resolves the customer in the same transaction, and
-- customers are only deleted together with all their orders and events. SQLite cannot drop a
-- constraint, so both tables are rebuilt with the same columns, ids and indexes.
CREATE TABLE orders_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_key TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL,
    occurred_at INTEGER NOT NULL,
    amount REAL NOT NULL,
    quantity INTEGER
);
INSERT INTO orders_new (id, order_key, customer_id, occurred_at, amount, quantity)
    SELECT id, order_key, customer_id, occurred_at, amount, quantity FROM orders;
DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
CREATE INDEX orders_customer_time ON orders (customer_id, occurred_at, amount);

CREATE TABLE events_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_key TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    properties TEXT
);
INSERT INTO events_new (id, event_key, customer_id, name, occurred_at, properties)
    SELECT id, event_key, customer_id, name, occurred_at, properties FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_customer_name_time ON events (customer_id, name, occurred_at);

-- customer_facts is derived data, rebuilt from customers by every import (see PostgreSQL's 0006).
CREATE TABLE customer_facts_new (
    customer_id INTEGER PRIMARY KEY,
    lifetime_revenue REAL NOT NULL,
    order_count INTEGER NOT NULL,
    average_order_value REAL,
    items_bought INTEGER NOT NULL,
    first_order_at INTEGER,
    last_order_at INTEGER,
    last_event_at INTEGER,
    last_activity_at INTEGER
);
INSERT INTO customer_facts_new SELECT customer_id, lifetime_revenue, order_count, average_order_value, items_bought,
    first_order_at, last_order_at, last_event_at, last_activity_at FROM customer_facts;
DROP TABLE customer_facts;
ALTER TABLE customer_facts_new RENAME TO customer_facts;
CREATE INDEX customer_facts_revenue ON customer_facts (lifetime_revenue);
CREATE INDEX customer_facts_orders ON customer_facts (order_count);
CREATE INDEX customer_facts_last_order ON customer_facts (last_order_at);
CREATE INDEX customer_facts_last_activity ON customer_facts (last_activity_at);
