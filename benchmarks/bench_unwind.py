"""Unwinder benchmark: a generated stack-dump container, memory-mapped, walked by the
Cython loop and (on a subsample) by the pure-Python twin, in the same run.

    .venv/bin/python benchmarks/bench_unwind.py            # 1,000,000 dumps (~9 GB file)
    .venv/bin/python benchmarks/bench_unwind.py --n 50000  # quick run

The container is written once under benchmarks/data/ (gitignored) and reused when it
exists with the same parameters.  Dumps: mixed
architectures (every ABI row), 2-16 KiB, 10-40 frames each, contiguous from sp and
32-256 bytes apiece as real frames are, the rest of the words stack-like noise (small
integers, pointers into the stack, 2% stale text addresses).

Measured, each the best of --repeat runs (the machine is shared: best-of filters out
the other tenants' noise, so the figures are what one core can do, not a mean):
* fp walk: registers + frame-pointer chain, no scan -> frames/s and GB/s of stack;
* scan: every word of every dump checked against the text ranges, no fp -> GB/s;
* the twin on --twin-n dumps, same two modes -> rates and the ratio;
Plus the loop's compute ceiling: 256 dumps (~2.3 MB) walked over and over from cache.
Rates are per CPU-second of the walking thread (time.thread_time), wall-clock rates
are printed beside them.  Conditions printed with them, because the fp walk is bound by
memory and by page mapping: the load average; the share of the container the kernel
maps with 2 MiB entries (it depends on how the file came into the page cache, see
page_state); the fp walk with the mapping's CPU time left out (labelled: the honest
figure includes it); and the stream rate of this core (numpy reading one word per
64-byte line of the mapped stack bytes) with the fp-walk rate it would allow if the
walk read nothing but the bytes its chains span and cost nothing else.
* memory: peak anonymous RSS (the output arrays are preallocated once per record
  batch, so it must not grow with the number of dumps) and VmHWM, which also counts
  mapped file pages: the container releases each walked batch's pages
  (MADV_DONTNEED), so that stays flat too.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from crashpipe import arch as archmod  # noqa: E402
from crashpipe import stackdump  # noqa: E402
from crashpipe.unwind import kernel, merge_ranges  # noqa: E402

TEXT32 = (0xC0000000, 0xC1000000)
TEXT64 = (0xFFFFFFFF81000000, 0xFFFFFFFF82000000)
STACK32 = 0xE0000000
STACK64 = 0xFFFFC90000000000
BATCH = 16384
MAX_FRAMES = 256


def _proc_status() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as f:
        for ln in f:
            k, _, v = ln.partition(":")
            if k in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
                out[k] = int(v.split()[0]) * 1024
    return out


def generate(path: str, n: int, seed: int = 1) -> None:
    """Write n dumps in record batches of BATCH, vectorized per batch."""
    rng = np.random.default_rng(seed)
    abis = archmod.ABIS
    tmp = path + ".tmp"
    with stackdump.ContainerWriter(tmp) as w:
        for b0 in range(0, n, BATCH):
            m = min(BATCH, n - b0)
            aid = rng.integers(0, len(abis), m).astype(np.uint8)
            ws = np.array([a.word_size for a in abis], np.int64)[aid]
            size = rng.integers(2048 // 16, 16384 // 16 + 1, m).astype(np.int64) * 16
            offs = np.zeros(m + 1, np.int64)
            offs[1:] = np.cumsum(size)
            total = int(offs[-1])
            is64 = ws == 8
            base = np.where(is64, STACK64, STACK32).astype(np.uint64) + (
                rng.integers(0, 1 << 12, m).astype(np.uint64) << np.uint64(14))
            # noise, as 32-bit halves: small ints, stack pointers, stale text addresses
            data = np.empty(total // 4, np.uint32)
            kind = rng.integers(0, 100, total // 4)
            data[:] = rng.integers(0, 1 << 32, total // 4, dtype=np.uint64).astype(np.uint32)
            small = kind < 40
            data[small] = rng.integers(0, 4096, int(small.sum()))
            dump_of_word = np.repeat(np.arange(m), size // 4)
            text_hit = kind >= 98
            w64 = is64[dump_of_word]
            # 64-bit dumps: make the upper half of stale text / pointers plausible
            hi_idx = np.nonzero(text_hit & w64)[0] & ~1
            data[hi_idx + 1] = TEXT64[0] >> 32
            data[hi_idx] = (TEXT64[0] & 0xFFFFFFFF) + rng.integers(0, 1 << 24, len(hi_idx))
            lo_idx = np.nonzero(text_hit & ~w64)[0]
            data[lo_idx] = TEXT32[0] + rng.integers(0, 1 << 24, len(lo_idx))
            # frame records: depth 10..40 per dump, evenly spread with jitter
            depth = rng.integers(10, 41, m)
            rec_dump = np.repeat(np.arange(m), depth)
            k = np.arange(len(rec_dump)) - np.repeat(np.cumsum(depth) - depth, depth)
            # frames are contiguous from sp upwards, as on a real stack, each 32-256 bytes
            # (kernel frames' usual range), squeezed where depth x size would not fit the
            # dump; above the outermost frame the dump holds older stack contents (noise).
            # Record k occupies [slot, slot + 32), so frames of >= 32 bytes never overlap.
            wsr = ws[rec_dump]
            first_rec = np.cumsum(depth) - depth
            fsz = rng.integers(4, 33, len(k)) * 8 - 32  # extra bytes beyond the 32 minimum
            extra_tot = np.add.reduceat(fsz, first_rec)
            room = size - 96 - 32 * depth
            squeeze = np.minimum(1.0, room / np.maximum(extra_tot, 1))
            fsz = 32 + (fsz * squeeze[rec_dump]).astype(np.int64) // 8 * 8
            ends = np.cumsum(fsz)
            slot = 32 + ends - fsz - np.repeat(ends[first_rec] - fsz[first_rec], depth)
            prev_off = np.array([a.prev_fp_offset for a in abis], np.int64)[aid][rec_dump]
            ra_off = np.array([a.ra_offset for a in abis], np.int64)[aid][rec_dump]
            # fp value = record anchor such that both slots lie inside [slot-16, slot+16)
            fpo = slot + 16
            fpaddr = base[rec_dump] + fpo.astype(np.uint64)
            last = np.r_[rec_dump[1:] != rec_dump[:-1], True]
            nxt = np.r_[fpaddr[1:], np.uint64(0)]
            nxt[last] = 0
            text_lo = np.where(wsr == 8, TEXT64[0], TEXT32[0]).astype(np.uint64)
            ra = text_lo + (rng.integers(0x1000, 1 << 24, len(k)).astype(np.uint64) & ~np.uint64(3))
            pos_prev = offs[rec_dump] + fpo + prev_off
            pos_ra = offs[rec_dump] + fpo + ra_off
            r64 = wsr == 8
            d64 = data.view(np.uint64)
            d64[pos_prev[r64] // 8] = nxt[r64]
            d64[pos_ra[r64] // 8] = ra[r64]
            data[pos_prev[~r64] // 4] = nxt[~r64].astype(np.uint32)
            data[pos_ra[~r64] // 4] = ra[~r64].astype(np.uint32)
            first = np.cumsum(depth) - depth
            fp0 = fpaddr[first]
            ip = text_lo[first] + np.uint64(0x100)
            w.write(stackdump.make_batch(np.arange(b0, b0 + m), aid, base, offs, data.view(np.uint8),
                                         ip=ip, sp=base, fp=fp0, lr=None))
    os.replace(tmp, path)


def text_sets():
    return [merge_ranges([TEXT32]), merge_ranges([TEXT64])]


class Walker:
    """Preallocated output arrays (one record batch's worth), reused for every batch:
    memory stays flat however many dumps the container holds."""

    def __init__(self, impl: str, scan: bool):
        self.fn = kernel(impl)
        self.abi = archmod.abi_table()
        sets = text_sets()
        self.lo = np.concatenate([s[0] for s in sets])
        self.hi = np.concatenate([s[1] for s in sets])
        self.toff = np.array([0, 1, 2], np.int64)
        cap = BATCH * (MAX_FRAMES if scan else 48)
        self.out = [np.zeros(cap, np.uint64), np.zeros(cap, np.uint64), np.zeros(cap, np.uint64),
                    np.zeros(cap, np.uint8), np.zeros(cap, np.uint8)]
        self.per = [np.zeros(BATCH, np.int64), np.zeros(BATCH, np.int64), np.zeros(BATCH, np.uint8),
                    np.zeros(BATCH, np.uint64)]
        self.ws_of = np.array([a.word_size for a in archmod.ABIS])
        self.scan = scan


def _chain_bytes(w: Walker, i0: int, i1: int, pos: int) -> int:
    """Bytes of stack under the fp chains of dumps i0..i1-1 just walked: per dump, from
    its first frame record's return-address slot to its last one's (plus one word).
    Only for the ceiling estimate below; off the clock."""
    start, count = w.per[0][i0:i1], w.per[1][i0:i1]
    meth, slot = w.out[3][:pos], w.out[1][:pos]
    nfp = np.add.reduceat((meth == 2).astype(np.int64), start) if len(start) else np.zeros(0, np.int64)
    nfp = np.where(count > 0, nfp, 0)
    has = nfp > 0
    first = start[has] + (meth[start[has]] != 2)
    last = first + nfp[has] - 1
    return int((slot[last] - slot[first]).sum()) + 8 * int(has.sum())


def _rollup() -> dict[str, int]:
    out = {}
    with open("/proc/self/smaps_rollup") as f:
        for ln in f:
            k, _, v = ln.partition(":")
            if k in ("Rss", "FilePmdMapped"):
                out[k] = int(v.split()[0]) * 1024
    return out


def page_state(path: str) -> dict:
    """A condition of the run, not set by it: how much of the container the kernel maps
    with 2 MiB entries (its page cache in 2 MiB folios: ext4 makes them for large writes
    and for readahead, Linux 6.16+), read from /proc/self/smaps_rollup after mapping
    each record batch's stack bytes the way a pass does; and the cost of that mapping
    per 4 KiB.  With 4 KiB entries mapping costs ~100-180 ns per 4 KiB on this VM,
    with 2 MiB entries ~1-8 ns."""
    pmd = nbytes = nreal = 0
    cpu = 0.0
    try:
        with stackdump.Container(path) as c:
            for k in range(c.num_batches):
                r0 = _rollup()
                c0 = time.thread_time()
                cb = c.batch(k)
                cpu += time.thread_time() - c0
                pmd += _rollup().get("FilePmdMapped", 0) - r0.get("FilePmdMapped", 0)
                # the 2 MiB blocks the batch's bytes touch (edges shared with neighbours)
                a0 = cb.data.ctypes.data
                nreal += len(cb.data)
                nbytes += -(-(a0 + len(cb.data)) // (2 << 20)) * (2 << 20) - a0 // (2 << 20) * (2 << 20)
                c.release(cb)
    except OSError:
        return {}
    return dict(pmd_share=min(1.0, pmd / nbytes) if nbytes else 0.0, map_ns_per_4k=cpu / max(nreal / 4096, 1) * 1e9)


def stream(path: str) -> dict:
    """The memory ceiling in the same run: numpy reading one 8-byte word per 64-byte line
    of every mapped batch's stack bytes (pages mapped first, off the clock), GB/s."""
    cpu = 0.0
    nbytes = 0
    with stackdump.Container(path) as c:
        for cb in c.batches():
            d = cb.data
            words = d[: len(d) // 8 * 8].view(np.uint64)[::8]
            c0 = time.thread_time()
            words.sum()
            cpu += time.thread_time() - c0
            nbytes += len(d)
    return dict(gb_per_s=nbytes / cpu / 1e9 if cpu else 0.0)


def one_pass(c: stackdump.Container, w: Walker, impl: str, fp: bool, limit: int | None = None) -> dict:
    """Walk the open container (or its first `limit` dumps) once; returns totals."""
    frames = fpframes = dumps = nbytes = region = 0
    elapsed = cpu = map_cpu = 0.0
    anon_peak = 0
    it = c.batches()
    while True:
        # timed from fetching the batch: mapping its pages is part of the walk's cost
        t0 = time.perf_counter()
        c0 = time.thread_time()
        cb = next(it, None)
        map_cpu += time.thread_time() - c0  # mapping this batch (and dropping the last one)
        if cb is None:
            break
        n = len(cb)
        if limit is not None:
            n = min(n, limit - dumps)
            if n <= 0:
                break
        if impl == "py":  # the twin walks a few dumps of a batch: it is not charged its mapping
            t0 = time.perf_counter()
            c0 = time.thread_time()
        tset = (w.ws_of[cb.arch_id[:n]] == 8).astype(np.int32)
        flags = cb.flags[:n] if fp else (cb.flags[:n] & ~np.uint8(stackdump.FLAG_FP))
        i = 0
        while i < n:
            i0 = i
            i, pos = w.fn(cb.data, cb.offsets[: n + 1], cb.arch_id, cb.base, cb.ip, cb.sp, cb.fp, cb.lr, flags,
                          w.abi, w.lo, w.hi, w.toff, tset, i, n, 0, MAX_FRAMES, w.scan, *w.out, *w.per)
            frames += pos
            if fp:  # counting is measurement, not walking: off the clock
                c1, t1 = time.thread_time(), time.perf_counter()
                fpframes += int(np.count_nonzero(w.out[3][:pos] == 2))
                region += _chain_bytes(w, i0, i, pos)
                c0 += time.thread_time() - c1
                t0 += time.perf_counter() - t1
        cpu += time.thread_time() - c0
        elapsed += time.perf_counter() - t0
        dumps += n
        nbytes += int(cb.offsets[n] - cb.offsets[0])
        anon_peak = max(anon_peak, _proc_status().get("RssAnon", 0))
    # rates per CPU-second of this thread: the machine is shared, and wall time would
    # charge us for the other tenants' time slices (wall figures are kept alongside)
    return dict(impl=impl, scan=w.scan, fp=fp, dumps=dumps, frames=frames, fp_frames=fpframes, bytes=nbytes,
                seconds=cpu, wall_seconds=elapsed, frames_per_s=frames / cpu if cpu else 0.0,
                fp_frames_per_s=fpframes / cpu if cpu else 0.0, gb_per_s=nbytes / cpu / 1e9 if cpu else 0.0,
                wall_fp_frames_per_s=fpframes / elapsed if elapsed else 0.0,
                wall_gb_per_s=nbytes / elapsed / 1e9 if elapsed else 0.0, rss_anon_peak=anon_peak,
                chain_bytes=region, map_seconds=map_cpu,
                unmapped_fp_frames_per_s=fpframes / (cpu - map_cpu) if cpu > map_cpu else 0.0)


def measure(path: str, impl: str, scan: bool, fp: bool, repeat: int, limit: int | None = None) -> dict:
    """Best of `repeat` passes, each mapping the (page-cached) file afresh, so every
    pass pays the page faults that map it (as a nightly run does)."""
    w = Walker(impl, scan)
    runs = []
    for _ in range(repeat):
        with stackdump.Container(path) as c:
            runs.append(one_pass(c, w, impl, fp, limit))
    return min(runs, key=lambda r: r["seconds"])


def cached(path: str, scan: bool, m: int = 256, rounds: int = 300) -> dict:
    """The loop's compute ceiling: the same m dumps (~2.3 MB, resident in cache)
    walked `rounds` times, best round."""
    w = Walker("c", scan)
    with stackdump.Container(path) as c:
        cb = c.batch(0)
        tset = (w.ws_of[cb.arch_id[:m]] == 8).astype(np.int32)
        flags = cb.flags[:m] if not scan else (cb.flags[:m] & ~np.uint8(stackdump.FLAG_FP))
        best = float("inf")
        for _ in range(rounds):
            c0 = time.thread_time()
            _, pos = w.fn(cb.data, cb.offsets[: m + 1], cb.arch_id, cb.base, cb.ip, cb.sp, cb.fp, cb.lr, flags,
                          w.abi, w.lo, w.hi, w.toff, tset, 0, m, 0, MAX_FRAMES, scan, *w.out, *w.per)
            best = min(best, time.thread_time() - c0)
        nbytes = int(cb.offsets[m] - cb.offsets[0])
        fpf = int(np.count_nonzero(w.out[3][:pos] == 2))
    return dict(fp_frames_per_s=fpf / best, frames_per_s=pos / best, gb_per_s=nbytes / best / 1e9)


def load_bound(path: str, repeat: int) -> dict:
    """The memory bound of any fp walk of this container on this core, in the same run:
    load only the return-address word of every fp frame the walk found (one 8-byte load
    per frame, offsets known in advance, so the loads are independent and in dump
    order), the batch's pages mapped first and off the clock.  A real walk must at
    least load these words, one after another along each chain, and check and write
    out what it read: it cannot beat this rate.  Best of `repeat` passes."""
    from crashpipe import _unwind
    w = Walker("c", False)
    offs = []
    total = 0
    with stackdump.Container(path) as c:
        for k in range(c.num_batches):  # where every fp frame's return address sits
            cb = c.batch(k)
            n = len(cb)
            tset = (w.ws_of[cb.arch_id[:n]] == 8).astype(np.int32)
            i, parts = 0, []
            while i < n:
                i0 = i
                i, pos = w.fn(cb.data, cb.offsets[: n + 1], cb.arch_id, cb.base, cb.ip, cb.sp, cb.fp, cb.lr,
                              cb.flags[:n], w.abi, w.lo, w.hi, w.toff, tset, i, n, 0, MAX_FRAMES, False,
                              *w.out, *w.per)
                dump = np.repeat(np.arange(i0, i), w.per[1][i0:i])
                fp = w.out[3][:pos] == 2
                d = dump[fp]
                at = cb.offsets[d] - cb.offsets[0] + (w.out[1][:pos][fp] - cb.base[d]).astype(np.int64)
                parts.append(at.astype(np.int32))
            at = np.concatenate(parts) if parts else np.zeros(0, np.int32)
            total += len(at)
            offs.append(at)
            c.release(cb)
    best = float("inf")
    for _ in range(repeat):
        cpu = 0.0
        with stackdump.Container(path) as c:
            for k in range(c.num_batches):
                cb = c.batch(k)  # mapped (MADV_POPULATE_READ), not read: off the clock
                data = cb.data[cb.offsets[0]:] if cb.offsets[0] else cb.data
                c0 = time.thread_time()
                _unwind.load_words(data, offs[k])
                cpu += time.thread_time() - c0
                c.release(cb)
        best = min(best, cpu)
    return dict(fp_frames=total, seconds=best, fp_frames_per_s=total / best if best else 0.0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="dumps in the container (default 1,000,000)")
    ap.add_argument("--twin-n", type=int, default=3000, help="dumps the pure-Python twin walks")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is reported")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--cold-read", action="store_true",
                    help="first drop the container from the page cache (POSIX_FADV_DONTNEED, this file only), "
                         "so the warm-up pass reads it from disk through the container's own mapping and the "
                         "page cache holds what that read makes, not what earlier runs left")
    a = ap.parse_args(argv)
    os.makedirs(a.data, exist_ok=True)
    path = os.path.join(a.data, f"unwind-{a.n}.arrow")
    generated = not os.path.exists(path)
    if generated:
        t = time.perf_counter()
        generate(path, a.n)
        print(f"generated {path} ({os.path.getsize(path) / 1e9:.2f} GB) in {time.perf_counter() - t:.1f}s",
              file=sys.stderr)
    if a.cold_read:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    measure(path, "c", False, True, 1)  # bring the file into the page cache
    pages = page_state(path)
    res = {
        "fp_c": measure(path, "c", False, True, a.repeat),
        "scan_c": measure(path, "c", True, False, a.repeat),
        "fp_py": measure(path, "py", False, True, 1, a.twin_n),
        "scan_py": measure(path, "py", True, False, 1, max(1, a.twin_n // 10)),
    }
    res["pages"] = pages
    res["stream"] = stream(path)
    res["load_bound"] = load_bound(path, a.repeat)
    res["fp_cached"] = cached(path, False)
    res["scan_cached"] = cached(path, True)
    res["fp_speedup"] = res["fp_c"]["fp_frames_per_s"] / max(res["fp_py"]["fp_frames_per_s"], 1e-9)
    res["scan_speedup"] = res["scan_c"]["gb_per_s"] / max(res["scan_py"]["gb_per_s"], 1e-12)
    st = _proc_status()
    res["vm_hwm"], res["rss_file"] = st.get("VmHWM", 0), st.get("RssFile", 0)
    if a.json:
        print(json.dumps(res))
        return 0
    print(f"container: {a.n:,} dumps, {res['fp_c']['bytes'] / 1e9:.2f} GB of stack, memory-mapped"
          f"{' (read cold first)' if a.cold_read else ''}; "
          f"load average {os.getloadavg()[0]:.2f}")
    if pages:
        print(f"page cache: {pages['pmd_share'] * 100:.1f}% of the stack bytes' 2 MiB blocks mapped with 2 MiB entries, "
              f"mapping {pages['map_ns_per_4k']:.1f} ns per 4 KiB")
    print(f"{'measure':<28} {'Cython':>16} {'twin':>16} {'ratio':>8}")
    print(f"{'fp walk, M frames/s':<28} {res['fp_c']['fp_frames_per_s'] / 1e6:>16.1f} "
          f"{res['fp_py']['fp_frames_per_s'] / 1e6:>16.3f} {res['fp_speedup']:>7.0f}x")
    print(f"{'fp walk, GB/s of stack':<28} {res['fp_c']['gb_per_s']:>16.2f} {res['fp_py']['gb_per_s']:>16.4f}")
    print(f"{'fp walk, M frames/s (wall)':<28} {res['fp_c']['wall_fp_frames_per_s'] / 1e6:>16.1f}")
    print(f"{'  same, mapping not counted':<28} {res['fp_c']['unmapped_fp_frames_per_s'] / 1e6:>16.1f}   "
          f"(mapping took {res['fp_c']['map_seconds'] / max(res['fp_c']['seconds'], 1e-9) * 100:.0f}% of the pass)")
    print(f"{'fp walk, in cache':<28} {res['fp_cached']['fp_frames_per_s'] / 1e6:>16.1f}")
    fc = res["fp_c"]
    per_frame = fc["chain_bytes"] / max(fc["fp_frames"], 1)
    print(f"{'stream, 1 word/line, GB/s':<28} {res['stream']['gb_per_s']:>16.2f}   "
          f"(chains span {per_frame:.0f} B of stack per frame: reading just those bytes at this rate, "
          f"with no walk, is {res['stream']['gb_per_s'] * 1e9 / max(per_frame, 1) / 1e6:.0f} M frames/s)")
    print(f"{'fp bound: loads only':<28} {res['load_bound']['fp_frames_per_s'] / 1e6:>16.1f}   "
          f"(one load of each fp frame's return-address word, offsets known in advance, pages mapped "
          f"first: no fp walk on this core can go faster)")
    print(f"{'scan, GB/s of stack':<28} {res['scan_c']['gb_per_s']:>16.2f} {res['scan_py']['gb_per_s']:>16.4f} "
          f"{res['scan_speedup']:>7.0f}x")
    print(f"{'scan, GB/s (wall)':<28} {res['scan_c']['wall_gb_per_s']:>16.2f}")
    print(f"{'scan, GB/s, in cache':<28} {res['scan_cached']['gb_per_s']:>16.2f}")
    print(f"{'scan, M frames/s':<28} {res['scan_c']['frames_per_s'] / 1e6:>16.1f} "
          f"{res['scan_py']['frames_per_s'] / 1e6:>16.3f}")
    print(f"peak anonymous RSS {res['fp_c']['rss_anon_peak'] / 2**20:.0f} MiB (fp) / "
          f"{res['scan_c']['rss_anon_peak'] / 2**20:.0f} MiB (scan); VmHWM {res['vm_hwm'] / 2**20:.0f} MiB "
          f"(includes mapped file pages: RssFile {res['rss_file'] / 2**20:.0f} MiB)"
          + ("; this run also generated the container: rerun for memory figures" if generated else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
