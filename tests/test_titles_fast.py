"""The Cython loops of crashpipe._titles against the pure-Python reference in
crashpipe.titles: the same report texts (every yield of _read_report, early or not) and
the same TitleInfo from title_for, on the shared corpora, the samples, the synthetic
noisy logs and hypothesis-random / mutated logs (tagged and untagged, interleaved
printers, unreliable frames, marker lines, bytes that are not UTF-8)."""
import contextlib
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import noisy_logs as NL
from crashpipe import split as S
from crashpipe import titles as T
from crashpipe.formats import frames as FR
from crashpipe.formats import oopses as F
from crashpipe.lines import Line, clean_lines
from log_files import log_files

ext = pytest.importorskip("crashpipe._titles")

HERE = os.path.dirname(__file__)
SHARED = os.environ.get("CRASHPIPE_SHARED", os.path.join(HERE, "..", "..", "shared"))
CORPUS = os.path.join(SHARED, "corpus", "syzkaller-linux")
OOPSES = os.path.join(SHARED, "oopses")
SAMPLES = os.path.join(HERE, "..", "samples")

# (module attribute, fast version, Python reference)
TWINS = (("_read_report", T._read_report_fast, T._read_report_py), ("_walk", ext.walk, T._walk_text_py),
         ("_describe", ext.describe, T._describe_py), ("sanitize", ext.sanitize, T._sanitize_py),
         ("_line_kind", ext.line_kind, T._line_kind_py), ("_corruption", ext.corruption, T._corruption_py))
# the per-distinct-value memos both paths fill: the reference runs on fresh ones, so it
# never reads what the compiled path decided (which keeps its own, warm as in a run)
MEMOS = ("_LINE_KIND", "_GROUP_NAMES", "_STRIPPED", "_SANITIZED", "_NAME_KEPT", "_STALL_HIT")


def test_extension_is_used():
    assert T._ext is ext
    for name, fast, _ in TWINS:
        assert getattr(T, name) is fast, name


@contextlib.contextmanager
def reference():
    """titles.py with every compiled path swapped for its Python reference, on empty
    memos."""
    saved = [(name, getattr(T, name)) for name, _, _ in TWINS] + [(m, getattr(T, m)) for m in MEMOS]
    try:
        for name, _, ref in TWINS:
            setattr(T, name, ref)
        for m in MEMOS:
            setattr(T, m, {})
        yield
    finally:
        for name, v in saved:
            setattr(T, name, v)


def info_tuple(ti):
    return (ti.title, ti.alt_titles, ti.kind, ti.corrupted, ti.corrupted_reason)


def check_lines(lines):
    """Both paths on every header of the log; returns how many headers were compared."""
    S._LAST_INDEX.clear()
    T._FACTS.clear()
    idx = S.log_index(lines)
    heads = [i for i, h in enumerate(idx.headers) if h >= 0]
    facts = T._log_facts(lines)
    want = [j for j, ln in enumerate(lines) if T._strip_line(ln)[1]]
    assert sorted(T._unreliable_py(lines, facts.strip)) == want
    assert sorted(facts.dropped()) == want
    for s in heads:
        for early in (True, False):
            want = list(T._read_report_py(lines, s, early))
            got = list(T._read_report_fast(lines, s, early))
            assert got == want, (s, early)
        # the reader as title_for uses it: texts as UTF-8 bytes, the rest read on demand
        want, got = T._ReaderPy(lines, s), T._reader(facts, lines, s)
        assert (got.paused, got.title_bytes()) == (want.paused, want.title_bytes()), s
        if want.paused:
            assert got.at == want.at
        assert got.rest_bytes() == want.rest_bytes() and got.last_header == want.last_header, s
        assert got.rest_bytes() == want.rest_bytes() and not got.paused and not want.paused
    for s in heads:  # the walk of every stack format of the header, both ways, every mode
        title_text, full, _ = T.report_text(lines, s)
        text = full.encode("utf-8", "replace")
        oops = F.OOPSES[idx.headers[s]]
        check_walks(text, oops)
        r = T._reader(facts, lines, s)  # (paused: the title text ends at line r.end, where the rest starts)
        check_corruption(title_text.encode("utf-8", "replace"), text, oops, facts, s, r.end,
                         (lambda s=s: T._reader(facts, lines, s)) if r.paused else None)
    spans = S.split_reports(lines)
    fast = [info_tuple(T.title_for(sp, lines)) for sp in spans]
    with reference():
        T._FACTS.clear()
        ref = [info_tuple(T.title_for(sp, lines)) for sp in spans]
        # every line, as the walk and the corruption check classify it
        texts = [ln.text.encode("utf-8", "replace") for ln in lines]
        kinds = [T._line_kind_py(b) for b in texts]
    assert fast == ref
    assert [ext.line_kind(b) for b in texts] == kinds
    return len(heads)


