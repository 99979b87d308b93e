# cython: language_level=3
"""Bulk DWARF decoding loops: .debug_line programs into row arrays, and a walk over
.debug_info that records every subprogram / inlined-subroutine DIE.

The pure-Python twin is `crashpipe.symbols.dwarf` (pyelftools' decoder); the tests
check both give the same tables.  Headers, abbreviation tables, string and range-list
resolution stay in Python (`crashpipe.symbols.dwarf_fast`): they are small.  Only the
per-byte loops live here.  Every read goes through a bounds-checked reader; a unit
that runs past its end is abandoned and counted, never read beyond.  Little-endian
only (the caller falls back to the twin for big-endian objects).
"""
from libc.stdint cimport uint8_t, int8_t, int32_t, int64_t, uint64_t

# DW_FORM_* values
DEF F_addr = 0x01
DEF F_block2 = 0x03
DEF F_block4 = 0x04
DEF F_data2 = 0x05
DEF F_data4 = 0x06
DEF F_data8 = 0x07
DEF F_string = 0x08
DEF F_block = 0x09
DEF F_block1 = 0x0a
DEF F_data1 = 0x0b
DEF F_flag = 0x0c
DEF F_sdata = 0x0d
DEF F_strp = 0x0e
DEF F_udata = 0x0f
DEF F_ref_addr = 0x10
DEF F_ref1 = 0x11
DEF F_ref2 = 0x12
DEF F_ref4 = 0x13
DEF F_ref8 = 0x14
DEF F_ref_udata = 0x15
DEF F_indirect = 0x16
DEF F_sec_offset = 0x17
DEF F_exprloc = 0x18
DEF F_flag_present = 0x19
DEF F_strx = 0x1a
DEF F_addrx = 0x1b
DEF F_ref_sup4 = 0x1c
DEF F_strp_sup = 0x1d
DEF F_data16 = 0x1e
DEF F_line_strp = 0x1f
DEF F_ref_sig8 = 0x20
DEF F_implicit_const = 0x21
DEF F_loclistx = 0x22
DEF F_rnglistx = 0x23
DEF F_ref_sup8 = 0x24
DEF F_strx1 = 0x25
DEF F_strx2 = 0x26
DEF F_strx3 = 0x27
DEF F_strx4 = 0x28
DEF F_addrx1 = 0x29
DEF F_addrx2 = 0x2a
DEF F_addrx3 = 0x2b
DEF F_addrx4 = 0x2c
DEF F_GNU_addr_index = 0x1f01
DEF F_GNU_str_index = 0x1f02
DEF F_GNU_ref_alt = 0x1f20
DEF F_GNU_strp_alt = 0x1f21

# DW_AT_* values we keep
DEF A_name = 0x03
DEF A_stmt_list = 0x10
DEF A_low_pc = 0x11
DEF A_high_pc = 0x12
DEF A_comp_dir = 0x1b
DEF A_abstract_origin = 0x31
DEF A_specification = 0x47
DEF A_ranges = 0x55
DEF A_call_file = 0x58
DEF A_call_line = 0x59
DEF A_str_offsets_base = 0x72
DEF A_addr_base = 0x73
DEF A_rnglists_base = 0x74
DEF A_GNU_ranges_base = 0x2132

# record tags
DEF T_CU = 0
DEF T_SUB = 1
DEF T_INL = 2

# value kinds
DEF K_NONE = 0
DEF K_VAL = 1      # a plain value (address, offset, constant)
DEF K_INDEX = 2    # an index (addrx/strx/rnglistx) resolved through a base
DEF K_STR = 3      # offset of an inline string in .debug_info
DEF K_STRP = 4     # offset into .debug_str
DEF K_LSTRP = 5    # offset into .debug_line_str
DEF K_OTHER = 6    # a form we do not resolve

DEF MAX_DEPTH = 1024


cdef struct Reader:
    const uint8_t *p
    int64_t pos
    int64_t end
    int bad


