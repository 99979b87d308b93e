"""Where a report's text begins and ends around its header line (crashpipe's own rules;
the header table itself is `oopses.OOPSES`)."""

# Lines just before a header (same printer) that belong to the report, as (pattern, how
# many of the printer's lines back it may sit, a substring every match holds: lines
# without it are not tried): WARN's cut-here banner (a WARN message may come between),
# arm's fault banner and abort message, the list-debug message printed before its BUG(),
# arm64's stack-overflow message (its registers come between it and the panic).
LEADING = (
    (r"^-+\[ cut here \]-+$", 3, " cut here "),
    (r"^8<-+ cut here -+", 4, " cut here "),  # arm's fault banner
    (r"^Unhandled (?:prefetch|data) abort:", 2, "Unhandled "),
    (r"^list_(?:add|del) corruption", 3, "list_"),
    (r"^Insufficient stack space to handle exception!", 80, "Insufficient stack space"),
)

# The kernel's end-of-report marker: after it only the panic and exit notes belong to
# the report.
END_MARKER = r"^-+\[ end trace [0-9a-f]+ \]-+"
END_MARKER_HINT = "end trace"  # a substring every END_MARKER line holds (cheap pre-check)
# A sanitizer report's closing rule.
CLOSING_RULE = r"^={40,}$"
CLOSING_RULE_HINT = "=" * 40
# After the end marker: kept as part of the report.
TRAILER_KEEP = (
    r"^Kernel panic - not syncing",
    r"^Kernel Offset:",
    r"^-+\[ end Kernel panic",
    r"^note: .* exited with",
    r"^Rebooting in [0-9]+ seconds",
    r"^CPU features: ",
    r"^Memory Limit: ",
    r"^SMP: stopping secondary CPUs",
    r"^Shutting down cpus with NMI",
)
# After the end marker on x86: the registers of the first oops of the boot, re-printed
# (show_regs of the exec summary).  Skipped without ending the report.
TRAILER_SKIP = (
    r"^(?:RIP|EIP|RSP|ESP|Code|RAX|RBX|RCX|RDX|RSI|RDI|RBP|R[0-9]{1,2}|EAX|EBX|ECX|EDX|ESI|EDI|EBP|DS|ES|FS|GS|CS"
    r"|CR[0-9]|DR[0-9]|PKRU):",
)
# Printed by another CPU while this one dumps: lines of every CPU belong to the report.
ALL_CPU_BACKTRACE = "Sending NMI from CPU"
# The kernel prints a report in one burst; a line stamped this many seconds after (or
# before: a new boot) the report's previous line belongs to later activity (reports
# without an end marker: lockups, stalls, hung tasks, lockdep).
QUIET_GAP_SECONDS = 2.0
