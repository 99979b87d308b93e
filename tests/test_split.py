"""Report splitting: every report of a noisy log, with its own lines only."""
import json
import os

import pytest

from crashpipe.lines import clean_lines
from crashpipe.split import split_reports
import noisy_logs as L

OOPSES = "/work/shared/oopses"


def spans_of(text):
    lines = clean_lines(text)
    return lines, split_reports(lines)


def test_no_report_in_clean_log():
    assert spans_of(L.NO_REPORT)[1] == []
    assert spans_of("")[1] == []


def test_kasan_span_keeps_own_task_and_whole_body():
    lines, spans = spans_of(L.KASAN_TAGGED)
    assert len(spans) == 1
    sp = spans[0]
    assert sp.header_line == 3 and sp.context == "T5001"
    texts = [ln.text for ln in sp.lines]
    assert "usb 1-1: new high-speed USB device number 2 using dummy_hcd" not in texts
    assert " some_other_task_frame+0x10/0x20" not in texts
    assert " ip_cork_release+0x10/0x20" in texts  # Freed-by stack is part of the body
    assert sp.end_line == 32  # the closing rule; the usb line after it is not
    assert all(ln.tag == "T5001" for ln in sp.lines)


def test_panic_on_warn_is_one_report_from_cut_here():
    _, spans = spans_of(L.WARN_PANIC_ON_WARN)
    assert len(spans) == 1
    assert spans[0].start_line == 1 and spans[0].header_line == 2
    assert spans[0].end_line == 23


def test_exec_summary_reprint_is_not_a_report():
    lines, spans = spans_of(L.TWO_OOPSES)
    assert [s.header_line for s in spans] == [2, 24]
    first, second = spans
    assert first.end_line == 21  # the "note: ... exited" trailer line
    texts2 = [ln.text for ln in second.lines]
    # The re-printed registers of the first oops are skipped, the panic is kept.
    assert "RIP: 0010:0x0" not in texts2
    assert "Kernel panic - not syncing: Fatal exception" in texts2
    assert second.end_line == 44
    assert "sh: write error: Connection timed out" not in [ln.text for ln in first.lines]


def test_interleaved_tasks_are_separated():
    _, spans = spans_of(L.INTERLEAVED)
    assert [s.context for s in spans] == ["T100", "T200"]
    for sp in spans:
        assert {ln.tag for ln in sp.lines} == {sp.context}
    assert spans[0].lines[-1].text.startswith("---[ end trace")
    assert spans[1].lines[-1].text == " __x64_sys_ioctl+0x10/0x20"


def test_syslog_prefixed_oops():
    _, spans = spans_of(L.SYSLOG_OOPS)
    assert len(spans) == 1
    assert spans[0].header_line == 2 and spans[0].end_line == 10


def _truth(arch):
    with open(os.path.join(OOPSES, arch, "ground_truth.jsonl")) as f:
        return [json.loads(x) for x in f]


@pytest.mark.skipif(not os.path.isdir(OOPSES), reason="shared oopses corpus not present")
@pytest.mark.parametrize("arch", ["qemu-x86_64", "qemu-i386", "qemu-armhf", "qemu-arm64"])
def test_debian_oopses_found_without_extras(arch):
    truth = _truth(arch)
    for log in sorted({t["log"] for t in truth}):
        with open(os.path.join(OOPSES, arch, log), "rb") as f:
            lines = clean_lines(f.read().decode("utf-8", "replace"))
        spans = split_reports(lines)
        steps = [t for t in truth if t["log"] == log and t["status"] == "captured"]
        covered = set()
        for t in steps:
            inside = [s for s in spans if t["line_start"] <= s.start_line <= t["line_end"]]
            assert inside, f"{arch}/{log} step {t['step']} ({t['kind']}) not found"
            covered.update(id(s) for s in inside)
            assert all(s.end_line <= t["line_end"] for s in inside), f"{arch}/{log} step {t['step']} overruns"
        extra = [s.start_line for s in spans if id(s) not in covered]
        assert extra == [], f"{arch}/{log}: reports outside every step: {extra}"


def test_hard_lockup_with_its_panic_is_one_report():
    _, spans = spans_of(L.HARD_LOCKUP)
    assert len(spans) == 1 and spans[0].end_line == 18


def test_late_panic_opens_its_own_report():
    # A panic long after a report is not that report's trailer.
    text = ("[   10.000000] WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2\n[   10.000001] Call Trace:\n"
            "[   10.000002]  g+0x1/0x2\n[  500.000000] Kernel panic - not syncing: hung_task: blocked tasks\n")
    _, spans = spans_of(text)
    assert [s.header_line for s in spans] == [1, 4]


def test_reboot_ends_a_report():
    text = ("[  100.000000] WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2\n[  100.000001] Call Trace:\n"
            "[  100.000002]  g+0x1/0x2\n[    0.000000] Linux version 6.1.0\n[    0.100000] Command line: x\n")
    _, spans = spans_of(text)
    assert len(spans) == 1 and spans[0].end_line == 3


def test_leading_rules_name_a_hint_their_pattern_spells_out():
    # split only tries a LEADING pattern on lines holding its hint: the hint must be
    # literal text of every match
    from crashpipe.formats import spans as S

    for pattern, back, hint in S.LEADING:
        assert hint and hint in pattern.replace("\\", ""), pattern
        assert back > 0
