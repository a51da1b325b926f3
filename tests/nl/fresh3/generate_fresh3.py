#!/usr/bin/env python3
"""fresh3's five customer exports: a vet clinic, an energy provider, a wine club, a public library
and a coworking operator, each with orders or events.

    python3 tests/nl/fresh3/generate_fresh3.py     # writes data/<dataset>/<kind>.csv here

Seeded per dataset: the same bytes on every run (the CSVs are the source of truth). As of
2026-06-30, logs from 2025-01-01; some rows are pinned to 2026-06-21 … 2026-06-30 so short
windows and "this week" are never empty. Shares day/moment/usd with fresh2's generator.
"""
import csv
import os
import random
import sys
from datetime import date, datetime, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "fresh2"))
from generate_fresh2 import day, moment, usd  # noqa: E402  the same date/money helpers as fresh2
AS_OF = date(2026, 6, 30)
LOG_START = date(2025, 1, 1)

GIVEN = ["Aisha", "Bruno", "Carmen", "Derek", "Elena", "Femi", "Grace", "Hiro", "Ines", "Jonas", "Kira", "Liam",
         "Maya", "Noah", "Olga", "Pedro", "Rhea", "Sven", "Tomas", "Uma", "Victor", "Wendy", "Yusuf", "Zara",
         "Amir", "Bianca", "Caleb", "Daria", "Emil", "Fiona", "Gideon", "Helga"]
FAMILY = ["Abbott", "Bauer", "Castillo", "Dorsey", "Eklund", "Farouk", "Garner", "Holm", "Iqbal", "Janssen",
          "Kowalski", "Lund", "Moreau", "Nakamura", "Okafor", "Pryce", "Ruiz", "Stein", "Tanaka", "Ulrich",
          "Varga", "Walsh", "Yilmaz", "Zeller", "Brandt", "Chavez", "Duarte", "Ferreira"]


