"""google-re2 patterns called without most of the binding's per-call Python overhead.

re2's Python binding wraps every search in a generator, encodes str text to UTF-8 and
maps byte offsets back to characters, and builds a match object whose group() costs
more than the search itself.  For bytes and for ASCII str (where byte and character
offsets coincide) `Fast` calls the engine directly and returns a light `Hit`; anything
else, and every other method, goes to the compiled pattern unchanged.  The engine, and
so linear time on untrusted text, is the same.
"""
from __future__ import annotations

import re2


class Hit:
    """A match: group/[]/groups/start/end of re2's match object, nothing more."""

    __slots__ = ("_text", "_spans")

    def __init__(self, text, spans: list):
        self._text = text
        self._spans = spans

    def group(self, *idx: int):
        if not idx:
            s, e = self._spans[0]
            return self._text[s:e]
        if len(idx) == 1:
            return self[idx[0]]
        return tuple(self[i] for i in idx)

    def __getitem__(self, i: int):
        s, e = self._spans[i]
        return None if s < 0 else self._text[s:e]

    def groups(self, default=None) -> tuple:
        t = self._text
        return tuple(default if s < 0 else t[s:e] for s, e in self._spans[1:])

    def start(self, i: int = 0) -> int:
        return self._spans[i][0]

    def end(self, i: int = 0) -> int:
        return self._spans[i][1]


class Fast:
    """A compiled re2 pattern whose search/match on bytes or ASCII str call the engine
    directly; anything else goes to the compiled pattern."""

    __slots__ = ("_rx", "_raw", "_unanchored", "_start")

    def __init__(self, rx):
        self._rx = rx
        self._raw = getattr(rx, "_regexp", None)
        anchor = getattr(re2, "_Anchor", None)
        self._unanchored = getattr(anchor, "UNANCHORED", None)
        self._start = getattr(anchor, "ANCHOR_START", None)
        if self._unanchored is None or self._start is None:
            self._raw = None  # another binding version: use its public API only

    def _run(self, anchor, text, pos):
        n = len(text)
        pos = 0 if pos is None else max(0, min(pos, n))
        spans = self._raw.Match(anchor, text if type(text) is bytes else text.encode("ascii"), pos, n)
        return None if spans[0][0] < 0 else Hit(text, spans)

    def search(self, text, pos=None):
        if self._raw is None or not (type(text) is bytes or type(text) is str and text.isascii()):
            return self._rx.search(text) if pos is None else self._rx.search(text, pos)
        return self._run(self._unanchored, text, pos)

    def match(self, text, pos=None):
        if self._raw is None or not (type(text) is bytes or type(text) is str and text.isascii()):
            return self._rx.match(text) if pos is None else self._rx.match(text, pos)
        return self._run(self._start, text, pos)

    def __getattr__(self, name: str):
        return getattr(self._rx, name)




def compile(pattern):  # noqa: A001 - re2.compile's name, on purpose
    """re2.compile(pattern), fast."""
    return Fast(re2.compile(pattern))
