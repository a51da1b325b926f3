#!/usr/bin/env python3
"""DuckDB reference for `segwright bench`: the same queries over the same data, so the ratio
between segwright's SQLite/PostgreSQL figures and an analytical engine is visible.

Usage: pip install duckdb && python3 benches/duckdb_reference.py bench-data/bench-1000000.db bench-data/orders.csv

Exports the benchmark's SQLite tables to CSV (once, with the sqlite3 CLI), loads them into an
in-memory DuckDB, and prints medians in the same Markdown table shape as `segwright bench`.
"""
import os
import statistics
import subprocess
import sys
import time

import duckdb

AS_OF_END = 1795392000  # end of 2026-11-22 UTC, as in `segwright bench`
DAY = 86400
RUNS = 7


def export(db, table, cols, out_dir):
    # Named after the database: exports of datasets of other sizes in the same folder are not reused.
    path = os.path.join(out_dir, f"export-{os.path.splitext(os.path.basename(db))[0]}-{table}.csv")
    if not os.path.exists(path):
        with open(path, "w") as f:
            subprocess.run(["sqlite3", "-csv", "-header", db, f"SELECT {cols} FROM {table}"], stdout=f, check=True)
    return path


def timings(fn, runs=RUNS):
    """One warm-up run, then `runs` timed ones: milliseconds, sorted."""
    fn()
    xs = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - t) * 1000)
    return sorted(xs)


def median_ms(fn, runs=RUNS):
    return statistics.median(timings(fn, runs))


def main():
    db, orders_csv = sys.argv[1], sys.argv[2]
    out_dir = os.path.dirname(os.path.abspath(db))
    con = duckdb.connect()
    for table, cols in [("customers", "id, external_id, email, country, email_consent, ads_consent"),
                        ("customer_facts", "customer_id, lifetime_revenue, order_count, last_activity_at"),
                        ("orders", "customer_id, occurred_at, amount")]:
        path = export(db, table, cols, out_dir)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv_auto('{path}')")
    n = con.execute("SELECT COUNT(*) FROM customer_facts").fetchone()[0]
    k = -(-20 * n // 100)
    threshold = lambda: con.execute(f"SELECT lifetime_revenue FROM customer_facts ORDER BY lifetime_revenue DESC LIMIT 1 OFFSET {k - 1}").fetchone()[0]
    where = f"""c.country = 'US'
      AND (SELECT COALESCE(SUM(o.amount), 0) FROM orders o WHERE o.customer_id = c.id AND o.occurred_at > {AS_OF_END - 90 * DAY} AND o.occurred_at <= {AS_OF_END}) > 100
      AND COALESCE(f.lifetime_revenue, 0) >= ?"""
    base = "FROM customers c LEFT JOIN customer_facts f ON f.customer_id = c.id"

    def count_only():
        con.execute(f"SELECT COUNT(*) {base} WHERE {where}", [threshold()]).fetchone()

    def full():
        t = threshold()
        con.execute(f"SELECT COUNT(*), SUM(CASE WHEN c.email IS NOT NULL AND c.email_consent = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN f.lifetime_revenue > 100 THEN 1 ELSE 0 END) {base} WHERE {where}", [t]).fetchall()
        con.execute(f"SELECT c.country, COUNT(*) {base} WHERE {where} GROUP BY 1 ORDER BY 2 DESC LIMIT 12", [t]).fetchall()
        con.execute(f"SELECT c.external_id, c.email {base} WHERE {where} ORDER BY c.id LIMIT 20", [t]).fetchall()

    rows = [0]

    def export_all():
        rows[0] = len(con.execute("SELECT external_id, email FROM customers ORDER BY id").fetchall())

    def import_orders():
        con.execute("DROP TABLE IF EXISTS imported")
        con.execute(f"CREATE TABLE imported AS SELECT * FROM read_csv_auto('{orders_csv}')")

    print("| database | measure | median |\n|---|---|---|")
    print(f"| DuckDB {duckdb.__version__} | count-only preview, 3 conditions | {median_ms(count_only):.1f} ms |")
    print(f"| DuckDB {duckdb.__version__} | full preview (counts, breakdown, sample) | {median_ms(full):.1f} ms |")
    ms = median_ms(export_all, 3)
    print(f"| DuckDB {duckdb.__version__} | members export ({rows[0]} ids) | {rows[0] / (ms / 1000):.0f} ids/s |")
    ms = median_ms(import_orders, 3)
    imported = con.execute("SELECT COUNT(*) FROM imported").fetchone()[0]
    print(f"| DuckDB {duckdb.__version__} | import {imported} order rows (CSV to table) | {imported / (ms / 1000):.0f} rows/s |")


if __name__ == "__main__":
    main()
