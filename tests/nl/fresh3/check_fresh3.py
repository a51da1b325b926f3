#!/usr/bin/env python3
"""Check every expectation of tests/nl/fresh3/cases, computing each audience from the CSVs in Python.

Usage: python3 tests/nl/fresh3/check_fresh3.py [-v] [--binary PATH] [--python-only]

Each case's `expect` is evaluated by a small, independent Python reading of the definition
language (docs/language.md: attribute, date, aggregate, all/any/not and the glossary terms used
here) directly over data/<dataset>/*.csv, with the header → field names the importer reports.
A case is a problem when its keys are not the harness's, its prompt repeats another of the same
dataset, an "ask" case has no note, or its audience has 3 or fewer members or is everyone.
Unless --python-only, the CSVs are also imported (no --map, as of 2026-06-30) into throw-away
SQLite databases and `segwright members` of each expectation must return exactly the Python set:
the two readings of the definition agree. The interpreter is never run. The split each prompt
falls in (FNV-1a of the trimmed, lower-cased prompt: even = dev, odd = heldout, the harness's
rule) is printed per dataset. Exit status 1 when there is any problem.
"""
import argparse
import csv
import json
import math
import pathlib
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

SUITE = pathlib.Path(__file__).resolve().parent
REPO = SUITE.parents[2]
AS_OF = date(2026, 6, 30)
KEYS = {"prompt", "dataset", "expect", "note", "requires"}
MIN_MEMBERS = 4

# Headers the importer maps to built-in fields (checked with `segwright import` + `catalog`);
# every other customers column is a custom attribute named in snake_case.
BUILTIN = {
    "vet": {"Client Number": "external_id", "Email Address": "email", "Phone": "phone", "City": "city",
            "State": "region"},
    "energy": {"ACCT_NO": "external_id"},
    "wineclub": {"memberId": "external_id", "firstName": "first_name", "lastName": "last_name",
                 "emailAddress": "email", "joinDate": "signup_date"},
    "library": {"Patron ID": "external_id", "First Name": "first_name", "Last Name": "last_name", "E-mail": "email"},
    "cowork": {"Account ID": "external_id", "Country": "country", "City": "city"},
}
# The key, time and amount columns of the orders/events files (event name: the third column).
LOGS = {
    "vet": {"orders": ("Client Number", "Visit Date", "Invoice Total")},
    "energy": {"events": ("ACCT_NO", "EVENT_TS", "EVENT_CD")},
    "wineclub": {"orders": ("memberId", "orderDate", "orderTotal")},
    "library": {"events": ("Patron ID", "Date", "Activity")},
    "cowork": {"orders": ("Account ID", "Booked At", "Amount (USD)")},
}
COUNTRIES = {"United States": "US", "United Kingdom": "GB", "Ireland": "IE", "Netherlands": "NL", "Portugal": "PT"}
TRUE = {"y", "yes", "true", "1"}
sys.path.insert(0, str(SUITE.parent / "fresh2"))
from check_fresh2 import split_of  # noqa: E402  the harness's split rule, written once
FALSE = {"n", "no", "false", "0"}


def snake(header):
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", header)
    return re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")


def typed(raw, boolean=False):
    """A cell as boolean (when its whole column is yes/no-like), number, date or text; None when blank."""
    v = raw.strip()
    if not v:
        return None
    if boolean:
        return v.lower() in TRUE
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return date.fromisoformat(v)
    num = v.replace("$", "").replace(",", "")
    try:
        return float(num)
    except ValueError:
        return v


