"""`crashpipe schema`: print the dataset schema with field docs."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="print the dataset tables, columns and their meaning (markdown)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from crashpipe.schema import SCHEMA_VERSION, describe

    print(f"<!-- crashpipe dataset schema version {SCHEMA_VERSION} -->\n")
    print(describe())
    return 0
