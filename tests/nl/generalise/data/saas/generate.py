#!/usr/bin/env python3
"""B2B SaaS accounts export (fixed seed). Writes customers.csv, events.csv and orders.csv next to this file.

As-of date of the benchmark: 2026-06-30. Every date lies before it.
"""
import csv
import json
import os
import random
from datetime import date, datetime, timedelta

random.seed(4242)
HERE = os.path.dirname(os.path.abspath(__file__))
N = 360
AS_OF = date(2026, 6, 30)

PFX = ["Blue", "North", "Bright", "Quantum", "Cedar", "Iron", "Silver", "Nimbus", "Apex", "Harbor", "Pixel", "Summit",
       "Orbit", "Lumen", "Granite", "Velvet", "Atlas", "Maple", "Crimson", "Delta", "Echo", "Falcon", "Juniper", "Kite"]
SFX = ["Labs", "Analytics", "Health", "Logistics", "Systems", "Retail", "Learning", "Media", "Works", "Capital",
       "Foods", "Robotics", "Studio", "Cloud", "Partners", "Bio"]
FORMS = ["Inc.", "LLC", "Ltd", "GmbH", "", "", "Co."]
COUNTRIES = ["United States"] * 45 + ["United Kingdom"] * 14 + ["Germany"] * 10 + ["Canada"] * 8 + \
    ["France"] * 6 + ["Australia"] * 6 + ["Netherlands"] * 5 + ["India"] * 6
INDUSTRIES = ["Software"] * 20 + ["Fintech"] * 12 + ["Healthcare"] * 10 + ["Retail"] * 12 + ["Education"] * 9 + \
    ["Manufacturing"] * 9 + ["Media"] * 8 + ["Logistics"] * 6
MGRS = ["Priya Shah", "Tom Becker", "Ana Ruiz", "Marcus Lee", "Hannah Okoro"]
PRICE = {"Free": 0, "Starter": 15, "Pro": 39, "Enterprise": 65}


def sf_id(used):
    while True:
        v = "001" + "".join(random.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12)) + "AAA"
        if v not in used:
            used.add(v)
            return v


def rand_date(a, b):
    return a + timedelta(days=random.randint(0, (b - a).days))


rows = []
used = set()
names = set()
for i in range(N):
    rid = sf_id(used)
    while True:
        comp = "%s %s" % (random.choice(PFX), random.choice(SFX))
        form = random.choice(FORMS)
        if form:
            comp += " " + form
        if comp not in names:
            names.add(comp)
            break
    tier = random.choices(["Free", "Starter", "Pro", "Enterprise"], [26, 34, 28, 12])[0]
    seats = {"Free": random.randint(1, 3), "Starter": random.randint(2, 12), "Pro": random.randint(5, 60),
             "Enterprise": random.randint(50, 600)}[tier]
    mrr = round(seats * PRICE[tier] * random.uniform(0.8, 1.0), 2) if tier != "Free" else 0
    if random.random() < 0.09:
        trial_start = rand_date(date(2026, 6, 1), date(2026, 6, 27))
    else:
        trial_start = rand_date(date(2023, 3, 1), date(2026, 6, 25))
    is_trial = (AS_OF - trial_start).days <= 30 and tier in ("Starter", "Pro", "Free")
    if is_trial and tier == "Free":
        tier = random.choice(["Starter", "Pro"])
        seats = random.randint(2, 10)
        mrr = 0
    if is_trial:
        mrr = 0
    active = random.random() < (0.85 if tier in ("Pro", "Enterprise") else 0.6)
    if random.random() < 0.05:
        last_login = ""
    else:
        lo = max(trial_start, date(2025, 1, 1))
        if active:
            if random.random() < 0.8:
                last_login = rand_date(max(lo, date(2026, 6, 18)), date(2026, 6, 29))
            else:
                last_login = rand_date(max(lo, date(2026, 5, 20)), date(2026, 6, 29))
        else:
            last_login = rand_date(min(lo, date(2026, 5, 1)), date(2026, 5, 31))
        if last_login < trial_start:
            last_login = trial_start
        last_login = last_login.isoformat()
    if is_trial:
        onboarding = random.choice(["Not started", "In progress", "In progress", "Completed"])
    else:
        onboarding = random.choices(["Not started", "In progress", "Completed"],
                                    [15, 20, 65] if tier != "Free" else [40, 35, 25])[0]
    nps = "" if random.random() < 0.25 else str(min(10, max(0, int(random.gauss(7.6 if active else 5.5, 2.2)))))
    auto_renew = "N" if tier == "Free" or is_trial else ("Y" if random.random() < (0.75 if active else 0.45) else "N")
    mgr = random.choice(MGRS) if tier in ("Pro", "Enterprise") and random.random() < 0.9 else ""
    rows.append({
        "Record ID": rid, "company": comp, "plan_tier": tier, "seats": seats,
        "mrr_usd": ("%.2f" % mrr) if mrr else "0", "last_login": last_login,
        "trial_start": trial_start.isoformat(), "is_trial": "TRUE" if is_trial else "FALSE",
        "onboarding_status": onboarding, "nps": nps, "auto_renew": auto_renew, "acct_mgr": mgr,
        "hq_country": random.choice(COUNTRIES), "industry": random.choice(INDUSTRIES),
        "_active": active,
    })

