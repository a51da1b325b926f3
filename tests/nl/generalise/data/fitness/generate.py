#!/usr/bin/env python3
"""Gym chain membership export (fixed seed). Writes customers.csv and orders.csv next to this file.

As-of date of the benchmark: 2026-06-30. Every date lies before it.
"""
import csv
import os
import random
from datetime import date, datetime, timedelta

random.seed(777)
HERE = os.path.dirname(os.path.abspath(__file__))
N = 450
AS_OF = date(2026, 6, 30)

CLUBS = ["Leeds"] * 18 + ["Manchester"] * 22 + ["Bristol"] * 14 + ["Sheffield"] * 10 + ["Nottingham"] * 10 + \
    ["Glasgow"] * 12 + ["Cardiff"] * 8
FIRST = ["Oliver", "Amelia", "Harry", "Isla", "Jack", "Ava", "George", "Mia", "Noah", "Freya", "Leo", "Ella",
         "Arthur", "Grace", "Muhammad", "Lily", "Oscar", "Sophie", "Charlie", "Zara", "Callum", "Niamh", "Rhys", "Aoife"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas", "Roberts", "Khan", "Walker",
        "Wright", "Hughes", "Patel", "Campbell", "Murray", "Davies", "Clarke", "Ali", "Edwards"]


def rand_date(a, b):
    return a + timedelta(days=random.randint(0, (b - a).days))


rows = []
for i in range(N):
    num = "M%06d" % (100200 + i * 7 + random.randint(0, 6))
    age = random.randint(16, 74)
    student_ok = age <= 26
    mtype = random.choices(["Basic", "Plus", "Premium", "Student"],
                           [35, 30, 18, 17 if student_ok else 0])[0]
    if random.random() < 0.04:
        join = rand_date(date(2026, 5, 15), date(2026, 6, 26))
    else:
        join = rand_date(date(2019, 1, 1), date(2026, 6, 26))
    status = random.choices(["Active", "Frozen", "Cancelled"], [74, 9, 17])[0]
    if (AS_OF - join).days < 60:
        status = "Active"
    pt = "Yes" if random.random() < {"Basic": 0.05, "Plus": 0.15, "Premium": 0.45, "Student": 0.04}[mtype] else "No"
    classes = random.choices([0, 1, 2, 3, 4, 5, 6], [20, 22, 22, 16, 10, 6, 4])[0]
    if mtype == "Premium":
        classes = min(7, classes + random.randint(0, 2))
    if status == "Cancelled":
        classes = 0
    if status == "Active":
        u = random.random()
        if u < 0.7:
            lv = rand_date(max(join, date(2026, 6, 19)), date(2026, 6, 29))
        elif u < 0.9:
            lv = rand_date(max(join, date(2026, 5, 1)), date(2026, 6, 27))
        else:
            lv = rand_date(max(join, date(2025, 9, 1)), date(2026, 6, 29))
    elif status == "Frozen":
        lv = rand_date(max(join, date(2025, 10, 1)), date(2026, 5, 31))
    else:
        lv = rand_date(join, min(AS_OF - timedelta(days=45), max(join, date(2025, 12, 31))))
    if lv < join:
        lv = join
    last_visit = "" if random.random() < 0.03 else lv.isoformat()
    dd = "Y" if random.random() < (0.85 if status != "Cancelled" else 0.3) else "N"
    first, last = random.choice(FIRST), random.choice(LAST)
    email = "" if random.random() < 0.05 else "%s.%s%d@example.co.uk" % (first.lower(), last.lower(), i)
    opt = "Yes" if random.random() < 0.55 else "No"
    rows.append({
        "Member Number": num, "First Name": first, "Last Name": last, "Email": email,
        "Membership Type": mtype, "Home Club": random.choice(CLUBS), "Personal Trainer": pt,
        "Classes per Week": classes, "Last Visit": last_visit, "Join Date": join.isoformat(),
        "Freeze Status": status, "Direct Debit (Y/N)": dd, "Age": age, "Email Opt In": opt,
        "_pt": pt, "_join": join, "_lv": lv, "_status": status,
    })

with open(os.path.join(HERE, "customers.csv"), "w", newline="") as f:
    fields = [k for k in rows[0].keys() if not k.startswith("_")]
    w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)

# Purchases at the clubs: personal training packs, merchandise, smoothies, 2025-01-01 .. 2026-06-29.
ITEMS = [("Smoothie", 4.5, 6.5, 50), ("Protein Shake", 3.95, 5.5, 20), ("Club T-Shirt", 18, 25, 6),
         ("Water Bottle", 8, 12, 6), ("Gym Bag", 30, 45, 3), ("PT Pack (5 sessions)", 175, 200, 0),
         ("PT Pack (10 sessions)", 320, 380, 0)]
orders = []
ref = 50000
for r in rows:
    lo = max(r["_join"], date(2025, 1, 1))
    hi = min(r["_lv"], date(2026, 6, 29))
    if hi < lo:
        continue
    n = random.choices([0, 1, 2, 3, 5, 8, 12], [30, 20, 15, 12, 10, 8, 5])[0]
    for _ in range(n):
        item = random.choices(ITEMS, [it[3] for it in ITEMS])[0]
        d = rand_date(lo, hi)
        ref += 1
        orders.append(("TX%d" % ref, r["Member Number"], d, item[0], round(random.uniform(item[1], item[2]), 2)))
    if r["_pt"] == "Yes":
        for _ in range(random.randint(1, 4)):
            item = random.choice(ITEMS[5:])
            ref += 1
            orders.append(("TX%d" % ref, r["Member Number"], rand_date(lo, hi), item[0],
                           round(random.uniform(item[1], item[2]), 2)))
orders.sort(key=lambda o: o[2])
with open(os.path.join(HERE, "orders.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["Transaction Ref", "Member Number", "Purchase Date", "Item", "Amount"])
    for o in orders:
        w.writerow([o[0], o[1], o[2].isoformat(), o[3], "£%.2f" % o[4]])