def check_walks(text, oops):
    text_lines = text.split(b"\n")
    for f in oops.formats:
        if f.stack is None:
            continue
        skip = T._skip_rx(f.stack.skip)
        for parts in (f.stack.parts, f.stack.parts2, FR.HEADERLESS_PARTS):
            for may_corrupt in (True, False):
                got = ext.walk(text, parts, skip, f.stack.extractor, may_corrupt)
                for whole in (True, False) if not may_corrupt else (False,):  # (whole needs no marker)
                    args = (text_lines, parts, skip, f.stack.extractor, may_corrupt, text, whole)
                    with reference():
                        want = T._walk_py(*args)
                    assert got == want, (parts, may_corrupt, whole)


class WholeRest:
    """A reader that hands over the whole rest at once (as _ReaderPy does), counting."""

    def __init__(self, rest):
        self.rest, self.reads = rest, 0

    def rest_bytes(self):
        self.reads += 1
        return self.rest


def check_corruption(text, full, oops, facts, first, end, paused_reader):
    """The corruption check from the title text (lines [first, end) of the log) and the
    rest read on demand (when the reader paused: `paused_reader()` makes a titles Reader
    paused there, which the compiled check reads in pieces), and on the whole text, both
    ways, against the rule on the whole text; for each format of the header (and none),
    titles with and without a timestamp merged in, with and without the set's answer
    for the title text at hand."""
    assert full.startswith(text)
    rest = full[len(text):]
    assert paused_reader is not None or not rest
    for used in (None, *oops.formats):
        for title in ("WARNING in f", "BUG: x [  12.345] y"):
            with reference():
                want = T._stack_corruption_py(title, full, used)
            for f in (T._corruption_py, ext.corruption):
                for known in (False, True):
                    readers = [None] if paused_reader is None else [WholeRest(rest), paused_reader()]
                    for reader in readers:
                        T._LAST_HITS[:] = [None, None, None]
                        if known:
                            T._set_hits(T._STACK_START_SET, text)
                        got = f(title, text, used, facts, first, end, reader)
                        assert got == want, (f, title, used, known, reader)
                        assert not isinstance(reader, WholeRest) or reader.reads <= 1  # read once at most
                assert f(title, full, used, None, 0, 0, None) == want, (f, title, used)


def check_text(text):
    return check_lines(clean_lines(text))


@pytest.mark.skipif(not os.path.isdir(CORPUS), reason="shared syzkaller corpus not present")
def test_syzkaller_corpus_identical():
    n = 0
    for path in log_files(CORPUS):
        with open(path, "rb") as f:
            n += check_text(f.read().decode("utf-8", "surrogateescape"))
    assert n > 100  # the corpus holds reports: the comparison saw headers


@pytest.mark.skipif(not os.path.isdir(OOPSES), reason="shared oopses corpus not present")
def test_debian_oopses_identical():
    n = 0
    for path in log_files(OOPSES):
        if path.endswith(".log"):
            with open(path, "rb") as f:
                n += check_text(f.read().decode("utf-8", "replace"))
    assert n > 10


