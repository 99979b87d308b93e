"""Bulk DWARF decoding with the Cython loops of crashpipe/_dwarf.pyx.

Same output as the pyelftools twin (`crashpipe.symbols.dwarf.read_dwarf`), minutes
faster on a vmlinux: unit and line-program headers, abbreviation tables, strings and
range lists are decoded here (a few thousand units), the per-byte work (every DIE,
every line opcode) in Cython, and the rest with numpy.  Returns None when the object
needs a feature this path does not handle (big-endian, split DWARF); the caller then
uses the twin.
"""
from __future__ import annotations

import logging
import struct

import numpy as np

from crashpipe.symbols.dwarf import NO_FILE, DwarfArrays, _flatten, join_path, pick_line_rows
from crashpipe.symbols.elffile import ElfObject

log = logging.getLogger(__name__)

TAGS = {0x11: 0, 0x3C: 0, 0x4A: 0, 0x2E: 1, 0x1D: 2}  # unit DIEs, subprogram, inlined_subroutine
T_CU, T_SUB, T_INL = 0, 1, 2
K_NONE, K_VAL, K_INDEX, K_STR, K_STRP, K_LSTRP = 0, 1, 2, 3, 4, 5
SHF_COMPRESSED = 0x800
MAX_ABBREV_CODE = 1 << 20

SECTIONS = {
    ".debug_info": "debug_info_sec", ".debug_abbrev": "debug_abbrev_sec", ".debug_line": "debug_line_sec",
    ".debug_str": "debug_str_sec", ".debug_line_str": "debug_line_str_sec", ".debug_addr": "debug_addr_sec",
    ".debug_str_offsets": "debug_str_offsets_sec", ".debug_rnglists": "debug_rnglists_sec",
    ".debug_ranges": "debug_ranges_sec",
}


def _leb(buf, pos: int, signed: bool = False) -> tuple[int, int]:
    v = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            break
    if signed and b & 0x40:
        v -= 1 << shift
    return v, pos


def _cstr(buf, pos: int) -> tuple[bytes, int]:
    end = buf.index(b"\0", pos)
    return bytes(buf[pos:end]), end + 1


def _section_bytes(obj: ElfObject) -> dict[str, bytes | memoryview] | None:
    elf = obj.elf
    out: dict[str, bytes | memoryview] = {}
    compressed = any((elf.get_section_by_name(n) is not None and elf.get_section_by_name(n)["sh_flags"] & SHF_COMPRESSED)
                     for n in SECTIONS)
    if obj.relocatable and not compressed:
        from crashpipe.symbols.reloc import relocated_section

        for name in SECTIONS:
            if elf.get_section_by_name(name) is None:
                continue
            b = relocated_section(elf, name)
            if b is None:
                break  # a relocation type numpy does not know: pyelftools below
            out[name] = b
        else:
            return out
        out = {}
    if obj.relocatable or compressed:
        # pyelftools applies the relocations (ET_REL) or decompresses.
        dw = elf.get_dwarf_info(relocate_dwarf_sections=obj.relocatable)
        for name, attr in SECTIONS.items():
            sec = getattr(dw, attr, None)
            if sec is not None:
                sec.stream.seek(0)
                out[name] = sec.stream.read(sec.size)
        return out
    for name in SECTIONS:
        sec = elf.get_section_by_name(name)
        if sec is not None and sec["sh_type"] != "SHT_NOBITS":
            out[name] = obj.section_view(sec)
    return out


