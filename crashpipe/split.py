"""Find every report in a console log.

A report opens at a header line (`formats.oopses.OOPSES`, syzkaller's report start
markers).  It collects the following lines printed by the same task or CPU (the printk
caller tag, or the timestamped console stream when there is no tag) until the next
header of that stream, the kernel's end-of-report marker and its trailer, or the end of
the log.  A few headers (a panic after an oops, arm's "Internal error:" after "Unable to
handle ...") continue the open report instead of opening another.

The per-line loops (LogIndex's scans, the splitting loop) run in crashpipe._lines when it
is built; the Python code here is the reference they are tested against
(tests/test_lines_fast.py) and the fallback without the extension.
"""
from __future__ import annotations

import bisect
import functools
import itertools
import re
import sys
from dataclasses import dataclass, field

import re2

from crashpipe.formats import oopses as F
from crashpipe.formats import spans as S
from crashpipe.lines import Line
from crashpipe.pattern import Fast

try:  # Python's own pattern parser (3.11+), to read the table patterns' structure
    import re._constants as _C
    import re._parser as _P
except ImportError:  # (another layout: every pattern stays on re2, each header is searched)
    _C = _P = None

_HEADERS = tuple(o.header for o in F.OOPSES)
# Every line of every log meets this pre-check.  A plain alternation of literals runs in
# time linear in the line (no quantifiers to backtrack over) and is far cheaper per call
# than re2's Python binding.
_ANY_HEADER = re.compile("|".join(re.escape(h) for h in _HEADERS))
_HEADER_SUPPRESS = tuple(tuple(Fast(re2.compile(p)) for p in o.suppressions) for o in F.OOPSES)
# One alternation: which ignore pattern matches does not matter, only whether one does.
_START_IGNORE = Fast(re2.compile("|".join(f"(?:{p})" for p in F.REPORT_START_IGNORES)))


def _charset(item) -> frozenset | None:
    """The characters a one-character item of a parsed pattern matches (LITERAL, or a
    plain class of literals and small ranges), None when unknown or too large."""
    op, av = item
    if op is _C.LITERAL:
        return frozenset((av,))
    if op is _C.IN:
        out = set()
        for o, a in av:
            if o is _C.LITERAL:
                out.add(a)
            elif o is _C.RANGE and a[1] - a[0] <= 1024:
                out.update(range(a[0], a[1] + 1))
            else:
                return None  # (NEGATE, CATEGORY: not taken apart)
        return frozenset(out)
    return None


def _linear_items(items, top: bool) -> bool:
    """Whether a parsed sequence runs in linear time under Python's engine: no repeat
    but of one character, each followed by a character it cannot match (or ending the
    pattern, or by its end "\\Z"), so a repeat has one place to stop and a failed attempt
    backtracks over each character once; groups and alternatives of such sequences
    (without repeats around them: a constant number of tries, whatever the text)."""
    items = list(items)
    for k, (op, av) in enumerate(items):
        if op in (_C.LITERAL, _C.IN, _C.ANY, _C.NOT_LITERAL):
            continue
        if op is _C.AT:
            if av not in (_C.AT_BEGINNING, _C.AT_END_STRING):
                return False
            continue
        if op is _C.SUBPATTERN:
            if not _linear_items(av[-1], False):
                return False
            continue
        if op is _C.BRANCH:
            if not all(_linear_items(alt, False) for alt in av[1]):
                return False
            continue
        if op in (_C.MAX_REPEAT, _C.MIN_REPEAT):
            body = list(av[2])
            if len(body) != 1 or _charset(body[0]) is None and body[0][0] is not _C.ANY:
                return False
            nxt = items[k + 1] if k + 1 < len(items) else None
            if nxt is None:
                if top:
                    continue  # the pattern's end: the repeat takes what it can, done
                return False
            if nxt == (_C.AT, _C.AT_END_STRING):
                continue
            mine, theirs = _charset(body[0]), _charset(nxt)
            if mine is None or theirs is None or mine & theirs:
                return False
            continue
        return False
    return True


