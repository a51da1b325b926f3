-- Orders and events no longer carry a foreign key to customers. PostgreSQL checks a foreign key
-- with one locking lookup per inserted row (SELECT … FOR KEY SHARE), which cost more than the
-- insert itself in a million-row import. Every write path creates or resolves the customer in
-- the same transaction (imports join the staged rows to customers), and customers are only
-- deleted together with all their orders and events (Store::clear_customer_data).
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_customer_id_fkey;
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_customer_id_fkey;

-- customer_facts is derived data, rebuilt from customers by every import: checking each of its
-- rows against customers cost one locking lookup per customer and import.
ALTER TABLE customer_facts DROP CONSTRAINT IF EXISTS customer_facts_customer_id_fkey;
