"""Field extraction (`crashpipe.parse`, `crashpipe.code`): hand-written report fragments in
the kernel's own formats, real reports read in place from ../shared/corpus (skipped when
absent; every expected value below was read off the file by hand), and properties
(never raises, bounded work on hostile lines)."""
from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crashpipe import code as codemod
from crashpipe import parse
from crashpipe.lines import clean_lines
from crashpipe.model import Report

SHARED = os.environ.get("CRASHPIPE_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
SATYR = os.path.join(SHARED, "corpus", "satyr-koops")
SYZ = os.path.join(SHARED, "corpus", "syzkaller-linux")


def fields(text: str) -> Report:
    rep = Report(source="t")
    parse.extract_fields(rep, clean_lines(text))
    return rep


def physical(rep):
    return [f for f in rep.frames if not f.inlined]


def corpus(path: str) -> str:
    if not os.path.isfile(path):
        pytest.skip(f"{path} not present")
    with open(path, encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    if os.path.dirname(path) == SYZ:  # syzkaller test files: header, blank line, log
        text = text.replace("\r", "").partition("\n\n")[2]
    return text


def first_report(path: str) -> Report:
    reps = parse.parse_text(corpus(path), path)
    assert reps
    return reps[0]


# ----------------------------------------------------------------- x86_64, modern
X86 = """\
[    3.644865] divide error: 0000 [#1] PREEMPT SMP NOPTI
[    3.645205] CPU: 0 PID: 97 Comm: sh Tainted: G           OE      6.1.0-56-amd64 #1  Debian 6.1.192-2
[    3.645389] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
[    3.645583] RIP: 0010:cl_divide+0x1a/0x30 [crashlab]
[    3.645843] Code: 03 00 00 99 <f7> f9 c3 cc cc
[    3.646101] RSP: 0018:ffffd275c03e3a20 EFLAGS: 00000216
[    3.646189] RAX: 0000000000000442 RBX: ffff8da741b9c700 RCX: 0000000000000000
[    3.646371] RBP: ffff8da741b9c700 R08: 0000000000000040 R09: ffff8da741b9c700
[    3.646851] CS:  0010 DS: 0000 ES: 0000 CR0: 0000000080050033
[    3.646851] CR2: 0000000000559c5a CR3: 00000000013ba000 CR4: 00000000000006f0
[    3.647035] Call Trace:
[    3.647371]  <TASK>
[    3.647490]  cl_trigger+0x55/0x120 [crashlab]
[    3.648126]  ? __x64_sys_fcntl+0x90/0xc0
[    3.648577]  entry_SYSCALL_64_after_hwframe+0x6e/0xd8
[    3.648577] RIP: 0033:0x47b7a0
[    3.648577] Code: 0f 05 <48> 3d 00 f0 ff ff
[    3.648577] RSP: 002b:00007fff08b3eeb8 EFLAGS: 00000202 ORIG_RAX: 0000000000000001
[    3.648577] RAX: ffffffffffffffda RBX: 0000000000000001 RCX: 000000000047b7a0
[    3.648577]  </TASK>
[    3.648577] Modules linked in: crashlab(OE) dm_mod(E)
[    3.660491] ---[ end trace 0000000000000000 ]---
"""


def test_x86_64_header_registers_and_code():
    r = fields(X86)
    assert (r.arch, r.kernel_release, r.cpu, r.pid, r.process) == ("x86_64", "6.1.0-56-amd64", 0, 97, "sh")
    assert r.tainted == "G O E"
    assert r.hardware.startswith("QEMU Standard PC (i440FX + PIIX, 1996)")
    assert r.modules == ["crashlab", "dm_mod"]
    # the first register block only; the user block inside the trace repeats RAX and stops it
    assert r.registers["RAX"] == 0x442 and r.registers["RSP"] == 0xFFFFD275C03E3A20
    assert "ORIG_RAX" not in r.registers
    assert (r.registers["sp"], r.registers["fp"]) == (0xFFFFD275C03E3A20, 0xFFFF8DA741B9C700)
    assert r.registers["CS"] == 0x10 and r.registers["CR2"] == 0x559C5A
    assert r.code == bytes.fromhex("03000099f7f9c3cccc")
    assert r.faulting_instruction == "idiv ecx"
    assert r.fault_address is None  # CR2 is stale outside page faults


def test_x86_64_frames_pc_first_then_trace():
    r = fields(X86)
    got = [(f.symbol, f.offset, f.size, f.module, f.reliable, f.method, f.context) for f in r.frames]
    assert got == [
        ("cl_divide", 0x1A, 0x30, "crashlab", True, "regs", "task"),
        ("cl_trigger", 0x55, 0x120, "crashlab", True, "trace", "task"),
        ("__x64_sys_fcntl", 0x90, 0xC0, None, False, "trace", "task"),
        ("entry_SYSCALL_64_after_hwframe", 0x6E, 0xD8, None, True, "trace", "task"),
    ]
    assert [f.frame_no for f in r.frames] == [0, 1, 2, 3]


def test_x86_irq_contexts_and_interrupted_rip():
    r = fields("""\
WARNING: CPU: 0 PID: 0 at lib/refcount.c:28 refcount_warn_saturate+0xba/0x110
RIP: 0010:refcount_warn_saturate+0xba/0x110
RAX: 0000000000000000 RBX: ffff8da7424c1f00 RCX: c0000000ffffefff
Call Trace:
 <IRQ>
 cl_obj_put+0x3a/0x40 [crashlab]
 </IRQ>
 <TASK>
 asm_sysvec_apic_timer_interrupt+0x16/0x20
RIP: 0010:native_safe_halt+0xb/0x10
RAX: 000000000001ad40 RBX: 0000000000000000 RCX: 0000000000000000
 default_idle_call+0x38/0xf0
 </TASK>
""")
    got = [(f.symbol, f.method, f.context) for f in r.frames]
    assert got == [("refcount_warn_saturate", "regs", "irq"), ("cl_obj_put", "trace", "irq"),
                   ("asm_sysvec_apic_timer_interrupt", "trace", "task"), ("native_safe_halt", "regs", "task"),
                   ("default_idle_call", "trace", "task")]
    assert (r.cpu, r.pid) == (0, 0)
    assert r.registers["RCX"] == 0xC0000000FFFFEFFF


def test_old_x86_inline_markers_raw_addresses_and_exception_stack():
    r = fields("""\
Call Trace:
 <#DF>  [<ffffffff8100a1b2>] do_double_fault+0x12/0x30
 <<EOE>>  <IRQ>  [<ffffffff81057adf>] ? handle_irq+0x7f/0xc0
 <EOI>  [<ffffffff81057b3a>] do_IRQ+0x1a/0x20
 [<ffffffff81000000>] 0xffffffff81000000
""")
    got = [(f.address, f.symbol, f.reliable, f.context) for f in r.frames]
    assert got == [(0xFFFFFFFF8100A1B2, "do_double_fault", True, "exception"),
                   (0xFFFFFFFF81057ADF, "handle_irq", False, "irq"),
                   (0xFFFFFFFF81057B3A, "do_IRQ", True, "task"),
                   (0xFFFFFFFF81000000, None, True, "task")]
    assert r.arch == "x86_64"  # "? " marks and 16-digit addresses: x86's trace shape


def test_fault_address_lines():
    cases = {
        "BUG: unable to handle page fault for address: 0dead370": 0xDEAD370,
        "BUG: kernel NULL pointer dereference, address: 0000000000000008": 8,
        "BUG: unable to handle kernel NULL pointer dereference at           (null)": 0,
        "BUG: unable to handle kernel paging request at ffffc90000a3c000": 0xFFFFC90000A3C000,
        "Unable to handle kernel NULL pointer dereference at virtual address 0000000000000033": 0x33,
        "Unable to handle kernel paging request at virtual address dead000000000108": 0xDEAD000000000108,
        "Unhandled fault: page domain fault (0x01b) at 0x0000001e": 0x1E,
        "BUG: KASAN: use-after-free in foo+0x1/0x2\nRead of size 8 at addr ffff88801c6d4a38 by task a/1":
            0xFFFF88801C6D4A38,
        "general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000": 0xDFFFFC0000000001,
        "BUG: Unable to handle kernel data access at 0x8000000041a25f20": 0x8000000041A25F20,  # ppc
        "Unable to handle kernel paging request for data at address 0xc0000000deadbeef": 0xC0000000DEADBEEF,
        "BUG: TASK stack guard page was hit at ffffc90000427f68 (stack is ffffc90000428000..ffffc9000042c000)":
            0xFFFFC90000427F68,
        "Kernel attempted to read user page (0) - exploit attempt? (uid: 0)": 0,
        "general protection fault, maybe for address 0x10: 0000 [#1] SMP": 0x10,
        "CPU 0 Unable to handle kernel paging request at virtual address 00000004, epc == 8011d5b8": 4,
        "Invalid free of 0xffff88800b8b4000 (in kfence-#62):": 0xFFFF88800B8B4000,
    }
    for text, want in cases.items():
        assert fields(text).fault_address == want, text
    # a page fault without an address line falls back to CR2
    assert fields("#PF: supervisor read access in kernel mode\nCR2: 0000000000000010 CR3: 1 CR4: 2"
                  ).fault_address == 0x10


def test_modules_wrapped_over_lines_and_last_unloaded():
    first = "Modules linked in: " + " ".join(f"mod{i}" for i in range(40)) + " wl(PO) iTCO_wdt"
    r = fields(first + "\njoydev parport [last unloaded: scsi_wait_scan]\nPid: 3, comm: x Not tainted 3.3.7 #1\n")
    assert r.modules == [f"mod{i}" for i in range(40)] + ["wl", "iTCO_wdt", "joydev", "parport"]
    # a short list never wraps: the next line is not taken for module names
    assert fields("Modules linked in: a b\nsegmentation fault\n").modules == ["a", "b"]


def test_kaslr_offset():
    assert fields("Kernel Offset: 0x21800000 from 0xffffffff81000000 (relocation range: x)").kaslr_offset == 0x21800000
    assert fields("Kernel Offset: disabled").kaslr_offset == 0


# ----------------------------------------------------------------------- arm
ARM = """\
[    7.662419] Unhandled prefetch abort: page domain fault (0x01b) at 0x00000000
[    7.663510] CPU: 1 PID: 90 Comm: dd Tainted: G           OE      6.1.0-50-armmp #1  Debian 6.1.176-1
[    7.663908] PC is at 0x0
[    7.664150] LR is at cl_null_call+0x3c/0x5c [crashlab]
[    7.664439] pc : [<00000000>]    lr : [<bf0004b4>]    psr: a0040013
[    7.664522] sp : e0bbfff0  ip : c1bd0400  fp : 0010dfb8
[    7.664592] r10: e0bb1f80  r9 : 0000000e  r8 : 00b974f8
[    7.674608] Stack: (0xe0bbfff0 to 0xe0bc0010)
[    7.674714] ffe0:                                     c1ea9c00 bf001350 c1ea9c00 bf000648
[    7.674818] 0000: 0000000e 00b974f8 0000000e 0000000d
[    7.679109]  cl_null_call [crashlab] from cl_trigger+0x6c/0xf4 [crashlab]
[    7.679271]  cl_trigger [crashlab] from cl_sysfs_store+0x10/0x18 [crashlab]
[    7.682645] Exception stack(0xe0bb1fa8 to 0xe0bb1fb0)
[    7.682714] 1fa0:                   000001d4 00b974f8
[    7.682552]  ksys_write from ret_fast_syscall+0x0/0x1c
[    7.683121] Code: bad PC value
"""


def test_arm_registers_stack_hexdumps_and_frames():
    r = fields(ARM)
    assert (r.arch, r.kernel_release, r.cpu, r.pid, r.process) == ("arm", "6.1.0-50-armmp", 1, 90, "dd")
    assert r.fault_address == 0
    assert (r.registers["pc"], r.registers["lr"], r.registers["sp"], r.registers["fp"]) == (
        0, 0xBF0004B4, 0xE0BBFFF0, 0x10DFB8)
    assert r.registers["r10"] == 0xE0BB1F80 and r.registers["psr"] == 0xA0040013
    # the rows cross a 64 KiB boundary (ffe0 -> 0000): addresses keep counting up
    stack, exc = r.stacks
    assert (stack.base, stack.word_size, stack.little_endian, stack.what) == (0xE0BBFFF0, 4, True, "stack")
    assert stack.data == b"".join(w.to_bytes(4, "little") for w in (
        0xC1EA9C00, 0xBF001350, 0xC1EA9C00, 0xBF000648, 0xE, 0xB974F8, 0xE, 0xD))
    assert (exc.base, exc.data, exc.what) == (0xE0BB1FA8, bytes.fromhex("d4010000f874b900"), "exception")
    # pc 0 is frame 0; the lr's function (printed without offset) gets the lr's offset/address
    got = [(f.address, f.symbol, f.offset, f.module, f.method) for f in r.frames]
    assert got == [(0, None, None, None, "regs"),
                   (0xBF0004B4, "cl_null_call", 0x3C, "crashlab", "trace"),
                   (None, "cl_trigger", 0x6C, "crashlab", "trace"),
                   (None, "cl_sysfs_store", 0x10, "crashlab", "trace"),
                   (None, "ksys_write", None, None, "trace"),
                   (None, "ret_fast_syscall", 0, None, "trace")]
    assert r.code is None and r.faulting_instruction is None


def test_arm_verbose_backtrace_with_register_lines():
    r = fields("""\
Backtrace:
[<c0014318>] (dump_backtrace_log_lvl) from [<c001457c>] (show_stack+0x24/0x2c)
 r7:df912310 r6:df912140 r5:c081745c r4:00000000
[<c0014558>] (show_stack) from [<c059798c>] (dump_stack+0x7c/0xc8)
""")
    got = [(f.address, f.symbol, f.offset) for f in r.frames]
    assert got == [(0xC0014318, "dump_backtrace_log_lvl", None), (0xC001457C, "show_stack", 0x24),
                   (0xC059798C, "dump_stack", 0x7C)]
    assert r.arch == "arm"


def test_arm_thumb_code_halfwords():
    r = fields("PC is at f+0x4/0x10\npc : [<c0100004>]    lr : [<c0100001>]    psr: 60000033\n"
               "Flags: nZCv  IRQs on  FIQs on  Mode SVC_32  ISA Thumb  Segment none\nCode: 4b04 b510 (6818) bd10")
    assert r.code == bytes.fromhex("044b10b5186810bd")
    assert r.faulting_instruction == "ldr r0, [r3]"


# --------------------------------------------------------------------- arm64
ARM64 = """\
Unable to handle kernel NULL pointer dereference at virtual address 0000000000000033
CPU: 0 PID: 95 Comm: dd Tainted: G      D W  OE      6.1.0-50-arm64 #1  Debian 6.1.176-1
Hardware name: linux,dummy-virt (DT)
pstate: 80000005 (Nzcv daif -PAN -UAO -TCO -DIT -SSBS BTYPE=--)
pc : cl_null_deref+0x3c/0x50 [crashlab]
lr : cl_trigger+0x64/0xe4 [crashlab]
sp : ffff80000a283bf0
x29: ffff80000a283bf0 x28: ffff000003476180 x27: 0000000000000000
x2 : ffff800000d00770 x1 : 0000000000000003 x0 : 0000000000000003
Call trace:
 cl_null_deref+0x3c/0x50 [crashlab]
 cl_sysfs_store+0x18/0x30 [crashlab]
Code: 92401021 8b010000 a8c27bfd d50323bf (3940c000)
"""


def test_arm64_leaf_caller_from_lr_and_code_words():
    r = fields(ARM64)
    assert (r.arch, r.tainted, r.hardware) == ("arm64", "G D W O E", "linux,dummy-virt (DT)")
    assert r.fault_address == 0x33
    assert (r.registers["sp"], r.registers["fp"], r.registers["x0"]) == (0xFFFF80000A283BF0, 0xFFFF80000A283BF0, 3)
    got = [(f.symbol, f.offset, f.method) for f in r.frames]
    # cl_null_deref is a leaf: its caller is printed only on the lr line
    assert got == [("cl_null_deref", 0x3C, "trace"), ("cl_trigger", 0x64, "regs"), ("cl_sysfs_store", 0x18, "trace")]
    assert r.code == bytes.fromhex("21104092" "0000018b" "fd7bc2a8" "bf2303d5" "00c04039")
    assert r.faulting_instruction == "ldrb w0, [x0, #0x30]"


def test_arm64_unwind_source_markers():
    # since 6.13 arm64 tags each entry with where the unwinder found it
    r = fields("Call trace:\n show_stack+0x18/0x24 (C)\n el1_interrupt+0x3c/0x60 (P)\n"
               " do_idle+0x1f0/0x250 (L)\n cpu_startup_entry+0x34/0x3c\n")
    assert [(f.symbol, f.offset, f.reliable) for f in r.frames] == [
        ("show_stack", 0x18, True), ("el1_interrupt", 0x3C, True), ("do_idle", 0x1F0, True),
        ("cpu_startup_entry", 0x34, True)]
    assert r.arch == "arm64"  # "Call trace:" (lower-case t) is arm64's header


def test_contexts_from_entry_functions_without_markers():
    r = fields("Call trace:\n f+0x1/0x2\n run_timer_softirq+0x28/0x50\n handle_softirqs+0x118/0x300\n"
               " __do_softirq+0x1c/0x28\n call_on_irq_stack+0x30/0x48\n el1_interrupt+0x38/0x54\n"
               " el1h_64_irq+0x64/0x68\n do_idle+0x26c/0x310\n")
    assert [f.context for f in r.frames] == ["softirq"] * 4 + ["irq"] * 2 + ["task"] * 2


def test_lr_in_trace_or_same_function_adds_nothing():
    same = ARM64.replace("lr : cl_trigger+0x64/0xe4", "lr : cl_null_deref+0x30/0x50")
    assert [f.symbol for f in fields(same).frames] == ["cl_null_deref", "cl_sysfs_store"]
    printed = ARM64.replace("lr : cl_trigger+0x64/0xe4", "lr : cl_sysfs_store+0x18/0x30")
    assert [f.symbol for f in fields(printed).frames] == ["cl_null_deref", "cl_sysfs_store"]


def test_ppc_interrupt_frame_and_unreliable_marks():
    r = fields("NIP:  c00000000022d79c LR: c00000000022d784 CTR: 0000000000000000\n"
               "MSR:  800000010280b033 <SF,VEC,VSX,EE,FP,ME,IR,DR,RI,LE,TM[E]>  CR: 22824428  XER: 20000000\n"
               "GPR00: c00000000022d784 c00000007a3ef970 c000000001f24600 0000000000004000 \n"
               "NIP [c00000000022d79c] f+0x1/0x10\nLR [c00000000022d784] f+0x0/0x10\nCall Trace:\n"
               "[c00000007a3efa20] [c00000000030a060] g+0x7b0/0x13a0 (unreliable)\n"
               "--- interrupt: 300 at h+0x1c/0x40\n    LR = i+0x2/0x20\n"
               "[c00000007a3efb30] [c00000000030b06c] j+0x26c/0x280 [mod]\n")
    assert r.arch == "ppc64le"  # 64-bit GPRs, LE in the decoded MSR
    assert (r.registers["pc"], r.registers["lr"], r.registers["sp"]) == (
        0xC00000000022D79C, 0xC00000000022D784, 0xC00000007A3EF970)
    got = [(f.symbol, f.address, f.module, f.reliable, f.method) for f in r.frames]
    assert got == [("f", 0xC00000000022D79C, None, True, "regs"), ("g", 0xC00000000030A060, None, False, "trace"),
                   ("h", None, None, True, "regs"), ("j", 0xC00000000030B06C, "mod", True, "trace")]


def test_release_and_taint_from_a_hung_task_report():
    r = fields("INFO: task syz-executor:123 blocked for more than 143 seconds.\n"
               "      Tainted: G        W          6.2.0-rc1 #1\n")
    assert (r.process, r.pid, r.tainted, r.kernel_release) == ("syz-executor", 123, "G W", "6.2.0-rc1")


def test_mips_register_rows_and_epc():
    r = fields("CPU 0 Unable to handle kernel paging request at virtual address 00000004, epc == 8011d5b8\n"
               "$ 0   : 00000000 1000a400 00000004 00000001\n"
               "$28   : 87c3c000 87c3dde8 87c3de00 8011d5a0\n"
               "Hi    : 00000000\nepc   : 8011d5b8 do_thing+0x18/0x40 [mymod]\n"
               "ra    : 8011d5a0 caller_fn+0x30/0x80\nStatus: 1000a403\n"
               "Call Trace:\n[<8011d5b8>] do_thing+0x18/0x40 [mymod]\n[<80123456>] other_fn+0x10/0x20\n")
    assert r.arch == "mips" and r.fault_address == 4
    assert (r.registers["$2"], r.registers["$29"], r.registers["sp"], r.registers["fp"], r.registers["lr"]) == (
        4, 0x87C3DDE8, 0x87C3DDE8, 0x87C3DE00, 0x8011D5A0)
    assert r.registers["pc"] == 0x8011D5B8 and r.registers["Status"] == 0x1000A403
    got = [(f.symbol, f.address, f.method) for f in r.frames]
    assert got == [("do_thing", 0x8011D5B8, "trace"), ("caller_fn", 0x8011D5A0, "regs"), ("other_fn", 0x80123456, "trace")]


def test_arch_from_release_hardware_and_banner():
    assert fields("CPU: 0 PID: 1 Comm: a Not tainted 6.1.0-9-armmp-lpae #1 Debian").arch == "arm"
    assert fields("CPU: 0 PID: 1 Comm: a Not tainted 5.14.0-70.el9.ppc64le #1").arch == "ppc64le"
    assert fields("Hardware name: IBM 3906 M04 704 (z/VM 7.1.0)").arch == "s390x"
    rep = Report()
    parse.extract_fields(rep, clean_lines("Call Trace:\n f+0x1/0x2\n"), banner=("6.6.0", "arm64"))
    assert (rep.arch, rep.kernel_release) == ("arm64", "6.6.0")


def test_release_from_the_boot_banner_before_the_report():
    log = ("[    0.000000] Linux version 6.1.0-99-amd64 (debian-kernel@lists.debian.org) (gcc-12) #1 SMP\n"
           "[    1.000000] random: crng init done\n"
           "[    2.000000] BUG: unable to handle page fault for address: 0000000000000008\n"
           "[    2.000001] #PF: supervisor read access in kernel mode\n"
           "[    2.000002] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
           "[    2.000003] RIP: 0010:f+0x1/0x10\n[    2.000004] Call Trace:\n[    2.000005]  <TASK>\n"
           "[    2.000006]  g+0x2/0x20\n[    2.000007]  </TASK>\n")
    (rep,) = parse.parse_text(log, "banner")
    assert (rep.kernel_release, rep.fault_address, rep.source_line) == ("6.1.0-99-amd64", 8, 3)
    assert [f.symbol for f in rep.frames] == ["f", "g"]


def test_riscv_old_sepc_is_the_pc():
    r = fields("sepc: ffffffe0000a1234 ra : ffffffe0000a1200 sp : ffffffe07fe0fd80\n"
               " gp : ffffffe000c0e5b0 tp : ffffffe07fe08000 t0 : 0000000000000000\n")
    assert r.arch == "riscv64" and r.registers["pc"] == 0xFFFFFFE0000A1234 and r.registers["lr"] == 0xFFFFFFE0000A1200


# ------------------------------------------------------------ code: bytes only
def test_parse_code_shapes():
    assert codemod.parse_code(" 48 8b <8b> 40").data == bytes.fromhex("488b8b40")
    assert codemod.parse_code(" 48 8b <8b> 40").fault_offset == 2
    c = codemod.parse_code("e5933000 (e5832000)", little_endian=False)
    assert (c.data, c.fault_offset) == (bytes.fromhex("e5933000e5832000"), 4)
    assert codemod.parse_code("e5933000 (e5832000)", little_endian=None) is None
    for bad in (" Bad RIP value.", " Unable to access opcode bytes at 0xffffffffffffffd6.", " 48 8b0c", " <48> <8b>", ""):
        assert codemod.parse_code(bad) is None, bad
    arm = codemod.parse_code("(e5933000)")
    assert codemod.faulting_instruction(arm, "arm") == "ldr r3, [r3]"
    assert codemod.faulting_instruction(arm, "mips") is None  # no decoder without a byte order
    assert codemod.faulting_instruction(codemod.parse_code("0f 0b"), "x86_64") is None  # no mark


def test_s390_krnl_code_rows():
    c, insn = codemod.parse_s390_code([
        "000003ff8086d030: c0e5ffffd7ec       brasl   %r14,3ff80868008",
        "#000003ff8086d036: a7f40001           brc     15,3ff8086d038",
        ">000003ff8086d03a: a7290000           lghi    %r2,0",
    ])
    assert (c.data, c.fault_offset, insn) == (bytes.fromhex("c0e5ffffd7eca7f40001a7290000"), 10, "lghi %r2,0")


# ---------------------------------------------------------- robustness
def test_internal_error_becomes_a_corrupted_report(monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(parse, "extract_fields", boom)
    reps = parse.parse_text("BUG: unable to handle page fault for address: 0000000000000008\n"
                            "Oops: 0000 [#1] SMP\nCall Trace:\n f+0x1/0x2\n", "s")
    assert reps and reps[0].corrupted and reps[0].corrupted_reason.startswith("parser-error: fields: RuntimeError")


HOSTILE = [
    "Call Trace:", " " + "[<" * 1000, " " + "a+0x" * 500, " " + "? " * 1000 + "f+0x1/0x2",
    "Modules linked in: " + "a(" * 1000, "RAX: " + "0" * 2000, "CPU: 0 PID: 1 Comm: " + "x " * 1000,
    " " + "f from " * 300, "Stack: (0x0 to 0xffffffffffffffff)", "0000:" + " 00000000" * 220,
    "Code: " + "<00> " * 400, " x from y" + "+0x1/0x2" * 200, "NIP [" + "c" * 2000,
    "GPR00: " + "0" * 128 + "x", "$ 0   : " + "1" * 128 + "!", "1." + "1" * 2000, "Linux version 1." + "1" * 2000,
    " " + "0123456789abcdef " * 100 + "zz", "Krnl Code: " + "0" * 2000,
]


def test_hostile_lines_parse_without_error():
    # each line is already capped by clean_lines; every pattern is anchored and linear
    rep = fields("\n".join(HOSTILE))
    assert not rep.corrupted
    assert len(rep.stacks) <= 1 and sum(len(s.data) for s in rep.stacks) <= 4 * parse.MAX_STACK_WORDS


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(X86.splitlines() + ARM.splitlines() + ARM64.splitlines() + HOSTILE
                                + ["", "Call trace:", "<IRQ>", "</IRQ>", "Krnl GPRS: 1 2", "Instruction dump:"]),
                max_size=60), st.text(max_size=200))
def test_never_raises(lines, noise):
    text = "\n".join(lines) + "\n" + noise
    rep = fields(text)
    assert not rep.corrupted
    for r in parse.parse_text(text, "h"):
        assert isinstance(r, Report)
        assert not (r.corrupted_reason or "").startswith("parser-error")


def test_log_cut_inside_a_trace():
    head = ("BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
            "Oops: 0000 [#1] PREEMPT SMP NOPTI\nRIP: 0010:f+0x1/0x10\nCall Trace:\n <TASK>\n g+0x2/0x20\n")
    rep = Report(source="cut")
    assert parse.extract_fields(rep, clean_lines(head + " h+0x3/0x30\n\n")) == \
        "truncated: text ends inside the call trace (<TASK> not closed)"
    assert [f.symbol for f in rep.frames] == ["f", "g", "h"]
    assert parse.extract_fields(Report(), clean_lines(head + " </TASK>\n---[ end trace 0 ]---\n")) is None
    stack = "Stack: (0xe0bb1e20 to 0xe0bb2000)\n1e20: c1ea9c00 bf001350 c1ea9c00 bf000648 c1ea9c00 bf000814 00 00\n"
    assert parse.extract_fields(Report(), clean_lines(stack)) == "truncated: text ends inside a stack dump"
    # the corrupted flag stays title_for's (syzkaller does not flag a cut trace that names its function)
    (cut,) = parse.parse_text(head + " h+0x3/0x30\n", "cut")
    assert not (cut.corrupted_reason or "").startswith("parser-error")


# ------------------------------------------------ real reports, read in place
def test_satyr_x86_64_gpf_with_stack_words():
    r = first_report(os.path.join(SATYR, "rhbz-1140681"))
    assert (r.arch, r.kernel_release, r.cpu, r.pid, r.process) == ("x86_64", "3.15.10-201.fc20.x86_64", 1, 946, "X")
    assert r.tainted is None  # "Not tainted"
    assert r.hardware == "LENOVO 4173W15/4173W15, BIOS 8CET58WW (1.38 ) 07/18/2013"
    assert (r.registers["pc"], r.registers["sp"], r.registers["fp"]) == (
        0xFFFFFFFF81171B02, 0xFFFF88020211FA28, 0xFFFF88020211FA38)
    (stack,) = r.stacks  # "Stack:" words start at RSP
    assert (stack.base, stack.word_size, len(stack.data)) == (0xFFFF88020211FA28, 8, 12 * 8)
    assert stack.data[:8] == (0x72).to_bytes(8, "little") and stack.data[24:32] == (0xFFFFFFFF81171D6F).to_bytes(8, "little")
    f = physical(r)
    assert (f[0].address, f[0].symbol, f[0].offset, f[0].size, f[0].method) == (
        0xFFFFFFFF81171B02, "find_get_entry", 0x42, 0xC0, "regs")
    assert (f[1].address, f[1].symbol, f[1].reliable) == (0xFFFFFFFF81171D6F, "find_lock_entry", True)
    assert (f[4].symbol, f[4].module) == ("i915_gem_object_get_pages_gtt", "i915")
    assert [x.symbol for x in f if not x.reliable][:2] == ["kfree", "drm_vm_open_locked"]
    assert f[-1].symbol == "page_fault" and len(f) == 1 + 20
    assert r.faulting_instruction == "mov ecx, dword ptr [rdx + 0x1c]"  # <8b> 4a 1c
    assert r.modules[0] == "ccm" and r.modules[-1] == "video"


def test_satyr_i386_old_format():
    r = first_report(os.path.join(SATYR, "rhbz-865695-0"))
    assert (r.arch, r.kernel_release, r.cpu, r.pid, r.process) == ("i386", "3.6.1-1.fc17.i686.PAE", 1, 598,
                                                                      "wpa_supplicant")
    assert r.tainted == "P C O" and r.hardware == "Hewlett-Packard HP Mini 110-1100/308F"
    assert len(r.modules) == 56 and "iTCO_wdt" in r.modules and "wl" in r.modules
    assert (r.registers["pc"], r.registers["sp"]) == (0xF8E40765, 0xF180DBF8)
    (stack,) = r.stacks
    assert (stack.base, stack.word_size, len(stack.data)) == (0xF180DBF8, 4, 24 * 4)
    assert stack.data[:8] == bytes.fromhex("28dc80f1e1dde3f8")  # f180dc28 f8e3dde1
    f = physical(r)
    assert (f[0].symbol, f[0].offset, f[0].module, f[0].address) == ("wdev_priv.part.8", 3, "wl", 0xF8E40765)
    assert f[1].symbol == "wl_cfg80211_scan" and f[-1].symbol == "sysenter_do_call" and len(f) == 1 + 24
    assert r.faulting_instruction == "ud2"


def test_satyr_modules_wrapped_and_taint():
    r = first_report(os.path.join(SATYR, "rhbz-827868-modified"))
    assert (r.pid, r.process, r.tainted, r.hardware) == (3, "ksoftirqd/0", "P B D O", "Latitude E6420")
    assert len(r.modules) == 119 and r.modules[-1] == "video" and "joydev" in r.modules
    f = physical(r)
    assert f[0].symbol == "warn_slowpath_common" and f[0].address == 0xFFFFFFFF81057ADF
    assert (f[9].symbol, f[9].module, f[9].reliable) == ("pppol2tp_xmit", "l2tp_ppp", False)


def test_satyr_s390x():
    r = first_report(os.path.join(SATYR, "rhbz-1040900-s390x-1"))
    assert (r.arch, r.kernel_release, r.pid, r.process) == ("s390x", "3.10.0-54.0.1.el7.s390x", 32037, "insmod")
    assert r.tainted == "G F O" and len(r.modules) == 24 and r.modules[0] == "will_oops"
    assert r.registers["pc"] == 0x3FF8086D03A
    assert (r.registers["r14"], r.registers["lr"], r.registers["sp"]) == (0x3FF8086D036, 0x3FF8086D036, 0x59E1FC68)
    assert r.faulting_instruction == "lghi %r2,0"
    f = physical(r)
    assert [(x.symbol, x.offset, x.reliable, x.method) for x in f[:3]] == [
        ("will_oops_init", 0x3A, True, "regs"), ("will_oops_init", 0x36, False, "trace"),
        ("do_one_initcall", 0xCE, True, "trace")]
    # the "Last Breaking-Event-Address:" entry is not a call frame
    assert (f[-1].symbol, f[-1].address, len(f)) == (None, 0x3FFFD4A1D92, 7)


def test_satyr_arm_hung_task():
    r = first_report(os.path.join(SATYR, "arm-hung-task-oops"))
    assert (r.arch, r.cpu, r.pid, r.process, r.tainted) == ("arm", 3, 27, "khungtaskd", "P O")
    f = physical(r)
    assert [(x.address, x.symbol) for x in f[:2]] == [(0xC0014318, "dump_backtrace_log_lvl"), (0xC001457C, "show_stack")]
    assert (f[-2].symbol, f[-1].symbol, f[-1].offset, len(f)) == ("kthread", "ret_from_fork", 0x14, 7)


def test_syzkaller_ppc64le():
    r = first_report(os.path.join(SYZ, "431"))
    assert (r.arch, r.kernel_release, r.pid, r.process) == ("ppc64le", "5.4.0-rc2-00104-g9e208aa06c21", 12,
                                                             "kworker/0:1")
    assert (r.registers["pc"], r.registers["lr"], r.registers["sp"]) == (
        0xC00000000022D79C, 0xC00000000022D784, 0xC00000007A3EF970)
    assert r.registers["GPR31"] == 0x8000000041A25400
    assert r.faulting_instruction == "ld r3, 0xb20(r31)"  # <e87f0b20>, little-endian
    f = [x for x in r.frames]
    assert (f[0].symbol, f[0].offset, f[0].method) == ("partition_sched_domains_locked", 0x1AC, "regs")
    assert (f[1].symbol, f[1].inlined, f[1].file, f[1].line) == (
        "partition_and_rebuild_sched_domains", True, "kernel/cgroup/cpuset.c", 965)
    assert (f[2].symbol, f[2].address, f[2].inlined) == ("rebuild_sched_domains_locked", 0xC00000000030A060, False)
    assert f[-1].symbol == "ret_from_kernel_thread"


def test_syzkaller_riscv64():
    r = first_report(os.path.join(SYZ, "607"))
    assert (r.arch, r.pid, r.process, r.hardware) == ("riscv64", 5233, "syz-executor.1", "riscv-virtio,qemu (DT)")
    assert r.fault_address == 0xCC6B0D0
    assert (r.registers["pc"], r.registers["lr"], r.registers["sp"], r.registers["fp"]) == (
        0xFFFFFFE00008C762, 0xFFFFFFE00008C760, 0xFFFFFFE00853FEC0, 0xFFFFFFE00853FEE0)
    assert r.registers["badaddr"] == 0xCC6B0D0
    assert [(x.symbol, x.address) for x in r.frames] == [
        ("schedule_tail", 0xFFFFFFE00008C762), ("ret_from_exception", 0xFFFFFFE000005570)]


def test_syzkaller_arm64_pc_with_inline_and_file_line():
    r = first_report(os.path.join(SYZ, "693"))
    assert (r.arch, r.cpu, r.pid, r.fault_address) == ("arm64", 1, 3072, 8)
    f0 = r.frames[0]
    assert (f0.symbol, f0.offset, f0.file, f0.line, f0.method) == ("unlock_page", 0x18, "mm/folio-compat.c", 19,
                                                                   "trace")
    assert r.frames[1].symbol == "ni_readpage_cmpr"
