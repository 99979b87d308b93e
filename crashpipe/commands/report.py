"""`crashpipe report DIR --html FILE`: one static HTML page to triage from."""
from __future__ import annotations

import argparse
import html
import os
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report", help="write a static HTML overview of the dataset (buckets, families, releases)",
        description="Write one self-contained HTML page: dataset totals, the buckets (current bucketing "
        "version, latest row each) grouped by family with their signatures, and reports per kernel release.")
    p.add_argument("dir", metavar="DIR", help="dataset folder written by `crashpipe run --out`")
    p.add_argument("--html", required=True, metavar="FILE", help="page to write")
    p.add_argument("--limit", type=int, default=500, metavar="N", help="buckets listed (default 500)")
    p.set_defaults(func=run)


_CSS = """body{font:14px sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:2px 8px;
border-bottom:1px solid #ddd;text-align:left;vertical-align:top}code{font-size:12px}
tr.family td{background:#f4f4f4;font-weight:bold}.n{text-align:right}"""


def run(args: argparse.Namespace) -> int:
    from crashpipe.bucket import dataset

    con = dataset.connect()
    latest = dataset.latest_buckets_sql(args.dir)
    if latest is None:
        print(f"crashpipe report: no buckets table in {args.dir}", file=sys.stderr)
        return 1
    version = dataset.current_version(con, args.dir)
    buckets = con.execute(
        f"SELECT bucket_id, family_id, title, n_reports, first_seen, last_seen, kernel_releases, signature, "
        f"example_report_id FROM ({latest}) WHERE bucket_version = ? "
        "ORDER BY sum(n_reports) OVER (PARTITION BY family_id) DESC, family_id, n_reports DESC, bucket_id LIMIT ?",
        [version, args.limit]).fetchall()
    totals = {}
    for table in ("reports", "frames", "errors"):
        src = dataset.table_sql(args.dir, table)
        totals[table] = con.execute(f"SELECT count(*) FROM {src}").fetchone()[0] if src else 0
    releases = []
    rsrc = dataset.table_sql(args.dir, "reports")
    if rsrc:
        releases = con.execute(f"SELECT coalesce(kernel_release, '?'), count(*), count(DISTINCT bucket_id) "
                               f"FROM {rsrc} GROUP BY 1 ORDER BY 2 DESC LIMIT 50").fetchall()
    e = html.escape
    out = [f"<!doctype html><meta charset=utf-8><title>crashpipe: {e(args.dir)}</title><style>{_CSS}</style>",
           f"<h1>crashpipe dataset {e(os.path.abspath(args.dir))}</h1>",
           f"<p>{totals['reports']} reports, {totals['frames']} frames, {totals['errors']} errors; "
           f"{len({b[0] for b in buckets})} buckets in {len({b[1] for b in buckets})} families shown "
           f"(bucketing version {e(str(version))}).</p>",
           "<h2>Buckets by family</h2><table><tr><th>bucket</th><th class=n>reports</th><th>first seen</th>"
           "<th>last seen</th><th>releases</th><th>title / signature</th></tr>"]
    family = None
    for bid, fam, title, n, first, last, rels, sig, example in buckets:
        if fam != family:
            family = fam
            out.append(f"<tr class=family><td colspan=6>family {e(fam or '-')}</td></tr>")
        sig_html = "<br>".join(f"<code>{e(s)}</code>" for s in (sig or []))
        out.append(f"<tr><td><code>{e(bid)}</code></td><td class=n>{n}</td><td>{e(str(first)[:10])}</td>"
                   f"<td>{e(str(last)[:10])}</td><td>{e(', '.join(rels or []))}</td><td>{e(title or '-')}"
                   f"<details><summary>signature, example <code>{e(example or '-')}</code></summary>{sig_html}"
                   "</details></td></tr>")
    out.append("</table>")
    if releases:
        out.append("<h2>Kernel releases</h2><table><tr><th>release</th><th class=n>reports</th>"
                   "<th class=n>buckets</th></tr>")
        out += [f"<tr><td>{e(r)}</td><td class=n>{n}</td><td class=n>{b}</td></tr>" for r, n, b in releases]
        out.append("</table>")
    tmp = args.html + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("\n".join(out) + "\n")
    os.replace(tmp, args.html)
    return 0
