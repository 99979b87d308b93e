"""The compiled field extractor (crashpipe._extract.Extractor) against the pure-Python
reference (crashpipe.parse._Extractor): the same reports from parse_text on the shared
corpora, the samples, the test data and the synthetic noisy logs, and the same extractor
state after every line of hypothesis-random and mutated text (surrogates, "\\r", long
lines, empty lines, register-pair look-alikes), exceptions included."""
import dataclasses
import json
import os
import pickle
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import noisy_logs as NL
from crashpipe import parse as P
from crashpipe.formats import fields as F
from crashpipe.model import Report
from log_files import log_files

ext = pytest.importorskip("crashpipe._extract")

SHARED = os.environ.get("CRASHPIPE_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
CORPUS = os.path.join(SHARED, "corpus", "syzkaller-linux")
OOPSES = os.path.join(SHARED, "oopses")
HERE = os.path.dirname(__file__)
REPO = os.path.join(HERE, "..")

FAST, SLOW = ext.Extractor, P._Extractor
CONT_FAST, CONT_SLOW = ext.with_continuations, P._with_continuations_py
COMPILED = dict(EXTRACTOR=FAST, _with_continuations=CONT_FAST, _span_text=ext.span_text, _parse_span=ext.parse_span,
                extract_fields=ext.extract_fields)
REFERENCE = dict(EXTRACTOR=SLOW, _with_continuations=CONT_SLOW, _span_text=P._span_text_py, _parse_span=P._parse_span_py,
                 extract_fields=P._extract_fields_py)


def _use(impls):
    for k, v in impls.items():
        setattr(P, k, v)


def test_extension_is_used():
    assert all(getattr(P, k) is v for k, v in COMPILED.items())


def _dump(reports):
    def conv(o):
        if isinstance(o, bytes):
            return o.hex()
        raise TypeError(type(o))
    return [json.dumps(dataclasses.asdict(r), default=conv, sort_keys=True) for r in reports]


def same_parse(text, source="x"):
    """parse_text with the compiled and the reference functions: identical reports (every
    dataclass field, and the same pickle per report)."""
    try:
        _use(COMPILED)
        fast = P.parse_text(text, source)
        _use(REFERENCE)
        slow = P.parse_text(text, source)
    finally:
        _use(COMPILED)
    got, want = _dump(fast), _dump(slow)
    assert got == want
    # each report pickles to the same bytes (a list of them may differ only in which equal
    # strings are shared between reports, e.g. register names)
    assert [pickle.dumps(r) for r in fast] == [pickle.dumps(r) for r in slow]
    return got


def test_report_made_as_the_dataclass_makes_it():
    from crashpipe.split import Span
    assert ext.compiled_matchers()["Report"]
    fast = ext.parse_span(Span(3, 4, []), [], "src", None)
    slow = P._parse_span_py(Span(3, 4, []), [], "src", None)
    assert type(fast) is type(slow) is P.Report
    assert list(vars(fast).items()) == list(vars(slow).items())
    assert pickle.dumps(fast) == pickle.dumps(slow)
    a, b = ext.parse_span(Span(3, 4, []), [], "src", None), ext.parse_span(Span(3, 4, []), [], "src", None)
    assert a.frames is not b.frames and a.registers is not b.registers and a.modules is not b.modules


def _files(root):
    return log_files(root, (".log", ".txt", ".mbox"))


def _read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "surrogateescape")


@pytest.mark.skipif(not os.path.isdir(CORPUS), reason="shared syzkaller corpus not present")
def test_syzkaller_corpus_identical():
    n = 0
    for path in _files(CORPUS):
        n += len(same_parse(_read(path), path))
    assert n > 100


@pytest.mark.skipif(not os.path.isdir(OOPSES), reason="shared oopses corpus not present")
def test_debian_oopses_identical():
    n = 0
    for path in _files(OOPSES):
        text = _read(path)
        n += len(same_parse(text, path))
        same_parse(text.replace("\n", "\r\n"), path)  # a CRLF capture
    assert n > 10


