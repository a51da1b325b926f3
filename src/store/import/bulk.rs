//! The two tables an import loads in bulk, orders and events, described once: their indexes (a
//! large load drops them and builds them again in one sorted pass) and the SQL of PostgreSQL's
//! staging path ([`staged`](super::staged)).

/// Everything the bulk paths need to know about one table.
#[derive(Debug)]
pub(super) struct Spec {
    /// Secondary index, as created by the migrations (0001), dropped for a large load.
    pub(super) drop_index: &'static str,
    pub(super) create_index: &'static str,
    /// PostgreSQL: the unique key, dropped too for a large load (the staging merge needs it not).
    pub(super) drop_key: &'static str,
    pub(super) add_key: &'static str,
    /// The highest id, to compare the load with what the table holds.
    pub(super) max_id: &'static str,
    pub(super) create_staging: &'static str,
    pub(super) copy: &'static str,
    /// Deletes the staged rows of a key that do not win (orders: the last row wins; events: the
    /// first, as an event already imported is left as it is).
    pub(super) dedupe: &'static str,
    /// Creates the customers the staged rows name (`$1`: now).
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

pub(super) static ORDERS: Spec = Spec {
    drop_index: "DROP INDEX orders_customer_time",
    create_index: "CREATE INDEX orders_customer_time ON orders (customer_id, occurred_at, amount)",
    drop_key: "ALTER TABLE orders DROP CONSTRAINT orders_order_key_key",
    add_key: "ALTER TABLE orders ADD CONSTRAINT orders_order_key_key UNIQUE (order_key)",
    max_id: "SELECT MAX(id) FROM orders",
    // Dropped with the transaction, so an import that fails leaves nothing behind.
    create_staging: "CREATE TEMP TABLE import_orders (seq bigint NOT NULL, order_key text NOT NULL, customer text NOT NULL,
 occurred_at bigint NOT NULL, amount float8 NOT NULL, quantity bigint) ON COMMIT DROP",
    copy: "COPY import_orders (seq, order_key, customer, occurred_at, amount, quantity) FROM STDIN",
    dedupe: "DELETE FROM import_orders s USING import_orders t WHERE t.order_key = s.order_key AND t.seq > s.seq",
    new_customers: "INSERT INTO customers (external_id, created_at) SELECT DISTINCT customer, $1::bigint FROM import_orders ON CONFLICT (external_id) DO NOTHING",
    lock: "LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE",
    any_rows: "SELECT EXISTS (SELECT 1 FROM orders)",
    // An order that did not change is not rewritten, so re-importing a file leaves the table as it was.
    update: Some(
        "UPDATE orders o SET customer_id = c.id, occurred_at = s.occurred_at, amount = s.amount, quantity = s.quantity
 FROM import_orders s JOIN customers c ON c.external_id = s.customer
 WHERE o.order_key = s.order_key
 AND (o.customer_id, o.occurred_at, o.amount, o.quantity) IS DISTINCT FROM (c.id, s.occurred_at, s.amount, s.quantity)",
    ),
    insert: "INSERT INTO orders (order_key, customer_id, occurred_at, amount, quantity)
 SELECT s.order_key, c.id, s.occurred_at, s.amount, s.quantity FROM import_orders s JOIN customers c ON c.external_id = s.customer
 WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.order_key = s.order_key)",
    truncate_staging: "TRUNCATE import_orders",
};

pub(super) static EVENTS: Spec = Spec {
    drop_index: "DROP INDEX events_customer_name_time",
    create_index: "CREATE INDEX events_customer_name_time ON events (customer_id, name, occurred_at)",
    drop_key: "ALTER TABLE events DROP CONSTRAINT events_event_key_key",
    add_key: "ALTER TABLE events ADD CONSTRAINT events_event_key_key UNIQUE (event_key)",
    max_id: "SELECT MAX(id) FROM events",
    create_staging: "CREATE TEMP TABLE import_events (seq bigint NOT NULL, event_key text NOT NULL, customer text NOT NULL,
 name text NOT NULL, occurred_at bigint NOT NULL, properties text) ON COMMIT DROP",
    copy: "COPY import_events (seq, event_key, customer, name, occurred_at, properties) FROM STDIN",
    dedupe: "DELETE FROM import_events s USING import_events t WHERE t.event_key = s.event_key AND t.seq < s.seq",
    new_customers: "INSERT INTO customers (external_id, created_at) SELECT DISTINCT customer, $1::bigint FROM import_events ON CONFLICT (external_id) DO NOTHING",
    lock: "LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE",
    any_rows: "SELECT EXISTS (SELECT 1 FROM events)",
    update: None,
    insert: "INSERT INTO events (event_key, customer_id, name, occurred_at, properties)
 SELECT s.event_key, c.id, s.name, s.occurred_at, s.properties FROM import_events s JOIN customers c ON c.external_id = s.customer
 WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_key = s.event_key)",
    truncate_staging: "TRUNCATE import_events",
};
