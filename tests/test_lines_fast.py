"""The Cython loops of crashpipe._lines against the pure-Python reference: the same Line
objects from clean_lines, the same spans from split_reports and the same LogIndex
answers, on the shared corpora, the synthetic noisy logs and hypothesis-random text."""
import itertools
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import noisy_logs as NL
from crashpipe import lines as L
from crashpipe import split as S
from crashpipe.formats import oopses as F
from log_files import log_files

ext = pytest.importorskip("crashpipe._lines")

SHARED = os.environ.get("CRASHPIPE_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
CORPUS = os.path.join(SHARED, "corpus", "syzkaller-linux")
OOPSES = os.path.join(SHARED, "oopses")

# literals LogIndex.holding / any_holding are asked about (titles' markers and a few
# more: one that spans lines, one non-ASCII, one character)
LITERALS = ("Disabling lock debugging due to kernel taint", "Sending NMI from CPU", "Kernel panic - not syncing",
            " ? ", "Call Trace:", " from ", "=" * 40, "end trace", " cut here ", "BUG:", "\n", "é", "x",
            "WARNING: CPU", "</TASK>\n")


def test_extension_is_used():
    assert L._ext is ext and S._ext is ext
    assert type(L.clean_lines("[ 1.0] a")[0]) is L.Line


def same_lines(text):
    got, want = L.clean_lines(text), L.clean_lines_py(text)
    assert got == want
    assert [(type(a.ts), type(a.tag), type(a.text)) for a in got] == [(type(b.ts), type(b.tag), type(b.text)) for b in want]
    return got


def span_tuple(sp):
    return (sp.start_line, sp.end_line, [id(ln) for ln in sp.lines], sp.header_line, sp.oops, sp.context, sp.closed_by)


def same_split(lines):
    S._LAST_INDEX.clear()
    got = S.split_reports(lines)
    want = S.split_reports_py(lines)
    assert [span_tuple(s) for s in got] == [span_tuple(s) for s in want]
    fast, ref = S.LogIndex(lines), S.LogIndex(lines, fast=False)
    assert fast.headers == ref.headers
    assert fast.info == ref.info and fast.hinted == ref.hinted
    assert fast.contexts == ref.contexts and fast._exact == ref._exact
    assert fast.printer_changes() == ref.printer_changes()
    n = len(lines)
    ranges = [(0, n), (n // 3, n // 2), (1, min(n, 7)), (n - 1, n)]
    for lit in LITERALS:
        assert fast.holding(lit) == ref.holding(lit), lit
        for lo, hi in ranges:
            assert fast.any_holding(lit, lo, hi) == ref.any_holding(lit, lo, hi)
    if fast._cstarts is not None:
        assert list(fast._cstarts) == [0, *itertools.accumulate(len(ln.text) + 1 for ln in lines)]
    for lo, hi in ranges:
        if 0 <= lo <= hi <= n:
            assert fast.text_of(lo, hi) == ref.text_of(lo, hi)
            if lo < hi:
                assert fast.one_printer(lo, hi) == ref.one_printer(lo, hi)
    return got


def check_text(text):
    lines = same_lines(text)
    return same_split(lines)


@pytest.mark.skipif(not os.path.isdir(CORPUS), reason="shared syzkaller corpus not present")
def test_syzkaller_corpus_identical():
    n = 0
    for path in log_files(CORPUS):
        with open(path, "rb") as f:
            raw = f.read()
        n += len(check_text(raw.decode("utf-8", "surrogateescape")))
        same_lines(raw.decode("latin-1"))
        same_lines(raw.decode("utf-8", "replace").replace("\n", "\r\n"))  # a CRLF capture
    assert n > 100  # the corpus holds reports: the comparison saw spans


@pytest.mark.skipif(not os.path.isdir(OOPSES), reason="shared oopses corpus not present")
def test_debian_oopses_identical():
    n = 0
    for path in log_files(OOPSES):
        if path.endswith(".log"):
            with open(path, "rb") as f:
                n += len(check_text(f.read().decode("utf-8", "replace")))
    assert n > 10


def test_noisy_logs_identical():
    logs = [v for k, v in vars(NL).items() if k.isupper() and isinstance(v, str)]
    assert len(logs) > 5
    for log in logs:
        check_text(log)
    assert check_text("\n".join(logs))  # several reports, several printers


@pytest.mark.parametrize("text", [
    "", "\n", "\n\n\n", "\r", "\r\n", "a\r\nb\r", "[ 1.0] a\r", "[ 1.0]\r[T1] x",
    "[   12.345678] x", "[12.345678]x", "[ 1.5][ T31] a", "[ 1.5] [ T31] a", "[ 1.5]  [T31] a",
    "[ 1.5][T31]a", "[ 1.5][ X31] a", "[ 1.5][T] a", "[ 1.5][T31 a", "[ 1.5][foo] a", "[ 1.5] [foo] a",
    "[1.]", "[.5] a", "[1.5", "[ 1.5]", "[ 1.5] ", "[1.5][C1]", "[1.5][C1] ", "[ ]", "[",
    "[" + " " * 40 + "1.5] a", "[" + "1" * 30 + ".5] a", "[" + "1" * 29 + ".5] a", "[1.5][" + " " * 30 + "T1] a",
    "[1.5][" + " " * 28 + "T1] a", "[1.5][" + " " * 29 + "T1] a", "[1.5] [" + " " * 28 + "T1] a",
    "[" + "1" * 27 + ".5] a", "[" + "1" * 28 + ".5] a", "[" + " " * 27 + "1.5][T1] a", "[" + " " * 28 + "1.5][T1] a",
    "[1.5][T" + "9" * 40 + "] a", "[" + "9" * 20 + ".123456789012345678901234] a", "[0.1] a", "[0000000.000001] a",
    "[99999999999999.9] a", "[9007199254740993.0] a", "[1.00000000000000000000000001] a",
    "<4>[ 1.0] x", "<4>WARNING: foo", "> > [ 1.0] BUG: x", ">", "*", "** 3 printk messages dropped ** [ 1.0] x",
    "Nov 25 01:02:03 host kernel: [  12.3] Oops: 0000", "kernel: Call Trace:", "x kernel: y", "host login: [ 1.0] x",
    "a login: b", " login: ", "kernel: ", "xkernel: ", "[T1] x", "[ C12] x", "[ 1.0] x\u2028y", "a\x0cb",
    "[ 1.0] caf\xe9", "[ 1.0] \u1234\n[ 2.0][T1] \U0001F600", "[ 1.0] \udcff\udc80 bad", "\udcff[ 1.0] x",
    "[\u0661.5] arabic digit", "[1.5][T\u0661] x", "\U0001F600" * 3 + "\n[ 1.0] BUG: x",
    "[ 1.0] " + "x" * 100_000, "y" * 100_000, "[ 1.0] " + "x" * (L.MAX_LINE - 7), "[ 1.0] " + "x" * (L.MAX_LINE - 6),
    "[ 1.0] " + "x" * (L.MAX_LINE - 7) + "\r", "[ 1.0] " + "x" * (L.MAX_LINE - 6) + "\r", "w" * L.MAX_LINE + "\r",
    "w" * (L.MAX_LINE - 1) + "\r", "w" * (L.MAX_LINE + 1) + "\r", "[ 1.0] a\rb\r", "a\rb\r", "\r\r", "[ 1.0][T1] x\r",
    "z" * L.MAX_LINE + " login: x", "z" * (L.MAX_LINE - 10) + "kernel: ", "\r" * 5000 + "[ 1.0] x",
    # syslog and journal prefixes (stripped in C when they end within the reach), then a
    # dmesg prefix, another shape or none
    "Nov 25 01:02:03 host kernel: [  12.3][ T31] x", "Nov 25 01:02:03 host kernel: plain text",
    "Nov  5 01:02:03 host kernel: a", "Nov 5 01:02:03 host kernel: a", "Nov 05 01:02:03.123456 h kernel: a",
    "Nov 25 01:02:03. h kernel: a", "Nov 25 01:02:03.5x h kernel: a", "Nov 25 1:02:03 h kernel: a",
    "Nov 123 01:02:03 h kernel: a", "NOv 25 01:02:03 h kernel: a", "Nov 25 01:02:03 h  kernel: a",
    "Nov 25 01:02:03  kernel: a", "Nov 25 01:02:03 h kernel:a", "Nov 25 01:02:03 h kernel: ",
    "Nov 25 01:02:03 h kernel:", "Nov 25 01:02:03 h\tkernel: a", "Nov 25 01:02:03 h\x0bx kernel: a",
    "Nov 25 01:02:03 h\xe9\u1234 kernel: [ 1.0] a", "Nov 25 01:02:03 akernel: kernel: a",
    "Nov 25 01:02:03 h kernel: kernel: a", "Nov 25 01:02:03 h kernel: <4>[ 1.0] a",
    "Nov 25 01:02:03 h kernel: * a", "Nov 25 01:02:03 h kernel: > [ 1.0] a", "Nov 25 01:02:03 h kernel: x login: [ 1.0] a",
    "Nov 25 01:02:03 h kernel: [ 1.0][foo] a", "Nov 25 01:02:03 h kernel: [T1] a", "Nov 25 01:02:03 h kernel: [ 1.0] a\rb",
    "Nov 25 01:02:03 h kernel: a\rb", "Nov 25 01:02:03 h kernel: [" + "1" * 40 + ".5] a",
    "Nov 25 01:02:03 " + "h" * 170 + " kernel: a", "Nov 25 01:02:03 " + "h" * 175 + " kernel: a",
    "Nov 25 01:02:03 " + "h" * 176 + " kernel: a", "Nov 25 01:02:03 " + "h" * 177 + " kernel: a",
    "Nov 25 01:02:03 " + "h" * 150 + "kernel: kernel: " + "h" * 30 + " kernel: a",
    "Nov 25 01:02:03 h kernel: " + "x" * (L.MAX_LINE - 26), "Nov 25 01:02:03 h kernel: " + "x" * (L.MAX_LINE - 25),
    "Nov 25 01:02:03 h kernel: [ 1.0] " + "x" * (L.MAX_LINE - 33), "Nov 25 01:02:03 h kernel: [ 1.0] " + "x" * (L.MAX_LINE - 32),
    "2026-11-25T01:02:03Z h kernel: [ 1.0] a", "2026-11-25 01:02:03 h kernel: a", "2026-11-25T01:02:03.123+01:00 h kernel: a",
    "2026-11-25T01:02:03,5-0100 h kernel: a", "2026-11-25T01:02:03+01 h kernel: a", "2026-11-25T01:02:03+01:0 h kernel: a",
    "2026-11-25T01:02:03+0100Z h kernel: a", "2026-11-25T01:02:03. h kernel: a", "2026-11-25X01:02:03 h kernel: a",
    "2026-1-25T01:02:03 h kernel: a", "2026-11-25T01:02:03Zh kernel: a", "\u0662026-11-25T01:02:03 h kernel: a",
    "kernel: [ 1.0] a", "kernel:  a", "kernel: ", "kernel:", "kernelx: a", "Kernel: a", "Nov", "N", "2026-11-25T",
])
def test_shapes_identical(text):
    check_text(text)
    check_text(text + "\n" + text + "\n")
    check_text(text + "\r\n" + text + "\r")  # CRLF captures


def test_header_bits_give_match_header():
    # every suppression of every header, in lines that also carry the header
    samples = ["warning: `foo' uses wireless extensions", "WARNING: `foo' uses deprecated v2 capabilities",
               "BUG: no syscalls can create resource", "INFO: NMI handler (x) took too long to run",
               "general protection fault, probably for non-canonical address 0x1 error:4 in x",
               "panicked at thread 'main' panicked at src/x.rs", "Kernel panic - not syncing: ODEBUG: x",
               "WARNING: The mand mount option", "WARNING: the mand mount option", "ALSA fatal error: x",
               # a case-insensitive suppression must not make the others case-insensitive
               "WARNING: x warning: `foo' uses wireless extensions",
               "WARNING: y warning: unsupported flag value(s) of 0x%x in dt_flags_1",
               "WARNING: y warning: see https://x for mitigation options.", "WARNING: kernel not compiled with cpu_srso"]
    for o in F.OOPSES:
        samples.append(o.header)
        samples.append("x " + o.header + " y")
        samples.extend(p.replace("\\", "").replace(".*", " ") + " " + o.header for p in o.suppressions)
    for text in samples:
        lines = [L.Line(1, text, None, 1.0)]
        idx = S.LogIndex(lines)
        assert idx.headers == [S.match_header(text)], text
    assert S.match_header(samples[10]) == -1 and S.match_header(samples[11]) == 1  # (the samples bite)


def test_odd_line_lists_take_the_python_path():
    # timestamps that are not floats, texts with newlines, a tuple: same answers
    odd = [L.Line(1, "[x] BUG: a", None, 1), L.Line(2, "b\nWARNING: c", "T1", None), L.Line(3, "end trace", "T1", 5.0)]
    same_split(odd)
    same_split([L.Line(1, "BUG: a", None, 1.0), L.Line(2, " f+0x1/0x2", None, 1)])
    assert S.split_reports(tuple(L.clean_lines(NL.TWO_OOPSES))) is not None
    assert [span_tuple(s) for s in S.split_reports(tuple(L.clean_lines(NL.TWO_OOPSES)))]


def _tagged(rows):
    return "\n".join(f"[{t:12.6f}][{who:>6s}] {body}" for t, who, body in rows) + "\n"


def test_all_cpu_lines_join_the_first_opened_report():
    # Two tasks' reports both ask for an all-CPU backtrace; a CPU's lines go to the one
    # opened first (whatever order the printers first appeared in).
    for first, second, noise in (("T1", "T2", "T1"), ("T1", "T2", "T2"), ("T2", "T1", "T1")):
        text = _tagged([
            (1.0, noise, "usb 1-1: noise"),
            (1.1, first, "INFO: task a:1 blocked for more than 120 seconds."),
            (1.2, second, "INFO: task b:2 blocked for more than 120 seconds."),
            (1.3, first, "Sending NMI from CPU 0 to CPUs 1:"),
            (1.4, second, "Sending NMI from CPU 0 to CPUs 1:"),
            (1.5, "C1", "NMI backtrace for cpu 1"),
            (1.6, "C1", " f+0x1/0x2"),
        ])
        spans = check_text(text)
        owner = {sp.context: [ln.text for ln in sp.lines] for sp in spans}
        assert "NMI backtrace for cpu 1" in owner[first] and "NMI backtrace for cpu 1" not in owner[second]
    # a report reopened later is the later one
    text = _tagged([
        (1.0, "T1", "INFO: task a:1 blocked for more than 120 seconds."),
        (1.1, "T2", "INFO: task b:2 blocked for more than 120 seconds."),
        (1.2, "T1", "WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2"),
        (1.3, "T1", "Sending NMI from CPU 0 to CPUs 1:"),
        (1.4, "T2", "Sending NMI from CPU 0 to CPUs 1:"),
        (1.5, "C1", "NMI backtrace for cpu 1"),
    ])
    spans = check_text(text)
    assert [ln.text for ln in spans[1].lines][-1] == "NMI backtrace for cpu 1" and spans[1].context == "T2"


# --- random text ---------------------------------------------------------------------

_PIECES = st.sampled_from([
    "[", "]", " ", "  ", ".", "0", "1", "12", "345678", "T", "C", "T31", "C1", "\n", "\r", ">", "> ", "<4>", "*",
    "kernel: ", " login: ", "Nov 25 01:02:03 host kernel: ", "2026-11-25T01:02:03Z h kernel: ", "é", "\u1234",
    "Nov 25 ", "Nov  5 ", "01:02:03", ".5", ",5", "Z", "+01:00", "-0100", "2026-11-25T", "2026-11-25 ", " h", "h",
    " kernel: ", "kernel:", "Nov ",
    "\U0001F600", "\udcff", "\x00", "\t", "BUG: ", "WARNING: ", "INFO: ", " ilc:", "end trace", "=" * 40,
    "---[ end trace 0 ]---", "------------[ cut here ]------------", "Sending NMI from CPU 0 to CPUs 1:",
    "Kernel panic - not syncing: x", "RIP: 0010:x", " ? f+0x1/0x2", "vmalloc: allocation failure: x",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=80).map("".join))
def test_random_pieces_identical(text):
    check_text(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.characters(), st.sampled_from([chr(c) for c in range(0xDC80, 0xDD00)]))).map("".join))
# (lone surrogates: bytes that were not UTF-8, kept by errors="surrogateescape")
def test_random_text_identical(text):
    check_text(text)


# Log lines of the shapes the splitter reacts to, with printers and clocks that jump.
_BODY = st.sampled_from([
    "BUG: KASAN: use-after-free in f+0x1/0x2", "WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2",
    "------------[ cut here ]------------", "Unhandled fault: x", "8<--- cut here ---",
    "Unable to handle kernel paging request at 0", "Internal error: Oops: 5 [#1] ARM",
    "general protection fault: 0000 [#1] SMP", "Kernel panic - not syncing: Fatal exception",
    "invalid opcode: 0000 [#1] SMP", "INFO: task x:1 blocked for more than 120 seconds.",
    "Sending NMI from CPU 0 to CPUs 1:", "NMI backtrace for cpu 1", "---[ end trace 0000000000000000 ]---",
    "=" * 66, "=" * 30, "note: sh[1] exited with irqs disabled", "RIP: 0010:f+0x1/0x2", "Code: 00 11",
    "Kernel Offset: 0x1 from 0x2", "vmalloc: allocation failure: 0 bytes", "list_add corruption. next x",
    "Insufficient stack space to handle exception!", "Call Trace:", " <TASK>", " f+0x1/0x2", " ? g+0x3/0x4",
    " </TASK>", "usb 1-1: new device", "unreferenced object 0xffff (size 8):", "x86/x: noise", "",
    "panic: x", "SYZFAIL: x", "kernel BUG at mm/x.c:1!", "Watchdog detected hard LOCKUP on cpu 1",
])
_PREFIX = st.sampled_from(["", "T1", "T2", "C0", "C1", "ts"])


@st.composite
def _logs(draw):
    out, t = [], 0.0
    for _ in range(draw(st.integers(0, 60))):
        t += draw(st.sampled_from([0.0, 0.001, 0.5, 3.0, -10.0]))
        t = max(t, 0.0)
        who = draw(_PREFIX)
        body = draw(_BODY)
        if who == "":
            out.append(body)
        elif who == "ts":
            out.append(f"[{t:12.6f}] {body}")
        else:
            out.append(f"[{t:12.6f}][{who:>6s}] {body}")
    return "\n".join(out) + draw(st.sampled_from(["", "\n"]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_logs())
def test_random_logs_identical(text):
    check_text(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("ab =?:\t", min_size=2, max_size=6), min_size=1, max_size=64, unique=True),
       st.lists(st.text("ab =?:\t\u00e9\u1234\U0001F600", max_size=40), min_size=1, max_size=8),
       st.integers(-1, 70))
def test_literal_set_finds_what_find_finds(literals, texts, n_masked):
    blob = "\n".join(texts)
    _, _, starts = ext.index_scan([L.Line(i, t, None, None) for i, t in enumerate(texts)])
    lines, masks, each = ext.LiteralSet(literals).lines_holding(blob, starts, n_masked)
    head = len(literals) if n_masked < 0 else min(n_masked, len(literals))
    for lit, got in zip(literals, each):
        assert (got or []) == S._lines_holding(blob, S._find_all(blob, lit)) == ext.holding(blob, starts, lit)
        assert got != []  # (None when no line holds it)
    want = [(k, sum(1 << i for i in range(head) if literals[i] in t)) for k, t in enumerate(texts)]
    assert list(zip(lines, masks)) == [(k, m) for k, m in want if m]


def test_literal_set_rejects_what_it_cannot_take():
    for bad in (["a"], ["a\nb"], ["\u00e9\u00e9"], ["x" * 65], ["ab"] * 65, [b"ab"]):
        with pytest.raises(ValueError):
            ext.LiteralSet(bad)
    _, _, starts = ext.index_scan([L.Line(1, "ab\ncd", None, None)])
    assert ext.LiteralSet(["cd"]).lines_holding("ab\ncd", starts) is None  # a newline inside a line
    with pytest.raises(ValueError):
        ext.LiteralSet(["cd"]).lines_holding("abc", starts)  # text and starts disagree


def test_without_the_extension_the_python_loops_run():
    # An install without the built extension imports and parses the same.
    import json
    import subprocess
    import sys
    code = (
        "import sys, json; sys.modules['crashpipe._lines'] = None\n"
        "import noisy_logs as NL\n"
        "from crashpipe import lines, split\n"
        "assert lines._ext is None and split._ext is None\n"
        "ls = lines.clean_lines(NL.TWO_OOPSES + NL.INTERLEAVED)\n"
        "sp = split.split_reports(ls)\n"
        "print(json.dumps([[(l.no, l.text, l.tag, l.ts) for l in ls],"
        " [(s.start_line, s.end_line, [l.no for l in s.lines], s.oops, s.context, s.closed_by) for s in sp]]))\n"
    )
    env = dict(os.environ, PYTHONPATH=os.path.dirname(__file__) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    ls = L.clean_lines(NL.TWO_OOPSES + NL.INTERLEAVED)
    S._LAST_INDEX.clear()
    sp = S.split_reports(ls)
    want = [[(ln.no, ln.text, ln.tag, ln.ts) for ln in ls],
            [(s.start_line, s.end_line, [ln.no for ln in s.lines], s.oops, s.context, s.closed_by) for s in sp]]
    assert json.loads(out) == json.loads(json.dumps(want))
    assert len(sp) >= 3


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"[0-9]{1,20}\.[0-9]{1,25}", fullmatch=True), st.sampled_from(["", "[T7]", " [ C12]"]))
def test_stamps_read_as_float_reads_them(stamp, tag):
    text = f"[{stamp}]{tag} x"
    (got,) = same_lines(text)
    if len(stamp) + 1 < 32:  # (longer stamps: the console pattern's reading, also float())
        assert got.ts == float(stamp) and got.text == "x"