def _linear_py(pattern: str):
    """`pattern` (re2 syntax) compiled for Python's engine when it is shown linear there
    (`_linear_items`) and means the same as under re2: anchored at the start, no flags,
    no backslash classes (\\d, \\s... differ between the engines), "$" only last (read
    as re2's end of text, "\\Z").  None otherwise.  A pattern that passes runs in time
    linear in the line, and under Python's engine a call costs a fraction of a call
    through re2's binding (these run on lines the splitter visits one by one)."""
    try:
        return _linear_py_of(pattern)
    except Exception:  # (a parser that reads patterns differently: re2 then)
        return None


def _linear_py_of(pattern: str):
    if re.search(r"\\[A-Za-z0-9]|\(\?(?!:)", pattern):
        return None
    body = pattern[:-1] if pattern.endswith("$") and not pattern.endswith("\\$") else pattern
    if "$" in body:
        return None
    py = body + ("\\Z" if body is not pattern else "")
    try:
        parsed = list(_P.parse(py))
    except re.error:
        return None
    if not parsed or parsed[0] != (_C.AT, _C.AT_BEGINNING) or not _linear_items(parsed, True):
        return None  # (an alternation at the top: each part would need its own anchor)
    return re.compile(py)


def _compiled(pattern: str):
    """The cheapest engine that runs `pattern` in linear time with re2's meaning: Python's
    for the patterns `_linear_py` accepts, re2 (through Fast) for every other."""
    return _linear_py(pattern) or Fast(re2.compile(pattern))


_RIGHT_AFTER = tuple((Fast(re2.compile(p)), n) for p, n in F.CONTINUES_RIGHT_AFTER_HEADER)
_LEADING = tuple((_compiled(p), back, hint) for p, back, hint in S.LEADING)
_END_MARKER = _compiled(S.END_MARKER)
_CLOSING_RULE = _compiled(S.CLOSING_RULE)
# Every line after an end marker meets these two: Python's engine, which costs far less
# per call than re2's binding on str.  Safe there: each alternative is anchored at the
# line start and is literal text, classes and repeats each followed by a character they
# cannot match, except TRAILER_KEEP's "^note: .* exited with", whose one ".*" backtracks
# over the line once - linear.
_TRAILER_KEEP = re.compile("|".join(S.TRAILER_KEEP))
_TRAILER_SKIP = re.compile("|".join(S.TRAILER_SKIP))
# Both in one call (the compiled loop): a TRAILER_KEEP match, else a TRAILER_SKIP match in
# group _TRAILER_SKIP_GROUP.  Every alternative is anchored, so .match (at the start only)
# finds what .search finds: the first alternative that matches at the start.
assert all(p.startswith("^") for p in S.TRAILER_KEEP + S.TRAILER_SKIP)
_TRAILER = re.compile("|".join(S.TRAILER_KEEP) + "|(" + "|".join(S.TRAILER_SKIP) + ")")
_TRAILER_SKIP_GROUP = _TRAILER_KEEP.groups + 1  # (group(it) is None: a TRAILER_KEEP line)


@dataclass(slots=True)
class Span:
    start_line: int  # 1-based inclusive source lines
    end_line: int
    lines: list[Line]  # this report's own lines (other printers' lines removed)
    header_line: int = 0  # the line holding the report start marker
    oops: int = -1  # index of the header in formats.oopses.OOPSES
    context: str = ""  # printer of the report (see Line.context)
    closed_by: str = field(default="eof", repr=False)  # why the span ended


_ANY_HEADER_BYTES = Fast(re2.compile("|".join(re.escape(h) for h in _HEADERS).encode()))
_SPLIT_HINTS = (S.ALL_CPU_BACKTRACE, S.END_MARKER_HINT, S.CLOSING_RULE_HINT)


def _lines_holding(blob: str, positions) -> list[int]:
    """Indexes of the lines of `blob` (lines joined by "\n") at the given ascending
    character positions, each line once."""
    out: list[int] = []
    line = last = 0
    for pos in positions:
        line += blob.count("\n", last, pos)
        last = pos
        if not out or out[-1] != line:
            out.append(line)
    return out


