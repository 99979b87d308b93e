# cython: language_level=3
"""The unwind loop: walks a batch of raw stack dumps into flat output arrays.

Same signature and the same frames as the pure-Python twin `crashpipe.unwind_py`
(read that first: it is the specification).  Here the loop runs without the GIL over
typed `const` memoryviews, so it can walk read-only memory-mapped Arrow buffers without
a copy.  It never branches on an architecture's name: each dump's ABI is a row of
numbers (`crashpipe.arch.abi_table()`).

Every read of stack memory goes through `cp_rd`, after an explicit inside-the-dump
check; in the debug build (CRASHPIPE_CYTHON_DEBUG=1) `cp_rd` also re-checks against the
whole buffer and reports a violation as IndexError, and Cython's own bounds checks are
on, which is what the property tests run against.
"""
from libc.stdint cimport uint8_t, int32_t, int64_t, uint64_t

cdef extern from *:
    """
    #include <string.h>
    #include <stdint.h>
    static int cp_oob = 0;
    static inline uint64_t cp_rd(const uint8_t *p, int64_t nd, int64_t off, int ws, int big) {
    #ifdef CRASHPIPE_DEBUG
        if (off < 0 || off + ws > nd) { cp_oob = 1; return 0; }
    #endif
        if (ws == 8) {
            uint64_t v; memcpy(&v, p + off, 8);
            return big ? __builtin_bswap64(v) : v;
        } else {
            uint32_t w; memcpy(&w, p + off, 4);
            return big ? (uint64_t)__builtin_bswap32(w) : (uint64_t)w;
        }
    }
    """
    int cp_oob
    uint64_t cp_rd(const uint8_t *p, int64_t nd, int64_t off, int ws, int big) noexcept nogil

# Keep in step with crashpipe.arch COL_* and crashpipe.unwind_py constants.
DEF C_WORD = 0
DEF C_BIG = 1
DEF C_PREV_FP = 2
DEF C_RA = 3
DEF C_HAS_LEAF = 4
DEF C_LEAF_PREV_FP = 5
DEF C_RA_MASK = 6
DEF C_ALIGN = 7
DEF C_CODE_ALIGN = 10

DEF F_IP = 1
DEF F_SP = 2
DEF F_FP = 4
DEF F_LR = 8

DEF M_REGS = 1
DEF M_FP = 2
DEF M_SCAN = 4

DEF S_NO_FP = 0
DEF S_FP_ZERO = 1
DEF S_MISALIGNED = 2
DEF S_NOT_INCREASING = 3
DEF S_OUTSIDE = 4
DEF S_RA_ZERO = 5
DEF S_RA_NOT_TEXT = 6
DEF S_CAP = 7


def abi_version():
    return 1


cdef inline bint in_text(uint64_t v, const uint64_t *lo, const uint64_t *hi, int64_t t0, int64_t t1) noexcept nogil:
    cdef int64_t a = t0, b = t1, m
    while a < b:
        m = (a + b) >> 1
        if lo[m] <= v:
            a = m + 1
        else:
            b = m
    return a > t0 and v < hi[a - 1]


