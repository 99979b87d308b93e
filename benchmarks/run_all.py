#!/usr/bin/env python3
"""Every benchmark of benchmarks/README.md, one after the other (`make bench`).

Defaults are the sizes the issues ask for and take a while (the 1,000,000-dump unwind
container alone is 9.3 GB under benchmarks/data); `--quick` runs each at a size that
finishes in a few minutes, to check the scripts work.  The symbolization benchmark needs
a big vmlinux with DWARF: it runs when one is cached by an earlier `--fetch`, or with
`--fetch` here (it downloads ~860 MB through apt), else it is skipped with a message.

    python benchmarks/run_all.py [--quick] [--fetch] [--only parse,unwind,bucket,symbolize]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

FULL = {
    "parse": ["bench_parse.py"],
    "unwind": ["bench_unwind.py"],
    "bucket": ["bench_bucket.py"],
    "symbolize": ["bench_symbolize.py"],
}
QUICK = {
    "parse": ["bench_parse.py", "--reports", "10000", "--files", "8", "--e2e-files", "4", "--no-readme",
              "--work", "/tmp/crashpipe-bench-quick"],
    "unwind": ["bench_unwind.py", "--n", "20000"],
    "bucket": ["bench_bucket.py", "--reports", "50000"],
    "symbolize": ["bench_symbolize.py"],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: check the scripts, not the figures")
    ap.add_argument("--fetch", action="store_true", help="let the symbolization benchmark download its vmlinux")
    ap.add_argument("--only", default="parse,unwind,bucket,symbolize")
    a = ap.parse_args()
    plan = QUICK if a.quick else FULL
    failed = []
    for name in [n.strip() for n in a.only.split(",") if n.strip()]:
        if name not in plan:
            print(f"run_all: unknown benchmark {name!r} (one of {', '.join(plan)})", file=sys.stderr)
            return 2
        cmd = [sys.executable, os.path.join(HERE, plan[name][0]), *plan[name][1:]]
        if name == "symbolize" and a.fetch:
            cmd.append("--fetch")
        print(f"== {name}: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
        rc = subprocess.call(cmd)
        if rc != 0:
            failed.append(f"{name} (exit {rc})")
    if failed:
        print("run_all: failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
