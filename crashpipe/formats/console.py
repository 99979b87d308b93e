"""Line prefixes that console captures, dmesg, syslog and journald put before the kernel's
own text.  All patterns run under re2 (linear time) on lines already capped in length."""

# Stripped repeatedly from the start of a line, in this order, until none applies.
# syslog / journalctl short format: "Nov 25 01:02:03 host kernel: "
SYSLOG_PREFIX = r"^[A-Z][a-z]{2} [ 0-9]?[0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)? \S+ kernel: "
# journalctl -o short-iso / short-precise and rsyslog RFC 3339 stamps.
ISO_SYSLOG_PREFIX = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})? \S+ kernel: "
)
# A bare "kernel: " left by some collectors.
BARE_KERNEL_PREFIX = r"^kernel: "

# The console prefix syzkaller's parser recognises, extended with a bare caller tag:
#   optional "** N printk messages dropped ** ", optional "<host> login: " (a getty prompt
#   that the next kernel line was printed onto), optional "<N>" log level, the
#   "[  12.345678]" timestamp and the optional "[T123]"/"[ C1]" printk caller tag.
CONSOLE_PREFIX = (
    r"^(?:\*\* [0-9]+ printk messages dropped \*\* )?(?:.* login: )?(?:<[0-9]+>)?"
    r"\[ *([0-9]+\.[0-9]+)\](?: ?\[ *([CT][0-9]+)\])? ?"
)
# util-linux dmesg prints the caller tag after a space: "[    0.000000] [    T0] ...".
# Mail replies quote with "> ", "> > ", ">> " (never ">" alone: KASAN's shadow dump
# marks the buggy row with a bare ">").
MAIL_QUOTE = r"^>[> ]* "
# A caller tag without a timestamp (printk.time=0 with CONFIG_PRINTK_CALLER).
TAG_ONLY_PREFIX = r"^(?:<[0-9]+>)?\[ *([CT][0-9]+)\] ?"
# A log level alone: "<4>WARNING: ..." (/dev/kmsg and some serial captures).
LOGLEVEL_PREFIX = r"^<[0-9]{1,2}>"
