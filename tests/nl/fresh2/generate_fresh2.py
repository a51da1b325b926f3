#!/usr/bin/env python3
"""Generate the four `fresh2` held-out exports (hotel, donors, gaming, carshare).

Writes data/<dataset>/{customers,orders,events}.csv next to this script. Every dataset has its
own fixed seed, so the output is byte-for-byte the same on every run; the CSVs are the source of
truth. Reference (as-of) date: 2026-06-30; every order and event lies on or before it, and the
order/event history starts 2025-01-01. A few rows sit on fixed recent days (2026-06-22 ..
2026-06-29) so "this week" and short windows have members.

    python3 tests/nl/fresh2/generate_fresh2.py
"""
import csv
import os
import random
from datetime import date, datetime, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
AS_OF = date(2026, 6, 30)
LOG_START = date(2025, 1, 1)
RECENT_DAYS = [29, 30, 29, 25, 23, 30, 27, 29, 22, 26, 28, 30]  # June days of the fixed recent rows

GIVEN = ["Ana", "Ben", "Chen", "Dana", "Elif", "Farah", "Gus", "Hana", "Ivan", "Jade", "Kofi", "Lena",
         "Marco", "Nadia", "Oscar", "Paula", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Will",
         "Ximena", "Yara", "Zoe", "Arjun", "Bea", "Cole", "Dmitri", "Esme", "Felix", "Greta", "Hugo"]
FAMILY = ["Adams", "Baker", "Costa", "Dubois", "Evans", "Fischer", "Gomez", "Hughes", "Ito", "Jensen",
          "Khan", "Lopez", "Meyer", "Novak", "Olsen", "Perez", "Quinn", "Rossi", "Sato", "Torres",
          "Ueda", "Vogel", "Weber", "Xu", "Young", "Zimmer", "Brennan", "Cruz", "Dahl", "Engel"]


def save(dataset, kind, header, rows):
    folder = os.path.join(HERE, "data", dataset)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, kind + ".csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def day(rng, start, end):
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def moment(rng, start, end):
    d = day(rng, start, end)
    return datetime(d.year, d.month, d.day, rng.randint(7, 22), rng.randint(0, 59), rng.randint(0, 59))


def usd(v):
    return f"${v:,.2f}"


