"""Frame signatures and bucket ids, computed column-wise over many reports at once.

A signature is the report's kind token plus its top `DEPTH` normalized frames, in the
order the parser lists them: the crash pc (a `regs` frame before the first printed
frame, as x86's RIP), on arm64 the leaf caller the parser took from `lr` (a `regs`
frame right after the first printed frame; elsewhere lr may be stale and is skipped),
then one source of callers, the best a report has: printed reliable `trace` frames,
else re-unwound `fp`/`cfi` frames (and the unwinder's `regs` frames), else `scan` and
`?` frames.  Names lose clone suffixes and syscall-wrapper prefixes; generic frames
(crashpipe.formats.bucket_rules) are skipped unless they live in a module; consecutive
repeats (recursion) count once; an entry frame (syscall, irq, softirq entry, fork
return) after the first used frame ends the signature, as does leaving the context
(task/irq) of the first used caller.  Addresses, offsets, lines, CPU, pid and release
never enter it.  docs/bucketing.md explains each rule with the reports that need it.

Every frame not used gets `skipped_reason`: `inlined`, `no-symbol`, `unreliable` (a
`?` line, or lr where lr does not name the caller), `scanned`, `superseded` (a
re-unwound frame where the printed trace was used), `generic`, `recursion`, or
`beyond-depth` (after DEPTH frames or past the end of the crashing context).

The engine works on flat columns (one entry per frame) with numpy: Python touches only
each distinct symbol and each distinct signature, so a million reports with their
frames already in a dataset bucket in seconds (benchmarks/bench_bucket.py).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crashpipe.formats import bucket_rules as R
from crashpipe.symbols.names import normalize_symbol

# Method codes (index into METHOD_NAMES); unknown methods count as `scan`.
METHOD_NAMES = ("trace", "regs", "fp", "cfi", "scan")
_M_TRACE, _M_REGS, _M_FP, _M_CFI, _M_SCAN = range(5)

# Tiers of caller frames, best first.
_T_TRACE, _T_UNWOUND, _T_WEAK, _T_NONE = 1, 2, 3, 9

REASONS = ("inlined", "no-symbol", "unreliable", "scanned", "superseded", "generic", "recursion", "beyond-depth")
(_R_INLINED, _R_NOSYM, _R_UNREL, _R_SCAN, _R_SUPER, _R_GENERIC, _R_RECUR, _R_DEPTH) = range(8)
_R_USED = -1

_NUM_RE = re.compile(r"0x[0-9a-fA-F]+|[0-9]+")


def frame_name(symbol: str) -> str:
    """The normalized function name a signature uses for `symbol`."""
    name = normalize_symbol(symbol.strip())
    for p in R.SYSCALL_PREFIXES:
        if name.startswith(p) and len(name) > len(p):
            return ("compat_sys_" if "compat_sys_" in p else "sys_") + name[len(p):]
    return name


def is_generic(name: str) -> bool:
    return name in R.GENERIC_EXACT or name.startswith(R.GENERIC_PREFIXES)


def is_entry(name: str) -> bool:
    return name in R.ENTRY_EXACT or name.startswith(R.ENTRY_PREFIXES)


def kind_token(kind: str | None, title: str | None, has_frames: bool) -> str:
    """The report-class part of a signature.  Frame-less reports fall back to their
    title with numbers blanked, so that unrelated frame-less reports do not merge."""
    k = (kind or "unknown").strip() or "unknown"
    cls = R.KIND_CLASS.get(k, k)
    if not has_frames:
        return f"title={_NUM_RE.sub('N', title or '') or cls}"
    if k in R.TITLE_QUALIFIED_KINDS and title:
        head = title.rsplit(" in ", 1)[0] if " in " in title else title
        return f"kind={cls}:{_NUM_RE.sub('N', head)}"
    return f"kind={cls}"


def bucket_hash(tokens: Sequence[str], version: str) -> str:
    h = hashlib.blake2b(digest_size=8)
    h.update(f"crashpipe-bucket/{version}\n".encode())
    h.update("\n".join(tokens).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


@dataclass
class FrameColumns:
    """Frames of many reports as flat columns, `report` = 0-based report index; within
    a report frames keep their order (`frame_no`).  Reports are described by `arch`,
    `kind` and `title` (one entry each)."""

    report: np.ndarray  # int64
    frame_no: np.ndarray  # int64
    symbol: pa.Array  # string, null = no symbol
    module: pa.Array  # string, null = vmlinux
    method: pa.Array  # string
    reliable: np.ndarray  # bool
    inlined: np.ndarray  # bool
    context: pa.Array  # string
    arch: pa.Array  # string, per report
    kind: pa.Array  # string, per report
    title: pa.Array  # string, per report

    @property
    def n_reports(self) -> int:
        return len(self.arch)


@dataclass
class Signatures:
    bucket_id: list[str]  # per report
    signature: dict[str, list[str]]  # bucket_id -> hashed tokens (kind token first)
    reason: np.ndarray  # per frame, index into REASONS or -1 when used
    sig_index: np.ndarray  # per report, index into `unique_ids`
    unique_ids: list[str]

    def reasons(self) -> list[str | None]:
        names = np.array((None,) + REASONS, dtype=object)
        return names[self.reason + 1].tolist()


def _encode(arr: pa.Array) -> tuple[np.ndarray, list]:
    """Dictionary codes (-1 for null) and the distinct values.  Dictionary-typed input
    (Parquet read with read_dictionary) is used as it is."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.unify_dictionaries() if pa.types.is_dictionary(arr.type) else arr
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        d = arr
    else:
        d = pc.dictionary_encode(arr if arr.type == pa.string() else arr.cast(pa.string()))
    idx = d.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    return idx, d.dictionary.to_pylist()


