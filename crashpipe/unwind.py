"""Unwind driver: turns dumps + registers + text ranges into `Frame` lists.

Two entry points:
* `unwind_dump(...)` -> `UnwindResult` for one dump (the `crashpipe unwind` command);
* `unwind_reports(reports, symbols=None)` for the pipeline (interfaces.md): every
  report carrying raw `stacks` is re-unwound, its frames appended after the printed
  `trace` frames, and `unwind_agreement` set (rule in `unwind_agreement`).

Batches go to `walk_batch` of the Cython extension (`crashpipe._unwind`), or its twin
`crashpipe.unwind_py` when the extension is missing; CRASHPIPE_UNWIND_IMPL=py|debug|c
forces one (debug = the always-bounds-checked build).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from crashpipe import arch as archmod
from crashpipe.arch import Abi
from crashpipe.model import METHODS, ErrorRow, Frame, Report, StackDump
from crashpipe.stackdump import FLAG_FP, FLAG_IP, FLAG_LR, FLAG_SP

DEFAULT_MAX_FRAMES = 256  # per dump, regs + fp + scan (drgn caps at 1024 fp frames)
DEFAULT_ARGS = 3


def kernel(impl: str | None = None):
    """The `walk_batch` implementation: c (default), debug or py."""
    impl = impl or os.environ.get("CRASHPIPE_UNWIND_IMPL", "c")
    if impl == "py":
        from crashpipe import unwind_py
        return unwind_py.walk_batch
    try:
        if impl == "debug":
            from crashpipe import _unwind_debug as m
        else:
            from crashpipe import _unwind as m
        if m.abi_version() >= 1:
            return m.walk_batch
    except ImportError:
        pass
    from crashpipe import unwind_py
    return unwind_py.walk_batch


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted, disjoint [lo, hi) arrays from any list of ranges (empty ones dropped)."""
    rs = sorted((int(a), int(b)) for a, b in ranges if 0 <= a < b <= 1 << 64)
    lo: list[int] = []
    hi: list[int] = []
    for a, b in rs:
        b = min(b, (1 << 64) - 1)
        if lo and a <= hi[-1]:
            hi[-1] = max(hi[-1], b)
        else:
            lo.append(a)
            hi.append(b)
    return np.array(lo, dtype=np.uint64), np.array(hi, dtype=np.uint64)


@dataclass
class Batch:
    """Columnar input of walk_batch (what the container holds)."""
    data: np.ndarray  # uint8, all stacks back to back
    offsets: np.ndarray  # int64, n+1
    abi_ids: np.ndarray  # uint8
    base: np.ndarray
    ip: np.ndarray
    sp: np.ndarray
    fp: np.ndarray
    lr: np.ndarray
    flags: np.ndarray  # uint8
    text_set: np.ndarray  # int32, index into the text sets (-1: none)

    def __len__(self) -> int:
        return len(self.offsets) - 1


@dataclass
class BatchResult:
    addr: np.ndarray
    slot: np.ndarray
    ffp: np.ndarray  # the frame's own frame pointer (for args), 0 when unknown
    method: np.ndarray
    reliable: np.ndarray
    start: np.ndarray
    count: np.ndarray
    stop: np.ndarray
    stop_fp: np.ndarray


def walk(batch: Batch, text_sets: Sequence[tuple[np.ndarray, np.ndarray]], max_frames: int = DEFAULT_MAX_FRAMES,
         scan: bool = True, impl: str | None = None, chunk_frames: int = 1 << 22) -> BatchResult:
    """Walk every dump of `batch`; output arrays grow in chunks of `chunk_frames`."""
    fn = kernel(impl)
    n = len(batch)
    lo = np.concatenate([t[0] for t in text_sets]) if text_sets else np.zeros(0, np.uint64)
    hi = np.concatenate([t[1] for t in text_sets]) if text_sets else np.zeros(0, np.uint64)
    toff = np.zeros(len(text_sets) + 1, dtype=np.int64)
    toff[1:] = np.cumsum([len(t[0]) for t in text_sets]) if text_sets else []
    abi = archmod.abi_table()
    start = np.zeros(n, np.int64)
    count = np.zeros(n, np.int64)
    stop = np.zeros(n, np.uint8)
    stop_fp = np.zeros(n, np.uint64)
    cap = max(max_frames, min(chunk_frames, max(n, 1) * max_frames))
    parts = []
    i = 0
    while True:
        out = [np.zeros(cap, np.uint64), np.zeros(cap, np.uint64), np.zeros(cap, np.uint64),
               np.zeros(cap, np.uint8), np.zeros(cap, np.uint8)]
        j, pos = fn(batch.data, batch.offsets, batch.abi_ids, batch.base, batch.ip, batch.sp, batch.fp, batch.lr,
                    batch.flags, abi, lo, hi, toff, batch.text_set, i, n, 0, max_frames, scan,
                    *out, start, count, stop, stop_fp)
        parts.append((i, j, [a[:pos] for a in out]))
        if j >= n:
            break
        i = j
    if len(parts) == 1:
        cols = parts[0][2]
    else:
        shift = 0
        for a, b, cols_ in parts:
            start[a:b] += shift
            shift += len(cols_[0])
        cols = [np.concatenate([p[2][k] for p in parts]) for k in range(5)]
    return BatchResult(*cols, start, count, stop, stop_fp)