def test_starts_refuse_what_they_do_not_describe():
    _, _, starts = ext.index_scan([L.Line(1, "ab", None, None), L.Line(2, "c", None, None)])
    assert list(starts) == [0, 3, 5] and starts[-1] == 5
    with pytest.raises(IndexError):
        starts[3]
    for bad in (ext.Starts(), None):
        with pytest.raises((ValueError, TypeError)):
            ext.holding("ab\nc", bad, "c")
    with pytest.raises(ValueError):
        ext.holding("ab\ncd", starts, "c")
    assert ext.holding("ab\nc", starts, "c") == [1]


# Near-syslog prefixes: every field of SYSLOG_PREFIX / ISO_SYSLOG_PREFIX right or a little
# off, then a dmesg prefix, another console prefix or none (the compiled reading of the
# prefix against clean_line's patterns).
_NEAR_SYSLOG = st.one_of(
    st.from_regex(r"[A-Z][a-z]{2} [ 0-9]?[0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{0,3})? [a-z\x0b\xe9]{1,3} kernel: ",
                  fullmatch=True),
    st.from_regex(r"[A-Za-z]{1,4} {1,2}[ 0-9.]{0,3} [0-9:]{6,9}[.,]?[0-9]{0,2} ?[a-z:]{0,8}( kernel)?:? ?", fullmatch=True),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}([.,][0-9]{0,3})?(Z|[+-][0-9]{2}:?[0-9]{0,2})?"
                  r" [a-z]{0,3} kernel: ", fullmatch=True),
    st.from_regex(r"[0-9-]{8,11}[T ][0-9:]{6,9}[.,Z+0-9:-]{0,7} ?[a-z]{0,3}( kernel)?: ?", fullmatch=True),
    st.sampled_from(["kernel: ", "kernel:", "kernel:  ", ""]),
)
_AFTER = st.sampled_from(["", "[  12.345678] ", "[ 1.0][ T31] x", "[ 1.0] [C1] x", "[ 1.0][x] y", "[T1] x", "<4>x",
                          "* x", "> x", "x login: [ 1.0] y", "a\rb", "BUG: x", " login: ", "kernel: x", "\u1234 x"])


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_NEAR_SYSLOG, _AFTER), min_size=1, max_size=8))
def test_near_syslog_prefixes_identical(rows):
    text = "\n".join(a + b for a, b in rows)
    check_text(text)
    check_text(text.replace("\n", "\r\n"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("ab\n =:\u00e9\u1234", max_size=12), min_size=1, max_size=10),
       st.lists(st.text("ab =:", min_size=2, max_size=4), min_size=1, max_size=6, unique=True))
