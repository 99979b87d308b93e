"""Format knowledge for the per-report fields (`crashpipe.parse`): register names per
architecture, the rules that tell the architecture, fault-address lines, call-trace
context markers, stack-dump headers.  The engine in `crashpipe.parse` only walks lines and
consults these tables; adding an architecture or a report variant is a table edit.

Regex safety: every pattern here runs under Python's `re` on lines already capped at
`crashpipe.lines.MAX_LINE` characters, and only through `.match` (anchored at one start
position) or, for the few scanned with `finditer`, with bounded quantifiers only.  Each
pattern is a sequence of pieces whose neighbouring quantified parts have disjoint
character classes or are separated by a literal, so a match attempt never backtracks more
than a constant number of times per character: time is linear in the line length.

Register keys for later stages
------------------------------
`Report.registers` holds every register printed in the report's first register block
under the name the kernel printed (`RAX`, `r10`, `x29`, `GPR01`, `status`, ...), plus the
canonical aliases below, so the unwinder never needs to know an architecture's spelling:

- `pc`: the crashing instruction address (RIP, EIP, arm/arm64 pc, riscv/mips epc, ppc NIP,
  s390 PSW address) - only when printed as a number (x86 since 4.x prints RIP only
  symbolically; the frame 0 then carries the symbol instead);
- `sp`: the stack pointer (RSP, ESP, sp, ppc GPR01, s390 r15, mips $29);
- `fp`: the frame pointer (RBP, EBP, arm fp/r11, arm64 x29, riscv s0, mips $30);
- `lr`: the link register / return address register (arm/arm64 lr, arm64 x30, riscv ra,
  ppc LR, s390 r14, mips ra/$31).

Frames that come from register lines rather than call-trace lines
------------------------------------------------------------------
The printed trace does not always begin at the crashing instruction: x86 and i386 start
with the caller of the RIP/EIP function, arm64's frame-record unwinder skips the direct
caller of a leaf function (that caller is printed only in `lr :`).  `crashpipe.parse`
therefore adds frames read from the register lines, with `method = "regs"`:
- frame 0 from the pc line (`RIP: 0010:f+0x1a/0x30 [m]`, `EIP: f+...`, `PC is at`,
  `pc : f+...`, `NIP [...] f`, `Krnl PSW ... (f+...)`, `epc : f+...`) when the trace does
  not already start with that function (if it does, the trace frame gets the pc's
  address/offset instead);
- after it, the lr caller (`lr : g+0x64/0xe4 [m]`, `LR is at g`, `ra : g`) when g is
  neither the pc's function nor the next printed frame's (a leaf function's caller);
- inside a trace, the interrupted kernel location printed between frames (x86 `RIP:
  0010:native_safe_halt+0xb/0x10` after an `asm_sysvec_*` frame, ppc `--- interrupt: 300
  at f+0x1c/0x40`).
Bucketing can tell them from printed call-trace frames by `method`.
"""
from __future__ import annotations

