"""Relocations of a module's debug sections, applied with numpy.

A .ko's DWARF refers to code through relocations (`.rela.debug_info`, ...).  pyelftools
applies them one Python call per entry (~1 s per module, hours for a distro's module
tree); the handful of absolute types that debug sections use are applied here as array
operations.  Objects with any other type in a debug relocation section get None, and
the caller falls back to pyelftools.
"""
from __future__ import annotations

import numpy as np
from elftools.elf.elffile import ELFFile

from crashpipe.symbols.elffile import _sym_dtype

# machine -> relocation type -> width in bytes of an absolute `S + A` relocation.
ABSOLUTE = {
    "EM_X86_64": {1: 8, 10: 4, 11: 4},  # R_X86_64_64, _32, _32S
    "EM_386": {1: 4},  # R_386_32
    "EM_ARM": {2: 4},  # R_ARM_ABS32
    "EM_AARCH64": {257: 8, 258: 4},  # R_AARCH64_ABS64, _ABS32
}
NONE_TYPES = {"EM_X86_64": 0, "EM_386": 0, "EM_ARM": 0, "EM_AARCH64": 0}


def _rel_dtype(bits: int, rela: bool, little: bool) -> np.dtype:
    e = "<" if little else ">"
    w = "u8" if bits == 64 else "u4"
    fields = [("offset", e + w), ("info", e + w)]
    if rela:
        fields.append(("addend", e + ("i8" if bits == 64 else "i4")))
    return np.dtype(fields)


def relocated_section(elf: ELFFile, name: str) -> bytes | None:
    """The section's bytes with its relocations applied, or None when a relocation
    type is not one of ABSOLUTE's (or the section does not exist)."""
    sec = elf.get_section_by_name(name)
    if sec is None:
        return None
    data = bytearray(sec.data())
    widths = ABSOLUTE.get(elf["e_machine"])
    idx = elf.get_section_index(name)
    relsecs = [s for s in elf.iter_sections() if s["sh_type"] in ("SHT_REL", "SHT_RELA") and s["sh_info"] == idx]
    if not relsecs:
        return bytes(data)
    if widths is None or not elf.little_endian:
        return None
    buf = np.frombuffer(data, dtype=np.uint8)
    for rs in relsecs:
        rela = rs["sh_type"] == "SHT_RELA"
        dt = _rel_dtype(elf.elfclass, rela, True)
        raw = rs.data()
        rel = np.frombuffer(raw, dtype=dt, count=len(raw) // dt.itemsize)
        symtab = elf.get_section(rs["sh_link"])
        sraw = symtab.data()
        syms = np.frombuffer(sraw, dtype=_sym_dtype(elf), count=len(sraw) // _sym_dtype(elf).itemsize)
        info = rel["info"].astype(np.uint64)
        if elf.elfclass == 64:
            sym, typ = (info >> np.uint64(32)).astype(np.int64), (info & np.uint64(0xFFFFFFFF)).astype(np.int64)
        else:
            sym, typ = (info >> np.uint64(8)).astype(np.int64), (info & np.uint64(0xFF)).astype(np.int64)
        keep = typ != NONE_TYPES[elf["e_machine"]]
        sym, typ, off = sym[keep], typ[keep], rel["offset"][keep].astype(np.int64)
        if (sym >= syms.size).any() or ((off < 0) | (off + 8 > buf.size + 4)).any():
            return None
        width = np.zeros(typ.size, np.int64)
        for t, w in widths.items():
            width[typ == t] = w
        if (width == 0).any():
            return None
        s_val = syms["value"].astype(np.uint64)[sym]
        for w in (4, 8):
            m = width == w
            if not m.any():
                continue
            o = off[m]
            if (o + w > buf.size).any():
                return None
            pos = o[:, None] + np.arange(w)
            if rela:
                a = rel["addend"][keep][m].astype(np.int64).astype(np.uint64)
            else:  # REL: the addend is the value in place
                a = (buf[pos].astype(np.uint64) << (np.arange(w, dtype=np.uint64) * np.uint64(8))).sum(axis=1, dtype=np.uint64)
            v = s_val[m] + a
            if w == 4:
                v &= np.uint64(0xFFFFFFFF)
            buf[pos] = v.astype("<u8").view(np.uint8).reshape(-1, 8)[:, :w]
    return bytes(data)
