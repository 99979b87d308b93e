"""Stack-trace knowledge for naming a report's guilty function: where a trace starts,
what a frame line looks like, and which frames never name the bug (sanitizer runtime,
printing, locking, allocation, list and string helpers...).  Skip patterns are re2
searched inside the function name (substring unless anchored)."""

from crashpipe.formats.oopses import PARSE_STACK

# A stack trace (or a section holding one) starts at these; every one of them holds
# one of the STACK_START_HINTS substrings (a cheap pre-check before the patterns).
STACK_START = (
    r"Call (?:T|t)race",
    r"Allocated:",
    r"Allocated by task [0-9]+:",
    r"Freed:",
    r"Freed by task [0-9]+:",
    r"[^k] backtrace:",  # "backtrace:" but not "stack backtrace:"
    r"Backtrace:",
    r"Uninit was stored to memory at",
)
STACK_START_HINTS = ("race", "Allocated", "Freed", "acktrace", "Uninit was stored")

# arm without CONFIG_BACKTRACE_VERBOSE prints "f [mod] from g+0x10/0x18 [mod]" lines with
# no "Call trace:" header (crashpipe addition: syzkaller's tables expect addresses).
HEADERLESS_FRAME = r"^ *([a-zA-Z0-9_.]+)(?: \[[a-zA-Z0-9_.]+\])? from {{FUNC}}"
# Tried when a format's own stack walk finds no frame: start at the first such line.
HEADERLESS_PARTS = (HEADERLESS_FRAME, PARSE_STACK)

# Frame lines; group 1 (and 2 for arm's "f from g") is the function.
FRAME_LINES = (
    r"^ *(?:{{PC}} ){0,2}{{FUNC}}",
    # arm prints "[<pc>] (f) from [<pc>] (g+0x..)": the first is often only in lr.
    r"^ *{{PC}} \(([a-zA-Z0-9_.]+)\) from {{PC}} \({{FUNC}}",
    HEADERLESS_FRAME,
)

# A frame printed with "?" (x86: the unwinder is unsure) or "(unreliable)" (powerpc).
QUESTIONABLE_MARK = " ? "
UNRELIABLE_SUFFIX = " (unreliable)"
END_OF_IRQ = "<EOI>"

SKIP = (
    "__sanitizer", "__asan", "kasan", "__msan", "kmsan", "kcsan_setup_watchpoint", "check_memory_region",
    "check_heap_object", "check_object", "read_word_at_a_time", "(read|write)_once_.*nocheck",
    "print_address_description", "panic", "invalid_op", "report_bug", "fixup_bug", "print_report",
    "print_usage_bug", "do_error", "_trap$|do_trap", "show_stack", "dump_stack", "walk_stack",
    "dump_backtrace", "warn_slowpath", "warn_alloc", "warn_bogus", "__warn", "alloc_page",
    "k?v?(?:m|z|c)alloc", "krealloc", "kmem_cache", "allocate_slab", "folio_alloc", "filemap_alloc_folio",
    "__filemap_get_folio", "find_or_create_page", "do_read_cache_folio", "read_cache_page",
    "pagecache_get_page", "grab_cache_page_write_begin", "slab_", "debug_object", "timer_is_static_object",
    "work_is_static_object", "__might_fault", "print_unlock", "imbalance_bug", "lockdep", "bh_enable",
    "bh_disable", "perf_trace", "lock_acquire", "lock_release", "lock_class", "mark_lock",
    "(reacquire|mark)_held_locks", "raw_spin_rq", "spin_lock", "spin_trylock", "spin_unlock", "read_lock",
    "read_trylock", "write_lock", "write_trylock", "read_unlock", "write_unlock", "^down$", "down_read",
    "down_write", "down_read_trylock", "down_write_trylock", "down_trylock", "up_read", "up_write",
    "^mutex_", "^__mutex_", "^rt_mutex_", "owner_on_cpu", "osq_lock", "osq_unlock",
    "atomic(64)?_(dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try)", "(set|clear|change|test)_bit",
    "__wake_up", "^refcount_", "^kref_", "ref_tracker", "seqprop_assert", "memcpy", "memcmp", "memset",
    "memchr", "memmove", "memdup", "strcmp", "strncmp", "strcpy", "strlcpy", "strncpy", "strscpy", "strlen",
    "strstr", "strnstr", "strnlen", "strchr", "strdup", "strndup", "copy_to_user", "copy_from_user",
    "copy_to_iter", "copy_from_iter", "copy_page_to_iter", "copy_page_from_iter", "copy_folio_to_iter",
    "^copyin$", "^copyout$", "put_user", "get_user", "might_fault", "might_sleep", "list_add", "list_del",
    "list_replace", "list_move", "list_splice", "^rb_", "^__rb_", "_indirect_thunk_", "string", "pointer",
    "snprintf", "scnprintf", "kasprintf", "kvasprintf", "printk", "va_format", "dev_info", "dev_notice",
    "dev_warn", "dev_err", "dev_alert", "dev_crit", "dev_emerg", "program_check_exception",
    "program_check_common", "del_timer", "flush_work", "__cancel_work_timer", "cancel_work_sync",
    "try_to_grab_pending", "flush_workqueue", "drain_workqueue", "destroy_workqueue", "queue_work",
    "finish_wait", "kthread_stop", "kobject_", "add_uevent_var", "get_device_parent", "device_add",
    "device_del", "device_unregister", "device_destroy", "device_release", "devres_release_all",
    "hwrng_unregister", "i2c_del_adapter", "__unregister_client", "device_for_each_child",
    "rollback_registered", "unregister_netdev", "sysfs_remove", "device_remove_file", "tty_unregister_device",
    "dummy_urb_enqueue", "usb_kill_urb", "usb_kill_anchored_urbs", "usb_control_msg", "usb_hcd_submit_urb",
    "usb_submit_urb", "^complete$", "wait_for_completion", "^kv?free$", "kfree_skb", "readb$", "readw$",
    "readl$", "readq$", "writeb$", "writew$", "writel$", "writeq$", "logic_in", "logic_out", r"^crc\d+",
    "crc_itu_t", "__might_resched", "assertfail", "^iput$", "^iput_final$", "^ihold$", "hex_dump_to_buffer",
    "print_hex_dump", "^klist_", "(trace|lockdep)_(hard|soft)irq", "^(un)?lock_page",
    "stack_trace_consume_entry", "arch_stack_walk", "stack_trace_save", "insert_work", "__queue_delayed_work",
    "queue_delayed_work_on",
    # arm64 translation-fault handling path.
    "do_(kernel|translation)_fault", "do_mem_abort", "el1_abort", "el1h_64_sync(?:_handler)?",
    "print_tainted", "xas_(?:start|load|find)", "find_lock_entries", "truncate_inode_pages_range",
    # crashpipe additions: the hardware-tag sanitizer runtime; arm prints a bogus
    # "get_taint+0x0" return address after the noreturn panic(); id allocator, device
    # and dentry reference drops and crypto library code are where bugs surface, not
    # where they are.
    "__hwasan", "^unwind_backtrace$", "^get_taint$", "^ida_", "^put_device$", "^(fast_)?dput$", "^crypto_", "^aes",
    "^(xts|ecb|cbc|ctr|gcm)_",
)