def test_literal_set_refuses_lines_holding_newlines(texts, literals):
    # None exactly when a line text holds a newline (wherever it sits: first, last, alone)
    blob = "\n".join(texts)
    _, _, starts = ext.index_scan([L.Line(i, t, None, None) for i, t in enumerate(texts)])
    got = ext.LiteralSet(literals).lines_holding(blob, starts)
    if any("\n" in t for t in texts):
        assert got is None
    else:
        _, _, each = got
        for lit, lines in zip(literals, each):
            assert (lines or []) == [k for k, t in enumerate(texts) if lit in t]
    # a text of the right length that is not these lines joined: refused, never misread
    if len(texts) > 1 and "\n" not in "".join(texts):
        assert ext.LiteralSet(literals).lines_holding(blob.replace("\n", "a"), starts) is None


class _OtherLine:
    def __init__(self, no, text, tag, ts):
        self.no, self.text, self.tag, self.ts = no, text, tag, ts


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text("ab \u00e9\u1234\U0001F600", max_size=6), st.sampled_from([None, "T1", "C2"]),
                          st.sampled_from([None, 1.0])), max_size=8))
def test_index_blob_is_index_scan_joined(rows):
    lines = [L.Line(i + 1, t, tag, ts) for i, (t, tag, ts) in enumerate(rows)]
    contexts, texts, starts = ext.index_scan(lines)
    got = ext.index_blob(lines)
    assert got is not None
    assert got[0] == contexts and got[1] == "\n".join(texts) and list(got[2]) == list(starts)
    assert got[1].isascii() == "\n".join(texts).isascii()
    if lines:  # anything but a Line with a str text: None (the caller takes index_scan)
        for odd in (_OtherLine(1, "a", None, None), L.Line(1, 5, None, None), L.Line(1, type("S", (str,), {})("a"), None, None)):
            assert ext.index_blob(lines[:-1] + [odd]) is None


def test_lines_made_in_c_are_not_tracked_by_the_collector():
    # (they hold an int, str, str or None, float or None: no cycle can pass through them)
    import gc
    got = L.clean_lines("[  1.0] a\nplain\n[ 2.0][ T1] x\nNov 25 01:02:03 h kernel: y")
    assert got == L.clean_lines_py("[  1.0] a\nplain\n[ 2.0][ T1] x\nNov 25 01:02:03 h kernel: y")
    assert not any(gc.is_tracked(ln) for ln in got)
    for ln in got:
        assert type(ln.no) is int and type(ln.text) is str
        assert ln.tag is None or type(ln.tag) is str
        assert ln.ts is None or type(ln.ts) is float
    assert gc.is_tracked(L.Line(1, "x"))  # (made by Python: the collector's as usual)
