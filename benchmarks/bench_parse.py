#!/usr/bin/env python3
"""Split+parse throughput and end-to-end scaling, against a plain-regex baseline, in one run.

1. A noisy archive of --reports reports (benchmarks/gen_corpus.py: real oops templates
   plus synthetic kinds and architectures, noise between reports, three prefix styles).
2. Split+parse, one process, the same texts: crashpipe.parse.parse_text (all fields)
   against benchmarks/baseline_regex_parser.py.  MB/s and reports/s.
3. Regex-bait logs (long runs of near-matches) of growing size: seconds per MB must stay
   flat (linear time).
4. `crashpipe run --workers 1` against `--workers 2` end to end on the first
   --e2e-files files (wall time, so run it on an otherwise idle machine).
The table goes to stdout and into benchmarks/README.md between the bench_parse markers.

    python benchmarks/bench_parse.py [--reports 100000] [--files 64] [--e2e-files 16] [--work DIR] [--profile]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import baseline_regex_parser  # noqa: E402
import gen_corpus  # noqa: E402

MARK_START, MARK_END = "<!-- bench_parse:start -->", "<!-- bench_parse:end -->"


def bait(n_lines: int) -> str:
    """Lines that make backtracking regexes blow up (same family as tests/test_badinput.py)."""
    unit = ["BUG: " * 400, "general protection fault, " * 80, "? " * 1000, "func+0x" * 290, "[<ffffffff8100" * 140,
            "RIP: 0010:" * 200, "Call Trace:" + " <IRQ>" * 300, "kernel BUG at " + "a/" * 1000,
            "Modules linked in:" + " m(" * 600, "0x" + "f" * 2000, "WARNING: CPU: 0 PID: 1 at " + "x+" * 900]
    return "".join(f"[ {i}.000] {unit[i % len(unit)]}\n" for i in range(n_lines))


def timed(fn, texts: list[tuple[str, str]]) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    n = frames = 0
    for name, text in texts:
        reps = fn(text, name)
        n += len(reps)
        frames += sum(len(r.frames) for r in reps)
    return time.perf_counter() - t0, n, frames


def e2e(paths: list[str], workers: int, work: str) -> float:
    out = os.path.join(work, f"e2e-out-{workers}")
    shutil.rmtree(out, ignore_errors=True)
    exe = os.path.join(os.path.dirname(sys.executable), "crashpipe")
    t0 = time.perf_counter()
    subprocess.run([exe, "-q", "run", *paths, "--out", out, "--workers", str(workers)], check=True)
    dt = time.perf_counter() - t0
    shutil.rmtree(out, ignore_errors=True)
    return dt


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--files", type=int, default=64)
    ap.add_argument("--e2e-files", type=int, default=16, help="files of the archive used for the end-to-end runs")
    ap.add_argument("--work", default="/tmp/crashpipe-bench")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of crashpipe's parser on one file")
    ap.add_argument("--no-readme", action="store_true")
    a = ap.parse_args()

    from crashpipe.parse import parse_text

    corpus = os.path.join(a.work, f"corpus-{a.reports}-{a.files}")
    if not os.path.isdir(corpus):
        print(f"generating {a.reports} reports in {a.files} files under {corpus} ...", file=sys.stderr)
        gen_corpus.generate(corpus + ".tmp", a.reports, a.files)
        os.rename(corpus + ".tmp", corpus)
    paths = sorted(os.path.join(corpus, f) for f in os.listdir(corpus))
    texts = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            texts.append((p, f.read()))
    mb = sum(len(t.encode()) for _, t in texts) / 1e6
    if a.profile:
        prof = cProfile.Profile()
        prof.runcall(parse_text, texts[0][1], texts[0][0])
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(25)
        print(s.getvalue())

    rows = []
    t_cp, n_cp, f_cp = timed(parse_text, texts)
    t_bl, n_bl, f_bl = timed(baseline_regex_parser.parse_text, texts)
    rows.append(("split+parse, crashpipe (all fields)", f"{mb:.1f} MB", f"{t_cp:.1f} s", f"{mb / t_cp:.2f} MB/s",
                 f"{n_cp / t_cp:,.0f} reports/s", f"{n_cp:,} reports, {f_cp:,} frames"))
    rows.append(("split+parse, plain-regex baseline", f"{mb:.1f} MB", f"{t_bl:.1f} s", f"{mb / t_bl:.2f} MB/s",
                 f"{n_bl / t_bl:,.0f} reports/s", f"{n_bl:,} reports, {f_bl:,} frames"))
    ratio = (mb / t_cp) / (mb / t_bl)
    rows.append(("crashpipe / baseline MB/s", "", "", f"{ratio:.2f}x", "target >= 2x", "PASS" if ratio >= 2 else "FAIL"))

    per_mb = []
    for n in (1000, 2000, 4000):
        text = bait(n)
        size = len(text.encode()) / 1e6
        t0 = time.perf_counter()
        parse_text(text, "bait.log")
        dt = time.perf_counter() - t0
        per_mb.append(dt / size)
        rows.append((f"regex bait, {n} lines", f"{size:.1f} MB", f"{dt:.2f} s", f"{size / dt:.2f} MB/s", f"{dt / size:.2f} s/MB", ""))
    growth = per_mb[-1] / per_mb[0]
    rows.append(("regex bait s/MB, 4000 vs 1000 lines", "", "", f"{growth:.2f}x", "linear: ~1x", "PASS" if growth < 1.5 else "FAIL"))

    sub = paths[: a.e2e_files]
    sub_mb = sum(os.path.getsize(p) for p in sub) / 1e6
    t1 = e2e(sub, 1, a.work)
    t2 = e2e(sub, 2, a.work)
    rows.append((f"crashpipe run --workers 1 ({len(sub)} files)", f"{sub_mb:.1f} MB", f"{t1:.1f} s", f"{sub_mb / t1:.2f} MB/s", "", ""))
    rows.append((f"crashpipe run --workers 2 ({len(sub)} files)", f"{sub_mb:.1f} MB", f"{t2:.1f} s", f"{sub_mb / t2:.2f} MB/s", "", ""))
    rows.append(("workers 2 / workers 1 speed-up", "", "", f"{t1 / t2:.2f}x", "target >= 1.7x", "PASS" if t1 / t2 >= 1.7 else "FAIL"))

    head = ("case", "input", "time", "throughput", "rate", "notes")
    table = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(r) + " |" for r in rows]
    cpus = os.cpu_count()
    load = os.getloadavg()[0]
    text = "\n".join([f"`python benchmarks/bench_parse.py --reports {a.reports} --files {a.files} --e2e-files {a.e2e_files}` "
                      f"({cpus} CPUs, load average {load:.1f} at the end; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
                      *table])
    print(text)
    if not a.no_readme:
        readme = os.path.join(HERE, "README.md")
        old = open(readme, encoding="utf-8").read() if os.path.exists(readme) else "# Benchmarks\n"
        block = f"{MARK_START}\n## Split + parse and end-to-end scaling (bench_parse.py)\n\n{text}\n{MARK_END}"
        if MARK_START in old and MARK_END in old:
            new = old[: old.index(MARK_START)] + block + old[old.index(MARK_END) + len(MARK_END):]
        else:
            new = old.rstrip("\n") + "\n\n" + block + "\n"
        with open(readme, "w", encoding="utf-8") as f:
            f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