@dataclass
class UnwindResult:
    abi: Abi
    frames: list[Frame]
    slots: list[int | None]  # stack address each frame was read from (None: a register)
    stop_reason: str
    stop_fp: int
    base: int
    end: int
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"arch": self.abi.arch, "frames": [f.to_dict() for f in self.frames]}


def _word(data: bytes, base: int, addr: int, ws: int, little: bool) -> int | None:
    o = addr - base
    if o < 0 or o + ws > len(data):
        return None
    return int.from_bytes(data[o:o + ws], "little" if little else "big")


def frames_from_result(res: BatchResult, i: int, abi: Abi, data: bytes, base: int, n_args: int = DEFAULT_ARGS,
                       context: str = "task") -> tuple[list[Frame], list[int | None]]:
    s, c = int(res.start[i]), int(res.count[i])
    frames: list[Frame] = []
    slots: list[int | None] = []
    for k in range(s, s + c):
        method = METHODS[int(res.method[k])]
        rel = bool(res.reliable[k])
        args = None
        ffp = int(res.ffp[k])
        if abi.args_offset is not None and rel and ffp and n_args > 0:
            words = [_word(data, base, ffp + abi.args_offset + j * abi.word_size, abi.word_size, abi.little_endian)
                     for j in range(n_args)]
            words = [w for w in words if w is not None]  # stop at the dump's end
            args = words or None
        slot = int(res.slot[k])
        frames.append(Frame(frame_no=len(frames), address=int(res.addr[k]), reliable=rel, method=method,
                            context=context, args=args))
        slots.append(slot if method in ("fp", "scan") else None)
    return frames, slots


class CodeMemory:
    """Executable bytes of ELF files (PT_LOAD segments with PF_X), by address."""

    def __init__(self) -> None:
        self.segments: list[tuple[int, bytes]] = []

    def add_elf(self, path: str, bias: int = 0) -> None:
        from elftools.common.exceptions import ELFError
        from elftools.elf.elffile import ELFFile

        try:
            with open(path, "rb") as f:
                elf = ELFFile(f)
                for seg in elf.iter_segments():
                    if seg["p_type"] == "PT_LOAD" and seg["p_flags"] & 1 and seg["p_filesz"]:
                        self.segments.append((seg["p_vaddr"] + bias, seg.data()))
        except ELFError as e:
            raise ValueError(f"{path}: not an ELF file ({e})")

    def read(self, addr: int, n: int) -> bytes | None:
        for start, data in self.segments:
            if start <= addr and addr + n <= start + len(data):
                return data[addr - start: addr - start + n]
        return None


def follows_call(abi: Abi, code: CodeMemory, ra: int) -> bool | None:
    """Whether the instruction before `ra` is a call (abi.call_sites); None when the
    bytes are not known."""
    known = False
    for back, size, mask, value in abi.call_sites:
        b = code.read(ra - back, size)
        if b is None:
            continue
        known = True
        if int.from_bytes(b, "little" if abi.little_endian else "big") & mask == value:
            return True
    return False if known else None