class _Abbrevs:
    """All abbreviation tables used by the units, flattened for the Cython walker."""

    def __init__(self, buf) -> None:
        self.buf = buf
        self.tables: dict[int, int] = {}
        self.code_off: list[int] = []
        self.code_n: list[int] = []
        self.code_map: list[int] = []
        self.tag: list[int] = []
        self.children: list[int] = []
        self.attr_off: list[int] = []
        self.nattr: list[int] = []
        self.at_name: list[int] = []
        self.at_form: list[int] = []
        self.at_const: list[int] = []

    def table(self, off: int) -> int:
        t = self.tables.get(off)
        if t is not None:
            return t
        buf, pos = self.buf, off
        codes: dict[int, int] = {}
        while pos < len(buf):
            code, pos = _leb(buf, pos)
            if code == 0:
                break
            tag, pos = _leb(buf, pos)
            ch = buf[pos]
            pos += 1
            codes[code] = len(self.tag)
            self.tag.append(TAGS.get(tag, -1))
            self.children.append(ch)
            self.attr_off.append(len(self.at_name))
            n = 0
            while True:
                a, pos = _leb(buf, pos)
                f, pos = _leb(buf, pos)
                if a == 0 and f == 0:
                    break
                c = 0
                if f == 0x21:
                    c, pos = _leb(buf, pos, signed=True)
                self.at_name.append(a)
                self.at_form.append(f)
                self.at_const.append(c)
                n += 1
            self.nattr.append(n)
        top = max(codes, default=0) + 1
        if top > MAX_ABBREV_CODE:
            raise ValueError("abbreviation codes too sparse")
        dense = [-1] * top
        for code, e in codes.items():
            dense[code] = e
        t = len(self.code_off)
        self.tables[off] = t
        self.code_off.append(len(self.code_map))
        self.code_n.append(top)
        self.code_map.extend(dense)
        return t


def _units(info, abbrevs: _Abbrevs):
    cols: dict[str, list[int]] = {k: [] for k in ("off", "die", "end", "ver", "asz", "osz", "table")}
    pos, n = 0, len(info)
    while pos + 11 <= n:
        (ln,) = struct.unpack_from("<I", info, pos)
        osz, hdr = 4, 4
        if ln == 0xFFFFFFFF:
            (ln,) = struct.unpack_from("<Q", info, pos + 4)
            osz, hdr = 8, 12
        end = pos + hdr + ln
        p = pos + hdr
        (ver,) = struct.unpack_from("<H", info, p)
        p += 2
        if ver >= 5:
            ut, asz = info[p], info[p + 1]
            p += 2
            abbrev = int.from_bytes(info[p:p + osz], "little")
            p += osz
            if ut in (2, 6):
                p += 8 + osz
            elif ut in (4, 5):
                p += 8
        else:
            abbrev = int.from_bytes(info[p:p + osz], "little")
            p += osz
            asz = info[p]
            p += 1
        try:
            t = abbrevs.table(abbrev)
        except (IndexError, ValueError):
            t = -1
        for k, v in zip(cols, (pos, p, min(end, n), ver, asz, osz, t)):
            cols[k].append(v)
        if end <= pos:
            break
        pos = end
    return {k: np.asarray(v, dtype=np.int64) for k, v in cols.items()}


_LNCT_PATH, _LNCT_DIR = 1, 2


def _line_header(buf, off: int, comp_dir: str | None, strs: dict, files) -> dict | None:
    """One line program header: opcode parameters and its file ids."""
    (ln,) = struct.unpack_from("<I", buf, off)
    osz, p = 4, off + 4
    if ln == 0xFFFFFFFF:
        (ln,) = struct.unpack_from("<Q", buf, off + 4)
        osz, p = 8, off + 12
    end = p + ln
    (ver,) = struct.unpack_from("<H", buf, p)
    p += 2
    asz = 8
    if ver >= 5:
        asz = buf[p]
        p += 2
    hlen = int.from_bytes(buf[p:p + osz], "little")
    p += osz
    ops = p + hlen
    min_inst = buf[p]
    p += 1
    if ver >= 4:
        p += 1  # maximum_operations_per_instruction (VLIW only)
    default_is_stmt = buf[p]
    line_base = struct.unpack_from("<b", buf, p + 1)[0]
    line_range, opcode_base = buf[p + 2], buf[p + 3]
    p += 4
    std = bytes(buf[p:p + opcode_base - 1])
    p += opcode_base - 1
    dirs: list[str] = []
    entries: list[tuple[str, int]] = []
    if ver >= 5:
        for target in ("dirs", "files"):
            nfmt = buf[p]
            p += 1
            fmt = []
            for _ in range(nfmt):
                ct, p = _leb(buf, p)
                fm, p = _leb(buf, p)
                fmt.append((ct, fm))
            count, p = _leb(buf, p)
            if count > end - p or (count and not fmt):
                raise ValueError("line header entry count runs past the header")
            for _ in range(count):
                name, d = "", 0
                for ct, fm in fmt:
                    val, p = _form_value(buf, p, fm, osz, strs)
                    if ct == _LNCT_PATH:
                        name = val if isinstance(val, str) else ""
                    elif ct == _LNCT_DIR and isinstance(val, int):
                        d = val
                if target == "dirs":
                    dirs.append(name)
                else:
                    entries.append((name, d))
    else:
        while buf[p] != 0:
            s, p = _cstr(buf, p)
            dirs.append(s.decode("utf-8", "surrogateescape"))
        p += 1
        while buf[p] != 0:
            s, p = _cstr(buf, p)
            d, p = _leb(buf, p)
            _, p = _leb(buf, p)
            _, p = _leb(buf, p)
            entries.append((s.decode("utf-8", "surrogateescape"), d))
    ids = [files(join_path(ver, dirs, name, d, comp_dir)) for name, d in entries]
    return {"ops": ops, "end": min(end, len(buf)), "min_inst": min_inst, "line_base": line_base,
            "line_range": line_range, "opcode_base": opcode_base, "is_stmt": default_is_stmt, "asz": asz,
            "std": std, "ids": ids, "bias": 0 if ver >= 5 else 1}


