"""symbolize_reports on the real Debian oopses (../shared/oopses): module frames'
file:line against addr2line on crashlab.ko, KASLR boots equal to nokaslr boots, and
module load bases recovered from the log equal to the ones /proc/kallsyms gave (the
`crashlab-run: module crashlab .text` marker the test harness printed)."""
from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from crashpipe.model import Frame, Report
from crashpipe.symbols import SymbolStore, symbolize_reports
from crashpipe.symbols.names import normalize_symbol

from symbols_oracle import ADDR2LINE, addr2line

OOPSES = os.environ.get("CRASHPIPE_OOPSES", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "oopses"))
pytestmark = pytest.mark.skipif(not os.path.isdir(OOPSES), reason="shared oopses not present")

_TS = re.compile(r"^\[\s*\d+\.\d+\] ")
_SYMOFF = re.compile(r"^(\S+)\+0x([0-9a-f]+)/0x([0-9a-f]+)(?: \[(\S+)\])?$")
_MARK = re.compile(r"crashlab-run: module crashlab \.text 0x([0-9a-f]+)")


def _folder(arch: str) -> str:
    return os.path.join(OOPSES, f"qemu-{arch}")


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    out = {}
    for d in sorted(glob.glob(os.path.join(OOPSES, "qemu-*"))):
        root = str(tmp_path_factory.mktemp(os.path.basename(d)))
        SymbolStore.create(root).index(sorted(glob.glob(os.path.join(d, "System.map-*"))) + [os.path.join(d, "crashlab.ko")])
        out[os.path.basename(d)[5:]] = root
    return out


def _reports(arch: str, boot: str) -> tuple[list[Report], list[dict], int | None]:
    """Reports built from what the kernel printed (ground_truth's kernel_printed) with
    the report's log lines as text, as the parser hands them on."""
    d = _folder(arch)
    truths = [json.loads(x) for x in open(os.path.join(d, "ground_truth.jsonl"))]
    truths = [t for t in truths if t["status"] == "captured" and t["boot"] == boot]
    lines = open(os.path.join(d, f"console-{boot}.log"), errors="replace").read().splitlines()
    base = next((int(m.group(1), 16) for ln in lines for m in [_MARK.search(ln)] if m), None)
    reps = []
    for t in truths:
        kp = t["kernel_printed"]
        text = "\n".join(_TS.sub("", ln) for ln in lines[t["line_start"] - 1:t["line_end"]])
        frames = []
        m = _SYMOFF.match(kp.get("pc") or "")
        if m:
            frames.append(Frame(symbol=m.group(1), offset=int(m.group(2), 16), size=int(m.group(3), 16), module=m.group(4), method="regs"))
        for e in kp["trace"]:
            if "sym" in e and e.get("off"):
                frames.append(Frame(symbol=e["sym"], offset=int(e["off"], 16), size=int(e["size"], 16), module=e["module"], reliable=e["reliable"]))
        reps.append(Report(source=t["log"], source_line=t["line_start"], kernel_release=t["kernel_release"], text=text, frames=frames))
    return reps, truths, base


def _nm(ko: str) -> dict[str, int]:
    out = subprocess.run(["nm", ko], capture_output=True, text=True, check=True).stdout
    return {p[2]: int(p[0], 16) for p in (x.split() for x in out.splitlines()) if len(p) == 3 and p[1] in "tT"}


BFD_TARGET = {"x86_64": "elf64-x86-64", "i386": "elf32-i386", "armhf": "elf32-littlearm", "arm64": "elf64-littleaarch64"}


def _addr2line_supports(arch: str) -> bool:
    """A single-target binutils (without binutils-multiarch) reads a foreign .ko with
    the generic ELF backend, which cannot apply its DWARF relocations: wrong
    functions on armhf, `crashlab.c:?` on arm64.  Such an addr2line is no oracle."""
    if ADDR2LINE is None:
        return False
    out = subprocess.run([ADDR2LINE, "--help"], capture_output=True, text=True).stdout
    return BFD_TARGET[arch] in out.split()


