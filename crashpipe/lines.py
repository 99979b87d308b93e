"""Console log lines: strip the prefixes consoles and log collectors add, keep what the
kernel printed.

Every input is untrusted: lines are capped at MAX_LINE characters before any pattern runs,
and the patterns run under re2, so a 100 MB line without a newline costs linear time.

clean_lines' loop runs in crashpipe._lines when it is built (dmesg-prefixed, syslog- or
journal-prefixed and plain lines there, every other shape through clean_line here);
clean_lines_py is the reference.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import re2

from crashpipe.formats import console
from crashpipe.pattern import Fast

MAX_LINE = 2048

_CONSOLE = Fast(re2.compile(console.CONSOLE_PREFIX))
_TAG_ONLY = Fast(re2.compile(console.TAG_ONLY_PREFIX))
_LOGLEVEL = Fast(re2.compile(console.LOGLEVEL_PREFIX))
_MAIL_QUOTE = Fast(re2.compile(console.MAIL_QUOTE))


def _anchored_py(pattern: str) -> "re.Pattern[str]":
    """A "^"-anchored console pattern for Python's engine, used with .match: these run
    on every line of a syslog capture, where re2's binding costs more than the match.
    They are safe there: anchored, and each repeat is followed by a character it cannot
    match, so a failed attempt backtracks over each character at most once.  re2's \\S
    is ASCII ([^\\t\\n\\f\\r ]), Python's is Unicode: spelled out to keep re2's meaning."""
    assert pattern.startswith("^")
    return re.compile(pattern.replace(r"\S", r"[^\t\n\f\r ]"))


_SYSLOGS = tuple(
    _anchored_py(p) for p in (console.SYSLOG_PREFIX, console.ISO_SYSLOG_PREFIX, console.BARE_KERNEL_PREFIX)
)


@dataclass(slots=True)
class Line:
    no: int  # 1-based line in the source
    text: str  # content with prefixes removed, capped at MAX_LINE chars
    tag: str | None = None  # printk caller tag "T123" / "C1"
    ts: float | None = None  # dmesg timestamp in seconds

    @property
    def context(self) -> str:
        """Who printed the line, as far as the prefix tells: the caller tag, "console"
        for a timestamp without a tag, "" for a line with no kernel prefix at all (guest
        shell output, fuzzer program text).  Lines of one report share a context."""
        if self.tag is not None:
            return self.tag
        return "console" if self.ts is not None else ""


_SYSLOG_REACH = 200  # a syslog/journal prefix ends within this many characters
_DIGITS = frozenset("0123456789")


def _bracket(text: str, i: int) -> tuple[int, str] | None:
    """`[ *X]` at text[i]: (index after `]`, X), where X has no spaces or brackets."""
    j = text.find("]", i + 1, i + 32)
    if j < 0:
        return None
    inner = text[i + 1:j].lstrip(" ")
    if not inner or " " in inner or "[" in inner:
        return None
    return j + 1, inner


# The common prefix in one anchored match (no nested quantifiers: linear); the bracket
# length limits of _bracket are checked on its spans.
_DMESG = re.compile(r"\[ *([0-9]+\.[0-9]+)\](?:( ?)\[ *([TC][0-9]+)\])?( ?)")


def _dmesg_prefix(text: str) -> tuple[int, float, str | None] | None:
    """The common "[  12.345678]" / "[  12.3][ T31]" prefix (most lines of most logs
    carry it); None to let the patterns decide."""
    m = _DMESG.match(text)
    if m is not None and m.end(1) < 32:
        tag = m.group(3)
        if tag is not None:
            if m.end(3) - m.end(2) < 32:
                return m.end(), float(m.group(1)), tag
        elif text[m.end(1) + 1:m.end(1) + 2] != "[":
            return m.end(), float(m.group(1)), None
    return _dmesg_prefix_slow(text)


def _dmesg_prefix_slow(text: str) -> tuple[int, float, str | None] | None:
    """_dmesg_prefix for the odd shapes, by hand."""
    b = _bracket(text, 0)
    if b is None:
        return None
    end, stamp = b
    whole, dot, frac = stamp.partition(".")
    if not dot or not whole or not frac or not set(whole) <= _DIGITS or not set(frac) <= _DIGITS:
        return None
    tag = None
    at = end + 1 if text[end:end + 2] == " [" else end
    if text[at:at + 1] == "[":
        b = _bracket(text, at)
        t = b[1] if b is not None else ""
        if t[:1] in ("T", "C") and len(t) >= 2 and set(t[1:]) <= _DIGITS:
            end, tag = b[0], t
        elif at == end:
            return None  # "[ts][something else]": let the patterns decide
    if text[end:end + 1] == " ":
        end += 1
    return end, float(stamp), tag


def clean_line(no: int, raw: str) -> Line:
    text = raw[:MAX_LINE]
    if "\r" in text:
        text = text.replace("\r", "")
    tag: str | None = None
    ts: float | None = None
    # Collector prefixes come first (syslog wraps the console prefix, never the reverse).
    if text[:1] == ">":
        m = _MAIL_QUOTE.search(text)
        if m is not None:
            text = text[m.end():]
    if text.find("kernel: ", 0, _SYSLOG_REACH) >= 0:
        for rx in _SYSLOGS:
            m = rx.match(text)
            if m is not None:
                text = text[m.end():]
                break
    if text[:1] == "[":
        fast = _dmesg_prefix(text)
        if fast is not None:
            end, ts, tag = fast
            return Line(no, text[end:], tag, ts)
    if text[:1] in ("[", "<", "*") or " login: " in text:
        m = _CONSOLE.search(text)
        if m is not None:
            try:
                ts = float(m.group(1))
            except (TypeError, ValueError):
                ts = None
            tag = m.group(2)
            text = text[m.end():]
        else:
            m = _TAG_ONLY.search(text)
            if m is not None:
                tag = m.group(1)
                text = text[m.end():]
            else:
                m = _LOGLEVEL.search(text)
                if m is not None:
                    text = text[m.end():]
    return Line(no, text, tag, ts)


def _encodable(text: str) -> str:
    """`text` with lone surrogates (bytes kept by errors="surrogateescape") replaced by
    U+FFFD: the pattern engine works on UTF-8 and cannot encode them."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def clean_lines(text: str) -> list[Line]:
    """Split `text` on newlines (only "\\n": other Unicode breaks are content) and clean
    every line.  Never raises on any str.  The loop runs in crashpipe._lines when that
    extension is built (the same Line objects: tests/test_lines_fast.py); otherwise, and
    for str subclasses, in `clean_lines_py`."""
    if not isinstance(text, str):
        text = str(text)
    text = _encodable(text)
    if _ext is not None and type(text) is str:
        return _ext.clean_lines(text, clean_line, MAX_LINE)
    return _clean_lines_py(text)