def _find_all(blob: str, literal: str):
    i = blob.find(literal)
    while i >= 0:
        yield i
        i = blob.find(literal, i + 1)


class LogIndex:
    """Per-log facts the splitter and the titler both need, found by scans over the whole
    text instead of tests on every line (most lines of a log match nothing): the header
    index of each line, the lines holding an informational message with a stack or one
    of the splitter's end/backtrace hints, and each line's printer (`Line.context`)."""

    __slots__ = ("lines", "n", "headers", "info", "hinted", "contexts", "_blob", "_exact", "_found", "_sorted", "_continues", "_starts", "_changes", "_cstarts", "_each", "_each_at", "_cont")

    def __init__(self, lines: list[Line], fast: bool | None = None) -> None:
        """`fast`: scan with crashpipe._lines (default: when built); False runs the
        pure-Python reference.  Both give the same answers (tests/test_lines_fast.py)."""
        if fast is None:
            fast = _ext is not None
        if fast and _ext is not None and type(lines) is list:
            self._init_fast(lines)
        else:
            self._init_py(lines)

    def _init_fast(self, lines: list[Line]) -> None:
        self.lines = lines
        self.n = len(lines)
        got = _ext.index_blob(lines)  # (None unless every item is a Line with str text)
        if got is not None:
            self.contexts, blob, starts = got
        else:
            self.contexts, texts, starts = _ext.index_scan(lines)
            blob = "\n".join(texts)
        self._blob = blob
        self._found = {}
        self._sorted = {}
        self._continues = {}
        self._cont = None
        self._starts = None
        self._changes = None
        # one pass for the headers and every literal the splitter asks about (None when
        # a text holds "\n": then line by line, as _init_py does)
        each_at, scan = _scan_set()
        found = scan.lines_holding(blob, starts, len(_HEADERS)) if self.n else None
        self._exact = found is not None
        self._each = None
        if not self._exact:
            self._cstarts = None
            self.headers = [match_header(ln.text) for ln in lines]
            self.info = {i for i, ln in enumerate(lines) if is_info_with_stack(ln.text)}
            self.hinted = {i for i, ln in enumerate(lines) if any(h in ln.text for h in _SPLIT_HINTS)}
            return
        self._cstarts = starts
        cand, held, self._each = found  # (_each: per scanned literal, its lines or None)
        self._each_at = each_at
        headers = self.headers = [-1] * self.n
        _ext.first_headers(lines, cand, held, headers, _FIRST_PLAN)  # (_first_header on each)
        self.info = set().union(*(self._holding_sorted(m) for m in F.INFO_MESSAGES_WITH_STACK))
        self.hinted = set().union(*(self._holding_sorted(h) for h in _SPLIT_HINTS))

    def _init_py(self, lines: list[Line]) -> None:
        self.lines = lines
        self.n = len(lines)
        self.contexts = [ln.tag if ln.tag is not None else ("console" if ln.ts is not None else "")
                         for ln in lines]
        self.headers = [-1] * self.n
        blob = "\n".join([ln.text for ln in lines])
        if blob.isascii():
            # re2 over bytes scans the text once; for ASCII, byte and character offsets agree
            cand = _lines_holding(blob, (m.start() for m in _ANY_HEADER_BYTES.finditer(blob.encode())))
        else:
            cand = _lines_holding(blob, (m.start() for m in _ANY_HEADER.finditer(blob)))
        for i in cand:
            if i < self.n:  # (a Line text holding "\n" would shift indexes: re-check then)
                self.headers[i] = match_header(lines[i].text)
        self.info: set[int] = set()
        for m in F.INFO_MESSAGES_WITH_STACK:
            self.info.update(_lines_holding(blob, _find_all(blob, m)))
        self.hinted: set[int] = set()
        for h in _SPLIT_HINTS:
            self.hinted.update(_lines_holding(blob, _find_all(blob, h)))
        self._blob = blob
        self._found: dict[str, set[int]] = {}
        self._sorted: dict[str, list[int]] = {}
        self._continues: dict[int, bool] = {}
        self._cont: list[int] | None = None
        self._starts: list[int] | None = None
        self._changes: list[int] | None = None
        self._exact = blob.count("\n") == self.n - 1
        self._cstarts = self._each = None
        if not self._exact:  # some text held "\n": the offsets are off
            self.headers = [match_header(ln.text) for ln in lines]
            self.info = {i for i, ln in enumerate(lines) if is_info_with_stack(ln.text)}
            self.hinted = {i for i, ln in enumerate(lines) if any(h in ln.text for h in _SPLIT_HINTS)}

    def holding(self, literal: str) -> set[int]:
        """Indexes of the lines whose text holds `literal` (no "\n" in it)."""
        got = self._found.get(literal)
        if got is None:
            if self._cstarts is not None and type(literal) is str and literal:
                got = set(self._holding_sorted(literal))
            elif self._exact:
                got = set(_lines_holding(self._blob, _find_all(self._blob, literal)))
            else:
                got = {i for i, ln in enumerate(self.lines) if literal in ln.text}
            self._found[literal] = got
        return got

    def _holding_sorted(self, literal: str) -> list[int]:
        """holding(literal) in ascending order, by the extension's scan (_cstarts set)."""
        got = self._sorted.get(literal)
        if got is None:
            k = self._each_at.get(literal) if self._each is not None else None
            if k is not None:  # found by the one pass
                got = self._each[k] or _NONE
            else:
                got = _ext.holding(self._blob, self._cstarts, literal)
                _ask(literal)
            self._sorted[literal] = got
        return got

    def continues(self, i: int) -> bool:
        """continues_report on line i, remembered (every title of the log asks)."""
        got = self._continues.get(i)
        if got is None:
            got = self._continues[i] = continues_report(self.lines[i].text)
        return got

    def continuing(self) -> list[int]:
        """Ascending indexes of the lines whose text continues_report accepts (the same
        answers), found from the lines holding each pattern's literal: one pass over the
        text finds them with the headers, no pattern runs on the other lines."""
        got = self._cont
        if got is None:
            if _P is None:  # (patterns not taken apart: each line asked)
                got = [i for i, ln in enumerate(self.lines) if continues_report(ln.text)]
            else:
                literals, rest = _IGNORE_PLAN
                found: set[int] = set()
                for lit in literals:
                    found |= self.holding(lit)
                for needs, search in rest:
                    need = needs[0]
                    cand = self.holding(need[0]) if need is not None and not need[1] else range(self.n)
                    found.update(i for i in cand if i not in found and search(self.lines[i].text) is not None)
                got = sorted(found)
            self._cont = got
        return got

    def text_of(self, lo: int, hi: int) -> str | None:
        """The texts of lines [lo, hi), each followed by a newline, cut out of the joined
        text in one piece (None when a line text held a newline of its own)."""
        if not self._exact:
            return None
        if self._starts is None:
            if self._cstarts is not None:  # the same offsets, from the extension's scan
                self._starts = self._cstarts
            else:
                self._starts = [0, *itertools.accumulate(len(ln.text) + 1 for ln in self.lines)]
        if lo >= hi:
            return ""
        return self._blob[self._starts[lo]:self._starts[hi] - 1] + "\n"

    def printer_changes(self) -> list[int]:
        """Ascending indexes of the lines whose printer (context) differs from the line
        before."""
        if self._changes is None:
            c = self.contexts
            if self._cstarts is not None and type(c) is list:
                self._changes = _ext.printer_changes(c)
            else:
                self._changes = [i for i in range(1, self.n) if c[i] != c[i - 1]]
        return self._changes

    def one_printer(self, lo: int, hi: int) -> bool:
        """Whether lines [lo, hi) all have the printer (context) of line lo."""
        self.printer_changes()
        i = bisect.bisect_right(self._changes, lo)
        return i == len(self._changes) or self._changes[i] >= hi

    def any_holding(self, literal: str, lo: int, hi: int) -> bool:
        """Whether a line with index in [lo, hi) holds `literal`."""
        got = self._sorted.get(literal)
        if got is None:
            if self._cstarts is not None and type(literal) is str and literal:
                got = self._holding_sorted(literal)
            else:
                got = self._sorted[literal] = sorted(self.holding(literal))
        i = bisect.bisect_left(got, lo)
        return i < len(got) and got[i] < hi


