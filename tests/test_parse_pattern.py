"""crashpipe.pattern.Fast answers exactly as the re2 pattern it wraps."""
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from crashpipe.pattern import Fast

PATTERNS = [
    r"^\[ *([0-9]+\.[0-9]+)\](?:\[ *([TC][0-9]+)\])? ?",
    r"([A-Za-z][A-Za-z0-9_]{0,9}) {0,6}: {0,3}([0-9a-f]{2,16})",
    r"(?:(f)oo|(ba)r)+(x)?",
    r"\b(ka|sa)n\b",
    r"$",
]
ALPHABET = st.sampled_from(list("[]0123456789. :TCabfoxrkns_\nRIP\u00e9\u4e2d"))


def _same(a, b) -> None:
    assert (a is None) == (b is None)
    if a is not None:
        assert a.group() == b.group() and a.groups() == b.groups()
        assert (a.start(), a.end()) == (b.start(), b.end())
        assert all(a[i] == b[i] and a.start(i) == b.start(i) and a.end(i) == b.end(i)
                   for i in range(len(a.groups()) + 1))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(range(len(PATTERNS))), st.lists(ALPHABET, max_size=40).map("".join),
       st.integers(min_value=-2, max_value=45), st.booleans())
def test_fast_search_and_match_equal_re2(i, text, pos, as_bytes):
    pat = PATTERNS[i]
    if as_bytes:
        pat, text = pat.encode(), text.encode()
    rx = re2.compile(pat)
    fast = Fast(rx)
    _same(fast.search(text), rx.search(text))
    _same(fast.match(text), rx.match(text))
    _same(fast.search(text, pos), rx.search(text, pos))
    _same(fast.match(text, pos), rx.match(text, pos))


def test_other_methods_go_to_the_pattern():
    fast = Fast(re2.compile(r"a(b)"))
    assert fast.sub("x", "zabz") == "zxz"
    assert [m.group(1) for m in fast.finditer("abab")] == ["b", "b"]
