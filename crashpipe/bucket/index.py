"""`BucketIndex`: the buckets table kept across runs, families assigned online, and the
old-to-new mapping written when the bucketing rules change.

Use (parent process, after the workers set bucket ids):

    idx = BucketIndex.load(out_dir)      # None: no dataset yet (`crashpipe parse`)
    idx.assign_families(reports)         # family_id, counts, releases, example
    idx.write(out_dir, run_date)         # DIR/buckets/run=DATE/part-*.parquet

Rows are cumulative snapshots; the supersede rule is in `crashpipe.bucket.dataset`.
When the dataset holds buckets of an older `bucket_version`, `load` re-buckets their
reports from the dataset's reports and frames tables with the current rules, and
`write` adds DIR/bucket_migrations/run=DATE/part-*.parquet (old_bucket_id,
old_version, new_bucket_id, new_version, n_reports) plus the new buckets' rows, which
inherit first_seen, last_seen and kernel releases from the old buckets they absorb.
`load` also reconciles the table with the reports table (`_reconcile`), so bucket rows
lost to a kill between a reports commit and the bucket write are rebuilt.
"""
from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq

from crashpipe import schema
from crashpipe.bucket import dataset
from crashpipe.bucket.family import Families, family_key
from crashpipe.bucket.signature import FrameColumns, compute
from crashpipe.formats.bucket_rules import BUCKET_VERSION
from crashpipe.model import Report

MIGRATIONS = pa.schema([
    pa.field("old_bucket_id", pa.string(), nullable=False),
    pa.field("old_version", pa.string(), nullable=False),
    pa.field("new_bucket_id", pa.string(), nullable=False),
    pa.field("new_version", pa.string(), nullable=False),
    pa.field("n_reports", pa.int64(), nullable=False),
], metadata={b"doc": b"old bucket id -> new bucket id after a bucketing rules change"})


@dataclass
class BucketRow:
    bucket_id: str
    signature: list[str]
    title: str | None = None
    family_id: str | None = None
    n_reports: int = 0
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    kernel_releases: set[str] = field(default_factory=set)
    example_report_id: str | None = None
    bucket_version: str = field(default_factory=lambda: BUCKET_VERSION)  # read at creation time


def run_time(run_date: str | dt.date | dt.datetime) -> dt.datetime:
    """The timestamp recorded for a run: the given time, or midnight UTC of the date."""
    if isinstance(run_date, dt.datetime):
        t = run_date
    elif isinstance(run_date, dt.date):
        t = dt.datetime(run_date.year, run_date.month, run_date.day)
    else:
        t = dt.datetime.fromisoformat(str(run_date))
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.astimezone(dt.timezone.utc).replace(microsecond=0)


