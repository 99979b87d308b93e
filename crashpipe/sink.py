"""The dataset writer: hive-partitioned Parquet part files plus a manifest of what is done.

Layout: `OUT/<table>/run=YYYY-MM-DD/part-*.parquet` (schemas from `crashpipe.schema`,
with the schema version in each file's metadata) and `OUT/_manifest/commit-*.json`
(ignored by Parquet readers: leading underscore).

A flush is one commit, atomic across tables:
  1. every table's rows go to a hidden temp file in its partition (`.part-X.parquet.tmp`),
     fsynced;
  2. a commit record naming those parts and the sources/files they hold is written
     (temp name, fsync, rename, fsync of the folder): this rename is the commit point;
  3. the temp parts are renamed to their final `part-X.parquet` names.
Opening a dataset recovers: parts of committed records still under temp names are
renamed forward, temp files of uncommitted flushes are deleted.  So a run killed at any
instant loses nothing (its uncommitted sources are not in the manifest and are read again)
and duplicates nothing (committed sources are skipped).  One run at a time per folder
(an exclusive lock).

Nothing is ever written outside OUT: file names here are built from fixed table names,
the run date (validated) and random ids, never from source or member names.

The buckets table is written by `crashpipe.bucket.BucketIndex.write` right after each
commit, as its own atomic part files.  A kill in the instant between the two leaves
committed reports whose bucket rows are missing until a later run touches the bucket;
closing that gap needs the index's rows inside the commit (a follow-up with the bucket
owner).
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.ipc  # noqa: F401 - pa.ipc for TaskTables' pickling
import pyarrow.parquet as pq

from crashpipe import schema as S
from crashpipe.ingest import FileEvent
from crashpipe.model import ErrorRow, Report
from crashpipe.pipeline import TaskResult

log = logging.getLogger(__name__)

MANIFEST = "_manifest"
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
FLUSH_REPORTS = 20_000  # reports buffered before a commit (bounded memory, few part files)
FLUSH_FRAMES = 400_000
FLUSH_ERRORS = 50_000
U64_MAX = (1 << 64) - 1


class SinkError(Exception):
    """The dataset folder cannot be used (locked, not writable, ...): the run fails."""


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json_atomic(path: str, obj: Any) -> None:
    d, base = os.path.split(path)
    tmp = os.path.join(d, f".{base}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)
    _fsync_dir(d)


# ---------------------------------------------------------------- rows -> Arrow
def _u64(v: Any) -> int | None:
    return v if isinstance(v, int) and 0 <= v <= U64_MAX else None


def _i(v: Any, bits: int) -> int | None:
    return v if isinstance(v, int) and -(1 << (bits - 1)) <= v < (1 << (bits - 1)) else None


def reports_table(reports: list[Report], ids: list[str]) -> pa.Table:
    sch = S.with_version(S.REPORTS, "reports")
    cols: dict[str, list[Any]] = {
        "report_id": ids,
        "source": [r.source for r in reports],
        "source_line": [_i(r.source_line, 64) or 0 for r in reports],
        "arch": [r.arch for r in reports],
        "kernel_release": [r.kernel_release for r in reports],
        "kind": [r.kind for r in reports],
        "title": [r.title for r in reports],
        "alt_titles": [list(r.alt_titles) for r in reports],
        "bucket_id": [r.bucket_id for r in reports],
        "family_id": [r.family_id for r in reports],
        "corrupted": [bool(r.corrupted) for r in reports],
        "corrupted_reason": [r.corrupted_reason for r in reports],
        "tainted": [r.tainted for r in reports],
        "process": [r.process for r in reports],
        "pid": [_i(r.pid, 64) for r in reports],
        "cpu": [_i(r.cpu, 32) for r in reports],
        "hardware": [r.hardware for r in reports],
        "modules": [list(r.modules) for r in reports],
        # A register value the parser could not fit in 64 bits is dropped, not fatal.
        "registers": [[(k, v) for k, v in r.registers.items() if _u64(v) is not None] for r in reports],
        "fault_address": [_u64(r.fault_address) for r in reports],
        "code": [r.code for r in reports],
        "faulting_instruction": [r.faulting_instruction for r in reports],
        "n_frames": [len(r.frames) for r in reports],
        "unwind_agreement": [r.unwind_agreement for r in reports],
    }
    return pa.table({f.name: pa.array(cols[f.name], type=f.type) for f in sch}, schema=sch)


def frames_table(reports: list[Report], ids: list[str]) -> pa.Table:
    sch = S.with_version(S.FRAMES, "frames")
    rows = [(rid, f) for r, rid in zip(reports, ids) for f in r.frames]
    cols: dict[str, list[Any]] = {
        "report_id": [rid for rid, _ in rows],
        "frame_no": [_i(f.frame_no, 32) or 0 for _, f in rows],
        "address": [_u64(f.address) for _, f in rows],
        "symbol": [f.symbol for _, f in rows],
        "offset": [_u64(f.offset) for _, f in rows],
        "size": [_u64(f.size) for _, f in rows],
        "module": [f.module for _, f in rows],
        "file": [f.file for _, f in rows],
        "line": [_i(f.line, 32) for _, f in rows],
        "inlined": [bool(f.inlined) for _, f in rows],
        "reliable": [bool(f.reliable) for _, f in rows],
        "method": [f.method or "trace" for _, f in rows],
        "context": [f.context for _, f in rows],
        "args": [[a for a in f.args if _u64(a) is not None] if f.args is not None else None for _, f in rows],
        "skipped_reason": [f.skipped_reason for _, f in rows],
    }
    return pa.table({f.name: pa.array(cols[f.name], type=f.type) for f in sch}, schema=sch)


def errors_table(errors: list[ErrorRow]) -> pa.Table:
    sch = S.with_version(S.ERRORS, "errors")
    cols = {
        "source": [e.source for e in errors],
        "source_line": [_i(e.source_line, 64) for e in errors],
        "stage": [e.stage for e in errors],
        "error": [e.error for e in errors],
        "detail": [e.detail for e in errors],
    }
    return pa.table({f.name: pa.array(cols[f.name], type=f.type) for f in sch}, schema=sch)


@dataclass
class TaskTables:
    """The reports and frames of one task as Arrow tables, built in the worker that
    produced them: the parent then does no per-frame work and unpickles a few buffers
    instead of a tree of Report and Frame objects.  `family_id` is left null (families
    are assigned online in the parent, which fills the column per distinct bucket)."""

    reports: pa.Table
    frames: pa.Table
    spans: list[tuple[str, int, int]]  # (source, first row, rows): each source's rows, in order
    signatures: dict[str, list[str]]  # bucket_id -> signature, for every bucket of the task

    # Across the pool the tables travel as Arrow IPC streams: reading one back is ~10x
    # cheaper than unpickling a table column by column, and the parent pays for it.
    def __getstate__(self) -> dict[str, Any]:
        return {"reports": _ipc_bytes(self.reports), "frames": _ipc_bytes(self.frames), "spans": self.spans,
                "signatures": self.signatures}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.reports = pa.ipc.open_stream(state["reports"]).read_all()
        self.frames = pa.ipc.open_stream(state["frames"]).read_all()
        self.spans = state["spans"]
        self.signatures = state["signatures"]


def _ipc_bytes(table: pa.Table) -> bytes:
    out = pa.BufferOutputStream()
    with pa.ipc.new_stream(out, table.schema) as w:
        w.write_table(table)
    return out.getvalue().to_pybytes()


def task_tables(sources: list[tuple[str, list[Report]]]) -> TaskTables:
    """TaskTables of (source name, its reports) pairs."""
    reports = [r for _, reps in sources for r in reps]
    ids = [r.report_id for r in reports]
    spans, start = [], 0
    for name, reps in sources:
        spans.append((name, start, len(reps)))
        start += len(reps)
    sigs: dict[str, list[str]] = {}
    for r in reports:
        if r.bucket_id and r.signature is not None and r.bucket_id not in sigs:
            sigs[r.bucket_id] = r.signature
    if any(r.bucket_id and r.bucket_id not in sigs for r in reports):
        # Reports bucketed without a kept signature (not through assign_bucket_ids).
        from crashpipe.bucket import signatures_for

        todo = {r.bucket_id: r for r in reports if r.bucket_id and r.bucket_id not in sigs}
        got = signatures_for(list(todo.values()))
        for bid, gid in zip(todo, got.bucket_id):
            sigs[bid] = got.signature[gid]
    return TaskTables(reports_table(reports, ids), frames_table(reports, ids), spans, sigs)


def _with_family(reports: pa.Table, family_ids: list[str | None]) -> pa.Table:
    i = reports.schema.get_field_index("family_id")
    return reports.set_column(i, reports.schema.field(i), pa.array(family_ids, pa.string()))


# ---------------------------------------------------------------- the dataset
@dataclass
class _Buffer:
    reports: list[pa.Table] = field(default_factory=list)
    frames: list[pa.Table] = field(default_factory=list)
    errors: list[ErrorRow] = field(default_factory=list)
    sources: list[list[Any]] = field(default_factory=list)  # [name, digest, n_reports]
    files: list[list[Any]] = field(default_factory=list)  # [name, size, mtime_ns]
    n_reports: int = 0
    n_frames: int = 0

    def empty(self) -> bool:
        return not (self.n_reports or self.errors or self.sources or self.files)


class Dataset:
    """An output folder opened for one run: the manifest of done work, the write buffer,
    and the pipeline's consumer interface (`task`, `file_done`, `loose_errors`)."""

    def __init__(self, out_dir: str, run_date: str, bucket_index: Any = None) -> None:
        if not DATE_RE.fullmatch(run_date):
            raise SinkError(f"run date {run_date!r} is not YYYY-MM-DD")
        try:
            dt.date.fromisoformat(run_date)
        except ValueError as e:
            raise SinkError(f"run date {run_date!r}: {e}") from None
        self.out = os.path.abspath(out_dir)
        self.run_date = run_date
        self.bucket_index = bucket_index
        try:
            os.makedirs(os.path.join(self.out, MANIFEST), exist_ok=True)
            self._lock = open(os.path.join(self.out, MANIFEST, "lock"), "w")
        except OSError as e:
            raise SinkError(f"cannot use {out_dir} as the output folder: {e}") from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise SinkError(f"another crashpipe run is writing to {out_dir}") from None
        self.done_files: dict[str, tuple[int, int]] = {}
        self.done_sources: set[tuple[str, str]] = set()
        self.done_names: set[str] = set()
        self._committed_ids: dict[str, set[str]] | None = None
        self._recover()
        self.buf = _Buffer()
        self.commits = 0

    # -- recovery and the manifest
    def _records(self) -> Iterable[tuple[str, dict[str, Any]]]:
        mdir = os.path.join(self.out, MANIFEST)
        for fn in sorted(os.listdir(mdir)):
            if fn.startswith("commit-") and fn.endswith(".json"):
                path = os.path.join(mdir, fn)
                try:
                    with open(path, encoding="utf-8") as f:
                        yield path, json.load(f)
                except (OSError, ValueError) as e:
                    # Records are renamed into place complete, so this is outside damage.
                    raise SinkError(f"manifest record {path} is unreadable ({e}); move it away to continue") from None

    def _recover(self) -> None:
        committed_tmps: set[str] = set()
        for _, rec in self._records():
            for part in rec.get("parts", []):
                final = os.path.join(self.out, part["path"])
                tmp = os.path.join(self.out, part["tmp"])
                if not os.path.exists(final) and os.path.exists(tmp):
                    os.rename(tmp, final)
                    log.info("recovered part %s of an interrupted commit", part["path"])
                committed_tmps.add(tmp)
            for name, dig, _n in rec.get("sources", []):
                self.done_sources.add((name, dig))
                self.done_names.add(name)
            for name, size, mtime_ns in rec.get("files", []):
                self.done_files[name] = (size, mtime_ns)
        # Whatever temp file is left belongs to a flush that never committed.
        for root, _dirs, files in os.walk(self.out):
            for fn in files:
                if fn.startswith(".") and fn.endswith(".tmp"):
                    path = os.path.join(root, fn)
                    os.unlink(path)
                    log.info("removed %s left by an interrupted run", os.path.relpath(path, self.out))

    def skip_file(self, event: FileEvent) -> bool:
        return self.done_files.get(event.name) == (event.size, event.mtime_ns)

    def _committed_report_ids(self, name: str) -> set[str]:
        """Report ids already in the dataset for a source whose content changed (a
        console log that grew since the last run): its old reports are not written twice."""
        if self._committed_ids is None:
            self._committed_ids = {}
            root = os.path.join(self.out, "reports")
            if os.path.isdir(root):
                import pyarrow.dataset as ds

                t = ds.dataset(root, format="parquet", partitioning="hive").to_table(columns=["source", "report_id"])
                for src, rid in zip(t.column("source").to_pylist(), t.column("report_id").to_pylist()):
                    self._committed_ids.setdefault(src, set()).add(rid)
        return self._committed_ids.get(name, set())

    # -- consumer interface (called by pipeline.Runner in the parent)
    # The pipeline's workers build each task's tables themselves when this is set.
    wants_tables = True

    def task(self, res: TaskResult) -> None:
        # Flush before adding, never after: a worker-read file's sources and its file
        # record (file_done comes right after) always land in the same commit.
        self._maybe_flush()
        live = [s for s in res.sources if not s.skipped]
        tt = res.tables
        if tt is None and any(s.reports for s in live):
            tt = task_tables([(s.name, s.reports) for s in live])
        counts = {s.name: s.report_count() for s in live}
        if tt is not None and tt.reports.num_rows:
            tt = self._drop_committed(tt, counts)
            if self.bucket_index is not None:
                tt.reports = self._families(tt)
            self.buf.reports.append(tt.reports)
            self.buf.frames.append(tt.frames)
            self.buf.n_reports += tt.reports.num_rows
            self.buf.n_frames += tt.frames.num_rows
        for s in live:
            self.buf.errors.extend(s.errors)
            self.buf.sources.append([s.name, s.digest, counts[s.name]])
        self.buf.errors.extend(res.errors)

    def _families(self, tt: TaskTables) -> pa.Table:
        """Assign families source by source (as when the parent held Report objects)
        and fill the family_id column; a source whose assignment fails keeps nulls."""
        cols = [tt.reports.column(c).to_pylist() for c in ("bucket_id", "report_id", "kernel_release", "title")]
        families: dict[str, str] = {}
        failed = [False] * tt.reports.num_rows
        for name, start, n in tt.spans:
            if not n:
                continue
            sl = slice(start, start + n)
            try:
                families.update(self.bucket_index.assign_families_columns(*(c[sl] for c in cols), tt.signatures))
            except Exception as e:  # noqa: BLE001
                log.warning("%s: families not assigned: %s", name, e)
                self.buf.errors.append(ErrorRow(name, None, "bucket", type(e).__name__, str(e)[:500]))
                failed[sl] = [True] * n
        # One dict lookup per row on the bucket ids already in hand (cheaper, for a
        # task's few hundred rows, than Arrow's unique/index_in/take).
        fams = [None if bad or b is None else families.get(b) for b, bad in zip(cols[0], failed)]
        return _with_family(tt.reports, fams)

    def _drop_committed(self, tt: TaskTables, counts: dict[str, int]) -> TaskTables:
        """Leave out reports already in the dataset (a console log that grew since the
        last run is read again: its old reports are not written twice)."""
        again = [(name, start, n) for name, start, n in tt.spans if n and name in self.done_names]
        if not again:
            return tt
        rids = tt.reports.column("report_id").to_pylist()
        keep = [True] * len(rids)
        for name, start, n in again:
            old = self._committed_report_ids(name)
            for k in range(start, start + n):
                if rids[k] in old:
                    keep[k] = False
                    counts[name] -= 1
        if all(keep):
            return tt
        import pyarrow.compute as pc

        spans, at = [], 0
        for name, start, n in tt.spans:
            m = sum(keep[start:start + n])
            spans.append((name, at, m))
            at += m
        reports = tt.reports.filter(pa.array(keep))
        frames = tt.frames.filter(pc.is_in(tt.frames.column("report_id"), value_set=reports.column("report_id")))
        return TaskTables(reports, frames, spans, tt.signatures)

    def file_done(self, event: FileEvent, errors: list[ErrorRow]) -> None:
        self.buf.errors.extend(errors)
        self.buf.files.append([event.name, event.size, event.mtime_ns])

    def loose_errors(self, errors: list[ErrorRow]) -> None:
        self.buf.errors.extend(errors)

    def _maybe_flush(self) -> None:
        b = self.buf
        if b.n_reports >= FLUSH_REPORTS or b.n_frames >= FLUSH_FRAMES or len(b.errors) >= FLUSH_ERRORS:
            self.flush()

    # -- writing
    def _part(self, table: str, data: pa.Table, stamp: str) -> dict[str, Any]:
        rel_dir = os.path.join(table, f"run={self.run_date}")
        os.makedirs(os.path.join(self.out, rel_dir), exist_ok=True)
        base = f"part-{stamp}.parquet"
        tmp_rel = os.path.join(rel_dir, f".{base}.tmp")
        tmp = os.path.join(self.out, tmp_rel)
        pq.write_table(data, tmp, compression="zstd")
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        return {"table": table, "path": os.path.join(rel_dir, base), "tmp": tmp_rel, "rows": data.num_rows}

    def flush(self) -> None:
        b = self.buf
        if b.empty():
            return
        stamp = f"{int(time.time() * 1000):013d}-{uuid.uuid4().hex[:12]}"
        reports = pa.concat_tables(b.reports) if b.reports else reports_table([], [])
        frames = pa.concat_tables(b.frames) if b.frames else frames_table([], [])
        # A table with no rows is written only while its folder is missing: every
        # dataset has all its table folders (readers and `score dataset` expect them).
        tables = [(name, t) for name, t in (("reports", reports), ("frames", frames), ("errors", errors_table(b.errors)))
                  if t.num_rows or not os.path.isdir(os.path.join(self.out, name))]
        parts = [self._part(name, t, stamp) for name, t in tables]
        for p in parts:
            _fsync_dir(os.path.dirname(os.path.join(self.out, p["tmp"])))
        record = {
            "version": 1,
            "run": self.run_date,
            "committed": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "parts": parts,
            "sources": b.sources,
            "files": b.files,
        }
        _write_json_atomic(os.path.join(self.out, MANIFEST, f"commit-{stamp}.json"), record)  # the commit point
        for p in parts:
            os.rename(os.path.join(self.out, p["tmp"]), os.path.join(self.out, p["path"]))
        for d in {os.path.dirname(os.path.join(self.out, p["path"])) for p in parts}:
            _fsync_dir(d)
        for name, dig, _n in b.sources:
            self.done_sources.add((name, dig))
            self.done_names.add(name)
        for name, size, mtime_ns in b.files:
            self.done_files[name] = (size, mtime_ns)
        if self._committed_ids is not None:
            for src, rid in zip(reports.column("source").to_pylist(), reports.column("report_id").to_pylist()):
                self._committed_ids.setdefault(src, set()).add(rid)
        self.commits += 1
        if self.bucket_index is not None:
            # Right after the commit, so the buckets table covers the committed reports.
            # Not inside the commit: a kill in between leaves those bucket rows to the
            # next run's index (see the module notes).
            self.bucket_index.write(self.out, self.run_date)
        log.debug("commit %s: %d reports, %d frames, %d errors, %d sources", stamp, b.n_reports, b.n_frames,
                  len(b.errors), len(b.sources))
        self.buf = _Buffer()

    def close(self) -> None:
        """Final commit (with its bucket rows), then anything else the bucket index has
        to write (rows re-derived by a rule migration at load)."""
        self.flush()
        if self.bucket_index is not None:
            self.bucket_index.write(self.out, self.run_date)
        self.release()

    def release(self) -> None:
        """Give up the folder's lock (whatever is not committed stays uncommitted)."""
        if not self._lock.closed:
            self._lock.close()
