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

    python benchmarks/bench_parse.py [--reports 100000] [--files 64] [--e2e-files 16] [--work DIR]
                                     [--parts parse,bait,e2e] [--profile]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
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
ABOUT = """The archive (`gen_corpus.py`): real oops templates from `../shared/oopses` (four
architectures) re-randomized (timestamps, pids, addresses, function names) plus synthetic
KASAN, lockdep, RCU stall, hung task, soft lockup, kmemleak, UBSAN, ppc64, s390x and
riscv64 reports; 2-15 noise lines between reports; dmesg, caller-tag and syslog prefixes.
Split+parse runs in one process over the same texts for both parsers.  The regex-bait rows
use CPU time (other jobs on the machine do not count); their s/MB must stay flat as the
input grows.  The end-to-end rows are wall time of `crashpipe run` on a subset of the
files, with the CPU seconds of crashpipe and its workers beside them: on a machine busy
with other work the wall-time speed-up says more about the load than about crashpipe."""


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


# `crashpipe run` in a wrapper that reports the CPU time of the run's own process (the
# parent: walking, family assignment, the sink) apart from its workers' (its children).
_RUSAGE_RUN = (
    "import resource, sys\n"
    "from crashpipe.cli import main\n"
    "rc = main(sys.argv[1:])\n"
    "s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print('RUSAGE', s.ru_utime + s.ru_stime, c.ru_utime + c.ru_stime, file=sys.stderr)\n"
    "sys.exit(rc)\n")
E2E_REPEATS = 3  # wall-time pairs (the machine is shared: the median ratio is reported)


