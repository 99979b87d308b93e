# cython: language_level=3, boundscheck=True, wraparound=True, initializedcheck=True, cdivision=False
"""The per-line state machine of `crashpipe.parse` (field extraction), in C.

The pure-Python `crashpipe.parse._Extractor` is the reference and the fallback when this
extension is missing; tests/test_extract_fast.py checks that both leave the same state
after every line and fill reports the same way, on the corpora and on random/mutated
text.  `Extractor` here has the same attributes and methods.  Compiled: the per-line
dispatch (`line`, `feed`), the plain-field prefix chain (`_fields`, with masks per first
character built at import from the prefix tables of `crashpipe.formats.fields` and
parse's `_FIELD_PREFIXES`), call-trace lines (a matcher for `fields.TRACE_LINE`, frames
remembered per distinct line in parse's memo), register pairs (a scanner for
`fields.REGISTER_PAIR`, register names looked up from the characters), hexdump rows
and their assembly, task/taint/fault/pc/module lines (parse's memos; C matchers for the
CPU line, arm "from" lines, the common pc/lr line shapes, the WARNING task line and
byte-dump `Code:` lines, parse's regex readers for the rest) and the closing steps
(`complete`).  Each C matcher implements exact table patterns and is used only while the
table holds those patterns (any other pattern runs under `re`); rare blocks (s390 GPRS
and Krnl Code rows, "Stack:" word rows, ppc instruction dumps) call the reference method
of `parse._Extractor` on this object.

The per-report glue is compiled too: `parse_span` (parse._parse_span_py), `extract_fields`
(parse._extract_fields_py), `with_continuations` and `span_text`, reading
`crashpipe.lines.Line` fields through their slots and making `Report`s from a template of
the dataclass's defaults (`compiled_matchers()` tells which of these are in use).

Bounds and wraparound checks stay on (Python semantics: `ctx[-1]`, and an empty string
indexed raises the IndexError the reference raises); the scanners check their indices
and take time linear in the line.
"""
cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.long cimport PyLong_AsUnsignedLongLong, PyLong_FromUnsignedLongLong
from libc.string cimport memchr, memcmp
from cpython.object cimport PyTypeObject as _FullType


from crashpipe import code as _codemod
from crashpipe.formats import fields as F
from crashpipe.model import Frame

cdef extern from "Python.h":
    ctypedef struct PyObject
    ctypedef struct PyTypeObject
    ctypedef struct PyMemberDef:
        int type
        Py_ssize_t offset
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member
    PyTypeObject* Py_TYPE(object)
    int PyUnicode_KIND(object)
    void* PyUnicode_DATA(object)
    unsigned int PyUnicode_READ(int kind, void* data, Py_ssize_t i)
    bint Py_UNICODE_ISSPACE(unsigned int ch)

# ------------------------------------------------------------- bound from parse
# crashpipe.parse calls init(parse) once it has defined its helpers (no import cycle).
cdef object _PyEx = None
cdef dict _TRACE_CACHE = None
cdef object _read_trace_line = None
cdef object _ARM_ENTERED = None
cdef object _ARM_REGS_IN_TRACE = None
cdef object _CPU_LINE = None
cdef object _PID_LINE = None
cdef object _KASLR = None
cdef object _HEXDUMP_HEADERS = None
cdef object _PPC_GPR_ROW = None
cdef object _MIPS_GPR_ROW = None
cdef object _S390_PSW = None
cdef object _REGISTER_PAIR = None
cdef object _P = None
cdef dict _PC_CACHE = None
cdef object _read_pc_line = None
cdef object _arm_from_groups = None
cdef dict _FROM_CACHE = None
cdef object _Loc = None
cdef object _merge = None
cdef object _MISSING = None
cdef object _TRACE_FILE_LINE = None
cdef object _arch_by_release = None
cdef object _taint = None
cdef object _RELEASE_LINE = None
cdef object _MODULE_TOKEN = None
cdef dict _TASK_CACHE = None
cdef dict _FAULT_CACHE = None
cdef dict _MODULES_CACHE = None
cdef object _read_task_line = None
cdef object _read_fault = None
cdef object _read_modules = None
cdef object _user_segment = None
cdef bint _C_TRACE = False
cdef Py_ssize_t _MAX_FRAMES = 0
cdef Py_ssize_t _MAX_STACK_WORDS = 0
cdef dict _RELEASE_ARCH = None
cdef dict _TAINTS = None
cdef bint _bound = False

cdef frozenset _REGISTER_NAMES = frozenset(F.REGISTER_NAMES)

# REGISTER_NAMES looked up from a str's characters without making the substring: a name
# of at most 10 characters from [A-Za-z0-9_] packs into 6 bits a character (codes 1-63),
# its key, in an open-addressing table of the names (slot empty: key 0).
cdef enum:
    _RN_BITS = 10
cdef unsigned long long _RN_KEYS[1 << _RN_BITS]
cdef list _RN_NAMES = [None] * (1 << _RN_BITS)
cdef bint _RN_OK = False


cdef inline unsigned int _rn_code(unsigned int c) noexcept nogil:
    """1-63 for [0-9A-Za-z_], else 0."""
    if c >= 48 and c <= 57:
        return c - 47  # 1-10
    if c >= 65 and c <= 90:
        return c - 54  # 11-36
    if c >= 97 and c <= 122:
        return c - 60  # 37-62
    if c == 95:
        return 63
    return 0


cdef inline Py_ssize_t _rn_slot(unsigned long long key) noexcept nogil:
    return <Py_ssize_t>((key * <unsigned long long>0x9E3779B97F4A7C15) >> (64 - _RN_BITS))


cdef _build_register_names():
    global _RN_OK
    cdef unsigned long long key
    cdef Py_ssize_t k, slot
    cdef unsigned int code
    for k in range(1 << _RN_BITS):
        _RN_KEYS[k] = 0
    if len(_REGISTER_NAMES) > (1 << (_RN_BITS - 1)):
        return  # (the table would be too full: the set decides)
    for name in _REGISTER_NAMES:
        if not (1 <= len(name) <= 10):
            return
        key = 0
        for k in range(len(name)):
            code = _rn_code(ord(name[k]))
            if code == 0:
                return
            key |= (<unsigned long long>code) << (6 * k)
        slot = _rn_slot(key)
        while _RN_KEYS[slot] != 0:
            slot = (slot + 1) & ((1 << _RN_BITS) - 1)
        _RN_KEYS[slot] = key
        _RN_NAMES[slot] = name
    _RN_OK = True


_build_register_names()


cdef object _register_name(str t, int kind, void* data, Py_ssize_t a, Py_ssize_t b):
    """t[a:b] when it is in REGISTER_NAMES (the set's own str), else None."""
    cdef unsigned long long key = 0
    cdef unsigned int code
    cdef Py_ssize_t k, slot
    if not _RN_OK:
        name = t[a:b]
        return name if name in _REGISTER_NAMES else None
    if b - a < 1 or b - a > 10:
        return None
    for k in range(a, b):
        code = _rn_code(PyUnicode_READ(kind, data, k))
        if code == 0:
            return None
        key |= (<unsigned long long>code) << (6 * (k - a))
    slot = _rn_slot(key)
    while _RN_KEYS[slot] != 0:
        if _RN_KEYS[slot] == key:
            return _RN_NAMES[slot]
        slot = (slot + 1) & ((1 << _RN_BITS) - 1)
    return None
cdef object _Frame = Frame
# A Frame made as Frame(...) makes it, minus the type call's argument tuple: object.__new__
# then the dataclass's own __init__ (the same instance, attributes set in the same order);
# Frame(...) itself if the class ever defines its own __new__.
cdef object _object_new = object.__new__
cdef tuple _NO_ARGS = ()
cdef object _frame_init = Frame.__init__
cdef bint _FRAME_DIRECT = Frame.__new__ is object.__new__


cdef inline object _mkframe(frame_no, address, symbol, offset, size, module, file, line, inlined, reliable,
                            method, context):
    if not _FRAME_DIRECT:
        return _Frame(frame_no, address, symbol, offset, size, module, file, line, inlined, reliable, method, context)
    f = (<_FullType*>_Frame).tp_new(<type>_Frame, <PyObject*>_NO_ARGS, NULL)  # object.__new__(Frame)
    _frame_init(f, frame_no, address, symbol, offset, size, module, file, line, inlined, reliable, method, context)
    return f
from crashpipe import memo as _memo
from crashpipe._memo_c cimport keep


# ------------------------------------------------- crashpipe.lines.Line slots
# Line is a slots dataclass: its fields live at fixed offsets in the object, read here
# directly (an attribute lookup per field per line is a good part of the per-report glue).
# Anything that is not exactly a Line, or a slot left unset, takes getattr.
cdef PyTypeObject* _LINE_TYPE = NULL
cdef Py_ssize_t _OFF_NO = -1, _OFF_TEXT = -1, _OFF_TAG = -1, _OFF_TS = -1


cdef Py_ssize_t _slot_offset(cls, str name):
    d = cls.__dict__.get(name)
    if d is None or type(d).__name__ != "member_descriptor":
        return -1
    cdef PyMemberDef* m = (<PyMemberDescrObject*><PyObject*>d).d_member
    if m.type != 16:  # T_OBJECT_EX: a PyObject* that may be NULL (unset)
        return -1
    return m.offset


cdef _bind_line(cls):
    global _LINE_TYPE, _OFF_NO, _OFF_TEXT, _OFF_TAG, _OFF_TS
    _OFF_NO, _OFF_TEXT = _slot_offset(cls, "no"), _slot_offset(cls, "text")
    _OFF_TAG, _OFF_TS = _slot_offset(cls, "tag"), _slot_offset(cls, "ts")
    if min(_OFF_NO, _OFF_TEXT, _OFF_TAG, _OFF_TS) >= 0:
        _LINE_TYPE = <PyTypeObject*>cls


cdef inline PyObject* _slot(obj, Py_ssize_t off):
    """The object in obj's slot at off (obj must be a Line), NULL when unset."""
    return (<PyObject**>((<char*><PyObject*>obj) + off))[0]


cdef inline object _line_text(line):
    """line.text."""
    cdef PyObject* p
    if Py_TYPE(line) == _LINE_TYPE:
        p = _slot(line, _OFF_TEXT)
        if p != NULL:
            return <object>p
    return line.text


cdef inline object _line_no(line):
    """line.no."""
    cdef PyObject* p
    if Py_TYPE(line) == _LINE_TYPE:
        p = _slot(line, _OFF_NO)
        if p != NULL:
            return <object>p
    return line.no


def span_text(lines):
    """"\n".join([line.text for line in lines]) (parse._parse_span's report text)."""
    if type(lines) is not list:
        return "\n".join([line.text for line in lines])
    cdef list ls = <list>lines
    cdef list texts = [None] * len(ls)
    cdef Py_ssize_t k
    for k in range(len(ls)):
        texts[k] = _line_text(ls[k])
    return "\n".join(texts)


cdef Py_ssize_t _MEMO_KEY_LEN = _memo.MAX_KEY_LEN, _MEMO_ENTRIES = _memo.MAX_ENTRIES  # (bound at import)


cdef inline object _keep(dict cache, key, value, Py_ssize_t key_len):
    """crashpipe.memo.remember (its bounds), without the call."""
    return keep(cache, key, value, key_len, _MEMO_KEY_LEN, _MEMO_ENTRIES)
cdef dict _CONTEXT_MARKERS = F.CONTEXT_MARKERS
cdef str _EXC_PREFIX = F.EXCEPTION_MARKER_PREFIX
cdef str _EXC_CLOSE = "/" + F.EXCEPTION_MARKER_PREFIX

# The REGISTER_PAIR pattern `_pair_at` implements; with any other table pattern the
# regex runs instead.
_PAIR_PATTERN = (r"([A-Za-z][A-Za-z0-9_]{0,9}) {0,6}: {0,3}(?:[0-9a-f]{4}:)?(?:\[<)?([0-9a-fA-F]{2,16})"
                 r"(?![0-9A-Za-z_:])")
cdef bint _C_PAIRS = F.REGISTER_PAIR == _PAIR_PATTERN
# The hexdump row shape `_hexdump_row` reads in C (4 hex digits, ":", 9-character cells).
cdef bint _C_HEXROW = F.HEXDUMP_ROW == r"([0-9a-f]{4}):(.*)$" and F.HEXDUMP_CELL == 9


