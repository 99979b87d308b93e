#!/usr/bin/env python3
"""Print what `make demo` produced: a few duckdb queries over the dataset folder.

    python jobs/show_demo.py DIR
"""
from __future__ import annotations

import os
import sys

import duckdb


def table(out: str, name: str) -> str:
    return f"read_parquet('{os.path.join(out, name)}/*/*.parquet', hive_partitioning = true)"


def show(con: duckdb.DuckDBPyConnection, title: str, sql: str) -> None:
    print(f"\n== {title}\n{sql.strip()}\n")
    con.sql(sql).show(max_width=160, max_rows=25)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not os.path.isdir(argv[0]):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out = argv[0]
    con = duckdb.connect()
    show(con, "reports per architecture and kind", f"""
SELECT arch, kind, count(*) AS reports, count(DISTINCT bucket_id) AS buckets, sum(corrupted::INT) AS corrupted
FROM {table(out, 'reports')} GROUP BY ALL ORDER BY reports DESC""")
    show(con, "top titles (one bug = one bucket), with the kernel releases that hit them", f"""
SELECT title, count(*) AS reports, list(DISTINCT kernel_release ORDER BY kernel_release) AS releases
FROM {table(out, 'reports')} GROUP BY title ORDER BY reports DESC, title LIMIT 12""")
    if os.path.isdir(os.path.join(out, "frames")):
        show(con, "modules in the printed call traces", f"""
SELECT coalesce(module, '(vmlinux)') AS module, count(*) AS frames, count(DISTINCT report_id) AS reports
FROM {table(out, 'frames')} GROUP BY 1 ORDER BY frames DESC LIMIT 8""")
    if os.path.isdir(os.path.join(out, "errors")):
        show(con, "inputs that could not be (fully) processed", f"""
SELECT regexp_replace(source, '^.*/', '') AS source, stage, error, detail FROM {table(out, 'errors')} ORDER BY source""")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
