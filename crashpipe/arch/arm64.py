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
        # Documentation/arch/arm64/memory.rst: modules and the kernel image live in the
        # vmalloc area's lower part; with 48-bit VA the image starts at 0xffff800008000000
        # (KASLR moves it within the first half of vmalloc).
        kernel_text=((0xFFFF800000000000, 0xFFFFC00000000000),),
        # modules: the 2 GiB (128 MiB before 6.2) region below the kernel image
        module_area=((0xFFFF800000000000, 0xFFFF800080000000),),
        call_sites=(
            (4, 4, 0xFC000000, 0x94000000),  # bl
            (4, 4, 0xFFFFFC1F, 0xD63F0000),  # blr
            (4, 4, 0xFEFFF800, 0xD63F0800),  # blraa/blrab(z) (pointer authentication)
        ),
        aliases=("aarch64",),
    )
]
