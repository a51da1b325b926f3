#!/usr/bin/env python3
"""Check every expected definition in tests/nl/cases against the two datasets.

Usage: python3 tests/nl/check_expected.py [PATH/TO/segwright] [-v]

Builds the demo data (2,000 customers, seed 7) and imports tests/nl/data/*.csv into two
SQLite files in a temporary folder, all as of 2026-06-30, then previews each case's `expect`
(count only) and reports cases whose definition is invalid, selects nobody, or selects
everybody. Cases with `"requires"` (e.g. scores) are skipped. Also flags duplicate prompts
within one dataset. Exit status 1 when anything is wrong. Needs a built binary
(default target/debug/segwright); it does not build anything.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
AS_OF = "2026-06-30"
args = [a for a in sys.argv[1:] if a != "-v"]
verbose = "-v" in sys.argv
binary = os.path.abspath(args[0]) if args else os.path.join(ROOT, "target", "debug", "segwright")
work = tempfile.mkdtemp(prefix="segwright-nl-check-")
urls = {name: f"sqlite://{os.path.join(work, name + '.db')}" for name in ("demo", "custom")}


def run(*argv):
    return subprocess.run([binary, "--as-of", AS_OF, *argv], capture_output=True, text=True)


p = run("--database-url", urls["demo"], "demo", "--customers", "2000", "--seed", "7", "--no-serve")
if p.returncode:
    sys.exit(f"demo failed: {p.stderr}")
for kind in ("customers", "orders", "events"):
    p = run("--database-url", urls["custom"], "import", kind, os.path.join(HERE, "data", kind + ".csv"))
    if p.returncode:
        sys.exit(f"import {kind} failed: {p.stderr}")

totals = {}
for name, url in urls.items():
    path = os.path.join(work, "all.json")
    json.dump({"version": 1, "root": {"type": "all", "conditions": []}}, open(path, "w"))
    totals[name] = json.loads(run("--database-url", url, "preview", path, "--count-only").stdout)["size"]["count"]

bad, seen, checked = 0, set(), 0
for f in sorted(glob.glob(os.path.join(HERE, "cases", "*.json"))):
    category = os.path.basename(f)[:-5]
    for case in json.load(open(f)):
        key = (case["prompt"].strip().lower(), case["dataset"])
        if key in seen:
            print(f"DUPLICATE {category}: {case['prompt']} ({case['dataset']})")
            bad += 1
        seen.add(key)
        if case.get("requires"):
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
            print(f"{'EMPTY/ALL' if wrong else 'ok':9} {category:16} {case['dataset']:6} {n:5}/{totals[case['dataset']]}  {case['prompt']}")
shutil.rmtree(work, ignore_errors=True)
print(f"{checked} cases checked, {bad} problems")
sys.exit(1 if bad else 0)