_LAST_INDEX: list[LogIndex] = []  # the last log seen: split and every title of it use it


def log_index(lines: list[Line]) -> LogIndex:
    if _LAST_INDEX and _LAST_INDEX[0].lines is lines and _LAST_INDEX[0].n == len(lines):
        return _LAST_INDEX[0]
    idx = LogIndex(lines)
    _LAST_INDEX[:] = [idx]
    return idx


def match_header(text: str) -> int:
    """Index in OOPSES of the first header this line carries (and does not suppress),
    or -1."""
    if _ANY_HEADER.search(text) is None:
        return -1
    for i, header in enumerate(_HEADERS):
        if header in text and not any(rx.search(text) for rx in _HEADER_SUPPRESS[i]):
            return i
    return -1


# Each header's suppressions as one alternation (one search: whether any matches).
_HEADER_SUPPRESS_ANY = tuple(Fast(re2.compile("|".join(f"(?:{p})" for p in o.suppressions))) if o.suppressions else None
                             for o in F.OOPSES)


def _required_literal(pattern: str) -> tuple[str, bool] | None:
    """(literal, folded): a text every match of `pattern` (re2 syntax) holds - the longest
    run of plain characters at the pattern's top level - lower-cased when the pattern
    ignores case (folded); None when no such run can be shown.  Only patterns whose
    syntax reads the same under Python's parser (which finds the run): no POSIX classes,
    no flags but a leading (?i), no escapes of letters but the \\d \\s \\w classes."""
    try:
        return _required_literal_of(pattern)
    except Exception:  # (a parser that reads patterns differently: always search then)
        return None


