"""The baseline for benchmarks/bench_parse.py: a plain regular-expression parser, the
way such a tool is usually first written (one `re` per field, tried on every line).

It splits a log at report headers and pulls out the same kinds of fields crashpipe's
parser does (title line, kind, arch guess, kernel release, registers, fault address,
process/pid/cpu, taint, hardware, modules, call-trace frames with `?` marks and
contexts, Code: bytes), without crashpipe's rules for titles, interleaving or
corruption.  It exists to be measured against, not used.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

PREFIX = re.compile(r"^(?:\w{3} +\d+ [\d:]{8} \S+ kernel: )?(?:\[ *\d+\.\d+\])?(?:\[ *[TC]\d+\])? ?")
HEADER = re.compile(
    r"(BUG: |WARNING: |INFO: |Oops|general protection fault|Unable to handle kernel|kernel BUG at|"
    r"Internal error:|Kernel panic - not syncing|UBSAN: |divide error|invalid opcode|unreferenced object|"
    r"watchdog: BUG: soft lockup|Unhandled fault:)")
END = re.compile(r"---\[ end trace|^={20,}$")
CPU_PID = re.compile(r"CPU: (\d+) PID: (\d+) Comm: (\S+)")
TAINT = re.compile(r"Tainted: ([A-Z ]+?) +\d")
RELEASE = re.compile(r"(?:Not tainted|Tainted: [A-Z ]+?) +(\d+\.\d+\S*)")
HARDWARE = re.compile(r"Hardware name: (.*)")
MODULES = re.compile(r"Modules linked in:(.*)")
REG = re.compile(r"\b([A-Za-z][A-Za-z0-9]{1,3}) ?: ?([0-9a-f]{8,16})\b")
FAULT = re.compile(r"(?:address: |virtual address |at addr |CR2: |badaddr: )([0-9a-f]{8,16})")
FRAME = re.compile(r"^\s*(?:\[<?([0-9a-f]+)>?\] )?(\? )?([A-Za-z_.][\w.]*)\+0x([0-9a-f]+)/0x([0-9a-f]+)(?: \[(\w+)\])?")
CONTEXT = re.compile(r"<(IRQ|NMI|SOFTIRQ|TASK|EOE)>")
CODE = re.compile(r"Code: (.*)")
ARCH = (
    (re.compile(r"\bRIP: "), "x86_64"), (re.compile(r"\bEIP: "), "i386"), (re.compile(r"\bpc : \["), "arm"),
    (re.compile(r"\bpstate: "), "arm64"), (re.compile(r"\bepc : "), "riscv64"), (re.compile(r"\bNIP: "), "ppc64"),
    (re.compile(r"Krnl PSW"), "s390x"),
)
MAX_LINES = 300


@dataclass
class Frame:
    symbol: str
    offset: int
    size: int
    module: str | None
    address: int | None
    reliable: bool
    context: str


@dataclass
class Report:
    source: str
    source_line: int
    title: str
    kind: str
    arch: str | None = None
    kernel_release: str | None = None
    cpu: int | None = None
    pid: int | None = None
    process: str | None = None
    tainted: str | None = None
    hardware: str | None = None
    modules: list[str] = field(default_factory=list)
    registers: dict[str, int] = field(default_factory=dict)
    fault_address: int | None = None
    code: str | None = None
    frames: list[Frame] = field(default_factory=list)


def parse_text(text: str, source: str) -> list[Report]:
    lines = [PREFIX.sub("", ln, count=1) for ln in text.split("\n")]
    reports: list[Report] = []
    cur: Report | None = None
    ctx = "task"
    n = 0
    for no, line in enumerate(lines, 1):
        m = HEADER.search(line)
        if m and (cur is None or n > 3):
            cur = Report(source, no, line.strip(), m.group(1).strip().rstrip(":").lower())
            reports.append(cur)
            ctx, n = "task", 0
            continue
        if cur is None:
            continue
        n += 1
        if n > MAX_LINES or END.search(line):
            cur = None
            continue
        if m := CPU_PID.search(line):
            cur.cpu, cur.pid, cur.process = int(m.group(1)), int(m.group(2)), m.group(3)
        if m := TAINT.search(line):
            cur.tainted = m.group(1).strip()
        if m := RELEASE.search(line):
            cur.kernel_release = m.group(1)
        if m := HARDWARE.search(line):
            cur.hardware = m.group(1)
        if m := MODULES.search(line):
            cur.modules = m.group(1).split()
        if m := FAULT.search(line):
            cur.fault_address = int(m.group(1), 16)
        if m := CODE.search(line):
            cur.code = m.group(1)
        for rx, arch in ARCH:
            if cur.arch is None and rx.search(line):
                cur.arch = arch
        for name, value in REG.findall(line):
            cur.registers[name] = int(value, 16)
        if m := CONTEXT.search(line):
            ctx = {"IRQ": "irq", "NMI": "nmi", "SOFTIRQ": "softirq"}.get(m.group(1), "task")
        if m := FRAME.search(line):
            cur.frames.append(Frame(m.group(3), int(m.group(4), 16), int(m.group(5), 16), m.group(6),
                                    int(m.group(1), 16) if m.group(1) else None, m.group(2) is None, ctx))
    return reports
