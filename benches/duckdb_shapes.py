#!/usr/bin/env python3
"""DuckDB reference for the definition shapes of `segwright bench` (count-only): the same
audiences over the same data, so each shape's ratio to an analytical engine is visible.

Usage: pip install duckdb && python3 benches/duckdb_shapes.py bench-data/bench-1000000.db [RUNS]

Run `segwright bench --only shapes` first: it builds the dataset, trains the models (the score
cut reads churn_risk) and saves the segment the segment-reference shape names. Exports the
SQLite tables to CSV once (sqlite3 CLI), loads them into an in-memory DuckDB, and prints each
shape's count and median (p10-p90, min-max) in milliseconds, with the count so it can be checked
against segwright's. The headline request (interpretation, scores, backtest) has no DuckDB
counterpart.
"""
import os
import statistics
import sys

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from duckdb_reference import export, timings  # noqa: E402  (the same CSV export and timing)

END = 1795392000  # end of 2026-11-22 UTC, as in `segwright bench`
DAY = 86400

TABLES = [
    ("customers", "id, country, region, email_consent"),
    ("customer_facts", "customer_id, lifetime_revenue, order_count, average_order_value, last_order_at, last_activity_at"),
    ("orders", "customer_id, occurred_at, amount"),
    ("events", "customer_id, name, occurred_at"),
    ("customer_attributes", "customer_id, name, num_value, text_value"),
]

BASE = "FROM customers c LEFT JOIN customer_facts f ON f.customer_id = c.id"


def order_sum(days):
    return f"COALESCE((SELECT SUM(o.amount) FROM orders o WHERE o.customer_id = c.id AND o.occurred_at > {END - days * DAY} AND o.occurred_at <= {END}), 0)"


def event_count(name, days):
    return (f"(SELECT COUNT(*) FROM events e WHERE e.customer_id = c.id AND e.name = '{name}' "
            f"AND e.occurred_at > {END - days * DAY} AND e.occurred_at <= {END})")


def attr(name, col="num_value"):
    return f"(SELECT a.{col} FROM customer_attributes a WHERE a.customer_id = c.id AND a.name = '{name}')"


def top(percent):
    """Top P% by lifetime revenue, ties at the threshold included (the segwright rule)."""
    return f"COALESCE(f.lifetime_revenue, 0) >= (SELECT lifetime_revenue FROM customer_facts ORDER BY lifetime_revenue DESC LIMIT 1 OFFSET (SELECT CAST(CEIL({percent} * COUNT(*) / 100.0) AS BIGINT) - 1 FROM customer_facts))"


def within(col, days):
    return f"COALESCE({col} > {END - days * DAY} AND {col} <= {END}, false)"


SHAPES = [
    ("attribute only (2 conditions)", "c.country = 'US' AND c.email_consent = 1"),
    ("windowed aggregate (order amount, 90 days)", f"{order_sum(90)} > 100"),
    ("percentile (top 10% by lifetime revenue)", top(10)),
    ("nested NOT (country, not any of two)",
     f"c.country IN ('US', 'DE') AND NOT (COALESCE(f.order_count >= 5, false) OR {within('f.last_order_at', 30)})"),
    ("segment reference (saved top 20%, US)", f"{top(20)} AND c.country = 'US'"),
    ("score cut (churn_risk >= 0.6)", f"COALESCE({attr('churn_risk')} >= 0.6, false)"),
    ("event count (email_open >= 2 in 30 days)", f"{event_count('email_open', 30)} >= 2"),
    ("3 conditions (the count-only target's)", f"c.country = 'US' AND {order_sum(90)} > 100 AND {top(20)}"),
    ("10-condition mix", " AND ".join([
        "c.country IN ('US', 'GB', 'DE', 'FR')",
        "c.email_consent = 1",
        "COALESCE(f.order_count >= 2, false)",
        within("f.last_activity_at", 180),
        f"{order_sum(365)} > 50",
        f"{event_count('page_view', 90)} >= 1",
        top(50),
        f"COALESCE({attr('churn_risk')} < 0.9, false)",
        "c.region IS DISTINCT FROM 'CA'",
        f"(COALESCE({attr('plan_type', 'text_value')} = 'Annual', false) OR COALESCE(f.average_order_value > 40, false))",
    ])),
]


def timed(fn, runs):
    xs = timings(fn, runs)
    q = lambda p: xs[round((len(xs) - 1) * p)]
    return statistics.median(xs), q(0.1), q(0.9), xs[0], xs[-1]


def main():
    db = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    out_dir = os.path.dirname(os.path.abspath(db))
    con = duckdb.connect()
    for table, cols in TABLES:
        path = export(db, table, cols, out_dir)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv_auto('{path}')")
    print("| DuckDB %s, count-only | customers | median | p10–p90 | min–max |\n|---|---|---|---|---|" % duckdb.__version__)
    for name, where in SHAPES:
        sql = f"SELECT COUNT(*) {BASE} WHERE {where}"
        n = con.execute(sql).fetchone()[0]
        med, p10, p90, lo, hi = timed(lambda: con.execute(sql).fetchone(), runs)
        print(f"| {name} | {n} | {med:.1f} ms | {p10:.1f}–{p90:.1f} ms | {lo:.1f}–{hi:.1f} ms |")


if __name__ == "__main__":
    main()
