"""Reports out of a log: split (`crashpipe.split`), title (`crashpipe.titles`), then every
field of the reports table, the printed call trace, raw stack dumps and Code: bytes.

One pass over a report's lines with a small state machine; what the lines look like is
data in `crashpipe.formats.fields`.  Nothing here raises on bad text: an unexpected
exception while reading one report turns it into a corrupted report with reason
`parser-error: ...`, and the other reports of the log are unaffected.
"""
from __future__ import annotations

import bisect
import gc
import re
import sys
from dataclasses import dataclass
from functools import partial

from crashpipe import code as codemod
from crashpipe.formats import fields as F
from crashpipe.lines import Line, clean_lines
from crashpipe.memo import remember
from crashpipe.model import Frame, Report, StackDump
from crashpipe.split import LogIndex, log_index, split_reports
from crashpipe.titles import title_for

_CPU_LINE = re.compile(F.CPU_LINE)
_PID_LINE = re.compile(F.PID_LINE)
_RELEASE_LINE = re.compile(F.RELEASE_LINE)
_RELEASE_TOKEN = re.compile(F.RELEASE_TOKEN)
_BANNER = re.compile(F.BANNER)
_TASK_LINES = [(re.compile(p), names) for p, names in F.TASK_LINES]
_MODULE_TOKEN = re.compile(F.MODULE_TOKEN)
_KASLR = re.compile(F.KASLR)
_FAULT = [(re.compile(p), const) for p, const in F.FAULT_ADDRESS]
_TRACE_LINE = re.compile(F.TRACE_LINE)
_TRACE_FILE_LINE = re.compile(F.TRACE_FILE_LINE)
_ARM_FROM = re.compile(F.ARM_FROM_LINE)
_ARM_ENTERED = re.compile(F.ARM_ENTERED_LINE)
_ARM_REGS_IN_TRACE = re.compile(F.ARM_REGS_IN_TRACE)
_PC_LINES = [(re.compile(p), role) for p, role in F.PC_LINES]
_S390_PSW = re.compile(F.S390_PSW)
_PPC_GPR_ROW = re.compile(F.PPC_GPR_ROW)
_MIPS_GPR_ROW = re.compile(F.MIPS_GPR_ROW)
_REGISTER_PAIR = re.compile(F.REGISTER_PAIR)
_HEXDUMP_HEADERS = [(re.compile(p), what) for p, what in F.HEXDUMP_HEADERS]
_HEXDUMP_ROW = re.compile(F.HEXDUMP_ROW)
_WORD_ROW = re.compile(F.WORD_ROW)
_HEX = frozenset("0123456789abcdef")
# A hexdump row body of whole cells, each " " + 8 hex digits: the common shape, whose
# cells need no checks one by one (the kernel prints at most 8 per row).
_HEXDUMP_CELLS = re.compile(r"(?: [0-9a-f]{8}){1,8}")

# A report with more frames than this is cut (a looping unwinder can print thousands).
MAX_FRAMES = 512
# Words kept per stack dump (a 16 KiB kernel stack of 32-bit words is 4096).
MAX_STACK_WORDS = 8192


# --------------------------------------------------------------------- entry points
def parse_text(text: str, source: str) -> list[Report]:
    """Every report in `text`, in order of start.  Never raises."""
    # A log becomes tens of thousands of lines, frames and match objects that all live
    # until the call returns and form no reference cycles: the cyclic collector, run
    # every few hundred allocations, would only traverse them again and again (~9% of
    # the parse).  It is paused for the call and resumes after it.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _parse_text(text, source)
    finally:
        if paused:
            gc.enable()


def _parse_text(text: str, source: str) -> list[Report]:
    try:
        lines = clean_lines(text)
    except Exception as e:  # clean_lines is total on str; this guards against bugs only
        return [_failed(source, 1, f"parser-error: lines: {type(e).__name__}: {e}")]
    try:
        spans = split_reports(lines)
    except Exception as e:
        return [_failed(source, 1, f"parser-error: split: {type(e).__name__}: {e}")]
    ctx = _LogContext(lines, log_index(lines))
    # A log the console simply stopped writing ends with a newline; text that ends inside
    # a line was cut (a truncated file, a paste that lost its tail).
    ctx.cut_mid_line = bool(text) and not text.endswith(("\n", "\r"))
    return [_parse_span(span, lines, source, ctx) for span in spans]


def parse_span(span, all_lines: list[Line], source: str) -> Report:
    """One report from one span of a cleaned log.  Never raises.  (`parse_text` reads the
    log-wide context once; here it is looked up only when the report itself lacks it.)"""
    return _parse_span(span, all_lines, source, None)


def _failed(source: str, line: int, reason: str) -> Report:
    return Report(source=source, source_line=line, end_line=line, corrupted=True, corrupted_reason=reason)


def _parse_span_py(span, all_lines: list[Line], source: str, ctx: "_LogContext | None") -> Report:
    start = getattr(span, "start_line", 1)
    rep = Report(source=source, source_line=start, end_line=getattr(span, "end_line", start))
    try:
        lines = list(span.lines)
        rep.text = _span_text(lines)
    except Exception as e:
        rep.corrupted, rep.corrupted_reason = True, f"parser-error: span: {type(e).__name__}: {e}"
        return rep
    try:
        info = title_for(span, all_lines)
        rep.title, rep.alt_titles, rep.kind = info.title, list(info.alt_titles), info.kind
        rep.corrupted, rep.corrupted_reason = bool(info.corrupted), info.corrupted_reason
    except Exception as e:
        rep.corrupted, rep.corrupted_reason = True, f"parser-error: title: {type(e).__name__}: {e}"
    try:
        # (read only when the report names no release or architecture itself)
        banner = partial(ctx.before, start) if ctx is not None else (lambda: _LogContext(all_lines[:max(start - 1, 0)]).before(start))
        cut_line = all_lines[-1].no if ctx is not None and ctx.cut_mid_line and all_lines else None
        cut = extract_fields(rep, _with_continuations(lines, all_lines, start, rep.end_line), banner, cut_line)
        if cut and cut.startswith(_MID_LINE):
            # Only the text was cut here, not the log: the trace is incomplete whatever
            # the title says.  syzkaller's own reason stays when it flagged the report.
            rep.corrupted = True
            rep.corrupted_reason = rep.corrupted_reason or cut
        elif cut and rep.corrupted and not rep.corrupted_reason and rep.end_line >= _last_text_line(all_lines):
            # The flag is title_for's (syzkaller semantics: a trace cut at the end of the log
            # still names its function, so syzkaller does not call it corrupted); the parser
            # only explains a flag that came without a reason.
            rep.corrupted_reason = cut
    except Exception as e:
        rep.corrupted = True
        rep.corrupted_reason = f"parser-error: fields: {type(e).__name__}: {e}"
    return rep


