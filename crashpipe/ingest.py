"""Sources: walk files, directories, compressed streams, tar archives and mailboxes.

Everything is read as a stream and held in memory one source at a time; nothing is
ever extracted to disk, so a tar member called `../../etc/passwd` is only a name.
Containers are recognised by their magic bytes, not by their file names, and may nest
(a `.gz` inside a `.tar.zst` inside a mail attachment) up to MAX_DEPTH levels.

Names are stable: the path as given on the command line, joined with `!member` inside
containers (`logs.tar.zst!node1/console.log`, `list.mbox!3`).

The walk yields `Source` (one log's bytes), `PathSource` (a file a worker can read
itself: the parent sends the name, not the bytes) and `ErrorRow` values.  Nothing here
raises for bad input: a corrupt stream yields an errors row, plus the bytes that did
decompress (a truncated console log still holds the oopses printed before the cut).
"""
from __future__ import annotations

import bz2
import email
import email.policy
import io
import logging
import lzma
import os
import re
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from crashpipe.model import ErrorRow

log = logging.getLogger(__name__)

DEFAULT_MAX_SOURCE_BYTES = 2 << 30  # decompressed bytes per source; more is a bomb
MAX_DEPTH = 8  # container nesting (gz in tar in gz ...): deeper is a quine or an attack
SNIFF = 4096  # decompressed head bytes used to recognise a container
CHUNK = 1 << 16  # bytes per read, compressed or not
ZSTD_FEED = 4096  # compressed bytes per zstd step: at most ~128 MiB out, even for a bomb
BINARY_SAMPLE = 1 << 16
BINARY_SHARE = 0.20  # share of control and non-UTF-8 bytes above which a sample is not text

# Compressed stream magics.  Checked on raw bytes, so a renamed file still works.
COMPRESSIONS: tuple[tuple[str, bytes], ...] = (
    ("gz", b"\x1f\x8b"),
    ("xz", b"\xfd7zXZ\x00"),
    ("bz2", b"BZh"),
    ("zst", b"\x28\xb5\x2f\xfd"),
)
ARROW_FILE_MAGIC = b"ARROW1"
# The mbox separator: "From <sender> <asctime date>"; the date keeps a body line that
# happens to start with "From " (unescaped, mboxo) from splitting a mail.  No nested or
# overlapping quantifiers: each try is linear in the line.
MBOX_FROM = re.compile(rb"^From \S+ +[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d{1,2}:\d{2}", re.M)
MAIL_HEADER = re.compile(rb"^(?:Return-Path|Received|From|To|Subject|Date|Message-I[Dd]|MIME-Version|Delivered-To):", re.M)
# Bytes that do not occur in text logs (NUL and C0 controls other than \t \n \v \f \r ESC).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27))


@dataclass(slots=True)
class Source:
    """One log (or mail body, or stack-dump container) read into memory."""

    name: str
    data: bytes
    kind: str = "text"  # text | stackdump
    path: str | None = None  # stackdump: the container file, read memory-mapped (data stays empty)


@dataclass(slots=True)
class PathSource:
    """A top-level file that is not a tar: a worker opens, decompresses and expands it
    (`expand_path`), so only its name crosses the process boundary."""

    name: str
    path: str
    size: int
    mtime_ns: int


@dataclass(slots=True)
class FileEvent:
    """A top-level input streamed in this process (a tar): "start" before its first
    source, "done" after its last; or "skipped" when the caller's skip test said so."""

    name: str
    size: int
    mtime_ns: int
    what: str


Item = Source | PathSource | FileEvent | ErrorRow


# ---------------------------------------------------------------- stream helpers
def compression_of(head: bytes) -> str | None:
    for name, magic in COMPRESSIONS:
        if head.startswith(magic):
            return name
    return None


def open_decompressed(raw: BinaryIO, codec: str) -> BinaryIO:
    return _Decompressing(raw, codec)