def check_call_sites(res: "UnwindResult", code: CodeMemory) -> None:
    """A reliable frame (after frame 0) whose return address does not follow a call
    instruction is not a return address: it and the rest of its chain become
    unreliable (the frames stay, like the kernel's `?` lines)."""
    if not res.abi.call_sites:
        return
    for k, f in enumerate(res.frames):
        if k == 0 and f.method == "regs" or not f.reliable or f.inlined or f.address is None:
            continue
        if follows_call(res.abi, code, f.address) is False:
            for g in res.frames[k:]:
                g.reliable = False
            res.notes.append(f"{f.address:#x} does not follow a call instruction: frames from there on are unreliable")
            return


def unwind_dump(abi: Abi, data: bytes, base: int, ip: int | None = None, sp: int | None = None,
                fp: int | None = None, lr: int | None = None, text_ranges: Sequence[tuple[int, int]] = (),
                n_args: int = DEFAULT_ARGS, max_frames: int = DEFAULT_MAX_FRAMES, scan: bool = True,
                impl: str | None = None, code: CodeMemory | None = None) -> UnwindResult:
    """Unwind one dump.  Without text ranges, return addresses are not validated and
    nothing is scanned; with `code`, reliable return addresses must follow a call."""
    mask = (1 << (8 * abi.word_size)) - 1
    base &= (1 << 64) - 1
    data = bytes(data[: max(0, min(len(data), ((1 << 64) - 1) - base))])  # base + length fits in 64 bits
    flags = 0
    vals = []
    for v, f in ((ip, FLAG_IP), (sp, FLAG_SP), (fp, FLAG_FP), (lr, FLAG_LR)):
        if v is not None:
            flags |= f
        vals.append(np.array([(v or 0) & mask], np.uint64))
    if sp is None:
        vals[1][0] = base
        flags |= FLAG_SP
    text_sets = [merge_ranges(text_ranges)] if text_ranges else []
    batch = Batch(np.frombuffer(data, np.uint8), np.array([0, len(data)], np.int64), np.array([abi.abi_id], np.uint8),
                  np.array([base], np.uint64), *vals, np.array([flags], np.uint8),
                  np.array([0 if text_sets else -1], np.int32))
    res = walk(batch, text_sets, max_frames=max_frames, scan=scan, impl=impl)
    frames, slots = frames_from_result(res, 0, abi, data, base, n_args)
    from crashpipe.unwind_py import STOP_NAMES
    r = UnwindResult(abi, frames, slots, STOP_NAMES[int(res.stop[0])], int(res.stop_fp[0]), base, base + len(data))
    if code is not None:
        check_call_sites(r, code)
    if abi.note and any(f.args for f in frames):
        r.notes.append(abi.note)
    return r


def system_map_text(path: str) -> list[tuple[int, int]]:
    """Code ranges of a System.map: _stext/_text.._etext and _sinittext.._einittext,
    or, without those markers, the span of its text (t/T/w/W) symbols."""
    from crashpipe.symbols.sysmap import read_map

    syms = read_map(path)
    wanted = ("_stext", "_text", "_etext", "_sinittext", "_einittext")
    marks = {n: a for a, n in zip(syms.addr, syms.names) if n in wanted}
    text_addrs = [a for a, t in zip(syms.addr, syms.text) if t]
    lo, hi = (min(text_addrs), max(text_addrs)) if text_addrs else (None, None)
    out = []
    start = marks.get("_stext", marks.get("_text"))
    if start is not None and marks.get("_etext", 0) > start:
        out.append((start, marks["_etext"]))
    if marks.get("_einittext", 0) > marks.get("_sinittext", 1 << 64):
        out.append((marks["_sinittext"], marks["_einittext"]))
    if not out and lo is not None:
        out.append((lo, hi + 1))
    return out


class _SectionTexts:
    """Text ranges from ELF section headers (SHF_EXECINSTR), used when the symbol
    engine is unavailable; names then stay unknown."""

    def __init__(self, path: str, bias: int):
        from elftools.elf.elffile import ELFFile
        from elftools.common.exceptions import ELFError

        self.ranges = []
        try:
            with open(path, "rb") as f:
                for sec in ELFFile(f).iter_sections():
                    if sec["sh_flags"] & 0x4 and sec["sh_addr"] and sec["sh_size"]:
                        self.ranges.append((sec["sh_addr"] + bias, sec["sh_addr"] + sec["sh_size"] + bias))
        except ELFError as e:
            raise ValueError(f"{path}: not an ELF file ({e})")

    def text_ranges(self) -> list[tuple[int, int]]:
        return list(self.ranges)


