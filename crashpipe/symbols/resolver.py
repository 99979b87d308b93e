"""Resolver: lookups of one build object's table as Frame records (the API the
unwinder and the report symbolizer use), with a load bias between the table's address
space and runtime addresses."""
from __future__ import annotations

import numpy as np

from crashpipe.model import Frame
from crashpipe.symbols.table import SymbolTable


class Resolver:
    def __init__(self, table: SymbolTable, load_bias: int = 0, module: str | None = None,
                 line_rule: str | None = None) -> None:
        self.table = table
        self.load_bias = load_bias
        self.module = module
        # "addr2line" or "gdb"; None: the table's own (SymbolTable.line_rule)
        self.line_rule = table.line_rule(line_rule)

    def text_ranges(self) -> list[tuple[int, int]]:
        b = self.load_bias
        return [(lo + b, hi + b) for lo, hi in self.table.text_ranges()]

    def lookup(self, addrs: np.ndarray, is_return: np.ndarray | None = None) -> list[list[Frame]]:
        """Per address: its inlined frames innermost first, then the physical frame
        (symbol, offset, size, file, line).  An address no symbol covers gets one
        frame with skipped_reason set instead of an exception."""
        a = np.asarray(addrs, dtype=np.uint64)
        if is_return is None:
            is_return = np.zeros(a.size, dtype=bool)
        local = a - np.uint64(self.load_bias % (1 << 64))
        return self.frames_for(a, local, np.asarray(is_return, dtype=bool))

    def frames_for(self, runtime: np.ndarray, local: np.ndarray, is_return: np.ndarray) -> list[list[Frame]]:
        t = self.table
        r = t.lookup_arrays(local, is_return, self.line_rule)
        levels = t.inline_chains(r["node"])
        names = t.names
        files = t.files
        sym = r["sym"].tolist()
        lfile = r["file"].tolist()
        lline = r["line"].tolist()
        lv = [lev.tolist() for lev in levels]
        loc = local.tolist()
        rt = runtime.tolist()
        sym_addr, sym_size, sym_name = t.sym_addr, t.sym_size, t.sym_name
        node_name, node_inline, node_lo = t.node_name, t.node_inline, t.node_lo
        cfile, cline = t.node_call_file, t.node_call_line
        out: list[list[Frame]] = []
        for i in range(len(rt)):
            frames: list[Frame] = []
            f_id, ln = lfile[i], lline[i]
            root = -1
            for lev in lv:
                n = lev[i]
                if n < 0:
                    break
                if node_inline[n]:
                    frames.append(Frame(address=rt[i], symbol=names[int(node_name[n])], module=self.module,
                                        file=files.get(f_id), line=ln or None, inlined=True))
                    f_id, ln = int(cfile[n]), int(cline[n])
                else:
                    root = n
            s = sym[i]
            if s >= 0:
                base = int(sym_addr[s])
                phys = Frame(address=rt[i], symbol=names[int(sym_name[s])], offset=loc[i] - base,
                             size=int(sym_size[s]) or None, module=self.module)
            elif root >= 0:
                base = int(node_lo[root])
                phys = Frame(address=rt[i], symbol=names[int(node_name[root])], offset=loc[i] - base, module=self.module)
            else:
                phys = Frame(address=rt[i], module=None, skipped_reason="no-symbol")
            if f_id >= 0:
                phys.file, phys.line = files.get(f_id), ln or None
            frames.append(phys)
            out.append(frames)
        return out


def open_elf(path: str, load_bias: int = 0, line_rule: str | None = None) -> Resolver:
    """Index an ELF in memory (symbols, line table, inline tree) and return its
    Resolver.  For repeated use index it into a store instead (`crashpipe symbols
    index`), which caches the arrays on disk.  `line_rule`: see SymbolTable.line_rule
    (default: gdb's for user-space ELFs, addr2line's for kernel objects)."""
    from crashpipe.symbols.build import build_table_for_path

    t = build_table_for_path(path)
    return Resolver(t, load_bias, t.meta.get("module"), line_rule)
