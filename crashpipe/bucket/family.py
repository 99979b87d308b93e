"""Near-duplicate families: buckets with the same crash site reached through different
callers, or the same path with a frame more or less.

Similarity of two signatures a and b (their frame tokens, crash site first), in the
spirit of TraceSim (Vasiliev et al., 2020): frames are aligned by their longest common
subsequence (rapidfuzz's Indel opcodes over token lists); each aligned pair (i, j)
contributes (w(i) + w(j)) * exp(-SHIFT * |i - j|) with position weight
w(i) = exp(-DECAY * i); the sum is divided by the total weight of both signatures.
Identical signatures score 1, signatures with nothing in common 0.

Why these constants (crashpipe.formats.bucket_rules): with DECAY = 1 the crash site
weighs more than all callers together (1 > sum of e^-i for i >= 1 = 0.58), so two
buckets whose crash sites differ score at most 0.42 (every other frame aligned one
place off) and never reach the threshold; sharing only the crash site scores 0.63 for
two eight-frame signatures; sharing the crash site and its caller, 0.87.  THRESHOLD =
0.70 sits above the site-only score, so a common helper (an allocator check, a list
debug check) reached from unrelated code does not make a family by itself, and below
the site-plus-caller score.  On the dev data (shared/oopses, every arch, both boots,
through `crashpipe parse`; benchmarks/family_threshold.py) the lowest same-site pair
scores 0.865 and the highest different-site pair 0.368; every threshold from 0.40 to
0.85 gives family F1 1.0 there, 0.90 drops it to about 0.5.

Families are assigned online: a new bucket joins the family of its most similar known
bucket (same kind token, same crash site) when the score reaches the threshold, else it
founds a family.  Known buckets never move, so family ids are stable.  A founded
family's id is a hash of the founder's kind token, crash site and first caller, not of
the founder itself: two similar new buckets arriving in either order (worker pools
finish sources in any order) almost always share those three tokens, so they name the
family the same way whichever comes first.
"""
from __future__ import annotations

import bisect
import functools
import hashlib
import math
from typing import Iterable, Sequence

from rapidfuzz.distance import Indel

from crashpipe.formats import bucket_rules as R


@functools.lru_cache(maxsize=256)
def _weights(n: int) -> tuple[tuple[float, ...], float]:
    """Position weights of an n-token signature and their sum (the same floats as
    computing them afresh: the cache only saves the exp calls)."""
    w = [math.exp(-R.FAMILY_DECAY * i) for i in range(n)]
    return tuple(w), sum(w)


