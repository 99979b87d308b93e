"""The pipeline's symbolize stage: fill every frame of a batch of reports from the
symbol store (interfaces.md: `symbolize_reports(reports, store)`).

Per report the build is chosen by kernel release; the KASLR slide and module load
bases come from the log (evidence.py).  Frames are resolved in one vectorized lookup
per symbol table across the whole batch:
* frames printed as `func+0x1f/0x30 [mod]` resolve `func` by name in the module's or
  vmlinux's table, plus the offset (no runtime address needed);
* frames with only a raw address are mapped to vmlinux (minus the slide) or to the
  module whose recovered load range contains them.
Return addresses (every frame but the crashing pc) are looked up at address - 1.
"""
from __future__ import annotations

import logging
from collections import defaultdict

import numpy as np

from crashpipe.model import ErrorRow, Frame, Report
from crashpipe.symbols.evidence import anchors, kernel_offset, vote
from crashpipe.symbols.resolver import Resolver
from crashpipe.symbols.store import SymbolStore
from crashpipe.symbols.table import SymbolTable

log = logging.getLogger(__name__)

_stores: dict[str, SymbolStore] = {}


def open_store(path: str) -> SymbolStore:
    """Once per process: workers map each table once and keep it."""
    s = _stores.get(path)
    if s is None:
        s = _stores[path] = SymbolStore.open(path)
    return s


class _Build:
    """The tables of one report's build, and how its runtime addresses map to them."""

    def __init__(self, store: SymbolStore, report: Report) -> None:
        self.store = store
        self.release = report.kernel_release
        self.kernel_key = store.kernel_key(self.release)
        self.kernel = store.table(self.kernel_key) if self.kernel_key else None
        self.slide: int | None = None
        self.module_delta: dict[str, int] = {}  # module -> runtime - table address
        self._recover(report)

    def module_table(self, name: str) -> tuple[str, SymbolTable] | tuple[None, None]:
        t = self.store.module(name, self.release)
        if t is None:
            return None, None
        return "module:" + t.meta["content_hash"] + ":" + name, t

    def _recover(self, report: Report) -> None:
        kdeltas: list[int] = []
        mdeltas: dict[str, list[int]] = defaultdict(list)
        for a in anchors(report):
            if a.module is None:
                if self.kernel is not None:
                    s = self.kernel.symbol_address(a.symbol)
                    if s is not None:
                        kdeltas.append((a.address - s - a.offset) % (1 << 64))
            else:
                _, t = self.module_table(a.module)
                if t is not None:
                    s = t.symbol_address(a.symbol)
                    if s is not None:
                        mdeltas[a.module].append((a.address - s - a.offset) % (1 << 64))
        off = kernel_offset(report)
        # None = unknown: raw kernel addresses are then read as unslid (nokaslr,
        # 32-bit arm), but symbolic frames get no runtime address.
        self.slide = vote(kdeltas)
        if self.slide is None:
            self.slide = off
        for name, base in report.module_bases.items():
            _, t = self.module_table(name)
            if t is not None and t.section_base(".text") is not None:
                mdeltas[name].insert(0, (base - t.section_base(".text")) % (1 << 64))
        for name, ds in mdeltas.items():
            d = vote(ds)
            if d is not None:
                self.module_delta[name] = d
        # Last resort for modules the log does not place: an indexed kallsyms dump of
        # this release (right when it was taken on the crashing boot).
        for name in {f.module for f in report.frames if f.module} - set(self.module_delta):
            d = self._kallsyms_delta(name)
            if d is not None:
                self.module_delta[name] = d

    def _kallsyms_delta(self, name: str) -> int | None:
        ks = self.store.kallsyms_module(name, self.release)
        _, t = self.module_table(name)
        if ks is None or t is None:
            return None
        names = ks.names.to_list()
        deltas = []
        for i, addr in zip(np.asarray(ks.sym_name).tolist()[:64], np.asarray(ks.sym_addr).tolist()[:64]):
            local = t.symbol_address(names[i])
            if local is not None:
                deltas.append((addr - local) % (1 << 64))
        return vote(deltas)

    def place(self, address: int) -> tuple[str | None, SymbolTable | None, int, str | None]:
        """Which table holds a runtime address, and the address in that table."""
        for name, d in self.module_delta.items():
            key, t = self.module_table(name)
            if t is None:
                continue
            local = (address - d) % (1 << 64)
            if any(lo <= local < hi for lo, hi in t.text_ranges()):
                return key, t, local, name
        if self.kernel is not None:
            local = (address - (self.slide or 0)) % (1 << 64)
            ranges = self.kernel.text_ranges()
            if not ranges or any(lo <= local < hi for lo, hi in ranges):
                return "kernel:" + self.kernel_key, self.kernel, local, None
        return None, None, 0, None