def test_samples_and_test_data_identical():
    n = 0
    for root in (os.path.join(REPO, "samples"), os.path.join(HERE, "data")):
        for path in _files(root):
            n += len(same_parse(_read(path), path))
    assert n > 10


def test_noisy_logs_identical():
    logs = [v for k, v in vars(NL).items() if k.isupper() and isinstance(v, str)]
    assert len(logs) > 5
    for log in logs:
        same_parse(log)
        same_parse(log[: len(log) // 2])  # cut inside a line / a block
    assert same_parse("\n".join(logs))


# ------------------------------------------------------------ line by line
STATE = ("regs", "regs_frozen", "arch_hint", "shape_hint", "addr_width", "in_trace", "trace_done",
         "section_frames", "ctx", "stop_trace", "saw_marker", "hexdump", "wordstack", "_pending_wordstacks",
         "code_text", "code_rows", "code_kind", "code_rows_done", "thumb", "s390_gprs", "ppc_le",
         "modules_open", "fault_pf")


def _state(ex):
    loc = lambda x: None if x is None else dataclasses.astuple(x)  # noqa: E731
    return ({k: getattr(ex, k) for k in STATE}, loc(ex.pc), loc(ex.lr), [dataclasses.astuple(f) for f in ex.frames],
            None if ex.arm_pending is None else dataclasses.astuple(ex.arm_pending), dataclasses.asdict(ex.rep))


def _step(ex, text, aux):
    try:
        ex.line(text, aux)
        return None
    except Exception as e:  # the reference's own exceptions must come out the same
        return f"{type(e).__name__}: {e}"


def same_lines(texts, aux=()):
    """Feed the same lines to both extractors: the same state after every line, the same
    exceptions, then the same finish()."""
    fast, slow = FAST(Report()), SLOW(Report())
    for i, t in enumerate(texts):
        a = i in aux
        assert _step(fast, t, a) == _step(slow, t, a), t
        assert _state(fast) == _state(slow), t
    assert fast.finish() == slow.finish()
    assert _state(fast) == _state(slow)
    return fast


def _pool():
    lines = []
    for log in (v for k, v in vars(NL).items() if k.isupper() and isinstance(v, str)):
        lines += log.split("\n")
    if os.path.isdir(OOPSES):
        for path in list(_files(OOPSES))[:40]:
            lines += [ln.split("] ", 1)[-1] for ln in _read(path).split("\n")]
    # shapes the logs above may lack
    lines += [
        "Stack: (0xe0bb1e20 to 0xe0bb1e80)", "1e20: e0bb1e3c e0bb1e30 c0123456 00000000 00000001 deadbeef 00000000 c0abcdef",
        "1e40: 00000000          c0123456", "1e60: 00000000 00000001", "Exception stack(0xe0bb1fa8 to 0xe0bb1ff0)",
        "1fa0:                   00000000 00000001", "Stack:", " f180dc28 f8e3dde1 00000000", "Stack : 00000000 80000000",
        "Krnl PSW : 0704c00180000000 000003ff8086d03a (will_oops_init+0x3a/0x1000 [will_oops])",
        "Krnl GPRS: 0000000000000000 0000000000000001 0000000000000002 0000000000000003",
        "           0000000000000004 0000000000000005 0000000000000006 0000000000000007",
        "Krnl Code: 000003ff8086d030: a7f40008  brc 15,000003ff8086d040", ">000003ff8086d03a: a7290000 lghi %r2,0",
        "Instruction dump:", "7c0802a6 fbe1fff8 f8010010 <0fe00000> 7c0004ac", "GPR00: c000000000123456 c000000001234567 0 1",
        "$ 0   : 00000000 00000001 80000000 00000003", "MSR: 8000000000029033 <SF,EE,ME,IR,DR,RI,LE>  CR: 48222224",
        "<IRQ>", "</IRQ>", "<#DF>", "</#DF>", "<<EOE>>", "<<EOE>> ", "<EOI>", "<NMI> ? foo+0x1/0x2", "<bogus>",
        "? __schedule+0x1/0x2", "[<c0123456>] (foo) from [<c0123457>] (bar+0x10/0x18 [m])", "foo from bar+0x1/0x2",
        "Function entered at [<c01d7e4c>] from [<c01d8ab8>]", " r7:df912310 r6:df912140", "Backtrace:",
        "Call Trace:", "Call trace:", "Call Trace: foo+0x1/0x2", "Last Breaking-Event-Address:",
        "pc : [<00000000>]    lr : [<bf0004b4>]    psr: a0040013", "Flags: nZCv  IRQs on  FIQs on  Mode SVC_32  ISA Thumb",
        "RSP: 0018:ffffc90000ab7d98 EFLAGS: 00010246", "FS:  0000000000000000(0000) GS:ffff88807dc00000(0000) knlGS:0",
        "RIP: 0033:0x7f0", "RIP: 0010:foo+0x1a/0x30 [m]", "EIP: 0060:[<f8e40765>] EFLAGS: 00210246 CPU: 1",
        "--- interrupt: 300 at foo+0x1c/0x40", "Modules linked in: a b(OE) c [last unloaded: d]",
        "Code: 48 8b <8b> 40", "Code: e5933000 (e5832000)", "Kernel Offset: 0x1000 from 0xffffffff81000000",
        "Not tainted 6.1.0 #1", "      Tainted: G W 6.1.0-13-amd64 #1 Debian", "", " ", "\r",
    ]
    return [ln for ln in lines if len(ln) < 400]


POOL = _pool()
# characters the register scanner and prefix tables care about, and a few that break them
ALPHABET = "aAxXrReEpPcCfF0189_: <>[]()#$+-/.,?\t\r\u00e9\u2028\udcff\U0001f600"


@st.composite
def mutated(draw):
    line = draw(st.sampled_from(POOL))
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.integers(0, 3))
        i = draw(st.integers(0, len(line)))
        if op == 0:
            line = line[:i] + draw(st.text(ALPHABET, max_size=4)) + line[i:]
        elif op == 1:
            line = line[:i] + line[i + draw(st.integers(1, 4)):]
        elif op == 2:
            line = line[:i]
        else:
            line = line[:i] + line[i:] * draw(st.integers(2, 40))  # long lines
    return line


def _register_line():
    name = st.sampled_from(sorted(F.REGISTER_NAMES) + ["Zz", "abcdefghijk", "x9", "A"])
    pair = st.tuples(name, st.text(" ", max_size=7), st.sampled_from([":", ":", ":", "", ";"]), st.text(" ", max_size=4),
                     st.one_of(st.sampled_from(["", "", "0018:", "00A8:", "A018:", "[<", "0018:[<"]),
                               st.text("09afAF:[<", max_size=6)),
                     st.one_of(st.text("0123456789abcdef", min_size=2, max_size=16),
                               st.text("0123456789abcdefABCDEFgz", max_size=18)),
                     st.one_of(st.just(" "), st.text(ALPHABET, max_size=3)))
    return st.lists(pair, min_size=1, max_size=6).map(lambda ps: "".join("".join(p) for p in ps))


LINES = st.one_of(st.sampled_from(POOL), mutated(), _register_line(), st.text(ALPHABET, max_size=60),
                  st.text(max_size=30))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, max_size=40), st.sets(st.integers(0, 40), max_size=6))