def _required_literal_of(pattern: str) -> tuple[str, bool] | None:
    if ("[:" in pattern or re.search(r"\\[A-Za-z]", re.sub(r"\\[dswDSW]|\\[^A-Za-z0-9]", "", pattern))
            or re.search(r"\(\?(?!:)", pattern[4:] if pattern.startswith("(?i)") else pattern)):
        return None
    try:
        parsed = _P.parse(pattern)
    except (re.error, RecursionError):
        return None
    runs, run = [], []
    for op, av in parsed:
        if op is _C.LITERAL:
            run.append(chr(av))
        else:
            runs.append("".join(run))
            run = []
    runs.append("".join(run))
    best = max(runs, key=len)
    folded = bool(parsed.state.flags & re.IGNORECASE)
    if not best or folded and not best.isascii():
        return None
    return (best.lower() if folded else best), folded


# Per header: for each of its suppressions, the literal any match of it holds (None: not
# known).  A header line holding none of them is not suppressed: no search.
_SUPPRESS_NEEDS = tuple(tuple(_required_literal(p) for p in o.suppressions) for o in F.OOPSES)


def _may_suppress(i: int, text: str) -> bool:
    """False when no suppression of header i can match `text` (it lacks each one's
    required literal)."""
    return _may_hold(_SUPPRESS_NEEDS[i], text)


def _first_header(text: str, held: int) -> int:
    """match_header(text), given the bit mask of the headers the text holds (bit i:
    _HEADERS[i] in text)."""
    while held:
        low = held & -held
        i = low.bit_length() - 1
        sup = _HEADER_SUPPRESS_ANY[i]
        if sup is None or not _may_suppress(i, text) or sup.search(text) is None:
            return i
        held ^= low
    return -1


