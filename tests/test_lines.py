"""Console line cleaning: prefixes stripped, tags and timestamps kept, never raises."""
from hypothesis import given, settings
from hypothesis import strategies as st

from crashpipe.lines import MAX_LINE, clean_lines


def one(text):
    lines = clean_lines(text)
    assert len(lines) == 1
    return lines[0]


def test_dmesg_timestamp():
    ln = one("[   12.345678] BUG: KASAN: use-after-free in foo+0x1/0x2")
    assert ln.text == "BUG: KASAN: use-after-free in foo+0x1/0x2"
    assert ln.ts == 12.345678 and ln.tag is None and ln.context == "console"


def test_caller_tags_combined_and_alone():
    ln = one("[  584.319520][   T31] INFO: task hung")
    assert (ln.text, ln.tag, ln.ts) == ("INFO: task hung", "T31", 584.31952)
    ln = one("[   1.000000][    C1] NMI backtrace for cpu 1")
    assert (ln.text, ln.tag) == ("NMI backtrace for cpu 1", "C1")
    ln = one("[T123] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2")
    assert (ln.text, ln.tag, ln.ts) == ("WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2", "T123", None)
    assert ln.context == "T123"


def test_syslog_and_journal_prefixes():
    ln = one("Nov 25 01:02:03 host kernel: [  12.3] Oops: 0000 [#1] SMP")
    assert (ln.text, ln.ts) == ("Oops: 0000 [#1] SMP", 12.3)
    ln = one("Nov  5 01:02:03 myhost kernel: general protection fault: 0000 [#1]")
    assert ln.text == "general protection fault: 0000 [#1]" and ln.ts is None
    ln = one("2026-11-25T01:02:03.123456+00:00 host kernel: RIP: 0010:foo+0x1/0x2")
    assert ln.text == "RIP: 0010:foo+0x1/0x2"
    assert one("kernel: Call Trace:").text == "Call Trace:"


def test_loglevel_login_and_dropped_prefixes():
    assert one("<4>WARNING: foo").text == "WARNING: foo"
    assert one("<4>[    5.100000] WARNING: foo").text == "WARNING: foo"
    ln = one("syzkaller login: [  123.456789] BUG: soft lockup - CPU#0 stuck")
    assert ln.text == "BUG: soft lockup - CPU#0 stuck" and ln.ts == 123.456789
    assert one("** 12 printk messages dropped ** [  1.5] foo").text == "foo"


def test_plain_lines_and_crlf_and_numbering():
    lines = clean_lines("a\r\nb\n\n[ 1.0] c\r")
    assert [(ln.no, ln.text) for ln in lines] == [(1, "a"), (2, "b"), (3, ""), (4, "c")]
    assert lines[0].context == "" and lines[3].context == "console"


def test_only_newline_splits_lines():
    # Form feeds and Unicode separators are content: line numbers must match `\n` counts.
    lines = clean_lines("a\x0cb\u2028c\nd")
    assert [ln.text for ln in lines] == ["a\x0cb\u2028c", "d"]


def test_long_line_capped():
    ln = one("[  1.0] " + "x" * (5 * MAX_LINE))
    assert len(ln.text) <= MAX_LINE


def test_undecodable_bytes():
    raw = b"[  1.0] BUG: \xff\xfe bad\n\xc3(\n"
    for text in (raw.decode("utf-8", "replace"), raw.decode("utf-8", "surrogateescape")):
        lines = clean_lines(text)
        assert lines[0].text.startswith("BUG: ")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_never_raises(text):
    lines = clean_lines(text)
    assert len(lines) == text.count("\n") + 1
    assert all(len(ln.text) <= MAX_LINE for ln in lines)


def test_util_linux_caller_column():
    ln = one("[    0.000000] [    T0] Linux version 6.1.0")
    assert (ln.text, ln.tag, ln.ts) == ("Linux version 6.1.0", "T0", 0.0)
    # A second bracket that is not a caller tag is content.
    assert one("[    1.000000] [drm] Initialized").text == "[drm] Initialized"


def test_mail_quotes():
    assert one("> [   12.5] BUG: KASAN: x").text == "BUG: KASAN: x"
    assert one(">> > [ 1.0]  foo+0x1/0x2").text == " foo+0x1/0x2"
    # KASAN's shadow-memory dump marks the buggy row with a bare ">": it stays.
    assert one(">ffff888012345600: fa fb fb fb").text == ">ffff888012345600: fa fb fb fb"