def _with_continuations_py(lines: list[Line], all_lines: list[Line], start: int,
                           end: int) -> list[Line] | list[tuple[Line, bool]]:
    """The span's lines, each with aux=False, merged with the prefix-less lines of the same
    range that the splitter left out (aux=True).  Wrapped `Modules linked in:` lists, s390
    `Krnl GPRS`/`Krnl Code` rows and similar continuations are printed without a timestamp
    inside timestamped reports; the extractor accepts aux lines only as such continuations.
    When the range has no such line (the common case), the span's lines themselves (a new
    list; `extract_fields` reads a plain line as aux=False)."""
    kept = {line.no for line in lines}
    lo, hi = max(start, 1), min(end, len(all_lines))
    aux = [line for line in all_lines[lo - 1:hi]
           if line.no not in kept and line.ts is None and line.tag is None and lo <= line.no <= hi]
    if not aux:
        return list(lines)
    merged = [(line, False) for line in lines] + [(line, True) for line in aux]
    merged.sort(key=lambda p: p[0].no)
    return merged


def _span_text_py(lines: list[Line]) -> str:
    """A report's text: its cleaned lines joined by "\n"."""
    return "\n".join([line.text for line in lines])


def _last_text_line(lines: list[Line]) -> int:
    for line in reversed(lines):
        if line.text.strip():
            return line.no
    return 0


class _LogContext:
    """What the log says outside the reports: the boot banner(s) that precede each report
    (release and, for cross-built kernels, the target triplet), and whether the text was
    cut inside its last line."""

    def __init__(self, lines: list[Line], index: "LogIndex | None" = None):
        self.cut_mid_line = False
        self._nos: list[int] = []
        self._banners: list[tuple[str | None, str | None]] = []
        # only the lines holding the banner's literal: found in one scan of the whole log
        # when its index (split.log_index, built by the splitter) is given
        found = sorted(index.holding("Linux version ")) if index is not None else range(len(lines))
        for j in found:
            line = lines[j]
            t = line.text
            i = t.find("Linux version ")
            if i < 0:
                continue
            m = _BANNER.match(t, i)
            if m is None:
                continue
            arch = next((a for key, a in F.ARCH_BY_BANNER if key in t), None)
            self._nos.append(line.no)
            self._banners.append((m.group(1), arch))

    def before(self, line_no: int) -> tuple[str | None, str | None]:
        """(release, arch) of the last banner before line_no."""
        i = bisect.bisect_left(self._nos, line_no) - 1
        return self._banners[i] if i >= 0 else (None, None)


# What a frame line says does not depend on the report around it, and traces repeat the
# same lines across reports massively: each distinct line is read once (bounded memo:
# entries, and only lines short enough to be frame lines are remembered).
_TRACE_CACHE: dict[str, tuple | int] = {}


def _read_trace_line(t: str) -> tuple | int:
    """The frame a trace line prints, as (address, symbol, offset, size, module, file,
    line, inlined, reliable, "? " seen, ppc pair seen, printed address width); when the
    line is not a frame line, 1 if it starts like an x86 "? " frame, else 0."""
    m = _TRACE_LINE.match(t)
    return 0 if m is None else _trace_groups(m.groups())


def _trace_groups(groups: tuple) -> tuple | int:
    """_read_trace_line's answer from `fields.TRACE_LINE`'s groups on the line."""
    paren, ppc_sp, ppc_ip, addr, q, sym, off, size, mod, rest = groups
    rest = rest.strip()
    inlined = F.INLINE_MARK in rest
    raw_sym = sym.startswith("0x")
    address = _hex(ppc_ip or addr)
    if not (address is not None or off is not None or inlined or raw_sym):
        return 1 if q else 0
    addr_len = len(addr) if address is not None and addr is not None else 0
    file = line = None
    fm = _TRACE_FILE_LINE.match(" " + rest) if rest and not rest.startswith(("(", "[", ")")) else None
    if fm is not None:
        file, line = fm.group(1), int(fm.group(2))
    if raw_sym:
        if address is None:
            address = int(sym, 16)
        sym = None
    reliable = not q and not paren and not any(u in rest for u in F.UNRELIABLE_MARKS)
    return (address, sym, _hex(off), _hex(size), mod, file, line, inlined, reliable,
            bool(q), ppc_sp is not None, addr_len)


# What a pc/lr line, a task line, a fault line, an arm "from" line or a module list says
# does not depend on the report either: each distinct line is read once (bounded memos).
_PC_CACHE: dict[str, tuple | None] = {}
_TASK_CACHE: dict[str, tuple | None] = {}
_FAULT_CACHE: dict[str, int | None] = {}
_FROM_CACHE: dict[str, tuple | None] = {}
_MODULES_CACHE: dict[str, tuple] = {}
_RELEASE_ARCH: dict[str, str | None] = {}
_MISSING = object()


