# cython: language_level=3
"""The per-line loops of line cleaning and report splitting, in C.

The pure-Python reference is `crashpipe.lines` / `crashpipe.split` (used when this
extension is missing, and by tests/test_lines_fast.py, which checks both give the same
Line objects, spans and LogIndex answers).  Only the common shapes are handled here: the
dmesg prefix "[  12.345678] " / "[  12.3][ T31] ", a syslog/journal prefix
("Nov 25 01:02:03 host kernel: ", ISO stamps, a bare "kernel: ") before one or before a
plain text, and plain lines without any prefix; every other line goes to the Python
`clean_line`.  LogIndex's joined text is written here straight from the Line slots, and
its literals are found in one pass over it (LiteralSet).  The splitter's loop runs here
on per-line arrays (header index, printer, hint marks) and builds the Span objects;
every regex and every rare branch calls back into the Python functions of
`crashpipe.split`.

All scans are single forward passes over the text (linear time); lines are never read
past their end.  Works on every str kind (1, 2 and 4 bytes per character).
"""
from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_INCREF
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from libc.math cimport fabs
from libc.stdlib cimport malloc, free
from libc.string cimport memchr, memcpy, memset
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t

cdef extern from "Python.h":
    int PyUnicode_KIND(object)
    void* PyUnicode_DATA(object)
    Py_ssize_t PyUnicode_GET_LENGTH(object)
    bint PyUnicode_Check(object)
    object PyUnicode_Substring(object, Py_ssize_t, Py_ssize_t)
    Py_ssize_t PyUnicode_Find(object, object, Py_ssize_t, Py_ssize_t, int) except -2
    double PyOS_string_to_double(const char*, char**, PyObject*) except? -1.0
    bint PyFloat_CheckExact(object)
    double PyFloat_AS_DOUBLE(object)
    int PyList_Append(object, object) except -1
    object PyLong_FromSsize_t(Py_ssize_t)
    unsigned int PyUnicode_MAX_CHAR_VALUE(PyObject*)
    PyTypeObject* Py_TYPE_P "Py_TYPE"(PyObject*)
    int PyUnicode_KIND_P "PyUnicode_KIND"(PyObject*)
    void* PyUnicode_DATA_P "PyUnicode_DATA"(PyObject*)
    Py_ssize_t PyUnicode_GET_LENGTH_P "PyUnicode_GET_LENGTH"(PyObject*)
    bint PyUnicode_CheckExact_P "PyUnicode_CheckExact"(PyObject*)
    object PyUnicode_New(Py_ssize_t, unsigned int)
    Py_ssize_t PyUnicode_CopyCharacters(object, Py_ssize_t, object, Py_ssize_t, Py_ssize_t) except -1
    void PyUnicode_WRITE(int, void*, Py_ssize_t, unsigned int)
    void PyObject_GC_UnTrack(void*)
    bint PyType_IS_GC(PyTypeObject*)

cdef extern from "structmember.h":
    ctypedef struct PyMemberDef:
        const char* name
        int type
        Py_ssize_t offset
        int flags
    int T_OBJECT_EX

cdef extern from *:
    """
    typedef PyMemberDescrObject cp_memberdescr;  /* a member (slot) descriptor */

    /* slot (member) of an object, borrowed, NULL when unset */
    static inline PyObject *cp_slot(PyObject *o, Py_ssize_t off) {
        return *(PyObject **)((char *)o + off);
    }
    static inline void cp_slot_init(PyObject *o, Py_ssize_t off, PyObject *v) {
        Py_INCREF(v);
        *(PyObject **)((char *)o + off) = v;
    }
    static inline PyObject *cp_alloc(PyObject *tp) {
        return ((PyTypeObject *)tp)->tp_alloc((PyTypeObject *)tp, 0);
    }
    """
    ctypedef struct cp_memberdescr:
        PyMemberDef* d_member
    PyObject* cp_slot(object o, Py_ssize_t off)
    void cp_slot_init(object o, Py_ssize_t off, object v)
    object cp_alloc(object tp)

DEF MAX_TS = 32  # the prefix limits of lines._bracket: a bracket closes within 32 chars
DEF SYSLOG_REACH = 200  # lines._SYSLOG_REACH


# --- the Line type ------------------------------------------------------------------

cdef object _Line = None  # crashpipe.lines.Line (a slots dataclass)
cdef Py_ssize_t _off_no = -1, _off_text = -1, _off_tag = -1, _off_ts = -1
cdef bint _line_gc = False  # Line objects are tracked by the cyclic collector when made


cdef Py_ssize_t _member_offset(object cls, str name) except -2:
    import types
    d = cls.__dict__.get(name)
    if type(d) is not types.MemberDescriptorType:
        return -1
    cdef PyMemberDef* m = (<cp_memberdescr*><PyObject*>d).d_member
    if m.type != T_OBJECT_EX:
        return -1
    return m.offset


def bind_line(cls):
    """Use `cls` (lines.Line) for the objects built here: its four slots are filled
    directly, as its __init__ would.  False when cls does not have that shape (then the
    caller keeps the Python path)."""
    global _Line, _off_no, _off_text, _off_tag, _off_ts, _line_gc
    offs = [_member_offset(cls, f) for f in ("no", "text", "tag", "ts")]
    if min(offs) < 0 or getattr(cls, "__init__", None) is None:
        _Line = None
        return False
    _off_no, _off_text, _off_tag, _off_ts = offs
    _Line = cls
    _line_gc = PyType_IS_GC(<PyTypeObject*>cls)
    return True


cdef inline object _new_line(object no, object text, object tag, object ts):
    """A Line of an int, a str, a str or None and a float or None: it refers to no
    container, so it cannot be part of a reference cycle, and it is left out of the
    cyclic collector's lists (as CPython does for a tuple of such values).  A log's tens
    of thousands of lines would otherwise be traversed by every collection while they
    live (crashpipe code never assigns to a Line's fields)."""
    o = cp_alloc(_Line)
    cp_slot_init(o, _off_no, no)
    cp_slot_init(o, _off_text, text)
    cp_slot_init(o, _off_tag, tag)
    cp_slot_init(o, _off_ts, ts)
    if _line_gc:
        PyObject_GC_UnTrack(<void*>o)
    return o


ctypedef fused chars:
    uint8_t
    uint16_t
    uint32_t

cdef struct Cls:
    Py_ssize_t mend  # start of the text after the prefix
    Py_ssize_t tag_s, tag_e  # the caller tag, if any
    Py_ssize_t lim  # end of a plain line's text (capped)
    Py_ssize_t d0, end1  # the timestamp digits
    double ts
    bint ts_done  # ts set (else: convert the digits in buf)
    char buf[MAX_TS + 1]

