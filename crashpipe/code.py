"""The `Code:` bytes of a report: the instruction bytes around the crashing pc, in memory
order, and the faulting instruction decoded with capstone.

Kernels print them in three shapes: x86 prints bytes (`48 8b <8b> 40`, `<>` marks the
byte at the pc); arm, arm64, riscv, mips and ppc print instruction-sized values
(`e5933000 (e5832000)` or `<7c0004ac>`) read as integers, so their memory order depends
on the target's byte order; s390 prints its own disassembly (`Krnl Code:` rows, `>` marks
the pc).  Architecture data (word size, byte order, capstone modes) lives in
`crashpipe.formats.fields.ARCH_INFO`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from crashpipe.formats import fields
from crashpipe.memo import remember

_HEX = frozenset("0123456789abcdefABCDEF")
_S390_ROW = re.compile(fields.S390_CODE_ROW)


@dataclass
class Code:
    data: bytes
    fault_offset: int | None  # byte offset of the faulting instruction in data
    thumb: bool = False  # arm: halfword dump of Thumb code


_PARSED: dict = {}


def parse_code(text: str, little_endian: bool | None = True) -> Code | None:
    """`_parse_code`, remembered per distinct (text, byte order): every report of one crash
    site on one build prints the same dump.  A new Code each call (callers may set thumb)."""
    key = (text, little_endian)
    got = _PARSED.get(key, _PARSED)
    if got is _PARSED:
        c = _parse_code(text, little_endian)
        got = remember(_PARSED, key, None if c is None else (c.data, c.fault_offset, c.thumb), len(text))
    return None if got is None else Code(got[0], got[1], thumb=got[2])


def _parse_code(text: str, little_endian: bool | None = True) -> Code | None:
    """Bytes of a `Code:` / `Instruction dump:` body (the part after the label), in memory
    order.  Tokens are all bytes (2 hex digits) or all halfwords/words (4 or 8 digits);
    one token may be marked with `<>` or `()`.  Returns None for text that is not such a
    dump ("Bad RIP value.", "Unable to access opcode bytes at ...", mixed widths) or for
    words whose byte order is unknown."""
    toks = text.split()
    if not toks or len(toks) > 256:
        return None
    fast = _byte_dump(toks)
    if fast is not None:
        return fast
    out = bytearray()
    fault = None
    width = None
    for tok in toks:
        marked = len(tok) > 2 and tok[0] + tok[-1] in ("<>", "()")
        if marked:
            tok = tok[1:-1]
        if not tok or not set(tok) <= _HEX or len(tok) not in (2, 4, 8):
            return None
        if width is None:
            width = len(tok)
        elif len(tok) != width:
            return None
        if marked:
            if fault is not None:
                return None
            fault = len(out)
        value = int(tok, 16)
        if width == 2:
            out.append(value)
        elif little_endian is None:
            return None
        else:
            out += value.to_bytes(width // 2, "little" if little_endian else "big")
    return Code(bytes(out), fault, thumb=(width == 4))


def _byte_dump(toks: list[str]) -> Code | None:
    """parse_code's answer for the common dump (x86): all tokens bytes, at most one of
    them marked, or None to let the token loop decide."""
    odd = [i for i, tok in enumerate(toks) if len(tok) != 2]
    fault = None
    if odd:
        if len(odd) > 1:
            return None
        fault = odd[0]
        tok = toks[fault]
        if len(tok) != 4 or tok[0] + tok[-1] not in ("<>", "()"):
            return None
        toks = toks[:fault] + [tok[1:3]] + toks[fault + 1:]
    digits = "".join(toks)
    if not set(digits) <= _HEX:
        return None
    return Code(bytes.fromhex(digits), fault, thumb=False)


def parse_s390_code(rows: list[str]) -> tuple[Code, str | None] | None:
    """s390 `Krnl Code:` rows -> (bytes in memory order with the `>` instruction's offset,
    the kernel's own disassembly of that instruction)."""
    out = bytearray()
    fault = None
    insn = None
    for row in rows:
        m = _S390_ROW.match(row.strip())
        if m is None:
            continue
        hexs = m.group(3)
        if len(hexs) % 2:
            return None
        if m.group(1) == ">":
            fault = len(out)
            insn = " ".join(m.group(4).split()) or None
        out += bytes.fromhex(hexs)
    if not out:
        return None
    return Code(bytes(out), fault), insn


@lru_cache(maxsize=None)
def _decoder(arch: str, thumb: bool):
    import capstone

    info = fields.ARCH_INFO.get(arch) or {}
    spec = info.get("thumb_cs") if thumb else info.get("cs")
    if spec is None:
        return None
    cs_arch = getattr(capstone, spec[0], None)
    if cs_arch is None:
        return None
    mode = 0
    for name in spec[1]:
        bit = getattr(capstone, name, None)
        if bit is None:
            return None
        mode |= bit
    try:
        return capstone.Cs(cs_arch, mode)
    except capstone.CsError:
        return None


def faulting_instruction(code: Code, arch: str | None) -> str | None:
    """Disassembly (`mnemonic operands`) of the instruction at the marked offset, or None
    when there is no mark, no decoder for the architecture, or the bytes do not decode."""
    return instruction_at(code.data, code.fault_offset, code.thumb, arch)


def instruction_at(data: bytes, fault_offset: int | None, thumb: bool, arch: str | None) -> str | None:
    """`faulting_instruction` of Code(data, fault_offset, thumb)."""
    if arch is None or fault_offset is None or fault_offset >= len(data):
        return None
    thumb = thumb and arch == "arm"
    window = data[fault_offset:fault_offset + 16]
    # Every report of one crash site on one build prints the same Code: line: the
    # instruction is decoded once per distinct (decoder, bytes).
    key = (arch, thumb, window)
    got = _INSN.get(key, _INSN)
    if got is not _INSN:
        return got
    return remember(_INSN, key, _disassemble(arch, thumb, window), len(window))


_INSN: dict = {}


def _disassemble(arch: str, thumb: bool, window: bytes) -> str | None:
    md = _decoder(arch, thumb)
    if md is None:
        return None
    try:
        for insn in md.disasm(window, 0, 1):
            return f"{insn.mnemonic} {insn.op_str}".strip()
    except Exception:  # capstone raises CsError on internal failures; a bad dump is not fatal
        return None
    return None
