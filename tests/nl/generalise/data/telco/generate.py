#!/usr/bin/env python3
"""Telecom subscriber CRM export (fixed seed). Writes customers.csv and events.csv next to this file.

As-of date of the benchmark: 2026-06-30. Every event lies before it.
"""
import csv
import os
import random
from datetime import date, datetime, timedelta

random.seed(20260630)
HERE = os.path.dirname(os.path.abspath(__file__))
N = 420
AS_OF = date(2026, 6, 30)

US_STATES = ["CA"] * 16 + ["TX"] * 11 + ["NY"] * 9 + ["FL"] * 9 + ["GA"] * 7 + ["IL"] * 6 + \
    ["WA"] * 5 + ["OH"] * 4 + ["NC"] * 4 + ["AZ"] * 4 + ["CO"] * 3 + ["PA"] * 5 + ["NJ"] * 3 + ["MI"] * 3
CA_PROVINCES = ["ON"] * 5 + ["QC"] * 3 + ["BC"] * 3 + ["AB"] * 2
FIRST = ["James", "Maria", "Robert", "Linda", "Michael", "Patricia", "David", "Jennifer", "Carlos", "Aisha",
         "Wei", "Fatima", "Liam", "Olivia", "Noah", "Emma", "Ethan", "Sofia", "Mason", "Chloe", "Lucas",
         "Ava", "Jamal", "Priya", "Hiro", "Grace", "Diego", "Nora", "Omar", "Leah"]
LAST = ["Smith", "Johnson", "Garcia", "Brown", "Nguyen", "Martinez", "Lee", "Patel", "Wilson", "Anderson",
        "Thomas", "Taylor", "Moore", "Jackson", "White", "Harris", "Clark", "Lewis", "Tremblay", "Roy",
        "Gagnon", "Walker", "Hall", "Young", "King"]


def account_id(used):
    while True:
        v = "%04d-%s" % (random.randint(1000, 9999), "".join(random.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(5)))
        if v not in used:
            used.add(v)
            return v


def yn(p):
    return "Yes" if random.random() < p else "No"


