"""`crashpipe symbolize --store STORE --release R ADDR...`: one-off lookups, printed like
`addr2line -f -i` (inlined calls first, the physical frame last)."""
from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("symbolize", help="look addresses up in the symbol store")
    p.add_argument("addrs", nargs="+", metavar="ADDR",
                   help="hex address (kernel runtime address; `module:0xOFF` = offset in the module's .text); "
                        "a trailing `r` marks a return address, looked up at ADDR-1")
    p.add_argument("--store", required=True)
    p.add_argument("--release", help="kernel release (needed when the store holds several)")
    p.add_argument("--build-id", help="pick the kernel table by build id")
    p.add_argument("--kaslr-offset", default="0", help="KASLR slide to subtract from kernel addresses (hex)")
    p.add_argument("--json", action="store_true", help="one JSON list of frame objects per address")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from crashpipe.symbols.resolver import Resolver
    from crashpipe.symbols.store import SymbolStore

    try:
        store = SymbolStore.open(args.store)
        slide = int(args.kaslr_offset, 16)
    except (OSError, ValueError) as e:
        print(f"crashpipe: {e}", file=sys.stderr)
        return 2
    kernel = store.kernel(args.release, args.build_id)
    for spec in args.addrs:
        ret = spec.endswith("r")
        s = spec[:-1] if ret else spec
        mod, _, off = s.rpartition(":")
        try:
            value = int(off, 16)
        except ValueError:
            print(f"crashpipe: bad address {spec!r}", file=sys.stderr)
            continue
        if mod:
            t = store.module(mod, args.release)
            base = t.section_base(".text") if t is not None else None
            resolver = Resolver(t, 0, t.meta.get("module")) if t is not None else None
            local = (base or 0) + value
            shown = value
        else:
            resolver = Resolver(kernel, slide, None) if kernel is not None else None
            local, shown = value - slide, value
        if resolver is None:
            frames = []
        else:
            frames = resolver.frames_for(np.array([shown], np.uint64), np.array([local % (1 << 64)], np.uint64),
                                         np.array([ret], bool))[0]
        if args.json:
            print(json.dumps([f.to_dict() for f in frames]))
            continue
        print(spec)
        if not frames or frames[-1].skipped_reason:
            print("??\n??:0")
            continue
        for f in frames:
            name = f.symbol or "??"
            if not f.inlined and f.offset is not None:
                name += f"+{f.offset:#x}" + (f"/{f.size:#x}" if f.size else "") + (f" [{f.module}]" if f.module else "")
            print(name)
            print(f"{f.file or '??'}:{f.line or 0}")
    return 0