class BucketIndex:
    def __init__(self) -> None:
        self.rows: dict[str, BucketRow] = {}
        self.families = Families()
        self.touched: set[str] = set()
        self.migrations: list[tuple[str, str, str, str, int]] = []
        self._seen_reports: set[str] = set()
        self._pending_first: set[str] = set()  # buckets new in this session
        self._seen_now: set[str] = set()  # buckets with reports in this session

    # -- loading -----------------------------------------------------------------
    @classmethod
    def load(cls, out_dir: str | None) -> "BucketIndex":
        idx = cls()
        if not out_dir or not dataset.table_files(out_dir, "buckets"):
            return idx
        con = dataset.connect()
        sql = dataset.latest_buckets_sql(out_dir)
        tab = con.sql(f"SELECT * FROM ({sql}) ORDER BY bucket_id").to_arrow_table()
        old: dict[str, BucketRow] = {}
        for d in tab.to_pylist():
            row = BucketRow(
                bucket_id=d["bucket_id"], signature=list(d["signature"] or []), title=d["title"],
                family_id=d["family_id"], n_reports=int(d["n_reports"] or 0), first_seen=_utc(d["first_seen"]),
                last_seen=_utc(d["last_seen"]), kernel_releases=set(d["kernel_releases"] or []),
                example_report_id=d["example_report_id"], bucket_version=d["bucket_version"])
            if row.bucket_version == BUCKET_VERSION:
                idx.rows[row.bucket_id] = row
            else:
                old[row.bucket_id] = row
        # Families: known buckets in id order, each keeping its family.
        for bid in sorted(idx.rows):
            r = idx.rows[bid]
            idx.families.add_known(bid, r.signature, r.family_id or family_key(r.signature))
        if old:
            idx._migrate(con, out_dir, old)
        idx._reconcile(con, out_dir, old)
        return idx

    def _reconcile(self, con, out_dir: str, old: dict[str, BucketRow]) -> None:
        """Catch the buckets table up with the reports table: a run killed between a
        reports commit and its bucket rows leaves reports whose bucket row is missing or
        short.  Counts, releases and seen dates are recomputed from the reports; a
        missing bucket gets its signature from one of its reports' frames."""
        rsrc = dataset.table_sql(out_dir, "reports")
        if rsrc is None:
            return
        agg = con.sql(
            f"SELECT bucket_id, count(DISTINCT report_id) AS n, min(CAST(run AS DATE)) AS first_run, "
            f"max(CAST(run AS DATE)) AS last_run, list(DISTINCT kernel_release) "
            f"FILTER (WHERE kernel_release IS NOT NULL) AS rels, min(report_id) AS example, "
            f"arg_min(title, report_id) AS title FROM {rsrc} WHERE bucket_id IS NOT NULL GROUP BY bucket_id "
            "ORDER BY bucket_id").fetchall()
        missing: dict[str, tuple] = {}
        for bid, n, first_run, last_run, rels, example, title in agg:
            row = self.rows.get(bid)
            if row is None:
                if bid not in old:
                    missing[bid] = (n, first_run, last_run, rels, example, title)
                continue
            if n > row.n_reports:
                row.n_reports = n
                row.kernel_releases |= set(rels or [])
                row.first_seen = _min(row.first_seen, run_time(first_run))
                row.last_seen = _max(row.last_seen, run_time(last_run))
                self.touched.add(bid)
        if not missing:
            return
        fsrc = dataset.table_sql(out_dir, "frames")
        examples = pa.table({"report_id": pa.array([m[4] for m in missing.values()], pa.string())})
        con.register("missing_examples", examples)
        reps = con.sql(f"SELECT DISTINCT ON (report_id) report_id, bucket_id, arch, kind, title FROM {rsrc} "
                       "WHERE report_id IN (SELECT report_id FROM missing_examples) ORDER BY report_id").to_arrow_table()
        frames = _frames_of(con, fsrc, "missing_examples")
        sigs = compute(columns_from_tables(reps, frames), with_reasons=False)
        for bid, got in zip(reps.column("bucket_id").to_pylist(), sigs.bucket_id):
            if bid != got:  # not produced by these rules: nothing to rebuild it from
                continue
            n, first_run, last_run, rels, example, title = missing[bid]
            self.rows[bid] = BucketRow(bid, list(sigs.signature[got]), title=title, n_reports=n,
                                       first_seen=run_time(first_run), last_seen=run_time(last_run),
                                       kernel_releases=set(rels or []), example_report_id=example)
            self.touched.add(bid)
        new = sorted(b for b in self.touched if self.rows[b].family_id is None)
        self.families.assign((b, self.rows[b].signature) for b in new)
        for b in new:
            self.rows[b].family_id = self.families.family[b]

    def _migrate(self, con, out_dir: str, old: dict[str, BucketRow]) -> None:
        """Re-bucket the reports of old-version buckets not migrated yet."""
        done: set[str] = set()
        msrc = dataset.table_sql(out_dir, "bucket_migrations")
        if msrc:
            done = {r[0] for r in con.execute(
                f"SELECT DISTINCT old_bucket_id FROM {msrc} WHERE new_version = ?", [BUCKET_VERSION]).fetchall()}
        todo = sorted(b for b in old if b not in done)
        rsrc, fsrc = dataset.table_sql(out_dir, "reports"), dataset.table_sql(out_dir, "frames")
        if not todo or rsrc is None:
            return
        con.register("todo_buckets", pa.table({"bucket_id": pa.array(todo, pa.string())}))
        reps = con.sql(
            f"SELECT DISTINCT ON (report_id) report_id, bucket_id, arch, kind, title, kernel_release FROM {rsrc} "
            "WHERE bucket_id IN (SELECT bucket_id FROM todo_buckets) ORDER BY report_id").to_arrow_table()
        if reps.num_rows == 0:
            return
        con.register("todo_reports", reps.select(["report_id"]))
        frames = _frames_of(con, fsrc, "todo_reports")
        sigs = compute(columns_from_tables(reps, frames), with_reasons=False)
        rids = reps.column("report_id").to_pylist()
        olds = reps.column("bucket_id").to_pylist()
        rels = reps.column("kernel_release").to_pylist()
        titles = reps.column("title").to_pylist()
        pairs: dict[tuple[str, str], int] = {}
        for rid, ob, nb, rel, title in sorted(zip(rids, olds, sigs.bucket_id, rels, titles)):
            pairs[(ob, nb)] = pairs.get((ob, nb), 0) + 1
            o = old[ob]
            row = self.rows.get(nb)
            if row is None:
                row = self.rows[nb] = BucketRow(nb, sigs.signature[nb], title=o.title or title,
                                                example_report_id=rid)
                self._pending_first.add(nb)
            row.n_reports += 1
            row.kernel_releases |= o.kernel_releases | ({rel} if rel else set())
            row.first_seen = _min(row.first_seen, o.first_seen)
            row.last_seen = _max(row.last_seen, o.last_seen)
            self.touched.add(nb)
            self._seen_reports.add(rid)
        for (ob, nb), k in sorted(pairs.items()):
            self.migrations.append((ob, old[ob].bucket_version, nb, BUCKET_VERSION, k))
        self.families.assign((b, self.rows[b].signature) for b in self.touched)
        for b in self.touched:
            self.rows[b].family_id = self.families.family[b]

    # -- one run's reports -----------------------------------------------------------
    def assign_families(self, reports: list[Report]) -> None:
        """Set family_id on every report with a bucket and fold the reports into the
        buckets' counts, releases and examples.  Known buckets keep their family."""
        # Only buckets new to the index need their signature, and one report each gives
        # it: the one the worker kept on the report, else computed here.
        sigs: dict[str, list[str]] = {}
        todo: dict[str, Report] = {}
        for r in reports:
            bid = r.bucket_id
            if bid and bid not in self.rows and bid not in sigs:
                if r.signature is not None:
                    sigs[bid] = r.signature
                else:
                    todo.setdefault(bid, r)
        if todo:
            from crashpipe.bucket import signatures_for

            reps = list(todo.values())
            got = signatures_for(reps)
            for r, bid in zip(reps, got.bucket_id):
                sigs[r.bucket_id] = got.signature[bid]
        fam = self.assign_families_columns([r.bucket_id for r in reports], [r.report_id for r in reports],
                                           [r.kernel_release for r in reports], [r.title for r in reports], sigs)
        for r in reports:
            if r.bucket_id:
                r.family_id = fam[r.bucket_id]

    def assign_families_columns(self, bucket_ids: list[str | None], report_ids: list[str],
                                kernel_releases: list[str | None], titles: list[str | None],
                                signatures: dict[str, list[str]]) -> dict[str, str]:
        """`assign_families` over columns (one entry per report, as the sink holds them
        in Arrow tables built by the workers); `signatures` must hold every bucket new to
        the index.  Returns bucket id -> family id for the buckets of these reports."""
        for bid in {b for b in bucket_ids if b and b not in self.rows}:
            self.rows[bid] = BucketRow(bid, list(signatures[bid]))
            self._pending_first.add(bid)
        present = {b for b in bucket_ids if b}
        self.families.assign((b, self.rows[b].signature) for b in present)
        out: dict[str, str] = {}
        for bid in present:
            row = self.rows[bid]
            row.family_id = out[bid] = self.families.family[bid]
        self.touched |= present
        self._seen_now |= present
        seen = self._seen_reports
        pending = self._pending_first
        # Stable example and title: the smallest report id of the bucket seen so far.
        for rid, bid, rel, title in sorted(
                (t for t in zip(report_ids, bucket_ids, kernel_releases, titles) if t[1]), key=lambda t: t[0]):
            if rid in seen:
                continue
            seen.add(rid)
            row = self.rows[bid]
            row.n_reports += 1
            if rel:
                row.kernel_releases.add(rel)
            if row.example_report_id is None or (bid in pending and rid < row.example_report_id):
                row.example_report_id = rid
                row.title = title
            elif row.title is None:
                row.title = title
        return out

    # -- output ----------------------------------------------------------------------
    def to_table(self, run_date: str | dt.date | dt.datetime) -> pa.Table:
        """Rows for every bucket this session touched, with cumulative state."""
        t = run_time(run_date)
        cols: dict[str, list] = {f.name: [] for f in schema.BUCKETS}
        for bid in sorted(self.touched):
            r = self.rows[bid]
            first = r.first_seen or t
            # Buckets only re-derived by a migration were not seen in this run.
            last = _max(r.last_seen, t) if bid in self._seen_now else (r.last_seen or t)
            cols["bucket_id"].append(bid)
            cols["title"].append(r.title)
            cols["signature"].append(list(r.signature))
            cols["family_id"].append(r.family_id)
            cols["n_reports"].append(r.n_reports)
            cols["first_seen"].append(min(first, last))
            cols["last_seen"].append(last)
            cols["kernel_releases"].append(sorted(r.kernel_releases))
            cols["example_report_id"].append(r.example_report_id)
            cols["bucket_version"].append(r.bucket_version)
        # column by column (pa.array per column): a dict per row through from_pylist
        # cost ~15 us a bucket, and the parent writes this table after every commit
        sch = schema.with_version(schema.BUCKETS, "buckets")
        return pa.table([pa.array(cols[f.name], f.type) for f in sch], schema=sch)

    def migrations_table(self) -> pa.Table:
        cols = list(zip(*self.migrations)) if self.migrations else [[], [], [], [], []]
        return pa.table([pa.array(c, f.type) for c, f in zip(cols, MIGRATIONS)],
                        schema=MIGRATIONS.with_metadata({**MIGRATIONS.metadata, b"crashpipe.schema_version":
                                                         schema.SCHEMA_VERSION.encode(),
                                                         b"crashpipe.table": b"bucket_migrations"}))

    def write(self, out_dir: str, run_date: str | dt.date | dt.datetime) -> list[str]:
        """Write this session's bucket rows (and migrations) as new part files;
        returns the paths written.  Each file appears atomically."""
        t = run_time(run_date)
        paths = []
        if self.migrations:
            paths.append(_write_part(self.migrations_table(), out_dir, "bucket_migrations", t))
        tab = self.to_table(t)
        # An empty part only while the folder is missing: a dataset always has its
        # buckets folder, even when no report so far had a bucket.
        if tab.num_rows or not os.path.isdir(os.path.join(out_dir, "buckets")):
            paths.append(_write_part(tab, out_dir, "buckets", t))
        for bid in self._seen_now:
            r = self.rows[bid]
            r.first_seen = _min(r.first_seen, t)
            r.last_seen = _max(r.last_seen, t)
        self.touched.clear()
        self._seen_now.clear()
        self.migrations.clear()
        self._pending_first.clear()
        return paths


