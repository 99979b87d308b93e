"""Bucket ids through `crashpipe run`: identical across runs and worker counts, stable
when reports are added, and consistent with the buckets table.  Reads the shared
crashlab oopses in place; skipped when they are absent."""
from __future__ import annotations

import os
import shutil

import pyarrow.parquet as pq
import pytest

from crashpipe.bucket import dataset
from crashpipe.cli import main

OOPSES = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "oopses")
LOGS = [os.path.join(OOPSES, "qemu-x86_64", "console-raw.log"), os.path.join(OOPSES, "qemu-arm64", "console-raw.log")]
pytestmark = pytest.mark.skipif(not all(os.path.exists(p) for p in LOGS), reason="shared oopses not available")


def sources(tmp_path, logs: list[str], name: str) -> str:
    src = tmp_path / name
    src.mkdir()
    for p in logs:  # distinct names: the source name is part of the report id
        shutil.copy(p, src / (os.path.basename(os.path.dirname(p)) + ".log"))
    return str(src)


def run(out: str, src: str, workers: int, date: str = "2026-11-01") -> str:
    assert main(["-q", "run", src, "--out", out, "--workers", str(workers), "--run-date", date]) == 0
    return out


def reports(out: str) -> dict[str, tuple[str, str]]:
    rows = {}
    for f in dataset.table_files(out, "reports"):
        for r in pq.read_table(f, columns=["report_id", "bucket_id", "family_id"]).to_pylist():
            rows[r["report_id"]] = (r["bucket_id"], r["family_id"])
    return rows


def test_ids_identical_across_runs_and_workers(tmp_path):
    src = sources(tmp_path, LOGS, "src")
    one = reports(run(str(tmp_path / "w1"), src, 1))
    two = reports(run(str(tmp_path / "w2"), src, 2))
    again = reports(run(str(tmp_path / "w1b"), src, 1))
    assert one and all(b for b, _ in one.values())
    assert one == two == again


def test_adding_reports_keeps_ids_and_counts(tmp_path):
    out = str(tmp_path / "grow")
    run(out, sources(tmp_path, LOGS[:1], "day1"), 1, "2026-11-01")
    first = reports(out)
    run(out, sources(tmp_path, LOGS[1:], "day2"), 2, "2026-11-02")
    both = reports(out)
    assert len(both) > len(first)
    assert {k: both[k] for k in first} == first
    con = dataset.connect()
    latest = con.execute(f"SELECT bucket_id, n_reports FROM ({dataset.latest_buckets_sql(out)})").fetchall()
    per_bucket: dict[str, int] = {}
    for b, _ in both.values():
        per_bucket[b] = per_bucket.get(b, 0) + 1
    assert dict(latest) == per_bucket
    # x86_64 and arm64 reports of the same crashlab bug share a bucket: some grew on day 2.
    grown = con.execute(f"SELECT count(*) FROM ({dataset.latest_buckets_sql(out)}) "
                        "WHERE first_seen < TIMESTAMPTZ '2026-11-02' AND last_seen >= TIMESTAMPTZ '2026-11-02'").fetchone()[0]
    assert grown > 0