@functools.lru_cache(maxsize=256)
def _shift(d: int) -> float:
    return math.exp(-R.FAMILY_SHIFT * d)


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Position-weighted similarity of two frame-token lists (crash site first)."""
    if not a or not b:
        return 1.0 if list(a) == list(b) else 0.0
    (wa, sa), (wb, sb) = _weights(len(a)), _weights(len(b))
    total = sa + sb
    got = 0.0
    for op in Indel.opcodes(list(a), list(b)):
        if op.tag != "equal":
            continue
        for k in range(op.src_end - op.src_start):
            i, j = op.src_start + k, op.dest_start + k
            got += (wa[i] + wb[j]) * _shift(abs(i - j))
    return got / total


def block_key(signature: Sequence[str]) -> tuple[str, str]:
    """Only buckets sharing kind token and crash site can be in one family (see the
    module docstring: others cannot reach the threshold), so compare within blocks."""
    return (signature[0] if signature else "", signature[1] if len(signature) > 1 else "")


def family_key(signature: Sequence[str]) -> str:
    """Id of a family founded by a bucket with this signature (kind token first)."""
    h = hashlib.blake2b(digest_size=8)
    h.update(f"crashpipe-family/{R.BUCKET_VERSION}\n".encode())
    h.update("\n".join(signature[:3]).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


# Signature positions 1..HEAVY (after the site) are "heavy"; the weight of all later
# positions together is at most LIGHT_MAX, whatever the signature's length.
HEAVY = 3
LIGHT_MAX = math.exp(-R.FAMILY_DECAY * (HEAVY + 1)) / (1 - math.exp(-R.FAMILY_DECAY))


class _SiteBlock:
    """The buckets sharing one kind token and crash site, indexed so that a new bucket
    is scored only against those that could reach the threshold.

    Bound: aligned pairs join equal tokens, each position is aligned at most once and
    the shift factor is at most 1, so similarity(a, b) <= (p + q_b + S) / (s + t_b),
    where s, t_b are the weight sums of a and b, p and q_b the weights of the site's
    positions in a and b, and S the weight, in a and in b, of the other tokens the two
    share.  A token shared at no heavy position of a nor of b adds at most the light
    weight of a (`light`, known) plus LIGHT_MAX for b to S.  So b can reach the
    threshold T only if it shares a token at a heavy position of a (`by_token`) or has a
    token of a at one of its own heavy positions (`by_heavy`), or else if
    slack_b = q_b - T * t_b >= T * s - p - light - LIGHT_MAX (short signatures, where
    the site alone may be enough; `slack` is kept sorted)."""

    __slots__ = ("entries", "families", "by_token", "by_heavy", "slack", "threshold", "indexed")

    def __init__(self, threshold: float) -> None:
        self.entries: list[tuple[str, list[str]]] = []
        self.families: set[str] = set()
        # the three indexes of `candidates`, made when it is first asked (see `add`)
        self.by_token: dict[str, list[int]] | None = None  # token -> entries holding it (not as the site)
        self.by_heavy: dict[str, list[int]] | None = None  # token -> entries holding it at a heavy position
        self.slack: list[tuple[float, int]] | None = None  # (-slack, entry index), ascending
        self.threshold = threshold
        self.indexed = 0  # entries[:indexed] are in the indexes

    def add(self, bucket_id: str, frames: list[str], family_id: str) -> None:
        # Indexed only when `candidates` is first asked (most blocks never are: a new
        # bucket whose kind, site and caller are known is decided without them).
        self.entries.append((bucket_id, frames))
        self.families.add(family_id)

    def _index(self) -> None:
        threshold = self.threshold
        if self.by_token is None:
            self.by_token, self.by_heavy, self.slack = {}, {}, []
        for k in range(self.indexed, len(self.entries)):
            frames = self.entries[k][1]
            site = frames[0] if frames else None
            toks = set(frames)
            toks.discard(site)
            for tok in toks:
                self.by_token.setdefault(tok, []).append(k)
            for tok in set(frames[1:HEAVY + 1]):
                if tok != site:
                    self.by_heavy.setdefault(tok, []).append(k)
            w, total = _weights(len(frames))
            # The site's weight: position 0 (1.0), plus any later repeat (rare).
            q = sum(wi for wi, tok in zip(w, frames) if tok == site) if frames.count(site) > 1 else sum(w[:1])
            bisect.insort(self.slack, (-(q - threshold * total), k))
        self.indexed = len(self.entries)

    def candidates(self, frames: list[str], threshold: float, limit: int) -> list[tuple[str, list[str]]]:
        """The buckets among the block's last `limit` that could score >= threshold
        against `frames` (same site), in block order."""
        if self.indexed < len(self.entries):
            self._index()
        first = max(0, len(self.entries) - limit)
        site = frames[0]
        pick: set[int] = set()

        def take(postings: list[int]) -> None:
            pick.update(postings[bisect.bisect_left(postings, first):])

        for tok in set(frames[1:HEAVY + 1]):
            if tok != site and tok in self.by_token:
                take(self.by_token[tok])
        for tok in set(frames):
            if tok != site and tok in self.by_heavy:
                take(self.by_heavy[tok])
        w, total = _weights(len(frames))
        p = sum(wi for wi, tok in zip(w, frames) if tok == site) if frames.count(site) > 1 else w[0]
        light = sum(w[HEAVY + 1:])
        need = threshold * total - p - light - LIGHT_MAX - 1e-9  # margin for rounding: one candidate too many is harmless
        for neg, k in self.slack:
            if -neg < need:
                break
            if k >= first:
                pick.add(k)
        return [self.entries[k] for k in sorted(pick)]


class Families:
    """Online family assignment over bucket signatures (kind token first).

    Candidates for a new bucket are the known buckets sharing its kind token, crash
    site and first caller (all of them score at least 0.865, above the threshold);
    only when there are none, the last `R.FAMILY_BLOCK_LIMIT` buckets sharing kind
    token and crash site are scored, so a site reached by thousands of buckets (a
    common allocator check) costs bounded work per new bucket.

    The answer is the family of the best-scoring candidate if that score reaches the
    threshold, else a new family named `family_key(signature)`.  Two shortcuts give
    the same answer as scoring every candidate:
    - when every candidate is in one family F (the usual case: a block's later buckets
      join its first one's family), which candidate is best does not matter, only
      whether one reaches the threshold; and when F is also the family the bucket
      would found (the block's first bucket founded it: the key hashes the same three
      tokens), not even that;
    - candidates that provably score below the threshold (`_SiteBlock`) are not
      scored: they can be neither the answer nor beat it."""

    def __init__(self, threshold: float = R.FAMILY_THRESHOLD) -> None:
        self.threshold = threshold
        self.family: dict[str, str] = {}
        self._sites: dict[tuple[str, str], _SiteBlock] = {}
        self._callers: dict[tuple[str, ...], list[tuple[str, list[str]]]] = {}
        self._caller_fams: dict[tuple[str, ...], set[str]] = {}

    def add_known(self, bucket_id: str, signature: Sequence[str], family_id: str) -> None:
        if bucket_id in self.family:
            return
        self.family[bucket_id] = family_id
        frames = list(signature[1:])
        callers = tuple(signature[:3])
        block = self._sites.get(block_key(signature))
        if block is None:
            block = self._sites[block_key(signature)] = _SiteBlock(self.threshold)
        block.add(bucket_id, frames, family_id)
        self._callers.setdefault(callers, []).append((bucket_id, frames))
        self._caller_fams.setdefault(callers, set()).add(family_id)

    def assign(self, items: Iterable[tuple[str, Sequence[str]]]) -> None:
        """Give every unknown bucket a family; `items` is processed in bucket-id order
        so that the result does not depend on report order or worker count."""
        for bid, sig in sorted(items, key=lambda x: x[0]):
            if bid in self.family:
                continue
            self.add_known(bid, sig, self._family_of(sig))

    def _family_of(self, sig: Sequence[str]) -> str:
        own = family_key(sig)
        frames = list(sig[1:])
        if not frames:
            return own
        key = tuple(sig[:3])
        cands = self._callers.get(key)
        if cands:
            fams = self._caller_fams[key]
        else:
            block = self._sites.get(block_key(sig))
            if block is None or not block.entries:
                return own
            fams = block.families
            cands = block.candidates(frames, self.threshold, R.FAMILY_BLOCK_LIMIT)
            if not cands:
                return own
        if len(fams) == 1:
            (only,) = fams
            if only == own or any(similarity(frames, other) >= self.threshold for _, other in cands):
                return only
            return own
        best, best_id = -1.0, None
        for other_id, other in cands:
            sc = similarity(frames, other)
            if sc > best or (sc == best and best_id is not None and other_id < best_id):
                best, best_id = sc, other_id
        return self.family[best_id] if best_id is not None and best >= self.threshold else own