def months_back(d, n):
    y, m = divmod(d.year * 12 + d.month - 1 - n, 12)
    m += 1
    last_day = [31, 29 if y % 4 == 0 and (y % 100 or y % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    return date(y, m, min(d.day, last_day))


def back(amount, unit):
    """The day D - amount unit."""
    if unit == "days":
        return AS_OF - timedelta(days=amount)
    if unit == "weeks":
        return AS_OF - timedelta(weeks=amount)
    return months_back(AS_OF, amount * (12 if unit == "years" else 1))


def when(raw):
    raw = raw.strip().rstrip("Z")
    return datetime.fromisoformat(raw.replace("T", " ")).date()


class Data:
    """One dataset: customers by id with their typed fields, and their orders/events."""

    def __init__(self, name):
        folder = SUITE / "data" / name
        self.customers, self.orders, self.events = {}, defaultdict(list), defaultdict(list)
        with open(folder / "customers.csv", newline="") as f:
            table = list(csv.DictReader(f))
        boolean = {h for h in table[0] if all(r[h].strip().lower() in TRUE | FALSE | {""} for r in table)}
        for row in table:
            rec = {}
            for header, raw in row.items():
                field = BUILTIN[name].get(header, snake(header))
                value = typed(raw, header in boolean)
                if field == "country" and value is not None:
                    value = COUNTRIES.get(value, value)
                if field in ("external_id", "email", "phone", "city", "region", "first_name", "last_name"):
                    value = raw.strip() or None
                rec[field] = value
            self.customers[rec["external_id"]] = rec
        for kind, (key, at, third) in LOGS[name].items():
            with open(folder / f"{kind}.csv", newline="") as f:
                for row in csv.DictReader(f):
                    day = when(row[at])
                    if kind == "orders":
                        self.orders[row[key]].append((day, typed(row[third])))
                    else:
                        self.events[row[key]].append((day, row[third]))

    def select(self, node):
        return {cid for cid in self.customers if self.holds(node, cid)}

    def holds(self, n, cid):
        t = n["type"]
        if t == "all":
            return all(self.holds(c, cid) for c in n["conditions"])
        if t == "any":
            return any(self.holds(c, cid) for c in n["conditions"])
        if t == "not":
            return not self.holds(n["condition"], cid)
        if t == "attribute":
            return attribute(self.customers[cid].get(n["field"]), n["op"], n.get("value"))
        if t == "date":
            return date_test(self.customers[cid].get(n["field"]), n)
        if t == "aggregate":
            return self.aggregate(n, cid)
        if t == "term":
            return self.term(n["name"], n.get("params", {}), cid)
        raise ValueError(f"node type {t} is not read by this checker")

    def rows(self, n, cid):
        rows = self.orders[cid] if n["source"] == "orders" else [
            (d, None) for d, e in self.events[cid] if e == n.get("event", e)]
        w = n.get("window")
        if w and "last" in w:
            start = back(w["last"], w["unit"])
            rows = [r for r in rows if r[0] > start]
        elif w:
            lo, hi = date.fromisoformat(w["from"]), date.fromisoformat(w["to"])
            rows = [r for r in rows if lo <= r[0] <= hi]
        return [r for r in rows if r[0] <= AS_OF]

    def aggregate(self, n, cid):
        rows, m = self.rows(n, cid), n["measure"]
        if m == "count":
            value = len(rows)
        elif m == "first":
            value = min((r[0] for r in rows), default=None)
        elif not rows:
            value = 0.0 if m == "sum" else None
        else:
            amounts = [r[1] for r in rows]
            value = {"sum": sum(amounts), "max": max(amounts), "min": min(amounts),
                     "avg": sum(amounts) / len(amounts)}[m]
        want = n["value"]
        if m == "first" and value is not None:
            want = [date.fromisoformat(v) for v in want] if isinstance(want, list) else date.fromisoformat(want)
        return compare(value, n["op"], want)

    def revenue_top(self, percent, cid):
        # every customer ranks, those without orders at 0 (what segwright does, checked on vet/wineclub)
        values = sorted((sum(a for _, a in self.orders[c]) for c in self.customers), reverse=True)
        threshold = values[math.ceil(percent / 100 * len(values)) - 1]
        return sum(a for _, a in self.orders[cid]) >= threshold

    def term(self, name, params, cid):
        orders = self.orders[cid]
        if name == "high_value":
            return self.revenue_top(20, cid)
        if name == "big_spenders":
            return self.revenue_top(10, cid)
        if name == "loyal":
            return len(orders) >= 5
        if name == "lapsed":
            start = back(params.get("days", 90), "days")
            return bool(orders) and not any(d > start for d, _ in orders)
        if name == "inactive_for":
            start = back(params.get("days", 30), "days")
            return not any(d > start for d, _ in orders + self.events[cid])
        raise ValueError(f"term {name} is not read by this checker")


def compare(value, op, want):
    if value is None:
        return False
    if op == "eq":
        return value == want
    if op == "ne":
        return value != want
    if op == "gt":
        return value > want
    if op == "gte":
        return value >= want
    if op == "lt":
        return value < want
    if op == "lte":
        return value <= want
    if op == "between":
        return want[0] <= value <= want[1]
    raise ValueError(f"op {op} is not read by this checker")


def attribute(value, op, want):
    if op == "is_set":
        return value is not None
    if op == "is_not_set":
        return value is None
    if value is None:
        return False
    if isinstance(value, str):
        value = value.lower()
        want = [w.lower() for w in want] if isinstance(want, list) else want.lower()
    if op == "in":
        return value in want
    if op == "not_in":
        return value not in want
    return compare(value, op, want)


def date_test(value, n):
    if value is None:
        return False
    op = n["op"]
    if op == "within_last":
        return back(n["amount"], n["unit"]) < value <= AS_OF
    if op == "more_than_ago":
        return value <= back(n["amount"], n["unit"])
    if op == "before":
        return value < date.fromisoformat(n["date"])
    if op == "after":
        return value > date.fromisoformat(n["date"])
    if op == "between":
        return date.fromisoformat(n["from"]) <= value <= date.fromisoformat(n["to"])
    raise ValueError(f"date op {op} is not read by this checker")


class Segwright:
    """The second reading: the expectation run by segwright itself over the imported CSVs."""

    def __init__(self, binary, tmp, name):
        self.binary, self.url, self.tmp = binary, f"sqlite://{tmp / (name + '.db')}", tmp
        for kind in ("customers", "orders", "events"):
            path = SUITE / "data" / name / f"{kind}.csv"
            if path.exists():
                done = self.call("import", kind, str(path))
                if done.returncode:
                    sys.exit(f"{name}: importing {kind}.csv failed: {done.stderr.strip()[-400:]}")

    def call(self, *argv):
        return subprocess.run([self.binary, "--as-of", AS_OF.isoformat(), "--database-url", self.url, *argv],
                              capture_output=True, text=True)

    def members(self, root):
        scratch = self.tmp / "case.json"
        scratch.write_text(json.dumps({"version": 1, "root": root}))
        done = self.call("members", str(scratch), "--format", "jsonl")
        if done.returncode:
            return None, (done.stdout + done.stderr).strip()[:300]
        ids = set()
        for line in done.stdout.splitlines():
            if line.strip():
                ids.add(json.loads(line)["external_id"])
        return ids, ""


def load_cases():
    """Every case with where it is written: (file stem, case)."""
    return [(f.stem, case) for f in sorted((SUITE / "cases").glob("*.json")) for case in json.loads(f.read_text())]


def form_problems(cases, names):
    """Keys the harness would refuse, unknown datasets, repeated prompts, ask cases without a reason."""
    found = []
    keys = Counter((c.get("dataset"), c.get("prompt", "").strip().lower()) for _, c in cases)
    for stem, c in cases:
        label = f"{stem}: {c.get('prompt', '')}"
        extra = sorted(set(c) - KEYS)
        found += [f"bad case   {label} (keys {extra})"] * bool(extra or not c.get("prompt", "").strip())
        found += [f"no data    {label} (dataset {c.get('dataset')})"] * (c.get("dataset") not in names)
        found += [f"duplicate  {label}"] * (keys[(c.get("dataset"), c.get("prompt", "").strip().lower())] > 1)
        found += [f"no note    {label} (an ask case says why it is ambiguous)"] * (c.get("expect") == "ask" and not c.get("note"))
    return found


def audience_problems(stem, case, data, app):
    """The Python audience, and what is wrong with it (size, or segwright reads the definition otherwise)."""
    ds, label = case["dataset"], f"{stem}: {case['prompt']}"
    want, total = data.select(case["expect"]), len(data.customers)
    found = [] if MIN_MEMBERS <= len(want) < total else [f"size       {label}: {len(want)} of {total}"]
    if app is not None:
        got, err = app.members(case["expect"])
        if got is None:
            found.append(f"invalid    {label}: {err}")
        elif got != want:
            found.append(f"disagree   {label}: segwright {len(got)}, python {len(want)}, e.g. {sorted(got ^ want)[:3]}")
    return want, found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-v", action="store_true", help="print every case")
    ap.add_argument("--binary", default=str(REPO / "target" / "debug" / "segwright"))
    ap.add_argument("--python-only", action="store_true", help="do not compare with segwright")
    opts = ap.parse_args()
    names = sorted(p.name for p in (SUITE / "data").iterdir() if p.is_dir())
    data = {n: Data(n) for n in names}
    cases = load_cases()
    problems = form_problems(cases, names)
    tally, sizes = Counter(), []
    with tempfile.TemporaryDirectory(prefix="fresh3-check-") as t:
        apps = {} if opts.python_only else {n: Segwright(opts.binary, pathlib.Path(t), n) for n in names}
        for stem, case in cases:
            ds, half = case.get("dataset"), split_of(case.get("prompt", ""))
            if ds not in data:
                continue
            tally[(ds, half)] += 1
            if case["expect"] == "ask":
                tally[(ds, "ask")] += 1
                if opts.v:
                    print(f"  ask      {half:7} {ds:9} {'':>11}  {case['prompt']}")
                continue
            want, found = audience_problems(stem, case, data[ds], apps.get(ds))
            problems += found
            sizes.append((len(want), len(data[ds].customers), ds, case["prompt"]))
            if opts.v:
                print(f"  ok       {half:7} {ds:9} {len(want):5}/{len(data[ds].customers):<5}  {case['prompt']}")
    print("\n".join(problems) if problems else "no problems")
    for ds in names:
        print(f"{ds:9} customers {len(data[ds].customers):5}  dev {tally[(ds, 'dev')]:3}  "
              f"heldout {tally[(ds, 'heldout')]:3}  ask {tally[(ds, 'ask')]}")
    if sizes:
        lo, hi = min(sizes), max(sizes, key=lambda s: s[0] / s[1])
        print(f"smallest audience {lo[0]}/{lo[1]} ({lo[2]}: {lo[3]}); largest {hi[0]}/{hi[1]} ({hi[2]}: {hi[3]})")
    per = Counter()
    for (_, k), v in tally.items():
        per[k] += v
    print(f"{len(sizes)} definitions checked, {per['ask']} ask cases, dev {per['dev']}, heldout {per['heldout']}, "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