def _first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of `pattern` (anchored) can start with, or None when that is
    not simply read off its first piece (then every line is tried)."""
    try:
        from re import _parser as sre
    except ImportError:  # pragma: no cover - the parser module moved
        return None

    def first(items):
        if not items:
            return None
        op, av = items[0]
        if op is sre.LITERAL:
            return {chr(av)}
        if op is sre.IN:
            out = set()
            for iop, iav in av:
                if iop is sre.LITERAL:
                    out.add(chr(iav))
                elif iop is sre.RANGE and iav[1] - iav[0] < 256:
                    out.update(chr(c) for c in range(iav[0], iav[1] + 1))
                else:
                    return None  # NEGATE, categories, wide ranges
            return out
        if op is sre.SUBPATTERN:
            return first(list(av[3]))
        if op is sre.BRANCH:
            out = set()
            for branch in av[1]:
                got = first(list(branch))
                if got is None:
                    return None
                out |= got
            return out
        return None  # repeats, anchors, groups that may match empty: no filter

    try:
        got = first(list(sre.parse(pattern)))
    except Exception:  # pragma: no cover - an unexpected parser shape
        return None
    return frozenset(got) if got else None


# PC_LINES with the characters each can start with: a line is matched only against the
# patterns that can start with its first character (the same first match).
_PC_FIRST = [(rx, role, _first_chars(rx.pattern)) for rx, role in _PC_LINES]
# TASK_LINES likewise (a line is tried only against the patterns its first character allows).
_TASK_FIRST = [(rx, names, _first_chars(rx.pattern)) for rx, names in _TASK_LINES]


def _read_pc_line(t: str) -> tuple | None:
    """(role "pc"/"lr", address, symbol, offset, size, module, user-mode segment) of the
    first `fields.PC_LINES` pattern matching t, or None."""
    c = t[:1]
    for rx, role, firsts in _PC_FIRST:
        if firsts is not None and c not in firsts:
            continue
        m = rx.match(t)
        if m is None:
            continue
        g = m.groups()
        if role == "pcraw":
            return ("pc", _hex(g[1]), None, None, None, None, _user_segment(t))
        return (role, _hex(g[0]), g[1] or None, _hex(g[2]), _hex(g[3]), g[4] or None, _user_segment(t))
    return None


def _user_segment(t: str) -> bool:
    # x86 user-mode code segments (0033, 0023, 002b... have the low two bits set: RPL 3)
    if len(t) > 9 and t[4] == " " and t[9] == ":":
        try:
            return int(t[5:9], 16) & 3 == 3
        except ValueError:
            return False
    return False


def _read_task_line(t: str) -> tuple | None:
    """(cpu, pid, process) of the first `fields.TASK_LINES` pattern matching t, or None."""
    c = t[:1]
    for rx, names, firsts in _TASK_FIRST:
        if firsts is not None and c not in firsts:
            continue
        m = rx.match(t)
        if m is None:
            continue
        vals = dict(zip(names, m.groups()))
        return (int(vals["cpu"]) if "cpu" in vals else None, int(vals["pid"]) if "pid" in vals else None,
                vals.get("process"))
    return None


def _read_fault(t: str) -> int | None:
    """The fault address the first matching `fields.FAULT_ADDRESS` pattern gives, or None."""
    for rx, const in _FAULT:
        m = rx.match(t)
        if m is not None:
            return const if const is not None else int(m.group(1), 16)
    return None


def _arm_from_groups(t: str) -> tuple | None:
    """`fields.ARM_FROM_LINE`'s groups on t, or None."""
    got = _FROM_CACHE.get(t, _MISSING)
    if got is _MISSING:
        m = _ARM_FROM.match(t)
        got = remember(_FROM_CACHE, t, m.groups() if m is not None else None, len(t))
    return got


def _read_modules(text: str) -> tuple[tuple[str, ...], bool]:
    """(module names, whether the list may continue on the next line) of a module list."""
    text = text.strip()
    closed = False
    i = text.find(F.LAST_UNLOADED)
    if i >= 0:
        text, closed = text[:i], True
    names = []
    for tok in text.split():
        name = tok.split("(", 1)[0]
        if name and _MODULE_TOKEN.match(tok):
            names.append(name)
    return tuple(names), not closed and len(text) >= F.MODULES_WRAP_MIN


def _arch_by_release(rel: str) -> str | None:
    got = _RELEASE_ARCH.get(rel, _MISSING)
    if got is _MISSING:
        got = remember(_RELEASE_ARCH, rel, next((a for suf, a in F.ARCH_BY_RELEASE if rel.endswith(suf)
                                                 or (suf + "-") in rel or (suf + "+") in rel), None), len(rel))
    return got


# Every prefix `_Extractor._fields` (and `_registers`) acts on: a line holding none of
# them, no "#", and no register pair first, is a no-op there whatever the state.  Most
# lines of a report (the bug description, lockdep chains, memory-state rows) are.
_FIELD_PREFIXES = tuple(sorted(set(
    tuple(p for p, _ in F.ARCH_BY_LINE) + F.ARCH_LINE_PREFIXES
    + ("CPU: ", "Pid: ", F.HARDWARE, F.MODULES, F.KASLR_PREFIX) + F.CODE_PREFIXES
    + (F.PPC_INSTRUCTION_DUMP, F.S390_CODE, F.S390_GPRS) + F.WORD_STACK_HEADERS + F.HEXDUMP_PREFIXES
    + F.TASK_PREFIXES + F.FAULT_PREFIXES + F.PC_PREFIXES + ("GPR", "$", "Krnl PSW", "MSR: "))))
_INERT: dict[str, bool] = {}


def _is_inert(t: str) -> bool:
    if t.startswith(_FIELD_PREFIXES) or "#" in t or "Flags:" in t[:8]:
        return False
    m = _REGISTER_PAIR.match(t)
    return m is None or m.group(1) not in F.REGISTER_NAMES


# ------------------------------------------------------------------ the extractor
@dataclass
class _Loc:
    """A code location printed on a pc/lr line."""

    address: int | None
    symbol: str | None
    offset: int | None
    size: int | None
    module: str | None


def _merge(a: _Loc, b: _Loc) -> None:
    """Complete location a from b when both describe the same place."""
    if (a.symbol and b.symbol and a.symbol != b.symbol) or (
            a.address is not None and b.address is not None and a.address != b.address):
        return
    for name in ("address", "symbol", "offset", "size", "module"):
        if getattr(a, name) is None:
            setattr(a, name, getattr(b, name))


def _hex(s: str | None) -> int | None:
    return int(s, 16) if s else None


_TAINTS: dict[str, tuple[str | None, str | None]] = {}


def _taint(rest: str) -> tuple[str | None, str | None]:
    """(taint letters, release) from what follows "Tainted: " / "Not tainted" on a CPU line
    (one host prints the same tail on every report: each distinct tail is read once)."""
    got = _TAINTS.get(rest)
    if got is None:
        got = remember(_TAINTS, rest, _read_taint(rest), len(rest))
    return got


def _read_taint(rest: str) -> tuple[str | None, str | None]:
    toks = rest.split()
    ver = next((i for i, t in enumerate(toks) if t.startswith("#")), len(toks))
    release = None
    if ver > 0 and _RELEASE_TOKEN.match(toks[ver - 1]):
        release = toks[ver - 1]
        toks = toks[:ver - 1]
    else:
        toks = toks[:ver]
    # "G           OE" prints one column per flag; keep each letter once, in order.
    letters = [c for t in toks if len(t) <= 24 and t.replace("-", "").isalpha() for c in t if c.isalpha()]
    return (" ".join(letters) if letters else None), release


