"""Where a report pins its code to link-time addresses: the KASLR slide and module
load bases, recovered from values the kernel printed both raw and symbolically.

The line formats are data (PAIRED_REGISTERS, FRAME_WITH_ADDRESS, KERNEL_OFFSET); the
patterns are RE2 (linear time on untrusted lines)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import re2

from crashpipe.model import Report

MAX_LINE = 1024

_SYM = r"([A-Za-z0-9_.$]+)\+0x([0-9a-fA-F]+)/0x([0-9a-fA-F]+)(?:\s+\[([A-Za-z0-9_-]+)\])?"

# A register printed raw on one line and symbolically on another (arm:
# `pc : [<bf0004b4>]    lr : [<c0101234>]` beside `PC is at f+0x3c/0x5c [mod]`).
PAIRED_REGISTERS = (
    ("pc", re2.compile(r"\bpc : \[<([0-9a-fA-F]+)>\]"), re2.compile(r"^PC is at " + _SYM)),
    ("lr", re2.compile(r"\blr : \[<([0-9a-fA-F]+)>\]"), re2.compile(r"^LR is at " + _SYM)),
)
# A frame printed with both (old x86 `[<ffffffff8108b1b4>] ? f+0x24/0x30 [mod]`,
# arm with CONFIG_BACKTRACE_VERBOSE `[<c010b4c0>] (f+0x18/0x1c) from ...`).
FRAME_WITH_ADDRESS = re2.compile(r"\[<([0-9a-fA-F]{4,16})>\]\s*\??\s*\(?" + _SYM)
# `Kernel Offset: 0x21800000 from 0xffffffff81000000 (relocation range: ...)`
KERNEL_OFFSET = re2.compile(r"Kernel Offset: 0x([0-9a-fA-F]+) from 0x")


@dataclass(frozen=True)
class Anchor:
    """A runtime address known to be `symbol + offset` of `module` (None = vmlinux)."""

    address: int
    symbol: str
    offset: int
    module: str | None


def anchors(report: Report) -> list[Anchor]:
    out: list[Anchor] = []
    raw: dict[str, int] = {}
    sym: dict[str, tuple[str, int, str | None]] = {}
    for line in report.text.splitlines():
        line = line[:MAX_LINE]
        if "[<" in line:
            for name, rx_raw, _ in PAIRED_REGISTERS:
                m = rx_raw.search(line)
                if m and name not in raw:
                    raw[name] = int(m.group(1), 16)
            for m in FRAME_WITH_ADDRESS.finditer(line):
                out.append(Anchor(int(m.group(1), 16), m.group(2), int(m.group(3), 16), m.group(5)))
        elif " is at " in line:
            for name, _, rx_sym in PAIRED_REGISTERS:
                m = rx_sym.search(line.lstrip())
                if m and name not in sym:
                    sym[name] = (m.group(1), int(m.group(2), 16), m.group(4))
    for name, value in raw.items():
        if name in sym:
            s, off, mod = sym[name]
            out.append(Anchor(value, s, off, mod))
    for f in report.frames:
        if f.address is not None and f.symbol and f.offset is not None and not f.inlined:
            out.append(Anchor(f.address, f.symbol, f.offset, f.module))
    return out


def kernel_offset(report: Report) -> int | None:
    if report.kaslr_offset is not None:
        return report.kaslr_offset
    if "Kernel Offset:" not in report.text:
        return None
    for line in report.text.splitlines():
        if "Kernel Offset:" in line:
            m = KERNEL_OFFSET.search(line[:MAX_LINE])
            if m:
                return int(m.group(1), 16)
    return None


def vote(deltas: list[int]) -> int | None:
    """The delta most anchors agree on (a stray wrong pairing cannot win a tie)."""
    if not deltas:
        return None
    (best, n), *rest = Counter(deltas).most_common(2) + [(None, 0)]
    return best if n > rest[0][1] else None