def test_random_lines_same_state(texts, aux):
    same_lines(texts, aux)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_register_line(), min_size=1, max_size=3))
def test_register_pairs_scan_as_the_pattern(texts):
    # the scanner answers what REGISTER_PAIR's findall answers (state compared in same_lines)
    ex = same_lines(texts)
    first = P._REGISTER_PAIR.match(texts[0].strip())
    if first is not None and first.group(1) in F.REGISTER_NAMES and not texts[0].strip().startswith(("GPR", "$", "Krnl PSW")):
        want = {}
        for n, v in P._REGISTER_PAIR.findall(texts[0].strip()):
            if n in F.REGISTER_NAMES:
                if n in want:
                    break
                want[n] = int(v, 16)
        assert list(ex.regs.items())[:len(want)] == list(want.items())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["", "[    1.000000] ", "[    2.5][ T12] "]), LINES), max_size=50),
       st.booleans())
def test_random_logs_same_reports(lines, cut):
    text = "\n".join(p + t for p, t in lines) + ("" if cut else "\n")
    same_parse(text)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated(), _register_line(), st.text(ALPHABET + "\n", max_size=60),
                 st.lists(st.sampled_from(["[<ffffffff81000000>] ", "[c000000000123456] [c000000000654321] ", "(",
                                           "? ", "foo", "0x1f", "+0x1a/0x30", "+0x1a/0x", " [mod]", " [mod 1a2b]",
                                           " [mod", " lib/x.c:12", " [inline]", " (unreliable)", "1" * 17, "<", "]"]),
                          max_size=8).map("".join)))