def columns_from_tables(reports: pa.Table, frames: pa.Table) -> FrameColumns:
    """Engine columns from dataset tables: `reports` (report_id, arch, kind, title) and
    `frames` (report_id, frame_no, symbol, module, method, reliable, inlined, context);
    frames of reports not in `reports` are ignored.  Report i of the result is row i of
    `reports`.  No Python loop over rows: report ids are matched once per distinct id
    (dictionary-typed columns, as Parquet's read_dictionary gives them, stay encoded),
    and frames already grouped by report in frame order (how the sink writes them) are
    not re-sorted."""
    import numpy as np
    import pyarrow.compute as pc

    rid = reports.column("report_id").combine_chunks()
    if pa.types.is_dictionary(rid.type):
        rid = rid.dictionary_decode()
    fr = frames.column("report_id")
    if pa.types.is_dictionary(fr.type):
        fr = fr.unify_dictionaries().combine_chunks() if frames.num_rows else pa.array([], fr.type)
        where = pc.index_in(fr.dictionary, value_set=rid).fill_null(-1).to_numpy(zero_copy_only=False)
        codes = (fr.indices.fill_null(0) if fr.indices.null_count else fr.indices).to_numpy(zero_copy_only=False)
        rep = where[codes] if len(where) else np.full(len(codes), -1, np.int32)
    else:
        rep = pc.index_in(fr, value_set=rid).fill_null(-1).to_numpy(zero_copy_only=False)
    keep = rep >= 0
    if not keep.all():
        frames = frames.filter(pa.array(keep))
        rep = rep[keep]

    def col(name: str, typ: pa.DataType = pa.string()) -> pa.Array:
        if not frames.num_rows:
            return pa.array([], typ)
        c = frames.column(name)
        if pa.types.is_dictionary(c.type):
            c = c.unify_dictionaries()
        return c.combine_chunks()

    def boolean(name: str) -> np.ndarray:
        return _filled(col(name, pa.bool_()), False)

    return FrameColumns(
        report=rep, frame_no=_filled(col("frame_no", pa.int32()), 0),
        symbol=col("symbol"), module=col("module"), method=col("method"), reliable=boolean("reliable"),
        inlined=boolean("inlined"), context=col("context"),
        arch=reports.column("arch").combine_chunks(), kind=reports.column("kind").combine_chunks(),
        title=reports.column("title").combine_chunks())