DEF C_OTHER = 0  # for clean_line
DEF C_DMESG = 1
DEF C_DMESG_TAG = 2
DEF C_PLAIN = 3

cdef double[23] _POW10
for _i in range(23):
    _POW10[_i] = float(10 ** _i)


cdef inline bint _digit(uint32_t c) noexcept nogil:
    return c >= 48 and c <= 57  # ASCII 0-9 only, as [0-9]


cdef inline bint _lower(uint32_t c) noexcept nogil:
    return c >= 97 and c <= 122  # a-z


cdef inline bint _nonspace(uint32_t c) noexcept nogil:
    return c != 32 and c != 9 and c != 10 and c != 12 and c != 13  # re2's \S


cdef inline bint _digits(const chars* d, Py_ssize_t p, Py_ssize_t e, Py_ssize_t n) noexcept nogil:
    """d[p:p + n] are n ASCII digits (within [p, e))."""
    cdef Py_ssize_t k
    if p + n > e:
        return False
    for k in range(p, p + n):
        if not _digit(d[k]):
            return False
    return True


cdef Py_ssize_t _host_kernel(const chars* d, Py_ssize_t p, Py_ssize_t e) noexcept nogil:
    """`\S+ kernel: ` at d[p:]: the index after it, or -1.  (\S+ cannot take the space
    that " kernel: " opens with, so its run ends at the first space or not at all.)"""
    cdef Py_ssize_t q = p
    while q < e and _nonspace(d[q]):
        q += 1
    if q == p or q + 9 > e:
        return -1
    if (d[q] == 32 and d[q + 1] == 107 and d[q + 2] == 101 and d[q + 3] == 114 and d[q + 4] == 110
            and d[q + 5] == 101 and d[q + 6] == 108 and d[q + 7] == 58 and d[q + 8] == 32):
        return q + 9
    return -1


cdef Py_ssize_t _syslog(const chars* d, Py_ssize_t s, Py_ssize_t e) noexcept nogil:
    """Where the syslog/journal prefix at d[s:e] ends (what one of lines._SYSLOGS
    matches: SYSLOG_PREFIX, ISO_SYSLOG_PREFIX, BARE_KERNEL_PREFIX), or -1.  Each pattern
    is read left to right without choices: every optional part and every repeat is
    followed by a character it cannot take, so a match has one end and a character-by-
    character reading finds it."""
    cdef Py_ssize_t p
    cdef uint32_t c = d[s]
    if c == 107:  # "kernel: "
        if (s + 8 <= e and d[s + 1] == 101 and d[s + 2] == 114 and d[s + 3] == 110 and d[s + 4] == 101
                and d[s + 5] == 108 and d[s + 6] == 58 and d[s + 7] == 32):
            return s + 8
        return -1
    if c >= 65 and c <= 90:
        # [A-Z][a-z]{2} [ 0-9]?[0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)? \S+ kernel: 
        if s + 4 > e or not _lower(d[s + 1]) or not _lower(d[s + 2]) or d[s + 3] != 32:
            return -1
        p = s + 4
        if p + 3 <= e and (d[p] == 32 or _digit(d[p])) and _digit(d[p + 1]) and d[p + 2] == 32:
            p += 3
        elif p + 2 <= e and _digit(d[p]) and d[p + 1] == 32:
            p += 2
        else:
            return -1
        if not (_digits(d, p, e, 2) and p + 8 <= e and d[p + 2] == 58 and _digits(d, p + 3, e, 2)
                and d[p + 5] == 58 and _digits(d, p + 6, e, 2)):
            return -1
        p += 8
        if p < e and d[p] == 46:  # "."
            if not _digits(d, p + 1, e, 1):
                return -1
            p += 1
            while p < e and _digit(d[p]):
                p += 1
        if p >= e or d[p] != 32:
            return -1
        return _host_kernel(d, p + 1, e)
    if _digit(c):
        # [0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)?
        # (?:Z|[+-][0-9]{2}:?[0-9]{2})? \S+ kernel: 
        if not (_digits(d, s, e, 4) and s + 19 <= e and d[s + 4] == 45 and _digits(d, s + 5, e, 2)
                and d[s + 7] == 45 and _digits(d, s + 8, e, 2) and (d[s + 10] == 84 or d[s + 10] == 32)
                and _digits(d, s + 11, e, 2) and d[s + 13] == 58 and _digits(d, s + 14, e, 2)
                and d[s + 16] == 58 and _digits(d, s + 17, e, 2)):
            return -1
        p = s + 19
        if p < e and (d[p] == 46 or d[p] == 44):  # "." ","
            if not _digits(d, p + 1, e, 1):
                return -1
            p += 1
            while p < e and _digit(d[p]):
                p += 1
        if p < e and d[p] == 90:  # "Z"
            p += 1
        elif p < e and (d[p] == 43 or d[p] == 45):  # "+" "-"
            if not _digits(d, p + 1, e, 2):
                return -1
            p += 3
            if p < e and d[p] == 58:
                p += 1
            if not _digits(d, p, e, 2):
                return -1
            p += 2
        if p >= e or d[p] != 32:
            return -1
        return _host_kernel(d, p + 1, e)
    return -1


cdef int _classify(const chars* d, Py_ssize_t s, Py_ssize_t e, Py_ssize_t max_line, Cls* r) noexcept nogil:
    """What clean_lines does with line [s, e): C_DMESG / C_DMESG_TAG (the inline fast path
    of lines.clean_lines: the _DMESG pattern and its length limits, after a syslog prefix
    or none), C_PLAIN (the text [r.mend, r.lim): no prefix or only a syslog prefix that
    clean_line would strip), or C_OTHER (clean_line decides)."""
    cdef Py_ssize_t L = e - s, p, k, lim
    cdef uint32_t c
    if L == 0:
        r.mend = r.lim = s
        return C_PLAIN
    c = d[s]
    if c == 91:  # "["
        if L > max_line:
            return C_OTHER
        return _dmesg(d, s, e, r)
    if c == 62 or c == 60 or c == 42:  # ">", "<", "*"
        return C_OTHER
    if (c >= 65 and c <= 90) or c == 107 or _digit(c):
        # A syslog/journal prefix (clean_line strips one when "kernel: " ends within
        # lines._SYSLOG_REACH characters), then the dmesg prefix or none.  Only lines
        # within the length cap (the prefix is cut from the capped text).
        p = _syslog(d, s, e) if L <= max_line else -1
        if p >= 0 and p - s <= SYSLOG_REACH:
            if p < e:
                c = d[p]
                if c == 91:
                    return _dmesg(d, p, e, r)
                if c == 60 or c == 42:
                    return C_OTHER
            for k in range(p, e):
                c = d[k]
                if c == 13:
                    return C_OTHER
                if c == 58 and k >= p + 6 and k + 1 < e and d[k + 1] == 32:  # ": "
                    if (d[k - 6] == 32 and d[k - 5] == 108 and d[k - 4] == 111  # " login"
                            and d[k - 3] == 103 and d[k - 2] == 105 and d[k - 1] == 110):
                        return C_OTHER
            r.mend = p
            r.lim = e
            return C_PLAIN
    # A plain line: nothing of clean_line applies unless it holds "\r", "kernel: " or
    # " login: " (those go to clean_line).
    lim = s + (L if L < max_line else max_line)
    for k in range(s, lim):
        c = d[k]
        if c == 13:
            return C_OTHER
        if c == 58 and k >= s + 6 and k + 1 < lim and d[k + 1] == 32:  # ": "
            if (d[k - 6] == 107 and d[k - 5] == 101 and d[k - 4] == 114  # "kernel"
                    and d[k - 3] == 110 and d[k - 2] == 101 and d[k - 1] == 108):
                return C_OTHER
            if (d[k - 6] == 32 and d[k - 5] == 108 and d[k - 4] == 111  # " login"
                    and d[k - 3] == 103 and d[k - 2] == 105 and d[k - 1] == 110):
                return C_OTHER
    r.mend = s
    r.lim = lim
    return C_PLAIN


