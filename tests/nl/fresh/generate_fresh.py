#!/usr/bin/env python3
"""Generate the four `fresh` held-out exports (airline, insurance, learning, delivery).

Writes data/<dataset>/{customers,orders,events}.csv next to this script (only the files a
dataset has). Every dataset has its own fixed seed, so the output is byte-for-byte the same on
every run; the CSVs are the source of truth. Reference (as-of) date: 2026-06-30; every order and
event lies on or before it.

    python3 tests/nl/fresh/generate_fresh.py
"""
import csv
import os
import random
from datetime import date, datetime, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
AS_OF = date(2026, 6, 30)
LOG_START = date(2025, 1, 1)  # order and event history kept by every export: 18 months

FIRST = ["James", "Maria", "Robert", "Linda", "Michael", "Patricia", "David", "Jennifer", "Carlos",
         "Aisha", "Wei", "Fatima", "Liam", "Olivia", "Noah", "Emma", "Ethan", "Sofia", "Mason",
         "Chloe", "Lucas", "Ava", "Jamal", "Priya", "Hiro", "Grace", "Diego", "Nora", "Omar", "Leah",
         "Siobhan", "Callum", "Niamh", "Rhys", "Aoife", "Kwame", "Yuki", "Ingrid", "Mateus", "Zara"]
LAST = ["Smith", "Johnson", "Garcia", "Brown", "Nguyen", "Martinez", "Lee", "Patel", "Wilson",
        "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "White", "Harris", "Clark", "Lewis",
        "Murphy", "Kelly", "O'Brien", "Walker", "Hall", "Young", "King", "Schmidt", "Tanaka",
        "Silva", "Okafor", "Singh"]


def write(dataset, name, header, rows):
    folder = os.path.join(HERE, "data", dataset)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def rand_date(rng, start, end):
    return start + timedelta(days=rng.randint(0, (end - start).days))


def rand_dt(rng, start, end):
    d = rand_date(rng, start, end)
    return datetime(d.year, d.month, d.day, rng.randint(6, 22), rng.randint(0, 59), rng.randint(0, 59))


def money(v, symbol="$"):
    return f"{symbol}{v:,.2f}"


