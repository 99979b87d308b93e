"""split._linear_py: the splitter's anchored patterns that are shown linear under Python's
engine run there (a call costs a fraction of one through re2's binding); they must mean
what they mean under re2, and the check must refuse every pattern it cannot show linear."""
import time

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from crashpipe import split as S
from crashpipe.formats import spans as SP

TABLE = [p for p, _, _ in SP.LEADING] + [SP.END_MARKER, SP.CLOSING_RULE]


def test_the_table_patterns_run_under_python():
    # (all of them pass today; a table edit that does not pass stays on re2, still right)
    assert all(S._linear_py(p) is not None for p in TABLE)
    assert all(type(rx) is type(S._END_MARKER) for rx, _, _ in S._LEADING)


@pytest.mark.parametrize("pattern", [
    r"^a+a", r"^(a+)+b", r"^(a|b)+c", r"^(a|ab)*c", r"^.*x", r"^.*?x", r"^a*a*b", r"^[ab]+b", r"^[^a]+a",
    r"^a{2,}b+", r"^(?i)ab", r"(?i)^ab", r"^\d+ ", r"^\s+x", r"^\w+x", r"^x\b", r"^x|y", r"x", r"a+b", r"^a$b",
    r"^(?P<n>a)b", r"^(?=a)a", r"^a(?!b)", r"^(a)\1", r"^(a+)b", r"^[\d]+x", r"^a+$x",
])
def test_refused(pattern):
    assert S._linear_py(pattern) is None


@pytest.mark.parametrize("pattern, py", [
    (r"^a+b", r"^a+b"), (r"^={40,}$", r"^={40,}\Z"), (r"^-+\[ x \]-+$", r"^-+\[ x \]-+\Z"), (r"^ab.*", r"^ab.*"),
    (r"^(?:ab|a)c", r"^(?:ab|a)c"), (r"^x[0-9a-f]+ y", r"^x[0-9a-f]+ y"),
])
def test_accepted(pattern, py):
    assert S._linear_py(pattern).pattern == py


_PIECES = st.sampled_from(["-", "--", "=" * 20, "=", "[", "]", " ", "x", "a", "0", "f", "g", "8<", " cut here ",
                           " end trace ", "Unhandled ", "prefetch", "data", " abort:", "list_", "add", "del",
                           " corruption", "Insufficient stack space to handle exception!", "\n", "\u00e9", "\t"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_same_answers_as_re2(text):
    for p in TABLE:
        want = re2.compile(p).search(text)
        got = S._linear_py(p).search(text)
        assert (got is None) == (want is None), (p, text)
        if got is not None:
            assert got.span() == want.span()


def test_linear_on_long_runs():
    # long runs of what each repeat takes, with and without what ends it
    n = 1_000_000
    texts = ["-" * n, "-" * n + "x", "-" * n + "[ cut here ]" + "-" * n + "x", "=" * n, "=" * n + "x",
             "8<" + "-" * n, "---[ end trace " + "0" * n + "x", "---[ end trace 0 ]" + "-" * n + "x"]
    for p in TABLE:
        rx = S._linear_py(p)
        for t in texts:
            t0 = time.process_time()
            rx.search(t)
            assert time.process_time() - t0 < 1.0, (p, t[:20])


# --- the literal a header suppression needs ---------------------------------------------

from crashpipe.formats import oopses as F  # noqa: E402

SUPPRESSIONS = [p for o in F.OOPSES for p in o.suppressions]


@pytest.mark.parametrize("pattern, need", [
    ("abc", ("abc", False)), ("ab.*cdef", ("cdef", False)), ("(?i)Warning: x", ("warning: x", True)),
    (r"a\(s\) b", ("a(s) b", False)), ("x[Tt]he mand", ("he mand", False)), (r"\d+ ilc:", (" ilc:", False)),
    ("a|bc", None), ("[[:alpha:]]x", None), (r"\pLx", None), (r"\Qab\E", None), ("(?s)ab", None), ("ab(?i)cd", None),
    (r"\bword", None), (".*", None), ("(?i)\u00e9t\u00e9", None),
])
def test_required_literal(pattern, need):
    assert S._required_literal(pattern) == need


def _variants(p):
    # texts around a suppression: its literal parts, case changes, pieces cut out
    plain = p.replace("\\", "").replace(".*", " x ").replace("(?i)", "").replace("[Tt]", "T").replace("\\d+", "1")
    return [plain, plain.upper(), plain.lower(), plain[1:], plain[:-1], plain.swapcase()]


_SUP_PIECES = st.sampled_from(sorted({v for p in SUPPRESSIONS for v in _variants(p)}
                                     | {" ", "x", "WARNING: ", "INFO: ", "BUG: ", "\u212a", "\u017f", "\u00e9"}))


@settings(max_examples=500, deadline=None)
@given(st.lists(_SUP_PIECES, max_size=6).map("".join))
def test_a_suppression_match_holds_its_literal(text):
    for i, o in enumerate(F.OOPSES):
        for p, need in zip(o.suppressions, S._SUPPRESS_NEEDS[i]):
            if need is not None and re2.compile(p).search(text) is not None:
                lit, folded = need
                assert (lit in text.lower()) if folded and text.isascii() else (folded or lit in text), (p, text)
        if o.suppressions and S._HEADER_SUPPRESS_ANY[i].search(text) is not None:
            assert S._may_suppress(i, text)


def test_suppressed_headers_still_suppressed():
    for o in F.OOPSES:
        for p in o.suppressions:
            for text in _variants(p):
                line = text + " " + o.header
                held = sum(1 << k for k, h in enumerate(S._HEADERS) if h in line)
                assert S._first_header(line, held) == S.match_header(line), line
