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
    "line_addr", "line_file", "line_line", "line_file_gdb", "line_line_gdb",
    "seg_addr", "seg_node",
    "node_parent", "node_name", "node_lo", "node_inline", "node_call_file", "node_call_line",
    "alias_addr", "alias_name",
)
STRINGS = ("names", "files")
# 2: gdb's line rows beside binutils' (line_*_gdb) and meta["line_rule"]; stores of
# format 1 are re-indexed (SymbolStore), a loaded format-1 table answers with binutils'.
FORMAT = "crashpipe-symtab/2"
LINE_RULES = ("addr2line", "gdb")
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
    # The same rows as gdb answers them: differ only where an address has several rows
    # and the last is not a statement (see crashpipe.symbols.dwarf.pick_line_rows).
    line_file_gdb: np.ndarray = field(default_factory=lambda: _empty(np.int32))
    line_line_gdb: np.ndarray = field(default_factory=lambda: _empty(np.int32))
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
                # A plain ndarray view of the map: np.memmap's subclass hooks cost
                # more than the lookups themselves on fancy indexing.
                kw[a] = np.load(p, mmap_mode="r").view(np.ndarray)
        for s in STRINGS:
            kw[s] = StringTable(
                np.load(os.path.join(path, s + ".blob.npy"), mmap_mode="r").view(np.ndarray),
                np.load(os.path.join(path, s + ".off.npy"), mmap_mode="r").view(np.ndarray),
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

    def line_rule(self, rule: str | None = None) -> str:
        """The rule that picks a line row where gdb and addr2line differ: `rule` if
        given, else the table's own (meta "line_rule", set when it was built)."""
        rule = rule or self.meta.get("line_rule") or "addr2line"
        if rule not in LINE_RULES:
            raise ValueError(f"line rule {rule!r}: one of {', '.join(LINE_RULES)}")
        return rule

    def _line_columns(self, rule: str | None) -> tuple[np.ndarray, np.ndarray]:
        if self.line_rule(rule) == "gdb" and self.line_file_gdb.size == self.line_addr.size:
            return self.line_file_gdb, self.line_line_gdb
        return self.line_file, self.line_line

    def lookup_arrays(self, addrs: np.ndarray, is_return: np.ndarray | None = None,
                      line_rule: str | None = None) -> dict[str, np.ndarray]:
        """Vectorized core: per address the symbol row (-1 = none), the line row's
        file id and line (-1/0 = none) and the innermost inline-tree node (-1 = none).
        `addrs` are in this table's address space; return addresses are looked up at
        address - 1 (the call instruction), offsets stay relative to the address.
        `line_rule`: "addr2line" or "gdb" (see `line_rule`)."""
        a = np.asarray(addrs, dtype=np.uint64)
        q = a.copy()
        if is_return is not None:
            r = np.asarray(is_return, dtype=bool) & (a > 0)
            q[r] -= np.uint64(1)
        # Binary searches over sorted keys walk the tables in order (cache-friendly,
        # several times faster on big batches); results are scattered back.
        order = np.argsort(q) if q.size > 64 else None
        qs = q[order] if order is not None else q
        si = self._search(self.sym_addr, qs)
        ok = si >= 0
        if self.sym_addr.size:
            ok &= qs < self.sym_end[np.maximum(si, 0)]
        si = np.where(ok, si, -1)
        li = self._search(self.line_addr, qs)
        if self.line_addr.size:
            line_file, line_line = self._line_columns(line_rule)
            lic = np.maximum(li, 0)
            lfile = np.where(li >= 0, line_file[lic], -1)
            lline = np.where(lfile >= 0, line_line[lic], 0)
        else:
            lfile = np.full(a.size, -1, np.int32)
            lline = np.zeros(a.size, np.int32)
        gi = self._search(self.seg_addr, qs)
        if self.seg_addr.size:
            node = np.where(gi >= 0, self.seg_node[np.maximum(gi, 0)], -1)
        else:
            node = np.full(a.size, -1, np.int32)
        if order is not None:
            out = [np.empty_like(x) for x in (si, lfile, lline, node)]
            for o, x in zip(out, (si, lfile, lline, node)):
                o[order] = x
            si, lfile, lline, node = out
        return {"sym": si, "file": lfile, "line": lline, "node": node, "query": q}

    @staticmethod
    def _search(keys: np.ndarray, q: np.ndarray) -> np.ndarray:
        """Index of the last key <= q (-1 = before the first)."""
        return np.searchsorted(keys, q, side="right").astype(np.int64) - 1

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

    def lookup_batch(self, addrs: np.ndarray, is_return: np.ndarray | None = None,
                     line_rule: str | None = None) -> dict[str, np.ndarray]:
        """Columnar lookup of a whole batch, no per-address Python: the physical frame
        (sym row, offset, file id, line: the call site of the outermost inlined call,
        else the line row) and the inlined frames as CSR arrays (inl_start[i] ..
        inl_start[i+1], innermost first, each with its name id and file:line)."""
        r = self.lookup_arrays(addrs, is_return, line_rule)
        a = np.asarray(addrs, dtype=np.uint64)
        sym = r["sym"]
        offset = np.where(sym >= 0, a - self.sym_addr[np.maximum(sym, 0)] if self.sym_addr.size else 0, 0)
        # Walk out from the innermost node, level by level, over the shrinking set of
        # addresses whose current node is still an inlined call.
        node = r["node"]
        has = self.node_inline.size > 0
        phys_file = r["file"].astype(np.int32, copy=True)
        phys_line = r["line"].astype(np.int32, copy=True)
        idx = np.flatnonzero(node >= 0)
        cur = node[idx].astype(np.int64)
        if has:
            m = self.node_inline[cur]
            idx, cur = idx[m], cur[m]
        else:
            idx, cur = idx[:0], cur[:0]
        pf, pl = phys_file[idx], phys_line[idx]
        rec_a, rec_n, rec_f, rec_l = [], [], [], []
        for _ in range(MAX_INLINE_DEPTH):
            if not idx.size:
                break
            rec_a.append(idx)
            rec_n.append(cur)
            rec_f.append(pf)
            rec_l.append(pl)
            pf, pl = self.node_call_file[cur], self.node_call_line[cur]
            phys_file[idx], phys_line[idx] = pf, pl
            nxt = self.node_parent[cur].astype(np.int64)
            keep = nxt >= 0
            keep[keep] = self.node_inline[nxt[keep]]
            idx, cur, pf, pl = idx[keep], nxt[keep], pf[keep], pl[keep]
        if rec_a:
            ra = np.concatenate(rec_a)
            o = np.argsort(ra, kind="stable")  # per address, innermost first
            ra = ra[o]
            nodes = np.concatenate(rec_n)[o]
            inl_file, inl_line = np.concatenate(rec_f)[o], np.concatenate(rec_l)[o]
        else:
            ra = nodes = np.zeros(0, np.int64)
            inl_file = inl_line = np.zeros(0, np.int32)
        start = np.zeros(a.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(ra, minlength=a.size), out=start[1:])
        return {
            "sym": sym, "offset": offset.astype(np.int64), "file": phys_file, "line": phys_line,
            "inl_start": start, "inl_name": self.node_name[nodes] if nodes.size else np.zeros(0, np.int32),
            "inl_file": inl_file, "inl_line": inl_line,
        }

