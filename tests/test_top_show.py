"""`crashpipe top` / `crashpipe show` and the buckets table across runs, on a dataset
written here with the sink's table builders and BucketIndex."""
from __future__ import annotations

import os

import pyarrow.parquet as pq
import pytest

from crashpipe import sink
from crashpipe.bucket import assign_bucket_ids, dataset
from crashpipe.bucket.index import BucketIndex
from crashpipe.cli import main
from crashpipe.model import Frame, Report


def report(n: int, chain: list[str], release: str = "6.1.0-1-amd64", kind: str = "warning") -> Report:
    frames = [Frame(frame_no=0, symbol="dump_stack_lvl", offset=0x10)]
    frames += [Frame(frame_no=i + 1, symbol=s, module="drv", offset=0x20 + n) for i, s in enumerate(chain)]
    frames.append(Frame(frame_no=len(frames), symbol="scanned_junk", method="scan", reliable=False))
    return Report(source=f"log{n}", source_line=n, text=f"report {n}", arch="x86_64", kind=kind,
                  title=f"WARNING in {chain[0]}", kernel_release=release, frames=frames)


A = ["a_site", "a_caller", "a_top"]
A2 = ["a_site", "a_caller", "other_top"]  # same site, other caller: A's family
B = ["b_site", "b_caller"]
C = ["c_site", "c_caller"]


def do_run(out: str, date: str, reports: list[Report]) -> BucketIndex:
    assign_bucket_ids(reports)
    idx = BucketIndex.load(out)
    idx.assign_families(reports)
    ids = [r.report_id for r in reports]
    for table, tab in (("reports", sink.reports_table(reports, ids)), ("frames", sink.frames_table(reports, ids))):
        d = os.path.join(out, table, f"run={date}")
        os.makedirs(d, exist_ok=True)
        pq.write_table(tab, os.path.join(d, f"part-{len(os.listdir(d))}.parquet"))
    idx.write(out, date)
    return idx


@pytest.fixture()
def ds(tmp_path):
    out = str(tmp_path / "ds")
    day1 = [report(1, A), report(2, A, "6.2.0-1-amd64"), report(3, A), report(4, B)]
    do_run(out, "2026-11-01", day1)
    day2 = [report(5, A), report(6, C), report(7, C), report(8, A2)]
    do_run(out, "2026-11-02", day2)
    return out, day1, day2


def latest(out):
    con = dataset.connect()
    cur = con.execute(dataset.latest_buckets_sql(out))
    cols = [d[0] for d in cur.description]
    return {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}


def test_buckets_table_across_runs(ds):
    out, day1, day2 = ds
    rows = latest(out)
    a, b, c, a2 = day1[0].bucket_id, day1[3].bucket_id, day2[1].bucket_id, day2[3].bucket_id
    assert len({a, b, c, a2}) == 4
    assert rows[a]["n_reports"] == 4
    assert rows[a]["kernel_releases"] == ["6.1.0-1-amd64", "6.2.0-1-amd64"]
    assert str(rows[a]["first_seen"].date()) == "2026-11-01" and str(rows[a]["last_seen"].date()) == "2026-11-02"
    assert rows[b]["n_reports"] == 1 and str(rows[b]["last_seen"].date()) == "2026-11-01"
    assert rows[c]["n_reports"] == 2 and str(rows[c]["first_seen"].date()) == "2026-11-02"
    # A2 joined A's family (known in run 1); the family of a known bucket never changes.
    assert rows[a2]["family_id"] == rows[a]["family_id"] != rows[b]["family_id"]
    assert day2[0].family_id == day1[0].family_id
    assert rows[a]["signature"] == ["kind=warning:WARNING", "a_site [drv]", "a_caller [drv]", "a_top [drv]"]
    assert rows[a]["example_report_id"] in {r.report_id for r in day1[:3]}
    # Every file carries the schema version.
    for f in dataset.table_files(out, "buckets"):
        assert pq.read_schema(f).metadata[b"crashpipe.table"] == b"buckets"