def _runs(rep: np.ndarray) -> np.ndarray:
    """Start index of every run of equal values in `rep`."""
    if not len(rep):
        return np.zeros(0, np.int64)
    change = np.empty(len(rep), bool)
    change[0] = True
    np.not_equal(rep[1:], rep[:-1], out=change[1:])
    return np.flatnonzero(change)


def _group_first(rep: np.ndarray, n: int) -> np.ndarray:
    """Index of each report's first element in `rep` (each report's elements
    contiguous), -1 when it has none."""
    first = np.full(n, -1, np.int64)
    idx = _runs(rep)
    first[rep[idx]] = idx
    return first


def _grouped(rep: np.ndarray, fno: np.ndarray, n_rep: int) -> bool:
    """True when every report's frames are contiguous and in frame order, so the engine
    can skip sorting (the dataset and Report paths both deliver frames that way)."""
    if len(rep) < 2:
        return True
    runs = _runs(rep)
    if len(runs) != np.count_nonzero(np.bincount(rep, minlength=n_rep)):
        return False
    same = rep[1:] == rep[:-1]
    return bool(np.all(fno[1:][same] > fno[:-1][same]))


def _cumsum_before(x: np.ndarray, gstart: np.ndarray) -> np.ndarray:
    """Per element: sum of x over the earlier elements of the same report, `gstart`
    being the index of each element's report's first element."""
    cs = np.cumsum(x, dtype=np.int32)
    cs -= x
    return cs - cs[gstart]


