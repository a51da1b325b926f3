#!/usr/bin/env python3
"""Validate every expectation of tests/nl/fresh2/cases against the generated exports.

Usage: python3 tests/nl/fresh2/check_fresh2.py [-v] [--binary PATH]

For each folder data/<dataset>/ the customers, orders and events files it has are imported,
without --map and as of 2026-06-30, into a throw-away SQLite database. Each case's `expect` is
then previewed (count only). A case is a problem when its keys are not the harness's, its dataset
has no data, its prompt repeats another of the same dataset, an "ask" case has no note, or its
definition is invalid, selects 3 or fewer customers, or selects every customer. The split each
prompt falls in (FNV-1a of the trimmed, lower-cased prompt: even = dev, odd = heldout, the rule
the harness applies) is printed per dataset. Nothing is built and the interpreter is never run.
Exit status 1 when there is any problem.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
from collections import Counter

SUITE = pathlib.Path(__file__).resolve().parent
REPO = SUITE.parents[2]
AS_OF = "2026-06-30"
KEYS = {"prompt", "dataset", "expect", "note", "requires"}
MIN_MEMBERS = 4


def split_of(prompt):
    """The harness's rule: FNV-1a 64 over the bytes of the trimmed, lower-cased prompt."""
    h = 0xCBF29CE484222325
    for b in prompt.strip().lower().encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "dev" if h % 2 == 0 else "heldout"


class Segwright:
    def __init__(self, binary, db):
        self.binary, self.url = binary, f"sqlite://{db}"

    def call(self, *argv):
        return subprocess.run([self.binary, "--as-of", AS_OF, "--database-url", self.url, *argv],
                              capture_output=True, text=True)

    def count(self, root, scratch):
        scratch.write_text(json.dumps({"version": 1, "root": root}))
        done = self.call("preview", str(scratch), "--count-only")
        try:
            return json.loads(done.stdout)["size"]["count"], ""
        except (ValueError, KeyError, TypeError):
            return None, (done.stdout + done.stderr).strip()[:300]


def load_datasets(binary, tmp):
    apps = {}
    for folder in sorted(p for p in (SUITE / "data").iterdir() if p.is_dir()):
        app = Segwright(binary, tmp / f"{folder.name}.db")
        for kind in ("customers", "orders", "events"):
            csv_path = folder / f"{kind}.csv"
            if csv_path.exists():
                done = app.call("import", kind, str(csv_path))
                if done.returncode:
                    sys.exit(f"{folder.name}: importing {kind}.csv failed: {done.stderr.strip()[-400:]}")
        total, err = app.count({"type": "all", "conditions": []}, tmp / "all.json")
        if total is None:
            sys.exit(f"{folder.name}: cannot count customers: {err}")
        apps[folder.name] = (app, total)
    return apps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-v", action="store_true", help="print every case")
    ap.add_argument("--binary", default=str(REPO / "target" / "debug" / "segwright"))
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fresh2-check-") as t:
        tmp = pathlib.Path(t)
        apps = load_datasets(os.path.abspath(opts.binary), tmp)
        problems, seen, splits, sizes = [], set(), Counter(), []
        for case_file in sorted((SUITE / "cases").glob("*.json")):
            for case in json.loads(case_file.read_text()):
                prompt, ds = case.get("prompt", ""), case.get("dataset")
                where = f"{case_file.stem}: {prompt}"
                if set(case) - KEYS or ds not in apps or not prompt.strip():
                    problems.append(f"bad case   {where} (keys {sorted(set(case) - KEYS)}, dataset {ds})")
                    continue
                if (ds, prompt.strip().lower()) in seen:
                    problems.append(f"duplicate  {where}")
                seen.add((ds, prompt.strip().lower()))
                half = split_of(prompt)
                splits[(ds, half)] += 1
                if case["expect"] == "ask":
                    splits[(ds, "ask")] += 1
                    if not case.get("note"):
                        problems.append(f"no note    {where} (an ask case says why it is ambiguous)")
                    elif opts.v:
                        print(f"  ask      {half:7} {ds:9} {'':>11}  {prompt}")
                    continue
                app, total = apps[ds]
                n, err = app.count(case["expect"], tmp / "case.json")
                if n is None:
                    problems.append(f"invalid    {where}: {err}")
                    continue
                sizes.append((n, total, ds, prompt))
                if n < MIN_MEMBERS or n >= total:
                    problems.append(f"size       {where}: {n} of {total}")
                elif opts.v:
                    print(f"  ok       {half:7} {ds:9} {n:5}/{total:<5}  {prompt}")
        for p in problems:
            print(p)
        for ds in sorted(apps):
            print(f"{ds:9} customers {apps[ds][1]:5}  dev {splits[(ds, 'dev')]:3}  heldout {splits[(ds, 'heldout')]:3}"
                  f"  ask {splits[(ds, 'ask')]}")
        if sizes:
            lo, hi = min(sizes), max(sizes, key=lambda s: s[0] / s[1])
            print(f"smallest audience {lo[0]}/{lo[1]} ({lo[2]}: {lo[3]}); largest {hi[0]}/{hi[1]} ({hi[2]}: {hi[3]})")
        asks = sum(v for (d, k), v in splits.items() if k == "ask")
        print(f"{len(sizes)} definitions checked, {asks} ask cases, {len(problems)} problems")
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