# ----------------------------------------------------------------------------- arches
# Per-architecture data, keyed by the names used in `reports.arch`: word size (bytes),
# byte order, capstone decoder (arch constant name, mode constant names; None when no
# decoder applies), and the canonical register aliases: alias -> printed name, or names
# tried in order (see the module docstring).
ARCH_INFO: dict[str, dict] = {
    "x86_64": dict(word=8, little=True, cs=("CS_ARCH_X86", ("CS_MODE_64",)),
                   alias={"pc": "RIP", "sp": "RSP", "fp": "RBP"}),
    "i386": dict(word=4, little=True, cs=("CS_ARCH_X86", ("CS_MODE_32",)),
                 alias={"pc": "EIP", "sp": "ESP", "fp": "EBP"}),
    "arm64": dict(word=8, little=True, cs=("CS_ARCH_ARM64", ("CS_MODE_ARM",)),
                  alias={"fp": "x29", "lr": "x30"}),
    "arm": dict(word=4, little=True, cs=("CS_ARCH_ARM", ("CS_MODE_ARM",)),
                thumb_cs=("CS_ARCH_ARM", ("CS_MODE_THUMB",)), alias={}),  # prints pc/lr/sp/fp itself
    # riscv before 4.20 printed "sepc:"
    "riscv64": dict(word=8, little=True, cs=("CS_ARCH_RISCV", ("CS_MODE_RISCV64", "CS_MODE_RISCVC")),
                    alias={"pc": ("epc", "sepc"), "lr": "ra", "fp": "s0"}),
    "riscv32": dict(word=4, little=True, cs=("CS_ARCH_RISCV", ("CS_MODE_RISCV32", "CS_MODE_RISCVC")),
                    alias={"pc": ("epc", "sepc"), "lr": "ra", "fp": "s0"}),
    "ppc64": dict(word=8, little=False, cs=("CS_ARCH_PPC", ("CS_MODE_64", "CS_MODE_BIG_ENDIAN")),
                  alias={"pc": "NIP", "lr": "LR", "sp": "GPR01"}),
    "ppc64le": dict(word=8, little=True, cs=("CS_ARCH_PPC", ("CS_MODE_64", "CS_MODE_LITTLE_ENDIAN")),
                    alias={"pc": "NIP", "lr": "LR", "sp": "GPR01"}),
    "ppc": dict(word=4, little=False, cs=("CS_ARCH_PPC", ("CS_MODE_32", "CS_MODE_BIG_ENDIAN")),
                alias={"pc": "NIP", "lr": "LR", "sp": "GPR01"}),
    "s390x": dict(word=8, little=False, cs=("CS_ARCH_SYSZ", ("CS_MODE_BIG_ENDIAN",)),
                  alias={"pc": "PSW_addr", "sp": "r15", "lr": "r14"}),
    "s390": dict(word=4, little=False, cs=None, alias={"pc": "PSW_addr", "sp": "r15", "lr": "r14"}),
    # MIPS byte order is a build choice the oops does not print: no decoder, no guess.
    "mips": dict(word=4, little=None, cs=None, alias={"pc": "epc", "lr": ("ra", "$31"), "sp": "$29", "fp": "$30"}),
    "mips64": dict(word=8, little=None, cs=None, alias={"pc": "epc", "lr": ("ra", "$31"), "sp": "$29", "fp": "$30"}),
}

# Register names a register line may carry, per architecture family.  A line counts as a
# register line when its first `name: value` pair names one of these.
_X86_64 = ["RIP", "RSP", "RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "R08", "R09", "R10", "R11",
           "R12", "R13", "R14", "R15", "EFLAGS", "FS", "GS", "knlGS", "CS", "DS", "ES", "SS", "CR0", "CR2",
           "CR3", "CR4", "DR0", "DR1", "DR2", "DR3", "DR6", "DR7", "ORIG_RAX", "PKRU"]
_I386 = ["EIP", "ESP", "EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP"]
_ARM = ["pc", "lr", "psr", "sp", "ip", "fp", "r10", "r9", "r8", "r7", "r6", "r5", "r4", "r3", "r2", "r1", "r0"]
_ARM64 = ["pstate"] + [f"x{i}" for i in range(31)]
_RISCV = ["epc", "ra", "gp", "tp", "status", "badaddr", "cause", "orig_a0", "sepc", "sstatus", "sbadaddr", "scause"] + [f"t{i}" for i in range(7)] \
    + [f"s{i}" for i in range(12)] + [f"a{i}" for i in range(8)]
_PPC = ["NIP", "LR", "CTR", "MSR", "XER", "CR", "CFAR", "DAR", "DSISR", "IRQMASK", "SOFTE", "TRAP", "REGS"]
_MIPS = ["Hi", "Lo", "Status", "Cause", "BadVA", "PrId"]
REGISTER_NAMES = frozenset(_X86_64 + _I386 + _ARM + _ARM64 + _RISCV + _PPC + _MIPS)

