"""riscv64 (psABI, gcc): `addi sp,sp,-N; sd ra,N-8(sp); sd s0,N-16(sp); addi s0,sp,N`
-> s0 = CFA, [s0-8] = ra, [s0-16] = caller's s0.  Leaf functions save only s0:
[s0-8] = caller's s0 and ra is still in the register (arch/riscv/kernel/stacktrace.c
checks for exactly this case).  Arguments travel in a0-a7."""
from crashpipe.arch import Abi

ABIS = [
    Abi(
        abi_id=5,
        arch="riscv64",
        layout="s0",
        word_size=8,
        little_endian=True, code_align=2,
        prev_fp_offset=-16,
        ra_offset=-8,
        leaf_prev_fp_offset=-8,
        lr_name="ra",
        # Documentation/arch/riscv/vm-layout.rst (sv39..sv57): modules and the kernel
        # image in the last 4 GiB (0xffffffff00000000 .. ).
        kernel_text=((0xFFFFFFFF00000000, 0xFFFFFFFFFFFFF000),),
        module_area=((0xFFFFFFFF00000000, 0xFFFFFFFF80000000),),
        call_sites=(
            (4, 4, 0xFFF, 0x0EF),  # jal ra, ...
            (4, 4, 0x7FFF, 0x00E7),  # jalr ra, ...
            (2, 2, 0xF07F, 0x9002),  # c.jalr
        ),
        aliases=("riscv", "rv64"),
    )
]