def init(parse_module):
    """Bind the reference helpers and tables of crashpipe.parse (called by parse itself)."""
    global _PyEx, _TRACE_CACHE, _read_trace_line, _ARM_ENTERED
    global _ARM_REGS_IN_TRACE, _CPU_LINE, _PID_LINE, _KASLR, _HEXDUMP_HEADERS
    global _PPC_GPR_ROW, _MIPS_GPR_ROW, _S390_PSW, _REGISTER_PAIR, _P, _MAX_FRAMES, _bound, _MAX_STACK_WORDS, _RELEASE_ARCH, _MID_LINE, _TAINTS
    global _FROM_CACHE, _PC_CACHE, _read_pc_line, _arm_from_groups, _Loc, _merge, _MISSING, _C_TRACE
    global _TRACE_FILE_LINE, _arch_by_release, _taint, _RELEASE_LINE, _MODULE_TOKEN, _TASK_CACHE, _FAULT_CACHE, _MODULES_CACHE
    global _read_task_line, _read_fault, _read_modules, _C_FROM, _C_CPU, _C_TASK, _C_PC, _PC_ROLES, _user_segment
    P = parse_module
    _P = P
    _PyEx = P._Extractor
    _TRACE_CACHE = P._TRACE_CACHE
    _read_trace_line = P._read_trace_line
    _ARM_ENTERED = P._ARM_ENTERED
    _ARM_REGS_IN_TRACE = P._ARM_REGS_IN_TRACE
    _CPU_LINE = P._CPU_LINE
    _PID_LINE = P._PID_LINE
    _KASLR = P._KASLR
    _HEXDUMP_HEADERS = P._HEXDUMP_HEADERS
    _PPC_GPR_ROW = P._PPC_GPR_ROW
    _MIPS_GPR_ROW = P._MIPS_GPR_ROW
    _S390_PSW = P._S390_PSW
    _REGISTER_PAIR = P._REGISTER_PAIR
    _MAX_FRAMES = P.MAX_FRAMES
    _MAX_STACK_WORDS = P.MAX_STACK_WORDS
    _RELEASE_ARCH = P._RELEASE_ARCH
    _TAINTS = P._TAINTS
    _PC_CACHE = P._PC_CACHE
    _read_pc_line = P._read_pc_line
    _arm_from_groups = P._arm_from_groups
    _FROM_CACHE = P._FROM_CACHE
    _Loc = P._Loc
    _merge = P._merge
    _MISSING = P._MISSING
    _TRACE_FILE_LINE = P._TRACE_FILE_LINE
    _arch_by_release = P._arch_by_release
    _taint = P._taint
    _RELEASE_LINE = P._RELEASE_LINE
    _MODULE_TOKEN = P._MODULE_TOKEN
    _TASK_CACHE = P._TASK_CACHE
    _FAULT_CACHE = P._FAULT_CACHE
    _MODULES_CACHE = P._MODULES_CACHE
    _read_task_line = P._read_task_line
    _read_fault = P._read_fault
    _read_modules = P._read_modules
    _C_TRACE = F.TRACE_LINE == _TRACE_PATTERN and P._TRACE_LINE.pattern == _TRACE_PATTERN
    _C_FROM = F.ARM_FROM_LINE == _FROM_PATTERN and P._ARM_FROM.pattern == _FROM_PATTERN
    _C_CPU = F.CPU_LINE == _CPU_PATTERN and P._CPU_LINE.pattern == _CPU_PATTERN
    _C_TASK = (F.TASK_LINES[0] == (r"WARNING: CPU: ([0-9]{1,5}) PID: ([0-9]{1,10}) ", ("cpu", "pid"))
               and F.TASK_LINES[-1][0] == r"[EeRr]IP: [0-9a-f]{4}:\[<[0-9a-f]+>\] +EFLAGS: [0-9a-f]+ CPU: ([0-9]{1,5})"
               and [P._first_chars(p) for p, _ in F.TASK_LINES[:-1]] == [frozenset("W"), frozenset("P"), frozenset("i"),
                                                                         frozenset("I"), None]
               and F.TASK_LINES[4][0].startswith(r"(?:watchdog: )?BUG: "))
    _C_PC = (F.SYMBOLIC == _SYMBOLIC_PATTERN and list(F.PC_LINES) == _PC_PATTERNS
             and [rx.pattern for rx, _ in P._PC_LINES] == [p for p, _ in _PC_PATTERNS])
    _PC_ROLES = tuple(role for _, role in _PC_PATTERNS)
    _user_segment = P._user_segment
    _build_masks(P._FIELD_PREFIXES)
    _bind_line(P.Line)
    _bind_report(P.Report)
    _MID_LINE = P._MID_LINE
    _bound = True


# ------------------------------------------------------------ prefix tables
# Group g of prefixes: a stripped line can start with one of them only when its first
# character's mask has bit g (index 128 stands for every non-ASCII character, 129 for the
# empty line).  The groups are the tuples the reference passes to str.startswith.
cdef enum:
    G_ARCH, G_CPU, G_PID, G_HW, G_MOD, G_KASLR, G_CODE, G_PPCDUMP, G_S390CODE, G_S390GPRS
    G_WORDSTACK, G_HEXDUMP, G_TASK, G_FAULT, G_PC, G_GPR, G_DOLLAR, G_PSW, G_MSR
    G_TRACE_HDR, G_TRACE_STOP, G_INTERLUDE, G_AUX, G_TAINT, G_FIELD, G_PAGEFAULT, G_COUNT

cdef tuple _GROUPS = ()
cdef unsigned int _MASK[130]
cdef list _SUBS = []  # [g * 130 + index]: the prefixes of group g that start with that character
# The same prefixes Latin-1 encoded, compared with a 1-byte-per-character str's data
# directly (None where a prefix has a character beyond Latin-1: str.startswith decides).
cdef list _SUBB = []


cdef tuple _groups(field_prefixes):
    return (
    F.ARCH_LINE_PREFIXES, ("CPU: ",), ("Pid: ",), (F.HARDWARE,), (F.MODULES,), (F.KASLR_PREFIX,),
    tuple(F.CODE_PREFIXES), (F.PPC_INSTRUCTION_DUMP,), (F.S390_CODE,), (F.S390_GPRS,),
    tuple(F.WORD_STACK_HEADERS), tuple(F.HEXDUMP_PREFIXES), tuple(F.TASK_PREFIXES), tuple(F.FAULT_PREFIXES),
    tuple(F.PC_PREFIXES), ("GPR",), ("$",), ("Krnl PSW",), ("MSR: ",),
    tuple(F.TRACE_HEADERS), tuple(F.TRACE_STOP_HEADERS), tuple(F.TRACE_INTERLUDES), tuple(F.AUX_BLOCK_HEADERS),
    tuple(F.TAINT_LINE_PREFIXES), tuple(field_prefixes), tuple(F.PAGE_FAULT_MARKERS),
    )


cdef _build_masks(field_prefixes):
    global _GROUPS, _SUBS, _SUBB
    cdef int g, c
    _GROUPS = _groups(field_prefixes)
    assert len(_GROUPS) == G_COUNT
    subs = [[] for _ in range(G_COUNT * 130)]
    for g in range(G_COUNT):
        for p in _GROUPS[g]:
            if not p:
                for c in range(130):
                    subs[g * 130 + c].append(p)
            else:
                c = ord(p[0])
                subs[g * 130 + (c if c < 128 else 128)].append(p)
    _SUBS = [tuple(x) for x in subs]
    _SUBB = []
    for x in _SUBS:
        try:
            _SUBB.append(tuple(p.encode("latin-1") for p in x))
        except UnicodeEncodeError:
            _SUBB.append(None)
    for c in range(130):
        _MASK[c] = 0
    for g in range(G_COUNT):
        for p in _GROUPS[g]:
            if not p:  # an empty prefix matches every line
                for c in range(130):
                    _MASK[c] |= (<unsigned int>1) << g
                continue
            c = ord(p[0])
            _MASK[c if c < 128 else 128] |= (<unsigned int>1) << g



cdef str _strip(str t):
    """t.strip() (whitespace as str.strip sees it)."""
    cdef int kind = PyUnicode_KIND(t)
    cdef void* data = PyUnicode_DATA(t)
    cdef Py_ssize_t n = len(t), a = 0, b
    while a < n and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, a)):
        a += 1
    b = n
    while b > a and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, b - 1)):
        b -= 1
    if a == 0 and b == n:
        return t
    return t[a:b]


cdef inline bint _has_hash(str t):
    """"#" in t."""
    cdef int kind = PyUnicode_KIND(t)
    cdef void* data = PyUnicode_DATA(t)
    cdef Py_ssize_t k, n = len(t)
    if kind == 1:
        return memchr(data, 35, n) != NULL
    for k in range(n):
        if PyUnicode_READ(kind, data, k) == 35:
            return True
    return False


cdef inline bint _flags_head(str t):
    """"Flags:" in t[:8]."""
    cdef int kind = PyUnicode_KIND(t)
    cdef void* data = PyUnicode_DATA(t)
    cdef Py_ssize_t i, n = min(len(t), 8)
    for i in range(n - 5):
        if _lit_at(kind, data, n, i, b"Flags:", 6):
            return True
    return False


cdef inline int _first(str t):
    """Mask index of t's first character."""
    if len(t) == 0:
        return 129
    cdef unsigned int c = PyUnicode_READ(PyUnicode_KIND(t), PyUnicode_DATA(t), 0)
    return <int>c if c < 128 else 128


cdef inline bint _sw(str t, int first, int g) except -1:
    """t.startswith(group g), answered from the mask when t cannot start with it."""
    if not (_MASK[first] >> g) & 1:
        return False
    return _sw_prefixes(t, g * 130 + first)


@cython.boundscheck(False)
@cython.wraparound(False)
cdef bint _sw_prefixes(str t, Py_ssize_t idx) except -1:
    """t.startswith(_SUBS[idx])."""
    cdef object bs = _SUBB[idx]
    if bs is None or PyUnicode_KIND(t) != 1:
        return t.startswith(<tuple>_SUBS[idx])
    cdef const char* d = <const char*>PyUnicode_DATA(t)
    cdef Py_ssize_t n = len(t), m
    for b in <tuple>bs:
        m = PyBytes_GET_SIZE(b)
        if m <= n and memcmp(d, PyBytes_AS_STRING(b), m) == 0:
            return True
    return False


# -------------------------------------------------------- register pairs in C
cdef inline bint _is_namech(unsigned int c) noexcept nogil:
    return (c >= 48 and c <= 57) or (c >= 65 and c <= 90) or (c >= 97 and c <= 122) or c == 95


cdef inline bint _is_alpha(unsigned int c) noexcept nogil:
    return (c >= 65 and c <= 90) or (c >= 97 and c <= 122)


cdef inline int _hexval(unsigned int c) noexcept nogil:
    """0-15 for [0-9a-fA-F], else -1."""
    if c >= 48 and c <= 57:
        return <int>(c - 48)
    if c >= 97 and c <= 102:
        return <int>(c - 87)
    if c >= 65 and c <= 70:
        return <int>(c - 55)
    return -1


cdef inline bint _is_lhex(unsigned int c) noexcept nogil:
    return (c >= 48 and c <= 57) or (c >= 97 and c <= 102)


# The scanners read a str's code units directly, specialized per storage width (nearly
# every line is 1 byte per character; 2- and 4-byte strings take the same code).
ctypedef fused uchar:
    unsigned char
    unsigned short
    unsigned int


@cython.boundscheck(False)
@cython.wraparound(False)
cdef Py_ssize_t _pair_at_f(const uchar* d, Py_ssize_t n, Py_ssize_t i, Py_ssize_t* name_end,
                           Py_ssize_t* val_start, Py_ssize_t* val_end, Py_ssize_t* skip) noexcept nogil:
    """The REGISTER_PAIR pattern matched at i: the index after the match, or -1.

    The pattern cannot backtrack into another success: the name's class excludes " " and
    ":", the spaces are followed by a fixed ":" or a non-space, the segment "xxxx:" leaves
    no value match when skipped, and the value must end the hex run.  So each piece takes
    its maximal run and checks its bound.

    On failure skip[0] is the next start that can match (findall's scan may jump there):
    a start inside the same name-character run ends its name where i's does (when at most
    10 characters before the run's end), so everything after the name, and the outcome,
    is the same."""
    cdef Py_ssize_t j, k, q, r
    cdef unsigned int c
    skip[0] = i + 1
    if i >= n or not _is_alpha(d[i]):
        return -1
    j = i + 1
    while j < n and _is_namech(d[j]):
        j += 1
    if j - i > 10:
        skip[0] = j - 10  # a name of more than 10 characters never ends in " " or ":"
        return -1
    skip[0] = j
    k = j
    while k < n and d[k] == 32:
        k += 1
    if k - j > 6 or k >= n or d[k] != 58:
        return -1
    q = k + 1
    k = q
    while k < n and d[k] == 32:
        k += 1
    if k - q > 3:
        return -1
    q = k
    # optional segment "xxxx:" (lower-case hex)
    if (q + 4 < n and _is_lhex(d[q]) and _is_lhex(d[q + 1]) and _is_lhex(d[q + 2]) and _is_lhex(d[q + 3])
            and d[q + 4] == 58):
        q += 5
    # optional "[<"
    if q + 1 < n and d[q] == 91 and d[q + 1] == 60:
        q += 2
    r = q
    while r < n and _hexval(d[r]) >= 0:
        r += 1
    if r - q < 2 or r - q > 16:
        return -1
    if r < n:
        c = d[r]
        if _is_namech(c) or c == 58:
            return -1
    name_end[0] = j
    val_start[0] = q
    val_end[0] = r
    return r


