"""Tune the family threshold on the labelled oopses (../shared/oopses, read in place).

    .venv/bin/python benchmarks/family_threshold.py [OOPSES] [--crashpipe CMD]

For every folder, parses both console logs with `crashpipe parse --json`, matches each
captured ground-truth step to its report (as tools/score does: a report starting in the
step's line range, preferring one that names a frame of the step's chain), and takes
the bucket signatures.  Then, per architecture, every pair of distinct buckets with the
same kind token is scored with `crashpipe.bucket.family.similarity`; pairs whose steps
share `site_bucket` are same-site pairs, the others different-site pairs.  Prints the
lowest same-site score, the highest different-site score, and the family pairwise F1
(buckets of one family vs site_bucket, over reports) for a sweep of thresholds.
"""
from __future__ import annotations

import argparse
import collections
import glob
import itertools
import json
import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from crashpipe.bucket.family import Families, similarity  # noqa: E402
from crashpipe.bucket.signature import compute  # noqa: E402
from crashpipe.bucket.index import columns_from_tables  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def steps(folder: str, crashpipe: list[str]) -> list[tuple[dict, dict]]:
    """(ground-truth step, matched report) pairs of one folder."""
    parsed = {}
    for log in ("console-raw.log", "console-kaslr.log"):
        out = subprocess.run(crashpipe + ["parse", "--json", os.path.join(folder, log)],
                             capture_output=True, text=True, check=True).stdout
        parsed[log] = [json.loads(l) for l in out.splitlines()]
    got = []
    for line in open(os.path.join(folder, "ground_truth.jsonl")):
        g = json.loads(line)
        if g["status"] != "captured":
            continue
        cands = [r for r in parsed[g["log"]] if g["line_start"] <= r["source_line"] <= g["line_end"]]
        chain = set(g["expected_module_frames"])
        pick = next((r for r in cands if any(f["symbol"] in chain for f in r["frames"])), cands[0] if cands else None)
        if pick is not None:
            got.append((g, pick))
    return got


def signatures(reports: list[dict]) -> list[list[str]]:
    import pyarrow as pa

    rows = [{"report_id": str(i), "arch": r["arch"], "kind": r["kind"], "title": r["title"]} for i, r in enumerate(reports)]
    frames = [{"report_id": str(i), "frame_no": k, **{c: f[c] for c in ("symbol", "module", "method", "reliable",
                                                                         "inlined", "context")}}
              for i, r in enumerate(reports) for k, f in enumerate(r["frames"])]
    s = compute(columns_from_tables(pa.Table.from_pylist(rows), pa.Table.from_pylist(frames)), with_reasons=False)
    return [s.signature[b] for b in s.bucket_id]


def pair_f1(labels: list[str], pred: list[str]) -> float:
    tp = fp = fn = 0
    for (a, pa_), (b, pb) in itertools.combinations(list(zip(labels, pred)), 2):
        tp += a == b and pa_ == pb
        fp += a != b and pa_ == pb
        fn += a == b and pa_ != pb
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return 2 * p * r / (p + r) if p + r else 0.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("oopses", nargs="?", default=os.path.join(HERE, "..", "..", "shared", "oopses"))
    ap.add_argument("--crashpipe", default=os.path.join(HERE, "..", ".venv", "bin", "crashpipe"))
    a = ap.parse_args()
    same, diff = [], []
    per_folder = {}
    for folder in sorted(glob.glob(os.path.join(a.oopses, "qemu-*"))):
        got = steps(folder, shlex.split(a.crashpipe))
        sigs = signatures([r for _, r in got])
        buckets = {}
        for (g, _), s in zip(got, sigs):
            buckets.setdefault(tuple(s), g["site_bucket"])
        for (s1, k1), (s2, k2) in itertools.combinations(buckets.items(), 2):
            if s1[0] != s2[0]:
                continue
            sim = similarity(s1[1:], s2[1:])
            (same if k1 == k2 else diff).append((sim, os.path.basename(folder), s1[1], s2[1]))
        per_folder[os.path.basename(folder)] = (got, sigs)
    print(f"same-site pairs {len(same)}: lowest {min(same)[0]:.3f} ({min(same)[1]}: {min(same)[2]} / {min(same)[3]})")
    print(f"different-site pairs {len(diff)}: highest {max(diff)[0]:.3f} ({max(diff)[1]}: {max(diff)[2]} / {max(diff)[3]})")
    for t in (0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9):
        f1s = []
        for folder, (got, sigs) in per_folder.items():
            fam = Families(threshold=t)
            ids = {tuple(s): f"b{i}" for i, s in enumerate(dict.fromkeys(tuple(s) for s in sigs))}
            fam.assign((ids[tuple(s)], list(s)) for s in sigs)
            f1s.append(pair_f1([g["site_bucket"] for g, _ in got], [fam.family[ids[tuple(s)]] for s in sigs]))
        print(f"threshold {t:.2f}: family F1 per folder " + " ".join(f"{x:.3f}" for x in f1s))
    counts = collections.Counter(round(s[0], 2) for s in same)
    print("same-site score histogram:", dict(sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