@pytest.mark.parametrize("arch", ["x86_64", "i386", "armhf", "arm64"])
@pytest.mark.parametrize("boot", ["raw", "kaslr"])
def test_module_frames_match_addr2line(stores, arch, boot):
    if not _addr2line_supports(arch):
        pytest.skip(f"addr2line cannot read {arch} objects (install binutils-multiarch)")
    reps, _, _ = _reports(arch, boot)
    symbolize_reports(reps, stores[arch])
    ko = os.path.join(_folder(arch), "crashlab.ko")
    funcs = _nm(ko)
    checks = []
    for rep in reps:
        phys = [f for f in rep.frames if not f.inlined]
        pending: list[Frame] = []
        for f in rep.frames:
            if f.inlined:
                pending.append(f)
                continue
            if f.module == "crashlab" and f.symbol in funcs:
                is_pc = f is phys[0] or (f.symbol, f.offset) == (phys[0].symbol, phys[0].offset)
                addr = funcs[f.symbol] + f.offset - (0 if is_pc or f.offset == 0 else 1)
                checks.append((addr, pending + [f]))
            pending = []
    assert len(checks) > 30
    truth = addr2line(ko, [a for a, _ in checks], ".text")
    for (addr, chain), want in zip(checks, truth):
        got = [(normalize_symbol(f.symbol) if not f.inlined else f.symbol, os.path.basename(f.file or "??"), f.line) for f in chain]
        exp = [(fn, os.path.basename(fl or "??"), ln) for fn, fl, ln in want]
        assert got == exp, hex(addr)


@pytest.mark.skipif(shutil.which("llvm-symbolizer") is None, reason="llvm-symbolizer missing")
@pytest.mark.parametrize("arch", ["armhf", "arm64"])
def test_arm_module_frames_match_llvm_symbolizer(stores, arch):
    """A second, independent oracle for the ARM modules (gdb shares binutils' BFD).
    llvm-symbolizer's `--obj` addresses of a .ko are offsets in the first code
    section, .text here; for the physical frame's
    name it may pick a symbol of another section (all sit at 0 in a .ko), so that
    name is not compared."""
    checks = []
    ko = os.path.join(_folder(arch), "crashlab.ko")
    funcs = _nm(ko)
    for boot in ("raw", "kaslr"):
        reps, _, _ = _reports(arch, boot)
        symbolize_reports(reps, stores[arch])
        for rep in reps:
            phys = [f for f in rep.frames if not f.inlined]
            pending: list[Frame] = []
            for f in rep.frames:
                if f.inlined:
                    pending.append(f)
                    continue
                if f.module == "crashlab" and f.symbol in funcs and f.line:
                    is_pc = f is phys[0] or (f.symbol, f.offset) == (phys[0].symbol, phys[0].offset)
                    checks.append((funcs[f.symbol] + f.offset - (0 if is_pc or f.offset == 0 else 1), pending + [f]))
                pending = []
    assert len(checks) > 30
    out = subprocess.run(["llvm-symbolizer", f"--obj={ko}"] + [hex(a) for a, _ in checks],
                         capture_output=True, text=True, check=True).stdout
    for (addr, chain), block in zip(checks, out.strip().split("\n\n")):
        ls = block.splitlines()
        want = [(ls[i], os.path.basename(ls[i + 1].split(":")[0]), int(ls[i + 1].split(":")[1])) for i in range(0, len(ls), 2)]
        got = [(normalize_symbol(f.symbol), os.path.basename(f.file), f.line) for f in chain]
        assert [g[1:] for g in got] == [w[1:] for w in want], hex(addr)
        assert [g[0] for g in got[:-1]] == [w[0] for w in want[:-1]], hex(addr)


@pytest.mark.parametrize("arch", ["x86_64", "i386", "armhf", "arm64"])
def test_kaslr_boot_symbolizes_like_nokaslr(stores, arch):
    raw, traw, _ = _reports(arch, "raw")
    kas, tkas, _ = _reports(arch, "kaslr")
    symbolize_reports(raw, stores[arch])
    symbolize_reports(kas, stores[arch])
    by_bucket = {t["bucket"]: r for t, r in zip(traw, raw)}
    compared = 0
    for t, r in zip(tkas, kas):
        other = by_bucket.get(t["bucket"])
        if other is None:
            continue
        a = [(f.symbol, f.file, f.line, f.inlined) for f in r.frames if f.module == "crashlab"]
        b = [(f.symbol, f.file, f.line, f.inlined) for f in other.frames if f.module == "crashlab"]
        if [x[0] for x in a if not x[3]] == [x[0] for x in b if not x[3]]:
            assert a == b
            assert any(x[2] for x in a)
            compared += 1
    assert compared >= 3


