"""Pairwise precision and recall of crashpipe's bucket_id against syzbot's grouping.

    .venv/bin/python benchmarks/syzbot_dedup.py [CORPUS] [--crashpipe CMD] [-v]

CORPUS (default ../shared/corpus/syzkaller-linux, read in place) holds syzkaller's
report test files: a `TITLE:`/`ALT:` header, an empty line, the log, and optionally a
`REPORT:` section.  syzkaller treats two crashes as one bug when their {TITLE} U {ALT}
sets intersect, so each pair of files with a title is a true duplicate pair when the
sets intersect.  crashpipe parses every log in one `crashpipe parse --json` call (logs
written to a temp folder, the way tools/score does it); each file's first report
(lowest source_line) carries its bucket_id.  Byte-identical logs count once.  Files
without a TITLE, and files where crashpipe found no report, are left out (counted).

Prints pairs, precision and recall; -v lists the false-positive pairs (same bucket,
different syzbot bug) and the biggest missed groups.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.join(HERE, "..", "..", "shared", "corpus", "syzkaller-linux")


def read_case(path: str) -> tuple[set[str], str]:
    """({TITLE} U ALT, log text) of one corpus file."""
    text = open(path, "rb").read().decode("utf-8", "surrogateescape").replace("\r", "")
    head, _, log = text.partition("\n\n") if not text.startswith("\n") else ("", "", text[1:])
    names: set[str] = set()
    for line in head.splitlines():
        if line.startswith("TITLE:") and line[6:].strip():
            names.add(line[6:].strip())
        elif line.startswith("ALT:") and line[4:].strip():
            names.add(line[4:].strip())
    title = any(line.startswith("TITLE:") and line[6:].strip() for line in head.splitlines())
    cut = log.find("\n\nREPORT:\n")
    if cut >= 0:
        log = log[: cut + 1]
    return (names if title else set()), log


def bucket_ids(logs: dict[str, str], crashpipe: list[str]) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """bucket_id and family_id of each file's first report (None: no report)."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, log in logs.items():
            with open(os.path.join(tmp, name), "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(log)
        out = subprocess.run(crashpipe + ["parse", "--json", tmp], capture_output=True, text=True, check=True).stdout
    first: dict[str, tuple[int, str | None, str | None]] = {}
    for line in out.splitlines():
        r = json.loads(line)
        name = os.path.basename(r["source"])
        if name not in first or r["source_line"] < first[name][0]:
            first[name] = (r["source_line"], r["bucket_id"], r["family_id"])
    return ({n: first[n][1] if n in first else None for n in logs},
            {n: first[n][2] if n in first else None for n in logs})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", default=DEFAULT)
    ap.add_argument("--crashpipe", default=os.path.join(HERE, "..", ".venv", "bin", "crashpipe"))
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    if not os.path.isdir(a.corpus):
        print(f"syzbot_dedup: no corpus at {a.corpus}", file=sys.stderr)
        return 2
    names: dict[str, set[str]] = {}
    logs: dict[str, str] = {}
    seen: set[str] = set()
    no_title = 0
    for f in sorted(os.listdir(a.corpus), key=lambda s: (len(s), s)):
        if not f.isdigit():
            continue
        n, log = read_case(os.path.join(a.corpus, f))
        if not n:
            no_title += 1
            continue
        if log in seen:
            continue
        seen.add(log)
        names[f], logs[f] = n, log
    ids, fams = bucket_ids(logs, shlex.split(a.crashpipe))
    files = [f for f in logs if ids[f]]
    tp = fp = fn = 0
    fps, fns = [], []
    for x, y in itertools.combinations(files, 2):
        same_bug = bool(names[x] & names[y])
        same_bucket = ids[x] == ids[y]
        tp += same_bug and same_bucket
        if same_bucket and not same_bug:
            fp += 1
            fps.append((x, y))
        if same_bug and not same_bucket:
            fn += 1
            fns.append((x, y))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    # syzkaller files every truncated report of a kind under "... in corrupted": such
    # pairs share a title without being one bug.
    real = [(x, y) for x, y in itertools.combinations(files, 2)
            if any(not t.endswith(" corrupted") for t in names[x] & names[y])]
    tp2 = sum(ids[x] == ids[y] for x, y in real)
    if a.verbose:
        for x, y in fps:
            print(f"FP {x} {sorted(names[x])} ~ {y} {sorted(names[y])}  bucket {ids[x]}")
        for x, y in fns[:40]:
            print(f"FN {x} {ids[x]} ~ {y} {ids[y]}  {sorted(names[x] & names[y])}")
    print(f"files {len(logs)} with a title (+{no_title} without, skipped), {len(logs) - len(files)} without a "
          f"report from crashpipe; buckets {len(set(ids[f] for f in files))}")
    print(f"pairs: same bug {tp + fn}, same bucket {tp + fp}, both {tp}")
    print(f"recall without the 'corrupted' titles: {tp2 / len(real) if real else 1.0:.3f} ({tp2}/{len(real)} pairs)")
    ftp = sum(bool(names[x] & names[y]) and fams[x] == fams[y] for x, y in itertools.combinations(files, 2))
    fsame = sum(fams[x] == fams[y] for x, y in itertools.combinations(files, 2))
    print(f"families: precision {ftp / fsame if fsame else 1.0:.3f} recall {ftp / (tp + fn) if tp + fn else 1.0:.3f}")
    print(f"syzbot dedup: precision {precision:.3f} recall {recall:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
