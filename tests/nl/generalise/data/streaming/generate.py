#!/usr/bin/env python3
"""Generate the `streaming` dataset: a streaming-video service's subscriber export (camelCase
headers) and its event log. Writes customers.csv and events.csv next to this script.
Fixed seed; the CSVs are the source of truth. Reference date of the benchmark: 2026-06-30.
"""
import csv
import os
import random
from datetime import date, datetime, timedelta

random.seed(424242)
HERE = os.path.dirname(os.path.abspath(__file__))
N = 360
AS_OF = date(2026, 6, 30)
LOG_START = date(2025, 1, 1)  # the event log keeps 18 months

PRICES = {  # monthly price per plan and country (local list price, numbers only)
    "US": {"Basic with ads": 7.99, "Standard": 17.99, "Premium": 24.99},
    "CA": {"Basic with ads": 7.99, "Standard": 18.99, "Premium": 23.99},
    "GB": {"Basic with ads": 5.99, "Standard": 12.99, "Premium": 18.99},
    "DE": {"Basic with ads": 4.99, "Standard": 13.99, "Premium": 19.99},
    "BR": {"Basic with ads": 3.99, "Standard": 8.99, "Premium": 11.99},
    "IN": {"Basic with ads": 1.99, "Standard": 5.99, "Premium": 7.99},
}
NAMES = ["alex", "sam", "jordan", "taylor", "casey", "morgan", "riley", "jamie", "lena", "paulo",
         "ana", "raj", "priya", "jonas", "mia", "lucas", "emma", "noah", "arjun", "beatriz",
         "chloe", "felix", "hannah", "isaac", "julia", "kiran", "leo", "maria", "nina", "oliver"]
DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "gmx.de", "hotmail.co.uk"]


def ts(d, hour=None):
    h = random.randint(6, 23) if hour is None else hour
    return datetime(d.year, d.month, d.day, h, random.randint(0, 59), random.randint(0, 59)) \
        .strftime("%Y-%m-%dT%H:%M:%SZ")


