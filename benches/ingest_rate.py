#!/usr/bin/env python3
"""Sustained ingest rate of `POST /api/events` against a running `segwright serve`.

Usage (see docs/ingest.md for the whole setup):
  python3 benches/ingest_rate.py --url http://127.0.0.1:8080 --token "$TOKEN" \
      --batches 40 --batch-size 5000 --connections 2 --customers 100000 --prefix C

Sends `--batches` batches of `--batch-size` events over `--connections` parallel connections,
each event for one of `--customers` existing customers (`{prefix}{n:07}`, the demo's and the
bench's external ids), with ids that are new on every run. Prints events/s over the whole run
and the p50/p99 of the batch round trips (write, facts of the batch's customers, in-memory
update). Standard library only.
"""
import argparse
import json
import random
import statistics
import threading
import time
import urllib.request
import uuid

NAMES = ["page_view", "email_open", "login", "cart_abandoned", "support_ticket"]


def batch(args, run, b):
    rows = []
    for i in range(args.batch_size):
        n = random.randrange(args.customers)
        rows.append({
            "event_id": f"{run}-{b}-{i}",
            "customer_id": f"{args.prefix}{n:07d}",
            "name": random.choice(NAMES),
            "occurred_at": f"2026-11-{random.randint(1, 21):02d}T{random.randint(0, 23):02d}:00:00Z",
        })
    return json.dumps({"events": rows}).encode()


def post(args, body):
    req = urllib.request.Request(
        args.url.rstrip("/") + "/api/events",
        data=body,
        headers={"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:8080")
    p.add_argument("--token", required=True)
    p.add_argument("--batches", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=5000)
    p.add_argument("--connections", type=int, default=2)
    p.add_argument("--customers", type=int, default=100000)
    p.add_argument("--prefix", default="C")
    args = p.parse_args()

    run = uuid.uuid4().hex[:8]
    bodies = [batch(args, run, b) for b in range(args.batches)]  # built before the clock starts
    latencies, memory, lock = [], [], threading.Lock()
    todo = list(range(args.batches))

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                b = todo.pop()
            t = time.perf_counter()
            report = post(args, bodies[b])
            with lock:
                latencies.append(time.perf_counter() - t)
                memory.append(report.get("in_memory"))

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    total = args.batches * args.batch_size
    lat = sorted(latencies)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    print(f"{total} events in {args.batches} batches of {args.batch_size} over {args.connections} connections: "
          f"{total / elapsed:,.0f} events/s; batch p50 {statistics.median(lat) * 1000:.0f} ms, "
          f"p99 {p99 * 1000:.0f} ms; in-memory copy: {sorted(set(memory))}")


if __name__ == "__main__":
    main()
