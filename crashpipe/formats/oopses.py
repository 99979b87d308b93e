"""Report start markers and title formats, in syzkaller's vocabulary.

The behaviour follows syzkaller's pkg/report for Linux (a header substring opens a
report; the title comes from the first format whose `title` pattern matches earliest in
the report text; the guilty function comes from walking the report with `stack.parts`,
skipping frames that match the skip lists).  The tables are written for crashpipe; the
engine that reads them is `crashpipe.titles`.

Patterns are re2 syntax and may use the templates below.  `fmt` strings take positional
`{1}`, `{2}`, ...: first the groups captured by `report` (or by `title` when there is no
`report` pattern), then one function name per stack trace walked by `stack`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Templates expanded inside patterns.
TEMPLATES = {
    "{{ADDR}}": r"0x[0-9a-f]+",
    "{{PC}}": r"\[\<?(?:0x)?[0-9a-f]+\>?\]",
    "{{FUNC}}": r"([a-zA-Z0-9_]+)(?:\.|\+)",
    "{{SRC}}": r"([a-zA-Z0-9-_/.]+\.[a-z]+:[0-9]+)",
}

# A `stack.parts` entry meaning "walk the stack trace from here".
PARSE_STACK = "<parse-stack-trace>"

# Where the crash pc is printed: x86 RIP/IP, powerpc NIP, arm64 "pc :", arm "PC is at".
# riscv's " epc : f+0x1/0x2" matches through "pc "; s390 prints the PSW then "(f+0x1/0x2)"
# (crashpipe addition).
RIP_FRAME = (
    r"(?:(?:IP|NIP|pc |PC is at):? (?:(?:[0-9]+:)?(?:{{PC}} +){0,2}{{FUNC}}|(?:[0-9]+:)?0x[0-9a-f]+"
    r"|(?:[0-9]+:)?{{PC}} +\[< *\(null\)>\] +\(null\)|[0-9]+: +\(null\))"
    r"|Krnl PSW : [0-9a-f]+ [0-9a-f]+ \({{FUNC}})"
)
CALL_TRACE = r"(?:Call (?:T|t)race:)|(?:Backtrace:)"


@dataclass(frozen=True)
class Stack:
    parts: tuple[str, ...]
    parts2: tuple[str, ...] = ()  # tried when `parts` finds no frame
    skip: tuple[str, ...] = ()  # extra frame patterns to skip for this format
    extractor: str | None = None  # "stall" or "hang": a custom choice among the frames


@dataclass(frozen=True)
class Format:
    title: str
    fmt: str
    kind: str
    report: str | None = None  # must also match, else the report is corrupted
    alt: tuple[str, ...] = ()
    stack: Stack | None = None
    no_stack_trace: bool = False  # the report has no "Call Trace" by nature
    corrupted: bool = False  # matching this format means the report is broken


@dataclass(frozen=True)
class Oops:
    header: str  # substring that opens a report
    formats: tuple[Format, ...]
    suppressions: tuple[str, ...] = field(default=())  # lines with the header that are not reports
    # A crashpipe addition to syzkaller's markers: it opens reports of its own, but does
    # not end the text syzkaller would read for the title of the report before it.
    extra: bool = False


def _st(*parts: str, skip: tuple[str, ...] = (), extractor: str | None = None,
        parts2: tuple[str, ...] = ()) -> Stack:
    return Stack(tuple(parts), parts2, skip, extractor)


def _warning_stack(*skip: str) -> Stack:
    # Newer kernels trap on WARN and print "RIP:" first; powerpc prints "--- interrupt:";
    # older kernels print the stack straight away.
    return Stack(
        ("(?:" + RIP_FRAME + "|--- interrupt: [0-9]+ at {{FUNC}})", PARSE_STACK),
        (CALL_TRACE, PARSE_STACK),
        tuple(skip),
    )


_FAULT_STACK = _st(RIP_FRAME, CALL_TRACE, PARSE_STACK)
# kmemleak's allocation backtrace: the allocator frames never name the leak.
_MEMLEAK_STACK = _st(r"backtrace:", PARSE_STACK,
                     skip=("kmemleak", "mmap", "kmem", "slab", "alloc", "create_object", "idr_get", "list_lru_init",
                           "kasprintf", "kvasprintf", "pcpu_create", "strdup", "strndup", "memdup"))
_TRACE_STACK = _st(CALL_TRACE, PARSE_STACK)

OOPSES: tuple[Oops, ...] = (
    Oops("BUG:", (
        Format(r"BUG: KASAN:", "KASAN: {1} {3} in {4}", "kasan",
               report=r"BUG: KASAN: ([a-z\-]+) in {{FUNC}}(?:.*\n)+?.*(Read|Write) (?:of size|at addr) (?:[0-9a-f]+)",
               alt=("bad-access in {4}",),
               stack=_st(r"BUG: KASAN: (?:[a-z\-]+) in {{FUNC}}", CALL_TRACE, PARSE_STACK,
                         skip=("kernel_fault", "tag_check", "mem_abort", "^el1_", "^el1h_"))),
        Format(r"BUG: KASAN:", "KASAN: invalid-free in {2}", "kasan",
               report=r"BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in {{FUNC}}",
               alt=("invalid-free in {2}",),
               stack=_st(r"BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in {{FUNC}}",
                         CALL_TRACE, PARSE_STACK, skip=("slab_", "kfree", "vunmap", "vfree"))),
        Format(r"BUG: KASAN: ([a-z\-]+) on address(?:.*\n)+?.*(Read|Write) of size ([0-9]+)",
               "KASAN: {1} {2}", "kasan"),
        Format(r"BUG: KASAN: (.*)", "KASAN: {1}", "kasan", corrupted=True),
        Format(r"BUG: KMSAN: kernel-usb-infoleak", "KMSAN: kernel-usb-infoleak in {2}", "kmsan",
               report=r"BUG: KMSAN: kernel-usb-infoleak in {{FUNC}}",
               alt=("KMSAN origin in {3}",),
               stack=_st(PARSE_STACK, r"(Local variable .* created at:|Uninit was created at:)", PARSE_STACK,
                         skip=("alloc_skb", "usb_submit_urb", "usb_start_wait_urb", "usb_bulk_msg",
                               "usb_interrupt_msg", "usb_control_msg")),
               no_stack_trace=True),
        Format(r"BUG: KMSAN:", "KMSAN: {1} in {3}", "kmsan",
               report=r"BUG: KMSAN: ([a-z\-]+) in {{FUNC}}",
               alt=("bad-access in {3}",),
               stack=_st(PARSE_STACK, r"(Local variable .* created at:|Uninit was created at:)", PARSE_STACK,
                         skip=("alloc_skb", "netlink_ack", "netlink_rcv_skb")),
               no_stack_trace=True),
        Format(r"BUG: KCSAN: data-race", "KCSAN: {1}", "kcsan", report=r"BUG: KCSAN: (.*)",
               no_stack_trace=True),
        Format(r"BUG: KCSAN:", "KCSAN: {1}", "kcsan", report=r"BUG: KCSAN: (.*)", no_stack_trace=True),
        Format(r"BUG: KFENCE: (use-after-free|out-of-bounds) ([a-z\-]+) in {{FUNC}}", "KFENCE: {1} {2} in {4}",
               "kfence", alt=("bad-access in {4}",),
               stack=_st(r"BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}", PARSE_STACK)),
        Format(r"BUG: KFENCE: invalid free in {{FUNC}}", "KFENCE: invalid free in {2}", "kfence",
               alt=("invalid-free in {2}",), no_stack_trace=True,
               stack=_st(r"BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}", PARSE_STACK)),
        Format(r"BUG: KFENCE: invalid (read|write) in {{FUNC}}", "KFENCE: invalid {1} in {3}", "kfence",
               alt=("bad-access in {3}",),
               stack=_st(r"BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}", PARSE_STACK)),
        Format(r"BUG: KFENCE: memory corruption in {{FUNC}}", "KFENCE: memory corruption in {2}", "kfence",
               no_stack_trace=True, stack=_st(r"BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}", PARSE_STACK)),
        Format(r"BUG: (?:unable to handle kernel paging request|unable to handle page fault for address"
               r"|Unable to handle kernel data access)",
               "BUG: unable to handle kernel paging request in {1}", "paging",
               alt=("bad-access in {1}",), stack=_FAULT_STACK),
        Format(r"BUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer dereference"
               r"|Kernel NULL pointer dereference)",
               "BUG: unable to handle kernel NULL pointer dereference in {1}", "null-deref",
               alt=("bad-access in {1}",), stack=_FAULT_STACK),
        # The kernel prints this header in two printk calls; the second half can be lost.
        Format(r"BUG: (?:unable to handle kernel|Unable to handle kernel)", "BUG: unable to handle kernel",
               "paging", corrupted=True),
        Format(r"BUG: (spinlock|rwlock) (lockup suspected|already unlocked|recursion|cpu recursion|bad magic"
               r"|wrong owner|wrong CPU|trylock failure on UP)",
               "BUG: {1} {2} in {3}", "lockdep", stack=_st(CALL_TRACE, PARSE_STACK, skip=("spin_", "_lock", "_unlock"))),
        Format(r"BUG: soft lockup", "BUG: soft lockup in {1}", "soft_lockup", alt=("stall in {1}",),
               stack=_st(RIP_FRAME, CALL_TRACE, PARSE_STACK, extractor="stall")),
        Format(r"BUG: .*still has locks held!", "BUG: still has locks held in {1}", "lockdep",
               report=r"BUG: .*still has locks held!(?:.*\n)+?.*{{PC}} +{{FUNC}}"),
        Format(r"BUG: scheduling while atomic", "BUG: scheduling while atomic in {1}", "sleep_in_atomic",
               stack=_st(CALL_TRACE, PARSE_STACK, skip=("schedule",))),
        Format(r"BUG: lock held when returning to user space", "BUG: lock held when returning to user space in {1}",
               "lockdep",
               report=r"BUG: lock held when returning to user space(?:.*\n)+?.*leaving the kernel with locks still held"
                      r"(?:.*\n)+?.*at: (?:{{PC}} +)?{{FUNC}}",
               no_stack_trace=True),
        Format(r"BUG: bad unlock balance detected!", "BUG: bad unlock balance in {1}", "lockdep",
               stack=_st(r"{{PC}} +{{FUNC}}", CALL_TRACE, PARSE_STACK)),
        Format(r"BUG: held lock freed!", "BUG: held lock freed in {1}", "lockdep",
               report=r"BUG: held lock freed!(?:.*\n)+?.*{{PC}} +{{FUNC}}"),
        Format(r"BUG: Bad rss-counter state", "BUG: Bad rss-counter state", "bug", no_stack_trace=True),
        Format(r"BUG: non-zero nr_ptes on freeing mm", "BUG: non-zero nr_ptes on freeing mm", "bug",
               no_stack_trace=True),
        Format(r"BUG: non-zero nr_pmds on freeing mm", "BUG: non-zero nr_pmds on freeing mm", "bug",
               no_stack_trace=True),
        # Block device names (loop0/1/2) and fs types would split one bug into many titles.
        Format(r"BUG: Dentry .* still in use", "BUG: Dentry still in use in {1}", "bug",
               report=r"BUG: Dentry .* still in use \([0-9]+\) \[(unmount) of ([^\]]+)\]",
               alt=("BUG: Dentry still in use [{1} of {2}]",)),
        # The page's allocation stack names the user of the page.
        Format(r"BUG: Bad page state", "BUG: Bad page state in {1}", "bad_page",
               stack=_st(r"page last allocated via", PARSE_STACK,
                         skip=("post_alloc_hook", "prep_new_page", "get_page_from_freelist", "page_pool",
                               "alloc_pages", "__get_free_pages"))),
        Format(r"BUG: Bad page map", "BUG: Bad page map", "bad_page"),
        Format(r"BUG: workqueue lockup", "BUG: workqueue lockup", "hung_task", no_stack_trace=True),
        Format(r"BUG: sleeping function called from invalid context at (.*)",
               "BUG: sleeping function called from invalid context in {2}", "sleep_in_atomic",
               stack=_TRACE_STACK),
        Format(r"BUG: using ([a-z_]+)\(\) in preemptible", "BUG: using {1}() in preemptible code in {2}",
               "preemptible",
               stack=_st(CALL_TRACE, PARSE_STACK,
                         skip=("dump_stack", "preemption", "preempt", "debug_", "processor_id", "this_cpu"))),
        Format(r"BUG: workqueue leaked lock or atomic", "BUG: workqueue leaked lock or atomic in {1}", "lockdep",
               report=r"BUG: workqueue leaked lock or atomic(?:.*\n)+?.*last function: ([a-zA-Z0-9_]+)\n",
               no_stack_trace=True),
        Format(r"BUG: memory leak", "memory leak in {1}", "memleak", stack=_MEMLEAK_STACK),
        Format(r"BUG: .*stack guard page was hit at", "BUG: stack guard page was hit in {1}", "stack_overflow",
               alt=("stack-overflow in {1}",),
               stack=_st(RIP_FRAME, CALL_TRACE, PARSE_STACK, extractor="stall")),
        # arm/arm64 print this lockdep splat differently from x86; use the x86 title.
        Format(r"BUG: Invalid wait context", "WARNING: locking bug in {1}", "lockdep",
               stack=_st(CALL_TRACE, PARSE_STACK, skip=("lock_sock", "release_sock"))),
        Format(r"BUG:[[:space:]]*(?:\n|$)", "BUG: corrupted", "bug", corrupted=True),
    ), (
        r"ODEBUG:",  # CONFIG_DEBUG_OBJECTS output
        r"Boot_DEBUG:",
        r"xlog_status:",
        r"DEBUG:",  # Android ART
        r"BUG: no syscalls can create resource",  # syzkaller's own host checks
    )),
    Oops("WARNING:", (
        Format(r"WARNING: .*lib/debugobjects\.c.* (?:debug_print|debug_check)", "WARNING: ODEBUG bug in {1}",
               "warning", stack=_warning_stack("debug_", "rcu", "hrtimer_", "timer_", "work_", "percpu_",
                                               "vunmap", "vfree", "__free_", "debug_check", "kobject_")),
        Format(r"WARNING: .*mm/usercopy\.c.* usercopy_warn", "WARNING: bad usercopy in {1}", "warning",
               stack=_warning_stack("usercopy", "__check")),
        Format(r"WARNING: .*lib/kobject\.c.* kobject_", "WARNING: kobject bug in {1}", "warning",
               stack=_warning_stack("kobject_")),
        Format(r"WARNING: .*fs/proc/generic\.c.* proc_register", "WARNING: proc registration bug in {1}",
               "warning", stack=_warning_stack("proc_")),
        Format(r"WARNING: .*lib/refcount\.c.* refcount_", "WARNING: refcount bug in {1}", "warning",
               stack=_warning_stack("refcount", "kobject_")),
        Format(r"WARNING: .*kernel/locking/lockdep\.c.*lock_", "WARNING: locking bug in {1}", "lockdep",
               stack=_warning_stack("lock_sock", "release_sock")),
        Format(r"WARNING: .*still has locks held!", "WARNING: still has locks held in {1}", "lockdep",
               report=r"WARNING: .*still has locks held!(?:.*\n)+?.*at: {{FUNC}}"),
        Format(r"WARNING: Nested lock was not taken", "WARNING: nested lock was not taken in {1}", "lockdep",
               stack=_warning_stack()),
        Format(r"WARNING: lock held when returning to user space",
               "WARNING: lock held when returning to user space in {1}", "lockdep",
               report=r"WARNING: lock held when returning to user space(?:.*\n)+?.*leaving the kernel with locks "
                      r"still held(?:.*\n)+?.*at: (?:{{PC}} +)?{{FUNC}}",
               no_stack_trace=True),
        Format(r"WARNING: .*mm/.*\.c.* k?.?malloc", "WARNING: kmalloc bug in {1}", "warning",
               stack=_warning_stack("kmalloc", "krealloc", "slab", "kmem")),
        Format(r"WARNING: .*mm/vmalloc.c.*__vmalloc_node", "WARNING: zero-size vmalloc in {1}", "warning",
               stack=_warning_stack()),
        Format(r"WARNING: .* usb_submit_urb", "WARNING in {1}/usb_submit_urb", "warning",
               stack=_warning_stack("usb_submit_urb", "usb_start_wait_urb", "usb_bulk_msg", "usb_interrupt_msg",
                                    "usb_control_msg")),
        Format(r"WARNING: .* at {{SRC}} {{FUNC}}", "WARNING in {3}", "warning", stack=_warning_stack()),
        # Newer kernels: "WARNING: fs/dcache.c:829 at fast_dput+0x334/0x430, CPU#1: comm/pid".
        Format(r"WARNING: {{SRC}} at ", "WARNING in {2}", "warning", stack=_warning_stack()),
        Format(r"WARNING: possible circular locking dependency detected", "possible deadlock in {1}", "lockdep",
               report=r"WARNING: possible circular locking dependency detected(?:.*\n)+?.*is trying to acquire lock",
               # Workqueue functions take locks tied to work items: deadlocks there belong
               # to the work item's subsystem.
               stack=_st(r"at: (?:{{PC}} +)?{{FUNC}}", r"at: (?:{{PC}} +)?{{FUNC}}", PARSE_STACK,
                         skip=("process_one_work", "flush_workqueue", "drain_workqueue", "destroy_workqueue"))),
        Format(r"WARNING: possible irq lock inversion dependency detected", "possible deadlock in {1}", "lockdep",
               report=r"WARNING: possible irq lock inversion dependency detected(?:.*\n)+?.*just changed the state "
                      r"of lock(?:.*\n)+?.*at: (?:{{PC}} +)?{{FUNC}}"),
        Format(r"WARNING: .*-safe -> .*-unsafe lock order detected", "possible deadlock in {1}", "lockdep",
               stack=_st(r"which became (?:.*) at:", PARSE_STACK)),
        Format(r"WARNING: possible recursive locking detected", "possible deadlock in {1}", "lockdep",
               report=r"WARNING: possible recursive locking detected(?:.*\n)+?.*is trying to acquire lock"
                      r"(?:.*\n)+?.*at: (?:{{PC}} +)?{{FUNC}}"),
        Format(r"WARNING: inconsistent lock state", "inconsistent lock state in {2}", "lockdep",
               report=r"WARNING: inconsistent lock state(?:.*\n)+?.*takes(?:.*\n)+?.*at: (?:{{PC}} +)?{{FUNC}}",
               stack=_TRACE_STACK),
        Format(r"WARNING: suspicious RCU usage", "WARNING: suspicious RCU usage in {2}", "rcu",
               report=r"WARNING: suspicious RCU usage(?:.*\n)+?.*?{{SRC}}",
               stack=_st(CALL_TRACE, PARSE_STACK, skip=("rcu", "kmem", "slab"))),
        Format(r"WARNING: kernel stack regs at [0-9a-f]+ in [^ ]* has bad '([^']+)' value",
               "WARNING: kernel stack regs has bad '{1}' value", "warning", no_stack_trace=True),
        Format(r"WARNING: kernel stack frame pointer at [0-9a-f]+ in [^ ]* has bad value",
               "WARNING: kernel stack frame pointer has bad value", "warning", no_stack_trace=True),
        Format(r"WARNING: bad unlock balance detected!", "WARNING: bad unlock balance in {1}", "lockdep",
               stack=_st(r"{{PC}} +{{FUNC}}", CALL_TRACE, PARSE_STACK)),
        Format(r"WARNING: held lock freed!", "WARNING: held lock freed in {1}", "lockdep",
               report=r"WARNING: held lock freed!(?:.*\n)+?.*at:(?: {{PC}})? +{{FUNC}}"),
        Format(r"WARNING: kernel stack regs .* has bad 'bp' value", "WARNING: kernel stack regs has bad value",
               "warning", no_stack_trace=True),
        Format(r"WARNING: kernel stack frame pointer .* has bad value", "WARNING: kernel stack regs has bad value",
               "warning", no_stack_trace=True),
        Format(r"WARNING:[[:space:]]*(?:\n|$)", "WARNING: corrupted", "warning", corrupted=True),
    ), (
        r"WARNING: /etc/ssh/moduli does not exist, using fixed modulus",  # sshd
        r"WARNING: workqueue cpumask: online intersect > possible intersect",
        r"WARNING: [Tt]he mand mount option",
        # printk warnings about old user-space interfaces, not kernel bugs; some
        # consoles upper-case everything.
        r"(?i)warning: `.*' uses (?:deprecated v2 capabilities|wireless extensions)",
        r"WARNING: Unsupported flag value\(s\) of 0x%x in DT_FLAGS_1",  # glibc
        r"WARNING: Unprivileged eBPF is enabled with eIBRS",
        r"WARNING: fbcon: Driver '(.*)' missed to adjust virtual screen size",
        r"WARNING: See https.* for mitigation options.",
        r"WARNING: kernel not compiled with CPU_SRSO",
    )),
    Oops("INFO:", (
        Format(r"INFO: possible circular locking dependency detected", "possible deadlock in {1}", "lockdep",
               report=r"INFO: possible circular locking dependency detected \](?:.*\n)+?.*is trying to acquire lock"
                      r"(?:.*\n)+?.*at: {{PC}} +{{FUNC}}"),
        Format(r"INFO: possible irq lock inversion dependency detected", "possible deadlock in {1}", "lockdep",
               report=r"INFO: possible irq lock inversion dependency detected \](?:.*\n)+?.*just changed the state "
                      r"of lock(?:.*\n)+?.*at: {{PC}} +{{FUNC}}"),
        Format(r"INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected", "possible deadlock in {1}", "lockdep",
               report=r"INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected \](?:.*\n)+?.*is trying to acquire"
                      r"(?:.*\n)+?.*at: {{PC}} +{{FUNC}}"),
        Format(r"INFO: possible recursive locking detected", "possible deadlock in {1}", "lockdep",
               report=r"INFO: possible recursive locking detected \](?:.*\n)+?.*is trying to acquire lock"
                      r"(?:.*\n)+?.*at: {{PC}} +{{FUNC}}"),
        Format(r"INFO: inconsistent lock state", "inconsistent lock state in {1}", "lockdep",
               report=r"INFO: inconsistent lock state \](?:.*\n)+?.*takes(?:.*\n)+?.*at: {{PC}} +{{FUNC}}"),
        Format(r"INFO: rcu_(?:preempt|sched|bh) (?:self-)?detected(?: expedited)? stall",
               "INFO: rcu detected stall in {1}", "rcu_stall", alt=("stall in {1}",),
               stack=_st(r"apic_timer_interrupt", RIP_FRAME, PARSE_STACK,
                         parts2=(r"(?:apic_timer_interrupt|Exception stack|el1h_64_irq)", PARSE_STACK),
                         skip=("apic_timer_interrupt", "rcu"), extractor="stall")),
        Format(r"INFO: trying to register non-static key", "INFO: trying to register non-static key in {1}",
               "lockdep", stack=_st(CALL_TRACE, PARSE_STACK, skip=("stack", "lock", "IRQ"))),
        Format(r"INFO: suspicious RCU usage", "INFO: suspicious RCU usage in {2}", "rcu",
               report=r"INFO: suspicious RCU usage(?:.*\n)+?.*?{{SRC}}",
               stack=_st(CALL_TRACE, PARSE_STACK, skip=("rcu", "kmem", "slab"))),
        # The task name may hold a newline; newer kernels say "blocked in I/O wait".
        Format(r"INFO: task (?:.*\n)?.* blocked (?:in I/O wait )?for more than [0-9]+ seconds", "INFO: task hung in {1}", "hung_task",
               alt=("hang in {1}",), stack=_st(CALL_TRACE, PARSE_STACK, extractor="hang")),
        Format(r"INFO: task .* can't die for more than .* seconds", "INFO: task can't die in {1}", "hung_task",
               alt=("hang in {1}",), stack=_st(CALL_TRACE, PARSE_STACK, skip=("schedule",))),
        # Old-style KASAN reports whose header got lost.
        Format(r"INFO: (Freed|Allocated) in (.*)", "INFO: {1} in {2}", "kasan", corrupted=True),
        Format(r"INFO:[[:space:]]*(?:\n|$)", "INFO: corrupted", "info", corrupted=True),
    ), (
        r"INFO: lockdep is turned off",
        r"INFO: Stall ended before state dump start",
        r"INFO: NMI handler",
        r"INFO: recovery required on readonly filesystem",
        r"(handler|interrupt).*took too long",
        r"_INFO::",  # Android boot
        r"INFO: sys_.* is not present in /proc/kallsyms",  # syzkaller host checks
        r"INFO: no syscalls can create resource",
        r"CAM_INFO:",
        r"rmt_storage:INFO:",
    )),
    Oops("Unable to handle kernel", (
        # s390 (crashpipe addition): the page fault in kernel space, named like x86's.
        Format(r"Unable to handle kernel pointer dereference in virtual kernel address space",
               "BUG: unable to handle kernel paging request in {1}", "paging", alt=("bad-access in {1}",),
               stack=_FAULT_STACK),
        # One title format; the kind follows the kernel's own words.
        Format(r"Unable to handle kernel (NULL pointer dereference)",
               "BUG: unable to handle kernel {1} in {2}", "null-deref", alt=("bad-access in {2}",),
               stack=_FAULT_STACK),
        Format(r"Unable to handle kernel (paging request|access to user memory)",
               "BUG: unable to handle kernel {1} in {2}", "paging", alt=("bad-access in {2}",),
               stack=_FAULT_STACK),
    )),
    Oops("general protection fault", (
        Format(r"general protection fault.*:", "general protection fault in {1}", "gpf",
               alt=("bad-access in {1}",), stack=_FAULT_STACK),
    ), (
        r"general protection fault .* error:\d+ in ",  # a user-space segfault
    )),
    Oops("stack segment: ", (
        Format(r"stack segment: ", "stack segment fault in {1}", "gpf", stack=_FAULT_STACK),
    )),
    Oops("Kernel panic", (
        # With a corrupted stack the kernel may fail to print the symbol or unwind.
        Format(r"Kernel panic - not syncing: stack-protector:", "kernel panic: stack is corrupted in {1}",
               "stack_overflow",
               report=r"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: {{FUNC}}",
               no_stack_trace=True),
        Format(r"Kernel panic - not syncing: stack-protector:", "kernel panic: stack is corrupted in {1}",
               "stack_overflow",
               report=r"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: [a-f0-9]+",
               stack=_st(CALL_TRACE, PARSE_STACK, skip=("stack_chk",))),
        Format(r"Kernel panic - not syncing: corrupted stack end", "kernel panic: corrupted stack end in {1}",
               "stack_overflow",
               report=r"Kernel panic - not syncing: corrupted stack end detected inside scheduler",
               alt=("stack-overflow in {1}",),
               stack=_st(CALL_TRACE, PARSE_STACK, skip=("schedule", "retint_kernel"), extractor="stall")),
        Format(r"Kernel panic - not syncing: kernel stack overflow", "kernel stack overflow in {1}",
               "stack_overflow", alt=("stack-overflow in {1}",),
               stack=_st(CALL_TRACE, PARSE_STACK, skip=("bad_stack",), extractor="stall")),
        Format(r"Kernel panic - not syncing: Attempted to kill init!", "kernel panic: Attempted to kill init!",
               "panic"),
        Format(r"Kernel panic - not syncing: Couldn't open N_TTY ldisc for [^ ]+ --- error -[0-9]+",
               "kernel panic: Couldn't open N_TTY ldisc", "panic"),
        # These follow a BUG/WARNING/hung task report: seeing them as the title means
        # the report that caused them was lost.
        Format(r"Kernel panic - not syncing: Fatal exception", "kernel panic: Fatal exception", "panic",
               corrupted=True),
        Format(r"Kernel panic - not syncing: panic_on_warn set", "kernel panic: panic_on_warn set", "panic",
               corrupted=True),
        Format(r"Kernel panic - not syncing: hung_task: blocked tasks", "kernel panic: hung_task: blocked tasks",
               "panic", corrupted=True),
        Format(r"Kernel panic - not syncing: (.*)", "kernel panic: {1}", "panic"),
    )),
    Oops("PANIC: double fault", (
        Format(r"PANIC: double fault", "PANIC: double fault in {1}", "double_fault", stack=_st(RIP_FRAME)),
    )),
    Oops("kernel BUG", (
        Format(r"kernel BUG at mm/usercopy.c", "BUG: bad usercopy in {1}", "bug",
               stack=_st(CALL_TRACE, PARSE_STACK, skip=("usercopy", "__check"))),
        # List corruption is as often a use-after-free or a race as a list misuse.
        Format(r"kernel BUG at lib/list_debug.c", "BUG: corrupted list in {1}", "bug",
               alt=("bad-access in {1}",), stack=_TRACE_STACK),
        # skb helpers are full of BUG_ON; the bug is nearly always in their caller.
        Format(r"kernel BUG at (.*)", "kernel BUG in {2}", "bug",
               stack=_st(RIP_FRAME, CALL_TRACE, PARSE_STACK, skip=("^skb_",))),
    )),
    Oops("Kernel BUG", (
        Format(r"Kernel BUG (.*)", "kernel BUG {1}", "bug"),
    )),
    Oops("BUG kmalloc-", (
        Format(r"BUG kmalloc-.*: Object already free", "BUG: Object already free", "bug"),
    )),
    Oops("divide error:", (
        Format(r"divide error: ", "divide error in {1}", "divide_error", stack=_st(RIP_FRAME)),
    )),
    # A misspelling some kernels print (x86 IDTENTRY conversion).
    Oops("divide_error:", (
        Format(r"divide_error: ", "divide error in {1}", "divide_error", stack=_st(RIP_FRAME)),
    )),
    Oops("invalid opcode:", (
        Format(r"invalid opcode: ", "invalid opcode in {1}", "invalid_opcode", stack=_st(RIP_FRAME)),
    )),
    Oops("UBSAN:", (
        Format(r"UBSAN:", "UBSAN: undefined-behaviour in {1}", "ubsan", report=r"UBSAN: Undefined behaviour in",
               stack=_st(CALL_TRACE, PARSE_STACK, skip=("ubsan", "overflow"))),
        Format(r"UBSAN: array-index-out-of-bounds in", "UBSAN: array-index-out-of-bounds in {1}", "ubsan",
               alt=("bad-access in {1}",), stack=_st(CALL_TRACE, PARSE_STACK, skip=("ubsan", "overflow"))),
        Format(r"UBSAN:", "UBSAN: {1} in {2}", "ubsan", report=r"UBSAN: (.*?) in",
               stack=_st(CALL_TRACE, PARSE_STACK, skip=("ubsan", "overflow"))),
    )),
    Oops("Booting the kernel.", (
        Format(r"Booting the kernel.", "unexpected kernel reboot", "reboot", no_stack_trace=True),
    ), (
        # The fuzzer can echo boot text back as a mount option.
        r"Parsing ELF|Decompressing Linux",
    )),
    Oops("unregister_netdevice: waiting for", (
        Format(r"unregister_netdevice: waiting for (?:.*) to become free",
               "unregister_netdevice: waiting for DEV to become free", "refcount_leak", no_stack_trace=True),
    )),
    Oops("VFS: Close: file count is 0", (
        Format(r"VFS: Close: file count is 0", "VFS: Close: file count is zero (use-after-free)", "bug",
               no_stack_trace=True),
    )),
    Oops("VFS: Busy inodes after unmount", (
        Format(r"VFS: Busy inodes after unmount", "VFS: Busy inodes after unmount (use-after-free)", "bug",
               no_stack_trace=True),
    )),
    Oops("Internal error:", (
        # arm64 reports some faults as "synchronous external abort" where arm says
        # "Unable to handle kernel paging request": the alt title merges them.
        Format(r"Internal error:", "Internal error in {1}", "oops", alt=("bad-access in {1}",), stack=_FAULT_STACK),
    )),
    Oops("Unhandled fault:", (
        Format(r"Unhandled fault:", "Unhandled fault in {1}", "paging", alt=("bad-access in {1}",),
               stack=_FAULT_STACK),
    )),
    Oops("Alignment trap:", (
        Format(r"Alignment trap:", "Alignment trap in {1}", "oops", stack=_FAULT_STACK),
    )),
    Oops("trusty: panic", (
        Format(r"trusty: panic.* ASSERT FAILED", "trusty: ASSERT FAILED: {1}", "panic",
               report=r"trusty: panic \(.*?\):(?: DEBUG)? ASSERT FAILED at \(.*?\): (.+)", no_stack_trace=True),
        Format(r"trusty: panic.* ASSERT FAILED.*: *(.*)", "trusty: ASSERT FAILED: {1}", "panic", corrupted=True),
        Format(r"trusty: panic", "trusty: panic: {1}", "panic", report=r"trusty: panic \(.*?\): (.+)",
               no_stack_trace=True),
    )),
    # Rust code in the kernel panics through the kernel crate's panic handler, which
    # prints "rust_kernel: panicked at FILE:LINE:COL:" and the message on the next line
    # (older toolchains: "panicked at 'MESSAGE', FILE:LINE:COL"), then BUG()s.
    Oops("panicked at", (
        Format(r"panicked at '([^']*)', ", "{1} in {2}", "rust_panic",
               stack=_st(CALL_TRACE, PARSE_STACK, skip=("rust_begin_unwind",))),
        Format(r"panicked at [^\n]*\n(.+)", "{1} in {2}", "rust_panic",
               stack=_st(CALL_TRACE, PARSE_STACK, skip=("rust_begin_unwind",))),
    ), (
        r"thread '.*' panicked at",  # a user-space Rust program
    )),
    # crashpipe addition (syzkaller's VMs have no NMI watchdog): a CPU stuck with
    # interrupts off.  Named like a soft lockup, by the code it loops in.
    Oops("Watchdog detected hard LOCKUP", (
        Format(r"Watchdog detected hard LOCKUP", "BUG: hard lockup in {1}", "hard_lockup", alt=("stall in {1}",),
               stack=_st(RIP_FRAME, CALL_TRACE, PARSE_STACK, extractor="stall",
                         parts2=(CALL_TRACE, PARSE_STACK))),
    ), extra=True),
    # s390 names every program check "<reason>: <code> ilc:<n> [#<n>]" (crashpipe
    # addition); after a fault message it is the same report.
    Oops(" ilc:", (
        Format(r"([A-Za-z][A-Za-z -]*[A-Za-z]): [0-9a-f]{4} ilc:[0-9]", "{1} in {2}", "oops",
               alt=("bad-access in {2}",), stack=_FAULT_STACK),
    ), extra=True),
    # kmemleak's own record, as read from /sys/kernel/debug/kmemleak (crashpipe
    # addition; syzkaller prints "BUG: memory leak" before each one).
    Oops("unreferenced object 0x", (
        Format(r"unreferenced object 0x", "memory leak in {1}", "memleak", stack=_MEMLEAK_STACK),
    ), extra=True),
    Oops("fatal error:", (
        Format(r"fatal error:", "go runtime error", "userspace", no_stack_trace=True),
    ), (
        r"ALSA",
        r"fatal error: cannot create timer",
    )),
    # Printed by syzkaller's own executor and tools.
    Oops("SYZFAIL:", (
        Format(r"SYZFAIL:(.*)", "SYZFAIL:{1}", "userspace", no_stack_trace=True),
    )),
    Oops("SYZFATAL:", (
        Format(r"SYZFATAL:(.*)()", "SYZFATAL:{1}", "userspace", alt=("SYZFATAL{2}",), no_stack_trace=True),
    )),
    Oops("panic:", (
        Format(r"panic: Sentry detected .* stuck task", "panic: Sentry detected stuck tasks", "userspace",
               no_stack_trace=True),
        Format(r"panic:(.*)", "panic:{1}", "userspace", no_stack_trace=True),
    ), (
        r"_panic:",  # kernel functions such as skb_over_panic
        r"xlog_status:",
        r"ddb\.onpanic:",
        r"evtlog_status:",
    )),
)

# Headers that can appear inside another report without starting a new one.
REPORT_START_IGNORES: tuple[str, ...] = (
    r"invalid opcode: 0000",
    r"Kernel panic - not syncing",
    r"unregister_netdevice: waiting for",
    # A double fault can come out of handling a page fault on badly corrupted memory.
    r"PANIC: double fault",
    r"Internal error:",
    r"Watchdog detected hard LOCKUP",  # printed for each CPU an all-CPU backtrace shows
    r"[0-9a-f]{4} ilc:[0-9]",  # s390's oops line after its fault message
    r"kernel BUG at rust/helpers/bug\.c",  # the BUG() that ends a Rust panic
)

# Headers that continue the open report when they come within this many of its lines
# of its header: the kmemleak record syzkaller announces with "BUG: memory leak" (a
# record later on is another leak).
CONTINUES_RIGHT_AFTER_HEADER: tuple[tuple[str, int], ...] = (
    (r"unreferenced object 0x", 2),
)

# Informational messages that print a stack: inside another report they mean the report
# got mixed with unrelated output, so the report text is cut there.
INFO_MESSAGES_WITH_STACK: tuple[str, ...] = (
    "vmalloc: allocation failure:",
    "FAULT_INJECTION: forcing a failure",
    "FAULT_FLAG_ALLOW_RETRY missing",
)

# Logs that match these are real crashes but not kernel bugs (the fuzzer or sshd was
# OOM-killed, the executor could not start): reports keep their title, flagged suppressed.
SUPPRESSIONS: tuple[str, ...] = (
    r"panic: failed to start executor binary",
    r"panic: executor failed: pthread_create failed",
    r"panic: failed to create temp dir",
    r"fatal error: unexpected signal during runtime execution",
    r"signal SIGBUS: bus error",
    r"Out of memory: Kill process .* \(syz-fuzzer\)",
    r"Out of memory: Kill process .* \(sshd\)",
    r"Killed process .* \(syz-fuzzer\)",
    r"Killed process .* \(sshd\)",
    r"lowmemorykiller: Killing 'syz-fuzzer'",
    r"lowmemorykiller: Killing 'sshd'",
    r"INIT: PANIC: segmentation violation!",
    r"\*\*\* stack smashing detected \*\*\*: terminated",
    r"fatal error: runtime: out of memory",
    r"fatal error: runtime: cannot allocate memory",
    r"fatal error: out of memory",
    r"fatal error: newosproc",
    r"panic: .*cannot allocate memory",
)