def _is_pc(frames: list[Frame], i: int, first: int | None, pc: int | None = None) -> bool:
    f = frames[i]
    if i == first or f.offset == 0:
        return True
    # The unwinder's frame 0 repeats the crashing pc by address only.
    if pc is not None and f.address == pc:
        return True
    if first is not None:
        p = frames[first]
        return f.symbol is not None and (f.symbol, f.offset, f.module) == (p.symbol, p.offset, p.module)
    return False


def symbolize_reports(reports: list[Report], store: str | None) -> list[ErrorRow]:
    if not store or not reports:
        return []
    try:
        st = open_store(store)
    except Exception as e:  # noqa: BLE001 - a missing store is a per-batch error row
        return [ErrorRow(reports[0].source, None, "symbolize", "store-unavailable", f"{store}: {e}")]
    errors: list[ErrorRow] = []
    # (table key) -> queries [(report index, frame, local, runtime, is_return, module)]
    queries: dict[str, list[tuple[int, Frame, int, int | None, bool, str | None]]] = defaultdict(list)
    tables: dict[str, SymbolTable] = {}
    for ri, rep in enumerate(reports):
        try:
            build = _Build(st, rep)
            _plan(rep, ri, build, queries, tables)
        except Exception as e:  # noqa: BLE001 - one bad report never stops the batch
            log.warning("%s:%s: symbolize failed: %s", rep.source, rep.source_line, e)
            errors.append(ErrorRow(rep.source, rep.source_line, "symbolize", "symbolize-error", f"{type(e).__name__}: {e}"))
    inserts: dict[int, dict[int, list[Frame]]] = defaultdict(dict)
    for key, qs in queries.items():
        t = tables[key]
        local = np.array([q[2] for q in qs], dtype=np.uint64)
        runtime = np.array([q[3] if q[3] is not None else q[2] for q in qs], dtype=np.uint64)
        ret = np.array([q[4] for q in qs], dtype=bool)
        results = Resolver(t, 0, None).frames_for(runtime, local, ret)
        for (ri, f, _loc, rt, _r, module), res in zip(qs, results):
            p = res[-1]
            if p.skipped_reason:
                continue
            if f.symbol is None:
                f.symbol, f.offset, f.size = p.symbol, p.offset, p.size
            elif f.size is None and p.symbol == f.symbol:
                f.size = p.size
            if f.address is None and rt is not None:
                f.address = rt
            if module and not f.module:
                f.module = module
            f.file, f.line = p.file, p.line
            if len(res) > 1:
                inserts[ri][id(f)] = [
                    Frame(address=f.address, symbol=g.symbol, module=f.module, file=g.file, line=g.line, inlined=True,
                          reliable=f.reliable, method=f.method, context=f.context)
                    for g in res[:-1]
                ]
    for ri, ins in inserts.items():
        rep = reports[ri]
        out: list[Frame] = []
        for f in rep.frames:
            out.extend(ins.get(id(f), ()))
            out.append(f)
        rep.frames = out
    for rep in reports:
        for k, f in enumerate(rep.frames):
            f.frame_no = k
    return errors


def _plan(rep: Report, ri: int, build: _Build, queries: dict, tables: dict) -> None:
    frames = rep.frames
    first = next((i for i, f in enumerate(frames) if not f.inlined), None)
    pc = rep.registers.get("pc")
    for i, f in enumerate(frames):
        if f.inlined or f.file is not None or (i > 0 and frames[i - 1].inlined):
            continue  # inlined frames, or already symbolized (the unwinder's --elf)
        is_ret = not _is_pc(frames, i, first, pc)
        if f.symbol and f.offset is not None:
            if f.module:
                key, t = build.module_table(f.module)
                delta = build.module_delta.get(f.module)
            else:
                key, t = ("kernel:" + build.kernel_key, build.kernel) if build.kernel is not None else (None, None)
                delta = build.slide
            if t is None:
                continue
            s = t.symbol_address(f.symbol)
            if s is None:
                continue
            local = s + f.offset
            runtime = (local + delta) % (1 << 64) if delta is not None else None
            tables[key] = t
            queries[key].append((ri, f, local, runtime, is_ret, None))
        elif f.address is not None:
            key, t, local, module = build.place(f.address)
            if t is None:
                continue
            tables[key] = t
            queries[key].append((ri, f, local, f.address, is_ret, module))
