"""Shared fixtures.  Nothing here is autouse: each test asks for what it needs."""
from __future__ import annotations

import os
import re
from collections.abc import Callable

import pytest

from crashpipe.model import Frame, Report

SHARED = os.environ.get("CRASHPIPE_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
OOPSES = os.path.join(SHARED, "oopses")

# The stand-in parser's report marker: one report per line that starts with it.
STANDIN_MARK = re.compile(r"^(?:\[[ 0-9.]+\] )?(BUG: .*|WARNING: .*|Oops: .*)$")


def standin_parse_text(text: str, source: str) -> list[Report]:
    """One report per marker line, with one frame: enough to test ingest, fan-out and
    the sink without depending on the real parser's rules."""
    out = []
    for no, line in enumerate(text.split("\n"), 1):
        m = STANDIN_MARK.match(line[:4096])
        if m:
            out.append(Report(source=source, source_line=no, title=m.group(1), text=line, kind="standin",
                              registers={"pc": 0xFFFFFFFF81000000 + no},
                              frames=[Frame(0, 0xFFFFFFFF81000000 + no, "standin_fn", 0x10, 0x40)]))
    return out


@pytest.fixture
def standin_pipeline(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], list[Report]]:
    """The pipeline with the stand-in parser and no later stages or bucket index (forked
    workers inherit the patch)."""
    from crashpipe import pipeline

    monkeypatch.setattr(pipeline, "_resolved", {
        pipeline.PARSE[1:]: standin_parse_text,
        **{(mod, fn): None for _stage, mod, fn in pipeline.STAGES},
    })
    monkeypatch.setattr(pipeline, "bucket_index", lambda out_dir: None)
    return standin_parse_text


def has_real_parser() -> bool:
    try:
        from crashpipe.parse import parse_text  # noqa: F401
    except ImportError:
        return False
    return True


needs_parser = pytest.mark.skipif(not has_real_parser(), reason="crashpipe.parse not built yet")
needs_oopses = pytest.mark.skipif(not os.path.isdir(OOPSES), reason="../shared/oopses not present")
