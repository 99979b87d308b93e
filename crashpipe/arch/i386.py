"""i386: `push %ebp; mov %esp,%ebp` -> [ebp] = caller's ebp, [ebp+4] = return address
(arch/x86/kernel/stacktrace.c walks the same record).  Arguments go on the stack in
user space and in kernels built without -mregparm: argument n at 4n+8(%ebp).  The kernel
itself is built with -mregparm=3 (first three arguments in eax/edx/ecx), so for kernel
frames the words at 8(%ebp)... are only arguments beyond the third, if any."""
from crashpipe.arch import Abi

# A return address follows a call: e8 rel32, or ff /2 with any ModRM form (a REX or
# segment prefix, if any, comes before the ff and does not change where it ends).
X86_CALLS = (
    (5, 1, 0xFF, 0xE8),  # call rel32
    (2, 2, 0xF8FF, 0xD0FF),  # call *%reg
    (2, 2, 0xF8FF, 0x10FF),  # call *(%reg)
    (3, 2, 0xFFFF, 0x14FF),  # call *(sib)
    (7, 2, 0xFFFF, 0x14FF),  # call *disp32(,%idx,s) (sib without base)
    (3, 2, 0xF8FF, 0x50FF),  # call *disp8(%reg)
    (4, 2, 0xFFFF, 0x54FF),  # call *disp8(sib)
    (6, 2, 0xFFFF, 0x15FF),  # call *disp32 / *disp32(%rip)
    (6, 2, 0xF8FF, 0x90FF),  # call *disp32(%reg)
    (7, 2, 0xFFFF, 0x94FF),  # call *disp32(sib)
)

ABIS = [
    Abi(
        abi_id=0,
        arch="i386",
        layout="ebp",
        word_size=4,
        little_endian=True,
        prev_fp_offset=0,
        ra_offset=4,
        args_offset=8,
        # lowmem starts at PAGE_OFFSET 0xc0000000 (3G/1G split) but kernel stacks live
        # there too, so without symbols the text range is the default load address
        # (CONFIG_PHYSICAL_START 16 MiB) up to the 8 MiB-per-16 MiB conservative end.
        kernel_text=((0xC1000000, 0xC2000000),),
        # modules are vmalloc'ed (MODULES_VADDR = VMALLOC_START, after lowmem + 8 MiB)
        module_area=((0xF8000000, 0xFF800000),),
        call_sites=X86_CALLS,
        aliases=("x86", "i686", "i586", "x86_32"),
        note="kernel frames: -mregparm=3 passes the first 3 arguments in eax/edx/ecx; args are the stack words at 8(%ebp)",
    )
]