def _pure_literal(pattern: str) -> str | None:
    """The text `pattern` (re2 syntax) matches when it is a plain literal (no classes,
    repeats, anchors or flags: a match is an occurrence of that text), else None."""
    need = _required_literal(pattern)
    if need is None or need[1]:
        return None
    try:
        parsed = list(_P.parse(pattern))
    except Exception:
        return None
    if all(op is _C.LITERAL for op, _ in parsed) and "".join(chr(av) for _, av in parsed) == need[0]:
        return need[0]
    return None


def _any_match_plan(patterns) -> tuple[tuple[str, ...], tuple]:
    """(literals, rest) for _any_match: the plain-literal patterns as their text, every
    other as (its required literals, its search)."""
    literals, rest = [], []
    for p in patterns:
        lit = _pure_literal(p)
        if lit:
            literals.append(lit)
        else:
            rest.append(((_required_literal(p),), Fast(re2.compile(p)).search))
    return tuple(literals), tuple(rest)


def _any_match(text: str, literals: tuple[str, ...], rest: tuple) -> bool:
    """Whether one of the patterns of an _any_match_plan matches `text`: the literal ones
    by a substring test, the others by their search unless the text lacks what every
    match holds."""
    if any(lit in text for lit in literals):
        return True
    return any(_may_hold(needs, text) and search(text) is not None for needs, search in rest)


def _may_hold(needs, text: str) -> bool:
    """False when `text` lacks each of the (literal, folded) needs (None: unknown)."""
    lower = None
    for need in needs:
        if need is None:
            return True
        lit, folded = need
        if folded:
            if not text.isascii():
                return True  # (re2 folds some non-ASCII letters to ASCII ones)
            if lower is None:
                lower = text.lower()
            if lit in lower:
                return True
        elif lit in text:
            return True
    return False


# REPORT_START_IGNORES for _any_match: the plain ones as substrings, the others searched
# when their required literal is there.
_IGNORE_PLAN = _any_match_plan(F.REPORT_START_IGNORES) if _P is not None else ((), ())
# The literals LogIndex.continuing() asks about: the plain patterns and the others'
# required ones.
_IGNORE_LITERALS = _IGNORE_PLAN[0] + tuple(needs[0][0] for needs, _ in _IGNORE_PLAN[1]
                                          if needs[0] is not None and not needs[0][1])


@functools.lru_cache(maxsize=1024)
def continues_report(text: str) -> bool:
    """A header that, inside an open report, belongs to it (panic after an oops...).
    Remembered: the splitter and the titler ask about the same header lines, and a
    log's reports repeat them ("Kernel panic - not syncing: Fatal exception")."""
    if _P is None:
        return _START_IGNORE.search(text) is not None
    if _ext is not None and type(text) is str:
        return _ext.any_match(text, *_IGNORE_PLAN)
    return _any_match(text, *_IGNORE_PLAN)


def continues_report_py(text: str) -> bool:
    """continues_report by the one alternation of every pattern: the reference."""
    return _START_IGNORE.search(text) is not None


_RIGHT_AFTER_MAX = max((n for _, n in _RIGHT_AFTER), default=0)
# Per CONTINUES_RIGHT_AFTER_HEADER pattern: the literal every match holds (a text
# without it is not searched).
_RIGHT_AFTER_NEEDS = tuple((_required_literal(p),) for p, _ in F.CONTINUES_RIGHT_AFTER_HEADER)


def _right_after_header(span: Span, text: str) -> bool:
    """Whether `text` is a header that belongs to the open report `span` because it comes
    within a few lines after the report's own header (CONTINUES_RIGHT_AFTER_HEADER)."""
    header, after = span.header_line, 0
    for ln in reversed(span.lines):  # (the lines after the header sit at the end)
        if ln.no > header:
            after += 1
            if after >= _RIGHT_AFTER_MAX:
                return False  # too far after for every rule
    return any(after < n and _may_hold(needs, text) and rx.search(text) is not None
               for (rx, n), needs in zip(_RIGHT_AFTER, _RIGHT_AFTER_NEEDS))


def is_info_with_stack(text: str) -> bool:
    return any(m in text for m in F.INFO_MESSAGES_WITH_STACK)


def _is_tag(ctx: str) -> bool:
    return ctx[:1] in ("T", "C")


