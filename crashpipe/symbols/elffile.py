"""One ELF object (executable, vmlinux or relocatable .ko) opened for indexing.

Relocatable modules have every section at address 0, so their symbols, DWARF low_pc
values and line rows would collide.  Like binutils does for relocatable objects, we
place each allocated section at its own synthetic base and shift the symbol values in
an in-memory copy of the file before pyelftools applies the DWARF relocations; every
address of a module index is then unique, and a section-relative address (what
`addr2line -j .text` takes, what a module's load base gives) is `base[section] + off`.
"""
from __future__ import annotations

import hashlib
import io
import mmap
import re
from dataclasses import dataclass, field

import numpy as np
from elftools.elf.elffile import ELFFile

SHF_ALLOC = 0x2
SHF_EXECINSTR = 0x4
STT_NOTYPE, STT_FUNC, STT_SECTION, STT_FILE, STT_GNU_IFUNC = 0, 2, 3, 4, 10
STB_LOCAL, STB_GLOBAL, STB_WEAK = 0, 1, 2
SHN_UNDEF, SHN_LORESERVE = 0, 0xFF00
SECTION_ALIGN = 0x1000

_SYM_DTYPES = {
    (64, "<"): np.dtype([("name", "<u4"), ("info", "u1"), ("other", "u1"), ("shndx", "<u2"), ("value", "<u8"), ("size", "<u8")]),
    (64, ">"): np.dtype([("name", ">u4"), ("info", "u1"), ("other", "u1"), ("shndx", ">u2"), ("value", ">u8"), ("size", ">u8")]),
    (32, "<"): np.dtype([("name", "<u4"), ("value", "<u4"), ("size", "<u4"), ("info", "u1"), ("other", "u1"), ("shndx", "<u2")]),
    (32, ">"): np.dtype([("name", ">u4"), ("value", ">u4"), ("size", ">u4"), ("info", "u1"), ("other", "u1"), ("shndx", ">u2")]),
}

# Linux banner: "Linux version 6.1.0-56-amd64 (debian-kernel@...) ..."
_BANNER = re.compile(rb"Linux version (\S{1,100}) \(")
_VERMAGIC = re.compile(rb"vermagic=(\S{1,100})")
_MODNAME = re.compile(rb"(?:^|\x00)name=([^\x00]{1,64})\x00")


@dataclass
class SectionInfo:
    name: str
    index: int
    addr: int  # address in the index's address space (synthetic base for ET_REL)
    size: int
    executable: bool


@dataclass
class ElfSymbols:
    """Text symbols of one ELF, sorted by address (one per address)."""

    addr: np.ndarray  # uint64
    size: np.ndarray  # uint64 (st_size; 0 when the symbol table gives none)
    name_starts: np.ndarray  # int64 offsets into strtab
    strtab: bytes
    alias_addr: np.ndarray | None = None  # other names at those addresses
    alias_starts: np.ndarray | None = None


@dataclass
class ElfObject:
    path: str
    content_hash: str
    elf: ELFFile
    machine: str
    bits: int
    little_endian: bool
    relocatable: bool
    sections: list[SectionInfo] = field(default_factory=list)
    build_id: str | None = None
    release: str | None = None
    module: str | None = None
    data: "bytes | mmap.mmap | None" = None  # the whole file (mapped), for zero-copy section views

    def section_view(self, sec) -> memoryview:
        off, size = sec["sh_offset"], sec["sh_size"]
        if self.data is None or off + size > len(self.data):
            return memoryview(sec.data())
        return memoryview(self.data)[off:off + size]

    def text_sections(self) -> list[SectionInfo]:
        return [s for s in self.sections if s.executable and s.size > 0]

    def has_dwarf(self) -> bool:
        return self.elf.get_section_by_name(".debug_info") is not None and self.elf.get_section_by_name(".debug_line") is not None