cdef int _dmesg(const chars* d, Py_ssize_t s, Py_ssize_t e, Cls* r) noexcept nogil:
    """_classify for the text [s, e) opening with "[": C_DMESG / C_DMESG_TAG when the
    _DMESG fast path of lines takes it, else C_OTHER."""
    cdef Py_ssize_t p, q, t0, t1, k, f0
    cdef uint64_t m
    cdef bint has_tag = False
    # _DMESG: \[ *([0-9]+\.[0-9]+)\](?:( ?)\[ *([TC][0-9]+)\])?( ?)
    p = s + 1
    while p < e and d[p] == 32:
        p += 1
    r.d0 = p
    while p < e and _digit(d[p]):
        p += 1
    if p == r.d0 or p >= e or d[p] != 46:  # "."
        return C_OTHER
    p += 1
    f0 = p
    while p < e and _digit(d[p]):
        p += 1
    if p == f0 or p >= e or d[p] != 93:  # "]"
        return C_OTHER
    r.end1 = p  # m.end(1)
    if r.end1 - s >= MAX_TS:
        return C_OTHER
    p += 1
    # the optional caller tag, after an optional space
    q = p + 1 if (p < e and d[p] == 32) else p
    if q < e and d[q] == 91:
        t0 = q + 1
        while t0 < e and d[t0] == 32:
            t0 += 1
        if t0 < e and (d[t0] == 84 or d[t0] == 67):  # T, C
            t1 = t0 + 1
            while t1 < e and _digit(d[t1]):
                t1 += 1
            if t1 > t0 + 1 and t1 < e and d[t1] == 93:
                has_tag = True
                r.tag_s = t0
                r.tag_e = t1
                r.mend = t1 + 1
    if has_tag:
        if r.tag_e - q >= MAX_TS:
            return C_OTHER
    else:
        if p < e and d[p] == 91:
            return C_OTHER  # "[ts][something else]": clean_line decides
        r.mend = p
    if r.mend < e and d[r.mend] == 32:
        r.mend += 1
    # no "\r" (clean_line removes those)
    if chars is uint8_t:
        if r.mend < e and memchr(d + r.mend, 13, e - r.mend) != NULL:
            return C_OTHER
    else:
        for k in range(r.mend, e):
            if d[k] == 13:
                return C_OTHER
    # the stamp: exact when its digits fit a double's mantissa (Clinger's fast path:
    # one correctly rounded division, as float() rounds); else float()'s own routine
    m = 0
    r.ts_done = (r.end1 - r.d0 - 1) <= 15 and (r.end1 - f0) <= 22
    for k in range(r.d0, r.end1):
        r.buf[k - r.d0] = <char>d[k]
        if d[k] != 46:
            m = m * 10 + (d[k] - 48)
    r.buf[r.end1 - r.d0] = 0
    if r.ts_done:
        r.ts = <double>m / _POW10[r.end1 - f0]
    return C_DMESG_TAG if has_tag else C_DMESG


