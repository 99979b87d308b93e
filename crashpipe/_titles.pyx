# cython: language_level=3
"""The per-line loops of the titler (crashpipe.titles), in C.

The pure-Python functions of `crashpipe.titles` are the reference: titles.py uses these
when the extension is built and falls back to them otherwise; tests/test_titles_fast.py
checks both give the same answers on the corpora and on random and mutated logs.

`LogArrays`: per-log facts of `titles._LogFacts` as C arrays (a flag byte per line for
main headers, informational messages, marker lines and dropped unreliable frames; the
printer of each line interned to an int; bits for the corruption check's literals each
line holds; the log's joined text when ASCII).  `Reader`: `titles._read_report`'s loop
over them, resumable where the untagged report's title text ends and at a given line
(the early-yield protocol is kept by the Python generator that drives it); it gives the
texts as UTF-8 bytes copied out of the joined text (`titles._ReaderPy` is the reference).
Rare branches (a main header that may continue the report, a marker line, the header
line stripped) call back into Python.  `corruption`: `titles._corruption_py`, reading
the rest through a Reader only as far as the verdict needs.  `walk`, `line_kind`,
`describe` and `sanitize`: the title's description from the report text (see their
sections).
"""
cimport cython
from libc.stdlib cimport malloc, free, realloc
from libc.string cimport memchr, memcmp, memcpy, memset

cdef extern from "Python.h":
    int PyList_Append(object, object) except -1
    bint PyUnicode_Check(object)
    bint PyUnicode_IS_ASCII(object)
    void* PyUnicode_DATA(object)
    Py_ssize_t PyUnicode_GET_LENGTH(object)
    object PyUnicode_AsEncodedString(object, const char*, const char*)
    object PyBytes_FromStringAndSize(const char*, Py_ssize_t)
    Py_ssize_t PyUnicode_Tailmatch(object, object, Py_ssize_t, Py_ssize_t, int) except -1
    const Py_ssize_t PY_SSIZE_T_MAX
    char* PyBytes_AS_STRING(object)

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object)
    const unsigned char* PyUnicode_1BYTE_DATA(object)


DEF F_MAIN = 1
DEF F_INFO = 2
DEF F_MARKED = 4
DEF F_DROPPED = 8


cdef class LogArrays:
    """Per-line flags and interned printers of one log (see the module doc)."""

    cdef unsigned char* flags
    cdef int* ctx
    cdef unsigned char* cpu  # per printer id: its name starts with "C" (a CPU tag)
    cdef unsigned char* tagged  # per printer id: it starts with "T" or "C"
    cdef unsigned short* hints  # per line: bit i set when it holds the i-th of `hint_lines`' literals
    cdef object joined  # every line's text followed by a newline, ASCII (None: not known)
    cdef const char* jd  # its characters
    cdef Py_ssize_t* at  # where line i starts in it (n + 1 entries)
    cdef readonly Py_ssize_t n
    cdef readonly dict ids

    def __cinit__(self):
        self.joined = None
        self.jd = NULL
        self.at = NULL
        self.flags = NULL
        self.ctx = NULL
        self.cpu = NULL
        self.tagged = NULL
        self.hints = NULL
        self.n = 0

    def __init__(self, list contexts, main_headers, info, marked, dropped, hint_lines=()):
        """`hint_lines`: up to 16 collections of line indexes (the lines holding each of
        the tail check's literals, titles._TAIL_HINTS)."""
        cdef Py_ssize_t n = len(contexts), i
        cdef dict ids = {}
        cdef list names = []
        self.n = n
        self.flags = <unsigned char*>malloc(n + 1)
        self.ctx = <int*>malloc((n + 1) * sizeof(int))
        self.hints = <unsigned short*>malloc((n + 1) * sizeof(unsigned short))
        if self.flags == NULL or self.ctx == NULL or self.hints == NULL:
            raise MemoryError()
        memset(self.flags, 0, n + 1)
        memset(self.hints, 0, (n + 1) * sizeof(unsigned short))
        cdef object prev = None
        cdef int pk = -1
        for i in range(n):
            c = contexts[i]
            if c is not prev:  # (runs of one printer share the object)
                k = ids.get(c)
                if k is None:
                    k = ids[c] = len(names)
                    names.append(c)
                prev, pk = c, <int>k
            self.ctx[i] = pk
        self.ids = ids
        m = len(names)
        self.cpu = <unsigned char*>malloc(m + 1)
        self.tagged = <unsigned char*>malloc(m + 1)
        if self.cpu == NULL or self.tagged == NULL:
            raise MemoryError()
        for i in range(m):
            first = names[i][:1]
            self.cpu[i] = first == "C"
            self.tagged[i] = first == "T" or first == "C"
        for group, flag in ((main_headers, F_MAIN), (info, F_INFO), (marked, F_MARKED), (dropped, F_DROPPED)):
            for i in group:
                if 0 <= i < n:
                    self.flags[i] |= flag
        if len(hint_lines) > 16:
            raise ValueError("at most 16 hint literals")
        for k, group in enumerate(hint_lines):
            for i in group:
                if 0 <= i < n:
                    self.hints[i] |= 1 << k

    def __dealloc__(self):
        free(self.at)
        free(self.flags)
        free(self.ctx)
        free(self.hints)
        free(self.cpu)
        free(self.tagged)


    def set_joined(self, joined):
        """Take `joined`, every line's text followed by a newline (LogIndex.text_of(0, n)):
        the readers then copy a report's text out of it instead of reading each line's
        Line.  Kept only when it is ASCII (its bytes are its UTF-8) and holds exactly n
        newlines; True when kept."""
        cdef Py_ssize_t m, i = 0, k = 0
        cdef const char* d
        cdef const char* q
        if type(joined) is not str or not PyUnicode_IS_ASCII(joined) or self.at != NULL:
            return False
        m = PyUnicode_GET_LENGTH(joined)
        d = <const char*>PyUnicode_DATA(joined)
        cdef Py_ssize_t* at = <Py_ssize_t*>malloc((self.n + 1) * sizeof(Py_ssize_t))
        if at == NULL:
            raise MemoryError()
        while i < m:
            q = <const char*>memchr(d + i, b"\n", m - i)
            if q == NULL or k >= self.n:
                free(at)
                return False
            at[k] = i
            k += 1
            i = q - d + 1
        if k != self.n:
            free(at)
            return False
        at[k] = m
        self.at, self.jd, self.joined = at, d, joined
        return True


def unreliable_lines(list lines, list contexts, set marked, set eoi, set suffixed, str suffix):
    """The lines titles._strip_line reads as unreliable frames, from the log index's
    answers: `marked`, `eoi`, `suffixed` hold the lines holding its mark, the end-of-IRQ
    marker and its suffix.  A line reads so when it has a console prefix (its printer,
    `contexts`, is not "", else its Line says), holds no end-of-IRQ marker, and holds the
    mark or ends with the suffix: only the lines without a printer name and those
    holding the suffix are looked at."""
    cdef list out = []
    cdef Py_ssize_t n = len(lines), j
    if len(contexts) != n:
        raise ValueError("one printer per line")
    for group in (marked, suffixed):
        for o in group:
            j = o
            if not 0 <= j < n:
                raise IndexError("line index out of range")
            if o in eoi or (group is suffixed and o in marked):
                continue
            if <str?>contexts[j] == "":
                ln = lines[j]
                if ln.ts is None and ln.tag is None:
                    continue
            if group is suffixed and not PyUnicode_Tailmatch(lines[j].text, suffix, 0, PY_SSIZE_T_MAX, 1):
                continue
            out.append(o)
    return out


