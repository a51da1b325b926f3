#!/usr/bin/env python3
"""Generate the `shop` dataset: an online shop's exports in the style of a Shopify admin export.

customers.csv and orders.csv are written next to this script. Fixed seed; the CSVs are the
source of truth. Reference date of the benchmark: 2026-06-30 (all data lies before it).
"""
import csv
import os
import random
from datetime import datetime, timedelta

random.seed(20260630)
HERE = os.path.dirname(os.path.abspath(__file__))
N_CUSTOMERS = 420

FIRST = ["Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
         "Mia", "Mason", "Amelia", "Ethan", "Harper", "Logan", "Evelyn", "Aiden", "Abigail", "Jack",
         "Ella", "Henry", "Chloe", "Owen", "Grace", "Leo", "Zoe", "Nina", "Giorgi", "Nino", "Tamar",
         "Levan", "Ana", "Dato", "Priya", "Wei", "Fatima", "Mateo", "Camila", "Sofia", "Daniel",
         "Hannah", "Ruby", "Oscar", "Freya", "Charlotte", "Jasper", "Maya", "Tyler", "Brooke"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Martinez",
        "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee",
        "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Young", "Allen", "King",
        "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Roberts",
        "Beridze", "Kapanadze", "Gelashvili", "Tremblay", "Gagnon", "Roy", "Evans", "Hughes"]
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "proton.me"]

# Country (ISO code, as in Shopify's country-code export column), weight, [(province, city, weight)], phone prefix
COUNTRIES = [
    ("US", 56, [("GA", "Atlanta", 14), ("GA", "Savannah", 5), ("CA", "Los Angeles", 12),
                           ("CA", "San Diego", 6), ("NY", "Brooklyn", 12), ("TX", "Austin", 10),
                           ("FL", "Miami", 9), ("WA", "Seattle", 7), ("IL", "Chicago", 7),
                           ("MA", "Boston", 5), ("CO", "Denver", 5), ("OR", "Portland", 4)], "+1"),
    ("CA", 15, [("ON", "Toronto", 8), ("BC", "Vancouver", 5), ("QC", "Montreal", 4),
                    ("AB", "Calgary", 3)], "+1"),
    ("GB", 12, [("", "London", 6), ("", "Manchester", 3), ("", "Bristol", 2)], "+44"),
    ("AU", 7, [("NSW", "Sydney", 4), ("VIC", "Melbourne", 3)], "+61"),
    ("GE", 6, [("", "Tbilisi", 5), ("", "Batumi", 2)], "+995"),
    ("DE", 4, [("", "Berlin", 3), ("", "Munich", 2)], "+49"),
]

START = datetime(2024, 1, 8)
END = datetime(2026, 6, 29, 21, 0)
CODES = ["WELCOME10", "SPRING15", "BFCM25", "FREESHIP", "VIP20", "WHOLESALE30", "SUMMER10"]


def wpick(items, weights):
    return random.choices(items, weights=weights, k=1)[0]


def phone(prefix):
    if prefix == "+1":
        return f"+1 {random.randint(201, 989)}-555-{random.randint(100, 999):04d}"
    return f"{prefix} {random.randint(20, 99)} {random.randint(1000, 9999)} {random.randint(100, 999)}"


def shopify_ts(dt, country):
    off = {"US": "-04:00", "CA": "-04:00", "GB": "+01:00",
           "AU": "+10:00", "GE": "+04:00", "DE": "+02:00"}[country]
    return dt.strftime("%Y-%m-%d %H:%M:%S") + off


