"""Title clean-up: dynamic parts (pids, addresses, line numbers, CPU numbers) become
placeholders so the same bug gets the same title on every machine."""

MAX_TITLE = 120

# Applied in order, each repeated until the title stops changing: (re2 pattern, Python
# replacement template, a substring every match holds or None, whether every match holds
# a decimal digit).  The last two let a title with nothing dynamic skip the pattern.
REPLACEMENTS = (
    (r"syz-executor\.?[0-9]+((/|:)[0-9]+)?", "syz-executor", "syz-executor", True),
    (r"syzkaller[0-9]+((/|:)[0-9]+)?", "syzkaller", "syzkaller", True),
    # Anything that looks like an address (six hex letters and digits, even "facade").
    (r"([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}", r"\1ADDR", None, False),
    (r"([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})", "IP", ".", True),
    (r"(\.\w+)(:[0-9]+)+", r"\1:LINE", ":", True),
    (r"([a-zA-Z][a-zA-Z0-9_.]+)\+0x[0-9a-z]+/0x[0-9a-z]+", r"\1", "+0x", True),
    (r"CPU#[0-9]+", "CPU", "CPU#", True),
    (r"(\W)(\d+)(\W|$)", r"\1NUM\3", None, True),
    # Numbers inside names (cfg80211, nl802154) stay unless absurdly long.
    (r"\d{7,}", "NUM", None, True),
)

# A title matching these was assembled from mixed-up lines.
CORRUPTED_TITLES = (
    r"\[ *[0-9]+\.[0-9]+\]",  # a timestamp merged into the middle of the header
)

# Printed by the VM's console when the connection drops; the report is likely cut.
CONSOLE_HANGUP = "serialport: VM disconnected."