def test_samples_identical():
    n = 0
    for path in log_files(SAMPLES):
        with open(path, "rb") as f:
            raw = f.read()
        if raw[:2] in (b"\x1f\x8b", b"\xfd7", b"BZ", b"\x28\xb5"):
            continue  # compressed: covered through the corpora
        n += check_text(raw.decode("utf-8", "surrogateescape"))
    assert n > 0


NOISY = [v for k, v in vars(NL).items() if k.isupper() and isinstance(v, str)]


def test_noisy_logs_identical():
    assert len(NOISY) > 5
    for log in NOISY:
        check_text(log)
    assert check_text("\n".join(NOISY)) > 5  # several reports, several printers


# Logs where the corruption check's answer hangs on the rest after the title text, or on
# where in a line a stack start sits (a start at a line's beginning, a literal that is
# not a start, a start right before or after the title text's end, frames only further
# down, a headerless arm frame only in the rest).
_START_EDGES = [
    "BUG: unable to handle page fault for address: 0000000000000010\n backtrace:\n f+0x1/0x2\n"
    "WARNING: CPU: 0 PID: 1 at a.c:1 g+0x1/0x2\nstack backtrace:\n h+0x1/0x2\n",
    "BUG: unable to handle page fault for address: 0000000000000010\nstack backtrace:\nstack backtrace:\n"
    "WARNING: CPU: 0 PID: 1 at a.c:1 g+0x1/0x2\n backtrace:\nx\ny\nz\n f+0x1/0x2\n",
    "kernel BUG at mm/slub.c:419!\nx\nCall Trace:\n"
    "BUG: KASAN: use-after-free in foo_bar+0x1/0x2\n f+0x1/0x2\nAllocated by task 1:\n a+0x1/0x2\nFreed:\n",
    "kernel BUG at mm/slub.c:419!\nx\n"
    "BUG: KASAN: use-after-free in foo_bar+0x1/0x2\nfoo [mod] from bar+0x10/0x18 [mod]\n",
    "kernel BUG at mm/slub.c:419!\nx\n"
    "BUG: KASAN: use-after-free in foo_bar+0x1/0x2\nCall Trace:\n" + "".join(f"l{i}\n" for i in range(20)),
    "kernel BUG at mm/slub.c:419!\nCall Trace:\n"
    "BUG: KASAN: use-after-free in foo_bar+0x1/0x2\n f+0x1/0x2\n g+0x1/0x2\n",
    "kernel BUG at mm/slub.c:419!\nCall Trace:\nq\n"
    "WARNING: CPU: 0 PID: 1 at a.c:1 g+0x1/0x2\nq\nCall Trace:\n",
]


def test_header_read_stripped_and_joined_text():
    # a header line that reads as an unreliable frame is stripped, not copied whole out
    # of the joined text; a joined text is taken only when ASCII with a newline per line
    log = ("[ 1.0] x ? BUG: unable to handle page fault for address: 0000000000000010\n[ 1.1] Call Trace:\n"
           "[ 1.2]  f+0x1/0x2\n[ 1.3]  ? g+0x1/0x2\n[ 1.4] WARNING: CPU: 0 PID: 1 at a.c:1 g+0x1/0x2\n")
    assert check_text(log) == 2
    lines = clean_lines(log)
    T._FACTS.clear()
    r = T._reader(T._log_facts(lines), lines, 0)
    assert r.title_bytes().startswith(b" BUG: unable to handle page fault")  # (after " ?")
    a = ext.LogArrays(["", ""], [], set(), set(), [])
    assert not a.set_joined("a\nb") and not a.set_joined("a\nb\nc\n") and not a.set_joined("caf\xe9\nb\n")
    assert a.set_joined("a\nb\n") and not a.set_joined("a\nb\n")  # (once)


def test_corruption_edges():
    for log in _START_EDGES:
        for stamped in (False, True):
            text = "".join(f"[{i:6d}.000000] {ln}\n" for i, ln in enumerate(log.splitlines())) if stamped else log
            assert check_text(text) >= 2