# --------------------------------------------------------------------------------------------
# hotel: a hotel group's loyalty-programme export (Title Case CRM), stays as orders, activity
# --------------------------------------------------------------------------------------------
def hotel():
    rng = random.Random(4242)
    n = 1400
    places = {"United States": ["New York", "Chicago", "Seattle", "Austin", "Boston", "Denver", "Miami"],
              "Canada": ["Toronto", "Vancouver", "Montreal"], "United Kingdom": ["London", "Edinburgh"],
              "Mexico": ["Mexico City", "Guadalajara"], "Germany": ["Berlin", "Munich"],
              "Australia": ["Sydney", "Melbourne"], "Japan": ["Tokyo", "Osaka"]}
    country_w = [52, 12, 9, 7, 7, 7, 6]
    properties = ["Harbour & Pine Seattle Waterfront", "Harbour & Pine Chicago Loop", "Pine Lodge Austin",
                  "Pine Lodge Denver Airport", "Harbour Residences Boston", "Harbour & Pine Cancun Resort"]
    members, stays, acts = [], [], []
    for i in range(n):
        mid = f"HP{300100 + i * 7}"
        first, last = rng.choice(GIVEN), rng.choice(FAMILY)
        email = "" if rng.random() < 0.06 else f"{first.lower()}.{last.lower()}{i}@inbox.test"
        phone = "" if rng.random() < 0.25 else f"+1 206 555 {rng.randint(1000, 9999)}"
        country = rng.choices(list(places), country_w)[0]
        city = rng.choice(places[country])
        tier = rng.choices(["Member", "Silver Elite", "Gold Elite", "Platinum Elite", "Ambassador (invite only)"],
                           [50, 22, 15, 10, 3])[0]
        level = ["Member", "Silver Elite", "Gold Elite", "Platinum Elite", "Ambassador (invite only)"].index(tier)
        nights12 = [rng.randint(0, 9), rng.randint(10, 24), rng.randint(25, 49), rng.randint(50, 99),
                    rng.randint(75, 160)][level]
        if level == 0 and rng.random() < 0.35:
            nights12 = 0
        joined = day(rng, date(2010, 1, 1), date(2026, 6, 25))
        lifetime = nights12 + int(rng.uniform(0, 30) * max(1, (AS_OF - joined).days / 365) * (0.4 + level * 0.5))
        points = max(0, int(nights12 * rng.uniform(900, 2200) + rng.randint(0, 60000) * (level + 1) ** 0.5
                            - (rng.randint(0, 40000) if rng.random() < 0.4 else 0)))
        purpose = rng.choices(["Business", "Leisure", "Mixed"], [36 + 8 * level, 44 - 6 * level, 20])[0]
        room = rng.choices(["King", "Two Queens", "Suite", "Accessible (roll-in shower)", "No preference"],
                           [40, 22, 6 + 3 * level, 4, 28 - 3 * level])[0]
        brand = rng.choices(["Harbour & Pine", "Pine Lodge (select service)", "Harbour Residences (extended stay)"],
                            [48, 36, 16])[0]
        opt_email = "Yes" if email and rng.random() < 0.64 else "No"
        opt_sms = "Y" if phone and rng.random() < 0.4 else "N"
        card = "Yes" if rng.random() < 0.1 + 0.12 * level else "No"
        corporate = "Yes" if purpose != "Leisure" and rng.random() < 0.45 else "No"
        age = rng.randint(21, 79)
        # stays in the log: roughly nights12 / 2.5 nights per stay over the last year, half as many before
        per_year = nights12 / rng.uniform(1.8, 3.2)
        n_stays = int(per_year * 1.5 + rng.random())
        dormant = level == 0 and rng.random() < 0.3
        ends = []
        for _ in range(n_stays):
            out = moment(rng, LOG_START, date(2025, 9, 30) if dormant else AS_OF)
            nights = rng.choices([1, 2, 3, 4, 5, 7, 10], [30, 28, 18, 10, 7, 5, 2])[0]
            rate = rng.uniform(110, 260) * (1.8 if room == "Suite" else 1.0) * (0.75 if brand.startswith("Pine") else 1.0)
            spend = round(nights * rate + (rng.uniform(20, 300) if rng.random() < 0.4 else 0), 2)
            stays.append([out, mid, spend, nights, rng.choice(properties),
                          rng.choice(["Best Available", "Member Rate", "Corporate", "Package (breakfast)", "Points + Cash"])])
            ends.append(out.date())
        if ends:
            last_stay = max(ends).isoformat()
        elif rng.random() < 0.55 and joined < LOG_START:
            last_stay = day(rng, max(joined, date(2016, 1, 1)), date(2024, 12, 31)).isoformat()
        else:
            last_stay = ""
        members.append([mid, first, last, email, phone, country, city, joined.isoformat(), tier, points, nights12,
                        lifetime, room, brand, purpose, opt_email, opt_sms, card, corporate, age, last_stay])
        for name, p, k in [("points_redeemed", 0.2 + 0.08 * level, 3), ("digital_key_used", 0.45 if ends else 0.0, 5),
                           ("spa_booking", 0.08 + 0.03 * level, 2), ("late_checkout_request", 0.1 + 0.1 * level, 3),
                           ("survey_completed", 0.3 if ends else 0.05, 2), ("points_transferred", 0.04, 1)]:
            if rng.random() < p:
                for _ in range(rng.randint(1, k)):
                    acts.append([mid, name, moment(rng, LOG_START, AS_OF - timedelta(days=1))])
    for k in range(14):
        acts.append([members[k * 17][0], "points_redeemed", datetime(2026, 6, 22 + k % 8, 10, 5 + k)])
        stays.append([datetime(2026, 6, 23 + k % 7, 11, 0), members[k * 23][0], round(389.0 + 41 * k, 2), 2,
                      properties[k % 6], "Member Rate"])
    stays.sort(key=lambda s: s[0])
    acts.sort(key=lambda a: a[2])
    return {
        "customers": (["Member ID", "First Name", "Last Name", "Email", "Mobile Phone", "Country", "City", "Date Joined",
            "Tier", "Points Balance", "Nights (Last 12 Mo)", "Lifetime Nights", "Preferred Room", "Preferred Brand",
            "Travel Purpose", "Opt-in Email", "Opt-in SMS", "Co-Branded Card", "Corporate Member", "Age",
            "Last Stay Date"], members),
        "orders": (["Folio No", "Member ID", "Check-out Date", "Total Spend", "Nights", "Property", "Rate Plan"],
            [[f"F{700001 + k}", s[1], s[0].strftime("%Y-%m-%d %H:%M"), usd(s[2]), s[3], s[4], s[5]] for k, s in enumerate(stays)]),
        "events": (["Member ID", "Activity Type", "Activity Date"],
            [[a[0], a[1], a[2].strftime("%Y-%m-%d %H:%M:%S")] for a in acts]),
    }


