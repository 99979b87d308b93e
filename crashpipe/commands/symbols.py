"""`crashpipe symbols index FILE... --store STORE [--release R]`: build the symbol store."""
from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("symbols", help="manage the symbol store (System.map, kallsyms, vmlinux, .ko)")
    ssub = p.add_subparsers(dest="symbols_command", metavar="ACTION")
    ix = ssub.add_parser("index", help="index symbol files into STORE (a file indexed before is a cache hit)")
    ix.add_argument("files", nargs="+", metavar="FILE", help="System.map-RELEASE, kallsyms dump, vmlinux or .ko")
    ix.add_argument("--store", required=True, help="store directory (created if missing)")
    ix.add_argument("--release", help="kernel release for files that do not name it (a kallsyms dump, a renamed map)")
    ix.set_defaults(func=run_index)
    ls = ssub.add_parser("list", help="list what STORE holds")
    ls.add_argument("--store", required=True)
    ls.set_defaults(func=run_list)


def run_index(args: argparse.Namespace) -> int:
    from crashpipe.symbols.store import SymbolStore

    store = SymbolStore.create(args.store)
    results = store.index(args.files, args.release)
    bad = 0
    for r in results:
        if r.error:
            bad += 1
            print(f"crashpipe: {r.path}: {r.error}", file=sys.stderr)
            continue
        what = r.kind + (f" {r.module}" if r.module else "")
        print(f"{r.path}\t{what}\trelease={r.release or '-'}\tbuild_id={r.build_id or '-'}\t{'cached' if r.cached else 'indexed'}")
    # Exit non-zero only when nothing at all could be indexed.
    return 1 if bad and bad == len(results) else 0


def run_list(args: argparse.Namespace) -> int:
    from crashpipe.symbols.store import SymbolStore

    store = SymbolStore.open(args.store)
    for k, e in sorted(store.catalog.items(), key=lambda ke: (str(ke[1].get("release")), ke[1]["kind"], ke[0])):
        print(f"{k}\t{e['kind']}\t{e.get('module') or '-'}\trelease={e.get('release') or '-'}\tbuild_id={e.get('build_id') or '-'}\t{e.get('path')}")
    return 0
