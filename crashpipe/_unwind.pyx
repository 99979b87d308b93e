# cython: language_level=3
"""The unwind loop: walks a batch of raw stack dumps into flat output arrays.

Same signature and the same frames as the pure-Python twin `crashpipe.unwind_py`
(read that first: it is the specification).  Here the loop runs without the GIL over
typed `const` memoryviews, so it can walk read-only memory-mapped Arrow buffers without
a copy.  It never branches on an architecture's name: each dump's ABI is a row of
numbers (`crashpipe.arch.abi_table()`).

Every read of stack memory goes through `cp_rd`, `cp_ld8` or `cp_ld4` after an explicit
inside-the-dump check (the vector scan pass checks its whole block once); in the debug
build (crashpipe/_unwind_debug.pyx includes this file, so the two cannot drift) these
also re-check against the whole buffer and report a violation as IndexError, and
Cython's own bounds checks are on, which is what the property tests run against.  The
fast paths (`_hop_fast`, `_scan_fast`) run in both builds.
"""
from libc.stdint cimport uint8_t, int32_t, uint32_t, int64_t, uint64_t
from libc.string cimport memcpy, memmove
from libc.stdlib cimport malloc, free

cdef extern from *:
    """
    #include <string.h>
    #include <stdint.h>
    static int cp_oob = 0;
    static inline void cp_set_oob(void) { cp_oob = 1; }
    static inline uint64_t bswap64(uint64_t v) { return __builtin_bswap64(v); }
    static inline void cp_prefetch(const void *a) { __builtin_prefetch(a, 0, 3); }
    #ifdef CRASHPIPE_DEBUG
    #define CP_DEBUG 1
    #else
    #define CP_DEBUG 0
    #endif
    /* 8 bytes at p + off, host order (the fast path runs only where that is the
       dump's order); the debug build re-checks the whole buffer. */
    static inline uint64_t cp_ld8(const uint8_t *p, int64_t nd, int64_t off) {
        uint64_t v;
    #ifdef CRASHPIPE_DEBUG
        if (off < 0 || off + 8 > nd) { cp_oob = 1; return 0; }
    #endif
        memcpy(&v, p + off, 8);
        return v;
    }
    static inline uint32_t cp_ld4(const uint8_t *p, int64_t nd, int64_t off) {
        uint32_t v;
    #ifdef CRASHPIPE_DEBUG
        if (off < 0 || off + 4 > nd) { cp_oob = 1; return 0; }
    #endif
        memcpy(&v, p + off, 4);
        return v;
    }
    static inline uint64_t cp_rotr(uint64_t x, int k) { return (x >> k) | (x << ((64 - k) & 63)); }
    static inline int cp_popcount64(uint64_t x) { return __builtin_popcountll(x); }
    /* Pass 1 of the scan with AVX2, picked at run time (the shipped build targets the
       baseline ISA).  Per word the same test as the scalar loop: rotr((w & mask) -
       tmin, rk) < rbound, unsigned (signed compare after flipping the sign bits); the
       hits' indices are appended branch-free via a table of set-bit positions. */
    #define CP_SCAN_AHEAD 2048
    static int cp_have_avx2 = 0;
    static int cp_cpu_avx2 = 0;
    static int32_t cp_lut4[16][4];
    static void cp_use_simd(int on) { cp_have_avx2 = on && cp_cpu_avx2; }
    static void cp_simd_init(void) {
        for (int m = 0; m < 16; m++) {
            int c = 0;
            for (int b = 0; b < 4; b++) if (m >> b & 1) cp_lut4[m][c++] = b;
        }
    #if defined(__GNUC__) && defined(__x86_64__)
        __builtin_cpu_init();
        cp_cpu_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
        cp_have_avx2 = cp_cpu_avx2;
    #endif
    }
    #if defined(__GNUC__) && defined(__x86_64__)
    #include <immintrin.h>
    __attribute__((target("avx2,popcnt")))
    static Py_ssize_t cp_hits64_avx2(const uint8_t *p, Py_ssize_t k, Py_ssize_t k1, uint64_t mask, uint64_t tmin,
                                     int rk, uint64_t rbound, int32_t *idx, Py_ssize_t *kdone) {
        const __m256i vmask = _mm256_set1_epi64x((long long)mask), vtmin = _mm256_set1_epi64x((long long)tmin);
        const __m256i sign = _mm256_set1_epi64x((long long)0x8000000000000000ULL);
        const __m256i vb = _mm256_set1_epi64x((long long)(rbound ^ 0x8000000000000000ULL));
        const __m128i sr = _mm_cvtsi32_si128(rk), sl = _mm_cvtsi32_si128(64 - rk);
        Py_ssize_t c = 0, j = k;
        for (; j + 4 <= k1; j += 4) {
            /* the stream ahead, across page boundaries where the hardware
               prefetcher stops (a prefetch never faults) */
            if (!(j & 7)) __builtin_prefetch(p + 8 * j + CP_SCAN_AHEAD, 0, 3);  /* once per 64 bytes */
            __m256i x = _mm256_loadu_si256((const __m256i *)(p + 8 * j));
            x = _mm256_sub_epi64(_mm256_and_si256(x, vmask), vtmin);
            x = _mm256_or_si256(_mm256_srl_epi64(x, sr), _mm256_sll_epi64(x, sl));
            __m256i lt = _mm256_cmpgt_epi64(vb, _mm256_xor_si256(x, sign));
            int m = _mm256_movemask_pd(_mm256_castsi256_pd(lt));
            __m128i ix = _mm_add_epi32(_mm_loadu_si128((const __m128i *)cp_lut4[m]), _mm_set1_epi32((int)j));
            _mm_storeu_si128((__m128i *)(idx + c), ix);
            c += __builtin_popcount(m);
        }
        *kdone = j;
        return c;
    }
    __attribute__((target("avx2,popcnt")))
    static Py_ssize_t cp_hits32_avx2(const uint8_t *p, Py_ssize_t k, Py_ssize_t k1, uint32_t mask, uint32_t tmin,
                                     int rk, uint32_t rbound, int32_t *idx, Py_ssize_t *kdone) {
        const __m256i vmask = _mm256_set1_epi32((int)mask), vtmin = _mm256_set1_epi32((int)tmin);
        const __m256i sign = _mm256_set1_epi32((int)0x80000000U);
        const __m256i vb = _mm256_set1_epi32((int)(rbound ^ 0x80000000U));
        const __m128i sr = _mm_cvtsi32_si128(rk), sl = _mm_cvtsi32_si128(32 - rk);
        Py_ssize_t c = 0, j = k;
        for (; j + 8 <= k1; j += 8) {
            if (!(j & 15)) __builtin_prefetch(p + 4 * j + CP_SCAN_AHEAD, 0, 3);
            __m256i x = _mm256_loadu_si256((const __m256i *)(p + 4 * j));
            x = _mm256_sub_epi32(_mm256_and_si256(x, vmask), vtmin);
            x = _mm256_or_si256(_mm256_srl_epi32(x, sr), _mm256_sll_epi32(x, sl));
            __m256i lt = _mm256_cmpgt_epi32(vb, _mm256_xor_si256(x, sign));
            int m = _mm256_movemask_ps(_mm256_castsi256_ps(lt));
            __m128i ix = _mm_add_epi32(_mm_loadu_si128((const __m128i *)cp_lut4[m & 15]), _mm_set1_epi32((int)j));
            _mm_storeu_si128((__m128i *)(idx + c), ix);
            c += __builtin_popcount(m & 15);
            ix = _mm_add_epi32(_mm_loadu_si128((const __m128i *)cp_lut4[m >> 4]), _mm_set1_epi32((int)j + 4));
            _mm_storeu_si128((__m128i *)(idx + c), ix);
            c += __builtin_popcount(m >> 4);
        }
        *kdone = j;
        return c;
    }
    #else
    static Py_ssize_t cp_hits64_avx2(const uint8_t *p, Py_ssize_t k, Py_ssize_t k1, uint64_t mask, uint64_t tmin,
                                     int rk, uint64_t rbound, int32_t *idx, Py_ssize_t *kdone) { *kdone = k; return 0; }
    static Py_ssize_t cp_hits32_avx2(const uint8_t *p, Py_ssize_t k, Py_ssize_t k1, uint32_t mask, uint32_t tmin,
                                     int rk, uint32_t rbound, int32_t *idx, Py_ssize_t *kdone) { *kdone = k; return 0; }
    #endif
    static inline int cp_host_big(void) { return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__; }
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
    const int CP_DEBUG
    void cp_set_oob() noexcept nogil
    uint64_t bswap64(uint64_t v) noexcept nogil
    void cp_prefetch(const void *a) noexcept nogil
    uint64_t cp_ld8(const uint8_t *p, int64_t nd, int64_t off) noexcept nogil
    uint32_t cp_ld4(const uint8_t *p, int64_t nd, int64_t off) noexcept nogil
    uint64_t cp_rotr(uint64_t x, int k) noexcept nogil
    int cp_popcount64(uint64_t x) noexcept nogil
    int cp_have_avx2
    void cp_simd_init() noexcept nogil
    void cp_use_simd(int on) noexcept nogil
    Py_ssize_t cp_hits64_avx2(const uint8_t *p, Py_ssize_t k, Py_ssize_t k1, uint64_t mask, uint64_t tmin, int rk,
                              uint64_t rbound, int32_t *idx, Py_ssize_t *kdone) noexcept nogil
    Py_ssize_t cp_hits32_avx2(const uint8_t *p, Py_ssize_t k, Py_ssize_t k1, uint32_t mask, uint32_t tmin, int rk,
                              uint32_t rbound, int32_t *idx, Py_ssize_t *kdone) noexcept nogil
    int cp_host_big() noexcept nogil
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

# the walk's lanes and its ring of dumps (see _walk)
DEF LANES = 6
DEF RING = 16
DEF SCRATCH_FRAMES = 4096


cdef inline bint _pow2(int64_t x) noexcept:
    return x > 0 and (x & (x - 1)) == 0


cp_simd_init()


def simd() -> str:
    """Which pass-1 scan the loop uses on this CPU ("avx2" or "scalar")."""
    return "avx2" if cp_have_avx2 else "scalar"


def use_simd(bint on) -> str:
    """Turn the vector scan pass off (for tests of the scalar pass on any CPU) or back
    on where the CPU has it; returns `simd()`."""
    cp_use_simd(on)
    return simd()


def abi_version():
    return 1


def load_words(const uint8_t[::1] data, const int32_t[::1] at) -> int:
    """XOR of the 8-byte words at data[at[k]] for every k, in order (offsets past the
    end are skipped).  Not part of unwinding: benchmarks/bench_unwind.py uses it as the
    memory bound of any frame-pointer walk (every fp frame's return-address word loaded
    once, its offset known in advance, so the loads are independent)."""
    cdef Py_ssize_t k, n = at.shape[0]
    cdef int64_t lim = <int64_t>data.shape[0] - 8, o
    cdef uint64_t acc = 0, v
    if lim < 0 or n == 0:
        return 0
    cdef const uint8_t *dp = &data[0]
    cdef const int32_t *ap = &at[0]
    with nogil:
        for k in range(n):
            o = ap[k]
            if o >= 0 and o <= lim:
                memcpy(&v, dp + o, 8)
                acc ^= v
    return acc


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
    if text_off.shape[0] < 1:
        raise ValueError("text_off needs at least one entry")
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
        if not _pow2(abi[abi_ids[j], C_ALIGN]) or not _pow2(abi[abi_ids[j], C_CODE_ALIGN]):
            raise ValueError(f"dump {j}: alignments must be powers of two")
        if text_set[j] >= n_sets:
            raise ValueError(f"dump {j}: text set out of range")
        if text_set[j] >= 0 and (text_off[text_set[j]] < 0 or text_off[text_set[j] + 1] > n_text
                                 or text_off[text_set[j]] > text_off[text_set[j] + 1]):
            raise ValueError(f"dump {j}: text set outside the text arrays")
        if base[j] + <uint64_t>(offsets[j + 1] - offsets[j]) < base[j]:
            raise ValueError(f"dump {j}: base + length overflows 64 bits")
    global cp_oob
    cp_oob = 0
    if last == first:
        return first, pos
    cdef Params prm
    prm.dp = dp
    prm.n_data = n_data
    prm.offsets = &offsets[0]
    prm.abi_ids = &abi_ids[0]
    prm.base = &base[0]
    prm.ip = &ip[0]
    prm.sp = &sp[0]
    prm.fp = &fp[0]
    prm.lr = &lr[0]
    prm.flags = &flags[0]
    prm.abi = &abi[0, 0]
    prm.abi_stride = abi.shape[1]
    prm.lo = lo
    prm.hi = hi
    prm.text_off = &text_off[0]
    prm.text_set = &text_set[0]
    prm.max_frames = max_frames
    prm.do_scan = do_scan
    prm.cap_out = cap_out
    if cap_out < max_frames:
        return first, pos
    prm.o_addr = &out_addr[0]
    prm.o_slot = &out_slot[0]
    prm.o_ffp = &out_ffp[0]
    prm.o_method = &out_method[0]
    prm.o_rel = &out_reliable[0]
    prm.o_start = &out_start[0]
    prm.o_count = &out_count[0]
    prm.o_stop = &out_stop[0]
    prm.o_stop_fp = &out_stop_fp[0]
    # the scratch ring: RING regions, fewer where max_frames is large (never more than
    # about SCRATCH_FRAMES frames, so memory does not grow with the cap)
    cdef Py_ssize_t ring = SCRATCH_FRAMES // max_frames
    if ring > RING:
        ring = RING
    if ring < 1:
        ring = 1
    prm.ring = ring
    prm.cap_s = ring * max_frames
    cdef uint8_t *scratch = <uint8_t *>malloc(prm.cap_s * (3 * sizeof(uint64_t) + 2))
    if scratch == NULL:
        raise MemoryError()
    prm.s_addr = <uint64_t *>scratch
    prm.s_slot = prm.s_addr + prm.cap_s
    prm.s_ffp = prm.s_slot + prm.cap_s
    prm.s_method = <uint8_t *>(prm.s_ffp + prm.cap_s)
    prm.s_rel = prm.s_method + prm.cap_s
    try:
        with nogil:
            i, pos = _walk(&prm, first, last, pos)
    finally:
        free(scratch)
    if cp_oob:
        raise IndexError("unwind loop read or wrote outside its buffers")
    return i, pos


# Walking one dump after another waits on memory at every hop (the next record's
# address is the value just loaded).  So LANES dumps are walked at once, one hop each per
# step: their loads are independent and overlap.  A lane whose chain ends takes the next
# dump at once (not in rounds, which left the lanes of short chains idle until the
# round's longest chain ended: ~30% of lane-steps at 10-40 frames per chain).  Dump i
# writes its fp frames into scratch region r = i's entry in a ring of `ring` (<= RING)
# entries, r * max_frames (the ring's scratch stays in L2); when its chain ends, its
# lane's state is kept in ring entry r until every earlier dump is finished, and the
# dumps are finished strictly in order (frames copied to the packed position, then lr
# and scan), so the output is exactly what the one-at-a-time twin produces.  A dump is
# started only when the ring has room and the output surely keeps max_frames slots for
# it (each earlier unfinished dump counted at max_frames), so a call stops before the
# same dump as the twin's, and no walked dump is thrown away.
DEF PREFETCH_AHEAD = 256
DEF FIRST_AHEAD = 256

cdef struct Params:
    const uint8_t *dp
    int64_t n_data
    const int64_t *offsets
    const uint8_t *abi_ids
    const uint64_t *base
    const uint64_t *ip
    const uint64_t *sp
    const uint64_t *fp
    const uint64_t *lr
    const uint8_t *flags
    const int64_t *abi
    Py_ssize_t abi_stride
    const uint64_t *lo
    const uint64_t *hi
    const int64_t *text_off
    const int32_t *text_set
    Py_ssize_t max_frames
    bint do_scan
    Py_ssize_t cap_out
    uint64_t *o_addr
    uint64_t *o_slot
    uint64_t *o_ffp
    uint8_t *o_method
    uint8_t *o_rel
    int64_t *o_start
    int64_t *o_count
    uint8_t *o_stop
    uint64_t *o_stop_fp
    # the fp walk's scratch: `ring` regions of max_frames frames (see _walk)
    Py_ssize_t ring
    Py_ssize_t cap_s
    uint64_t *s_addr
    uint64_t *s_slot
    uint64_t *s_ffp
    uint8_t *s_method
    uint8_t *s_rel

cdef struct Lane:
    Py_ssize_t i
    Py_ssize_t w  # output index of this lane's first frame
    Py_ssize_t n
    const uint8_t *d  # the dump's bytes
    int64_t nb
    uint64_t b, end, cur, mask, align, calign, stop_fp
    int64_t prev_off, ra_off, leaf_off, t0, t1
    uint64_t wmask, tmin, tspan  # word mask; the text ranges' hull
    int ws, big, has_leaf, fl, shift
    bint first_step, lr_used, active
    # the fast hop (_hop_fast): record offsets relative to fp - base, the one unsigned
    # bound both record words satisfy, and whether this dump may take it at all
    uint64_t ra_rel, prev_rel, lo_rel, lim_rec
    bint fast, fast_later
    uint8_t stop


cdef inline void _emit(Params *p, Py_ssize_t k, uint64_t addr, uint64_t slot, uint64_t ffp, uint8_t method,
                       uint8_t rel) noexcept nogil:
    if CP_DEBUG and (k < 0 or k >= p.cap_out):
        cp_set_oob()
        return
    p.o_addr[k] = addr
    p.o_slot[k] = slot
    p.o_ffp[k] = ffp
    p.o_method[k] = method
    p.o_rel[k] = rel


cdef inline void _emit_s(Params *p, Py_ssize_t k, uint64_t addr, uint64_t slot, uint64_t ffp, uint8_t method,
                         uint8_t rel) noexcept nogil:
    # a frame of the fp walk, into the lane's scratch region
    if CP_DEBUG and (k < 0 or k >= p.cap_s):
        cp_set_oob()
        return
    p.s_addr[k] = addr
    p.s_slot[k] = slot
    p.s_ffp[k] = ffp
    p.s_method[k] = method
    p.s_rel[k] = rel


cdef inline void _lane_init(Params *p, Lane *L, Py_ssize_t i, Py_ssize_t w) noexcept nogil:
    cdef const int64_t *row = p.abi + <Py_ssize_t>p.abi_ids[i] * p.abi_stride
    cdef int64_t d0 = p.offsets[i]
    cdef int32_t s = p.text_set[i]
    L.i = i
    L.w = w
    L.ws = <int>row[C_WORD]
    L.big = <int>row[C_BIG]
    L.prev_off = row[C_PREV_FP]
    L.ra_off = row[C_RA]
    L.has_leaf = <int>row[C_HAS_LEAF]
    L.leaf_off = row[C_LEAF_PREV_FP]
    L.mask = <uint64_t>row[C_RA_MASK]
    L.align = <uint64_t>row[C_ALIGN] - 1  # kept as masks: alignments are powers of two
    L.calign = <uint64_t>row[C_CODE_ALIGN] - 1
    L.d = p.dp + d0 if p.dp != NULL else NULL
    L.nb = p.offsets[i + 1] - d0
    L.b = p.base[i]
    L.end = L.b + <uint64_t>L.nb
    L.fl = p.flags[i]
    L.wmask = 0xFFFFFFFFFFFFFFFF if L.ws == 8 else 0xFFFFFFFF
    L.shift = 64 - 8 * L.ws
    L.tmin = 0
    L.tspan = 0
    if s >= 0:
        L.t0 = p.text_off[s]
        L.t1 = p.text_off[s + 1]
        if L.t1 > L.t0:
            L.tmin = p.lo[L.t0]
            L.tspan = p.hi[L.t1 - 1] - L.tmin
    else:
        L.t0 = -1
        L.t1 = -1
    L.n = 0
    L.cur = p.fp[i] if L.fl & F_FP else 0
    if L.fl & F_IP:
        _emit_s(p, w, p.ip[i], 0, L.cur, M_REGS, 1)
        L.n = 1
    L.stop = S_NO_FP
    L.stop_fp = 0
    L.lr_used = False
    L.first_step = True
    # fast hops: dump in host byte order, one text range, the record's words read as
    # two 8-byte loads inside the dump (both offsets bounded by one compare)
    cdef int64_t lo_off = L.ra_off if L.ra_off < L.prev_off else L.prev_off
    cdef int64_t hi_off = L.prev_off if L.ra_off < L.prev_off else L.ra_off
    L.ra_rel = <uint64_t>L.ra_off - L.b
    L.prev_rel = <uint64_t>L.prev_off - L.b
    L.lo_rel = <uint64_t>lo_off - L.b
    L.lim_rec = <uint64_t>(L.nb - 8 - (hi_off - lo_off)) if L.nb >= 8 + (hi_off - lo_off) else 0
    L.fast_later = (L.big == cp_host_big() and L.t0 >= 0 and L.t1 - L.t0 == 1 and L.nb >= 8 + (hi_off - lo_off)
                    and L.d != NULL)
    # the first hop of an ABI with leaf records may read the leaf word: the full hop
    L.fast = L.fast_later and not (L.has_leaf and L.fl & F_LR)
    L.active = (L.fl & F_FP) != 0


cdef inline bint _text(Params *p, Lane *L, uint64_t v) noexcept nogil:
    if L.t0 < 0:
        return True
    # the hull test first: one range (the usual case) needs nothing more
    if v - L.tmin >= L.tspan or (v & L.calign) != 0:
        return False
    return L.t1 - L.t0 == 1 or in_text(v, p.lo, p.hi, L.t0, L.t1)


cdef inline uint64_t _rd(Params *p, Lane *L, uint64_t o) noexcept nogil:
    # o is already known to satisfy o + ws <= nb.  Reading 8 bytes and masking avoids a
    # branch on the word size, which lanes of mixed architectures would mispredict.
    cdef uint64_t v
    if CP_DEBUG or o + 8 > <uint64_t>L.nb:
        return cp_rd(p.dp, p.n_data, (L.d - p.dp) + <int64_t>o, L.ws, L.big)
    memcpy(&v, L.d + o, 8)
    if L.big:
        return bswap64(v) >> L.shift
    return v & L.wmask


cdef inline bint _hop(Params *p, Lane *L) noexcept nogil:
    """One step of the frame-pointer chain (see the twin for the rules); False once the
    chain has stopped.  The lane's fields are read into locals first: the output stores
    (uint8 columns among them) may alias anything, and would otherwise force the
    compiler to reload every field after each one."""
    cdef uint64_t cur = L.cur, v = 0, ra, nfp = 0, slot, o, o2, w
    cdef uint64_t b = L.b, lim
    cdef int64_t nb = L.nb
    cdef Py_ssize_t n = L.n, k
    cdef const uint8_t *d = L.d
    cdef bint leaf = False
    cdef uint8_t method
    L.stop_fp = cur
    if n >= p.max_frames:
        L.stop = S_CAP
        return False
    if cur == 0:
        L.stop = S_FP_ZERO
        return False
    if cur & L.align:
        L.stop = S_MISALIGNED
        return False
    if nb < L.ws:
        L.stop = S_OUTSIDE
        return False
    lim = <uint64_t>(nb - L.ws)
    if L.first_step and L.has_leaf and L.fl & F_LR:
        o = cur + <uint64_t>L.leaf_off - b
        if o <= lim:
            v = _rd(p, L, o)
            if cur < v and v <= L.end and (v & L.align) == 0:
                leaf = True
                nfp = v
    if leaf:
        ra = p.lr[L.i]
        slot = 0
        method = M_REGS
    else:
        slot = cur + <uint64_t>L.ra_off
        o = slot - b
        o2 = cur + <uint64_t>L.prev_off - b
        if o > lim or o2 > lim:
            L.stop = S_OUTSIDE
            return False
        if not CP_DEBUG and not L.big and o + 8 <= <uint64_t>nb and o2 + 8 <= <uint64_t>nb:
            # the common case: plain little-endian loads, masked to the word size
            memcpy(&w, d + o, 8)
            ra = w & L.wmask
            memcpy(&w, d + o2, 8)
            nfp = w & L.wmask
        else:
            ra = _rd(p, L, o)
            nfp = _rd(p, L, o2)
        method = M_FP
    if ra == 0:
        L.stop = S_RA_ZERO
        return False
    ra = ra & L.mask
    if not _text(p, L, ra):
        L.stop = S_RA_NOT_TEXT
        return False
    k = L.w + n
    L.n = n + 1
    if leaf:
        L.lr_used = True
    L.first_step = False
    L.fast = L.fast_later
    if nfp > cur:
        L.cur = nfp
        # start fetching the next record now, so the miss overlaps the other lanes' hops
        o = nfp + <uint64_t>L.ra_off - b
        if o <= lim:
            cp_prefetch(d + o)
    else:
        L.stop_fp = nfp
        L.stop = S_FP_ZERO if nfp == 0 else S_NOT_INCREASING
    _emit_s(p, k, ra, slot, nfp, method, 1)
    return nfp > cur


cdef inline bint _hop_fast(Params *p, Lane *L) noexcept nogil:
    """The common hop in a few compares: fp nonzero, aligned, its record inside the dump
    (one unsigned compare covers both words), return address nonzero and in the single
    text range.  Anything else (including every stop) is decided by the full `_hop`,
    which has no side effects before it decides, so the frames are the same."""
    cdef uint64_t cur = L.cur, ra, nfp, o
    cdef Py_ssize_t n = L.n, k
    cdef uint64_t wmask = L.wmask, tmin = L.tmin, tspan = L.tspan, calign = L.calign, mask = L.mask
    cdef int64_t d0 = L.d - p.dp
    # short-circuit tests: each is almost always true, so the branches predict well
    if not (L.fast and n < p.max_frames and cur != 0 and (cur & L.align) == 0 and cur + L.lo_rel <= L.lim_rec):
        return _hop(p, L)
    ra = cp_ld8(p.dp, p.n_data, d0 + <int64_t>(cur + L.ra_rel)) & wmask
    nfp = cp_ld8(p.dp, p.n_data, d0 + <int64_t>(cur + L.prev_rel)) & wmask
    if not (ra != 0 and (ra & mask) - tmin < tspan and (ra & mask & calign) == 0 and nfp > cur):
        return _hop(p, L)
    ra = ra & mask
    k = L.w + n
    L.n = n + 1
    L.stop_fp = cur
    L.cur = nfp
    # start fetching the next record now, so the miss overlaps the other lanes' hops
    o = nfp + L.ra_rel
    if o < <uint64_t>L.nb:
        cp_prefetch(L.d + o)
        # and the stack a few lines above it, where the older records usually sit:
        # their addresses are not known yet, so this is the only way to overlap them
        if o + PREFETCH_AHEAD < <uint64_t>L.nb:
            cp_prefetch(L.d + o + PREFETCH_AHEAD)
    if CP_DEBUG and (k < 0 or k >= p.cap_s):
        cp_set_oob()
        return False
    p.s_addr[k] = ra
    p.s_slot[k] = cur + (L.ra_rel + L.b)
    p.s_ffp[k] = nfp
    p.s_method[k] = M_FP
    p.s_rel[k] = 1
    return True


cdef inline Py_ssize_t _finish(Params *p, Lane *L, Py_ssize_t pos) noexcept nogil:
    """Move the lane's frames to `pos`, add the lr and scan frames; returns the count."""
    cdef Py_ssize_t k, n = L.n, nw, slot_i, slot_last
    cdef uint64_t v, a, tmin, tmax, span
    cdef const uint8_t *q
    cdef uint32_t w32
    cdef uint64_t w64
    if n > 0:
        # one block copy per column, from the lane's scratch region
        if CP_DEBUG and (pos < 0 or L.w < 0 or L.w + n > p.cap_s or pos + n > p.cap_out):
            cp_set_oob()
            return 0
        memcpy(p.o_addr + pos, p.s_addr + L.w, n * sizeof(uint64_t))
        memcpy(p.o_slot + pos, p.s_slot + L.w, n * sizeof(uint64_t))
        memcpy(p.o_ffp + pos, p.s_ffp + L.w, n * sizeof(uint64_t))
        memcpy(p.o_method + pos, p.s_method + L.w, n)
        memcpy(p.o_rel + pos, p.s_rel + L.w, n)
    if L.fl & F_LR and not L.lr_used and L.t0 >= 0 and n < p.max_frames:
        v = p.lr[L.i] & L.mask
        if v != 0 and (v & L.calign) == 0 and in_text(v, p.lo, p.hi, L.t0, L.t1):
            _emit(p, pos + n, v, 0, 0, M_REGS, 0)
            n += 1
    if p.do_scan and L.t0 >= 0 and L.t1 > L.t0 and n < p.max_frames:
        k = 0
        if L.fl & F_SP and p.sp[L.i] > L.b:
            k = <Py_ssize_t>((p.sp[L.i] - L.b + <uint64_t>L.ws - 1) // <uint64_t>L.ws)
        nw = L.nb // L.ws
        tmin = p.lo[L.t0]
        tmax = p.hi[L.t1 - 1]
        span = tmax - tmin
        slot_i = pos
        slot_last = pos + n
        # the common case (one text range, little-endian) gets branch-free loops: every
        # word is written as a candidate and the count advances only on a hit, so the
        # unpredictable hits cost no mispredicted branches
        if L.t1 - L.t0 == 1 and L.big == cp_host_big() and (L.ws == 8 or L.ws == 4):
            n = _scan_fast(p, L, pos, n, k, nw, tmin, span)
        else:
            while k < nw and n < p.max_frames:
                v = _rd(p, L, <uint64_t>(k * L.ws)) & L.mask
                if v - tmin < span and v != 0 and (v & L.calign) == 0 and in_text(v, p.lo, p.hi, L.t0, L.t1):
                    n = _scan_hit(p, L, pos, n, v, L.b + <uint64_t>(k * L.ws), &slot_i, slot_last)
                k += 1
    p.o_start[L.i] = pos
    p.o_count[L.i] = n
    p.o_stop[L.i] = L.stop
    p.o_stop_fp[L.i] = L.stop_fp
    return n


DEF SCAN_BLOCK = 512


cdef inline Py_ssize_t _hits(const uint8_t *dp, int64_t nd, int64_t d0, Py_ssize_t k, Py_ssize_t k1, int ws,
                             uint64_t mask, uint64_t tmin, uint64_t span, int rk, uint64_t rbound,
                             int32_t *idx) noexcept nogil:
    """Pass 1 of the scan (see _scan_fast): the indices of words k..k1-1 that are text
    addresses, without a branch per word.  Where the CPU has AVX2 (checked at run
    time, so the build stays generic), 4 or 8 words per step with the same test."""
    cdef Py_ssize_t c = 0, j = k
    if CP_DEBUG and (d0 < 0 or d0 + ws * k1 > nd):
        cp_set_oob()
        return 0
    if cp_have_avx2:
        if ws == 8:
            c = cp_hits64_avx2(dp + d0, k, k1, mask, tmin, rk, rbound, idx, &j)
        elif tmin + span <= (<uint64_t>1 << 32):
            # a 32-bit dump's range within 32 bits: the same test in 32-bit lanes
            c = cp_hits32_avx2(dp + d0, k, k1, <uint32_t>mask, <uint32_t>tmin, rk, <uint32_t>rbound, idx, &j)
    if ws == 8:
        for j in range(j, k1):
            idx[c] = <int32_t>j
            c += cp_rotr((cp_ld8(dp, nd, d0 + 8 * j) & mask) - tmin, rk) < rbound
    else:
        for j in range(j, k1):
            idx[c] = <int32_t>j
            c += cp_rotr((<uint64_t>cp_ld4(dp, nd, d0 + 4 * j) & mask) - tmin, rk) < rbound
    return c


cdef inline Py_ssize_t _scan_fast(Params *p, Lane *L, Py_ssize_t pos, Py_ssize_t n, Py_ssize_t k, Py_ssize_t nw,
                                  uint64_t tmin, uint64_t span) noexcept nogil:
    """Scan of a dump in host byte order against one text range, in two passes per
    block of words: the first tests every word without a branch (a load, a mask, one
    unsigned compare for the range, alignment by mask) and appends its index to a list
    that advances only on a hit; the second visits the hits.  So the unpredictable
    hits cost no mispredicted branches.  Same frames as the general loop."""
    cdef Py_ssize_t slot_i = pos, slot_last = pos + n, c, h, j, k1
    cdef uint64_t v, a, mask = L.mask, calign = L.calign, b = L.b
    cdef int64_t d0 = L.d - p.dp, nd = p.n_data
    cdef int32_t idx[SCAN_BLOCK]
    cdef const uint8_t *dp = p.dp
    cdef int ws = L.ws
    # One compare per word when the range starts above 0 on an instruction boundary
    # (calign = 2^rk - 1): with x = v - tmin, rotating x right by rk moves its low bits
    # to the top, so rotr(x, rk) < ceil(span / 2^rk) holds exactly when v is in the
    # range and aligned; v = 0 fails it too, since 0 - tmin >= span.
    cdef int rk = cp_popcount64(calign)
    cdef bint rot = tmin != 0 and (tmin & calign) == 0
    cdef uint64_t rbound = (span >> rk) + ((span & calign) != 0)
    while k < nw:
        k1 = k + SCAN_BLOCK if nw - k > SCAN_BLOCK else nw
        c = 0
        if rot:
            c = _hits(dp, nd, d0, k, k1, ws, mask, tmin, span, rk, rbound, idx)
        elif ws == 8:
            for j in range(k, k1):
                v = cp_ld8(dp, nd, d0 + 8 * j) & mask
                idx[c] = <int32_t>j
                c += (v - tmin < span) & (v != 0) & ((v & calign) == 0)
        else:
            for j in range(k, k1):
                v = <uint64_t>cp_ld4(dp, nd, d0 + 4 * j) & mask
                idx[c] = <int32_t>j
                c += (v - tmin < span) & (v != 0) & ((v & calign) == 0)
        for h in range(c):
            j = idx[h]
            if ws == 8:
                v = cp_ld8(dp, nd, d0 + 8 * j) & mask
            else:
                v = <uint64_t>cp_ld4(dp, nd, d0 + 4 * j) & mask
            a = b + <uint64_t>(j * ws)
            # skip words the fp chain already consumed as return-address slots (increasing)
            while slot_i < slot_last and (p.o_method[slot_i] != M_FP or p.o_slot[slot_i] < a):
                slot_i += 1
            if slot_i < slot_last and p.o_slot[slot_i] == a:
                continue
            _emit(p, pos + n, v, a, 0, M_SCAN, 0)
            n += 1
            if n >= p.max_frames:
                return n
        k = k1
    return n


cdef inline Py_ssize_t _scan_hit(Params *p, Lane *L, Py_ssize_t pos, Py_ssize_t n, uint64_t v, uint64_t a,
                                 Py_ssize_t *slot_i, Py_ssize_t slot_last) noexcept nogil:
    # skip words the fp chain already consumed as return-address slots (increasing)
    while slot_i[0] < slot_last and (p.o_method[slot_i[0]] != M_FP or p.o_slot[slot_i[0]] < a):
        slot_i[0] += 1
    if slot_i[0] < slot_last and p.o_slot[slot_i[0]] == a:
        return n
    _emit(p, pos + n, v, a, 0, M_SCAN, 0)
    return n + 1


cdef inline void _prefetch_first(Params *p, Py_ssize_t i) noexcept nogil:
    cdef const int64_t *row = p.abi + <Py_ssize_t>p.abi_ids[i] * p.abi_stride
    cdef uint64_t o = p.fp[i] + <uint64_t>row[C_RA] - p.base[i]
    cdef uint64_t nb = <uint64_t>(p.offsets[i + 1] - p.offsets[i]), a
    if p.flags[i] & F_FP and o < nb:
        # the first record and the lines above it, where the next records usually sit
        a = o
        while a < nb and a < o + FIRST_AHEAD:
            cp_prefetch(p.dp + p.offsets[i] + a)
            a += 64


cdef inline bint _can_start(Params *p, Py_ssize_t head, Py_ssize_t tail, Py_ssize_t last,
                            Py_ssize_t pos) noexcept nogil:
    return (tail < last and tail - head < p.ring
            and p.cap_out - pos - (tail - head) * p.max_frames >= p.max_frames)


cdef struct Sched:
    Py_ssize_t head, tail, hr, tr, last, pos  # hr, tr: the ring entries of head and tail
    int nact


cdef int _refill(Params *p, Sched *s, Lane *lanes, Lane *ring, bint *done, Py_ssize_t *ent) noexcept nogil:
    """Finish the ended dumps in order and give idle lanes the next dumps; returns the
    number of lanes walking.  (Off the hop loop's path: once per dump.)"""
    cdef Py_ssize_t l, r
    cdef bint progress = True
    while progress:
        progress = False
        while s.head < s.tail and done[s.hr]:
            s.pos += _finish(p, &ring[s.hr], s.pos)
            s.head += 1
            s.hr = s.hr + 1 if s.hr + 1 < p.ring else 0
            progress = True
        for l in range(LANES):
            while not lanes[l].active and _can_start(p, s.head, s.tail, s.last, s.pos):
                r = s.tr
                s.tr = s.tr + 1 if s.tr + 1 < p.ring else 0
                _lane_init(p, &lanes[l], s.tail, r * p.max_frames)
                # a later dump's first records: their addresses come from the
                # registers, so their misses can overlap this walk
                if s.tail + LANES < s.last:
                    _prefetch_first(p, s.tail + LANES)
                s.tail += 1
                progress = True
                if lanes[l].active:
                    done[r] = False
                    ent[l] = r
                    s.nact += 1
                else:
                    ring[r] = lanes[l]
                    done[r] = True
    return s.nact


cdef (Py_ssize_t, Py_ssize_t) _walk(Params *p, Py_ssize_t first, Py_ssize_t last, Py_ssize_t pos) noexcept nogil:
    cdef Lane lanes[LANES]
    cdef Lane ring[RING]  # the states of ended dumps not finished yet, by ring entry
    cdef bint done[RING]
    cdef Py_ssize_t ent[LANES]  # the ring entry of each lane's dump
    cdef Sched s
    cdef Py_ssize_t l
    cdef int nact
    s.head = first
    s.tail = first
    s.hr = 0
    s.tr = 0
    s.last = last
    s.pos = pos
    s.nact = 0
    for l in range(LANES):
        lanes[l].active = False
    nact = _refill(p, &s, lanes, ring, done, ent)
    while nact:
        for l in range(LANES):
            if lanes[l].active and not _hop_fast(p, &lanes[l]):
                lanes[l].active = False
                ring[ent[l]] = lanes[l]
                done[ent[l]] = True
                s.nact -= 1
                nact = _refill(p, &s, lanes, ring, done, ent)
    return s.head, s.pos