class _Decompressing(io.RawIOBase):
    """A decompressed view of `raw` for gz, xz, bz2 and zst, the same way for all four.

    Why not gzip.GzipFile & co: a stream cut short must keep every byte that did
    decompress (a truncated console log still holds the oopses before the cut), and a
    read must never expand into unbounded memory.  The stdlib decompressors take an
    output limit; zstandard's does not, so it is fed ZSTD_FEED bytes at a time, which
    bounds one step's output by the format's maximum ratio.  Concatenated streams
    (multi-member gzip, `cat a.xz b.xz`) are read through; zero padding after the last
    member is ignored.  A cut inside a stream raises EOFError after the good bytes, a
    bad stream raises the codec's own error."""

    def __init__(self, raw: BinaryIO, codec: str) -> None:
        self._raw = raw
        self._codec = codec
        self._d = self._new()
        self._pending = b""  # compressed bytes read but not yet fed
        self._started = False  # the current stream has been fed input
        self._out = b""
        self._off = 0

    def _new(self):  # type: ignore[no-untyped-def]
        if self._codec == "gz":
            return zlib.decompressobj(wbits=31)
        if self._codec == "xz":
            return lzma.LZMADecompressor()
        if self._codec == "bz2":
            return bz2.BZ2Decompressor()
        if self._codec == "zst":
            import zstandard

            return zstandard.ZstdDecompressor().decompressobj()
        raise ValueError(self._codec)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        if self._off >= len(self._out):
            out = self._step(len(b))
            if out is None:
                return 0
            self._out, self._off = out, 0
        n = min(len(b), len(self._out) - self._off)
        b[:n] = self._out[self._off : self._off + n]
        self._off += n
        return n

    def _next_stream(self) -> bool:
        """After a stream's end: start the next one, or report the end of input."""
        rest = self._d.unused_data + self._pending
        while not rest.strip(b"\0"):  # nothing, or zero padding (tape blocks, dd)
            rest = self._raw.read(CHUNK)
            if not rest:
                return False
        self._d, self._pending, self._started = self._new(), rest, True
        return True

    def _step(self, limit: int) -> bytes | None:
        while True:
            d = self._d
            if d.eof:
                if not self._next_stream():
                    return None
                continue
            hungry = not self._pending and (self._codec in ("gz", "zst") or d.needs_input)
            if hungry:
                chunk = self._raw.read(CHUNK)
                if not chunk:
                    if self._started:
                        raise EOFError(f"{self._codec} stream ended before its end marker")
                    return None
                self._pending, self._started = chunk, True
            if self._codec == "gz":
                out = d.decompress(self._pending, limit)
                self._pending = d.unconsumed_tail
            elif self._codec == "zst":
                feed, self._pending = self._pending[:ZSTD_FEED], self._pending[ZSTD_FEED:]
                out = d.decompress(feed)
            elif d.needs_input:
                out = d.decompress(self._pending, limit)
                self._pending = b""
            else:
                out = d.decompress(b"", limit)
            if out:
                return out