customers = []
orders = []
order_no = 1001
used_emails = set()
for i in range(N_CUSTOMERS):
    cnum = 40001 + i
    fn, ln = random.choice(FIRST), random.choice(LAST)
    country, _, places, prefix = wpick(COUNTRIES, [c[1] for c in COUNTRIES])
    prov, city, _ = wpick(places, [p[2] for p in places])
    group = wpick(["Regular", "VIP", "Wholesale"], [76, 12, 12])
    email = f"{fn.lower()}.{ln.lower()}{random.randint(1, 999)}@{random.choice(DOMAINS)}"
    if email in used_emails or random.random() < 0.05:
        email = ""  # a few POS-only customers gave no email
    used_emails.add(email)
    accepts_email = "yes" if email and random.random() < (0.75 if group == "VIP" else 0.52) else "no"
    accepts_sms = "yes" if random.random() < (0.4 if group == "VIP" else 0.22) else "no"
    ph = phone(prefix) if random.random() < 0.7 else ""
    if accepts_sms == "yes" and not ph:
        ph = phone(prefix)
    tax_exempt = "yes" if group == "Wholesale" and random.random() < 0.8 else "no"

    # when the customer first appeared: spread across 2024-2026
    first = START + timedelta(days=random.randint(0, (END - START).days - 3),
                              hours=random.randint(8, 21), minutes=random.randint(0, 59),
                              seconds=random.randint(0, 59))
    # number of orders
    if random.random() < 0.12:
        n = 0  # account created, never ordered
    elif group == "VIP":
        n = random.randint(3, 14)
    elif group == "Wholesale":
        n = random.randint(2, 9)
    else:
        n = wpick([1, 1, 1, 2, 2, 3, 4, 5, 6], [1] * 9)
    churny = random.random() < 0.35
    t = first
    for k in range(n):
        if t > END:
            break
        if group == "Wholesale":
            total = round(random.uniform(250, 2200), 2)
            items = random.randint(12, 120)
        elif group == "VIP":
            total = round(random.uniform(80, 520), 2)
            items = random.randint(2, 9)
        else:
            total = round(random.lognormvariate(4.0, 0.55), 2)
            items = random.randint(1, 5)
        r = random.random()
        if group == "Wholesale" and r < 0.7:
            code = "WHOLESALE30"
        elif group == "VIP" and r < 0.3:
            code = "VIP20"
        elif k == 0 and r < 0.35:
            code = "WELCOME10"
        elif t.month == 11 and t.day >= 24 and r < 0.6:
            code = "BFCM25"
        elif r < 0.12:
            code = random.choice(["SPRING15", "FREESHIP", "SUMMER10"])
        else:
            code = ""
        channel = wpick(["Online Store", "POS", "Instagram"],
                        [80, 5, 15] if group != "Wholesale" else [70, 30, 0])
        if country in ("GE", "DE", "AU") and channel == "POS":
            channel = "Online Store"
        orders.append({"Order Number": f"#{order_no}", "Customer Number": cnum,
                       "Created at": shopify_ts(t, country), "Total ($)": f"{total:.2f}",
                       "Items": items, "Discount Code": code, "Channel": channel})
        order_no += 1
        gap = random.randint(10, 90) if not churny else random.randint(60, 300)
        if group == "Wholesale":
            gap = random.randint(20, 75)
        t = t + timedelta(days=gap, hours=random.randint(-5, 5), minutes=random.randint(0, 59),
                          seconds=random.randint(0, 59))
    customers.append({
        "Customer Number": cnum, "First Name": fn, "Last Name": ln, "Email": email,
        "Phone": ph, "Accepts Email Marketing": accepts_email,
        "Accepts SMS Marketing": accepts_sms, "City": city, "Province": prov,
        "Country": country, "Customer Group": group, "Tax Exempt": tax_exempt,
    })

# Make sure calendar phrases always have members: a few orders on fixed days.
fixed = [(40003, datetime(2026, 6, 29, 10, 15)), (40011, datetime(2026, 6, 24, 18, 2)),
         (40017, datetime(2026, 5, 12, 9, 40)), (40025, datetime(2025, 11, 28, 7, 5)),
         (40031, datetime(2025, 11, 29, 12, 30)), (40042, datetime(2026, 2, 14, 20, 0)),
         (40050, datetime(2025, 12, 20, 15, 45))]
by_num = {c["Customer Number"]: c for c in customers}
for cnum, dt in fixed:
    c = by_num[cnum]
    orders.append({"Order Number": f"#{order_no}", "Customer Number": cnum,
                   "Created at": shopify_ts(dt, c["Country"]),
                   "Total ($)": f"{round(random.uniform(40, 260), 2):.2f}",
                   "Items": random.randint(1, 4),
                   "Discount Code": "BFCM25" if dt.month == 11 else "",
                   "Channel": "Online Store"})
    order_no += 1

orders.sort(key=lambda o: o["Created at"][:19])
for k, o in enumerate(orders):
    o["Order Number"] = f"#{1001 + k}"

with open(os.path.join(HERE, "customers.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(customers[0].keys()))
    w.writeheader()
    w.writerows(customers)
with open(os.path.join(HERE, "orders.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(orders[0].keys()))
    w.writeheader()
    w.writerows(orders)
print(f"{len(customers)} customers, {len(orders)} orders")