# Register-line prefixes that name the architecture outright, tried in order on each
# stripped line of the report (first hit wins).  Width-dependent ones carry both names.
ARCH_BY_LINE: list[tuple[str, str]] = [
    ("RAX: ", "x86_64"), ("RSP: 00", "x86_64"), ("R13: ", "x86_64"),
    ("EAX: ", "i386"), ("EIP: ", "i386"), ("EIP is at ", "i386"),
    ("pstate: ", "arm64"), ("x29: ", "arm64"), ("x1 : ", "arm64"),
    ("PC is at ", "arm"), ("pc : [<", "arm"), ("r10: ", "arm"),
    ("Krnl PSW", "s390x"), ("Krnl GPRS", "s390x"),
    ("NIP:", "ppc"), ("NIP [", "ppc"), ("GPR00: ", "ppc"), ("MSR: ", "ppc"),
    ("$ 0   : ", "mips"),
    ("epc : ", "riscv"), ("sepc: ", "riscv"), ("status: ", "riscv"), ("gp : ", "riscv"),
]
ARCH_LINE_PREFIXES = tuple(p for p, _ in ARCH_BY_LINE)

# Kernel release suffixes (distribution flavours) -> architecture.  Matched against the
# end of the release, or of its part before a "+"/"-dirty" style local suffix.
ARCH_BY_RELEASE: list[tuple[str, str]] = [
    ("-amd64", "x86_64"), (".x86_64", "x86_64"), ("-cloud-amd64", "x86_64"), ("-rt-amd64", "x86_64"),
    ("-686-pae", "i386"), ("-686", "i386"), (".i686", "i386"), (".i686.PAE", "i386"), (".i386", "i386"),
    ("-arm64", "arm64"), (".aarch64", "arm64"), ("-rt-arm64", "arm64"), ("-arm64-16k", "arm64"),
    ("-armmp", "arm"), ("-armmp-lpae", "arm"), ("-rt-armmp", "arm"), (".armv7hl", "arm"),
    ("-marvell", "arm"), ("-rpi", "arm"),
    ("-riscv64", "riscv64"), (".riscv64", "riscv64"),
    ("-powerpc64le", "ppc64le"), (".ppc64le", "ppc64le"), (".ppc64", "ppc64"), ("-powerpc64", "ppc64"),
    ("-powerpc", "ppc"),
    ("-s390x", "s390x"), (".s390x", "s390x"),
    ("-mips64r2el", "mips64"), ("-octeon", "mips64"), ("-4kc-malta", "mips"), ("-5kc-malta", "mips64"),
    ("-loongson-3", "mips64"),
]

# `Hardware name:` values that name the architecture family (only unambiguous ones: a
# QEMU or DT board name fits several).
ARCH_BY_HARDWARE: list[tuple[str, str]] = [
    ("riscv", "riscv64"), ("pSeries", "ppc64"), ("PowerNV", "ppc64"), ("(z/VM", "s390x"), ("(LPAR)", "s390x"),
    ("(KVM/Linux)", "s390x"),
]

# Boot banner / early boot lines (searched before the report when it names nothing).
ARCH_BY_BANNER: list[tuple[str, str]] = [
    ("x86_64-linux-gnu", "x86_64"), ("i686-linux-gnu", "i386"), ("aarch64-linux-gnu", "arm64"),
    ("arm-linux-gnueabihf", "arm"), ("arm-linux-gnueabi", "arm"), ("riscv64-linux-gnu", "riscv64"),
    ("powerpc64le-linux-gnu", "ppc64le"), ("powerpc64-linux-gnu", "ppc64"), ("s390x-linux-gnu", "s390x"),
    ("mips64el-linux-gnu", "mips64"), ("mipsel-linux-gnu", "mips"),
]