cdef inline uint64_t rd(Reader *r, int n) noexcept nogil:
    cdef uint64_t v = 0
    cdef int i
    if r.pos < 0 or r.pos + n > r.end:
        r.bad = 1
        r.pos = r.end
        return 0
    for i in range(n):
        v |= (<uint64_t>r.p[r.pos + i]) << (8 * i)
    r.pos += n
    return v


cdef inline uint64_t uleb(Reader *r) noexcept nogil:
    cdef uint64_t v = 0
    cdef int shift = 0
    cdef uint8_t b
    while True:
        if r.pos >= r.end:
            r.bad = 1
            return v
        b = r.p[r.pos]
        r.pos += 1
        if shift < 64:
            v |= (<uint64_t>(b & 0x7f)) << shift
        shift += 7
        if not (b & 0x80):
            return v


cdef inline int64_t sleb(Reader *r) noexcept nogil:
    cdef uint64_t v = 0
    cdef int shift = 0
    cdef uint8_t b = 0
    while True:
        if r.pos >= r.end:
            r.bad = 1
            return <int64_t>v
        b = r.p[r.pos]
        r.pos += 1
        if shift < 64:
            v |= (<uint64_t>(b & 0x7f)) << shift
        shift += 7
        if not (b & 0x80):
            break
    if shift < 64 and (b & 0x40):
        v |= (~(<uint64_t>0)) << shift
    return <int64_t>v


cdef inline void skip(Reader *r, int64_t n) noexcept nogil:
    if n < 0 or r.pos + n > r.end:
        r.bad = 1
        r.pos = r.end
    else:
        r.pos += n


cdef inline void skip_cstr(Reader *r) noexcept nogil:
    while r.pos < r.end and r.p[r.pos] != 0:
        r.pos += 1
    if r.pos >= r.end:
        r.bad = 1
    else:
        r.pos += 1