# Fault-injection stacks get mixed into crash reports; seeing one marks the report.
CORRUPTED_LINES = (
    r"^( \[\<?(?:0x)?[0-9a-f]+\>?\])? should_fail(slab)?(\.[a-z0-9.]+)?\+0x",
)
CORRUPTED_LINE_HINT = "should_fail"  # every CORRUPTED_LINES match holds it (a cheap pre-check)

# Syscall wrappers differ by arch and kernel version; the shortest stripped name wins.
STRIP_FRAME_PREFIXES = (
    "SYSC_", "SyS_", "sys_", "__x64_", "__ia32_", "__arm64_", "____sys_", "___sys_", "__sys_", "__se_",
    "__do_sys_", "compat_SYSC_", "compat_SyS_", "ksys_", "__se_sys_",
)

# Stalls and lockups: the looping code is anywhere; name the frame just above the first
# of these dispatch points (syscall entry, workqueue, softirq, file/socket operations).
STALL_ANCHORS = (
    "process_one_work", "do_syscall_", "do_fast_syscall_", "sysenter_dispatch", "tracesys_phase2",
    "el0_svc_handler", "invoke_syscall", "ret_fast_syscall", "netif_receive_skb", "do_softirq",
    "call_timer_fn", "_run_timers", "run_timer_softirq", "hrtimer_run", "run_ksoftirqd", "smpboot_thread_fn",
    "^kthread$", "start_secondary", "cpu_startup_entry", "ret_from_fork",
    "vfs_write", "vfs_read", "vfs_iter_read", "vfs_iter_write", "do_iter_read", "do_iter_write",
    "call_read_iter", "call_write_iter", "new_sync_read", "new_sync_write", "vfs_ioctl", "ksys_ioctl",
    "compat_ioctl", "compat_sys_ioctl", "blkdev_driver_ioctl", "blkdev_ioctl", "^call_read_iter",
    "^call_write_iter", "do_iter_readv_writev", "^call_mmap", "mmap_region", "do_mmap", "do_dentry_open",
    "vfs_open",
    "^sock_sendmsg", "^sock_recvmsg", "^sock_release", "^__sock_release", "^setsockopt$", "kernel_setsockopt",
    "sock_common_setsockopt", "^listen$", "kernel_listen", "sk_common_release", "^sock_mmap", "^accept$",
    "kernel_accept", "^sock_do_ioctl", "^sock_ioctl", "^compat_sock_ioctl", "^nfnetlink_rcv_msg",
    "^rtnetlink_rcv_msg", "^netlink_dump", "^(sys_)?(socketpair|connect|ioctl)",
    "__do_fault", "do_page_fault", "^page_fault$",
    "__fput", "task_work_run", "exit_to_usermode", "smp_call_function", "tasklet_action", "tasklet_hi_action",
)
# This anchor is itself the name (its callees vary).
STALL_SELF_ANCHOR = "smp_call_function"

# Hung tasks: the victim stack sits in generic waiting code; these two waits are
# buckets of their own, any synchronize_* wait is grouped with synchronize_rcu.
HANG_ANCHORS = (
    ("rtnl_lock", None),
    ("synchronize_rcu", "synchronize_rcu"),
    ("synchronize_srcu", "synchronize_rcu"),
    ("synchronize_net", "synchronize_rcu"),
    ("synchronize_sched", "synchronize_rcu"),
)
HANG_SKIP = (
    "sched", "_lock", "_slowlock", "down", "rwsem", "completion", "kthread", "wait", "synchronize",
    "context_switch", "__switch_to", "cancel_delayed_work", "rcu_barrier",
)
