#!/usr/bin/env python3
"""Generate the `bank` dataset: a retail bank's customer extract (PascalCase/camelCase headers,
in the style of the well-known bank-churn extracts). Writes customers.csv next to this script.
Fixed seed; the CSV is the source of truth. Reference date of the benchmark: 2026-06-30.
"""
import csv
import math
import os
import random
from datetime import date, timedelta

random.seed(7731)
HERE = os.path.dirname(os.path.abspath(__file__))
N = 500
AS_OF = date(2026, 6, 30)

SURNAMES = ["Hargrave", "Hill", "Onio", "Boni", "Mitchell", "Chu", "Bartlett", "Obinna", "He",
            "H?", "Bearce", "Andrews", "Kay", "Chin", "Scott", "Goforth", "Romeo", "Henderson",
            "Muldrow", "Hao", "McDonald", "Dellucci", "Gerasimov", "Mosman", "Yen", "Maclean",
            "Young", "Nebechi", "McWilliams", "Lucciano", "Azikiwe", "Odinakachukwu", "Sanderson",
            "Maggard", "Clements", "Lombardo", "Watson", "Lorenzo", "Armstrong", "Cameron", "Hsiao",
            "Martin", "Dubois", "Lefebvre", "Moreau", "Garcia", "Fernandez", "Lopez", "Schmidt",
            "Schneider", "Fischer", "Weber", "Becker", "Rossi", "Bianchi", "Sanchez", "Perez"]
SURNAMES = [s for s in SURNAMES if "?" not in s]

rows = []
ids = random.sample(range(15565000, 15815000), N)
for cid in ids:
    geo = random.choices(["France", "Germany", "Spain"], weights=[50, 25, 25])[0]
    gender = random.choices(["Male", "Female"], weights=[54, 46])[0]
    age = int(min(88, max(18, random.gauss(39, 10.5))))
    tenure = random.randint(0, 10)
    credit = int(min(850, max(350, random.gauss(650, 96))))
    if geo == "Germany":
        balance = round(random.gauss(120000, 27000), 2)
    else:
        balance = 0.0 if random.random() < 0.48 else round(random.gauss(118000, 30000), 2)
    balance = max(0.0, balance)
    products = random.choices([1, 2, 3, 4], weights=[50, 42, 6, 2])[0]
    has_card = 1 if random.random() < 0.70 else 0
    active = 1 if random.random() < 0.51 else 0
    salary = round(random.uniform(11500, 199900), 2)
    # exit probability: older, German, inactive, 3-4 products, female slightly more
    z = -2.1 + 0.055 * (age - 39) + (0.75 if geo == "Germany" else 0) + (-0.9 if active else 0) \
        + (2.3 if products >= 3 else (-0.6 if products == 2 else 0)) + (0.25 if gender == "Female" else 0)
    exited = 1 if random.random() < 1 / (1 + math.exp(-z)) else 0
    complain = 1 if random.random() < (0.9 if exited else 0.03) else 0
    satisfaction = random.randint(1, 5) if not complain else random.choices([1, 2, 3, 4, 5], [4, 3, 2, 1, 1])[0]
    card = random.choices(["Silver", "Gold", "Platinum", "Diamond"], weights=[30, 28, 24, 18])[0]
    points = random.randint(200, 1000)
    # last transaction date: recent for active members, older for leavers; a few never transacted
    if exited:
        last = AS_OF - timedelta(days=random.randint(120, 700))
    elif active:
        last = AS_OF - timedelta(days=random.randint(1, 45))
    else:
        last = AS_OF - timedelta(days=random.randint(20, 400))
    last_s = last.isoformat() if random.random() > 0.04 else ""
    rows.append({
        "CustomerId": cid, "Surname": random.choice(SURNAMES), "CreditScore": credit,
        "Geography": geo, "Gender": gender, "Age": age, "Tenure": tenure,
        "Balance": f"{balance:.2f}", "NumOfProducts": products, "HasCrCard": has_card,
        "IsActiveMember": active, "EstimatedSalary": f"{salary:.2f}", "Exited": exited,
        "Complain": complain, "SatisfactionScore": satisfaction, "CardType": card,
        "PointEarned": points, "lastTxnDate": last_s,
    })

with open(os.path.join(HERE, "customers.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)
print(f"{len(rows)} customers")