def test_c_matchers_answer_as_the_patterns(t):
    m = P._TRACE_LINE.match(t)
    assert ext.trace_groups(t) == (m.groups() if m is not None else None) or "\n" in t
    assert ext.register_pairs(t) == P._REGISTER_PAIR.findall(t)
    got, want = ext.read_trace(t), P._read_trace_line(t)
    assert got == want and type(got) is type(want)
    if type(want) is tuple:
        assert [type(x) for x in got] == [type(x) for x in want]


def test_c_matchers_in_use():
    assert all(ext.compiled_matchers().values()), ext.compiled_matchers()


FROM_PIECES = ["\n", "\n ", " \n", "\r", "[<c0123456>] (", "[<C0123456>] (", "[<c0123456>]", "foo", "foo.bar-1@x", "0x1f", "0x" + "1" * 17, "1x",
               "+0x10/0x18", "+0x10/0x", "+0x" + "1" * 17 + "/0x1", "+0x1/0x" + "2" * 17, " [m]", " [m-2_x]", " [m 1a]",
               " [", ")", "(", " from ", " from", "from ", " ", "\t", "  ", "a" * 256, "\u00e9", "\U0001f600", "\n"]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.sampled_from(FROM_PIECES), max_size=12).map("".join), mutated(),
                 st.text(ALPHABET + " fromx", max_size=50)))
def test_arm_from_matcher_answers_as_the_pattern(t):
    m = P._ARM_FROM.match(t)
    assert ext.from_groups(t) == (m.groups() if m is not None else None)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.sampled_from(["48", "8b", "8B", "<8b>", "(8b)", "<8g>", "8", "e5933000", "(e5832000)", "4b04",
                                           " ", "  ", "\t", "\u2028", "Bad", "RIP", "<>", "()", "<8b"]),
                          max_size=12).map("".join),
                 st.lists(st.sampled_from(["48", "<8b>"]), min_size=250, max_size=260).map(" ".join)))
def test_byte_dump_as_parse_code(t):
    from crashpipe import code
    got = ext.byte_dump(t)
    if got is not None:
        for little in (True, False, None):
            c = code._parse_code(t, little)
            assert (c.data, c.fault_offset, c.thumb) == (got[0], got[1], False)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated(), st.tuples(
    st.sampled_from(["WARNING: CPU: ", "WARNING: CPU:", "RIP: ", "EIP: ", "rIP: ", "eip: ", "watchdog: ", "Process ", "R"]),
    st.sampled_from(["0", "12345", "123456", "", "0010:", "0060:[<f8e40765>]", "0060:[<"]),
    st.sampled_from([" PID: ", " PID:", "  EFLAGS: 00210246 CPU: 1", " BUG: soft lockup - CPU#1 stuck for 22s! [sh:12]"]),
    st.sampled_from(["97", "1234567890", "12345678901", "", "x"]),
    st.sampled_from([" at lib/x.c:1", "", " ", "x"])).map("".join)))
