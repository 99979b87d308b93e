"""Bad input never stops a run: each case becomes an errors row or a corrupted report,
the run goes on, exits 0, and writes nothing outside --out."""
from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import tarfile

import pyarrow.dataset as ds
import pytest
import zstandard
from conftest import OOPSES, needs_oopses, needs_parser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crashpipe import pipeline
from crashpipe.cli import main

GOOD = b"".join(b"[  %d.0] noise %d\n" % (i, i) for i in range(200)) + b"[ 300.0] BUG: good report\n"


def tar_of(members) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def bad_inputs(root) -> dict[str, str]:
    """Writes the bad inputs; returns file name -> expected errors.error."""
    big = GOOD * 400  # bigger than one read, so truncation is inside the stream

    def half(b: bytes) -> bytes:
        return b[: len(b) // 2]

    files = {
        "cut.log.gz": (half(gzip.compress(big)), "truncated-gz"),
        "cut.log.xz": (half(lzma.compress(big)), "truncated-xz"),
        "cut.log.zst": (half(zstandard.ZstdCompressor().compress(big)), "truncated-zst"),
        "cut.log.bz2": (half(bz2.compress(big)), "truncated-bz2"),
        "corrupt.gz": (b"\x1f\x8b\x08\x00" + b"\xff" * 200, "corrupt-gz"),
        "garbage.bin": (bytes(range(256)) * 400, "binary"),
        "empty.log": (b"", "empty"),
        "latin1.log": (GOOD.replace(b"good report", b"caf\xe9 \xff report"), "non-utf8"),
        "cut.tar": (tar_of([("first.log", GOOD), ("second.log", GOOD * 50)])[: 512 + -(-len(GOOD) // 512) * 512 + 512 + 2000], "bad-tar-member"),
    }
    root.mkdir(parents=True, exist_ok=True)
    for name, (data, _e) in files.items():
        (root / name).write_bytes(data)
    (root / "evil.tar").write_bytes(tar_of([("../../../outside.log", GOOD), ("/tmp/crashpipe-abs.log", GOOD)]))
    (root / "good.log").write_bytes(GOOD)
    return {k: e for k, (_d, e) in files.items()}


@pytest.mark.parametrize("workers", ["1", "2"])
def test_bad_inputs_become_errors_rows_and_the_run_goes_on(tmp_path, standin_pipeline, monkeypatch, workers):
    expected = bad_inputs(tmp_path / "in")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    out = tmp_path / "out"
    assert main(["-q", "run", str(tmp_path / "in"), "--out", str(out), "--workers", workers, "--run-date", "2026-01-02"]) == 0
    errs = ds.dataset(str(out / "errors"), format="parquet", partitioning="hive").to_table().to_pylist()
    got = {}
    for e in errs:
        got.setdefault(e["source"].removeprefix(str(tmp_path / "in") + "/").split("!")[0], set()).add(e["error"])
    assert {k: {v} for k, v in expected.items()} == got
    rep = ds.dataset(str(out / "reports"), format="parquet", partitioning="hive").to_table().to_pylist()
    sources = {r["source"].removeprefix(str(tmp_path / "in") + "/") for r in rep}
    # Good data around and inside the bad inputs still yields its reports.
    assert {"good.log", "latin1.log", "cut.tar!first.log", "evil.tar!../../../outside.log", "evil.tar!/tmp/crashpipe-abs.log",
            "cut.log.gz"} <= sources
    assert "BUG: caf\ufffd \ufffd report" in {r["title"] for r in rep}
    # Nothing outside --out: the hostile names were only names.
    assert sorted(os.listdir(tmp_path)) == ["cwd", "in", "out"] and os.listdir(cwd) == []
    assert not os.path.exists("/tmp/crashpipe-abs.log")


def test_non_utf8_is_counted_not_fatal(standin_pipeline):
    reports, errors = pipeline.process_source("x.log", b"[ 1.0] BUG: \xff\xfe here\n")
    assert [r.title for r in reports] == ["BUG: \ufffd\ufffd here"]
    assert [(e.error, e.detail.split()[0]) for e in errors] == [("non-utf8", "2")]


def test_a_stage_that_raises_costs_one_errors_row(standin_pipeline, monkeypatch):
    def boom(reports, *a):
        raise RuntimeError("unwinder bug")

    monkeypatch.setitem(pipeline._resolved, ("crashpipe.unwind", "unwind_reports"), boom)
    reports, errors = pipeline.process_source("x.log", GOOD)
    assert len(reports) == 1
    assert [(e.source, e.stage, e.error, e.detail) for e in errors] == [("x.log", "unwind", "RuntimeError", "unwinder bug")]


@needs_parser
def test_a_100_mb_line_without_newline(tmp_path):
    """Linear time end to end (a quadratic step would not finish in the suite's time)."""
    data = b"A" * (100 << 20) + b"\n" + GOOD
    reports, errors = pipeline.process_source("long.log", data)
    assert [(e.error, e.source_line) for e in errors] == [("line-too-long", 1)]
    assert [r.title for r in reports] == ["BUG: good report"] or all(r.source_line > 1 for r in reports)


def near_misses() -> bytes:
    """Lines built to make backtracking regexes blow up: long runs of almost-headers,
    almost-frames and almost-registers (also a case in benchmarks/bench_parse.py)."""
    unit = [
        "BUG: " * 400,
        "general protection fault, " * 80,
        "? " * 1000,
        "func+0x" * 290,
        "[<ffffffff8100" * 140,
        "RIP: 0010:" * 200,
        "Call Trace:" + " <IRQ>" * 300,
        "kernel BUG at " + "a/" * 1000,
        "Modules linked in:" + " m(" * 600,
        "0x" + "f" * 2000,
        "WARNING: CPU: 0 PID: 1 at " + "x+" * 900,
    ]
    return "".join(f"[ {i}.000] {unit[i % len(unit)]}\n" for i in range(3000)).encode()


@needs_parser
def test_regex_backtracking_bait_parses_in_linear_time():
    data = near_misses()
    assert len(data) > 5 << 20
    reports, errors = pipeline.process_source("bait.log", data)
    assert all(e.stage in ("ingest", "split") for e in errors)  # no stage crashed


@needs_parser
@needs_oopses
def test_report_cut_off_mid_trace_is_corrupted_with_a_reason():
    path = os.path.join(OOPSES, "qemu-x86_64", "ground_truth.jsonl")
    with open(path) as f:
        step = next(s for s in map(json.loads, f) if s["status"] == "captured" and s["kind"] == "null")
    with open(os.path.join(OOPSES, "qemu-x86_64", step["log"]), "rb") as f:
        log = f.read()[step["byte_start"]:step["byte_end"]]
    cut = log[: log.index(b"Call Trace:") + len(b"Call Trace:\n") + 60]  # mid-frame line
    reports, _errors = pipeline.process_source("cut.log", cut)
    assert len(reports) == 1
    assert reports[0].corrupted and reports[0].corrupted_reason


@needs_parser
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=3000), st.text(max_size=3000).map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_the_chain_never_raises(data):
    reports, errors = pipeline.process_source("fuzz.log", data)
    assert isinstance(reports, list) and isinstance(errors, list)


def test_a_worker_that_dies_costs_only_its_own_input(tmp_path, standin_pipeline, monkeypatch):
    """A crash in native code kills the worker process: the input that did it gets a
    worker-died errors row, its neighbours in flight with it are redone, the run goes on."""
    from conftest import standin_parse_text

    def crashing_parse(text, source):
        if "CRASH-THE-WORKER" in text:
            os._exit(139)
        return standin_parse_text(text, source)

    monkeypatch.setitem(pipeline._resolved, pipeline.PARSE[1:], crashing_parse)
    inp = tmp_path / "in"
    inp.mkdir()
    for i in range(8):
        (inp / f"{i}.log").write_bytes(GOOD)
    (inp / "3b.log").write_bytes(b"CRASH-THE-WORKER\n")
    out = tmp_path / "out"
    assert main(["-q", "run", str(inp), "--out", str(out), "--workers", "2", "--run-date", "2026-01-02"]) == 0
    errs = ds.dataset(str(out / "errors"), format="parquet", partitioning="hive").to_table().to_pylist()
    assert [(os.path.basename(e["source"]), e["error"]) for e in errs] == [("3b.log", "worker-died")]
    rep = ds.dataset(str(out / "reports"), format="parquet", partitioning="hive").to_table()
    assert sorted(os.path.basename(s) for s in rep.column("source").to_pylist()) == [f"{i}.log" for i in range(8)]


def test_a_task_stuck_in_a_loop_is_stopped(tmp_path, standin_pipeline, monkeypatch):
    from conftest import standin_parse_text

    def hanging_parse(text, source):
        while "HANG-FOREVER" in text:
            pass
        return standin_parse_text(text, source)

    monkeypatch.setitem(pipeline._resolved, pipeline.PARSE[1:], hanging_parse)
    inp = tmp_path / "in"
    inp.mkdir()
    for i in range(3):
        (inp / f"{i}.log").write_bytes(GOOD)
    (inp / "1b.log").write_bytes(b"HANG-FOREVER\n")
    out = tmp_path / "out"
    assert main(["-q", "run", str(inp), "--out", str(out), "--workers", "2", "--task-timeout", "1",
                 "--run-date", "2026-01-02"]) == 0
    errs = ds.dataset(str(out / "errors"), format="parquet", partitioning="hive").to_table().to_pylist()
    assert [(os.path.basename(e["source"]), e["error"]) for e in errs] == [("1b.log", "timeout")]
    rep = ds.dataset(str(out / "reports"), format="parquet", partitioning="hive").to_table()
    assert sorted(os.path.basename(s) for s in rep.column("source").to_pylist()) == ["0.log", "1.log", "2.log"]
