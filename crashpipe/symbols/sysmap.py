"""System.map and /proc/kallsyms readers.

Both are `ADDRESS TYPE NAME` lines; kallsyms dumps add `\t[module]` to module
symbols and carry runtime (KASLR-slid) addresses.  A symbol's size is the distance to
the next symbol, which is what the kernel itself prints after the slash in
`func+0x1b/0x30`.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np

from crashpipe.symbols.build import symbol_ends
from crashpipe.symbols.strtab import StringTable
from crashpipe.symbols.table import SymbolTable

TEXT_TYPES = frozenset("tTwW")
MAX_LINE = 4096
_MAP_NAME = re.compile(r"^System\.map-(\S+)$")


@dataclass
class MapSymbols:
    addr: list[int]
    names: list[str]
    text: list[bool]
    module: list[str | None]
    weak: list[bool]


def looks_like_map(head: bytes) -> bool:
    """Sniff: the first non-empty line is `hex-address type-letter name`."""
    for raw in head.splitlines()[:5]:
        parts = raw.split()
        if not parts:
            continue
        return len(parts) >= 3 and len(parts[1]) == 1 and all(c in b"0123456789abcdefABCDEF" for c in parts[0])
    return False


def read_map(path: str) -> MapSymbols:
    out = MapSymbols([], [], [], [], [])
    with open(path, "rb") as f:
        for raw in f:
            parts = raw[:MAX_LINE].split()
            if len(parts) < 3 or len(parts[1]) != 1:
                continue
            try:
                a = int(parts[0], 16)
            except ValueError:
                continue
            t = parts[1].decode("ascii", "replace")
            mod = None
            if len(parts) >= 4 and parts[3].startswith(b"[") and parts[3].endswith(b"]"):
                mod = parts[3][1:-1].decode("utf-8", "replace")
            out.addr.append(a)
            out.names.append(parts[2].decode("utf-8", "surrogateescape"))
            out.text.append(t in TEXT_TYPES)
            out.module.append(mod)
            out.weak.append(t in "wWvV")
    return out


def release_from_name(path: str) -> str | None:
    m = _MAP_NAME.match(os.path.basename(path))
    return m.group(1) if m else None


def map_table(path: str, syms: MapSymbols, kind: str, content_hash: str, release: str | None,
              module: str | None = None) -> SymbolTable:
    """Text symbols of one object (vmlinux when module is None) as a table."""
    a_all = np.asarray(syms.addr, dtype=np.uint64)
    sel = np.array([t and m == module for t, m in zip(syms.text, syms.module)], dtype=bool)
    if a_all.size == 0:
        sel = np.zeros(0, dtype=bool)
    same = np.array([m == module for m in syms.module], dtype=bool) if a_all.size else sel
    # Sizes count to the next symbol of the same object, of any type (kallsyms).
    all_addr = np.unique(a_all[same]) if a_all.size else a_all
    idx = np.flatnonzero(sel)
    addr = a_all[idx]
    # One name per address, the one kallsyms prints (scripts/kallsyms.c order):
    # non-weak first, then fewer leading underscores, then the order of the file.
    weak = np.array([syms.weak[i] for i in idx.tolist()], dtype=np.int8)
    unders = np.array([len(n) - len(n.lstrip("_")) for n in (syms.names[i] for i in idx.tolist())], dtype=np.int32)
    order = np.lexsort((idx, unders, weak, addr))
    idx, addr = idx[order], addr[order]
    first = np.ones(addr.size, dtype=bool)
    first[1:] = addr[1:] != addr[:-1]
    alias_idx, alias_addr = idx[~first], addr[~first]
    idx, addr = idx[first], addr[first]
    k = np.searchsorted(all_addr, addr, side="right")
    nxt = np.where(k < all_addr.size, all_addr[np.minimum(k, max(all_addr.size - 1, 0))], addr + np.uint64(1))
    size = nxt - addr
    lo = int(addr[0]) if addr.size else 0
    hi = int(addr[-1] + size[-1]) if addr.size else 0
    names = [syms.names[i] for i in idx.tolist()] + [syms.names[i] for i in alias_idx.tolist()]
    meta = {
        "kind": kind,
        "path": path,
        "content_hash": content_hash,
        "build_id": None,
        "release": release,
        "module": module,
        "relocatable": False,
        "sections": {},
        "text_ranges": _text_ranges(syms, module) or ([[lo, hi]] if addr.size else []),
        "has_dwarf": False,
    }
    return SymbolTable(
        meta=meta, sym_addr=addr, sym_end=symbol_ends(addr, size, []), sym_size=size,
        sym_name=np.arange(idx.size, dtype=np.int32), names=StringTable.from_strings(names),
        alias_addr=alias_addr, alias_name=np.arange(idx.size, len(names), dtype=np.int32),
    )


def _text_ranges(syms: MapSymbols, module: str | None) -> list[list[int]]:
    if module is not None:
        return []
    marks = {n: a for n, a, m in zip(syms.names, syms.addr, syms.module)
             if m is None and n in ("_stext", "_text", "_etext", "_sinittext", "_einittext")}
    out = []
    start = marks.get("_stext", marks.get("_text"))
    if start is not None and marks.get("_etext", 0) > start:
        out.append([start, marks["_etext"]])
    if marks.get("_einittext", 0) > marks.get("_sinittext", 1 << 64):
        out.append([marks["_sinittext"], marks["_einittext"]])
    return out


def modules_in(syms: MapSymbols) -> list[str]:
    return sorted({m for m in syms.module if m})
