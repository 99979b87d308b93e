"""The records every stage passes along: a parsed report and its frames.

These are plain dataclasses so that they pickle cheaply across the worker pool and
turn into Arrow rows (see `crashpipe.schema`) and JSON lines (`crashpipe parse --json`)
without per-stage glue.  Field meanings are documented once, in `crashpipe.schema`.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

# How a frame was found (frames.method).
METHODS = ("trace", "regs", "fp", "cfi", "scan")
# Which stack a frame ran on (frames.context).
CONTEXTS = ("task", "irq", "softirq", "nmi", "exception")


@dataclass
class Frame:
    frame_no: int = 0
    address: int | None = None
    symbol: str | None = None
    offset: int | None = None
    size: int | None = None
    module: str | None = None
    file: str | None = None
    line: int | None = None
    inlined: bool = False
    reliable: bool = True
    method: str = "trace"
    context: str = "task"
    args: list[int] | None = None
    skipped_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StackDump:
    """Raw stack memory printed by the kernel (`Stack:` words, hexdumps) or given by a
    crash collector.  `data` holds the bytes in the target's byte order, starting at
    address `base`."""

    base: int
    data: bytes
    word_size: int
    little_endian: bool = True
    what: str = "stack"  # "stack" or "exception" (arm's Exception stack(...) block)
    layout: str | None = None  # frame-record layout where the arch has several (arm: apcs/gcc); None = default
    text_ranges: list[tuple[int, int]] | None = None  # code ranges given with the dump (container), else from symbols


@dataclass
class Report:
    source: str = ""
    source_line: int = 0
    end_line: int = 0
    arch: str | None = None
    kernel_release: str | None = None
    kind: str | None = None
    title: str | None = None
    alt_titles: list[str] = field(default_factory=list)
    bucket_id: str | None = None
    family_id: str | None = None
    corrupted: bool = False
    corrupted_reason: str | None = None
    tainted: str | None = None
    process: str | None = None
    pid: int | None = None
    cpu: int | None = None
    hardware: str | None = None
    modules: list[str] = field(default_factory=list)
    registers: dict[str, int] = field(default_factory=dict)
    fault_address: int | None = None
    code: bytes | None = None
    faulting_instruction: str | None = None
    unwind_agreement: float | None = None
    frames: list[Frame] = field(default_factory=list)
    # Not in the reports table, kept for later stages.
    text: str = ""  # the report's cleaned lines (prefixes stripped), joined by "\n"
    stacks: list[StackDump] = field(default_factory=list)
    kaslr_offset: int | None = None  # from a `Kernel Offset:` line
    module_bases: dict[str, int] = field(default_factory=dict)  # module -> .text address, where the log tells
    # The bucket signature (kind token first) the worker computed with bucket_id, so the
    # parent's family assignment does not recompute it; None until bucketed.
    signature: list[str] | None = None

    @property
    def n_frames(self) -> int:
        return len(self.frames)

    @property
    def report_id(self) -> str:
        """Stable content hash: the same report text from the same source always gets
        the same id, so reruns and appends never duplicate rows."""
        # Hashing the text is the cost, and the stages ask for the id several times: the
        # id is kept with the exact inputs it was made from (the text by identity, so a
        # replaced text is seen), outside the dataclass fields.
        key = (self.source, self.source_line, self.text)
        cached = self.__dict__.get("_report_id")
        if cached is not None and cached[0] == key[0] and cached[1] == key[1] and cached[2] is key[2]:
            return cached[3]
        h = hashlib.blake2b(digest_size=12)
        h.update(self.source.encode("utf-8", "surrogateescape"))
        h.update(b"\0%d\0" % self.source_line)
        h.update(self.text.encode("utf-8", "surrogateescape"))
        rid = h.hexdigest()
        self.__dict__["_report_id"] = (*key, rid)
        return rid

    def to_dict(self, with_frames: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "report_id": self.report_id,
            "source": self.source,
            "source_line": self.source_line,
            "arch": self.arch,
            "kernel_release": self.kernel_release,
            "kind": self.kind,
            "title": self.title,
            "alt_titles": list(self.alt_titles),
            "bucket_id": self.bucket_id,
            "family_id": self.family_id,
            "corrupted": self.corrupted,
            "corrupted_reason": self.corrupted_reason,
            "tainted": self.tainted,
            "process": self.process,
            "pid": self.pid,
            "cpu": self.cpu,
            "hardware": self.hardware,
            "modules": list(self.modules),
            "registers": dict(self.registers),
            "fault_address": self.fault_address,
            "code": self.code.hex() if self.code is not None else None,
            "faulting_instruction": self.faulting_instruction,
            "n_frames": self.n_frames,
            "unwind_agreement": self.unwind_agreement,
        }
        if with_frames:
            d["frames"] = [f.to_dict() for f in self.frames]
        return d


@dataclass
class ErrorRow:
    source: str
    source_line: int | None
    stage: str  # ingest | split | parse | unwind | symbolize | bucket | sink
    error: str  # short machine-friendly class, e.g. "truncated-xz", "bad-tar-member"
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
