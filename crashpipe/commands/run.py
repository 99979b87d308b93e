"""`crashpipe run`: sources -> the Parquet dataset (the nightly job)."""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys

log = logging.getLogger("crashpipe.run")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="process files, folders and archives into the Parquet dataset under --out",
        description="Walk SOURCEs (files, folders, .gz/.xz/.bz2/.zst, tar archives, mbox), parse, unwind, "
        "symbolize and bucket every report, and append to the dataset in --out.  Sources already "
        "in the dataset's manifest are skipped.  Exit 0 even when some inputs were bad (they get "
        "errors rows); non-zero when the run itself failed.",
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE")
    p.add_argument("--out", required=True, metavar="DIR", help="dataset folder (created if missing)")
    p.add_argument("--symbols", metavar="STORE", help="symbol store built by `crashpipe symbols index`")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="worker processes (default: one per CPU; 1 = in this process)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local fork pool, or tasks on a Dask distributed cluster")
    p.add_argument("--scheduler", metavar="ADDR", help="Dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--run-date", metavar="YYYY-MM-DD", help="partition to append to (default: today, UTC)")
    p.add_argument("--max-source-bytes", type=int, metavar="N", default=None,
                   help="decompressed size cap per source; larger ones become errors rows (default 2 GiB)")
    p.add_argument("--task-timeout", type=float, metavar="SECONDS", default=None,
                   help="seconds one file or archive member may take in a worker before it is stopped "
                        "(twice: an errors row); default 3600")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from crashpipe import pipeline, sink
    from crashpipe.ingest import Limits

    if args.executor == "dask" and not args.scheduler:
        log.error("--executor dask needs --scheduler ADDR")
        return 2
    if not any(os.path.exists(s) for s in args.sources):
        log.error("none of the sources exists: %s", " ".join(args.sources))
        return 2
    if pipeline.stage_function(*pipeline.PARSE[1:]) is None:
        # Without a parser every source would be recorded as done with nothing in it.
        log.error("crashpipe.parse.parse_text is not available; nothing was processed")
        return 1
    run_date = args.run_date or dt.datetime.now(dt.timezone.utc).date().isoformat()
    limits = Limits() if args.max_source_bytes is None else Limits(max_source_bytes=args.max_source_bytes)
    try:
        dataset = sink.Dataset(args.out, run_date, bucket_index=None)
        dataset.bucket_index = pipeline.bucket_index(args.out)
    except sink.SinkError as e:
        log.error("%s", e)
        return 1
    except Exception as e:  # noqa: BLE001 - an unreadable bucket index fails the run, before any write
        log.error("cannot load the bucket index of %s: %s: %s", args.out, type(e).__name__, e)
        return 1
    opts = pipeline.Options(symbols=args.symbols, workers=max(1, args.workers), limits=limits,
                            done_sources=frozenset(dataset.done_sources),
                            task_timeout=args.task_timeout or pipeline.DEFAULT_TASK_TIMEOUT)
    progress = not args.quiet and sys.stderr.isatty()
    runner = pipeline.Runner(opts, dataset, skip_file=dataset.skip_file, progress=progress)
    try:
        summary = runner.run(args.sources, executor=args.executor, scheduler=args.scheduler)
        dataset.close()
    except (OSError, sink.SinkError) as e:
        log.error("run failed, nothing after the last commit was written: %s", e)
        return 1
    finally:
        dataset.release()
    if not args.quiet:
        print(summary.line(), file=sys.stderr)
    return 0
