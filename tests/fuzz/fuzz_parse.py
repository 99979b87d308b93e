#!/usr/bin/env python3
"""Mutation fuzzing of `crashpipe.parse.parse_text` (not part of the test suite: run by
hand, for minutes to hours).

Seeds are the logs of ../shared/oopses, ../shared/corpus/syzkaller-linux (read in place)
and samples/; each input is a seed with 1-8 random edits (lines dropped, duplicated,
cut, shuffled, spliced from another seed, characters garbled, bracket/marker/surrogate
insertions, the tail cut off).  A problem is an exception out of parse_text or a report
whose corrupted_reason names an internal error ("parser-error", "title-error"); each
distinct one is printed and its input saved under --out.

    python tests/fuzz/fuzz_parse.py [--seed N] [--seconds S] [--out DIR]

To run the compiled extensions under AddressSanitizer, build a copy with
`-fsanitize=address` and run this with LD_PRELOAD=$(gcc -print-file-name=libasan.so)
ASAN_OPTIONS=detect_leaks=0 (capstone cannot load there: stub crashpipe.code._decoder).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("CRASHPIPE_SHARED", os.path.join(REPO, "..", "shared"))
SKIP = (".ko", ".elf", ".json", ".jsonl", ".gz", ".xz", ".zst", ".bz2", ".tar", ".arrow", ".md", ".c", ".sh")
INSERTS = ["?", "<", ">", "[", "]", ":", "+0x", "/0x", " ", "\r", "\x00", "\udcff", "é", "0x", "ffffffff",
           "<IRQ>", "</IRQ>", "Call Trace:", " ? "]


def seeds() -> list[str]:
    out = []
    for root in (os.path.join(SHARED, "oopses"), os.path.join(SHARED, "corpus", "syzkaller-linux"),
                 os.path.join(REPO, "samples")):
        for d, _, names in os.walk(root):
            for name in names:
                p = os.path.join(d, name)
                if name.endswith(SKIP) or os.path.getsize(p) > 400_000:
                    continue
                with open(p, "rb") as f:
                    out.append(f.read().decode("utf-8", "surrogateescape"))
    return out


def mutate(rng: random.Random, text: str, pool: list[str]) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 8)):
        if not lines:
            lines = [""]
        i = rng.randrange(len(lines))
        op = rng.random()
        if op < 0.2:
            del lines[i]
        elif op < 0.35:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op < 0.5:
            lines[i] = lines[i][:rng.randrange(len(lines[i]) + 1)]
        elif op < 0.6:
            j = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:j] + rng.choice(INSERTS) + lines[i][j:]
        elif op < 0.7:
            a = rng.randrange(len(lines))
            b = min(len(lines), a + rng.randint(1, 30))
            chunk = lines[a:b]
            rng.shuffle(chunk)
            lines[a:b] = chunk
        elif op < 0.8:
            other = rng.choice(pool).split("\n")
            a = rng.randrange(len(other))
            lines[i:i] = other[a:a + rng.randint(1, 40)]
        elif op < 0.9:
            lines[i] = "".join(c if rng.random() > 0.05 else rng.choice("0123456789abcdefx:+/ []<>?") for c in lines[i])
        else:
            lines = lines[:i]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--out", default="/tmp/crashpipe-fuzz")
    a = ap.parse_args()
    from crashpipe.parse import parse_text

    pool = seeds()
    if not pool:
        print("fuzz: no seed logs found", file=sys.stderr)
        return 2
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    deadline = time.monotonic() + a.seconds
    n = problems = 0
    seen: set[str] = set()
    while time.monotonic() < deadline:
        text = mutate(rng, rng.choice(pool), pool)
        n += 1
        try:
            reports = parse_text(text, "fuzz")
            reasons = [r.corrupted_reason or "" for r in reports]
        except Exception as e:  # noqa: BLE001 - that is what we are looking for
            reasons = [f"EXCEPTION {type(e).__name__}: {e}"]
            traceback.print_exc()
        for reason in reasons:
            if not (reason.startswith("EXCEPTION") or "parser-error" in reason or "title-error" in reason):
                continue
            key = reason[:80]
            if key in seen:
                continue
            seen.add(key)
            problems += 1
            path = os.path.join(a.out, f"case{problems}.txt")
            with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(text)
            print(f"problem: {reason[:200]} ({path})", flush=True)
    print(f"fuzz: {n} inputs from {len(pool)} seeds, {problems} distinct problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