# --------------------------------------------------------------------------------------------
# donors: a food bank's donor CRM export, gifts as orders, volunteer/engagement interactions
# --------------------------------------------------------------------------------------------
def donors():
    rng = random.Random(1918)
    n = 2000
    states = ["Ohio", "OH", "Michigan", "MI", "Indiana", "Pennsylvania", "PA", "Kentucky", "KY", "Illinois",
              "New York", "West Virginia"]
    st_w = [30, 22, 8, 6, 6, 5, 4, 4, 3, 4, 4, 3]
    rows, gifts, acts = [], [], []
    for i in range(n):
        cid = f"C-{10450 + i * 3}"
        first, last = rng.choice(GIVEN), rng.choice(FAMILY)
        dtype = rng.choices(["Individual", "Household", "Corporate (matching gift)", "Foundation", "Church / Congregation"],
                            [70, 14, 6, 4, 6])[0]
        email = "" if rng.random() < 0.12 else f"{first[0].lower()}{last.lower()}{i}@mail.test"
        phone = "" if rng.random() < 0.35 else f"(614) 555-{rng.randint(1000, 9999)}"
        state = rng.choices(states, st_w)[0]
        since = day(rng, date(2004, 1, 1), date(2026, 6, 20))
        recurring = rng.choices(["None", "Monthly", "Quarterly", "Annual"], [68, 22, 4, 6])[0]
        if dtype != "Individual" and dtype != "Household":
            recurring = rng.choice(["None", "None", "Annual"])
        scale = {"Individual": 1.0, "Household": 1.3, "Corporate (matching gift)": 8.0, "Foundation": 20.0,
                 "Church / Congregation": 4.0}[dtype]
        base = rng.choice([10, 15, 20, 25, 25, 35, 50, 50, 75, 100, 100, 150, 250, 500]) * scale
        lapsed = rng.random() < 0.3
        begin = max(LOG_START, since)
        stop = day(rng, begin, date(2025, 8, 31)) if lapsed and begin < date(2025, 8, 31) else AS_OF
        amounts, when_list = [], []
        if begin <= AS_OF:
            if recurring in ("Monthly", "Quarterly") and not lapsed:
                step = 1 if recurring == "Monthly" else 3
                m = begin.month
                y = begin.year
                while date(y, m, min(since.day, 28)) <= AS_OF:
                    d = date(y, m, min(since.day, 28))
                    if d >= begin:
                        amt = round(base / (4 if recurring == "Monthly" else 2), 2)
                        gifts.append([datetime(d.year, d.month, d.day, 6, 0), cid, amt, "Monthly Sustainer" if step == 1 else "Quarterly Sustainer", "Credit card"])
                        amounts.append(amt)
                        when_list.append(d)
                    m += step
                    while m > 12:
                        m -= 12
                        y += 1
            k = rng.choices([0, 1, 2, 3, 4, 6], [34, 32, 16, 9, 6, 3])[0]
            for _ in range(k):
                when = moment(rng, begin, stop)
                camp = ("Year-End Appeal 2025" if when.month in (11, 12) and when.year == 2025 else
                        "Giving Tuesday 2025" if when.date() == date(2025, 12, 2) else
                        rng.choice(["Spring Appeal", "General Donation", "Gala 2025", "Hunger Action Month"]))
                amt = round(base * rng.choice([0.5, 1, 1, 1, 2, 4]) * rng.uniform(0.9, 1.1), 0)
                gifts.append([when, cid, amt, camp, rng.choice(["Credit card", "Check", "PayPal", "Stock transfer", "DAF grant"])])
                amounts.append(amt)
                when_list.append(when.date())
        prior = 0.0
        if since < LOG_START:
            years = (LOG_START - since).days / 365
            prior = round(base * years * rng.uniform(0.3, 2.5) * (3 if recurring == "Monthly" else 1), 2)
        lifetime = round(prior + sum(amounts), 2)
        largest = max(amounts + ([round(base * rng.uniform(0.5, 3), 0)] if prior else []), default=0)
        if amounts:
            last_gift = max(when_list).isoformat()
        elif prior:
            last_gift = day(rng, max(since, date(2016, 1, 1)), date(2024, 12, 31)).isoformat()
        else:
            last_gift = ""
        volunteer = "Y" if dtype in ("Individual", "Household") and rng.random() < 0.18 else "N"
        board = "Yes" if rng.random() < 0.012 else "No"
        gala = "Yes" if rng.random() < 0.07 + (0.2 if lifetime > 5000 else 0) else "No"
        rating = rng.choices(["A (major gift)", "B (mid-level)", "C", "D", "Unrated"], [3, 9, 22, 26, 40])[0]
        if lifetime > 20000:
            rating = "A (major gift)"
        program = rng.choices(["General fund", "Kids Summer Meals", "Senior Pantry", "Mobile Pantry"], [46, 22, 18, 14])[0]
        receipt = rng.choices(["Email", "Paper (mailed)", "Annual summary only"], [52, 30, 18])[0]
        no_mail = "TRUE" if rng.random() < 0.11 else "FALSE"
        opt = "Yes" if email and rng.random() < 0.7 else "No"
        rows.append([cid, first, last, email, phone, state, dtype, since.isoformat(), recurring, usd(lifetime),
                     usd(largest) if largest else "", last_gift, volunteer, board, gala, rating, program, receipt,
                     no_mail, opt])
        if volunteer == "Y":
            for _ in range(rng.randint(1, 12)):
                acts.append([cid, "Volunteer Shift", moment(rng, LOG_START, AS_OF - timedelta(days=1))])
        for name, p, k in [("Event Attended", 0.08 + (0.3 if gala == "Yes" else 0), 2), ("Site Tour", 0.03, 1),
                           ("Thank-you Call", 0.1 + (0.4 if lifetime > 2000 else 0), 2),
                           ("Newsletter Click", 0.35 if opt == "Yes" else 0.0, 6)]:
            if rng.random() < p:
                for _ in range(rng.randint(1, k)):
                    acts.append([cid, name, moment(rng, LOG_START, AS_OF - timedelta(days=1))])
    for k in range(10):
        gifts.append([datetime(2026, 6, 22 + k % 8, 14, 20 + k), rows[k * 31][0], 100.0 + 25 * k, "General Donation", "PayPal"])
    gifts.sort(key=lambda g: g[0])
    acts.sort(key=lambda a: a[2])
    return {
        "customers": (["Constituent ID", "First Name", "Last Name", "Email", "Phone", "State", "Donor Type", "Donor Since",
            "Recurring Gift", "Lifetime Giving", "Largest Gift", "Last Gift Date", "Volunteer (Y/N)", "Board Member",
            "Attended Gala", "Wealth Rating", "Preferred Program", "Receipt Preference", "Do Not Mail",
            "Email Opt-In"], rows),
        "orders": (["Gift ID", "Constituent ID", "Gift Date", "Gift Amount", "Campaign", "Payment Method"],
            [[f"G-{880001 + k}", g[1], g[0].strftime("%Y-%m-%d"), f"{g[2]:.2f}", g[3], g[4]]
            for k, g in enumerate(gifts)]),
        "events": (["Constituent ID", "Interaction Type", "Interaction Date"],
            [[a[0], a[1], a[2].strftime("%Y-%m-%d")] for a in acts]),
    }


