"""The stack-dump container: write, memory-map without copies, unwind in place, and
turn into Reports for `crashpipe run`; plus the pipeline stage unwind_reports."""
from __future__ import annotations

import numpy as np
import pytest

from crashpipe import arch as archmod
from crashpipe.model import Frame, Report, StackDump
from crashpipe.stackdump import Container, is_container, reports_from_container, write_dumps
from crashpipe.unwind import Batch, merge_ranges, unwind_reports, walk

TEXT = (0xC0100000, 0xC0400000)


def _i386_dump():
    # fp records at +0 -> +0x10 -> +0x20 (caller fp 0: chain end), a stray text word at +0x1c
    words = [0x1010, 0xC0100010, 0, 0, 0x1020, 0xC0100020, 0, 0xC0200000, 0, 0xC0100030, 0, 0]
    return b"".join(w.to_bytes(4, "little") for w in words)


def _dumps():
    x = _i386_dump()
    return [
        dict(report=7, arch="i386", base=0x1000, stack=x, ip=0xC0100000, sp=0x1000, fp=0x1000,
             kernel_release="6.1.0-test", text_ranges=[TEXT]),
        dict(report=8, arch="arm", layout="gcc", base=0x2000, stack=b"\x01" * 64, sp=0x2000, lr=0xC0100100),
        dict(report=9, arch="x86_64", base=0x3000, stack=b""),
    ]


def test_roundtrip_zero_copy(tmp_path):
    p = str(tmp_path / "dumps.arrow")
    write_dumps(p, _dumps())
    assert is_container(p)
    assert not is_container(__file__)
    with Container(p) as c:
        (cb,) = list(c.batches())
        assert cb.report.tolist() == [7, 8, 9]
        assert cb.arch_id.tolist() == [0, archmod.get("arm", "gcc").abi_id, 1]
        assert cb.flags.tolist() == [1 | 2 | 4, 2 | 8, 0]
        assert cb.offsets.tolist() == [0, 48, 112, 112]
        assert bytes(cb.data[0:48]) == _i386_dump()
        # views over the mapping, not copies
        assert not cb.data.flags.owndata and not cb.data.flags.writeable
        assert not cb.offsets.flags.owndata and not cb.base.flags.owndata
        col = cb.record_batch.column("stack")
        assert cb.data.ctypes.data == col.buffers()[2].address
        # walk straight from the mapped buffers
        b = Batch(cb.data, cb.offsets, cb.arch_id, cb.base, cb.ip, cb.sp, cb.fp, cb.lr, cb.flags,
                  np.array([0, -1, -1], np.int32))
        res = walk(b, [merge_ranges([TEXT])], impl="c")
        s, n = int(res.start[0]), int(res.count[0])
        assert res.addr[s:s + n].tolist() == [0xC0100000, 0xC0100010, 0xC0100020, 0xC0100030, 0xC0200000]
        assert res.reliable[s:s + n].tolist() == [1, 1, 1, 1, 0]


def test_reports_from_container_and_unwind_reports(tmp_path):
    p = str(tmp_path / "dumps.arrow")
    write_dumps(p, _dumps())
    batches = list(reports_from_container(p, batch_size=2))
    assert [len(b) for b in batches] == [2, 1]
    r0, r1, r2 = batches[0] + batches[1]
    assert r0.arch == "i386" and r0.kernel_release == "6.1.0-test"
    assert r0.registers == {"pc": 0xC0100000, "sp": 0x1000, "fp": 0x1000}
    assert r0.stacks[0].text_ranges == [TEXT] and r0.stacks[0].base == 0x1000
    assert r1.stacks[0].layout == "gcc" and r1.registers == {"sp": 0x2000, "lr": 0xC0100100}
    assert r2.arch == "x86_64" and r2.stacks[0].data == b""
    assert unwind_reports([r0, r1, r2]) == []
    assert [(f.address, f.method, f.reliable) for f in r0.frames] == [
        (0xC0100000, "regs", True), (0xC0100010, "fp", True), (0xC0100020, "fp", True),
        (0xC0100030, "fp", True), (0xC0200000, "scan", False)]
    # arm without text ranges given: the arch's conservative kernel text (module area +
    # image) makes lr a candidate return address, unreliable
    assert [(f.address, f.method, f.reliable) for f in r1.frames] == [(0xC0100100, "regs", False)]
    assert r2.frames == [] and r2.unwind_agreement is None


def test_unwind_agreement_by_address():
    x = _i386_dump()
    r = Report(arch="i386", registers={"pc": 0xC0100000, "sp": 0x1000, "fp": 0x1000},
               stacks=[StackDump(0x1000, x, 4, text_ranges=[TEXT])],
               frames=[Frame(0, 0xC0100000), Frame(1, 0xC0100010), Frame(2, 0xC0100099), Frame(3, 0xC0200000),
                       Frame(4, 0xC0100030, reliable=False), Frame(5, None, symbol="only_a_name")])
    assert unwind_reports([r]) == []
    assert [f.frame_no for f in r.frames] == list(range(len(r.frames)))
    assert r.frames[6].method == "regs" and r.frames[6].frame_no == 6
    # printed reliable with an address: 0xc0100000 (regs), 0xc0100010 (fp), 0xc0200000 (scan)
    # found; 0xc0100099 not; the unreliable and the name-only frame do not count
    assert r.unwind_agreement == pytest.approx(3 / 4)


def test_bad_reports_never_raise():
    bad = [Report(arch="vax", stacks=[StackDump(0, b"\0" * 8, 4)]),
           Report(arch="x86_64", stacks=[StackDump(0xFFFFFFFFFFFFFFF8, b"\xff" * 64, 8)],
                  registers={"sp": 1, "fp": 0xFFFFFFFFFFFFFFF8}),
           Report(arch="arm64", stacks=[StackDump(0x10, b"\0" * 16, 4)]),
           Report(arch="i386")]
    errs = unwind_reports(bad)
    assert [e.error for e in errs] == ["word-size-mismatch"]
    assert bad[0].frames == [] and bad[0].unwind_agreement is None


def test_register_flags_follow_validity(tmp_path):
    """Per-dump register flags come from each column's validity bitmap (none, all and
    some registers null), as Arrow reads it, across several batches."""
    import numpy as np

    from crashpipe import stackdump

    rng = np.random.default_rng(3)
    p = str(tmp_path / "c.arrow")
    expect = []
    with stackdump.ContainerWriter(p) as w:
        for n in (37, 1, 70):
            regs = {}
            for name in ("ip", "sp", "fp"):
                regs[name] = [int(x) if rng.random() < 0.6 else None for x in rng.integers(1, 1 << 40, n)]
            regs["lr"] = [7] * n
            offs = np.arange(n + 1, dtype=np.int64) * 8
            w.write(stackdump.make_batch(np.arange(n), np.zeros(n, np.uint8), np.zeros(n, np.uint64), offs,
                                         np.zeros(8 * n, np.uint8), ip=regs["ip"], sp=regs["sp"], fp=regs["fp"],
                                         lr=regs["lr"]))
            for i in range(n):
                expect.append(sum(f for name, f in (("ip", stackdump.FLAG_IP), ("sp", stackdump.FLAG_SP),
                                                    ("fp", stackdump.FLAG_FP), ("lr", stackdump.FLAG_LR))
                                  if regs[name][i] is not None))
    got = []
    with stackdump.Container(p) as c:
        for cb in c.batches():
            got.extend(int(x) for x in cb.flags)
    assert got == expect