class _Open:
    __slots__ = ("span", "trailer", "all_cpus")

    def __init__(self, span: Span) -> None:
        self.span = span
        self.trailer = False  # past the end marker
        self.all_cpus = False  # an all-CPU backtrace follows: take every CPU's lines


def _leading_start(lines: list[Line], idx: int, ctx: str, floor: int, index: LogIndex) -> int:
    """Index of the first line of the report whose header is lines[idx]."""
    start = idx
    contexts = index.contexts
    for rx, back, hint in _LEADING:
        if not index.any_holding(hint, floor, idx):
            continue  # (no line back there holds the hint: nothing to walk)
        j, seen = idx - 1, 0
        while j >= floor and seen < back:
            ln = lines[j]
            j -= 1
            if contexts[j + 1] != ctx:
                continue
            seen += 1
            if hint in ln.text and rx.search(ln.text) is not None:
                start = min(start, j + 1)
                break
    return start


def split_reports(lines: list[Line]) -> list[Span]:
    """Every report in the log, in order of start; none for a log without a report.
    The loop runs in crashpipe._lines when built (the same spans:
    tests/test_lines_fast.py), otherwise in `_split_py`."""
    index = log_index(lines)
    if _ext is not None and index._cstarts is not None and type(lines) is list:
        spans = _ext.split_loop(lines, index.headers, index.contexts, index.info, index.hinted,
                                [(rx, back, index._holding_sorted(hint)) for rx, back, hint in _LEADING],
                                sys.modules[__name__])
        if spans is not None:
            return spans
    return _split_py(lines, index)


def split_reports_py(lines: list[Line]) -> list[Span]:
    """split_reports in pure Python (its own LogIndex, also pure Python): the reference
    the extension is tested against."""
    return _split_py(lines, LogIndex(lines, fast=False))


def _split_py(lines: list[Line], index: LogIndex) -> list[Span]:
    spans: list[Span] = []
    open_by_ctx: dict[str, _Open] = {}
    floor = 0  # lines before this belong to earlier reports
    headers, info, hinted, contexts = index.headers, index.info, index.hinted, index.contexts

    all_cpus = [0]  # open reports taking every CPU's lines
    untagged = sorted(c for c in set(contexts) if not _is_tag(c))

    def close(ctx: str, why: str) -> None:
        o = open_by_ctx.pop(ctx, None)
        if o is not None:
            o.span.closed_by = why
            if o.all_cpus:
                all_cpus[0] -= 1

    for idx, ln in enumerate(lines):
        h = headers[idx]
        if h < 0 and not open_by_ctx:
            continue  # noise between reports
        text = ln.text
        ctx = contexts[idx]
        o = open_by_ctx.get(ctx)
        if o is not None and ln.ts is not None:
            last_ts = o.span.lines[-1].ts
            # Either way: a clock that jumps back is a new boot of the machine.
            if last_ts is not None and abs(ln.ts - last_ts) > S.QUIET_GAP_SECONDS:
                close(ctx, "quiet-gap")
        if h >= 0:
            cur = open_by_ctx.get(ctx)
            if cur is not None and not cur.trailer and (
                    continues_report(text) or _right_after_header(cur.span, text)):
                cur.span.lines.append(ln)
                cur.span.end_line = ln.no
                continue
            if cur is not None and cur.trailer and continues_report(text) and _TRAILER_KEEP.search(text):
                cur.span.lines.append(ln)
                cur.span.end_line = ln.no
                continue
            # A new report: it ends the open report of the same printer, and every open
            # report not told apart by a caller tag.
            if _is_tag(ctx):
                # (a tagged log keeps many reports open: only the untagged printers of the
                # log are visited, usually "console" and "")
                close(ctx, "next-report")
                for c in untagged:
                    close(c, "next-report")
            else:
                for c in list(open_by_ctx):
                    close(c, "next-report")
            first = _leading_start(lines, idx, ctx, floor, index)
            lead = [lines[k] for k in range(first, idx) if contexts[k] == ctx]
            span = Span(lines[first].no, ln.no, lead + [ln], ln.no, h, ctx)
            spans.append(span)
            open_by_ctx[ctx] = _Open(span)
            floor = idx + 1
            continue
        if not open_by_ctx:
            continue
        o = open_by_ctx.get(ctx)
        if o is None:
            # Lines of all CPUs belong to a report that asked for an all-CPU backtrace.
            if all_cpus[0] and _is_tag(ctx) and ctx[0] == "C":
                o = next((x for x in open_by_ctx.values() if x.all_cpus), None)
            if o is None:
                continue
        if idx in info and not _is_tag(o.span.context):
            close(o.span.context, "info-message")
            continue
        if o.trailer:
            if _TRAILER_KEEP.search(text) is not None:
                o.span.lines.append(ln)
                o.span.end_line = ln.no
                floor = idx + 1
            elif _TRAILER_SKIP.search(text) is None:
                close(o.span.context, "end-marker")
            continue
        o.span.lines.append(ln)
        o.span.end_line = ln.no
        floor = idx + 1
        if idx not in hinted:
            continue
        if S.ALL_CPU_BACKTRACE in text and not o.all_cpus:
            o.all_cpus = True
            all_cpus[0] += 1
        if S.END_MARKER_HINT in text and _END_MARKER.search(text) is not None:
            o.trailer = True
        elif S.CLOSING_RULE_HINT in text and _CLOSING_RULE.search(text) is not None and len(o.span.lines) > 3:
            close(o.span.context, "closing-rule")
    return spans


