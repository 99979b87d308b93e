"""Bucketing rules as data: which frames a signature skips, how names are normalized,
where a signature ends, and which architectures print a leaf's caller oddly.

The engine that reads these tables is `crashpipe.bucket.signature`.  Changing any table
here changes bucket ids: bump `BUCKET_VERSION` with it, so that `BucketIndex` writes an
old-to-new mapping (DIR/bucket_migrations/) instead of silently splitting history.
"""
from __future__ import annotations

# Version of the rules below; part of every hashed signature.
BUCKET_VERSION = "1"

# How many frames a signature keeps.  Eight frames reach past the crash site, its
# dispatcher and about six callers: deep enough that two call chains differing in one
# outer frame (a compat wrapper around an ioctl path) hash apart, shallow enough that
# the variable tail of a trace (vfs, syscall and irq plumbing) rarely matters.
DEPTH = 8

# Compiler clone suffixes (`.isra.0`, `.constprop.3`, `.cold`, `.part.1`, `.llvm.N`) are
# stripped by `crashpipe.symbols.names.normalize_symbol`, the one table of them.

# Syscall wrappers, longest first: `__x64_sys_write`, `__se_sys_write`,
# `__do_sys_write`, `__arm64_sys_write` all become `sys_write` (and `compat_sys_*`).
SYSCALL_PREFIXES = (
    "__x64_compat_sys_", "__ia32_compat_sys_", "__x32_compat_sys_", "__arm64_compat_sys_",
    "__se_compat_sys_", "__do_compat_sys_", "__riscv_compat_sys_",
    "__x64_sys_", "__ia32_sys_", "__x32_sys_", "__arm64_sys_", "__riscv_sys_",
    "__s390x_sys_", "__s390_sys_", "__powerpc_sys_", "__se_sys_", "__do_sys_",
)

# Report kinds (crashpipe.formats.kinds vocabulary) that name the same event in
# different words on different architectures: x86 prints a wild pointer as
# "general protection fault", arm64 as "Unable to handle kernel paging request".
# syzkaller joins them with the ALT title "bad-access in <func>".
KIND_CLASS = {
    "null-deref": "bad-access",
    "paging": "bad-access",
    "gpf": "bad-access",
    "oops": "bad-access",
}

# Kinds whose title names the bug class beyond the kind ("KASAN: use-after-free Read",
# "possible deadlock" vs "inconsistent lock state", "WARNING: refcount bug" vs
# "WARNING"): the title up to " in <func>" (with
# numbers blanked) joins the kind in the signature, so two bug classes caught in the
# same frames stay apart.
TITLE_QUALIFIED_KINDS = frozenset({
    # "WARNING: refcount bug in f" and a plain WARN_ON in f have the same frames once the
    # refcount helper is skipped; "kernel BUG" and "BUG: corrupted list" likewise.
    "warning", "bug",
    "kasan", "kmsan", "kcsan", "kfence", "ubsan", "lockdep", "sleep_in_atomic",
    "preemptible", "bad_page", "memleak", "refcount_leak", "hung_task", "rcu_stall", "info",
    "panic",
})