# --------------------------------------------------------------------------------------------
# airline: a loyalty programme's member export (Title Case CRM headers), bookings, activity log
# --------------------------------------------------------------------------------------------
def airline():
    rng = random.Random(20261203)
    n = 480
    countries = ["United States"] * 40 + ["Canada"] * 10 + ["United Kingdom"] * 10 + ["Germany"] * 8 + \
        ["Mexico"] * 8 + ["Brazil"] * 6 + ["Japan"] * 6 + ["France"] * 6 + ["India"] * 6
    airports = {"United States": ["JFK", "JFK", "LAX", "ORD", "ATL", "SFO", "SEA", "BOS", "DFW", "MIA"],
                "Canada": ["YYZ", "YYZ", "YVR"], "United Kingdom": ["LHR"], "Germany": ["FRA"],
                "Mexico": ["MEX"], "Brazil": ["GRU"], "Japan": ["NRT"], "France": ["CDG"], "India": ["DEL"]}
    members, bookings, activity = [], [], []
    for i in range(n):
        mid = f"HM{40017000 + i * 13}"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = "" if rng.random() < 0.05 else f"{first.lower()}.{last.lower().replace(chr(39), '')}{i}@example.com"
        country = rng.choice(countries)
        airport = rng.choice(airports[country])
        tier = rng.choices(["Blue", "Silver", "Gold", "Gold (legacy)", "Platinum", "Platinum (lifetime)"],
                           [46, 22, 13, 6, 9, 4])[0]
        enrolled = rand_date(rng, date(2012, 1, 1), date(2026, 6, 20))
        if tier == "Platinum (lifetime)" and enrolled > date(2018, 1, 1):
            enrolled = rand_date(rng, date(2008, 1, 1), date(2017, 12, 31))
        if tier == "Gold (legacy)" and enrolled > date(2021, 1, 1):
            enrolled = rand_date(rng, date(2013, 1, 1), date(2020, 12, 31))
        level = {"Blue": 0, "Silver": 1, "Gold": 2, "Gold (legacy)": 2, "Platinum": 3, "Platinum (lifetime)": 3}[tier]
        status_miles = {0: rng.randint(0, 24999), 1: rng.randint(25000, 49999), 2: rng.randint(50000, 74999),
                        3: rng.randint(75000, 160000)}[level]
        if tier in ("Gold (legacy)", "Platinum (lifetime)"):
            status_miles = rng.randint(0, 60000)
        if level == 0 and rng.random() < 0.25:
            status_miles = 0
        balance = int(rng.paretovariate(1.3) * 4000) - 4000 + rng.randint(0, 3000) + status_miles // 3
        balance = max(0, min(balance, 1250000))
        card = "Yes" if rng.random() < 0.18 + 0.1 * level else "No"
        lounge = "Included with tier" if level == 3 else ("Annual pass" if rng.random() < 0.08 + 0.07 * level else "None")
        seat = rng.choices(["Window", "Aisle", "No preference"], [42, 38, 20])[0]
        meal = rng.choices(["Standard", "Vegetarian", "Vegan", "Halal", "Kosher", "Gluten-free"], [70, 11, 5, 6, 3, 5])[0]
        cabin = rng.choices(["Economy", "Premium Economy", "Business", "First"],
                            [[78, 14, 7, 1], [60, 22, 16, 2], [40, 22, 33, 5], [22, 20, 45, 13]][level])[0]
        age = rng.randint(19, 82)
        optin = "Yes" if rng.random() < 0.58 else "No"
        pool = "Y" if rng.random() < 0.16 else "N"
        # bookings (ticket purchases), 2025-01-01 .. as-of
        rate = [0.7, 2.0, 3.5, 6.0][level] * rng.uniform(0.3, 1.6)
        dormant = rng.random() < 0.22
        n_book = 0 if rng.random() < 0.12 else max(0, int(rng.expovariate(1 / rate) + 0.5))
        last_flight = ""
        fares = {"Economy": (90, 900), "Premium Economy": (350, 1600), "Business": (900, 6200), "First": (2500, 11000)}
        flights = []
        for _ in range(n_book):
            end = date(2025, 12, 31) if dormant else AS_OF
            booked = rand_dt(rng, LOG_START, end)
            c = cabin if rng.random() < 0.7 else rng.choice(list(fares))
            pax = rng.choices([1, 2, 3, 4], [62, 24, 8, 6])[0]
            fare = round(rng.uniform(*fares[c]) * pax, 2)
            pnr = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
            dest = rng.choice(["LHR", "CDG", "NRT", "JFK", "LAX", "CUN", "MEX", "FRA", "GRU", "YYZ", "DXB", "SIN"])
            bookings.append([pnr, mid, booked.strftime("%Y-%m-%d %H:%M"), money(fare), pax, f"{airport}-{dest}", c])
            flights.append(booked.date() + timedelta(days=rng.randint(3, 90)))
        flown = [d for d in flights if d <= AS_OF]
        if flown:
            last_flight = max(flown).isoformat()
        elif rng.random() < 0.6:
            last_flight = rand_date(rng, date(2019, 1, 1), date(2024, 12, 31)).isoformat()
        members.append([mid, first, last, email, country, airport, tier, balance, status_miles, card,
                        lounge, seat, meal, cabin, age, enrolled.isoformat(), last_flight, optin, pool])
        # activity log
        for name, p, k in [("miles_redeemed", 0.25 + 0.1 * level, 3), ("upgrade_requested", 0.08 + 0.12 * level, 2),
                           ("partner_hotel_stay", 0.15, 2), ("mobile_check_in", 0.5 if n_book else 0.0, 6),
                           ("miles_purchased", 0.06, 1), ("customer_care_contact", 0.2, 3)]:
            if rng.random() < p:
                for _ in range(rng.randint(1, k)):
                    activity.append([mid, name, rand_dt(rng, LOG_START, AS_OF - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")])
    # fixed recent rows so short windows always have members
    for k in range(10):
        m = members[k * 7]
        activity.append([m[0], "miles_redeemed", datetime(2026, 6, 23 + k % 7, 9 + k, 5).strftime("%Y-%m-%d %H:%M:%S")])
        bookings.append([f"ZZ{k:04d}", members[k * 11][0], datetime(2026, 6, 22 + k % 8, 12, 30).strftime("%Y-%m-%d %H:%M"),
                         money(420.0 + 37 * k), 1, "JFK-LHR", "Economy"])
    bookings.sort(key=lambda b: b[2])
    activity.sort(key=lambda a: a[2])
    write("airline", "customers.csv",
          ["Member ID", "First Name", "Last Name", "Email Address", "Country of Residence", "Home Airport",
           "Tier Status", "Miles Balance", "Status Miles (YTD)", "Co-Brand Credit Card", "Lounge Access",
           "Seat Preference", "Meal Preference", "Preferred Cabin", "Age", "Enrollment Date",
           "Last Flight Date", "Marketing Opt-In", "Family Pooling (Y/N)"], members)
    write("airline", "orders.csv", ["Booking Ref", "Member ID", "Booking Date", "Amount Paid", "Passengers", "Route", "Cabin"], bookings)
    write("airline", "events.csv", ["Member ID", "Event", "Activity Date"], activity)


# --------------------------------------------------------------------------------------------
# insurance: a personal-lines insurer's policyholder export (CRM headers), and a service log
# --------------------------------------------------------------------------------------------
def insurance():
    rng = random.Random(77031)
    n = 540
    states = ["CA", "California", "TX", "Texas", "FL", "Florida", "NY", "New York", "PA", "OH", "IL", "GA",
              "NC", "MI", "AZ", "WA", "Washington", "CO", "MA", "NJ", "TN", "OR"]
    weights = [10, 5, 8, 4, 7, 3, 6, 3, 4, 4, 4, 4, 3, 3, 3, 3, 1, 3, 2, 2, 2, 2]
    rows, events = [], []
    for i in range(n):
        pid = f"PH-{200311 + i * 3}"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = "" if rng.random() < 0.08 else f"{first[0].lower()}{last.lower().replace(chr(39), '')}{i}@mailbox.test"
        phone = "" if rng.random() < 0.2 else f"+1 555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
        state = rng.choices(states, weights)[0]
        age = rng.randint(18, 84)
        ptype = rng.choices(["Auto", "Home", "Renters", "Life (term)", "Life (whole)", "Umbrella", "Pet"],
                            [34, 22, 12, 12, 6, 5, 9])[0]
        if ptype == "Renters" and age > 60:
            ptype = "Home"
        level = rng.choices(["Basic", "Standard", "Comprehensive", "Comprehensive (legacy)"], [25, 42, 25, 8])[0]
        base = {"Auto": 1450, "Home": 1650, "Renters": 210, "Life (term)": 620, "Life (whole)": 2900,
                "Umbrella": 380, "Pet": 540}[ptype]
        premium = base * {"Basic": 0.7, "Standard": 1.0, "Comprehensive": 1.45, "Comprehensive (legacy)": 1.3}[level]
        premium = round(premium * rng.uniform(0.7, 1.45), 2)
        deductible = rng.choice([250, 500, 500, 1000, 1000, 2500]) if ptype in ("Auto", "Home", "Renters", "Pet") else 0
        claims = rng.choices([0, 1, 2, 3, 4, 6], [52, 24, 12, 7, 3, 2])[0]
        if ptype.startswith("Life"):
            claims = 0
        open_claim = "Y" if claims and rng.random() < 0.3 else "N"
        bundled = "Yes" if rng.random() < 0.34 else "No"
        paperless = "Yes" if rng.random() < 0.55 else "No"
        freq = rng.choices(["Monthly", "Quarterly", "Semi-annual", "Annual"], [48, 14, 12, 26])[0]
        autopay = "TRUE" if rng.random() < (0.75 if freq == "Monthly" else 0.35) else "FALSE"
        start = rand_date(rng, date(2009, 3, 1), date(2026, 6, 15))
        renewal = date(2026, start.month, min(start.day, 28))
        if renewal <= AS_OF:
            renewal = date(2027, start.month, min(start.day, 28))
        channel = rng.choices(["Direct (online)", "Direct (phone)", "Independent agent", "Captive agent", "Bank partner"],
                              [30, 14, 26, 22, 8])[0]
        marital = rng.choices(["Single", "Married", "Divorced", "Widowed"], [36, 46, 12, 6])[0]
        homeowner = "Yes" if ptype == "Home" or (ptype != "Renters" and rng.random() < 0.45) else "No"
        smoker = ("Yes" if rng.random() < 0.14 else "No") if ptype.startswith("Life") else "Not applicable"
        risk = 0.15 + (0.2 if claims >= 2 else 0) + (0.15 if autopay == "FALSE" else 0) + (0.1 if bundled == "No" else -0.05)
        retention = "High" if rng.random() < risk * 0.6 else ("Medium" if rng.random() < 0.35 else "Low")
        contact_email = "Yes" if email and rng.random() < 0.62 else "No"
        rows.append([pid, first, last, email, phone, state, rng.choice(["United States", "US", "USA"]), age, marital, ptype, level, money(premium),
                     money(deductible, "$") if deductible else "", claims, open_claim, bundled, paperless, freq,
                     autopay, start.isoformat(), renewal.isoformat(), channel, homeowner, smoker, retention,
                     contact_email])
        # service log
        for name, p, k in [("portal_login", 0.55 if paperless == "Yes" else 0.3, 8), ("quote_requested", 0.14, 2),
                           ("payment_missed", 0.1 if autopay == "FALSE" else 0.02, 3),
                           ("policy_changed", 0.18, 2), ("agent_call", 0.25 if "agent" in channel else 0.08, 3),
                           ("roadside_assistance", 0.2 if ptype == "Auto" else 0.0, 2),
                           ("claim_submitted", min(0.9, 0.3 * claims), 2)]:
            if rng.random() < p:
                for _ in range(rng.randint(1, k)):
                    start_log = max(LOG_START, start)
                    events.append([pid, name, rand_dt(rng, start_log, AS_OF - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")])
    for k in range(8):
        events.append([rows[k * 9][0], "quote_requested", datetime(2026, 6, 22 + k, 11, 0).strftime("%Y-%m-%d %H:%M:%S")])
    events.sort(key=lambda e: e[2])
    write("insurance", "customers.csv",
          ["Policyholder ID", "First Name", "Last Name", "Email", "Phone", "State", "Country", "Age", "Marital Status",
           "Policy Type", "Coverage Level", "Annual Premium", "Deductible", "Claims (Last 5 Yrs)", "Open Claim",
           "Multi-Policy Discount", "Paperless Billing", "Billing Frequency", "Autopay", "Policy Start Date",
           "Renewal Date", "Sales Channel", "Homeowner", "Smoker", "Retention Risk", "Contact by Email"], rows)
    write("insurance", "events.csv", ["Policyholder ID", "Event Name", "Event Date"], events)


# --------------------------------------------------------------------------------------------
# learning: an online course platform's learner export (snake_case), payments, learning events
# --------------------------------------------------------------------------------------------
def learning():
    rng = random.Random(5150)
    n = 400
    countries = ["US"] * 26 + ["IN"] * 16 + ["BR"] * 9 + ["NG"] * 7 + ["GB"] * 8 + ["DE"] * 6 + ["MX"] * 6 + \
        ["PH"] * 6 + ["EG"] * 4 + ["CA"] * 6 + ["ES"] * 6
    langs = {"US": "English", "IN": "English", "BR": "Portuguese", "NG": "English", "GB": "English", "DE": "German",
             "MX": "Spanish", "PH": "English", "EG": "Arabic", "CA": "English", "ES": "Spanish"}
    rows, pays, evs = [], [], []
    for i in range(n):
        lid = f"lrn_{7301 + i * 5}"
        email = f"learner{7301 + i * 5}@{rng.choice(['gmail.com', 'yahoo.com', 'outlook.com', 'proton.me'])}"
        country = rng.choice(countries)
        lang = langs[country] if rng.random() < 0.85 else rng.choice(["English", "Spanish", "Hindi"])
        created = rand_date(rng, date(2021, 9, 1), date(2026, 6, 25))
        plan = rng.choices(["Free", "Plus (monthly)", "Plus (annual)", "Teams (seat)", "Student (verified)"],
                           [48, 18, 14, 10, 10])[0]
        verified = "true" if rng.random() < 0.82 else "false"
        topic = rng.choices(["Data Science", "Web Development", "Design", "Business", "Languages", "Personal Finance"],
                            [24, 22, 14, 16, 14, 10])[0]
        goal = rng.choices(["Career change", "Upskill at work", "Personal interest", "Exam prep"], [27, 30, 31, 12])[0]
        if plan == "Teams (seat)":
            goal = "Upskill at work"
        enrolled = rng.choices([0, 1, 2, 3, 4, 5, 7, 9, 12], [6, 30, 20, 14, 10, 8, 6, 4, 2])[0]
        completed = min(enrolled, int(enrolled * rng.uniform(0, 1.0) ** (0.5 if plan != "Free" else 1.5)))
        certs = completed if plan != "Free" else 0
        channel = rng.choices(["organic_search", "paid_social", "referral", "partner_university", "app_store"],
                              [34, 22, 16, 10, 18])[0]
        mobile = "Y" if channel == "app_store" or rng.random() < 0.35 else "N"
        newsletter = "yes" if rng.random() < 0.5 else "no"
        trial = "TRUE" if plan not in ("Free", "Teams (seat)") and rng.random() < 0.7 else ("TRUE" if rng.random() < 0.15 else "FALSE")
        active = rng.random() < (0.35 if plan == "Free" else 0.7)
        if active and rng.random() < 0.5:
            last_active = rand_date(rng, max(created, AS_OF - timedelta(days=1)), AS_OF)
        elif active:
            last_active = rand_date(rng, max(created, AS_OF - timedelta(days=30)), AS_OF)
        else:
            last_active = rand_date(rng, created, max(created, AS_OF - timedelta(days=31)))
        streak = rng.choice([0, 1, 2, 3, 5, 7, 12, 21, 30, 45, 60, 100]) if active and last_active >= AS_OF - timedelta(days=1) else 0
        rows.append([lid, email, country, created.isoformat(), plan, verified, topic, goal, lang, enrolled, completed,
                     certs, streak, last_active.isoformat(), channel, mobile, newsletter, trial])
        # payments: subscriptions and one-off course purchases
        begin = max(LOG_START, created)
        if plan == "Plus (monthly)":
            d = begin
            while d <= AS_OF:
                pays.append([lid, datetime(d.year, d.month, min(d.day, 28), 3, 0), 29.0, "subscription"])
                d = date(d.year + (d.month // 12), d.month % 12 + 1, 1) if d.month != 12 else date(d.year + 1, 1, 1)
                d = d.replace(day=min(created.day, 28))
        elif plan == "Plus (annual)":
            d = date(begin.year, created.month, min(created.day, 28))
            if d < begin:
                d = date(d.year + 1, d.month, d.day)
            while d <= AS_OF:
                pays.append([lid, datetime(d.year, d.month, d.day, 3, 0), 239.0, "subscription"])
                d = date(d.year + 1, d.month, d.day)
        elif plan == "Student (verified)":
            d = date(begin.year, created.month, min(created.day, 28))
            if d < begin:
                d = date(d.year + 1, d.month, d.day)
            while d <= AS_OF:
                pays.append([lid, datetime(d.year, d.month, d.day, 3, 0), 99.0, "subscription"])
                d = date(d.year + 1, d.month, d.day)
        if begin <= AS_OF:
            for _ in range(rng.choices([0, 1, 2, 3], [55, 28, 12, 5])[0]):
                pays.append([lid, rand_dt(rng, begin, AS_OF), rng.choice([19.99, 24.99, 49.0, 79.0, 129.0, 199.0]), "course"])
        # events
        if begin <= AS_OF:
            end = min(AS_OF, last_active)
            if end >= begin:
                for _ in range(enrolled if created >= LOG_START else rng.randint(0, min(enrolled, 3))):
                    evs.append([lid, "course_enrolled", rand_dt(rng, begin, end)])
                lessons = int(rng.expovariate(1 / (6 + 10 * completed))) if enrolled else 0
                for _ in range(min(lessons, 80)):
                    evs.append([lid, "lesson_completed", rand_dt(rng, begin, end)])
                evs.append([lid, "lesson_completed", datetime(end.year, end.month, end.day, 20, 15)]) if lessons else None
                for _ in range(lessons // 6):
                    evs.append([lid, rng.choice(["quiz_passed", "quiz_passed", "quiz_failed"]), rand_dt(rng, begin, end)])
                if active and enrolled:  # recent learning up to the last active day
                    recent = max(begin, last_active - timedelta(days=30))
                    for _ in range(rng.randint(1, 14)):
                        evs.append([lid, "lesson_completed", rand_dt(rng, recent, end)])
                    for _ in range(rng.randint(0, 3)):
                        evs.append([lid, rng.choice(["quiz_passed", "quiz_passed", "quiz_failed"]), rand_dt(rng, recent, end)])
                if created >= LOG_START:
                    for _ in range(certs):
                        evs.append([lid, "certificate_issued", rand_dt(rng, begin, end)])
                if rng.random() < 0.18:
                    for _ in range(rng.randint(1, 6)):
                        evs.append([lid, "forum_post", rand_dt(rng, begin, end)])
                if rng.random() < 0.12:
                    evs.append([lid, "live_session_attended", rand_dt(rng, begin, end)])
    for k in range(6):
        pays.append([rows[k * 13][0], datetime(2026, 6, 24 + k, 15, 45), 49.0, "course"])
    pays.sort(key=lambda p: p[1])
    evs.sort(key=lambda e: e[2])
    write("learning", "customers.csv",
          ["user_id", "email", "country", "signup_date", "plan", "email_verified", "primary_topic", "learning_goal",
           "ui_language", "courses_enrolled", "courses_completed", "certificates", "streak_days", "last_active_on",
           "acq_channel", "mobile_app", "newsletter", "trial_used"], rows)
    write("learning", "orders.csv", ["payment_id", "user_id", "payment_date", "amount", "product"],
          [[f"pay_{90001 + k}", p[0], p[1].strftime("%Y-%m-%dT%H:%M:%SZ"), f"{p[2]:.2f}", p[3]] for k, p in enumerate(pays)])
    write("learning", "events.csv", ["user_id", "event_name", "event_time"],
          [[e[0], e[1], e[2].strftime("%Y-%m-%dT%H:%M:%SZ")] for e in evs])


# --------------------------------------------------------------------------------------------
# delivery: a UK and Ireland food-delivery app's customer export (Title Case) and its orders
# --------------------------------------------------------------------------------------------
def delivery():
    rng = random.Random(31337)
    n = 360
    cities = {"United Kingdom": ["London"] * 8 + ["Manchester"] * 3 + ["Birmingham"] * 3 + ["Leeds"] * 2 +
              ["Glasgow"] * 2 + ["Bristol"] * 2 + ["Cardiff", "Edinburgh", "Belfast"],
              "Ireland": ["Dublin"] * 4 + ["Cork"] * 2 + ["Galway", "Limerick"]}
    restaurants = {"Pizza": ["Pizza Palace", "Slice Society"], "Indian": ["Spice Route", "Tandoori Nights"],
                   "Chinese": ["Golden Wok"], "Sushi": ["Sakura Rolls"], "Burgers": ["Patty Shack", "Smash Bros Burgers"],
                   "Thai": ["Bangkok Street"], "Healthy bowls": ["Green Bowl Co."]}
    rows, orders = [], []
    for i in range(n):
        cid = f"DD-{880100 + i * 11}"
        first = rng.choice(FIRST)
        email = f"{first.lower()}{rng.randint(10, 9999)}@{rng.choice(['gmail.com', 'hotmail.co.uk', 'icloud.com', 'eircom.net'])}"
        mobile = "" if rng.random() < 0.1 else f"+44 7{rng.randint(100, 999)} {rng.randint(100000, 999999)}"
        country = "Ireland" if rng.random() < 0.2 else "United Kingdom"
        if country == "Ireland" and mobile:
            mobile = f"+353 8{rng.randint(3, 9)} {rng.randint(1000000, 9999999)}"
        city = rng.choice(cities[country])
        joined = rand_date(rng, date(2020, 5, 1), date(2026, 6, 20))
        dashpass = rng.choices(["None", "DashPass (monthly)", "DashPass (annual)", "DashPass (student)"], [58, 20, 12, 10])[0]
        diet = rng.choices(["None", "Vegetarian", "Vegan", "Halal", "Gluten-free"], [64, 14, 8, 9, 5])[0]
        cuisine = rng.choices(list(restaurants), [22, 20, 14, 10, 18, 8, 8])[0]
        push = "Enabled" if rng.random() < 0.6 else "Disabled"
        sms = "Y" if rng.random() < 0.3 else "N"
        device = rng.choices(["iOS", "Android", "Web"], [46, 40, 14])[0]
        referred = "Yes" if rng.random() < 0.17 else "No"
        status = rng.choices(["Active", "Paused", "Closed (by customer)", "Closed (fraud)"], [84, 7, 8, 1])[0]
        rate = {"None": 1.3, "DashPass (monthly)": 4.0, "DashPass (annual)": 4.5, "DashPass (student)": 3.0}[dashpass]
        n_orders = 0 if rng.random() < 0.08 else max(0, int(rng.expovariate(1 / (rate * 4)) + 0.5))
        begin = max(LOG_START, joined)
        stop = AS_OF if status == "Active" else rand_date(rng, begin, AS_OF) if begin <= AS_OF else AS_OF
        lapsed = status == "Active" and rng.random() < 0.2
        if lapsed:
            stop = rand_date(rng, begin, max(begin, AS_OF - timedelta(days=120)))
        ratings = []
        for _ in range(n_orders if begin <= stop else 0):
            when = rand_dt(rng, begin, stop)
            c = cuisine if rng.random() < 0.6 else rng.choice(list(restaurants))
            items = rng.choices([1, 2, 3, 4, 5, 6, 8], [18, 30, 22, 14, 8, 5, 3])[0]
            total = round(items * rng.uniform(5.5, 13.0) + (0 if dashpass != "None" else 2.49), 2)
            if rng.random() < 0.04:
                total = round(total + rng.uniform(60, 140), 2)  # office or party orders
            orders.append([when, cid, total, items, rng.choice(restaurants[c]), rng.choice(["Standard", "Standard", "Priority"])])
            if rng.random() < 0.5:
                ratings.append(rng.choices([1, 2, 3, 4, 5], [5, 6, 14, 35, 40])[0])
        avg_rating = f"{sum(ratings) / len(ratings):.1f}" if ratings else ""
        rows.append([cid, first, email, mobile, city, country, joined.isoformat(), dashpass, diet, cuisine, push, sms,
                     device, referred, avg_rating, status])
    for k in range(12):
        r = rows[k * 5]
        if r[-1] == "Active":
            orders.append([datetime(2026, 6, 23 + k % 7, 19, 10 + k), r[0], round(18.5 + k * 3.1, 2), 2, "Pizza Palace", "Standard"])
    orders.sort(key=lambda o: o[0])
    write("delivery", "customers.csv",
          ["Customer Ref", "First Name", "Email", "Mobile", "City", "Country", "Date Joined", "DashPass Plan",
           "Dietary Preference", "Favourite Cuisine", "Push Notifications", "SMS Marketing (Y/N)", "Signup Device",
           "Joined via Referral", "Avg Rating Given", "Account Status"], rows)
    write("delivery", "orders.csv", ["Order No", "Customer Ref", "Order Date", "Order Total (£)", "Items", "Restaurant", "Delivery Type"],
          [[f"#{500001 + k}", o[1], o[0].strftime("%Y-%m-%d %H:%M:%S"), f"£{o[2]:.2f}", o[3], o[4], o[5]]
           for k, o in enumerate(orders)])


if __name__ == "__main__":
    airline()
    insurance()
    learning()
    delivery()
