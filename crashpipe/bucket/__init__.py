"""Bucketing: one bucket per bug, families of near-duplicate buckets, the buckets table.

- `signature`: signatures and bucket ids, column-wise (the rules are data in
  `crashpipe.formats.bucket_rules`).
- `family`: the position-weighted stack similarity that groups buckets into families.
- `index`: `BucketIndex`, the buckets table kept across runs, and rule migrations.
- `dataset`: reading the latest bucket rows of a dataset through duckdb.

The pipeline calls `assign_bucket_ids(reports)` in its workers and `BucketIndex` in the
parent process; see docs/bucketing.md for the rules and how the threshold was tuned.
"""
from __future__ import annotations

from crashpipe.bucket.signature import REASONS, FrameColumns, Signatures, compute
from crashpipe.formats.bucket_rules import BUCKET_VERSION
from crashpipe.model import ErrorRow, Report

__all__ = ["BUCKET_VERSION", "REASONS", "BucketIndex", "FrameColumns", "Signatures", "assign_bucket_ids",
           "columns_from_reports", "signatures_for"]


def columns_from_reports(reports: list[Report]) -> FrameColumns:
    """Flatten the frames of `reports` into the columns the engine reads."""
    import numpy as np
    import pyarrow as pa

    rep, no, sym, mod, meth, rel, inl, ctx = [], [], [], [], [], [], [], []
    for i, r in enumerate(reports):
        for k, f in enumerate(r.frames):
            rep.append(i)
            no.append(k)  # list order is the frame order, whatever frame_no says
            sym.append(f.symbol if isinstance(f.symbol, str) else None)
            mod.append(f.module if isinstance(f.module, str) else None)
            meth.append(f.method if isinstance(f.method, str) else None)
            rel.append(bool(f.reliable))
            inl.append(bool(f.inlined))
            ctx.append(f.context if isinstance(f.context, str) else None)
    s = pa.string()
    return FrameColumns(
        report=np.array(rep, np.int64), frame_no=np.array(no, np.int64), symbol=pa.array(sym, s),
        module=pa.array(mod, s), method=pa.array(meth, s), reliable=np.array(rel, bool),
        inlined=np.array(inl, bool), context=pa.array(ctx, s),
        arch=pa.array([_str(r.arch) for r in reports], s), kind=pa.array([_str(r.kind) for r in reports], s),
        title=pa.array([_str(r.title) for r in reports], s),
    )


def _str(v: object) -> str | None:
    return v if isinstance(v, str) else None


def signatures_for(reports: list[Report]) -> Signatures:
    return compute(columns_from_reports(reports))


def assign_bucket_ids(reports: list[Report]) -> list[ErrorRow]:
    """Set `bucket_id` on every report and `skipped_reason` on every frame not used.
    Never raises for bad input: a failing batch is retried report by report, and a
    report that still fails keeps bucket_id None and gets an errors row."""
    errors: list[ErrorRow] = []
    try:
        _apply(reports, signatures_for(reports))
        return errors
    except Exception:  # noqa: BLE001 - one bad report must not lose the batch
        pass
    for r in reports:
        try:
            _apply([r], signatures_for([r]))
        except Exception as e:  # noqa: BLE001
            r.bucket_id = None
            errors.append(ErrorRow(r.source, r.source_line, "bucket", "bucket-error", f"{type(e).__name__}: {e}"))
    return errors


def _apply(reports: list[Report], sigs: Signatures) -> None:
    reasons = sigs.reasons()
    k = 0
    for r, bid in zip(reports, sigs.bucket_id):
        r.bucket_id = bid
        # Kept for the parent's family assignment (one list per bucket, shared by its
        # reports, so it pickles once per bucket).
        r.signature = sigs.signature[bid]
        for f in r.frames:
            f.skipped_reason = reasons[k]
            k += 1


def __getattr__(name: str):  # BucketIndex pulls in duckdb/pyarrow parquet: load lazily
    if name == "BucketIndex":
        from crashpipe.bucket.index import BucketIndex

        return BucketIndex
    raise AttributeError(name)
