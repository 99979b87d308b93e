"""Titles in syzkaller's vocabulary for a found report.

The report text is rebuilt the way syzkaller's Linux parser sees it (lines of the
header's printer only, unreliable `?` frames dropped when the log carries timestamps, a
panic_on_warn panic after a long report cut off, text after the next report's header
not used for the title), then the header's formats (`formats.oopses`) are tried: the
earliest-matching `title` pattern wins, its `report` pattern supplies arguments, and the
`stack` parts walk the trace to the first frame not skipped (`formats.frames`).
"""
from __future__ import annotations

import bisect
import itertools
import operator
import re
import re._constants as _sre_consts
import re._parser as _sre_parser
from dataclasses import dataclass, field

import re2

from crashpipe.pattern import Fast

from crashpipe.demangle import demangle
from crashpipe.formats import frames as FR
from crashpipe.formats import oopses as F
from crashpipe.formats import titles as T
from crashpipe.lines import Line
from crashpipe.memo import remember
from crashpipe.split import Span, continues_report, log_index, match_header

try:  # the per-line loops in C (crashpipe/_titles.pyx); the functions here are the reference
    from crashpipe import _titles as _ext
except ImportError:  # not built: the pure-Python reference
    _ext = None


@dataclass
class TitleInfo:
    title: str | None
    alt_titles: list[str] = field(default_factory=list)
    kind: str | None = None
    corrupted: bool = False
    corrupted_reason: str | None = None


def _expand(pattern: str) -> str:
    for k, v in F.TEMPLATES.items():
        pattern = pattern.replace(k, v)
    return pattern


_CACHE: dict[str, object] = {}


def _rx(pattern: str):
    """The table pattern compiled for bytes: report text is matched as UTF-8 bytes, which
    spares re2's binding a conversion of the text on every call."""
    rx = _CACHE.get(pattern)
    if rx is None:
        rx = Fast(re2.compile(_expand(pattern).encode()))
        _CACHE[pattern] = rx
    return rx


_META = set(".^$*+?()[]{}|\\")


def required_prefix(pattern: str) -> str:
    """Literal text every match of `pattern` starts with ("" when unknown): a cheap
    `in` test that spares running patterns that cannot match."""
    depth = 0
    i = 0
    while i < len(pattern):  # an alternation at the top level leaves no common prefix
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":  # a class: skip to its closing bracket
            j = i + 1
            if pattern[j:j + 1] == "^":
                j += 1
            if pattern[j:j + 1] == "]":
                j += 1
            while j < len(pattern) and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i = j + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return ""
        i += 1
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            nxt = pattern[i + 1:i + 2]
            if not nxt or nxt.isalnum():
                break
            out.append(nxt)
            i += 2
        elif ch in _META:
            break
        else:
            out.append(ch)
            i += 1
        if pattern[i:i + 1] in ("*", "?", "{"):  # the last literal is optional
            out.pop()
            break
    return "".join(out)


_PREFIX_CACHE: dict[str, bytes] = {}


def _prefix(pattern: str) -> bytes:
    pre = _PREFIX_CACHE.get(pattern)
    if pre is None:
        pre = _PREFIX_CACHE[pattern] = required_prefix(_expand(pattern)).encode()
    return pre


def _search(pattern: str, text: bytes):
    pre = _prefix(pattern)
    if pre and pre not in text:
        return None
    return _rx(pattern).search(text)


_STACK_START = tuple(_rx(p) for p in FR.STACK_START)
_ANY_STACK_START = _rx("|".join(f"(?:{p})" for p in FR.STACK_START))
# All frame-line patterns are anchored at the line start, so one alternation picks the
# same pattern a first-match loop would; its groups are the union of theirs.
_ANY_FRAME = _rx("|".join(f"(?:{p})" for p in FR.FRAME_LINES))
_CORRUPTED_LINES = tuple(_rx(p) for p in FR.CORRUPTED_LINES)
_HEADERLESS = _rx("(?m)" + FR.HEADERLESS_FRAME)
_STACK_START_HINTS = tuple(h.encode() for h in FR.STACK_START_HINTS)
# Each start pattern with the longest hint its matches hold (one the pattern spells out).
_STACK_START_KEYED = tuple((rx, max((h.encode() for h in FR.STACK_START_HINTS if h in p), key=len, default=b""))
                           for rx, p in zip(_STACK_START, FR.STACK_START))
_STACK_START_HINT_STR = tuple(h.decode() for _, h in _STACK_START_KEYED)


def _pattern_set(patterns) -> object | None:
    """An RE2::Set of the (table) patterns, compiled for bytes like `_rx`; None if re2
    cannot build one (callers then test each pattern)."""
    try:
        rs = re2.Set.SearchSet()
        for p in patterns:
            rs.Add(_expand(p).encode())
        rs.Compile()
        return rs
    except Exception:  # noqa: BLE001
        return None


def _set_hits(rs, text: bytes) -> set[int] | None:
    """Indexes of the set's patterns that match somewhere in `text`, or None when the set
    cannot say (no set, its DFA ran out of memory, or nothing matches): exact when given."""
    if rs is None:
        return None
    last = _LAST_HITS
    if last[0] is rs and last[1] is text:  # (the tail check and the corruption check ask in turn)
        return last[2]
    try:
        got = rs.Match(text)
    except Exception:  # noqa: BLE001
        return None
    hits = set(got) if got else None
    last[:] = [rs, text, hits]
    return hits


_LAST_HITS: list = [None, None, None]  # the last set asked, the text (held) and the answer


_STACK_START_SET = _pattern_set(FR.STACK_START)
_CORRUPTED_LINE_HINT = FR.CORRUPTED_LINE_HINT.encode()
# These two run on frame names and titles (str).
_STALL_ANCHORS = Fast(re2.compile("|".join(FR.STALL_ANCHORS)))
_CORRUPTED_TITLES = tuple(Fast(re2.compile(p)) for p in T.CORRUPTED_TITLES)
_REPLACEMENTS = tuple((Fast(re2.compile(p)), r, h, d) for p, r, h, d in T.REPLACEMENTS)
# Runs on the format strings of the tables (trusted, short), not on report text.
_FMT_ARG = re.compile(r"\{([0-9]+)\}")
_SKIP_CACHE: dict[tuple[str, ...], object] = {}

# How far past the report's own text the corruption check may look (it searches the
# whole rest of the printer's output for a stack trace), bounded so that a log with many
# reports costs linear time.
_TAIL_LINES = 400
_TAIL_HEADERS = 2  # ...and stops at the second report header after the one that ends it
# A report longer than this (a trace of 200k frames, a flood of interleaved lines) is
# read no further: titles only ever need its beginning.
_MAX_REPORT_LINES = 5000
NO_FRAMES = "extracted no frames"


class _SkipEither:
    """The skip list of a format with extra patterns, as two searches: the common list
    (one re2 program every format shares, so its DFA stays warm) and the format's extra
    alternation; a name matches the union iff it matches either."""

    __slots__ = ("common", "extra")

    def __init__(self, common, extra) -> None:
        self.common = common
        self.extra = extra

    def search(self, text):
        m = self.common.search(text)
        return m if m is not None else self.extra.search(text)