def clean_lines_py(text: str) -> list[Line]:
    """clean_lines in pure Python: the reference the extension is tested against."""
    if not isinstance(text, str):
        text = str(text)
    return _clean_lines_py(_encodable(text))


def _clean_lines_py(text: str) -> list[Line]:
    out: list[Line] = []
    append = out.append
    dmesg = _DMESG.match
    for i, raw in enumerate(text.split("\n"), 1):
        # The common line, "[  12.345678] ..." or "[  12.3][ T31] ...", inline: what
        # clean_line does for it (no syslog pattern can match a line opening with "[").
        if raw[:1] == "[" and len(raw) <= MAX_LINE and "\r" not in raw:
            m = dmesg(raw)
            if m is not None and m.end(1) < 32:
                tag = m.group(3)
                if tag is not None:
                    if m.end(3) - m.end(2) < 32:
                        append(Line(i, raw[m.end():], tag, float(m.group(1))))
                        continue
                elif raw[m.end(1) + 1:m.end(1) + 2] != "[":
                    append(Line(i, raw[m.end():], None, float(m.group(1))))
                    continue
        append(clean_line(i, raw))
    return out


try:
    from crashpipe import _lines as _ext
except ImportError:  # not built: the pure-Python loop
    _ext = None
if _ext is not None and not _ext.bind_line(Line):
    _ext = None