# Generic frames: reporting, exception and entry plumbing that every report of a class
# shares whatever the bug.  Exact names, then prefixes.  Frames inside a module are
# kept whatever their names (a driver's `report_bug` is the driver's).
GENERIC_EXACT = frozenset({
    # oops / die / exception entry
    "die", "__die", "__die_body", "die_kernel_fault", "oops_begin", "oops_end", "do_trap",
    "do_error_trap", "handle_bug", "handle_invalid_op", "do_invalid_op", "do_divide_error",
    "page_fault_oops", "kernelmode_fixup_or_oops", "no_context", "__bad_area_nosemaphore",
    "bad_area_nosemaphore", "__bad_area", "bad_area", "do_kern_addr_fault", "do_user_addr_fault",
    "spurious_kernel_fault", "fixup_exception", "handle_page_fault", "__do_page_fault",
    "do_page_fault", "do_mem_abort", "do_translation_fault", "__do_kernel_fault",
    "do_bad_area", "do_sect_fault", "do_alignment", "do_DataAbort", "do_PrefetchAbort",
    "do_undefinstr", "bug_handler", "call_undef_hook", "do_el1_undef", "do_el1_brk64",
    "brk_handler", "do_debug_exception", "die_if_kernel", "arm64_notify_die",
    "do_general_protection", "math_error", "do_int3", "notify_die", "arm_notify_die",
    "__do_user_fault", "__kprobes_text_start", "show_regs", "__show_regs", "show_regs_print_info",
    "show_opcodes", "show_ip", "show_iret_regs", "show_trace_log_lvl", "show_stack",
    "dump_backtrace", "unwind_backtrace", "c_backtrace", "do_exit", "make_task_dead",
    "rewind_stack_and_make_dead", "rewind_stack_do_exit",
    # printk / dump_stack
    "printk", "_printk", "vprintk", "vprintk_emit", "vprintk_default", "vprintk_func",
    "dump_stack", "dump_stack_lvl", "__dump_stack", "panic", "nmi_panic",
    # warn / BUG helpers
    "__warn", "__warn_printk", "warn_slowpath_fmt", "warn_slowpath_null", "report_bug",
    "__report_bug", "refcount_warn_saturate", "refcount_error_report",
    # allocator wrappers whose presence in a trace depends on a build's tail calls
    "kfree", "kvfree", "kfree_sensitive",
    # KASAN / KMSAN / UBSAN / KFENCE reporting
    "kasan_report", "__kasan_report", "kasan_report_invalid_free", "kasan_report_double_free",
    "print_report", "print_address_description", "describe_object", "check_memory_region",
    "kmsan_report", "kfence_report_error", "ubsan_epilogue", "ubsan_prologue",
    "end_report", "start_report",
    # stall and lockup detectors: the reporting CPU's own frames and its timer interrupt
    "nmi_cpu_backtrace", "nmi_trigger_cpumask_backtrace", "arch_trigger_cpumask_backtrace",
    "trigger_all_cpu_backtrace", "trigger_single_cpu_backtrace", "rcu_dump_cpu_stacks", "print_cpu_stall",
    "print_other_cpu_stall", "check_cpu_stall", "rcu_pending", "rcu_check_callbacks", "rcu_sched_clock_irq",
    "sched_show_task", "_sched_show_task", "dump_cpu_task", "show_state_filter", "watchdog_timer_fn",
    "watchdog", "check_hung_task", "check_hung_uninterruptible_tasks", "debug_show_all_locks",
    "__run_hrtimer", "local_apic_timer_interrupt", "smp_apic_timer_interrupt", "apic_timer_interrupt",
    "smp_apic_timer_interrupt_entry_after_kaiser_bti", "retint_kernel", "preempt_schedule_irq",
    "write_comp_data", "trace_hardirqs_on", "trace_hardirqs_off",
    # context checks that only report (the caller is the bug)
    "check_preemption_disabled", "__this_cpu_preempt_check", "debug_smp_processor_id",
    # lock debugging internals
    "lock_acquire", "lock_release", "lock_acquired", "lock_contended", "__lock_acquire",
    "validate_chain", "check_prevs_add", "check_prev_add", "check_noncircular",
    "print_circular_bug", "print_deadlock_bug", "check_deadlock", "mark_lock", "mark_usage",
    "print_usage_bug", "valid_state", "mark_lock_irq", "mark_irqflags", "mark_held_locks",
    "print_irq_inversion_bug", "check_usage_backwards", "check_usage_forwards", "print_bad_irq_dependency",
    "check_irq_usage", "check_prev_add_irq", "trace_hardirqs_on_caller", "lockdep_trace_alloc", "debug_check_no_locks_freed", "do_raw_spin_lock",
    "do_raw_spin_unlock", "spin_bug", "spin_dump", "debug_lockdep_rcu_enabled",
    "lockdep_rcu_suspicious", "__might_sleep", "__might_resched", "___might_sleep",
    "__might_fault", "might_fault",
    # syscall entry / return, irq and softirq entry
    "do_syscall_64", "do_syscall_32_irqs_on", "do_fast_syscall_32", "__do_fast_syscall_32",
    "do_int80_syscall_32", "do_SYSENTER_32", "x64_sys_call", "ia32_sys_call", "x32_sys_call", "invoke_syscall", "el0_svc_common", "do_el0_svc", "el0_svc",
    "el0_da", "el0_ia", "el1_abort", "el1_da", "el1_dbg", "el1_undef", "el1_inv",
    "el1_interrupt", "el1h_64_sync_handler", "el1h_64_sync", "el1h_64_irq_handler",
    "el1h_64_irq", "el0t_64_sync_handler", "el0t_64_sync", "el0t_64_irq",
    "el0t_32_sync_handler", "el0t_32_sync", "ret_from_fork", "ret_from_fork_asm",
    "ret_fast_syscall", "ret_slow_syscall", "vector_swi", "__irq_svc", "__irq_usr",
    "__dabt_svc", "__dabt_usr", "__und_svc", "__und_usr", "__pabt_svc", "ret_from_exception",
    "handle_exception", "syscall_exit_to_user_mode", "exit_to_user_mode_prepare",
    "exit_to_user_mode_loop", "irqentry_exit_to_user_mode", "irqentry_exit", "irqentry_enter",
    "irq_exit", "irq_exit_rcu", "__irq_exit_rcu", "handle_softirqs", "__do_softirq",
    "____do_softirq", "do_softirq", "do_softirq_own_stack", "call_on_irq_stack",
    "__local_bh_enable_ip", "local_bh_enable", "common_interrupt", "handle_irq",
    "generic_handle_arch_irq", "gic_handle_irq", "__handle_domain_irq", "handle_domain_irq",
    "call_with_stack", "run_on_irqstack_cond", "__sysvec_apic_timer_interrupt",
    "hrtimer_interrupt", "__hrtimer_run_queues", "tick_sched_timer", "tick_sched_handle",
    "update_process_times", "arch_timer_handler_virt", "handle_percpu_devid_irq",
    "generic_handle_domain_irq", "__entry_text_end", "__entry_text_start",
    "restore_all_switch_stack", "handle_exception_return", "ret_to_user",
})
GENERIC_PREFIXES = (
    "asm_exc_", "exc_", "asm_sysvec_", "sysvec_", "asm_common_interrupt", "entry_SYSCALL",
    "entry_INT80", "entry_SYSENTER", "entry_", "__kasan_", "kasan_", "__asan_", "asan_",
    "__kmsan_", "kmsan_", "__msan_", "__ubsan_", "ubsan_", "__sanitizer_", "kfence_",
    "lockdep_", "__lockdep_", "print_lock", "show_trace", "dump_stack", "__dump_stack",
    "unwind_", "__unwind_", "arch_stack_walk", "stack_trace_", "printk", "vprintk", "dump_backtrace",
    "__warn_", "warn_slowpath", "__report_", "report_",
    # scheduler and sleeping-lock primitives: a hung or deadlocked task sits in them
    # whatever the bug; its site is their caller (syzkaller names hangs the same way)
    "__schedule", "schedule", "preempt_schedule", "io_schedule", "__mutex_lock", "mutex_lock",
    "rwsem_down_", "down_read", "down_write", "__down", "wait_for_completion", "__wait_for_common",
    "wait_for_common", "do_wait_for_common",
    # spinlock primitives: where a stall or lockup interrupted a lock says nothing of the bug
    "_raw_spin_", "_raw_read_", "_raw_write_", "__raw_spin_", "queued_spin_lock", "native_queued_spin_lock",
    "queued_read_lock", "queued_write_lock",
)