def _skip_rx(extra: tuple[str, ...]):
    """The skip list with a format's extra patterns, compiled without capturing groups
    (only whether a name matches is asked: re2 then finds no submatches, which cost
    more than the search)."""
    rx = _SKIP_CACHE.get(extra)
    if rx is None:
        if extra and not any("(?" in p.replace("(?:", "") for p in FR.SKIP + extra):
            # (no inline flags, which would reach across the top-level "|" of the union)
            rx = _SkipEither(_skip_rx(()), _skip_fast("|".join(extra)))
        else:
            rx = _skip_fast("|".join(FR.SKIP + extra))
        _SKIP_CACHE[extra] = rx
    return rx


# Per compiled skip alternation: its literals (one of which every name it matches holds)
# by the hash of their first three bytes, and a bitmap of those hashes: the compiled walk
# asks re2 only about a name holding one of them (most names hold none).
_SKIP_LITERALS: dict[object, tuple[bytes, dict[int, tuple[bytes, ...]]]] = {}


def _trigram_hash(b: bytes) -> int:
    return (b[0] * 961 + b[1] * 31 + b[2]) & 0xFFFF


def _skip_fast(pattern: str):
    rx = Fast(re2.compile(_no_captures(pattern).encode()))
    try:
        tree = _sre_parser.parse(pattern)
        lits = None
        if not tree.state.flags & ~(_sre_consts.SRE_FLAG_UNICODE | _sre_consts.SRE_FLAG_MULTILINE):
            lits = _required_in(list(tree))
    except Exception:  # noqa: BLE001 - (any doubt: re2 decides every name)
        lits = None
    if lits and min(len(x) for x in lits) >= 3:
        table: dict[int, list[bytes]] = {}
        bitmap = bytearray(1 << 13)
        for lit in sorted(x.encode() for x in lits):
            h = _trigram_hash(lit)
            table.setdefault(h, []).append(lit)
            bitmap[h >> 3] |= 1 << (h & 7)
        _SKIP_LITERALS[rx] = (bytes(bitmap), {h: tuple(v) for h, v in table.items()})
    return rx


def _skip_may_match(rx, name: bytes) -> bool:
    """Whether `name` holds one of the skip pattern's literals (True when unknown): the
    reference of the compiled check."""
    got = _SKIP_LITERALS.get(rx)
    if got is None:
        return True
    return any(lit in name for lits in got[1].values() for lit in lits)


def _no_captures(pattern: str) -> str:
    """`pattern` with its capturing groups made non-capturing: the same matches.  (Table
    patterns; one with a POSIX class or \\Q quoting, which this scan does not follow,
    or that it would leave with a group, is returned as it is.)"""
    if "[:" in pattern or "\\Q" in pattern:
        return pattern
    out = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i:i + 2])
            i += 2
        elif in_class:
            in_class = ch != "]"
            out.append(ch)
            i += 1
        elif ch == "[":
            j = i + 1
            if pattern[j:j + 1] == "^":
                j += 1
            if pattern[j:j + 1] == "]":  # (a "]" first in a class is itself)
                j += 1
            out.append(pattern[i:j])
            in_class = True
            i = j
        elif ch == "(" and pattern[i + 1:i + 2] != "?":
            out.append("(?:")
            i += 1
        elif ch == "(" and pattern.startswith(("(?P<", "(?<"), i):
            out.append("(?:")
            i = pattern.index(">", i) + 1
        else:
            out.append(ch)
            i += 1
    got = "".join(out)
    try:
        if re2.compile(got).groups != 0:
            return pattern
    except Exception:  # noqa: BLE001
        return pattern
    return got


def _skip_union(extra: tuple[str, ...]):
    """The skip list as one alternation (the reference for _SkipEither)."""
    return Fast(re2.compile("|".join(FR.SKIP + extra).encode()))


def _format_re(fmt: str, args: list[str]) -> str:
    """_format by substitution (the reference)."""
    def sub(m) -> str:
        i = int(m.group(1))
        return args[i - 1] if 1 <= i <= len(args) else "%!v(BADINDEX)"
    return _FMT_ARG.sub(sub, fmt)


_FMT_PARTS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {}  # (table strings: bounded)