def _frames_of(con, fsrc: str | None, ids_view: str) -> pa.Table:
    """The frames (engine columns) of the reports whose ids are in the registered view."""
    if fsrc:
        return con.sql(
            f"SELECT f.report_id, f.frame_no, f.symbol, f.module, f.method, f.reliable, f.inlined, f.context "
            f"FROM (SELECT DISTINCT ON (report_id, frame_no) * FROM {fsrc} "
            f"WHERE report_id IN (SELECT report_id FROM {ids_view}) ORDER BY report_id, frame_no) f").to_arrow_table()
    return pa.table({c: pa.array([], t) for c, t in (
        ("report_id", pa.string()), ("frame_no", pa.int32()), ("symbol", pa.string()), ("module", pa.string()),
        ("method", pa.string()), ("reliable", pa.bool_()), ("inlined", pa.bool_()), ("context", pa.string()))})


def _filled(c: pa.Array, value):
    """numpy view of `c` with nulls replaced by `value` (no copy when there are none)."""
    return (c.fill_null(value) if c.null_count else c).to_numpy(zero_copy_only=False)


def _write_part(tab: pa.Table, out_dir: str, table: str, t: dt.datetime) -> str:
    d = os.path.join(out_dir, table, f"run={t.date().isoformat()}")
    os.makedirs(d, exist_ok=True)
    # Names sort by write time, so the supersede rule's file-name tie-break is "later wins".
    name = f"part-{time.time_ns():020d}-{os.getpid()}.parquet"
    final = os.path.join(d, name)
    tmp = os.path.join(d, "." + name + ".tmp")
    pq.write_table(tab, tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    return final


def _utc(v) -> dt.datetime | None:
    if v is None:
        return None
    return v if v.tzinfo else v.replace(tzinfo=dt.timezone.utc)


def _min(a, b):
    return b if a is None else a if b is None else min(a, b)


def _max(a, b):
    return b if a is None else a if b is None else max(a, b)