def walk_batch(const uint8_t[::1] data, const int64_t[::1] offsets, const uint8_t[::1] abi_ids,
               const uint64_t[::1] base, const uint64_t[::1] ip, const uint64_t[::1] sp,
               const uint64_t[::1] fp, const uint64_t[::1] lr, const uint8_t[::1] flags,
               const int64_t[:, ::1] abi, const uint64_t[::1] text_lo, const uint64_t[::1] text_hi,
               const int64_t[::1] text_off, const int32_t[::1] text_set,
               Py_ssize_t first, Py_ssize_t last, Py_ssize_t pos, Py_ssize_t max_frames, bint do_scan,
               uint64_t[::1] out_addr, uint64_t[::1] out_slot, uint64_t[::1] out_ffp,
               uint8_t[::1] out_method, uint8_t[::1] out_reliable, int64_t[::1] out_start,
               int64_t[::1] out_count, uint8_t[::1] out_stop, uint64_t[::1] out_stop_fp):
    """See crashpipe.unwind_py.walk_batch (same contract)."""
    cdef Py_ssize_t nd = offsets.shape[0] - 1
    if first < 0 or last > nd or first > last or max_frames < 1 or pos < 0:
        raise ValueError("bad dump range")
    if last > first:
        if min(abi_ids.shape[0], base.shape[0], ip.shape[0], sp.shape[0], fp.shape[0], lr.shape[0],
               flags.shape[0], text_set.shape[0]) < last:
            raise ValueError("per-dump arrays shorter than the dump range")
        if min(out_start.shape[0], out_count.shape[0], out_stop.shape[0], out_stop_fp.shape[0]) < last:
            raise ValueError("per-dump output arrays shorter than the dump range")
    cdef Py_ssize_t cap_out = out_addr.shape[0]
    if min(out_slot.shape[0], out_ffp.shape[0], out_method.shape[0], out_reliable.shape[0]) < cap_out:
        raise ValueError("output arrays of unequal length")
    if abi.shape[1] < 11:
        raise ValueError("abi table too narrow")
    cdef int64_t n_abi = abi.shape[0]
    cdef int64_t n_sets = text_off.shape[0] - 1
    cdef int64_t n_text = text_lo.shape[0]
    if text_hi.shape[0] != n_text:
        raise ValueError("text_lo/text_hi differ in length")
    cdef int64_t n_data = data.shape[0]
    cdef const uint8_t *dp = &data[0] if n_data > 0 else NULL
    cdef const uint64_t *lo = &text_lo[0] if n_text > 0 else NULL
    cdef const uint64_t *hi = &text_hi[0] if n_text > 0 else NULL
    cdef Py_ssize_t i = first, j
    # Validate the dumps' descriptors once, here, so the nogil loop may trust them.
    for j in range(first, last):
        if offsets[j] < 0 or offsets[j + 1] < offsets[j] or offsets[j + 1] > n_data:
            raise ValueError(f"dump {j}: offsets outside the data buffer")
        if abi_ids[j] >= n_abi:
            raise ValueError(f"dump {j}: unknown abi id {abi_ids[j]}")
        if abi[abi_ids[j], C_WORD] != 4 and abi[abi_ids[j], C_WORD] != 8:
            raise ValueError(f"dump {j}: word size must be 4 or 8")
        if abi[abi_ids[j], C_ALIGN] < 1 or abi[abi_ids[j], C_CODE_ALIGN] < 1:
            raise ValueError(f"dump {j}: alignments must be positive")
        if text_set[j] >= n_sets:
            raise ValueError(f"dump {j}: text set out of range")
        if text_set[j] >= 0 and (text_off[text_set[j]] < 0 or text_off[text_set[j] + 1] > n_text
                                 or text_off[text_set[j]] > text_off[text_set[j] + 1]):
            raise ValueError(f"dump {j}: text set outside the text arrays")
        if base[j] + <uint64_t>(offsets[j + 1] - offsets[j]) < base[j]:
            raise ValueError(f"dump {j}: base + length overflows 64 bits")
    global cp_oob
    cp_oob = 0
    with nogil:
        i, pos = _walk(dp, n_data, &offsets[0], abi_ids, base, ip, sp, fp, lr, flags, abi, lo, hi,
                       text_off, text_set, first, last, pos, max_frames, do_scan, cap_out,
                       out_addr, out_slot, out_ffp, out_method, out_reliable,
                       out_start, out_count, out_stop, out_stop_fp)
    if cp_oob:
        raise IndexError("unwind loop read outside its buffer")
    return i, pos


