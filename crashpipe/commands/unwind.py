"""`crashpipe unwind`: re-unwind one raw stack dump (contract in DESIGN.md)."""
from __future__ import annotations

import argparse
import sys


def _addr(s: str) -> int:
    try:
        v = int(s, 16)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a hex address: {s!r}")
    if not 0 <= v < 1 << 64:
        raise argparse.ArgumentTypeError(f"address out of range: {s!r}")
    return v


def _range(s: str) -> tuple[int, int]:
    a, sep, b = s.partition("-")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected START-END, got {s!r}")
    lo, hi = _addr(a), _addr(b)
    if hi <= lo:
        raise argparse.ArgumentTypeError(f"empty range {s!r}")
    return lo, hi


def register(sub) -> None:
    p = sub.add_parser("unwind", help="re-unwind one raw stack dump (hexdump, oops Stack: block or binary)",
                       description="Walk one raw stack dump: registers, then the frame-pointer chain "
                                   "(reliable frames), then a scan for text addresses (unreliable, '?').")
    p.add_argument("--arch", required=True, help="i386, x86_64, arm, arm64 (aarch64), riscv64")
    p.add_argument("--frame-layout", metavar="NAME", help="arm: apcs (default, the kernel's -mapcs-frame) or gcc")
    p.add_argument("--stack", metavar="FILE", required=True, help="hexdump text, oops Stack: block, or raw binary")
    p.add_argument("--stack-base", metavar="ADDR", type=_addr, help="address of the dump's first byte")
    for r, h in (("ip", "instruction pointer (frame 0)"), ("sp", "stack pointer (default: the dump's first address)"),
                 ("fp", "frame pointer"), ("lr", "link register (arm, arm64) / ra (riscv64)")):
        p.add_argument(f"--{r}", metavar="ADDR", type=_addr, help=h)
    p.add_argument("--elf", metavar="FILE[@LOADBIAS]", action="append", default=[],
                   help="ELF for text ranges and symbol names (repeatable)")
    p.add_argument("--system-map", metavar="FILE", help="kernel System.map: core text plus the arch's module area")
    p.add_argument("--text-range", metavar="START-END", type=_range, action="append", default=[],
                   help="hex address range of code (repeatable)")
    p.add_argument("--args", metavar="N", type=int, default=3, help="argument words per frame where the ABI passes them on the stack (default 3)")
    p.add_argument("--json", action="store_true", help='one JSON object {"arch":..., "frames":[...]}')
    p.set_defaults(func=run)


def _fail(msg: str) -> int:
    print(f"crashpipe unwind: error: {msg}", file=sys.stderr)
    return 2


def run(args) -> int:
    import json

    from crashpipe import arch as archmod
    from crashpipe import unwind as uw
    from crashpipe.stackdump import parse_stack

    try:
        abi = archmod.get(args.arch, args.frame_layout)
    except KeyError as e:
        return _fail(str(e.args[0]))
    try:
        with open(args.stack, "rb") as f:
            raw = f.read(64 << 20)
    except OSError as e:
        return _fail(f"cannot read --stack: {e}")
    parsed = parse_stack(raw, abi.word_size, abi.little_endian)
    for w in parsed.warnings:
        print(f"crashpipe unwind: warning: {args.stack}: {w}", file=sys.stderr)
    base = args.stack_base if args.stack_base is not None else parsed.base
    if base is None:
        base = args.sp
    if base is None:
        return _fail("the dump carries no addresses: give --stack-base (or --sp)")
    texts = list(args.text_range)
    resolvers = []
    code = uw.CodeMemory() if args.elf else None
    try:
        for spec in args.elf:
            path, _, bias = spec.partition("@")
            r = uw.open_elf_resolver(path, int(bias, 16) if bias else 0)
            resolvers.append(r)
            texts.extend(r.text_ranges())
            code.add_elf(path, int(bias, 16) if bias else 0)
        if args.system_map:
            texts.extend(uw.system_map_text(args.system_map))
            texts.extend(abi.module_area)
    except (OSError, ValueError) as e:
        return _fail(str(e))
    res = uw.unwind_dump(abi, parsed.data, base, ip=args.ip, sp=args.sp, fp=args.fp, lr=args.lr,
                         text_ranges=texts, n_args=max(0, args.args), code=code)
    if resolvers:
        res.frames = uw.symbolize_frames(res.frames, resolvers)
    if not texts:
        res.notes.append("no text ranges given (--elf/--system-map/--text-range): return addresses not validated, no scan")
    if args.json:
        json.dump(res.to_json(), sys.stdout)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(uw.format_backtrace(res))
    return 0
