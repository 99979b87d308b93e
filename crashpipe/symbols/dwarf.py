"""Bulk DWARF decoding: every line table row and every function / inlined-call range of
an ELF, once, into flat arrays.

Line rows: one answer per address where rows start, under two rules that differ
only at an address with several rows whose last row is not a statement (is_stmt
false) while an earlier one is.  binutils (`addr2line`, hence decode_stacktrace.sh)
answers with the last row at the address; gdb (find_pc_sect_line) with the last
statement row there.  Both are kept (`line_*` and `line_*_gdb`); an end_sequence row
ends the previous row's range under both.
Inline ranges become a tree of nodes (subprograms are roots, each
DW_TAG_inlined_subroutine a child with its call_file:call_line) flattened into
non-overlapping segments that name the innermost node covering each address.
"""
from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass

import numpy as np

from crashpipe.symbols.elffile import ElfObject

log = logging.getLogger(__name__)

NO_FILE = -1


@dataclass
class DwarfArrays:
    line_addr: np.ndarray  # uint64, sorted
    line_file: np.ndarray  # int32 file id, NO_FILE = no line info from here on
    line_line: np.ndarray  # int32
    line_file_gdb: np.ndarray  # int32, gdb's row at line_addr (differs: see pick_line_rows)
    line_line_gdb: np.ndarray  # int32
    seg_addr: np.ndarray  # uint64, sorted segment starts
    seg_node: np.ndarray  # int32 innermost node from seg_addr on, -1 = none
    node_parent: np.ndarray  # int32, -1 for roots
    node_name: np.ndarray  # int32 index into names
    node_lo: np.ndarray  # uint64 entry address of the node's first range
    node_inline: np.ndarray  # bool: inlined call (vs. the subprogram itself)
    node_call_file: np.ndarray  # int32
    node_call_line: np.ndarray  # int32
    files: list[str]
    names: list[str]


class _Interner:
    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.items: list[str] = []

    def __call__(self, s: str) -> int:
        i = self.ids.get(s)
        if i is None:
            i = self.ids[s] = len(self.items)
            self.items.append(s)
        return i


def _text(v) -> str:
    return v.decode("utf-8", "surrogateescape") if isinstance(v, bytes) else str(v)


def join_path(version: int, dirs: list[str], name: str, dir_index: int, comp_dir: str | None) -> str:
    """A line-table file entry's path as binutils prints it: absolute names as they
    are, else under their directory, itself under comp_dir when relative (in DWARF 5
    directory 0 is comp_dir itself; before, index 0 means comp_dir)."""
    if posixpath.isabs(name):
        return name
    if version >= 5:
        d = dirs[dir_index] if dir_index < len(dirs) else None
    else:
        d = comp_dir if dir_index == 0 else (dirs[dir_index - 1] if dir_index - 1 < len(dirs) else None)
    if d is not None and dir_index != 0 and not posixpath.isabs(d) and comp_dir:
        d = posixpath.join(comp_dir, d)
    return posixpath.join(d, name) if d else name


def _file_table(lp, comp_dir: str | None, intern: _Interner) -> tuple[list[int], int]:
    """File ids for the line program's file entries; returns (ids, index_base)."""
    version = lp.header["version"]
    dirs = [_text(d) for d in lp.header["include_directory"]]
    ids = [intern(join_path(version, dirs, _text(fe.name), fe.dir_index, comp_dir)) for fe in lp.header["file_entry"]]
    return ids, (0 if version >= 5 else 1)