# ------------------------------------------------------------------- report header
# The CPU line (dump_stack / show_regs):
#   "CPU: 0 PID: 97 Comm: sh Tainted: G           OE      6.1.0-56-amd64 #1  Debian 6.1.192-2"
#   "CPU: 0 UID: 0 PID: 97 Comm: sh Not tainted 6.12.0 #1"
# and the pre-4.x "Pid: 598, comm: wpa_supplicant Tainted: P C O 3.6.1-1.fc17.i686.PAE #1 HP ...".
CPU_LINE = r"CPU: ?([0-9]{1,5})(?: UID: [0-9]{1,10})? PID: ?([0-9]{1,10}) Comm: (.{1,64}?) (Not tainted|Tainted: )(.*)$"
PID_LINE = r"Pid: ([0-9]{1,10}), comm: (.{1,64}?) (Not tainted|Tainted: )(.*)$"
# Lockdep banners print the release alone: "3.4.0-00009-g3e96082-dirty #11 Not tainted".
RELEASE_LINE = r"([0-9]{1,6}\.[0-9]{1,6}[^\s#]{0,120}) #[0-9]+ (?:Not tainted|Tainted: )"
BANNER = r"Linux version ([0-9]{1,6}\.[0-9]{1,6}[^\s]{0,120}) "
# A kernel release: starts with digits.digits (checked on the token before "#N").
RELEASE_TOKEN = r"[0-9]+\.[0-9]+[^\s]*$"

# Other lines naming the task / CPU, tried when the CPU line did not set the field.
#   WARNING: CPU: 0 PID: 0 at lib/refcount.c:28 ...
#   Process dd (pid: 90, stack limit = 0xe0bb0000)      (arm)
#   Process wpa_supplicant (pid: 598, ti=f180c000 ...)   (old x86)
#   in_atomic(): 1, irqs_disabled(): 0, pid: 1109, name: NetworkManager
#   INFO: task khungtaskd:27 blocked for more than 120 seconds.
#   EIP: 0060:[<f8e40765>] EFLAGS: 00210246 CPU: 1
TASK_LINES: list[tuple[str, tuple[str, ...]]] = [
    (r"WARNING: CPU: ([0-9]{1,5}) PID: ([0-9]{1,10}) ", ("cpu", "pid")),
    (r"Process (.{1,64}?) \(pid: ([0-9]{1,10})[,)]", ("process", "pid")),
    (r"in_atomic\(\): [0-9]+, irqs_disabled\(\): [0-9]+, (?:non_block: [0-9]+, )?pid: ([0-9]{1,10}), name: (\S{1,64})",
     ("pid", "process")),
    (r"INFO: task (.{1,64}?):([0-9]{1,10}) blocked for more than", ("process", "pid")),
    (r"(?:watchdog: )?BUG: soft lockup - CPU#([0-9]{1,5}) stuck for [0-9]+s! \[(.{1,64}?):([0-9]{1,10})\]",
     ("cpu", "process", "pid")),
    (r"[EeRr]IP: [0-9a-f]{4}:\[<[0-9a-f]+>\] +EFLAGS: [0-9a-f]+ CPU: ([0-9]{1,5})", ("cpu",)),
]

HARDWARE = "Hardware name: "
MODULES = "Modules linked in:"
# A wrapped continuation of the module list: module names only (optionally with taint
# flags), possibly closed by "[last unloaded: x]".
MODULE_TOKEN = r"[A-Za-z0-9_][A-Za-z0-9_\-]{0,63}(?:\([A-Z+\-]{1,8}\))?$"
# printk splits lines near 1 KiB: only a list line at least this long can wrap.
MODULES_WRAP_MIN = 200
LAST_UNLOADED = "[last unloaded:"

KASLR_PREFIX = "Kernel Offset: "
KASLR = r"Kernel Offset: (?:0x([0-9a-f]{1,16}) from 0x[0-9a-f]{1,16}|(disabled))"

# Cheap prefilters: a stripped line is tried against the tables below only when it starts
# with one of these (keeps the per-line cost at a few `startswith` calls).
TASK_PREFIXES = ("WARNING: CPU", "Process ", "in_atomic", "INFO: task ", "watchdog: ", "BUG: soft lockup",
                 "RIP: ", "EIP: ")
FAULT_PREFIXES = ("BUG: ", "Unable to handle", "Read of size", "Write of size", "Use-after-free", "Out-of-bounds",
                  "Invalid ", "Corrupted memory", "general protection", "Unhandled ", "Failing address", "FAR: ",
                  "#PF: ", "Kernel attempted to", "CPU ")
PC_PREFIXES = ("RIP", "EIP", "PC is at", "LR is at", "pc", "lr", "epc", "ra ", "NIP", "LR [", "Krnl PSW",
               "--- interrupt:")