def _fmt_parts(fmt: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The literals of `fmt` and the argument numbers between them (remembered)."""
    pieces = _FMT_ARG.split(fmt)  # literal, digits, literal, digits, ..., literal
    parts = _FMT_PARTS[fmt] = (tuple(pieces[0::2]), tuple(int(d) for d in pieces[1::2]))
    return parts


def _format(fmt: str, args: list[str]) -> str:
    """The format string with `{N}` replaced by args[N-1] (a bad index says so, as Go's
    fmt does); the string is split at its placeholders once."""
    parts = _FMT_PARTS.get(fmt)
    if parts is None:
        parts = _fmt_parts(fmt)
    lits, idx = parts
    if not idx:
        return fmt
    n = len(args)
    out = [lits[0]]
    for i, lit in zip(idx, lits[1:]):
        out.append(args[i - 1] if 1 <= i <= n else "%!v(BADINDEX)")
        out.append(lit)
    return "".join(out)


def _strip_frame(name: str) -> str:
    got = _STRIPPED.get(name)
    if got is None:
        got = remember(_STRIPPED, name, _strip_frame_uncached(name), len(name))
    return got


_STRIPPED: dict[str, str] = {}  # frame names repeat across reports: each is stripped once


_SYSCALL_PREFIXES = tuple(FR.STRIP_FRAME_PREFIXES)


def _strip_frame_uncached(name: str) -> str:
    if not name.startswith(_SYSCALL_PREFIXES):
        return name  # (most names: no prefix to strip)
    best = name
    for p in FR.STRIP_FRAME_PREFIXES:
        if name.startswith(p) and len(name) - len(p) < len(best):
            best = name[len(p):]
    return best


_STALL_HIT: dict[str, bool] = {}  # stripped frame name -> it matches a stall anchor


def _is_stall_anchor(name: str) -> bool:
    got = _STALL_HIT.get(name)
    if got is None:
        got = remember(_STALL_HIT, name, _STALL_ANCHORS.search(name) is not None, len(name))
    return got


def _hang_frame(frames: list[str]) -> tuple[int, str | None]:
    for i, fr in enumerate(frames):
        for anchor, repl in FR.HANG_ANCHORS:
            if anchor in fr:
                return i, repl
    for i, fr in enumerate(frames):
        if not any(s in fr for s in FR.HANG_SKIP):
            return i, None
    return -1, None


def _key_frame(raw: list[str], extractor: str | None) -> tuple[str, str]:
    """(canonical, raw) name of the guilty frame among `raw`, or ("", "")."""
    if not raw:
        return "", ""
    if extractor is None:
        return _strip_frame(raw[0]), raw[0]
    if extractor == "stall":
        # the frame above the first dispatch point (STALL_ANCHORS) among the stripped
        # names (stripped only as far as the search reads); the anchor itself when it
        # names the loop
        prev = 0
        for i, f in enumerate(raw):
            fr = _strip_frame(f)
            if _is_stall_anchor(fr):
                j = i if FR.STALL_SELF_ANCHOR in fr else prev
                name = _strip_frame(raw[j])
                if FR.STALL_SELF_ANCHOR in name:
                    return FR.STALL_SELF_ANCHOR, raw[j]
                return name, raw[j]
            prev = i
        return "", ""
    stripped = [_strip_frame(f) for f in raw]
    i, repl = _hang_frame(stripped)
    if i < 0:
        return "", ""
    return (repl or stripped[i]), raw[i]


def _add_frames(frames: list[str], m, skip) -> None:
    _add_groups(frames, m.groups(), skip)


# Frame names repeat massively across reports: the names a match's groups contribute
# after demangling and the skip list, and what a trace line is (frame, stack start,
# corruption marker), are decided once per distinct value (bounded memos: entries, and
# only lines short enough to be frame lines are remembered).
_GROUP_NAMES: dict[tuple, tuple[str, ...]] = {}
_NAME_KEPT: dict[tuple, str | None] = {}  # (skip, one group) -> the name it adds, or None
_LINE_KIND: dict[bytes, tuple] = {}


def _add_groups(frames: list[str], groups: tuple, skip) -> None:
    key = (skip, groups)
    names = _GROUP_NAMES.get(key)
    if names is None:
        got = []
        size = 0
        for g in groups:
            if g is None:
                continue
            size += len(g)
            nk = (skip, g)
            name = _NAME_KEPT.get(nk, _NAME_KEPT)
            if name is _NAME_KEPT:  # not decided yet for this skip list
                orig = g
                if g[:2] in (b"_Z", b"_R"):  # skip patterns see the demangled name
                    g = demangle(g.decode("utf-8", "replace")).encode()
                name = g.decode("utf-8", "replace") if skip.search(g) is None else None
                remember(_NAME_KEPT, (skip, orig), name, len(orig))
            if name is not None:
                got.append(name)
        names = remember(_GROUP_NAMES, key, tuple(got), size)
    frames.extend(names)


def _line_kind_py(ln: bytes) -> tuple:
    """(corruption marker line, stack start line, groups of its frame match or None)."""
    kind = _LINE_KIND.get(ln)
    if kind is None:
        m = _ANY_FRAME.search(ln)
        kind = (_is_corrupted_line(ln), _is_stack_start(ln), m.groups() if m is not None else None)
        remember(_LINE_KIND, ln, kind, len(ln))
    return kind


def _is_stack_start(ln: bytes) -> bool:
    return any(h in ln for h in _STACK_START_HINTS) and _ANY_STACK_START.search(ln) is not None


def _is_corrupted_line(ln: bytes) -> bool:
    return _CORRUPTED_LINE_HINT in ln and any(rx.search(ln) for rx in _CORRUPTED_LINES)


def _walk_py(text_lines: list[bytes], parts: tuple[str, ...], skip, extractor: str | None, may_corrupt: bool = True,
             text: bytes | None = None, whole: bool = False):
    """Walk the report's lines along `parts`; ([(canonical, raw) frame per trace], ok).
    `may_corrupt` False says no line holds the fault-injection marker; `text` is the
    lines joined by newlines, and `whole` lets line-local parts search it in one go."""
    raw: list[str] = []
    results: list[tuple[str, str]] = []
    ok = True
    traces = 0
    pos = 0
    n = len(text_lines)
    opos = ooff = 0
    i = 0
    while True:
        if i == len(parts) or (parts[i] == F.PARSE_STACK and traces > 0):
            key = _key_frame(raw, extractor)
            if not key[0]:
                key, ok = ("corrupted", "corrupted"), False
            results.append(key)
            raw = []
        if i == len(parts):
            break
        part = parts[i]
        if part == F.PARSE_STACK:
            traces += 1
            nxt = _rx(parts[i + 1]) if i + 1 < len(parts) else None
            # The guilty frame of a plain walk is the first frame not skipped: once the
            # last trace has one, the lines after it cannot change the result (unless a
            # fault-injection line further down marks the report).
            settled = nxt is None and extractor is None and not may_corrupt
            while pos < n:
                if settled and raw:
                    break
                ln = text_lines[pos]
                pos += 1
                corrupt_line, stack_start, frame = _line_kind(ln)
                if corrupt_line:
                    ok = False
                    break
                if stack_start:
                    break
                if nxt is not None:
                    m = nxt.search(ln)
                    if m is not None:
                        _add_frames(raw, m, skip)
                        i += 1
                        break
                if frame is not None:
                    _add_groups(raw, frame, skip)
        elif whole and text is not None and not may_corrupt and _line_local(part):
            # the first line holding a match is where the first match in the whole text
            # is (see _line_local): one search instead of one per line
            # (the offset of line `pos` in `text` is kept as (opos, ooff) and advanced
            # with C-level finds: only as far as the walk goes, not for every line)
            m = None
            if pos < n:
                while opos < pos:
                    ooff = text.index(b"\n", ooff) + 1
                    opos += 1
                m = _rx(part).search(text, ooff)
            if m is None:
                pos = n
            else:
                _add_frames(raw, m, skip)
                at = m.start()
                nl = text.find(b"\n", at)
                if nl < 0:
                    pos = n  # the match is on the last line
                else:
                    # the line after the match's: its index and offset
                    pos = opos + text.count(b"\n", ooff, at) + 1
                    opos, ooff = pos, nl + 1
        else:
            rx = _rx(part)
            while pos < n:
                ln = text_lines[pos]
                pos += 1
                if may_corrupt and _is_corrupted_line(ln):  # (no line holds the marker otherwise)
                    ok = False
                    break
                m = rx.search(ln)
                if m is not None:
                    _add_frames(raw, m, skip)
                    break
        i += 1
    return results, ok


_NOT_LINE_LOCAL = ("^", "$", "[^", "\\s", "\\S", "\\W", "\\D", "\\n", "\\r", "\\t", "\\f", "\\v", "\\x",
                   "\\b", "\\B", "\\p", "\\P", "\\C", "\\Q", "\n")
_LOCAL_CACHE: dict[str, bool] = {}


def _line_local(pattern: str) -> bool:
    """Whether no match of `pattern` can hold a newline or depend on a line boundary: no
    anchors, negated classes, escapes that can stand for a newline, word boundaries or
    flags (".", without (?s), does not match one).  Then, in a text of lines joined by
    newlines, the first match lies inside the first line that holds a match, at the same
    place and with the same groups as a search of that line alone."""
    got = _LOCAL_CACHE.get(pattern)
    if got is None:
        got = _local_expanded(_expand(pattern))
        _LOCAL_CACHE[pattern] = got
    return got


def _local_expanded(exp: str) -> bool:
    return not any(t in exp for t in _NOT_LINE_LOCAL) and "(?" not in exp.replace("(?:", "")


def _part_plan(part: str) -> tuple:
    """How the compiled walk looks for a part of a stack walk: (the pattern for one line,
    a pattern whose first match in the text from a line's start on lies in the first
    line that holds a match, at the same place and with the same groups, or None when
    only a search line by line says that, and literals one of which every match holds,
    or ()).  The second is the part itself when it is line-local, and
    its multi-line form when it is line-local after a leading "^" (which then matches
    at every line start, and only there, as it does in a line alone)."""
    line_rx = _rx(part)
    exp = _expand(part)
    if _line_local(part):
        whole = line_rx
    elif exp.startswith("^") and _local_expanded(exp[1:]):
        whole = Fast(re2.compile(("(?m)" + exp).encode()))
    else:
        return line_rx, None, ()
    return line_rx, whole, required_literals(exp)


def required_literals(pattern: str) -> tuple[bytes, ...]:
    """ASCII literals one of which every match of `pattern` holds (a cheap `find`
    before re2 runs: where none is, nothing matches), or () when none of at least
    2 bytes is known (or more than 6 would be needed).  Read off Python's parse of the pattern, which has the same
    syntax for what this looks at; anything it cannot parse or any flag gives ()."""
    try:
        tree = _sre_parser.parse(pattern)
        if tree.state.flags & ~(_sre_consts.SRE_FLAG_UNICODE | _sre_consts.SRE_FLAG_MULTILINE):
            return ()
        got = _required_in(list(tree))
    except Exception:  # noqa: BLE001 - (any doubt: no literals)
        return ()
    if not got or len(got) > 6 or min(len(x) for x in got) < 2:
        return ()
    return tuple(sorted(x.encode() for x in got))


def _required_in(items) -> frozenset[str] | None:
    """For a parsed sequence: literals one of which every match holds (None: unknown);
    the best of those each item (and each run of literal characters) requires."""
    C = _sre_consts
    cands: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is C.LITERAL and 32 <= av < 127:
            run.append(chr(av))
            continue
        if run:
            cands.append(frozenset(["".join(run)]))
            run = []
        got = None
        if op is C.SUBPATTERN:
            _, add, delete, sub = av
            if add or delete:
                raise ValueError("flags")  # (a case-insensitive group: give up)
            got = _required_in(sub)
        elif op is C.BRANCH:
            alts = [_required_in(a) for a in av[1]]
            if all(a is not None for a in alts):
                got = frozenset().union(*alts)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] >= 1:
            got = _required_in(av[2])
        if got:
            cands.append(got)
    if run:
        cands.append(frozenset(["".join(run)]))
    if not cands:
        return None
    # (a literal holding another is implied by it: "NIP" by "IP")
    cands = [frozenset(x for x in c if not any(y != x and y in x for y in c)) for c in cands]
    return max(cands, key=lambda c: (min(len(x) for x in c), -len(c)))


def _walk_text_py(text: bytes, parts: tuple[str, ...], skip, extractor: str | None, may_corrupt: bool = True):
    """_walk_py over the lines of `text` (the signature of the compiled walk)."""
    return _walk_py(text.split(b"\n"), parts, skip, extractor, may_corrupt, text, True)


if _ext is not None and getattr(_ANY_FRAME, "_raw", None) is not None:
    # (the extension calls re2's engine binding the way pattern.Fast does: only when
    # this binding version has it)
    _ext.configure(_rx, _add_groups, _is_corrupted_line, _LINE_KIND, _GROUP_NAMES, F.PARSE_STACK, _ANY_FRAME,
                   _ANY_STACK_START, _CORRUPTED_LINE_HINT, _STACK_START_HINTS)
    _ext.configure_walk(_part_plan)
    _walk, _line_kind = _ext.walk, _ext.line_kind
else:
    _walk, _line_kind = _walk_text_py, _line_kind_py


def _stack_frames(stack: F.Stack, text: bytes):
    skip = _skip_rx(stack.skip)
    may_corrupt = _CORRUPTED_LINE_HINT in text
    res, ok = _walk(text, stack.parts, skip, stack.extractor, may_corrupt)
    if ok:
        return res, ok
    if stack.parts2:
        res, ok = _walk(text, stack.parts2, skip, stack.extractor, may_corrupt)
    if not ok:
        # (a walk whose first part, the headerless frame, matches no line finds no
        # frame: this needs no search of _HEADERLESS first)
        res2, ok2 = _walk(text, FR.HEADERLESS_PARTS, skip, stack.extractor, may_corrupt)
        if ok2:
            return res2, ok2
    return res, ok


_STRIP_PREFIXES = tuple(FR.STRIP_FRAME_PREFIXES)


def _partially_stripped(prefix: list[str], frames: list[tuple[str, str]]) -> list[list[str]]:
    if not any(raw.startswith(_STRIP_PREFIXES) for _, raw in frames):
        return [prefix + [raw for _, raw in frames]]  # no prefix strips anything: only the first list
    out = []
    for i in range(len(FR.STRIP_FRAME_PREFIXES) + 1):
        strip = "" if i == 0 else FR.STRIP_FRAME_PREFIXES[i - 1]
        add = i == 0
        lst = []
        for _, raw in frames:
            t = raw[len(strip):] if strip and raw.startswith(strip) else raw
            if t != raw:
                add = True
            lst.append(t)
        if add:
            out.append(prefix + lst)
    return out


_TITLE_SETS: dict[int, object] = {}  # id(oops) -> re2.Set of its formats' title patterns and
# the stack-start patterns, or None


def _title_hits(oops: F.Oops, text: bytes) -> set[int] | None:
    """Indexes of the formats of `oops` whose title pattern matches somewhere in `text`,
    found in one pass of re2's multi-pattern matcher (RE2::Set) instead of one search per
    format; None when the set cannot answer (it does not compile, its DFA runs out of
    memory, or nothing matches), and the caller then searches every format as before.
    An index it gives is exact: the same pattern, options and text as `_search`."""
    key = id(oops)
    rs = _TITLE_SETS.get(key, _TITLE_SETS)
    if rs is _TITLE_SETS:
        # The same pass answers for the stack-start patterns (appended after the
        # formats): the tail and corruption checks ask about this text next.
        rs = None
        if len(oops.formats) > 2:
            rs = _pattern_set([f.title for f in oops.formats] + list(FR.STACK_START))
        _TITLE_SETS[key] = rs
    if rs is None:
        return None
    try:
        got = rs.Match(text)
    except Exception:  # noqa: BLE001
        return None
    if not got:
        got = ()
    nf = len(oops.formats)
    titles = {k for k in got if k < nf}
    if _STACK_START_SET is not None:
        # exactly what _set_hits(_STACK_START_SET, text) answers (a set's answer for
        # one pattern does not depend on the others)
        _LAST_HITS[:] = [_STACK_START_SET, text, {k - nf for k in got if k >= nf} or None]
    return titles or None


def _describe_py(text: bytes, oops: F.Oops):
    """(title, corrupted reason, alt titles, format) from the report text (the
    reference of the compiled describe)."""
    start = len(text) + 1
    desc = ""
    corrupted: str | None = None
    alts: list[str] = []
    used: F.Format | None = None
    matched_title = False
    hits = _title_hits(oops, text)
    formats = oops.formats
    # (formats whose title pattern matches nowhere in the text are left out: _search
    # would give None for them)
    for k in range(len(formats)) if hits is None else sorted(hits):
        f = formats[k]
        m = _search(f.title, text)
        if m is None or m.start() > start:
            continue
        if m.start() == start and desc:
            continue
        if m.start() < start:
            desc, used, start = "", None, m.start()
        matched_title = True
        if f.report is not None:
            m = _search(f.report, text)
            if m is None:
                continue
        args = [g.decode("utf-8", "replace") if g is not None else "" for g in m.groups()]
        frames: list[tuple[str, str]] = []
        corrupted = None
        if f.stack is not None:
            frames, ok = _stack_frames(f.stack, text[m.start():])
            if not ok:
                corrupted = NO_FRAMES
        full = args + [c for c, _ in frames]
        desc = _format(f.fmt, full)
        alts.extend(_format(a, full) for a in f.alt)
        for seq in _partially_stripped(args, frames):
            if seq == full:
                continue  # (its title is desc, its alts were just added: nothing new)
            t = _format(f.fmt, seq)
            if t != desc:
                alts.append(t)
            alts.extend(_format(a, seq) for a in f.alt)
        alts = list(dict.fromkeys(alts))
        used = f
    if not desc:
        if matched_title:
            corrupted = "matched title but not report regexp"
        pos = text.find(oops.header.encode())
        if pos < 0:
            return "", corrupted, alts, None
        end = text.find(b"\n", pos)
        desc = (text[pos:] if end < 0 else text[pos:end]).decode("utf-8", "replace")
    if corrupted is None and used is not None and used.corrupted:
        corrupted = "report format is marked as corrupted"
    return desc, corrupted, alts, used


# --- the corruption check -------------------------------------------------------------
#
# syzkaller looks for a stack trace in the whole rest of the printer's output, not only in
# the title text (`_stack_corruption_py` is that rule, on the full text).  `_corruption_py`
# gives the same verdict from the title text and, only when it can matter, the rest:
# answers about the title text (the stack-start set hits `_describe` left) are reused, and
# of the rest only the part past the title text is searched.


def _stack_corruption_py(title: str, report: bytes, used: F.Format | None) -> str | None:
    """Why the report whose full text is `report` is corrupted, or None (syzkaller's rule,
    the reference for `_corruption`)."""
    if _title_corrupted(title):
        return "title matches corrupted regexp"
    if used is None or used.no_stack_trace:
        return None
    has_stack = False
    hits = _set_hits(_STACK_START_SET, report)
    for k, (rx, hint) in enumerate(_STACK_START_KEYED):
        if hits is not None and k not in hits:
            continue  # matches nowhere in the report
        if hint not in report:
            continue
        m = rx.search(report)
        if m is None:
            continue
        got = _look_at(report, m.start(), False)
        if got is not None:
            return got
        has_stack = True
    if not has_stack and _HEADERLESS.search(report) is None:
        return "no stack trace in report"
    return None


_TITLE_HINTS = tuple(required_prefix(p) for p in T.CORRUPTED_TITLES)


def _title_corrupted(title: str) -> bool:
    return any((not h or h in title) and rx.search(title) is not None for rx, h in zip(_CORRUPTED_TITLES, _TITLE_HINTS))


_UNDECIDED = "undecided"


def _look_at(buf: bytes, p: int, open_end: bool) -> str | None:
    """The corruption check's look at the lines after a stack start at `p`: its reason, or
    None when a frame follows.  With `open_end`, `buf` (ending with a newline) may go on:
    _UNDECIDED when the verdict depends on what follows."""
    rest = buf[p:].split(b"\n", 16)
    if len(rest) < 4:
        return _UNDECIDED if open_end else "call trace is missed"
    for i in range(1, min(len(rest), 16)):
        if open_end and i == len(rest) - 1:
            return _UNDECIDED  # (the empty piece after buf's last newline: what follows)
        ln = rest[i]
        _, stack_start, frame = _line_kind(ln)
        if stack_start:
            break
        if frame is not None or b"(stack is not available)" in ln:
            return None
    return "no frames in a stack trace"


_ASCII_DIGIT = re.compile("[0-9]")


def _has_digit(title: str) -> bool:
    if title.isascii():
        return _ASCII_DIGIT.search(title) is not None
    return any(c.isdigit() for c in title)


def _after_class(exp: str) -> str | None:
    """What follows a leading negated class of plain characters that is not repeated
    (None: the expanded pattern does not start so)."""
    end = exp.find("]", 3)
    if not exp.startswith("[^") or end < 0 or "\\" in exp[2:end] or "[" in exp[2:end]:
        return None
    after = exp[end + 1:]
    return after if after[:1] not in ("", "*", "+", "?", "{") else None


def _starts_near_hint(pattern: str) -> bool:
    """Whether a match of `pattern` can hold a newline only as its first character and
    no assertion looks outside the match: the pattern is line-local (see _line_local), or
    it is a negated class of plain characters, not repeated, then a line-local rest.  Then
    (1) in `text + rest`, with `text` ending in a newline, a match that is not one within
    `text` starts at or after text's last newline, and (2) the first match at or after a
    position starts at most one character before the line holding the first occurrence,
    from there on, of a literal every match holds (its hint)."""
    exp = _expand(pattern)
    if _line_local(exp):
        return True
    after = _after_class(exp)
    return after is not None and _line_local(after)


def _start_literal(pattern: str, hint: str) -> str:
    """A literal every match of the stack-start pattern holds: the longest of its
    STACK_START_HINTS hint and the literal its matches start with (after a leading
    class)."""
    exp = _expand(pattern)
    after = _after_class(exp)
    return max((hint, required_prefix(exp), required_prefix(after) if after is not None else ""), key=len)


_START_NEAR_HINT = tuple(_starts_near_hint(p) for p in FR.STACK_START)
_START_LITERALS = tuple(_start_literal(p, h) for p, h in zip(FR.STACK_START, _STACK_START_HINT_STR))
_START_LITERALS_B = tuple(h.encode() for h in _START_LITERALS)
# Every match of the headerless frame pattern lies inside one line and starts at its
# start (a multi-line "^" and a line-local rest), and holds _HEADERLESS_HINT.
_HEADERLESS_HINT = " from "
_HEADERLESS_IN_LINE = FR.HEADERLESS_FRAME.startswith("^") and _line_local(FR.HEADERLESS_FRAME[1:])
# Literals whose lines the tail check asks about (as bits of LogArrays.hints: see
# _LogFacts.arrays).
_TAIL_HINTS = tuple(dict.fromkeys(_START_LITERALS + (_HEADERLESS_HINT,)))


def _first_start(k: int, buf: bytes, pos: int) -> int:
    """Where the first match of stack start k at or after `pos` starts, or -1."""
    rx, hint = _STACK_START_KEYED[k][0], _START_LITERALS_B[k]
    if _START_NEAR_HINT[k]:
        h = buf.find(hint, pos)
        if h < 0:
            return -1
        pos = max(pos, buf.rfind(b"\n", 0, h))  # (the newline before the hint's line)
    m = rx.search(buf, pos)
    return -1 if m is None else m.start()


def _tail_end(facts: "_LogFacts", lo: int) -> int:
    """The end of the lines the rest after a title text that ends before line `lo` can
    come from: _read_report stops at the (_TAIL_HEADERS + 1)-th main header after `lo`
    and after _TAIL_LINES lines."""
    mh = facts.main_sorted
    k = bisect.bisect_right(mh, lo) + _TAIL_HEADERS
    return min(lo + _TAIL_LINES, facts.n, mh[k] if k < len(mh) else facts.n)


def _corruption_py(title: str, text: bytes, used: F.Format | None, facts: "_LogFacts | None", first: int, lo: int,
                   reader) -> str | None:
    """_stack_corruption_py(title, text + rest, used), where the rest,
    `reader.rest_bytes()`, is the printer's output after the title text `text` (reader
    None: there is none).  With the
    log's `facts`, the title text comes from lines [first, lo) and the rest from lines
    [lo, ...); the rest is read only when one of these lines holds a literal the verdict
    looks for and the title text does not settle it, and then only its part past the
    title text is searched.  (The compiled twin reads a titles Reader's rest only as far
    as needed, and may use the lines of the title text in place of the stack-start set
    when _describe left no answer for this text.)"""
    if _title_corrupted(title):
        return "title matches corrupted regexp"
    if used is None or used.no_stack_trace:
        return None
    read = reader.rest_bytes if reader is not None else None
    if read is not None and (facts is None or not text.endswith(b"\n")):  # (the reader's texts end with one)
        text, read = text + read(), None
    if read is None:
        facts = None  # (only the rest's lines are asked about)
    whole = facts is None  # `full` is the whole text: the rest is read (or there is none)
    full = text
    hi = lo if whole else _tail_end(facts, lo)
    n = len(text)
    hits = _set_hits(_STACK_START_SET, text)
    has_stack = False
    for k, hint in enumerate(_START_LITERALS):
        if not _START_NEAR_HINT[k]:  # a match may span the title text's end
            if not whole:
                full, whole = text + read(), True
            p = _first_start(k, full, 0)
        else:
            p = _first_start(k, text, 0) if hits is None or k in hits else -1
            if p < 0 and facts is not None and facts.index.any_holding(hint, lo, hi):
                if not whole:
                    full, whole = text + read(), True
                p = _first_start(k, full, n - 1)  # (1) of _starts_near_hint
        if p < 0:
            continue
        got = _look_at(full, p, not whole)
        if got is _UNDECIDED:
            full, whole = text + read(), True
            got = _look_at(full, p, False)
        if got is not None:
            return got
        has_stack = True
    if has_stack:
        return None
    if not _HEADERLESS_IN_LINE:
        if not whole:
            full, whole = text + read(), True
        return None if _HEADERLESS.search(full) is not None else "no stack trace in report"
    if _HEADERLESS.search(text) is not None:
        return None
    if facts is not None and facts.index.any_holding(_HEADERLESS_HINT, lo, hi):
        if not whole:
            full, whole = text + read(), True
        if _HEADERLESS.search(full, n) is not None:  # (a match lies inside one line)
            return None
    return "no stack trace in report"


if _ext is not None and _walk is _ext.walk:
    _ext.configure_checks(_CORRUPTED_TITLES, _TITLE_HINTS, _set_hits, _LAST_HITS, _STACK_START_SET, tuple(rx for rx, _ in _STACK_START_KEYED),
                          _START_LITERALS_B, _START_NEAR_HINT, tuple(_TAIL_HINTS.index(h) for h in _START_LITERALS), _HEADERLESS,
                          _HEADERLESS_IN_LINE, _HEADERLESS_HINT.encode(), _TAIL_HINTS.index(_HEADERLESS_HINT), _TAIL_LINES,
                          _TAIL_HEADERS)
    _corruption = _ext.corruption
else:
    _corruption = _corruption_py


_SANITIZED: dict[str, str] = {}


def _sanitize_py(title: str) -> str:
    """The title as syzkaller stores it: replacement rules applied, only printable ASCII,
    spaces collapsed, capped.  (Titles repeat across reports: remembered, bounded.)
    The reference of the compiled sanitize, which `sanitize` is when built."""
    got = _SANITIZED.get(title)
    if got is None:
        got = remember(_SANITIZED, title, _sanitize(title), len(title))
    return got


# An ASCII title with no digit (which all replacement rules but the address one need)
# and no six hex letters in a row (which that one needs) is one no rule can change: its
# bytes mapped to b"0" for a digit, b"a" for a-f and b" " else tell (C loops, linear).
# (tests/test_titles.py checks the rules still need what this says they need)
_DIGIT_HEX_MAP = bytes(48 if 48 <= c <= 57 else 97 if 97 <= c <= 102 else 32 for c in range(256))


def _sanitize(title: str) -> str:
    if title.isascii():
        classes = title.encode("ascii").translate(_DIGIT_HEX_MAP)
        if b"0" in classes or b"aaaaaa" in classes:
            return _sanitize_rules(title)
        if title.isprintable() and "  " not in title:
            return title[: T.MAX_TITLE].strip()
        return _cap_printable(title)
    return _sanitize_rules(title)


def _sanitize_rules(title: str) -> str:
    """_sanitize, every rule tried (the reference for its shortcut)."""
    has_digit = _has_digit(title)
    for rx, repl, hint, needs_digit in _REPLACEMENTS:
        if (hint is not None and hint not in title) or (needs_digit and not has_digit):
            continue
        if rx.search(title) is None:  # (a search is much cheaper than a sub in re2's binding)
            continue
        for _ in range(64):  # each pass replaces at least one match; overlaps need more
            new = rx.sub(repl, title)
            if new == title:
                break
            title = new
            if rx.search(title) is None:  # another pass would change nothing
                break
        has_digit = _has_digit(title)
    # The cap counts UTF-8 bytes, dropped ones included (syzkaller's rule), and only
    # printable ASCII stays.
    if title.isascii() and title.isprintable() and "  " not in title:
        # nothing to drop or collapse (printable ASCII has no tab): the loop below
        # would only drop a leading space
        return title[: T.MAX_TITLE].strip()
    return _cap_printable(title)


def _cap_printable(title: str) -> str:
    out = []
    prev = " "
    for ch in title.encode("utf-8", "replace")[: T.MAX_TITLE].decode("ascii", "ignore"):
        if ch == "\t":
            ch = " "
        elif ch < " " or ch >= "\x7f":
            continue
        if ch == " " and prev == " ":
            continue
        out.append(ch)
        prev = ch
    return "".join(out).strip()


if _ext is not None and _walk is _ext.walk:
    _ext.configure_describe(_TITLE_SETS, _pattern_set, FR.STACK_START, _STACK_START_SET, _LAST_HITS,
                            _PREFIX_CACHE, _prefix, _skip_rx, FR.HEADERLESS_PARTS, _FMT_PARTS, _fmt_parts,
                            tuple(FR.STRIP_FRAME_PREFIXES), NO_FRAMES, _NAME_KEPT, _SkipEither, _STRIPPED,
                            _SANITIZED, _sanitize_rules, _cap_printable, T.MAX_TITLE, _SKIP_LITERALS)
    _ext.configure_frames(_STRIPPED, _STALL_HIT, _strip_frame, _is_stall_anchor, _SYSCALL_PREFIXES,
                          tuple(FR.HANG_ANCHORS), tuple(FR.HANG_SKIP), FR.STALL_SELF_ANCHOR)
    _describe, sanitize = _ext.describe, _ext.sanitize
else:
    _describe, sanitize = _describe_py, _sanitize_py


def _strip_line(ln: Line) -> tuple[str, bool]:
    """The line as syzkaller's parser reads it, and whether it is an unreliable frame
    (only told apart in logs with a console prefix)."""
    text = ln.text
    if ln.ts is None and ln.tag is None:
        return text, False
    if FR.END_OF_IRQ not in text:
        if FR.QUESTIONABLE_MARK in text:
            return text[text.find(" ? ") + 2:], True
        if text.endswith(FR.UNRELIABLE_SUFFIX):
            return text[: -len(FR.UNRELIABLE_SUFFIX)], True
    return text, False


_SKIP_MARKERS = (
    "Disabling lock debugging due to kernel taint", "Sending NMI from CPU", "Kernel panic - not syncing",
    "WARNING: possible circular locking dependency detected",
)


_NONNEGATIVE = (-1).__lt__
_EXTRA = bytes(o.extra for o in F.OOPSES)  # per header index: a crashpipe extra (not a main header)
_TEXT_OF = operator.attrgetter("text")


class _LogFacts:
    """Per-log facts every report of the log needs (`split.log_index`: header index and
    printer of each line, informational messages), the lines holding a marker that
    report_text reacts to, and whether the console connection dropped."""

    __slots__ = ("index", "lines", "n", "headers", "main_headers", "main_sorted", "texts", "special", "info", "contexts", "marked", "strip", "hangup", "_dropped", "_dropped_set", "_arrays")

    def __init__(self, lines: list[Line]) -> None:
        index = log_index(lines)
        self.index = index
        self.lines = lines
        self.n = len(lines)
        self.headers = index.headers
        # headers that end the text syzkaller reads (not crashpipe's extra ones)
        # (C-level iteration over the per-line header column: almost every entry is -1)
        headers = index.headers
        if _ext is not None and type(headers) is list:
            self.main_sorted = _ext.main_headers(headers, _EXTRA)
        else:
            self.main_sorted = [i for i in itertools.compress(range(len(headers)), map(_NONNEGATIVE, headers))
                                if not F.OOPSES[headers[i]].extra]
        self.info = index.info
        self.contexts = index.contexts
        self.marked: set[int] = set().union(*(index.holding(m) for m in _SKIP_MARKERS))
        self._dropped: list[int] | None = None
        self._dropped_set: set[int] | None = None
        self.hangup = bool(index.holding(T.CONSOLE_HANGUP))
        self._arrays = None

    def __getattr__(self, name: str):
        # built on first use (only _read_report_py reads them)
        if name == "main_headers":
            self.main_headers = set(self.main_sorted)
            return self.main_headers
        if name == "strip":  # lines _strip_line may change (all others read as they are)
            self.strip = self.index.holding(FR.QUESTIONABLE_MARK) | self.index.holding(FR.UNRELIABLE_SUFFIX)
            return self.strip
        if name == "texts":
            self.texts = list(map(_TEXT_OF, self.lines))
            return self.texts
        if name == "special":
            # lines _read_report_py must look at one by one; between them, runs of one
            # printer's plain lines are taken whole
            self.special = sorted(self.main_headers | self.info | self.marked | self.strip
                                  | set(self.index.printer_changes()))
            return self.special
        raise AttributeError(name)

    def arrays(self):
        """These facts as crashpipe._titles.LogArrays (built once per log)."""
        if self._arrays is None:
            c = self.contexts
            self._arrays = _ext.LogArrays(c if type(c) is list else list(c), self.main_sorted, self.info,
                                          self.marked, self.dropped(), [self.index.holding(h) for h in _TAIL_HINTS])
            if self.n:  # (the readers copy report texts out of the joined lines: see set_joined)
                self._arrays.set_joined(self.index.text_of(0, self.n))
        return self._arrays

    def dropped_set(self) -> set[int]:
        if self._dropped_set is None:
            self._dropped_set = set(self.dropped())
        return self._dropped_set

    def dropped(self) -> list[int]:
        """Indexes of the lines _strip_line reads as unreliable frames (left out of a
        report's text unless they are its header), decided once per log."""
        if self._dropped is None:
            lines, c, index = self.lines, self.contexts, self.index
            if _ext is not None and type(lines) is list and type(c) is list:
                self._dropped = _ext.unreliable_lines(lines, c, index.holding(FR.QUESTIONABLE_MARK),
                                                      index.holding(FR.END_OF_IRQ), index.holding(FR.UNRELIABLE_SUFFIX),
                                                      FR.UNRELIABLE_SUFFIX)
            else:
                self._dropped = _unreliable_py(lines, self.strip)
        return self._dropped


def _unreliable_py(lines: list[Line], candidates) -> list[int]:
    """The candidate indexes whose line _strip_line reads as an unreliable frame."""
    return [j for j in candidates if _strip_line(lines[j])[1]]


_FACTS: list[_LogFacts] = []  # the last log seen: title_for runs once per report of a log


def _log_facts(lines: list[Line]) -> _LogFacts:
    if _FACTS and _FACTS[0].lines is lines and _FACTS[0].n == len(lines):
        return _FACTS[0]
    facts = _LogFacts(lines)
    _FACTS[:] = [facts]
    return facts


def _index_of(all_lines: list[Line], no: int) -> int:
    if 0 < no <= len(all_lines) and all_lines[no - 1].no == no:
        return no - 1
    keys = [ln.no for ln in all_lines]
    i = bisect.bisect_left(keys, no)
    return i if i < len(all_lines) and all_lines[i].no == no else -1


def report_text(all_lines: list[Line], start: int) -> tuple[str, str, int]:
    """(text used for the title, full text for the corruption check, index of the last
    header line of the raw fallback text: see `raw_text`) for the report whose header is
    all_lines[start]."""
    return list(_read_report(all_lines, start, False))[-1]


def _read_report_py(all_lines: list[Line], start: int, early: bool):
    """report_text as a generator (the reference; `_read_report_fast` runs its loop in
    crashpipe._titles).  With `early`, an untagged report first yields where
    its title text ends, (text, None, index of the line where the rest starts), and
    reads the rest (the printer's output the corruption check looks at) only when
    resumed."""
    facts = _log_facts(all_lines)
    main_headers, info, contexts, marked = facts.main_headers, facts.info, facts.contexts, facts.marked
    dropped = facts.dropped_set()
    index = facts.index
    head = all_lines[start]
    ctx = contexts[start]
    tagged = ctx[:1] in ("T", "C")
    min_lines = 16 if "BUG: KMSAN:" in head.text else 22
    out: list[str] = []
    report_end = 0
    second = False
    text_lines = 0
    skip_text = cpu_traceback = False
    last_header = start
    tail = tail_headers = 0
    texts, special = facts.texts, facts.special
    n = len(all_lines)
    j = start - 1
    while j + 1 < n:
        j += 1
        if j != start:
            # lines up to the next special one: one printer's plain lines, read as a run
            i = bisect.bisect_left(special, j)
            k = special[i] if i < len(special) else n
            if k > j:
                count, last_run = k - j, False
                if second and count > _TAIL_LINES - tail:
                    count, last_run = _TAIL_LINES - tail, True  # the tail cap ends the reading
                if second:
                    tail += count
                c = contexts[j]
                if count and (c == ctx or (cpu_traceback and c[:1] == "C")):
                    text_lines += count
                    if not skip_text:
                        take = min(count, _MAX_REPORT_LINES - len(out))
                        out.extend(texts[j:j + take])
                        if not second or tagged:
                            report_end = len(out)
                        if len(out) >= _MAX_REPORT_LINES:
                            break
                if last_run:
                    break
                j += count - 1
                continue
        ln = all_lines[j]
        is_head = j == start
        if not is_head:
            # A new report header (or an info message) ends the first report's text.
            opens_tail = False
            if j in main_headers:
                last_header = j
                if second:
                    tail_headers += 1
                    if tail_headers > _TAIL_HEADERS:
                        break
                elif not index.continues(j):
                    opens_tail = True
            elif not second and j in info:
                opens_tail = True
            if opens_tail:
                second = True
                if early and not tagged:
                    yield "\n".join(out) + "\n" if out else "", None, j
            if second:
                tail += 1
                if tail > _TAIL_LINES:
                    break
            c = contexts[j]
            if c != ctx and not (cpu_traceback and c[:1] == "C"):
                continue
        if j in dropped:  # an unreliable frame (see _LogFacts.dropped)
            if not is_head:
                continue
            stripped = _strip_line(ln)[0]
        else:
            stripped = ln.text  # _strip_line keeps every other line as it is
        text_lines += 1
        skip_line = skip_text
        if j in marked:
            if "Disabling lock debugging due to kernel taint" in ln.text:
                skip_line = True
            elif "Sending NMI from CPU" in ln.text:
                cpu_traceback = True
            elif text_lines > min_lines and (
                "Kernel panic - not syncing" in ln.text
                or "WARNING: possible circular locking dependency detected" in ln.text
            ):
                # panic_on_warn: the panic's stack repeats the report's; and an oops often
                # triggers a lockdep splat of its own.
                skip_text = skip_line = True
        if not is_head and skip_line:
            continue
        out.append(stripped)
        if not second or tagged:
            report_end = len(out)
        if len(out) >= _MAX_REPORT_LINES:
            break
    text = "\n".join(out[:report_end]) + "\n" if report_end else ""
    full = text if report_end == len(out) else text + "\n".join(out[report_end:]) + "\n"
    yield text, full, last_header


def _read_report_fast(all_lines: list[Line], start: int, early: bool):
    """_read_report_py with its loop run by crashpipe._titles.Reader over per-log C
    arrays: the same yields."""
    if type(all_lines) is not list:
        yield from _read_report_py(all_lines, start, early)
        return
    r = _new_reader(_log_facts(all_lines), all_lines, start)
    if r.run(early):
        yield r.text_so_far(), None, r.at
        r.run(early)
    yield r.result()


def _new_reader(facts: "_LogFacts", all_lines: list[Line], start: int):
    min_lines = 16 if "BUG: KMSAN:" in all_lines[start].text else 22
    return _ext.Reader(facts.arrays(), all_lines, continues_report, _strip_line, start, min_lines, _TAIL_LINES,
                       _TAIL_HEADERS, _MAX_REPORT_LINES)


class _ReaderPy:
    """The report reader as _title_for uses it, from _read_report_py's yields (the
    reference for crashpipe._titles.Reader's title_bytes/rest_bytes, and the path for
    line sequences that are not lists): run to where the title text ends; `paused` says
    an untagged report's title text ended at line `at`, and the rest of the printer's
    output is read only by `rest_bytes`; `last_header` is known once it is read; the title
    text comes from lines before `end`."""

    __slots__ = ("_gen", "_text", "_rest", "paused", "at", "end", "last_header")

    def __init__(self, all_lines: list[Line], start: int) -> None:
        self._gen = _read_report_py(all_lines, start, True)
        text, full, at = next(self._gen)
        self._text = text
        self.paused = full is None
        self.at = at
        self.end = at if self.paused else len(all_lines)  # (the text's lines lie before)
        self._rest = None if self.paused else full[len(text):]
        self.last_header = None if self.paused else at

    def title_bytes(self) -> bytes:
        return self._text.encode("utf-8", "replace")

    def rest_bytes(self) -> bytes:
        if self.paused:
            _, full, self.last_header = list(self._gen)[-1]
            self._rest = full[len(self._text):]
            self.paused = False
        return self._rest.encode("utf-8", "replace")


def _reader(facts: "_LogFacts", all_lines: list[Line], start: int):
    """The reader of the report whose header is all_lines[start], run to where its title
    text ends (see _ReaderPy)."""
    if _ext is None or type(all_lines) is not list:
        return _ReaderPy(all_lines, start)
    r = _new_reader(facts, all_lines, start)
    r.run(True)
    return r


_read_report = _read_report_fast if _ext is not None else _read_report_py


def raw_text(all_lines: list[Line], start: int, last_header: int) -> str:
    """The header's printer-blind fallback text: every line from the header to the last
    header report_text passed."""
    return "".join(all_lines[j].text + "\n" for j in range(start, last_header + 1))


def title_for(span: Span, all_lines: list[Line]) -> TitleInfo:
    try:
        return _title_for(span, all_lines)
    except Exception as e:  # never let one odd report stop a batch
        return TitleInfo(None, [], None, True, f"title-error: {type(e).__name__}: {e}"[:200])


def _title_for(span: Span, all_lines: list[Line]) -> TitleInfo:
    start = _index_of(all_lines, span.header_line or span.start_line)
    if start < 0:
        all_lines = span.lines
        start = _index_of(all_lines, span.header_line or span.start_line)
        if start < 0:
            return TitleInfo(None, [], None, True, "header line not found")
    oi = span.oops if span.oops >= 0 else match_header(all_lines[start].text)
    if oi < 0:
        return TitleInfo(None, [], None, True, "no report header")
    oops = F.OOPSES[oi]
    facts = _log_facts(all_lines)
    reader = _reader(facts, all_lines, start)
    text = reader.title_bytes()
    full = None if reader.paused else text  # (None: the rest is read only if needed)
    title, corrupted, alts, used = _describe(text, oops)
    if not title:
        reader.rest_bytes()  # (read to the end: the last header it passed)
        full = raw = raw_text(all_lines, start, reader.last_header).encode("utf-8", "replace")
        title, corrupted, alts, used = _describe(raw, oops)
    if not title:
        return TitleInfo(None, [], oops.formats[0].kind, True, "no title")
    if corrupted is None:
        if full is None:
            corrupted = _corruption(title, text, used, facts, start, reader.end, reader)
        elif full is text:
            corrupted = _corruption(title, text, used, facts, start, reader.end, None)
        else:  # (the raw fallback text)
            corrupted = _corruption(title, full, used, None, 0, 0, None)
    if corrupted is None and facts.hangup:
        corrupted = "console disconnected"
    kind = used.kind if used is not None else oops.formats[0].kind
    alt = [sanitize(a) for a in alts]
    return TitleInfo(sanitize(title), list(dict.fromkeys(alt)), kind, corrupted is not None, corrupted)