def test_task_reader_answers_as_the_reference(t):
    assert ext.read_task(t) == P._read_task_line(t)


CPU_PIECES = ["CPU: ", "CPU:", "CPU", "0", "12", "123456", " UID: ", " UID: 0", " UID: 12345678901", " PID: ", " PID:",
              "97", "12345678901", " Comm: ", "sh", "kworker/0:1 x", "a" * 64, " Not tainted", " Tainted: ", "Not tainted",
              " 6.1.0-56-amd64 #1", "G           OE", "  ", " ", "\n", "\u00e9", "\U0001f600"]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.sampled_from(CPU_PIECES), max_size=12).map("".join), mutated(),
                 st.tuples(st.sampled_from(["CPU: ", "CPU:", "CPU:  "]), st.sampled_from(["0", "12345", "123456", ""]),
                           st.sampled_from(["", " UID: 0", " UID: ", " UID: 12345678901"]),
                           st.sampled_from([" PID: ", " PID:", " PID:  "]), st.sampled_from(["97", "1234567890", "", "x"]),
                           st.sampled_from([" Comm: ", " Comm:"]), st.text(st.sampled_from("ab /:\nT"), max_size=70),
                           st.sampled_from([" Not tainted", " Tainted: ", " Tainted:", ""]),
                           st.text(st.sampled_from("G OE 6.1 #\n"), max_size=20)).map("".join)))
def test_cpu_matcher_answers_as_the_pattern(t):
    m = P._CPU_LINE.match(t)
    assert ext.cpu_groups(t) == (m.groups() if m is not None else None)


PC_PIECES = ["RIP: ", "EIP: ", "RIP:", "RIP is at ", "EIP is at ", "PC is at ", "LR is at ", "pc : ", "pc: ", "pc  : ",
             "epc : ", "epc   : ", "lr : ", "lr: ", "ra : ", "ra   : ", "NIP [", "LR [", "--- interrupt: ", "300 at ",
             "Krnl PSW : ", "0704c00180000000 ", "000003ff8086d03a (", "0010:", "0033:", "003x:", "[<ffffffff81000000>] ",
             "[<ffffffff81000000>]", "[<FFFF>] ", "c000000000123456] ", "  ", " ", "f", "foo.bar$1", "a" * 256, "+0x1a/0x30",
             "+0x1a/0x" + "3" * 17, "+0x" + "1" * 17 + "/0x2", " [m]", " [m 1a]", " [m", " [m zz]", "0x12", "0x" + "1" * 17,
             ")", "(", "pci_bus", "list_add", "\u00e9", "\U0001f600", "\n"]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.sampled_from(PC_PIECES), max_size=8).map("".join), mutated(),
                 st.tuples(*[st.sampled_from(x) for x in (
                     ["RIP: ", "EIP: ", "RIP:  ", "RIP is at ", "PC is at ", "LR is at ", "pc : ", "pc: ", "pcx: ", "epc : ",
                      "epc   : ", "lr : ", "lr:", "ra : ", "ra   : ", "NIP [c000000000123456] ", "LR [c0] ", "LR [] ",
                      "--- interrupt: 300 at ", "--- interrupt: 30000 at ", "Krnl PSW : 0704c00180000000 000003ff8086d03a (",
                      "Krnl PSW : 0704c001 00000 ("],
                     ["", "", "0010:", "0033:", "[<ffffffff81000000>] ", "[<ffffffff81000000>]  [<ffffffff81000001>] ",
                      "0010:[<ffffffff81000000>] ", "0010:[<ffffffff81000000>]", "[<f>]", "0000000000000000 ",
                      "[<f>]  [<", "0060:[<f8e40765>] EFLAGS: 00210246 CPU: 1", "[<" + "1" * 17 + ">]"],
                     ["f", "foo.bar$1", "a" * 256, "0x12", "0x" + "1" * 17, "", "1f", "EFLAGS: 0"],
                     ["+0x1a/0x30", "+0x1a/0x" + "3" * 17, "+0x" + "1" * 17 + "/0x2", "", "+0x1a/0x", "+0x1a"],
                     ["", " [m]", " [m 1a]", " [m", " [m zz]", " [" + "m" * 65 + "]", ")"],
                     ["", " ", "\n", "x", " (unreliable)"])]).map("".join)))
