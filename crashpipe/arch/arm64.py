"""arm64 (AAPCS64): `stp x29,x30,[sp,#-N]!; mov x29,sp` -> [x29] = caller's x29,
[x29+8] = x30, the return address (arch/arm64/kernel/stacktrace.c).  Arguments travel
in x0-x7."""
from crashpipe.arch import Abi

ABIS = [
    Abi(
        abi_id=4,
        arch="arm64",
        layout="x29",
        word_size=8,
        little_endian=True, code_align=4,
        prev_fp_offset=0,
        ra_offset=8,
        # Documentation/arch/arm64/memory.rst (48-bit VA, 6.x): 128 MiB of modules, then
        # the image at 0xffff800008000000 when KASLR is off.  The vmalloc area (kernel
        # stacks!) follows the image, so the default ends 32 MiB after its start; with KASLR the
        # image moves and only a symbol store gives its text.
        kernel_text=((0xFFFF800000000000, 0xFFFF80000A000000),),
        module_area=((0xFFFF800000000000, 0xFFFF800008000000),),
        call_sites=(
            (4, 4, 0xFC000000, 0x94000000),  # bl
            (4, 4, 0xFFFFFC1F, 0xD63F0000),  # blr
            (4, 4, 0xFEFFF800, 0xD63F0800),  # blraa/blrab(z) (pointer authentication)
        ),
        aliases=("aarch64",),
    )
]
