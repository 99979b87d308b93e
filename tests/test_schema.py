"""Golden copy of the dataset contract (DESIGN.md "Dataset").  A change here must come
with a SCHEMA_VERSION bump: tools and users read these columns by name and type."""
import pyarrow as pa

from crashpipe import schema

GOLDEN = {
    "reports": {
        "report_id": pa.string(), "source": pa.string(), "source_line": pa.int64(), "arch": pa.string(),
        "kernel_release": pa.string(), "kind": pa.string(), "title": pa.string(),
        "alt_titles": pa.list_(pa.string()), "bucket_id": pa.string(), "family_id": pa.string(),
        "corrupted": pa.bool_(), "corrupted_reason": pa.string(), "tainted": pa.string(),
        "process": pa.string(), "pid": pa.int64(), "cpu": pa.int32(), "hardware": pa.string(),
        "modules": pa.list_(pa.string()), "registers": pa.map_(pa.string(), pa.uint64()),
        "fault_address": pa.uint64(), "code": pa.binary(), "faulting_instruction": pa.string(),
        "n_frames": pa.int32(), "unwind_agreement": pa.float64(),
    },
    "frames": {
        "report_id": pa.string(), "frame_no": pa.int32(), "address": pa.uint64(), "symbol": pa.string(),
        "offset": pa.uint64(), "size": pa.uint64(), "module": pa.string(), "file": pa.string(),
        "line": pa.int32(), "inlined": pa.bool_(), "reliable": pa.bool_(), "method": pa.string(),
        "context": pa.string(), "args": pa.list_(pa.uint64()), "skipped_reason": pa.string(),
    },
    "buckets": {
        "bucket_id": pa.string(), "title": pa.string(), "signature": pa.list_(pa.string()),
        "family_id": pa.string(), "n_reports": pa.int64(), "first_seen": pa.timestamp("s", tz="UTC"),
        "last_seen": pa.timestamp("s", tz="UTC"), "kernel_releases": pa.list_(pa.string()),
        "example_report_id": pa.string(), "bucket_version": pa.string(),
    },
    "errors": {
        "source": pa.string(), "source_line": pa.int64(), "stage": pa.string(), "error": pa.string(),
        "detail": pa.string(),
    },
}


def test_schema_matches_golden():
    assert schema.SCHEMA_VERSION == "1"
    assert set(schema.SCHEMAS) == set(GOLDEN)
    for table, cols in GOLDEN.items():
        s = schema.SCHEMAS[table]
        assert {f.name: f.type for f in s} == cols, table


def test_every_field_is_documented():
    for table, s in schema.SCHEMAS.items():
        for f in s:
            assert (f.metadata or {}).get(b"doc"), f"{table}.{f.name} has no doc"


def test_version_in_metadata():
    s = schema.with_version(schema.REPORTS, "reports")
    assert s.metadata[b"crashpipe.schema_version"] == schema.SCHEMA_VERSION.encode()
    assert s.metadata[b"crashpipe.table"] == b"reports"