def _distinct(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(codes, return_inverse=True) for codes in [-1, size), without sorting
    when a dense table fits."""
    if size > 1 << 26:
        u, inv = np.unique(codes, return_inverse=True)
        return u, inv.reshape(-1)
    present = np.zeros(size + 1, bool)
    present[codes + 1] = True
    u = np.flatnonzero(present) - 1
    where = np.zeros(size + 1, np.int64)
    where[u + 1] = np.arange(len(u))
    return u, where[codes + 1]


def _distinct_rows(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(mat, axis=0, return_inverse=True), sorting rows as raw bytes."""
    if len(mat) == 0:
        return mat, np.zeros(0, np.int64)
    m = np.ascontiguousarray(mat)
    v = m.view(np.dtype((np.void, m.dtype.itemsize * m.shape[1]))).reshape(-1)
    _, first, inv = np.unique(v, return_index=True, return_inverse=True)
    return m[first], inv.reshape(-1)


def compute(cols: FrameColumns, depth: int | None = None, version: str | None = None,
            with_reasons: bool = True) -> Signatures:
    """Signatures and bucket ids of every report in `cols`; per-frame skip reasons
    unless `with_reasons` is False (re-bucketing frames already in a dataset).
    Per-frame arrays are int32/int8/bool: at millions of frames the cost is memory
    traffic, not arithmetic."""
    depth = R.DEPTH if depth is None else depth
    version = R.BUCKET_VERSION if version is None else version
    n_rep = cols.n_reports
    n = len(cols.report)
    rep_in = np.asarray(cols.report, np.int32)

    # Per distinct (symbol, module): token, generic, entry.  Null symbol -> code -1.
    sym_code, sym_vals = _encode(cols.symbol)
    mod_code, mod_vals = _encode(cols.module)
    nm = len(mod_vals) + 1
    pair = (sym_code.astype(np.int64) + 1) * nm + (mod_code + 1)  # >= 0; symbol or module code -1 -> 0
    upair, pair_inv = _distinct(pair, (len(sym_vals) + 1) * nm)
    tok_of_pair = np.empty(len(upair), np.int32)
    gen_of_pair = np.zeros(len(upair), bool)
    ent_of_pair = np.zeros(len(upair), bool)
    tokens: list[str] = []
    tok_ids: dict[str, int] = {}
    for j, p in enumerate(upair.tolist()):
        s, m = divmod(p, nm)
        s -= 1
        if s < 0 or not (sym_vals[s] or "").strip():
            tok_of_pair[j] = -1
            continue
        name = frame_name(sym_vals[s])
        mod = (mod_vals[m - 1] if m > 0 else None) or None  # "" is vmlinux too
        tok = f"{name} [{mod}]" if mod else name
        tok_of_pair[j] = tok_ids.setdefault(tok, len(tok_ids))
        if tok_of_pair[j] == len(tokens):
            tokens.append(tok)
        gen_of_pair[j] = mod is None and is_generic(name)
        ent_of_pair[j] = mod is None and is_entry(name)
    tok = tok_of_pair[pair_inv] if n else np.zeros(0, np.int32)
    generic = gen_of_pair[pair_inv] if n else np.zeros(0, bool)
    entry = ent_of_pair[pair_inv] if n else np.zeros(0, bool)

    meth_code, meth_vals = _encode(cols.method)
    mmap = np.array([METHOD_NAMES.index(v) if v in METHOD_NAMES else _M_SCAN for v in meth_vals] + [_M_SCAN], np.int8)
    meth = mmap[meth_code]  # code -1 (null) picks the trailing _M_SCAN
    ctx_code, _ = _encode(cols.context)
    arch_code, arch_vals = _encode(cols.arch)
    lr_arch = np.array([a in R.LR_FILLS_LEAF_CALLER for a in arch_vals] + [False])[arch_code]
    lead_arch = np.array([a in R.LEADING_UNRELIABLE_IS_CALLER for a in arch_vals] + [False])[arch_code]
    reliable = np.asarray(cols.reliable, bool)
    inlined = np.asarray(cols.inlined, bool)
    is_regs = meth == _M_REGS

    # Frames in report order, as the parser lists them: a `regs` frame before the first
    # printed frame is the crash pc (and further ones lr); a `regs` frame right after the
    # first printed frame is the lr the parser put in the leaf-caller slot; `regs` frames
    # further down were appended by the unwinder and rank with its fp frames.
    fno = np.asarray(cols.frame_no)
    if not _grouped(rep_in, fno, n_rep):
        order = np.lexsort((fno, rep_in))
        rep = rep_in[order]
        tok, generic, entry, meth, reliable, inlined, is_regs = (
            a[order] for a in (tok, generic, entry, meth, reliable, inlined, is_regs))
        ctx = ctx_code[order]
    else:
        order, rep, ctx = None, rep_in, ctx_code
    starts = _group_first(rep, n_rep)
    gstart = starts[rep]
    named = tok >= 0
    cand = named & ~inlined & ~generic  # could carry the signature

    nonregs_before = _cumsum_before(~is_regs, gstart)
    lead = is_regs & (nonregs_before == 0)
    is_pc = lead & (_cumsum_before(is_regs, gstart) == 0)
    first_printed = ~is_regs & (nonregs_before == 0)
    after_first = np.zeros(n, bool)
    if n > 1:
        after_first[1:] = first_printed[:-1] & (rep[1:] == rep[:-1])
    is_lr = (lead & ~is_pc) | (is_regs & after_first)
    top = is_pc | is_lr

    # Tier of each caller frame; i386 promotes the first printed frame when it is `?`.
    tier = np.full(n, _T_WEAK, np.int8)
    is_trace = meth == _M_TRACE
    unwound = (meth == _M_FP) | (meth == _M_CFI) | (is_regs & ~top)
    tier[is_trace & reliable] = _T_TRACE
    tier[unwound & reliable] = _T_UNWOUND
    tier[first_printed & is_trace & lead_arch[rep]] = _T_TRACE
    tier[top] = 0
    best = np.full(n_rep, _T_NONE, np.int8)
    if n:
        runs = _runs(rep)
        best[rep[runs]] = np.minimum.reduceat(np.where(cand & ~top, tier, np.int8(_T_NONE)), runs)
    # lr fills the leaf-caller slot only where the arch's lr is known to be the caller.
    lr_ok = is_lr & lr_arch[rep]
    chosen = is_pc | lr_ok | (~top & (tier == best[rep]))
    # End of the crashing context: an entry frame after a used frame, or a caller frame
    # in another context than the first used caller.
    use = chosen & cand
    used_before = _cumsum_before(use, gstart)
    ref_ctx = np.full(n_rep, -3, np.int32)
    fc = _group_first(rep[use & ~top], n_rep)
    ok = fc >= 0
    ref_ctx[ok] = ctx[use & ~top][fc[ok]]
    stop = chosen & (used_before > 0) & (entry | (~top & (ctx != ref_ctx[rep])))
    stopped = (_cumsum_before(stop, gstart) + stop) > 0
    use &= ~stopped

    # Recursion: a used frame repeating the previous used frame.
    ui = np.flatnonzero(use)
    dup = np.zeros(len(ui), bool)
    if len(ui) > 1:
        dup[1:] = (tok[ui][1:] == tok[ui][:-1]) & (rep[ui][1:] == rep[ui][:-1])
    recur = np.zeros(n, bool)
    recur[ui[dup]] = True
    use &= ~recur

    ui = np.flatnonzero(use)
    ustart = _group_first(rep[ui], n_rep)
    rank = np.arange(len(ui)) - ustart[rep[ui]]
    deep = np.zeros(n, bool)
    deep[ui[rank >= depth]] = True
    keep = rank < depth
    use &= ~deep

    # Why each unused frame was not used, first matching rule wins.
    reason = np.zeros(0, np.int64) if not with_reasons else np.select(
        [inlined & named, ~named, use, recur, deep,
         generic, chosen & stopped, is_lr, meth == _M_SCAN, unwound & reliable & (best[rep] < _T_UNWOUND)],
        [_R_INLINED, _R_NOSYM, _R_USED, _R_RECUR, _R_DEPTH,
         _R_GENERIC, _R_DEPTH, _R_UNREL, _R_SCAN, _R_SUPER],
        default=_R_UNREL,
    ).astype(np.int64)

    # Signature matrix: per report, DEPTH token codes (-1 = none).
    mat = np.full((n_rep, depth), -1, np.int32)
    mat[rep[ui[keep]], rank[keep]] = tok[ui[keep]]
    n_used = (mat >= 0).sum(axis=1)

    # Kind token per distinct (kind, title, has-frames).
    kind_code, kind_vals = _encode(cols.kind)
    title_code, title_vals = _encode(cols.title)
    ktriple = np.stack([kind_code, title_code, (n_used > 0).astype(np.int32)], axis=1) if n_rep \
        else np.zeros((0, 3), np.int32)
    kt_u, kt_inv = _distinct_rows(ktriple)
    ktoks = [kind_token(kind_vals[k] if k >= 0 else None, title_vals[t] if t >= 0 else None, bool(f))
             for k, t, f in kt_u.tolist()]
    # Title only matters for qualified kinds or frame-less reports: merge equal tokens.
    ktok_ids: dict[str, int] = {}
    kt_code = np.array([ktok_ids.setdefault(t, len(ktok_ids)) for t in ktoks], np.int32)[kt_inv] \
        if n_rep else np.zeros(0, np.int32)
    ktok_list = list(ktok_ids)

    full = np.concatenate([kt_code[:, None], mat], axis=1)
    sig_u, sig_inv = _distinct_rows(full)
    unique_ids: list[str] = []
    signature: dict[str, list[str]] = {}
    for row in sig_u.tolist():
        toks = [ktok_list[row[0]]] + [tokens[t] for t in row[1:] if t >= 0]
        bid = bucket_hash(toks, version)
        unique_ids.append(bid)
        signature[bid] = toks
    ids_arr = np.array(unique_ids, dtype=object)
    bucket_ids = ids_arr[sig_inv].tolist() if n_rep else []

    out_reason = np.empty(n if with_reasons else 0, np.int64)
    if with_reasons:
        if order is None:
            out_reason = reason
        else:
            out_reason[order] = reason
    return Signatures(bucket_ids, signature, out_reason, sig_inv, unique_ids)