cdef (Py_ssize_t, Py_ssize_t) _walk(
        const uint8_t *dp, int64_t n_data, const int64_t *offsets, const uint8_t[::1] abi_ids,
        const uint64_t[::1] base, const uint64_t[::1] ip, const uint64_t[::1] sp,
        const uint64_t[::1] fp, const uint64_t[::1] lr, const uint8_t[::1] flags,
        const int64_t[:, ::1] abi, const uint64_t *lo, const uint64_t *hi,
        const int64_t[::1] text_off, const int32_t[::1] text_set,
        Py_ssize_t first, Py_ssize_t last, Py_ssize_t pos, Py_ssize_t max_frames, bint do_scan,
        Py_ssize_t cap_out,
        uint64_t[::1] out_addr, uint64_t[::1] out_slot, uint64_t[::1] out_ffp,
        uint8_t[::1] out_method, uint8_t[::1] out_reliable, int64_t[::1] out_start,
        int64_t[::1] out_count, uint8_t[::1] out_stop, uint64_t[::1] out_stop_fp) noexcept nogil:
    cdef Py_ssize_t i = first, n, k, nw, slot_i, slot_first, slot_last
    cdef int ws, big, has_leaf, leaf, fl, method
    cdef int64_t prev_off, ra_off, leaf_off, d0, nb, t0, t1, o, o_ra, o_fp, s
    cdef uint64_t mask, align, calign, b, end, cur, ra, nfp, v, a, slot, stop_fp, tmin, tmax
    cdef uint8_t stop
    cdef bint first_step, lr_used
    while i < last:
        if pos + max_frames > cap_out:
            break
        out_start[i] = pos
        ws = <int>abi[abi_ids[i], C_WORD]
        big = <int>abi[abi_ids[i], C_BIG]
        prev_off = abi[abi_ids[i], C_PREV_FP]
        ra_off = abi[abi_ids[i], C_RA]
        has_leaf = <int>abi[abi_ids[i], C_HAS_LEAF]
        leaf_off = abi[abi_ids[i], C_LEAF_PREV_FP]
        mask = <uint64_t>abi[abi_ids[i], C_RA_MASK]
        align = <uint64_t>abi[abi_ids[i], C_ALIGN]
        calign = <uint64_t>abi[abi_ids[i], C_CODE_ALIGN]
        d0 = offsets[i]
        nb = offsets[i + 1] - d0
        b = base[i]
        end = b + <uint64_t>nb
        fl = flags[i]
        s = text_set[i]
        if s >= 0:
            t0 = text_off[s]
            t1 = text_off[s + 1]
        else:
            t0 = 0
            t1 = 0
        n = 0
        slot_first = pos  # fp frames' slots are out_slot[pos..] with method M_FP, increasing
        cur = fp[i] if fl & F_FP else 0
        if fl & F_IP:
            out_addr[pos] = ip[i]; out_slot[pos] = 0; out_ffp[pos] = cur
            out_method[pos] = M_REGS; out_reliable[pos] = 1
            n = 1
        stop = S_NO_FP
        stop_fp = 0
        lr_used = False
        if fl & F_FP:
            first_step = True
            while True:
                stop_fp = cur
                if n >= max_frames:
                    stop = S_CAP
                    break
                if cur == 0:
                    stop = S_FP_ZERO
                    break
                if cur % align:
                    stop = S_MISALIGNED
                    break
                leaf = 0
                if first_step and has_leaf and fl & F_LR:
                    o = <int64_t>(cur + <uint64_t>leaf_off - b)
                    if nb >= ws and <uint64_t>o <= <uint64_t>(nb - ws):
                        v = cp_rd(dp, n_data, d0 + o, ws, big)
                        if cur < v and v <= end and v % align == 0:
                            leaf = 1
                            nfp = v
                if leaf:
                    ra = lr[i]
                    slot = 0
                    method = M_REGS
                else:
                    slot = cur + <uint64_t>ra_off
                    o_ra = <int64_t>(slot - b)
                    o_fp = <int64_t>(cur + <uint64_t>prev_off - b)
                    if nb < ws or <uint64_t>o_ra > <uint64_t>(nb - ws) or <uint64_t>o_fp > <uint64_t>(nb - ws):
                        stop = S_OUTSIDE
                        break
                    ra = cp_rd(dp, n_data, d0 + o_ra, ws, big)
                    nfp = cp_rd(dp, n_data, d0 + o_fp, ws, big)
                    method = M_FP
                if ra == 0:
                    stop = S_RA_ZERO
                    break
                ra = ra & mask
                if s >= 0 and (ra % calign != 0 or not in_text(ra, lo, hi, t0, t1)):
                    stop = S_RA_NOT_TEXT
                    break
                out_addr[pos + n] = ra; out_slot[pos + n] = slot; out_ffp[pos + n] = nfp
                out_method[pos + n] = method; out_reliable[pos + n] = 1
                n += 1
                if leaf:
                    lr_used = True
                first_step = False
                if nfp <= cur:
                    stop_fp = nfp
                    stop = S_FP_ZERO if nfp == 0 else S_NOT_INCREASING
                    break
                cur = nfp
        if fl & F_LR and not lr_used and s >= 0 and n < max_frames:
            v = lr[i] & mask
            if v != 0 and v % calign == 0 and in_text(v, lo, hi, t0, t1):
                out_addr[pos + n] = v; out_slot[pos + n] = 0; out_ffp[pos + n] = 0
                out_method[pos + n] = M_REGS; out_reliable[pos + n] = 0
                n += 1
        if do_scan and s >= 0 and t1 > t0 and n < max_frames:
            k = 0
            if fl & F_SP and sp[i] > b:
                k = <Py_ssize_t>((sp[i] - b + <uint64_t>ws - 1) // <uint64_t>ws)
            nw = nb // ws
            tmin = lo[t0]
            tmax = hi[t1 - 1]
            slot_i = slot_first
            slot_last = pos + n
            while k < nw and n < max_frames:
                v = cp_rd(dp, n_data, d0 + k * ws, ws, big) & mask
                # one subtract-and-compare rejects most words before the binary search
                if v - tmin < tmax - tmin and v != 0 and v % calign == 0 and in_text(v, lo, hi, t0, t1):
                    a = b + <uint64_t>(k * ws)
                    while slot_i < slot_last and (out_method[slot_i] != M_FP or out_slot[slot_i] < a):
                        slot_i += 1
                    if not (slot_i < slot_last and out_slot[slot_i] == a):
                        out_addr[pos + n] = v; out_slot[pos + n] = a; out_ffp[pos + n] = 0
                        out_method[pos + n] = M_SCAN; out_reliable[pos + n] = 0
                        n += 1
                k += 1
        out_count[i] = n
        out_stop[i] = stop
        out_stop_fp[i] = stop_fp
        pos += n
        i += 1
    return i, pos