def main_headers(list headers, bytes extra):
    """Ascending indexes of the lines whose header (index into formats.oopses.OOPSES, -1
    for none) is not a crashpipe extra (`extra`: one byte per header, nonzero = extra)."""
    cdef Py_ssize_t i, n = len(headers), m = len(extra)
    cdef long h
    cdef list out = []
    cdef const unsigned char* ex = extra
    for i in range(n):
        h = headers[i]
        if h >= 0:
            if h >= m:
                raise IndexError("header index out of range")
            if not ex[h]:
                out.append(i)
    return out


cdef str _DISABLING = "Disabling lock debugging due to kernel taint"
cdef str _SENDING_NMI = "Sending NMI from CPU"
cdef str _PANIC = "Kernel panic - not syncing"
cdef str _CIRCULAR = "WARNING: possible circular locking dependency detected"


@cython.freelist(4)
cdef class Reader:
    """The state of `titles._read_report_py`'s loop for one report; `run` advances it."""

    cdef LogArrays a
    cdef list lines
    cdef object continues, strip_line
    cdef Py_ssize_t start, n, j, tail_lines, tail_max_headers, max_lines, rest_done
    cdef int c0
    cdef readonly Py_ssize_t report_end, text_lines, last_header, tail, tail_headers, min_lines
    cdef readonly bint tagged, second, skip_text, cpu_traceback, paused, finished
    cdef Py_ssize_t* src  # the line of each text line read (`count` of them, room for `room`)
    cdef Py_ssize_t count, room
    cdef object head_text  # the header line as stripped, when it is an unreliable frame

    def __cinit__(self):
        self.src = NULL
        self.count = self.room = 0
        self.head_text = None

    def __dealloc__(self):
        free(self.src)

    def __init__(self, LogArrays a, list lines, continues, strip_line, Py_ssize_t start,
                 Py_ssize_t min_lines, Py_ssize_t tail_lines, Py_ssize_t tail_max_headers, Py_ssize_t max_lines):
        if not (0 <= start < a.n) or len(lines) != a.n:
            raise ValueError("line index out of range")
        self.a = a
        self.lines = lines
        self.continues = continues  # (split.continues_report: on a line text)
        self.strip_line = strip_line
        self.start = start
        self.n = a.n
        self.j = start - 1
        self.c0 = a.ctx[start]
        self.tagged = a.tagged[self.c0]
        self.min_lines = min_lines
        self.tail_lines = tail_lines
        self.tail_max_headers = tail_max_headers
        self.max_lines = max_lines
        self.report_end = 0
        self.second = False
        self.text_lines = 0
        self.skip_text = self.cpu_traceback = False
        self.last_header = start
        self.tail = self.tail_headers = 0
        self.paused = self.finished = False
        self.rest_done = -1

    @property
    def at(self):
        """The line where the loop stands (where it paused)."""
        return self.j

    @property
    def end(self):
        """The end of the lines read so far (exclusive): the title text comes from lines
        before it."""
        if self.paused:
            return self.j
        return self.j + 1 if self.j < self.n else self.n

    def run(self, bint early):
        """Advance the loop: True when it paused where an untagged report's title text
        ends (only with `early`; call again to go on), False when it is done."""
        return self._advance(early, self.n) == 1

    cdef int _advance(self, bint early, Py_ssize_t limit) except -1:
        """The loop, up to line `limit` (exclusive): 1 when it paused where the title text
        ends, 2 when it stopped before line `limit`, 0 when it is done."""
        if self.finished:
            return 0
        if self.paused and self.j >= limit:
            return 2  # (the paused line waits)
        cdef unsigned char* flags = self.a.flags
        cdef int* ctx = self.a.ctx
        cdef unsigned char* cpu = self.a.cpu
        cdef Py_ssize_t j = self.j, n = self.n, start = self.start
        cdef int c0 = self.c0, c
        cdef bint is_head, opens_tail, skip_line, resuming = self.paused
        cdef bint tagged = self.tagged
        cdef unsigned char fl
        cdef list lines = self.lines
        cdef Py_ssize_t* grown
        self.paused = False
        while True:
            if resuming:
                resuming = False
                is_head = False  # (the pause is never on the header line)
            else:
                j += 1
                if j >= n:
                    break
                if j >= limit:
                    self.j = j - 1
                    return 2
                is_head = j == start
                if not is_head:
                    # A new report header (or an info message) ends the first report's text.
                    opens_tail = False
                    fl = flags[j]
                    if fl & F_MAIN:
                        self.last_header = j
                        if self.second:
                            self.tail_headers += 1
                            if self.tail_headers > self.tail_max_headers:
                                break
                        elif not self.continues(lines[j].text):
                            opens_tail = True
                    elif not self.second and (fl & F_INFO):
                        opens_tail = True
                    if opens_tail:
                        self.second = True
                        if early and not tagged:
                            self.j = j
                            self.paused = True
                            return 1
            if not is_head:
                if self.second:
                    self.tail += 1
                    if self.tail > self.tail_lines:
                        break
                c = ctx[j]
                if c != c0 and not (self.cpu_traceback and cpu[c]):
                    continue
            fl = flags[j]
            if fl & F_DROPPED:  # an unreliable frame
                if not is_head:
                    continue
                self.head_text = self.strip_line(lines[j])[0]
            self.text_lines += 1
            skip_line = self.skip_text
            if fl & F_MARKED:
                t = lines[j].text
                if _DISABLING in t:
                    skip_line = True
                elif _SENDING_NMI in t:
                    self.cpu_traceback = True
                elif self.text_lines > self.min_lines and (_PANIC in t or _CIRCULAR in t):
                    self.skip_text = skip_line = True
            if not is_head and skip_line:
                continue
            if self.count == self.room:
                grown = <Py_ssize_t*>realloc(self.src, (2 * self.room + 64) * sizeof(Py_ssize_t))
                if grown == NULL:
                    raise MemoryError()
                self.src, self.room = grown, 2 * self.room + 64
            self.src[self.count] = j
            self.count += 1
            if not self.second or tagged:
                self.report_end = self.count
            if self.count >= self.max_lines:
                break
        self.j = j
        self.finished = True
        return 0

    @property
    def out(self):
        """The texts of the lines read so far."""
        return [self._text(i) for i in range(self.count)]

    cdef object _text(self, Py_ssize_t i):
        cdef Py_ssize_t j = self.src[i]
        if j == self.start and self.head_text is not None:
            return self.head_text
        return self.lines[j].text

    def text_so_far(self):
        """The title text at a pause: every line read so far."""
        out = self.out
        return "\n".join(out) + "\n" if out else ""

    def title_bytes(self):
        """The title text (`result()[0]`, `text_so_far()` at a pause) as UTF-8 (errors
        replaced), built once from the lines."""
        return self._utf8(0, self.report_end)

    def rest_bytes(self):
        """What the full text adds to the title text, as UTF-8 (errors replaced); reads
        the rest of the printer's output first when paused."""
        self._advance(True, self.n)  # (it cannot pause twice: the tail is open)
        return self._utf8(self.report_end, self.count)

    cdef bytes _rest_to(self, Py_ssize_t limit):
        """Reads on up to line `limit` (exclusive); the lines of the rest read since the
        last call, as rest_bytes gives them."""
        self._advance(True, limit)
        if self.rest_done < self.report_end:
            self.rest_done = self.report_end
        got = self._utf8(self.rest_done, self.count)
        self.rest_done = self.count
        return got

    cdef bytes _utf8(self, Py_ssize_t lo, Py_ssize_t hi):
        """("\n".join(out[lo:hi]) + "\n").encode("utf-8", "replace"), b"" for no line:
        copied out of the log's joined text when it is known (runs of consecutive lines
        in one piece), else from each line's text."""
        cdef LogArrays a = self.a
        cdef Py_ssize_t i, j, e, total = 0
        cdef char* w
        if lo < 0:
            lo = 0
        if hi > self.count:
            hi = self.count
        if lo >= hi:
            return b""
        if a.at == NULL or (self.head_text is not None and self.src[lo] <= self.start):
            return _utf8_lines([self._text(i) for i in range(lo, hi)])
        for i in range(lo, hi):
            j = self.src[i]
            total += a.at[j + 1] - a.at[j]
        result = PyBytes_FromStringAndSize(NULL, total)
        w = PyBytes_AS_STRING(result)
        i = lo
        while i < hi:  # a run of consecutive lines: one copy
            j = e = self.src[i]
            i += 1
            while i < hi and self.src[i] == e + 1:
                e += 1
                i += 1
            memcpy(w, a.jd + a.at[j], a.at[e + 1] - a.at[j])
            w += a.at[e + 1] - a.at[j]
        return result

    def rest_to(self, Py_ssize_t limit):
        """(the lines of the rest read since the last call, as UTF-8 like rest_bytes,
        whether the reading is done), reading on up to line `limit` (exclusive)."""
        got = self._rest_to(limit)
        return got, self.finished

    def result(self):
        """(title text, full text, last header index) once the loop is done."""
        out = self.out
        cdef Py_ssize_t re = self.report_end
        text = "\n".join(out[:re]) + "\n" if re else ""
        full = text if re == len(out) else text + "\n".join(out[re:]) + "\n"
        return text, full, self.last_header