def e2e(paths: list[str], workers: int, work: str) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of the crashpipe process, CPU seconds of its workers)
    of one `crashpipe run`."""
    out = os.path.join(work, f"e2e-out-{workers}")
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", _RUSAGE_RUN, "-q", "run", *paths, "--out", out, "--workers", str(workers)],
                       check=True, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    shutil.rmtree(out, ignore_errors=True)
    line = [ln for ln in p.stderr.splitlines() if ln.startswith("RUSAGE ")][-1]
    parent, children = (float(x) for x in line.split()[1:])
    return dt, parent, children


def part_parse(texts: list[tuple[str, str]], mb: float) -> list[tuple[str, ...]]:
    from crashpipe.parse import parse_text

    t_cp, n_cp, f_cp = timed(parse_text, texts)
    t_bl, n_bl, f_bl = timed(baseline_regex_parser.parse_text, texts)
    ratio = t_bl / t_cp
    return [
        ("split+parse, crashpipe (all fields)", f"{mb:.1f} MB", f"{t_cp:.1f} s", f"{mb / t_cp:.2f} MB/s",
         f"{n_cp / t_cp:,.0f} reports/s", f"{n_cp:,} reports, {f_cp:,} frames"),
        ("split+parse, plain-regex baseline", f"{mb:.1f} MB", f"{t_bl:.1f} s", f"{mb / t_bl:.2f} MB/s",
         f"{n_bl / t_bl:,.0f} reports/s", f"{n_bl:,} reports, {f_bl:,} frames"),
        ("crashpipe / baseline MB/s", "", "", f"{ratio:.2f}x", "target >= 2x", "PASS" if ratio >= 2 else "FAIL"),
    ]


def part_bait() -> list[tuple[str, ...]]:
    from crashpipe.parse import parse_text

    rows, per_mb = [], []
    for n in (1000, 2000, 4000):
        text = bait(n)
        size = len(text.encode()) / 1e6
        t0 = time.process_time()  # CPU time: other processes on the machine do not count
        parse_text(text, "bait.log")
        dt = time.process_time() - t0
        per_mb.append(dt / size)
        rows.append((f"regex bait, {n} lines", f"{size:.1f} MB", f"{dt:.2f} s CPU", f"{size / dt:.2f} MB/s", f"{dt / size:.2f} s/MB", ""))
    growth = per_mb[-1] / per_mb[0]
    rows.append(("regex bait s/MB, 4000 vs 1000 lines", "", "", f"{growth:.2f}x", "linear: ~1x", "PASS" if growth < 1.5 else "FAIL"))
    return rows


def part_e2e(paths: list[str], work: str) -> list[tuple[str, ...]]:
    mb = sum(os.path.getsize(p) for p in paths) / 1e6
    runs = [(e2e(paths, 1, work), e2e(paths, 2, work)) for _ in range(E2E_REPEATS)]
    load = os.getloadavg()[0]
    ratios = sorted(one[0] / two[0] for one, two in runs)
    ratio = ratios[len(ratios) // 2]
    (w1, p1, c1), (w2, p2, c2) = min(runs, key=lambda r: abs(r[0][0] / r[1][0] - ratio))
    return [
        (f"crashpipe run --workers 1 ({len(paths)} files)", f"{mb:.1f} MB", f"{w1:.1f} s", f"{mb / w1:.2f} MB/s",
         f"{p1 + c1:.1f} s CPU", ""),
        (f"crashpipe run --workers 2 ({len(paths)} files)", f"{mb:.1f} MB", f"{w2:.1f} s", f"{mb / w2:.2f} MB/s",
         f"{p2 + c2:.1f} s CPU", f"parent {p2:.1f} s + workers {c2:.1f} s"),
        ("workers 2: parent CPU / workers' CPU", "", "", f"{100 * p2 / c2:.1f}%", "", "the parent shares the 2 CPUs"),
        (f"workers 2 / workers 1 speed-up (wall, median of {E2E_REPEATS})", "", "",
         f"{ratio:.2f}x", "target >= 1.7x", ("PASS" if ratio >= 1.7 else "FAIL")
         + f" (all: {', '.join(f'{r:.2f}' for r in ratios)}; load average {load:.1f} on {os.cpu_count()} CPUs)"),
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--files", type=int, default=64)
    ap.add_argument("--e2e-files", type=int, default=16, help="files of the archive used for the end-to-end runs")
    ap.add_argument("--work", default="/tmp/crashpipe-bench")
    ap.add_argument("--parts", default="parse,bait,e2e",
                    help="what to measure; rows of parts not measured now come from the last run (WORK/rows.json)")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of crashpipe's parser on one file")
    ap.add_argument("--no-readme", action="store_true")
    a = ap.parse_args()
    parts = [p.strip() for p in a.parts.split(",") if p.strip()]

    corpus = os.path.join(a.work, f"corpus-{a.reports}-{a.files}")
    if not os.path.isdir(corpus):
        print(f"generating {a.reports} reports in {a.files} files under {corpus} ...", file=sys.stderr)
        gen_corpus.generate(corpus + ".tmp", a.reports, a.files)
        os.rename(corpus + ".tmp", corpus)
    paths = sorted(os.path.join(corpus, f) for f in os.listdir(corpus))
    cache = os.path.join(a.work, f"rows-{a.reports}-{a.files}.json")
    rows: dict[str, list] = {}
    if os.path.exists(cache):
        with open(cache, encoding="utf-8") as f:
            rows = json.load(f)
    if "parse" in parts or a.profile:
        texts = []
        for p in paths:
            with open(p, encoding="utf-8") as f:
                texts.append((p, f.read()))
        mb = sum(len(t.encode()) for _, t in texts) / 1e6
        if a.profile:
            from crashpipe.parse import parse_text

            prof = cProfile.Profile()
            prof.runcall(parse_text, texts[0][1], texts[0][0])
            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats("crashpipe", 30)
            print(s.getvalue())
        if "parse" in parts:
            rows["parse"] = part_parse(texts, mb)
        del texts
    if "bait" in parts:
        rows["bait"] = part_bait()
    if "e2e" in parts:
        rows["e2e"] = part_e2e(paths[: a.e2e_files], a.work)
    with open(cache, "w", encoding="utf-8") as f:
        json.dump(rows, f)

    head = ("case", "input", "time", "throughput", "rate", "notes")
    table = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    table += ["| " + " | ".join(r) + " |" for k in ("parse", "bait", "e2e") for r in rows.get(k, [])]
    text = "\n".join([f"`python benchmarks/bench_parse.py --reports {a.reports} --files {a.files} --e2e-files {a.e2e_files}` "
                      f"({os.cpu_count()} CPUs shared with other jobs; table written "
                      f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "", *table])
    print(text)
    if not a.no_readme:
        readme = os.path.join(HERE, "README.md")
        old = open(readme, encoding="utf-8").read() if os.path.exists(readme) else "# Benchmarks\n"
        block = f"{MARK_START}\n## Split + parse and end-to-end scaling (bench_parse.py)\n\n{ABOUT}\n\n{text}\n{MARK_END}"
        if MARK_START in old and MARK_END in old:
            new = old[: old.index(MARK_START)] + block + old[old.index(MARK_END) + len(MARK_END):]
        else:
            new = old.rstrip("\n") + "\n\n" + block + "\n"
        with open(readme, "w", encoding="utf-8") as f:
            f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