def run_line_programs(const uint8_t[::1] sec,
                      const int64_t[::1] ops_start, const int64_t[::1] ops_end,
                      const uint8_t[::1] min_inst, const int8_t[::1] line_base, const uint8_t[::1] line_range,
                      const uint8_t[::1] opcode_base, const uint8_t[::1] default_is_stmt, const uint8_t[::1] addr_size,
                      const uint8_t[::1] std_lengths,  # 256 per program
                      const int32_t[::1] file_map, const int64_t[::1] file_off, const int32_t[::1] file_n,
                      const int32_t[::1] file_bias,
                      uint64_t[::1] out_addr, int32_t[::1] out_file, int32_t[::1] out_line, uint8_t[::1] out_kind):
    """Run every line program's opcodes; rows go to out_* (kind 0 = end_sequence,
    1 = row with is_stmt false, 2 = row with is_stmt true; is_stmt starts at the
    header's default_is_stmt in every sequence and DW_LNS_negate_stmt flips it), with
    binutils' rule that rows at their own sequence's end address cover nothing and are
    dropped.  Returns (rows written, programs abandoned)."""
    cdef Py_ssize_t nprog = ops_start.shape[0]
    cdef Py_ssize_t cap = out_addr.shape[0]
    cdef Py_ssize_t n = 0, seq_start = 0, k
    cdef int64_t bad = 0
    cdef Reader r
    cdef uint64_t addr, ext_len
    cdef int64_t line, fidx, adj
    cdef int32_t fid
    cdef uint8_t op, sub, ob, lr, mi, nargs
    cdef int64_t ext_end, j
    cdef int asz
    cdef uint8_t stmt, dstmt, row
    with nogil:
        for k in range(nprog):
            r.p = &sec[0]
            r.pos = ops_start[k]
            r.end = ops_end[k]
            r.bad = 0
            if r.end > sec.shape[0] or r.pos < 0 or line_range[k] == 0:
                bad += 1
                continue
            ob = opcode_base[k]
            lr = line_range[k]
            mi = min_inst[k]
            asz = addr_size[k]
            dstmt = 1 if default_is_stmt[k] else 0
            stmt = dstmt
            addr = 0
            line = 1
            fidx = 1
            seq_start = n
            while r.pos < r.end and not r.bad:
                if n + 1 >= cap:
                    r.bad = 1
                    break
                op = r.p[r.pos]
                r.pos += 1
                row = 0
                if op >= ob:
                    adj = op - ob
                    addr += mi * (adj // lr)
                    line += line_base[k] + (adj % lr)
                    row = 1
                elif op == 0:
                    ext_len = uleb(&r)
                    ext_end = r.pos + <int64_t>ext_len
                    if ext_len == 0 or ext_end > r.end:
                        r.bad = 1
                        break
                    sub = <uint8_t>rd(&r, 1)
                    if sub == 1:  # end_sequence
                        while n > seq_start and out_addr[n - 1] == addr:
                            n -= 1
                        out_addr[n] = addr
                        out_file[n] = -1
                        out_line[n] = 0
                        out_kind[n] = 0
                        n += 1
                        seq_start = n
                        addr = 0
                        line = 1
                        fidx = 1
                        stmt = dstmt
                    elif sub == 2:  # set_address
                        addr = rd(&r, asz if ext_len - 1 >= <uint64_t>asz else <int>(ext_len - 1))
                    r.pos = ext_end
                elif op == 1:  # copy
                    row = 1
                elif op == 2:
                    addr += mi * uleb(&r)
                elif op == 3:
                    line += sleb(&r)
                elif op == 4:
                    fidx = <int64_t>uleb(&r)
                elif op == 6:  # negate_stmt
                    stmt = 1 - stmt
                elif op == 8:  # const_add_pc
                    addr += mi * ((255 - ob) // lr)
                elif op == 9:  # fixed_advance_pc
                    addr += rd(&r, 2)
                else:
                    nargs = std_lengths[k * 256 + op]
                    for j in range(nargs):
                        uleb(&r)
                if row:  # a special opcode or DW_LNS_copy appends a row
                    fid = -1
                    j = fidx - file_bias[k]
                    if 0 <= j < file_n[k]:
                        fid = file_map[file_off[k] + j]
                    out_addr[n] = addr
                    out_file[n] = fid
                    out_line[n] = <int32_t>line
                    out_kind[n] = 1 + stmt
                    n += 1
            if r.bad:
                bad += 1
                # Keep what decoded cleanly up to the last complete sequence.
                n = seq_start
    return n, bad


def walk_units(const uint8_t[::1] info,
               const int64_t[::1] cu_off, const int64_t[::1] cu_die_start, const int64_t[::1] cu_end,
               const uint8_t[::1] cu_version, const uint8_t[::1] cu_addr_size, const uint8_t[::1] cu_offset_size,
               const int32_t[::1] cu_table,
               const int64_t[::1] code_off, const int32_t[::1] code_n, const int32_t[::1] code_map,
               const int32_t[::1] ab_tag, const uint8_t[::1] ab_children, const int64_t[::1] ab_attr_off,
               const int32_t[::1] ab_nattr,
               const int32_t[::1] at_name, const int32_t[::1] at_form, const int64_t[::1] at_const,
               Py_ssize_t first_cu,
               int64_t[::1] rec_off, uint8_t[::1] rec_tag, int32_t[::1] rec_parent, int32_t[::1] rec_cu,
               uint8_t[::1] name_kind, uint64_t[::1] name_val,
               int64_t[::1] origin, int64_t[::1] spec,
               uint8_t[::1] low_kind, uint64_t[::1] low_val,
               uint8_t[::1] high_kind, uint64_t[::1] high_val,
               uint8_t[::1] rng_kind, uint64_t[::1] rng_val,
               int32_t[::1] call_file, int32_t[::1] call_line,
               uint64_t[::1] cu_stmt_list, uint64_t[::1] cu_str_off_base, uint64_t[::1] cu_addr_base,
               uint64_t[::1] cu_rnglists_base, uint8_t[::1] cu_comp_kind, uint64_t[::1] cu_comp_val,
               uint8_t[::1] cu_bad):
    """Walk units from first_cu on, writing one record per unit DIE, subprogram and
    inlined subroutine (tags resolved to T_CU/T_SUB/T_INL by the caller's ab_tag).
    Stops before a unit that might not fit in the remaining capacity.
    Returns (next unit to walk, records written)."""
    cdef Py_ssize_t ncu = cu_off.shape[0]
    cdef Py_ssize_t cap = rec_off.shape[0]
    cdef Py_ssize_t n = 0, c, e, a
    cdef Reader r
    cdef int32_t stack[MAX_DEPTH]
    cdef int depth
    cdef uint64_t code, v
    cdef int32_t tag, parent_rec, t
    cdef int form, attr, vk
    cdef int64_t die_off
    cdef int osz, asz, ver
    cdef Py_ssize_t rec
    c = first_cu
    with nogil:
        while c < ncu:
            if cap - n < (cu_end[c] - cu_die_start[c]) + 1:
                break
            r.p = &info[0]
            r.pos = cu_die_start[c]
            r.end = cu_end[c] if cu_end[c] <= info.shape[0] else info.shape[0]
            r.bad = 0
            osz = cu_offset_size[c]
            asz = cu_addr_size[c]
            ver = cu_version[c]
            t = cu_table[c]
            depth = 0
            stack[0] = -1
            while r.pos < r.end and not r.bad:
                die_off = r.pos
                code = uleb(&r)
                if code == 0:
                    if depth > 0:
                        depth -= 1
                    if depth == 0:
                        break
                    continue
                if t < 0 or code >= <uint64_t>code_n[t] or code_map[code_off[t] + code] < 0:
                    r.bad = 1
                    break
                e = code_map[code_off[t] + code]
                tag = ab_tag[e]
                rec = -1
                if tag >= 0:
                    rec = n
                    n += 1
                    rec_off[rec] = die_off
                    rec_tag[rec] = <uint8_t>tag
                    rec_parent[rec] = stack[depth] if tag == T_INL else -1
                    rec_cu[rec] = <int32_t>c
                    name_kind[rec] = K_NONE
                    origin[rec] = -1
                    spec[rec] = -1
                    low_kind[rec] = K_NONE
                    high_kind[rec] = K_NONE
                    rng_kind[rec] = K_NONE
                    call_file[rec] = -1
                    call_line[rec] = 0
                for a in range(ab_attr_off[e], ab_attr_off[e] + ab_nattr[e]):
                    attr = at_name[a]
                    form = at_form[a]
                    if form == F_indirect:
                        form = <int>uleb(&r)
                    v = 0
                    vk = K_VAL
                    if form == F_addr:
                        v = rd(&r, asz)
                    elif form == F_data1 or form == F_ref1 or form == F_flag or form == F_strx1 or form == F_addrx1:
                        v = rd(&r, 1)
                        if form == F_strx1 or form == F_addrx1:
                            vk = K_INDEX
                    elif form == F_data2 or form == F_ref2 or form == F_strx2 or form == F_addrx2:
                        v = rd(&r, 2)
                        if form == F_strx2 or form == F_addrx2:
                            vk = K_INDEX
                    elif form == F_strx3 or form == F_addrx3:
                        v = rd(&r, 3)
                        vk = K_INDEX
                    elif form == F_data4 or form == F_ref4 or form == F_ref_sup4 or form == F_strx4 or form == F_addrx4:
                        v = rd(&r, 4)
                        if form == F_strx4 or form == F_addrx4:
                            vk = K_INDEX
                    elif form == F_data8 or form == F_ref8 or form == F_ref_sig8 or form == F_ref_sup8:
                        v = rd(&r, 8)
                    elif form == F_data16:
                        skip(&r, 16)
                        vk = K_OTHER
                    elif form == F_sdata:
                        v = <uint64_t>sleb(&r)
                    elif form == F_udata or form == F_ref_udata:
                        v = uleb(&r)
                    elif form == F_strx or form == F_addrx or form == F_rnglistx or form == F_loclistx \
                            or form == F_GNU_addr_index or form == F_GNU_str_index:
                        v = uleb(&r)
                        vk = K_INDEX
                    elif form == F_strp:
                        v = rd(&r, osz)
                        vk = K_STRP
                    elif form == F_line_strp:
                        v = rd(&r, osz)
                        vk = K_LSTRP
                    elif form == F_sec_offset or form == F_strp_sup or form == F_GNU_ref_alt or form == F_GNU_strp_alt:
                        v = rd(&r, osz)
                        if form != F_sec_offset:
                            vk = K_OTHER
                    elif form == F_ref_addr:
                        v = rd(&r, osz if ver >= 3 else asz)
                    elif form == F_string:
                        v = <uint64_t>r.pos
                        skip_cstr(&r)
                        vk = K_STR
                    elif form == F_block1:
                        skip(&r, <int64_t>rd(&r, 1))
                        vk = K_OTHER
                    elif form == F_block2:
                        skip(&r, <int64_t>rd(&r, 2))
                        vk = K_OTHER
                    elif form == F_block4:
                        skip(&r, <int64_t>rd(&r, 4))
                        vk = K_OTHER
                    elif form == F_block or form == F_exprloc:
                        skip(&r, <int64_t>uleb(&r))
                        vk = K_OTHER
                    elif form == F_flag_present:
                        v = 1
                    elif form == F_implicit_const:
                        v = <uint64_t>at_const[a]
                    else:
                        r.bad = 1  # unknown form: the rest of the unit cannot be parsed
                        break
                    if rec < 0:
                        continue
                    if attr == A_name:
                        name_kind[rec] = vk if vk != K_VAL else K_OTHER
                        name_val[rec] = v
                    elif attr == A_abstract_origin or attr == A_specification:
                        if form == F_ref_addr:
                            v = v
                        elif form == F_ref1 or form == F_ref2 or form == F_ref4 or form == F_ref8 or form == F_ref_udata:
                            v = v + <uint64_t>cu_off[c]
                        else:
                            continue
                        if attr == A_abstract_origin:
                            origin[rec] = <int64_t>v
                        else:
                            spec[rec] = <int64_t>v
                    elif attr == A_low_pc:
                        low_kind[rec] = vk
                        low_val[rec] = v
                    elif attr == A_high_pc:
                        # class address -> K_VAL+1 marks "absolute", constant -> offset
                        if form == F_addr:
                            high_kind[rec] = 3
                        elif vk == K_INDEX:
                            high_kind[rec] = K_INDEX
                        else:
                            high_kind[rec] = K_VAL
                        high_val[rec] = v
                    elif attr == A_ranges:
                        rng_kind[rec] = K_INDEX if form == F_rnglistx else K_VAL
                        rng_val[rec] = v
                    elif attr == A_call_file:
                        call_file[rec] = <int32_t>v
                    elif attr == A_call_line:
                        call_line[rec] = <int32_t>v
                    elif tag == T_CU:
                        if attr == A_stmt_list:
                            cu_stmt_list[c] = v
                        elif attr == A_str_offsets_base:
                            cu_str_off_base[c] = v
                        elif attr == A_addr_base:
                            cu_addr_base[c] = v
                        elif attr == A_rnglists_base or attr == A_GNU_ranges_base:
                            cu_rnglists_base[c] = v
                        elif attr == A_comp_dir:
                            cu_comp_kind[c] = <uint8_t>vk
                            cu_comp_val[c] = v
                if r.bad:
                    break
                if ab_children[e]:
                    if depth + 1 >= MAX_DEPTH:
                        r.bad = 1
                        break
                    depth += 1
                    stack[depth] = <int32_t>rec if (rec >= 0 and tag != T_CU) else stack[depth - 1]
            if r.bad:
                cu_bad[c] = 1
            c += 1
    return c, n