def save(dataset, tables):
    """Write each table of one dataset to data/<dataset>/<kind>.csv."""
    folder = os.path.join(HERE, "data", dataset)
    os.makedirs(folder, exist_ok=True)
    for kind, (header, rows) in tables.items():
        with open(os.path.join(folder, kind + ".csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)


def person(rng, i, domain, no_email=0.0):
    """A first and last name and an email address (blank with probability no_email)."""
    first, last = rng.choice(GIVEN), rng.choice(FAMILY)
    email = f"{first.lower()}.{last.lower()}{i}@{domain}"
    return first, last, "" if no_email and rng.random() < no_email else email


def place(rng, places, weights):
    """A region (or country) drawn by weight, and one of its cities."""
    where = rng.choices(list(places), weights)[0]
    return where, rng.choice(places[where])


# --------------------------------------------------------------------------------------------
# vet: a veterinary clinic's client export (Title Case with spaces/parentheses), invoices as orders
# --------------------------------------------------------------------------------------------
def vet():
    rng = random.Random(7311)
    n = 600
    towns = {"WA": ["Seattle", "Tacoma", "Spokane"], "OR": ["Portland", "Salem"], "ID": ["Boise"]}
    clients, invoices = [], []
    for i in range(n):
        cno = f"CL-{20417 + i * 3}"
        first, last, email = person(rng, i, "petmail.test", 0.08)
        state, city = place(rng, towns, [62, 28, 10])
        since = day(rng, date(2012, 3, 1), date(2026, 6, 20))
        species = rng.choices(["Dog", "Cat", "Dog & Cat", "Rabbit", "Bird", "Reptile (exotic)"], [44, 30, 12, 5, 5, 4])[0]
        pets = 1 if species not in ("Dog & Cat",) else rng.randint(2, 4)
        if species in ("Dog", "Cat") and rng.random() < 0.2:
            pets = rng.randint(2, 3)
        plan = rng.choices(["Yes", "No", "Lapsed"], [28, 56, 16])[0]
        chip = "Y" if rng.random() < (0.85 if species in ("Dog", "Cat", "Dog & Cat") else 0.2) else "N"
        insured = "TRUE" if rng.random() < 0.32 else "FALSE"
        reminder = "Yes" if email and rng.random() < 0.7 else "No"
        vetname = rng.choice(["Dr. Patel", "Dr. Okafor", "Dr. Lindqvist", "Dr. Moreno"])
        senior = "Yes" if rng.random() < 0.22 else "No"
        visits = rng.choices([0, 1, 2, 3, 4, 6, 9], [12, 22, 22, 17, 12, 10, 5])[0]
        if plan == "Yes":
            visits += 2
        gone = rng.random() < 0.15
        begin = max(LOG_START, since)
        dates = []
        for _ in range(visits if begin <= AS_OF else 0):
            when = moment(rng, begin, date(2025, 10, 31) if gone else AS_OF)
            service = rng.choices(["Wellness Exam", "Vaccination", "Dental Cleaning", "Surgery", "Emergency Visit",
                                   "Grooming"], [34, 26, 12, 6, 8, 14])[0]
            base = {"Wellness Exam": 85, "Vaccination": 60, "Dental Cleaning": 420, "Surgery": 1400,
                    "Emergency Visit": 650, "Grooming": 55}[service]
            invoices.append([when, cno, round(base * rng.uniform(0.8, 1.6), 2), service])
            dates.append(when.date())
        last_visit = max(dates).isoformat() if dates else (
            day(rng, max(since, date(2019, 1, 1)), date(2024, 12, 30)).isoformat() if since < LOG_START and rng.random() < 0.7 else "")
        balance = round(rng.uniform(15, 900), 2) if rng.random() < 0.14 else 0.0
        vaccine_due = (AS_OF + timedelta(days=rng.randint(-200, 330))).isoformat() if species != "Reptile (exotic)" else ""
        clients.append([cno, first, last, email, f"(206) 555-{rng.randint(1000, 9999)}", city, state, since.isoformat(),
                        species, pets, plan, chip, insured, reminder, vetname, senior, last_visit, usd(balance),
                        vaccine_due])
    for k in range(12):
        invoices.append([datetime(2026, 6, 22 + k % 9, 9 + k % 8, 15), clients[k * 41][0], round(95.0 + 30 * k, 2),
                         "Wellness Exam"])
    invoices.sort(key=lambda r: r[0])
    return {
        "customers": (["Client Number", "Owner First Name", "Owner Last Name", "Email Address", "Phone", "City", "State",
                       "Client Since", "Species", "Number of Pets", "Wellness Plan", "Microchipped (Y/N)",
                       "Pet Insurance", "Reminder Opt-In", "Primary Vet", "Senior Pet", "Last Visit",
                       "Outstanding Balance", "Vaccines Due (Date)"], clients),
        "orders": (["Invoice Ref", "Client Number", "Visit Date", "Invoice Total", "Service"],
                   [[f"INV-{5001 + k}", r[1], r[0].strftime("%Y-%m-%d %H:%M"), usd(r[2]), r[3]]
                    for k, r in enumerate(invoices)]),
    }


# --------------------------------------------------------------------------------------------
# energy: a utility's account export (ALLCAPS_ABBREV), account events (no orders)
# --------------------------------------------------------------------------------------------
def energy():
    rng = random.Random(5150)
    n = 800
    places = {"TX": ["Houston", "Austin", "Dallas"], "PA": ["Philadelphia", "Pittsburgh"], "OH": ["Columbus", "Cleveland"],
              "IL": ["Chicago"], "NJ": ["Newark"]}
    rows, evs = [], []
    for i in range(n):
        acct = f"{41000000 + i * 13}"
        first, last, email = person(rng, i, "power.test", 0.1)
        st, svc_city = place(rng, places, [40, 20, 18, 14, 8])
        start = day(rng, date(2008, 1, 1), date(2026, 6, 15))
        tariff = rng.choices(["Fixed 12M", "Fixed 24M", "Variable", "Green Fixed (100% renewable)", "EV Night Saver"],
                             [30, 18, 28, 16, 8])[0]
        smart = "Y" if rng.random() < (0.95 if tariff == "EV Night Saver" else 0.6) else "N"
        autopay = "1" if rng.random() < 0.55 else "0"
        paperless = "TRUE" if email and rng.random() < 0.6 else "FALSE"
        solar = rng.choices(["Yes", "No", "Pending"], [12, 80, 8])[0]
        kwh = int(rng.gauss(900, 280) + (450 if tariff == "EV Night Saver" else 0) - (300 if solar == "Yes" else 0))
        kwh = max(120, kwh)
        bal = round(rng.uniform(20, 640), 2) if rng.random() < 0.22 else 0.0
        last_login = "" if rng.random() < 0.25 else day(rng, date(2024, 6, 1), AS_OF).isoformat()
        priority = "Y" if rng.random() < 0.07 else "N"
        contract_end = ""
        if tariff.startswith("Fixed") or tariff.startswith("Green"):
            contract_end = day(rng, date(2026, 5, 1), date(2028, 6, 30)).isoformat()
        mktg = "Y" if rng.random() < 0.45 else "N"
        prem = rng.choices(["House", "Apartment", "Business (small)"], [58, 34, 8])[0]
        rows.append([acct, first, last, email, st, svc_city, start.isoformat(), tariff, smart, autopay,
                     paperless, solar, kwh, usd(bal), last_login, priority, contract_end, mktg, prem])
        begin = max(LOG_START, start)
        for name, p, k in [("OUTAGE_RPT", 0.18, 3), ("BILL_DISPUTE", 0.05 + (0.15 if bal > 0 else 0), 2),
                           ("METER_READ", 0.3 if smart == "N" else 0.02, 6), ("APP_LOGIN", 0.5 if last_login else 0.0, 12),
                           ("MOVE_OUT_REQ", 0.03, 1), ("PAYMENT_PLAN", 0.08 if bal > 0 else 0.01, 1)]:
            if rng.random() < p and begin <= AS_OF:
                for _ in range(rng.randint(1, k)):
                    evs.append([acct, name, moment(rng, begin, AS_OF - timedelta(days=1))])
    for k in range(15):
        evs.append([rows[k * 47][0], "OUTAGE_RPT", datetime(2026, 6, 22 + k % 9 if k % 3 else 29 + k % 2, 18, 10 + k)])
    evs.sort(key=lambda e: e[2])
    return {
        "customers": (["ACCT_NO", "CUST_FNAME", "CUST_LNAME", "EMAIL_ADDR", "SVC_STATE", "SVC_CITY", "START_DT",
                       "TARIFF", "SMART_MTR", "AUTOPAY", "PAPERLESS", "SOLAR_PV", "AVG_KWH_MO", "BAL_DUE",
                       "LAST_LOGIN", "PRIORITY_SVC", "CONTRACT_END_DT", "MKTG_OPTIN", "PREMISE_TYPE"], rows),
        "events": (["ACCT_NO", "EVENT_CD", "EVENT_TS"],
                   [[e[0], e[1], e[2].strftime("%Y-%m-%d %H:%M:%S")] for e in evs]),
    }


# --------------------------------------------------------------------------------------------
# wineclub: a winery's club export (camelCase), orders (club shipments, online, tasting room)
# --------------------------------------------------------------------------------------------
def wineclub():
    rng = random.Random(1976)
    n = 500
    states = ["CA", "OR", "WA", "NY", "TX", "IL", "FL", "CO"]
    rows, orders = [], []
    for i in range(n):
        mid = f"WC{88000 + i * 11}"
        first, last, email = person(rng, i, "cellar.test")
        st = rng.choices(states, [34, 14, 12, 12, 10, 7, 6, 5])[0]
        joined = day(rng, date(2014, 5, 1), date(2026, 6, 20))
        level = rng.choices(["Explorer", "Collector", "Reserve (allocation only)"], [58, 32, 10])[0]
        lv = ["Explorer", "Collector", "Reserve (allocation only)"].index(level)
        freq = rng.choices(["Monthly", "Quarterly", "Paused"], [30, 55, 15])[0]
        pref = rng.choices(["Reds only", "Whites only", "Mixed", "Sparkling"], [40, 15, 37, 8])[0]
        gift = "TRUE" if rng.random() < 0.09 else "FALSE"
        age_ok = "true" if rng.random() < 0.93 else "false"
        news = "1" if rng.random() < 0.58 else "0"
        login = "" if rng.random() < 0.2 else day(rng, date(2025, 1, 1), AS_OF).isoformat()
        rating = round(rng.uniform(2.5, 5.0), 1) if rng.random() < 0.7 else ""
        pickup = rng.choices(["Ship to home", "Pick up at winery", "Ship to office"], [70, 22, 8])[0]
        begin = max(LOG_START, joined)
        spent, bottles_total = 0.0, 0
        if begin <= AS_OF:
            if freq != "Paused":
                step = 1 if freq == "Monthly" else 3
                d = date(begin.year, begin.month, 15)
                while d <= AS_OF:
                    if d >= begin:
                        b = [3, 6, 12][lv]
                        amt = round(b * rng.uniform(24, 38) * (1.6 if lv == 2 else 1.0), 2)
                        orders.append([datetime(d.year, d.month, d.day, 6, 0), mid, amt, b, "Club Shipment"])
                        spent += amt
                        bottles_total += b
                    m = d.month + step
                    d = date(d.year + (m - 1) // 12, (m - 1) % 12 + 1, 15)
            for _ in range(rng.choices([0, 1, 2, 3, 5], [40, 28, 16, 10, 6])[0]):
                b = rng.choice([1, 2, 3, 6])
                amt = round(b * rng.uniform(22, 60), 2)
                orders.append([moment(rng, begin, AS_OF), mid, amt, b,
                               rng.choice(["Online", "Tasting Room", "Online"])])
                spent += amt
                bottles_total += b
        rows.append([mid, first, last, email, f"+1 707 555 {rng.randint(1000, 9999)}", st, joined.isoformat(), level,
                     freq, pref, gift, age_ok, news, login, rating, pickup, usd(spent + (rng.uniform(100, 3000) if joined < LOG_START else 0))])
    for k in range(10):
        orders.append([datetime(2026, 6, 21 + k % 10, 16, k), rows[k * 43][0], round(48.0 + 19 * k, 2), 2, "Tasting Room"])
    orders.sort(key=lambda r: r[0])
    return {
        "customers": (["memberId", "firstName", "lastName", "emailAddress", "mobileNumber", "shippingState", "joinDate",
                       "clubLevel", "shipmentFrequency", "winePreference", "isGiftMembership", "ageVerified",
                       "newsletterOptIn", "lastLogin", "avgRating", "deliveryMethod", "lifetimeValue"], rows),
        "orders": (["orderId", "memberId", "orderDate", "orderTotal", "bottleCount", "salesChannel"],
                   [[f"O-{300001 + k}", r[1], r[0].strftime("%Y-%m-%dT%H:%M:%SZ"), f"{r[2]:.2f}", r[3], r[4]]
                    for k, r in enumerate(orders)]),
    }


# --------------------------------------------------------------------------------------------
# library: a public library's patron export (mixed Title Case), circulation/program events
# --------------------------------------------------------------------------------------------
def library():
    rng = random.Random(3030)
    n = 700
    rows, evs = [], []
    for i in range(n):
        pid = f"P{210000 + i * 5}"
        first, last, email = person(rng, i, "readers.test", 0.15)
        branch = rng.choices(["Central", "Northside", "Riverside", "Eastgate (mobile)"], [40, 25, 25, 10])[0]
        card = rng.choices(["Adult", "Teen", "Child", "Senior", "Educator"], [55, 10, 14, 16, 5])[0]
        reg = day(rng, date(2005, 1, 1), date(2026, 6, 25))
        expires = (AS_OF + timedelta(days=rng.randint(-400, 1000))).isoformat()
        fines = round(rng.choice([0.25, 0.5, 1.0, 2.5, 4.75, 10.0, 18.5, 32.0]), 2) if rng.random() < 0.2 else 0.0
        out_now = rng.choices([0, 1, 2, 3, 5, 8, 12], [30, 18, 15, 12, 11, 9, 5])[0]
        login = "" if rng.random() < 0.3 else day(rng, date(2024, 1, 1), AS_OF).isoformat()
        digital = rng.choices(["Yes", "No", "Pending"], [42, 50, 8])[0]
        news = rng.choices(["Yes", "No"], [48, 52])[0] if email else "No"
        lang = rng.choices(["English", "Spanish", "Vietnamese", "Somali"], [78, 14, 5, 3])[0]
        friends = "Y" if rng.random() < 0.05 else "N"
        rows.append([pid, first, last, email, branch, card, reg.isoformat(), expires, usd(fines), out_now, login,
                     digital, news, lang, friends])
        begin = max(LOG_START, reg)
        activity = rng.random()
        for name, p, k in [("Checkout", 0.75 if activity > 0.2 else 0.05, 14), ("Renewal", 0.4, 5),
                           ("eBook Loan", 0.55 if digital == "Yes" else 0.0, 10), ("Hold Placed", 0.35, 4),
                           ("Program Attended", 0.15 + (0.25 if card == "Child" else 0), 4),
                           ("Study Room Booking", 0.08 if card in ("Teen", "Adult") else 0.0, 3)]:
            if rng.random() < p and begin <= AS_OF:
                stop = date(2025, 9, 1) if activity < 0.35 and begin < date(2025, 9, 1) else AS_OF - timedelta(days=1)
                for _ in range(rng.randint(1, k)):
                    evs.append([pid, name, moment(rng, begin, stop)])
    for k in range(12):
        evs.append([rows[k * 53][0], "Program Attended", datetime(2026, 6, 22 + k % 9 if k % 3 else 29 + k % 2, 15, 30)])
    evs.sort(key=lambda e: e[2])
    return {
        "customers": (["Patron ID", "First Name", "Last Name", "E-mail", "Home Branch", "Card Type", "Registered",
                       "Card Expiry", "Fines Owed", "Items Checked Out", "Last Login", "Digital Access",
                       "Newsletter", "Preferred Language", "Friends of the Library"], rows),
        "events": (["Patron ID", "Activity", "Date"],
                   [[e[0], e[1], e[2].strftime("%Y-%m-%d %H:%M")] for e in evs]),
    }


# --------------------------------------------------------------------------------------------
# cowork: a coworking operator's B2B accounts CRM (units in parentheses), room bookings as orders
# --------------------------------------------------------------------------------------------
def cowork():
    rng = random.Random(6464)
    n = 350
    places = {"United States": ["Atlanta", "Denver", "Brooklyn"], "United Kingdom": ["Manchester", "London"],
              "Ireland": ["Dublin"], "Netherlands": ["Rotterdam"], "Portugal": ["Lisbon"]}
    rows, books = [], []
    for i in range(n):
        aid = f"ACC-{7700 + i}"
        first, last, email = person(rng, i, "work.test")
        company = f"{rng.choice(FAMILY)} {rng.choice(['Labs', 'Studio', 'Legal', 'Partners', 'Digital', 'Works', 'Co'])}"
        country, city = place(rng, places, [50, 22, 12, 8, 8])
        plan = rng.choices(["Hot Desk", "Dedicated Desk", "Private Office (2-10 seats)", "Virtual Office (mail only)"],
                           [38, 28, 20, 14])[0]
        seats = 1 if plan != "Private Office (2-10 seats)" else rng.randint(2, 10)
        rate = {"Hot Desk": 249, "Dedicated Desk": 449, "Private Office (2-10 seats)": 520, "Virtual Office (mail only)": 79}[plan]
        rate = rate * (seats if seats > 1 else 1) * rng.uniform(0.85, 1.1)
        since = day(rng, date(2016, 9, 1), date(2026, 6, 10))
        end = day(rng, date(2026, 5, 1), date(2027, 12, 31)).isoformat()
        renew = rng.choices(["Yes", "No"], [64, 36])[0]
        credits = rng.randint(0, 40)
        badge = "" if plan.startswith("Virtual") else day(rng, date(2025, 10, 1), AS_OF).isoformat()
        parking = "Y" if rng.random() < 0.2 else "N"
        locker = "TRUE" if plan in ("Hot Desk", "Dedicated Desk") and rng.random() < 0.4 else "FALSE"
        industry = rng.choices(["Software", "Legal", "Design & Creative", "Nonprofit", "Finance", "Consulting"],
                               [30, 10, 18, 10, 12, 20])[0]
        source = rng.choices(["Walk-in", "Broker", "Referral", "Google Ads"], [20, 15, 30, 35])[0]
        status = rng.choices(["Active", "Notice Given", "Paused"], [82, 10, 8])[0]
        rows.append([aid, company, first, last, email, country, city, plan, seats, f"{rate:.2f}", since.isoformat(), end,
                     renew, credits, badge, parking, locker, industry, source, status])
        begin = max(LOG_START, since)
        if begin <= AS_OF and status != "Paused":
            for _ in range(rng.choices([0, 1, 2, 4, 7, 12], [30, 20, 18, 14, 10, 8])[0]):
                room = rng.choices(["Phone Booth", "Meeting Room (6)", "Boardroom (14)", "Event Space"], [30, 42, 20, 8])[0]
                hours = rng.choice([1, 1, 2, 3, 4])
                price = {"Phone Booth": 10, "Meeting Room (6)": 35, "Boardroom (14)": 90, "Event Space": 400}[room]
                books.append([moment(rng, begin, AS_OF), aid, round(price * hours, 2), room, hours])
    for k in range(8):
        books.append([datetime(2026, 6, 29 + k % 2, 10, 0), rows[k * 37][0], 70.0 + 35 * k, "Meeting Room (6)", 2])
    books.sort(key=lambda r: r[0])
    return {
        "customers": (["Account ID", "Company", "Contact First Name", "Contact Last Name", "Contact Email", "Country",
                       "City", "Membership Plan", "Seats", "Monthly Rate (USD)", "Member Since", "Contract End",
                       "Auto-Renew", "Meeting Room Credits", "Last Badge-In", "Parking (Y/N)", "Locker",
                       "Industry", "Lead Source", "Account Status"], rows),
        "orders": (["Booking Ref", "Account ID", "Booked At", "Amount (USD)", "Room", "Hours"],
                   [[f"BK{90001 + k}", r[1], r[0].strftime("%Y-%m-%d %H:%M"), f"{r[2]:.2f}", r[3], r[4]]
                    for k, r in enumerate(books)]),
    }


if __name__ == "__main__":
    for make in (vet, energy, wineclub, library, cowork):
        save(make.__name__, make())