cdef bint _same(const chars* d, Py_ssize_t a, Py_ssize_t b, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t k
    for k in range(n):
        if d[a + k] != d[b + k]:
            return False
    return True


cdef Py_ssize_t _eol(const chars* d, Py_ssize_t s, Py_ssize_t n) noexcept nogil:
    cdef const uint8_t* p
    if chars is uint8_t:
        p = <const uint8_t*>memchr(d + s, 10, n - s)
        return n if p == NULL else p - d
    else:
        for k in range(s, n):
            if d[k] == 10:
                return k
        return n


# --- clean_lines ----------------------------------------------------------------------

def clean_lines(str text, clean_line, Py_ssize_t max_line):
    """lines.clean_lines on an already encodable str: the dmesg-prefixed and the plain
    lines built here, every other line by `clean_line(no, raw)`."""
    if _Line is None:
        raise RuntimeError("bind_line was not called")
    cdef int kind = PyUnicode_KIND(text)
    cdef const void* data = PyUnicode_DATA(text)
    if kind == 1:
        return _clean(<const uint8_t*>data, text, clean_line, max_line)
    if kind == 2:
        return _clean(<const uint16_t*>data, text, clean_line, max_line)
    return _clean(<const uint32_t*>data, text, clean_line, max_line)


# Line numbers as int objects, shared by every log's lines (an int per line would be
# allocated, and freed with the log, for each of them): grown to the longest log seen,
# up to NOS_CAP; numbers past it get their own int.
DEF NOS_CAP = 1 << 17
cdef list _NOS = [None]


cdef inline object _line_no(Py_ssize_t no):
    if no < PyList_GET_SIZE(_NOS):
        return <object>PyList_GET_ITEM(_NOS, no)
    return PyLong_FromSsize_t(no)


cdef int _grow_nos(Py_ssize_t n) except -1:
    """_NOS covers 1..min(n, NOS_CAP)."""
    cdef Py_ssize_t have = PyList_GET_SIZE(_NOS), k
    if n > NOS_CAP:
        n = NOS_CAP
    for k in range(have, n + 1):
        _NOS.append(k)
    return 0


cdef list _clean(const chars* d, str text, clean_line, Py_ssize_t max_line):
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    cdef Py_ssize_t s = 0, e, e1, no = 1, prev_s = -1, prev_len = 0
    cdef int code
    cdef Cls r
    cdef list out = []
    cdef object tag, prev_tag = None, line, ts
    while True:
        e = _eol(d, s, n)
        # A line ending in "\r" (CRLF captures) reads as the line without it when that
        # is its only "\r" (clean_line removes them; _classify sends any other to it).
        e1 = e - 1 if e > s and d[e - 1] == 13 else e
        code = _classify(d, s, e1, max_line, &r)
        if code == C_PLAIN:
            line = _new_line(_line_no(no), PyUnicode_Substring(text, r.mend, r.lim), None, None)
        elif code == C_OTHER:
            line = clean_line(_line_no(no), PyUnicode_Substring(text, s, e))
        else:
            ts = r.ts if r.ts_done else PyOS_string_to_double(r.buf, NULL, NULL)
            if code == C_DMESG_TAG:
                # consecutive lines of one printer share the tag object
                if prev_tag is not None and r.tag_e - r.tag_s == prev_len and _same(d, r.tag_s, prev_s, prev_len):
                    tag = prev_tag
                else:
                    tag = PyUnicode_Substring(text, r.tag_s, r.tag_e)
                    prev_tag, prev_s, prev_len = tag, r.tag_s, r.tag_e - r.tag_s
            else:
                tag = None
            line = _new_line(_line_no(no), PyUnicode_Substring(text, r.mend, e1), tag, ts)
        PyList_Append(out, line)
        if e >= n:
            break
        s = e + 1
        no += 1
    _grow_nos(no)  # (for the next log: this one's numbers were made as they came)
    return out


# --- LogIndex helpers -------------------------------------------------------------------

cdef class Starts:
    """Start offset of every line in the joined text (lines joined by "\\n"), and one
    past the end: line k is [at[k], at[k + 1] - 1)."""
    cdef Py_ssize_t* at
    cdef readonly Py_ssize_t n

    def __dealloc__(self):
        free(self.at)

    def __len__(self):
        return self.n + 1

    def __getitem__(self, Py_ssize_t i):
        """[0, *itertools.accumulate(len(text) + 1 for text in texts)][i]"""
        _check(self)
        if i < 0:
            i += self.n + 1
        if i < 0 or i > self.n:
            raise IndexError("Starts index out of range")
        return self.at[i]


cdef int _check(Starts st, object blob=None) except -1:
    """Raise unless `st` was made by index_scan (and, given `blob`, for that text)."""
    if st is None or st.at == NULL:
        raise ValueError("Starts not made by index_scan")
    if blob is not None and PyUnicode_GET_LENGTH(blob) != (st.at[st.n] - 1 if st.n > 0 else 0):
        raise ValueError("blob and starts disagree")
    return 0


def index_blob(list lines):
    """(contexts, blob, starts): index_scan's contexts and starts, and the texts joined by
    "\\n" (the same str as "\\n".join(texts)), written straight into one new str; None
    unless every item is a Line with its slots set and a str text (then index_scan).  No
    Python code runs between reading the slots and copying the texts."""
    cdef Py_ssize_t n = PyList_GET_SIZE(lines), i, pos = 0, L
    cdef PyObject* ln
    cdef PyObject* tag
    cdef PyObject* ts
    cdef PyObject* txt
    cdef unsigned int maxchar = 127, mc  # (the separator, and "".join([]), are ASCII)
    cdef int kind, k2
    cdef char* data
    if _Line is None:
        return None
    cdef list contexts = [None] * n
    cdef Starts st = Starts.__new__(Starts)
    st.at = <Py_ssize_t*>malloc((n + 1) * sizeof(Py_ssize_t))
    if st.at == NULL:
        raise MemoryError()
    st.n = n
    cdef object console = "console", plain = ""
    for i in range(n):
        ln = PyList_GET_ITEM(lines, i)
        if <PyObject*>Py_TYPE_P(ln) != <PyObject*>_Line:
            return None
        tag = cp_slot(<object>ln, _off_tag)
        ts = cp_slot(<object>ln, _off_ts)
        txt = cp_slot(<object>ln, _off_text)
        if tag == NULL or ts == NULL or txt == NULL or not PyUnicode_CheckExact_P(txt):
            return None
        if tag != <PyObject*>None:
            ctx = <object>tag
        elif ts != <PyObject*>None:
            ctx = console
        else:
            ctx = plain
        contexts[i] = ctx
        st.at[i] = pos
        pos += PyUnicode_GET_LENGTH_P(txt) + 1
        mc = PyUnicode_MAX_CHAR_VALUE(txt)
        if mc > maxchar:
            maxchar = mc
    st.at[n] = pos
    blob = PyUnicode_New(pos - 1 if n else 0, maxchar)
    kind = PyUnicode_KIND(blob)
    data = <char*>PyUnicode_DATA(blob)
    for i in range(n):
        # (the list and its lines are as pass one read them: nothing ran in between)
        txt = cp_slot(<object>PyList_GET_ITEM(lines, i), _off_text)
        L = PyUnicode_GET_LENGTH_P(txt)
        if L != st.at[i + 1] - 1 - st.at[i]:
            raise RuntimeError("lines changed while indexed")
        k2 = PyUnicode_KIND_P(txt)
        if k2 == kind:
            memcpy(data + st.at[i] * kind, PyUnicode_DATA_P(txt), L * kind)
        elif L:
            PyUnicode_CopyCharacters(blob, st.at[i], <object>txt, 0, L)
        if i + 1 < n:
            PyUnicode_WRITE(kind, data, st.at[i + 1] - 1, 10)
    return contexts, blob, st


def index_scan(list lines):
    """(contexts, texts, starts) of a list of Line: each line's printer (Line.context),
    its text, and the line starts of "\\n".join(texts)."""
    cdef Py_ssize_t n = PyList_GET_SIZE(lines), i, pos = 0
    cdef list contexts = [None] * n
    cdef list texts = [None] * n
    cdef object ln, tag, ts, txt
    cdef PyObject* slot
    cdef Starts st = Starts.__new__(Starts)
    st.at = <Py_ssize_t*>malloc((n + 1) * sizeof(Py_ssize_t))
    if st.at == NULL:
        raise MemoryError()
    st.n = n
    for i in range(n):
        ln = <object>PyList_GET_ITEM(lines, i)
        if _Line is not None and type(ln) is _Line and cp_slot(ln, _off_tag) != NULL \
                and cp_slot(ln, _off_ts) != NULL and cp_slot(ln, _off_text) != NULL:
            tag = <object>cp_slot(ln, _off_tag)
            ts = <object>cp_slot(ln, _off_ts)
            txt = <object>cp_slot(ln, _off_text)
        else:
            tag, ts, txt = ln.tag, ln.ts, ln.text
        contexts[i] = tag if tag is not None else ("console" if ts is not None else "")
        texts[i] = txt
        st.at[i] = pos
        if not PyUnicode_Check(txt):
            raise TypeError("line text is not a str")
        pos += PyUnicode_GET_LENGTH(txt) + 1
    st.at[n] = pos
    return contexts, texts, st


def holding(str blob, Starts st, str literal):
    """Ascending indexes of the lines of `blob` holding `literal` (non-empty), each once;
    split._lines_holding(blob, split._find_all(blob, literal))."""
    cdef list out = []
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(blob), m = PyUnicode_GET_LENGTH(literal)
    cdef Py_ssize_t pos = 0, k = 0, found
    if m == 0:
        raise ValueError("empty literal")
    _check(st, blob)
    while pos <= n - m:
        found = PyUnicode_Find(blob, literal, pos, n, 1)
        if found < 0:
            break
        while k + 1 <= st.n and st.at[k + 1] <= found:
            k += 1
        PyList_Append(out, PyLong_FromSsize_t(k))
        if k + 1 > st.n:
            break
        pos = st.at[k + 1]  # the next line: this one is counted
    return out


DEF MAX_LITERALS = 64
DEF NEWLINE = 255  # LiteralSet.tab8: the pair opens with a newline


cdef extern from *:
    """
    #include <string.h>
    /* the two bytes at p as one little-endian 16-bit number: p[0] | p[1] << 8 */
    static inline unsigned int cp_load_pair(const unsigned char *p) {
        unsigned short v;
        memcpy(&v, p, 2);
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v = (unsigned short)((v >> 8) | (v << 8));
    #endif
        return v;
    }
    """
    unsigned int _load_pair "cp_load_pair"(const uint8_t* p) nogil


# How often a character shows in console text, roughly (per mille; English letter
# frequencies, with the space, digits and hex letters raised): a literal is looked for
# at its pair of the least common-looking characters.
_FREQ = dict(zip("etaoinshrdlcumwfgypbvkjxqz",
                 (127, 91, 82, 75, 70, 67, 63, 61, 60, 43, 40, 28, 28, 24, 24, 22, 20, 20, 19, 15, 10, 8, 2, 2, 1, 1)))
for _c in "abcdefx":
    _FREQ[_c] = _FREQ[_c] + 60
for _c in "0123456789":
    _FREQ[_c] = 80
_FREQ[" "] = 200


cdef double _frequency(str ch):
    """How common `ch` is in log text (see _FREQ): lower-case letters, digits and the
    space most; word punctuation less; capitals and other signs least."""
    got = _FREQ.get(ch)
    if got is not None:
        return got
    if ch in "_-.,/:":
        return 10
    return 3


cdef inline Py_ssize_t _skip8(const uint8_t* tab, const uint8_t* d, Py_ssize_t j, Py_ssize_t last) noexcept nogil:
    """The first j' >= j below `last` whose pair d[j'], d[j' + 1] is filed in `tab`, else
    `last`."""
    while j + 4 <= last:  # (unrolled: most of a log's pairs are filed nowhere)
        if tab[_load_pair(d + j)]:
            return j
        if tab[_load_pair(d + j + 1)]:
            return j + 1
        if tab[_load_pair(d + j + 2)]:
            return j + 2
        if tab[_load_pair(d + j + 3)]:
            return j + 3
        j += 4
    while j < last:
        if tab[_load_pair(d + j)]:
            return j
        j += 1
    return last


cdef class LiteralSet:
    """Up to 64 ASCII literals of 2 to 64 characters (no newline), for `lines_holding`.
    Each literal is looked for at one of its character pairs, the least common-looking;
    a table maps each pair to the literals filed under it."""
    cdef uint8_t tab8[65536]  # pair of a 1-byte str, as its two bytes read in one load
    #                           (c0 | c1 << 8): bucket + 1, NEWLINE when c0 is a newline,
    #                           else 0 (the ASCII pairs touch about 200 cache lines)
    cdef uint8_t bits[2048]  # the same for 7-bit pairs c0 << 7 | c1 (wider str kinds)
    cdef uint8_t bucket[16384]  # pair c0 << 7 | c1 -> bucket + 1; 0: none
    cdef uint8_t bstart[MAX_LITERALS + 1]  # bucket b: entries [bstart[b], bstart[b + 1])
    cdef uint8_t ent[MAX_LITERALS]  # literal of each entry
    cdef uint8_t off[MAX_LITERALS]  # offset of its pair in the literal
    cdef uint8_t lit[MAX_LITERALS][64]
    cdef Py_ssize_t lens[MAX_LITERALS]
    cdef Py_ssize_t n
    cdef readonly tuple literals

    def __init__(self, literals):
        literals = tuple(literals)
        if len(literals) > MAX_LITERALS:
            raise ValueError("at most 64 literals")
        for lit in literals:
            if type(lit) is not str or len(lit) < 2 or len(lit) > 64 or not lit.isascii() or "\n" in lit:
                raise ValueError("literals must be ASCII str of 2 to 64 characters, no newline")
        self.literals = literals
        self.n = len(literals)
        cdef Py_ssize_t i, j, k, best, nb = 0, e = 0, pair
        filed = {}  # pair -> [(literal, offset)]
        for i in range(self.n):
            lit = literals[i]
            self.lens[i] = len(lit)
            for j in range(len(lit)):
                self.lit[i][j] = ord(lit[j])
            best = min(range(len(lit) - 1), key=lambda o: (_frequency(lit[o]) * _frequency(lit[o + 1]), o))
            filed.setdefault((ord(lit[best]) << 7) | ord(lit[best + 1]), []).append((i, best))
        memset(self.bucket, 0, sizeof(self.bucket))
        memset(self.bits, 0, sizeof(self.bits))
        memset(self.tab8, 0, sizeof(self.tab8))
        for k in range(256):
            self.tab8[10 | k << 8] = NEWLINE
        for pair, entries in filed.items():
            self.bucket[pair] = nb + 1
            self.bits[pair >> 3] |= <uint8_t>(1 << (pair & 7))
            self.tab8[(pair >> 7) | (pair & 127) << 8] = nb + 1
            self.bstart[nb] = e
            for i, j in entries:
                self.ent[e] = i
                self.off[e] = j
                e += 1
            nb += 1
        self.bstart[nb] = e

    def lines_holding(self, str blob, Starts st, Py_ssize_t n_masked=-1):
        """(lines, masks, each), or None when a line of `blob` (per `st`) holds a
        newline.  `lines`: the ascending indexes of the lines holding one of the first
        `n_masked` literals or more (default: all), and `masks`, for each, the bit mask of
        the literals it holds (bit i: literals[i] in the line); `each`, per literal, the
        ascending indexes of the lines holding it (None for none).  One pass over the
        text."""
        cdef int kind = PyUnicode_KIND(blob)
        cdef const void* data = PyUnicode_DATA(blob)
        _check(st, blob)
        if n_masked < 0 or n_masked > self.n:
            n_masked = self.n
        if kind == 1:
            return self._scan(<const uint8_t*>data, st, n_masked)
        if kind == 2:
            return self._scan(<const uint16_t*>data, st, n_masked)
        return self._scan(<const uint32_t*>data, st, n_masked)

    cdef object _scan(self, const chars* d, Starts st, Py_ssize_t n_masked):
        """The text in one forward pass: each character is the first of a pair looked up
        in the table; a newline must sit where `st` puts a line's end (else None), and
        closes that line's mask.  A literal holds no newline, so a match found lies in
        the line being read."""
        cdef list lines = [], masks = []
        cdef list each = [None] * self.n
        cdef Py_ssize_t N = st.at[st.n] - 1 if st.n > 0 else 0, li = 0, nxt, j, i, k, m, s0, e
        cdef uint32_t c0, c1
        cdef uint8_t bk
        cdef uint64_t mask = 0, bit, head = ((<uint64_t>1) << n_masked) - 1 if n_masked < 64 else ~(<uint64_t>0)
        if st.n == 0:
            return lines, masks, each
        nxt = st.at[1] - 1  # where line li ends (its newline; N for the last line)
        j = 0
        cdef const uint8_t* tab = self.tab8
        while j < N:
            if chars is uint8_t:
                j = _skip8(tab, d, j, N - 1)
                if j < N - 1:
                    bk = tab[_load_pair(d + j)]
                elif d[j] == 10:
                    bk = NEWLINE  # the last character
                else:
                    break
            else:
                c0 = d[j]
                bk = 0
                if c0 == 10:
                    bk = NEWLINE
                elif j + 1 < N:
                    c1 = d[j + 1]
                    if (c0 | c1) < 128:
                        k = c0 << 7 | c1
                        if self.bits[k >> 3] & (1 << (k & 7)):
                            bk = self.bucket[k]
                if bk == 0:
                    j += 1
                    continue
            if bk == NEWLINE:
                if j != nxt:
                    return None  # a newline inside a line
                if mask:
                    _flush(lines, masks, each, li, mask, head)
                    mask = 0
                li += 1
                nxt = st.at[li + 1] - 1
                j += 1
                continue
            for e in range(self.bstart[bk - 1], self.bstart[bk]):
                i = self.ent[e]
                bit = (<uint64_t>1) << i
                s0 = j - self.off[e]
                m = self.lens[i]
                if mask & bit or s0 < 0 or s0 + m > N:
                    continue
                for k in range(m):
                    if d[s0 + k] != self.lit[i][k]:
                        break
                else:
                    mask |= bit
            j += 1
        if li != st.n - 1:
            return None  # (a blob that is not the lines of `st`)
        if mask:
            _flush(lines, masks, each, li, mask, head)
        return lines, masks, each


cdef int _flush(list lines, list masks, list each, Py_ssize_t li, uint64_t mask, uint64_t head) except -1:
    """Line li holds the literals of `mask`: noted in `each`, and in lines/masks when it
    holds one of `head`."""
    cdef Py_ssize_t i = 0
    cdef uint64_t rest = mask
    ln = PyLong_FromSsize_t(li)
    while rest:
        if rest & 1:
            got = <object>PyList_GET_ITEM(each, i)
            if got is None:
                got = []
                each[i] = got
            PyList_Append(got, ln)
        rest >>= 1
        i += 1
    if mask & head:
        PyList_Append(lines, ln)
        PyList_Append(masks, mask & head)
    return 0


def printer_changes(list contexts):
    """[i for i in range(1, n) if contexts[i] != contexts[i - 1]]"""
    cdef Py_ssize_t i, n = PyList_GET_SIZE(contexts)
    cdef list out = []
    cdef object a, b
    for i in range(1, n):
        a = <object>PyList_GET_ITEM(contexts, i)
        b = <object>PyList_GET_ITEM(contexts, i - 1)
        if a is not b and a != b:
            PyList_Append(out, PyLong_FromSsize_t(i))
    return out


# --- split_reports -----------------------------------------------------------------------

cdef class _Open:
    cdef object span
    cdef list lines  # span.lines
    cdef Py_ssize_t ctx  # printer id
    cdef Py_ssize_t last  # index of the last line appended
    cdef Py_ssize_t seq  # opening order (dict order of split.split_reports' open_by_ctx)
    cdef bint trailer, all_cpus
    cdef int last_state  # the last line's ts: TS_NONE / TS_FLOAT (in last_ts) / TS_UNREAD
    cdef double last_ts


DEF TS_ODD = -1  # neither a float nor None
DEF TS_NONE = 0
DEF TS_FLOAT = 1
DEF TS_UNREAD = -2


cdef int _read_ts(object ln, double* out) except -3:
    """ln.ts: TS_FLOAT (its value in *out), TS_NONE, or TS_ODD."""
    cdef PyObject* p
    if type(ln) is _Line and cp_slot(ln, _off_ts) != NULL:
        p = cp_slot(ln, _off_ts)
        t = <object>p
    else:
        t = ln.ts
    if t is None:
        return TS_NONE
    if PyFloat_CheckExact(t):
        out[0] = PyFloat_AS_DOUBLE(t)
        return TS_FLOAT
    return TS_ODD


# --- Span objects -----------------------------------------------------------------------

cdef object _Span = None  # split.Span (a slots dataclass)
cdef Py_ssize_t _sp_off[7]
_SPAN_FIELDS = ("start_line", "end_line", "lines", "header_line", "oops", "context", "closed_by")


def bind_span(cls):
    """Build `cls` (split.Span) objects here by filling its seven slots, as its __init__
    would; False when cls does not have that shape (split_loop then calls it)."""
    global _Span
    offs = [_member_offset(cls, f) for f in _SPAN_FIELDS]
    if min(offs) < 0:
        _Span = None
        return False
    for i in range(7):
        _sp_off[i] = offs[i]
    _Span = cls
    return True


cdef object _new_span(object Span, object start, object end, list lines, object header, object oops, object ctx):
    """Span(start, end, lines, header, oops, ctx) (closed_by "eof")."""
    if Span is not _Span:
        return Span(start, end, lines, header, oops, ctx)
    o = cp_alloc(_Span)
    cp_slot_init(o, _sp_off[0], start)
    cp_slot_init(o, _sp_off[1], end)
    cp_slot_init(o, _sp_off[2], lines)
    cp_slot_init(o, _sp_off[3], header)
    cp_slot_init(o, _sp_off[4], oops)
    cp_slot_init(o, _sp_off[5], ctx)
    cp_slot_init(o, _sp_off[6], "eof")
    return o


cdef class _Marks:
    """Sorted line indexes (holding a literal) as a C array, for bisection."""
    cdef Py_ssize_t* v
    cdef Py_ssize_t n

    def __cinit__(self, idx):
        self.n = len(idx)
        self.v = <Py_ssize_t*>malloc((self.n + 1) * sizeof(Py_ssize_t))
        if self.v == NULL:
            raise MemoryError()
        for i in range(self.n):
            self.v[i] = idx[i]

    def __dealloc__(self):
        free(self.v)

    cdef Py_ssize_t first_at_or_after(self, Py_ssize_t x):
        cdef Py_ssize_t lo = 0, hi = self.n, mid
        while lo < hi:
            mid = (lo + hi) >> 1
            if self.v[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        return lo

    cdef bint any_in(self, Py_ssize_t lo, Py_ssize_t hi):
        cdef Py_ssize_t i = self.first_at_or_after(lo)
        return i < self.n and self.v[i] < hi

    cdef bint has(self, Py_ssize_t x):
        cdef Py_ssize_t i = self.first_at_or_after(x)
        return i < self.n and self.v[i] == x


cdef inline object _text(object ln):
    """ln.text (read from the slot when ln is a Line with it set)."""
    if type(ln) is _Line and cp_slot(ln, _off_text) != NULL:
        return <object>cp_slot(ln, _off_text)
    return ln.text


cdef inline object _no(object ln):
    """ln.no (read from the slot when ln is a Line with it set)."""
    if type(ln) is _Line and cp_slot(ln, _off_no) != NULL:
        return <object>cp_slot(ln, _off_no)
    return ln.no


def split_loop(list lines, list headers, list contexts, info, hinted, leading, S):
    """The loop of split.split_reports.  `leading`: (pattern, back, sorted line indexes
    holding the hint) per split.LEADING entry; `S`: the split module (Span, the regexes,
    continues_report, _right_after_header, the formats.spans constants).  Returns the
    spans, or None when a timestamp it reads is neither a float nor None (the caller then
    runs the Python loop).  Timestamps are read only where the Python loop reads them:
    lines of a printer with an open report."""
    cdef Py_ssize_t n = PyList_GET_SIZE(lines), i, idx, c, h, first, k, j, seen, back, nctx
    cdef Py_ssize_t n_open = 0, n_allcpus = 0, floor = 0, seq = 0
    cdef double gap = float(S.S.QUIET_GAP_SECONDS), t_cur = 0.0
    cdef int st_cur
    if len(headers) != n or len(contexts) != n:
        return None
    # per-line arrays
    cdef int* hdr = <int*>malloc(n * sizeof(int) + 1)
    cdef Py_ssize_t* cid = <Py_ssize_t*>malloc(n * sizeof(Py_ssize_t) + 1)
    cdef char* flags = <char*>malloc(n + 1)  # 1: info message, 2: hinted
    cdef char* ctx_tag = NULL  # per printer: 1 a caller tag, 2 a "C" tag
    if hdr == NULL or cid == NULL or flags == NULL:
        free(hdr); free(cid); free(flags)
        raise MemoryError()
    cdef dict ids = {}
    cdef list names = []
    cdef list opened = []  # per printer: its open report or None
    cdef list all_open = []  # every report opened (to set end_line at the end)
    cdef list spans = []
    cdef list marks
    cdef _Open o, cur, x
    cdef object ln, ctx, prev_ctx = None, text, rx, m
    cdef Py_ssize_t prev_id = -1
    cdef list untagged
    try:
        for i in range(n):
            hdr[i] = headers[i]
            ctx = <object>PyList_GET_ITEM(contexts, i)
            if ctx is prev_ctx:
                cid[i] = prev_id
            else:
                got = ids.get(ctx)
                if got is None:
                    got = ids[ctx] = len(names)
                    names.append(ctx)
                cid[i] = got
                prev_ctx, prev_id = ctx, got
        memset(flags, 0, n)
        for i in info:
            if 0 <= i < n:
                flags[i] |= 1
        for i in hinted:
            if 0 <= i < n:
                flags[i] |= 2
        nctx = len(names)
        ctx_tag = <char*>malloc(nctx + 1)
        if ctx_tag == NULL:
            raise MemoryError()
        for c in range(nctx):
            name = names[c]
            ctx_tag[c] = 0
            if name[:1] in ("T", "C"):
                ctx_tag[c] = 2 if name[0] == "C" else 1
        untagged = [c for c in range(nctx) if ctx_tag[c] == 0]  # (closing order is no matter)
        opened = [None] * nctx
        marks = [_Marks(mk) for _, _, mk in leading]
        patterns = [(rx, b) for rx, b, _ in leading]
        Span = S.Span
        continues_report = S.continues_report
        right_after = S._right_after_header
        trailer_keep = S._TRAILER_KEEP.search
        trailer = S._TRAILER.match  # TRAILER_KEEP, else TRAILER_SKIP in group skip_group
        skip_group = S._TRAILER_SKIP_GROUP
        end_marker = S._END_MARKER.search
        closing_rule = S._CLOSING_RULE.search
        ALL_CPU = S.S.ALL_CPU_BACKTRACE
        END_HINT = S.S.END_MARKER_HINT
        CLOSING_HINT = S.S.CLOSING_RULE_HINT

        for idx in range(n):
            h = hdr[idx]
            if h < 0 and n_open == 0:
                continue  # noise between reports
            ln = <object>PyList_GET_ITEM(lines, idx)
            c = cid[idx]
            o = <_Open>opened[c]
            st_cur = TS_UNREAD
            if o is not None:
                st_cur = _read_ts(ln, &t_cur)
                if st_cur == TS_ODD:
                    return None
                # Either way: a clock that jumps back is a new boot of the machine.
                if st_cur == TS_FLOAT:
                    if o.last_state == TS_UNREAD:
                        o.last_state = _read_ts(<object>PyList_GET_ITEM(lines, o.last), &o.last_ts)
                        if o.last_state == TS_ODD:
                            return None
                    if o.last_state == TS_FLOAT and fabs(t_cur - o.last_ts) > gap:
                        o.span.closed_by = "quiet-gap"
                        opened[c] = None
                        n_open -= 1
                        if o.all_cpus:
                            n_allcpus -= 1
            if h >= 0:
                cur = <_Open>opened[c]
                if cur is not None:
                    text = _text(ln)
                    if (not cur.trailer and (continues_report(text) or right_after(cur.span, text))) or (
                            cur.trailer and continues_report(text) and trailer_keep(text)):
                        PyList_Append(cur.lines, ln)
                        cur.last = idx
                        cur.last_state, cur.last_ts = st_cur, t_cur
                        continue
                # A new report: it ends the open report of the same printer, and every
                # open report not told apart by a caller tag.
                if ctx_tag[c]:
                    todo = [c] + untagged
                else:
                    todo = range(nctx) if n_open else ()
                for k in todo:
                    x = <_Open>opened[k]
                    if x is not None:
                        x.span.closed_by = "next-report"
                        opened[k] = None
                        n_open -= 1
                        if x.all_cpus:
                            n_allcpus -= 1
                # _leading_start
                first = idx
                for i in range(len(patterns)):
                    if not (<_Marks>marks[i]).any_in(floor, idx):
                        continue
                    rx, back = patterns[i]
                    j = idx - 1
                    seen = 0
                    while j >= floor and seen < back:
                        k = j
                        j -= 1
                        if cid[k] != c:
                            continue
                        seen += 1
                        if (<_Marks>marks[i]).has(k) and rx.search(_text(<object>PyList_GET_ITEM(lines, k))) is not None:
                            if k < first:
                                first = k
                            break
                span_lines = [<object>PyList_GET_ITEM(lines, k) for k in range(first, idx) if cid[k] == c]
                span_lines.append(ln)
                no = _no(ln)
                span = _new_span(Span, _no(<object>PyList_GET_ITEM(lines, first)), no, span_lines, no, h, names[c])
                spans.append(span)
                o = _Open.__new__(_Open)
                o.span = span
                o.lines = span_lines
                o.ctx = c
                o.last = idx
                o.last_state, o.last_ts = st_cur, t_cur
                o.seq = seq
                seq += 1
                o.trailer = False
                o.all_cpus = False
                opened[c] = o
                all_open.append(o)
                n_open += 1
                floor = idx + 1
                continue
            if n_open == 0:
                continue
            o = <_Open>opened[c]
            if o is None:
                # Lines of all CPUs belong to a report that asked for an all-CPU backtrace
                # (the first opened of those: dict order in the Python loop).
                if n_allcpus and ctx_tag[c] == 2:
                    for k in range(nctx):
                        x = <_Open>opened[k]
                        if x is not None and x.all_cpus and (o is None or x.seq < o.seq):
                            o = x
                if o is None:
                    continue
            if flags[idx] & 1 and not ctx_tag[o.ctx]:
                o.span.closed_by = "info-message"
                opened[o.ctx] = None
                n_open -= 1
                if o.all_cpus:
                    n_allcpus -= 1
                continue
            if o.trailer:
                m = trailer(_text(ln))
                if m is None:
                    o.span.closed_by = "end-marker"
                    opened[o.ctx] = None
                    n_open -= 1
                    if o.all_cpus:
                        n_allcpus -= 1
                elif m.group(skip_group) is None:  # a TRAILER_KEEP line
                    PyList_Append(o.lines, ln)
                    o.last = idx
                    o.last_state, o.last_ts = st_cur, t_cur
                    floor = idx + 1
                continue
            PyList_Append(o.lines, ln)
            o.last = idx
            o.last_state, o.last_ts = st_cur, t_cur
            floor = idx + 1
            if not flags[idx] & 2:
                continue
            text = _text(ln)
            if ALL_CPU in text and not o.all_cpus:
                o.all_cpus = True
                n_allcpus += 1
            if END_HINT in text and end_marker(text) is not None:
                o.trailer = True
            elif CLOSING_HINT in text and closing_rule(text) is not None and len(o.lines) > 3:
                o.span.closed_by = "closing-rule"
                opened[o.ctx] = None
                n_open -= 1
                if o.all_cpus:
                    n_allcpus -= 1
        for x in all_open:
            x.span.end_line = _no(<object>PyList_GET_ITEM(lines, x.last))
        return spans
    finally:
        free(hdr); free(cid); free(flags); free(ctx_tag)


# --- header lines ---------------------------------------------------------------------

cdef bint _holds_folded(object text, object lit) except -1:
    """lit in text.lower() for an ASCII str `text` and a lower-case ASCII `lit` (the
    lower-casing of an ASCII str maps A-Z only)."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), m = PyUnicode_GET_LENGTH(lit), s, k
    cdef const uint8_t* d = <const uint8_t*>PyUnicode_DATA(text)
    cdef const uint8_t* p = <const uint8_t*>PyUnicode_DATA(lit)
    cdef uint8_t c
    if m == 0:
        return True
    for s in range(n - m + 1):
        for k in range(m):
            c = d[s + k]
            if c >= 65 and c <= 90:
                c += 32
            if c != p[k]:
                break
        else:
            return True
    return False


cdef bint _may_suppress(tuple needs, object text) except -1:
    """split._may_suppress: False when `text` lacks every suppression's required
    literal (needs: (literal, folded) or None per suppression)."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    cdef object need, lit
    for need in needs:
        if need is None:
            return True
        lit = (<tuple>need)[0]
        if (<tuple>need)[1]:
            if PyUnicode_MAX_CHAR_VALUE(<PyObject*>text) >= 128:
                return True  # (re2 folds some non-ASCII letters to ASCII ones)
            if _holds_folded(text, lit):
                return True
        elif PyUnicode_Find(text, lit, 0, n, 1) >= 0:
            return True
    return False


def first_headers(list lines, list cand, list held, list headers, tuple plan):
    """headers[i] = split._first_header(lines[i].text, mask) for each candidate line i of
    `cand` and its mask of `held`.  plan[b], per header index b: None when the header has
    no suppression, else (needs, search): split._SUPPRESS_NEEDS[b] and the search of its
    suppressions' alternation."""
    cdef Py_ssize_t k, i, b, nh = len(plan), n = PyList_GET_SIZE(lines)
    cdef uint64_t mask
    cdef object text, p
    if len(cand) != len(held):
        raise ValueError("cand and held differ in length")
    for k in range(len(cand)):
        i = cand[k]
        if not 0 <= i < n:
            raise IndexError("line index out of range")
        text = _text(<object>PyList_GET_ITEM(lines, i))
        if not PyUnicode_Check(text):
            raise TypeError("line text is not a str")
        mask = held[k]
        b = -1
        while mask:
            b = 0
            while not (mask >> b) & 1:
                b += 1
            if b >= nh:
                raise IndexError("header bit out of range")
            p = plan[b]
            if p is None or not _may_suppress((<tuple>p)[0], text) or (<tuple>p)[1](text) is None:
                break
            mask &= mask - 1
            b = -1
        headers[i] = b


def any_match(object text, tuple literals, tuple rest):
    """split._any_match: whether `text` (a str) holds one of `literals` or one of `rest`'s
    patterns matches it; rest: (needs, search) per pattern, where needs are the
    (literal, folded) pairs one of which a match holds (None: unknown)."""
    cdef Py_ssize_t n
    cdef object lit, p
    if not PyUnicode_Check(text):
        raise TypeError("text is not a str")
    n = PyUnicode_GET_LENGTH(text)
    for lit in literals:
        if PyUnicode_Find(text, lit, 0, n, 1) >= 0:
            return True
    for p in rest:
        if _may_suppress((<tuple>p)[0], text) and (<tuple>p)[1](text) is not None:
            return True
    return False
