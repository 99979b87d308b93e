"""Bucketing benchmark: bucket ids for N reports whose frames are already in a dataset.

    .venv/bin/python benchmarks/bench_bucket.py [--reports 1000000] [--baseline 20000] [--dir /tmp/...]

1. Generates a synthetic dataset (not timed): `reports` and `frames` Parquet files in
   --dir, from --bugs distinct bugs (random kinds, arches and 6-14 frame call chains
   over a vocabulary of kernel and module function names), each report drawn from a
   Zipf distribution over the bugs and given the noise real traces have: generic
   reporting frames on top, `?` junk frames at random places, entry frames and an
   unrelated tail, clone suffixes and syscall wrappers, re-unwound fp/scan frames on a
   fifth of the reports.
2. Timed: read the needed columns of both tables, join and sort them
   (`columns_from_tables`), compute signatures and bucket ids (`signature.compute`),
   then families over the distinct buckets (`Families.assign`).
3. Baseline, same run: the pure-Python twin (`crashpipe.bucket.reference`, the same
   rules one report and one frame at a time) on --baseline reports as `Report`
   objects, extrapolated linearly to N.
It checks that both give identical bucket ids on the baseline reports.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from crashpipe.bucket import signature  # noqa: E402
from crashpipe.bucket.reference import bucket_id_of  # noqa: E402
from crashpipe.bucket.family import Families  # noqa: E402
from crashpipe.bucket.index import columns_from_tables  # noqa: E402
from crashpipe.model import Frame, Report  # noqa: E402

KINDS = ["warning", "bug", "null-deref", "paging", "gpf", "kasan", "lockdep", "soft_lockup"]
ARCHES = ["x86_64", "x86_64", "x86_64", "arm64", "i386", "arm"]
HEADER = ["dump_stack_lvl", "print_report", "kasan_report", "__warn", "report_bug", "handle_bug", "exc_invalid_op"]
TAIL = ["do_syscall_64", "entry_SYSCALL_64_after_hwframe"]
MAXW = 24  # frame slots per template


def generate(n_reports: int, n_bugs: int, seed: int = 1) -> tuple[pa.Table, pa.Table]:
    rng = np.random.default_rng(seed)
    vocab = [f"vfs_fn{i}" for i in range(3000)] + [f"drv_fn{i}.isra.0" for i in range(200)] + \
        [f"__x64_sys_call{i}" for i in range(50)] + HEADER + TAIL
    mods = [None] * 6 + [f"mod{i}" for i in range(20)]
    n_v = len(vocab)
    vocab_mod = [None] * n_v
    for i in range(3000, 3200):
        vocab_mod[i] = mods[6 + i % 20]
    hdr = [vocab.index(h) for h in HEADER]
    tail = [vocab.index(t) for t in TAIL]
    # Templates: header, chain, entry tail, padded with -1.
    T = np.full((n_bugs, MAXW), -1, np.int64)
    for b in range(n_bugs):
        k = rng.integers(0, 3)
        chain = rng.integers(0, 3250, rng.integers(6, 15)).tolist()
        row = rng.choice(hdr, k).tolist() + chain + tail
        T[b, :len(row)] = row[:MAXW]
    bug_kind = rng.integers(0, len(KINDS), n_bugs)
    bug_arch = rng.integers(0, len(ARCHES), n_bugs)
    # Zipf over bugs: a few big buckets, a long tail.
    bug = (rng.zipf(1.3, n_reports) - 1) % n_bugs
    # Noise: 3 junk `?` frames placed anywhere (sort key = slot + random offset).
    NJ = 3
    codes = np.concatenate([T[bug], rng.integers(0, 3000, (n_reports, NJ))], axis=1)
    rel = np.concatenate([np.ones((n_reports, MAXW), bool), np.zeros((n_reports, NJ), bool)], axis=1)
    key = np.concatenate([np.broadcast_to(np.arange(MAXW, dtype=float), (n_reports, MAXW)),
                          rng.uniform(0, 16, (n_reports, NJ))], axis=1)
    key[codes < 0] = 1e9
    o = np.argsort(key, axis=1, kind="stable")
    codes = np.take_along_axis(codes, o, 1)
    rel = np.take_along_axis(rel, o, 1)
    valid = codes >= 0
    n_per = valid.sum(1)
    rep = np.repeat(np.arange(n_reports), n_per)
    sym = codes[valid]
    reliable = rel[valid]
    frame_no = np.concatenate([np.arange(k) for k in np.unique(n_per)])  # placeholder, replaced below
    starts = np.concatenate([[0], np.cumsum(n_per)[:-1]])
    frame_no = np.arange(len(rep)) - starts[rep]
    method = np.zeros(len(rep), np.int8)  # trace
    # A fifth of the reports also carry 4 re-unwound frames (fp) and 2 scanned words.
    extra = np.flatnonzero(rng.random(n_reports) < 0.2)
    e_rep = np.repeat(extra, 6)
    e_sym = rng.integers(0, 3000, len(e_rep))
    e_meth = np.tile(np.array([2, 2, 2, 2, 4, 4], np.int8), len(extra))
    e_no = np.tile(np.arange(6), len(extra)) + n_per[e_rep]
    rep = np.concatenate([rep, e_rep])
    sym = np.concatenate([sym, e_sym])
    reliable = np.concatenate([reliable, e_meth == 2])
    method = np.concatenate([method, e_meth])
    frame_no = np.concatenate([frame_no, e_no])
    o = np.lexsort((frame_no, rep))
    rep, sym, reliable, method, frame_no = rep[o], sym[o], reliable[o], method[o], frame_no[o]

    rid = np.array([f"r{i:011d}" for i in range(n_reports)], dtype=object)
    sym_dict = pa.array(vocab, pa.string())
    mod_dict = pa.array([m or "" for m in vocab_mod], pa.string())
    mod_codes = pa.array(sym, pa.int32())
    mod_valid = np.array([m is not None for m in vocab_mod])[sym]
    frames = pa.table({
        "report_id": pa.DictionaryArray.from_arrays(pa.array(rep, pa.int32()), pa.array(rid, pa.string())).cast(pa.string()),
        "frame_no": pa.array(frame_no, pa.int32()),
        "symbol": pa.DictionaryArray.from_arrays(pa.array(sym, pa.int32()), sym_dict).cast(pa.string()),
        "module": pa.DictionaryArray.from_arrays(
            pa.array(np.where(mod_valid, sym, 0), pa.int32(), mask=~mod_valid), mod_dict).cast(pa.string()),
        "method": pa.DictionaryArray.from_arrays(pa.array(method, pa.int32()),
                                                 pa.array(["trace", "regs", "fp", "cfi", "scan"])).cast(pa.string()),
        "reliable": pa.array(reliable),
        "inlined": pa.array(np.zeros(len(rep), bool)),
        "context": pa.array(np.full(len(rep), "task", object), pa.string()),
    })
    del mod_codes
    reports = pa.table({
        "report_id": pa.array(rid, pa.string()),
        "arch": pa.array(np.array(ARCHES, object)[bug_arch[bug]], pa.string()),
        "kind": pa.array(np.array(KINDS, object)[bug_kind[bug]], pa.string()),
        "title": pa.array(np.array(KINDS, object)[bug_kind[bug]], pa.string()),
    })
    return reports, frames


def as_reports(reports: pa.Table, frames: pa.Table, n: int) -> list[Report]:
    """The first n reports as Report objects (the worker-side representation)."""
    rs = reports.slice(0, n).to_pylist()
    ids = {r["report_id"]: i for i, r in enumerate(rs)}
    out = [Report(source=r["report_id"], arch=r["arch"], kind=r["kind"], title=r["title"]) for r in rs]
    fr = frames.filter(pa.compute.is_in(frames.column("report_id"), value_set=reports.column("report_id").slice(0, n)))
    for f in fr.to_pylist():
        out[ids[f["report_id"]]].frames.append(Frame(
            frame_no=f["frame_no"], symbol=f["symbol"], module=f["module"], method=f["method"],
            reliable=f["reliable"], inlined=f["inlined"], context=f["context"]))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=1_000_000)
    ap.add_argument("--bugs", type=int, default=20_000)
    ap.add_argument("--baseline", type=int, default=20_000)
    ap.add_argument("--dir", default="/tmp/crashpipe-bench-bucket")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    rp, fp = os.path.join(a.dir, "reports.parquet"), os.path.join(a.dir, "frames.parquet")
    t = time.perf_counter()
    reports, frames = generate(a.reports, a.bugs)
    pq.write_table(reports, rp)
    pq.write_table(frames, fp, row_group_size=1 << 20)
    print(f"generated {reports.num_rows:,} reports, {frames.num_rows:,} frames in {time.perf_counter() - t:.1f} s "
          f"(not timed)")
    del reports, frames

    t0 = time.perf_counter()
    reports = pq.read_table(rp, columns=["report_id", "arch", "kind", "title"])
    frames = pq.read_table(fp, columns=["report_id", "frame_no", "symbol", "module", "method", "reliable",
                                        "inlined", "context"],
                           read_dictionary=["report_id", "symbol", "module", "method", "context"])
    t1 = time.perf_counter()
    cols = columns_from_tables(reports, frames)
    t2 = time.perf_counter()
    sigs = signature.compute(cols, with_reasons=False)  # the frames table keeps its reasons
    t3 = time.perf_counter()
    fam = Families()
    fam.assign((b, sigs.signature[b]) for b in sigs.unique_ids)
    t4 = time.perf_counter()
    total = t4 - t0
    print(f"columnar: read {t1 - t0:.2f} s, join+sort {t2 - t1:.2f} s, signatures+ids {t3 - t2:.2f} s, "
          f"families {t4 - t3:.2f} s; total {total:.2f} s for {reports.num_rows:,} reports "
          f"({len(sigs.unique_ids):,} buckets, {len(set(fam.family.values())):,} families)")

    n = min(a.baseline, reports.num_rows)
    objs = as_reports(reports, frames, n)
    t5 = time.perf_counter()
    twin = [bucket_id_of(o) for o in objs]
    t6 = time.perf_counter()
    same = twin == sigs.bucket_id[:n]
    per = (t6 - t5) / n
    print(f"baseline (pure-Python twin, crashpipe.bucket.reference): {t6 - t5:.2f} s for {n:,} reports -> "
          f"{per * reports.num_rows:.1f} s extrapolated to {reports.num_rows:,}; "
          f"columnar is {per * reports.num_rows / total:.1f}x faster; ids identical: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
