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
the rest through a Reader only as far as the verdict needs.
"""
cimport cython
from libc.stdlib cimport malloc, free, realloc
from libc.string cimport memchr, memcpy, memset

cdef extern from "string.h":  # (a GNU/BSD extension; Python.h asks for it on Linux)
    void* memmem(const void* haystack, size_t haystacklen, const void* needle, size_t needlelen)

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
# `walk` is titles._walk_py, `line_kind` titles._line_kind_py: the same steps, with re2
# called through its engine binding directly (the spans a `pattern.Fast` search gets,
# without building a match object) and the memos of titles read in C.  Misses of the
# group-name memo, the guilty-frame choice and the fault-injection check call back into
# the Python functions (`configure` hands them over).

cdef object _rx_f = None, _key_frame_f = None, _add_groups_f = None, _line_local_f = None
cdef object _is_corrupted_f = None, _remember_f = None, _any_frame = None, _any_stack_start = None
cdef dict _line_memo = None, _group_memo = None
cdef str _PARSE_STACK = None
cdef bytes _corrupt_hint = None
cdef tuple _stack_hints = ()


def configure(rx, key_frame, add_groups, line_local, is_corrupted_line, remember, dict line_memo,
              dict group_memo, str parse_stack, any_frame, any_stack_start, bytes corrupt_hint,
              tuple stack_hints):
    """Hand over titles' helpers, memos and patterns (`pattern.Fast` objects whose `_raw`
    engine binding is present: titles checks that before calling)."""
    global _rx_f, _key_frame_f, _add_groups_f, _line_local_f, _is_corrupted_f, _remember_f
    global _line_memo, _group_memo, _PARSE_STACK, _any_frame, _any_stack_start, _corrupt_hint, _stack_hints
    _rx_f, _key_frame_f, _add_groups_f, _line_local_f = rx, key_frame, add_groups, line_local
    _is_corrupted_f, _remember_f = is_corrupted_line, remember
    _line_memo, _group_memo, _PARSE_STACK = line_memo, group_memo, parse_stack
    _any_frame, _any_stack_start, _corrupt_hint, _stack_hints = any_frame, any_stack_start, corrupt_hint, stack_hints


cdef object _spans(object fast, bytes text, Py_ssize_t pos):
    """The spans of fast.search(text, pos) (group 0 first), or None: no match."""
    cdef Py_ssize_t n = len(text)
    if pos < 0:
        pos = 0
    elif pos > n:
        pos = n
    spans = fast._raw.Match(fast._unanchored, text, pos, n)
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


cdef inline int _add(list raw, tuple groups, skip) except -1:
    names = _group_memo.get((skip, groups))
    if names is None:
        _add_groups_f(raw, groups, skip)
    else:
        raw.extend(names)
    return 0


def line_kind(bytes ln):
    """titles._line_kind_py: (corruption marker line, stack start line, groups of its
    frame match or None), remembered in the same memo."""
    kind = _line_memo.get(ln)
    if kind is not None:
        return kind
    sp = _spans(_any_frame, ln, 0)
    corrupt = False
    if _corrupt_hint in ln:
        corrupt = bool(_is_corrupted_f(ln))
    stack = False
    for h in _stack_hints:
        if h in ln:
            stack = _spans(_any_stack_start, ln, 0) is not None
            break
    kind = (corrupt, stack, _groups_of(ln, sp) if sp is not None else None)
    _remember_f(_line_memo, ln, kind, len(ln))
    return kind


def walk(list text_lines, tuple parts, skip, extractor, bint may_corrupt=True, text=None, bint whole=False):
    """titles._walk_py: ([(canonical, raw) frame per trace], ok)."""
    cdef list raw = [], results = []
    cdef bint ok = True, settled
    cdef Py_ssize_t traces = 0, pos = 0, n = len(text_lines), opos = 0, ooff = 0, i = 0, np = len(parts)
    cdef Py_ssize_t at, nl
    cdef bytes btext = text if type(text) is bytes else None
    while True:
        if i == np or (parts[i] == _PARSE_STACK and traces > 0):
            key = _key_frame_f(raw, extractor)
            if not key[0]:
                key, ok = ("corrupted", "corrupted"), False
            results.append(key)
            raw = []
        if i == np:
            break
        part = parts[i]
        if part == _PARSE_STACK:
            traces += 1
            nxt = _rx_f(parts[i + 1]) if i + 1 < np else None
            settled = nxt is None and extractor is None and not may_corrupt
            while pos < n:
                if settled and raw:
                    break
                ln = text_lines[pos]
                pos += 1
                kind = _line_memo.get(ln)
                if kind is None:
                    kind = line_kind(ln)
                corrupt_line, stack_start, frame = kind
                if corrupt_line:
                    ok = False
                    break
                if stack_start:
                    break
                if nxt is not None:
                    sp = _spans(nxt, ln, 0)
                    if sp is not None:
                        _add(raw, _groups_of(ln, sp), skip)
                        i += 1
                        break
                if frame is not None:
                    _add(raw, frame, skip)
        elif whole and btext is not None and not may_corrupt and _line_local_f(part):
            sp = None
            if pos < n:
                while opos < pos:
                    ooff = btext.index(b"\n", ooff) + 1
                    opos += 1
                sp = _spans(_rx_f(part), btext, ooff)
            if sp is None:
                pos = n
            else:
                _add(raw, _groups_of(btext, sp), skip)
                at = sp[0][0]
                nl = btext.find(b"\n", at)
                if nl < 0:
                    pos = n
                else:
                    pos = opos + btext.count(b"\n", ooff, at) + 1
                    opos, ooff = pos, nl + 1
        else:
            rx = _rx_f(part)
            while pos < n:
                ln = text_lines[pos]
                pos += 1
                if may_corrupt and _is_corrupted_f(ln):
                    ok = False
                    break
                sp = _spans(rx, ln, 0)
                if sp is not None:
                    _add(raw, _groups_of(ln, sp), skip)
                    break
        i += 1
    return results, ok


# --- the corruption check --------------------------------------------------------------
#
# `corruption` is titles._corruption_py: the same steps over the stack-start patterns
# (their one-pass set, hints and line-start property are titles'), line kinds from
# `line_kind`, the tail's hint literals read from LogArrays.hints.

cdef tuple _corrupted_titles = (), _title_hits = ()
cdef list _last_hits = None
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
    global _corrupted_titles, _title_hits, _set_hits_f, _last_hits, _start_set, _start_rx, _start_hints, _start_near
    global _start_bits, _headerless, _headerless_in_line, _headerless_hint, _headerless_bit, _tail_max
    global _tail_max_headers
    n = len(start_rx)
    if len(start_hints) != n or len(start_near) != n or len(start_bits) != n or len(title_hints) != len(corrupted_titles):
        raise ValueError("one hint, property and bit per pattern")
    if n > 32 or not all(0 <= b < 16 for b in start_bits) or not 0 <= headerless_bit < 16 or len(last_hits) != 3:
        raise ValueError("at most 32 patterns; hint bits are 0..15")
    _corrupted_titles, _title_hits, _set_hits_f, _last_hits = corrupted_titles, title_hints, set_hits, last_hits
    _start_set, _start_rx, _start_hints, _start_near, _start_bits = start_set, start_rx, start_hints, start_near, start_bits
    _headerless, _headerless_in_line, _headerless_hint, _headerless_bit = headerless, headerless_in_line, headerless_hint, headerless_bit
    _tail_max, _tail_max_headers = tail_lines, tail_headers


cdef inline object _kind_of(ln):
    kind = _line_memo.get(ln)
    if kind is None:
        kind = line_kind(ln)
    return kind


cdef Py_ssize_t _find(bytes buf, bytes lit, Py_ssize_t pos):
    """buf.find(lit, pos) for a non-empty literal, by the C library's memmem."""
    cdef Py_ssize_t n = len(buf), m = len(lit)
    cdef const char* s = buf
    if pos < 0:
        pos = 0
    if m == 0 or pos + m > n:
        return -1 if m else pos
    cdef const char* q = <const char*>memmem(s + pos, n - pos, <const char*>lit, m)
    return -1 if q == NULL else q - s


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
        h = _find(buf, lit, pos)
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
            _remember_f(_start_memo, key, got, w1 - w0)
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
        h = _title_hits[i]
        if h and h not in title:
            continue
        if _corrupted_titles[i].search(title) is not None:
            return True
    return False


cdef tuple _REASONS = (None, "call trace is missed", "no frames in a stack trace")  # by LOOK_ code


cdef unsigned int _text_hints(LogArrays a, Py_ssize_t first, Py_ssize_t end):
    """The hint bits of lines [first, end)."""
    cdef Py_ssize_t j
    cdef unsigned int mask = 0
    if first < 0:
        first = 0
    if end > a.n:
        end = a.n
    for j in range(first, end):
        mask |= a.hints[j]
    return mask


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
    cdef Py_ssize_t h = _find(buf, _headerless_hint, pos)
    if h < 0:
        return False
    h = _line_before(buf, h) + 1
    return _spans(_headerless, buf, h if h > pos else pos) is not None