def test_odd_line_lists():
    # a tuple of lines takes the Python loop; a text holding "\n" the slow index paths
    lines = clean_lines(NL.TWO_OOPSES)
    spans = S.split_reports(lines)
    assert T.title_for(spans[0], tuple(lines)).title == T.title_for(spans[0], lines).title
    odd = [Line(1, "BUG: unable to handle page fault for address: 0\nCall Trace:", None, 1.0),
           Line(2, " f+0x1/0x2", None, 1.0), Line(3, "WARNING: CPU: 0 PID: 1 at x.c:1 g+0x1/0x2", "T1", 2.0)]
    check_lines(odd)


# --- random and mutated logs ----------------------------------------------------------

# report-ish lines: headers, frames (reliable, "? ", "(unreliable)", arm "from"), markers
PIECES = [
    "BUG: KASAN: use-after-free in foo_bar+0x1/0x2", "Read of size 8 at addr ffff888000000000 by task x/1",
    "BUG: unable to handle page fault for address: 0000000000000010", "RIP: 0010:cl_null_call+0x12/0x30",
    "general protection fault, probably for non-canonical address 0xdead: 0000 [#1] SMP",
    "WARNING: CPU: 1 PID: 2 at net/core/dev.c:1 dev_close_many+0x1/0x2", "Call Trace:", "<TASK>", "</TASK>",
    " <IRQ>", " </IRQ>", " dump_stack_lvl+0x1/0x2", " ? rtnl_lock+0x1/0x2", " ? __schedule+0x10/0x20",
    " vfs_write+0x1/0x2", " __x64_sys_write+0x1/0x2", " do_syscall_64+0x1/0x2", " kfree+0x1/0x2",
    " sched_read_tx+0x76/0x7b3 (unreliable)", " [c0000000c96e30] [c00000000c96e3] udp_put+0x95/0x406",
    "[<c0101234>] (foo) from [<c0105678>] (bar+0x10/0x20)", "foo [mod] from bar+0x10/0x18 [mod]",
    "Kernel panic - not syncing: Fatal exception", "Kernel panic - not syncing: panic_on_warn set ...",
    "WARNING: possible circular locking dependency detected", "Sending NMI from CPU 0 to CPUs 1:",
    "NMI backtrace for cpu 1", "Disabling lock debugging due to kernel taint", "---[ end trace 0 ]---",
    "INFO: task kworker:1 blocked for more than 120 seconds.", "INFO: rcu_sched self-detected stall on CPU",
    "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", " synchronize_rcu+0x1/0x2", " should_fail+0x1/0x2",
    " should_failslab+0x1/0x2", "Allocated by task 1:", "Freed by task 2:", "unreferenced object 0x1 (size 8):",
    "  backtrace:", "    [<000000001>] kmalloc+0x1/0x2", "BUG: sleeping function called from invalid context",
    "Internal error: Oops: 96000005 [#1] SMP", "pc : bad_fn+0x1/0x2", "lr : caller_fn+0x1/0x2",
    "kernel BUG at mm/slub.c:419!", "invalid opcode: 0000 [#1] SMP", "Unable to handle kernel paging request",
    "usb 1-1: new high-speed USB device", "IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready",
    "BUG: KMSAN: uninit-value in kmsan_fn+0x1/0x2", "Uninit was created at:", "caf\xe9 \udcff\udc80 bytes",
    "BUG: soft lockup - CPU#0 stuck for 22s!", "watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [x:1]",
    " <EOI> ? foo+0x1/0x2", "possible deadlock", "======================================================",
]
PRINTERS = ["T1", "T2", "T31", "C0", "C1", None]


@st.composite
def random_logs(draw):
    tagged = draw(st.booleans())
    stamped = draw(st.booleans())
    rows = draw(st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(PRINTERS)), min_size=1, max_size=80))
    out = []
    for k, (body, who) in enumerate(rows):
        if tagged and who is not None:
            out.append(f"[{k:6d}.000000][{who:>6s}] {body}")
        elif stamped:
            out.append(f"[{k:6d}.000000] {body}")
        else:
            out.append(body)
    return "\n".join(out) + "\n"


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(random_logs())
def test_random_logs_identical(text):
    check_text(text)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(NOISY), st.data())