# The release alone after the taint flags (hung-task reports: "      Not tainted 6.1.0 #1").
TAINT_LINE_PREFIXES = ("Not tainted ", "Tainted: ")

# --------------------------------------------------------------- fault address
# (pattern, constant): the address is group 1, or `constant` when the pattern has none.
FAULT_ADDRESS: list[tuple[str, int | None]] = [
    (r"BUG: unable to handle (?:kernel )?(?:page fault|paging request|NULL pointer dereference) "
     r"(?:for address: ?|at )(?:0x)?([0-9a-f]{1,16})\b", None),
    (r"BUG: unable to handle kernel NULL pointer dereference at +\(null\)", 0),
    (r"BUG: kernel NULL pointer dereference, address: (?:0x)?([0-9a-f]{1,16})\b", None),
    (r"Unable to handle kernel [A-Za-z \-]{1,60} at virtual address (?:0x)?([0-9a-f]{1,16})\b", None),
    (r"Unable to handle kernel paging request (?:for data )?at (?:address )?(?:0x)?([0-9a-f]{1,16})\b", None),
    (r"BUG: Kernel NULL pointer dereference (?:on (?:read|write) )?at 0x([0-9a-f]{1,16})\b", None),
    (r"BUG: Unable to handle kernel (?:data|instruction) access(?: on (?:read|write))? at 0x([0-9a-f]{1,16})\b",
     None),
    (r"(?:Read|Write) of size [0-9]+ at addr ([0-9a-f]{1,16})\b", None),
    (r"(?:Use-after-free|Out-of-bounds|Invalid|Corrupted memory) (?:read|write|free|access)? ?at 0x([0-9a-f]{1,16})\b",
     None),
    (r"general protection fault,? (?:probably for non-canonical|maybe for) address 0x([0-9a-f]{1,16})\b", None),
    (r"BUG: (?:[A-Za-z]{1,16} )?stack guard page was hit at (?:0x)?([0-9a-f]{1,16})\b", None),
    (r"Invalid free of 0x([0-9a-f]{1,16})\b", None),  # KFENCE
    (r"Kernel attempted to (?:read|write|access|execute) user page \(([0-9a-f]{1,16})\)", None),  # ppc
    (r"CPU [0-9]{1,5} Unable to handle kernel paging request at virtual address ([0-9a-f]{1,16})\b", None),  # mips
    (r"Unhandled (?:fault|prefetch abort): [^()]{0,80}\(0x[0-9a-f]{1,8}\) at 0x([0-9a-f]{1,16})\b", None),
    (r"Failing address: ([0-9a-f]{1,16})\b", None),
    (r"FAR: 0x([0-9a-f]{1,16})\b", None),
]
# Lines that make the x86 CR2 register the fault address when no line above gave it.
PAGE_FAULT_MARKERS = ("#PF: ", "BUG: unable to handle")