cdef inline Py_ssize_t _pair_at(int kind, void* data, Py_ssize_t n, Py_ssize_t i, Py_ssize_t* name_end,
                                Py_ssize_t* val_start, Py_ssize_t* val_end, Py_ssize_t* skip) noexcept nogil:
    if kind == 1:
        return _pair_at_f(<const unsigned char*>data, n, i, name_end, val_start, val_end, skip)
    if kind == 2:
        return _pair_at_f(<const unsigned short*>data, n, i, name_end, val_start, val_end, skip)
    return _pair_at_f(<const unsigned int*>data, n, i, name_end, val_start, val_end, skip)


@cython.boundscheck(False)
@cython.wraparound(False)
cdef inline unsigned long long _hexull_f(const uchar* d, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    cdef unsigned long long v = 0
    cdef Py_ssize_t k
    for k in range(a, b):
        v = (v << 4) | <unsigned long long>_hexval(d[k])
    return v


cdef object _hexint(int kind, void* data, Py_ssize_t a, Py_ssize_t b):
    """int(text[a:b], 16) of at most 16 hex digits."""
    cdef unsigned long long v
    if kind == 1:
        v = _hexull_f(<const unsigned char*>data, a, b)
    elif kind == 2:
        v = _hexull_f(<const unsigned short*>data, a, b)
    else:
        v = _hexull_f(<const unsigned int*>data, a, b)
    return PyLong_FromUnsignedLongLong(v)


cdef inline object _hexs(s):
    """parse._hex: int(s, 16), None for None or ""."""
    return int(s, 16) if s else None


# ------------------------------------------------------------- trace lines in C
# The TRACE_LINE pattern `_trace_match` implements; with any other table pattern (or a
# line holding "\n", which "(.*)$" treats specially) the regex runs instead.
_TRACE_PATTERN = (
    r"(\()?"
    r"(?:\[([0-9a-f]{8,16})\] \[([0-9a-f]{8,16})\] |\[<([0-9a-fA-F]{1,16})>\] ?)?"
    r"(\? )?"
    r"([A-Za-z_.$][A-Za-z0-9_.$@\-]{0,254}|0x[0-9a-f]{1,16})"
    r"(?:\+0x([0-9a-f]{1,16})/0x([0-9a-f]{1,16}))?"
    r"(?: \[([A-Za-z0-9_\-]{1,64})(?: [0-9a-f]{1,64})?\])?"
    r"(.*)$"
)


cdef inline bint _is_symstart(unsigned int c) noexcept nogil:
    return _is_alpha(c) or c == 95 or c == 46 or c == 36  # _ . $


cdef inline bint _is_symch(unsigned int c) noexcept nogil:
    return _is_namech(c) or c == 46 or c == 36 or c == 64 or c == 45  # . $ @ -


cdef inline bint _is_modch(unsigned int c) noexcept nogil:
    return _is_namech(c) or c == 45


cdef struct TraceM:
    # TRACE_LINE's groups as [start, end) indices (start -1: the group did not take part)
    bint paren
    Py_ssize_t sp0, sp1, ip0, ip1, a0, a1, q0, s0, s1, o0, o1, z0, z1, m0, m1
    Py_ssize_t rest  # where "(.*)$" starts


cdef inline unsigned int _chf(const uchar* d, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    """Character i, or 0 past the end (never compared with 0: no piece looks for NUL)."""
    return d[i] if i < n else 0


cdef inline Py_ssize_t _run_lhex_f(const uchar* d, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    while i < n and _is_lhex(d[i]):
        i += 1
    return i


@cython.boundscheck(False)
@cython.wraparound(False)
cdef bint _trace_scan_f(const uchar* d, Py_ssize_t n, TraceM* m) noexcept nogil:
    """TRACE_LINE matched at 0 (into m); False when it does not match.

    Each optional piece is taken whenever it matches (the pattern's greedy order), and
    that choice is final: the symbol that must follow cannot start with "(", "[", "?" or
    " ", so no shorter choice before it succeeds where the longer one failed; after the
    symbol every piece is optional and "(.*)$" takes the rest of a line without "\n"."""
    cdef Py_ssize_t i = 0, j, k, r, r2
    cdef unsigned int c
    m.paren = False
    m.sp0 = m.sp1 = m.ip0 = m.ip1 = m.a0 = m.a1 = m.q0 = -1
    m.o0 = m.o1 = m.z0 = m.z1 = m.m0 = m.m1 = -1
    if _chf(d, n, 0) == 40:  # (
        m.paren = True
        i = 1
    if _chf(d, n, i) == 91:  # [
        # ppc "[sp] [ip] "
        j = i + 1
        r = _run_lhex_f(d, n, j)
        if 8 <= r - j <= 16 and _chf(d, n, r) == 93 and _chf(d, n, r + 1) == 32 and _chf(d, n, r + 2) == 91:
            k = r + 3
            r2 = _run_lhex_f(d, n, k)
            if 8 <= r2 - k <= 16 and _chf(d, n, r2) == 93 and _chf(d, n, r2 + 1) == 32:
                m.sp0, m.sp1, m.ip0, m.ip1 = j, r, k, r2
                i = r2 + 2
        if m.sp0 < 0 and _chf(d, n, i + 1) == 60:  # "[<" hex ">]" " "?
            j = i + 2
            r = j
            while r < n and _hexval(d[r]) >= 0:
                r += 1
            if 1 <= r - j <= 16 and _chf(d, n, r) == 62 and _chf(d, n, r + 1) == 93:
                m.a0, m.a1 = j, r
                i = r + 2
                if _chf(d, n, i) == 32:
                    i += 1
    if _chf(d, n, i) == 63 and _chf(d, n, i + 1) == 32:  # "? "
        m.q0 = i
        i += 2
    c = _chf(d, n, i)
    if _is_symstart(c):
        m.s0 = i
        j = i + 1
        while j < n and j - i < 255 and _is_symch(d[j]):
            j += 1
        m.s1 = j
    elif c == 48 and _chf(d, n, i + 1) == 120:  # 0x
        r = _run_lhex_f(d, n, i + 2)
        if r - (i + 2) < 1:
            return False
        m.s0 = i
        m.s1 = min(r, i + 2 + 16)
    else:
        return False
    i = m.s1
    if _chf(d, n, i) == 43 and _chf(d, n, i + 1) == 48 and _chf(d, n, i + 2) == 120:
        j = i + 3
        r = _run_lhex_f(d, n, j)
        if 1 <= r - j <= 16 and _chf(d, n, r) == 47 and _chf(d, n, r + 1) == 48 and _chf(d, n, r + 2) == 120:
            k = r + 3
            r2 = _run_lhex_f(d, n, k)
            if r2 - k >= 1:
                m.o0, m.o1, m.z0, m.z1 = j, r, k, min(r2, k + 16)
                i = m.z1
    if _chf(d, n, i) == 32 and _chf(d, n, i + 1) == 91:  # " [module( hex)?]"
        j = i + 2
        r = j
        while r < n and _is_modch(d[r]):
            r += 1
        if 1 <= r - j <= 64:
            c = _chf(d, n, r)
            if c == 93:
                m.m0, m.m1 = j, r
                i = r + 1
            elif c == 32:
                r2 = _run_lhex_f(d, n, r + 1)
                if 1 <= r2 - (r + 1) <= 64 and _chf(d, n, r2) == 93:
                    m.m0, m.m1 = j, r
                    i = r2 + 1
    m.rest = i
    return True


cdef inline bint _trace_scan(str t, TraceM* m):
    cdef int kind = PyUnicode_KIND(t)
    cdef void* data = PyUnicode_DATA(t)
    cdef Py_ssize_t n = len(t)
    if kind == 1:
        return _trace_scan_f(<const unsigned char*>data, n, m)
    if kind == 2:
        return _trace_scan_f(<const unsigned short*>data, n, m)
    return _trace_scan_f(<const unsigned int*>data, n, m)


cdef object _trace_match(str t):
    """TRACE_LINE.match(t).groups(), or None when it does not match."""
    cdef TraceM m
    if not _trace_scan(t, &m):
        return None
    return ("(" if m.paren else None,
            t[m.sp0:m.sp1] if m.sp0 >= 0 else None, t[m.ip0:m.ip1] if m.ip0 >= 0 else None,
            t[m.a0:m.a1] if m.a0 >= 0 else None, "? " if m.q0 >= 0 else None, t[m.s0:m.s1],
            t[m.o0:m.o1] if m.o0 >= 0 else None, t[m.z0:m.z1] if m.z0 >= 0 else None,
            t[m.m0:m.m1] if m.m0 >= 0 else None, t[m.rest:])


cdef str _INLINE_MARK = F.INLINE_MARK
cdef tuple _UNRELIABLE_MARKS = tuple(F.UNRELIABLE_MARKS)
cdef tuple _NO_FILE_STARTS = ("(", "[", ")")


cdef object _read_trace(str t):
    """parse._read_trace_line (its pattern matched in C, parse._trace_groups' answer built
    from the match's indices: numbers read in C, no group strings)."""
    if not _C_TRACE or "\n" in t:
        return _read_trace_line(t)
    cdef TraceM m
    if not _trace_scan(t, &m):
        return 0
    cdef int kind = PyUnicode_KIND(t)
    cdef void* data = PyUnicode_DATA(t)
    cdef str rest = t[m.rest:].strip() if m.rest < len(t) else ""
    cdef bint inlined = _INLINE_MARK in rest
    cdef bint raw_sym = PyUnicode_READ(kind, data, m.s0) == 48  # "0x..." (a symbol never starts with "0")
    if m.ip0 >= 0:
        address = _hexint(kind, data, m.ip0, m.ip1)
    elif m.a0 >= 0:
        address = _hexint(kind, data, m.a0, m.a1)
    else:
        address = None
    if not (address is not None or m.o0 >= 0 or inlined or raw_sym):
        return 1 if m.q0 >= 0 else 0
    file = line = None
    if len(rest) > 0 and not rest.startswith(_NO_FILE_STARTS):
        fm = _TRACE_FILE_LINE.match(" " + rest)
        if fm is not None:
            file, line = fm.group(1), int(fm.group(2))
    if raw_sym:
        if address is None:
            address = _hexint(kind, data, m.s0 + 2, m.s1)
        sym = None
    else:
        sym = t[m.s0:m.s1]
    cdef bint reliable = m.q0 < 0 and not m.paren
    if reliable:
        for u in _UNRELIABLE_MARKS:
            if u in rest:
                reliable = False
                break
    return (address, sym,
            _hexint(kind, data, m.o0, m.o1) if m.o0 >= 0 else None,
            _hexint(kind, data, m.z0, m.z1) if m.z0 >= 0 else None,
            t[m.m0:m.m1] if m.m0 >= 0 else None, file, line, inlined, reliable,
            m.q0 >= 0, m.sp0 >= 0, m.a1 - m.a0 if m.a0 >= 0 else 0)


def read_trace(t):
    """parse._read_trace_line's answer as this module reads it; for tests."""
    return _read_trace(t)


def with_continuations(lines, all_lines, start, end):
    """parse._with_continuations_py (the same list), compiled: the range's lines read
    through their slots."""
    lo, hi = max(start, 1), min(end, len(all_lines))
    cdef list cand = None
    cdef Py_ssize_t k, a, b
    cdef PyObject* ts
    cdef PyObject* tag
    if type(all_lines) is list and type(lo) is int and type(hi) is int and _LINE_TYPE != NULL:
        cand = []
        if hi >= lo:  # (otherwise no line number fits)
            a, b = lo - 1, hi
            for k in range(a, b):
                line = (<list>all_lines)[k]
                if Py_TYPE(line) != _LINE_TYPE:
                    cand = None
                    break
                ts, tag = _slot(line, _OFF_TS), _slot(line, _OFF_TAG)
                if ts == NULL or tag == NULL:
                    cand = None
                    break
                if <object>ts is None and <object>tag is None and lo <= _line_no(line) <= hi:
                    cand.append(line)
    if cand is None:
        cand = [line for line in all_lines[lo - 1:hi]
                if line.ts is None and line.tag is None and lo <= line.no <= hi]
    if cand:
        kept = {line.no for line in lines}
        cand = [line for line in cand if line.no not in kept]
    if not cand:
        return list(lines)
    merged = [(line, False) for line in lines] + [(line, True) for line in cand]
    merged.sort(key=_line_no_of_pair)
    return merged


def _line_no_of_pair(p):
    return p[0].no


def trace_groups(t):
    """TRACE_LINE's groups on t as the C matcher reads them (None: no match); for tests."""
    return _trace_match(t)


def register_pairs(t):
    """REGISTER_PAIR.findall(t) as the C scanner reads it; for tests."""
    cdef int kind = PyUnicode_KIND(t)
    cdef void* data = PyUnicode_DATA(t)
    cdef Py_ssize_t n = len(t), i = 0, e, ne, vs, ve, skip
    out = []
    while i < n:
        e = _pair_at(kind, data, n, i, &ne, &vs, &ve, &skip)
        if e < 0:
            i = skip
            continue
        out.append((t[i:ne], t[vs:ve]))
        i = e
    return out


cdef object _M64 = 0xFFFFFFFFFFFFFFFF
cdef object _2_63 = 1 << 63
cdef object _2_64 = 1 << 64


cdef inline unsigned int _hexval4(int kind, void* data):
    return ((<unsigned int>_hexval(PyUnicode_READ(kind, data, 0)) << 12)
            | (<unsigned int>_hexval(PyUnicode_READ(kind, data, 1)) << 8)
            | (<unsigned int>_hexval(PyUnicode_READ(kind, data, 2)) << 4)
            | <unsigned int>_hexval(PyUnicode_READ(kind, data, 3)))
cdef dict _CONTEXT_ENTRIES = F.CONTEXT_ENTRIES
cdef dict _ARCH_INFO = F.ARCH_INFO
from crashpipe.model import StackDump as _StackDump
# (bytes, faulting instruction) per distinct (Code: text, byte order, Thumb, arch); see Extractor._code
cdef dict _CODE_MEMO = {}
cdef tuple _NO_CODE = (None,)


cdef inline bint _same_function(f, loc) except -1:
    """parse._same_function."""
    if f.symbol is None and loc.symbol is None:
        return f.address is not None and f.address == loc.address
    return f.symbol is not None and f.symbol == loc.symbol


# ---------------------------------------------------------- pc / lr lines in C
# The PC_LINES table `_read_pc` reads in C for its common shapes (while the table holds
# exactly the patterns below); every other line, and a line none of the C shapes match,
# goes to parse._read_pc_line.
_SYMBOLIC_PATTERN = (r"([A-Za-z_.$][A-Za-z0-9_.$@\-]{0,254})\+0x([0-9a-f]{1,16})/0x([0-9a-f]{1,16})"
                     r"(?: \[([A-Za-z0-9_\-]{1,64})(?: [0-9a-f]{1,64})?\])?")
_PC_PATTERNS = [
    (r"[RE]IP: (?:[0-9a-f]{4}:)?(?:\[<([0-9a-f]{1,16})>\] +(?:\[<[0-9a-f]{1,16}>\] +)?)?" + _SYMBOLIC_PATTERN, "pc"),
    (r"[RE]IP: (?:[0-9a-f]{4}:)?\[<([0-9a-f]{1,16})>\]()()()()", "pc"),
    (r"[RE]IP: (?:[0-9a-f]{4}:)?()0x([0-9a-f]{1,16})$()()()", "pcraw"),
    (r"[RE]IP is at ()" + _SYMBOLIC_PATTERN, "pc"),
    (r"[RE]IP:? +\[<([0-9a-f]{1,16})>\] " + _SYMBOLIC_PATTERN, "pc"),
    (r"PC is at ()" + _SYMBOLIC_PATTERN, "pc"),
    (r"PC is at ()0x([0-9a-f]{1,16})$()()()", "pcraw"),
    (r"LR is at ()" + _SYMBOLIC_PATTERN, "lr"),
    (r"(?:pc|epc) ?: ()" + _SYMBOLIC_PATTERN, "pc"),
    (r"(?:pc|epc) ?: ()0x([0-9a-f]{1,16})$()()()", "pcraw"),
    (r"(?:lr|ra) ?: ()" + _SYMBOLIC_PATTERN, "lr"),
    (r"epc +: ([0-9a-f]{8,16}) " + _SYMBOLIC_PATTERN, "pc"),
    (r"ra +: ([0-9a-f]{8,16}) " + _SYMBOLIC_PATTERN, "lr"),
    (r"NIP \[([0-9a-f]{1,16})\] " + _SYMBOLIC_PATTERN, "pc"),
    (r"LR \[([0-9a-f]{1,16})\] " + _SYMBOLIC_PATTERN, "lr"),
    (r"--- interrupt: [0-9a-f]{1,4} at ()" + _SYMBOLIC_PATTERN, "pc"),
    (r"Krnl PSW : [0-9a-f]{8,16} ([0-9a-f]{8,16}) \(" + _SYMBOLIC_PATTERN, "pc"),
]
cdef bint _C_PC = False


@cython.boundscheck(False)
@cython.wraparound(False)
cdef Py_ssize_t _symbolic_f(const uchar* d, Py_ssize_t n, Py_ssize_t i, Py_ssize_t* g) noexcept nogil:
    """SYMBOLIC matched at i (no end anchor): the index after it, or -1; g[0:8] the bounds
    of symbol, offset, size, module (module -1 when absent).  The symbol must be followed
    by "+0x" and the offset by "/0x", which neither run's characters include, so both are
    whole runs; the size takes up to 16 digits; the optional module is taken when it
    matches whole (as the trace line's)."""
    cdef Py_ssize_t j, r, r2
    cdef unsigned int c
    g[6] = g[7] = -1
    if not _is_symstart(_chf(d, n, i)):
        return -1
    j = i + 1
    while j < n and _is_symch(d[j]):
        j += 1
    if j - i > 255 or not (_chf(d, n, j) == 43 and _chf(d, n, j + 1) == 48 and _chf(d, n, j + 2) == 120):
        return -1
    g[0], g[1] = i, j
    r = _run_lhex_f(d, n, j + 3)
    if not (1 <= r - (j + 3) <= 16 and _chf(d, n, r) == 47 and _chf(d, n, r + 1) == 48 and _chf(d, n, r + 2) == 120):
        return -1
    g[2], g[3] = j + 3, r
    r2 = _run_lhex_f(d, n, r + 3)
    if r2 - (r + 3) < 1:
        return -1
    if r2 - (r + 3) > 16:
        r2 = r + 3 + 16
    g[4], g[5] = r + 3, r2
    i = r2
    if _chf(d, n, i) == 32 and _chf(d, n, i + 1) == 91:  # " [module( hex)?]"
        j = i + 2
        r = j
        while r < n and _is_modch(d[r]):
            r += 1
        if 1 <= r - j <= 64:
            c = _chf(d, n, r)
            if c == 93:
                g[6], g[7] = j, r
                i = r + 1
            elif c == 32:
                r2 = _run_lhex_f(d, n, r + 1)
                if 1 <= r2 - (r + 1) <= 64 and _chf(d, n, r2) == 93:
                    g[6], g[7] = j, r
                    i = r2 + 1
    return i


cdef inline bint _lit(const uchar* d, Py_ssize_t n, Py_ssize_t i, const char* s, Py_ssize_t m) noexcept nogil:
    """d[i:i+m] == s (ASCII)."""
    cdef Py_ssize_t k
    if i + m > n:
        return False
    for k in range(m):
        if d[i + k] != <unsigned char>s[k]:
            return False
    return True


@cython.boundscheck(False)
@cython.wraparound(False)
cdef int _pc_shape_f(const uchar* d, Py_ssize_t n, Py_ssize_t* g) noexcept nogil:
    """The PC_LINES entry (0, 1, 3, 5, 7, 8, 10, 13, 14, 15 or 16) that matches t first, read
    in C: its index, g[0:2] the raw address (-1: none) and g[2:10] SYMBOLIC's bounds; -1
    when none of these shapes matches (the table then decides), -2 when no entry at all
    can match.  Each is the first entry of the table that can match a line starting as it
    does (the entries before it need other first characters or literals)."""
    cdef Py_ssize_t i, r, r2, seg
    cdef bint ok
    cdef unsigned int c0 = _chf(d, n, 0)
    g[0] = g[1] = -1
    if (c0 == 82 or c0 == 69) and _lit(d, n, 1, b"IP", 2):  # [RE]IP
        if _lit(d, n, 3, b": ", 2):  # entry 0
            i = 5
            if (_is_lhex(_chf(d, n, i)) and _is_lhex(_chf(d, n, i + 1)) and _is_lhex(_chf(d, n, i + 2))
                    and _is_lhex(_chf(d, n, i + 3)) and _chf(d, n, i + 4) == 58):
                i += 5
            seg = i  # (entry 1 starts here as well)
            ok = True
            if _lit(d, n, i, b"[<", 2):
                r = _run_lhex_f(d, n, i + 2)
                ok = 1 <= r - (i + 2) <= 16 and _chf(d, n, r) == 62 and _lit(d, n, r + 1, b"] ", 2)
                if ok:
                    g[0], g[1] = i + 2, r
                    i = r + 2
                    while _chf(d, n, i) == 32:
                        i += 1
                    if _lit(d, n, i, b"[<", 2):
                        r = _run_lhex_f(d, n, i + 2)
                        ok = 1 <= r - (i + 2) <= 16 and _chf(d, n, r) == 62 and _lit(d, n, r + 1, b"] ", 2)
                        i = r + 2
                        while _chf(d, n, i) == 32:
                            i += 1
            if ok and _symbolic_f(d, n, i, g + 2) >= 0:
                return 0
            # entry 1: "[RE]IP: (xxxx:)?[<a>]" with no end anchor (entry 0 failed)
            if _lit(d, n, seg, b"[<", 2):
                r = _run_lhex_f(d, n, seg + 2)
                if 1 <= r - (seg + 2) <= 16 and _chf(d, n, r) == 62 and _chf(d, n, r + 1) == 93:
                    g[0], g[1] = seg + 2, r
                    return 1
            return -1
        if _lit(d, n, 3, b" is at ", 7):  # entry 3
            return 3 if _symbolic_f(d, n, 10, g + 2) >= 0 else -1
        return -1
    if _lit(d, n, 0, b"PC is at ", 9):
        return 5 if _symbolic_f(d, n, 9, g + 2) >= 0 else -1
    if _lit(d, n, 0, b"LR is at ", 9):
        return 7 if _symbolic_f(d, n, 9, g + 2) >= 0 else -1
    if c0 == 112:  # "p": only entries 8 and 9 ("pc ?: ") can match
        if not _lit(d, n, 0, b"pc", 2):
            return -2
        i = 3 if _chf(d, n, 2) == 32 else 2
        if not _lit(d, n, i, b": ", 2):
            return -2
        return 8 if _symbolic_f(d, n, i + 2, g + 2) >= 0 else -1
    if c0 == 108:  # "l": only entry 10 ("lr ?: " SYMBOLIC) can match
        if not _lit(d, n, 0, b"lr", 2):
            return -2
        i = 3 if _chf(d, n, 2) == 32 else 2
        if not _lit(d, n, i, b": ", 2):
            return -2
        return 10 if _symbolic_f(d, n, i + 2, g + 2) >= 0 else -2
    if _lit(d, n, 0, b"epc", 3) or _lit(d, n, 0, b"ra", 2):  # entries 8 and 10 (epc, ra)
        i = 3 if c0 == 101 else 2
        if _chf(d, n, i) == 32:
            i += 1
        if not _lit(d, n, i, b": ", 2):
            return -1
        if _symbolic_f(d, n, i + 2, g + 2) < 0:
            return -1
        return 8 if c0 == 101 else 10
    if _lit(d, n, 0, b"NIP [", 5) or _lit(d, n, 0, b"LR [", 4):  # entries 13, 14
        i = 5 if c0 == 78 else 4
        r = _run_lhex_f(d, n, i)
        if not (1 <= r - i <= 16 and _lit(d, n, r, b"] ", 2)):
            return -1
        g[0], g[1] = i, r
        if _symbolic_f(d, n, r + 2, g + 2) < 0:
            return -1
        return 13 if c0 == 78 else 14
    if _lit(d, n, 0, b"--- interrupt: ", 15):  # entry 15
        r = _run_lhex_f(d, n, 15)
        if not (1 <= r - 15 <= 4 and _lit(d, n, r, b" at ", 4)):
            return -1
        return 15 if _symbolic_f(d, n, r + 4, g + 2) >= 0 else -1
    if _lit(d, n, 0, b"Krnl PSW : ", 11):  # entry 16
        r = _run_lhex_f(d, n, 11)
        if not (8 <= r - 11 <= 16 and _chf(d, n, r) == 32):
            return -1
        r2 = _run_lhex_f(d, n, r + 1)
        if not (8 <= r2 - (r + 1) <= 16 and _lit(d, n, r2, b" (", 2)):
            return -1
        g[0], g[1] = r + 1, r2
        return 16 if _symbolic_f(d, n, r2 + 2, g + 2) >= 0 else -1
    return -1


cdef tuple _PC_ROLES = ()


cdef object _read_pc(str t):
    """parse._read_pc_line, its common shapes read in C."""
    cdef Py_ssize_t g[10]
    cdef int e
    cdef int kind = PyUnicode_KIND(t)
    cdef void* data = PyUnicode_DATA(t)
    cdef Py_ssize_t n = len(t)
    cdef unsigned int c
    if not _C_PC:
        return _read_pc_line(t)
    if kind == 1:
        e = _pc_shape_f(<const unsigned char*>data, n, g)
    elif kind == 2:
        e = _pc_shape_f(<const unsigned short*>data, n, g)
    else:
        e = _pc_shape_f(<const unsigned int*>data, n, g)
    if e == -2:
        return None  # (no entry of the table can match a line starting so)
    if e < 0:
        return _read_pc_line(t)
    # parse._user_segment: x86 user-mode code segments have the low two bits set (RPL 3)
    user = False
    if n > 9 and PyUnicode_READ(kind, data, 4) == 32 and PyUnicode_READ(kind, data, 9) == 58:
        if (_hexval(PyUnicode_READ(kind, data, 5)) >= 0 and _hexval(PyUnicode_READ(kind, data, 6)) >= 0
                and _hexval(PyUnicode_READ(kind, data, 7)) >= 0 and _hexval(PyUnicode_READ(kind, data, 8)) >= 0):
            user = _hexval(PyUnicode_READ(kind, data, 8)) & 3 == 3
        else:
            user = _user_segment(t)
    if e == 1:  # an address only
        return (_PC_ROLES[e], _hexint(kind, data, g[0], g[1]), None, None, None, None, user)
    return (_PC_ROLES[e], _hexint(kind, data, g[0], g[1]) if g[0] >= 0 else None, t[g[2]:g[3]],
            _hexint(kind, data, g[4], g[5]), _hexint(kind, data, g[6], g[7]),
            t[g[8]:g[9]] if g[8] >= 0 else None, user)


def read_pc(t):
    """parse._read_pc_line's answer as this module reads it; for tests."""
    return _read_pc(t)


# ---------------------------------------------------------------- CPU line in C
_CPU_PATTERN = (r"CPU: ?([0-9]{1,5})(?: UID: [0-9]{1,10})? PID: ?([0-9]{1,10}) Comm: (.{1,64}?) "
                r"(Not tainted|Tainted: )(.*)$")
cdef bint _C_CPU = False


cdef inline bint _lit_at(int kind, void* data, Py_ssize_t n, Py_ssize_t i, const char* s, Py_ssize_t m):
    cdef Py_ssize_t k
    if i + m > n:
        return False
    for k in range(m):
        if PyUnicode_READ(kind, data, i + k) != <unsigned char>s[k]:
            return False
    return True


cdef inline Py_ssize_t _run_digits(int kind, void* data, Py_ssize_t n, Py_ssize_t i):
    cdef unsigned int c
    while i < n:
        c = PyUnicode_READ(kind, data, i)
        if c < 48 or c > 57:
            break
        i += 1
    return i


cdef object _cpu_match(str t):
    """CPU_LINE.match(t).groups(), or None.  Every piece before the command name is a
    literal or a whole digit run followed by a space (so taken whole or the line does not
    match); the command name is the shortest (1-64 characters) after which " Not tainted"
    or " Tainted: " follows.  (A line holding "\n" goes to the regex.)"""
    cdef int kind = PyUnicode_KIND(t)
    cdef void* data = PyUnicode_DATA(t)
    cdef Py_ssize_t n = len(t), i, r, c0, c1, p0, p1, s, k
    for k in range(n):
        if PyUnicode_READ(kind, data, k) == 10:
            m = _CPU_LINE.match(t)
            return None if m is None else m.groups()
    if not _lit_at(kind, data, n, 0, b"CPU:", 4):
        return None
    i = 4
    if i < n and PyUnicode_READ(kind, data, i) == 32:
        i += 1
    r = _run_digits(kind, data, n, i)
    if not (1 <= r - i <= 5):
        return None
    c0, c1 = i, r
    i = r
    if _lit_at(kind, data, n, i, b" UID: ", 6):
        r = _run_digits(kind, data, n, i + 6)
        if not (1 <= r - (i + 6) <= 10):
            return None
        i = r
    if not _lit_at(kind, data, n, i, b" PID:", 5):
        return None
    i += 5
    if i < n and PyUnicode_READ(kind, data, i) == 32:
        i += 1
    r = _run_digits(kind, data, n, i)
    if not (1 <= r - i <= 10):
        return None
    p0, p1 = i, r
    if not _lit_at(kind, data, n, r, b" Comm: ", 7):
        return None
    s = r + 7
    for k in range(s + 1, min(s + 64, n) + 1):
        if _lit_at(kind, data, n, k, b" Not tainted", 12):
            return (t[c0:c1], t[p0:p1], t[s:k], "Not tainted", t[k + 12:])
        if _lit_at(kind, data, n, k, b" Tainted: ", 10):
            return (t[c0:c1], t[p0:p1], t[s:k], "Tainted: ", t[k + 10:])
    return None


def cpu_groups(t):
    """CPU_LINE's groups on t as the C matcher reads them (None: no match); for tests."""
    return _cpu_match(t)


# ------------------------------------------------------------------ task lines
cdef bint _C_TASK = False


cdef object _read_task(str t):
    """parse._read_task_line.  The first entry ("WARNING: CPU: n PID: n ") is read in C;
    a line starting with [EeRr] can match only the entry "[EeRr]IP: xxxx:[<" (the others
    need other first characters): without that prefix, None without the regexes (RIP/EIP
    lines are the common case)."""
    cdef int kind = PyUnicode_KIND(t)
    cdef void* data = PyUnicode_DATA(t)
    cdef Py_ssize_t n = len(t), k
    cdef unsigned int c
    cdef Py_ssize_t r, r2
    if _C_TASK and _lit_at(kind, data, n, 0, b"WARNING: CPU: ", 14):
        # the first entry, "WARNING: CPU: (cpu) PID: (pid) ": both digit runs whole
        r = _run_digits(kind, data, n, 14)
        if 1 <= r - 14 <= 5 and _lit_at(kind, data, n, r, b" PID: ", 6):
            r2 = _run_digits(kind, data, n, r + 6)
            if 1 <= r2 - (r + 6) <= 10 and _lit_at(kind, data, n, r2, b" ", 1):
                return (int(t[14:r]), int(t[r + 6:r2]), None)
    if _C_TASK and n > 0:
        c = PyUnicode_READ(kind, data, 0)
        if c == 69 or c == 101 or c == 82 or c == 114:  # E e R r
            if not (_lit_at(kind, data, n, 1, b"IP: ", 4) and _lit_at(kind, data, n, 9, b":[<", 3)):
                return None
            for k in range(5, 9):
                if not _is_lhex(PyUnicode_READ(kind, data, k)):
                    return None
    return _read_task_line(t)


# ------------------------------------------------------- arm "from" lines in C
# The ARM_FROM_LINE pattern `_from_match` implements; with any other table pattern the
# regex runs instead.  ("\n" is no special case: only the final "\s*$" can take one, and
# the trailing-blank scan below answers as "\s*$" does.)
_FROM_PATTERN = (
    r"(?:\[<([0-9a-f]{1,16})>\] \()?"
    r"([A-Za-z_.$][A-Za-z0-9_.$@\-]{0,254}|0x[0-9a-f]{1,16})"
    r"(?:\+0x([0-9a-f]{1,16})/0x([0-9a-f]{1,16}))?"
    r"(?: \[([A-Za-z0-9_\-]{1,64})\])?\)? from "
    r"(?:\[<([0-9a-f]{1,16})>\] \()?"
    r"([A-Za-z_.$][A-Za-z0-9_.$@\-]{0,254}|0x[0-9a-f]{1,16})"
    r"(?:\+0x([0-9a-f]{1,16})/0x([0-9a-f]{1,16}))?"
    r"(?: \[([A-Za-z0-9_\-]{1,64})\])?\)?\s*$"
)
cdef bint _C_FROM = False


@cython.boundscheck(False)
@cython.wraparound(False)
cdef Py_ssize_t _from_loc_f(const uchar* d, Py_ssize_t n, Py_ssize_t i, Py_ssize_t* g) noexcept nogil:
    """One location of ARM_FROM_LINE at i ("[<a>] (" , symbol, "+0xo/0xs", " [m]", ")"):
    the index after it, or -1; g[0:10] its groups' bounds (-1: not taking part).

    Whatever follows a location ("+", " [", ")", " from ", or blanks to the end) cannot
    continue the piece before it, so each optional piece that starts is taken whole or
    the line does not match, and the symbol is its whole run of symbol characters."""
    cdef Py_ssize_t j, r, r2
    cdef unsigned int c
    g[0] = g[1] = g[4] = g[5] = g[6] = g[7] = g[8] = g[9] = -1
    if _chf(d, n, i) == 91:  # "[<" hex ">] ("
        if _chf(d, n, i + 1) != 60:
            return -1
        r = _run_lhex_f(d, n, i + 2)
        if not (1 <= r - (i + 2) <= 16 and _chf(d, n, r) == 62 and _chf(d, n, r + 1) == 93
                and _chf(d, n, r + 2) == 32 and _chf(d, n, r + 3) == 40):
            return -1
        g[0], g[1] = i + 2, r
        i = r + 4
    c = _chf(d, n, i)
    if _is_symstart(c):
        j = i + 1
        while j < n and _is_symch(d[j]):
            j += 1
        if j - i > 255:
            return -1
    elif c == 48 and _chf(d, n, i + 1) == 120:  # 0x
        j = _run_lhex_f(d, n, i + 2)
        if not (1 <= j - (i + 2) <= 16):
            return -1
    else:
        return -1
    g[2], g[3] = i, j
    i = j
    if _chf(d, n, i) == 43:  # "+0x" hex "/0x" hex
        if not (_chf(d, n, i + 1) == 48 and _chf(d, n, i + 2) == 120):
            return -1
        r = _run_lhex_f(d, n, i + 3)
        if not (1 <= r - (i + 3) <= 16 and _chf(d, n, r) == 47 and _chf(d, n, r + 1) == 48
                and _chf(d, n, r + 2) == 120):
            return -1
        r2 = _run_lhex_f(d, n, r + 3)
        if not (1 <= r2 - (r + 3) <= 16):
            return -1
        g[4], g[5], g[6], g[7] = i + 3, r, r + 3, r2
        i = r2
    if _chf(d, n, i) == 32 and _chf(d, n, i + 1) == 91:  # " [" module "]"
        r = i + 2
        while r < n and _is_modch(d[r]):
            r += 1
        if not (1 <= r - (i + 2) <= 64 and _chf(d, n, r) == 93):
            return -1
        g[8], g[9] = i + 2, r
        i = r + 1
    if _chf(d, n, i) == 41:  # )
        i += 1
    return i


cdef bint _from_scan(str t, Py_ssize_t* g):
    """ARM_FROM_LINE.match(t) into g[0:20] (group bounds), in C."""
    cdef int kind = PyUnicode_KIND(t)
    cdef void* data = PyUnicode_DATA(t)
    cdef Py_ssize_t n = len(t), i, j
    if kind == 1:
        i = _from_loc_f(<const unsigned char*>data, n, 0, g)
    elif kind == 2:
        i = _from_loc_f(<const unsigned short*>data, n, 0, g)
    else:
        i = _from_loc_f(<const unsigned int*>data, n, 0, g)
    if i < 0 or i + 6 > n:
        return False
    for j in range(6):
        if PyUnicode_READ(kind, data, i + j) != <unsigned int>(b" from "[j]):
            return False
    if kind == 1:
        i = _from_loc_f(<const unsigned char*>data, n, i + 6, g + 10)
    elif kind == 2:
        i = _from_loc_f(<const unsigned short*>data, n, i + 6, g + 10)
    else:
        i = _from_loc_f(<const unsigned int*>data, n, i + 6, g + 10)
    if i < 0:
        return False
    while i < n:
        if not Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)):
            return False
        i += 1
    return True


cdef object _from_match(str t):
    """ARM_FROM_LINE.match(t).groups(), or None when it does not match."""
    cdef Py_ssize_t g[20]
    cdef int k
    if not _from_scan(t, g):
        return None
    return tuple([t[g[2 * k]:g[2 * k + 1]] if g[2 * k] >= 0 else None for k in range(10)])


def compiled_matchers():
    """Which table patterns the C matchers stand in for (False: the regex runs); for tests."""
    return {"TRACE_LINE": _C_TRACE, "ARM_FROM_LINE": _C_FROM, "CPU_LINE": _C_CPU, "TASK_LINES": _C_TASK, "PC_LINES": _C_PC, "REGISTER_PAIR": _C_PAIRS, "HEXDUMP_ROW": _C_HEXROW,
            "REGISTER_NAMES": _RN_OK, "Line": _LINE_TYPE != NULL, "Report": _REPORT_TEMPLATE is not None}


def from_groups(t):
    """ARM_FROM_LINE's groups on t as the C matcher reads them (None: no match); for tests."""
    return _from_match(t)


cdef inline object _from_groups(str t):
    """parse._arm_from_groups: its memo, a miss read in C (the regex where the table's
    pattern is not the one implemented here)."""
    got = _FROM_CACHE.get(t, _MISSING)
    if got is _MISSING:
        if not _C_FROM:
            return _arm_from_groups(t)
        return _keep(_FROM_CACHE, t, _from_match(t), len(t))
    return got


cdef inline bint _is_from_line(str t) except -1:
    """`" from " in t and _from_groups(t) is not None`: whether t is an arm "from" line."""
    cdef Py_ssize_t g[20]
    if not _C_FROM:
        return " from " in t and _from_groups(t) is not None
    return _from_scan(t, g)


def extract_fields(rep, lines, banner=(None, None), cut_line=None):
    """parse._extract_fields_py with this module's Extractor."""
    cdef Extractor ex = Extractor(rep)
    inside = ex.feed(lines, cut_line)
    cut = ex.finish()
    if inside:
        cut = f"{_MID_LINE} inside the {inside}"
    ex.complete(banner)
    return cut


# ------------------------------------------------------------- one report
# A new Report is its class's defaults (a template dict copied, the containers the
# dataclass makes per instance made afresh) with the three values set: the same instance
# dict, in the same field order, as Report(source=, source_line=, end_line=) - checked at
# bind time, else the constructor runs.
cdef object _Report = None
cdef dict _REPORT_TEMPLATE = None
cdef tuple _REPORT_FRESH = ()  # (name, 0 list / 1 dict / factory)


cdef _bind_report(cls):
    global _Report, _REPORT_TEMPLATE, _REPORT_FRESH
    import dataclasses
    _Report, _REPORT_TEMPLATE = cls, None
    try:
        want = cls(source="s", source_line=1, end_line=2)
        fresh = []
        for f in dataclasses.fields(cls):
            if f.default_factory is not dataclasses.MISSING:
                fresh.append((f.name, 0 if f.default_factory is list else 1 if f.default_factory is dict
                              else f.default_factory))
        _REPORT_FRESH = tuple(fresh)
        _REPORT_TEMPLATE = dict(vars(cls())) if cls.__new__ is object.__new__ else None
        got = _new_report("s", 1, 2)
        if type(got) is not cls or list(vars(got).items()) != list(vars(want).items()):
            _REPORT_TEMPLATE = None
    except Exception:
        _REPORT_TEMPLATE = None


cdef object _new_report(source, source_line, end_line):
    """Report(source=source, source_line=source_line, end_line=end_line)."""
    if _REPORT_TEMPLATE is None:
        return _Report(source=source, source_line=source_line, end_line=end_line)
    cdef dict d = _REPORT_TEMPLATE.copy()
    d["source"] = source
    d["source_line"] = source_line
    d["end_line"] = end_line
    for name, how in _REPORT_FRESH:
        d[name] = [] if how is 0 else {} if how is 1 else how()
    rep = (<_FullType*>_Report).tp_new(<type>_Report, <PyObject*>_NO_ARGS, NULL)  # object.__new__(Report)
    rep.__dict__ = d
    return rep


def parse_span(span, all_lines, source, ctx):
    """parse._parse_span_py, compiled (the same steps; parse's functions looked up in its
    module at each call, so that what patches them there is seen here too)."""
    P = _P
    start = getattr(span, "start_line", 1)
    rep = _new_report(source, start, getattr(span, "end_line", start))
    try:
        lines = list(span.lines)
        rep.text = P._span_text(lines)
    except Exception as e:
        rep.corrupted, rep.corrupted_reason = True, f"parser-error: span: {type(e).__name__}: {e}"
        return rep
    try:
        info = P.title_for(span, all_lines)
        rep.title, rep.alt_titles, rep.kind = info.title, list(info.alt_titles), info.kind
        rep.corrupted, rep.corrupted_reason = bool(info.corrupted), info.corrupted_reason
    except Exception as e:
        rep.corrupted, rep.corrupted_reason = True, f"parser-error: title: {type(e).__name__}: {e}"
    try:
        if ctx is not None:
            banner = _Banner(ctx, start)
            cut_line = all_lines[-1].no if ctx.cut_mid_line and all_lines else None
        else:
            banner = _LateBanner(all_lines, start)
            cut_line = None
        cut = P.extract_fields(rep, P._with_continuations(lines, all_lines, start, rep.end_line), banner, cut_line)
        if cut and cut.startswith(_MID_LINE):
            rep.corrupted = True
            rep.corrupted_reason = rep.corrupted_reason or cut
        elif cut and rep.corrupted and not rep.corrupted_reason and rep.end_line >= P._last_text_line(all_lines):
            rep.corrupted_reason = cut
    except Exception as e:
        rep.corrupted = True
        rep.corrupted_reason = f"parser-error: fields: {type(e).__name__}: {e}"
    return rep


cdef str _MID_LINE = None  # parse._MID_LINE (bound by init)


@cython.final
cdef class _Banner:
    """ctx.before(start), called only when asked (parse._parse_span_py's partial)."""
    cdef object ctx, start

    def __init__(self, ctx, start):
        self.ctx, self.start = ctx, start

    def __call__(self):
        return self.ctx.before(self.start)


@cython.final
cdef class _LateBanner:
    """The banner before `start` read from the lines before it (parse_span without a log
    context; parse._parse_span_py's lambda)."""
    cdef object lines, start

    def __init__(self, lines, start):
        self.lines, self.start = lines, start

    def __call__(self):
        return _P._LogContext(self.lines[:max(self.start - 1, 0)]).before(self.start)


# -------------------------------------------------------------- Code: bytes
cdef object _byte_dump(str text):
    """crashpipe.code.parse_code(text, any byte order) for the common dump (x86): 1-256
    whitespace-separated tokens, each 2 hex digits, at most one of them marked "<hh>" or
    "(hh)": (bytes, index of the marked byte or None); None for any other text (parse_code
    decides).  (Such a dump is bytes whatever the byte order, and never Thumb.)"""
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t n = len(text), i = 0, a, nb = 0, fault = -1
    cdef unsigned char buf[256]
    cdef int hi, lo
    cdef unsigned int c0, c3
    while True:
        while i < n and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)):
            i += 1
        if i >= n:
            break
        a = i
        while i < n and not Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)):
            i += 1
        if nb >= 256:
            return None
        if i - a == 2:
            hi, lo = _hexval(PyUnicode_READ(kind, data, a)), _hexval(PyUnicode_READ(kind, data, a + 1))
        elif i - a == 4 and fault < 0:
            c0, c3 = PyUnicode_READ(kind, data, a), PyUnicode_READ(kind, data, a + 3)
            if not ((c0 == 60 and c3 == 62) or (c0 == 40 and c3 == 41)):  # <> ()
                return None
            hi, lo = _hexval(PyUnicode_READ(kind, data, a + 1)), _hexval(PyUnicode_READ(kind, data, a + 2))
            fault = nb
        else:
            return None
        if hi < 0 or lo < 0:
            return None
        buf[nb] = <unsigned char>((hi << 4) | lo)
        nb += 1
    if nb == 0:
        return None
    return ((<char*>buf)[:nb], fault if fault >= 0 else None)