def file_hash(path: str) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 22)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def open_object(path: str, content_hash: str | None = None) -> ElfObject:
    """Open `path`; raises ValueError (with a reason) for files that are not ELF.
    The file is memory-mapped (a vmlinux is 600 MiB); only a relocatable module is
    copied, to shift its symbols."""
    f = open(path, "rb")
    try:
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except ValueError:  # empty file
        f.close()
        raise ValueError(f"not an ELF file: {path}")
    if data[:4] != b"\x7fELF":
        raise ValueError(f"not an ELF file: {path}")
    content_hash = content_hash or file_hash(path)
    elf = ELFFile(f)
    relocatable = elf["e_type"] == "ET_REL"
    sections: list[SectionInfo] = []
    next_base = SECTION_ALIGN
    for i, sec in enumerate(elf.iter_sections()):
        flags = sec["sh_flags"]
        if not flags & SHF_ALLOC:
            continue
        addr = sec["sh_addr"]
        if relocatable:
            addr = next_base
            next_base += (sec["sh_size"] + SECTION_ALIGN) // SECTION_ALIGN * SECTION_ALIGN + SECTION_ALIGN
        sections.append(SectionInfo(sec.name, i, addr, sec["sh_size"], bool(flags & SHF_EXECINSTR)))
    if relocatable:
        data = _shift_symbols(elf, bytes(data), {s.index: s.addr for s in sections})
        elf = ELFFile(io.BytesIO(data))
    obj = ElfObject(
        path=path,
        content_hash=content_hash,
        elf=elf,
        machine=elf["e_machine"],
        bits=elf.elfclass,
        little_endian=elf.little_endian,
        relocatable=relocatable,
        sections=sections,
        data=data,
    )
    obj.build_id = _build_id(elf)
    if relocatable:
        modinfo = elf.get_section_by_name(".modinfo")
        if modinfo is not None:
            mi = modinfo.data()
            m = _VERMAGIC.search(mi)
            if m:
                obj.release = m.group(1).decode("ascii", "replace")
            m = _MODNAME.search(mi)
            if m:
                obj.module = m.group(1).decode("ascii", "replace")
        if obj.module is None:
            this = elf.get_section_by_name(".gnu.linkonce.this_module")
            if this is not None:
                obj.module = _module_name_from_path(path)
        if obj.module is None and path.endswith(".ko"):
            obj.module = _module_name_from_path(path)
    else:
        obj.release = _banner_release(elf)
    return obj


def _module_name_from_path(path: str) -> str:
    import os

    base = os.path.basename(path)
    for ext in (".ko.xz", ".ko.zst", ".ko.gz", ".ko"):
        if base.endswith(ext):
            base = base[: -len(ext)]
    return base.replace("-", "_")


def _sym_dtype(elf: ELFFile) -> np.dtype:
    return _SYM_DTYPES[(elf.elfclass, "<" if elf.little_endian else ">")]


def _shift_symbols(elf: ELFFile, data: bytes, bases: dict[int, int]) -> bytes:
    """Return a copy of `data` whose symbols defined in allocated sections have
    st_value += that section's synthetic base."""
    symtab = elf.get_section_by_name(".symtab")
    if symtab is None:
        return data
    buf = bytearray(data)
    off, size = symtab["sh_offset"], symtab["sh_size"]
    dt = _sym_dtype(elf)
    n = size // dt.itemsize
    syms = np.frombuffer(buf, dtype=dt, count=n, offset=off).copy()
    base = np.zeros(65536, dtype=np.uint64)
    for idx, b in bases.items():
        if idx < 65536:
            base[idx] = b
    syms["value"] = syms["value"] + base[syms["shndx"]].astype(syms["value"].dtype)
    buf[off:off + n * dt.itemsize] = syms.tobytes()
    return bytes(buf)


def _build_id(elf: ELFFile) -> str | None:
    for sec in elf.iter_sections():
        if sec["sh_type"] != "SHT_NOTE":
            continue
        try:
            for note in sec.iter_notes():
                # Only the GNU owner's type 3 is a build id (vmlinux's Xen notes reuse 3).
                if note["n_name"] == "GNU" and note["n_type"] == "NT_GNU_BUILD_ID" and isinstance(note["n_desc"], str):
                    return note["n_desc"]
        except Exception:  # malformed note: no build id rather than no index
            continue
    return None


