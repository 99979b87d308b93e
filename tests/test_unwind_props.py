"""Property tests of the unwind loop: the Cython loop (fast build and the always
bounds-checked `_unwind_debug` build) and the pure-Python twin agree frame for frame on
random bytes and registers; nothing crashes, the frame cap holds, and each dump is
walked as if it were alone in its batch (no read crosses into a neighbour).  Plus
synthetic frame chains built per ABI row, whose frames are known by construction."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crashpipe import arch as archmod
from crashpipe import unwind_py
from crashpipe.unwind import Batch, kernel, merge_ranges, unwind_dump, walk

IMPLS = ["py", "debug", "c"]
M64 = (1 << 64) - 1


TEXT = (0x400000, 0x401000)


@st.composite
def dumps(draw):
    abi = draw(st.sampled_from(archmod.ABIS))
    ws = abi.word_size
    wmax = (1 << (8 * ws)) - 1
    if draw(st.booleans()):
        data = draw(st.binary(min_size=0, max_size=160))
        base = draw(st.one_of(st.integers(0, M64 - len(data)), st.integers(0, 1 << 16).map(lambda x: x * ws)))
    else:
        # words that look like a stack: pointers into the dump (sometimes misaligned),
        # text addresses, small numbers, garbage; so chains form, cycle and break
        n = draw(st.integers(0, 40))
        base = draw(st.integers(0, (wmax - 64 * ws) // ws)) * ws
        word = st.one_of(st.integers(-2, n + 2).map(lambda k: base + k * ws),
                         st.integers(-2, n + 2).map(lambda k: base + k * ws),
                         st.integers(-2, n + 2).map(lambda k: base + k * ws + 1),
                         st.integers(TEXT[0] - 4, TEXT[1] + 4), st.integers(0, 3), st.integers(0, wmax))
        ws_words = draw(st.lists(word, min_size=n, max_size=n))
        data = b"".join((w & wmax).to_bytes(ws, "little") for w in ws_words)
    base = min(base, M64 - len(data))
    words = [int.from_bytes(data[i:i + ws], "little") for i in range(0, len(data) - ws + 1, ws)]

    def reg():
        return draw(st.one_of(st.none(), st.integers(0, wmax),
                              st.integers(0, max(0, len(data))).map(lambda o: (base + o) & M64),
                              st.sampled_from(words or [0])))
    aligned = st.integers(-1, len(data) // ws + 1).map(lambda k: (base + k * ws) & M64)
    regs = dict(ip=reg(), sp=reg(), fp=draw(st.one_of(aligned, aligned, st.just(None).flatmap(lambda _: st.just(reg())))),
                lr=draw(st.one_of(st.integers(*TEXT), st.just(None).flatmap(lambda _: st.just(reg())))))
    # text ranges that often contain some of the dump's words
    ranges = [TEXT] if draw(st.booleans()) else []
    for w in draw(st.lists(st.sampled_from(words or [0]), max_size=3)):
        lo = max(0, w - draw(st.integers(0, 64)))
        ranges.append((lo, lo + draw(st.integers(1, 256))))
    ranges += draw(st.lists(st.tuples(st.integers(0, M64 - 1), st.integers(1, 1 << 20)).map(
        lambda t: (t[0], min(M64, t[0] + t[1]))), max_size=2))
    use_text = draw(st.integers(0, 3)) > 0
    return abi, data, base, regs, ranges if use_text else []


def _batch(items):
    n = len(items)
    offs = np.zeros(n + 1, np.int64)
    offs[1:] = np.cumsum([len(d) for _, d, _, _, _ in items])
    data = np.frombuffer(b"".join(d for _, d, _, _, _ in items), np.uint8)
    fl = np.zeros(n, np.uint8)
    vals = {k: np.zeros(n, np.uint64) for k in ("ip", "sp", "fp", "lr")}
    for i, (_, _, _, regs, _) in enumerate(items):
        for k, f in (("ip", 1), ("sp", 2), ("fp", 4), ("lr", 8)):
            if regs[k] is not None:
                fl[i] |= f
                vals[k][i] = regs[k]
    sets = [merge_ranges(r) for _, _, _, _, r in items]
    tset = np.array([i if r else -1 for i, (_, _, _, _, r) in enumerate(items)], np.int32)
    b = Batch(data, offs, np.array([a.abi_id for a, _, _, _, _ in items], np.uint8),
              np.array([x for _, _, x, _, _ in items], np.uint64), vals["ip"], vals["sp"], vals["fp"], vals["lr"], fl, tset)
    return b, sets


def _frames(res, i):
    s, c = int(res.start[i]), int(res.count[i])
    return (tuple(zip(res.addr[s:s + c].tolist(), res.slot[s:s + c].tolist(), res.ffp[s:s + c].tolist(),
                      res.method[s:s + c].tolist(), res.reliable[s:s + c].tolist())),
            int(res.stop[i]), int(res.stop_fp[i]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(dumps(), min_size=1, max_size=3), st.integers(1, 40), st.booleans())
def test_twin_and_cython_agree_on_random_input(items, cap, scan):
    b, sets = _batch(items)
    outs = {impl: walk(b, sets, max_frames=cap, scan=scan, impl=impl) for impl in IMPLS}
    for i in range(len(items)):
        ref = _frames(outs["py"], i)
        for impl in ("debug", "c"):
            assert _frames(outs[impl], i) == ref, impl
        assert len(ref[0]) <= cap
        # walked alone, the dump gives the same frames: nothing leaks across dumps
        b1, sets1 = _batch([items[i]])
        assert _frames(walk(b1, sets1, max_frames=cap, scan=scan, impl="debug"), 0) == ref
        # frames found in the stack come from inside this dump
        abi, data, base = items[i][0], items[i][1], items[i][2]
        for addr, slot, _, method, rel in ref[0]:
            if method in (unwind_py.M_FP, unwind_py.M_SCAN):
                assert base <= slot and slot + abi.word_size <= base + len(data)


def test_debug_build_is_really_checked():
    """The debug build refuses descriptors that point outside the data buffer."""
    fn = kernel("debug")
    assert fn is not unwind_py.walk_batch
    b, sets = _batch([(archmod.get("x86_64"), b"\0" * 64, 0x1000, dict(ip=1, sp=None, fp=0x1000, lr=None), [])])
    b.offsets = np.array([0, 128], np.int64)  # longer than the data
    with pytest.raises(ValueError):
        walk(b, sets, impl="debug")


def _synthetic(abi, depth, rng, leaf=False):
    """A stack with `depth` frame records of this ABI at increasing addresses."""
    ws = abi.word_size
    base = 0x7F0000 * ws
    span = 16 * ws + max(abs(abi.ra_offset), abs(abi.prev_fp_offset), abs(abi.leaf_prev_fp_offset or 0))
    fps, off = [], 2 * span
    for _ in range(depth):
        fps.append(base + off)
        off += span + int(rng.integers(0, 8)) * ws
    size = off + span
    buf = bytearray(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
    text = (0x400000, 0x500000)
    ras = [text[0] + 4 * int(rng.integers(1, 0x3FFF)) for _ in range(depth)]

    def put(addr, v):
        buf[addr - base: addr - base + ws] = v.to_bytes(ws, "little")
    # scrub random words that would look like text or stack addresses
    for k in range(0, size - ws + 1, ws):
        put(base + k, 0x11)
    lr = None
    for k, fp in enumerate(fps):
        nxt = fps[k + 1] if k + 1 < depth else 0
        if leaf and k == 0:
            put(fp + abi.leaf_prev_fp_offset, nxt)
            lr = ras[0]
        else:
            put(fp + abi.ra_offset, ras[k])
            put(fp + abi.prev_fp_offset, nxt)
    return bytes(buf), base, fps[0], ras, lr, text


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("abi", archmod.ABIS, ids=lambda a: a.name)
def test_synthetic_chains(abi, impl):
    rng = np.random.default_rng(abi.abi_id)
    for leaf in ([False, True] if abi.leaf_prev_fp_offset is not None else [False]):
        data, base, fp, ras, lr, text = _synthetic(abi, 12, rng, leaf)
        res = unwind_dump(abi, data, base, ip=0x400100, sp=base, fp=fp, lr=lr, text_ranges=[text], impl=impl)
        rel = [f.address for f in res.frames if f.reliable]
        assert rel == [0x400100] + ras
        methods = [f.method for f in res.frames if f.reliable]
        assert methods == ["regs"] + (["regs"] if leaf else ["fp"]) + ["fp"] * (len(ras) - 1)
        assert res.stop_reason == "fp_zero"
        assert not [f for f in res.frames if not f.reliable]  # no other text words
        # the cap bounds the walk, and a cycle (chain pointing back) stops cleanly
        capped = unwind_dump(abi, data, base, ip=0x400100, sp=base, fp=fp, lr=lr, text_ranges=[text],
                             impl=impl, max_frames=5)
        assert len(capped.frames) == 5 and capped.stop_reason == "frame_cap"


@pytest.mark.parametrize("impl", IMPLS)
def test_cycle_and_misaligned_chain_stop(impl):
    abi = archmod.get("x86_64")
    base = 0x10000
    words = [0] * 64
    words[4], words[5] = base + 0x40, 0x401000  # fp at +0x20 -> +0x40
    words[8], words[9] = base + 0x20, 0x401010  # +0x40 points back: not increasing
    data = b"".join(w.to_bytes(8, "little") for w in words)
    res = unwind_dump(abi, data, base, fp=base + 0x20, text_ranges=[(0x400000, 0x500000)], impl=impl)
    assert [f.address for f in res.frames] == [0x401000, 0x401010]
    assert res.stop_reason == "fp_not_increasing"
    res = unwind_dump(abi, data, base, fp=base + 0x21, text_ranges=[(0x400000, 0x500000)], impl=impl)
    assert res.stop_reason == "fp_misaligned" and not [f for f in res.frames if f.reliable]


@pytest.mark.parametrize("simd", [True, False], ids=["simd", "scalar"])
@pytest.mark.parametrize("abi", archmod.ABIS, ids=lambda a: a.name)
def test_scan_of_long_dumps_agrees(abi, simd):
    """The scan's block passes (several blocks of words, the vector pass where the CPU
    has one, the scalar tail) give the twin's frames on long dumps dense with words
    at and around the text ranges' edges, for aligned and unaligned range starts."""
    rng = np.random.default_rng(abi.abi_id)
    ws = abi.word_size
    wmax = (1 << (8 * ws)) - 1
    range_sets = [[(0x400000, 0x401000)], [(0x400001, 0x400801)], [(0x400000, 0x400802), (0x500000, 0x500100)],
                  [(wmax - 0x1000 + 1, wmax)], [(0xFFFFF000, 0x100000000 + 0x1000)]]
    items = []
    for ranges in range_sets:
        for nwords in (3, 7, 9, 700, 1500):
            lo, hi = ranges[0]
            near = rng.integers(-3, 4, nwords) + rng.choice([lo, hi, (lo + hi) // 2], nwords)
            noise = rng.integers(0, 1 << 62, nwords, dtype=np.uint64).astype(object)
            pick = rng.integers(0, 3, nwords)
            words = [int(near[j]) if pick[j] else int(noise[j]) for j in range(nwords)]
            data = b"".join((w & wmax).to_bytes(ws, "little" if abi.little_endian else "big") for w in words)
            base = 0x10000 * ws
            items.append((abi, data, base, dict(ip=0x400010, sp=base + ws * int(rng.integers(0, 3)), fp=None,
                                                lr=None), ranges))
    b, sets = _batch(items)
    from crashpipe import _unwind, _unwind_debug
    mods = (_unwind, _unwind_debug)
    try:
        for m in mods:
            m.use_simd(simd)
        for cap in (5, 4000):
            outs = {impl: walk(b, sets, max_frames=cap, scan=True, impl=impl) for impl in IMPLS}
            _agree(items, outs, ws)
    finally:
        for m in mods:
            m.use_simd(True)


def _agree(items, outs, ws):
    for i in range(len(items)):
        ref = _frames(outs["py"], i)
        assert any(m == unwind_py.M_SCAN for _, _, _, m, _ in ref[0]) or len(items[i][1]) < 700 * ws
        for impl in ("debug", "c"):
            assert _frames(outs[impl], i) == ref, (impl, i)


@given(st.binary(min_size=0, max_size=256), st.lists(st.integers(-300, 300), max_size=64))
def test_load_words_is_the_xor_of_the_words_it_may_read(data, at):
    """bench_unwind's memory-bound probe: the words at in-range offsets, XORed; offsets
    that would read outside the buffer are skipped, never read."""
    from crashpipe import _unwind

    buf = np.frombuffer(data, np.uint8) if data else np.zeros(0, np.uint8)
    want = 0
    for o in at:
        if 0 <= o <= len(data) - 8:
            want ^= int.from_bytes(data[o:o + 8], "little")
    assert _unwind.load_words(buf, np.array(at, np.int32)) == want


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(dumps(), min_size=1, max_size=40), st.integers(1, 40), st.integers(0, 5), st.integers(0, 3),
       st.booleans())
def test_batches_resumed_at_every_capacity_agree(items, cap, extra, start_pos, scan):
    """More dumps than the Cython loop walks at once (lanes refilled from a ring of
    dump states as chains end), with an output that holds only a few dumps' worth, so
    walk_batch stops early and is resumed: every call returns the same (next dump,
    next free index) and writes the same frames as the twin's."""
    b, sets = _batch(items)
    n = len(items)
    lo = np.concatenate([t[0] for t in sets]) if sets else np.zeros(0, np.uint64)
    hi = np.concatenate([t[1] for t in sets]) if sets else np.zeros(0, np.uint64)
    toff = np.zeros(len(sets) + 1, np.int64)
    toff[1:] = np.cumsum([len(t[0]) for t in sets])
    abi = archmod.abi_table()
    size = start_pos + cap * (1 + extra) + extra
    runs = {}
    for impl in IMPLS:
        fn = kernel(impl)
        per = [np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.uint8), np.zeros(n, np.uint64)]
        calls, i = [], 0
        while i < n:
            out = [np.zeros(size, np.uint64) for _ in range(3)] + [np.zeros(size, np.uint8) for _ in range(2)]
            j, pos = fn(b.data, b.offsets, b.abi_ids, b.base, b.ip, b.sp, b.fp, b.lr, b.flags, abi, lo, hi, toff,
                        b.text_set, i, n, start_pos, cap, scan, *out, *per)
            assert i < j <= n and start_pos <= pos <= size
            calls.append((j, pos, [a[start_pos:pos].tolist() for a in out]))
            i = j
        runs[impl] = (calls, [a.tolist() for a in per])
    for impl in ("debug", "c"):
        assert runs[impl] == runs["py"], impl
