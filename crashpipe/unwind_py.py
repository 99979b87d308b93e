"""Pure-Python twin of `crashpipe._unwind.walk_batch`: same signature, same frames.

It is the readable specification of the loop (the Cython version is the same algorithm
with typed memoryviews and no GIL), the fallback when the extension is not built, and
the oracle of the property test that the two agree frame for frame.

Cascade per dump, every frame tagged with how it was found:
  1. regs: the ip (frame 0); on ABIs with a leaf record, lr/ra when the record at fp
     shows that frame 0 saved only the caller's fp.  lr/ra is also reported, unreliable,
     when it points into text but no record proves it is a return address.
  2. fp: the frame-pointer chain, each record read only when it lies wholly inside the
     dump; the fp must be aligned and move strictly toward the stack's end, each return
     address must lie in text (when text ranges are given), and the frame cap bounds
     the work.  These frames are reliable.
  3. scan: every remaining word from sp to the dump's end whose value lies in text
     (unreliable, the kernel's `?` lines).
"""
from __future__ import annotations

import struct

from crashpipe.arch import (COL_ALIGN, COL_BIG, COL_CODE_ALIGN, COL_HAS_LEAF, COL_LEAF_PREV_FP, COL_PREV_FP, COL_RA,
                            COL_RA_MASK, COL_WORD)

M64 = (1 << 64) - 1

# flags per dump
HAS_IP, HAS_SP, HAS_FP, HAS_LR = 1, 2, 4, 8
# method codes (index into crashpipe.model.METHODS)
M_REGS, M_FP, M_SCAN = 1, 2, 4
# why the fp chain stopped (per dump)
STOP_NO_FP, STOP_FP_ZERO, STOP_MISALIGNED, STOP_NOT_INCREASING, STOP_OUTSIDE, STOP_RA_ZERO, \
    STOP_RA_NOT_TEXT, STOP_CAP = range(8)
STOP_NAMES = ("no_fp", "fp_zero", "fp_misaligned", "fp_not_increasing", "record_outside_dump",
              "return_address_zero", "return_address_not_code", "frame_cap")


def _in_text(v, lo, hi, t0, t1):
    # upper bound of v among lo[t0:t1] (ranges sorted and disjoint)
    a, b = t0, t1
    while a < b:
        m = (a + b) >> 1
        if lo[m] <= v:
            a = m + 1
        else:
            b = m
    return a > t0 and v < hi[a - 1]


