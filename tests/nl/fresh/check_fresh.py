#!/usr/bin/env python3
"""Check every expected definition in tests/nl/fresh/cases against its dataset.

Usage: python3 tests/nl/fresh/check_fresh.py [PATH/TO/segwright] [-v]

Imports data/<dataset>/{customers,orders,events}.csv (the files a dataset has, without --map)
into one SQLite file per dataset in a temporary folder, as of 2026-06-30, then previews each
case's `expect` (count only) and reports definitions that are invalid, select nobody or select
everybody. `"expect": "ask"` cases are only checked for a note. Also flags duplicate prompts,
unknown keys and datasets without data. Exit status 1 when anything is wrong. Needs a built
binary (default target/debug/segwright); it does not build anything. It never runs the
interpreter.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
AS_OF = "2026-06-30"
args = [a for a in sys.argv[1:] if a != "-v"]
verbose = "-v" in sys.argv
binary = os.path.abspath(args[0]) if args else os.path.join(ROOT, "target", "debug", "segwright")
work = tempfile.mkdtemp(prefix="segwright-fresh-check-")


def run(*argv):
    return subprocess.run([binary, "--as-of", AS_OF, *argv], capture_output=True, text=True)


urls, totals = {}, {}
for folder in sorted(glob.glob(os.path.join(HERE, "data", "*"))):
    name = os.path.basename(folder)
    urls[name] = f"sqlite://{os.path.join(work, name + '.db')}"
    for kind in ("customers", "orders", "events"):
        path = os.path.join(folder, kind + ".csv")
        if os.path.exists(path):
            p = run("--database-url", urls[name], "import", kind, path)
            if p.returncode:
                sys.exit(f"import {name}/{kind} failed: {p.stderr.strip()[-400:]}")
    path = os.path.join(work, "all.json")
    json.dump({"version": 1, "root": {"type": "all", "conditions": []}}, open(path, "w"))
    totals[name] = json.loads(run("--database-url", urls[name], "preview", path, "--count-only").stdout)["size"]["count"]

bad, seen, checked, asks = 0, set(), 0, 0
for f in sorted(glob.glob(os.path.join(HERE, "cases", "*.json"))):
    category = os.path.basename(f)[:-5]
    for case in json.load(open(f)):
        extra = set(case) - {"prompt", "dataset", "expect", "note", "requires"}
        if extra or case.get("dataset") not in urls:
            print(f"BAD CASE  {category}: {case.get('prompt')}: keys {sorted(extra)} dataset {case.get('dataset')}")
            bad += 1
            continue
        key = (case["prompt"].strip().lower(), case["dataset"])
        if key in seen:
            print(f"DUPLICATE {category}: {case['prompt']} ({case['dataset']})")
            bad += 1
        seen.add(key)
        if case["expect"] == "ask":
            asks += 1
            if not case.get("note"):
                print(f"NO NOTE   {category}: ask case without a note: {case['prompt']}")
                bad += 1
            elif verbose:
                print(f"{'ask':9} {category:10} {'':>11}  {case['prompt']}")
            continue
        path = os.path.join(work, "case.json")
        json.dump({"version": 1, "root": case["expect"]}, open(path, "w"))
        p = run("--database-url", urls[case["dataset"]], "preview", path, "--count-only")
        checked += 1
        try:
            n = json.loads(p.stdout)["size"]["count"]
        except (ValueError, KeyError):
            print(f"INVALID   {category}: {case['prompt']}: {(p.stdout + p.stderr).strip()[:300]}")
            bad += 1
            continue
        wrong = not 0 < n < totals[case["dataset"]]
        bad += wrong
        if wrong or verbose:
            print(f"{'EMPTY/ALL' if wrong else 'ok':9} {category:10} {n:5}/{totals[case['dataset']]:<5}  {case['prompt']}")
shutil.rmtree(work, ignore_errors=True)
print(f"{checked} definitions checked, {asks} ask cases, {bad} problems")
sys.exit(1 if bad else 0)