with open(os.path.join(HERE, "customers.csv"), "w", newline="") as f:
    fields = [k for k in rows[0].keys() if not k.startswith("_")]
    w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)

# Product analytics events, 2025-01-01 .. 2026-06-29 (login events up to each account's last_login).
FEATURES = ["dashboards", "reports", "api", "integrations", "automations", "sso"]
events = []
for r in rows:
    if not r["last_login"]:
        continue
    last = datetime.fromisoformat(r["last_login"] + "T00:00:00")
    first = max(datetime.fromisoformat(r["trial_start"] + "T00:00:00"), datetime(2025, 1, 1))
    if last < first:
        first = last
    first = max(first, datetime(2025, 7, 1))
    if last < first:
        first = last
    span_days = max(1, (last - first).days)
    per_week = {"Free": 0.3, "Starter": 0.8, "Pro": 1.5, "Enterprise": 3.0}[r["plan_tier"]] * random.uniform(0.5, 1.5)
    n_login = max(1, int(span_days / 7.0 * per_week))
    days = sorted(random.randint(0, span_days) for _ in range(n_login - 1)) + [span_days]
    for d in days:
        ts = first + timedelta(days=d, hours=random.randint(7, 19), minutes=random.randint(0, 59))
        if d == span_days:
            ts = last + timedelta(hours=random.randint(7, 19), minutes=random.randint(0, 59))
        events.append((r["Record ID"], "login", ts, {}))
        for _ in range(random.choice([0, 0, 1, 1, 2, 3])):
            events.append((r["Record ID"], "feature_used", ts + timedelta(minutes=random.randint(1, 50)),
                           {"feature": random.choice(FEATURES)}))
        if random.random() < (0.08 if r["plan_tier"] != "Enterprise" else 0.15):
            events.append((r["Record ID"], "invite_sent", ts + timedelta(minutes=random.randint(1, 50)),
                           {"role": random.choice(["member", "admin"])}))
        if random.random() < 0.06:
            events.append((r["Record ID"], "export_created", ts + timedelta(minutes=random.randint(1, 50)),
                           {"format": random.choice(["csv", "pdf", "xlsx"])}))
events.sort(key=lambda e: e[2])
with open(os.path.join(HERE, "events.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["Record ID", "event", "timestamp", "properties"])
    for rid, name, ts, props in events:
        w.writerow([rid, name, ts.strftime("%Y-%m-%dT%H:%M:%SZ"), json.dumps(props) if props else ""])

# Invoices: monthly for paying accounts (annual for some Enterprise), 2025-01 .. 2026-06.
orders = []
inv = 10000
for r in rows:
    mrr = float(r["mrr_usd"])
    if mrr <= 0:
        continue
    start = max(date.fromisoformat(r["trial_start"]) + timedelta(days=14), date(2025, 1, 1))
    stop = date(2026, 6, 28)
    if not r["_active"] and random.random() < 0.5:
        stop = rand_date(date(2025, 6, 1), date(2026, 6, 15))
    annual = r["plan_tier"] == "Enterprise" and random.random() < 0.4
    d = start
    while d <= stop:
        inv += 1
        amt = mrr * 12 * 0.9 if annual else mrr * random.choice([1, 1, 1, 1, 1.1])
        orders.append(("INV-%d" % inv, r["Record ID"], d, round(amt, 2)))
        if annual:
            d = date(d.year + 1, d.month, min(d.day, 28))
        else:
            m = d.month + 1
            d = date(d.year + (m > 12), (m - 1) % 12 + 1, min(d.day, 28))
orders.sort(key=lambda o: o[2])
with open(os.path.join(HERE, "orders.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["invoice_id", "Record ID", "invoice_date", "amount"])
    for o in orders:
        w.writerow([o[0], o[1], o[2].isoformat(), "%.2f" % o[3]])
