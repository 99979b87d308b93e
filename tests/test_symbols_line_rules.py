"""Which line row answers at an address with several rows: gdb's rule (the last row
whose is_stmt flag is set) and binutils' (the last row), checked against gdb, against
addr2line and on synthetic line programs."""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from crashpipe.symbols import SymbolStore, normalize_symbol, open_elf
from crashpipe.symbols.dwarf import ROW_END, ROW_NONSTMT, ROW_STMT, pick_line_rows

from symbols_oracle import ADDR2LINE, addr2line

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared")
FIXTURES = os.path.join(SHARED, "fixtures", "unwind")
ELFS = sorted(glob.glob(os.path.join(FIXTURES, "*", "prog-*.elf")))
OPT_ELFS = [e for e in ELFS if not e.endswith("prog-O0.elf")]  # -O0 code has no non-statement rows
KOS = sorted(glob.glob(os.path.join(SHARED, "oopses", "*", "crashlab.ko")))
GDB = shutil.which("gdb")


# -- synthetic line programs through the Cython decoder ---------------------------

def _uleb(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def _sleb(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        done = (v == 0 and not b & 0x40) or (v == -1 and b & 0x40)
        out.append(b | (0 if done else 0x80))
        if done:
            return bytes(out)


def SET_ADDR(a: int) -> bytes:
    return b"\x00\x09\x02" + a.to_bytes(8, "little")


END, COPY, NEGATE_STMT = b"\x00\x01\x01", b"\x01", b"\x06"


def ADV_PC(n: int) -> bytes:
    return b"\x02" + _uleb(n)


def ADV_LINE(n: int) -> bytes:
    return b"\x03" + _sleb(n)


# Sequence 1 (is_stmt starts at the header's default, say true):
#   0x1000: line 10 stmt, 11 stmt, 12 non-stmt   -> gdb 11, binutils 12
#   0x1004: line 12 stmt                          -> 12 both
#   0x1008: line 13 non-stmt, 14 non-stmt         -> 14 both (no statement row there)
#   end at 0x100c, is_stmt still false
# Sequence 2 (is_stmt back to the default):
#   0x2000: line 20 stmt, 21 non-stmt             -> gdb 20, binutils 21
#   end at 0x2002
PROGRAM = b"".join([
    SET_ADDR(0x1000), ADV_LINE(9), COPY, ADV_LINE(1), COPY, NEGATE_STMT, ADV_LINE(1), COPY,
    ADV_PC(4), NEGATE_STMT, COPY,
    ADV_PC(4), NEGATE_STMT, ADV_LINE(1), COPY, ADV_LINE(1), COPY,
    ADV_PC(4), END,
    SET_ADDR(0x2000), ADV_LINE(19), COPY, NEGATE_STMT, ADV_LINE(1), COPY, ADV_PC(2), END,
])


def _decode(program: bytes, default_is_stmt: int):
    from crashpipe import _dwarf

    std = np.zeros(256, np.uint8)
    std[1:13] = [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1]  # DWARF 4 standard opcode lengths
    cap = len(program) + 16
    out = [np.empty(cap, np.uint64), np.empty(cap, np.int32), np.empty(cap, np.int32), np.empty(cap, np.uint8)]
    n, bad = _dwarf.run_line_programs(
        np.frombuffer(program, np.uint8), np.array([0], np.int64), np.array([len(program)], np.int64),
        np.array([1], np.uint8), np.array([-5], np.int8), np.array([14], np.uint8), np.array([13], np.uint8),
        np.array([default_is_stmt], np.uint8), np.array([8], np.uint8), std,
        np.array([0], np.int32), np.array([0], np.int64), np.array([1], np.int32), np.array([1], np.int32), *out)
    assert bad == 0
    return tuple(x[:n] for x in out)


def test_cython_decoder_carries_is_stmt():
    a, f, ln, kind = _decode(PROGRAM, default_is_stmt=1)
    rows = list(zip(a.tolist(), ln.tolist(), kind.tolist()))
    S, N, E = ROW_STMT, ROW_NONSTMT, ROW_END
    assert rows == [
        (0x1000, 10, S), (0x1000, 11, S), (0x1000, 12, N), (0x1004, 12, S), (0x1008, 13, N), (0x1008, 14, N),
        (0x100C, 0, E), (0x2000, 20, S), (0x2000, 21, N), (0x2002, 0, E)]
    addr, lf, ll, lf_gdb, ll_gdb = pick_line_rows(a, np.where(kind == E, -1, f).astype(np.int32), ln, kind)
    assert addr.tolist() == [0x1000, 0x1004, 0x1008, 0x100C, 0x2000, 0x2002]
    assert ll.tolist() == [12, 12, 14, 0, 21, 0]  # binutils: the last row
    assert ll_gdb.tolist() == [11, 12, 14, 0, 20, 0]  # gdb: the last statement row
    assert lf.tolist() == lf_gdb.tolist() == [0, 0, 0, -1, 0, -1]


def test_cython_decoder_default_is_stmt_false():
    # The same opcodes with default_is_stmt 0: every flag is inverted.
    a, f, ln, kind = _decode(PROGRAM, default_is_stmt=0)
    assert kind.tolist() == [1, 1, 2, 1, 2, 2, 0, 1, 2, 0]
    _, _, ll, _, ll_gdb = pick_line_rows(a, f, ln, kind)
    assert ll.tolist() == [12, 12, 14, 0, 21, 0]
    assert ll_gdb.tolist() == [12, 12, 14, 0, 21, 0]


def test_pick_line_rows_across_sequences():
    # Two sequences with rows at 0x10 (a stmt row, then a later sequence's non-stmt row),
    # an end marker at an address another sequence starts at, and a lone end marker.
    S, N, E = ROW_STMT, ROW_NONSTMT, ROW_END
    rows = [(0x10, 0, 5, S), (0x18, -1, 0, E), (0x18, 1, 7, N), (0x10, 1, 6, N), (0x20, -1, 0, E), (0x30, -1, 0, E)]
    a, f, ln, k = (np.array(c, dt) for c, dt in zip(zip(*rows), (np.uint64, np.int32, np.int32, np.int8)))
    addr, lf, ll, lf_gdb, ll_gdb = pick_line_rows(a, f, ln, k)
    assert addr.tolist() == [0x10, 0x18, 0x20, 0x30]
    assert list(zip(lf.tolist(), ll.tolist())) == [(1, 6), (1, 7), (-1, 0), (-1, 0)]
    assert list(zip(lf_gdb.tolist(), ll_gdb.tolist())) == [(0, 5), (1, 7), (-1, 0), (-1, 0)]


# -- real objects ------------------------------------------------------------------

@pytest.mark.parametrize("path", (OPT_ELFS[::5] + KOS[:1]) or [None], ids=lambda p: "/".join(p.split(os.sep)[-2:]) if p else "none")
def test_rules_and_defaults(path):
    if path is None:
        pytest.skip("fixtures missing")
    r = open_elf(path)
    t = r.table
    kernel = path.endswith(".ko")
    assert t.meta["line_rule"] == r.line_rule == ("addr2line" if kernel else "gdb")
    # Both rules share addresses and differ only in some rows of optimized code.
    differ = (t.line_line != t.line_line_gdb) | (t.line_file != t.line_file_gdb)
    assert t.line_line_gdb.size == t.line_addr.size and 0 < differ.sum() < 0.25 * differ.size
    a = t.line_addr[np.flatnonzero(differ)[:50]]
    g = open_elf(path, line_rule="gdb").lookup(a)
    b = open_elf(path, line_rule="addr2line").lookup(a)
    assert [x[0].line for x in g] == t.line_line_gdb[differ][:50].tolist()
    assert [x[0].line for x in b] == t.line_line[differ][:50].tolist()
    with pytest.raises(ValueError):
        open_elf(path, line_rule="llvm")


def _gdb_lines(elf: str, addrs: list[int], tmp_path) -> list[tuple[str, int]]:
    """gdb's own find_pc_line for each address: (file basename or '', line)."""
    inp, out = tmp_path / "addrs.txt", tmp_path / "gdb.txt"
    inp.write_text("\n".join(str(a) for a in addrs))
    script = tmp_path / "lines.py"
    script.write_text(
        "import gdb\n"
        f"with open({str(out)!r}, 'w') as o:\n"
        f"    for s in open({str(inp)!r}):\n"
        "        sal = gdb.find_pc_line(int(s))\n"
        "        o.write('%s %d\\n' % (sal.symtab.filename if sal.symtab else '-', sal.line))\n")
    subprocess.run([GDB, "-batch", "-nx", "-ex", f"source {script}", elf], capture_output=True, timeout=120, check=True)
    res = []
    for ln in out.read_text().splitlines():
        f, n = ln.rsplit(" ", 1)
        res.append(("" if f == "-" else os.path.basename(f), int(n)))
    return res


@pytest.mark.skipif(GDB is None or not OPT_ELFS, reason="gdb or fixtures missing")
@pytest.mark.parametrize("elf", OPT_ELFS[::2], ids=lambda p: "/".join(p.split(os.sep)[-2:]))
def test_gdb_rule_equals_gdb_at_every_row(elf, tmp_path):
    """Every address where a line row starts and the byte after it, against gdb's
    find_pc_line: gdb's rule agrees everywhere, binutils' does not (so this can fail)."""
    t = open_elf(elf).table
    a = np.unique(np.concatenate([t.line_addr, t.line_addr + np.uint64(1)]))
    li = np.searchsorted(t.line_addr, a, side="right") - 1
    a = a[t.line_file[li] >= 0]
    try:
        truth = _gdb_lines(elf, a.tolist(), tmp_path)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
        pytest.skip(f"gdb cannot answer here: {e}")
    assert len(truth) == a.size

    def ours(rule):
        return [(os.path.basename(f[0].file or ""), f[0].line or 0) for f in open_elf(elf, line_rule=rule).lookup(a)]

    assert ours("gdb") == truth
    differ = sum(x != y for x, y in zip(ours("addr2line"), truth))
    assert differ > 0


def _fixture_groups():
    """gdb's frames of every fixture stop, as [INLINE..., NORMAL] groups with debug info."""
    for p in sorted(glob.glob(os.path.join(FIXTURES, "*", "*.json"))):
        with open(p) as f:
            d = json.load(f)
        cur: list[dict] = []
        for fr in d.get("frames", []):
            cur.append(fr)
            if fr["type"] != "INLINE":
                if fr["type"] == "NORMAL" and fr.get("has_debug_info"):
                    yield os.path.join(os.path.dirname(p), d["elf"]), os.path.basename(p), cur
                cur = []


@pytest.mark.skipif(not ELFS, reason="fixtures missing")
def test_every_gdb_frame_of_the_fixtures():
    """The scorer's file:line check without the unwinder: every frame gdb printed with
    debug info (function, file, line, inlined calls), looked up at its pc the way gdb
    did (pc - 1 for callers).  Includes aarch64-O2fp-s15 level 27, where the rows at
    the call instruction are line 1153 (is_stmt) then 1154 (not): gdb says 1153."""
    resolvers: dict[str, object] = {}
    n = 0
    misses = []
    for elf, stop, group in _fixture_groups():
        if elf not in resolvers:
            resolvers[elf] = open_elf(elf)
        r = resolvers[elf]
        phys = group[-1]
        pc, look = int(phys["pc"], 16), int(phys["lookup_pc"], 16)
        got = r.lookup(np.array([pc], np.uint64), np.array([look != pc]))[0]
        got = [(f.symbol if f.inlined else normalize_symbol(f.symbol or ""), os.path.basename(f.file or ""), f.line)
               for f in got]
        want = [(f["function"] if f["type"] == "INLINE" else normalize_symbol(f["function"]),
                 os.path.basename(f["file"] or ""), f["line"]) for f in group]
        n += 1
        if got != want:
            misses.append((stop, phys["level"], got, want))
    assert n > 1000 and misses == []


def _rows_by_address(elf: str) -> dict[int, list[tuple[str, int, bool]]]:
    """Every line-table row (file basename, line, is_stmt) per address in program
    order, from pyelftools' decoder (not ours); rows at their sequence's end address
    are dropped, as both tools do."""
    from elftools.elf.elffile import ELFFile

    out: dict[int, list[tuple[str, int, bool]]] = {}
    with open(elf, "rb") as fh:
        dw = ELFFile(fh).get_dwarf_info()
        for cu in dw.iter_CUs():
            lp = dw.line_program_for_CU(cu)
            if lp is None:
                continue
            files = lp.header["file_entry"]
            base = 0 if lp.header["version"] >= 5 else 1
            seq: list[tuple[int, str, int, bool]] = []
            for e in lp.get_entries():
                st = e.state
                if st is None:
                    continue
                if st.end_sequence:
                    for a, f, ln, s in seq:
                        if a != st.address:
                            out.setdefault(a, []).append((f, ln, s))
                    seq = []
                    continue
                fi = st.file - base
                name = files[fi].name.decode() if 0 <= fi < len(files) else ""
                seq.append((st.address, os.path.basename(name), st.line, bool(st.is_stmt)))
    return out


@pytest.mark.skipif(ADDR2LINE is None or not OPT_ELFS, reason="fixtures or addr2line missing")
@pytest.mark.parametrize("elf", OPT_ELFS[1::3], ids=lambda p: "/".join(p.split(os.sep)[-2:]))
def test_gdb_rule_against_addr2line_differences_are_the_is_stmt_class(elf):
    """Under gdb's rule (the default for these ELFs) every answer that is not
    addr2line's is in one class, read off the line table itself: the address's rows
    (the last row at or below it) are several, the last is not a statement, and we
    name the last statement row where addr2line names the last row.  The inline chain
    and function are addr2line's."""
    from test_symbols import N, _explained, _ours, _sample

    r = open_elf(elf)
    assert r.line_rule == "gdb"
    rows = _rows_by_address(elf)
    keys = np.array(sorted(rows), np.uint64)
    addrs = _sample(r, N, seed=len(elf))
    truth = addr2line(elf, addrs)
    ours = r.lookup(np.array(addrs, np.uint64), np.zeros(len(addrs), bool))
    same = is_stmt_class = other = 0
    for a, got, want in zip(addrs, ours, truth):
        g = _ours(got)
        want = want[:-1] + [(normalize_symbol(want[-1][0]) if want[-1][0] else None,) + tuple(want[-1][1:])]
        if g == want:
            same += 1
            continue
        k = int(np.searchsorted(keys, np.uint64(a), side="right")) - 1
        at = rows[int(keys[k])] if k >= 0 else []
        stmt = [x for x in at if x[2]]
        if (len(at) > 1 and not at[-1][2] and stmt and g[1:] == want[1:] and g[0][0] == want[0][0]
                and (os.path.basename(g[0][1] or ""), g[0][2]) == stmt[-1][:2]
                and (os.path.basename(want[0][1] or ""), want[0][2]) == at[-1][:2]):
            is_stmt_class += 1
        else:
            assert _explained(g, want, r, got), f"{hex(a)}: ours {g} addr2line {want}"
            other += 1
    assert same + is_stmt_class + other == len(addrs)
    assert is_stmt_class > 0  # optimized code has such rows: the class really occurs
    assert same > 0.8 * len(addrs)


@pytest.mark.skipif(not ELFS, reason="fixtures missing")
def test_store_reindexes_tables_of_an_older_format(tmp_path):
    elf = OPT_ELFS[0] if OPT_ELFS else ELFS[0]
    st = SymbolStore.create(str(tmp_path / "s"))
    (first,) = st.index([elf])
    assert not first.cached
    (hit,) = SymbolStore.open(str(tmp_path / "s")).index([elf])
    assert hit.cached
    meta = tmp_path / "s" / "objects" / first.key / "meta.json"
    m = json.loads(meta.read_text())
    m["format"] = "crashpipe-symtab/1"  # written before gdb's rows were kept
    meta.write_text(json.dumps(m))
    (again,) = SymbolStore.open(str(tmp_path / "s")).index([elf])
    assert not again.cached
    t = SymbolStore.open(str(tmp_path / "s")).table(first.key)
    assert t.meta["format"] == "crashpipe-symtab/2" and t.line_line_gdb.size == t.line_addr.size
