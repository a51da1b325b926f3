#!/usr/bin/env python3
"""Regenerate the custom evaluation dataset (customers.csv, orders.csv, events.csv).

The CSVs in this folder are the source of truth; this script documents how they were made
(fixed seed, dates relative to the as-of date 2026-06-30). Rerunning it rewrites them; the
expected definitions in ../cases were checked against the committed CSVs, so recheck every
`custom` case (see ../README.md) if you change anything here.
"""
import csv
import datetime as dt
import os
import random

AS_OF = dt.date(2026, 6, 30)
HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20260630)

FIRST = ["Ava", "Ben", "Carla", "Dev", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jon", "Kofi", "Lena", "Marco", "Nadia", "Owen",
         "Priya", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Viktor", "Wren", "Xiu", "Yara", "Zane"]
LAST = ["Adler", "Baker", "Costa", "Diaz", "Evans", "Fischer", "Gupta", "Hughes", "Ito", "Jensen", "Kowalski", "Lopez", "Moreau",
        "Nguyen", "Okafor", "Park", "Quist", "Reyes", "Schmidt", "Tanaka"]
# (value written in the file, ISO code, weight): names and codes mixed on purpose.
COUNTRIES = [("United States", "US", 25), ("US", "US", 22), ("United Kingdom", "GB", 7), ("GB", "GB", 5), ("Canada", "CA", 10),
             ("Germany", "DE", 8), ("France", "FR", 6), ("Australia", "AU", 6), ("Ireland", "IE", 4), ("Mexico", "MX", 4), ("JP", "JP", 3)]
US_STATES = [("California", "San Diego", 16), ("CA", "Los Angeles", 6), ("Texas", "Austin", 10), ("TX", "Houston", 5),
             ("New York", "Brooklyn", 10), ("Florida", "Miami", 8), ("WA", "Seattle", 7), ("Illinois", "Chicago", 6),
             ("Massachusetts", "Boston", 5), ("Colorado", "Denver", 5), ("Oregon", "Portland", 4), ("Ohio", "Columbus", 4)]
OTHER_REGIONS = {"CA": [("ON", "Toronto"), ("QC", "Montreal"), ("BC", "Vancouver")], "AU": [("NSW", "Sydney"), ("VIC", "Melbourne")],
                 "GB": [("", "London"), ("", "Manchester")], "DE": [("", "Berlin"), ("", "Munich")], "FR": [("", "Paris"), ("", "Lyon")],
                 "IE": [("", "Dublin")], "MX": [("", "Monterrey")], "JP": [("", "Osaka")]}
TIERS = ["Bronze", "Silver", "Gold", "Platinum"]
CHANNELS = [("Email", 45), ("SMS", 25), ("Push", 30)]
CONTRACTS = [("Month-to-month", 50), ("One year", 30), ("Two year", 20)]
CATEGORIES = [("Electronics", 25), ("Home & Garden", 25), ("Outdoors", 20), ("Beauty", 15), ("Toys", 15)]
EVENTS = [("page_view", 40), ("app_session", 16), ("email_open", 16), ("email_click", 7), ("add_to_cart", 10),
          ("cart_abandoned", 6), ("support_ticket", 3), ("review_posted", 2)]
FIRST_DAY = dt.date(2025, 1, 1)


def pick(table):
    total = sum(t[-1] for t in table)
    x = rng.uniform(0, total)
    for t in table:
        if x < t[-1]:
            return t
        x -= t[-1]
    return table[-1]


def day_between(a, b):
    return a + dt.timedelta(days=rng.randint(0, max(0, (b - a).days)))


def stamp(d, style):
    h, m = rng.randint(7, 22), rng.randint(0, 59)
    if style == 0:
        return f"{d.isoformat()}T{h:02d}:{m:02d}:00Z"
    if style == 1:
        return f"{d.isoformat()} {h:02d}:{m:02d}"
    return d.isoformat()


def yes(p, words=("Yes", "No")):
    return words[0] if rng.random() < p else words[1]


customers, orders, events = [], [], []
N = 110
for i in range(N):
    cid = f"K-{1001 + i}"
    first, last = rng.choice(FIRST), rng.choice(LAST)
    written, iso, _ = pick(COUNTRIES)
    if iso == "US":
        region, city, _ = pick(US_STATES)
    else:
        region, city = rng.choice(OTHER_REGIONS[iso])
    # Signup: mostly 2023-2025, with a recent cohort.
    r = rng.random()
    if r < 0.08:
        signup = AS_OF - dt.timedelta(days=rng.randint(0, 13))
    elif r < 0.16:
        signup = AS_OF - dt.timedelta(days=rng.randint(14, 75))
    else:
        signup = day_between(dt.date(2023, 1, 1), dt.date(2026, 3, 31))
    # Buying habit.
    r = rng.random()
    if r < 0.17:
        kind, n_orders, level = "never", 0, 0
    elif r < 0.37:
        kind, n_orders, level = "once", 1, rng.uniform(20, 180)
    elif r < 0.67:
        kind, n_orders, level = "repeat", rng.randint(2, 4), rng.uniform(25, 160)
    elif r < 0.90:
        kind, n_orders, level = "loyal", rng.randint(5, 12), rng.uniform(30, 140)
    else:
        kind, n_orders, level = "whale", rng.randint(8, 20), rng.uniform(150, 420)
    start = max(signup, FIRST_DAY)
    # About 40% stopped being active some time ago.
    active_until = AS_OF if rng.random() < 0.6 else day_between(start, AS_OF - dt.timedelta(days=20))
    for n in range(n_orders):
        d = day_between(start, active_until)
        amount = round(level * rng.uniform(0.5, 1.7), 2)
        orders.append({"cid": cid, "day": d, "amount": amount, "units": rng.randint(1, 6)})
    n_events = int(rng.random() ** 1.6 * 30)
    for n in range(n_events):
        lo = max(start, active_until - dt.timedelta(days=240))
        events.append({"cid": cid, "day": day_between(lo, active_until), "name": pick(EVENTS)[0]})
    spend = sum(o["amount"] for o in orders if o["cid"] == cid)
    tier_ix = 0 if spend < 150 else 1 if spend < 500 else 2 if spend < 1200 else 3
    tier_ix = max(0, min(3, tier_ix + rng.choice([-1, 0, 0, 0, 1])))
    contract, _ = pick(CONTRACTS)
    renewal = ""
    if contract != "Month-to-month":
        renewal = day_between(dt.date(2026, 7, 1), dt.date(2027, 12, 31) if contract == "One year" else dt.date(2028, 6, 30)).isoformat()
    charges = round(rng.uniform(19, 59) if contract == "Month-to-month" and rng.random() < 0.5 else rng.uniform(45, 125), 2)
    nps = "" if rng.random() < 0.08 else str(min(10, max(0, int(rng.gauss(7, 2.5)))))
    customers.append({
        "Client ID": cid,
        "E-Mail Address": f"{first.lower()}.{last.lower()}{i}@example.org" if rng.random() < 0.95 else "",
        "Given Name": first,
        "Surname": last,
        "Mobile": f"+1555{2000000 + i:07d}" if rng.random() < 0.7 else "",
        "Country Code": written,
        "State": region,
        "Town": city,
        "Joined": signup.isoformat(),
        "Email Opt-In": yes(0.65),
        "SMS Opt-In": yes(0.35, ("Y", "N")),
        "Accepts Ads": yes(0.55, ("TRUE", "FALSE")),
        "LoyaltyTier": TIERS[tier_ix],
        "NPS_Score": nps,
        "PreferredChannel": pick(CHANNELS)[0],
        "IsStudent": yes(0.2),
        "ContractType": contract,
        "MonthlyCharges": f"${charges:.2f}",
        "HasPets": yes(0.4),
        "Household Size": str(rng.choices([1, 2, 3, 4, 5, 6], [22, 30, 18, 17, 9, 4])[0]),
        "Fav Category": pick(CATEGORIES)[0],
        "Renewal Date": renewal,
    })

# A few fixed activities so calendar phrases ("this week", "last week", February 2026) have members.
fixed = [("K-1003", "2026-06-29", 64.5), ("K-1010", "2026-06-30", 212.0), ("K-1024", "2026-06-29", 38.25),
         ("K-1031", "2026-06-23", 120.0), ("K-1047", "2026-06-25", 75.0), ("K-1052", "2026-02-14", 99.0),
         ("K-1066", "2026-02-03", 45.0), ("K-1071", "2026-01-15", 310.0), ("K-1080", "2026-03-09", 58.0)]
for cid, day, amount in fixed:
    orders.append({"cid": cid, "day": dt.date.fromisoformat(day), "amount": amount, "units": 2})
for cid, day, name in [("K-1005", "2026-06-29", "cart_abandoned"), ("K-1012", "2026-06-30", "cart_abandoned"),
                       ("K-1020", "2026-06-30", "email_open"), ("K-1033", "2026-06-29", "app_session"),
                       ("K-1041", "2026-06-24", "support_ticket"), ("K-1058", "2026-06-22", "cart_abandoned")]:
    events.append({"cid": cid, "day": dt.date.fromisoformat(day), "name": name})

orders.sort(key=lambda o: (o["day"], o["cid"]))
events.sort(key=lambda e: (e["day"], e["cid"]))

with open(os.path.join(HERE, "customers.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(customers[0].keys()))
    w.writeheader()
    w.writerows(customers)

with open(os.path.join(HERE, "orders.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["Transaction ID", "Client ID", "Purchased At", "Order Total", "Units", "Store"])
    for n, o in enumerate(orders):
        total = f"${o['amount']:,.2f}" if n % 3 == 0 else f"{o['amount']:.2f}"
        w.writerow([f"T{50000 + n}", o["cid"], stamp(o["day"], n % 3), total, o["units"], rng.choice(["Online", "Flagship", "Outlet"])])

with open(os.path.join(HERE, "events.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["Client ID", "Event Type", "Event Time", "Source"])
    for n, e in enumerate(events):
        w.writerow([e["cid"], e["name"], stamp(e["day"], n % 2), rng.choice(["web", "ios", "android", "esp"])])

print(f"{len(customers)} customers, {len(orders)} orders, {len(events)} events")
