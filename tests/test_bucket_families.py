"""The family assignment's shortcuts (one-family blocks, candidates pruned by the
similarity bound) give the same families as scoring every candidate."""
from __future__ import annotations

import random

import pytest

from crashpipe.bucket import family
from crashpipe.bucket.family import Families, block_key, family_key, similarity
from crashpipe.formats import bucket_rules as R


class FullScan:
    """The rule as docs/bucketing.md states it: score every candidate (same kind token,
    site and first caller; else the block's last FAMILY_BLOCK_LIMIT with kind and site),
    best score wins (smallest bucket id on ties), join it at the threshold."""

    def __init__(self) -> None:
        self.family: dict[str, str] = {}
        self.sites: dict[tuple[str, str], list[tuple[str, list[str]]]] = {}
        self.callers: dict[tuple[str, ...], list[tuple[str, list[str]]]] = {}

    def add_known(self, bid: str, sig: list[str], fam: str) -> None:
        self.family[bid] = fam
        self.sites.setdefault(block_key(sig), []).append((bid, sig[1:]))
        self.callers.setdefault(tuple(sig[:3]), []).append((bid, sig[1:]))

    def assign(self, items) -> None:
        for bid, sig in sorted(items):
            if bid in self.family:
                continue
            best, best_id = -1.0, None
            if sig[1:]:
                cands = self.callers.get(tuple(sig[:3])) or self.sites.get(block_key(sig), [])[-R.FAMILY_BLOCK_LIMIT:]
                for oid, other in cands:
                    sc = similarity(sig[1:], other)
                    if sc > best or (sc == best and best_id is not None and oid < best_id):
                        best, best_id = sc, oid
            ok = best_id is not None and best >= R.FAMILY_THRESHOLD
            self.add_known(bid, sig, self.family[best_id] if ok else family_key(sig))


def _sig(rng: random.Random) -> list[str]:
    kind = rng.choice(["kind=bug", "kind=warning"])
    site = rng.choice(["s1", "s2"])
    n = rng.choice([0, 1, 2, 2, 3, 4, 5, 8])
    # A vocabulary small enough for shared deeper callers, repeated sites and equal
    # scores, large enough that most buckets share no first caller (the pruned path).
    vocab = ["s1"] + [f"c{i}" for i in range(30)]
    rest = [rng.choice(vocab) for _ in range(max(0, n - 1))]
    return [kind] + ([site] + rest if n else [])


@pytest.mark.parametrize("seed", range(10))
def test_same_families_as_full_scan(seed, monkeypatch):
    rng = random.Random(seed)
    if seed % 2:
        monkeypatch.setattr(R, "FAMILY_BLOCK_LIMIT", 4)  # the window over a site block
    fast, ref = Families(), FullScan()
    n = 0
    for _ in range(150):
        # Known buckets with arbitrary families (an older dataset) make mixed blocks.
        if rng.random() < 0.3:
            sig, fam = _sig(rng), rng.choice(["famA", "famB", "famC"])
            fast.add_known(f"k{n:04d}", sig, fam)
            ref.add_known(f"k{n:04d}", sig, fam)
            n += 1
        batch = []
        for _ in range(rng.randint(1, 6)):
            batch.append((f"b{rng.randrange(10**6):06d}", _sig(rng)))
        fast.assign(batch)
        ref.assign(batch)
    assert fast.family == ref.family
    assert len(set(fast.family.values())) > 3


def test_pruning_skips_buckets_that_cannot_reach_the_threshold(monkeypatch):
    calls = []
    real = family.similarity
    monkeypatch.setattr(family, "similarity", lambda a, b: calls.append(1) or real(a, b))
    fam = Families()
    # 50 buckets at one site, each founding its own family (site-only score 0.63).
    fam.assign((f"b{i:03d}", ["kind=bug", "site", f"caller{i}", f"x{i}", f"y{i}"]) for i in range(50))
    assert len(set(fam.family.values())) == 50
    calls.clear()
    # Shares the site and one deep caller with b007 only: one candidate scored, and it
    # stays below the threshold (0.68), so the bucket founds its own family.
    fam.assign([("new", ["kind=bug", "site", "other", "zz", "y7"])])
    assert len(calls) == 1
    assert similarity(["site", "other", "zz", "y7"], ["site", "caller7", "x7", "y7"]) < R.FAMILY_THRESHOLD
    assert fam.family["new"] == family_key(["kind=bug", "site", "other"])
    # Sharing the site and the second caller is enough (0.74): it joins b007.
    fam.assign([("near", ["kind=bug", "site", "other2", "x7"])])
    assert fam.family["near"] == fam.family["b007"]
    # A site-only signature may reach the threshold on the site alone (0.78 against four
    # frames, 0.80 against three), so it is scored against every bucket of the block and
    # joins the best: the shortest, "near" (b007's family).
    calls.clear()
    fam.assign([("short", ["kind=bug", "site"])])
    assert len(calls) == 52  # every bucket of the block so far
    assert similarity(["site"], ["site", "caller0", "x0", "y0"]) >= R.FAMILY_THRESHOLD
    assert fam.family["short"] == fam.family["near"] == fam.family["b007"]
