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
MAX_STACK_BYTES = 1 << 24  # 16 MiB per dump: kernel stacks are 8-16 KiB, user dumps capped

FLAG_IP, FLAG_SP, FLAG_FP, FLAG_LR = 1, 2, 4, 8

_HEX = re.compile(r"[0-9a-fA-F]+")
# Every pattern here is anchored and free of nested quantifiers (linear time).
_ADDR = re.compile(r"^\s*(?:0x)?([0-9a-fA-F]{4,16})(:?)(\s+)")
_ARM_HDR = re.compile(r"(?:Stack|Exception stack)\s*\(0x([0-9a-fA-F]{1,16}) to 0x([0-9a-fA-F]{1,16})\)")
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
                if not toks or not all(_HEX.fullmatch(t) for t in toks):
                    break
                words.extend(toks)
            ws = word_size or (8 if words and len(words[0]) > 8 else 4)
            limit = max(0, (end - start) // ws)
            if len(words) > limit:
                warnings.append(f"{len(words) - limit} words beyond the header's range dropped")
                words = words[:limit]
            return ParsedStack(_words_to_bytes([int(w, 16) for w in words], ws, little_endian), start, ws, warnings)
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
