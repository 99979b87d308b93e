"""Per-architecture frame-record ABIs as data rows.

Each module in this package describes one architecture with one or more `Abi` rows
(arm has two frame layouts).  The unwinder (`crashpipe._unwind` and its twin
`crashpipe.unwind_py`) never looks at a row's name: it receives the numeric columns of
`abi_table()` and indexes them by `Abi.abi_id`, which is also the `arch_id` column of the
stack-dump container (so the ids are part of the container format: never renumber).

Adding an architecture: a module here with its row(s), its id in `_MODULES`, a fixture.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Columns of the numeric ABI table handed to the unwind loop (int64 each).
COL_WORD = 0  # word size in bytes (4 or 8)
COL_BIG = 1  # 1 = big-endian
COL_PREV_FP = 2  # caller's fp is at fp + this (bytes, signed)
COL_RA = 3  # return address is at fp + this
COL_HAS_LEAF = 4  # 1 = leaf functions save only the caller's fp (ra stays in lr/ra)
COL_LEAF_PREV_FP = 5  # ... at fp + this
COL_RA_MASK = 6  # and-mask applied to return addresses (arm: clear the Thumb bit)
COL_ALIGN = 7  # fp must be a multiple of this
COL_DIR = 8  # +1: older frames live at higher addresses (every Linux arch here)
COL_ARGS = 9  # first stack argument at fp + this; -1 = arguments travel in registers
COL_CODE_ALIGN = 10  # instructions (hence return addresses, after RA_MASK) are multiples of this
N_COLS = 11


@dataclass(frozen=True)
class Abi:
    abi_id: int  # stable number: container column `arch_id`
    arch: str  # crashpipe's arch name (report.arch / --arch)
    layout: str  # frame-record layout name (--frame-layout)
    word_size: int
    little_endian: bool
    prev_fp_offset: int
    ra_offset: int
    leaf_prev_fp_offset: int | None = None
    ra_mask: int = -1
    fp_align: int = 0  # 0 = word size
    code_align: int = 1  # instruction alignment: x86 1, riscv (RVC) 2, arm after the Thumb bit 2, arm64 4
    args_offset: int | None = None
    # Conservative kernel text (core image + module area) for scanning when no symbol
    # store or System.map tells better: half-open [start, end) ranges.
    kernel_text: tuple[tuple[int, int], ...] = ()
    # Where loadable modules live (added to a System.map's core text).
    module_area: tuple[tuple[int, int], ...] = ()
    lr_name: str = "lr"  # canonical register that holds the return address in a leaf
    note: str = ""  # printed under backtraces (calling-convention caveats)
    # Call instructions a return address must follow, as (bytes before the return
    # address, instruction size, mask, value): the little-endian integer of `size` bytes
    # at ra - back, and-ed with mask, equals value.  Used where code bytes are at hand.
    call_sites: tuple[tuple[int, int, int, int], ...] = ()
    aliases: tuple[str, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return f"{self.arch}-{self.layout}"

    def row(self) -> list[int]:
        r = [0] * N_COLS
        r[COL_WORD] = self.word_size
        r[COL_BIG] = 0 if self.little_endian else 1
        r[COL_PREV_FP] = self.prev_fp_offset
        r[COL_RA] = self.ra_offset
        r[COL_HAS_LEAF] = 0 if self.leaf_prev_fp_offset is None else 1
        r[COL_LEAF_PREV_FP] = self.leaf_prev_fp_offset or 0
        r[COL_RA_MASK] = self.ra_mask
        r[COL_ALIGN] = self.fp_align or self.word_size
        r[COL_DIR] = 1
        r[COL_ARGS] = -1 if self.args_offset is None else self.args_offset
        r[COL_CODE_ALIGN] = self.code_align
        return r


def _load() -> list[Abi]:
    from crashpipe.arch import arm, arm64, i386, riscv64, x86_64

    rows: list[Abi] = []
    for mod in (i386, x86_64, arm, arm64, riscv64):
        rows.extend(mod.ABIS)
    rows.sort(key=lambda a: a.abi_id)
    assert [a.abi_id for a in rows] == list(range(len(rows))), "abi ids must be dense"
    return rows


ABIS: list[Abi] = _load()
_DEFAULT_LAYOUT = {"arm": "apcs"}  # the kernel's own layout (-mapcs-frame)


def canonical_arch(name: str) -> str | None:
    n = (name or "").strip().lower()
    for a in ABIS:
        if n == a.arch or n in a.aliases:
            return a.arch
    return None


def arches() -> list[str]:
    return sorted({a.arch for a in ABIS})


def layouts(arch: str) -> list[str]:
    return [a.layout for a in ABIS if a.arch == canonical_arch(arch)]


def get(arch: str, layout: str | None = None) -> Abi:
    """The row for `arch` (any alias) and `layout` (default: the arch's first row, or
    the kernel's own layout).  Raises KeyError for unknown names."""
    canon = canonical_arch(arch)
    if canon is None:
        raise KeyError(f"unknown architecture {arch!r} (known: {', '.join(arches())})")
    rows = [a for a in ABIS if a.arch == canon]
    want = layout or _DEFAULT_LAYOUT.get(canon, rows[0].layout)
    for a in rows:
        if a.layout == want:
            return a
    raise KeyError(f"unknown frame layout {layout!r} for {canon} (known: {', '.join(r.layout for r in rows)})")


def by_id(abi_id: int) -> Abi:
    return ABIS[abi_id]


def abi_table() -> np.ndarray:
    """The numeric table (len(ABIS) x N_COLS, int64) the unwind loop indexes by abi_id."""
    return np.array([a.row() for a in ABIS], dtype=np.int64)
