"""32-bit arm, two frame-record layouts (arch/arm/kernel/stacktrace.c, unwind_frame()):

* `apcs`: gcc -mapcs-frame, what the kernel uses with CONFIG_FRAME_POINTER (non-Thumb):
  `mov ip,sp; push {fp,ip,lr,pc}; sub fp,ip,#4` -> [fp] = saved pc, [fp-4] = lr,
  [fp-8] = caller's sp, [fp-12] = caller's fp.
* `gcc`: gcc -marm -fno-omit-frame-pointer (and clang's layout, the kernel's
  CONFIG_UNWINDER_FRAME_POINTER with clang): [fp] = lr, [fp-4] = caller's fp.  Leaf
  functions push only fp: [fp] = caller's fp and lr is still in the register.

Return addresses carry the Thumb bit; it is cleared.  Arguments travel in r0-r3."""
from crashpipe.arch import Abi

# Documentation/arch/arm/memory.rst: modules live in the 16 MiB below PAGE_OFFSET
# (0xbf000000-0xc0000000 with the default 3G/1G split), the kernel image just above it.
_MODULES = ((0xBF000000, 0xC0000000),)
# The Thumb bit is already cleared, so both instruction sets' calls are accepted.
_CALLS = (
    (4, 4, 0x0F000000, 0x0B000000),  # ARM bl<cond>
    (4, 4, 0xFE000000, 0xFA000000),  # ARM blx imm
    (4, 4, 0x0FFFFFF0, 0x012FFF30),  # ARM blx<cond> reg
    (8, 4, 0x0FFFFFFF, 0x01A0E00F),  # ARM mov lr, pc; then a branch (old APCS idiom)
    (4, 4, 0xD000F800, 0xD000F000),  # Thumb-2 bl
    (4, 4, 0xD001F800, 0xC000F000),  # Thumb-2 blx imm
    (2, 2, 0xFF87, 0x4780),  # Thumb blx reg
)
_TEXT = _MODULES + ((0xC0008000, 0xC1000000),)

ABIS = [
    Abi(abi_id=2, arch="arm", layout="apcs", word_size=4, little_endian=True, code_align=2,
        prev_fp_offset=-12, ra_offset=-4, ra_mask=~1, kernel_text=_TEXT, module_area=_MODULES, call_sites=_CALLS,
        aliases=("armhf", "armel", "armv7", "armv7l", "arm32")),
    Abi(abi_id=3, arch="arm", layout="gcc", word_size=4, little_endian=True, code_align=2,
        prev_fp_offset=-4, ra_offset=0, leaf_prev_fp_offset=0, ra_mask=~1, kernel_text=_TEXT,
        module_area=_MODULES, call_sites=_CALLS),
]