def test_mutated_noisy_logs_identical(log, data):
    lines = log.split("\n")
    ops = data.draw(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 10 ** 6), st.sampled_from(PIECES)),
                             max_size=12))
    for op, at, piece in ops:
        if not lines:
            break
        i = at % len(lines)
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, piece)
        elif op == 2:  # a frame turned unreliable
            lines[i] = lines[i].replace("]  ", "]  ? ", 1)
        elif op == 3:  # another printer's line spliced in
            lines.insert(i, f"[ 9.000000][   T99] {piece}")
        elif op == 4:
            lines[i] = lines[i] + " (unreliable)"
        else:  # bytes that are not UTF-8, as the reader decodes them
            lines[i] = lines[i][: at % (len(lines[i]) + 1)] + "\udcff\udcfe"
    check_text("\n".join(lines))


def test_format_matches_substitution():
    # every format string of the tables, with too few, enough and too many arguments
    fmts = {"", "{1}", "{0}", "{01} {2}{2}", "x{12}y", "{", "{1", "}{1}{", "{{1}}", "{1}{99999999999999999999}"}
    for o in F.OOPSES:
        for f in o.formats:
            fmts.add(f.fmt)
            fmts.update(f.alt)
    for fmt in fmts:
        for n in range(0, 6):
            args = [f"a{i}\\1\\g<0>" for i in range(n)]  # (backslashes stay literal)
            assert T._format(fmt, args) == T._format_re(fmt, args), (fmt, n)


def test_split_skip_lists_match_the_union():
    # each format's skip list searched as common + extra says what the one alternation says
    names = [b"", b"kfree", b"skb_put", b"__skb_put", b"mydrv_poll", b"kmemleak_alloc", b"process_one_work",
             b"el1h_64_sync", b"_Z3fooi", b"caf\xc3\xa9", b"x" * 300, b"tag_check_fault", b"^skb_", b"down"]
    for o in F.OOPSES:
        for f in o.formats:
            if f.stack is None:
                continue
            rx, union = T._skip_rx(f.stack.skip), T._skip_union(f.stack.skip)
            words = names + [p.strip("^$").encode() for p in f.stack.skip if p.isidentifier()]
            words += [b"a" + w + b"z" for w in words]
            for w in words:
                assert (rx.search(w) is None) == (union.search(w) is None), (f.stack.skip, w)


SANITIZE_TITLES = ["WARNING in cl_udp_free_tx", "KASAN: use-after-free in foo.part.12", "x facade y", "x fac4de y",
                   "in deadbe", "in deadb", " lead", "tail ", "a  b", "a\tb", "caf\u00e9 0x1", "\x01ctl", "x" * 130,
                   "a" * 118 + "\u20ac" + "bcd", "", " ", "  ", "in abcdef_g", "CPU#3 stuck", "\u0663 digit", "a\x7fb",
                   "syz-executor.4/1234 in f", "INFO: task \ufffd\ufffd blocked\ttwice", "abcde", "abcdefabcdef"]


def test_sanitize_compiled_equals_rules():
    # (titles are decoded with errors="replace": no lone surrogates)
    for t in SANITIZE_TITLES + [p for p in PIECES if not any("\ud800" <= c <= "\udfff" for c in p)]:
        assert ext.sanitize(t) == T._sanitize_rules(t), t


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet="abcdefgx019 _.:/#\t\u00e9\x7f\x01", max_size=40))
def test_sanitize_compiled_random(t):
    assert ext.sanitize(t) == T._sanitize_rules(t)


FRAME_BITS = [" ", "  ", "[", "]", "<", ">", "0x", "0", "x", "ff", "c01", "g", "(", ")", ".", "+", "_", " from ",
              "from", "[mod]", " [", "foo", "Z9", "+0x1/0x2", "\t", "\xe9", "[<c0101234>] ", "(bar+0x10/0x20)"]