class _Peeked(io.RawIOBase):
    """A stream whose first bytes were already read for sniffing."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(b))
        n = len(data)
        b[:n] = data
        return n


def _read_head(stream: BinaryIO, n: int) -> bytes:
    parts, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _decompress_errors() -> tuple[type[BaseException], ...]:
    errs: list[type[BaseException]] = [EOFError, OSError, zlib.error, lzma.LZMAError, ValueError]
    try:
        import zstandard

        errs.append(zstandard.ZstdError)
    except ImportError:  # pragma: no cover - zstandard is a dependency
        pass
    return tuple(errs)


DECOMPRESS_ERRORS = _decompress_errors()


def _error_class(codec: str, e: BaseException) -> str:
    if isinstance(e, EOFError) or "end-of-stream" in str(e) or "truncated" in str(e).lower():
        return f"truncated-{codec}"
    return f"corrupt-{codec}"


# ---------------------------------------------------------------- sniffing
def is_tar(head: bytes) -> bool:
    if len(head) < 512:
        return False
    if head[257:262] == b"ustar":
        return True
    # v7 tar has no magic: accept a valid header checksum on a plausible name.
    try:
        stored = int(head[148:156].split(b"\0", 1)[0].strip() or b"-1", 8)
    except ValueError:
        return False
    if stored < 0 or not head[0:1].strip(b"\0"):
        return False
    return stored == sum(head[:148]) + 8 * 32 + sum(head[156:512])


def is_mbox(head: bytes) -> bool:
    return head.startswith(b"From ") and MBOX_FROM.match(head) is not None and MAIL_HEADER.search(head[:SNIFF]) is not None


def is_mail(head: bytes) -> bool:
    """A single RFC 822 message (an .eml): a header block with the usual fields."""
    end = head.find(b"\n\n")
    block = head[: end if end >= 0 else SNIFF]
    return bool(re.match(rb"[A-Za-z][A-Za-z0-9-]*:", block)) and len(MAIL_HEADER.findall(block)) >= 2 and b"\nSubject:" in b"\n" + block


def is_arrow(head: bytes) -> bool:
    return head.startswith(ARROW_FILE_MAGIC)


def looks_binary(data: bytes) -> bool:
    """Whether a sample is not text: C0 control bytes plus bytes that are not UTF-8 make
    up more than BINARY_SHARE of it (a Latin-1 log stays text, random bytes do not)."""
    sample = data[:BINARY_SAMPLE]
    if not sample:
        return False
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    text = sample.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - sample.count("\ufffd".encode())
    return controls + invalid > BINARY_SHARE * len(sample)


# ---------------------------------------------------------------- expansion
@dataclass
class Limits:
    max_source_bytes: int = DEFAULT_MAX_SOURCE_BYTES


def expand_path(name: str, path: str, limits: Limits) -> Iterator[Source | ErrorRow]:
    """Every source inside one file on disk (used by workers for PathSource tasks)."""
    try:
        f = open(path, "rb")
    except OSError as e:
        yield ErrorRow(name, None, "ingest", "unreadable", str(e))
        return
    with f:
        try:
            head = f.read(len(ARROW_FILE_MAGIC))
            f.seek(0)
        except OSError as e:
            yield ErrorRow(name, None, "ingest", "unreadable", str(e))
            return
        if is_arrow(head):
            yield Source(name, b"", "stackdump", path)
            return
        yield from _expand_stream(name, f, limits, 0)


def _expand_stream(name: str, stream: BinaryIO, limits: Limits, depth: int) -> Iterator[Source | ErrorRow]:
    if depth > MAX_DEPTH:
        yield ErrorRow(name, None, "ingest", "nesting-too-deep", f"more than {MAX_DEPTH} nested containers")
        return
    try:
        head = _read_head(stream, SNIFF)
    except DECOMPRESS_ERRORS as e:
        yield ErrorRow(name, None, "ingest", "unreadable", f"{type(e).__name__}: {e}")
        return
    codec = compression_of(head)
    if codec is not None:
        inner = open_decompressed(_Peeked(head, stream), codec)
        try:
            ihead = _read_head(inner, SNIFF)
        except DECOMPRESS_ERRORS as e:
            yield ErrorRow(name, None, "ingest", _error_class(codec, e), f"{type(e).__name__}: {e}")
            return
        if is_tar(ihead):
            yield from _expand_tar(name, _Peeked(ihead, inner), limits, depth, codec)
            return
        # A single compressed file: read it whole (capped), keep what decompressed
        # before an error, then look inside it (it may be an mbox, another layer...).
        data, err = _drain(name, _Peeked(ihead, inner), limits, codec)
        if err is not None:
            yield err
        if data is not None and (err is None or data):
            yield from _expand_blob(name, data, limits, depth + 1)
        return
    if is_tar(head):
        yield from _expand_tar(name, _Peeked(head, stream), limits, depth, None)
        return
    data, err = _drain(name, _Peeked(head, stream), limits, None)
    if err is not None:
        yield err
    if data is not None:
        yield from _expand_blob(name, data, limits, depth)


def _expand_blob(name: str, data: bytes, limits: Limits, depth: int) -> Iterator[Source | ErrorRow]:
    """A source already in memory: a log as it is (no copy), or a container to open."""
    head = data[:SNIFF]
    if depth > MAX_DEPTH:
        yield ErrorRow(name, None, "ingest", "nesting-too-deep", f"more than {MAX_DEPTH} nested containers")
    elif compression_of(head) is not None or is_tar(head):
        yield from _expand_stream(name, io.BytesIO(data), limits, depth)
    elif is_mbox(head):
        yield from _expand_mbox(name, data, limits, depth)
    elif is_mail(head):
        yield from _expand_mail(name, email.message_from_bytes(data, policy=email.policy.compat32), limits, depth)
    elif is_arrow(head):
        # The unwinder maps containers from their files (millions of dumps, no copies).
        yield ErrorRow(name, None, "ingest", "stackdump-in-archive",
                       "a stack-dump container is read memory-mapped: give its file itself, not compressed or archived")
    else:
        yield Source(name, data)


def _drain(name: str, stream: BinaryIO, limits: Limits, codec: str | None) -> tuple[bytes | None, ErrorRow | None]:
    parts: list[bytes] = []
    got = 0
    try:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                return b"".join(parts), None
            got += len(chunk)
            if got > limits.max_source_bytes:
                return None, ErrorRow(
                    name, None, "ingest", "too-large",
                    f"more than {limits.max_source_bytes} bytes" + (f" after {codec} decompression" if codec else "")
                    + "; raise --max-source-bytes to read it",
                )
            parts.append(chunk)
    except DECOMPRESS_ERRORS as e:
        where = f" after {got} good bytes" if got else ""
        return b"".join(parts), ErrorRow(name, None, "ingest", _error_class(codec or "file", e), f"{type(e).__name__}: {e}{where}")


def _expand_tar(name: str, stream: BinaryIO, limits: Limits, depth: int, codec: str | None) -> Iterator[Source | ErrorRow]:
    # Stream mode ("r|"): one pass, member by member, no seeking, nothing on disk.
    try:
        tf = tarfile.open(fileobj=stream, mode="r|")
    except (tarfile.TarError, *DECOMPRESS_ERRORS) as e:
        yield ErrorRow(name, None, "ingest", "bad-tar", f"{type(e).__name__}: {e}")
        return
    member_name = None
    try:
        for member in tf:
            member_name = f"{name}!{member.name}"
            if not member.isfile():
                continue  # directories, links, devices: nothing to read
            if member.size > limits.max_source_bytes:
                yield ErrorRow(member_name, None, "ingest", "too-large", f"tar member of {member.size} bytes exceeds the cap of {limits.max_source_bytes}")
                continue
            f = tf.extractfile(member)
            if f is None:
                continue
            data = f.read(member.size)
            if len(data) < member.size:
                yield ErrorRow(member_name, None, "ingest", "bad-tar-member", f"tar member truncated: {len(data)} of {member.size} bytes")
                if data:
                    yield from _expand_blob(member_name, data, limits, depth + 1)
                return
            yield from _expand_blob(member_name, data, limits, depth + 1)
            member_name = None
    except (tarfile.TarError, *DECOMPRESS_ERRORS) as e:
        what = "bad-tar-member" if member_name else (_error_class(codec, e) if codec else "bad-tar")
        yield ErrorRow(member_name or name, None, "ingest", what, f"{type(e).__name__}: {e}")
    finally:
        try:
            tf.close()
        except Exception:  # noqa: BLE001 - closing a broken stream must not mask the error row
            pass


def _expand_mbox(name: str, data: bytes, limits: Limits, depth: int) -> Iterator[Source | ErrorRow]:
    # A "From " line starts a mail only at the top or after an empty line.
    starts = [m.start() for m in MBOX_FROM.finditer(data) if m.start() == 0 or data[m.start() - 2 : m.start()] == b"\n\n" or data[max(0, m.start() - 3) : m.start()] == b"\n\r\n"]
    for i, s in enumerate(starts):
        e = starts[i + 1] if i + 1 < len(starts) else len(data)
        raw = data[s:e]
        body = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
        # mboxrd: one level of ">From " quoting is undone inside bodies.
        body = re.sub(rb"(?m)^>(>*From )", rb"\1", body)
        try:
            msg = email.message_from_bytes(body, policy=email.policy.compat32)
        except Exception as e:  # noqa: BLE001 - the email package may raise on hostile headers
            yield ErrorRow(f"{name}!{i + 1}", None, "ingest", "bad-mail", f"{type(e).__name__}: {e}")
            continue
        yield from _expand_mail(f"{name}!{i + 1}", msg, limits, depth)


def _expand_mail(name: str, msg: email.message.Message, limits: Limits, depth: int) -> Iterator[Source | ErrorRow]:
    """The text parts of one mail, decoded (quoted-printable, base64, charsets), as one
    source; attachments with a file name are containers of their own (`mail!file.gz`)."""
    texts: list[str] = []
    try:
        parts = list(msg.walk())
    except Exception as e:  # noqa: BLE001
        yield ErrorRow(name, None, "ingest", "bad-mail", f"{type(e).__name__}: {e}")
        return
    for part in parts:
        if part.is_multipart():
            continue
        try:
            payload = part.get_payload(decode=True) or b""
        except Exception as e:  # noqa: BLE001
            yield ErrorRow(name, None, "ingest", "bad-mail-part", f"{type(e).__name__}: {e}")
            continue
        filename = part.get_filename()
        ctype = part.get_content_type()
        if filename and not (ctype == "text/plain" and part.get("Content-Disposition", "").lower().startswith("inline")):
            # Member names are only names: keep the base name, never use it as a path.
            yield from _expand_blob(f"{name}!{filename}", payload, limits, depth + 1)
            continue
        if not ctype.startswith("text/") or ctype == "text/html":
            continue
        charset = part.get_content_charset() or "utf-8"
        try:
            texts.append(payload.decode(charset, errors="replace"))
        except LookupError:
            texts.append(payload.decode("utf-8", errors="replace"))
    if texts:
        data = "\n".join(texts).encode("utf-8", errors="replace")
        if len(data) > limits.max_source_bytes:
            yield ErrorRow(name, None, "ingest", "too-large", f"mail body of {len(data)} bytes exceeds the cap")
        else:
            yield Source(name, data)


# ---------------------------------------------------------------- the walk
def walk(paths: list[str], limits: Limits | None = None, skip: Callable[[FileEvent], bool] | None = None) -> Iterator[Item]:
    """Every input under `paths`, in a stable order (arguments in order, directory
    entries sorted).  Tar archives are streamed here, member by member, between a
    "start" and a "done" FileEvent; any other file is handed out as a PathSource for a
    worker to read.  `skip(event)` true for a file's "start" event skips the file."""
    limits = limits or Limits()
    seen: set[str] = set()  # a file named twice (`run logs/ logs/a.log`) is read once
    for given in paths:
        if os.path.isdir(given):
            for root, dirs, files in os.walk(given):
                dirs.sort()
                for fn in sorted(files):
                    full = os.path.join(root, fn)
                    if full not in seen:
                        seen.add(full)
                        yield from _walk_file(full, full, limits, skip)
        elif os.path.exists(given):
            if given not in seen:
                seen.add(given)
                yield from _walk_file(given, given, limits, skip)
        else:
            yield ErrorRow(given, None, "ingest", "missing", "no such file or directory")