def walk_batch(data, offsets, abi_ids, base, ip, sp, fp, lr, flags, abi, text_lo, text_hi,
               text_off, text_set, first, last, pos, max_frames, do_scan,
               out_addr, out_slot, out_ffp, out_method, out_reliable, out_start, out_count,
               out_stop, out_stop_fp):
    """Walk dumps first..last-1 into the flat output arrays from index `pos` on.

    Dump i is data[offsets[i]:offsets[i+1]], starting at address base[i], with ABI row
    abi[abi_ids[i]], registers ip/sp/fp/lr (valid per flags[i]) and text ranges
    text_lo/hi[text_off[s]:text_off[s+1]] with s = text_set[i] (s < 0: every word is
    "text", i.e. no validation and no scan).  The caller guarantees base[i] + length
    fits in 64 bits.  Stops before a dump when fewer than max_frames output slots remain;
    returns (next dump, next free output index).  Sets out_start/out_count/out_stop/
    out_stop_fp per dump.
    """
    cap_out = len(out_addr)
    i = first
    while i < last:
        if pos + max_frames > cap_out:
            break
        out_start[i] = pos
        row = abi[abi_ids[i]]
        ws = int(row[COL_WORD])
        fmt = ("<" if row[COL_BIG] == 0 else ">") + ("I" if ws == 4 else "Q")
        prev_off, ra_off = int(row[COL_PREV_FP]), int(row[COL_RA])
        has_leaf, leaf_off = int(row[COL_HAS_LEAF]), int(row[COL_LEAF_PREV_FP])
        mask = int(row[COL_RA_MASK]) & M64
        align = int(row[COL_ALIGN])
        calign = int(row[COL_CODE_ALIGN])
        if align < 1 or align & (align - 1) or calign < 1 or calign & (calign - 1):
            raise ValueError(f"dump {i}: alignments must be powers of two")  # as the Cython loop
        d0, d1 = int(offsets[i]), int(offsets[i + 1])
        n_bytes = d1 - d0
        b = int(base[i])
        end = b + n_bytes
        fl = int(flags[i])
        s = int(text_set[i])
        if s >= 0:
            t0, t1 = int(text_off[s]), int(text_off[s + 1])
        else:
            t0 = t1 = 0

        def word(a):
            o = (a - b) & M64
            if n_bytes < ws or o > n_bytes - ws:
                return None
            return struct.unpack_from(fmt, data, d0 + o)[0]

        def text(v):
            return s < 0 or (v % calign == 0 and _in_text(v, text_lo, text_hi, t0, t1))

        n = 0
        slots = []

        def emit(addr, slot, ffp, method, rel):
            nonlocal n
            out_addr[pos + n] = addr
            out_slot[pos + n] = slot
            out_ffp[pos + n] = ffp
            out_method[pos + n] = method
            out_reliable[pos + n] = rel
            n += 1

        cur = int(fp[i]) if fl & HAS_FP else 0
        if fl & HAS_IP and n < max_frames:
            emit(int(ip[i]), 0, cur, M_REGS, 1)
        stop = STOP_NO_FP
        stop_fp = 0
        lr_used = False
        if fl & HAS_FP:
            first_step = True
            while True:
                stop_fp = cur
                if n >= max_frames:
                    stop = STOP_CAP
                    break
                if cur == 0:
                    stop = STOP_FP_ZERO
                    break
                if cur % align:
                    stop = STOP_MISALIGNED
                    break
                leaf = False
                if first_step and has_leaf and fl & HAS_LR:
                    v = word((cur + leaf_off) & M64)
                    if v is not None and cur < v <= end and v % align == 0:
                        leaf = True
                if leaf:
                    ra, nfp, slot, method = int(lr[i]), v, 0, M_REGS
                else:
                    a_ra = (cur + ra_off) & M64
                    ra = word(a_ra)
                    nfp = word((cur + prev_off) & M64)
                    if ra is None or nfp is None:
                        stop = STOP_OUTSIDE
                        break
                    slot, method = a_ra, M_FP
                if ra == 0:
                    stop = STOP_RA_ZERO
                    break
                ra &= mask
                if not text(ra):
                    stop = STOP_RA_NOT_TEXT
                    break
                emit(ra, slot, nfp, method, 1)
                if leaf:
                    lr_used = True
                else:
                    slots.append(slot)
                first_step = False
                if nfp <= cur:
                    stop_fp = nfp
                    stop = STOP_FP_ZERO if nfp == 0 else STOP_NOT_INCREASING
                    break
                cur = nfp
        # lr/ra that no record vouches for: possibly the return address of a frameless
        # frame 0 (or a stale value), so only as an unreliable frame.
        if fl & HAS_LR and not lr_used and s >= 0 and n < max_frames:
            v = int(lr[i]) & mask
            if v != 0 and text(v):
                emit(v, 0, 0, M_REGS, 0)
        if do_scan and s >= 0 and t1 > t0:
            k = 0
            if fl & HAS_SP and int(sp[i]) > b:
                k = (int(sp[i]) - b + ws - 1) // ws
            si = 0
            nw = n_bytes // ws
            while k < nw and n < max_frames:
                a = b + k * ws
                v = struct.unpack_from(fmt, data, d0 + k * ws)[0] & mask
                if v != 0 and v % calign == 0 and _in_text(v, text_lo, text_hi, t0, t1):
                    while si < len(slots) and slots[si] < a:
                        si += 1
                    if not (si < len(slots) and slots[si] == a):
                        emit(v, a, 0, M_SCAN, 0)
                k += 1
        out_count[i] = n
        out_stop[i] = stop
        out_stop_fp[i] = stop_fp
        pos += n
        i += 1
    return i, pos