cdef bytes _utf8_lines(list out):
    """("\n".join(out) + "\n").encode("utf-8", "replace"), b"" for no line: ASCII lines
    are copied as they are, others encoded one by one."""
    cdef Py_ssize_t lo = 0, hi = len(out)
    if lo >= hi:
        return b""
    cdef Py_ssize_t i, total = 0, m
    cdef list parts = [None] * (hi - lo)
    for i in range(lo, hi):
        s = out[i]
        if not PyUnicode_Check(s):
            raise TypeError("a line text is not str")
        if PyUnicode_IS_ASCII(s):
            parts[i - lo] = s
            total += PyUnicode_GET_LENGTH(s) + 1
        else:
            e = PyUnicode_AsEncodedString(s, "utf-8", "replace")
            parts[i - lo] = e
            total += len(<bytes>e) + 1
    result = PyBytes_FromStringAndSize(NULL, total)
    cdef char* w = PyBytes_AS_STRING(result)
    cdef const char* src
    for p in parts:
        if type(p) is bytes:
            src = <bytes>p
            m = len(<bytes>p)
        else:
            src = <const char*>PyUnicode_DATA(p)
            m = PyUnicode_GET_LENGTH(p)
        memcpy(w, src, m)
        w[m] = b"\n"
        w += m + 1
    return result


# --- the stack walk ------------------------------------------------------------------
#
# `walk` is titles._walk_text_py, `line_kind` titles._line_kind_py: the same answers, with
# re2 called through its engine binding directly (the spans a `pattern.Fast` search gets,
# without building a match object) and the memos of titles read and filled in C.  A
# mangled frame name, a stall-anchor memo miss and the fault-injection check call back
# into the Python functions (`configure` and its siblings hand them over).

cdef object _rx_f = None, _add_groups_f = None
cdef object _is_corrupted_f = None, _any_frame = None, _any_stack_start = None
cdef dict _line_memo = None, _group_memo = None
cdef str _PARSE_STACK = None
cdef bytes _corrupt_hint = None
cdef tuple _stack_hints = ()


def configure(rx, add_groups, is_corrupted_line, dict line_memo, dict group_memo, str parse_stack, any_frame,
              any_stack_start, bytes corrupt_hint, tuple stack_hints):
    """Hand over titles' helpers, memos and patterns (`pattern.Fast` objects whose `_raw`
    engine binding is present: titles checks that before calling)."""
    global _rx_f, _add_groups_f, _is_corrupted_f
    global _line_memo, _group_memo, _PARSE_STACK, _any_frame, _any_stack_start, _corrupt_hint, _stack_hints
    _rx_f, _add_groups_f, _is_corrupted_f = rx, add_groups, is_corrupted_line
    _line_memo, _group_memo, _PARSE_STACK = line_memo, group_memo, parse_stack
    _any_frame, _any_stack_start, _corrupt_hint, _stack_hints = any_frame, any_stack_start, corrupt_hint, stack_hints
    global _c_frames
    _c_frames = any_frame._rx.pattern == _C_FRAME_PATTERN


cdef dict _engines = {}  # pattern.Fast -> (its engine's bound Match, the unanchored mode)


cdef object _spans(object fast, bytes text, Py_ssize_t pos):
    """The spans of fast.search(text, pos) (group 0 first), or None: no match."""
    cdef Py_ssize_t n = len(text)
    if pos < 0:
        pos = 0
    elif pos > n:
        pos = n
    eng = _engines.get(fast)
    if eng is None:
        eng = _engines[fast] = (fast._raw.Match, fast._unanchored)
    spans = (<tuple>eng)[0]((<tuple>eng)[1], text, pos, n)
    if spans[0][0] < 0:
        return None
    return spans


cdef tuple _groups_of(bytes text, spans):
    """Hit.groups() of the match with these spans."""
    cdef Py_ssize_t k, m = len(spans)
    cdef list out = []
    for k in range(1, m):
        s, e = spans[k]
        out.append(None if s < 0 else text[s:e])
    return tuple(out)


from crashpipe import memo as _memo
from crashpipe._memo_c cimport keep
cdef dict _name_kept = None, _stripped = None, _sanitized = None
cdef object _skip_either = None, _sanitize_rules_f = None, _cap_printable_f = None
cdef Py_ssize_t _max_title = 0


cdef Py_ssize_t _MAX_KEY_LEN = _memo.MAX_KEY_LEN, _MAX_ENTRIES = _memo.MAX_ENTRIES


cdef inline object _keep(dict cache, key, value, Py_ssize_t key_len):
    """crashpipe.memo.remember (its bounds), without the call."""
    return keep(cache, key, value, key_len, _MAX_KEY_LEN, _MAX_ENTRIES)


cdef inline int _add(list raw, tuple groups, skip) except -1:
    names = _group_memo.get((skip, groups))
    if names is None:
        names = _group_names(groups, skip)
    raw.extend(<tuple>names)
    return 0


cdef dict _skip_literals = None


cdef bint _may_match(fast, bytes name) except -1:
    """Whether `name` holds one of the literals titles._SKIP_LITERALS has for this skip
    pattern (True when it has none): a name holding none matches nowhere."""
    got = _skip_literals.get(fast)
    if got is None:
        return True
    cdef const unsigned char* bitmap = <const unsigned char*><const char*>(<tuple>got)[0]
    cdef dict table = <dict>(<tuple>got)[1]
    cdef const unsigned char* s = <const unsigned char*><const char*>name
    cdef Py_ssize_t i, n = len(name), m
    cdef unsigned int h
    for i in range(n - 2):
        h = (s[i] * 961u + s[i + 1] * 31u + s[i + 2]) & 0xFFFFu
        if bitmap[h >> 3] & (1 << (h & 7)):
            for lit in <tuple>table[h]:
                m = len(<bytes>lit)
                if i + m <= n and memcmp(s + i, <const char*><bytes>lit, <size_t>m) == 0:
                    return True
    return False


def may_match(fast, bytes name):
    """_may_match, for the tests."""
    return _may_match(fast, name)


cdef bint _skipped(skip, bytes name) except -1:
    """skip.search(name) is not None (skip: a pattern.Fast or a titles._SkipEither)."""
    if type(skip) is _skip_either:
        return ((_may_match(skip.common, name) and _spans(skip.common, name, 0) is not None)
                or (_may_match(skip.extra, name) and _spans(skip.extra, name, 0) is not None))
    return _may_match(skip, name) and _spans(skip, name, 0) is not None