def _walk_file(name: str, path: str, limits: Limits, skip: Callable[[FileEvent], bool] | None) -> Iterator[Item]:
    try:
        st = os.stat(path)
        f = open(path, "rb")
    except OSError as e:
        yield ErrorRow(name, None, "ingest", "unreadable", str(e))
        return
    if not os.path.isfile(path):
        f.close()
        yield ErrorRow(name, None, "ingest", "not-a-file", "not a regular file")
        return
    start = FileEvent(name, st.st_size, st.st_mtime_ns, "start")
    if skip is not None and skip(start):
        f.close()
        yield FileEvent(name, st.st_size, st.st_mtime_ns, "skipped")
        return
    with f:
        if sniff_tar(f):
            f.seek(0)
            yield start
            yield from _expand_stream(name, f, limits, 0)
            yield FileEvent(name, st.st_size, st.st_mtime_ns, "done")
            return
    yield PathSource(name, path, st.st_size, st.st_mtime_ns)


def sniff_tar(f: BinaryIO) -> bool:
    """Whether a file is a tar archive under any number of compression layers."""
    stream: BinaryIO = f
    for _ in range(MAX_DEPTH):
        try:
            head = _read_head(stream, 512)
        except DECOMPRESS_ERRORS:
            return False
        codec = compression_of(head)
        if codec is None:
            return is_tar(head)
        stream = open_decompressed(_Peeked(head, stream), codec)
    return False
