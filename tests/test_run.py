"""`crashpipe run` / `crashpipe parse`: the dataset, the manifest, reruns, kills, fan-out."""
from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tarfile

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from conftest import OOPSES, needs_parser

from crashpipe import sink
from crashpipe.cli import main
from crashpipe.schema import SCHEMA_VERSION

DATE = "2026-01-02"


def log(n: int, tag: str) -> bytes:
    lines = []
    for i in range(n):
        lines.append(f"[  {i}.000000] noise line {i}")
        if i % 10 == 5:
            lines.append(f"[  {i}.000001] BUG: {tag} report {i}")
    return ("\n".join(lines) + "\n").encode()


def make_inputs(root) -> dict[str, int]:
    """A folder of inputs in several containers; returns reports expected per source."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "plain.log").write_bytes(log(40, "plain"))
    (root / "comp.log.gz").write_bytes(gzip.compress(log(30, "gz")))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz") as t:
        for name, data in (("n1/console.log", log(20, "t1")), ("n2/console.log", log(50, "t2"))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    (root / "nodes.tar.xz").write_bytes(buf.getvalue())
    return {"plain.log": 4, "comp.log.gz": 3, "nodes.tar.xz!n1/console.log": 2, "nodes.tar.xz!n2/console.log": 5}


def table(out, name):
    return ds.dataset(os.path.join(out, name), format="parquet", partitioning="hive").to_table()


def parts(out):
    return sorted(os.path.relpath(os.path.join(r, f), out) for r, _d, fs in os.walk(out) for f in fs if f.endswith(".parquet"))


def run(*argv) -> int:
    return main(["-q", "run", *argv])


@pytest.mark.parametrize("workers", [1, 2])
def test_run_writes_the_dataset(tmp_path, standin_pipeline, workers):
    expected = make_inputs(tmp_path / "in")
    out = str(tmp_path / "out")
    assert run(str(tmp_path / "in"), "--out", out, "--workers", str(workers), "--run-date", DATE) == 0
    rep = table(out, "reports")
    prefix = str(tmp_path / "in") + "/"
    got = {}
    for s in rep.column("source").to_pylist():
        got[s.removeprefix(prefix)] = got.get(s.removeprefix(prefix), 0) + 1
    assert got == expected
    assert len(set(rep.column("report_id").to_pylist())) == rep.num_rows
    fr = table(out, "frames")
    assert fr.num_rows == rep.num_rows and set(fr.column("report_id").to_pylist()) == set(rep.column("report_id").to_pylist())
    assert str(fr.schema.field("address").type) == "uint64"
    for p in parts(out):
        assert p.split("/")[1] == f"run={DATE}" and p.split("/")[2].startswith("part-")
        meta = pq.read_schema(os.path.join(out, p)).metadata
        assert meta[b"crashpipe.schema_version"] == SCHEMA_VERSION.encode()
    regs = rep.column("registers").to_pylist()[0]
    assert regs and all(isinstance(v, int) for _k, v in regs)


def test_workers_1_and_2_give_the_same_rows(tmp_path, standin_pipeline):
    make_inputs(tmp_path / "in")
    ids = []
    for w in ("1", "2"):
        out = str(tmp_path / f"out{w}")
        assert run(str(tmp_path / "in"), "--out", out, "--workers", w, "--run-date", DATE) == 0
        ids.append(sorted(table(out, "reports").column("report_id").to_pylist()))
    assert ids[0] == ids[1] and len(ids[0]) == 14


def test_rerun_skips_done_sources_and_appends_only_new_reports(tmp_path, standin_pipeline):
    make_inputs(tmp_path / "in")
    out = str(tmp_path / "out")
    args = [str(tmp_path / "in"), "--out", out, "--workers", "1", "--run-date", DATE]
    assert run(*args) == 0
    before = parts(out)
    assert run(*args) == 0
    assert parts(out) == before  # nothing new: no new part files at all
    os.utime(tmp_path / "in" / "plain.log")  # touched, same content: skipped by content hash
    assert run(*args) == 0
    assert parts(out) == before
    # The console log grew: only the new reports are appended, none twice.
    with open(tmp_path / "in" / "plain.log", "ab") as f:
        f.write(b"[ 99.0] BUG: plain appended\n")
    assert run(*args) == 0
    rep = table(out, "reports")
    assert rep.num_rows == 15 and len(set(rep.column("report_id").to_pylist())) == 15
    assert "BUG: plain appended" in rep.column("title").to_pylist()


def test_killed_before_the_commit_point_loses_and_duplicates_nothing(tmp_path, standin_pipeline, monkeypatch):
    make_inputs(tmp_path / "in")
    out = str(tmp_path / "out")
    args = [str(tmp_path / "in"), "--out", out, "--workers", "1", "--run-date", DATE]

    def die(*a, **k):
        raise OSError("killed")

    monkeypatch.setattr(sink, "_write_json_atomic", die)  # parts written as temp files, no commit record
    assert run(*args) == 1
    assert parts(out) == [] and any(f.endswith(".tmp") for _r, _d, fs in os.walk(out) for f in fs)
    monkeypatch.undo()
    from crashpipe import pipeline
    from conftest import standin_parse_text

    monkeypatch.setattr(pipeline, "_resolved", {pipeline.PARSE[1:]: standin_parse_text, **{(m, f): None for _s, m, f in pipeline.STAGES}})
    monkeypatch.setattr(pipeline, "bucket_index", lambda out_dir: None)
    assert run(*args) == 0
    assert not any(f.endswith(".tmp") for _r, _d, fs in os.walk(out) for f in fs)
    assert table(out, "reports").num_rows == 14


def test_killed_after_the_commit_point_rolls_forward(tmp_path, standin_pipeline, monkeypatch):
    make_inputs(tmp_path / "in")
    out = str(tmp_path / "out")
    args = [str(tmp_path / "in"), "--out", out, "--workers", "1", "--run-date", DATE]
    real_rename = os.rename

    def rename(src, dst):
        if ".part-" in str(src):
            raise OSError("killed")
        real_rename(src, dst)

    monkeypatch.setattr(sink.os, "rename", rename)  # commit record in place, parts still temp files
    assert run(*args) == 1
    monkeypatch.setattr(sink.os, "rename", real_rename)
    assert run(*args) == 0  # recovery renames the committed parts; every source is done
    rep = table(out, "reports")
    assert rep.num_rows == 14 and len(set(rep.column("report_id").to_pylist())) == 14


def test_second_run_on_the_same_folder_is_refused(tmp_path, standin_pipeline):
    make_inputs(tmp_path / "in")
    held = sink.Dataset(str(tmp_path / "out"), DATE)
    try:
        assert run(str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--run-date", DATE) == 1
    finally:
        held.close()


def test_run_fails_when_no_source_exists(tmp_path, standin_pipeline):
    assert run(str(tmp_path / "nothing"), "--out", str(tmp_path / "out")) == 2


def test_parse_json_lines_in_order(tmp_path, standin_pipeline, capsys):
    make_inputs(tmp_path / "in")
    assert main(["parse", "--json", str(tmp_path / "in" / "nodes.tar.xz"), str(tmp_path / "in" / "plain.log")]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    prefix = str(tmp_path / "in") + "/"
    names = [(r["source"].removeprefix(prefix), r["source_line"]) for r in rows]
    assert [n for n, _ in names] == ["nodes.tar.xz!n1/console.log"] * 2 + ["nodes.tar.xz!n2/console.log"] * 5 + ["plain.log"] * 4
    for a, b in zip(names, names[1:]):
        assert a[0] != b[0] or a[1] < b[1]
    assert isinstance(rows[0]["frames"][0]["address"], int) and rows[0]["frames"][0]["address"] > 2**63


SAMPLES = os.path.join(os.path.dirname(__file__), "..", "samples")


@needs_parser
def test_samples_end_to_end_with_the_real_chain(tmp_path):
    """The bundled samples through the real chain, checked with the conformance scorer's
    dataset mode when it is around."""
    out = str(tmp_path / "out")
    assert run(SAMPLES, "--out", out, "--workers", "2", "--run-date", DATE) == 0
    rep = table(out, "reports")
    srcs = set(rep.column("source").to_pylist())
    # Every container of the samples yields reports.
    for suffix in ("x86_64-consoles.tar.zst!qemu-x86_64/console-raw.log", "x86_64-consoles.tar.zst!qemu-x86_64/console-kaslr.log.gz",
                   "i386-console-raw.log.gz", "i386-console-kaslr.log.bz2", "armhf-console-raw.log.xz",
                   "armhf-console-kaslr.log.zst", "arm64-console-raw.log", "lkml.mbox!1", "lkml.mbox!2"):
        assert any(s.endswith(suffix) for s in srcs), suffix
    titles = {s.rsplit("/", 1)[-1]: t for s, t in zip(rep.column("source").to_pylist(), rep.column("title").to_pylist())}
    assert titles["lkml.mbox!1"].startswith("kernel BUG")
    err = table(out, "errors")
    assert ("ingest", "truncated-gz") in set(zip(err.column("stage").to_pylist(), err.column("error").to_pylist()))
    score = os.path.join(os.path.dirname(OOPSES), "tools", "score")
    if os.path.exists(score):
        tables = "reports,frames,errors" + (",buckets" if os.path.isdir(os.path.join(out, "buckets")) else "")
        p = subprocess.run([sys.executable, score, "dataset", out, "--tables", tables], capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr


def test_stack_dump_containers_are_unwound_in_the_run(tmp_path):
    stackdump = pytest.importorskip("crashpipe.stackdump")
    if not hasattr(stackdump, "write_dumps") or not hasattr(stackdump, "reports_from_container"):
        pytest.skip("crashpipe.stackdump has no container reader yet")
    import struct

    # An x86_64 frame-pointer chain: two frames, return addresses in "text".
    base = 0xFFFFC90000010000
    words = [base + 0x20, 0xFFFFFFFF81000100, 0, 0, base + 0x40, 0xFFFFFFFF81000200, 0, 0, 0, 0, 0, 0]
    dumps = [{"arch": "x86_64", "base": base, "stack": struct.pack("<12Q", *words), "ip": 0xFFFFFFFF81000010,
              "sp": base, "fp": base, "text_ranges": [(0xFFFFFFFF81000000, 0xFFFFFFFF82000000)], "report": k} for k in range(3)]
    path = str(tmp_path / "dumps.arrow")
    stackdump.write_dumps(path, dumps)
    out = str(tmp_path / "out")
    assert run(path, "--out", out, "--workers", "1", "--run-date", DATE) == 0
    rep = table(out, "reports")
    assert rep.num_rows == 3 and set(rep.column("arch").to_pylist()) == {"x86_64"}
    fr = table(out, "frames").to_pylist()
    assert {f["address"] for f in fr} >= {0xFFFFFFFF81000010, 0xFFFFFFFF81000100}



def test_dask_executor_gives_the_same_rows(tmp_path, standin_pipeline):
    distributed = pytest.importorskip("distributed")
    make_inputs(tmp_path / "in")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        out = str(tmp_path / "out")
        assert run(str(tmp_path / "in"), "--out", out, "--executor", "dask", "--scheduler", cluster.scheduler_address,
                   "--run-date", DATE) == 0
    rep = table(out, "reports")
    assert rep.num_rows == 14 and len(set(rep.column("report_id").to_pylist())) == 14
    assert table(out, "frames").num_rows == 14


def _rows(out: str, name: str) -> list[dict]:
    keys = {"reports": ("report_id",), "frames": ("report_id", "frame_no", "method", "inlined"),
            "buckets": ("bucket_id",), "errors": ("source", "stage", "error", "detail")}[name]
    rows = table(out, name).to_pylist()
    for r in rows:
        r.pop("run", None)
    return sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys) + (repr(sorted(r.items())),))


@needs_parser
def test_tables_built_in_the_workers_equal_tables_built_in_the_parent(tmp_path, monkeypatch):
    """Workers send each task's reports and frames as Arrow tables and the parent fills
    family_id; the same rows as the parent building them from Report objects."""
    outs = {}
    for mode in ("worker", "parent"):
        if mode == "parent":
            monkeypatch.setattr(sink.Dataset, "wants_tables", False)
        outs[mode] = str(tmp_path / mode)
        assert run(SAMPLES, "--out", outs[mode], "--workers", "2", "--run-date", DATE) == 0
    for name in ("reports", "frames", "buckets", "errors"):
        a, b = _rows(outs["worker"], name), _rows(outs["parent"], name)
        assert a == b, name
    rep = _rows(outs["worker"], "reports")
    assert len(rep) > 100 and all(r["family_id"] for r in rep if r["bucket_id"])


@needs_parser
def test_clean_input_still_writes_every_table_folder(tmp_path):
    """No errors (or no reports) in a run: the table folders are there all the same,
    with an empty part, and a second run adds no empty parts."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "quiet.log").write_text("[    0.000000] Linux version 6.1.0\n[    1.000000] all is well\n")
    out = str(tmp_path / "out")
    assert run(str(src), "--out", out, "--workers", "1", "--run-date", DATE) == 0
    for name in ("reports", "frames", "errors", "buckets"):
        assert table(out, name).num_rows == 0, name
    assert len(parts(out)) == 4
    (src / "oops.log").write_bytes(open(os.path.join(SAMPLES, "arm64-console-raw.log"), "rb").read())
    assert run(str(src), "--out", out, "--workers", "1", "--run-date", DATE) == 0
    assert table(out, "reports").num_rows > 0 and table(out, "errors").num_rows == 0
    assert len(parts(out)) == 4 + 3  # reports, frames, buckets; no second empty errors part
    score = os.path.join(os.path.dirname(OOPSES), "tools", "score")
    if os.path.exists(score):
        p = subprocess.run([sys.executable, score, "dataset", out], capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr


def test_a_source_whose_families_fail_keeps_null_families_and_gets_an_errors_row(tmp_path):
    from crashpipe.bucket import assign_bucket_ids
    from crashpipe.bucket.index import BucketIndex
    from crashpipe.model import Frame, Report
    from crashpipe.pipeline import SourceResult, TaskResult

    def rep(src: str, line: int, site: str) -> Report:
        return Report(source=src, source_line=line, kind="bug", title=f"kernel BUG in {site}", text=f"{src}{line}",
                      frames=[Frame(symbol=site, method="trace"), Frame(symbol="caller", method="trace")])

    good, bad = [rep("good.log", 1, "f_one"), rep("good.log", 9, "f_two")], [rep("bad.log", 3, "f_one")]
    assign_bucket_ids(good + bad)

    class Flaky(BucketIndex):
        def assign_families_columns(self, bucket_ids, report_ids, *rest):
            if len(report_ids) == 1:  # bad.log's one report
                raise RuntimeError("boom")
            return super().assign_families_columns(bucket_ids, report_ids, *rest)

    out = str(tmp_path / "out")
    d = sink.Dataset(out, DATE, bucket_index=Flaky())
    d.task(TaskResult(0, "x", sources=[SourceResult("good.log", "d1", 10, good), SourceResult("bad.log", "d2", 10, bad)]))
    d.close()
    rows = {(r["source"], r["source_line"]): r for r in table(out, "reports").to_pylist()}
    assert rows[("bad.log", 3)]["family_id"] is None and rows[("bad.log", 3)]["bucket_id"]
    assert rows[("good.log", 1)]["family_id"] and rows[("good.log", 9)]["family_id"]
    assert rows[("good.log", 1)]["family_id"] != rows[("good.log", 9)]["family_id"]  # different sites
    err = table(out, "errors").to_pylist()
    assert [(e["source"], e["stage"], e["error"]) for e in err] == [("bad.log", "bucket", "RuntimeError")]
