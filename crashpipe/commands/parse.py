"""`crashpipe parse`: every report of the sources, as JSON lines or a short table."""
from __future__ import annotations

import argparse
import json
import logging
import sys

log = logging.getLogger("crashpipe.parse")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "parse",
        help="print the reports found in files, folders and archives",
        description="Run the whole chain (parse, unwind, symbolize, bucket ids, families over the reports "
        "of this call) and print every report: one JSON object per line with --json, in order of "
        "start within each source.",
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE")
    p.add_argument("--json", action="store_true", help="one JSON object per report (with its frames)")
    p.add_argument("--symbols", metavar="STORE", help="symbol store built by `crashpipe symbols index`")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (default 1)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from crashpipe import pipeline

    opts = pipeline.Options(symbols=args.symbols, workers=max(1, args.workers))
    reports, errors, _summary = pipeline.collect(args.sources, opts)
    for e in errors:
        where = f":{e.source_line}" if e.source_line else ""
        log.warning("%s%s: %s: %s %s", e.source, where, e.stage, e.error, e.detail)
    try:
        pipeline.assign_families(reports, pipeline.bucket_index(None))
    except Exception as e:  # noqa: BLE001 - families are an extra; the reports still print
        log.warning("families not assigned: %s: %s", type(e).__name__, e)
    out = sys.stdout
    if args.json:
        for r in reports:
            out.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
    else:
        for r in reports:
            flag = " [corrupted]" if r.corrupted else ""
            out.write(f"{r.source}:{r.source_line}\t{r.arch or '-'}\t{r.kind or '-'}\t{len(r.frames)} frames\t"
                      f"{r.title or '(no title)'}{flag}\n")
        print(f"{len(reports)} reports, {len(errors)} errors", file=sys.stderr)
    out.flush()
    return 0