# Entry frames: once a signature has used a frame, an entry frame means the rest of the
# trace belongs to whatever the crashing context interrupted or was started by (another
# task's syscall, the idle loop under a softirq), which varies from crash to crash.
ENTRY_EXACT = frozenset({
    "do_syscall_64", "do_syscall_32_irqs_on", "do_fast_syscall_32", "__do_fast_syscall_32",
    "do_int80_syscall_32", "do_SYSENTER_32", "x64_sys_call", "ia32_sys_call", "x32_sys_call", "invoke_syscall", "el0_svc_common", "ret_from_fork", "ret_from_fork_asm",
    "ret_fast_syscall", "vector_swi", "__irq_svc", "__irq_usr", "irq_exit", "irq_exit_rcu",
    "__irq_exit_rcu", "handle_softirqs", "__do_softirq", "____do_softirq", "do_softirq",
    "do_softirq_own_stack", "call_on_irq_stack", "common_interrupt", "el1_interrupt",
    "el0t_64_sync", "el0t_64_sync_handler", "el1h_64_irq", "el1h_64_irq_handler",
    "handle_irq", "generic_handle_arch_irq", "gic_handle_irq", "hrtimer_interrupt", "apic_timer_interrupt",
    "smp_apic_timer_interrupt", "retint_kernel",
})
ENTRY_PREFIXES = ("asm_exc_", "asm_sysvec_", "sysvec_", "entry_SYSCALL", "entry_INT80", "entry_SYSENTER")

# Architectures whose call trace leaves out a leaf function's caller, which the report
# still names in the link register: arm64's frame-record unwinder starts from the
# caller's frame record, so the leaf's caller appears only in "lr :".  There the first
# distinct lr frame fills that slot; elsewhere lr may be stale (armhf keeps the return
# address of the last call the crashing function made) and is not used.
LR_FILLS_LEAF_CALLER = frozenset({"arm64"})

# Architectures whose frame-pointer unwinder prints a leaf function's caller only as an
# unreliable `? caller` line (i386: a leaf pushes no frame, so the return address into
# its caller is found by the stack scan).  There the first printed frame is used even
# when marked unreliable.
LEADING_UNRELIABLE_IS_CALLER = frozenset({"i386"})

# Family (near-duplicate) similarity: position weight exp(-FAMILY_DECAY * i) for the
# i-th signature frame, matched pairs discounted by exp(-FAMILY_SHIFT * |i - j|).
# With decay 1.0 the crash site outweighs all callers together (1 > 0.58), so only
# buckets sharing their crash site can reach the threshold; see crashpipe.bucket.family.
FAMILY_DECAY = 1.0
FAMILY_SHIFT = 0.5
FAMILY_THRESHOLD = 0.70
# Most buckets of one (kind, crash site) scored per new bucket when none shares its
# first caller too (bounded work for sites reached from thousands of places).
FAMILY_BLOCK_LIMIT = 512
