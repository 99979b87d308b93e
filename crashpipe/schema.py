"""The dataset contract: one Arrow schema per table, every field documented.

Layout on disk: `DIR/<table>/run=YYYY-MM-DD/part-*.parquet` (hive partitioning), each
file carrying `crashpipe.schema_version` and `crashpipe.table` in its metadata.  Change a
field only deliberately and bump SCHEMA_VERSION with it; tests/test_schema.py holds the
golden copy.
"""
from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "1"
TABLES = ("reports", "frames", "buckets", "errors")


def _f(name: str, typ: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, typ, nullable=nullable, metadata={"doc": doc})


FRAME_FIELDS = [
    _f("frame_no", pa.int32(), "0-based position, innermost first", False),
    _f("address", pa.uint64(), "instruction address (return address for callers); null when printed only symbolically"),
    _f("symbol", pa.string(), "function name as printed or as resolved (clone suffixes kept)"),
    _f("offset", pa.uint64(), "offset of the address into symbol"),
    _f("size", pa.uint64(), "size of symbol"),
    _f("module", pa.string(), "module name for module text, null for vmlinux"),
    _f("file", pa.string(), "source file from DWARF line tables"),
    _f("line", pa.int32(), "source line from DWARF line tables (the call's line for callers)"),
    _f("inlined", pa.bool_(), "a virtual frame for an inlined call, listed before the physical frame holding it", False),
    _f("reliable", pa.bool_(), "false for `?` trace lines and scanned words", False),
    _f("method", pa.string(), "how the frame was found: trace | regs | fp | cfi | scan", False),
    _f("context", pa.string(), "stack the frame ran on: task | irq | softirq | nmi | exception"),
    _f("args", pa.list_(pa.uint64()), "argument words read from the stack where the ABI passes them there"),
    _f("skipped_reason", pa.string(), "why bucketing did not use this frame (generic, unreliable, scanned, beyond-depth)"),
]

FRAMES = pa.schema(
    [_f("report_id", pa.string(), "reports.report_id of the report this frame belongs to", False)] + FRAME_FIELDS,
    metadata={"doc": "one row per frame: printed call trace (method=trace) and re-unwound frames"},
)

REPORTS = pa.schema(
    [
        _f("report_id", pa.string(), "stable content hash of source, start line and report text", False),
        _f("source", pa.string(), "input name; `archive.tar.zst!dir/file.log` inside archives", False),
        _f("source_line", pa.int64(), "1-based line in source where the report starts", False),
        _f("arch", pa.string(), "x86_64, i386, arm64, arm, riscv64, ppc64, s390x, ... (from registers, banners, trace shape)"),
        _f("kernel_release", pa.string(), "uname -r of the crashed kernel, e.g. 6.1.0-56-amd64"),
        _f("kind", pa.string(), "report class: oops, gpf, bug, warning, kasan, lockdep, rcu_stall, hung_task, panic, ..."),
        _f("title", pa.string(), "one-line title in syzkaller's vocabulary"),
        _f("alt_titles", pa.list_(pa.string()), "alternative titles (syzkaller ALT:) used for dedup across kinds"),
        _f("bucket_id", pa.string(), "stable hash of the versioned frame signature (buckets.bucket_id)"),
        _f("family_id", pa.string(), "near-duplicate family of the bucket"),
        _f("corrupted", pa.bool_(), "the report is truncated, interleaved beyond repair or lacks its trace", False),
        _f("corrupted_reason", pa.string(), "why corrupted is set"),
        _f("tainted", pa.string(), "taint letters as printed (`G O`, `G W E`), null if untainted or not printed"),
        _f("process", pa.string(), "Comm: of the crashing task"),
        _f("pid", pa.int64(), "PID: of the crashing task"),
        _f("cpu", pa.int32(), "CPU number the report was printed on"),
        _f("hardware", pa.string(), "Hardware name: line"),
        _f("modules", pa.list_(pa.string()), "`Modules linked in:` list"),
        _f("registers", pa.map_(pa.string(), pa.uint64()), "register name -> value as printed"),
        _f("fault_address", pa.uint64(), "faulting data address (CR2, `at virtual address`, KASAN address)"),
        _f("code", pa.binary(), "Code: bytes in memory order"),
        _f("faulting_instruction", pa.string(), "disassembly of the faulting instruction from the Code: bytes"),
        _f("n_frames", pa.int32(), "number of frames of this report in the frames table", False),
        _f("unwind_agreement", pa.float64(), "share of printed reliable frames the re-unwind reproduced; null without a raw stack"),
    ],
    metadata={"doc": "one row per crash report found in the sources"},
)

BUCKETS = pa.schema(
    [
        _f("bucket_id", pa.string(), "stable hash of bucket_version + signature", False),
        _f("title", pa.string(), "title of the bucket (from its first report)"),
        _f("signature", pa.list_(pa.string()), "normalized frames that were hashed (pre-hash text, for explaining)"),
        _f("family_id", pa.string(), "near-duplicate family (same site, different callers)"),
        _f("n_reports", pa.int64(), "reports in this bucket so far", False),
        _f("first_seen", pa.timestamp("s", tz="UTC"), "run time the bucket was first seen"),
        _f("last_seen", pa.timestamp("s", tz="UTC"), "run time the bucket was last seen"),
        _f("kernel_releases", pa.list_(pa.string()), "kernel releases that hit the bucket"),
        _f("example_report_id", pa.string(), "one report of the bucket"),
        _f("bucket_version", pa.string(), "version of the signature rules that produced the id", False),
    ],
    metadata={"doc": "one row per bucket (duplicate class)"},
)

ERRORS = pa.schema(
    [
        _f("source", pa.string(), "input (or archive member) that failed", False),
        _f("source_line", pa.int64(), "line of the failure where known"),
        _f("stage", pa.string(), "ingest | split | parse | unwind | symbolize | bucket | sink", False),
        _f("error", pa.string(), "short error class", False),
        _f("detail", pa.string(), "human-readable explanation"),
    ],
    metadata={"doc": "every input that could not be (fully) processed has a row here"},
)

SCHEMAS: dict[str, pa.Schema] = {"reports": REPORTS, "frames": FRAMES, "buckets": BUCKETS, "errors": ERRORS}


def with_version(schema: pa.Schema, table: str) -> pa.Schema:
    meta = dict(schema.metadata or {})
    meta[b"crashpipe.schema_version"] = SCHEMA_VERSION.encode()
    meta[b"crashpipe.table"] = table.encode()
    return schema.with_metadata(meta)


def describe() -> str:
    """Markdown description of every table (used for the README and `crashpipe schema`)."""
    out = []
    for name, schema in SCHEMAS.items():
        out.append(f"### {name}\n\n{(schema.metadata or {}).get(b'doc', b'').decode()}\n\n| column | type | meaning |\n|---|---|---|")
        for f in schema:
            doc = (f.metadata or {}).get(b"doc", b"").decode()
            out.append(f"| {f.name} | {f.type} | {doc} |")
        out.append("")
    return "\n".join(out)