def _form_value(buf, p: int, fm: int, osz: int, strs: dict):
    if fm == 0x08:  # string
        s, p = _cstr(buf, p)
        return s.decode("utf-8", "surrogateescape"), p
    if fm in (0x1F, 0x0E):  # line_strp, strp
        off = int.from_bytes(buf[p:p + osz], "little")
        sec = strs[".debug_line_str" if fm == 0x1F else ".debug_str"]
        end = bytes(sec[off:off + 4096]).find(b"\0")
        return bytes(sec[off:off + max(end, 0)]).decode("utf-8", "surrogateescape"), p + osz
    if fm in (0x0F,):
        return _leb(buf, p)
    sizes = {0x0B: 1, 0x05: 2, 0x06: 4, 0x07: 8, 0x1E: 16}
    if fm in sizes:
        n = sizes[fm]
        return int.from_bytes(buf[p:p + n], "little"), p + n
    if fm == 0x09:
        n, p = _leb(buf, p)
        return None, p + n
    raise ValueError(f"line header form {fm:#x}")


def read_dwarf_fast(obj: ElfObject) -> DwarfArrays | None:
    from crashpipe import _dwarf

    if not obj.little_endian or not obj.has_dwarf():
        return None
    secs = _section_bytes(obj)
    if secs is None or ".debug_info" not in secs or ".debug_abbrev" not in secs:
        return None
    info = np.frombuffer(secs[".debug_info"], dtype=np.uint8)
    ab = _Abbrevs(secs[".debug_abbrev"])
    u = _units(secs[".debug_info"], ab)
    ncu = u["off"].size
    i32 = lambda v: np.asarray(v, dtype=np.int32)  # noqa: E731
    code_off, code_n, code_map = np.asarray(ab.code_off, np.int64), i32(ab.code_n), i32(ab.code_map)
    ab_tag, ab_children = i32(ab.tag), np.asarray(ab.children, np.uint8)
    ab_attr_off, ab_nattr = np.asarray(ab.attr_off, np.int64), i32(ab.nattr)
    at_name, at_form, at_const = i32(ab.at_name), i32(ab.at_form), np.asarray(ab.at_const, np.int64)
    cu = {k: np.zeros(ncu, dt) for k, dt in (("stmt", np.uint64), ("stroff", np.uint64), ("addr", np.uint64),
                                              ("rng", np.uint64), ("ck", np.uint8), ("cv", np.uint64), ("bad", np.uint8))}
    cu["stmt"][:] = np.iinfo(np.uint64).max
    cap = max(1 << 16, info.size // 8)
    recs: dict[str, list[np.ndarray]] = {}
    specs = (("off", np.int64), ("tag", np.uint8), ("parent", np.int32), ("cu", np.int32), ("nk", np.uint8),
             ("nv", np.uint64), ("origin", np.int64), ("spec", np.int64), ("lk", np.uint8), ("lv", np.uint64),
             ("hk", np.uint8), ("hv", np.uint64), ("rk", np.uint8), ("rv", np.uint64), ("cf", np.int32), ("cl", np.int32))
    first, base = 0, 0
    while first < ncu:
        buf = {k: np.empty(cap, dt) for k, dt in specs}
        nxt, n = _dwarf.walk_units(
            info, u["off"], u["die"], u["end"], u["ver"].astype(np.uint8), u["asz"].astype(np.uint8),
            u["osz"].astype(np.uint8), u["table"].astype(np.int32), code_off, code_n, code_map, ab_tag, ab_children,
            ab_attr_off, ab_nattr, at_name, at_form, at_const, first,
            *(buf[k] for k, _ in specs), cu["stmt"], cu["stroff"], cu["addr"], cu["rng"], cu["ck"], cu["cv"], cu["bad"])
        if nxt == first:
            cap *= 2  # one unit larger than the buffer: retry bigger
            continue
        par = buf["parent"][:n]
        buf["parent"][:n] = np.where(par >= 0, par + base, -1)
        for k, _ in specs:
            recs.setdefault(k, []).append(buf[k][:n].copy())
        base += n
        first = nxt
    if cu["bad"].any():
        log.warning("%s: %d DWARF units abandoned (damaged or unsupported forms)", obj.path, int(cu["bad"].sum()))
    R = {k: (np.concatenate(v) if v else np.zeros(0, dt)) for (k, dt), v in zip(specs, (recs.get(k, []) for k, _ in specs))}
    return _assemble(obj, secs, u, cu, R)


def _cstrings(sec, offsets: np.ndarray) -> list[str]:
    """NUL-terminated strings at offsets of a (possibly memory-mapped) section."""
    if sec is None:
        return ["??"] * len(offsets)
    out = []
    n = len(sec)
    for off in offsets.tolist():
        if not 0 <= off < n:
            out.append("??")
            continue
        width = 256
        while True:
            chunk = bytes(sec[off:off + width])
            end = chunk.find(b"\0")
            if end >= 0 or off + width >= n or width >= 1 << 16:
                out.append((chunk if end < 0 else chunk[:end]).decode("utf-8", "surrogateescape"))
                break
            width *= 4
    return out


def _read_words(sec, pos: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Little-endian 4- or 8-byte words at pos (0 outside the section)."""
    raw = np.frombuffer(sec, dtype=np.uint8) if sec is not None else np.zeros(0, np.uint8)
    out = np.zeros(pos.size, dtype=np.uint64)
    for sz in (4, 8):
        m = (size == sz) & (pos >= 0) & (pos + sz <= raw.size)
        if m.any():
            p = pos[m].astype(np.int64)
            v = np.zeros(p.size, dtype=np.uint64)
            for i in range(sz):
                v |= raw[p + i].astype(np.uint64) << np.uint64(8 * i)
            out[m] = v
    return out


def _assemble(obj: ElfObject, secs: dict, u: dict, cu: dict, R: dict) -> DwarfArrays:
    names_out: dict[str, int] = {}
    files_ids: dict[str, int] = {}
    files_list: list[str] = []

    def fid(s: str) -> int:
        i = files_ids.get(s)
        if i is None:
            i = files_ids[s] = len(files_list)
            files_list.append(s)
        return i

    n = R["off"].size
    rcu = R["cu"].astype(np.int64)
    asz = u["asz"][rcu] if n else np.zeros(0, np.int64)
    osz = u["osz"][rcu] if n else np.zeros(0, np.int64)
    addr_sec = secs.get(".debug_addr")

    def addr_of(kind: np.ndarray, val: np.ndarray) -> np.ndarray:
        out = val.copy()
        ix = kind == K_INDEX
        if ix.any():
            pos = (cu["addr"][rcu[ix]] + val[ix] * asz[ix].astype(np.uint64)).astype(np.int64)
            out[ix] = _read_words(addr_sec, pos, asz[ix])
        return out

    low = addr_of(R["lk"], R["lv"])
    hk = R["hk"]
    high = np.where(hk == 3, R["hv"], np.where(hk == K_INDEX, addr_of(np.full(n, K_INDEX, np.uint8), R["hv"]), low + R["hv"]))
    has_lh = (R["lk"] != K_NONE) & (hk != K_NONE)
    # Unit base addresses (for range lists) and comp_dirs.
    is_cu = R["tag"] == T_CU
    cu_base = np.zeros(u["off"].size, np.uint64)
    cu_base[R["cu"][is_cu]] = np.where(R["lk"][is_cu] != K_NONE, low[is_cu], 0)
    comp_dirs = _comp_dirs(secs, cu, u)
    # Line programs, one per unit.
    line = secs.get(".debug_line")
    if line is not None:
        line = bytes(line)  # headers are parsed with bytes.index; tens of MiB at most
    progs: dict[int, dict] = {}
    cu_prog = np.full(u["off"].size, -1, np.int64)
    order: list[dict] = []
    if line is not None:
        strs = {".debug_str": secs.get(".debug_str", b""), ".debug_line_str": secs.get(".debug_line_str", b"")}
        for c in range(u["off"].size):
            so = int(cu["stmt"][c])
            if so >= len(line):
                continue
            if so not in progs:
                try:
                    h = _line_header(line, so, comp_dirs[c], strs, fid)
                except (IndexError, ValueError, struct.error) as e:
                    log.warning("%s: bad line program at %#x: %s", obj.path, so, e)
                    h = None
                progs[so] = h
                if h is not None:
                    h["index"] = len(order)
                    order.append(h)
            if progs[so] is not None:
                cu_prog[c] = progs[so]["index"]
    la, lf, ll, lfg, llg = _run_lines(line, order)
    # Names, following abstract_origin / specification links.
    name_id = _names(secs, R, u, cu, rcu, osz, names_out)
    # Nodes: subprograms and inlined calls with code.
    is_fn = (R["tag"] == T_SUB) | (R["tag"] == T_INL)
    ranged = is_fn & (R["rk"] != K_NONE)
    pieces_lo: list[np.ndarray] = []
    pieces_hi: list[np.ndarray] = []
    pieces_rec: list[np.ndarray] = []
    lh = is_fn & has_lh & ~ranged
    idx = np.flatnonzero(lh)
    pieces_lo.append(low[idx])
    pieces_hi.append(high[idx])
    pieces_rec.append(idx)
    rl, rh, rr = _ranges(secs, R, u, cu, cu_base, rcu, asz, osz, np.flatnonzero(ranged))
    pieces_lo.append(rl)
    pieces_hi.append(rh)
    pieces_rec.append(rr)
    plo, phi, prec = np.concatenate(pieces_lo), np.concatenate(pieces_hi), np.concatenate(pieces_rec)
    keep = phi > plo
    plo, phi, prec = plo[keep], phi[keep], prec[keep]
    is_node = np.zeros(n, bool)
    is_node[prec] = True
    node_of = np.full(n, -1, np.int64)
    nodes = np.flatnonzero(is_node)
    node_of[nodes] = np.arange(nodes.size)
    # Entry address: the first range listed (lowest piece for low/high).
    first_lo = np.zeros(n, np.uint64)
    o = np.argsort(prec, kind="stable")
    uniq, first_ix = np.unique(prec[o], return_index=True)
    first_lo[uniq] = plo[o][first_ix]
    par = R["parent"].astype(np.int64)
    inl = R["tag"][nodes] == T_INL
    node_parent = np.where(inl & (par[nodes] >= 0), node_of[np.maximum(par[nodes], 0)], -1)
    depth = np.zeros(nodes.size, np.int64)
    for _ in range(64):
        nd = np.where(node_parent >= 0, depth[np.maximum(node_parent, 0)] + 1, 0)
        if np.array_equal(nd, depth):
            break
        depth = nd
    # call_file -> file id through the unit's line program file table.
    cf = R["cf"][nodes].astype(np.int64)
    ncu_prog = cu_prog[rcu[nodes]]
    call_file = np.full(nodes.size, NO_FILE, np.int32)
    for k in np.flatnonzero(inl & (cf >= 0) & (ncu_prog >= 0)).tolist():
        h = order[int(ncu_prog[k])]
        j = int(cf[k]) - h["bias"]
        if 0 <= j < len(h["ids"]):
            call_file[k] = h["ids"][j]
    pieces = list(zip(plo.tolist(), phi.tolist(), depth[node_of[prec]].tolist(), node_of[prec].tolist()))
    seg_addr, seg_node = _flatten(pieces)
    names_list = [None] * len(names_out)
    for s, i in names_out.items():
        names_list[i] = s
    return DwarfArrays(
        la, lf, ll, lfg, llg, seg_addr, seg_node,
        node_parent.astype(np.int32), name_id[nodes].astype(np.int32), first_lo[nodes], inl,
        call_file, np.where(inl, R["cl"][nodes], 0).astype(np.int32), files_list, names_list,
    )


def _comp_dirs(secs: dict, cu: dict, u: dict) -> list[str | None]:
    out: list[str | None] = []
    for c in range(u["off"].size):
        k, v = int(cu["ck"][c]), int(cu["cv"][c])
        sec = {K_STRP: ".debug_str", K_LSTRP: ".debug_line_str", K_STR: ".debug_info"}.get(k)
        if k == K_INDEX:
            osz = int(u["osz"][c])
            pos = np.array([int(cu["stroff"][c]) + v * osz], np.int64)
            v = int(_read_words(secs.get(".debug_str_offsets"), pos, np.array([osz]))[0])
            sec = ".debug_str"
        if sec is None or secs.get(sec) is None:
            out.append(None)
            continue
        out.append(_cstrings(secs[sec], np.array([v], np.int64))[0])
    return out


def _run_lines(line, order: list[dict]):
    """All line programs -> (addr, file, line, file_gdb, line_gdb) per row address
    (`dwarf.pick_line_rows`)."""
    from crashpipe import _dwarf

    if not order:
        z = np.zeros(0, np.int32)
        return np.zeros(0, np.uint64), z, z, z, z
    k = len(order)
    starts = np.array([h["ops"] for h in order], np.int64)
    ends = np.array([h["end"] for h in order], np.int64)
    std = np.zeros(k * 256, np.uint8)
    fmap: list[int] = []
    foff = np.zeros(k, np.int64)
    fn = np.zeros(k, np.int32)
    for i, h in enumerate(order):
        std[i * 256 + 1:i * 256 + 1 + len(h["std"])] = np.frombuffer(h["std"], np.uint8)
        foff[i] = len(fmap)
        fn[i] = len(h["ids"])
        fmap.extend(h["ids"])
    cap = int(np.maximum(ends - starts, 0).sum()) + 16
    out_a = np.empty(cap, np.uint64)
    out_f = np.empty(cap, np.int32)
    out_l = np.empty(cap, np.int32)
    out_k = np.empty(cap, np.uint8)
    col = lambda key, dt: np.array([h[key] for h in order], dt)  # noqa: E731
    n, bad = _dwarf.run_line_programs(
        np.frombuffer(line, np.uint8), starts, ends, col("min_inst", np.uint8), col("line_base", np.int8),
        col("line_range", np.uint8), col("opcode_base", np.uint8), col("is_stmt", np.uint8), col("asz", np.uint8),
        std, np.asarray(fmap, np.int32), foff, fn, col("bias", np.int32), out_a, out_f, out_l, out_k)
    if bad:
        log.warning("%d line programs abandoned (damaged)", bad)
    a, f, ln, kind = out_a[:n], out_f[:n], out_l[:n], out_k[:n]
    f = np.where(f >= 0, f, NO_FILE).astype(np.int32)
    ln = np.where(f >= 0, ln, 0).astype(np.int32)
    return pick_line_rows(a, f, ln, kind)


def _names(secs: dict, R: dict, u: dict, cu: dict, rcu: np.ndarray, osz: np.ndarray, intern: dict) -> np.ndarray:
    n = R["off"].size
    nk, nv = R["nk"], R["nv"].copy()
    strx = nk == K_INDEX
    if strx.any():
        pos = (cu["stroff"][rcu[strx]] + nv[strx] * osz[strx].astype(np.uint64)).astype(np.int64)
        nv[strx] = _read_words(secs.get(".debug_str_offsets"), pos, osz[strx])
    kind = np.where(strx, K_STRP, nk)
    name_id = np.full(n, -1, np.int64)
    for k, sec in ((K_STRP, ".debug_str"), (K_LSTRP, ".debug_line_str"), (K_STR, ".debug_info")):
        m = np.flatnonzero(kind == k)
        if not m.size:
            continue
        offs = nv[m].astype(np.int64)
        uniq, inv = np.unique(offs, return_inverse=True)
        strs = _cstrings(secs.get(sec), uniq)
        ids = np.array([intern.setdefault(s, len(intern)) for s in strs], np.int64)
        name_id[m] = ids[inv]
    # Inherit through abstract_origin, then specification (a few hops at most).
    offs = R["off"]
    for link in ("origin", "spec"):
        tgt = R[link]
        j = np.searchsorted(offs, tgt)
        jc = np.minimum(j, max(n - 1, 0))
        ok = (tgt >= 0) & (j < n) & (offs[jc] == tgt) if n else np.zeros(0, bool)
        R[link + "_rec"] = np.where(ok, jc, -1)
    for _ in range(8):
        changed = False
        for link in ("origin_rec", "spec_rec"):
            lk = R[link]
            m = (name_id < 0) & (lk >= 0)
            if m.any():
                new = name_id[lk[m]]
                if (new >= 0).any():
                    changed = True
                name_id[m] = new
        if not changed:
            break
    unknown = name_id < 0
    if unknown.any():
        name_id[unknown] = intern.setdefault("??", len(intern))
    return name_id


def _ranges(secs: dict, R: dict, u: dict, cu: dict, cu_base: np.ndarray, rcu: np.ndarray, asz: np.ndarray,
            osz: np.ndarray, recs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng5 = secs.get(".debug_rnglists")
    rng4 = secs.get(".debug_ranges")
    addr = secs.get(".debug_addr")
    lo: list[int] = []
    hi: list[int] = []
    rr: list[int] = []
    r5 = bytes(rng5) if rng5 is not None else b""
    r4 = bytes(rng4) if rng4 is not None else b""
    ad = bytes(addr) if addr is not None else b""
    ver = u["ver"]
    for k in recs.tolist():
        c = int(rcu[k])
        a_sz, o_sz = int(asz[k]), int(osz[k])
        base = int(cu_base[c])
        val = int(R["rv"][k])
        try:
            if ver[c] >= 5:
                if R["rk"][k] == K_INDEX:
                    b = int(cu["rng"][c])
                    val = b + int.from_bytes(r5[b + val * o_sz:b + val * o_sz + o_sz], "little")
                _rnglist5(r5, val, base, a_sz, ad, int(cu["addr"][c]), k, lo, hi, rr)
            else:
                _ranges4(r4, val, base, a_sz, k, lo, hi, rr)
        except (IndexError, ValueError):
            continue
    return np.asarray(lo, np.uint64), np.asarray(hi, np.uint64), np.asarray(rr, np.int64)


def _rnglist5(buf: bytes, p: int, base: int, asz: int, ad: bytes, addr_base: int, k: int, lo, hi, rr) -> None:
    def ax(i: int) -> int:
        q = addr_base + i * asz
        return int.from_bytes(ad[q:q + asz], "little")

    for _ in range(1 << 16):
        kind = buf[p]
        p += 1
        if kind == 0:
            return
        if kind == 1:
            i, p = _leb(buf, p)
            base = ax(i)
        elif kind == 2:
            i, p = _leb(buf, p)
            j, p = _leb(buf, p)
            lo.append(ax(i)), hi.append(ax(j)), rr.append(k)
        elif kind == 3:
            i, p = _leb(buf, p)
            n, p = _leb(buf, p)
            s = ax(i)
            lo.append(s), hi.append(s + n), rr.append(k)
        elif kind == 4:
            a, p = _leb(buf, p)
            b, p = _leb(buf, p)
            lo.append(base + a), hi.append(base + b), rr.append(k)
        elif kind == 5:
            base = int.from_bytes(buf[p:p + asz], "little")
            p += asz
        elif kind == 6:
            a = int.from_bytes(buf[p:p + asz], "little")
            b = int.from_bytes(buf[p + asz:p + 2 * asz], "little")
            p += 2 * asz
            lo.append(a), hi.append(b), rr.append(k)
        elif kind == 7:
            a = int.from_bytes(buf[p:p + asz], "little")
            p += asz
            n, p = _leb(buf, p)
            lo.append(a), hi.append(a + n), rr.append(k)
        else:
            raise ValueError(f"range list entry {kind}")


def _ranges4(buf: bytes, p: int, base: int, asz: int, k: int, lo, hi, rr) -> None:
    top = (1 << (8 * asz)) - 1
    for _ in range(1 << 16):
        a = int.from_bytes(buf[p:p + asz], "little")
        b = int.from_bytes(buf[p + asz:p + 2 * asz], "little")
        if len(buf) < p + 2 * asz:
            raise ValueError("truncated range list")
        p += 2 * asz
        if a == 0 and b == 0:
            return
        if a == top:
            base = b
            continue
        lo.append(base + a), hi.append(base + b), rr.append(k)