def read_task(t):
    """parse._read_task_line's answer as this module reads it; for tests."""
    return _read_task(t)


def byte_dump(text):
    """_byte_dump, for tests."""
    return _byte_dump(text)


# ------------------------------------------------------------------ extractor
@cython.final
cdef class Extractor:
    """crashpipe.parse._Extractor, compiled (same attributes, same answers)."""

    cdef public object rep
    cdef public dict regs
    cdef public bint regs_frozen
    cdef public object pc, lr
    cdef public object arch_hint, shape_hint
    cdef public Py_ssize_t addr_width
    cdef public bint in_trace, trace_done
    cdef public Py_ssize_t section_frames
    cdef public list frames
    cdef public list ctx
    cdef public object arm_pending
    cdef public bint stop_trace, saw_marker
    cdef public object hexdump, wordstack
    cdef public list _pending_wordstacks
    cdef public object code_text, code_rows, code_kind, code_rows_done
    cdef public bint thumb
    cdef public object s390_gprs
    cdef public bint ppc_le, modules_open, fault_pf

    def __init__(self, rep):
        if not _bound:
            raise RuntimeError("crashpipe._extract used before crashpipe.parse bound it")
        self.rep = rep
        self.regs = {}
        self.regs_frozen = False
        self.pc = None
        self.lr = None
        self.arch_hint = None
        self.shape_hint = None
        self.addr_width = 0
        self.in_trace = False
        self.trace_done = False
        self.section_frames = 0
        self.frames = []
        self.ctx = ["task"]
        self.arm_pending = None
        self.stop_trace = False
        self.saw_marker = False
        self.hexdump = None
        self.wordstack = None
        self._pending_wordstacks = []
        self.code_text = None
        self.code_rows = None
        self.code_kind = None
        self.code_rows_done = None
        self.thumb = False
        self.s390_gprs = None
        self.ppc_le = False
        self.modules_open = False
        self.fault_pf = False

    # ------------------------------------------------------------ the loop
    def feed(self, lines, cut_line):
        """Read every line (see parse._Extractor.feed); returns the block open at the cut line."""
        cdef list items = lines if type(lines) is list else list(lines)
        cdef Py_ssize_t end = len(items), k
        while end > 0:
            item = items[end - 1]
            if _line_text(item[0] if isinstance(item, tuple) else item).strip():
                break
            end -= 1
        inside = None
        cdef bint check = cut_line is not None
        for k in range(end):
            item = items[k]
            if isinstance(item, tuple):
                line, aux = item
            else:
                line, aux = item, False
            if check and _line_no(line) == cut_line:
                inside = self._open_block()
                self.line(_line_text(line), aux)
                inside = inside or self._open_block()
            else:
                self.line(_line_text(line), aux)
        return inside

    # ------------------------------------------------- after the lines
    def complete(self, banner):
        """parse._Extractor.complete (with parse's _arch, _aliases, _fault_from_regs,
        _frames, _contexts_from_entries and _code compiled here)."""
        rep = self.rep
        if rep.kernel_release is None:
            banner = banner() if callable(banner) else banner
            rep.kernel_release = banner[0]
        rep.arch = self._arch()
        if rep.arch is None:
            rep.arch = (banner() if callable(banner) else banner)[1]
        self._aliases()
        if self._pending_wordstacks:  # (nothing to place otherwise: the reference only reads then)
            self._resolve_wordstacks()
        if rep.fault_address is None and self.fault_pf and "CR2" in rep.registers:
            rep.fault_address = rep.registers["CR2"]
        self._code()
        cdef list frames = self._frames()
        rep.frames = frames
        # frame numbers, and (parse._contexts_from_entries, for a trace printed without
        # context markers) whether it passes an entry function, in one pass
        cdef Py_ssize_t i
        cdef bint look = not self.saw_marker, entries = False
        for i in range(len(frames)):
            f = frames[i]
            f.frame_no = i
            if look and not entries and f.symbol in _CONTEXT_ENTRIES:
                entries = True
        if entries:
            ctx = "task"
            for f in reversed(frames):
                ctx = _CONTEXT_ENTRIES.get(f.symbol or "", ctx)
                f.context = ctx

    cdef object _arch(self):
        rep = self.rep
        hint = self.arch_hint
        width = self.addr_width or 0
        for v in self.regs.values():
            if v > 0xFFFFFFFF:
                width = 16
                break
        rel = rep.kernel_release
        if rel:
            by_release = _RELEASE_ARCH.get(rel, _MISSING) if type(rel) is str else _MISSING
            if by_release is _MISSING:
                by_release = _arch_by_release(rel)
        else:
            by_release = None
        if hint == "ppc":
            if by_release in ("ppc64", "ppc64le"):
                return "ppc64le" if self.ppc_le or by_release == "ppc64le" else "ppc64"
            if width == 16 or any(len(k) == 5 and k.startswith("GPR") and v > 0xFFFFFFFF for k, v in self.regs.items()):
                return "ppc64le" if self.ppc_le else "ppc64"
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
        if self.shape_hint == "arm64":
            return "arm64"
        if self.shape_hint == "arm":
            return "arm"
        if self.shape_hint == "x86" and self.addr_width:
            return "x86_64" if self.addr_width > 8 else "i386"
        if self.shape_hint == "ppc":
            return "ppc64" if self.addr_width > 8 else "ppc"
        hw = rep.hardware or ""
        by_hw = next((a for key, a in F.ARCH_BY_HARDWARE if key in hw), None)
        return by_hw

    cdef int _code(self) except -1:
        """parse._code, compiled: the same calls into crashpipe.code, the common case (one
        `Code:` line) answered from a memo of (bytes, faulting instruction) per distinct
        (text, byte order, Thumb, arch) - both are functions of those alone."""
        rep = self.rep
        arch = rep.arch
        info = _ARCH_INFO.get(arch or "") or {}
        little = info.get("little", True) if info else True
        c = None
        insn = None
        if self.code_text is not None:
            key = (self.code_text, little, self.thumb, arch)
            got = _CODE_MEMO.get(key)
            if got is None:
                dump = _byte_dump(self.code_text)
                if dump is not None:  # (crashpipe.code.parse_code's answer for that shape)
                    rep.code = dump[0]  # (set before decoding, as the reference does)
                    got = (dump[0], _codemod.instruction_at(dump[0], dump[1], self.thumb, arch))
                else:
                    c = _codemod.parse_code(self.code_text, little)
                    if c is None:
                        got = _NO_CODE
                    else:
                        if self.thumb:
                            c.thumb = True
                        rep.code = c.data
                        got = (c.data, _codemod.faulting_instruction(c, arch))
                _keep(_CODE_MEMO, key, got, len(self.code_text))
            if got is not _NO_CODE:
                rep.code, rep.faulting_instruction = got
            return 0
        if self.code_rows_done is not None:
            kind, rows = self.code_rows_done
            if kind == "s390":
                parsed = _codemod.parse_s390_code(rows)
                if parsed is not None:
                    c, insn = parsed
            else:
                c = _codemod.parse_code(" ".join(rows), little)
        if c is None:
            return 0
        rep.code = c.data
        rep.faulting_instruction = insn if insn is not None else _codemod.faulting_instruction(c, arch)
        return 0

    cdef int _aliases(self) except -1:
        """parse._aliases: the registers, their canonical aliases added, each value taken to
        64 bits (values already in range are kept as they are: the same numbers)."""
        rep = self.rep
        cdef dict regs = dict(self.regs)
        info = _ARCH_INFO.get(rep.arch or "")
        if info:
            for alias, names in (<dict>info["alias"]).items():
                name = None
                for n in ((names,) if isinstance(names, str) else names):
                    if n in regs:
                        name = n
                        break
                if alias not in regs and name is not None:
                    regs[alias] = regs[name]
        cdef bint wide = False
        for v in regs.values():
            if type(v) is not int:
                wide = True
                break
            try:
                PyLong_AsUnsignedLongLong(v)  # (0 <= v < 2**64, or OverflowError)
            except OverflowError:
                wide = True
                break
        if wide:
            regs = {k: v & _M64 for k, v in regs.items()}
        rep.registers = regs
        return 0

    cdef list _frames(self):
        """parse._frames (the first two non-inlined frames found by a scan, not lists)."""
        rep = self.rep
        cdef list frames = list(self.frames)
        cdef Py_ssize_t k, n, at
        pc, lr = self.pc, self.lr
        if pc is None and lr is None:
            return frames  # (nothing below applies)
        regs = rep.registers
        if pc is not None and pc.address is None and "pc" in regs:
            pc.address = regs["pc"]
        if lr is not None and lr.address is None and "lr" in regs:
            lr.address = regs["lr"]
        first = None
        n = len(frames)
        for k in range(n):
            f = frames[k]
            if not f.inlined:
                first = f
                break
        if pc is not None and (pc.symbol is not None or pc.address is not None):
            if first is not None and _same_function(first, pc) and (first.offset is None or first.offset == pc.offset):
                first.offset = first.offset if first.offset is not None else pc.offset
                first.size = first.size if first.size is not None else pc.size
                first.module = first.module or pc.module
                if first.address is None:
                    first.address = pc.address
            else:
                if first is not None and first.offset is None and lr is not None and _same_function(first, lr):
                    first.offset, first.size = lr.offset, lr.size
                    first.module = first.module or lr.module
                    if first.address is None:
                        first.address = lr.address
                frames.insert(0, _mkframe(0, pc.address, pc.symbol, pc.offset, pc.size, pc.module, None, None, False,
                                        True, "regs", frames[0].context if frames else "task"))
        if lr is not None and lr.symbol is not None and pc is not None and lr.symbol != pc.symbol:
            p0 = p1 = None
            at = 0
            n = len(frames)
            for k in range(n):
                f = frames[k]
                if not f.inlined:
                    if p0 is None:
                        p0 = f
                        at = k + 1
                    else:
                        p1 = f
                        break
            if p1 is None or p1.symbol != lr.symbol:
                frames.insert(at, _mkframe(0, lr.address, lr.symbol, lr.offset, lr.size, lr.module, None, None, False,
                                         True, "regs", p0.context if p0 is not None else "task"))
        return frames

    cdef object _open_block(self):
        return "call trace" if self.in_trace else "stack dump" if self.hexdump is not None else None

    # ------------------------------------------------------------ per line
    cpdef line(self, text, aux=False):
        cdef str t = _strip(text) if type(text) is str else text.strip()
        cdef int first = _first(t)
        if aux:
            if not t or self.modules_open and self._modules_more(t):
                return
            if self.s390_gprs is not None and self._s390_gprs_row(t, quiet=True):
                return
            if self.code_rows is not None and self._code_row(t, quiet=True):
                return
            if _sw(t, first, G_AUX):
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
        cdef str hdr, rest
        if self.in_trace:
            if self._trace_line(t):
                return
            if not _sw(t, first, G_INTERLUDE) and not self._register_line(t):
                self._end_trace()
        elif not self.trace_done and not self.stop_trace:
            if _sw(t, first, G_TRACE_HDR):
                for hdr in F.TRACE_HEADERS:
                    if t.startswith(hdr):
                        self._start_trace(hdr)
                        rest = t[len(hdr):].strip()
                        if rest:
                            self._trace_line(rest)
                        return
            if _is_from_line(t):
                self.shape_hint = self.shape_hint or "arm"
                self._start_trace(None)
                self._trace_line(t)
                return
        self._fields(t)

    def finish(self):
        cut = None
        hd = self.hexdump
        if hd is not None and (not hd["words"] or max(hd["words"]) + 4 < hd["end"]):
            cut = "truncated: text ends inside a stack dump"
        elif self.in_trace and len(self.ctx) > 1:
            cut = f"truncated: text ends inside the call trace (<{self.ctx[-1].upper()}> not closed)"
        self._end_blocks()
        self._end_trace()
        return cut

    # -------------------------------------------------------- plain fields
    cdef int _fields(self, str t) except -1:
        cdef int first = _first(t)
        # parse._is_inert: a line no branch below acts on
        if not (_sw(t, first, G_FIELD) or self._register_line(t) or _has_hash(t) or _flags_head(t)):
            return 0
        rep = self.rep
        if self.arch_hint is None and _sw(t, first, G_ARCH):
            for prefix, arch in F.ARCH_BY_LINE:
                if t.startswith(prefix):
                    self.arch_hint = arch
                    break
        if _sw(t, first, G_CPU):
            if _C_CPU:
                g = _cpu_match(t)
                if g is not None:
                    self._task(cpu=int(g[0]), pid=int(g[1]), process=g[2])
                    self._taint_release(g[3], g[4])
                    return 0
            else:
                m = _CPU_LINE.match(t)
                if m is not None:
                    self._task(cpu=int(m.group(1)), pid=int(m.group(2)), process=m.group(3))
                    self._taint_release(m.group(4), m.group(5))
                    return 0
        if _sw(t, first, G_PID):
            m = _PID_LINE.match(t)
            if m is not None:
                self._task(pid=int(m.group(1)), process=m.group(2))
                self._taint_release(m.group(3), m.group(4), hardware=True)
                return 0
        if _sw(t, first, G_HW):
            if rep.hardware is None:
                rep.hardware = t[len(F.HARDWARE):].strip() or None
            return 0
        if _sw(t, first, G_MOD):
            if not rep.modules:
                self.modules_open = self._modules_add(t[len(F.MODULES):])
            return 0
        if _sw(t, first, G_KASLR):
            m = _KASLR.match(t)
            if m is not None and rep.kaslr_offset is None:
                rep.kaslr_offset = 0 if m.group(2) else int(m.group(1), 16)
            return 0
        if _sw(t, first, G_CODE):
            if self.code_text is None and self.code_rows is None:
                self.code_text = t.split(":", 1)[1]
            return 0
        if _sw(t, first, G_PPCDUMP):
            if self.code_text is None and self.code_rows is None:
                self.code_rows, self.code_kind = [], "words"
            return 0
        if _sw(t, first, G_S390CODE):
            if self.code_text is None and self.code_rows is None:
                self.code_rows, self.code_kind = [], "s390"
                self._code_row(t)
            return 0
        if _sw(t, first, G_S390GPRS):
            if "r0" not in self.regs:
                self.s390_gprs = []
                self._s390_gprs_row(t[len(F.S390_GPRS):].strip())
            return 0
        if _sw(t, first, G_WORDSTACK) and not _sw(t, first, G_HEXDUMP):
            if self.wordstack is None:
                self.wordstack = {"words": [], "width": 0}
                rest = t.split(":", 1)[1].strip()
                if rest:
                    self._word_row(rest)
            return 0
        if _sw(t, first, G_HEXDUMP):
            for rx, what in _HEXDUMP_HEADERS:
                m = rx.match(t)
                if m is not None:
                    self._end_blocks()
                    self.hexdump = {"start": int(m.group(1), 16), "end": int(m.group(2), 16),
                                    "what": what, "words": {}}
                    return 0
        if _has_hash(t) or _sw(t, first, G_TASK):
            self._task_lines(t)
        if _sw(t, first, G_FAULT):
            self._fault(t)
        if _sw(t, first, G_PC):
            self._pc_line(t)
        self._registers(t, first)
        return 0

    # the rare shapes: the reference methods, run on this object
    cpdef _task(self, cpu=None, pid=None, process=None):
        rep = self.rep
        if cpu is not None and rep.cpu is None:
            rep.cpu = cpu
        if pid is not None and rep.pid is None:
            rep.pid = pid
        if process and rep.process is None:
            rep.process = process.strip() or None

    cpdef _taint_release(self, tainted, rest, hardware=False):
        got = _TAINTS.get(rest) if type(rest) is str else None  # (parse._taint's memo, read here)
        if got is None:
            got = _taint(rest)
        letters, release = got if tainted.startswith("Tainted") else (None, got[1])
        rep = self.rep
        if hardware and rep.hardware is None:
            toks = rest.split()
            ver = len(toks)
            for i in range(len(toks)):
                if toks[i].startswith("#"):
                    ver = i
                    break
            rep.hardware = " ".join(toks[ver + 1:]) or None
        if rep.tainted is None and letters:
            rep.tainted = letters
        if rep.kernel_release is None and release:
            rep.kernel_release = release

    cpdef _task_lines(self, str t):
        rep = self.rep
        cdef int first = _first(t)
        if _sw(t, first, G_TAINT):
            self._taint_release(t[:9], t[12:] if t.startswith("Not") else t[9:])
            return
        if rep.kernel_release is None and _has_hash(t):
            m = _RELEASE_LINE.match(t)
            if m is not None:
                rep.kernel_release = m.group(1)
        if not _sw(t, first, G_TASK):
            return
        got = _TASK_CACHE.get(t, _MISSING)
        if got is _MISSING:
            got = _keep(_TASK_CACHE, t, _read_task(t), len(t))
        if got is not None:
            self._task(got[0], got[1], got[2])

    cpdef _fault(self, str t):
        if _sw(t, _first(t), G_PAGEFAULT):
            self.fault_pf = True
        rep = self.rep
        if rep.fault_address is not None:
            return
        got = _FAULT_CACHE.get(t, _MISSING)
        if got is _MISSING:
            got = _keep(_FAULT_CACHE, t, _read_fault(t), len(t))
        if got is not None:
            rep.fault_address = got

    def _pc_lines(self, t):
        self._pc_line(t)

    cdef int _pc_line(self, str t) except -1:
        got = _PC_CACHE.get(t, _MISSING)
        if got is _MISSING:
            got = _keep(_PC_CACHE, t, _read_pc(t), len(t))
        if got is None:
            return 0
        role, address, symbol, offset, size, module, user = <tuple>got
        if user:
            return 0
        loc = _Loc(address, symbol, offset, size, module)
        if role == "pc":
            if self.in_trace:
                if symbol and self.section_frames and (t[3:5] == ": " and t[9:10] == ":"
                                                       or t.startswith("--- interrupt:")):
                    self._add(_mkframe(0, address, symbol, offset, size, module, None, None, False, True, "regs",
                                     self.ctx[-1]))
            elif self.pc is None:
                self.pc = loc
            else:
                _merge(self.pc, loc)
        elif self.lr is None:
            self.lr = loc
        else:
            _merge(self.lr, loc)
        return 0

    def _s390_gprs_row(self, t, quiet=False):
        return _PyEx._s390_gprs_row(self, t, quiet)

    cpdef _modules_add(self, text):
        got = _MODULES_CACHE.get(text)
        if got is None:
            got = _keep(_MODULES_CACHE, text, _read_modules(text), len(text))
        self.rep.modules.extend(got[0])
        return got[1]

    cpdef _modules_more(self, t):
        head = t.split(F.LAST_UNLOADED, 1)[0]
        toks = head.split()
        if not toks and not t.startswith(F.LAST_UNLOADED):
            return False
        for tok in toks:
            if not _MODULE_TOKEN.match(tok):
                return False
        self.modules_open = self._modules_add(t)
        return True

    cpdef _end_hexdump(self):
        hd = self.hexdump
        cdef list addrs = sorted(hd["words"]) if hd else None
        if addrs and not (0 <= addrs[0] and addrs[-1] < _2_64 - 4):
            return _PyEx._end_hexdump(self)  # (addresses a 64-bit word cannot hold)
        self.hexdump = None
        if not addrs:
            return
        little = self._little()
        cdef dict words = hd["words"]
        what = hd["what"]
        cdef unsigned long long uprev = 0, uaddr
        cdef bytearray buf = bytearray(4 * len(addrs))
        cdef unsigned char* out = buf
        cdef Py_ssize_t pos = 0, run_pos = 0
        cdef unsigned int v
        cdef bint le = bool(little)
        run_start = None
        prev = None
        for addr in addrs:
            uaddr = addr
            if prev is not None and uaddr != uprev + 4:
                self._stack(run_start, bytes(buf[run_pos:pos]), 4, little, what)
                run_pos = pos
                run_start = None
            if run_start is None:
                run_start = addr
            v = words[addr]
            if le:
                out[pos] = v & 0xFF
                out[pos + 1] = (v >> 8) & 0xFF
                out[pos + 2] = (v >> 16) & 0xFF
                out[pos + 3] = v >> 24
            else:
                out[pos] = v >> 24
                out[pos + 1] = (v >> 16) & 0xFF
                out[pos + 2] = (v >> 8) & 0xFF
                out[pos + 3] = v & 0xFF
            pos += 4
            prev = addr
            uprev = uaddr
        self._stack(run_start, bytes(buf[run_pos:pos]), 4, little, what)

    def _word_row(self, t):
        return _PyEx._word_row(self, t)

    def _end_wordstack(self):
        return _PyEx._end_wordstack(self)

    def _resolve_wordstacks(self):
        return _PyEx._resolve_wordstacks(self)

    cpdef _stack(self, base, data, word, little, what):
        """parse._Extractor._stack."""
        if base is None or not data or little is None:
            return
        self.rep.stacks.append(_StackDump(base, data, word, little, what))

    cpdef _little(self):
        """parse._Extractor._little."""
        arch = self.rep.arch or self.arch_hint
        info = _ARCH_INFO.get(arch or "")
        return info["little"] if info else True

    def _code_row(self, t, quiet=False):
        return _PyEx._code_row(self, t, quiet)

    def _end_code_rows(self):
        return _PyEx._end_code_rows(self)

    cpdef _arm_from(self, tuple groups):
        self.shape_hint = self.shape_hint or "arm"
        waddr, wsym, woff, wsize, wmod, faddr, fsym, foff, fsize, fmod = groups
        pend = self.arm_pending
        if pend is not None and pend.symbol == (None if wsym.startswith("0x") else wsym):
            frame = pend
            if frame.address is None and waddr:
                frame.address = int(waddr, 16)
        else:
            if pend is not None:
                self._add(pend)
            raw = wsym.startswith("0x")
            frame = _mkframe(0, _hexs(waddr) if waddr else (int(wsym, 16) if raw else None),
                           None if raw else wsym, _hexs(woff), _hexs(wsize), wmod, None, None, False, True,
                           "trace", self.ctx[-1])
        self._add(frame)
        raw = fsym.startswith("0x")
        self.arm_pending = _mkframe(0, _hexs(faddr) if faddr else (int(fsym, 16) if raw else None),
                                  None if raw else fsym, _hexs(foff), _hexs(fsize), fmod, None, None, False, True,
                                  "trace", self.ctx[-1])

    def _arm_entered(self, m):
        return _PyEx._arm_entered(self, m)

    cpdef _end_blocks(self):
        if self.hexdump is not None:
            self._end_hexdump()
        self.hexdump = None
        if self.wordstack is not None:
            self._end_wordstack()
        self.wordstack = None
        if self.s390_gprs is not None:
            self.s390_gprs = None
        if self.code_rows is not None:
            self._end_code_rows()
        self.modules_open = False

    # ----------------------------------------------------------- registers
    def _is_register_line(self, str t):
        return self._register_line(t)

    cdef bint _register_line(self, str t) except -1:
        cdef Py_ssize_t ne, vs, ve, skip
        if not _C_PAIRS:
            m = _REGISTER_PAIR.match(t)
            return m is not None and m.group(1) in _REGISTER_NAMES
        cdef int kind = PyUnicode_KIND(t)
        cdef void* data = PyUnicode_DATA(t)
        if _pair_at(kind, data, len(t), 0, &ne, &vs, &ve, &skip) < 0:
            return False
        return _register_name(t, kind, data, 0, ne) is not None

    cdef int _registers(self, str t, int first) except -1:
        m = _PPC_GPR_ROW.match(t) if _sw(t, first, G_GPR) else None
        if m is not None:
            base = int(m.group(1))
            self._set_regs([(f"GPR{base + i:02d}", v) for i, v in enumerate(m.group(2).split())])
            return 0
        m = _MIPS_GPR_ROW.match(t) if _sw(t, first, G_DOLLAR) else None
        if m is not None:
            base = int(m.group(1))
            self._set_regs([(f"${base + i}", v) for i, v in enumerate(m.group(2).split())])
            return 0
        if _sw(t, first, G_PSW):
            m = _S390_PSW.match(t)
            if m is not None:
                self._set_regs([("PSW_mask", m.group(1)), ("PSW_addr", m.group(2))])
            return 0
        if _sw(t, first, G_MSR) and "<" in t:
            flags = t[t.find("<") + 1:t.find(">")] if ">" in t else ""
            self.ppc_le = F.PPC_MSR_LE in flags.split(",")
        if _flags_head(t) and "ISA Thumb" in t:
            self.thumb = True
        if not _C_PAIRS:
            first_m = _REGISTER_PAIR.match(t)
            if first_m is None or first_m.group(1) not in _REGISTER_NAMES:
                return 0
            self._set_regs([(nm, v) for nm, v in _REGISTER_PAIR.findall(t) if nm in _REGISTER_NAMES])
            return 0
        self._c_pairs(t)
        return 0

    cdef int _c_pairs(self, str t) except -1:
        """_registers' pair loop: findall's successive non-overlapping matches, in C."""
        cdef int kind = PyUnicode_KIND(t)
        cdef void* data = PyUnicode_DATA(t)
        cdef Py_ssize_t n = len(t), i = 0, e, ne, vs, ve, skip
        e = _pair_at(kind, data, n, 0, &ne, &vs, &ve, &skip)
        if e < 0:
            return 0
        name = _register_name(t, kind, data, 0, ne)
        if name is None:
            return 0
        if self.regs_frozen:
            return 0
        cdef dict regs = self.regs
        while True:
            if name is not None:
                if name in regs:
                    self.regs_frozen = True
                    return 0
                regs[name] = _hexint(kind, data, vs, ve)
            i = e
            while True:
                if i >= n:
                    return 0
                e = _pair_at(kind, data, n, i, &ne, &vs, &ve, &skip)
                if e >= 0:
                    break
                i = skip
            name = _register_name(t, kind, data, i, ne)

    cpdef _set_regs(self, pairs):
        if self.regs_frozen:
            return
        for name, value in pairs:
            if name in self.regs:
                self.regs_frozen = True
                return
            try:
                self.regs[name] = int(value, 16)
            except ValueError:
                continue

    # ---------------------------------------------------------- raw stacks
    cdef int _hexdump_row(self, str t) except -1:
        """parse._Extractor._hexdump_row: "de20: w w w ..." cells of 9 characters, each
        kept when it strips to 8 lower-case hex digits inside the dump's range."""
        if not _C_HEXROW or "\n" in t:
            return _PyEx._hexdump_row(self, t)
        cdef dict hd = self.hexdump
        cdef Py_ssize_t n = len(t), k, a, b, e
        cdef int kind = PyUnicode_KIND(t)
        cdef void* data = PyUnicode_DATA(t)
        if (n < 5 or not _is_lhex(PyUnicode_READ(kind, data, 0)) or not _is_lhex(PyUnicode_READ(kind, data, 1))
                or not _is_lhex(PyUnicode_READ(kind, data, 2)) or not _is_lhex(PyUnicode_READ(kind, data, 3))
                or PyUnicode_READ(kind, data, 4) != 58):
            self._end_hexdump()
            return 0
        start, end = hd["start"], hd["end"]
        if not (0 <= start < _2_63 and 0 <= end < _2_64):
            return _PyEx._hexdump_row(self, t)
        cdef unsigned long long ustart = start, uend = end, ubase, uaddr
        ubase = (ustart & ~(<unsigned long long>0xFFFF)) | <unsigned long long>_hexval4(kind, data)
        if ubase + 32 <= ustart:
            ubase += 0x10000
        cdef dict words = hd["words"]
        cdef Py_ssize_t max_words = _MAX_STACK_WORDS
        for k in range(5, n, 9):
            e = k + 9 if k + 9 < n else n
            a = k
            while a < e and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, a)):
                a += 1
            b = e
            while b > a and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, b - 1)):
                b -= 1
            if b - a != 8:
                continue
            uaddr = ubase + <unsigned long long>((k - 5) // 9) * 4
            if not (ustart <= uaddr < uend) or len(words) >= max_words:
                continue
            for e in range(a, b):
                if not _is_lhex(PyUnicode_READ(kind, data, e)):
                    break
            else:
                words[PyLong_FromUnsignedLongLong(uaddr)] = _hexint(kind, data, a, b)
        return 1

    # ------------------------------------------------------------ call trace
    cdef int _start_trace(self, header) except -1:
        if header == "Call trace:":
            self.shape_hint = self.shape_hint or "arm64"
        self.in_trace = True
        self.section_frames = 0
        self.arm_pending = None
        return 0

    cpdef _end_trace(self):
        if not self.in_trace:
            return
        if self.arm_pending is not None:
            self._add(self.arm_pending)
            self.arm_pending = None
        self.in_trace = False
        if self.section_frames:
            self.trace_done = True

    cpdef _add(self, f):
        if len(self.frames) < _MAX_FRAMES:
            self.frames.append(f)
            self.section_frames += 1

    cdef int _trace_line(self, str t) except -1:
        cdef Py_ssize_t j
        cdef str tok
        if _sw(t, _first(t), G_TRACE_STOP):
            self._end_trace()
            self.stop_trace = True
            return 1
        while len(t) and PyUnicode_READ(PyUnicode_KIND(t), PyUnicode_DATA(t), 0) == 60:  # "<"
            if t.startswith("<<EOE>>"):
                self._marker(None)
                t = t[7:].lstrip()
                continue
            j = t.find(">")
            if j < 0:
                return 0
            tok = t[1:j]
            if self.shape_hint is None:
                self.shape_hint = "x86"
            self.saw_marker = True
            if tok in _CONTEXT_MARKERS:
                self._marker(_CONTEXT_MARKERS[tok])
            elif tok.startswith(_EXC_PREFIX):
                self._marker("exception")
            elif tok.startswith(_EXC_CLOSE):
                self._marker(None)
            else:
                return 0
            t = t[j + 1:].lstrip()
            if not t:
                return 1
        # Only lines that got past the arm checks below are ever remembered (here and in
        # the reference): a remembered line skips them with the same outcome.
        hit = _TRACE_CACHE.get(t)
        if hit is None:
            if " from " in t:
                g = _from_groups(t)
                if g is not None:
                    self._arm_from(<tuple>g)
                    return 1
                m = _ARM_ENTERED.match(t)
                if m is not None:
                    self._arm_entered(m)
                    return 1
            if len(t) == 0:
                raise IndexError("string index out of range")  # the reference's t[0]
            if t[0] == u"r" and _ARM_REGS_IN_TRACE.match(t):
                return 1
            hit = _keep(_TRACE_CACHE, t, _read_trace(t), len(t))
        if type(hit) is int:
            if hit and self.shape_hint is None:
                self.shape_hint = "x86"
            return 0
        address, sym, off, size, mod, file, line, inlined, reliable, q, ppc, addr_len = <tuple>hit
        if q and self.shape_hint is None:
            self.shape_hint = "x86"
        if ppc:
            self.shape_hint = self.shape_hint or "ppc"
        if addr_len > self.addr_width:
            self.addr_width = addr_len
        self._add(_mkframe(0, address, sym, off, size, mod, file, line, inlined, reliable, "trace", self.ctx[-1]))
        return 1

    cpdef _marker(self, ctx):
        if ctx is None:
            if len(self.ctx) > 1:
                self.ctx.pop()
        elif ctx == "task" and len(self.ctx) > 1 and self.ctx[-1] != "task":
            self.ctx = ["task"]
        else:
            self.ctx.append(ctx)
