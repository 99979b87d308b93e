"""Raw stack dumps: text/binary input parsing and the Arrow IPC stack-dump container.

Text forms understood by `parse_stack` (all produce the dump's bytes in target order):

* hexdumps, one line per 16 bytes: `0xf3e2de34 f3e2de70 c0135351 401ef021 00000000   p.bs..`
  or `f3e2de34: ...` (32-bit: four words, 64-bit: two), an optional ASCII column after
  two or more spaces;
* arm's kernel `Stack: (0xe0bb1e20 to 0xe0bb2000)` block whose lines carry only the low
  address bits (`1e20: c1ea9c00 ...`, the first line padded with blanks);
* x86-style oops `Stack:` blocks: `Stack: w w w ...` with indented continuation lines,
  no addresses (the base comes from --stack-base or --sp).

Anything that is not text is raw binary (base from --stack-base).

The container (`write_container` / `open_container`) is one Arrow IPC *file* per batch;
crash collectors may write it directly.  Schema (`CONTAINER_SCHEMA`):

| column | type | meaning |
|---|---|---|
| report | int64 | index of the report in its batch (or any id of the caller's) |
| arch_id | uint8 | ABI row, `crashpipe.arch` (0 i386, 1 x86_64, 2 arm apcs, 3 arm gcc, 4 arm64, 5 riscv64) |
| flags | uint8 | which registers are valid: 1 ip, 2 sp, 4 fp, 8 lr/ra |
| ip, sp, fp, lr | uint64 | registers of frame 0 (lr = ra on riscv64) |
| base | uint64 | address of the first stack byte |
| stack | large_binary | the stack bytes in the target's byte order, from `base` upwards |
| kernel_release | string (nullable) | `uname -r` of the crashed kernel, for the symbol store |
| source | string (nullable) | where the dump came from (file, host, ...) |

File metadata `crashpipe.container` = `stackdump/1`.  The stack column is `large_binary`
so a single file may hold more than 2 GiB of stacks; the unwinder reads its offsets and
data buffers in place from the memory map.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

CONTAINER_FORMAT = b"stackdump/1"
ARROW_FILE_MAGIC = b"ARROW1"
MADV_POPULATE_READ = 22  # linux/mman.h; not in Python's mmap module before 3.13
MAX_STACK_BYTES = 1 << 24  # 16 MiB per dump: kernel stacks are 8-16 KiB, user dumps capped

FLAG_IP, FLAG_SP, FLAG_FP, FLAG_LR = 1, 2, 4, 8

_HEX = re.compile(r"[0-9a-fA-F]+")
# Every pattern here is anchored and free of nested quantifiers (linear time).
_ADDR = re.compile(r"^\s*(?:0x)?([0-9a-fA-F]{4,16})(:?)(\s+)")
_ARM_HDR = re.compile(r"(?:Stack:?|Exception stack)\s*\(0x([0-9a-fA-F]{1,16}) to 0x([0-9a-fA-F]{1,16})\)")
_OOPS_STACK = re.compile(r"^\s*Stack:\s*(.*)$")


@dataclass
class ParsedStack:
    data: bytes
    base: int | None  # None when the text carries no addresses
    word_size: int
    warnings: list[str]


def _words_to_bytes(words: list[int], ws: int, little: bool) -> bytes:
    order = "little" if little else "big"
    return b"".join(w.to_bytes(ws, order) for w in words)


def _split_words(rest: str) -> tuple[int, list[str]]:
    """Leading blank columns (arm pads the first line) and the word tokens before the
    ASCII column (which follows a run of two or more spaces)."""
    lead = len(rest) - len(rest.lstrip(" "))
    body = rest.lstrip(" ")
    cut = body.find("  ")
    if cut >= 0:
        body = body[:cut]
    return lead, body.split()


def looks_textual(raw: bytes) -> bool:
    if not raw:
        return False
    head = raw[:4096]
    if b"\0" in head:
        return False
    try:
        head.decode("ascii")
    except UnicodeDecodeError:
        return False
    return True


def parse_stack_text(text: str, word_size: int | None = None, little_endian: bool = True) -> ParsedStack:
    """Parse a hexdump or an oops `Stack:` block (see module doc).  Never raises on bad
    text: unparsable lines are skipped with a warning, a gap ends the dump."""
    warnings: list[str] = []
    lines = [ln[:4096] for ln in text.splitlines()]
    # arm kernel block: header with the full range, lines with the low address bits
    for idx, ln in enumerate(lines):
        m = _ARM_HDR.search(ln)
        if m and "Stack" in ln[: m.start() + 6]:
            start, end = int(m.group(1), 16), int(m.group(2), 16)
            words: list[str] = []
            for ln2 in lines[idx + 1:]:
                m2 = re.match(r"^\s*([0-9a-fA-F]{4}):(\s.*)$", ln2)
                if not m2:
                    break
                _, toks = _split_words(m2.group(2))
                if not toks or not all(_HEX.fullmatch(t) or set(t) == {"?"} for t in toks):
                    break
                words.extend(toks)
            ws = word_size or (8 if words and len(words[0]) > 8 else 4)
            limit = max(0, (end - start) // ws)
            if len(words) > limit:
                warnings.append(f"{len(words) - limit} words beyond the header's range dropped")
                words = words[:limit]
            # `????????` = the kernel could not read that word (e.g. past a stack overflow's
            # guard): leading ones move the dump's start, later ones read as 0
            while words and words[0].startswith("?"):
                words.pop(0)
                start += ws
            if any(w.startswith("?") for w in words):
                warnings.append("unreadable words (????????) taken as 0")
            vals = [0 if w.startswith("?") else int(w, 16) for w in words]
            return ParsedStack(_words_to_bytes(vals, ws, little_endian), start, ws, warnings)
    # x86-style `Stack:` block: words only
    for idx, ln in enumerate(lines):
        m = _OOPS_STACK.match(ln)
        if m:
            toks = m.group(1).split()
            for ln2 in lines[idx + 1:]:
                if not ln2.startswith(" ") or _ADDR.match(ln2) and ":" in ln2.split()[0]:
                    break
                t2 = ln2.split()
                if not t2 or not all(_HEX.fullmatch(t) for t in t2):
                    break
                toks.extend(t2)
            toks = [t for t in toks if _HEX.fullmatch(t)]
            ws = word_size or (8 if toks and len(toks[0]) > 8 else 4)
            return ParsedStack(_words_to_bytes([int(t, 16) & ((1 << (8 * ws)) - 1) for t in toks], ws, little_endian),
                               None, ws, warnings)
    # hexdump with full addresses
    base = None
    out: list[int] = []
    ws = word_size
    nxt = None
    for no, ln in enumerate(lines, 1):
        m = _ADDR.match(ln)
        if not m:
            if ln.strip():
                warnings.append(f"line {no}: not a hexdump line")
            continue
        addr = int(m.group(1), 16)
        lead, toks = _split_words(ln[m.end(3) - len(m.group(3)):])
        toks = [t for t in toks if _HEX.fullmatch(t)]
        if not toks:
            continue
        if ws is None:
            ws = 8 if len(toks[0]) > 8 else 4
        width = 2 * ws
        if lead > 1:  # blank word columns before the first word
            addr += ((lead - 1) // (width + 1)) * ws
        if base is None:
            base = addr
            nxt = addr
        if addr != nxt:
            warnings.append(f"line {no}: address {addr:#x} does not continue the dump at {nxt:#x}; stopped")
            break
        out.extend(int(t, 16) & ((1 << (8 * ws)) - 1) for t in toks)
        nxt = addr + len(toks) * ws
    ws = ws or 4
    return ParsedStack(_words_to_bytes(out, ws, little_endian), base, ws, warnings)


def parse_stack(raw: bytes, word_size: int | None = None, little_endian: bool = True) -> ParsedStack:
    """Bytes of a --stack FILE: text forms as above, anything else raw binary."""
    if looks_textual(raw):
        return parse_stack_text(raw.decode("ascii", "replace"), word_size, little_endian)
    return ParsedStack(bytes(raw[:MAX_STACK_BYTES]), None, word_size or 0, [])


# ---------------------------------------------------------------------------
# The Arrow IPC container


def container_schema():
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("report", pa.int64(), nullable=False),
            pa.field("arch_id", pa.uint8(), nullable=False),
            pa.field("ip", pa.uint64()),
            pa.field("sp", pa.uint64()),
            pa.field("fp", pa.uint64()),
            pa.field("lr", pa.uint64()),
            pa.field("base", pa.uint64(), nullable=False),
            pa.field("stack", pa.large_binary(), nullable=False),
            pa.field("kernel_release", pa.string()),
            pa.field("source", pa.string()),
            # optional code ranges for validation and scanning: flat [lo0, hi0, lo1, hi1, ...]
            pa.field("text_ranges", pa.list_(pa.uint64())),
        ],
        metadata={b"crashpipe.container": CONTAINER_FORMAT},
    )


def is_container(path: str) -> bool:
    """An Arrow IPC file whose schema says it is a stack-dump container."""
    try:
        with open(path, "rb") as f:
            if f.read(6) != ARROW_FILE_MAGIC:
                return False
        import pyarrow as pa
        import pyarrow.ipc as ipc

        with pa.memory_map(path) as mm:
            md = ipc.open_file(mm).schema.metadata or {}
        return md.get(b"crashpipe.container") == CONTAINER_FORMAT
    except Exception:  # noqa: BLE001 - any unreadable file is simply not a container
        return False


def _u64(vals, n):
    import pyarrow as pa

    if vals is None:
        return pa.nulls(n, pa.uint64())
    return pa.array(vals, type=pa.uint64())


def make_batch(report, arch_id, base, offsets, data, ip=None, sp=None, fp=None, lr=None,
               kernel_release=None, source=None, text_ranges=None):
    """One record batch from columnar numpy input (no per-dump Python work for the
    stack bytes: `offsets` (int64, n+1) and `data` (uint8) become the binary column's
    buffers).  Register arguments may be None (all null) or arrays/lists with None."""
    import numpy as np
    import pyarrow as pa

    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    n = len(offsets) - 1
    stack = pa.LargeBinaryArray.from_buffers(pa.large_binary(), n, [None, pa.py_buffer(offsets),
                                                                   pa.py_buffer(np.ascontiguousarray(data, np.uint8))])
    cols = [
        pa.array(np.asarray(report, np.int64)),
        pa.array(np.asarray(arch_id, np.uint8)),
        _u64(ip, n), _u64(sp, n), _u64(fp, n), _u64(lr, n),
        pa.array(np.asarray(base, np.uint64)),
        stack,
        pa.array(kernel_release if kernel_release is not None else [None] * n, pa.string()),
        pa.array(source if source is not None else [None] * n, pa.string()),
        pa.array(text_ranges if text_ranges is not None else [None] * n, pa.list_(pa.uint64())),
    ]
    return pa.RecordBatch.from_arrays(cols, schema=container_schema())


class ContainerWriter:
    """Streams record batches into one container file (batches of any size)."""

    def __init__(self, path: str):
        import pyarrow as pa
        import pyarrow.ipc as ipc

        self._sink = pa.OSFile(path, "wb")
        self._w = ipc.new_file(self._sink, container_schema())

    def write(self, batch) -> None:
        self._w.write_batch(batch)

    def close(self) -> None:
        self._w.close()
        self._sink.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def write_dumps(path: str, dumps: list[dict]) -> None:
    """Convenience writer for a few dumps given as dicts with keys report, arch (name
    or `arch_id`), layout, base, stack (bytes), ip/sp/fp/lr, kernel_release, source,
    text_ranges ([(lo, hi), ...])."""
    import numpy as np

    from crashpipe import arch as archmod

    offs = np.zeros(len(dumps) + 1, np.int64)
    offs[1:] = np.cumsum([len(d["stack"]) for d in dumps])
    data = np.frombuffer(b"".join(bytes(d["stack"]) for d in dumps), np.uint8)
    ids = [d["arch_id"] if "arch_id" in d else archmod.get(d["arch"], d.get("layout")).abi_id for d in dumps]
    with ContainerWriter(path) as w:
        w.write(make_batch([d.get("report", k) for k, d in enumerate(dumps)], ids, [d["base"] for d in dumps],
                           offs, data, *[[d.get(r) for d in dumps] for r in ("ip", "sp", "fp", "lr")],
                           [d.get("kernel_release") for d in dumps], [d.get("source") for d in dumps],
                           [None if d.get("text_ranges") is None else [x for r in d["text_ranges"] for x in r]
                            for d in dumps]))


@dataclass
class ContainerBatch:
    """Zero-copy numpy views of one record batch (valid while the container is open)."""
    report: "object"
    arch_id: "object"
    base: "object"
    ip: "object"
    sp: "object"
    fp: "object"
    lr: "object"
    flags: "object"  # FLAG_* from the registers' validity
    offsets: "object"  # int64 n+1, into `data`
    data: "object"  # uint8
    record_batch: "object"

    def __len__(self) -> int:
        return len(self.offsets) - 1


def _view(arr, dtype):
    """The values buffer of a primitive Arrow array as a numpy view (no copy)."""
    import numpy as np

    buf = arr.buffers()[1]
    return np.frombuffer(buf, dtype=dtype)[arr.offset: arr.offset + len(arr)]


class Container:
    """A memory-mapped container: iterate `batches()` for zero-copy numpy views."""

    def __init__(self, path: str):
        import mmap

        import numpy as np
        import pyarrow as pa
        import pyarrow.ipc as ipc

        self.path = path
        with open(path, "rb") as f:
            self._mm = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
        # Where the kernel keeps the file in 2 MiB folios (ext4 with large folios, Linux
        # 6.16+, makes them for large writes and for readahead), a populate maps 2 MiB per
        # entry instead of 4 KiB (~1 ns instead of ~100-180 ns per 4 KiB on this VM).  The
        # hint also makes faults on pages not yet cached read ahead in 2 MiB folios.
        # Nothing is copied; the kernel ignores the hint where it cannot honour it.
        if len(self._mm) and hasattr(mmap, "MADV_HUGEPAGE"):
            try:
                self._mm.madvise(mmap.MADV_HUGEPAGE)
            except OSError:
                pass
        self._base_addr = np.frombuffer(self._mm, np.uint8).ctypes.data
        self._reader = ipc.open_file(pa.BufferReader(pa.py_buffer(self._mm)))
        md = self._reader.schema.metadata or {}
        if md.get(b"crashpipe.container") != CONTAINER_FORMAT:
            raise ValueError(f"{path}: not a crashpipe stack-dump container")

    @property
    def num_batches(self) -> int:
        return self._reader.num_record_batches

    def batch(self, k: int) -> ContainerBatch:
        import numpy as np

        rb = self._reader.get_batch(k)
        st = rb.column("stack")
        _, obuf, dbuf = st.buffers()
        offsets = np.frombuffer(obuf, np.int64)[st.offset: st.offset + len(st) + 1]
        data = np.frombuffer(dbuf, np.uint8) if dbuf is not None else np.zeros(0, np.uint8)
        # map the batch's pages in one system call (MADV_POPULATE_READ, Linux 5.14) rather
        # than one page fault per 64 KiB while walking
        self._advise(dbuf, MADV_POPULATE_READ)
        flags = np.zeros(len(rb), np.uint8)
        regs = []
        for name, fl in (("ip", FLAG_IP), ("sp", FLAG_SP), ("fp", FLAG_FP), ("lr", FLAG_LR)):
            col = rb.column(name)
            if col.null_count == len(col):
                regs.append(np.zeros(len(col), np.uint64))
                continue
            regs.append(_view(col, np.uint64))
            if col.null_count == 0:  # the usual case: one scalar or, no bitmap to expand
                flags |= np.uint8(fl)
            else:  # the validity bitmap, LSB first, expanded with numpy (no Arrow boolean array)
                bits = np.unpackbits(np.frombuffer(col.buffers()[0], np.uint8), bitorder="little")
                flags |= bits[col.offset: col.offset + len(col)] * np.uint8(fl)
        return ContainerBatch(_view(rb.column("report"), np.int64), _view(rb.column("arch_id"), np.uint8),
                              _view(rb.column("base"), np.uint64), *regs, flags, offsets, data, rb)

    def _advise(self, buf, advice: int) -> None:
        if buf is None:
            return
        import mmap

        start = buf.address - self._base_addr
        page = start - start % mmap.PAGESIZE
        if 0 <= page and start + buf.size <= len(self._mm):
            try:
                self._mm.madvise(advice, page, start + buf.size - page)
            except (OSError, ValueError):
                pass  # advice unknown to this kernel: only a missed optimisation

    def release(self, cb: ContainerBatch) -> None:
        """Drop the page-table entries of a walked batch's stacks (MADV_DONTNEED on a
        read-only file mapping: the bytes stay valid and fault back in from the page
        cache if touched again), so resident memory does not grow with the file."""
        import mmap

        self._advise(cb.record_batch.column("stack").buffers()[2], mmap.MADV_DONTNEED)

    def batches(self):
        """Each batch's views, released (see `release`) once the next one is asked for."""
        prev = None
        for k in range(self.num_batches):
            if prev is not None:
                self.release(prev)
            prev = self.batch(k)
            yield prev

    def close(self) -> None:
        self._reader = None
        try:
            self._mm.close()
        except BufferError:
            pass  # views still alive elsewhere: the mapping goes when they do

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def reports_from_container(path: str, batch_size: int = 4096) -> Iterator[list]:
    """Reports for `crashpipe run`: one Report per dump, in batches of `batch_size`,
    carrying arch, registers (canonical pc/sp/fp/lr), kernel release, one StackDump, and
    source `path!<source column>` (`path!<report>` where the collector gave none).  The unwind stage then walks them like parsed `Stack:` dumps."""
    from crashpipe import arch as archmod
    from crashpipe.model import Report, StackDump

    with Container(path) as c:
        out: list = []
        for cb in c.batches():
            rb = cb.record_batch
            rel = rb.column("kernel_release").to_pylist()
            src = rb.column("source").to_pylist()
            tr = rb.column("text_ranges").to_pylist()
            for i in range(len(cb)):
                try:
                    abi = archmod.by_id(int(cb.arch_id[i]))
                except IndexError:
                    abi = None
                regs = {}
                for name, arr, fl in (("pc", cb.ip, FLAG_IP), ("sp", cb.sp, FLAG_SP), ("fp", cb.fp, FLAG_FP),
                                      ("lr", cb.lr, FLAG_LR)):
                    if cb.flags[i] & fl:
                        regs[name] = int(arr[i])
                o0, o1 = int(cb.offsets[i]), int(cb.offsets[i + 1])
                # `container!<collector's source>` (or `!<report>`), like archive members
                r = Report(source=f"{path}!{src[i] or int(cb.report[i])}", source_line=int(cb.report[i]),
                           arch=abi.arch if abi else None, kernel_release=rel[i], registers=regs)
                if abi is None:
                    r.corrupted, r.corrupted_reason = True, f"container: unknown arch_id {int(cb.arch_id[i])}"
                else:
                    r.stacks.append(StackDump(base=int(cb.base[i]), data=cb.data[o0:o1].tobytes(),
                                              word_size=abi.word_size, little_endian=abi.little_endian,
                                              layout=abi.layout,
                                              text_ranges=list(zip(tr[i][0::2], tr[i][1::2])) if tr[i] else None))
                out.append(r)
                if len(out) >= batch_size:
                    yield out
                    out = []
        if out:
            yield out