def open_elf_resolver(path: str, load_bias: int = 0):
    """The symbol engine's Resolver for `path`, or, when that engine is missing or
    fails on this file, text ranges from the section headers alone (names unknown)."""
    try:
        from crashpipe.symbols import open_elf
    except ImportError:
        return _SectionTexts(path, load_bias)
    try:
        return open_elf(path, load_bias)
    except OSError:
        raise
    except Exception as e:  # noqa: BLE001 - a damaged ELF still has section headers, maybe
        import logging

        logging.getLogger(__name__).warning("%s: symbols unavailable (%s); text ranges from section headers", path, e)
        return _SectionTexts(path, load_bias)


def symbolize_frames(frames: list[Frame], resolvers: Sequence[Any]) -> list[Frame]:
    """Names, file:line and inlined frames from the first resolver that knows an
    address; inlined frames go before their physical frame, innermost first."""
    if not frames:
        return frames
    addrs = np.array([f.address or 0 for f in frames], np.uint64)
    is_ret = np.array([not (f.method == "regs" and f.frame_no == 0 and f.reliable) for f in frames], bool)
    found: list[list[Frame] | None] = [None] * len(frames)
    for r in resolvers:
        if not hasattr(r, "lookup"):
            continue
        todo = [k for k, x in enumerate(found) if x is None]
        if not todo:
            break
        got = r.lookup(addrs[todo], is_ret[todo])
        for k, fl in zip(todo, got):
            if fl and fl[-1].symbol:
                found[k] = fl
    out: list[Frame] = []
    for f, fl in zip(frames, found):
        if fl:
            for g in fl[:-1]:
                out.append(Frame(address=f.address, symbol=g.symbol, offset=g.offset, size=g.size, module=g.module,
                                 file=g.file, line=g.line, inlined=True, reliable=f.reliable, method=f.method,
                                 context=f.context))
            p = fl[-1]
            f.symbol, f.offset, f.size, f.module, f.file, f.line = p.symbol, p.offset, p.size, p.module, p.file, p.line
        out.append(f)
    for k, f in enumerate(out):
        f.frame_no = k
    return out