class _Extractor:
    def __init__(self, rep: Report):
        self.rep = rep
        self.regs: dict[str, int] = {}
        self.regs_frozen = False
        self.pc: _Loc | None = None
        self.lr: _Loc | None = None
        self.arch_hint: str | None = None
        self.shape_hint: str | None = None
        self.addr_width = 0
        # call trace
        self.in_trace = False
        self.trace_done = False
        self.section_frames = 0
        self.frames: list[Frame] = []
        self.ctx = ["task"]
        self.arm_pending: Frame | None = None
        self.stop_trace = False
        self.saw_marker = False  # the trace printed <IRQ>/<TASK>/... context markers
        # raw stacks
        self.hexdump: dict | None = None
        self.wordstack: dict | None = None
        self._pending_wordstacks: list[dict] = []  # "Stack:" words, placed at sp once registers are known
        # code
        self.code_text: str | None = None  # body of the first "Code:" line
        self.code_rows: list[str] | None = None  # s390 Krnl Code / ppc Instruction dump rows, while open
        self.code_kind: str | None = None
        self.code_rows_done: tuple[str, list[str]] | None = None
        self.thumb = False  # arm "ISA Thumb": halfword Code: dump
        # registers and other multi-line blocks
        self.s390_gprs: list[int] | None = None
        self.ppc_le = False
        self.modules_open = False
        self.fault_pf = False  # an x86 page-fault line was seen (CR2 is then the fault address)

    # ---------------------------------------------------------------- the loop
    def feed(self, lines: list, cut_line: int | None) -> str | None:
        """Read one report's lines (cleaned lines, or (line, aux) pairs from
        `_with_continuations`), trailing blank lines left out; returns the block that was
        open when line `cut_line` began or that it opened ("call trace", "stack dump")."""
        items = [item if isinstance(item, tuple) else (item, False) for item in lines]
        while items and not items[-1][0].text.strip():
            items.pop()  # trailing blank lines: what the text ends inside is decided before them
        inside = None
        for line, aux in items:
            if line.no == cut_line:  # what was open when the cut line began, or what it opened
                inside = _open_block(self)
                self.line(line.text, aux)
                inside = inside or _open_block(self)
            else:
                self.line(line.text, aux)
        return inside

    def complete(self, banner) -> None:
        """The report's fields from what the lines said (after finish): release and
        architecture (from the banner when the report names neither), registers with their
        aliases, stack dumps, fault address, code, frames."""
        rep = self.rep
        if rep.kernel_release is None:
            banner = banner() if callable(banner) else banner
            rep.kernel_release = banner[0]
        rep.arch = _arch(self)
        if rep.arch is None:
            rep.arch = (banner() if callable(banner) else banner)[1]
        _aliases(rep, self)
        self._resolve_wordstacks()
        _fault_from_regs(rep, self)
        _code(rep, self)
        rep.frames = _frames(self)
        if not self.saw_marker:
            _contexts_from_entries(rep.frames)
        for i, f in enumerate(rep.frames):
            f.frame_no = i

    # ---------------------------------------------------------------- per line
    def line(self, text: str, aux: bool = False) -> None:
        t = text.strip()
        if aux:
            # a prefix-less line the splitter did not keep: only a continuation of the
            # block in progress may use it, and it ends nothing
            if not t or self.modules_open and self._modules_more(t):
                return
            if self.s390_gprs is not None and self._s390_gprs_row(t, quiet=True):
                return
            if self.code_rows is not None and self._code_row(t, quiet=True):
                return
            if t.startswith(F.AUX_BLOCK_HEADERS):
                self._fields(t)
            return
        if not t:
            self._end_blocks()
            self._end_trace()
            return
        if self.hexdump is not None and self._hexdump_row(t):
            return
        if self.wordstack is not None and self._word_row(t):
            return
        if self.code_rows is not None and self._code_row(t):
            return
        if self.s390_gprs is not None and self._s390_gprs_row(t):
            return
        if self.modules_open and self._modules_more(t):
            return
        self.modules_open = False
        if self.in_trace:
            if self._trace_line(t):
                return
            if not t.startswith(F.TRACE_INTERLUDES) and not self._is_register_line(t):
                self._end_trace()
        elif not self.trace_done and not self.stop_trace:
            hdr = next((h for h in F.TRACE_HEADERS if t.startswith(h)), None) if t.startswith(F.TRACE_HEADERS) else None
            if hdr is not None:
                self._start_trace(hdr)
                rest = t[len(hdr):].strip()
                if rest:
                    self._trace_line(rest)
                return
            if " from " in t and _arm_from_groups(t) is not None:
                self.shape_hint = self.shape_hint or "arm"
                self._start_trace(None)
                self._trace_line(t)
                return
        self._fields(t)

    def finish(self) -> str | None:
        """Close every block; returns why the text looks cut off inside one, if it does."""
        cut = None
        hd = self.hexdump
        if hd is not None and (not hd["words"] or max(hd["words"]) + 4 < hd["end"]):
            cut = "truncated: text ends inside a stack dump"
        elif self.in_trace and len(self.ctx) > 1:
            cut = f"truncated: text ends inside the call trace (<{self.ctx[-1].upper()}> not closed)"
        self._end_blocks()
        self._end_trace()
        return cut

    # ------------------------------------------------------------- plain fields
    def _fields(self, t: str) -> None:
        inert = _INERT.get(t)
        if inert is None:
            inert = remember(_INERT, t, _is_inert(t), len(t))
        if inert:
            return
        rep = self.rep
        if self.arch_hint is None and t.startswith(F.ARCH_LINE_PREFIXES):
            for prefix, arch in F.ARCH_BY_LINE:
                if t.startswith(prefix):
                    self.arch_hint = arch
                    break
        if t.startswith("CPU: "):
            m = _CPU_LINE.match(t)
            if m is not None:
                self._task(cpu=int(m.group(1)), pid=int(m.group(2)), process=m.group(3))
                self._taint_release(m.group(4), m.group(5))
                return
        if t.startswith("Pid: "):
            m = _PID_LINE.match(t)
            if m is not None:
                self._task(pid=int(m.group(1)), process=m.group(2))
                self._taint_release(m.group(3), m.group(4), hardware=True)
                return
        if t.startswith(F.HARDWARE):
            if rep.hardware is None:
                rep.hardware = t[len(F.HARDWARE):].strip() or None
            return
        if t.startswith(F.MODULES):
            if not rep.modules:
                self.modules_open = self._modules_add(t[len(F.MODULES):])
            return
        if t.startswith(F.KASLR_PREFIX):
            m = _KASLR.match(t)
            if m is not None and rep.kaslr_offset is None:
                rep.kaslr_offset = 0 if m.group(2) else int(m.group(1), 16)
            return
        if t.startswith(F.CODE_PREFIXES):
            if self.code_text is None and self.code_rows is None:
                self.code_text = t.split(":", 1)[1]
            return
        if t.startswith(F.PPC_INSTRUCTION_DUMP):
            if self.code_text is None and self.code_rows is None:
                self.code_rows, self.code_kind = [], "words"
            return
        if t.startswith(F.S390_CODE):
            if self.code_text is None and self.code_rows is None:
                self.code_rows, self.code_kind = [], "s390"
                self._code_row(t)
            return
        if t.startswith(F.S390_GPRS):
            if "r0" not in self.regs:
                self.s390_gprs = []
                self._s390_gprs_row(t[len(F.S390_GPRS):].strip())
            return
        if t.startswith(F.WORD_STACK_HEADERS) and not t.startswith(F.HEXDUMP_PREFIXES):
            if self.wordstack is None:
                self.wordstack = {"words": [], "width": 0}
                rest = t.split(":", 1)[1].strip()
                if rest:
                    self._word_row(rest)
            return
        if t.startswith(F.HEXDUMP_PREFIXES):
            for rx, what in _HEXDUMP_HEADERS:
                m = rx.match(t)
                if m is not None:
                    self._end_blocks()
                    self.hexdump = {"start": int(m.group(1), 16), "end": int(m.group(2), 16),
                                    "what": what, "words": {}}
                    return
        if "#" in t or t.startswith(F.TASK_PREFIXES):
            self._task_lines(t)  # (taint-only lines carry "#N" after the release)
        if t.startswith(F.FAULT_PREFIXES):
            self._fault(t)
        if t.startswith(F.PC_PREFIXES):
            self._pc_lines(t)
        self._registers(t)

    def _task(self, cpu=None, pid=None, process=None) -> None:
        rep = self.rep
        if cpu is not None and rep.cpu is None:
            rep.cpu = cpu
        if pid is not None and rep.pid is None:
            rep.pid = pid
        if process and rep.process is None:
            rep.process = process.strip() or None

    def _taint_release(self, tainted: str, rest: str, hardware: bool = False) -> None:
        letters, release = _taint(rest) if tainted.startswith("Tainted") else (None, _taint(rest)[1])
        if hardware and self.rep.hardware is None:
            # pre-4.x "Pid:" lines end with the DMI board name after the "#N" version
            toks = rest.split()
            ver = next((i for i, t in enumerate(toks) if t.startswith("#")), len(toks))
            self.rep.hardware = " ".join(toks[ver + 1:]) or None
        if self.rep.tainted is None and letters:
            self.rep.tainted = letters
        if self.rep.kernel_release is None and release:
            self.rep.kernel_release = release

    def _task_lines(self, t: str) -> None:
        rep = self.rep
        if t.startswith(F.TAINT_LINE_PREFIXES):
            self._taint_release(t[:9], t[12:] if t.startswith("Not") else t[9:])
            return
        if rep.kernel_release is None and "#" in t:
            m = _RELEASE_LINE.match(t)
            if m is not None:
                rep.kernel_release = m.group(1)
        if not t.startswith(F.TASK_PREFIXES):
            return
        got = _TASK_CACHE.get(t, _MISSING)
        if got is _MISSING:
            got = remember(_TASK_CACHE, t, _read_task_line(t), len(t))
        if got is not None:
            self._task(cpu=got[0], pid=got[1], process=got[2])

    def _fault(self, t: str) -> None:
        if t.startswith(F.PAGE_FAULT_MARKERS):
            self.fault_pf = True
        if self.rep.fault_address is not None:
            return
        got = _FAULT_CACHE.get(t, _MISSING)
        if got is _MISSING:
            got = remember(_FAULT_CACHE, t, _read_fault(t), len(t))
        if got is not None:
            self.rep.fault_address = got

    def _pc_lines(self, t: str) -> None:
        got = _PC_CACHE.get(t, _MISSING)
        if got is _MISSING:
            got = remember(_PC_CACHE, t, _read_pc_line(t), len(t))
        if got is not None:
            role, address, symbol, offset, size, module, user = got
            if user:
                return
            loc = _Loc(address, symbol, offset, size, module)
            if role == "pc":
                if self.in_trace:
                    # "RIP: 0010:f+0x1a/0x30" between frames (and ppc's "--- interrupt: 300
                    # at f+0x1c/0x40") is an interrupted kernel context; "EIP: [<a>] f SS:ESP"
                    # / "RIP  [<a>] f" re-print the crash site
                    if loc.symbol and self.section_frames and (t[3:5] == ": " and t[9:10] == ":"
                                                               or t.startswith("--- interrupt:")):
                        self._add(Frame(address=loc.address, symbol=loc.symbol, offset=loc.offset,
                                        size=loc.size, module=loc.module, method="regs", context=self.ctx[-1]))
                elif self.pc is None:
                    self.pc = loc
                else:
                    _merge(self.pc, loc)  # "EIP: 0060:[<addr>]" + "EIP is at f+0x3/0x5"
            elif self.lr is None:
                self.lr = loc
            else:
                _merge(self.lr, loc)
            return

    def _is_register_line(self, t: str) -> bool:
        m = _REGISTER_PAIR.match(t)
        return m is not None and m.group(1) in F.REGISTER_NAMES

    def _registers(self, t: str) -> None:
        m = _PPC_GPR_ROW.match(t) if t.startswith("GPR") else None
        if m is not None:
            base = int(m.group(1))
            self._set_regs([(f"GPR{base + i:02d}", v) for i, v in enumerate(m.group(2).split())])
            return
        m = _MIPS_GPR_ROW.match(t) if t.startswith("$") else None
        if m is not None:
            base = int(m.group(1))
            self._set_regs([(f"${base + i}", v) for i, v in enumerate(m.group(2).split())])
            return
        if t.startswith("Krnl PSW"):
            m = _S390_PSW.match(t)
            if m is not None:
                self._set_regs([("PSW_mask", m.group(1)), ("PSW_addr", m.group(2))])
            return
        if t.startswith("MSR: ") and "<" in t:
            flags = t[t.find("<") + 1:t.find(">")] if ">" in t else ""
            self.ppc_le = F.PPC_MSR_LE in flags.split(",")
        if "Flags:" in t[:8] and "ISA Thumb" in t:
            self.thumb = True
        first = _REGISTER_PAIR.match(t)
        if first is None or first.group(1) not in F.REGISTER_NAMES:
            return
        # (successive non-overlapping searches: findall; the pattern never matches empty)
        self._set_regs([(n, v) for n, v in _REGISTER_PAIR.findall(t) if n in F.REGISTER_NAMES])

    def _set_regs(self, pairs: list[tuple[str, str]]) -> None:
        if self.regs_frozen:
            return
        for name, value in pairs:
            if name in self.regs:
                # a second register block (user context, a nested interrupt, the x86
                # re-print after "end trace"): the report's registers are the first block
                self.regs_frozen = True
                return
            try:
                self.regs[name] = int(value, 16)
            except ValueError:
                continue

    def _s390_gprs_row(self, t: str, quiet: bool = False) -> bool:
        vals = t.split()
        if not vals or len(vals) > 8 or not all(len(v) in (8, 16) and set(v) <= _HEX for v in vals):
            if not quiet:
                self.s390_gprs = None
            return False
        assert self.s390_gprs is not None
        self.s390_gprs.extend(int(v, 16) for v in vals)
        if len(self.s390_gprs) >= 16:
            self._set_regs([(f"r{i}", f"{v:x}") for i, v in enumerate(self.s390_gprs[:16])])
            self.s390_gprs = None
        return True

    # ----------------------------------------------------------------- modules
    def _modules_add(self, text: str) -> bool:
        """Add module names; True when the list may continue on the next line."""
        got = _MODULES_CACHE.get(text)
        if got is None:
            got = remember(_MODULES_CACHE, text, _read_modules(text), len(text))
        self.rep.modules.extend(got[0])
        return got[1]

    def _modules_more(self, t: str) -> bool:
        head = t.split(F.LAST_UNLOADED, 1)[0]
        toks = head.split()
        if not toks and not t.startswith(F.LAST_UNLOADED):
            return False
        if not all(_MODULE_TOKEN.match(tok) for tok in toks):
            return False
        self.modules_open = self._modules_add(t)
        return True

    # --------------------------------------------------------------- raw stacks
    def _hexdump_row(self, t: str) -> bool:
        m = _HEXDUMP_ROW.match(t)
        hd = self.hexdump
        if m is None or hd is None:
            self._end_hexdump()
            return False
        low = int(m.group(1), 16)
        start, end = hd["start"], hd["end"]
        base = (start & ~0xFFFF) | low
        if base + 32 <= start:
            base += 0x10000  # the rows crossed a 64 KiB boundary
        body = m.group(2)
        words = hd["words"]
        if F.HEXDUMP_CELL == 9 and _HEXDUMP_CELLS.fullmatch(body) is not None:
            for addr, cell in enumerate(body.split(), 0):
                addr = base + addr * 4
                if start <= addr < end and len(words) < MAX_STACK_WORDS:
                    words[addr] = int(cell, 16)
            return True
        for k in range(0, len(body), F.HEXDUMP_CELL):
            cell = body[k:k + F.HEXDUMP_CELL].strip()
            addr = base + (k // F.HEXDUMP_CELL) * 4
            if len(cell) == 8 and set(cell) <= _HEX and start <= addr < end and len(words) < MAX_STACK_WORDS:
                words[addr] = int(cell, 16)
        return True

    def _end_hexdump(self) -> None:
        hd, self.hexdump = self.hexdump, None
        if not hd or not hd["words"]:
            return
        little = self._little()
        run_start = None
        buf = bytearray()
        prev = None
        for addr in sorted(hd["words"]):
            if prev is not None and addr != prev + 4:
                self._stack(run_start, bytes(buf), 4, little, hd["what"])
                buf = bytearray()
                run_start = None
            if run_start is None:
                run_start = addr
            buf += hd["words"][addr].to_bytes(4, "little" if little else "big")
            prev = addr
        self._stack(run_start, bytes(buf), 4, little, hd["what"])

    def _word_row(self, t: str) -> bool:
        ws = self.wordstack
        m = _WORD_ROW.match(t)
        if m is None or ws is None:
            self._end_wordstack()
            return False
        toks = m.group(1).split()
        width = len(toks[0])
        if ws["width"] and width != ws["width"] or any(len(x) != width for x in toks):
            self._end_wordstack()
            return False
        ws["width"] = width
        if len(ws["words"]) < MAX_STACK_WORDS:
            ws["words"].extend(int(x, 16) for x in toks)
        return True

    def _end_wordstack(self) -> None:
        ws, self.wordstack = self.wordstack, None
        if not ws or not ws["words"]:
            return
        self._pending_wordstacks.append(ws)

    def _resolve_wordstacks(self) -> None:
        # the dump starts at the stack pointer (canonical alias, set by _aliases; mips prints
        # its registers after the dump, hence this runs once the report is read)
        sp = self.rep.registers.get("sp")
        little = self._little()
        for ws in self._pending_wordstacks:
            if sp is None or little is None:
                continue
            size = ws["width"] // 2
            data = b"".join(w.to_bytes(size, "little" if little else "big") for w in ws["words"])
            self._stack(sp, data, size, little, "stack")

    def _stack(self, base, data: bytes, word: int, little, what: str) -> None:
        if base is None or not data or little is None:
            return
        self.rep.stacks.append(StackDump(base=base, data=data, word_size=word, little_endian=little, what=what))

    def _little(self) -> bool | None:
        arch = self.rep.arch or self.arch_hint
        info = F.ARCH_INFO.get(arch or "")
        return info["little"] if info else True

    def _end_blocks(self) -> None:
        self._end_hexdump()
        self._end_wordstack()
        if self.s390_gprs is not None:
            self.s390_gprs = None
        if self.code_rows is not None:
            self._end_code_rows()
        self.modules_open = False

    # ------------------------------------------------------------------- code
    def _code_row(self, t: str, quiet: bool = False) -> bool:
        rows = self.code_rows
        assert rows is not None
        if self.code_kind == "s390":
            body = t[len(F.S390_CODE):] if t.startswith(F.S390_CODE) else t
            body = body.strip()
            if body[:1] in (">", "#") or (body[:1] in _HEX and ":" in body[:20]):
                rows.append(body)
                return True
        elif self.code_kind == "words":
            toks = t.split()
            if toks and all(len(x.strip("<>")) == 8 for x in toks) and len(rows) < 4:
                rows.append(t)
                return True
        if not quiet:
            self._end_code_rows()
        return False

    def _end_code_rows(self) -> None:
        rows, self.code_rows = self.code_rows, None
        if rows:
            self.code_rows_done = (self.code_kind, rows)

    # -------------------------------------------------------------- call trace
    def _start_trace(self, header: str | None) -> None:
        if header == "Call trace:":
            self.shape_hint = self.shape_hint or "arm64"
        self.in_trace = True
        self.section_frames = 0
        self.arm_pending = None

    def _end_trace(self) -> None:
        if not self.in_trace:
            return
        if self.arm_pending is not None:
            self._add(self.arm_pending)
            self.arm_pending = None
        self.in_trace = False
        if self.section_frames:
            self.trace_done = True

    def _add(self, f: Frame) -> None:
        if len(self.frames) < MAX_FRAMES:
            self.frames.append(f)
            self.section_frames += 1

    def _trace_line(self, t: str) -> bool:
        """Consume one line of a call trace; False when the line is not part of one."""
        if t.startswith(F.TRACE_STOP_HEADERS):
            self._end_trace()
            self.stop_trace = True
            return True
        # context markers, possibly followed by a frame on the same line (pre-4.x x86)
        while t.startswith("<"):
            if t.startswith("<<EOE>>"):
                self._marker(None)
                t = t[7:].lstrip()
                continue
            j = t.find(">")
            if j < 0:
                return False
            tok = t[1:j]
            if self.shape_hint is None:
                self.shape_hint = "x86"
            self.saw_marker = True
            if tok in F.CONTEXT_MARKERS:
                self._marker(F.CONTEXT_MARKERS[tok])
            elif tok.startswith(F.EXCEPTION_MARKER_PREFIX):
                self._marker("exception")
            elif tok.startswith("/" + F.EXCEPTION_MARKER_PREFIX):
                self._marker(None)
            else:
                return False
            t = t[j + 1:].lstrip()
            if not t:
                return True
        if " from " in t:
            g = _arm_from_groups(t)
            if g is not None:
                self._arm_from(g)
                return True
            m = _ARM_ENTERED.match(t)
            if m is not None:
                self._arm_entered(m)
                return True
        if t[0] == "r" and _ARM_REGS_IN_TRACE.match(t):
            return True  # saved registers printed under an arm backtrace entry
        hit = _TRACE_CACHE.get(t)
        if hit is None:
            hit = remember(_TRACE_CACHE, t, _read_trace_line(t), len(t))
        if hit.__class__ is int:  # not a frame line; 1: it still printed x86's "? "
            if hit and self.shape_hint is None:
                self.shape_hint = "x86"
            return False
        address, sym, off, size, mod, file, line, inlined, reliable, q, ppc, addr_len = hit
        if q and self.shape_hint is None:
            self.shape_hint = "x86"  # only x86's unwinders print "? " for guessed frames
        if ppc:
            self.shape_hint = self.shape_hint or "ppc"
        if addr_len > self.addr_width:
            self.addr_width = addr_len
        self._add(Frame(address=address, symbol=sym, offset=off, size=size, module=mod,
                        file=file, line=line, inlined=inlined, reliable=reliable, method="trace",
                        context=self.ctx[-1]))
        return True

    def _marker(self, ctx: str | None) -> None:
        if ctx is None:
            if len(self.ctx) > 1:
                self.ctx.pop()
        elif ctx == "task" and len(self.ctx) > 1 and self.ctx[-1] != "task":
            self.ctx = ["task"]  # <EOI>: back on the task stack
        else:
            self.ctx.append(ctx)

    def _arm_from(self, groups: tuple) -> None:
        self.shape_hint = self.shape_hint or "arm"
        waddr, wsym, woff, wsize, wmod, faddr, fsym, foff, fsize, fmod = groups
        pend = self.arm_pending
        if pend is not None and pend.symbol == (None if wsym.startswith("0x") else wsym):
            frame = pend  # the previous line's "from" is this function's return address
            if frame.address is None and waddr:
                frame.address = int(waddr, 16)
        else:
            if pend is not None:
                self._add(pend)
            raw = wsym.startswith("0x")
            frame = Frame(address=_hex(waddr) if waddr else (int(wsym, 16) if raw else None),
                          symbol=None if raw else wsym, offset=_hex(woff), size=_hex(wsize), module=wmod,
                          context=self.ctx[-1])
        self._add(frame)
        raw = fsym.startswith("0x")
        self.arm_pending = Frame(address=_hex(faddr) if faddr else (int(fsym, 16) if raw else None),
                                 symbol=None if raw else fsym, offset=_hex(foff), size=_hex(fsize),
                                 module=fmod, context=self.ctx[-1])

    def _arm_entered(self, m: re.Match) -> None:
        where, frm = int(m.group(1), 16), int(m.group(2), 16)
        pend = self.arm_pending
        if pend is None:
            self._add(Frame(address=where, context=self.ctx[-1]))
        else:
            self._add(pend)
        self.arm_pending = Frame(address=frm, context=self.ctx[-1])


# --------------------------------------------------------------- assembling
_MID_LINE = "truncated: input ends mid-line"


def _open_block(ex: "_Extractor") -> str | None:
    return "call trace" if ex.in_trace else "stack dump" if ex.hexdump is not None else None


def _extract_fields_py(rep: Report, lines: list, banner=(None, None), cut_line: int | None = None) -> str | None:
    """Fill every field of `rep` that `lines` (one report's cleaned lines, or (line, aux)
    pairs from `_with_continuations`) hold; `banner` is the (release, arch) of the boot
    banner before the report, or a function returning it, called only when the report
    does not name its release.  Returns a reason when the text ends inside a block the
    kernel always closes (a `<TASK>`/`<IRQ>` trace section, a `Stack:` dump), or, with
    `cut_line` (the number of a line the input ended inside), when that line was cut
    inside a call trace or stack dump."""
    ex = EXTRACTOR(rep)
    inside = ex.feed(lines, cut_line)
    cut = ex.finish()
    if inside:
        cut = f"{_MID_LINE} inside the {inside}"
    ex.complete(banner)
    return cut


def _contexts_from_entries(frames: list[Frame]) -> None:
    """Stack contexts of a trace printed without markers, from the interrupt / softirq
    entry functions it passes through (`fields.CONTEXT_ENTRIES`), outermost first."""
    if not any(f.symbol in F.CONTEXT_ENTRIES for f in frames):
        return
    ctx = "task"
    for f in reversed(frames):
        ctx = F.CONTEXT_ENTRIES.get(f.symbol or "", ctx)
        f.context = ctx


def _arch(ex: _Extractor) -> str | None:
    rep = ex.rep
    hint = ex.arch_hint
    width = 16 if any(v > 0xFFFFFFFF for v in ex.regs.values()) else (ex.addr_width or 0)
    by_release = _arch_by_release(rep.kernel_release) if rep.kernel_release else None
    if hint == "ppc":
        if by_release in ("ppc64", "ppc64le"):
            return "ppc64le" if ex.ppc_le or by_release == "ppc64le" else "ppc64"
        if width == 16 or any(len(k) == 5 and k.startswith("GPR") and v > 0xFFFFFFFF for k, v in ex.regs.items()):
            return "ppc64le" if ex.ppc_le else "ppc64"
        return "ppc"
    if hint == "s390x":
        return "s390x" if width == 16 or by_release == "s390x" else ("s390" if width == 8 else "s390x")
    if hint == "mips":
        return "mips64" if width == 16 else "mips"
    if hint == "riscv":
        return "riscv32" if width == 8 and by_release != "riscv64" else "riscv64"
    if hint == "arm" and (by_release == "arm64" or width == 16):
        return "arm64"
    if hint:
        return hint
    if by_release:
        return by_release
    if ex.shape_hint == "arm64":
        return "arm64"
    if ex.shape_hint == "arm":
        return "arm"
    if ex.shape_hint == "x86" and ex.addr_width:
        return "x86_64" if ex.addr_width > 8 else "i386"
    if ex.shape_hint == "ppc":
        return "ppc64" if ex.addr_width > 8 else "ppc"
    hw = rep.hardware or ""
    by_hw = next((a for key, a in F.ARCH_BY_HARDWARE if key in hw), None)
    return by_hw


def _aliases(rep: Report, ex: _Extractor) -> None:
    regs = dict(ex.regs)
    info = F.ARCH_INFO.get(rep.arch or "")
    if info:
        for alias, names in info["alias"].items():
            name = next((n for n in ((names,) if isinstance(names, str) else names) if n in regs), None)
            if alias not in regs and name is not None:
                regs[alias] = regs[name]
    rep.registers = {k: v & 0xFFFFFFFFFFFFFFFF for k, v in regs.items()}


def _fault_from_regs(rep: Report, ex: _Extractor) -> None:
    if rep.fault_address is None and ex.fault_pf and "CR2" in rep.registers:
        rep.fault_address = rep.registers["CR2"]


def _code(rep: Report, ex: _Extractor) -> None:
    info = F.ARCH_INFO.get(rep.arch or "") or {}
    little = info.get("little", True) if info else True
    c = None
    insn = None
    if ex.code_text is not None:
        c = codemod.parse_code(ex.code_text, little)
        if c is not None and ex.thumb:
            c.thumb = True
    elif ex.code_rows_done is not None:
        kind, rows = ex.code_rows_done
        if kind == "s390":
            parsed = codemod.parse_s390_code(rows)
            if parsed is not None:
                c, insn = parsed
        else:
            c = codemod.parse_code(" ".join(rows), little)
    if c is None:
        return
    rep.code = c.data
    rep.faulting_instruction = insn if insn is not None else codemod.faulting_instruction(c, rep.arch)


def _same_function(f: Frame, loc: _Loc) -> bool:
    if f.symbol is None and loc.symbol is None:
        return f.address is not None and f.address == loc.address
    return f.symbol is not None and f.symbol == loc.symbol


def _frames(ex: _Extractor) -> list[Frame]:
    """The printed trace, with frame 0 from the pc line and a leaf function's caller from
    the lr line where the trace leaves them out (see `crashpipe.formats.fields`)."""
    frames = list(ex.frames)
    pc, lr = ex.pc, ex.lr
    if pc is not None and pc.address is None and "pc" in ex.rep.registers:
        pc.address = ex.rep.registers["pc"]
    if lr is not None and lr.address is None and "lr" in ex.rep.registers:
        lr.address = ex.rep.registers["lr"]
    physical = [f for f in frames if not f.inlined]
    first = physical[0] if physical else None
    if pc is not None and (pc.symbol is not None or pc.address is not None):
        if first is not None and _same_function(first, pc) and (first.offset is None or first.offset == pc.offset):
            # the trace starts at the pc: complete its first frame from the pc line
            first.offset = first.offset if first.offset is not None else pc.offset
            first.size = first.size if first.size is not None else pc.size
            first.module = first.module or pc.module
            if first.address is None:
                first.address = pc.address
        else:
            if first is not None and first.offset is None and lr is not None and _same_function(first, lr):
                # arm prints the lr's function when the pc is not in kernel text
                first.offset, first.size = lr.offset, lr.size
                first.module = first.module or lr.module
                if first.address is None:
                    first.address = lr.address
            frames.insert(0, Frame(address=pc.address, symbol=pc.symbol, offset=pc.offset, size=pc.size,
                                   module=pc.module, method="regs", context=frames[0].context if frames else "task"))
    if lr is not None and lr.symbol is not None and pc is not None and lr.symbol != pc.symbol:
        phys = [f for f in frames if not f.inlined]
        nxt = phys[1] if len(phys) > 1 else None
        if nxt is None or nxt.symbol != lr.symbol:
            # a leaf function's caller, printed only on the lr line
            at = frames.index(phys[0]) + 1 if phys else 0
            frames.insert(at, Frame(address=lr.address, symbol=lr.symbol, offset=lr.offset, size=lr.size,
                                    module=lr.module, method="regs", context=phys[0].context if phys else "task"))
    return frames


# The extractor extract_fields runs: the compiled twin of `_Extractor` (crashpipe/_extract.pyx,
# tests/test_extract_fast.py) when the extension is built, else `_Extractor` itself.
try:
    from crashpipe import _extract
except ImportError:  # extension not built: the reference runs
    _extract = None
if _extract is not None:
    _extract.init(sys.modules[__name__])
EXTRACTOR = _extract.Extractor if _extract is not None else _Extractor
_with_continuations = _extract.with_continuations if _extract is not None else _with_continuations_py
_span_text = _extract.span_text if _extract is not None else _span_text_py
_parse_span = _extract.parse_span if _extract is not None else _parse_span_py
# (the compiled one runs the compiled extractor; the reference runs EXTRACTOR)
extract_fields = _extract.extract_fields if _extract is not None else _extract_fields_py