# ------------------------------------------------------------------ call traces
# Headers that open a printed call trace.  arm's non-verbose backtrace has no header: its
# "f from g+0x10/0x18" lines open a trace by themselves.
TRACE_HEADERS = ("Call Trace:", "Call trace:", "Backtrace:", "stack backtrace:", "Call Trace :")
# Stack-context markers printed between trace lines (x86 and i386) -> context, or None to
# return to the context outside the matching opening marker.
CONTEXT_MARKERS: dict[str, str | None] = {
    "IRQ": "irq", "/IRQ": None, "NMI": "nmi", "/NMI": None, "SOFTIRQ": "softirq", "/SOFTIRQ": None,
    "TASK": "task", "/TASK": None, "EOI": "task", "EOE": None, "<EOE>": None,
    "ENTRY_TRAMPOLINE": "exception", "/ENTRY_TRAMPOLINE": None,
}
# Architectures without context markers (arm, arm64, riscv, ppc, s390, mips): the entry
# functions below switch the context of every frame inner to them (printed before them),
# up to the next entry function.  The entry function itself runs in the new context.
CONTEXT_ENTRIES: dict[str, str] = {
    # softirq processing (also ksoftirqd: in_serving_softirq() holds there too)
    "__do_softirq": "softirq", "handle_softirqs": "softirq",
    # hard interrupt entry
    "el1_interrupt": "irq", "el0_interrupt": "irq", "__el1_irq": "irq", "gic_handle_irq": "irq",
    "generic_handle_arch_irq": "irq", "handle_arch_irq": "irq", "__irq_svc": "irq", "__irq_usr": "irq",
    "asm_do_IRQ": "irq", "handle_riscv_irq": "irq", "do_IRQ": "irq", "__do_irq": "irq",
    # NMI-like entries
    "el1_fiq": "nmi", "__el1_pnmi": "nmi", "do_nmi": "nmi", "system_reset_exception": "nmi",
}
# "<#DF>", "<#MC>", "<#DB>", "<#VC>" ... (x86 exception stacks) open "exception"; "</#DF>" closes.
EXCEPTION_MARKER_PREFIX = "#"
# Lines that may sit between trace lines without ending the trace (x86 pt_regs dumps of
# an interrupted or user context, arm register lines and exception-stack dumps, ppc
# interrupt frames).
TRACE_INTERLUDES = ("RIP: ", "EIP: ", "Code: ", "RSP: ", "RAX: ", "RDX: ", "RBP: ", "R10: ", "R13: ",
                    "EAX: ", "ESI: ", "DS: ", "CR0: ", "FS: ", "CS: ", "ESP: ", "Exception stack(",
                    "--- interrupt:", "LR = ", "NIP:", "MSR:", "GPR", "CR: ", "CFAR:", "SOFTE:", "IRQMASK:",
                    "DAR:", "TRAP:", "---[ ", "Last Breaking-Event-Address:")
# Frames of an s390 "Last Breaking-Event-Address:" block are not call frames.
TRACE_STOP_HEADERS = ("Last Breaking-Event-Address:",)

# One symbolic call-trace line, after context markers are stripped.  Groups: paren (s390
# "([<a>] f)" = r14 guess, unreliable), ppc "[sp] [ip]" pair, raw address, "? ", symbol,
# offset, size, module, and the rest (file:line from decode_stacktrace, "[inline]",
# "(unreliable)", arm64 "(P)"/"(T)" source markers).
TRACE_LINE = (
    r"(\()?"
    r"(?:\[([0-9a-f]{8,16})\] \[([0-9a-f]{8,16})\] |\[<([0-9a-fA-F]{1,16})>\] ?)?"
    r"(\? )?"
    r"([A-Za-z_.$][A-Za-z0-9_.$@\-]{0,254}|0x[0-9a-f]{1,16})"
    r"(?:\+0x([0-9a-f]{1,16})/0x([0-9a-f]{1,16}))?"
    r"(?: \[([A-Za-z0-9_\-]{1,64})(?: [0-9a-f]{1,64})?\])?"
    r"(.*)$"
)
# In TRACE_LINE's rest: " lib/dump_stack.c:88 [inline]", " (unreliable)", " (P)".
TRACE_FILE_LINE = r" +([A-Za-z0-9_.\-/+]{1,255}):([0-9]{1,7})"
INLINE_MARK = "[inline]"
UNRELIABLE_MARKS = ("(unreliable)",)
# arm: "f [m] from g+0x10/0x18 [m]" and, with CONFIG_BACKTRACE_VERBOSE or before 5.x,
# "[<c0123>] (f) from [<c0456>] (g+0x10/0x18 [m])".
ARM_FROM_LINE = (
    r"(?:\[<([0-9a-f]{1,16})>\] \()?"
    r"([A-Za-z_.$][A-Za-z0-9_.$@\-]{0,254}|0x[0-9a-f]{1,16})"
    r"(?:\+0x([0-9a-f]{1,16})/0x([0-9a-f]{1,16}))?"
    r"(?: \[([A-Za-z0-9_\-]{1,64})\])?\)? from "
    r"(?:\[<([0-9a-f]{1,16})>\] \()?"
    r"([A-Za-z_.$][A-Za-z0-9_.$@\-]{0,254}|0x[0-9a-f]{1,16})"
    r"(?:\+0x([0-9a-f]{1,16})/0x([0-9a-f]{1,16}))?"
    r"(?: \[([A-Za-z0-9_\-]{1,64})\])?\)?\s*$"
)
# Very old arm: "Function entered at [<c01d7e4c>] from [<c01d8ab8>]".
ARM_ENTERED_LINE = r"Function entered at \[<([0-9a-f]{1,16})>\] from \[<([0-9a-f]{1,16})>\]"
# arm backtraces interleave saved registers: " r7:df912310 r6:df912140 ...".
ARM_REGS_IN_TRACE = r"r[0-9]{1,2} ?:[0-9a-f]{8}"