try:
    from crashpipe import _lines as _ext
except ImportError:  # not built: the pure-Python loops
    _ext = None
# The literals LogIndex finds in one pass: the headers first (their bit masks give
# match_header's answer), then the splitter's hints.
_SCAN_LITERALS = _HEADERS + tuple(dict.fromkeys(
    x for x in (*F.INFO_MESSAGES_WITH_STACK, *_SPLIT_HINTS, *(hint for _, _, hint in _LEADING), *_IGNORE_LITERALS)
    if x not in _HEADERS and 2 <= len(x) <= 64 and x.isascii() and "\n" not in x))
_SCAN_SET = None
if _ext is not None:
    _SPAN_BOUND = _ext.bind_span(Span)  # (False: the loop calls Span itself)
    try:
        _SCAN_SET = _ext.LiteralSet(_SCAN_LITERALS)
    except ValueError:  # (a literal the two-character filter cannot take)
        _ext = None
# Per header: None when it has no suppression, else (its suppressions' required literals,
# their alternation's search), for _ext.first_headers (split._first_header in C).
_FIRST_PLAN = tuple(None if sup is None else (needs, sup.search)
                    for sup, needs in zip(_HEADER_SUPPRESS_ANY, _SUPPRESS_NEEDS))
# Literals other modules asked holding() about (the titler's and parser's markers): the
# next logs find them in the same pass, up to the scan's 64 literals.
_ASKED: dict[str, None] = {}
_SCAN_NOW: list = [len(_SCAN_LITERALS), {x: i for i, x in enumerate(_SCAN_LITERALS)}, _SCAN_SET]
_NONE = ()  # the lines of a scanned literal no line holds (read only)


def _ask(literal: str) -> None:
    if (literal not in _ASKED and literal not in _SCAN_NOW[1] and len(_SCAN_LITERALS) + len(_ASKED) < 64 and 2 <= len(literal) <= 64
            and literal.isascii() and "\n" not in literal):
        _ASKED[literal] = None


def _scan_set():
    """({literal: its index}, LiteralSet) of the one pass: _SCAN_LITERALS and the asked
    ones."""
    if _SCAN_NOW[0] != len(_SCAN_LITERALS) + len(_ASKED):
        literals = _SCAN_LITERALS + tuple(_ASKED)
        _SCAN_NOW[:] = [len(literals), {x: i for i, x in enumerate(literals)}, _ext.LiteralSet(literals)]
    return _SCAN_NOW[1], _SCAN_NOW[2]
