"""x86_64: `push %rbp; mov %rsp,%rbp` -> [rbp] = caller's rbp, [rbp+8] = return address
(arch/x86/kernel/unwind_frame.c).  Arguments travel in registers (SysV ABI)."""
from crashpipe.arch import Abi
from crashpipe.arch.i386 import X86_CALLS

ABIS = [
    Abi(
        abi_id=1,
        arch="x86_64",
        layout="rbp",
        word_size=8,
        little_endian=True,
        prev_fp_offset=0,
        ra_offset=8,
        # Documentation/arch/x86/x86_64/mm.rst: kernel text mapping (512 MiB, KASLR moves
        # the image inside it) and the module mapping area after it.
        kernel_text=((0xFFFFFFFF80000000, 0xFFFFFFFFFF000000),),
        module_area=((0xFFFFFFFFA0000000, 0xFFFFFFFFFF000000),),
        call_sites=X86_CALLS,
        aliases=("amd64", "x86-64"),
    )
]
