"""`crashpipe` command line: one sub-command per module in crashpipe/commands/.

Data goes to stdout, logs and progress to stderr.  Each command module defines
`register(subparsers)` (arguments only, cheap to import) and does its heavy imports
inside its handler, so `crashpipe unwind` does not pay for duckdb or pyarrow.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from crashpipe import __version__

# Order is the order `crashpipe --help` lists them.
COMMANDS = ("run", "parse", "unwind", "symbols", "symbolize", "top", "show", "report", "schema")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="crashpipe",
        description="Turn Linux kernel crash archives into a bucketed Parquet dataset.",
    )
    p.add_argument("--version", action="version", version=f"crashpipe {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output on stderr (-vv for debug)")
    p.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors on stderr")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"crashpipe.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"crashpipe.commands.{name}":
                raise
            continue  # command not built yet
        mod.register(sub)
    return p


def setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, stream=sys.stderr, format="crashpipe: %(levelname)s: %(message)s")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    setup_logging(args.verbose, args.quiet)
    try:
        rc = args.func(args)
    except BrokenPipeError:
        # `crashpipe parse ... | head` is normal use.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130
    return int(rc or 0)
