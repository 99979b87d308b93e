"""SymbolTable: the compact, sorted arrays of one build object (vmlinux, a module, a
System.map or kallsyms dump, a user-space ELF) and the vectorized lookup over them.

On disk a table is a directory of .npy files plus meta.json; `load` memory-maps the
arrays, so opening a table costs a few file opens whatever its size, and every worker
process shares the same page-cache pages.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from crashpipe.symbols.strtab import StringTable

ARRAYS = (
    "sym_addr", "sym_end", "sym_size", "sym_name",
    "line_addr", "line_file", "line_line",
    "seg_addr", "seg_node",
    "node_parent", "node_name", "node_lo", "node_inline", "node_call_file", "node_call_line",
    "alias_addr", "alias_name",
)
STRINGS = ("names", "files")
FORMAT = "crashpipe-symtab/1"
MAX_INLINE_DEPTH = 64  # guards the parent walk against a damaged (cyclic) tree


def _empty(dtype) -> np.ndarray:
    return np.zeros(0, dtype=dtype)


@dataclass
class SymbolTable:
    meta: dict[str, Any]
    sym_addr: np.ndarray = field(default_factory=lambda: _empty(np.uint64))
    sym_end: np.ndarray = field(default_factory=lambda: _empty(np.uint64))  # coverage end
    sym_size: np.ndarray = field(default_factory=lambda: _empty(np.uint64))  # printed size
    sym_name: np.ndarray = field(default_factory=lambda: _empty(np.int32))
    line_addr: np.ndarray = field(default_factory=lambda: _empty(np.uint64))
    line_file: np.ndarray = field(default_factory=lambda: _empty(np.int32))
    line_line: np.ndarray = field(default_factory=lambda: _empty(np.int32))
    seg_addr: np.ndarray = field(default_factory=lambda: _empty(np.uint64))
    seg_node: np.ndarray = field(default_factory=lambda: _empty(np.int32))
    node_parent: np.ndarray = field(default_factory=lambda: _empty(np.int32))
    node_name: np.ndarray = field(default_factory=lambda: _empty(np.int32))
    node_lo: np.ndarray = field(default_factory=lambda: _empty(np.uint64))
    node_inline: np.ndarray = field(default_factory=lambda: _empty(bool))
    node_call_file: np.ndarray = field(default_factory=lambda: _empty(np.int32))
    node_call_line: np.ndarray = field(default_factory=lambda: _empty(np.int32))
    # Other names at a symbol's address (`_text` beside `_stext`): found by name only.
    alias_addr: np.ndarray = field(default_factory=lambda: _empty(np.uint64))
    alias_name: np.ndarray = field(default_factory=lambda: _empty(np.int32))
    names: StringTable = field(default_factory=lambda: StringTable.from_strings([]))
    files: StringTable = field(default_factory=lambda: StringTable.from_strings([]))
    _by_name: dict[str, int] | None = None

    # -- persistence ---------------------------------------------------------
    def save(self, path: str) -> None:
        """Write atomically: a temp directory renamed into place, so a reader never
        sees half a table and a concurrent indexer of the same file is harmless."""
        parent = os.path.dirname(os.path.abspath(path))
        os.makedirs(parent, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=".tmp-", dir=parent)
        for a in ARRAYS:
            np.save(os.path.join(tmp, a + ".npy"), np.ascontiguousarray(getattr(self, a)))
        for s in STRINGS:
            st: StringTable = getattr(self, s)
            np.save(os.path.join(tmp, s + ".blob.npy"), np.ascontiguousarray(st.blob))
            np.save(os.path.join(tmp, s + ".off.npy"), np.ascontiguousarray(st.offsets))
        meta = dict(self.meta, format=FORMAT)
        with open(os.path.join(tmp, "meta.json"), "w") as f:
            json.dump(meta, f, indent=1, sort_keys=True)
        try:
            os.rename(tmp, path)
        except OSError:
            # Someone else finished the same table first: theirs is identical.
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, path: str) -> "SymbolTable":
        with open(os.path.join(path, "meta.json")) as f:
            meta = json.load(f)
        kw: dict[str, Any] = {}
        for a in ARRAYS:
            p = os.path.join(path, a + ".npy")
            if os.path.exists(p):
                kw[a] = np.load(p, mmap_mode="r")
        for s in STRINGS:
            kw[s] = StringTable(
                np.load(os.path.join(path, s + ".blob.npy"), mmap_mode="r"),
                np.load(os.path.join(path, s + ".off.npy"), mmap_mode="r"),
            )
        return cls(meta=meta, **kw)

    # -- lookups -------------------------------------------------------------
    def text_ranges(self) -> list[tuple[int, int]]:
        return [(int(a), int(b)) for a, b in self.meta.get("text_ranges", [])]

    def section_base(self, section: str) -> int | None:
        s = self.meta.get("sections", {}).get(section)
        return None if s is None else int(s[0])

    def symbol_address(self, name: str) -> int | None:
        """Address of the symbol called `name` (exact name as in the symbol table)."""
        if self._by_name is None:
            names = self.names.to_list()
            by: dict[str, int] = {}
            for i, addr in zip(np.asarray(self.sym_name).tolist(), np.asarray(self.sym_addr).tolist()):
                by.setdefault(names[i], addr)
            for i, addr in zip(np.asarray(self.alias_name).tolist(), np.asarray(self.alias_addr).tolist()):
                by.setdefault(names[i], addr)
            self._by_name = by
        return self._by_name.get(name)

    def lookup_arrays(self, addrs: np.ndarray, is_return: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Vectorized core: per address the symbol row (-1 = none), the line row's
        file id and line (-1/0 = none) and the innermost inline-tree node (-1 = none).
        `addrs` are in this table's address space; return addresses are looked up at
        address - 1 (the call instruction), offsets stay relative to the address."""
        a = np.asarray(addrs, dtype=np.uint64)
        q = a.copy()
        if is_return is not None:
            r = np.asarray(is_return, dtype=bool) & (a > 0)
            q[r] -= np.uint64(1)
        si = np.searchsorted(self.sym_addr, q, side="right").astype(np.int64) - 1
        ok = si >= 0
        sic = np.where(ok, si, 0)
        if self.sym_addr.size:
            ok &= q < self.sym_end[sic]
        else:
            ok[:] = False
        si = np.where(ok, si, -1)
        li = np.searchsorted(self.line_addr, q, side="right").astype(np.int64) - 1
        if self.line_addr.size:
            lic = np.maximum(li, 0)
            lfile = np.where(li >= 0, self.line_file[lic], -1)
            lline = np.where(lfile >= 0, self.line_line[lic], 0)
        else:
            lfile = np.full(a.size, -1, np.int32)
            lline = np.zeros(a.size, np.int32)
        gi = np.searchsorted(self.seg_addr, q, side="right").astype(np.int64) - 1
        if self.seg_addr.size:
            node = np.where(gi >= 0, self.seg_node[np.maximum(gi, 0)], -1)
        else:
            node = np.full(a.size, -1, np.int32)
        return {"sym": si, "file": lfile, "line": lline, "node": node, "query": q}

    def inline_chains(self, node: np.ndarray) -> list[np.ndarray]:
        """Per depth level d, the node d steps out from each innermost node (-1 past
        the root): a vectorized parent walk, MAX_INLINE_DEPTH steps at most."""
        levels = [np.asarray(node, dtype=np.int64)]
        cur = levels[0]
        for _ in range(MAX_INLINE_DEPTH):
            nxt = np.where(cur >= 0, self.node_parent[np.maximum(cur, 0)] if self.node_parent.size else -1, -1)
            if not (nxt >= 0).any():
                break
            levels.append(nxt)
            cur = nxt
        return levels