def test_pc_reader_answers_as_the_reference(t):
    got, want = ext.read_pc(t), P._read_pc_line(t)
    assert got == want
    if want is not None:
        assert [type(x) for x in got] == [type(x) for x in want]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["", "[    1.000000] ", "[    2.5][ T12] "]), LINES), max_size=30),
       st.integers(-3, 40), st.integers(-3, 40))
def test_continuations_and_text_as_the_reference(lines, start, end):
    from crashpipe.lines import clean_lines
    all_lines = clean_lines("\n".join(p + t for p, t in lines))
    span = [ln for ln in all_lines if ln.ts is not None][:10]
    assert CONT_FAST(span, all_lines, start, end) == CONT_SLOW(span, all_lines, start, end)
    assert ext.span_text(span) == P._span_text_py(span)
    assert ext.span_text(tuple(span)) == P._span_text_py(span)


def test_register_scanner_cases():
    for t in ("RAX: 0000000000000000 RBX: ffff888003a1c000 RCX: 0000000000000001",
              "RSP: 0018:ffffc90000ab7d98 EFLAGS: 00010246 ORIG_RAX: ffffffffffffff9c",
              "FS:  0000000000000000(0000) GS:ffff88807dc00000(0000) knlGS:0000000000000000",
              "x9 : ffff8000082f3b4c x8 : ffff000003696b10", "pc : [<c0123456>]    lr : [<bf0004b4>]    psr: a0040013",
              "RAX: 00000000000000001 RBX: 1", "RAX: 0g RBX: 12", "RAX:    12 RBX:12:", "abcdefghijkRAX: 12",
              "RAX       : 12", "RAX:\u00e912 RBX: 12", "RAX: 12 RAX: 13", "RBX: 0018:zz RCX: 12"):
        same_lines([t])
    ex = same_lines(["RAX: 0000000000000000 RBX: ffff888003a1c000", "RSP: 0018:ffffc90000ab7d98 EFLAGS: 00010246"])
    assert ex.regs == {"RAX": 0, "RBX": 0xffff888003a1c000, "RSP": 0xffffc90000ab7d98, "EFLAGS": 0x10246}
    ex = same_lines(["RAX: 0000000000000001", "RAX: 0000000000000002 RBX: 3f"])  # second block: frozen
    assert ex.regs == {"RAX": 1} and ex.regs_frozen


def test_without_the_extension_the_reference_runs():
    code = (
        "import sys, json, dataclasses; sys.modules['crashpipe._extract'] = None\n"
        "import noisy_logs as NL\n"
        "from crashpipe import parse\n"
        "assert parse.EXTRACTOR is parse._Extractor and parse._with_continuations is parse._with_continuations_py\n"
        "print(json.dumps([dataclasses.asdict(r) for r in parse.parse_text(NL.TWO_OOPSES + NL.LOCKDEP, 'x')],"
        " default=lambda o: o.hex()))\n"
    )
    env = dict(os.environ, PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    want = [dataclasses.asdict(r) for r in P.parse_text(NL.TWO_OOPSES + NL.LOCKDEP, "x")]
    assert json.loads(out) == json.loads(json.dumps(want, default=lambda o: o.hex()))
    assert any(r["frames"] for r in want)