def read_dwarf(obj: ElfObject) -> DwarfArrays | None:
    if not obj.has_dwarf():
        return None
    # Only relocatable objects need their DWARF relocated; a vmlinux linked with
    # --emit-relocs carries .rela.debug_* too, already applied.
    dwarf = obj.elf.get_dwarf_info(relocate_dwarf_sections=obj.relocatable)
    files = _Interner()
    names = _Interner()
    la: list[int] = []
    lf: list[int] = []
    ll: list[int] = []
    lorder: list[int] = []  # 0 end_sequence, 1 row (is_stmt false), 2 row (is_stmt true)
    pieces: list[tuple[int, int, int, int]] = []  # (lo, hi, depth, node)
    parent: list[int] = []
    nname: list[int] = []
    nlo: list[int] = []
    ninl: list[bool] = []
    ncf: list[int] = []
    ncl: list[int] = []
    name_cache: dict[int, str] = {}
    rl = dwarf.range_lists()
    for cu in dwarf.iter_CUs():
        try:
            top = cu.get_top_DIE()
        except Exception as e:  # damaged unit: skip it, keep the rest
            log.warning("%s: bad compile unit at 0x%x: %s", obj.path, cu.cu_offset, e)
            continue
        comp_dir = _text(top.attributes["DW_AT_comp_dir"].value) if "DW_AT_comp_dir" in top.attributes else None
        file_ids: list[int] = []
        fbase = 1
        try:
            lp = dwarf.line_program_for_CU(cu)
        except Exception as e:
            log.warning("%s: bad line program: %s", obj.path, e)
            lp = None
        if lp is not None:
            file_ids, fbase = _file_table(lp, comp_dir, files)
            nf = len(file_ids)
            seq_start = len(la)
            for entry in lp.get_entries():
                st = entry.state
                if st is None:
                    continue
                if st.end_sequence:
                    # Rows at the end address of their own sequence cover nothing;
                    # dropped so they cannot shadow the end marker.
                    while len(la) > seq_start and la[-1] == st.address:
                        la.pop()
                        lf.pop()
                        ll.pop()
                        lorder.pop()
                    la.append(st.address)
                    lf.append(NO_FILE)
                    ll.append(0)
                    lorder.append(0)
                    seq_start = len(la)
                else:
                    fi = st.file - fbase
                    la.append(st.address)
                    lf.append(file_ids[fi] if 0 <= fi < nf else NO_FILE)
                    ll.append(st.line)
                    lorder.append(2 if st.is_stmt else 1)
        cu_base = top.attributes["DW_AT_low_pc"].value if "DW_AT_low_pc" in top.attributes else 0

        def call_file(die) -> int:
            a = die.attributes.get("DW_AT_call_file")
            if a is None:
                return NO_FILE
            fi = a.value - fbase
            return file_ids[fi] if 0 <= fi < len(file_ids) else NO_FILE

        # Walk the DIE tree; lexical blocks are transparent, nested subprograms
        # (rare in C) become their own roots.
        stack = [(top, -1, 0)]
        while stack:
            die, par, depth = stack.pop()
            tag = die.tag
            node = par
            if tag in ("DW_TAG_subprogram", "DW_TAG_inlined_subroutine"):
                ranges = _die_ranges(die, cu, rl, cu_base)
                if ranges:
                    inline = tag == "DW_TAG_inlined_subroutine"
                    node = len(parent)
                    parent.append(par if inline else -1)
                    nname.append(names(_die_name(die, name_cache)))
                    nlo.append(ranges[0][0])
                    ninl.append(inline)
                    ncf.append(call_file(die) if inline else NO_FILE)
                    ncl.append(int(die.attributes["DW_AT_call_line"].value) if inline and "DW_AT_call_line" in die.attributes else 0)
                    d = depth + 1 if inline else 0
                    for lo, hi in ranges:
                        if hi > lo:
                            pieces.append((lo, hi, d, node))
                    depth = d
                elif tag == "DW_TAG_subprogram":
                    continue  # declarations and abstract instances: no code
            elif tag not in ("DW_TAG_compile_unit", "DW_TAG_partial_unit", "DW_TAG_lexical_block"):
                continue
            if die.has_children:
                kids = list(die.iter_children())
                for k in reversed(kids):
                    stack.append((k, node, depth))

    line_addr, line_file, line_line, line_file_gdb, line_line_gdb = pick_line_rows(
        np.asarray(la, dtype=np.uint64), np.asarray(lf, dtype=np.int32), np.asarray(ll, dtype=np.int32),
        np.asarray(lorder, dtype=np.int8))
    seg_addr, seg_node = _flatten(pieces)
    return DwarfArrays(
        line_addr, line_file, line_line, line_file_gdb, line_line_gdb, seg_addr, seg_node,
        np.asarray(parent, dtype=np.int32), np.asarray(nname, dtype=np.int32),
        np.asarray(nlo, dtype=np.uint64), np.asarray(ninl, dtype=bool),
        np.asarray(ncf, dtype=np.int32), np.asarray(ncl, dtype=np.int32),
        files.items, names.items,
    )


ROW_END, ROW_NONSTMT, ROW_STMT = 0, 1, 2  # kinds of decoded line rows