def test_armhf_module_base_from_pc_and_lr_lines(stores):
    """armhf prints `pc : [<bf0004b4>]` beside `PC is at f+0x3c/0x5c [crashlab]`: the
    module's .text load address follows, and raw module addresses resolve."""
    for boot in ("raw", "kaslr"):
        reps, _, base = _reports("armhf", boot)
        assert base is not None
        store = SymbolStore.open(stores["armhf"])
        t = store.module("crashlab", reps[0].kernel_release)
        from crashpipe.symbols.symbolize import _Build

        found = 0
        for rep in reps:
            b = _Build(store, rep)
            if "crashlab" in b.module_delta:
                assert b.module_delta["crashlab"] + t.section_base(".text") == base
                found += 1
        assert found >= 3
        # A frame given only as a raw runtime address inside the module.
        rep = next(r for r in reps if "crashlab" in _Build(store, r).module_delta)
        addr = base + t.symbol_address("cl_trigger") - t.section_base(".text") + 8
        rep.frames.append(Frame(address=addr, method="scan", reliable=False))
        symbolize_reports([rep], stores["armhf"])
        f = [f for f in rep.frames if f.address == addr and not f.inlined][0]
        assert (f.symbol, f.offset, f.module) == ("cl_trigger", 8, "crashlab")
        assert f.file.endswith("crashlab.c") and f.line


def test_kernel_slide_from_kernel_offset_line(stores):
    reps, truths, _ = _reports("x86_64", "kaslr")
    text = open(os.path.join(_folder("x86_64"), "console-kaslr.log"), errors="replace").read()
    m = re.search(r"kernel _text (?:0x)?([0-9a-f]+)", text)
    assert m
    store = SymbolStore.open(stores["x86_64"])
    k = store.kernel(reps[0].kernel_release)
    slide = int(m.group(1), 16) - k.symbol_address("_text")
    rep = Report(source="t", kernel_release=reps[0].kernel_release,
                 text=f"Kernel Offset: {slide:#x} from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)",
                 frames=[Frame(symbol="vfs_write", offset=0x10, size=0x3f0, method="regs")])
    symbolize_reports([rep], stores["x86_64"])
    assert rep.frames[0].address == k.symbol_address("vfs_write") + 0x10 + slide


def test_module_base_from_kallsyms_dump(stores, tmp_path):
    """x86 traces print no raw module addresses; a kallsyms dump of the boot places the
    module, so symbolic frames get runtime addresses and raw ones resolve."""
    reps, _, base = _reports("x86_64", "raw")
    store = SymbolStore.open(stores["x86_64"])
    t = store.module("crashlab", reps[0].kernel_release)
    tb = t.section_base(".text")
    dump = tmp_path / "kallsyms"
    lines = ["ffffffff81000000 T _text"]
    for name in ("cl_trigger", "cl_dispatch", "crashlab_write"):
        lines.append(f"{base + t.symbol_address(name) - tb:016x} t {name}\t[crashlab]")
    dump.write_text("\n".join(lines) + "\n")
    root = str(tmp_path / "store")
    SymbolStore.create(root).index(sorted(glob.glob(os.path.join(_folder("x86_64"), "System.map-*")))
                                   + [os.path.join(_folder("x86_64"), "crashlab.ko")])
    SymbolStore.open(root).index([str(dump)], release=reps[0].kernel_release)
    rep = reps[0]
    rep.frames.append(Frame(address=base + t.symbol_address("cl_dispatch") - tb + 4, method="scan", reliable=False))
    symbolize_reports([rep], root)
    mod = [f for f in rep.frames if f.module == "crashlab" and not f.inlined]
    assert all(f.address is not None for f in mod)
    f = next(f for f in mod if f.method == "scan")
    assert (f.symbol, f.offset) == ("cl_dispatch", 4) and f.line


@pytest.mark.parametrize("arch", ["x86_64", "i386", "armhf", "arm64"])
def test_names_and_sizes_are_what_the_kernel_printed(stores, arch):
    """Every `func+off/size [mod]` the kernel printed, looked up at its address in our
    tables, gives back the same name (kallsyms' alias choice) and size (distance to
    the next symbol, not st_size)."""
    from crashpipe.symbols.resolver import Resolver

    store = SymbolStore.open(stores[arch])
    seen = {}
    for t in (json.loads(x) for x in open(os.path.join(_folder(arch), "ground_truth.jsonl"))):
        for e in t.get("kernel_printed", {}).get("trace", []) if t["status"] == "captured" else []:
            if e.get("sym") and e.get("size"):
                seen[(e["sym"], e["module"])] = (int(e["size"], 16), t["kernel_release"])
    assert len(seen) > 30
    for (name, mod), (size, release) in sorted(seen.items(), key=str):
        table = store.module(mod, release) if mod else store.kernel(release)
        addr = table.symbol_address(name)
        f = Resolver(table).lookup(np.array([addr], np.uint64))[0][-1]
        assert (f.symbol, f.size) == (name, size)
