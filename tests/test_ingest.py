"""Ingest: containers recognised by content, stable names, bounded, never raising."""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import tarfile
from email.message import EmailMessage

import pytest
import zstandard

from crashpipe import ingest
from crashpipe.ingest import FileEvent, Limits, PathSource, Source
from crashpipe.model import ErrorRow
from crashpipe.pipeline import long_lines

LOG = b"".join(b"[   %d.000000] line %d of a console log\n" % (i, i) for i in range(4000))
COMPRESS = {
    "gz": lambda d: gzip.compress(d, mtime=0),
    "xz": lzma.compress,
    "bz2": bz2.compress,
    "zst": lambda d: zstandard.ZstdCompressor().compress(d),
}


def tar_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def expand_all(tmp_path, name: str, data: bytes, limits: Limits | None = None) -> list:
    """Everything `walk` yields for one file, with PathSources expanded as a worker would."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    out = []
    for item in ingest.walk([str(path)], limits):
        if isinstance(item, PathSource):
            out.extend(ingest.expand_path(item.name, item.path, limits or Limits()))
        elif not isinstance(item, FileEvent):
            out.append(item)
    return out


@pytest.mark.parametrize("codec", sorted(COMPRESS))
def test_compressed_file_is_decompressed_under_its_given_name(tmp_path, codec):
    items = expand_all(tmp_path, f"console.{codec}", COMPRESS[codec](LOG))
    assert len(items) == 1 and isinstance(items[0], Source)
    assert items[0].name == str(tmp_path / f"console.{codec}")
    assert items[0].data == LOG


@pytest.mark.parametrize("codec", sorted(COMPRESS) + [None])
def test_tar_members_are_named_archive_bang_member(tmp_path, codec):
    raw = tar_bytes([("node1/console.log", LOG), ("node2/dmesg.log.gz", gzip.compress(b"second\n")), ("empty/", b"")])
    data = COMPRESS[codec](raw) if codec else raw
    name = f"logs.tar.{codec}" if codec else "logs.tar"
    items = expand_all(tmp_path, name, data)
    base = str(tmp_path / name)
    assert [(i.name, i.data) for i in items] == [
        (f"{base}!node1/console.log", LOG),
        (f"{base}!node2/dmesg.log.gz", b"second\n"),  # nested .gz decompressed, name kept
        (f"{base}!empty/", b""),
    ]


def test_containers_are_recognised_by_content_not_by_name(tmp_path):
    items = expand_all(tmp_path, "renamed.txt", COMPRESS["xz"](tar_bytes([("a.log", COMPRESS["zst"](LOG))])))
    assert [(i.name, i.data) for i in items] == [(str(tmp_path / "renamed.txt") + "!a.log", LOG)]


def test_walk_order_is_stable_and_directories_recurse(tmp_path):
    for rel in ("b/2.log", "a/1.log", "a/z/3.log", "0.log"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x\n")
    names = [i.name for i in ingest.walk([str(tmp_path), str(tmp_path / "0.log")]) if isinstance(i, PathSource)]
    rel = [os.path.relpath(n, tmp_path) for n in names]
    assert rel == ["0.log", "a/1.log", "a/z/3.log", "b/2.log"]  # 0.log given twice, read once


def mail(body: str, cte: str, attach: tuple[str, bytes] | None = None) -> bytes:
    m = EmailMessage()
    m["From"] = "a@example.org"
    m["To"] = "linux-kernel@vger.kernel.org"
    m["Subject"] = "[BUG] oops"
    m["Message-ID"] = "<x@example.org>"
    m.set_content(body, cte=cte)
    if attach:
        m.add_attachment(attach[1], maintype="application", subtype="gzip", filename=attach[0])
    return b"From a@example.org Tue Nov 25 01:00:00 2025\n" + m.as_bytes() + b"\n"


OOPS = ("[   12.345678] BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
        "[   12.345700] Call Trace:\n[   12.345701]  <TASK>\n" + "".join(
            f"[   12.3457{i:02d}]  a_rather_long_function_name_number_{i}+0x1f/0x30 [some_module]\n" for i in range(10)))


def test_mbox_mails_are_sources_with_decoded_bodies(tmp_path):
    box = mail("Hi,\n\n" + OOPS + "\nFrom the list\n", "quoted-printable") + mail(OOPS, "base64", ("dmesg.gz", gzip.compress(b"attached\n")))
    items = expand_all(tmp_path, "list.mbox", box)
    base = str(tmp_path / "list.mbox")
    assert [i.name for i in items] == [f"{base}!1", f"{base}!2!dmesg.gz", f"{base}!2"]
    assert OOPS in items[0].data.decode()  # soft line breaks (=\n) and =3D undone
    assert "From the list" in items[0].data.decode()  # a body line "From ..." is not a new mail
    assert items[1].data == b"attached\n"
    assert items[2].data.decode().strip() == OOPS.strip()


def arrow_file() -> bytes:
    import pyarrow as pa

    buf = io.BytesIO()
    with pa.ipc.new_file(buf, pa.schema([("a", pa.int64())])) as w:
        w.write_table(pa.table({"a": [1]}))
    return buf.getvalue()


def test_arrow_ipc_files_are_stack_dump_sources_read_from_their_file(tmp_path):
    items = expand_all(tmp_path, "dumps.arrow", arrow_file())
    assert [(i.name, i.kind, i.path, i.data) for i in items] == [(str(tmp_path / "dumps.arrow"), "stackdump", str(tmp_path / "dumps.arrow"), b"")]
    # Inside an archive there is no file to map: an errors row, never a temp file.
    items = expand_all(tmp_path, "dumps.tar", tar_bytes([("d.arrow", arrow_file())]))
    assert [(i.source.rsplit("/", 1)[-1], i.error) for i in items] == [("dumps.tar!d.arrow", "stackdump-in-archive")]


@pytest.mark.parametrize("codec", sorted(COMPRESS))
def test_truncated_stream_gives_an_error_row_and_keeps_what_decompressed(tmp_path, codec):
    big = LOG * 20  # several MB: larger than one read, so a prefix survives where the format allows
    data = COMPRESS[codec](big)
    items = expand_all(tmp_path, f"cut.{codec}", data[: len(data) * 3 // 4])
    errors = [i for i in items if isinstance(i, ErrorRow)]
    assert [(e.stage, e.error) for e in errors] == [("ingest", f"truncated-{codec}")]
    for s in items:
        if isinstance(s, Source):
            assert big.startswith(s.data) and s.data


@pytest.mark.parametrize("codec", ["gz", "xz", "zst"])
def test_a_cut_stream_keeps_nearly_everything_before_the_cut(tmp_path, codec):
    big = b"".join(b"[%8d.000000] console line %d %s\n" % (i, i, os.urandom(8).hex().encode()) for i in range(60000))
    data = COMPRESS[codec](big)
    items = expand_all(tmp_path, f"cut.{codec}", data[: len(data) // 2])
    src = [i for i in items if isinstance(i, Source)]
    assert len(src) == 1 and big.startswith(src[0].data)
    assert len(src[0].data) > 0.4 * len(big)  # everything up to the cut, give or take a block


@pytest.mark.parametrize("codec", sorted(COMPRESS))
def test_concatenated_streams_and_zero_padding(tmp_path, codec):
    data = COMPRESS[codec](b"first\n") + COMPRESS[codec](b"second\n") + b"\0" * 1000
    items = expand_all(tmp_path, f"cat.{codec}", data)
    assert [(type(i).__name__, getattr(i, "data", None)) for i in items] == [("Source", b"first\nsecond\n")]


@pytest.mark.parametrize("codec", sorted(COMPRESS))
def test_corrupt_stream_gives_an_error_row(tmp_path, codec):
    data = bytearray(COMPRESS[codec](LOG))
    data[len(data) // 2 : len(data) // 2 + 64] = b"\x55" * 64
    items = expand_all(tmp_path, f"bad.{codec}", bytes(data))
    errors = [i for i in items if isinstance(i, ErrorRow)]
    assert len(errors) == 1 and errors[0].error in (f"corrupt-{codec}", f"truncated-{codec}")


def test_truncated_tar_keeps_earlier_members_and_names_the_broken_one(tmp_path):
    raw = tar_bytes([("a.log", LOG), ("b.log", LOG), ("c.log", LOG)])
    cut = raw[: 512 + len(LOG) + 512 + 1000]  # inside b.log's data
    items = expand_all(tmp_path, "cut.tar", cut)
    base = str(tmp_path / "cut.tar")
    assert isinstance(items[0], Source) and items[0].name == f"{base}!a.log" and items[0].data == LOG
    errs = [i for i in items if isinstance(i, ErrorRow)]
    assert [(e.source, e.error) for e in errs] == [(f"{base}!b.log", "bad-tar-member")]


def test_hostile_member_names_are_only_names(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    raw = tar_bytes([("../../escape.log", b"one\n"), ("/etc/crashpipe-test.log", b"two\n"), ("a/../../b.log", b"three\n")])
    items = expand_all(work, "evil.tar", raw)
    assert [i.name.split("!", 1)[1] for i in items] == ["../../escape.log", "/etc/crashpipe-test.log", "a/../../b.log"]
    assert not (tmp_path / "escape.log").exists() and not os.path.exists("/etc/crashpipe-test.log")
    assert sorted(os.listdir(work)) == ["evil.tar"] and sorted(os.listdir(tmp_path)) == ["work"]


@pytest.mark.parametrize("codec", sorted(COMPRESS))
def test_decompression_bomb_stops_at_the_cap(tmp_path, codec):
    bomb = COMPRESS[codec](b"\0" * (64 << 20))
    items = expand_all(tmp_path, f"bomb.{codec}", bomb, Limits(max_source_bytes=1 << 20))
    assert [(type(i).__name__, getattr(i, "error", None)) for i in items] == [("ErrorRow", "too-large")]


def test_a_bomb_member_in_a_tar_does_not_stop_its_siblings(tmp_path):
    items = expand_all(tmp_path, "bomb.tar", tar_bytes([("big", b"x" * (2 << 20)), ("small", b"ok\n")]), Limits(max_source_bytes=1 << 20))
    assert [getattr(i, "error", None) or i.data for i in items] == ["too-large", b"ok\n"]


def test_nesting_is_bounded(tmp_path):
    data = b"deep\n"
    for _ in range(ingest.MAX_DEPTH + 3):
        data = gzip.compress(data, mtime=0)
    items = expand_all(tmp_path, "deep.gz", data)
    assert [getattr(i, "error", None) for i in items] == ["nesting-too-deep"]


def test_missing_and_unreadable_inputs_are_error_rows(tmp_path):
    items = list(ingest.walk([str(tmp_path / "nope.log")]))
    assert [(i.stage, i.error) for i in items] == [("ingest", "missing")]


def test_binary_sniff():
    assert ingest.looks_binary(os.urandom(70000))
    assert not ingest.looks_binary(LOG)
    assert not ingest.looks_binary("ünïcödé ✓ text\n".encode() * 100)
    assert not ingest.looks_binary(b"")
    assert not ingest.looks_binary("Défaut de page à l'adresse, erreur généralisée\n".encode("latin-1") * 100)
    assert ingest.looks_binary(b"\0\0\0\1" * 1000)


def test_long_lines_are_counted_with_the_first_line_number():
    limit = 100
    data = b"short\n" * 3 + b"x" * 150 + b"\nok\n" + b"y" * 101
    assert long_lines(data, limit) == (2, 4)
    assert long_lines(b"a\n" * 10, limit) == (0, 0)
    assert long_lines(b"z" * 500, limit) == (1, 1)