# --------------------------------------------------------------------------------------------
# gaming: a mobile game's player export (analytics snake_case), in-app purchases, game events
# --------------------------------------------------------------------------------------------
def gaming():
    rng = random.Random(8086)
    n = 2500
    countries = ["US"] * 30 + ["BR"] * 12 + ["DE"] * 8 + ["JP"] * 8 + ["KR"] * 6 + ["GB"] * 8 + ["FR"] * 6 + \
        ["ID"] * 8 + ["MX"] * 8 + ["PH"] * 6
    rows, iap, evs = [], [], []
    skus = [("starter_pack", 4.99), ("gem_pouch", 1.99), ("gem_chest", 19.99), ("gem_vault", 99.99),
            ("battle_pass", 9.99), ("no_ads", 2.99)]
    for i in range(n):
        pid = f"p{500000 + i * 37}"
        country = rng.choice(countries)
        platform = rng.choices(["iOS", "Android", "Android (Amazon)"], [44, 50, 6])[0]
        installed = day(rng, date(2023, 3, 1), date(2026, 6, 28))
        source = rng.choices(["organic", "facebook_ads", "tiktok_ads", "google_uac", "cross_promo"], [40, 20, 16, 16, 8])[0]
        churned = rng.random() < 0.45
        begin = max(LOG_START, installed)
        last_login = day(rng, installed, min(AS_OF, installed + timedelta(days=rng.randint(1, 200)))) if churned \
            else day(rng, max(installed, AS_OF - timedelta(days=13)), AS_OF)
        days_played = max(1, min((last_login - installed).days + 1, int(rng.expovariate(1 / 60)) + 1))
        level = min(120, 1 + int(days_played ** 0.8 * rng.uniform(0.5, 1.5)))
        tutorial = "TRUE" if level > 3 or rng.random() < 0.5 else "FALSE"
        segment = rng.choices(["Non-payer", "Minnow", "Dolphin", "Whale"], [78, 13, 7, 2])[0]
        n_buy = {"Non-payer": 0, "Minnow": rng.randint(1, 3), "Dolphin": rng.randint(3, 10), "Whale": rng.randint(10, 40)}[segment]
        end = min(AS_OF, last_login)
        if begin > end:
            n_buy = 0
        for _ in range(n_buy):
            sku, price = rng.choices(skus, [20, 25, 15, 2 + (20 if segment == "Whale" else 0), 25, 13])[0]
            iap.append([moment(rng, begin, end), pid, price, sku])
        gems = int(rng.expovariate(1 / (200 + 2000 * (segment != "Non-payer")))) + level * 5
        guild = "Y" if level >= 10 and rng.random() < 0.5 else "N"
        push = "true" if rng.random() < (0.6 if platform != "iOS" else 0.4) else "false"
        mode = rng.choices(["Campaign", "PvP Arena", "Co-op Raids", "Seasonal Events"], [40, 26, 20, 14])[0]
        ads30 = 0 if last_login < AS_OF - timedelta(days=30) else (0 if rng.random() < 0.4 else rng.randint(1, 60))
        email = f"player{500000 + i * 37}@mail.test" if rng.random() < 0.35 else ""
        consent = "yes" if email and rng.random() < 0.55 else "no"
        sessions = int(days_played * rng.uniform(1.0, 4.0))
        rows.append([pid, installed.isoformat(), platform, country, level, segment, gems, sessions, days_played,
                     last_login.isoformat(), push, guild, tutorial, mode, ads30, source, email, consent])
        if begin <= end:
            k = int(min(days_played, (end - begin).days + 1) ** 0.7)
            for _ in range(min(k, 25)):
                evs.append([pid, "level_up", moment(rng, begin, end)])
            for name, p, kk in [("raid_completed", 0.5 if mode == "Co-op Raids" else 0.15, 6),
                                ("pvp_match", 0.6 if mode == "PvP Arena" else 0.15, 8),
                                ("ad_watched", 0.35, 6), ("friend_invited", 0.06, 3),
                                ("daily_reward_claimed", 0.4, 6)]:
                if rng.random() < p:
                    for _ in range(rng.randint(1, kk)):
                        evs.append([pid, name, moment(rng, max(begin, end - timedelta(days=120)), end)])
    for k in range(12):
        r = rows[k * 41]
        evs.append([r[0], "friend_invited", datetime(2026, 6, RECENT_DAYS[k], 18, k)])
        iap.append([datetime(2026, 6, 23 + k % 7, 20, k), rows[k * 53][0], 9.99, "battle_pass"])
    iap.sort(key=lambda p: p[0])
    evs.sort(key=lambda e: e[2])
    return {
        "customers": (["player_id", "install_date", "platform", "country", "player_level", "spender_segment", "gems_balance",
            "total_sessions", "days_played", "last_login", "push_enabled", "guild_member", "tutorial_completed",
            "favorite_mode", "ads_watched_30d", "acquisition_source", "email", "marketing_consent"], rows),
        "orders": (["transaction_id", "player_id", "purchase_ts", "price_usd", "sku"],
            [[f"txn_{9000001 + k}", p[1], p[0].strftime("%Y-%m-%dT%H:%M:%SZ"), f"{p[2]:.2f}", p[3]] for k, p in enumerate(iap)]),
        "events": (["player_id", "event_name", "event_ts"],
            [[e[0], e[1], e[2].strftime("%Y-%m-%dT%H:%M:%SZ")] for e in evs]),
    }