cdef tuple _group_names(tuple groups, skip):
    """The names titles._add_groups adds for these groups, remembered in its memos
    (a mangled name goes to it: it demangles first)."""
    cdef list got = []
    cdef Py_ssize_t size = 0
    for g in groups:
        if g is None:
            continue
        size += len(<bytes>g)
        name = _name_kept.get((skip, g), _name_kept)
        if name is _name_kept:  # not decided yet for this skip list
            if (<bytes>g).startswith((b"_Z", b"_R")):
                got = []
                _add_groups_f(got, groups, skip)
                return tuple(got)
            name = None if _skipped(skip, <bytes>g) else (<bytes>g).decode("utf-8", "replace")
            _keep(_name_kept, (skip, g), name, len(<bytes>g))
        if name is not None:
            got.append(name)
    return <tuple>_keep(_group_memo, (skip, groups), tuple(got), size)


# The frame-line pattern (formats.frames.FRAME_LINES as one alternation), matched in C
# when the tables hold exactly this one (otherwise re2 runs it): every quantifier in it
# is followed by a character it cannot consume, so its one match is found without
# backtracking.  tests/test_titles_fast.py compares both on corpora and random lines.
_C_FRAME_PATTERN = (rb"(?:^ *(?:\[\<?(?:0x)?[0-9a-f]+\>?\] ){0,2}([a-zA-Z0-9_]+)(?:\.|\+))|"
                    rb"(?:^ *\[\<?(?:0x)?[0-9a-f]+\>?\] \(([a-zA-Z0-9_.]+)\) from \[\<?(?:0x)?[0-9a-f]+\>?\] "
                    rb"\(([a-zA-Z0-9_]+)(?:\.|\+))|"
                    rb"(?:^ *([a-zA-Z0-9_.]+)(?: \[[a-zA-Z0-9_.]+\])? from ([a-zA-Z0-9_]+)(?:\.|\+))")
cdef bint _c_frames = False


cdef inline bint _is_ident(unsigned char c) noexcept:
    return (97 <= c <= 122) or (65 <= c <= 90) or (48 <= c <= 57) or c == 95


cdef inline bint _is_ident_dot(unsigned char c) noexcept:
    return _is_ident(c) or c == 46


cdef inline bint _is_hex(unsigned char c) noexcept:
    return (48 <= c <= 57) or (97 <= c <= 102)


