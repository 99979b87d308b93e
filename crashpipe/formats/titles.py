"""Title clean-up: dynamic parts (pids, addresses, line numbers, CPU numbers) become
placeholders so the same bug gets the same title on every machine."""

MAX_TITLE = 120

# Applied in order, each repeated until the title stops changing.  re2 patterns with
# Python-style replacement templates.
REPLACEMENTS = (
    (r"syz-executor\.?[0-9]+((/|:)[0-9]+)?", "syz-executor"),
    (r"syzkaller[0-9]+((/|:)[0-9]+)?", "syzkaller"),
    (r"([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}", r"\1ADDR"),
    (r"([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})", "IP"),
    (r"(\.\w+)(:[0-9]+)+", r"\1:LINE"),
    (r"([a-zA-Z][a-zA-Z0-9_.]+)\+0x[0-9a-z]+/0x[0-9a-z]+", r"\1"),
    (r"CPU#[0-9]+", "CPU"),
    (r"(\W)(\d+)(\W|$)", r"\1NUM\3"),
    # Numbers inside names (cfg80211, nl802154) stay unless absurdly long.
    (r"(\d+){7,}", "NUM"),
)

# A title matching these was assembled from mixed-up lines.
CORRUPTED_TITLES = (
    r"\[ *[0-9]+\.[0-9]+\]",  # a timestamp merged into the middle of the header
)

# Printed by the VM's console when the connection drops; the report is likely cut.
CONSOLE_HANGUP = "serialport: VM disconnected."