def _banner_release(elf: ELFFile) -> str | None:
    for name in (".rodata", ".init.rodata", ".data"):
        sec = elf.get_section_by_name(name)
        if sec is None or sec["sh_type"] == "SHT_NOBITS":
            continue
        m = _BANNER.search(sec.data())
        if m:
            return m.group(1).decode("ascii", "replace")
    return None


def read_text_symbols(obj: ElfObject) -> ElfSymbols:
    """Function-like symbols defined in executable sections, one per address (see
    the alias rule below)."""
    elf = obj.elf
    symtab = elf.get_section_by_name(".symtab") or elf.get_section_by_name(".dynsym")
    empty = ElfSymbols(np.zeros(0, np.uint64), np.zeros(0, np.uint64), np.zeros(0, np.int64), b"",
                       np.zeros(0, np.uint64), np.zeros(0, np.int64))
    if symtab is None:
        return empty
    dt = _sym_dtype(elf)
    raw = symtab.data()
    syms = np.frombuffer(raw, dtype=dt, count=len(raw) // dt.itemsize)
    strtab = elf.get_section(symtab["sh_link"]).data()
    exec_idx = np.zeros(65536, dtype=bool)
    for s in obj.sections:
        if s.executable and s.index < 65536:
            exec_idx[s.index] = True
    stype = syms["info"] & 0xF
    sbind = syms["info"] >> 4
    keep = (
        ((stype == STT_FUNC) | (stype == STT_NOTYPE) | (stype == STT_GNU_IFUNC))
        & (syms["shndx"] != SHN_UNDEF)
        & (syms["shndx"] < SHN_LORESERVE)
        & exec_idx[syms["shndx"]]
        & (syms["name"] != 0)
    )
    # ARM/AArch64/RISC-V mapping symbols ($a, $t, $d, $x) and local labels are not functions.
    names_first = np.frombuffer(strtab, dtype=np.uint8)
    first = names_first[np.minimum(syms["name"], max(len(strtab) - 1, 0))] if len(strtab) else np.zeros(len(syms), np.uint8)
    keep &= first != ord("$")
    idx = np.flatnonzero(keep)
    addr = syms["value"][idx].astype(np.uint64)
    if obj.machine == "EM_ARM":
        addr &= ~np.uint64(1)  # Thumb bit
    size = syms["size"][idx].astype(np.uint64)
    if obj.relocatable or obj.release:
        # Kernel objects: the alias kallsyms prints (scripts/kallsyms.c): non-weak
        # first, then fewer leading underscores, then symbol-table order.
        raw_names = np.frombuffer(strtab, dtype=np.uint8)
        starts = syms["name"][idx].astype(np.int64)
        unders = np.zeros(idx.size, dtype=np.int64)
        live = np.ones(idx.size, dtype=bool)
        for k in range(8):
            pos = np.minimum(starts + k, max(raw_names.size - 1, 0))
            live &= raw_names[pos] == ord("_") if raw_names.size else False
            unders += live
        rank = (sbind[idx] == STB_WEAK).astype(np.int64) * 16 + unders
    else:
        # User space: the name a debugger shows: a FUNC over a NOTYPE label, GLOBAL
        # over WEAK over LOCAL.
        rank = np.where(stype[idx] == STT_NOTYPE, 4, 0) + np.select(
            [sbind[idx] == STB_GLOBAL, sbind[idx] == STB_WEAK], [0, 1], 2
        )
    order = np.lexsort((idx, rank, addr))
    addr, size, idx = addr[order], size[order], idx[order]
    first_at = np.ones(addr.size, dtype=bool)
    first_at[1:] = addr[1:] != addr[:-1]
    # A label of size 0 sharing an address with a sized alias: keep the size.
    if addr.size:
        grp = np.cumsum(first_at) - 1
        maxsize = np.zeros(int(grp[-1]) + 1, dtype=np.uint64)
        np.maximum.at(maxsize, grp, size)
        size = maxsize[grp]
    sel = np.flatnonzero(first_at)
    other = np.flatnonzero(~first_at)
    return ElfSymbols(addr[sel], size[sel], syms["name"][idx[sel]].astype(np.int64), strtab,
                      addr[other], syms["name"][idx[other]].astype(np.int64))