def pick_line_rows(addr: np.ndarray, file: np.ndarray, line: np.ndarray, kind: np.ndarray):
    """Decoded rows in program order (kind: ROW_END end_sequence marker, ROW_NONSTMT /
    ROW_STMT a row with is_stmt false / true) -> per distinct address, sorted: (addr,
    file, line) by binutils' rule and (file, line) by gdb's.

    binutils: the last row at the address; an end_sequence marker only where no
    sequence has a row.  gdb: the same, except that when that last row is not a
    statement, the last statement row at the same address if there is one (gdb's
    find_pc_sect_line scans back over the entries at the address for one; its DWARF
    reader also drops a non-statement row that switches file at an address that had
    a statement row, which comes to the same)."""
    n = addr.size
    if not n:
        z = np.zeros(0, np.int32)
        return addr, file, line, z, z
    # Sorted by (address, kind, position): the last entry of an address is gdb's row
    # (statement rows after the others, end markers first).
    order = np.lexsort((np.arange(n), kind, addr))
    a = addr[order]
    first = np.ones(n, dtype=bool)
    first[1:] = a[1:] != a[:-1]
    starts = np.flatnonzero(first)
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:] - 1
    ends[-1] = n - 1
    gdb = order[ends]
    # binutils' row: the latest in program order among the address's rows (the end
    # marker where there is no row).
    latest = np.maximum.reduceat(np.where(kind[order] != ROW_END, order, -1), starts)
    binu = np.where(latest >= 0, latest, gdb)
    return a[starts], file[binu], line[binu], file[gdb], line[gdb]


def _die_name(die, cache: dict[int, str]) -> str:
    """DW_AT_name, following abstract_origin / specification links."""
    seen = 0
    d = die
    while d is not None and seen < 8:
        n = cache.get(d.offset)
        if n is not None:
            break
        a = d.attributes.get("DW_AT_name")
        if a is not None:
            n = _text(a.value)
            break
        nxt = None
        for link in ("DW_AT_abstract_origin", "DW_AT_specification"):
            if link in d.attributes:
                try:
                    nxt = d.get_DIE_from_attribute(link)
                except Exception:
                    nxt = None
                break
        d = nxt
        seen += 1
    n = n if (d is not None and seen < 8 and n is not None) else "??"
    cache[die.offset] = n
    return n


def _die_ranges(die, cu, rl, cu_base: int) -> list[tuple[int, int]]:
    at = die.attributes
    if "DW_AT_low_pc" in at and "DW_AT_high_pc" in at:
        lo = at["DW_AT_low_pc"].value
        hi = at["DW_AT_high_pc"]
        hi_v = lo + hi.value if hi.form not in ("DW_FORM_addr", "DW_FORM_addrx", "DW_FORM_addrx1", "DW_FORM_addrx2", "DW_FORM_addrx3", "DW_FORM_addrx4") else hi.value
        return [(lo, hi_v)]
    if "DW_AT_ranges" in at and rl is not None:
        try:
            entries = rl.get_range_list_at_offset(at["DW_AT_ranges"].value, cu=cu)
        except Exception:
            return []
        out = []
        base = cu_base
        for e in entries:
            if hasattr(e, "begin_offset"):
                if getattr(e, "is_absolute", False):
                    out.append((e.begin_offset, e.end_offset))
                else:
                    out.append((base + e.begin_offset, base + e.end_offset))
            else:
                base = e.base_address
        return out
    return []


def _flatten(pieces: list[tuple[int, int, int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Properly nested ranges -> sorted segment starts with the innermost node."""
    if not pieces:
        return np.zeros(0, np.uint64), np.zeros(0, np.int32)
    pieces.sort(key=lambda p: (p[0], p[2], -p[1]))
    out_a: list[int] = []
    out_n: list[int] = []
    stack: list[tuple[int, int]] = []  # (hi, node)

    def emit(a: int, n: int) -> None:
        if out_a and out_a[-1] == a:
            out_n[-1] = n
        else:
            out_a.append(a)
            out_n.append(n)

    for lo, hi, _depth, node in pieces:
        while stack and stack[-1][0] <= lo:
            h, _ = stack.pop()
            # Entries that end earlier than their parent were popped already; a
            # badly nested entry ending later is clipped here.
            while stack and stack[-1][0] <= h:
                stack.pop()
            emit(h, stack[-1][1] if stack else -1)
        stack.append((hi, node))
        emit(lo, node)
    while stack:
        h, _ = stack.pop()
        while stack and stack[-1][0] <= h:
            stack.pop()
        emit(h, stack[-1][1] if stack else -1)
    return np.asarray(out_a, dtype=np.uint64), np.asarray(out_n, dtype=np.int32)