# ------------------------------------------------------------- pc / lr lines
# A symbolic location: "f+0x1a/0x30 [m]" (groups: symbol, offset, size, module).
SYMBOLIC = (r"([A-Za-z_.$][A-Za-z0-9_.$@\-]{0,254})\+0x([0-9a-f]{1,16})/0x([0-9a-f]{1,16})"
            r"(?: \[([A-Za-z0-9_\-]{1,64})(?: [0-9a-f]{1,64})?\])?")
# (regex, role) on a stripped line; groups: optional raw address, then SYMBOLIC's four, or
# a bare address.  role is "pc" or "lr".
PC_LINES: list[tuple[str, str]] = [
    # x86: "RIP: 0010:cl_divide+0x1a/0x30 [crashlab]", "RIP: 0010:[<ffffffff81171b02>]  [<...>] f+..",
    # "RIP: 0010:0x0"; i386: "EIP: cl_divide+0x1f/0x30 [crashlab]", "EIP: 0060:[<f8e40765>] EFLAGS..."
    (r"[RE]IP: (?:[0-9a-f]{4}:)?(?:\[<([0-9a-f]{1,16})>\] +(?:\[<[0-9a-f]{1,16}>\] +)?)?" + SYMBOLIC, "pc"),
    (r"[RE]IP: (?:[0-9a-f]{4}:)?\[<([0-9a-f]{1,16})>\]()()()()", "pc"),
    (r"[RE]IP: (?:[0-9a-f]{4}:)?()0x([0-9a-f]{1,16})$()()()", "pcraw"),
    (r"[RE]IP is at ()" + SYMBOLIC, "pc"),
    (r"[RE]IP:? +\[<([0-9a-f]{1,16})>\] " + SYMBOLIC, "pc"),
    # arm: "PC is at cl_null_deref+0x1c/0x44 [crashlab]", "LR is at ..."; "PC is at 0x0"
    (r"PC is at ()" + SYMBOLIC, "pc"),
    (r"PC is at ()0x([0-9a-f]{1,16})$()()()", "pcraw"),
    (r"LR is at ()" + SYMBOLIC, "lr"),
    # arm64 / riscv / mips: "pc : f+0x3c/0x50 [m]", "lr : g+...", "epc : f+...", "ra : g+..."
    (r"(?:pc|epc) ?: ()" + SYMBOLIC, "pc"),
    (r"(?:pc|epc) ?: ()0x([0-9a-f]{1,16})$()()()", "pcraw"),
    (r"(?:lr|ra) ?: ()" + SYMBOLIC, "lr"),
    (r"epc +: ([0-9a-f]{8,16}) " + SYMBOLIC, "pc"),
    (r"ra +: ([0-9a-f]{8,16}) " + SYMBOLIC, "lr"),
    # ppc: "NIP [c000000000123456] f+0x../0x.. [m]", "LR [c...] g+..."
    (r"NIP \[([0-9a-f]{1,16})\] " + SYMBOLIC, "pc"),
    (r"LR \[([0-9a-f]{1,16})\] " + SYMBOLIC, "lr"),
    # ppc: "--- interrupt: 300 at f+0x1c/0x40" inside a trace: the interrupted location
    (r"--- interrupt: [0-9a-f]{1,4} at ()" + SYMBOLIC, "pc"),
    # s390: "Krnl PSW : 0704f00180000000 000003ff8086d03a (will_oops_init+0x3a/0x1000 [will_oops])"
    (r"Krnl PSW : [0-9a-f]{8,16} ([0-9a-f]{8,16}) \(" + SYMBOLIC, "pc"),
]
# arm's numeric pc/lr: "pc : [<00000000>]    lr : [<bf0004b4>]    psr: a0040013" (handled by
# the register tokenizer), s390 "Krnl PSW : mask addr" and "Krnl GPRS: r0 r1 r2 r3" (+3 lines).
S390_PSW = r"Krnl PSW : ([0-9a-f]{8,16}) ([0-9a-f]{8,16})"
S390_GPRS = "Krnl GPRS:"
# Block headers that s390 prints without a printk prefix inside timestamped reports (the
# splitter leaves such lines out of the span; the extractor still reads these blocks).
AUX_BLOCK_HEADERS = ("Krnl GPRS:", "Krnl Code:")
# ppc "GPR00: v v v v" rows (4 or 8 per row), mips "$ 0   : v v v v" rows.
# (the words are space-separated, so each repetition ends at a space: no ambiguous splits)
PPC_GPR_ROW = r"GPR([0-9]{2}): +((?:[0-9a-f]{8,16} +){0,7}[0-9a-f]{8,16}) *$"
MIPS_GPR_ROW = r"\$ ?([0-9]{1,2}) *: +((?:[0-9a-f]{8,16} +){0,7}[0-9a-f]{8,16}) *$"
# One "name: value" register pair, found with finditer on register lines; value may follow
# an x86 segment ("RSP: 0018:ffff...") or sit in arm's "[<...>]".
REGISTER_PAIR = (r"([A-Za-z][A-Za-z0-9_]{0,9}) {0,6}: {0,3}(?:[0-9a-f]{4}:)?(?:\[<)?([0-9a-fA-F]{2,16})"
                 r"(?![0-9A-Za-z_:])")