def test_top_since_puts_new_then_growing_first(ds, capsys):
    out, day1, day2 = ds
    assert main(["top", out, "--since", "2026-11-02", "--json"]) == 0
    import json

    rows = [json.loads(l) for l in capsys.readouterr().out.splitlines()]
    order = [(r["bucket_id"], r["status"], r["gained"]) for r in rows]
    c, a2, a, b = day2[1].bucket_id, day2[3].bucket_id, day1[0].bucket_id, day1[3].bucket_id
    assert order == [(c, "new", 2), (a2, "new", 1), (a, "growing", 1), (b, "", 0)]
    assert main(["top", out, "--limit", "1"]) == 0
    text = capsys.readouterr().out
    assert a in text and c not in text


def test_show_bucket_and_report(ds, capsys):
    out, day1, _ = ds
    a = day1[0].bucket_id
    assert main(["show", out, a]) == 0
    text = capsys.readouterr().out
    assert "a_site [drv]" in text and "6.2.0-1-amd64" in text
    for r in day1[:3]:
        assert r.report_id in text
    assert day1[3].report_id not in text
    rid = day1[0].report_id
    assert main(["show", out, rid[:10]]) == 0
    text = capsys.readouterr().out
    lines = {l.split()[-1]: l for l in text.splitlines() if l.startswith("  ")}
    assert "generic" in lines["dump_stack_lvl+0x10"]
    assert "scanned" in lines["scanned_junk"]
    assert " used " in lines["[drv]"] or "used" in text
    assert main(["show", out, "ffffffffff"]) == 1


def test_rules_change_writes_migration(ds, monkeypatch):
    out, day1, day2 = ds
    from crashpipe.bucket import index, signature

    # A new rules version: same signatures, new hash prefix -> every id changes.
    monkeypatch.setattr(index, "BUCKET_VERSION", "2")
    monkeypatch.setattr(signature.R, "BUCKET_VERSION", "2")
    idx = BucketIndex.load(out)
    assert idx.migrations, "old buckets must map to new ones"
    idx.write(out, "2026-11-03")
    con = dataset.connect()
    m = con.execute(f"SELECT old_bucket_id, new_bucket_id, n_reports FROM "
                    f"{dataset.table_sql(out, 'bucket_migrations')} ORDER BY 1").fetchall()
    old_a = day1[0].bucket_id
    new_a = [n for o, n, _ in m if o == old_a]
    assert len(new_a) == 1 and new_a[0] != old_a
    assert sum(k for o, _, k in m if o == old_a) == 4
    rows = latest(out)
    assert rows[new_a[0]]["bucket_version"] == "2" and rows[new_a[0]]["n_reports"] == 4
    assert str(rows[new_a[0]]["first_seen"].date()) == "2026-11-01"
    assert dataset.current_version(con, out) == "2"
    # Loading again does not migrate twice.
    assert not BucketIndex.load(out).migrations


def test_report_html(ds, tmp_path):
    out, day1, day2 = ds
    page = tmp_path / "r.html"
    assert main(["report", out, "--html", str(page)]) == 0
    text = page.read_text()
    for r in (day1[0], day1[3], day2[1]):
        assert r.bucket_id in text
    assert "a_site [drv]" in text and "6.2.0-1-amd64" in text
    assert text.index(day1[0].bucket_id) < text.index(day1[3].bucket_id)  # biggest family first


def test_load_recovers_bucket_rows_lost_to_a_kill(ds):
    """A run killed after committing reports but before writing their bucket rows:
    the next load rebuilds them from the reports and frames tables."""
    out, day1, day2 = ds
    want = latest(out)
    for f in dataset.table_files(out, "buckets"):
        if "run=2026-11-02" in f:
            os.remove(f)
    assert latest(out)[day1[0].bucket_id]["n_reports"] == 3
    idx = BucketIndex.load(out)
    idx.write(out, "2026-11-03")
    got = latest(out)
    assert set(got) == set(want)
    for b, row in want.items():
        for k in ("n_reports", "signature", "kernel_releases", "first_seen", "last_seen", "title"):
            assert got[b][k] == row[k], (b, k)
    assert got[day2[1].bucket_id]["family_id"] == want[day2[1].bucket_id]["family_id"]
    # Nothing left to recover: a second load touches nothing.
    assert not BucketIndex.load(out).touched