rows = []
used = set()
for i in range(N):
    aid = account_id(used)
    canada = random.random() < 0.14
    country = random.choice(["Canada", "Canada", "CA"]) if canada else random.choice(["United States", "US", "USA", "US"])
    state = random.choice(CA_PROVINCES) if canada else random.choice(US_STATES)
    if random.random() < 0.03:
        state = ""
    gender = random.choice(["Male", "Female"])
    senior = 1 if random.random() < 0.17 else 0
    partner = yn(0.48)
    dependents = yn(0.55 if partner == "Yes" else 0.12)
    tenure = random.choice([0, 0] + list(range(1, 73)) + list(range(1, 13)) * 2)
    if tenure < 12:
        contract = random.choices(["Month-to-month", "One year", "Two year"], [85, 11, 4])[0]
    elif tenure < 36:
        contract = random.choices(["Month-to-month", "One year", "Two year"], [55, 30, 15])[0]
    else:
        contract = random.choices(["Month-to-month", "One year", "Two year"], [25, 30, 45])[0]
    phone = yn(0.9)
    multiple = "No phone service" if phone == "No" else yn(0.45)
    internet = random.choices(["DSL", "Fiber optic", "No"], [34, 44, 22])[0]
    if phone == "No" and internet == "No":
        internet = "DSL"
    addons = {}
    for col, p in [("OnlineSecurity", 0.36), ("OnlineBackup", 0.44), ("DeviceProtection", 0.44),
                   ("TechSupport", 0.36), ("StreamingTV", 0.5), ("StreamingMovies", 0.5)]:
        addons[col] = "No internet service" if internet == "No" else yn(p)
    paperless = yn(0.65 if internet == "Fiber optic" else 0.5)
    payment = random.choices(["Electronic check", "Mailed check", "Bank transfer (automatic)", "Credit card (automatic)"],
                             [34 if contract == "Month-to-month" else 18, 22, 22, 22])[0]
    monthly = 0.0
    if phone == "Yes":
        monthly += 20.0 + (5.0 if multiple == "Yes" else 0.0)
    if internet == "DSL":
        monthly += 25.0
    elif internet == "Fiber optic":
        monthly += 50.0
    monthly += sum(10.0 for v in addons.values() if v == "Yes")
    monthly = round(monthly * random.uniform(0.93, 1.07), 2)
    if tenure == 0:
        total = ""
    else:
        total = "%.2f" % round(monthly * tenure * random.uniform(0.9, 1.05), 2)
    risk = 0.08
    if contract == "Month-to-month":
        risk += 0.28
    if internet == "Fiber optic":
        risk += 0.12
    if payment == "Electronic check":
        risk += 0.1
    if tenure < 12:
        risk += 0.12
    if senior:
        risk += 0.05
    if addons["TechSupport"] == "Yes":
        risk -= 0.08
    churn = "Yes" if random.random() < risk else "No"
    first = random.choice(FIRST)
    last = random.choice(LAST)
    email = "" if random.random() < 0.07 else "%s.%s%d@example.net" % (first.lower(), last.lower(), i)
    rows.append({
        "Account ID": aid, "Email": email, "gender": gender, "SeniorCitizen": senior, "Partner": partner,
        "Dependents": dependents, "tenure": tenure, "PhoneService": phone, "MultipleLines": multiple,
        "InternetService": internet, "OnlineSecurity": addons["OnlineSecurity"], "OnlineBackup": addons["OnlineBackup"],
        "DeviceProtection": addons["DeviceProtection"], "TechSupport": addons["TechSupport"],
        "StreamingTV": addons["StreamingTV"], "StreamingMovies": addons["StreamingMovies"], "Contract": contract,
        "PaperlessBilling": paperless, "PaymentMethod": payment, "MonthlyCharges": "%.2f" % monthly,
        "TotalCharges": total, "State": state, "Country": country, "Churn": churn,
    })

with open(os.path.join(HERE, "customers.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)

# Small events file: care-centre and billing events, 2025-01-01 .. 2026-06-29.
events = []
start = datetime(2025, 1, 1, 8, 0)
span = (datetime(2026, 6, 29, 20, 0) - start).total_seconds()
for r in rows:
    churned = r["Churn"] == "Yes"
    n_calls = random.choices([0, 1, 2, 3, 5], [45, 25, 15, 10, 5])[0] + (2 if churned and random.random() < 0.5 else 0)
    if r["TechSupport"] == "Yes":
        n_calls = max(0, n_calls - 1)
    for _ in range(n_calls):
        events.append((r["Account ID"], "support_call", start + timedelta(seconds=random.random() * span)))
    if r["PaymentMethod"] in ("Electronic check", "Mailed check") and random.random() < 0.3:
        for _ in range(random.randint(1, 3)):
            events.append((r["Account ID"], "payment_failed", start + timedelta(seconds=random.random() * span)))
    if random.random() < 0.12:
        events.append((r["Account ID"], "plan_upgrade", start + timedelta(seconds=random.random() * span)))
    if r["InternetService"] == "Fiber optic" and random.random() < 0.2:
        events.append((r["Account ID"], "outage_reported", start + timedelta(seconds=random.random() * span)))
# A few on fixed recent days so short windows have members.
for k, r in enumerate(rows[:12]):
    events.append((r["Account ID"], "support_call", datetime(2026, 6, 23 + (k % 7), 10 + k % 8, 15)))
events.sort(key=lambda e: e[2])
with open(os.path.join(HERE, "events.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["Account ID", "Event", "Timestamp"])
    for aid, name, ts in events:
        w.writerow([aid, name, ts.strftime("%Y-%m-%d %H:%M:%S")])
