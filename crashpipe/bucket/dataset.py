"""Reading a crashpipe dataset's tables through duckdb, with the buckets table's
supersede rule applied.

The buckets table is append-only: every run writes, for each bucket it touched, one
row with the bucket's cumulative state (DIR/buckets/run=YYYY-MM-DD/part-*.parquet).
A bucket's current row is its row with the most reports (n_reports only grows), ties
broken by the later last_seen, then the later run partition, then the later part file
name; `latest_buckets_sql` applies that rule.  Rows of older bucket_versions stay for
history; `current_version` picks the newest version present, and
DIR/bucket_migrations/ maps old bucket ids to new ones.
"""
from __future__ import annotations

import glob
import os


def table_files(out_dir: str, table: str) -> list[str]:
    return sorted(glob.glob(os.path.join(out_dir, table, "run=*", "*.parquet")))


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def table_sql(out_dir: str, table: str) -> str | None:
    """A duckdb FROM item reading every part of `table`, or None when it has none."""
    if not table_files(out_dir, table):
        return None
    pattern = os.path.join(out_dir, table, "run=*", "*.parquet")
    return f"read_parquet({_q(pattern)}, hive_partitioning=true, union_by_name=true, filename=true)"


def latest_buckets_sql(out_dir: str) -> str | None:
    """SELECT of the current row of every bucket (all versions), or None."""
    src = table_sql(out_dir, "buckets")
    if src is None:
        return None
    return (f"SELECT * EXCLUDE (filename) FROM {src} QUALIFY row_number() OVER ("
            "PARTITION BY bucket_id ORDER BY n_reports DESC, last_seen DESC, CAST(run AS VARCHAR) DESC, "
            "filename DESC) = 1")


def current_version(con, out_dir: str) -> str | None:
    sql = latest_buckets_sql(out_dir)
    if sql is None:
        return None
    row = con.execute(f"SELECT bucket_version FROM ({sql}) GROUP BY bucket_version "
                      "ORDER BY TRY_CAST(bucket_version AS BIGINT) DESC NULLS LAST, bucket_version DESC LIMIT 1").fetchone()
    return row[0] if row else None


def connect():
    import duckdb

    return duckdb.connect()
