"""The compiled header helpers of crashpipe._lines against their Python twins in
crashpipe.split: first_headers (split._first_header on each candidate line of a log) and
any_match (continues_report: REPORT_START_IGNORES as substrings and guarded searches)."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crashpipe import split as S
from crashpipe.formats import oopses as F
from crashpipe.lines import Line

pytestmark = pytest.mark.skipif(S._ext is None, reason="crashpipe._lines not built")

_PIECES = sorted({h for h in S._HEADERS} | {p.replace("\\", "") for o in F.OOPSES for p in o.suppressions}
                 | {p.replace("\\", "").replace("[0-9a-f]{4}", "0a1f").replace("[0-9]", "7") for p in F.REPORT_START_IGNORES}
                 | {" ", "x", "0000", "ilc:", " ilc:9", "WARNING: ", "warning: `", "WaRnInG: `", "INFO: ", "\u212a",
                    "\u017f", "\u00e9", "KERNEL PANIC - NOT SYNCING"})
_TEXT = st.lists(st.sampled_from(_PIECES) | st.text(max_size=4), max_size=6).map("".join)


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_continues_report_is_the_alternation(text):
    want = S.continues_report_py(text)
    assert S._any_match(text, *S._IGNORE_PLAN) == want
    assert S._ext.any_match(text, *S._IGNORE_PLAN) == want
    assert S.continues_report.__wrapped__(text) == want


def test_the_plain_ignores_are_substrings():
    literals, rest = S._IGNORE_PLAN
    assert "Kernel panic - not syncing" in literals and len(literals) + len(rest) == len(F.REPORT_START_IGNORES)
    assert S._pure_literal(r"a\.b") == "a.b"
    for p in (r"a.b", r"^ab", r"a+", r"[ab]", r"(?i)ab", r"a|b", r"ab$", r"\d"):
        assert S._pure_literal(p) is None, p


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=8))
def test_first_headers_is_first_header(texts):
    lines = [Line(k + 1, t) for k, t in enumerate(texts)]
    cand, held = [], []
    for k, t in enumerate(texts):
        mask = sum(1 << b for b, h in enumerate(S._HEADERS) if h in t)
        if mask:
            cand.append(k)
            held.append(mask)
    got = [-1] * len(lines)
    S._ext.first_headers(lines, cand, held, got, S._FIRST_PLAN)
    want = [-1] * len(lines)
    for k, mask in zip(cand, held):
        want[k] = S._first_header(texts[k], mask)
    assert got == want
    assert got == [S.match_header(t) for t in texts]


def test_first_headers_refuses_bad_input():
    lines = [Line(1, "BUG: x")]
    with pytest.raises(IndexError):
        S._ext.first_headers(lines, [5], [1], [-1], S._FIRST_PLAN)
    with pytest.raises(IndexError):
        S._ext.first_headers(lines, [0], [1 << 63], [-1], S._FIRST_PLAN)
    with pytest.raises(ValueError):
        S._ext.first_headers(lines, [0], [], [-1], S._FIRST_PLAN)


@settings(max_examples=300, deadline=None)
@given(_TEXT | st.sampled_from(["unreferenced object 0x", "unreferenced object 0xffff8880 (size 32):",
                                "Unreferenced object 0x1", "unreferenced object 0"]),
       st.integers(0, 4))
def test_right_after_header_is_the_search(text, after):
    import re2
    span = S.Span(1, 1, [Line(k + 1, "x") for k in range(after + 1)], header_line=1)
    want = any(after < n and re2.compile(p).search(text) is not None for p, n in F.CONTINUES_RIGHT_AFTER_HEADER)
    assert S._right_after_header(span, text) == want


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXT | st.sampled_from(["a\nKernel panic - not syncing", "x 0a1f ilc:7 y", "\n"]), max_size=10))
def test_continuing_lines_are_continues_report(texts):
    lines = [Line(k + 1, t) for k, t in enumerate(texts)]
    want = [i for i, t in enumerate(texts) if S.continues_report_py(t)]
    assert S.LogIndex(lines).continuing() == want
    assert S.LogIndex(lines, fast=False).continuing() == want