def format_backtrace(res: UnwindResult) -> str:
    """Kernel-style text: reliable frames, the fp chain's end, then `?` scan frames."""
    ws = res.abi.word_size
    hx = (lambda v: f"{v:0{2 * ws}x}")
    lines = [f"Call Trace ({res.abi.arch}, frame layout {res.abi.layout}, stack {hx(res.base)}-{hx(res.end)}):"]

    def one(f: Frame, slot: int | None) -> str:
        name = ""
        if f.symbol:
            name = f.symbol + (f"+{f.offset:#x}" if f.offset is not None else "") + (f"/{f.size:#x}" if f.size else "")
            if f.module:
                name += f" [{f.module}]"
            if f.file:
                name += f" ({f.file}:{f.line})" if f.line else f" ({f.file})"
        mark = "  " if f.reliable else " ?"
        inl = " (inlined)" if f.inlined else ""
        where = f" at {hx(slot)}" if slot is not None and not f.inlined else ""
        s = f"{mark} [<{hx(f.address or 0)}>] {name}{inl}  [{f.method}{where}]"
        if f.args:
            s += "  args: " + " ".join(hx(a) for a in f.args)
        return s.rstrip()

    slots = iter(res.slots)
    slot_of = []
    for f in res.frames:
        slot_of.append(None if f.inlined else next(slots, None))
    rel = [(f, s) for f, s in zip(res.frames, slot_of) if f.reliable]
    unrel = [(f, s) for f, s in zip(res.frames, slot_of) if not f.reliable]
    lines += [one(f, s) for f, s in rel]
    if res.stop_reason == "record_outside_dump":
        lines.append(f"  -- frame-pointer chain leaves the dump at {hx(res.stop_fp)} --")
    elif res.stop_reason != "no_fp":
        lines.append(f"  -- frame-pointer chain ends: {res.stop_reason.replace('_', ' ')} at {hx(res.stop_fp)} --")
    lines += [one(f, s) for f, s in unrel]
    for n in res.notes:
        lines.append(f"note: {n}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Pipeline stage

_REG_KEYS = (("pc", FLAG_IP), ("sp", FLAG_SP), ("fp", FLAG_FP), ("lr", FLAG_LR))


def _open_store(symbols: Any):
    if symbols is None or hasattr(symbols, "kernel"):
        return symbols
    try:
        from crashpipe.symbols.store import SymbolStore

        return SymbolStore.open(str(symbols))
    except Exception:  # noqa: BLE001 - no store: fall back to the conservative ranges
        return None


def _kernel_table(store: Any, report: Report):
    if store is None:
        return None
    try:
        return store.kernel(report.kernel_release)
    except Exception:  # noqa: BLE001
        return None


def report_text_ranges(report: Report, abi: Abi, store: Any = None) -> list[tuple[int, int]]:
    """Code ranges for a kernel report: the core kernel's text from the symbol store
    (moved by the KASLR offset the log printed) plus the arch's module area; without a
    store, the arch's conservative kernel-text ranges (crashpipe.arch rows)."""
    tab = _kernel_table(store, report)
    if tab is not None:
        tr = tab.text_ranges()
        if tr:
            off = report.kaslr_offset or 0
            return [(a + off, b + off) for a, b in tr] + list(abi.module_area)
    return list(abi.kernel_text)


def _module_local(store: Any, report: Report, module: str, symbol: str) -> int | None:
    """Offset of `symbol` from its module's .text start (from the module's table)."""
    tab = store.module(module, report.kernel_release)
    if tab is None:
        return None
    a = tab.symbol_address(symbol)
    return None if a is None else a - (tab.section_base(".text") or 0)


def module_bases(report: Report, store: Any) -> dict[str, int]:
    """Module .text addresses: those the log told, else recovered from a frame printed
    both raw and symbolic (`[<bf0004b4>] cl_null_call+0x3c/0x5c [crashlab]`)."""
    bases = dict(report.module_bases)
    if store is None:
        return bases
    for f in report.frames:
        if f.module and f.module not in bases and f.address is not None and f.symbol and f.offset is not None:
            try:
                loc = _module_local(store, report, f.module, f.symbol)
            except Exception:  # noqa: BLE001
                loc = None
            if loc is not None:
                bases[f.module] = f.address - f.offset - loc
    return bases


def _resolve_printed(frame: Frame, report: Report, store: Any, bases: dict[str, int] | None = None) -> int | None:
    """Address a printed frame stands for: its own, or symbol+offset via the store."""
    if frame.address is not None:
        return frame.address
    if store is None or not frame.symbol or frame.offset is None:
        return None
    try:
        if frame.module:
            base = (bases if bases is not None else report.module_bases).get(frame.module)
            loc = None if base is None else _module_local(store, report, frame.module, frame.symbol)
            return None if loc is None else base + loc + frame.offset
        tab = _kernel_table(store, report)
        a = None if tab is None else tab.symbol_address(frame.symbol)
        return None if a is None else a + (report.kaslr_offset or 0) + frame.offset
    except Exception:  # noqa: BLE001
        return None


def unwind_agreement(report: Report, store: Any = None) -> float | None:
    """Share of the printed reliable frames (method `trace`, physical) whose address
    the re-unwind reproduced, by any method (regs, fp or scan; a multiset match, so a
    recursion must be found as often as printed).  A printed frame counts only when its
    address is known: printed, or resolved from symbol+offset through the store (arm
    prints symbols only; module frames need the module's base, from the log or from a
    frame printed both raw and symbolic).  When no printed frame qualifies, but re-unwound and printed
    frames both carry symbols (after symbolization), they are compared by (symbol,
    offset).  None when nothing is comparable or nothing was re-unwound."""
    printed = [f for f in report.frames if f.method == "trace" and f.reliable and not f.inlined]
    mine = [f for f in report.frames if f.method in ("regs", "fp", "scan") and not f.inlined]
    if not printed or not mine:
        return None
    have: dict[int, int] = {}
    for f in mine:
        if f.address is not None:
            have[f.address] = have.get(f.address, 0) + 1
    total = hit = 0
    bases = module_bases(report, store)
    for f in printed:
        a = _resolve_printed(f, report, store, bases)
        if a is None:
            continue
        total += 1
        if have.get(a, 0) > 0:
            have[a] -= 1
            hit += 1
    if total:
        return hit / total
    syms: dict[tuple[str, int | None], int] = {}
    for f in mine:
        if f.symbol:
            syms[(f.symbol, f.offset)] = syms.get((f.symbol, f.offset), 0) + 1
    for f in printed:
        if not f.symbol or f.offset is None:
            continue
        total += 1
        k = (f.symbol, f.offset)
        if syms.get(k, 0) > 0:
            syms[k] -= 1
            hit += 1
    return hit / total if total else None


def unwind_reports(reports: list[Report], symbols: Any = None) -> list[ErrorRow]:
    """Pipeline stage (interfaces.md): re-unwind every report that carries raw stacks,
    append the frames after the printed ones, set `unwind_agreement`.  All dumps of the
    batch go through one walk_batch call.  Never raises for bad input."""
    errors: list[ErrorRow] = []
    store = _open_store(symbols)
    jobs: list[tuple[Report, StackDump, Abi, int]] = []
    sets: list[tuple[np.ndarray, np.ndarray]] = []
    set_ids: dict[tuple, int] = {}
    regs_rows: list[tuple[int, int, int, int, int]] = []
    for r in reports:
        if not r.stacks:
            continue
        try:
            for sd in r.stacks:
                if sd.what != "stack" or not sd.data:
                    continue
                try:
                    abi = archmod.get(r.arch or "", sd.layout)
                except KeyError:
                    break  # no ABI row for this arch: nothing to re-unwind
                if sd.word_size and sd.word_size != abi.word_size:
                    errors.append(ErrorRow(r.source, r.source_line, "unwind", "word-size-mismatch",
                                           f"{abi.arch} dump with {sd.word_size}-byte words"))
                    continue
                if sd.text_ranges:
                    key: tuple = ("given", tuple(sd.text_ranges))
                    ranges = list(sd.text_ranges)
                else:
                    key = (abi.arch, r.kernel_release if store is not None else None, r.kaslr_offset)
                    ranges = None
                if key not in set_ids:
                    set_ids[key] = len(sets)
                    sets.append(merge_ranges(ranges if ranges is not None else report_text_ranges(r, abi, store)))
                mask = (1 << (8 * abi.word_size)) - 1
                fl, vals = 0, []
                for name, f in _REG_KEYS:
                    v = r.registers.get(name)
                    if v is not None:
                        fl |= f
                    vals.append((v or 0) & mask)
                jobs.append((r, sd, abi, set_ids[key]))
                regs_rows.append((fl, *vals))
        except Exception as e:  # noqa: BLE001 - one bad report must not stop the batch
            errors.append(ErrorRow(r.source, r.source_line, "unwind", "unwind-error", repr(e)[:500]))
    if not jobs:
        return errors
    n = len(jobs)
    # the loop's precondition: base + length fits in 64 bits
    lens = [min(len(sd.data), ((1 << 64) - 1) - (sd.base & ((1 << 64) - 1))) for _, sd, _, _ in jobs]
    offsets = np.zeros(n + 1, np.int64)
    offsets[1:] = np.cumsum(lens)
    data = np.frombuffer(b"".join(bytes(sd.data[:k]) for (_, sd, _, _), k in zip(jobs, lens)), np.uint8)
    rr = np.array(regs_rows, dtype=np.uint64).reshape(n, 5)
    batch = Batch(data, offsets, np.array([a.abi_id for _, _, a, _ in jobs], np.uint8),
                  np.array([sd.base & ((1 << 64) - 1) for _, sd, _, _ in jobs], np.uint64),
                  rr[:, 1].copy(), rr[:, 2].copy(), rr[:, 3].copy(), rr[:, 4].copy(), rr[:, 0].astype(np.uint8),
                  np.array([s for _, _, _, s in jobs], np.int32))
    try:
        res = walk(batch, sets)
    except Exception as e:  # noqa: BLE001
        for r, _, _, _ in jobs:
            errors.append(ErrorRow(r.source, r.source_line, "unwind", "unwind-error", repr(e)[:500]))
        return errors
    done: set[int] = set()
    for k, (r, sd, abi, _) in enumerate(jobs):
        frames, _ = frames_from_result(res, k, abi, bytes(sd.data[:lens[k]]), sd.base, DEFAULT_ARGS)
        for f in frames:
            f.frame_no = len(r.frames)
            r.frames.append(f)
        done.add(id(r))
    for r in reports:
        if id(r) in done:
            r.unwind_agreement = unwind_agreement(r, store)
    return errors