PPC_MSR_LE = "LE"  # in ppc's decoded MSR flags "<SF,EE,...,LE>": a little-endian kernel

# ------------------------------------------------------------- raw stack dumps
# arm: "Stack: (0xe0bb1e20 to 0xe0bb2000)" and "Exception stack(0xe0bb1fa8 to 0xe0bb1ff0)"
# followed by "1e20: w w w w w w w w" rows whose address is the low 16 bits; each word
# takes a 9-character cell (" %08x", or blanks outside the range).
HEXDUMP_HEADERS: list[tuple[str, str]] = [
    (r"Stack: \(0x([0-9a-f]{1,16}) to 0x([0-9a-f]{1,16})\)", "stack"),
    (r"Exception stack\(0x([0-9a-f]{1,16}) to 0x([0-9a-f]{1,16})\)", "exception"),
]
HEXDUMP_PREFIXES = ("Stack: (", "Exception stack(")
HEXDUMP_ROW = r"([0-9a-f]{4}):(.*)$"
HEXDUMP_CELL = 9
# i386 / old x86_64 / mips: "Stack:" then rows of words (" f180dc28 f8e3dde1 ..."); the dump
# starts at the stack pointer.  mips puts the first words on the header line ("Stack : w w").
WORD_STACK_HEADERS = ("Stack:", "Stack :")
WORD_ROW = r"(?:<[0-9]> ?)?((?:[0-9a-f]{8}|[0-9a-f]{16})(?: +(?:[0-9a-f]{8}|[0-9a-f]{16})){0,15})\s*$"

# ------------------------------------------------------------------- Code: bytes
# "Code: 48 8b <8b> 40" (x86 bytes, <> marks the faulting byte), "Code: e5933000 (e5832000)"
# (arm/arm64 words, () marks), "Code: 4b04 (6818)" (Thumb/riscv halfwords), mips/ppc "<word>".
CODE_PREFIXES = ("Code: ",)
PPC_INSTRUCTION_DUMP = "Instruction dump:"
S390_CODE = "Krnl Code:"
# s390 "Krnl Code" rows: ">000003ff8086d03a: a7290000           lghi    %r2,0"; ">" marks the
# faulting instruction, "#" the last breaking event.
S390_CODE_ROW = r"(?:Krnl Code: ?)?([>#])?([0-9a-f]{8,16}): ([0-9a-f]{4,12})\s+(.*)$"