subs, events = [], []
for i in range(N):
    sid = f"sub_{100200 + i * 7}"
    country = random.choices(["US", "GB", "CA", "DE", "BR", "IN"], [38, 16, 12, 12, 12, 10])[0]
    plan = random.choices(["Basic with ads", "Standard", "Premium"], [40, 35, 25])[0]
    signup = date(2022, 1, 3) + timedelta(days=random.randint(0, (date(2026, 6, 26) - date(2022, 1, 3)).days))
    pay = random.choices(["Credit card (auto-pay)", "Debit card (auto-pay)", "PayPal", "Gift card"],
                         [44, 24, 24, 8])[0]
    auto = "false" if pay == "Gift card" else ("true" if random.random() < 0.86 else "false")
    profiles = {"Basic with ads": random.choice([1, 1, 2, 2, 3]),
                "Standard": random.choice([1, 2, 2, 3, 4]),
                "Premium": random.choice([2, 3, 4, 4, 5])}[plan]
    genre = random.choices(["Drama", "Comedy", "Documentary", "Kids", "Sci-Fi", ""],
                           [26, 24, 14, 16 if profiles >= 3 else 6, 14, 5])[0]
    parental = "On" if (genre == "Kids" and random.random() < 0.8) or (profiles >= 3 and random.random() < 0.3) else "Off"
    if plan == "Basic with ads":
        downloads = "Not available on plan"
    else:
        downloads = "Yes" if random.random() < 0.62 else "No"
    price = PRICES[country][plan]
    if random.random() < 0.06:
        price = round(price * 0.5, 2)  # half-price promotion
    # churn: gift cards, no auto-renew, basic plan, failed payments more likely to leave
    p = 0.12 + (0.25 if auto == "false" else 0) + (0.08 if plan == "Basic with ads" else 0) \
        + (0.1 if pay == "Gift card" else 0)
    churned = random.random() < p
    failed_payments = random.choices([0, 0, 0, 1, 2, 3], [50, 10, 10, 15, 10, 5])[0] if pay != "Gift card" else 0
    if churned and failed_payments == 0 and pay != "Gift card" and random.random() < 0.4:
        failed_payments = random.randint(1, 3)
    # watching: churned subscribers stopped some time ago
    if churned:
        last_watch = AS_OF - timedelta(days=random.randint(35, 600))
    else:
        last_watch = AS_OF - timedelta(days=int(random.expovariate(1 / 9)))
    if last_watch < signup:
        last_watch = signup + timedelta(days=random.randint(0, 5))
    if last_watch > AS_OF - timedelta(days=1):
        last_watch = AS_OF - timedelta(days=1)
    never_watched = random.random() < 0.03
    # play_started events in the log window, up to lastWatched
    if not never_watched:
        start = max(signup, LOG_START, last_watch - timedelta(days=random.randint(30, 400)))
        span = (last_watch - start).days
        n_plays = 0 if span < 0 else max(1, int(span / random.uniform(2, 12)))
        days = sorted(random.sample(range(span + 1), min(n_plays, span + 1))) if span >= 0 else []
        if days and days[-1] != span:
            days.append(span)
        heavy = random.random() < 0.3  # binge watchers start several plays a day
        for d in days:
            for _ in range(random.randint(1, 4) if heavy else 1):
                events.append((sid, "play_started", ts(start + timedelta(days=d))))
    # trial conversion a week after signup, for the ~60% who started on a trial
    if random.random() < 0.6:
        conv = signup + timedelta(days=7)
        if LOG_START <= conv <= AS_OF - timedelta(days=1):
            events.append((sid, "trial_converted", ts(conv)))
    for _ in range(failed_payments):
        lo = max(signup, LOG_START)
        hi = last_watch + timedelta(days=30) if churned else AS_OF - timedelta(days=1)
        hi = min(hi, AS_OF - timedelta(days=1))
        if hi >= lo:
            events.append((sid, "payment_failed", ts(lo + timedelta(days=random.randint(0, (hi - lo).days)))))
    for _ in range(random.choices([0, 0, 0, 1, 1, 2, 4], [1] * 7)[0]):
        lo = max(signup, LOG_START)
        hi = AS_OF - timedelta(days=1)
        if hi >= lo:
            events.append((sid, "support_chat", ts(lo + timedelta(days=random.randint(0, (hi - lo).days)))))
    name = random.choice(NAMES)
    email = f"{name}{random.randint(10, 9999)}@{random.choice(DOMAINS)}" if random.random() > 0.04 else ""
    subs.append({
        "subscriberId": sid, "email": email, "country": country, "signupDate": signup.isoformat(),
        "planName": plan, "monthlyPrice": f"{price:.2f}", "autoRenew": auto,
        "paymentMethod": pay, "profilesCount": profiles, "favoriteGenre": genre,
        "parentalControls": parental, "downloadsEnabled": downloads,
        "lastWatched": "" if never_watched else last_watch.isoformat(),
        "churned": "Y" if churned else "N",
    })

# A few events on fixed days so calendar phrases always have members.
fixed = [(0, "support_chat", date(2026, 6, 29)), (3, "payment_failed", date(2026, 6, 29)),
         (5, "support_chat", date(2026, 6, 23)), (8, "payment_failed", date(2026, 6, 25)),
         (12, "support_chat", date(2026, 5, 18)), (15, "trial_converted", date(2026, 6, 3))]
for idx, name, d in fixed:
    events.append((subs[idx]["subscriberId"], name, ts(d, 14)))

events.sort(key=lambda e: e[2])
with open(os.path.join(HERE, "customers.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(subs[0].keys()))
    w.writeheader()
    w.writerows(subs)
with open(os.path.join(HERE, "events.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["subscriberId", "eventType", "eventTimestamp"])
    w.writerows(events)
print(f"{len(subs)} subscribers, {len(events)} events")