# --------------------------------------------------------------------------------------------
# carshare: a European car-sharing service's driver export, trips as orders, app actions
# --------------------------------------------------------------------------------------------
def carshare():
    rng = random.Random(2606)
    n = 1200
    cities = {"DE": ["Berlin", "Berlin", "Munich", "Hamburg", "Cologne"], "AT": ["Vienna"], "NL": ["Amsterdam", "Rotterdam"],
              "CH": ["Zurich"]}
    rows, trips, acts = [], [], []
    for i in range(n):
        did = f"DRV-{60020 + i * 9}"
        first, last = rng.choice(GIVEN), rng.choice(FAMILY)
        email = f"{first.lower()}.{last.lower()}{i}@post.test"
        mobile = "" if rng.random() < 0.05 else f"+49 15{rng.randint(1, 9)} {rng.randint(1000000, 9999999)}"
        country = rng.choices(list(cities), [62, 14, 16, 8])[0]
        city = rng.choice(cities[country])
        registered = day(rng, date(2019, 4, 1), date(2026, 6, 26))
        membership = rng.choices(["Pay-per-minute", "Flex (monthly)", "Flex (annual)", "Business (company-paid)"],
                                 [55, 22, 11, 12])[0]
        verified = "Yes" if rng.random() < 0.9 else "No"
        years_lic = rng.choice([0, 1, 1, 2, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30])
        student = "TRUE" if years_lic <= 4 and rng.random() < 0.35 else "FALSE"
        vehicle = rng.choices(["Compact", "Electric (EV)", "Van", "SUV", "Premium"], [38, 26, 10, 14, 12])[0]
        newsletter = "Y" if rng.random() < 0.45 else "N"
        push = "Yes" if rng.random() < 0.55 else "No"
        status = rng.choices(["Active", "Suspended (payment)", "Suspended (damage)", "Closed"], [86, 5, 3, 6])[0]
        damage = rng.choices([0, 1, 2, 3], [84, 11, 4, 1])[0]
        if status == "Suspended (damage)":
            damage = max(damage, 2)
        unpaid = round(rng.uniform(4, 180), 2) if status == "Suspended (payment)" or rng.random() < 0.06 else 0.0
        rate = {"Pay-per-minute": 6, "Flex (monthly)": 20, "Flex (annual)": 26, "Business (company-paid)": 30}[membership]
        if verified == "No":
            rate = 0
        n_trips = int(rng.expovariate(1 / rate)) if rate else 0
        begin = max(LOG_START, registered)
        stop = AS_OF if status == "Active" else day(rng, begin, AS_OF)
        if status == "Active" and rng.random() < 0.2:
            stop = day(rng, begin, max(begin, date(2026, 1, 31)))
        ratings = []
        if begin <= stop:
            for _ in range(n_trips):
                end = moment(rng, begin, stop)
                minutes = int(rng.expovariate(1 / 38)) + 5
                if rng.random() < 0.05:
                    minutes += rng.randint(240, 1400)
                v = vehicle if rng.random() < 0.6 else rng.choice(["Compact", "Electric (EV)", "Van", "SUV", "Premium"])
                fare = round(1.0 + minutes * {"Compact": 0.29, "Electric (EV)": 0.33, "Van": 0.42, "SUV": 0.39, "Premium": 0.55}[v], 2)
                trips.append([end, did, fare, minutes, round(minutes * rng.uniform(0.25, 0.6), 1), v])
                if rng.random() < 0.3:
                    ratings.append(rng.choice([3.5, 4.0, 4.5, 4.5, 5.0, 5.0, 2.5]))
        rating = f"{sum(ratings) / len(ratings):.1f}" if ratings else ""
        rows.append([did, first, last, email, mobile, city, country, registered.isoformat(), membership, verified,
                     years_lic, vehicle, rating, damage, f"€{unpaid:.2f}", student, newsletter, push, status])
        for name, p, k in [("app_opened", 0.8 if n_trips else 0.3, 10), ("reservation_cancelled", 0.25 if n_trips else 0.05, 3),
                           ("ev_charged", 0.4 if vehicle == "Electric (EV)" and n_trips else 0.03, 4),
                           ("support_chat", 0.12, 2), ("referral_sent", 0.07, 2), ("parking_fine", 0.05, 2)]:
            if rng.random() < p and begin <= AS_OF:
                for _ in range(rng.randint(1, k)):
                    acts.append([did, name, moment(rng, begin, AS_OF - timedelta(days=1))])
    for k in range(12):
        r = rows[k * 29]
        if r[-1] == "Active":
            trips.append([datetime(2026, 6, 22 + k % 8, 8, 30 + k), r[0], round(9.5 + 1.7 * k, 2), 25 + k, 11.0, "Compact"])
        acts.append([rows[k * 37][0], "referral_sent", datetime(2026, 6, RECENT_DAYS[k], 12, k)])
    trips.sort(key=lambda t: t[0])
    acts.sort(key=lambda a: a[2])
    return {
        "customers": (["Driver ID", "First Name", "Last Name", "E-mail", "Mobile", "City", "Country", "Registration Date",
            "Membership", "Licence Verified", "Years Licensed", "Preferred Vehicle", "Driver Rating", "Damage Reports",
            "Unpaid Balance", "Student Discount", "Newsletter (Y/N)", "Push Opt-In", "Account Status"], rows),
        "orders": (["Trip ID", "Driver ID", "Trip End Time", "Fare (€)", "Minutes", "Distance (km)", "Vehicle Type"],
            [[f"T{4000001 + k}", t[1], t[0].strftime("%Y-%m-%d %H:%M:%S"), f"{t[2]:.2f}", t[3], t[4], t[5]] for k, t in enumerate(trips)]),
        "events": (["Driver ID", "Action", "Timestamp"],
            [[a[0], a[1], a[2].strftime("%Y-%m-%d %H:%M:%S")] for a in acts]),
    }


if __name__ == "__main__":
    for make in (hotel, donors, gaming, carshare):
        for kind, (header, rows) in make().items():
            save(make.__name__, kind, header, rows)
