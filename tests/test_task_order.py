"""Results reach the parent in task order, so online family assignment (and with it
every family_id) does not depend on which worker finished first."""
import os
import subprocess
import sys

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from crashpipe.pipeline import TaskResult, in_task_order

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@given(st.permutations(list(range(40))), st.integers(1, 50))
@settings(max_examples=200, deadline=None)
def test_every_result_once_and_in_order_within_the_window(order, window):
    out = [r.seq for r in in_task_order((TaskResult(s, None) for s in order), window=window)]
    assert sorted(out) == list(range(40))
    if window >= 40:
        assert out == list(range(40))


def test_a_straggler_does_not_hold_back_the_rest_forever():
    order = list(range(1, 30)) + [0]
    out = [r.seq for r in in_task_order((TaskResult(s, None) for s in order), window=5)]
    assert sorted(out) == list(range(30))
    assert out[:6] == [1, 2, 3, 4, 5, 6]  # the window overflowed: delivered ahead of seq 0


def _families(out: str) -> dict[str, str]:
    rows = duckdb.sql(f"SELECT report_id, family_id FROM read_parquet('{out}/reports/*/*.parquet')").fetchall()
    return dict(rows)


def test_family_ids_do_not_depend_on_which_worker_finishes_first(tmp_path, monkeypatch):
    """Workers finishing in the reverse of task order (simulated, so the test does not
    depend on the scheduler) must give the same families as one worker."""
    from crashpipe import pipeline
    from crashpipe.cli import main

    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "gen_corpus.py"), "--reports", "2000",
                    "--files", "8", "--seed", "1", "--out", str(corpus)], check=True, capture_output=True)
    assert main(["-q", "run", str(corpus), "--out", str(tmp_path / "one"), "--workers", "1"]) == 0

    def reversed_pool(tasks, workers, task_timeout=None):
        done = [pipeline.run_task(*t) for t in tasks]
        yield from reversed(done)

    monkeypatch.setattr(pipeline, "_pool_execute", reversed_pool)
    assert main(["-q", "run", str(corpus), "--out", str(tmp_path / "two"), "--workers", "2"]) == 0
    one, two = _families(str(tmp_path / "one")), _families(str(tmp_path / "two"))
    assert one and one == two
