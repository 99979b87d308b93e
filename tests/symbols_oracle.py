"""addr2line (binutils) as the oracle for differential symbolization tests."""
from __future__ import annotations

import re
import shutil
import subprocess

ADDR2LINE = shutil.which("addr2line")
_LOC = re.compile(r"^(.*):(\?|\d+)(?: \(discriminator \d+\))?$")


def addr2line(elf: str, addrs: list[int], section: str | None = None) -> list[list[tuple[str | None, str | None, int | None]]]:
    """Per address the `-f -i` chain, innermost first: (function, file, line)."""
    cmd = [ADDR2LINE, "-f", "-i", "-a", "-e", elf]
    if section:
        cmd[1:1] = ["-j", section]
    out = subprocess.run(cmd, input="\n".join(hex(a) for a in addrs) + "\n", capture_output=True, text=True, check=True).stdout
    res: list[list[tuple[str | None, str | None, int | None]]] = []
    lines = out.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("0x"):
            res.append([])
            i += 1
            continue
        fn, loc = lines[i], lines[i + 1]
        i += 2
        m = _LOC.match(loc)
        f, ln = (m.group(1), m.group(2)) if m else (loc, "?")
        res[-1].append((None if fn == "??" else fn, None if f == "??" else f, None if ln in ("?", "0") else int(ln)))
    return res
