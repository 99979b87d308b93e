"""Pure-Python twin of `crashpipe.bucket.signature.compute`: the same rules, one report
at a time, written to be read.  tests/test_bucket_twin.py checks that both give the same
signature, bucket id and skip reasons on random reports; benchmarks/bench_bucket.py
uses it as the naive baseline.
"""
from __future__ import annotations

from crashpipe.bucket.signature import bucket_hash, frame_name, is_entry, is_generic, kind_token
from crashpipe.formats import bucket_rules as R
from crashpipe.model import Report

_TIER_TRACE, _TIER_UNWOUND, _TIER_WEAK, _TIER_NONE = 1, 2, 3, 9


def signature_of(report: Report) -> tuple[list[str], list[str | None]]:
    """(hashed tokens, kind token first; skipped_reason per frame) of one report."""
    frames = report.frames
    n = len(frames)
    toks: list[str | None] = []
    generic, entry = [], []
    for f in frames:
        sym = f.symbol if isinstance(f.symbol, str) and f.symbol.strip() else None
        mod = f.module if isinstance(f.module, str) and f.module else None
        name = frame_name(sym) if sym else None
        toks.append(None if name is None else (f"{name} [{mod}]" if mod else name))
        generic.append(name is not None and mod is None and is_generic(name))
        entry.append(name is not None and mod is None and is_entry(name))
    method = [f.method if f.method in ("trace", "regs", "fp", "cfi", "scan") else "scan" for f in frames]
    cand = [toks[i] is not None and not frames[i].inlined and not generic[i] for i in range(n)]

    # Roles: leading regs frames are pc (first) and lr; a regs frame right after the
    # first printed frame is the parser's lr; later regs frames are the unwinder's.
    first_printed = next((i for i in range(n) if method[i] != "regs"), n)
    is_pc = [i == 0 and method[0] == "regs" for i in range(n)]
    is_lr = [method[i] == "regs" and not is_pc[i] and (i < first_printed or i == first_printed + 1)
             for i in range(n)]
    top = [is_pc[i] or is_lr[i] for i in range(n)]

    def tier(i: int) -> int:
        f = frames[i]
        if i == first_printed and method[i] == "trace" and report.arch in R.LEADING_UNRELIABLE_IS_CALLER:
            return _TIER_TRACE
        if method[i] == "trace" and f.reliable:
            return _TIER_TRACE
        if method[i] in ("fp", "cfi", "regs") and f.reliable:
            return _TIER_UNWOUND
        return _TIER_WEAK

    best = min((tier(i) for i in range(n) if cand[i] and not top[i]), default=_TIER_NONE)
    lr_ok = [is_lr[i] and report.arch in R.LR_FILLS_LEAF_CALLER for i in range(n)]
    chosen = [is_pc[i] or lr_ok[i] or (not top[i] and tier(i) == best) for i in range(n)]

    # The crashing context ends at an entry frame, or where the context changes.
    use0 = [chosen[i] and cand[i] for i in range(n)]
    ref_ctx = next((frames[i].context for i in range(n) if use0[i] and not top[i]), "\0none")
    stopped, seen_stop, used_before = [False] * n, False, 0
    for i in range(n):
        if chosen[i] and used_before > 0 and (entry[i] or (not top[i] and frames[i].context != ref_ctx)):
            seen_stop = True
        stopped[i] = seen_stop
        used_before += use0[i]

    reasons: list[str | None] = [None] * n
    kept: list[str] = []
    prev: str | None = None
    for i in range(n):
        f = frames[i]
        if toks[i] is not None and f.inlined:
            reasons[i] = "inlined"
        elif toks[i] is None:
            reasons[i] = "no-symbol"
        elif use0[i] and not stopped[i]:
            if toks[i] == prev:
                reasons[i] = "recursion"
            elif len(kept) >= R.DEPTH:
                reasons[i] = "beyond-depth"
            else:
                kept.append(toks[i])
            prev = toks[i]
        elif generic[i]:
            reasons[i] = "generic"
        elif chosen[i] and stopped[i]:
            reasons[i] = "beyond-depth"
        elif is_lr[i]:
            reasons[i] = "unreliable"
        elif method[i] == "scan":
            reasons[i] = "scanned"
        elif method[i] in ("fp", "cfi", "regs") and f.reliable and best < _TIER_UNWOUND:
            reasons[i] = "superseded"
        else:
            reasons[i] = "unreliable"
    return [kind_token(report.kind, report.title, bool(kept))] + kept, reasons


def bucket_id_of(report: Report) -> str:
    return bucket_hash(signature_of(report)[0], R.BUCKET_VERSION)
