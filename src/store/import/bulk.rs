//! The two tables an import loads in bulk, orders and events, described once: their indexes (a
//! large load drops them and builds them again in one sorted pass) and the SQL of PostgreSQL's
//! staging path ([`staged`](super::staged)).

/// Everything the bulk paths need to know about one table.
#[derive(Debug)]
pub(super) struct Spec {
    /// Secondary index, as created by the migrations (0001), dropped for a large load.
    pub(super) drop_index: &'static str,
    pub(super) create_index: &'static str,
    /// PostgreSQL: the primary and unique keys, dropped too for a large load (the staging merge
    /// needs them not; keeping the primary key cost a third of inserting 1,000,000 orders).
    pub(super) drop_key: &'static str,
    pub(super) add_key: &'static str,
    /// The highest id, to compare the load with what the table holds.
    pub(super) max_id: &'static str,
    pub(super) create_staging: &'static str,
    /// The customers the staged rows name, once each: `no` is the number the rows carry in their
    /// `customer` column, so the merge joins 1M rows on an integer instead of a text id.
    pub(super) create_customer_staging: &'static str,
    pub(super) copy: &'static str,
    pub(super) copy_customers: &'static str,
    /// Deletes the staged rows of a key that do not win (orders: the last row wins; events: the
    /// first, as an event already imported is left as it is).
    pub(super) dedupe: &'static str,
    /// Creates the staged customers not there yet (`$1`: now), found by an anti-join as the
    /// customers table is locked against other writers first ([`LOCK_CUSTOMERS`]).
    pub(super) new_customers: &'static str,
    /// Keeps other writers out until commit; readers go on.
    pub(super) lock: &'static str,
    pub(super) any_rows: &'static str,
    /// Rewrites the rows whose key is already there and whose content changed (events: none).
    pub(super) update: Option<&'static str>,
    /// Inserts the rows whose key is not there yet.
    pub(super) insert: &'static str,
    pub(super) truncate_staging: &'static str,
}

/// Keeps other writers of customers out until commit (readers go on), so no other transaction
/// creates a customer between the anti-join and the insert: that costs less than `ON CONFLICT`'s
/// speculative insertion (100,000 customers: 0.28 s instead of 0.40 s).
pub(super) const LOCK_CUSTOMERS: &str = "LOCK TABLE customers IN SHARE ROW EXCLUSIVE MODE";

pub(super) static ORDERS: Spec = Spec {
    drop_index: "DROP INDEX orders_customer_time",
    create_index: "CREATE INDEX orders_customer_time ON orders (customer_id, occurred_at, amount)",
    drop_key: "ALTER TABLE orders DROP CONSTRAINT orders_order_key_key, DROP CONSTRAINT orders_pkey",
    add_key: "ALTER TABLE orders ADD PRIMARY KEY (id), ADD CONSTRAINT orders_order_key_key UNIQUE (order_key)",
    max_id: "SELECT MAX(id) FROM orders",
    // Dropped with the transaction, so an import that fails leaves nothing behind.
    create_staging: "CREATE TEMP TABLE import_orders (seq bigint NOT NULL, order_key text NOT NULL, customer int NOT NULL,
 occurred_at bigint NOT NULL, amount float8 NOT NULL, quantity bigint) ON COMMIT DROP",
    create_customer_staging: "CREATE TEMP TABLE import_order_customers (no int NOT NULL, external_id text NOT NULL) ON COMMIT DROP",
    copy: "COPY import_orders (seq, order_key, customer, occurred_at, amount, quantity) FROM STDIN",
    copy_customers: "COPY import_order_customers (no, external_id) FROM STDIN",
    dedupe: "DELETE FROM import_orders s USING import_orders t WHERE t.order_key = s.order_key AND t.seq > s.seq",
    new_customers: "INSERT INTO customers (external_id, created_at) SELECT n.external_id, $1::bigint FROM import_order_customers n
 WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.external_id = n.external_id)",
    lock: "LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE",
    any_rows: "SELECT EXISTS (SELECT 1 FROM orders)",
    // An order that did not change is not rewritten, so re-importing a file leaves the table as it was.
    update: Some(
        "WITH ids AS MATERIALIZED (SELECT n.no, c.id FROM import_order_customers n JOIN customers c ON c.external_id = n.external_id)
 UPDATE orders o SET customer_id = c.id, occurred_at = s.occurred_at, amount = s.amount, quantity = s.quantity
 FROM import_orders s JOIN ids c ON c.no = s.customer
 WHERE o.order_key = s.order_key
 AND (o.customer_id, o.occurred_at, o.amount, o.quantity) IS DISTINCT FROM (c.id, s.occurred_at, s.amount, s.quantity)",
    ),
    insert: "WITH ids AS MATERIALIZED (SELECT n.no, c.id FROM import_order_customers n JOIN customers c ON c.external_id = n.external_id)
 INSERT INTO orders (order_key, customer_id, occurred_at, amount, quantity)
 SELECT s.order_key, c.id, s.occurred_at, s.amount, s.quantity
 FROM import_orders s JOIN ids c ON c.no = s.customer
 WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.order_key = s.order_key)",
    truncate_staging: "TRUNCATE import_orders, import_order_customers",
};

pub(super) static EVENTS: Spec = Spec {
    drop_index: "DROP INDEX events_customer_name_time",
    create_index: "CREATE INDEX events_customer_name_time ON events (customer_id, name, occurred_at)",
    drop_key: "ALTER TABLE events DROP CONSTRAINT events_event_key_key, DROP CONSTRAINT events_pkey",
    add_key: "ALTER TABLE events ADD PRIMARY KEY (id), ADD CONSTRAINT events_event_key_key UNIQUE (event_key)",
    max_id: "SELECT MAX(id) FROM events",
    create_staging: "CREATE TEMP TABLE import_events (seq bigint NOT NULL, event_key text NOT NULL, customer int NOT NULL,
 name text NOT NULL, occurred_at bigint NOT NULL, properties text) ON COMMIT DROP",
    create_customer_staging: "CREATE TEMP TABLE import_event_customers (no int NOT NULL, external_id text NOT NULL) ON COMMIT DROP",
    copy: "COPY import_events (seq, event_key, customer, name, occurred_at, properties) FROM STDIN",
    copy_customers: "COPY import_event_customers (no, external_id) FROM STDIN",
    dedupe: "DELETE FROM import_events s USING import_events t WHERE t.event_key = s.event_key AND t.seq < s.seq",
    new_customers: "INSERT INTO customers (external_id, created_at) SELECT n.external_id, $1::bigint FROM import_event_customers n
 WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.external_id = n.external_id)",
    lock: "LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE",
    any_rows: "SELECT EXISTS (SELECT 1 FROM events)",
    update: None,
    insert: "WITH ids AS MATERIALIZED (SELECT n.no, c.id FROM import_event_customers n JOIN customers c ON c.external_id = n.external_id)
 INSERT INTO events (event_key, customer_id, name, occurred_at, properties)
 SELECT s.event_key, c.id, s.name, s.occurred_at, s.properties
 FROM import_events s JOIN ids c ON c.no = s.customer
 WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_key = s.event_key)",
    truncate_staging: "TRUNCATE import_events, import_event_customers",
};