cdef Py_ssize_t _pc_end(const unsigned char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
    """The end of `\\[\\<?(?:0x)?[0-9a-f]+\\>?\\]` at i, or -1."""
    cdef Py_ssize_t j, k
    if i >= n or s[i] != 91:  # [
        return -1
    i += 1
    if i < n and s[i] == 60:  # <
        i += 1
    j = i
    if i + 2 < n and s[i] == 48 and s[i + 1] == 120 and _is_hex(s[i + 2]):  # 0x and a digit
        j = i + 2
    k = j
    while k < n and _is_hex(s[k]):
        k += 1
    if k == j:
        return -1
    if k < n and s[k] == 62:  # >
        k += 1
    if k < n and s[k] == 93:  # ]
        return k + 1
    return -1


cdef Py_ssize_t _func_end(const unsigned char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
    """The end of `([a-zA-Z0-9_]+)` at i when `\\.|\\+` follows it, or -1."""
    cdef Py_ssize_t k = i
    while k < n and _is_ident(s[k]):
        k += 1
    if k > i and k < n and (s[k] == 46 or s[k] == 43):
        return k
    return -1


cdef inline bint _at(const unsigned char* s, Py_ssize_t i, Py_ssize_t n, const char* lit, Py_ssize_t m) noexcept:
    return i + m <= n and memcmp(s + i, lit, <size_t>m) == 0


cdef object _frame_groups(bytes ln):
    """The groups of the frame-line pattern's match in the line, or None."""
    cdef const unsigned char* s = <const unsigned char*><const char*>ln
    cdef Py_ssize_t n = len(ln), i = 0, p, e, q, a, b, c, d
    cdef int k
    while i < n and s[i] == 32:
        i += 1
    # 1: up to two "[<pc>] ", then the function
    p = i
    for k in range(2):
        e = _pc_end(s, p, n)
        if e < 0 or e >= n or s[e] != 32:
            break
        p = e + 1
    q = _func_end(s, p, n)
    if q >= 0:
        return (ln[p:q], None, None, None, None)
    # 2: "[<pc>] (f) from [<pc>] (g+"
    e = _pc_end(s, i, n)
    if e >= 0 and _at(s, e, n, b" (", 2):
        a = b = e + 2
        while b < n and _is_ident_dot(s[b]):
            b += 1
        if b > a and _at(s, b, n, b") from ", 7):
            c = _pc_end(s, b + 7, n)
            if c >= 0 and _at(s, c, n, b" (", 2):
                q = _func_end(s, c + 2, n)
                if q >= 0:
                    return (None, ln[a:b], ln[c + 2:q], None, None)
    # 3: "f [mod] from g+"
    a = b = i
    while b < n and _is_ident_dot(s[b]):
        b += 1
    if b == a:
        return None
    d = b
    if _at(s, b, n, b" [", 2):
        c = d = b + 2
        while d < n and _is_ident_dot(s[d]):
            d += 1
        d = d + 1 if d > c and d < n and s[d] == 93 else b  # (no module: " from " right after f)
    if _at(s, d, n, b" from ", 6):
        q = _func_end(s, d + 6, n)
        if q >= 0:
            return (None, None, None, ln[a:b], ln[d + 6:q])
    return None


def frame_groups(bytes ln):
    """_frame_groups, for the tests."""
    return _frame_groups(ln)


def c_frames():
    """Whether line_kind matches frame lines in C (the tables hold the pattern above)."""
    return _c_frames


def line_kind(bytes ln):
    """titles._line_kind_py: (corruption marker line, stack start line, groups of its
    frame match or None), remembered in the same memo."""
    kind = _line_memo.get(ln)
    if kind is not None:
        return kind
    if _c_frames:
        groups = _frame_groups(ln)
    else:
        sp = _spans(_any_frame, ln, 0)
        groups = _groups_of(ln, sp) if sp is not None else None
    corrupt = False
    if _find(ln, _corrupt_hint, 0) >= 0:
        corrupt = bool(_is_corrupted_f(ln))
    stack = False
    for h in _stack_hints:
        if _find(ln, <bytes>h, 0) >= 0:
            stack = _spans(_any_stack_start, ln, 0) is not None
            break
    kind = (corrupt, stack, groups)
    _keep(_line_memo, ln, kind, len(ln))
    return kind


# titles._key_frame (with _strip_frame, _hang_frame), its memos read in C; misses of the
# stall-anchor memo call back into Python.
cdef object _strip_frame_f = None, _is_stall_anchor_f = None
cdef dict _stall_hit = None
cdef tuple _strip_prefix_list = (), _hang_anchors = (), _hang_skip = ()
cdef str _stall_self = None


def configure_frames(dict stripped, dict stall_hit, strip_frame, is_stall_anchor, tuple strip_prefixes,
                     tuple hang_anchors, tuple hang_skip, str stall_self):
    """Hand over titles' guilty-frame helpers and tables (see configure)."""
    global _stripped, _stall_hit, _strip_frame_f, _is_stall_anchor_f, _strip_prefix_list
    global _hang_anchors, _hang_skip, _stall_self
    _stripped, _stall_hit, _strip_frame_f, _is_stall_anchor_f = stripped, stall_hit, strip_frame, is_stall_anchor
    _strip_prefix_list, _hang_anchors, _hang_skip, _stall_self = strip_prefixes, hang_anchors, hang_skip, stall_self


cdef str _strip(str name):
    """titles._strip_frame."""
    got = _stripped.get(name)
    if got is not None:
        return <str>got
    best = name
    if name.startswith(_strip_prefix_list):
        for p in _strip_prefix_list:
            if name.startswith(p) and len(name) - len(<str>p) < len(<str>best):
                best = name[len(<str>p):]
    return <str>_keep(_stripped, name, best, len(name))


cdef tuple _key_frame(list raw, extractor):
    """titles._key_frame: (canonical, raw) name of the guilty frame, or ("", "")."""
    cdef Py_ssize_t i, j, prev, n = len(raw)
    cdef str fr, name
    if n == 0:
        return ("", "")
    if extractor is None:
        return (_strip(raw[0]), raw[0])
    if extractor == "stall":
        prev = 0
        for i in range(n):
            fr = _strip(raw[i])
            hit = _stall_hit.get(fr)
            if hit is None:
                hit = _is_stall_anchor_f(fr)
            if hit:
                j = i if _stall_self in fr else prev
                name = _strip(raw[j])
                if _stall_self in name:
                    return (_stall_self, raw[j])
                return (name, raw[j])
            prev = i
        return ("", "")
    cdef list stripped = [_strip(f) for f in raw]
    for i in range(n):  # titles._hang_frame
        fr = stripped[i]
        for anchor, repl in _hang_anchors:
            if anchor in fr:
                return ((repl or fr), raw[i])
    for i in range(n):
        fr = stripped[i]
        for s in _hang_skip:
            if s in fr:
                break
        else:
            return (fr, raw[i])
    return ("", "")


def key_frame(list raw, extractor):
    """_key_frame, for the tests."""
    return _key_frame(raw, extractor)


# `walk` runs on the report text itself (the lines are cut out of it only where the walk
# reads them one by one), and looks for the parts (and the pattern after a trace) with
# one search over the text from the current line where `titles._part_plan` says that
# finds the first line holding a match; the literals of the plan, one of which every
# match holds, skip that search when none is there and start it at the first line that
# has one.

cdef object _plan_f = None
cdef dict _plans = {}


def configure_walk(plan):
    """Hand over titles._part_plan (see walk)."""
    global _plan_f
    _plan_f = plan
    _plans.clear()


cdef inline tuple _plan(str part):
    p = _plans.get(part)
    if p is None:
        p = _plan_f(part)
        _plans[part] = p
    return <tuple>p


# How common a byte is in log text, roughly (1 rarest): _find looks for a needle's
# rarest byte with memchr and compares the needle around each hit.  Hex digits (the
# addresses and register dumps) and spaces are everywhere; capitals and most punctuation
# are rare; lowercase letters sit between, the ones frequent in English words higher.
cdef unsigned char _RANK[256]


cdef void _init_rank() noexcept:
    cdef int c
    for c in range(256):
        if 48 <= c <= 57 or 97 <= c <= 102 or c in b" \n\t":
            _RANK[c] = 4
        elif c in b"hilnorst_-./,:[]=":
            _RANK[c] = 3
        elif 97 <= c <= 122:
            _RANK[c] = 2
        else:
            _RANK[c] = 1


_init_rank()


cdef Py_ssize_t _find(bytes text, bytes needle, Py_ssize_t start, Py_ssize_t n=-1) noexcept:
    """text.find(needle, start, n) for start >= 0 (n < 0: the text's end): memchr for
    the needle's rarest byte, the needle compared around each hit (CPython's search, and
    libc's memmem on short needles, cost ~1 us on a report of kilobytes).  The needles
    are table literals of a few bytes: linear in the text's length."""
    cdef Py_ssize_t m = len(needle), k, r = 0, i, last, j
    cdef const unsigned char* buf = <const unsigned char*><const char*>text
    cdef const unsigned char* nd = <const unsigned char*><const char*>needle
    cdef const void* p
    cdef unsigned char c
    if n < 0 or n > len(text):
        n = len(text)
    if m == 0:
        return start if start <= n else -1
    if start + m > n:
        return -1
    for k in range(1, m):
        if _RANK[nd[k]] < _RANK[nd[r]]:
            r = k
    c = nd[r]
    i = start + r  # where the rare byte sits for a match at start
    last = n - m + r
    while i <= last:
        p = memchr(buf + i, c, <size_t>(last - i + 1))
        if p == NULL:
            return -1
        j = <Py_ssize_t>(<const unsigned char*>p - buf)
        if memcmp(buf + j - r, nd, <size_t>m) == 0:
            return j - r
        i = j + 1
    return -1


def find(bytes text, bytes needle, Py_ssize_t start=0, Py_ssize_t n=-1):
    """_find, for the tests."""
    return _find(text, needle, start, n)


cdef object _first_spans(tuple plan, bytes text, Py_ssize_t off):
    """The spans of the first match of the plan's whole-text pattern at or after `off` (a
    line's start), or None."""
    cdef tuple hints = <tuple>plan[2]
    cdef Py_ssize_t h = -1, k, at, ls
    cdef const char* buf
    if hints:
        for hint in hints:  # (each after the first only looked for before the best so far)
            at = _find(text, <bytes>hint, off, -1 if h < 0 else h + len(<bytes>hint) - 1)
            if at >= 0 and (h < 0 or at < h):
                h = at
        if h < 0:
            return None
        buf = text
        ls = h
        while ls > off and buf[ls - 1] != 10:  # back to the start of the line holding it
            ls -= 1
        off = ls
    return _spans(plan[1], text, off)


cdef inline Py_ssize_t _line_end(const char* buf, Py_ssize_t off, Py_ssize_t n) noexcept:
    """The offset of the newline ending the line at `off`, or n (the last line)."""
    cdef const void* p
    if off >= n:
        return n
    p = memchr(buf + off, 10, <size_t>(n - off))
    return n if p == NULL else <Py_ssize_t>(<const char*>p - buf)


def walk(bytes text, tuple parts, skip, extractor, bint may_corrupt=True):
    """titles._walk_text_py: ([(canonical, raw) frame per trace], ok), the lines being
    text.split(b"\\n")."""
    cdef list raw = [], results = []
    cdef bint ok = True, settled
    cdef Py_ssize_t traces = 0, n = len(text), i = 0, np = len(parts)
    cdef Py_ssize_t off = 0  # where the next line starts (n + 1: no line left)
    cdef Py_ssize_t ls, le, nxt_at
    cdef const char* buf = text
    cdef tuple plan, nplan
    while True:
        if i == np or (parts[i] == _PARSE_STACK and traces > 0):
            key = _key_frame(raw, extractor)
            if not key[0]:
                key, ok = ("corrupted", "corrupted"), False
            results.append(key)
            raw = []
        if i == np:
            break
        part = parts[i]
        if part == _PARSE_STACK:
            traces += 1
            nplan = _plan(parts[i + 1]) if i + 1 < np else None
            nxt_at = -2  # where the pattern after the trace first matches: -2 not searched yet, -1 nowhere
            nsp = None
            settled = nplan is None and extractor is None and not may_corrupt
            while off <= n:
                if settled and raw:
                    break
                ls = off
                le = _line_end(buf, ls, n)
                off = le + 1
                ln = text[ls:le]
                kind = _line_memo.get(ln)
                if kind is None:
                    kind = line_kind(ln)
                corrupt_line, stack_start, frame = kind
                if corrupt_line:
                    ok = False
                    break
                if stack_start:
                    break
                if nplan is not None:
                    if nplan[1] is not None:
                        if nxt_at == -2:
                            nsp = _first_spans(nplan, text, ls)
                            nxt_at = -1 if nsp is None else nsp[0][0]
                        if 0 <= nxt_at <= le:  # (the first match is on this line)
                            _add(raw, _groups_of(text, nsp), skip)
                            i += 1
                            break
                    else:
                        sp = _spans(nplan[0], ln, 0)
                        if sp is not None:
                            _add(raw, _groups_of(ln, sp), skip)
                            i += 1
                            break
                if frame is not None:
                    _add(raw, frame, skip)
        else:
            plan = _plan(part)
            if plan[1] is not None and not may_corrupt:
                sp = _first_spans(plan, text, off) if off <= n else None
                if sp is None:
                    off = n + 1
                else:
                    _add(raw, _groups_of(text, sp), skip)
                    off = _line_end(buf, sp[0][0], n) + 1
            else:
                rx = plan[0]
                while off <= n:
                    ls = off
                    le = _line_end(buf, ls, n)
                    off = le + 1
                    ln = text[ls:le]
                    if may_corrupt and _is_corrupted_f(ln):
                        ok = False
                        break
                    sp = _spans(rx, ln, 0)
                    if sp is not None:
                        _add(raw, _groups_of(ln, sp), skip)
                        break
        i += 1
    return results, ok


# --- the description -----------------------------------------------------------------
#
# `describe` is titles._describe_py (with its _title_hits, _search, _stack_frames,
# _format and _partially_stripped): the same steps, with re2 called the way the walk
# calls it and the glue in C.  `configure_describe` hands over titles' tables and memos.

cdef dict _title_sets = None, _prefixes = None, _fmt_parts = None, _fast = {}  # _fast: pattern -> (prefix, Fast)
cdef object _pattern_set_f = None, _stack_start_set = None, _prefix_f = None, _skip_rx_f = None
cdef object _fmt_parts_f = None
cdef list _last_hits = None
cdef tuple _headerless_parts = (), _strip_prefixes = (), _stack_starts = ()
cdef str _no_frames = None


def configure_describe(dict title_sets, pattern_set, tuple stack_starts, stack_start_set, list last_hits,
                       dict prefixes, prefix, skip_rx, tuple headerless_parts, dict fmt_parts, fmt_parts_f,
                       tuple strip_prefixes, str no_frames, dict name_kept, skip_either, dict stripped,
                       dict sanitized, sanitize_rules, cap_printable, Py_ssize_t max_title, dict skip_literals):
    """Hand over titles' description helpers (see configure)."""
    global _title_sets, _pattern_set_f, _stack_start_set, _last_hits, _prefixes, _prefix_f, _skip_rx_f
    global _headerless_parts, _fmt_parts, _fmt_parts_f, _strip_prefixes, _no_frames, _stack_starts
    global _name_kept, _skip_either, _stripped, _sanitized, _sanitize_rules_f, _cap_printable_f, _max_title
    _stack_starts, _name_kept, _skip_either, _stripped = stack_starts, name_kept, skip_either, stripped
    _sanitized, _sanitize_rules_f, _cap_printable_f, _max_title = sanitized, sanitize_rules, cap_printable, max_title
    global _skip_literals
    _skip_literals = skip_literals
    _title_sets, _pattern_set_f, _stack_start_set, _last_hits = title_sets, pattern_set, stack_start_set, last_hits
    _prefixes, _prefix_f, _skip_rx_f, _headerless_parts = prefixes, prefix, skip_rx, headerless_parts
    _fmt_parts, _fmt_parts_f, _strip_prefixes, _no_frames = fmt_parts, fmt_parts_f, strip_prefixes, no_frames
    _fast.clear()


cdef object _title_hits(oops, bytes text):
    """titles._title_hits, its indexes in order (a list)."""
    key = id(oops)
    rs = _title_sets.get(key, _title_sets)
    if rs is _title_sets:
        rs = None
        formats = oops.formats
        if len(formats) > 2:
            rs = _pattern_set_f([f.title for f in formats] + list(_stack_starts))
        _title_sets[key] = rs
    if rs is None:
        return None
    try:
        got = rs._set.Match(text)  # (re2.Set.Match without its wrapper)
    except Exception:  # noqa: BLE001
        return None
    if not got:
        got = ()
    cdef Py_ssize_t nf = len(oops.formats)
    cdef list titles = []
    cdef set starts = None
    for k in got:
        if k < nf:
            titles.append(k)
        else:
            if starts is None:
                starts = set()
            starts.add(k - nf)
    if _stack_start_set is not None:
        _last_hits[:] = [_stack_start_set, text, starts]
    if not titles:
        return None
    titles.sort()
    return titles


cdef object _search_spans(str pattern, bytes text):
    """The spans of titles._search(pattern, text), or None."""
    plan = _fast.get(pattern)
    if plan is None:
        plan = _fast[pattern] = (_prefix_f(pattern), _rx_f(pattern))
    pre = (<tuple>plan)[0]
    if pre and _find(text, <bytes>pre, 0) < 0:
        return None
    return _spans((<tuple>plan)[1], text, 0)


cdef tuple _stack_frames(stack, bytes text):
    """titles._stack_frames."""
    skip = _skip_rx_f(stack.skip)
    cdef bint may_corrupt = _find(text, _corrupt_hint, 0) >= 0
    extractor = stack.extractor
    res, ok = walk(text, stack.parts, skip, extractor, may_corrupt)
    if ok:
        return res, ok
    parts2 = stack.parts2
    if parts2:
        res, ok = walk(text, parts2, skip, extractor, may_corrupt)
    if not ok:
        res2, ok2 = walk(text, _headerless_parts, skip, extractor, may_corrupt)
        if ok2:
            return res2, ok2
    return res, ok


cdef str _fmt(str fmt, list args):
    """titles._format."""
    parts = _fmt_parts.get(fmt)
    if parts is None:
        parts = _fmt_parts_f(fmt)
    cdef tuple lits = <tuple>parts[0], idx = <tuple>parts[1]
    cdef Py_ssize_t k, i, n = len(args), m = len(idx)
    if m == 0:
        return fmt
    cdef list out = [lits[0]]
    for k in range(m):
        i = idx[k]
        out.append(args[i - 1] if 1 <= i <= n else "%!v(BADINDEX)")
        out.append(lits[k + 1])
    return "".join(out)


cdef list _partially_stripped(list prefix, list frames):
    """titles._partially_stripped, without its first list when that is the canonical
    one (prefix + the canonical names: describe skips that list)."""
    cdef bint any_strip = False, same = True, add
    cdef Py_ssize_t i
    cdef list out, lst
    for fr in frames:
        if (<tuple>fr)[1].startswith(_strip_prefixes):
            any_strip = True
            break
        if same and (<tuple>fr)[0] != (<tuple>fr)[1]:
            same = False
    if not any_strip:
        return [] if same else [prefix + [(<tuple>fr)[1] for fr in frames]]
    out = []
    for i in range(len(_strip_prefixes) + 1):
        strip = "" if i == 0 else _strip_prefixes[i - 1]
        add = i == 0
        lst = []
        for fr in frames:
            raw = (<tuple>fr)[1]
            t = raw[len(strip):] if strip and raw.startswith(strip) else raw
            if t != raw:
                add = True
            lst.append(t)
        if add:
            out.append(prefix + lst)
    return out


def describe(bytes text, oops):
    """titles._describe_py: (title, corrupted reason, alt titles, format)."""
    cdef Py_ssize_t start = len(text) + 1, st, pos, end
    cdef str desc = ""
    cdef list alts = [], args, frames, full
    cdef bint matched_title = False
    corrupted = None
    used = None
    hits = _title_hits(oops, text)
    formats = oops.formats
    order = range(len(formats)) if hits is None else hits
    for k in order:
        f = formats[k]
        sp = _search_spans(f.title, text)
        if sp is None:
            continue
        st = sp[0][0]
        if st > start:
            continue
        if st == start and desc:
            continue
        if st < start:
            desc, used, start = "", None, st
        matched_title = True
        report = f.report
        if report is not None:
            sp = _search_spans(report, text)
            if sp is None:
                continue
        args = []
        for g in _groups_of(text, sp):
            args.append((<bytes>g).decode("utf-8", "replace") if g is not None else "")
        frames = []
        corrupted = None
        stack = f.stack
        if stack is not None:
            frames, ok = _stack_frames(stack, text[sp[0][0]:])
            if not ok:
                corrupted = _no_frames
        full = args + [(<tuple>fr)[0] for fr in frames]
        fmt = f.fmt
        desc = _fmt(fmt, full)
        falt = f.alt
        for a in falt:
            alts.append(_fmt(a, full))
        for seq in _partially_stripped(args, frames):
            if seq == full:
                continue
            t = _fmt(fmt, seq)
            if t != desc:
                alts.append(t)
            for a in falt:
                alts.append(_fmt(a, seq))
        if len(alts) > 1:
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


def sanitize(str title):
    """titles._sanitize_py: the title as syzkaller stores it (remembered in its memo)."""
    got = _sanitized.get(title)
    if got is None:
        got = _keep(_sanitized, title, _sanitize(title), len(title))
    return got


cdef str _sanitize(str title):
    """titles._sanitize: an ASCII title with no digit and no six hex letters in a row is
    one no replacement rule changes; the rest goes to titles._sanitize_rules."""
    cdef Py_ssize_t i, n = len(title), run = 0
    cdef const unsigned char* d
    cdef unsigned char c
    cdef bint plain = True  # printable, no two spaces in a row
    if not PyUnicode_IS_ASCII(title):
        return _sanitize_rules_f(title)
    d = PyUnicode_1BYTE_DATA(title)
    for i in range(n):
        c = d[i]
        if 48 <= c <= 57:
            return _sanitize_rules_f(title)
        if 97 <= c <= 102:
            run += 1
            if run >= 6:
                return _sanitize_rules_f(title)
        else:
            run = 0
        if c < 32 or c >= 127 or (c == 32 and i > 0 and d[i - 1] == 32):
            plain = False
    if plain:
        return title[:_max_title].strip()
    return _cap_printable_f(title)


# --- the corruption check --------------------------------------------------------------
#
# `corruption` is titles._corruption_py: the same steps over the stack-start patterns
# (their one-pass set, hints and line-start property are titles'), line kinds from
# `line_kind`, the tail's hint literals read from LogArrays.hints.

cdef tuple _corrupted_titles = (), _corrupt_title_hints = ()
# (_last_hits, titles._LAST_HITS: declared with the description above; both configure calls hand over the same list)
cdef object _set_hits_f = None, _start_set = None, _headerless = None
cdef tuple _start_rx = (), _start_hints = (), _start_near = (), _start_bits = ()
cdef bint _headerless_in_line = False
cdef bytes _headerless_hint = b""
cdef int _headerless_bit = 0
cdef Py_ssize_t _tail_max = 0, _tail_max_headers = 0
cdef bytes _NOT_AVAILABLE = b"(stack is not available)"


def configure_checks(tuple corrupted_titles, tuple title_hints, set_hits, list last_hits, start_set, tuple start_rx,
                     tuple start_hints, tuple start_near, tuple start_bits, headerless, bint headerless_in_line,
                     bytes headerless_hint, int headerless_bit, Py_ssize_t tail_lines, Py_ssize_t tail_headers):
    """Hand over the corruption check's patterns and helpers (see configure); `last_hits`
    is titles._LAST_HITS, the stack-start set's last answer (set, text, hits)."""
    global _corrupted_titles, _corrupt_title_hints, _set_hits_f, _last_hits, _start_set, _start_rx, _start_hints, _start_near
    global _start_bits, _headerless, _headerless_in_line, _headerless_hint, _headerless_bit, _tail_max
    global _tail_max_headers
    n = len(start_rx)
    if len(start_hints) != n or len(start_near) != n or len(start_bits) != n or len(title_hints) != len(corrupted_titles):
        raise ValueError("one hint, property and bit per pattern")
    if n > 32 or not all(0 <= b < 16 for b in start_bits) or not 0 <= headerless_bit < 16 or len(last_hits) != 3:
        raise ValueError("at most 32 patterns; hint bits are 0..15")
    _corrupted_titles, _corrupt_title_hints, _set_hits_f, _last_hits = corrupted_titles, title_hints, set_hits, last_hits
    _start_set, _start_rx, _start_hints, _start_near, _start_bits = start_set, start_rx, start_hints, start_near, start_bits
    _headerless, _headerless_in_line, _headerless_hint, _headerless_bit = headerless, headerless_in_line, headerless_hint, headerless_bit
    _tail_max, _tail_max_headers = tail_lines, tail_headers


cdef inline object _kind_of(ln):
    kind = _line_memo.get(ln)
    if kind is None:
        kind = line_kind(ln)
    return kind


cdef inline Py_ssize_t _find_from(bytes buf, bytes lit, Py_ssize_t pos):
    """buf.find(lit, pos) for a non-empty literal (`_find`, from 0 when pos < 0)."""
    return _find(buf, lit, pos if pos > 0 else 0)


cdef Py_ssize_t _line_before(bytes buf, Py_ssize_t h):
    """The index of the newline that ends the line before the one holding offset h (-1
    for none)."""
    cdef const char* s = buf
    while h > 0 and s[h - 1] != b"\n":
        h -= 1
    return h - 1


cdef dict _start_memo = {}  # (pattern, window) -> where its first match in the window starts, or -1


cdef Py_ssize_t _first_start(Py_ssize_t k, bytes buf, Py_ssize_t pos) except -2:
    """titles._first_start.  With the near-hint property, the first match at or after pos
    starts in the window from the newline before the first line holding the literal to
    that line's end, if one does (a match crosses no newline past its first character and
    looks at no context): each window is searched on its own, and its answer remembered
    (the same lines recur); else the next window, from that line's end."""
    cdef Py_ssize_t h, w0, w1, n = len(buf), at
    cdef const char* s = buf
    cdef const char* q
    if not _start_near[k]:
        sp = _spans(_start_rx[k], buf, pos)
        return -1 if sp is None else sp[0][0]
    lit = <bytes>_start_hints[k]
    while True:
        h = _find_from(buf, lit, pos)
        if h < 0:
            return -1
        w0 = _line_before(buf, h)
        if w0 < pos:
            w0 = pos
        q = <const char*>memchr(s + h, b"\n", n - h)
        w1 = n if q == NULL else q - s
        window = buf[w0:w1]
        key = (k, window)
        got = _start_memo.get(key)
        if got is None:
            sp = _spans(_start_rx[k], window, 0)
            got = -1 if sp is None else sp[0][0]
            _keep(_start_memo, key, got, w1 - w0)
        at = got
        if at >= 0:
            return w0 + at
        if w1 >= n:
            return -1
        pos = w1


DEF LOOK_FRAME = 0
DEF LOOK_MISSED = 1
DEF LOOK_NO_FRAMES = 2
DEF LOOK_UNDECIDED = 3


cdef int _look_at(bytes buf, Py_ssize_t p, bint open_end) except -1:
    """titles._look_at, as one of the LOOK_ codes."""
    cdef const char* s = buf
    cdef Py_ssize_t n = len(buf), a = p, b, i
    cdef const char* q
    if p < 0 or p > n:
        raise ValueError("offset out of range")
    for i in range(3):  # "call trace is missed": fewer than three newlines follow
        q = <const char*>memchr(s + a, b"\n", n - a)
        if q == NULL:
            return LOOK_UNDECIDED if open_end else LOOK_MISSED
        a = q - s + 1
    q = <const char*>memchr(s + p, b"\n", n - p)
    a = q - s + 1  # the start of the first line after the stack start's
    for i in range(15):
        q = <const char*>memchr(s + a, b"\n", n - a) if a < n else NULL
        if q == NULL:  # the last piece
            if open_end:
                return LOOK_UNDECIDED  # (it is empty: what follows buf)
            b = n
        else:
            b = q - s
        ln = buf[a:b]
        kind = _kind_of(ln)
        if kind[1]:
            return LOOK_NO_FRAMES
        if kind[2] is not None or _NOT_AVAILABLE in ln:
            return LOOK_FRAME
        if q == NULL:
            return LOOK_NO_FRAMES
        a = b + 1
    return LOOK_NO_FRAMES


cdef Py_ssize_t _tail_end(LogArrays a, Py_ssize_t lo):
    """titles._tail_end: the end of the lines the rest after line `lo` can come from."""
    cdef Py_ssize_t hi = lo + _tail_max, j, heads = 0
    if hi > a.n:
        hi = a.n
    for j in range(lo + 1, hi):
        if a.flags[j] & F_MAIN:
            heads += 1
            if heads > _tail_max_headers:
                return j
    return hi


cdef unsigned int _line_hints(LogArrays a, Py_ssize_t lo, Py_ssize_t hi):
    """The hint bits of lines [lo, hi)."""
    cdef Py_ssize_t j
    cdef unsigned int mask = 0
    if lo < 0:
        lo = 0
    if hi > a.n:
        hi = a.n
    for j in range(lo, hi):
        mask |= a.hints[j]
    return mask


DEF LOOK_AHEAD = 17  # lines read past a stack start's: its own and the 16 the look needs


@cython.freelist(4)
cdef class _Full:
    """The title text and as much of the rest of the printer's output after it as is read
    so far (`buf`, each line followed by a newline), for `corruption`.  A titles reader
    (crashpipe._titles.Reader) reads the rest in pieces, up to a line of the log, each
    piece at least as long as all before it; another reader reads it whole."""

    cdef bytes text, buf
    cdef object reader
    cdef LogArrays a
    cdef Py_ssize_t lo, hi, limit
    cdef bint done

    def __cinit__(self, bytes text, reader, LogArrays a, Py_ssize_t lo):
        self.text = self.buf = text
        self.reader = reader
        self.a = a
        self.done = reader is None
        self.lo = self.limit = lo
        self.hi = _tail_end(a, lo) if a is not None and not self.done else lo

    cdef int read_to(self, Py_ssize_t need) except -1:
        """Read on at least up to line `need` (exclusive)."""
        cdef Py_ssize_t lim
        if self.done or need <= self.limit:
            return 0
        if type(self.reader) is Reader and self.a is not None:
            lim = self.lo + 2 * (self.limit - self.lo)
            if lim < need:
                lim = need
            if lim >= self.hi:
                lim = self.a.n  # (the reader stops by itself before hi)
            part = (<Reader>self.reader)._rest_to(lim)
            self.done = (<Reader>self.reader).finished
            self.limit = lim
        else:
            part = <bytes?>self.reader.rest_bytes()
            self.done = True
        if part:
            self.buf = self.buf + part
        return 0

    cdef int read_all(self) except -1:
        while not self.done:
            self.read_to(self.a.n if self.a is not None else self.limit + 1)
        return 0

    cdef Py_ssize_t in_rest(self, Py_ssize_t k) except -2:
        """Where the first match of stack start k (k < 0: a headerless frame) that is
        not one in the title text starts in `buf`, -1 for none: the rest is read on to
        the next line of its range that holds the pattern's literal (every match holds
        it) and some lines past it, and the part read is searched past what was searched
        before; when no unread line holds the literal, what is read decides."""
        cdef Py_ssize_t n = len(self.text), pos, j, p
        cdef int bit = _headerless_bit if k < 0 else <int>_start_bits[k]
        cdef bint last = False
        # (1) of titles._starts_near_hint; a headerless match starts a line
        pos = n if k < 0 else n - 1
        while True:
            if not self.done:
                if self.a is None:
                    self.read_all()
                else:
                    j = self.limit
                    while j < self.hi and not (self.a.hints[j] >> bit) & 1:
                        j += 1
                    if j < self.hi:
                        self.read_to(j + LOOK_AHEAD)
                    else:
                        last = True
            if k < 0:
                p = 0 if _headerless_in(self.buf, pos) else -1
            else:
                p = _first_start(k, self.buf, pos)
            if p >= 0 or self.done or last:
                return p
            pos = len(self.buf) if k < 0 else len(self.buf) - 1

    cdef int look(self, Py_ssize_t p) except -1:
        """_look_at on what is read, reading on while the verdict hangs on the rest."""
        cdef int got = _look_at(self.buf, p, not self.done)
        while got == LOOK_UNDECIDED:
            if self.a is not None:
                self.read_to(self.limit + LOOK_AHEAD)
            else:
                self.read_all()
            got = _look_at(self.buf, p, not self.done)
        return got


cdef bint _title_corrupted(title) except -1:
    cdef Py_ssize_t i
    for i in range(len(_corrupted_titles)):
        h = _corrupt_title_hints[i]
        if h and h not in title:
            continue
        if _corrupted_titles[i].search(title) is not None:
            return True
    return False


cdef tuple _REASONS = (None, "call trace is missed", "no frames in a stack trace")  # by LOOK_ code


def corruption(title, bytes text, used, facts, Py_ssize_t first, Py_ssize_t lo, reader):
    """titles._corruption_py: why the report is corrupted, or None.  A titles Reader
    reads the rest only as far as the verdict needs (see _Full).  When _describe left no
    stack-start answer for `text`, the hint bits of its lines [first, lo) say which
    patterns may match in it (in place of a pass of the set)."""
    if _title_corrupted(title):
        return "title matches corrupted regexp"
    if used is None or used.no_stack_trace:
        return None
    cdef Py_ssize_t n = len(text), k, p, nk = len(_start_rx)
    cdef LogArrays a = None
    cdef unsigned int tail = 0, cand = 0
    cdef bint has_stack = False
    cdef int got
    if reader is not None and (facts is None or n == 0 or (<const char*>text)[n - 1] != b"\n"):
        text = text + <bytes?>reader.rest_bytes()
        n = len(text)
        reader = None
    if facts is not None:
        a = facts.arrays()
        if not 0 <= first <= lo <= a.n:
            raise ValueError("line range out of the log")
    cdef _Full f = _Full(text, reader, a, lo)
    if reader is not None:
        tail = _line_hints(a, lo, f.hi)
    # the patterns that may match in the title text (bit k: pattern k)
    if _last_hits[0] is _start_set and _last_hits[1] is text:  # (exact; None: none matches)
        hits = _last_hits[2]
        if hits is not None:
            for k in hits:
                cand |= 1u << k
    elif a is not None:
        tmask = _line_hints(a, first, lo)
        for k in range(nk):
            if (tmask >> <int>_start_bits[k]) & 1:
                cand |= 1u << k
    else:
        hits = _set_hits_f(_start_set, text)
        for k in range(nk):
            if hits is None or k in hits:
                cand |= 1u << k
    for k in range(nk):
        if not _start_near[k]:  # a match may span the title text's end
            f.read_all()
            p = _first_start(k, f.buf, 0)
        else:
            p = _first_start(k, text, 0) if (cand >> k) & 1 else -1
            if p < 0 and (tail >> <int>_start_bits[k]) & 1:  # (a rest follows)
                p = f.in_rest(k)
        if p < 0:
            continue
        got = f.look(p)
        if got != LOOK_FRAME:
            return _REASONS[got]
        has_stack = True
    if has_stack:
        return None
    if not _headerless_in_line:
        f.read_all()
        return None if _spans(_headerless, f.buf, 0) is not None else "no stack trace in report"
    if _headerless_in(text, 0):
        return None
    if (tail >> _headerless_bit) & 1 and f.in_rest(-1) >= 0:
        return None
    return "no stack trace in report"


cdef bint _headerless_in(bytes buf, Py_ssize_t pos) except -1:
    """Whether the headerless frame pattern matches in buf at or after pos (a line start):
    every match lies in one line, from its start, and holds _headerless_hint."""
    cdef Py_ssize_t h = _find_from(buf, _headerless_hint, pos)
    if h < 0:
        return False
    h = _line_before(buf, h) + 1
    return _spans(_headerless, buf, h if h > pos else pos) is not None
