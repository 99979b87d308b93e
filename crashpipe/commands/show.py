"""`crashpipe show DIR BUCKET_OR_REPORT`: explain one bucket or one report."""
from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "show", help="a bucket's signature and reports, or a report's frames and why each was (not) used",
        description="ID is a bucket id, a report id, or a unique prefix of one.  For a bucket: its current "
        "row, the signature that was hashed, its family and its reports (also those filed under the ids it "
        "replaced after a rules change).  For a report: its fields and every frame with how it was found "
        "and why bucketing skipped it.")
    p.add_argument("dir", metavar="DIR", help="dataset folder written by `crashpipe run --out`")
    p.add_argument("id", metavar="BUCKET_OR_REPORT")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="reports listed for a bucket (default 50)")
    p.set_defaults(func=run)


def _rows(con, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _match(con, src: str | None, column: str, key: str) -> list[str]:
    if src is None:
        return []
    return [r[0] for r in con.execute(
        f"SELECT DISTINCT {column} FROM {src} WHERE starts_with({column}, ?) ORDER BY 1 LIMIT 5", [key]).fetchall()]


def run(args: argparse.Namespace) -> int:
    from crashpipe.bucket import dataset

    con = dataset.connect()
    key = args.id.strip().lower()
    latest = dataset.latest_buckets_sql(args.dir)
    rsrc = dataset.table_sql(args.dir, "reports")
    buckets = _match(con, f"({latest})" if latest else None, "bucket_id", key)
    reports = _match(con, rsrc, "report_id", key)
    found = [("bucket", b) for b in buckets] + [("report", r) for r in reports]
    exact = [f for f in found if f[1] == key]
    if exact:
        found = exact[:1]
    if not found:
        print(f"crashpipe show: no bucket or report {args.id!r} in {args.dir}", file=sys.stderr)
        return 1
    if len(found) > 1:
        print(f"crashpipe show: {args.id!r} is ambiguous: " + ", ".join(f"{k} {v}" for k, v in found), file=sys.stderr)
        return 1
    what, ident = found[0]
    out = sys.stdout
    if what == "bucket":
        show_bucket(con, args.dir, ident, args.limit, out)
    else:
        show_report(con, args.dir, ident, out)
    return 0


def show_bucket(con, out_dir: str, bucket_id: str, limit: int, out) -> None:
    from crashpipe.bucket import dataset

    b = _rows(con, f"SELECT * FROM ({dataset.latest_buckets_sql(out_dir)}) WHERE bucket_id = ?", [bucket_id])[0]
    out.write(f"bucket      {b['bucket_id']}  (bucketing version {b['bucket_version']})\n")
    out.write(f"title       {b['title'] or '-'}\n")
    out.write(f"family      {b['family_id'] or '-'}\n")
    out.write(f"reports     {b['n_reports']}\n")
    out.write(f"first seen  {b['first_seen']}\nlast seen   {b['last_seen']}\n")
    out.write(f"releases    {', '.join(b['kernel_releases'] or []) or '-'}\n")
    out.write(f"example     {b['example_report_id'] or '-'}\n")
    out.write("signature\n")
    for i, s in enumerate(b["signature"] or []):
        out.write(f"  {'' if i == 0 else i - 1:>2}  {s}\n")
    siblings = _rows(con, f"SELECT bucket_id, n_reports, title FROM ({dataset.latest_buckets_sql(out_dir)}) "
                          "WHERE family_id = ? AND bucket_id <> ? AND bucket_version = ? ORDER BY n_reports DESC, bucket_id",
                     [b["family_id"], bucket_id, b["bucket_version"]])
    if siblings:
        out.write("family members\n")
        for s in siblings:
            out.write(f"  {s['bucket_id']}  {s['n_reports']:>6}  {s['title'] or '-'}\n")
    ids = [bucket_id]
    msrc = dataset.table_sql(out_dir, "bucket_migrations")
    if msrc:
        ids += [r[0] for r in con.execute(f"SELECT DISTINCT old_bucket_id FROM {msrc} WHERE new_bucket_id = ?",
                                          [bucket_id]).fetchall()]
    rsrc = dataset.table_sql(out_dir, "reports")
    if rsrc is None:
        return
    reps = _rows(con, f"SELECT DISTINCT ON (report_id) report_id, source, source_line, kernel_release, arch, title, run "
                      f"FROM {rsrc} WHERE list_contains(?, bucket_id) ORDER BY report_id", [ids])
    reps.sort(key=lambda r: (str(r["run"]), r["source"], r["source_line"]))
    out.write(f"reports ({len(reps)}{', first ' + str(limit) if len(reps) > limit else ''})\n")
    for r in reps[:limit]:
        out.write(f"  {r['report_id']}  {r['run']}  {r['arch'] or '-':8} {r['kernel_release'] or '-':24} "
                  f"{r['source']}:{r['source_line']}\n")


def show_report(con, out_dir: str, report_id: str, out) -> None:
    from crashpipe.bucket import dataset

    rsrc = dataset.table_sql(out_dir, "reports")
    r = _rows(con, f"SELECT * FROM {rsrc} WHERE report_id = ? LIMIT 1", [report_id])[0]
    for k in ("report_id", "source", "source_line", "arch", "kernel_release", "kind", "title", "bucket_id",
              "family_id", "corrupted", "corrupted_reason", "process", "pid", "cpu", "unwind_agreement"):
        if k in r:
            out.write(f"{k:17} {r[k] if r[k] is not None else '-'}\n")
    fsrc = dataset.table_sql(out_dir, "frames")
    if fsrc is None:
        return
    frames = _rows(con, f"SELECT DISTINCT ON (frame_no) * FROM {fsrc} WHERE report_id = ? ORDER BY frame_no",
                   [report_id])
    out.write(f"frames ({len(frames)}): no  method reliable context    used / skipped  frame\n")
    for f in frames:
        sym = f["symbol"] or (f"{f['address']:#x}" if f["address"] is not None else "?")
        if f["offset"] is not None:
            sym += f"+{f['offset']:#x}"
            if f["size"] is not None:
                sym += f"/{f['size']:#x}"
        if f["module"]:
            sym += f" [{f['module']}]"
        if f["inlined"]:
            sym += " (inlined)"
        where = f"  {f['file']}:{f['line']}" if f.get("file") else ""
        used = f["skipped_reason"] or "used"
        out.write(f"  {f['frame_no']:>3}  {f['method']:6} {'yes' if f['reliable'] else 'no':8} "
                  f"{f['context'] or '-':10} {used:15} {sym}{where}\n")
