"""`crashpipe top DIR [--since DATE] [--limit N]`: the buckets people triage first."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "top", help="list the biggest buckets; with --since, new and growing ones first",
        description="List buckets of the dataset in DIR (current bucketing version, latest row per bucket). "
        "Without --since: by number of reports.  With --since DATE: buckets first seen on or after DATE, "
        "then buckets that gained reports since DATE (by reports gained), then the rest.")
    p.add_argument("dir", metavar="DIR", help="dataset folder written by `crashpipe run --out`")
    p.add_argument("--since", metavar="DATE", help="YYYY-MM-DD: mark and rank new and growing buckets")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="rows to show (default 20; 0 = all)")
    p.add_argument("--json", action="store_true", help="one JSON object per bucket instead of a table")
    p.set_defaults(func=run)


def query(out_dir: str, since: dt.date | None, limit: int) -> list[dict]:
    """Rows of `top`, best first: bucket fields plus `gained` (reports since `since`,
    else all) and `status` (new / growing / "")."""
    from crashpipe.bucket import dataset

    con = dataset.connect()
    latest = dataset.latest_buckets_sql(out_dir)
    if latest is None:
        return []
    version = dataset.current_version(con, out_dir)
    src = dataset.table_sql(out_dir, "buckets")
    # Growth from the snapshots themselves: the newest count before `since` is what the
    # bucket had then (n_reports only grows), so no reports table is needed.
    since_ts = dt.datetime(since.year, since.month, since.day, tzinfo=dt.timezone.utc) if since else None
    sql = f"""
        WITH cur AS ({latest}),
        before AS (
            SELECT bucket_id, max(n_reports) AS n_before FROM {src}
            WHERE ? IS NOT NULL AND CAST(run AS DATE) < CAST(? AS DATE) GROUP BY bucket_id)
        SELECT cur.bucket_id, cur.family_id, cur.n_reports, cur.first_seen, cur.last_seen,
               cur.kernel_releases, cur.title, cur.example_report_id, cur.signature,
               cur.n_reports - coalesce(before.n_before, 0) AS gained,
               CASE WHEN ? IS NULL THEN ''
                    WHEN cur.first_seen >= ? THEN 'new'
                    WHEN cur.n_reports > coalesce(before.n_before, 0) THEN 'growing'
                    ELSE '' END AS status
        FROM cur LEFT JOIN before USING (bucket_id)
        WHERE cur.bucket_id IS NOT NULL AND cur.bucket_version = ?
        ORDER BY CASE status WHEN 'new' THEN 0 WHEN 'growing' THEN 1 ELSE 2 END,
                 gained DESC, cur.n_reports DESC, cur.last_seen DESC, cur.bucket_id
    """
    params = [since_ts, since_ts, since_ts, since_ts, version]
    if limit > 0:
        sql += " LIMIT ?"
        params.append(limit)
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def run(args: argparse.Namespace) -> int:
    try:
        since = dt.date.fromisoformat(args.since) if args.since else None
    except ValueError:
        print(f"crashpipe top: --since wants YYYY-MM-DD, got {args.since!r}", file=sys.stderr)
        return 2
    rows = query(args.dir, since, args.limit)
    out = sys.stdout
    if args.json:
        for r in rows:
            out.write(json.dumps(r, default=str) + "\n")
        return 0
    if not rows:
        print(f"crashpipe top: no buckets in {args.dir}", file=sys.stderr)
        return 0
    gained = "since" if since else "reports"
    out.write(f"{'bucket':16}  {'family':16}  {'reports':>7}  {gained:>7}  {'status':7}  {'first seen':10}  "
              f"{'last seen':10}  rel  title\n")
    for r in rows:
        out.write(f"{r['bucket_id']:16}  {r['family_id'] or '-':16}  {r['n_reports']:>7}  {r['gained']:>7}  "
                  f"{r['status']:7}  {_d(r['first_seen'])}  {_d(r['last_seen'])}  {len(r['kernel_releases'] or []):>3}  "
                  f"{r['title'] or '-'}\n")
    return 0


def _d(t) -> str:
    return t.date().isoformat() if t is not None else "-" * 10