def check_frame(ln: bytes):
    m = T._ANY_FRAME.search(ln)
    assert ext.frame_groups(ln) == (m.groups() if m is not None else None), ln


def test_frame_lines_in_c():
    assert ext.c_frames()  # (the tables' frame pattern is the one _titles.pyx matches in C)
    for log in NOISY + [p for p in PIECES]:
        for ln in log.split("\n"):
            check_frame(ln.encode("utf-8", "replace"))
    for path in log_files(CORPUS) if os.path.isdir(CORPUS) else ():
        with open(path, "rb") as f:
            for ln in f.read().split(b"\n"):
                check_frame(ln)


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(FRAME_BITS), max_size=14))
def test_frame_lines_in_c_random(bits):
    check_frame("".join(bits).encode("utf-8"))


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=40).map(lambda b: bytes(b"abIP_ \n\xff"[x % 8] for x in b)),
       st.binary(max_size=5).map(lambda b: bytes(b"abIP_ \n\xff"[x % 8] for x in b)),
       st.integers(0, 45), st.integers(-1, 45))
def test_find_equals_bytes_find(text, needle, start, end):
    want = text.find(needle, start, len(text) if end < 0 else end) if start <= len(text) else -1
    assert ext.find(text, needle, start, end) == want


NAME_BITS = ["__x64_sys_", "__se_sys_", "sys_", "do_", "smp_call_function", "process_one_work", "rtnl_lock",
             "synchronize_rcu", "synchronize_net", "schedule", "_lock", "wait", "foo", "bar_", "kthread", "x"]


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.lists(st.sampled_from(NAME_BITS + list(FR.STRIP_FRAME_PREFIXES)), min_size=1, max_size=3)
                .map("".join), max_size=8), st.sampled_from([None, "stall", "hang"]))
def test_key_frame_compiled(raw, extractor):
    with reference():
        want = T._key_frame(list(raw), extractor)
    assert ext.key_frame(list(raw), extractor) == want


def _skip_objects():
    out = []
    for o in F.OOPSES:
        for f in o.formats:
            if f.stack is not None:
                rx = T._skip_rx(f.stack.skip)
                out += [rx.common, rx.extra] if isinstance(rx, T._SkipEither) else [rx]
    return list({id(x): x for x in out}.values())


def check_skip_literals(name: bytes):
    for rx in _skip_objects():
        may = ext.may_match(rx, name)
        assert may == T._skip_may_match(rx, name), name
        if rx.search(name) is not None:  # (no name the pattern matches is ever ruled out)
            assert may, (rx._rx.pattern[:60], name)


def test_skip_literals_never_rule_out_a_match():
    assert all(rx in T._SKIP_LITERALS for rx in _skip_objects())  # (the tables' skip lists have literals)
    names = {p.strip("^$").encode() for p in FR.SKIP}
    for o in F.OOPSES:
        for f in o.formats:
            if f.stack is not None:
                names.update(p.strip("^$").encode() for p in f.stack.skip)
    names.update(b"a" + n + b"z" for n in list(names))
    names.update([b"", b"ab", b"cl_tcp_sync_tcp", b"read_once_x_nocheck", b"atomic64_inc", b"crc32", b"down",
                  b"_Z3fooi", b"caf\xc3\xa9_kfree"])
    for path in log_files(CORPUS) if os.path.isdir(CORPUS) else ():
        with open(path, "rb") as fh:
            for ln in fh.read().split(b"\n"):
                m = T._ANY_FRAME.search(ln)
                if m is not None:
                    names.update(g for g in m.groups() if g is not None)
    for name in names:
        check_skip_literals(name)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(["kfree", "spin_", "lock", "_once_", "nocheck", "read", "write", "atomic", "64",
                                 "_inc", "crc", "1", "down", "up_", "rb_", "x", "_", "mem", "cpy", "slab_"]),
                max_size=5).map("".join))
def test_skip_literals_random(name):
    check_skip_literals(name.encode())
