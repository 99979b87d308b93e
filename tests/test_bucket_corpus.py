"""Bucketing on public oopses read in place (skipped when the corpus is absent): the
same bug from two kernel builds and architectures shares a bucket, different bugs do
not."""
from __future__ import annotations

import json
import os

import pytest

from crashpipe.cli import main

SATYR = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpus", "satyr-koops")
pytestmark = pytest.mark.skipif(not os.path.isdir(SATYR), reason="satyr corpus not available")


def parse(capsys, paths: list[str]) -> list[dict]:
    assert main(["-q", "parse", "--json", *paths]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_same_bug_two_releases_one_bucket_other_bugs_apart(capsys):
    files = sorted(f for f in os.listdir(SATYR) if not f.endswith(".md"))
    reports = parse(capsys, [os.path.join(SATYR, f) for f in files])
    by_file: dict[str, set[str]] = {}
    for r in reports:
        by_file.setdefault(os.path.basename(r["source"]), set()).add(r["bucket_id"])
    # rhbz-865695: the same `wl` driver BUG on Fedora 3.6.1 i686.PAE and x86_64 kernels.
    i386 = [r for r in reports if r["source"].endswith("rhbz-865695-0")]
    x86 = [r for r in reports if r["source"].endswith("rhbz-865695-2-notime")]
    assert i386[0]["kernel_release"] != x86[0]["kernel_release"]
    assert i386[0]["arch"] != x86[0]["arch"]
    assert i386[0]["bucket_id"] == x86[0]["bucket_id"]
    # Every other file is another bug (satyr's fixtures are distinct reports).
    others = [f for f in by_file if not f.startswith("rhbz-865695")]
    for i, a in enumerate(others):
        for b in others[i + 1:]:
            assert not (by_file[a] & by_file[b]), (a, b)
        assert not (by_file[a] & by_file["rhbz-865695-0"]), a


SYZ = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpus", "syzkaller-linux")


@pytest.mark.skipif(not os.path.isdir(SYZ), reason="syzkaller corpus not available")
def test_syzbot_grouping_precision():
    """Pairs of syzkaller reports crashpipe puts in one bucket are syzbot duplicates
    (equal TITLE or a shared ALT) at least 98% of the time; benchmarks/syzbot_dedup.py
    prints the details."""
    import itertools
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
    import syzbot_dedup

    names, logs, seen = {}, {}, set()
    for f in sorted(os.listdir(SYZ)):
        if f.isdigit():
            n, log = syzbot_dedup.read_case(os.path.join(SYZ, f))
            if n and log not in seen:
                seen.add(log)
                names[f], logs[f] = n, log
    ids, _ = syzbot_dedup.bucket_ids(logs, [sys.executable, "-m", "crashpipe"])
    files = [f for f in logs if ids[f]]
    same = [(x, y) for x, y in itertools.combinations(files, 2) if ids[x] == ids[y]]
    assert len(files) > 200 and len(same) > 10
    assert sum(bool(names[x] & names[y]) for x, y in same) / len(same) >= 0.98
