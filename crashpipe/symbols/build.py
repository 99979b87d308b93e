"""Turn one input file (ELF object, System.map, kallsyms dump) into a SymbolTable."""
from __future__ import annotations

import logging

import numpy as np

from crashpipe.symbols.dwarf import read_dwarf
from crashpipe.symbols.elffile import ElfObject, open_object, read_text_symbols
from crashpipe.symbols.strtab import StringTable
from crashpipe.symbols.table import SymbolTable

log = logging.getLogger(__name__)


def symbol_ends(addr: np.ndarray, size: np.ndarray, sections: list[tuple[int, int]]) -> np.ndarray:
    """Where each symbol's claim on addresses ends: the next symbol, but not past the
    end of its text section.  Like kallsyms and binutils, alignment padding after a
    function still resolves to it; a symbol's printed size stays st_size."""
    if not addr.size:
        return addr.copy()
    nxt = np.empty_like(addr)
    nxt[:-1] = addr[1:]
    if not sections:
        nxt[-1] = addr[-1] + np.maximum(size[-1], np.uint64(1))
        return np.maximum(nxt, addr + size)
    starts = np.array([s for s, _ in sections], dtype=np.uint64)
    ends = np.array([e for _, e in sections], dtype=np.uint64)
    order = np.argsort(starts)
    starts, ends = starts[order], ends[order]
    k = np.searchsorted(starts, addr, side="right") - 1
    sec_end = np.where(k >= 0, ends[np.maximum(k, 0)], addr + np.uint64(1))
    nxt[-1] = sec_end[-1]
    end = np.minimum(nxt, np.maximum(sec_end, addr + size))
    return np.maximum(end, addr + np.maximum(size, np.uint64(1)))


def read_dwarf_any(obj: ElfObject, decoder: str = "auto"):
    """DWARF arrays by the Cython decoder, or by the pyelftools twin when asked
    (decoder="python") or when the fast path cannot take the object."""
    if decoder != "python":
        try:
            from crashpipe.symbols.dwarf_fast import read_dwarf_fast

            dw = read_dwarf_fast(obj)
            if dw is not None or not obj.has_dwarf():
                return dw
        except ImportError:  # extension not built
            pass
        except Exception as e:  # noqa: BLE001 - damaged DWARF: let the twin try
            log.warning("%s: fast DWARF decoder failed (%s), using pyelftools", obj.path, e)
    try:
        return read_dwarf(obj)
    except Exception as e:  # noqa: BLE001 - symbols without lines beat no symbols
        log.warning("%s: DWARF unreadable (%s): symbol table only", obj.path, e)
        return None


def default_line_rule(obj: ElfObject) -> str:
    """Whose answer a table gives where gdb's and addr2line's line rows differ (an
    address with several rows, the last not a statement; see dwarf.pick_line_rows).
    Kernel objects (a vmlinux with a release, a module: the same test that makes their
    printed sizes kallsyms-style) answer like addr2line, which is what
    scripts/decode_stacktrace.sh prints for kernel frames; other ELFs (user-space
    programs, whose frames are checked against gdb) answer like gdb.  Lookups can ask
    for either rule explicitly."""
    return "addr2line" if (obj.relocatable or obj.release) else "gdb"


def build_elf_table(obj: ElfObject, with_dwarf: bool = True, decoder: str = "auto") -> SymbolTable:
    syms = read_text_symbols(obj)
    symnames = StringTable.from_nul_terminated(syms.strtab, syms.name_starts).to_list()
    aliases = StringTable.from_nul_terminated(syms.strtab, syms.alias_starts).to_list()
    texts = obj.text_sections()
    ends = symbol_ends(syms.addr, syms.size, [(s.addr, s.addr + s.size) for s in texts])
    dw = read_dwarf_any(obj, decoder) if with_dwarf else None
    meta = {
        "kind": "module" if obj.relocatable else "elf",
        "path": obj.path,
        "content_hash": obj.content_hash,
        "build_id": obj.build_id,
        "release": obj.release,
        "module": obj.module,
        "machine": obj.machine,
        "bits": obj.bits,
        "little_endian": obj.little_endian,
        "relocatable": obj.relocatable,
        "sections": {s.name: [s.addr, s.size] for s in obj.sections},
        "text_ranges": [[s.addr, s.addr + s.size] for s in texts],
        "has_dwarf": dw is not None,
        "line_rule": default_line_rule(obj),
    }
    nsym = len(symnames)
    t = SymbolTable(
        meta=meta,
        sym_addr=syms.addr,
        sym_end=ends,
        # The kernel prints kallsyms sizes (distance to the next symbol), not st_size.
        sym_size=(ends - syms.addr) if (obj.relocatable or obj.release) else syms.size,
        sym_name=np.arange(nsym, dtype=np.int32),
    )
    names = symnames + aliases
    t.alias_addr = syms.alias_addr
    t.alias_name = np.arange(nsym, nsym + len(aliases), dtype=np.int32)
    if dw is not None:
        names = names + dw.names
        t.line_addr, t.line_file, t.line_line = dw.line_addr, dw.line_file, dw.line_line
        t.line_file_gdb, t.line_line_gdb = dw.line_file_gdb, dw.line_line_gdb
        t.seg_addr, t.seg_node = dw.seg_addr, dw.seg_node
        t.node_parent, t.node_lo, t.node_inline = dw.node_parent, dw.node_lo, dw.node_inline
        t.node_name = (dw.node_name + nsym + len(aliases)).astype(np.int32)
        t.node_call_file, t.node_call_line = dw.node_call_file, dw.node_call_line
        t.files = StringTable.from_strings(dw.files)
    t.names = StringTable.from_strings(names)
    return t


def build_table_for_path(path: str, content_hash: str | None = None, decoder: str = "auto") -> SymbolTable:
    return build_elf_table(open_object(path, content_hash), decoder=decoder)
