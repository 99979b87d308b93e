"""Real armhf oopses (Debian 6.1 armmp under qemu, /work/shared/oopses/qemu-armhf;
skipped when absent): the kernel prints a raw `Stack:` dump beside a symbolic backtrace
(`f [mod] from g+0x6c/0xf4 [mod]`).  With the System.map's text and the arm module area
as text ranges, the re-unwind must recover every return address the kernel printed:
from the stack by the scan, and, when the crash is in a leaf function that never
stored its return address, from the lr register (the cascade's `regs` step).

The oracle is the kernel's own backtrace: g+0x6c is turned into an address with the
System.map (core kernel) or crashlab.ko's symbol table plus the module's load address,
which the log gives on `LR is at f+0x3c/0x5c [crashlab]` + `lr : [<bf0004b4>]` lines."""
from __future__ import annotations

import glob
import os
import re
from collections import defaultdict

import pytest

from crashpipe import arch as archmod
from crashpipe.stackdump import parse_stack_text
from crashpipe.unwind import system_map_text, unwind_dump

DIR = os.environ.get("CRASHPIPE_ARMHF_OOPSES", "/work/shared/oopses/qemu-armhf")
LOGS = sorted(glob.glob(os.path.join(DIR, "console-*.log")))
MAPS = glob.glob(os.path.join(DIR, "System.map-*"))
KO = os.path.join(DIR, "crashlab.ko")
pytestmark = pytest.mark.skipif(not (LOGS and MAPS and os.path.exists(KO)), reason="armhf oopses not available")

TS = re.compile(r"^\[\s*\d+\.\d+\] ?")
FROM = re.compile(r"^\s*(\S+)(?: \[\w+\])? from ([\w.]+)\+0x([0-9a-f]+)/0x[0-9a-f]+(?: \[(\w+)\])?\s*$")
REG_AT = re.compile(r"^(PC|LR) is at ([\w.]+)\+0x([0-9a-f]+)/0x[0-9a-f]+ \[crashlab\]")
REG_VAL = re.compile(r"^pc : \[<([0-9a-f]+)>\]\s+lr : \[<([0-9a-f]+)>\]")


def _kernel_syms():
    by = defaultdict(set)
    with open(MAPS[0]) as f:
        for ln in f:
            p = ln.split()
            if len(p) == 3 and p[1] in "tTwW":
                by[p[2]].add(int(p[0], 16))
    return by


def _module_syms():
    from elftools.elf.elffile import ELFFile

    with open(KO, "rb") as f:
        elf = ELFFile(f)
        text_idx = next(i for i, s in enumerate(elf.iter_sections()) if s.name == ".text")
        syms = {}
        for s in elf.get_section_by_name(".symtab").iter_symbols():
            if s["st_info"]["type"] == "STT_FUNC" and s["st_shndx"] == text_idx:
                syms[s.name] = s["st_value"]
        return syms


def _reports(lines):
    """(stack text, printed return-address specs, (pc, lr)) per Stack: block."""
    out = []
    regs = None
    for i, ln in enumerate(lines):
        v = REG_VAL.match(ln)
        if v:
            regs = (int(v.group(1), 16), int(v.group(2), 16))
        if not ln.startswith("Stack: ("):
            continue
        j = i + 1
        while j < len(lines) and re.match(r"^[0-9a-f]{4}:", lines[j]):
            j += 1
        printed = []
        while j < len(lines) and FROM.match(lines[j]):
            m = FROM.match(lines[j])
            printed.append((m.group(2), int(m.group(3), 16), m.group(4)))
            j += 1
        out.append(("\n".join(lines[i:j]), printed, regs))
        regs = None
    return out


def _module_base(lines, msyms):
    at = None
    for ln in lines:
        m = REG_AT.match(ln)
        if m:
            at = m
            continue
        v = REG_VAL.match(ln)
        if v and at is not None:
            addr = int(v.group(1 if at.group(1) == "PC" else 2), 16)
            if at.group(2) in msyms:
                return addr - int(at.group(3), 16) - msyms[at.group(2)]
            at = None
    return None


@pytest.mark.parametrize("log", LOGS, ids=os.path.basename)
def test_scan_recovers_every_printed_return_address(log):
    ksyms, msyms = _kernel_syms(), _module_syms()
    with open(log, errors="replace") as f:
        lines = [TS.sub("", ln.rstrip("\n")) for ln in f]
    mbase = _module_base(lines, msyms)
    assert mbase is not None and 0xBF000000 <= mbase < 0xC0000000
    abi = archmod.get("arm")
    text = system_map_text(MAPS[0]) + list(abi.module_area)
    checked = 0
    reps = _reports(lines)
    assert len(reps) >= 10
    for stack_text, printed, regs in reps:
        p = parse_stack_text(stack_text, 4)
        assert p.base is not None and len(p.data) > 0 and not p.warnings
        assert regs is not None
        res = unwind_dump(abi, p.data, p.base, ip=regs[0], sp=p.base, lr=regs[1], text_ranges=text)
        found = [f.address for f in res.frames[1:]]
        assert all(f.method == "scan" for f in res.frames[2:])
        for func, off, mod in printed:
            if mod == "crashlab":
                want = {mbase + msyms[func] + off} if func in msyms else set()
            else:
                want = {a + off for a in ksyms.get(func, ())}
            assert want, f"cannot resolve printed frame {func}+{off:#x} [{mod}]"
            assert want & set(found), f"{func}+{off:#x} [{mod}] not recovered from the dump at {p.base:#x}"
            checked += 1
    assert checked >= 50


def test_pipeline_agreement_with_symbol_store(tmp_path):
    """parse -> unwind_reports with a store of the System.map and crashlab.ko: every
    report with a raw stack reproduces all of its printed frames (symbolic ones resolved
    through the store, the module base recovered from a frame printed both ways where
    the report has one; without it only the core-kernel frames count)."""
    parse = pytest.importorskip("crashpipe.parse")
    store_mod = pytest.importorskip("crashpipe.symbols.store")
    from crashpipe.unwind import module_bases, unwind_reports

    store = store_mod.SymbolStore.create(str(tmp_path / "store"))
    store.index([MAPS[0], KO])
    with open(LOGS[0], errors="replace") as f:
        reps = parse.parse_text(f.read(), LOGS[0])
    assert unwind_reports(reps, store) == []
    with_stack = [r for r in reps if any(s.what == "stack" for s in r.stacks)]
    assert len(with_stack) >= 10
    known = [r for r in with_stack if "crashlab" in module_bases(r, store)]
    assert len(known) >= len(with_stack) // 2
    assert all(module_bases(r, store)["crashlab"] >> 24 == 0xBF for r in known)
    for r in with_stack:
        assert r.unwind_agreement == 1.0, (r.source_line, r.title)
    assert all(r.unwind_agreement is None for r in reps if r not in with_stack)
